"""The figures of one table, computed with DuckDB: its row count and a few sample rows; per column
nulls, distinct values, min/median/mean/max and what its plot needs (a histogram, or the counts
of its values); and the rank correlations of its numeric columns.

Counts, nulls, distinct values, min, median, mean and max are over every row, in one aggregate
query per table; above ``EXACT_ROWS`` rows the median and the distinct count are DuckDB's
approximations (``approximate`` says so), since exact ones hold every value (3M rows: 1.3 s for
nine exact distinct counts against 0.24 s). What is drawn (histograms, value counts, sample rows,
correlations) comes from every row up to ``SAMPLE_ROWS`` and above that from a deterministic
sample of about that many, kept by a hash of the primary key (or of every column), as validation
samples rows for Spearman rho: the same data always gives the same report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import duckdb
import numpy as np

from codegen.spec.model import Column, Table, quote_ident
from codegen.validation.relations import _hash_limit
from codegen.validation.sql import fetch, source_kind

SAMPLE_ROWS = 200_000  # rows above which plots, sample rows and correlations use a sample
EXACT_ROWS = 5_000_000  # rows above which medians and distinct counts are approximations
SAMPLE_SHOWN = 10  # sample rows shown per table
TOP_VALUES = 12  # bars of a value-count chart
VALUE_BARS = 30  # a number column with at most this many distinct values gets one bar each
MAX_BINS = 40
MAX_CORRELATED = 16  # numeric columns in a correlation matrix, at most

Kind = Literal["number", "time", "boolean", "text", "other"]
_KINDS: dict[str, Kind] = {
    "int": "number",
    "float": "number",
    "decimal": "number",
    "date": "time",
    "timestamp": "time",
    "timestamptz": "time",
    "bool": "boolean",
    "string": "text",
}


@dataclass(frozen=True)
class Histogram:
    """Counts between edges (``len(edges) == len(counts) + 1``); epoch seconds when ``time``."""

    edges: tuple[float, ...]
    counts: tuple[int, ...]
    time: bool = False


@dataclass(frozen=True)
class Bars:
    """Rows per value, for the values shown; ``rest`` rows hold ``rest_values`` other values."""

    labels: tuple[str, ...]
    counts: tuple[int, ...]
    rest: int = 0
    rest_values: int = 0
    ordered: bool = False  # labels in the values' own order (numbers), not by count


@dataclass(frozen=True)
class ColumnFigures:
    """One column: what it holds, over every row, and what its plot shows."""

    name: str
    duck_type: str
    kind: Kind
    spec: Column | None  # the spec's column, when the spec names it
    rows: int
    nulls: int
    nonfinite: int = 0  # NaN and infinities (float columns)
    distinct: int | None = None
    approximate: bool = False  # distinct and median are DuckDB's approximations
    minimum: Any = None
    median: Any = None
    mean: float | None = None
    maximum: Any = None
    true: int | None = None  # boolean columns: rows that are true
    length: tuple[int, int] | None = None  # text columns: shortest and longest value
    plot: Histogram | Bars | None = None
    note: str = ""  # why there is no plot, or what to know about it

    @property
    def present(self) -> int:
        return self.rows - self.nulls - self.nonfinite


@dataclass(frozen=True)
class Correlation:
    """Spearman rho between the numeric columns (keys left out), on the table's sample."""

    columns: tuple[str, ...]
    rho: tuple[tuple[float, ...], ...]  # NaN where undefined (a column with one value)
    left_out: tuple[str, ...] = ()  # numeric columns beyond MAX_CORRELATED

    def strongest(self, count: int = 5) -> list[tuple[str, str, float]]:
        """The pairs with the largest |rho|, strongest first."""
        pairs = [
            (self.columns[i], self.columns[j], self.rho[i][j])
            for i in range(len(self.columns))
            for j in range(i + 1, len(self.columns))
            if not math.isnan(self.rho[i][j])
        ]
        return sorted(pairs, key=lambda p: -abs(p[2]))[:count]


