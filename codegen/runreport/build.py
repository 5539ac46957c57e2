"""Make a run's report: read its tables with DuckDB into figures (``collect``), draw and lay them
out (``page.render``), and write ``<run>/report.html`` in one piece (``write_report``).

The DuckDB connection is validation's locked-down one: it may read only the run's table files,
so the spec's ``check`` SQL reaches nothing else.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from codegen.errors import ReportError
from codegen.runreport.figures import EXACT_ROWS, SAMPLE_ROWS, TableFigures, profile_table
from codegen.runreport.relations import FanOut, RuleResult, fan_outs, rule_results
from codegen.runs.manifest import Manifest
from codegen.runs.run import Run
from codegen.spec.model import Spec
from codegen.validation.loading import LoadedTable, load_table, source_for_path
from codegen.validation.report import first_line
from codegen.validation.sql import Limits, Source, connect, create_raw_view
from codegen.validation.validator import SPEARMAN_SAMPLE_ROWS

if TYPE_CHECKING:
    import pandas as pd

REPORT_FILE = "report.html"


@dataclass
class Figures:
    """What the tables show: per table, per rule, per foreign key."""

    tables: list[TableFigures] = field(default_factory=list)
    rules: list[RuleResult] = field(default_factory=list)
    fan_outs: list[FanOut] = field(default_factory=list)
    unreadable: dict[str, str] = field(default_factory=dict)  # table -> why it has no figures


@dataclass
class Contents:
    """Everything a report page shows."""

    name: str
    description: str | None
    figures: Figures
    manifest: Manifest = field(default_factory=Manifest)
    provenance: dict[str, Any] = field(default_factory=dict)
    spec_text: str | None = None
    program: str | None = None
    run_path: str = ""
    made: str = ""  # when the report was made (ISO, UTC)


def collect(
    spec: Spec | None,
    tables: Mapping[str, str | os.PathLike[str] | pd.DataFrame],
    *,
    sample_rows: int = SAMPLE_ROWS,
    exact_rows: int = EXACT_ROWS,
    spearman_sample_rows: int = SPEARMAN_SAMPLE_ROWS,
    limits: Limits | None = None,
) -> Figures:
    """The figures of ``tables`` (name -> Parquet file or DataFrame), in the spec's table order
    (tables it does not name last), and of the spec's rules and foreign keys."""
    sources = {name: _source(data) for name, data in tables.items()}
    order = [n for n in (spec.tables if spec else ()) if n in sources]
    order += [n for n in sources if n not in order]
    files = [f for s in sources.values() for f in s.files]
    figures = Figures()
    with tempfile.TemporaryDirectory(prefix="sdgen-report-") as tmp:
        con = connect(limits or Limits(), Path(tmp), files)
        try:
            loaded: dict[str, LoadedTable] = {}
            rows: dict[str, int] = {}
            for index, name in enumerate(order):
                table_spec = spec.tables.get(name) if spec else None
                try:
                    create_raw_view(con, f"data:{index}", sources[name])
                    got = profile_table(
                        con, f"data:{index}", name, table_spec,
                        sample_rows=sample_rows, exact_rows=exact_rows,
                    )  # fmt: skip
                    if table_spec is not None:
                        view, _ = load_table(con, index, name, table_spec, sources[name])
                        if view is not None:
                            loaded[name] = view
                except duckdb.Error as exc:
                    figures.unreadable[name] = f"cannot read {sources[name].label}: "
                    figures.unreadable[name] += first_line(exc)
                    continue
                figures.tables.append(got)
                rows[name] = got.rows
            if spec is not None:
                figures.rules = rule_results(con, spec, loaded, rows, spearman_sample_rows)
                figures.fan_outs = fan_outs(con, spec, loaded)
        except duckdb.Error as exc:
            raise ReportError(f"the report could not be made: {first_line(exc)}") from exc
        finally:
            con.close()
    for name in spec.tables if spec else ():
        if name not in tables:
            figures.unreadable[name] = "no data saved for this table"
    return figures


def _source(data: Any) -> Source:
    if isinstance(data, str | os.PathLike):
        return source_for_path(data)  # a file, or a directory of parts (a run made in parts)
    frame = data.reset_index() if any(n is not None for n in data.index.names) else data
    return Source("arrow", "DataFrame", arrow=pa.Table.from_pandas(frame, preserve_index=False))


def contents_of(run: Run, *, sample_rows: int = SAMPLE_ROWS) -> Contents:
    """What the report of ``run`` shows."""
    from codegen.runs.provenance import run_provenance

    spec = run.spec
    manifest = run.manifest
    files = {name: run.tables.path(name) for name in run.tables}
    return Contents(
        name=(spec.name if spec else manifest.name) or run.path.name,
        description=spec.description if spec else None,
        figures=collect(spec, files, sample_rows=sample_rows),
        manifest=manifest,
        provenance=run_provenance(run.path),
        spec_text=run.spec_text,
        program=run.program or None,
        run_path=str(run.path),
        made=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )


def write_report(run: Run | str | os.PathLike[str], *, sample_rows: int = SAMPLE_ROWS) -> Path:
    """Write ``<run>/report.html`` (replacing an older one) and return its path."""
    from codegen.runreport.page import render

    run = run if isinstance(run, Run) else Run(run)
    html = render(contents_of(run, sample_rows=sample_rows))
    target = run.path / REPORT_FILE
    partial = target.with_name(f".{REPORT_FILE}.{os.getpid()}.tmp")
    try:
        partial.write_text(html, encoding="utf-8")
        os.replace(partial, target)  # a reader sees the old report or the new one, never half
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ReportError(
            f"cannot write {target}: {exc.strerror or exc}", run_dir=run.path
        ) from None
    return target
