"""Validation: judge tables against a spec and report, as data, every way they fall short.

    from codegen.validation import validate
    report = validate("housing.yaml", "generated/housing/<run>/data", {"housing": 1_000})
    if not report.ok:
        print(report.as_text())

``validate`` reads Parquet or CSV files, DataFrames or Arrow tables with DuckDB and returns a
``Report`` of ``Finding`` values (reason, table, column, message, counts, examples) and a
``TableResult`` per table. It raises only when it cannot run at all: ``ValidationInputError``
(the tables cannot be located) or ``ValidationRunError`` (DuckDB failed, e.g. beyond the memory
of its ``Limits``). How each check keeps its cost at scale is told in ``validator``.

The modules, in the order a run uses them: ``loading`` (find the data, make views, plan each
column's reading as its spec type with ``sql``), ``columns`` (counts, types, nulls, ranges,
values, patterns), ``keys`` (primary and unique), ``relations`` (foreign keys, rules, repeated
rows), ``report`` (findings and their wording); ``validator`` runs them in order.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from codegen.errors import ValidationInputError, ValidationRunError
    from codegen.validation.report import Finding, Report, TableResult
    from codegen.validation.sql import Limits
    from codegen.validation.validator import SPEARMAN_SAMPLE_ROWS, validate

__all__ = [
    "SPEARMAN_SAMPLE_ROWS",
    "Finding",
    "Limits",
    "Report",
    "TableResult",
    "ValidationInputError",
    "ValidationRunError",
    "validate",
]

# Where each public name lives. They load on first use, so that importing a light submodule
# (the CLI imports ``codegen.validation.report`` to print values) does not also pull in DuckDB,
# pandas and pyarrow, about half a second.
_HOMES = {
    "Finding": "codegen.validation.report",
    "Report": "codegen.validation.report",
    "TableResult": "codegen.validation.report",
    "Limits": "codegen.validation.sql",
    "SPEARMAN_SAMPLE_ROWS": "codegen.validation.validator",
    "ValidationInputError": "codegen.errors",
    "ValidationRunError": "codegen.errors",
    "validate": "codegen.validation.validator",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # found once; later look-ups do not come here
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
