"""Loading: find each table's data (files in a directory, or a mapping of paths, DataFrames and
Arrow tables; a table made in parts is a directory ``<table>/`` of ``part-NNNNN.parquet`` files,
read in place) and show it to DuckDB as views whose columns read as the spec's types.

Nothing here raises for bad data: a missing table, an unreadable file or a missing column is a
finding, and the checks go on without it. What makes a run impossible (no such directory, a value
that is neither a path nor a table) is named by ``input_problem`` for the caller to raise.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from codegen.spec.model import Spec, Table, quote_ident
from codegen.urls import filesystem, is_url
from codegen.validation.report import Finding, failure, first_line, warning
from codegen.validation.sql import ColumnPlan, Source, create_raw_view, describe, plan_column

FILE_SUFFIXES = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}
PART_FILE = re.compile(r"^part-\d{5,}\.parquet$")

TableData = str | os.PathLike[str] | pd.DataFrame | pa.Table


@dataclass(frozen=True)
class LoadedTable:
    """One table as DuckDB sees it, and how each of its columns reads as the spec's type."""

    name: str
    spec: Table
    source: Source
    plans: dict[str, ColumnPlan]  # the spec's columns found in the data, in spec order
    alias: dict[str, int]  # column -> k: the scan view holds it raw as r<k> and typed as t<k>
    scan: str  # that view, quoted for SQL
    view: str  # the typed columns under their own names (what rules' SQL reads), quoted

    def usable(self, column: str) -> bool:
        """Present and of a source type that can hold the spec type."""
        plan = self.plans.get(column)
        return plan is not None and plan.incompatible is None


# ----------------------------------------------------------------------------- locating data


def input_problem(spec: Spec, tables_or_dir: Any) -> str | None:
    """Why the tables cannot even be located, or None; checked before any data is read."""
    if not isinstance(tables_or_dir, Mapping):
        directory = Path(tables_or_dir)
        return None if directory.is_dir() else f"{directory}: no such directory"
    for name, data in tables_or_dir.items():
        if name not in spec.tables or isinstance(data, pd.DataFrame | pa.Table):
            continue  # an unknown table is only a warning, a table is read later
        if not isinstance(data, str | os.PathLike):
            kind = type(data).__name__
            return f"{name}: expected a file path, DataFrame or Arrow table, got {kind}"
        if is_url(data):
            continue  # a directory of parts in object storage, listed later
        path = Path(data)
        if path.suffix.lower() not in FILE_SUFFIXES and not path.is_dir():
            return f"{name}: {path} is neither .parquet nor .csv nor a directory of parts"
    return None


def locate_sources(spec: Spec, tables_or_dir: Any) -> tuple[dict[str, Source], list[Finding]]:
    """Where each table's data is, and findings for what is missing, unreadable or unexpected.

    ``tables_or_dir`` has passed ``input_problem``.
    """
    if isinstance(tables_or_dir, Mapping):
        return _from_mapping(spec, tables_or_dir)
    return _from_directory(spec, Path(tables_or_dir))


def parts_source(name: str, directory: Path) -> tuple[Source | None, Finding | None]:
    """A table made in parts: every ``part-NNNNN.parquet`` in its directory, in part order."""
    parts, odd = [], []
    for entry in sorted(os.scandir(directory), key=lambda e: e.name):
        if PART_FILE.match(entry.name) and entry.is_file(follow_symlinks=False):
            parts.append(Path(entry.path).resolve())
        else:
            odd.append(entry.name)
    if odd:
        message = f"{name}: {directory.name}/ holds {odd[0]!r}, not a part-NNNNN.parquet file"
        return None, failure("unreadable", name, None, message)
    if not parts:
        return None, failure("missing_table", name, None, f"{name}: no part files in {directory}")
    label = f"{directory.name}/ ({len(parts)} parts)"
    return Source("parquet", label, path=directory.resolve(), parts=tuple(parts)), None


