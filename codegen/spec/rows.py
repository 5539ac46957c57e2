"""Row counts for a run of a spec: the spec's own, scaled by the user."""

from __future__ import annotations

from collections.abc import Mapping

from codegen.errors import RowsError
from codegen.spec.model import Spec


def row_counts(
    spec: Spec, rows: int | None = None, per_table: Mapping[str, int] | None = None
) -> dict[str, int]:
    """The spec's counts; a bare ``rows`` for the tables nothing references (the fact tables;
    lookups keep their size); then ``per_table`` over both."""
    counts = {name: table.rows for name, table in spec.tables.items()}
    if rows is not None:
        _check_count("rows", rows)
        referenced = {target for _, _, target, _ in spec.references()}
        for name in counts:
            if name not in referenced:
                counts[name] = rows
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
