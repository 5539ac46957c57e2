"""Validation: judge a set of tables against a spec and say, in words an LLM can act on, what fails.

``validate(spec, tables_or_dir, rows)`` reads ``<table>.parquet`` / ``<table>.csv`` files (or a
mapping of table name to file path, DataFrame or Arrow table) with DuckDB, runs every check of the
spec, and returns a ``Report``: failures and warnings as data, never exceptions. It raises only when
it cannot run at all (``ValidationInputError``: no such directory, a ``rows`` entry for an unknown
table; ``ValidationRunError``: DuckDB itself failed, e.g. out of its memory limit).

Cost at scale (10M rows: bench/bench_validate.py): count/min/max of plainly typed columns come
from Parquet statistics; one scan covers the rest of types, nulls, values and patterns, and rows
beyond min/max are counted only when min() or max() crosses a bound. A single-column integer key is
proven unique by one streaming pass (a bitmap of seen values, or rising order) when it is dense or
sorted like the usual 1..n, else by a GROUP BY; each foreign key is one anti-join; repeated rows
are one GROUP BY on a 64-bit row hash.
Spearman rho uses average ranks computed in DuckDB, exactly up to ``SPEARMAN_SAMPLE_ROWS`` rows and
above that on a deterministic sample of about that many rows, kept by a hash of the primary key
(or of all columns), so the same data always gives the same rho; its standard error there is at
most ~0.002, far below any useful ``min_rho``.

This module decides the order (``_check_tables``); the checks live in ``loading`` (data, views,
column plans), ``columns``, ``keys`` and ``relations`` (foreign keys, rules, repeated rows).
"""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import duckdb

from codegen.errors import ValidationInputError, ValidationRunError
from codegen.spec.model import Spec, load_spec
from codegen.validation.columns import check_columns
from codegen.validation.keys import check_keys
from codegen.validation.loading import (
    LoadedTable,
    TableData,
    input_problem,
    load_table,
    locate_sources,
)
from codegen.validation.relations import check_duplicate_rows, check_references, check_rules
from codegen.validation.report import Finding, Report, TableResult, first_line
from codegen.validation.sql import Limits, Source, connect

# Rows above which Spearman rho is computed on a sample of about this many. Handed to the rules
# at each run (not read by them), so lowering it here, as a test does, takes effect.
SPEARMAN_SAMPLE_ROWS = 250_000


def validate(
    spec: Spec | str | Path,
    tables_or_dir: str | os.PathLike[str] | Mapping[str, TableData],
    rows: Mapping[str, int] | None = None,
    *,
    limits: Limits | None = None,
) -> Report:
    """Check tables against the spec; ``rows`` overrides the row counts the spec asks for."""
    if not isinstance(spec, Spec):
        spec = load_spec(spec)
    expected = _expected_rows(spec, rows)
    problem = input_problem(spec, tables_or_dir)
    if problem:
        raise ValidationInputError(problem)
    report = Report(spec.name)
    sources, findings = locate_sources(spec, tables_or_dir)
    _add(report, findings)
    files = [f for s in sources.values() for f in s.files]
    with tempfile.TemporaryDirectory(prefix="sdgen-validate-") as tmp:
        con = connect(limits or Limits(), Path(tmp), files)
        try:
            _check_tables(spec, con, sources, expected, report)
        except duckdb.Error as exc:
            raise ValidationRunError(f"validation could not run: {first_line(exc)}") from exc
        finally:
            con.close()
    return report


def _expected_rows(spec: Spec, rows: Mapping[str, int] | None) -> dict[str, int]:
    expected = {name: table.rows for name, table in spec.tables.items()}
    for name, count in (rows or {}).items():
        if name not in spec.tables:
            hint = difflib.get_close_matches(name, list(spec.tables), n=1)
            guess = f" (did you mean '{hint[0]}'?)" if hint else ""
            raise ValidationInputError(f"rows: no table '{name}' in spec {spec.name}{guess}")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValidationInputError(f"rows: {name} needs a whole number >= 0, got {count!r}")
        expected[name] = count
    return expected


def _check_tables(
    spec: Spec,
    con: duckdb.DuckDBPyConnection,
    sources: dict[str, Source],
    expected: dict[str, int],
    report: Report,
) -> None:
    """Every check of the spec, in order; the findings go into ``report`` as they come."""
    # all tables first, so a foreign key can see the plans of the table it points to
    loaded: dict[str, LoadedTable] = {}
    for index, name in enumerate(spec.tables):
        if name in sources:
            table, findings = load_table(con, index, name, spec.tables[name], sources[name])
            _add(report, findings)
            if table is not None:
                loaded[name] = table
    # referenced tables first, so their row counts are known when foreign keys are checked
    row_counts: dict[str, int] = {}
    for name in spec.generation_order():
        table = loaded.get(name)
        if table is None:
            continue
        count, findings = check_columns(con, table, expected[name])
        _add(report, findings)
        if count is None:
            continue  # the data cannot be read: nothing more to say about it
        row_counts[name] = count
        _add(report, check_keys(con, table, count))
        _add(report, check_references(con, table, count, loaded, row_counts))
        _add(report, check_rules(con, table, count, SPEARMAN_SAMPLE_ROWS))
        _add(report, check_duplicate_rows(con, table, count))
    for name in spec.tables:
        source = sources.get(name)
        report.tables[name] = TableResult(
            source.label if source else None, row_counts.get(name), expected[name]
        )


def _add(report: Report, findings: list[Finding]) -> None:
    for finding in findings:
        report.add(finding)
