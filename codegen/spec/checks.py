"""A table's ``check`` rules read as SQL trees, one meaning for every part of sdgen.

``parse_check`` reads a check with sqlglot in DuckDB's dialect and resolves the columns it names to
the table's own spelling, the way DuckDB binds them: case-insensitively, quoted or not
(``"Total"`` and ``total`` are the same column). The starting program's writer
(``codegen.program.rules``) and the validator (``codegen.validation.relations``) both ask it which
columns a check reads, so they cannot disagree.

A check sqlglot cannot parse still has its columns, from sqlglot's tokenizer (every word that names
a column); it has no tree, and nothing tries to meet it by construction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.tokens import TokenType

DIALECT = "duckdb"

# Nodes that make a check more than a condition on one row.
_NOT_ROW_LEVEL = (exp.AggFunc, exp.Window, exp.Subquery, exp.Select, exp.Exists, exp.Star)


@dataclass(frozen=True)
class ParsedCheck:
    """One check: its text, its sqlglot tree (None when it does not parse), the columns it reads
    in the table's order and spelling, and whether it is a condition on one row at a time."""

    text: str
    tree: exp.Expression | None
    columns: tuple[str, ...]
    row_level: bool
    error: str | None = None  # why there is no tree

    def reads(self, column: str) -> bool:
        return column in self.columns


def parse_check(text: str, table: Any) -> ParsedCheck:
    """``text`` read against ``table`` (a spec ``Table``, or the column names in order).

    In the tree, each column reference carries the table's own spelling of the name."""
    names = _names(table)
    by_lower = {name.lower(): name for name in names}
    try:
        tree = sqlglot.parse_one(text, read=DIALECT)
    except SqlglotError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return ParsedCheck(text, None, _token_columns(text, names), False, first)
    read: set[str] = set()
    unknown = False
    for column in tree.find_all(exp.Column):
        name = by_lower.get(column.name.lower())
        if name is None:
            unknown = True  # a name DuckDB would bind to something else (or refuse)
            continue
        read.add(name)
        column.set("this", exp.to_identifier(name))
        column.set("table", None)
    row_level = not unknown and tree.find(*_NOT_ROW_LEVEL) is None
    return ParsedCheck(text, tree, tuple(n for n in names if n in read), row_level)


def table_checks(table: Any) -> list[tuple[Any, ParsedCheck]]:
    """Each ``check`` rule of a spec table with its parsed form, in the table's order."""
    return [
        (rule, parse_check(rule.check, table))
        for rule in table.rules
        if getattr(rule, "check", None)
    ]


def _names(table: Any) -> list[str]:
    columns = getattr(table, "columns", table)
    if isinstance(columns, Mapping):
        return list(columns)
    return list(columns) if isinstance(columns, Iterable) else []


def _token_columns(text: str, names: list[str]) -> tuple[str, ...]:
    """The columns among the words of ``text``, for a check sqlglot cannot parse."""
    by_lower = {name.lower(): name for name in names}
    try:
        tokens = sqlglot.Dialect.get_or_raise(DIALECT).tokenize(text)
    except SqlglotError:
        return ()
    words = {
        token.text.lower()
        for token in tokens
        if token.token_type in (TokenType.VAR, TokenType.IDENTIFIER)
        or token.text.lower() in by_lower
    }
    return tuple(name for name in names if name.lower() in words)


def checks_on(table: Any, columns: set[str]) -> list[str]:
    """The table's checks that hold on every row and read only ``columns`` (not those allowed
    to fail on a few rows: most movements are under EUR 2,000, a salary need not be)."""
    return [
        parsed.text
        for rule, parsed in table_checks(table)
        if parsed.tree is not None
        and parsed.row_level
        and getattr(rule, "min_fraction", 1) == 1
        and set(parsed.columns) <= columns
    ]


def row_meets(checks: list[str], row: Mapping[str, Any]) -> bool:
    """Whether one row holding only ``row``'s columns meets every check, evaluated by DuckDB
    (a check that is NULL does not fail, as a CHECK constraint; one that cannot be evaluated
    on such a row does)."""
    if not checks:
        return True
    import duckdb

    names = ", ".join(f'? AS "{name.replace(chr(34), chr(34) * 2)}"' for name in row)
    condition = " AND ".join(f"coalesce(({check}), true)" for check in checks)
    with duckdb.connect() as con:
        try:
            found = con.execute(f"SELECT {condition} FROM (SELECT {names})", list(row.values()))
            (met,) = found.fetchone() or (False,)
        except duckdb.Error:
            return False
    return bool(met)
