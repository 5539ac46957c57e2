"""Columns that a table's SQL checks tie to other columns, read off the checks' common shapes.

Small models fail such columns more than any other: asked for ``shipped_at`` with the check
``shipped_at IS NULL OR shipped_at >= placed_at``, a 1.5B model draws it independently, and half
the rows break the check. Two shapes cover most specs, and the starting program writes them out:

- an order between two columns, ``x >= y`` (``>``, ``<=``, ``<``, either side): ``x`` is made
  from ``y`` plus (or minus) a gap whose bounds the model may tune;
- which rows are null, ``(status = 'placed') = (shipped_at IS NULL)`` (``<>``, ``IS NOT NULL``,
  either side): the column is null exactly on those rows.

Checks of other shapes stay comments for the model. This reads check text with regular
expressions on purpose: a shape it does not recognise costs nothing, it only leaves the column
to the model as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_NAME = r"[A-Za-z_]\w*"
_COMPARE = r"(>=|<=|>|<)"
_FLIP = {">=": "<=", "<=": ">=", ">": "<", "<": ">"}
_ORDERED_KINDS = ("integer", "float", "date", "datetime")


@dataclass(frozen=True)
class Order:
    """``column <op> other`` must hold (``op`` as seen from the column)."""

    other: str
    op: str  # >=, >, <=, <

    @property
    def after(self) -> bool:
        return self.op in (">=", ">")

    @property
    def strict(self) -> bool:
        return self.op in (">", "<")


@dataclass(frozen=True)
class NullWhen:
    """The column is null exactly where ``other == value`` (or ``!=`` when ``equal`` is False)."""

    other: str
    value: str
    equal: bool


def _checks(table: Any) -> list[str]:
    return [rule.check for rule in table.rules if getattr(rule, "check", None)]


def order_for(table: Any, name: str) -> Order | None:
    """The first check ordering ``name`` against an earlier column (in the spec's order) of a
    comparable type: the later column is made from the earlier one, never the other way, so two
    columns never wait for each other."""
    column = table.columns[name]
    if column.type not in _ORDERED_KINDS:
        return None
    earlier = list(table.columns)[: list(table.columns).index(name)]
    x = re.escape(name)
    for check in _checks(table):
        for pattern, flip in (
            (rf"\b{x}\s*{_COMPARE}\s*({_NAME})\b", False),
            (rf"\b({_NAME})\s*{_COMPARE}\s*{x}\b", True),
        ):
            for match in re.finditer(pattern, check):
                op, other = (match[1], match[2]) if not flip else (_FLIP[match[2]], match[1])
                if other in earlier and _comparable(column, table.columns[other]):
                    return Order(other, op)
    return None


def null_when_for(table: Any, name: str) -> NullWhen | None:
    """The check saying on which rows ``name`` is null, when it has the shape
    ``(other = 'value') = (name IS NULL)``."""
    x = re.escape(name)
    condition = rf"\(\s*({_NAME})\s*(=|<>|!=)\s*'([^']*)'\s*\)"
    is_null = rf"\(\s*{x}\s+IS\s+(NOT\s+)?NULL\s*\)"
    for check in _checks(table):
        for pattern, first in (
            (rf"{condition}\s*=\s*{is_null}", True),
            (rf"{is_null}\s*=\s*{condition}", False),
        ):
            match = re.search(pattern, check, flags=re.IGNORECASE)
            if not match:
                continue
            if first:
                other, op, value, negated = match[1], match[2], match[3], match[4]
            else:
                negated, other, op, value = match[1], match[2], match[3], match[4]
            if other == name or other not in table.columns:
                continue
            return NullWhen(other, value, equal=(op == "=") != bool(negated))
    return None


def _comparable(column: Any, other: Any) -> bool:
    if other is None:
        return False
    dates = ("date", "datetime")
    if column.type in dates:
        return other.type in dates
    return other.type in ("integer", "float")


def multiple_of(table: Any, name: str) -> int | None:
    """``k`` when a check says ``name % k = 0`` (minutes in 5-minute slots), for an integer."""
    if table.columns[name].type != "integer":
        return None
    x = re.escape(name)
    for check in _checks(table):
        text = check.strip()
        for pattern in (rf"^{x}\s*%\s*(\d+)\s*=\s*0$", rf"^0\s*=\s*{x}\s*%\s*(\d+)$",
                        rf"^MOD\(\s*{x}\s*,\s*(\d+)\s*\)\s*=\s*0$"):  # fmt: skip
            match = re.match(pattern, text, flags=re.IGNORECASE)
            if match and int(match[1]) > 1:
                return int(match[1])
    return None


# SQL arithmetic that reads the same in numpy: names, numbers, + - * /, parentheses, ROUND(x, d).
_ARITHMETIC = re.compile(r"^[\w\s.,+\-*/()]+$")


def formula_for(table: Any, name: str) -> tuple[str, list[str]] | None:
    """``(expression, columns it reads)`` when a check defines ``name`` from earlier columns:
    ``total = quantity * unit_price`` (either side). The expression is the check's own
    arithmetic, with ``ROUND(`` read as numpy's."""
    column = table.columns[name]
    if column.type not in ("integer", "float"):
        return None
    earlier = list(table.columns)[: list(table.columns).index(name)]
    x = re.escape(name)
    for check in _checks(table):
        text = check.strip()
        match = re.match(rf"^{x}\s*=\s*(.+)$", text) or re.match(rf"^(.+?)\s*=\s*{x}$", text)
        if not match:
            continue
        expression = re.sub(r"\bROUND\s*\(", "np.round(", match[1], flags=re.IGNORECASE)
        words = set(re.findall(r"[A-Za-z_]\w*", expression)) - {"np", "round"}
        plain = _ARITHMETIC.match(expression.replace("np.round", "round"))
        if (
            plain
            and words
            and words <= set(earlier)
            and all(table.columns[w].type in ("integer", "float") for w in words)
        ):
            return expression, sorted(words)
    return None
