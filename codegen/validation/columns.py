"""Column checks: row count, types, nulls, ranges, allowed values and patterns of one table.

Cost: two aggregate queries over the scan view, and a third only when needed. Plainly typed
columns' count/min/max go in the first, which DuckDB answers from Parquet statistics without
reading the data; everything that needs the values themselves (type tests, NaN, value lists,
patterns) shares one scan. Rows beyond min/max are counted afterwards, and only for the columns
whose min() or max() crosses a bound. Examples are read only for the checks that failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from codegen.validation.loading import LoadedTable
from codegen.validation.report import (
    EXAMPLES,
    Finding,
    failure,
    first_line,
    for_example,
    plural,
    share,
    show,
    show_list,
    warning,
)
from codegen.validation.sql import ColumnPlan, fetch, sql_literal, sql_string


@dataclass(frozen=True)
class ColumnCounts:
    """What the aggregate queries found in one column; None where the check was not asked."""

    present: int  # rows holding a value (not null, not NaN)
    bad: int | None = None  # present but not of the spec type
    low: Any = None  # min() and max() of the typed values
    high: Any = None
    below: int | None = None  # rows below min / above max
    above: int | None = None
    not_allowed: int | None = None  # rows outside ``values``
    unmatched: int | None = None  # rows not matching ``pattern``


def check_columns(
    con: duckdb.DuckDBPyConnection, table: LoadedTable, expected_rows: int
) -> tuple[int | None, list[Finding]]:
    """(the table's row count, findings); the count is None when the data cannot be read."""
    plain, scanned = _aggregates(table)
    try:
        got = _aggregate(con, table, plain)
        if scanned:
            got.update(_aggregate(con, table, scanned))
        got.update(_count_out_of_range(con, table, got))
    except duckdb.Error as exc:  # a file that describes fine can still fail when read
        message = f"{table.name}: cannot read {table.source.label}: {first_line(exc)}"
        return None, [failure("unreadable", table.name, None, message)]
    n = got["n"]
    findings: list[Finding] = []
    if n != expected_rows:
        message = f"{table.name}: {n:,} rows, expected {expected_rows:,}"
        findings.append(failure("row_count", table.name, None, message, n, expected_rows))
    for col, k in table.alias.items():
        findings += _column_findings(con, table, col, k, _column_counts(got, k), n)
    return n, findings


# ----------------------------------------------------------------------------- counting


def _aggregates(table: LoadedTable) -> tuple[list[str], list[str]]:
    """The aggregates to ask for: (those Parquet statistics can answer, those needing a scan).

    Each is named after what it counts and the column's alias k (``present3``, ``lo3``), which
    is how ``check_columns`` reads them back.
    """
    plain, scanned = ["count(*) AS n"], []
    for col, k in table.alias.items():
        plan, t = table.plans[col], f"t{k}"
        c = plan.column
        is_plain = plan.missing is None and plan.bad is None and plan.typed == "{r}"
        aggs = plain if is_plain else scanned
        if plan.missing is None:
            aggs.append(f"count(r{k}) AS present{k}")
        else:
            missing = plan.missing.replace("{r}", f"r{k}")
            aggs.append(f"count(*) - count(*) FILTER (WHERE {missing}) AS present{k}")
        if plan.incompatible:
            continue
        if plan.bad:
            aggs.append(f"count(*) FILTER (WHERE {plan.bad.replace('{r}', f'r{k}')}) AS bad{k}")
        # rows beyond min/max are counted later, only where min() or max() shows there are any
        aggs += [f"min({t}) AS lo{k}", f"max({t}) AS hi{k}"]
        if c.values is not None:
            scanned.append(f"count(*) FILTER (WHERE {_not_in(t, c.values)}) AS values{k}")
        if c.pattern is not None:
            scanned.append(
                f"count(*) FILTER (WHERE NOT regexp_full_match({t}, "
                f"{sql_string(c.pattern)})) AS pattern{k}"
            )
    return plain, scanned


def _aggregate(
    con: duckdb.DuckDBPyConnection, table: LoadedTable, aggs: list[str]
) -> dict[str, Any]:
    cursor = con.execute(f"SELECT {', '.join(aggs)} FROM {table.scan}")
    rows = cursor.fetchall()  # all of it: DuckDB refuses new queries while rows remain
    row = rows[0]
    assert cursor.description is not None
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


def _count_out_of_range(
    con: duckdb.DuckDBPyConnection, table: LoadedTable, got: dict[str, Any]
) -> dict[str, int]:
    """Rows below min / above max, for the columns whose min() / max() cross a bound."""
    aggs = []
    for col, k in table.alias.items():
        c, lo, hi = table.plans[col].column, got.get(f"lo{k}"), got.get(f"hi{k}")
        if c.min is not None and lo is not None and lo < c.min:
            aggs.append(f"count(*) FILTER (WHERE t{k} < {sql_literal(c.min)}) AS below{k}")
        if c.max is not None and hi is not None and hi > c.max:
            aggs.append(f"count(*) FILTER (WHERE t{k} > {sql_literal(c.max)}) AS above{k}")
    return _aggregate(con, table, aggs) if aggs else {}


def _column_counts(got: dict[str, Any], k: int) -> ColumnCounts:
    """Column k's share of the aggregates, under the names ``_aggregates`` gave them."""
    return ColumnCounts(
        present=got[f"present{k}"],
        bad=got.get(f"bad{k}"),
        low=got.get(f"lo{k}"),
        high=got.get(f"hi{k}"),
        below=got.get(f"below{k}"),
        above=got.get(f"above{k}"),
        not_allowed=got.get(f"values{k}"),
        unmatched=got.get(f"pattern{k}"),
    )


def _not_in(expr: str, values: list[Any]) -> str:
    return f"{expr} NOT IN ({', '.join(sql_literal(v) for v in values)})"


# ----------------------------------------------------------------------------- findings


def _column_findings(
    con: duckdb.DuckDBPyConnection,
    table: LoadedTable,
    col: str,
    k: int,
    counts: ColumnCounts,
    n: int,
) -> list[Finding]:
    """One column's findings, in the order a reader fixes them: type and nulls first."""
    plan = table.plans[col]
    findings = _type_and_null_findings(con, table, plan, f"r{k}", counts, n)
    if plan.incompatible:
        return findings  # the values are not of the type: their ranges and lists mean nothing
    t = f"t{k}"
    findings += _range_findings(con, table, plan, t, counts, n)
    findings += _value_findings(con, table, plan, t, counts, n)
    findings += _sanity_warnings(table, plan, counts, n)
    return findings


def _type_and_null_findings(
    con: duckdb.DuckDBPyConnection,
    table: LoadedTable,
    plan: ColumnPlan,
    raw: str,
    counts: ColumnCounts,
    n: int,
) -> list[Finding]:
    c, name, col = plan.column, table.name, plan.name
    where = f"{name}.{col}"
    findings = []
    if plan.incompatible:
        examples = _sample_values(con, table.scan, raw)
        message = f"{where}: {plan.incompatible}{for_example(examples)}"
        findings.append(failure("type", name, col, message, None, n, examples))
    elif counts.bad:
        cond = plan.bad.replace("{r}", raw) if plan.bad else "FALSE"
        examples = _distinct(con, table.scan, raw, cond, "ASC")
        message = (
            f"{where}: expected {c.type}; {share(counts.bad, n)} {plan.bad_what}"
            f"{for_example(examples)}"
        )
        findings.append(failure("type", name, col, message, counts.bad, n, examples))
    missing = n - counts.present
    if missing and not c.nullable:
        why = "primary key columns cannot be null" if c.primary_key else "not nullable"
        nan = " (NaN counts as null)" if plan.source_type in ("DOUBLE", "FLOAT") else ""
        message = f"{where}: {share(missing, n)} are null{nan}; {why}"
        findings.append(failure("not_null", name, col, message, missing, n))
    return findings


def _range_findings(
    con: duckdb.DuckDBPyConnection,
    table: LoadedTable,
    plan: ColumnPlan,
    typed: str,
    counts: ColumnCounts,
    n: int,
) -> list[Finding]:
    c, name, col = plan.column, table.name, plan.name
    findings = []
    for count, bound, limit, side, op, order in (
        (counts.below, "min", c.min, "below", "<", "ASC"),
        (counts.above, "max", c.max, "above", ">", "DESC"),
    ):
        if not count:
            continue
        examples = _distinct(con, table.scan, typed, f"{typed} {op} {sql_literal(limit)}", order)
        message = (
            f"{name}.{col}: {share(count, n)} are {side} {bound} {show(limit)}"
            f"{for_example(examples)}"
        )
        findings.append(failure(bound, name, col, message, count, n, examples))
    return findings


def _value_findings(
    con: duckdb.DuckDBPyConnection,
    table: LoadedTable,
    plan: ColumnPlan,
    typed: str,
    counts: ColumnCounts,
    n: int,
) -> list[Finding]:
    """Values outside the allowed list (the commonest shown first), and pattern misses."""
    c, name, col = plan.column, table.name, plan.name
    where = f"{name}.{col}"
    findings = []
    if counts.not_allowed:
        rows = fetch(
            con,
            f"SELECT {typed}, count(*) AS n FROM {table.scan} "
            f"WHERE {_not_in(typed, c.values or [])} "
            f"GROUP BY 1 ORDER BY n DESC, 1 LIMIT {EXAMPLES}",
        )
        examples = [v for v, _ in rows]
        shown = [f"{show(v)} ({plural(m, 'row')})" for v, m in rows]
        message = (
            f"{where}: {share(counts.not_allowed, n)} are not among the allowed values "
            f"[{show_list(c.values or [])}]{for_example(examples, shown)}"
        )
        findings.append(failure("values", name, col, message, counts.not_allowed, n, examples))
    if counts.unmatched:
        cond = f"NOT regexp_full_match({typed}, {sql_string(c.pattern or '')})"
        examples = _distinct(con, table.scan, typed, cond, "ASC")
        message = (
            f"{where}: {share(counts.unmatched, n)} do not match pattern '{c.pattern}'"
            f"{for_example(examples)}"
        )
        findings.append(failure("pattern", name, col, message, counts.unmatched, n, examples))
    return findings


def _sanity_warnings(
    table: LoadedTable, plan: ColumnPlan, counts: ColumnCounts, n: int
) -> list[Finding]:
    """Valid but not real: one value in every row, or a column left all null."""
    c, name, col = plan.column, table.name, plan.name
    where = f"{name}.{col}"
    findings = []
    present, lo, hi = counts.present, counts.low, counts.high
    # a column the spec pins to one value is meant to hold it everywhere
    fixed = (c.values is not None and len(c.values) == 1) or (c.min is not None and c.min == c.max)
    if present >= 2 and lo == hi and not fixed:
        subject = f"all {present:,} rows" if present == n else f"all {present:,} non-null rows"
        message = f"{where}: {subject} hold the same value {show(lo)}"
        findings.append(warning("single_value", name, col, message, count=present, total=n))
    if n > 0 and present == 0 and c.nullable:
        message = f"{where}: all {n:,} rows are null"
        findings.append(warning("all_null", name, col, message, count=n, total=n))
    return findings


# ----------------------------------------------------------------------------- examples


def _distinct(
    con: duckdb.DuckDBPyConnection, view: str, expr: str, cond: str, order: str
) -> list[Any]:
    """The first few distinct values where ``cond`` holds, smallest (ASC) or largest (DESC)."""
    rows = fetch(
        con,
        f"SELECT DISTINCT {expr} AS v FROM {view} WHERE {cond} AND {expr} IS NOT NULL "
        f"ORDER BY v {order} LIMIT {EXAMPLES}",
    )
    return [v for (v,) in rows]


def _sample_values(con: duckdb.DuckDBPyConnection, view: str, expr: str) -> list[Any]:
    """A few distinct present values, read from the start only (cheap at any size)."""
    rows = fetch(con, f"SELECT {expr} FROM {view} WHERE {expr} IS NOT NULL LIMIT 200")
    seen: list[Any] = []
    for (value,) in rows:
        if value not in seen:
            seen.append(value)
    return seen[:EXAMPLES]
