"""A second opinion on the price of one item of a catalogue, from examples of the items.

Asked for the typical price of one of its rows, the embedded model answers a number that does
not depend much on what is sold: EUR 12.90 for a Munich bakery's products, 10.50 for a Lisbon
pharmacy's, 150 for an outdoor shop's. Asked to think of ten real rows and say what each is
and its price, it names a loaf at 1.50 and a croissant at 1.60, a cold remedy at 3.49, a
backpack at 50 and boots at 120: what it knows of prices is tied to the things. Where the two
disagree by more than ``DISAGREE`` times, the examples' median and spread shape the column
(measured 2026-11-28 on seven specs' catalogues: the examples' median was nearer a domain
expert's figure in five, a bakery's, a pharmacy's, an outdoor shop's, a used-car dealer's
(38,000 against 1,500) and a course platform's; as near in one, a pizzeria's menu; and a
counted ladder in the seventh, a supermarket's, which is not used).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from codegen.llm.client import ChatClient, ChatMessage
from codegen.pipeline.attempt import Progress
from codegen.pipeline.typical import (
    TypicalAnswer,
    _json_schema,
    _request,
    _show,
    is_ladder,
    json_object,
    question_about,
)
from codegen.spec.model import Spec

EXAMPLES = 10  # the rows asked for
EXAMPLES_LEAST = 6  # the examples within the column's bounds a median is taken of, at least
DISAGREE = 2.0  # the first answer and the examples' median this many times apart: examples
EXAMPLES_MAX_TOKENS = 600
EXAMPLES_LADDER_SHARE = 0.7  # the share of equal steps that makes examples a ladder
EXAMPLES_SCHEMA = {
    "type": "object",
    "properties": {
        "examples": {
            "type": "array",
            "minItems": EXAMPLES,
            "maxItems": EXAMPLES,
            "items": {
                "type": "object",
                "properties": {"what": {"type": "string"}, "value": {"type": "number"}},
                "required": ["what", "value"],
            },
        }
    },
    "required": ["examples"],
}


def is_priced_item(spec: Spec, table_name: str, name: str) -> bool:
    """Whether a column is the price of one of a catalogue's items: a price of one unit by no
    period (``price_eur``, ``unit_price``; not a ``daily_rate``, a total or a key) in a table
    of ``EXAMPLES`` things or more, one other tables point at or one with a ``name``."""
    from codegen.pipeline.parents import _name_words, _period, _unit_price

    table = spec.tables[table_name]
    column = table.columns[name]
    if not _unit_price(name, column) or _period(name) is not None:
        return False
    if "price" not in _name_words(name):
        return False
    if table.rows < EXAMPLES:
        return False  # a few plans, each its own price: asked one at a time (by category)
    pointed_at = any(
        parent == table_name and child != table_name for child, _, parent, _ in spec.references()
    )
    named = any(set(_name_words(other)) & {"name", "title"} for other in table.columns)
    return pointed_at or named


def examples_question(spec: Spec, table_name: str, name: str) -> list[ChatMessage]:
    column = spec.tables[table_name].columns[name]
    about = f" ({column.description})" if column.description else ""
    what = "a whole number" if column.type == "integer" else "a number"
    return question_about(
        spec,
        table_name,
        [f'Column "{name}"{about}: {what}.'],
        f'Think of {EXAMPLES} different real "{table_name}" rows and write, for each, a few '
        f'words saying what it is and its "{name}", in the unit the column\'s name says. '
        'Answer as JSON: {"examples": [{"what": words, "value": number}, ...]}.',
    )


def examples_kept(column: Any, examples: list[dict[str, Any]]) -> tuple[list[float], str]:
    """The examples' values within the column's bounds, and why they are not used ("" when
    they are)."""
    values = [float(e["value"]) for e in examples if isinstance(e.get("value"), int | float)]
    # bananas at 0.5, apples at 1, milk at 2, cheese at 3...: counted. Prices of a bakery's
    # rolls and loaves ten cents apart are not (four of nine steps equal).
    if is_ladder(values, EXAMPLES_LADDER_SHARE):
        return values, "the examples step up evenly, as if counted"
    inside = [
        v
        for v in values
        if (column.min is None or v >= float(column.min))
        and (column.max is None or v <= float(column.max))
        and v > 0
    ]
    if len(inside) < EXAMPLES_LEAST:
        return inside, f"fewer than {EXAMPLES_LEAST} examples within the column's bounds"
    return inside, ""


def settle_by_examples(
    client: ChatClient,
    spec: Spec,
    table_name: str,
    name: str,
    line: str,
    target: dict[str, Any],
    answers: list[TypicalAnswer],
    seed: int,
    say: Progress,
) -> str | None:
    """The price of one item asked again as examples of the items (``is_priced_item``); where
    their median and the typical value kept are more than ``DISAGREE`` times apart (or none was
    kept), the examples' median and 10th to 90th percentiles are set on ``target``. The line
    as it then reads; None where the endpoint failed."""
    column = spec.tables[table_name].columns[name]
    answer = TypicalAnswer(table_name, name, asked="examples of its rows")
    answers.append(answer)
    text = _request(
        client,
        examples_question(spec, table_name, name),
        _json_schema("examples", EXAMPLES_SCHEMA),
        EXAMPLES_MAX_TOKENS,
        answer,
        seed,
        say,
    )
    if text is None:
        return None
    outcome = _read(text)
    if outcome is False:
        answer.why = "the reply is not the JSON asked for"
        return line
    values, answer.why = examples_kept(column, outcome)
    answer.lists = {"examples": [str(e.get("what", ""))[:80] for e in outcome]}
    if answer.why:
        return line
    median = float(np.median(values))
    low, high = (float(x) for x in np.quantile(values, [0.1, 0.9]))
    if column.type == "integer":
        median, low, high = round(median), np.floor(low), np.ceil(high)
    answer.typical, answer.low, answer.high = median, low, high
    first = target.get("typical")
    near = first is not None and float(first) > 0
    if near and max(median / float(first), float(first) / median) <= DISAGREE:
        answer.why = "it agrees with the typical value asked"
        return line
    answer.kept = True
    for earlier in answers:
        if (earlier.table, earlier.column, earlier.kept) == (table_name, name, True):
            if earlier is not answer and earlier.asked.startswith("typical"):
                earlier.kept, earlier.why = False, "examples of its rows disagree"
    target["typical"] = median
    target["typical_range"] = [low, high] if low < high else [low * 0.8, high * 1.25]
    shown = f"{_show(median)} (most {_show(low)} to {_show(high)}), from {len(values)} examples"
    return shown + (f", not {_show(float(first))}" if first is not None else "")


def _read(text: str) -> list[dict[str, Any]] | Literal[False]:
    reply = json_object(text) or {}
    examples = reply.get("examples")
    if not isinstance(examples, list) or not all(isinstance(e, dict) for e in examples):
        return False
    return examples
