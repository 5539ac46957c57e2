"""The validation report: findings as data (reason code, table, column, counts, examples), and the
plain-text lines a repair prompt sends to the LLM.

Data failures are findings, never exceptions; a bad spec is a ``SpecError`` before any data is read.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["failure", "warning"]

# Reason codes, stable for machines (JSON output, the pipeline's manifest).
REASONS = {
    "missing_table": "a table of the spec has no data",
    "unreadable": "a table's file cannot be read",
    "unexpected_table": "data for a table the spec does not name (warning)",
    "missing_column": "a column of the spec is absent",
    "unexpected_column": "a column the spec does not name (warning)",
    "type": "values are not of the column's type",
    "not_null": "nulls in a column that is not nullable",
    "primary_key": "primary key values repeat",
    "unique": "values of a unique column repeat",
    "min": "values below min",
    "max": "values above max",
    "values": "values outside the allowed list",
    "pattern": "values not matching the pattern",
    "row_count": "a table has another row count than asked",
    "foreign_key": "values with no match in the referenced column",
    "increasing": "an increasing rule does not hold",
    "decreasing": "a decreasing rule does not hold",
    "check": "a check rule is false on too many rows, or cannot run",
    "rule_skipped": "a rule could not be judged (warning)",
    "single_value": "every row holds the same value (warning)",
    "all_null": "every row is null (warning)",
    "duplicate_rows": "rows repeating another row (warning)",
}


@dataclass(frozen=True)
class Finding:
    """One failed check or warning."""

    reason: str
    severity: Severity
    table: str | None
    column: str | None
    message: str
    count: int | None = None  # rows (or values) concerned
    total: int | None = None  # rows looked at
    examples: tuple[Any, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "severity": self.severity,
            "table": self.table,
            "column": self.column,
            "message": self.message,
            "count": self.count,
            "total": self.total,
            "examples": [_jsonable(v) for v in self.examples],
        }


@dataclass(frozen=True)
class TableResult:
    """Where a table's data came from and how many rows it held."""

    source: str | None  # "housing.parquet", "DataFrame", or None when missing
    rows: int | None
    expected_rows: int


@dataclass
class Report:
    """Everything validation found; ``ok`` when nothing failed (warnings allowed)."""

    spec_name: str
    tables: dict[str, TableResult] = field(default_factory=dict)
    failures: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def add(self, finding: Finding) -> None:
        (self.failures if finding.severity == "failure" else self.warnings).append(finding)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able summary (what ``sdgen validate --json`` prints and manifests keep)."""
        return {
            "spec": self.spec_name,
            "ok": self.ok,
            "failure_count": len(self.failures),
            "warning_count": len(self.warnings),
            "tables": {
                name: {"source": t.source, "rows": t.rows, "expected_rows": t.expected_rows}
                for name, t in self.tables.items()
            },
            "failures": [f.to_dict() for f in self.failures],
            "warnings": [f.to_dict() for f in self.warnings],
        }

    def as_text(self, *, warnings: bool = False, limit: int | None = 30) -> str:
        """Failures as plain lines for a repair prompt; ``limit`` caps the lines (then a note)."""
        items = list(self.failures) + (list(self.warnings) if warnings else [])
        lines = [
            ("warning: " if item.severity == "warning" else "") + item.message for item in items
        ]
        if limit is not None and len(lines) > limit:
            lines = lines[:limit] + [f"... and {len(items) - limit} more"]
        return "\n".join(lines)


EXAMPLES = 3  # example values a finding shows: enough to see the pattern, few enough to read


def failure(
    reason: str,
    table: str | None,
    column: str | None,
    message: str,
    count: int | None = None,
    total: int | None = None,
    examples: list[Any] | tuple[Any, ...] = (),
) -> Finding:
    return Finding(reason, "failure", table, column, message, count, total, tuple(examples))


def warning(reason: str, table: str, column: str | None, message: str, **counts: Any) -> Finding:
    return Finding(reason, "warning", table, column, message, **counts)


# ------------------------------------------------------------------------------ formatting


def for_example(examples: list[Any], shown: list[str] | None = None) -> str:
    """'; e.g. 3, 7' ending a message (``shown``: the examples already written out), or ''."""
    if not examples:
        return ""
    return "; e.g. " + ", ".join(shown if shown is not None else [show(v) for v in examples])


def first_line(exc: BaseException) -> str:
    """An error's first non-blank line: DuckDB goes on with hints a message need not carry."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def share(count: int, total: int) -> str:
    """'76 of 200 rows (38%)', with shares that never round to 0% or 100% when they are not."""
    if total <= 0:
        return f"{count} of {total} rows"
    pct = 100 * count / total
    if pct < 1:
        text = f"{pct:.2g}%"
    elif count < total:
        text = f"{min(99, round(pct))}%"
    else:
        text = "100%"
    return f"{count:,} of {total:,} rows ({text})"


def plural(count: int, word: str) -> str:
    """'1 value', '3 values', '1,024 rows'."""
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def show(value: Any) -> str:
    """A value as the LLM should read it: strings quoted, floats short, dates ISO."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return "'" + text.replace("\n", "\\n") + "'"
    if isinstance(value, float):
        return format(value, ".10g") if math.isfinite(value) else str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return "(" + ", ".join(show(v) for v in value) + ")"
    return str(value)


def show_list(values: list[Any] | tuple[Any, ...], limit: int = 10) -> str:
    shown = ", ".join(show(v) for v in values[:limit])
    return shown + (f", ... ({len(values)} values)" if len(values) > limit else "")


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
