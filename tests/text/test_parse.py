"""Replies in every layout a server may send, read into records; what cannot be read is
counted with its reason."""

from __future__ import annotations

import json

from codegen.text.parse import parse_reply

INPUTS, OUTPUTS = ["product_name", "category"], ["description"]
CHAIR = {"product_name": "Oak Chair", "category": "Furniture", "description": "A sturdy chair."}
MUG = {"product_name": "Blue Mug", "category": "Kitchen", "description": "Holds tea."}


def parse(text: str, **options):
    return parse_reply(text, INPUTS, OUTPUTS, **options)


def test_schema_json():
    parsed = parse(json.dumps({"records": [CHAIR, MUG]}), expected=2)
    assert parsed.layout == "json"
    assert parsed.records == [CHAIR, MUG] and not parsed.unreadable


def test_fenced_json_after_a_sentence():
    text = f"Sure! Here are the records:\n```json\n{json.dumps([CHAIR, MUG])}\n```\nEnjoy."
    parsed = parse(text)
    assert parsed.layout == "fenced json" and parsed.records == [CHAIR, MUG]


def test_json_lines():
    parsed = parse(json.dumps(CHAIR) + "\n" + json.dumps(MUG))
    assert parsed.records == [CHAIR, MUG]


def test_nested_input_output_objects_and_a_bad_item():
    item = {"input": {"product_name": "Oak Chair", "category": "Furniture"},
            "output": {"description": "A sturdy chair."}}  # fmt: skip
    parsed = parse(json.dumps({"records": [item, 7]}))
    assert parsed.records == [CHAIR]
    assert [(u.reason, u.count) for u in parsed.unreadable] == [
        ("a list item that is not an object", 1)
    ]


def test_input_output_layout():
    text = (
        "Input: Oak Chair, Furniture\nOutput: A sturdy chair.\n\n"
        "Input: Blue Mug, Kitchen\nOutput: Holds tea.\nIt is blue.\n"
    )
    parsed = parse(text)
    assert parsed.layout == "labelled"
    assert parsed.records[0] == CHAIR
    assert parsed.records[1]["description"] == "Holds tea.\nIt is blue."


def test_input_line_that_cannot_be_split_is_counted():
    parsed = parse("Input: Oak Chair\nOutput: A sturdy chair.\nInput: Mug, Kitchen\nOutput: Tea.")
    assert len(parsed.records) == 1
    assert parsed.unreadable[0].reason.startswith("an Input: line that cannot be split")


def test_numbered_list_of_labelled_fields():
    text = (
        "Here you go:\n"
        "1. **Product name**: Oak Chair\n   **Category**: Furniture\n"
        "   **Description**: A sturdy chair.\n"
        "2. **Product name**: Blue Mug\n   **Category**: Kitchen\n   **Description**: Holds tea."
    )
    parsed = parse(text)
    assert parsed.records == [CHAIR, MUG] and not parsed.unreadable


def test_cut_json_keeps_whole_records_and_counts_the_cut_one():
    whole = json.dumps({"records": [CHAIR, MUG]})
    parsed = parse(whole[:-40], expected=2, truncated=True)
    assert parsed.records == [CHAIR]
    assert [(u.reason, u.count) for u in parsed.unreadable] == [("cut off at the token limit", 1)]


def test_malformed_json_keeps_what_decodes():
    text = '{"records": [' + json.dumps(CHAIR) + ', {"product_name": "Mug", "category": Kitchen}]}'
    parsed = parse(text, expected=2)
    assert parsed.records == [CHAIR]
    assert [(u.reason, u.count) for u in parsed.unreadable] == [("malformed JSON", 1)]


def test_prose_counts_every_record_asked_for():
    parsed = parse("Sorry, I cannot help with that request.", expected=5)
    assert parsed.records == [] and parsed.layout == "none"
    assert [(u.reason, u.count) for u in parsed.unreadable] == [
        ("neither JSON nor a layout of labelled fields", 5)
    ]
