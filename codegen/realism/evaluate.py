"""Run realism probes over a saved run's tables with DuckDB.

Each table is a view named after it, typed as the run's spec says (the views ``check`` rules read
when a run is validated), over its Parquet file; a table the spec does not name is shown as saved.
The connection may read only those files (as in validation): a probe is SQL from a file, and it
gets the tables, nothing else. A probe that fails (bad SQL, not one SELECT, not one row with one
boolean) is reported as not passed with DuckDB's first line; it never stops the others.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb

from codegen.realism.probes import Probe
from codegen.runs.run import Run
from codegen.validation.loading import load_table, source_for_path
from codegen.validation.report import first_line
from codegen.validation.sql import Limits, Source, connect, create_raw_view


class _ProbeShapeError(Exception):
    """A probe ran but did not answer with one true or false."""


def run_probes(
    run: Run | str | Path, probes: Sequence[Probe], *, limits: Limits | None = None
) -> dict[str, dict[str, Any]]:
    """Each probe's result, by name, in the probes' order: ``{"passed": bool, "value": the boolean
    or None, "why": ..., "error": one line}`` (``error`` only where the probe could not answer).
    ``passed`` is true only when the probe returned true."""
    run = run if isinstance(run, Run) else Run(run)
    sources = {name: source_for_path(run.tables.path(name)) for name in run.tables}
    with tempfile.TemporaryDirectory(prefix="sdgen-probes-") as tmp:
        allowed = [f for source in sources.values() for f in source.files]
        con = connect(limits or Limits(), Path(tmp), allowed)
        try:
            _open_tables(con, run, sources)
            return {probe.name: _evaluate(con, probe) for probe in probes}
        finally:
            con.close()


def passed_count(results: Mapping[str, Any]) -> int:
    """How many of ``results`` (``run_probes``' answer, or a manifest's ``realism``) passed."""
    return sum(1 for got in results.values() if isinstance(got, Mapping) and got.get("passed"))


def _open_tables(con: duckdb.DuckDBPyConnection, run: Run, sources: dict[str, Source]) -> None:
    """A view per table, under the table's name. One that cannot be read gets no view: the probes
    that name it then fail with DuckDB's "does not exist", and the others still run."""
    spec = run.spec
    for index, (name, source) in enumerate(sources.items()):
        try:
            if spec is not None and name in spec.tables:
                load_table(con, index, name, spec.tables[name], source)
            else:
                create_raw_view(con, name, source)
        except duckdb.Error:
            continue


def _evaluate(con: duckdb.DuckDBPyConnection, probe: Probe) -> dict[str, Any]:
    result: dict[str, Any] = {"passed": False, "value": None, "why": probe.why}
    try:
        value = _answer(con, probe.sql)
    except _ProbeShapeError as exc:
        result["error"] = str(exc)
    except Exception as exc:  # noqa: BLE001 - a probe is SQL from a file: its failure is its own
        result["error"] = first_line(exc)
    else:
        result["value"] = value
        result["passed"] = value is True
        if value is None:
            result["error"] = "the probe returned NULL (no rows to judge?)"
    return result


def _answer(con: duckdb.DuckDBPyConnection, sql: str) -> bool | None:
    """The one boolean ``sql`` returns (None for NULL)."""
    statements = con.extract_statements(sql)
    if len(statements) != 1:
        raise _ProbeShapeError(f"expected one SELECT statement, got {len(statements)} statements")
    if statements[0].type != duckdb.StatementType.SELECT:
        kind = statements[0].type.name
        raise _ProbeShapeError(f"expected a SELECT statement, got {kind}")
    cursor = con.execute(sql)
    columns = cursor.description or []
    rows = cursor.fetchmany(2)  # two are enough to tell one row from many
    if len(columns) != 1 or len(rows) != 1:
        raise _ProbeShapeError(
            f"expected one row with one boolean column, got {_count(len(rows), 'row')} "
            f"with {_count(len(columns), 'column')}"
        )
    (value,) = rows[0]
    kind = str(columns[0][1])
    if kind not in ("BOOLEAN", "NULL") or not isinstance(value, bool | None):
        raise _ProbeShapeError(f"expected a boolean, got {kind} {value!r}")
    return value


def _count(n: int, noun: str) -> str:
    if noun == "row" and n > 1:
        return "more than one row"
    return f"{n} {noun}{'' if n == 1 else 's'}"