@dataclass(frozen=True)
class TableFigures:
    """One table: rows, its sample, its columns' figures and their correlations."""

    name: str
    spec: Table | None
    rows: int
    sample_size: int  # rows the plots are drawn from (== rows when not sampled)
    columns: list[ColumnFigures] = field(default_factory=list)
    sample_header: tuple[str, ...] = ()
    sample_rows: list[tuple[Any, ...]] = field(default_factory=list)
    correlation: Correlation | None = None

    @property
    def sampled(self) -> bool:
        return self.sample_size < self.rows


def profile_table(
    con: duckdb.DuckDBPyConnection,
    view: str,
    name: str,
    spec: Table | None = None,
    *,
    sample_rows: int = SAMPLE_ROWS,
    exact_rows: int = EXACT_ROWS,
) -> TableFigures:
    """The figures of the table DuckDB shows as ``view`` (a view or table name, unquoted).

    Leaves a view or temporary table ``sample:<view>`` behind (the rows drawn from)."""
    types = {row[0]: row[1] for row in fetch(con, f"DESCRIBE {quote_ident(view)}")}
    kinds = {col: _KINDS.get(source_kind(t, False), "other") for col, t in types.items()}
    (rows,) = fetch(con, f"SELECT count(*) FROM {quote_ident(view)}")[0]
    approximate = rows > exact_rows
    stats = _column_stats(con, view, types, kinds, approximate) if rows else {}
    sample, sample_size = _sample(con, view, list(types), spec, rows, sample_rows)
    columns = []
    for col, duck_type in types.items():
        figures = ColumnFigures(
            name=col,
            duck_type=duck_type,
            kind=kinds[col],
            spec=spec.columns.get(col) if spec else None,
            rows=rows,
            approximate=approximate,
            **stats.get(col, {"nulls": rows}),
        )
        columns.append(_with_plot(con, sample, figures))
    header, shown = _sample_rows(con, sample, list(types), spec)
    return TableFigures(
        name=name,
        spec=spec,
        rows=rows,
        sample_size=sample_size,
        columns=columns,
        sample_header=header,
        sample_rows=shown,
        correlation=_correlation(con, sample, columns),
    )


# ------------------------------------------------------------------------ over every row


def _column_stats(
    con: duckdb.DuckDBPyConnection,
    view: str,
    types: dict[str, str],
    kinds: dict[str, Kind],
    approximate: bool,
) -> dict[str, dict[str, Any]]:
    """Per column, the ColumnFigures fields one aggregate query over every row gives."""
    selects: list[str] = []
    names: list[tuple[str, str]] = []  # (column, field) for each select, in order

    def add(col: str, name: str, sql: str) -> None:
        selects.append(sql)
        names.append((col, name))

    for col, kind in kinds.items():
        q = quote_ident(col)
        add(col, "nulls", f"count(*) - count({q})")
        if kind == "other":
            continue
        add(
            col,
            "distinct",
            f"approx_count_distinct({q})" if approximate else f"count(DISTINCT {q})",
        )
        if kind == "number":
            x = f"CAST({q} AS DOUBLE)"
            finite = f" FILTER (WHERE isfinite({x}))"
            if source_kind(types[col], False) == "float":
                add(col, "nonfinite", f"count({q}) FILTER (WHERE NOT isfinite({q}))")
            else:
                finite = ""
            median = f"approx_quantile({x}, 0.5)" if approximate else f"quantile_cont({x}, 0.5)"
            add(col, "minimum", f"min({q}){finite}")
            add(col, "median", f"{median}{finite}")
            add(col, "mean", f"avg({x}){finite}")
            add(col, "maximum", f"max({q}){finite}")
        elif kind == "time":
            median = f"approx_quantile({q}, 0.5)" if approximate else f"quantile_disc({q}, 0.5)"
            add(col, "minimum", f"min({q})")
            add(col, "median", median)
            add(col, "maximum", f"max({q})")
        elif kind == "boolean":
            add(col, "true", f"count(*) FILTER (WHERE {q})")
        elif kind == "text":
            add(col, "shortest", f"min(length({q}))")
            add(col, "longest", f"max(length({q}))")
    values = fetch(con, f"SELECT {', '.join(selects)} FROM {quote_ident(view)}")[0]
    stats: dict[str, dict[str, Any]] = {col: {} for col in kinds}
    for (col, name), value in zip(names, values, strict=True):
        stats[col][name] = _plain(value)
    for got in stats.values():
        if "shortest" in got:
            shortest, longest = got.pop("shortest"), got.pop("longest")
            got["length"] = (shortest, longest) if shortest is not None else None
    return stats


