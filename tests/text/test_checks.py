"""Per-record checks: each failure has a code and a message that names the field."""

from __future__ import annotations

import pytest

from codegen.spec.text import parse_text_spec
from codegen.text.checks import check_record, other_language

SPEC = parse_text_spec(
    {
        "name": "t",
        "kind": "text",
        "task": "Describe products.",
        "records": 3,
        "language": "en",
        "inputs": {
            "product_name": {"min_words": 1, "max_words": 6},
            "category": {"values": ["Kitchen", "Garden"]},
        },
        "outputs": {"description": {"min_words": 8, "max_words": 40}},
    }
)
GOOD = {
    "product_name": "Oak Chair",
    "category": "kitchen",
    "description": "A sturdy chair of solid oak that seats one adult at the kitchen table.",
}


def codes(record):
    return sorted(f.code for f in check_record(SPEC, record)[1])


def test_a_good_record_passes_and_takes_the_allowed_spelling():
    tidy, failures = check_record(SPEC, GOOD)
    assert failures == [] and tidy["category"] == "Kitchen"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"description": ""}, "missing"),
        ({"product_name": "   "}, "missing"),
        ({"description": "Too short."}, "length"),
        ({"category": "Toys"}, "value"),
        ({"description": "Oak Chair kitchen"}, "echo"),
        ({"product_name": "[Product Name]"}, "template"),
        ({"description": "Lorem ipsum dolor sit amet, consectetur adipiscing elit sed do."},
         "template"),
        ({"description": "Une chaise solide en chêne pour la table de la cuisine et des amis."},
         "language"),
    ],
)  # fmt: skip
def test_failures(change, code):
    assert code in codes({**GOOD, **change})


def test_a_missing_key_is_missing():
    record = dict(GOOD)
    del record["description"]
    assert codes(record) == ["missing"]


def test_an_output_that_repeats_the_input_at_its_length():
    record = {**GOOD, "product_name": "Solid oak chair for kitchen table seats one adult"}
    record["description"] = "Solid oak chair for the kitchen table, seats one adult"
    assert "echo" in codes(record)


def test_language_needs_enough_words():
    assert other_language("Bonjour", "en") is None
    assert other_language("Der Stuhl ist aus Eiche und steht in der Küche mit dem Tisch", "en")