def remote_parts_source(name: str, url: str) -> tuple[Source | None, Finding | None]:
    """A table made in parts in object storage (an fsspec URL of its directory): every
    ``part-NNNNN.parquet`` there, in part order, read by DuckDB through fsspec."""
    try:
        fs, path = filesystem(url)
        fs.invalidate_cache()
        entries = sorted(fs.ls(path, detail=True), key=lambda e: e["name"])
    except FileNotFoundError:
        entries = []
    except Exception as exc:  # noqa: BLE001 - a store that cannot be listed is a finding
        message = f"{name}: cannot list {url}: {first_line(exc)}"
        return None, failure("unreadable", name, None, message)
    parts, odd = [], []
    for entry in entries:
        base = entry["name"].rstrip("/").rsplit("/", 1)[-1]
        if PART_FILE.match(base) and entry.get("type") == "file":
            parts.append(fs.unstrip_protocol(entry["name"]))
        else:
            odd.append(base)
    label = url.rstrip("/").rsplit("/", 1)[-1]
    if odd:
        message = f"{name}: {label}/ holds {odd[0]!r}, not a part-NNNNN.parquet file"
        return None, failure("unreadable", name, None, message)
    if not parts:
        return None, failure("missing_table", name, None, f"{name}: no part files in {url}")
    return Source("parquet", f"{label}/ ({len(parts)} parts)", parts=tuple(parts)), None


def source_for_path(path: str | os.PathLike[str]) -> Source:
    """A saved table by path: a Parquet or CSV file, or a directory of part files (for the
    report and the probes, which read a run's tables as the validator does)."""
    path = Path(path).resolve()
    if path.is_dir():
        source, _ = parts_source(path.name, path)
        if source is not None:
            return source
        return Source("parquet", f"{path.name}/", path=path)  # unreadable: DuckDB will say why
    kind = "csv" if path.suffix.lower() == ".csv" else "parquet"
    return Source(kind, path.name, path=path)


def _from_directory(spec: Spec, directory: Path) -> tuple[dict[str, Source], list[Finding]]:
    found: dict[str, dict[str, Path]] = {}  # stem -> kind -> file
    for entry in sorted(directory.iterdir()):
        kind = FILE_SUFFIXES.get(entry.suffix.lower())
        if kind:
            found.setdefault(entry.stem, {})[kind] = entry
        elif entry.name in spec.tables and stat.S_ISDIR(os.lstat(entry).st_mode):
            found.setdefault(entry.name, {})["parts"] = entry
    sources: dict[str, Source] = {}
    findings: list[Finding] = []
    for name in spec.tables:
        files = found.pop(name, {})
        if "parts" in files:
            source, problem = parts_source(name, files.pop("parts"))
            if source is not None:
                sources[name] = source
            findings.extend([problem] if problem else [])
            if files:
                message = f"{name}: both {name}/ and a {name} file; the file is ignored"
                findings.append(warning("unexpected_table", name, None, message))
            continue
        if not files:
            message = f"{name}: no {name}.parquet or {name}.csv"
            findings.append(failure("missing_table", name, None, message))
            continue
        kind = "parquet" if "parquet" in files else "csv"
        path = files[kind]
        if len(files) > 1:
            message = f"{name}: both {path.name} and {files['csv'].name}; the CSV is ignored"
            findings.append(warning("unexpected_table", name, None, message))
        if not stat.S_ISREG(os.lstat(path).st_mode):  # never follow links out of the directory
            message = f"{name}: {path.name} is not a regular file (links are not followed)"
            findings.append(failure("unreadable", name, None, message))
            continue
        sources[name] = Source(kind, path.name, path=path.resolve())
    for stem, files in found.items():
        for path in files.values():
            message = f"{stem}: {path.name} is not a table of the spec; ignored"
            findings.append(warning("unexpected_table", stem, None, message))
    return sources, findings