def _plain(value: Any) -> Any:
    """DuckDB's Decimal as a float, the rest as it comes."""
    if value is not None and type(value).__name__ == "Decimal":
        return float(value)
    return value


# ------------------------------------------------------------------------ on the sample


def _hash_key(columns: list[str], spec: Table | None) -> str:
    """What rows are hashed by: the primary key where the data has it, else every column."""
    key = [c for c in (spec.primary_key if spec else ()) if c in columns] or columns
    return f"hash({', '.join(quote_ident(c) for c in key)})"


def _sample(
    con: duckdb.DuckDBPyConnection,
    view: str,
    columns: list[str],
    spec: Table | None,
    rows: int,
    sample_rows: int,
) -> tuple[str, int]:
    """(the quoted name of the rows plots are drawn from, how many rows that is)."""
    sample = quote_ident(f"sample:{view}")
    if rows <= sample_rows:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {sample} AS SELECT * FROM {quote_ident(view)}")
        return sample, rows
    limit = _hash_limit(sample_rows, rows)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {sample} AS SELECT * FROM {quote_ident(view)} "
        f"WHERE {_hash_key(columns, spec)} < {limit}::UBIGINT"
    )
    (size,) = fetch(con, f"SELECT count(*) FROM {sample}")[0]
    return sample, size


def _sample_rows(
    con: duckdb.DuckDBPyConnection, sample: str, columns: list[str], spec: Table | None
) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """A few rows spread over the table (picked by hash), shown in key order."""
    if not columns:
        return (), []
    key = [c for c in (spec.primary_key if spec else ()) if c in columns]
    order = ", ".join(quote_ident(c) for c in key) or "h"
    rows = fetch(
        con,
        f"SELECT * EXCLUDE (h) FROM (SELECT *, {_hash_key(columns, spec)} AS h FROM {sample} "
        f"ORDER BY h LIMIT {SAMPLE_SHOWN}) ORDER BY {order}",
    )
    return tuple(columns), rows


def _with_plot(con: duckdb.DuckDBPyConnection, sample: str, col: ColumnFigures) -> ColumnFigures:
    """The column's figures with what its plot shows (or a note saying why there is none)."""
    spec = col.spec
    if col.present == 0:
        return replace(col, note="no values: every row is null" if col.rows else "no rows")
    if spec is not None and spec.primary_key:
        return replace(col, note="primary key: not plotted")
    if spec is not None and spec.references:
        return replace(col, note=f"foreign key to {spec.references}: see the fan-out below")
    q = quote_ident(col.name)
    if col.kind == "number":
        if col.distinct is not None and col.distinct <= VALUE_BARS:
            return replace(col, plot=_value_bars(con, sample, q, ordered=True))
        return replace(col, plot=_number_histogram(con, sample, q, col.duck_type))
    if col.kind == "time":
        return replace(col, plot=_time_histogram(con, sample, q))
    if col.kind == "boolean":
        return replace(col, plot=_value_bars(con, sample, q, ordered=True))
    if col.kind == "text":
        if col.distinct == col.present and col.present > TOP_VALUES:
            examples = fetch(
                con, f"SELECT {q} FROM {sample} WHERE {q} IS NOT NULL ORDER BY hash({q}) LIMIT 3"
            )
            shown = ", ".join(_quoted(v) for (v,) in examples)
            return replace(col, note=f"every value distinct, e.g. {shown}")
        return replace(col, plot=_value_bars(con, sample, q, ordered=False))
    return replace(col, note=f"{col.duck_type} values are not plotted")


