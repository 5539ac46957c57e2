"""Row counts for a run of a spec: the spec's own, scaled by the user."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from codegen.errors import RowsError
from codegen.spec.model import Spec


def row_counts(
    spec: Spec, rows: int | None = None, per_table: Mapping[str, int] | None = None
) -> dict[str, int]:
    """The spec's counts; a bare ``rows`` for the tables nothing references (the fact tables),
    the tables they refer to scaled alike (10x the order items, 10x the orders and customers, as
    a TPC-H scale factor does) but for lookups, which keep their size (house types, plans);
    then ``per_table`` over all."""
    counts = {name: table.rows for name, table in spec.tables.items()}
    if rows is not None:
        _check_count("rows", rows)
        referenced = {target for _, _, target, _ in spec.references()}
        largest = max((c for name, c in counts.items() if name not in referenced), default=0)
        factor = rows / largest if largest else 1.0
        for name, table in spec.tables.items():
            if name not in referenced:
                counts[name] = rows
            elif not is_lookup(table):
                counts[name] = max(1, round(table.rows * factor))
    per_table = dict(per_table or {})
    unknown = sorted(set(per_table) - set(counts))
    if unknown:
        raise RowsError(f"rows name no table of the spec: {', '.join(unknown)}")
    for name, count in per_table.items():
        _check_count(name, count)
    counts.update(per_table)
    return counts


def _check_count(name: str, count: object) -> None:
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise RowsError(f"rows: {name} needs a whole number >= 0, got {count!r}")


LOOKUP_ROWS = 15


def is_lookup(table: Any) -> bool:
    """A short list to pick from (doctors, plans, branches), or a row per listed value (house
    types): its rows are picked about equally often, and it keeps its size at any scale."""
    listed = any(c.values and len(c.values) >= table.rows for c in table.columns.values())
    return table.rows <= LOOKUP_ROWS or listed
