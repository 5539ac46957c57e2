"""DuckDB side of validation: a locked-down connection, one view per table source, and for each
spec column the SQL that reads it as the spec's type.

Every table is read where it lies (Parquet or CSV through DuckDB, DataFrames through Arrow), never
loaded whole into pandas, so memory stays bounded by DuckDB's ``memory_limit`` (it spills to a
private temp directory). CSV is read as text and cast per column, so a stray "N/A" in a numeric
column is a finding with examples instead of a sniffing error.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from codegen.spec.model import DUCKDB_TYPES, Column, quote_ident
from codegen.urls import filesystem, is_url

INT_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
}


@dataclass(frozen=True)
class Limits:
    """Resources one validation may use; DuckDB spills to disk beyond ``memory_mb``."""

    memory_mb: int = 512
    threads: int = max(1, min(4, os.cpu_count() or 1))


@dataclass(frozen=True)
class Source:
    """Where one table's data is: a Parquet or CSV file, or an in-memory Arrow table."""

    kind: str  # "parquet", "csv" or "arrow"
    label: str  # what messages call it: "housing.parquet" or "DataFrame"
    path: Path | None = None
    arrow: pa.Table | None = None
    # a table made in parts: its part files in order (``path`` is then their directory); fsspec
    # URLs for parts in object storage (``path`` is then None)
    parts: tuple[Path | str, ...] = ()

    @property
    def files(self) -> list[Path | str]:
        """What DuckDB must be allowed to read for this table."""
        if self.parts:
            return list(self.parts)
        return [self.path] if self.path is not None else []


def connect(limits: Limits, temp_dir: Path, files: list[Path | str]) -> duckdb.DuckDBPyConnection:
    """A connection that may read only ``files`` and spill only into ``temp_dir``.

    ``check`` rules are SQL from the spec; locking the file system keeps them to the tables.
    Files given as fsspec URLs are read through fsspec's file system for their protocol
    (registered before the lock; the allowed paths still name each file).
    """
    con = duckdb.connect(
        ":memory:",
        config={
            "threads": limits.threads,
            "memory_limit": f"{limits.memory_mb}MB",
            "temp_directory": str(temp_dir),
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        },
    )
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")  # it writes to stdout
    registered: set[str] = set()
    for url in (str(f) for f in files if is_url(f)):
        fs, _ = filesystem(url)
        if fs.protocol not in registered:
            con.register_filesystem(fs)
            registered.add(fs.protocol)
    con.execute("SET allowed_paths = $paths", {"paths": [str(p) for p in files]})
    con.execute("SET allowed_directories = $dirs", {"dirs": [str(temp_dir) + os.sep]})
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def create_raw_view(con: duckdb.DuckDBPyConnection, view: str, source: Source) -> None:
    """Expose a source as ``view`` (raises duckdb.Error when the file cannot be read)."""
    if source.kind == "arrow":
        con.register(view, source.arrow)
        return
    if source.parts:
        # read in place, in part order: one table over the files, never loaded whole
        listed = ", ".join(sql_string(str(p)) for p in source.parts)
        con.execute(f"CREATE VIEW {quote_ident(view)} AS SELECT * FROM read_parquet([{listed}])")
        return
    path = sql_string(str(source.path))
    if source.kind == "parquet":
        con.execute(f"CREATE VIEW {quote_ident(view)} AS SELECT * FROM read_parquet({path})")
    else:
        # read once into a table: read_csv sniffs the file again on every query (~0.1 s each)
        reader = f"read_csv({path}, header = true, all_varchar = true)"
        con.execute(f"CREATE TEMP TABLE {quote_ident(view)} AS SELECT * FROM {reader}")


