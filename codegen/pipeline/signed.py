"""Signed amounts asked per category: the typical amount of each kind of row, with its sign.

A bank movement is a salary coming in (EUR +2,500) or a card payment going out (EUR -35). No
one typical value serves both, so such a column is left out of the plain typical question
(``typical._entangled``) and was drawn around 0 between its bounds: salaries of EUR 40 and
card payments of EUR 1,800. Here each kind's typical amount is asked in one question, and the
sign and size each kind must have are read from the table's checks on the two columns
(``kind <> 'salary' OR amount_eur > 0``, ATM withdrawals in whole tens): an answer with the
wrong sign is turned round, a size the checks refuse is rounded to one they accept, a kind no
sign fits is left out. The kept values become the column's ``typical_by`` without ``typical``:
each row is drawn around its own kind's amount (``shaperuntime.shape_signed_by``).
"""

from __future__ import annotations

import math
from typing import Any

from codegen.llm.client import ChatClient, ChatMessage
from codegen.pipeline.attempt import Progress
from codegen.pipeline.typical import (
    LADDER,
    TYPICAL_MAX_TOKENS,
    WEIGHTS_MAX_VALUES,
    TypicalAnswer,
    _ask_plain,
    _request,
    _show,
    is_ladder,
    json_object,
    numbers_format,
    question_about,
)
from codegen.spec.checks import checks_on, row_meets
from codegen.spec.model import Spec


def signed_to_ask(spec: Spec) -> list[tuple[str, str, str]]:
    """(table, column, category) of each number that may be negative and whose sign a check
    ties to a category column of its row with a short list of values: the category the
    first such check reads."""
    from codegen.program.rules import plan_table

    asked = []
    for table_name, table in spec.tables.items():
        plan = plan_table(table, table_name)
        for name, column in table.columns.items():
            if column.type not in ("integer", "float") or column.min is None or column.min >= 0:
                continue
            if column.typical is not None or column.typical_by is not None:
                continue
            if column.primary_key or column.unique or column.references:
                continue
            if plan.columns[name].define is not None:
                continue
            categories = [
                by
                for index, (_, parsed) in enumerate(plan.checks)
                if index not in plan.exact and name in parsed.columns
                for by in parsed.columns
                if by != name and _is_category(spec, table_name, by, plan)
            ]
            if categories:
                asked.append((table_name, name, categories[0]))
    return asked


def _is_category(spec: Spec, table_name: str, name: str, plan: Any) -> bool:
    from codegen.spec.model import category_of

    found = category_of(spec, table_name, name)
    return (
        found is not None
        and found[0] == table_name
        and plan.columns[name].define is None
        and 2 <= len(found[2]) <= WEIGHTS_MAX_VALUES
        and all(isinstance(v, str) for v in found[2])
    )


def signed_question(spec: Spec, table_name: str, name: str, by: str) -> list[ChatMessage]:
    """The question of each category's typical amount, sign included."""
    table = spec.tables[table_name]
    column = table.columns[name]
    values = [str(v) for v in table.columns[by].values or []]
    about = f" ({column.description})" if column.description else ""
    example = ", ".join(f'"{v}": number' for v in values)
    return question_about(
        spec,
        table_name,
        [
            f'Column "{name}"{about}: a number, positive on some rows and negative on others.',
            f'Each row has a "{by}": one of ' + ", ".join(values) + ".",
        ],
        f'In real data like this, what is the typical (median) "{name}" of rows of each '
        f'"{by}", negative where it is taken away? Use the unit the column\'s name says. '
        f"Answer as JSON: {{{example}}}.",
    )


def signed_kept(
    spec: Spec, table_name: str, name: str, by: str, reply: dict[str, Any]
) -> tuple[dict[str, float], str]:
    """Each category's amount as the column will use it, and why an answer was left out
    ("" when all were kept): turned to the sign the table's checks on the two columns allow,
    its size to the first of (as given, in tens, in hundreds) those checks accept, within the
    column's bounds. A category whose answer is missing, 0, or fits no sign is left out."""
    column = spec.tables[table_name].columns[name]
    checks = checks_on(spec.tables[table_name], {name, by})
    kept: dict[str, float] = {}
    left: list[str] = []
    for value in (str(v) for v in spec.tables[table_name].columns[by].values or []):
        given = reply.get(value)
        if not isinstance(given, int | float) or not math.isfinite(given) or given == 0:
            left.append(f"{value}: no amount")
            continue
        fitted = _fitted(column, checks, name, by, value, float(given))
        if fitted is None:
            left.append(f"{value}: {_show(given)} fits no check")
            continue
        kept[value] = fitted
    return kept, "; ".join(left)


def _fitted(
    column: Any, checks: list[str], name: str, by: str, value: str, given: float
) -> float | None:
    """``given`` with the sign and size the checks accept for a row of category ``value``:
    its own sign first, then the other; None when neither fits."""
    size = abs(given)
    sizes = [size, round(size, -1), round(size, -2)]
    if column.type == "integer":
        sizes = [round(s) for s in sizes]
    sign = 1.0 if given > 0 else -1.0
    for signed in (sign, -sign):
        for magnitude in sizes:
            amount = signed * magnitude
            if magnitude == 0 or not _inside(column, amount):
                continue
            if row_meets(checks, {by: value, name: float(amount)}):
                return float(amount)
    return None


def _inside(column: Any, amount: float) -> bool:
    return (column.min is None or amount >= column.min) and (
        column.max is None or amount <= column.max
    )


def ask_signed(
    client: ChatClient,
    spec: Spec,
    data: dict[str, Any],
    asked: list[TypicalAnswer],
    *,
    seed: int,
    say: Progress,
) -> bool:
    """Ask each signed amount's typical value per category (``signed_to_ask``); set those kept
    as the column's ``typical_by`` in ``data``; the answers are added to ``asked``. True when
    the endpoint failed (the questions stop)."""
    for table_name, name, by in signed_to_ask(spec):
        values = [str(v) for v in spec.tables[table_name].columns[by].values or []]
        answer = TypicalAnswer(table_name, name, asked="signed by category", by=by)
        asked.append(answer)
        text = _request(
            client,
            signed_question(spec, table_name, name, by),
            numbers_format("signed_by_category", values),
            TYPICAL_MAX_TOKENS + 12 * len(values),
            answer,
            seed,
            say,
        )
        if text is None:
            return True
        reply = json_object(text)
        if reply is None:
            answer.why = "the reply is not the JSON asked for"
            continue
        given = {v: float(x) for v, x in reply.items() if isinstance(x, int | float)}
        if is_ladder([given[v] for v in values if v in given]):
            # counted, not known: each category's size asked alone, its sign kept
            plainly = "signed by category, one at a time"
            second = TypicalAnswer(table_name, name, asked=plainly, by=by)
            asked.append(second)
            sizes = _ask_plain(client, spec, table_name, name, by, values, second, seed, say)
            if sizes is None:
                return True
            answer.why = LADDER
            answer = second
            reply = {
                v: math.copysign(float(size), given.get(v) or 1.0)
                for v, size in sizes.items()
                if isinstance(size, int | float) and math.isfinite(size)
            }
        kept, answer.why = signed_kept(spec, table_name, name, by, reply)
        if len(kept) < 2:
            answer.why = answer.why or "fewer than two categories kept"
            continue
        answer.by_values, answer.kept = kept, True
        data["tables"][table_name]["columns"][name]["typical_by"] = {by: kept}
        shown = ", ".join(f"{v} {_show(x)}" for v, x in kept.items())
        say(f"typical {table_name}.{name} by {by}: {shown}")
    return False
