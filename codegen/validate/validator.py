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
"""

from __future__ import annotations

import difflib
import math
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from codegen.errors import SdgenError
from codegen.spec.model import CheckRule, IncreasingRule, Spec, Table, load_spec, quote_ident
from codegen.validate.loading import (
    LoadedTable,
    TableData,
    input_problem,
    load_table,
    locate_sources,
)
from codegen.validate.report import (
    EXAMPLES,
    Finding,
    Report,
    TableResult,
    failure,
    first_line,
    for_example,
    plural,
    share,
    show,
    show_list,
    warning,
)
from codegen.validate.sql import (
    ColumnPlan,
    Limits,
    Source,
    connect,
    fetch,
    sql_literal,
    sql_string,
)

__all__ = [
    "SPEARMAN_SAMPLE_ROWS",
    "Finding",
    "Limits",
    "Report",
    "ValidationInputError",
    "ValidationRunError",
    "validate",
]

SPEARMAN_SAMPLE_ROWS = 250_000


class ValidationInputError(SdgenError):
    """The tables to validate cannot even be located (not a data failure)."""


class ValidationRunError(SdgenError):
    """DuckDB failed while validating (for instance beyond its memory limit)."""


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
    for finding in findings:
        report.add(finding)
    files = [s.path for s in sources.values() if s.path is not None]
    with tempfile.TemporaryDirectory(prefix="sdgen-validate-") as tmp:
        con = connect(limits or Limits(), Path(tmp), files)
        try:
            _Run(spec, con, report, sources, expected).run()
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


# ---------------------------------------------------------------------------------- checks


class _Run:
    """One validation: loads every table as views, then checks them in generation order."""

    def __init__(
        self,
        spec: Spec,
        con: duckdb.DuckDBPyConnection,
        report: Report,
        sources: dict[str, Source],
        expected: dict[str, int],
    ) -> None:
        self.spec, self.con, self.report = spec, con, report
        self.sources, self.expected = sources, expected
        self.plans: dict[str, dict[str, ColumnPlan]] = {}  # tables read, present columns only
        self.loaded: dict[str, LoadedTable] = {}
        self.scan: dict[str, str] = {}  # table -> view with r<k>/t<k> columns, quoted
        self.alias: dict[str, dict[str, int]] = {}  # table -> column -> k
        self.counts: dict[str, int] = {}

    def run(self) -> None:
        for index, name in enumerate(self.spec.tables):
            if name in self.sources:
                table, findings = load_table(
                    self.con, index, self.spec.tables[name], name, self.sources[name]
                )
                for finding in findings:
                    self.report.add(finding)
                if table is not None:
                    self.loaded[name] = table
                    self.plans[name], self.scan[name] = table.plans, table.scan
                    self.alias[name] = table.alias
        # referenced tables first, so their row counts are known when foreign keys are checked
        for name in self.spec.generation_order():
            table = self.spec.tables[name]
            if name in self.plans and self._check_columns(name, table):
                self._check_keys(name, table)
                self._check_references(name, table)
                self._check_rules(name, table)
                self._check_duplicate_rows(name, table)
        for name in self.spec.tables:
            source = self.sources.get(name)
            self.report.tables[name] = TableResult(
                source.label if source else None, self.counts.get(name), self.expected[name]
            )

    def _q(self, sql: str) -> list[tuple[Any, ...]]:
        return fetch(self.con, sql)

    def _usable(self, table: str, column: str) -> bool:
        loaded = self.loaded.get(table)
        return loaded is not None and loaded.usable(column)

    # ------------------------------------------------------------------- column checks

    def _check_columns(self, name: str, table: Table) -> bool:
        """Counts, types, nulls, ranges, values, patterns; False if the data cannot be read.

        Two aggregate queries: plain columns' count/min/max (which DuckDB answers from Parquet
        statistics without a scan), then one scan for whatever needs the values themselves.
        """
        plans, alias = self.plans[name], self.alias[name]
        plain, scanned = ["count(*) AS n"], []
        for col, k in alias.items():
            plan, c, t = plans[col], plans[col].column, f"t{k}"
            is_plain = plan.missing is None and plan.bad is None and plan.typed == "{r}"
            aggs = plain if is_plain else scanned
            if plan.missing is None:
                aggs.append(f"count(r{k}) AS present{k}")
            else:
                missing = plan.missing.replace("{r}", f"r{k}")
                aggs.append(f"count(*) - count(*) FILTER (WHERE {missing}) AS present{k}")
            if plan.incompatible:
                continue
            if plan.bad:
                aggs.append(f"count(*) FILTER (WHERE {plan.bad.replace('{r}', f'r{k}')}) AS bad{k}")
            # rows beyond min/max are counted later, only where min() or max() shows there are any
            aggs += [f"min({t}) AS lo{k}", f"max({t}) AS hi{k}"]
            if c.values is not None:
                scanned.append(f"count(*) FILTER (WHERE {self._not_in(t, c.values)}) AS values{k}")
            if c.pattern is not None:
                scanned.append(
                    f"count(*) FILTER (WHERE NOT regexp_full_match({t}, "
                    f"{sql_string(c.pattern)})) AS pattern{k}"
                )
        try:
            got = self._aggregate(name, plain)
            if scanned:
                got.update(self._aggregate(name, scanned))
            got.update(self._count_out_of_range(name, got))
        except duckdb.Error as exc:
            label = self.sources[name].label
            message = f"{name}: cannot read {label}: {first_line(exc)}"
            self.report.add(failure("unreadable", name, None, message))
            return False
        n = got["n"]
        self.counts[name] = n
        if n != self.expected[name]:
            message = f"{name}: {n:,} rows, expected {self.expected[name]:,}"
            self.report.add(failure("row_count", name, None, message, n, self.expected[name]))
        for col, k in alias.items():
            self._column_findings(name, col, k, got, n)
        return True

    def _aggregate(self, name: str, aggs: list[str]) -> dict[str, Any]:
        cursor = self.con.execute(f"SELECT {', '.join(aggs)} FROM {self.scan[name]}")
        rows = cursor.fetchall()  # all of it: DuckDB refuses new queries while rows remain
        row = rows[0]
        assert cursor.description is not None
        return dict(zip([d[0] for d in cursor.description], row, strict=True))

    def _count_out_of_range(self, name: str, got: dict[str, Any]) -> dict[str, int]:
        """Rows below min / above max, for the columns whose min() / max() cross a bound."""
        aggs = []
        for col, k in self.alias[name].items():
            c, lo, hi = self.plans[name][col].column, got.get(f"lo{k}"), got.get(f"hi{k}")
            if c.min is not None and lo is not None and lo < c.min:
                aggs.append(f"count(*) FILTER (WHERE t{k} < {sql_literal(c.min)}) AS below{k}")
            if c.max is not None and hi is not None and hi > c.max:
                aggs.append(f"count(*) FILTER (WHERE t{k} > {sql_literal(c.max)}) AS above{k}")
        return self._aggregate(name, aggs) if aggs else {}

    @staticmethod
    def _not_in(expr: str, values: list[Any]) -> str:
        return f"{expr} NOT IN ({', '.join(sql_literal(v) for v in values)})"

    def _column_findings(self, name: str, col: str, k: int, got: dict[str, Any], n: int) -> None:
        plan = self.plans[name][col]
        c, where, scan = plan.column, f"{name}.{col}", self.scan[name]
        r, t = f"r{k}", f"t{k}"
        add = self.report.add
        if plan.incompatible:
            examples = self._sample_values(scan, r)
            add(
                failure(
                    "type",
                    name,
                    col,
                    f"{where}: {plan.incompatible}{for_example(examples)}",
                    None,
                    n,
                    examples,
                )
            )
        elif got.get(f"bad{k}"):
            bad = got[f"bad{k}"]
            cond = plan.bad.replace("{r}", r) if plan.bad else "FALSE"
            examples = self._distinct(scan, r, cond, "ASC")
            message = (
                f"{where}: expected {c.type}; {share(bad, n)} {plan.bad_what}"
                f"{for_example(examples)}"
            )
            add(failure("type", name, col, message, bad, n, examples))
        missing = n - got[f"present{k}"]
        if missing and not c.nullable:
            why = "primary key columns cannot be null" if c.primary_key else "not nullable"
            nan = " (NaN counts as null)" if plan.source_type in ("DOUBLE", "FLOAT") else ""
            message = f"{where}: {share(missing, n)} are null{nan}; {why}"
            add(failure("not_null", name, col, message, missing, n))
        if plan.incompatible:
            return
        if got.get(f"below{k}"):
            count, lit = got[f"below{k}"], sql_literal(c.min)
            examples = self._distinct(scan, t, f"{t} < {lit}", "ASC")
            message = (
                f"{where}: {share(count, n)} are below min {show(c.min)}{for_example(examples)}"
            )
            add(failure("min", name, col, message, count, n, examples))
        if got.get(f"above{k}"):
            count, lit = got[f"above{k}"], sql_literal(c.max)
            examples = self._distinct(scan, t, f"{t} > {lit}", "DESC")
            message = (
                f"{where}: {share(count, n)} are above max {show(c.max)}{for_example(examples)}"
            )
            add(failure("max", name, col, message, count, n, examples))
        if got.get(f"values{k}"):
            count = got[f"values{k}"]
            rows = self._q(
                f"SELECT {t}, count(*) AS n FROM {scan} WHERE {self._not_in(t, c.values or [])} "
                f"GROUP BY 1 ORDER BY n DESC, 1 LIMIT {EXAMPLES}"
            )
            shown = [f"{show(v)} ({plural(m, 'row')})" for v, m in rows]
            message = (
                f"{where}: {share(count, n)} are not among the allowed values "
                f"[{show_list(c.values or [])}]{for_example([v for v, _ in rows], shown)}"
            )
            add(failure("values", name, col, message, count, n, [v for v, _ in rows]))
        if got.get(f"pattern{k}"):
            count = got[f"pattern{k}"]
            cond = f"NOT regexp_full_match({t}, {sql_string(c.pattern or '')})"
            examples = self._distinct(scan, t, cond, "ASC")
            message = (
                f"{where}: {share(count, n)} do not match pattern '{c.pattern}'"
                f"{for_example(examples)}"
            )
            add(failure("pattern", name, col, message, count, n, examples))
        present, lo, hi = n - missing, got[f"lo{k}"], got[f"hi{k}"]
        fixed = (c.values is not None and len(c.values) == 1) or (
            c.min is not None and c.min == c.max
        )
        if present >= 2 and lo == hi and not fixed:
            subject = f"all {present:,} rows" if present == n else f"all {present:,} non-null rows"
            message = f"{where}: {subject} hold the same value {show(lo)}"
            add(warning("single_value", name, col, message, count=present, total=n))
        if n > 0 and missing == n and c.nullable:
            add(
                warning(
                    "all_null", name, col, f"{where}: all {n:,} rows are null", count=n, total=n
                )
            )

    def _distinct(self, view: str, expr: str, cond: str, order: str) -> list[Any]:
        rows = self._q(
            f"SELECT DISTINCT {expr} AS v FROM {view} WHERE {cond} AND {expr} IS NOT NULL "
            f"ORDER BY v {order} LIMIT {EXAMPLES}"
        )
        return [v for (v,) in rows]

    def _sample_values(self, view: str, expr: str) -> list[Any]:
        """A few distinct present values, read from the start only (cheap at any size)."""
        rows = self._q(f"SELECT {expr} FROM {view} WHERE {expr} IS NOT NULL LIMIT 200")
        seen: list[Any] = []
        for (value,) in rows:
            if value not in seen:
                seen.append(value)
        return seen[:EXAMPLES]

    # ----------------------------------------------------------------------- keys

    def _check_keys(self, name: str, table: Table) -> None:
        key = table.primary_key
        if key and all(col in self.plans[name] for col in key):
            self._check_repeats(name, key, "primary_key")
        for col, column in table.columns.items():
            if column.unique and key != (col,) and col in self.plans[name]:
                self._check_repeats(name, (col,), "unique")

    def _check_repeats(self, name: str, cols: tuple[str, ...], reason: str) -> None:
        view, n = quote_ident(name), self.counts[name]
        if len(cols) == 1 and self._integer_key_unique(name, cols[0]):
            return
        keys = ", ".join(quote_ident(c) for c in cols)
        present = " AND ".join(f"{quote_ident(c)} IS NOT NULL" for c in cols)
        groups = f"SELECT {keys}, count(*) AS n FROM {view} WHERE {present} GROUP BY ALL"
        values, rows = self._q(
            f"SELECT count(*), coalesce(sum(n), 0) FROM ({groups} HAVING count(*) > 1)"
        )[0]
        if not values:
            return
        top = self._q(f"{groups} HAVING count(*) > 1 ORDER BY n DESC, {keys} LIMIT {EXAMPLES}")
        examples = [row[0] if len(cols) == 1 else tuple(row[:-1]) for row in top]
        shown = [f"{show(v)} ({row[-1]} times)" for v, row in zip(examples, top, strict=True)]
        where = f"{name}.{cols[0]}" if len(cols) == 1 else f"{name}.({', '.join(cols)})"
        what = "primary key" if reason == "primary_key" else "unique"
        message = (
            f"{where}: {plural(values, what + ' value')} repeated, on {share(int(rows), n)}"
            f"{for_example(examples, shown)}"
        )
        self.report.add(failure(reason, name, ", ".join(cols), message, int(rows), n, examples))

    def _integer_key_unique(self, name: str, col: str) -> bool:
        """Whether an integer column provably holds no repeats, from one streaming pass.

        Generated keys are mostly 1..n, in order or shuffled: a bitmap of the values seen (one
        byte per value between min and max) proves them unique in a fraction of a GROUP BY's
        time; sparse keys are proven by rising row after row. False means "use the GROUP BY".
        """
        plan = self.plans[name][col]
        if plan.column.type != "integer" or plan.incompatible:
            return False
        column, view = quote_ident(col), quote_ident(name)
        low, high, present = self._q(
            f"SELECT min({column}), max({column}), count({column}) FROM {view}"
        )[0]
        if not present:
            return True
        span = int(high) - int(low) + 1
        dense = span <= min(max(8 * present, 1 << 20), 1 << 27)  # at most 128 MiB of bitmap
        seen = np.zeros(span, dtype=bool) if dense else None
        marked, last = 0, None
        relation = self.con.sql(f"SELECT {column} FROM {view} WHERE {column} IS NOT NULL")
        with relation.to_arrow_reader(1_000_000) as reader:  # closing it frees the connection
            for batch in reader:
                array = batch.column(0).to_numpy(zero_copy_only=False)
                if array.size == 0:
                    continue
                if seen is not None:
                    seen[array.astype(np.int64) - int(low)] = True
                    now = int(np.count_nonzero(seen))
                    if now - marked != array.size:  # a value seen twice marks nothing new
                        return False
                    marked = now
                elif (last is not None and array[0] <= last) or not np.all(array[1:] > array[:-1]):
                    return False
                else:
                    last = array[-1]
        return True

    def _check_duplicate_rows(self, name: str, table: Table) -> None:
        # A single integer key is a row number: rows equal in everything else are repeats. Other
        # keys carry meaning, so they take part (and then a sound key rules repeats out).
        pk = table.primary_key
        surrogate = len(pk) == 1 and table.columns[pk[0]].type == "integer"
        key = set(pk) if surrogate else set()
        cols = [c for c in self.plans[name] if c not in key]
        n = self.counts[name]
        # a declared-unique column or a natural key makes whole-row repeats impossible
        if n < 2 or not cols or (pk and not surrogate):
            return
        if any(table.columns[c].unique for c in cols):
            return
        # rows are grouped by a 64-bit hash of their values: collisions (~n^2/2^65) are nil here
        row_hash = f"hash({', '.join(quote_ident(c) for c in cols)})"
        (extra,) = self._q(
            "SELECT coalesce(sum(n) - count(*), 0) FROM (SELECT count(*) AS n "
            f"FROM (SELECT {row_hash} AS h FROM {quote_ident(name)}) GROUP BY h HAVING n > 1)"
        )[0]
        if not extra:
            return
        but = f" except {pk[0]}" if key else ""
        message = f"{name}: {share(int(extra), n)} repeat another row in every column{but}"
        self.report.add(warning("duplicate_rows", name, None, message, count=int(extra), total=n))

    # ------------------------------------------------------------------ references

    def _check_references(self, name: str, table: Table) -> None:
        for col, column in table.columns.items():
            if not column.references:
                continue
            ref_table, _, ref_col = column.references.partition(".")
            if not (self._usable(name, col) and self._usable(ref_table, ref_col)):
                continue
            if ref_table not in self.counts:
                continue  # the referenced table could not be read: reported there
            child, fk, pk = quote_ident(name), quote_ident(col), quote_ident(ref_col)
            orphans = (
                f"FROM {child} AS c ANTI JOIN {quote_ident(ref_table)} AS p ON c.{fk} = p.{pk} "
                f"WHERE c.{fk} IS NOT NULL"
            )
            count, distinct = self._q(f"SELECT count(*), count(DISTINCT c.{fk}) {orphans}")[0]
            if not count:
                continue
            examples = [
                v for (v,) in self._q(f"SELECT DISTINCT c.{fk} AS v {orphans} ORDER BY v LIMIT 3")
            ]
            n = self.counts[name]
            message = (
                f"{name}.{col}: {share(count, n)} point to no {ref_table}.{ref_col} "
                f"({plural(distinct, 'distinct value')}){for_example(examples)}"
            )
            self.report.add(failure("foreign_key", name, col, message, count, n, examples))

    # ------------------------------------------------------------------------ rules

    def _check_rules(self, name: str, table: Table) -> None:
        for index, rule in enumerate(table.rules):
            if isinstance(rule, CheckRule):
                self._check_sql(name, table, index, rule)
            else:
                self._check_trend(name, table, index, rule)

    def _check_trend(self, name: str, table: Table, index: int, rule: Any) -> None:
        rising = isinstance(rule, IncreasingRule)
        reason = "increasing" if rising else "decreasing"
        x, y = rule.increasing if rising else rule.decreasing
        if not (self._usable(name, x) and self._usable(name, y)):
            return  # the missing or mistyped column is reported already
        rho, used, sampled = self._spearman(name, table, x, y)
        n = self.counts[name]
        over = f"over a sample of {used:,} of {n:,} rows" if sampled else f"over {used:,} rows"
        if used < 3:  # too few pairs to rank; worth a word only when nulls are the cause
            if n >= 3:
                message = (
                    f"{name}.{y}: rules[{index}] ({reason} with {x}) not checked: only {used} "
                    "rows have both values"
                )
                self.report.add(warning("rule_skipped", name, f"{x}, {y}", message))
            return
        need = f"rho >= {rule.min_rho}" if rising else f"rho <= -{rule.min_rho}"
        verb = "rise" if rising else "fall"
        if rho is None or math.isnan(rho):
            message = (
                f"{name}.{y}: should {verb} as {x} rises (Spearman {need}), but rho is undefined "
                f"{over} because one of them holds a single value"
            )
        elif (rho >= rule.min_rho) if rising else (rho <= -rule.min_rho):
            return
        else:
            message = (
                f"{name}.{y}: should {verb} as {x} rises (Spearman {need}), but rho = {rho:.3f} "
                f"{over}; compute {y} from {x} (plus noise) instead of drawing it independently"
            )
        self.report.add(failure(reason, name, f"{x}, {y}", message, None, n))

    def _spearman(self, name: str, table: Table, x: str, y: str) -> tuple[float | None, int, bool]:
        """(rho, pairs used, sampled) with average ranks for ties, computed in DuckDB."""
        qx, qy, view = quote_ident(x), quote_ident(y), quote_ident(name)
        cond = f"{qx} IS NOT NULL AND {qy} IS NOT NULL"
        n = self.counts[name]
        sampled = n > SPEARMAN_SAMPLE_ROWS
        if sampled:
            # deterministic: a row is in or out by the hash of its key (or of all its columns)
            key = [c for c in table.primary_key if c in self.plans[name]] or list(self.plans[name])
            limit = _hash_limit(SPEARMAN_SAMPLE_ROWS, n)
            cond += f" AND hash({', '.join(quote_ident(c) for c in key)}) < {limit}::UBIGINT"
        rank = (
            "SELECT {v}, sum(c) OVER (ORDER BY {v}) - (c - 1) / 2.0 AS r FROM "
            "(SELECT {v}, count(*) AS c FROM pairs GROUP BY {v})"
        )
        rho, used = self._q(
            f"WITH pairs AS (SELECT {qx} AS x, {qy} AS y FROM {view} WHERE {cond}), "
            f"rx AS ({rank.format(v='x')}), ry AS ({rank.format(v='y')}) "
            "SELECT corr(rx.r, ry.r), count(*) FROM pairs JOIN rx USING (x) JOIN ry USING (y)"
        )[0]
        return rho, used, sampled

    def _check_sql(self, name: str, table: Table, index: int, rule: CheckRule) -> None:
        mentioned = [c for c in table.columns if _mentions(rule.check, c)]
        if any(not self._usable(name, c) for c in mentioned):
            return  # the missing or mistyped column is reported already
        view, n = quote_ident(name), self.counts[name]
        cond = f"NOT (\n{rule.check}\n)"
        shown_sql = " ".join(rule.check.split())
        try:
            (false_rows,) = self._q(f"SELECT count(*) FILTER (WHERE {cond}) FROM {view}")[0]
        except duckdb.Error as exc:
            message = f'{name}: check "{shown_sql}" cannot run on the data: {first_line(exc)}'
            self.report.add(failure("check", name, ", ".join(mentioned) or None, message))
            return
        allowed = math.floor(n * (1 - rule.min_fraction) + 1e-9)
        if false_rows <= allowed:
            return
        key = [c for c in table.primary_key if c in self.plans[name]]
        shown_cols = key + [c for c in mentioned if c not in key]
        examples: list[Any] = []
        if shown_cols:
            cols = ", ".join(quote_ident(c) for c in shown_cols)
            order = f" ORDER BY {', '.join(quote_ident(c) for c in key)}" if key else ""
            for row in self._q(f"SELECT {cols} FROM {view} WHERE {cond}{order} LIMIT {EXAMPLES}"):
                examples.append(dict(zip(shown_cols, row, strict=True)))
        shown = ["(" + ", ".join(f"{c}={show(v)}" for c, v in e.items()) + ")" for e in examples]
        limit = "" if rule.min_fraction == 1 else f", more than the {allowed:,} allowed"
        message = (
            f'{name}: check "{shown_sql}" is false on {share(false_rows, n)}{limit}'
            f"{for_example(examples, shown)}"
        )
        self.report.add(
            failure("check", name, ", ".join(mentioned) or None, message, false_rows, n, examples)
        )


def _hash_limit(sample: int, total: int) -> int:
    """The hash bound that keeps about ``sample`` of ``total`` rows (hashes are uniform 64-bit)."""
    return min(2**64 - 1, int(sample / total * 2**64))


def _mentions(sql: str, column: str) -> bool:
    """Whether a SQL text names the column (as a bare word or quoted), case-insensitively."""
    bare = r"(?<![\w\"])" + re.escape(column) + r"(?![\w\"])"
    quoted = re.escape('"' + column.replace('"', '""') + '"')
    return (
        re.search(bare, sql, re.IGNORECASE) is not None
        or re.search(quoted, sql, re.IGNORECASE) is not None
    )
