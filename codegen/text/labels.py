"""Allowed values planned, not left to chance: how many records get each value of a label.

Asked for records about a topic, a model picks the label it finds easiest: a 1.5B model asked
for hotel reviews labelled positive, mixed or negative wrote 13 positive, 7 negative and not one
mixed. A classifier fine-tuned on that set never learns the middle class. So, as tabular
generators sample a category before they write the text that goes with it, the run first decides
how many records get each value (the field's ``shares``, even by default), spreads each value's
records over the topics, and asks every batch for one value: the prompt says which, and the
schema allows only that value, so the model writes an input that fits the label it was given.

A *slot* is what one batch is asked for: a topic and the value of each balanced field. The plan
maps slots to how many records each should get.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from codegen.spec.text import TextSpec

# Balanced fields are taken in order while their value combinations stay this few: past it, a
# batch per (topic, combination) would ask for one record at a time.
MAX_COMBINATIONS = 12

Values = tuple[tuple[str, str], ...]  # ((field, value), ...) of the balanced fields
Slot = tuple[str, Values]  # (topic, values)


def balanced_fields(spec: TextSpec) -> list[str]:
    """The fields whose values are planned: outputs first (labels), then inputs that ask for it,
    while the combinations of their values stay within ``MAX_COMBINATIONS``."""
    chosen: list[str] = []
    combinations = 1
    for side in ("outputs", "inputs"):
        for name, field in getattr(spec, side).items():
            if not field.balanced(side):
                continue
            values = len(shares_of(field))
            if combinations * values > MAX_COMBINATIONS:
                continue
            chosen.append(name)
            combinations *= values
    return chosen


def value_counts(spec: TextSpec, total: int) -> dict[Values, int]:
    """How many of ``total`` records get each combination of the balanced fields' values. Field
    by field, each earlier combination's records are shared out by largest remainder; a tie goes
    to the value furthest below its own total, so every field's totals come out as its shares
    say (1:2:1 of 24 is 6, 12, 6, whatever the other fields), not only the combinations'."""
    counts: dict[Values, int] = {(): total}
    for name in balanced_fields(spec):
        shares = shares_of(spec.fields[name])
        values = list(shares)
        wanted = _largest_remainder(total, shares, lambda v: 0)
        given: Counter[str] = Counter()
        split: dict[Values, int] = {}
        for prefix, count in counts.items():
            below = {v: wanted[v] - given[v] for v in values}
            own = _largest_remainder(count, shares, lambda v, below=below: -below[v])
            for value in values:
                given[value] += own[value]
                if own[value]:
                    split[prefix + ((name, value),)] = own[value]
        counts = split
    return counts


def _largest_remainder(total: int, shares: dict[str, float], tie: Any) -> dict[str, int]:
    """``total`` in whole numbers by ``shares``: the floors, then one more to the largest
    remainders (ties by ``tie(value)``, lower first; then the order listed)."""
    exact = {v: total * share for v, share in shares.items()}
    whole = {v: math.floor(amount + 1e-9) for v, amount in exact.items()}
    short = total - sum(whole.values())
    order = sorted(shares, key=lambda v: (-round(exact[v] - whole[v], 9), tie(v)))
    for value in order[:short]:
        whole[value] += 1
    return whole


def plan_slots(spec: TextSpec, topics: list[str], total: int) -> dict[Slot, int]:
    """``total`` records over topics x value combinations. Without balanced fields, the topics
    share the records evenly. With them, each combination's count is spread over as many topics
    as it can fill with at least half a batch each (every topic sees every label where the
    counts allow, and no request shrinks to one record because there are many combinations),
    the least filled topics first, so topics still get even shares."""
    counts = value_counts(spec, total)
    if list(counts) == [()]:
        base, extra = divmod(total, len(topics))
        shares = {topic: base + (i < extra) for i, topic in enumerate(topics)}
        return {(topic, ()): share for topic, share in shares.items() if share}
    least = max(1, math.ceil(spec.batch_size / 2))
    held = {topic: 0 for topic in topics}
    plan: Counter[Slot] = Counter()
    for values, count in sorted(counts.items(), key=lambda item: -item[1]):
        spread = min(len(topics), max(1, count // least))
        pieces = [count // spread + (i < count % spread) for i in range(spread)]
        # The least filled topics take the largest pieces (ties: the topic listed first).
        chosen = sorted(topics, key=lambda topic: held[topic])[:spread]
        for topic, size in zip(chosen, pieces, strict=True):
            if size:
                held[topic] += size
                plan[(topic, values)] += size
    # Asked topic by topic, each topic's values in the spec's order.
    topic_at = {topic: i for i, topic in enumerate(topics)}
    values_at = {values: i for i, values in enumerate(counts)}
    order = sorted(plan, key=lambda slot: (topic_at[slot[0]], values_at[slot[1]]))
    return {slot: plan[slot] for slot in order}


def off_plan(fields: dict[str, str], values: Values) -> list[tuple[str, str]]:
    """(field, reason) for each value of a record that differs from what its batch was asked
    for (a server that ignored the schema)."""
    return [
        (name, f"{name} is '{fields.get(name, '')}' where '{value}' was asked for")
        for name, value in values
        if fields.get(name) != value
    ]


def kept_values(spec: TextSpec, records: list[dict[str, str]]) -> dict[str, dict[str, int]]:
    """For every field with allowed values: how many kept records have each value (values
    with none included, in the spec's order)."""
    counts = {}
    for name, field in spec.fields.items():
        if field.values:
            seen = Counter(record.get(name) for record in records)
            counts[name] = {value: seen.get(value, 0) for value in field.values}
    return counts


def values_report(spec: TextSpec, records: list[dict[str, str]], target: int) -> dict[str, Any]:
    """The report's section on allowed values: which fields were planned, the planned count of
    each value at the run's target, and what the kept records hold."""
    fields = balanced_fields(spec)
    planned: dict[str, Counter[str]] = {name: Counter() for name in fields}
    for values, count in value_counts(spec, target).items():
        for name, value in values:
            planned[name][value] += count
    return {
        name: {
            "balanced": name in fields,
            "planned": dict(planned[name]) if name in fields else None,
            "kept": kept,
        }
        for name, kept in kept_values(spec, records).items()
    }


def shares_of(field: Any) -> dict[str, float]:
    """Each allowed value's share of the records (its ``shares``, even by default), adding up
    to 1; values with none are left out."""
    weights = {
        value: 1.0 if field.shares is None else max(float(field.shares.get(value, 0.0)), 0.0)
        for value in field.values or []
    }
    total = sum(weights.values())
    return {value: weight / total for value, weight in weights.items() if weight > 0}