def fetch(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    """Every row of a query (all of them: DuckDB refuses new queries while rows remain)."""
    return con.execute(sql).fetchall()


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def sql_literal(value: Any) -> str:
    """A spec value (already of the column's Python type) as a SQL literal."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    return sql_string(str(value))


def source_kind(duck_type: str, from_csv: bool) -> str:
    """The family of a DuckDB column type: int, float, decimal, bool, string, date, timestamp,
    timestamptz, null, text (CSV, to be parsed) or other."""
    if from_csv:
        return "text"
    if duck_type in INT_TYPES:
        return "int"
    if duck_type in ("FLOAT", "DOUBLE"):
        return "float"
    if duck_type.startswith("DECIMAL"):
        return "decimal"
    if duck_type == "BOOLEAN":
        return "bool"
    if duck_type == "VARCHAR" or duck_type.startswith("ENUM"):
        return "string"
    if duck_type == "DATE":
        return "date"
    if duck_type == "TIMESTAMP WITH TIME ZONE":
        return "timestamptz"
    if duck_type.startswith("TIMESTAMP"):
        return "timestamp"
    if duck_type == '"NULL"' or duck_type == "NULL":
        return "null"
    return "other"


@dataclass(frozen=True)
class ColumnPlan:
    """How to read one column of the source as its spec type.

    The SQL snippets use ``{r}`` for the raw column. ``typed`` gives the value as the spec type
    (NULL where missing or unreadable), ``missing`` is true where the value is absent (null, NaN),
    ``bad`` where a value is present but not of the type; ``incompatible`` says why the source
    type can never hold the spec type (then ``typed`` is the raw column, and value checks skip).
    """

    name: str
    column: Column
    source_type: str
    typed: str
    missing: str | None = None  # None: missing means NULL (counted cheaply as count(col))
    bad: str | None = None
    bad_what: str = ""  # 'have fractions', completing "N of M rows (x%) ..."
    incompatible: str | None = None


_EXPECTED = {
    "integer": "whole numbers",
    "float": "numbers",
    "string": "strings",
    "boolean": "true/false values",
    "date": "dates",
    "datetime": "datetimes",
}
_FOUND = {
    "int": "integers",
    "float": "floats",
    "decimal": "decimals",
    "bool": "booleans",
    "string": "strings",
    "date": "dates",
    "timestamp": "timestamps",
    "timestamptz": "timestamps",
    "other": "values",
}


def plan_column(name: str, column: Column, duck_type: str, from_csv: bool) -> ColumnPlan:
    """The plan reading source type ``duck_type`` as ``column.type``."""
    kind = source_kind(duck_type, from_csv)
    want = column.type
    plan = _PLANS.get((want, kind))
    if plan is None and kind == "null":  # an all-null column fits any type
        plan = {"typed": f"CAST({{r}} AS {DUCKDB_TYPES[want]})"}
    if plan is None:
        found = _FOUND.get(kind, "values")
        why = f"expected {_EXPECTED[want]} ({want}), found {found} ({duck_type})"
        return ColumnPlan(name, column, duck_type, typed="{r}", incompatible=why)
    return ColumnPlan(name, column, duck_type, **plan)


_D = "TRY_CAST({r} AS DOUBLE)"  # a CSV text as a number
# a CSV text as UTC time: offsets honoured, but only texts that carry one pay for ICU's parsing
_TS = (
    "CASE WHEN regexp_matches({r}, '(Z|[+-][0-9][0-9]:?[0-9][0-9])$') "
    "THEN timezone('UTC', TRY_CAST({r} AS TIMESTAMPTZ)) ELSE TRY_CAST({r} AS TIMESTAMP) END"
)
_PLANS: dict[tuple[str, str], dict[str, str]] = {
    ("integer", "int"): {"typed": "{r}"},
    ("integer", "float"): {
        # kept as DOUBLE so range and value checks see the real numbers, fractions included
        "typed": "CASE WHEN isfinite({r}) THEN {r} END",
        "missing": "{r} IS NULL OR isnan({r})",
        "bad": "isinf({r}) OR (isfinite({r}) AND {r} <> trunc({r}))",
        "bad_what": "are not whole numbers",
    },
    ("integer", "decimal"): {
        "typed": "{r}",
        "bad": "{r} <> trunc({r})",
        "bad_what": "are not whole numbers",
    },
    ("integer", "text"): {
        "typed": "TRY_CAST({r} AS BIGINT)",
        "missing": f"{{r}} IS NULL OR isnan({_D})",
        "bad": f"{{r}} IS NOT NULL AND coalesce(NOT isnan({_D}) AND NOT (isfinite({_D}) "
        f"AND {_D} = trunc({_D})), TRUE)",
        "bad_what": "are not whole numbers",
    },
    ("float", "int"): {"typed": "CAST({r} AS DOUBLE)"},
    ("float", "decimal"): {"typed": "CAST({r} AS DOUBLE)"},
    ("float", "float"): {
        "typed": "CASE WHEN isfinite({r}) THEN CAST({r} AS DOUBLE) END",
        "missing": "{r} IS NULL OR isnan({r})",
        "bad": "isinf({r})",
        "bad_what": "are infinite",
    },
    ("float", "text"): {
        "typed": f"CASE WHEN isfinite({_D}) THEN {_D} END",
        "missing": f"{{r}} IS NULL OR isnan({_D})",
        "bad": f"{{r}} IS NOT NULL AND coalesce(isinf({_D}), TRUE)",
        "bad_what": "are not finite numbers",
    },
    ("string", "string"): {"typed": "CAST({r} AS VARCHAR)"},
    ("string", "text"): {"typed": "{r}"},
    ("boolean", "bool"): {"typed": "{r}"},
    ("boolean", "text"): {
        "typed": "TRY_CAST({r} AS BOOLEAN)",
        "bad": "{r} IS NOT NULL AND TRY_CAST({r} AS BOOLEAN) IS NULL",
        "bad_what": "are not true/false",
    },
    ("date", "date"): {"typed": "{r}"},
    ("date", "timestamp"): {
        "typed": "CAST({r} AS DATE)",
        "bad": "CAST({r} AS TIMESTAMP) <> date_trunc('day', CAST({r} AS TIMESTAMP))",
        "bad_what": "have a time of day (dates must be midnight or plain dates)",
    },
    ("date", "timestamptz"): {
        "typed": "CAST(timezone('UTC', {r}) AS DATE)",
        "bad": "timezone('UTC', {r}) <> date_trunc('day', timezone('UTC', {r}))",
        "bad_what": "have a time of day (dates must be midnight UTC or plain dates)",
    },
    ("date", "text"): {
        "typed": f"CAST({_TS} AS DATE)",
        "bad": f"{{r}} IS NOT NULL AND coalesce({_TS} <> date_trunc('day', {_TS}), TRUE)",
        "bad_what": "are not dates like 2024-01-31",
    },
    ("datetime", "timestamp"): {"typed": "CAST({r} AS TIMESTAMP)"},
    ("datetime", "timestamptz"): {"typed": "timezone('UTC', {r})"},
    ("datetime", "date"): {"typed": "CAST({r} AS TIMESTAMP)"},
    ("datetime", "text"): {
        "typed": _TS,
        "bad": f"{{r}} IS NOT NULL AND {_TS} IS NULL",
        "bad_what": "are not datetimes like 2024-01-31 08:30:00",
    },
}


def describe(con: duckdb.DuckDBPyConnection, view: str) -> dict[str, str]:
    """Column name -> DuckDB type of a view, in order."""
    rows = con.execute(f"DESCRIBE {quote_ident(view)}").fetchall()
    return {row[0]: row[1] for row in rows}
