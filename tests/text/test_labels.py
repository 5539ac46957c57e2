"""Planned values (codegen/text/labels.py): how many records get each allowed value, and how
they are spread over the topics. The route's use of them is tested through HTTP in
test_route.py."""

from __future__ import annotations

from collections import Counter

from codegen.spec.text import parse_text_spec
from codegen.text.labels import (
    MAX_COMBINATIONS,
    balanced_fields,
    off_plan,
    plan_slots,
    value_counts,
    values_report,
)


def spec(outputs: dict, inputs: dict | None = None) -> object:
    return parse_text_spec(
        {
            "name": "reviews",
            "kind": "text",
            "task": "Label hotel reviews.",
            "records": 10,
            "inputs": inputs or {"review": {"min_words": 5}},
            "outputs": outputs,
        }
    )


SENTIMENT = {"sentiment": {"values": ["positive", "mixed", "negative"]}}


def test_labels_are_planned_and_input_categories_are_left_to_the_topics():
    category = {"review": {}, "hotel": {"values": ["city", "resort"]}}
    assert balanced_fields(spec(SENTIMENT, category)) == ["sentiment"]
    category["hotel"]["balance"] = True
    assert balanced_fields(spec(SENTIMENT, category)) == ["sentiment", "hotel"]
    assert balanced_fields(spec({"sentiment": {**SENTIMENT["sentiment"], "balance": False}})) == []
    assert balanced_fields(spec({"reason": {"max_words": 20}})) == []


def test_fields_past_the_combination_limit_are_left_to_the_model():
    many = {"topic": {"values": [f"t{i}" for i in range(MAX_COMBINATIONS // 2)]}}
    outputs = {**SENTIMENT, **many}
    # 3 x 6 = 18 combinations: the second field is not planned, the first still is.
    assert balanced_fields(spec(outputs)) == ["sentiment"]


def test_counts_follow_the_shares_and_add_up_exactly():
    assert value_counts(spec(SENTIMENT), 10) == {
        (("sentiment", "positive"),): 4,
        (("sentiment", "mixed"),): 3,
        (("sentiment", "negative"),): 3,
    }
    weighted = {"sentiment": {**SENTIMENT["sentiment"], "shares": {"positive": 3, "mixed": 1}}}
    counts = value_counts(spec(weighted), 9)
    assert counts == {(("sentiment", "positive"),): 7, (("sentiment", "mixed"),): 2}
    # Each field's own totals are as its shares say, not only the combinations'.
    triage = {"priority": {"values": ["low", "normal", "urgent"],
                           "shares": {"low": 1, "normal": 2, "urgent": 1}},
              "team": {"values": ["net", "hr", "it", "ops"]}}  # fmt: skip
    totals = Counter()
    for values, count in value_counts(spec(triage), 24).items():
        for field_value in values:
            totals[field_value] += count
    assert totals == {("priority", "low"): 6, ("priority", "normal"): 12,
                      ("priority", "urgent"): 6, ("team", "net"): 6, ("team", "hr"): 6,
                      ("team", "it"): 6, ("team", "ops"): 6}  # fmt: skip
    both = {**SENTIMENT, "urgent": {"values": ["yes", "no"]}}
    counts = value_counts(spec(both), 25)
    assert sum(counts.values()) == 25 and len(counts) == 6
    assert max(counts.values()) - min(counts.values()) <= 1
    assert value_counts(spec({"reason": {}}), 7) == {(): 7}


def test_each_topic_gets_an_even_share_and_each_value_its_share_of_it():
    plan = plan_slots(spec(SENTIMENT), ["pool", "breakfast", "staff"], 20)
    by_topic, by_value = Counter(), Counter()
    for (topic, values), count in plan.items():
        by_topic[topic] += count
        by_value[dict(values)["sentiment"]] += count
    assert sorted(by_topic.values()) == [6, 7, 7]
    assert by_value == {"positive": 7, "mixed": 7, "negative": 6}
    # No topic is all one label; from 3 records a label per topic (half a batch), every topic
    # has every label.
    assert all(len({v for (t, v) in plan if t == topic}) >= 2 for topic in by_topic)
    plan = plan_slots(spec(SENTIMENT), ["pool", "breakfast", "staff"], 27)
    assert all(len({v for (t, v) in plan if t == topic}) == 3 for topic in by_topic)
    assert len(plan) == 9 and set(plan.values()) == {3}
    assert plan_slots(spec({"reason": {}}), ["a", "b"], 5) == {("a", ()): 3, ("b", ()): 2}


def test_many_combinations_do_not_shrink_requests_to_one_record():
    # 2 labels x 6 values = 12 combinations of 2 records: one request each, not one per topic.
    both = {**SENTIMENT, "team": {"values": ["net", "hr", "it", "ops"]}}
    plan = plan_slots(spec(both), ["a", "b", "c", "d"], 24)
    assert len(plan) == 12 and set(plan.values()) == {2}
    held = Counter()
    for (topic, _), count in plan.items():
        held[topic] += count
    assert set(held.values()) == {6}


def test_off_plan_names_the_field_and_both_values():
    values = (("sentiment", "mixed"),)
    assert off_plan({"sentiment": "mixed"}, values) == []
    assert off_plan({"sentiment": "positive"}, values) == [
        ("sentiment", "sentiment is 'positive' where 'mixed' was asked for")
    ]


def test_the_report_shows_planned_and_kept_counts_with_the_missing_values():
    category = {"review": {}, "hotel": {"values": ["city", "resort"]}}
    records = [{"sentiment": "positive", "hotel": "city"}] * 3 + [{"sentiment": "negative"}]
    report = values_report(spec(SENTIMENT, category), records, 4)
    assert report["sentiment"] == {
        "balanced": True,
        "planned": {"positive": 2, "mixed": 1, "negative": 1},
        "kept": {"positive": 3, "mixed": 0, "negative": 1},
    }
    assert report["hotel"] == {"balanced": False, "planned": None, "kept": {"city": 3, "resort": 0}}