def _quoted(value: Any) -> str:
    text = str(value)
    return "'" + (text if len(text) <= 30 else text[:27] + "...") + "'"


def _value_bars(con: duckdb.DuckDBPyConnection, sample: str, q: str, *, ordered: bool) -> Bars:
    """Rows per value on the sample: all values in their order (``ordered``), else the most
    common first, the rest counted together."""
    rows = fetch(
        con,
        f"SELECT {q} AS v, count(*) AS n FROM {sample} WHERE {q} IS NOT NULL "
        f"GROUP BY v ORDER BY {'v' if ordered else 'n DESC, v'}",
    )
    if not ordered and len(rows) > TOP_VALUES:
        shown, rest = rows[:TOP_VALUES], rows[TOP_VALUES:]
    else:
        shown, rest = rows, []
    return Bars(
        labels=tuple(_label(v) for v, _ in shown),
        counts=tuple(int(n) for _, n in shown),
        rest=sum(int(n) for _, n in rest),
        rest_values=len(rest),
        ordered=ordered,
    )


def _label(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.6g}"
    text = str(value)
    return text if len(text) <= 24 else text[:22] + "…"


def _number_histogram(
    con: duckdb.DuckDBPyConnection, sample: str, q: str, duck_type: str
) -> Histogram:
    x = f"CAST({q} AS DOUBLE)"
    values = con.execute(f"SELECT {x} AS x FROM {sample} WHERE isfinite({x})").fetchnumpy()["x"]
    values = np.asarray(values, dtype=float)
    return histogram(values, integer=source_kind(duck_type, False) == "int")


def _time_histogram(con: duckdb.DuckDBPyConnection, sample: str, q: str) -> Histogram:
    x = f"epoch(CAST({q} AS TIMESTAMP))"
    values = con.execute(f"SELECT {x} AS x FROM {sample} WHERE {q} IS NOT NULL").fetchnumpy()["x"]
    got = histogram(np.asarray(values, dtype=float), integer=False)
    return Histogram(got.edges, got.counts, time=True)


def histogram(values: np.ndarray, *, integer: bool) -> Histogram:
    """Counts in at most ``MAX_BINS`` bins over the values' range; whole-number bins for
    integers (so 18..90 is not cut into bins that hold 1 or 2 ages by chance)."""
    low, high = float(values.min()), float(values.max())
    if low == high:
        edges = np.array([low - 0.5, high + 0.5])
    elif integer:
        step = max(1, math.ceil((high - low + 1) / MAX_BINS))
        edges = np.arange(low - 0.5, high + step + 0.5, step, dtype=float)
        edges = edges[: np.searchsorted(edges, high, side="right") + 1]
    else:
        auto = np.histogram_bin_edges(values, bins="auto")
        edges = auto if len(auto) - 1 <= MAX_BINS else np.linspace(low, high, MAX_BINS + 1)
    counts, edges = np.histogram(values, bins=edges)
    return Histogram(tuple(float(e) for e in edges), tuple(int(c) for c in counts))


def _correlation(
    con: duckdb.DuckDBPyConnection, sample: str, columns: list[ColumnFigures]
) -> Correlation | None:
    """Spearman rho between the number columns that are not keys and hold two values or more."""
    numeric = [
        c.name
        for c in columns
        if c.kind == "number"
        and (c.distinct or 0) >= 2
        and not (c.spec is not None and (c.spec.primary_key or c.spec.references))
    ]
    if len(numeric) < 2:
        return None
    used, left_out = numeric[:MAX_CORRELATED], numeric[MAX_CORRELATED:]
    selects = ", ".join(f"CAST({quote_ident(c)} AS DOUBLE) AS {quote_ident(c)}" for c in used)
    frame = con.execute(f"SELECT {selects} FROM {sample}").df()
    frame = frame.replace([np.inf, -np.inf], np.nan)
    matrix = frame.corr(method="spearman", min_periods=3).to_numpy()
    rho = tuple(tuple(float(v) for v in row) for row in matrix)
    return Correlation(tuple(used), rho, tuple(left_out))
