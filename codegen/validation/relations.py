"""Checks across columns and tables: foreign keys, the table's rules (increasing / decreasing by
Spearman rho, SQL checks) and whole rows repeated.

Cost: each foreign key is one anti-join, each check rule one count, repeated rows one GROUP BY on
a 64-bit row hash. Spearman rho uses average ranks computed in DuckDB, exactly up to
``sample_rows`` rows and above that on a deterministic sample of about that many, kept by a hash
of the primary key (or of all columns), so the same data always gives the same rho.
"""

from __future__ import annotations

import math
from typing import Any

import duckdb

from codegen.spec.checks import parse_check
from codegen.spec.model import CheckRule, DecreasingRule, IncreasingRule, quote_ident
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
    warning,
)
from codegen.validation.sql import fetch

# ----------------------------------------------------------------------------- foreign keys


def check_references(
    con: duckdb.DuckDBPyConnection,
    table: LoadedTable,
    rows: int,
    tables: dict[str, LoadedTable],
    row_counts: dict[str, int],
) -> list[Finding]:
    """Values of each ``references`` column that the referenced column does not hold.

    ``tables`` are all the tables loaded, ``row_counts`` those whose data could be read so far.
    """
    findings = []
    name = table.name
    for col, column in table.spec.columns.items():
        if not column.references:
            continue
        ref_table, _, ref_col = column.references.partition(".")
        parent = tables.get(ref_table)
        if not (table.usable(col) and parent is not None and parent.usable(ref_col)):
            continue  # the missing or mistyped column is reported already
        if ref_table not in row_counts:
            continue  # the referenced table could not be read: reported there
        fk, pk = quote_ident(col), quote_ident(ref_col)
        orphans = (
            f"FROM {table.view} AS c ANTI JOIN {parent.view} AS p ON c.{fk} = p.{pk} "
            f"WHERE c.{fk} IS NOT NULL"
        )
        count, distinct = fetch(con, f"SELECT count(*), count(DISTINCT c.{fk}) {orphans}")[0]
        if not count:
            continue
        examples = [
            v
            for (v,) in fetch(
                con, f"SELECT DISTINCT c.{fk} AS v {orphans} ORDER BY v LIMIT {EXAMPLES}"
            )
        ]
        message = (
            f"{name}.{col}: {share(count, rows)} point to no {ref_table}.{ref_col} "
            f"({plural(distinct, 'distinct value')}){for_example(examples)}"
        )
        findings.append(failure("foreign_key", name, col, message, count, rows, examples))
    return findings


# ----------------------------------------------------------------------------- rules


def check_rules(
    con: duckdb.DuckDBPyConnection, table: LoadedTable, rows: int, sample_rows: int
) -> list[Finding]:
    """Each rule of the table, in order; trends on a sample when ``rows > sample_rows``."""
    findings = []
    for index, rule in enumerate(table.spec.rules):
        if isinstance(rule, CheckRule):
            findings += _check_sql(con, table, rows, index, rule)
        else:
            findings += _check_trend(con, table, rows, index, rule, sample_rows)
    return findings


def _check_trend(
    con: duckdb.DuckDBPyConnection,
    table: LoadedTable,
    n: int,
    index: int,
    rule: IncreasingRule | DecreasingRule,
    sample_rows: int,
) -> list[Finding]:
    name = table.name
    if isinstance(rule, IncreasingRule):
        rising, reason, (x, y) = True, "increasing", rule.increasing
    else:
        rising, reason, (x, y) = False, "decreasing", rule.decreasing
    if not (table.usable(x) and table.usable(y)):
        return []  # the missing or mistyped column is reported already
    rho, used, sampled = _spearman(con, table, n, x, y, sample_rows)
    over = f"over a sample of {used:,} of {n:,} rows" if sampled else f"over {used:,} rows"
    if used < 3:  # too few pairs to rank; worth a word only when nulls are the cause
        if n < 3:
            return []
        message = (
            f"{name}.{y}: rules[{index}] ({reason} with {x}) not checked: only {used} "
            "rows have both values"
        )
        return [warning("rule_skipped", name, f"{x}, {y}", message)]
    need = f"rho >= {rule.min_rho}" if rising else f"rho <= -{rule.min_rho}"
    verb = "rise" if rising else "fall"
    if rho is None or math.isnan(rho):
        message = (
            f"{name}.{y}: should {verb} as {x} rises (Spearman {need}), but rho is undefined "
            f"{over} because one of them holds a single value"
        )
    elif (rho >= rule.min_rho) if rising else (rho <= -rule.min_rho):
        return []
    else:
        message = (
            f"{name}.{y}: should {verb} as {x} rises (Spearman {need}), but rho = {rho:.3f} "
            f"{over}; compute {y} from {x} (plus noise) instead of drawing it independently"
        )
    return [failure(reason, name, f"{x}, {y}", message, None, n)]


