"""Typical values asked of the model, one numeric column at a time, before the program is made.

A spec's bounds say what is allowed, not what is usual: drawn evenly between them, a house has
520 m2 and 6 bedrooms. Small models know what is usual when asked plainly, with the column's
meaning and unit, one question at a time ("a typical house: 120 m2, most between 70 and 200"),
as JSON constrained by a schema. Their numbers still need checking: an answer is kept only when
it lies inside the column's bounds and away from them, its range is a range around it and not
the bounds repeated, and it says something the bounds alone do not. Kept answers become the
column's ``typical`` and ``typical_range`` (spec v1), which the starting program draws around
(``shaperuntime.shape_typical``); the spec the user wrote is saved unchanged, the answers in the
manifest.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from codegen.errors import LLMError
from codegen.llm.client import ChatClient, ChatMessage
from codegen.pipeline.attempt import Progress, completion_usage
from codegen.spec.model import Spec

TYPICAL_MAX_TOKENS = 60


class TypicalReply(BaseModel):
    typical: float
    low: float
    high: float


class ShareReply(BaseModel):
    """For a boolean column: the share of rows that are true."""

    share: float


@dataclass
class TypicalAnswer:
    """One question and what became of it (the manifest keeps these)."""

    table: str
    column: str
    typical: float | None = None
    low: float | None = None
    high: float | None = None
    kept: bool = False
    why: str = ""  # why an answer was not kept
    usage: dict[str, int] = field(default_factory=dict)
    llm_s: float = 0.0
    cached: bool = False  # a cached reply cost nothing this time

    def record(self) -> dict[str, Any]:
        return asdict(self)


def response_format(boolean: bool = False) -> dict[str, Any]:
    reply = ShareReply if boolean else TypicalReply
    name = "share_true" if boolean else "typical_value"
    return {
        "type": "json_schema",
        "json_schema": {"name": name, "schema": reply.model_json_schema()},
    }


def columns_to_ask(spec: Spec) -> list[tuple[str, str]]:
    """(table, column) of every numeric or boolean column drawn freely: not a key or reference,
    no value list, no typical value given, not made from other columns by a check."""
    from codegen.program.rules import plan_table

    asked = []
    for table_name, table in spec.tables.items():
        plan = plan_table(table, table_name)
        for name, column in table.columns.items():
            if column.type not in ("integer", "float", "boolean") or column.typical is not None:
                continue
            if column.primary_key or column.references or column.values or column.unique:
                continue
            planned = plan.columns[name]
            if planned.define is not None or planned.bounds or planned.otherwise is not None:
                continue
            if planned.values is not None:
                continue
            if column.type == "boolean" and name in _read_by_checks(plan):
                continue  # a flag a check ties to other columns (passed = points >= 55)
            asked.append((table_name, name))
    return asked


def _read_by_checks(plan: Any) -> set[str]:
    return {name for _, parsed in plan.checks for name in parsed.columns}


def question(spec: Spec, table_name: str, name: str) -> list[ChatMessage]:
    """The question for one column: the dataset, the table and the column in words, without
    its bounds (given the bounds, small models answer their midpoint: "500 m2" for a house
    between 15 and 1000 m2; the bounds check the answer instead)."""
    table = spec.tables[table_name]
    column = table.columns[name]
    about = f" ({column.description})" if column.description else ""
    kind = {"integer": "a whole number", "float": "a number", "boolean": "true or false"}
    if column.type == "boolean":
        ask = (
            f'In real data like this, what share of rows has "{name}" true? Answer as JSON: '
            '{"share": a number from 0 to 1}.'
        )
    else:
        ask = (
            f'In real data like this, what is the typical (median) value of "{name}", and '
            "between which two values do most rows (80%) lie? Use the unit the column's name "
            'says. Answer as JSON: {"typical": number, "low": number, "high": number}.'
        )
    lines = [
        f"Dataset: {spec.description or spec.name}",
        f'Table "{table_name}"' + (f": {table.description}" if table.description else ""),
        f'Column "{name}"{about}: {kind[column.type]}.',
        "",
        ask,
    ]
    return [
        {
            "role": "system",
            "content": "You know what real-world data looks like. Answer with JSON only.",
        },
        {"role": "user", "content": "\n".join(lines)},
    ]


def check_answer(column: Any, reply: TypicalReply) -> str:
    """Why an answer cannot shape the column ("" when it can)."""
    typical, low, high = reply.typical, reply.low, reply.high
    if not all(math.isfinite(v) for v in (typical, low, high)):
        return "not a number"
    if not low <= typical <= high or low == high:
        return "its range is not a range around its typical value"
    lowest, highest = column.min, column.max
    if lowest is not None and typical <= lowest or highest is not None and typical >= highest:
        return "its typical value is at or outside the column's bounds"
    if lowest is not None and highest is not None:
        span = float(highest) - float(lowest)
        if min(typical - lowest, highest - typical) < 0.02 * span:
            return "its typical value sits at a bound"
        if low <= lowest and high >= highest:
            return "its range is the column's bounds again"
    if column.type == "integer" and high - low < 1:
        return "its range is narrower than one whole number"
    return ""


def ask_typical(
    client: ChatClient,
    spec: Spec,
    *,
    seed: int = 0,
    progress: Progress | None = None,
) -> tuple[Spec, list[TypicalAnswer]]:
    """``spec`` with ``typical`` and ``typical_range`` set on the numeric columns the model
    answered well for, and every answer (kept or not). An endpoint error ends the questions
    early, with the spec as it stands: typical values improve data, they never block it."""
    say = progress or (lambda line: None)
    data = spec.model_dump(mode="json", exclude_none=True)
    answers: list[TypicalAnswer] = []
    for table_name, name in columns_to_ask(spec):
        column = spec.tables[table_name].columns[name]
        answer = TypicalAnswer(table_name, name)
        answers.append(answer)
        started = time.perf_counter()
        boolean = column.type == "boolean"
        try:
            completion = client.complete(
                question(spec, table_name, name),
                temperature=0.0,
                seed=seed,
                max_tokens=TYPICAL_MAX_TOKENS,
                response_format=response_format(boolean),
            )
        except LLMError as exc:
            answer.why = f"the endpoint failed: {exc}"
            say(f"typical values: stopped asking ({exc})")
            break
        answer.llm_s = round(time.perf_counter() - started, 3)
        answer.usage, answer.cached = completion_usage(completion), completion.cached
        target = data["tables"][table_name]["columns"][name]
        try:
            if boolean:
                share = ShareReply.model_validate_json(_json_part(completion.text)).share
            else:
                reply = TypicalReply.model_validate_json(_json_part(completion.text))
        except ValidationError:
            answer.why = "the reply is not the JSON asked for"
            continue
        if boolean:
            answer.typical = share
            answer.why = "" if 0 < share < 1 else "a share is between 0 and 1, neither"
            if not answer.why:
                answer.kept, target["typical"] = True, share
                say(f"typical {table_name}.{name}: {share:.0%} true")
            continue
        answer.typical, answer.low, answer.high = reply.typical, reply.low, reply.high
        answer.why = check_answer(column, reply)
        if answer.why:
            continue
        answer.kept = True
        typical, low, high = reply.typical, reply.low, reply.high
        if column.min is not None:
            low = max(low, float(column.min))
        if column.max is not None:
            high = min(high, float(column.max))
        if column.type == "integer":
            typical, low, high = round(typical), math.floor(low), math.ceil(high)
        target["typical"] = typical
        target["typical_range"] = [low, high] if low < high else [low, low + 1]
        say(f"typical {table_name}.{name}: {_show(typical)} (most {_show(low)} to {_show(high)})")
    return Spec.model_validate(data), answers


def _json_part(text: str) -> str:
    """The JSON object in a reply (servers that ignore ``response_format`` may wrap it)."""
    start, end = text.find("{"), text.rfind("}")
    return text[start : end + 1] if start >= 0 and end > start else text


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
