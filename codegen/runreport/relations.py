"""The figures across columns and tables: every rule of the spec with how well it holds, and the
fan-out of every foreign key (how many children each parent has).

Rules are judged as validation judges them, on the same typed views (``validation.loading``): a
``check`` holds on a row unless it is false there (NULL is not false, as in a SQL CHECK
constraint), counted over every row; ``increasing`` and ``decreasing`` are Spearman rho computed
by validation's own function, on its deterministic sample above ``SPEARMAN_SAMPLE_ROWS`` rows.
A fan-out is one grouped left join of the parent's distinct keys to the child's rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

import duckdb

from codegen.spec.model import CheckRule, IncreasingRule, Spec, quote_ident
from codegen.validation.loading import LoadedTable
from codegen.validation.relations import _spearman
from codegen.validation.report import first_line, plural, share
from codegen.validation.sql import fetch

RuleKind = Literal["check", "increasing", "decreasing"]


@dataclass(frozen=True)
class RuleResult:
    """One rule of a table and how it holds; ``passed`` is None when it could not be judged."""

    table: str
    index: int  # its place in the table's rules
    kind: RuleKind
    rule: str  # the check's SQL on one line, or "x, y"
    requirement: str  # what passing means, in words
    passed: bool | None
    value: float | None = None  # share of rows not false (check), or Spearman rho
    detail: str = ""
    description: str | None = None


@dataclass(frozen=True)
class FanOut:
    """Children per parent for one foreign key ``child.column -> parent.parent_column``."""

    child: str
    column: str
    parent: str
    parent_column: str
    distribution: tuple[tuple[int, int], ...]  # (children, parents with that many), ascending
    orphans: int = 0  # child rows whose key matches no parent
    null_keys: int = 0  # child rows with no key

    @property
    def parents(self) -> int:
        return sum(p for _, p in self.distribution)

    @property
    def children(self) -> int:
        """Child rows that found their parent."""
        return sum(n * p for n, p in self.distribution)

    @property
    def childless(self) -> int:
        return sum(p for n, p in self.distribution if n == 0)

    @property
    def minimum(self) -> int | None:
        return self.distribution[0][0] if self.distribution else None

    @property
    def maximum(self) -> int | None:
        return self.distribution[-1][0] if self.distribution else None

    @property
    def mean(self) -> float | None:
        return self.children / self.parents if self.parents else None

    @property
    def median(self) -> float | None:
        """The median children per parent (the mean of the two middle parents when even)."""
        total = self.parents
        if not total:
            return None
        middle = [(total - 1) // 2, total // 2]  # 0-based ranks of the middle parents
        found, seen = [], 0
        for n, p in self.distribution:
            found += [n for rank in middle if seen <= rank < seen + p]
            seen += p
        return sum(found) / len(found)


# ----------------------------------------------------------------------------- rules


def rule_results(
    con: duckdb.DuckDBPyConnection,
    spec: Spec,
    loaded: dict[str, LoadedTable],
    rows: dict[str, int],
    spearman_sample_rows: int,
) -> list[RuleResult]:
    """Every rule of every table of the spec, in the spec's order."""
    results = []
    for name, table in spec.tables.items():
        for index, rule in enumerate(table.rules):
            if isinstance(rule, CheckRule):
                kind: RuleKind = "check"
                text = " ".join(rule.check.split())
                bound = rule.min_fraction
                need = (
                    "true (or null) on every row"
                    if bound == 1
                    else f"not false on at least {bound:.0%} of rows"
                )
            else:
                rising = isinstance(rule, IncreasingRule)
                kind = "increasing" if rising else "decreasing"
                x, y = rule.increasing if rising else rule.decreasing  # type: ignore[union-attr]
                text = f"{x}, {y}"
                need = (
                    f"Spearman rho {'≥' if rising else '≤'} {'' if rising else '-'}{rule.min_rho}"
                )
            base = RuleResult(name, index, kind, text, need, None, description=rule.description)
            view = loaded.get(name)
            if view is None or name not in rows:
                results.append(_replace(base, detail="the table has no readable data"))
            elif isinstance(rule, CheckRule):
                results.append(_judge_check(con, view, rows[name], rule, base))
            else:
                results.append(
                    _judge_trend(con, view, rows[name], (x, y), rule.min_rho, base,
                                 spearman_sample_rows)  # fmt: skip
                )
    return results