def _spearman(
    con: duckdb.DuckDBPyConnection, table: LoadedTable, n: int, x: str, y: str, sample_rows: int
) -> tuple[float | None, int, bool]:
    """(rho, pairs used, sampled) with average ranks for ties, computed in DuckDB."""
    qx, qy = quote_ident(x), quote_ident(y)
    cond = f"{qx} IS NOT NULL AND {qy} IS NOT NULL"
    sampled = n > sample_rows
    if sampled:
        # deterministic: a row is in or out by the hash of its key (or of all its columns)
        key = [c for c in table.spec.primary_key if c in table.plans] or list(table.plans)
        limit = _hash_limit(sample_rows, n)
        cond += f" AND hash({', '.join(quote_ident(c) for c in key)}) < {limit}::UBIGINT"
    rank = (
        "SELECT {v}, sum(c) OVER (ORDER BY {v}) - (c - 1) / 2.0 AS r FROM "
        "(SELECT {v}, count(*) AS c FROM pairs GROUP BY {v})"
    )
    rho, used = fetch(
        con,
        f"WITH pairs AS (SELECT {qx} AS x, {qy} AS y FROM {table.view} WHERE {cond}), "
        f"rx AS ({rank.format(v='x')}), ry AS ({rank.format(v='y')}) "
        "SELECT corr(rx.r, ry.r), count(*) FROM pairs JOIN rx USING (x) JOIN ry USING (y)",
    )[0]
    return rho, used, sampled


def _hash_limit(sample: int, total: int) -> int:
    """The hash bound that keeps about ``sample`` of ``total`` rows (hashes are uniform 64-bit)."""
    return min(2**64 - 1, int(sample / total * 2**64))


def _check_sql(
    con: duckdb.DuckDBPyConnection, table: LoadedTable, n: int, index: int, rule: CheckRule
) -> list[Finding]:
    """A check rule false on more rows than ``min_fraction`` allows, with the first such rows."""
    name = table.name
    mentioned = list(parse_check(rule.check, table.spec).columns)
    if any(not table.usable(c) for c in mentioned):
        return []  # the missing or mistyped column is reported already
    columns = ", ".join(mentioned) or None
    cond = f"NOT (\n{rule.check}\n)"  # on lines of its own: a trailing -- comment ends there
    shown_sql = " ".join(rule.check.split())
    try:
        (false_rows,) = fetch(con, f"SELECT count(*) FILTER (WHERE {cond}) FROM {table.view}")[0]
    except duckdb.Error as exc:
        message = f'{name}: check "{shown_sql}" cannot run on the data: {first_line(exc)}'
        return [failure("check", name, columns, message)]
    allowed = math.floor(n * (1 - rule.min_fraction) + 1e-9)
    if false_rows <= allowed:
        return []
    examples = _false_rows(con, table, mentioned, cond)
    shown = ["(" + ", ".join(f"{c}={show(v)}" for c, v in e.items()) + ")" for e in examples]
    limit = "" if rule.min_fraction == 1 else f", more than the {allowed:,} allowed"
    message = (
        f'{name}: check "{shown_sql}" is false on {share(false_rows, n)}{limit}'
        f"{for_example(examples, shown)}"
    )
    return [failure("check", name, columns, message, false_rows, n, examples)]


def _false_rows(
    con: duckdb.DuckDBPyConnection, table: LoadedTable, mentioned: list[str], cond: str
) -> list[dict[str, Any]]:
    """The first rows (by primary key) where ``cond`` holds: their key and mentioned columns."""
    key = [c for c in table.spec.primary_key if c in table.plans]
    shown_cols = key + [c for c in mentioned if c not in key]
    if not shown_cols:
        return []
    cols = ", ".join(quote_ident(c) for c in shown_cols)
    order = f" ORDER BY {', '.join(quote_ident(c) for c in key)}" if key else ""
    rows = fetch(con, f"SELECT {cols} FROM {table.view} WHERE {cond}{order} LIMIT {EXAMPLES}")
    return [dict(zip(shown_cols, row, strict=True)) for row in rows]


# ----------------------------------------------------------------------------- whole rows


def check_duplicate_rows(
    con: duckdb.DuckDBPyConnection, table: LoadedTable, n: int
) -> list[Finding]:
    """A warning when rows repeat another row in every column (a row-number key aside)."""
    # A single integer key is a row number: rows equal in everything else are repeats. Other
    # keys carry meaning, so they take part (and then a sound key rules repeats out).
    pk = table.spec.primary_key
    surrogate = len(pk) == 1 and table.spec.columns[pk[0]].type == "integer"
    key = set(pk) if surrogate else set()
    cols = [c for c in table.plans if c not in key]
    # a declared-unique column or a natural key makes whole-row repeats impossible
    if n < 2 or not cols or (pk and not surrogate):
        return []
    if any(table.spec.columns[c].unique for c in cols):
        return []
    # rows are grouped by a 64-bit hash of their values: collisions (~n^2/2^65) are nil here
    row_hash = f"hash({', '.join(quote_ident(c) for c in cols)})"
    (extra,) = fetch(
        con,
        "SELECT coalesce(sum(n) - count(*), 0) FROM (SELECT count(*) AS n "
        f"FROM (SELECT {row_hash} AS h FROM {table.view}) GROUP BY h HAVING n > 1)",
    )[0]
    if not extra:
        return []
    but = f" except {pk[0]}" if key else ""
    message = f"{table.name}: {share(int(extra), n)} repeat another row in every column{but}"
    return [warning("duplicate_rows", table.name, None, message, count=int(extra), total=n)]