def _from_mapping(spec: Spec, tables: Mapping[str, Any]) -> tuple[dict[str, Source], list[Finding]]:
    sources: dict[str, Source] = {}
    findings: list[Finding] = []
    for name, data in tables.items():
        if name not in spec.tables:
            message = f"{name}: not a table of the spec; ignored"
            findings.append(warning("unexpected_table", name, None, message))
        elif isinstance(data, pd.DataFrame):
            try:
                sources[name] = Source("arrow", "DataFrame", arrow=_arrow_from_pandas(data))
            except (pa.ArrowException, ValueError, TypeError) as exc:
                message = f"{name}: the DataFrame cannot be converted to Arrow: {exc}"
                findings.append(failure("unreadable", name, None, message.splitlines()[0]))
        elif isinstance(data, pa.Table):
            sources[name] = Source("arrow", "Arrow table", arrow=data)
        else:  # a .parquet or .csv file, or a directory of parts (input_problem has seen to that)
            path = Path(data)
            if is_url(data):
                source, problem = remote_parts_source(name, data)
                if source is not None:
                    sources[name] = source
                findings.extend([problem] if problem else [])
            elif path.is_dir():
                source, problem = parts_source(name, path)
                if source is not None:
                    sources[name] = source
                findings.extend([problem] if problem else [])
            elif path.is_file():
                sources[name] = Source(
                    FILE_SUFFIXES[path.suffix.lower()], path.name, path=path.resolve()
                )
            else:
                findings.append(failure("missing_table", name, None, f"{name}: no file {path}"))
    for name in spec.tables:
        said = any(f.table == name and f.severity == "failure" for f in findings)
        if name not in sources and not said:
            findings.append(failure("missing_table", name, None, f"{name}: no table given"))
    return sources, findings


def _arrow_from_pandas(frame: pd.DataFrame) -> pa.Table:
    # a named index (df.set_index("id")) is data; a plain RangeIndex is not
    if any(name is not None for name in frame.index.names):
        frame = frame.reset_index()
    return pa.Table.from_pandas(frame, preserve_index=False)


# ----------------------------------------------------------------------------- views


def load_table(
    con: duckdb.DuckDBPyConnection, index: int, name: str, table: Table, source: Source
) -> tuple[LoadedTable | None, list[Finding]]:
    """Views of one table's data (None when it cannot be read), and findings about its columns.

    ``index`` names the views (``raw:<index>``, ``scan:<index>``) so no table name can clash
    with them; the table's own name is kept for the view that ``check`` rules read.
    """
    raw, scan = f"raw:{index}", f"scan:{index}"
    try:
        create_raw_view(con, raw, source)
        found = describe(con, raw)
    except duckdb.Error as exc:
        message = f"{name}: cannot read {source.label}: {first_line(exc)}"
        return None, [failure("unreadable", name, None, message)]
    plans, findings = _plan_columns(name, table, found, source.kind == "csv")
    alias = {col: k for k, col in enumerate(plans)}
    # one view holds every column twice, raw (r<k>, for type findings) and typed (t<k>); short
    # aliases keep the generated SQL readable whatever the columns are called
    inner = ", ".join(f"{quote_ident(col)} AS r{k}" for col, k in alias.items()) or "1 AS one"
    typed = "".join(
        f", {plans[col].typed.replace('{r}', f'r{k}')} AS t{k}" for col, k in alias.items()
    )
    con.execute(
        f"CREATE VIEW {quote_ident(scan)} AS SELECT *{typed} "
        f"FROM (SELECT {inner} FROM {quote_ident(raw)})"
    )
    outer = ", ".join(f"t{k} AS {quote_ident(col)}" for col, k in alias.items()) or "1 AS one"
    con.execute(f"CREATE VIEW {quote_ident(name)} AS SELECT {outer} FROM {quote_ident(scan)}")
    loaded = LoadedTable(name, table, source, plans, alias, quote_ident(scan), quote_ident(name))
    return loaded, findings


def _plan_columns(
    name: str, table: Table, found: dict[str, str], from_csv: bool
) -> tuple[dict[str, ColumnPlan], list[Finding]]:
    """A plan for each spec column in the data; findings for columns missing or unexpected."""
    plans: dict[str, ColumnPlan] = {}
    findings: list[Finding] = []
    for col_name, column in table.columns.items():
        if col_name in found:
            plans[col_name] = plan_column(col_name, column, found[col_name], from_csv)
            continue
        listed = ", ".join(list(found)[:12]) + (", ..." if len(found) > 12 else "")
        hint = difflib.get_close_matches(col_name, list(found), n=1)
        guess = f" (did you mean '{hint[0]}'?)" if hint else ""
        message = f"{name}.{col_name}: column missing{guess}; found: {listed or 'none'}"
        findings.append(failure("missing_column", name, col_name, message))
    for col_name in found:
        if col_name not in table.columns:
            message = f"{name}.{col_name}: column not in the spec; ignored"
            findings.append(warning("unexpected_column", name, col_name, message))
    return plans, findings