def _replace(result: RuleResult, **changes: object) -> RuleResult:
    return replace(result, **changes)  # type: ignore[arg-type]


def _judge_check(
    con: duckdb.DuckDBPyConnection, table: LoadedTable, n: int, rule: CheckRule, base: RuleResult
) -> RuleResult:
    cond = f"(\n{rule.check}\n)"  # on lines of its own: a trailing -- comment ends there
    try:
        false_rows, null_rows = fetch(
            con,
            f"SELECT count(*) FILTER (WHERE NOT {cond}), count(*) FILTER (WHERE {cond} IS NULL) "
            f"FROM {table.view}",
        )[0]
    except duckdb.Error as exc:
        return _replace(base, detail=f"cannot run on the data: {first_line(exc)}")
    if n == 0:
        return _replace(base, passed=True, detail="no rows")
    allowed = math.floor(n * (1 - rule.min_fraction) + 1e-9)
    detail = f"false on {share(false_rows, n)}" if false_rows else f"never false on {n:,} rows"
    if null_rows:
        detail += f"; null on {plural(null_rows, 'row')} (not false)"
    return _replace(base, passed=false_rows <= allowed, value=1 - false_rows / n, detail=detail)


def _judge_trend(
    con: duckdb.DuckDBPyConnection,
    table: LoadedTable,
    n: int,
    columns: tuple[str, str],
    min_rho: float,
    base: RuleResult,
    sample_rows: int,
) -> RuleResult:
    x, y = columns
    if not (table.usable(x) and table.usable(y)):
        return _replace(base, detail="a column is missing or not of its type")
    rho, used, sampled = _spearman(con, table, n, x, y, sample_rows)
    over = f"over a sample of {used:,} of {n:,} rows" if sampled else f"over {used:,} rows"
    if used < 3:
        return _replace(base, detail=f"only {used} rows have both values")
    if rho is None or math.isnan(rho):
        return _replace(base, passed=False, detail=f"undefined {over}: a column holds one value")
    passed = rho >= min_rho if base.kind == "increasing" else rho <= -min_rho
    return _replace(base, passed=passed, value=float(rho), detail=over)


# ----------------------------------------------------------------------------- fan-out


def fan_outs(
    con: duckdb.DuckDBPyConnection, spec: Spec, loaded: dict[str, LoadedTable]
) -> list[FanOut]:
    """Every foreign key whose two columns are in the data."""
    found = []
    for child, col, parent, parent_col in spec.references():
        c, p = loaded.get(child), loaded.get(parent)
        if c is None or p is None or not (c.usable(col) and p.usable(parent_col)):
            continue
        found.append(fan_out(con, c.view, col, p.view, parent_col, names=(child, parent)))
    return found


def fan_out(
    con: duckdb.DuckDBPyConnection,
    child_view: str,
    column: str,
    parent_view: str,
    parent_column: str,
    *,
    names: tuple[str, str],
) -> FanOut:
    """Children per parent of one foreign key; views are quoted SQL names."""
    fk, pk = quote_ident(column), quote_ident(parent_column)
    keys = f"SELECT DISTINCT {pk} AS k FROM {parent_view} WHERE {pk} IS NOT NULL"
    distribution = fetch(
        con,
        f"SELECT n, count(*) FROM (SELECT p.k, count(c.{fk}) AS n FROM ({keys}) AS p "
        f"LEFT JOIN {child_view} AS c ON c.{fk} = p.k GROUP BY p.k) GROUP BY n ORDER BY n",
    )
    orphans, null_keys = fetch(
        con,
        f"SELECT (SELECT count(*) FROM {child_view} AS c ANTI JOIN ({keys}) AS p "
        f"ON c.{fk} = p.k WHERE c.{fk} IS NOT NULL), "
        f"(SELECT count(*) FROM {child_view} WHERE {fk} IS NULL)",
    )[0]
    return FanOut(
        child=names[0],
        column=column,
        parent=names[1],
        parent_column=parent_column,
        distribution=tuple((int(n), int(p)) for n, p in distribution),
        orphans=int(orphans),
        null_keys=int(null_keys),
    )
