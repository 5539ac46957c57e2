"""Key checks: primary keys and unique columns hold no repeated values.

Cost: a single-column integer key, the usual 1..n of generated data, is proven unique by one
streaming pass (``integer_key_unique``) in a fraction of a GROUP BY's time; any other key, or one
that pass cannot prove, takes a GROUP BY, and examples are read only when repeats are found.
"""

from __future__ import annotations

import duckdb
import numpy as np

from codegen.spec.model import quote_ident
from codegen.validation.loading import LoadedTable
from codegen.validation.report import EXAMPLES, Finding, failure, for_example, plural, share, show
from codegen.validation.sql import fetch


def check_keys(con: duckdb.DuckDBPyConnection, table: LoadedTable, rows: int) -> list[Finding]:
    """Repeats in the primary key (when all its columns are present) and in unique columns."""
    findings = []
    key = table.spec.primary_key
    if key and all(col in table.plans for col in key):
        findings += _repeats(con, table, key, "primary_key", rows)
    for col, column in table.spec.columns.items():
        if column.unique and key != (col,) and col in table.plans:
            findings += _repeats(con, table, (col,), "unique", rows)
    return findings


def _repeats(
    con: duckdb.DuckDBPyConnection,
    table: LoadedTable,
    cols: tuple[str, ...],
    reason: str,
    n: int,
) -> list[Finding]:
    """A finding when values of ``cols`` (nulls aside) repeat: how many, on how many rows."""
    if len(cols) == 1 and integer_key_unique(con, table, cols[0]):
        return []
    keys = ", ".join(quote_ident(c) for c in cols)
    present = " AND ".join(f"{quote_ident(c)} IS NOT NULL" for c in cols)
    groups = f"SELECT {keys}, count(*) AS n FROM {table.view} WHERE {present} GROUP BY ALL"
    values, rows = fetch(
        con, f"SELECT count(*), coalesce(sum(n), 0) FROM ({groups} HAVING count(*) > 1)"
    )[0]
    if not values:
        return []
    top = fetch(con, f"{groups} HAVING count(*) > 1 ORDER BY n DESC, {keys} LIMIT {EXAMPLES}")
    examples = [row[0] if len(cols) == 1 else tuple(row[:-1]) for row in top]
    shown = [f"{show(v)} ({row[-1]} times)" for v, row in zip(examples, top, strict=True)]
    name = table.name
    where = f"{name}.{cols[0]}" if len(cols) == 1 else f"{name}.({', '.join(cols)})"
    what = "primary key" if reason == "primary_key" else "unique"
    message = (
        f"{where}: {plural(values, what + ' value')} repeated, on {share(int(rows), n)}"
        f"{for_example(examples, shown)}"
    )
    return [failure(reason, name, ", ".join(cols), message, int(rows), n, examples)]


def integer_key_unique(con: duckdb.DuckDBPyConnection, table: LoadedTable, col: str) -> bool:
    """Whether an integer column provably holds no repeats, from one streaming pass.

    Generated keys are mostly 1..n, in order or shuffled: a bitmap of the values seen (one
    byte per value between min and max) proves them unique in a fraction of a GROUP BY's
    time; sparse keys are proven by rising row after row. False means "use the GROUP BY".
    """
    plan = table.plans[col]
    if plan.column.type != "integer" or plan.incompatible:
        return False
    column = quote_ident(col)
    low, high, present = fetch(
        con, f"SELECT min({column}), max({column}), count({column}) FROM {table.view}"
    )[0]
    if not present:
        return True
    span = int(high) - int(low) + 1
    dense = span <= min(max(8 * present, 1 << 20), 1 << 27)  # at most 128 MiB of bitmap
    seen = np.zeros(span, dtype=bool) if dense else None
    marked, last = 0, None
    relation = con.sql(f"SELECT {column} FROM {table.view} WHERE {column} IS NOT NULL")
    with relation.to_arrow_reader(1_000_000) as reader:  # closing it frees the connection
        for batch in reader:
            array = batch.column(0).to_numpy(zero_copy_only=False)
            if array.size == 0:
                continue
            if seen is not None:
                seen[array.astype(np.int64) - int(low)] = True
                now = int(np.count_nonzero(seen))
                if now - marked != array.size:  # a value seen twice marks nothing new
                    return False
                marked = now
            elif (last is not None and array[0] <= last) or not np.all(array[1:] > array[:-1]):
                return False
            else:
                last = array[-1]
    return True
