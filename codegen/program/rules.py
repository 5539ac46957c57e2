"""What a table's SQL checks say about each column, read from their parsed form
(``codegen.spec.checks``): the plan the starting program follows to meet them by construction.

Small models fail columns tied to others more than any other: asked for ``shipped_at`` with the
check ``shipped_at IS NULL OR shipped_at >= placed_at``, a 1.5B model draws it independently and
half the rows break the check. So the starting program solves each check for one column where it
can, splitting conjunctions into their parts:

- an equality with a column alone on one side defines it: ``total = subtotal + vat``,
  ``due_on = loaned_on + INTERVAL 21 DAY`` (the column is written as the other side; whole
  numbers and times may be moved across, ``ts - start = minutes * INTERVAL 1 MINUTE``);
- a comparison bounds the column row by row (``arrival > departure + INTERVAL 30 MINUTE``;
  ``BETWEEN``, ``ABS(a - b) <= k``, sums and ``date_diff('day', ...)`` are read as bounds): the
  column is drawn from the bound plus a gap the model may tune, or uniformly within a window
  when its two bounds are one expression plus two offsets (``value_date`` from
  ``CAST(booked_at AS DATE)`` to 3 days later); bounds by a literal tighten its min and max;
- ``IN`` (or ``= 'x'``) gives the values it is drawn from; any check on a column drawn from fixed
  values alone (``<>``, ``NOT IN``, ``LENGTH``, ``LIKE``) keeps only the values that pass it;
- ``x % k = 0`` draws multiples; ``x IS NOT NULL`` draws no nulls;
- a check on one drawn column that random values almost never meet (``x = ROUND(x, 2)``,
  ``hours * 4 = ROUND(hours * 4)``, ``date_trunc('hour', t) = t``) moves the drawn values onto
  the finest grid that meets it on a sample (``Grid``); it is enforced as well;
- a defined column's own min and max bound the later time it reads (``nights =
  date_diff('day', check_in, check_out)``, nights 1 to 28), and are enforced;
- which rows are null: ``(status = 'placed') = (shipped_at IS NULL)``, ``(a IS NULL) <> (b IS
  NULL)`` (b null exactly where a is not), and the implications
  ``status <> 'closed' OR closed_at IS NOT NULL`` (null exactly where the condition holds) and
  ``ends_on IS NULL OR ends_on >= starts_on`` (the rest of the check solved for ``ends_on``);
- an implication that sets a value, ``fine_eur = 0 OR returned_on > due_on``: the column is
  drawn, then set to the value wherever the condition is not true;
- ``manager_id <> id`` of a self-reference drawn as a tree holds as drawn.

A column is solved from columns drawn before it, never the other way round; a plan that would make
two columns wait for each other is not made. ``TablePlan.exact`` lists the checks met on every row
by construction, ``TablePlan.shaped`` those the drawing aims at but may miss on a few rows (a
column clipped to its max, between two bounds that may cross). The starting program enforces the
checks not exact that it can evaluate (``codegen.program.enforce``: it draws the rows where one is
false again) and leaves the rest to the model, as comments.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import duckdb
import numpy as np
from sqlglot import exp

from codegen.program.sqlcode import (
    FLIP,
    CannotCompile,
    Code,
    ColumnRef,
    compile_condition,
    compile_value,
    interval_parts,
)
from codegen.program.sqlruntime import sql_grid, sql_tgrid
from codegen.spec.checks import ParsedCheck, table_checks
from codegen.spec.model import DUCKDB_TYPES

_ORDERED = ("integer", "float", "date", "datetime")
_COMPARISONS = (exp.LT, exp.LTE, exp.GT, exp.GTE)


@dataclass(frozen=True)
class Define:
    """The column is the value of ``tree`` (the other side of an equality)."""

    tree: exp.Expression
    reads: frozenset[str]
    check: int


@dataclass(frozen=True)
class Bound:
    """The column is at least (``lower``) or at most ``tree`` on every row."""

    lower: bool
    tree: exp.Expression
    strict: bool
    reads: frozenset[str]
    check: int
    approximate: bool = False  # moved across arithmetic on doubles: rounding may cross it

    @property
    def offset(self) -> tuple[str, float] | None:
        """(unit, amount) when the bound is ``other + INTERVAL/number`` in the direction that
        makes ``amount`` the natural width of the gap (``x <= y + 3 days``: within 3 days)."""
        node = self.tree.unnest() if isinstance(self.tree, exp.Paren) else self.tree
        wanted = exp.Sub if self.lower else exp.Add
        if not isinstance(node, wanted):
            return None
        interval = interval_parts(node.expression)
        if interval is not None:
            return interval
        if isinstance(node.expression, exp.Literal) and not node.expression.is_string:
            return "", float(node.expression.name)
        return None


@dataclass(frozen=True)
class NullWhere:
    """The column is null exactly where ``tree`` (a condition) is true."""

    tree: exp.Expression
    reads: frozenset[str]
    check: int


@dataclass(frozen=True)
class Grid:
    """Where a column's drawn values are moved to: numbers to the nearest ``offset + k * num /
    den`` (cents, quarter hours, tens, prices ending in .99), times floored to ``num`` of a
    ``unit`` (m, h, D, W for Mondays, M, Y)."""

    unit: str  # "" for numbers
    num: int
    den: int = 1
    offset: float = 0.0


@dataclass
class Prefix:
    """``LEFT(iban, 2) = country_code``: the pattern's draw, its first ``size`` characters
    replaced by ``tree``'s value (an IBAN of the row's own country)."""

    size: int
    tree: exp.Expression
    check: int


@dataclass
class ColumnPlan:
    """What the checks ask of one column."""

    define: Define | None = None
    bounds: list[Bound] = field(default_factory=list)
    values: list[Any] | None = None  # the values it is drawn from (IN, or spec values filtered)
    step: int | None = None  # multiples of
    null_where: NullWhere | None = None
    not_null: bool = False
    window: tuple[Bound, Bound, float] | None = None  # lower, upper = lower + width
    otherwise: tuple[exp.Expression, exp.Expression, int] | None = None  # (value, unless, check)
    low: Any = None  # tightened min and max (literal bounds)
    high: Any = None
    literal_checks: set[int] = field(default_factory=set)  # checks met through low/high
    grid: Grid | None = None  # drawn values moved onto a grid
    grid_atoms: list[exp.Expression] = field(default_factory=list)  # the checks it serves
    prefix: Prefix | None = None  # a pattern column whose first characters another gives

    @property
    def reads(self) -> set[str]:
        found: set[str] = set()
        if self.define is not None:
            found |= self.define.reads
        if self.otherwise is not None:
            found |= _columns_in(self.otherwise[0]) | _columns_in(self.otherwise[1])
        for bound in self.bounds:
            found |= bound.reads
        if self.null_where is not None:
            found |= self.null_where.reads
        if self.prefix is not None:
            found |= _columns_in(self.prefix.tree)
        return found


@dataclass
class TablePlan:
    """The plan for every column of a table, and which checks it meets on every row."""

    checks: list[tuple[Any, ParsedCheck]]
    columns: dict[str, ColumnPlan]
    exact: set[int] = field(default_factory=set)  # met on every row by construction
    shaped: set[int] = field(default_factory=set)  # drawn to meet, perhaps not on every row

    def column(self, table: Any, name: str) -> Any:
        """The spec column with the bounds and values the checks add (``Column`` copy)."""
        column = table.columns[name]
        plan = self.columns[name]
        update: dict[str, Any] = {}
        if plan.low is not None:
            update["min"] = plan.low
        if plan.high is not None:
            update["max"] = plan.high
        if plan.values is not None and plan.define is None and not plan.bounds:
            update["values"] = plan.values
        if plan.not_null:
            update["nullable"] = False
        return column.model_copy(update=update) if update else column

    def settle(self, order: list[str]) -> None:
        """Drop what would read a column drawn after this one (``order``: the drawing order);
        its check is then not met by construction."""
        position = {name: i for i, name in enumerate(order)}

        def late(reads: frozenset[str] | set[str], name: str) -> bool:
            return any(position[r] > position[name] for r in reads)

        for name, plan in self.columns.items():
            if plan.define is not None and late(plan.define.reads, name):
                self.exact.discard(plan.define.check)
                plan.define = None
            for bound in [b for b in plan.bounds if late(b.reads, name)]:
                self.exact.discard(bound.check)
                plan.bounds.remove(bound)
                plan.window = None
            if plan.null_where is not None and late(plan.null_where.reads, name):
                self.exact.discard(plan.null_where.check)
                plan.null_where = None
            if plan.otherwise is not None and late(plan.reads, name):
                self.exact.discard(plan.otherwise[2])
                plan.otherwise = None

    def left(self) -> list[int]:
        """The checks not met on every row by construction."""
        return [i for i in range(len(self.checks)) if i not in self.exact]


def dry_refs(table: Any) -> dict[str, ColumnRef]:
    """Each column read through its own name: enough to tell whether a check compiles."""
    return {
        name: ColumnRef(name, column.type, column.nullable)
        for name, column in table.columns.items()
    }


def plan_table(table: Any, name: str | None = None) -> TablePlan:
    """The plan for ``table`` (a spec ``Table``), named ``name`` in its spec."""
    return _Planner(table, name).run()


# ----------------------------------------------------------------------------- the planner


def _strip(node: exp.Expression) -> exp.Expression:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def _conjuncts(node: exp.Expression) -> list[exp.Expression]:
    """The parts of a conjunction, with BETWEEN and ``ABS(e) <= k`` split into two bounds."""
    node = _strip(node)
    if isinstance(node, exp.And):
        return _conjuncts(node.this) + _conjuncts(node.expression)
    if isinstance(node, exp.Between) and not node.args.get("symmetric"):
        return [
            exp.GTE(this=node.this.copy(), expression=node.args["low"].copy()),
            exp.LTE(this=node.this.copy(), expression=node.args["high"].copy()),
        ]
    if isinstance(node, exp.Not):
        inner = _strip(node.this)
        flipped = {exp.LT: exp.GTE, exp.LTE: exp.GT, exp.GT: exp.LTE, exp.GTE: exp.LT}
        if type(inner) in flipped:  # NOT a < b is a >= b, nulls alike
            return [flipped[type(inner)](this=inner.this, expression=inner.expression)]
    if type(node) in _COMPARISONS:
        left, right = _strip(node.this), _strip(node.expression)
        kind = type(node)
        if isinstance(right, exp.Abs):  # k >= ABS(e): ABS(e) <= k
            left, right, kind = right, left, FLIP[kind]
        if isinstance(left, exp.Abs) and kind in (exp.LT, exp.LTE):
            inner = left.this
            return [
                (exp.GT if kind is exp.LT else exp.GTE)(
                    this=inner.copy(), expression=exp.Neg(this=_wrap(right.copy()))
                ),
                kind(this=inner.copy(), expression=right.copy()),
            ]
    return [node]


def _disjuncts(node: exp.Expression) -> list[exp.Expression]:
    node = _strip(node)
    if isinstance(node, exp.Or):
        return _disjuncts(node.this) + _disjuncts(node.expression)
    return [node]


def _null_test(node: exp.Expression) -> tuple[str, bool] | None:
    """(column, is null) for ``x IS NULL`` / ``x IS NOT NULL``."""
    node = _strip(node)
    negated = False
    if isinstance(node, exp.Not):
        negated, node = True, _strip(node.this)
    if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
        subject = _strip(node.this)
        if isinstance(subject, exp.Column):
            return subject.name, not negated
    return None


def _columns_in(node: exp.Expression) -> set[str]:
    return {c.name for c in node.find_all(exp.Column)}


def _wrap(node: exp.Expression) -> exp.Expression:
    """``node`` in parentheses unless it stands alone (a column, literal, call)."""
    node = _strip(node)
    if isinstance(node, exp.Column | exp.Literal | exp.Func | exp.Interval | exp.Cast):
        return node
    if isinstance(node, exp.Neg) and isinstance(_strip(node.this), exp.Column | exp.Literal):
        return node
    return exp.paren(node)


def _isolate(
    side: exp.Expression, other: exp.Expression, kind: type, target: str
) -> tuple[type, exp.Expression, bool] | None:
    """``target <kind> bound`` from ``side <kind> other``, moving sums, differences and literal
    factors across; (kind, bound, moved) or None. ``moved``: anything was moved."""
    side = _strip(side)
    if isinstance(side, exp.Column) and side.name == target:
        return kind, other, False
    if isinstance(side, exp.Add | exp.Sub):
        a, b = side.this, side.expression
        in_a, in_b = target in _columns_in(a), target in _columns_in(b)
        if in_a == in_b:
            return None
        if isinstance(side, exp.Add):
            rest, inner = (b, a) if in_a else (a, b)
            found = _isolate(
                inner, exp.Sub(this=_wrap(other), expression=_wrap(rest)), kind, target
            )
        elif in_a:
            found = _isolate(a, exp.Add(this=_wrap(other), expression=_wrap(b)), kind, target)
        else:  # a - target <op> other: target <flipped op> a - other
            found = _isolate(b, exp.Sub(this=_wrap(a), expression=_wrap(other)), FLIP[kind], target)
        return None if found is None else (found[0], found[1], True)
    if isinstance(side, exp.Mul | exp.Div):
        a, b = _strip(side.this), _strip(side.expression)
        factor, inner = (b, a) if target in _columns_in(a) else (a, b)
        if isinstance(side, exp.Div) and factor is a:
            return None
        if not (isinstance(factor, exp.Literal) and not factor.is_string):
            return None
        number = float(factor.name)
        if number == 0:
            return None
        new_kind = kind if number > 0 or kind is exp.EQ else FLIP[kind]
        moved_op = exp.Div if isinstance(side, exp.Mul) else exp.Mul
        found = _isolate(
            inner, moved_op(this=_wrap(other), expression=factor.copy()), new_kind, target
        )
        return None if found is None else (found[0], found[1], True)
    if isinstance(side, exp.Neg):
        found = _isolate(side.this, exp.Neg(this=_wrap(other)), FLIP[kind], target)
        return None if found is None else (found[0], found[1], True)
    return None


class _Planner:
    def __init__(self, table: Any, table_name: str | None = None) -> None:
        self.table = table
        self.names = list(table.columns)
        self.checks = table_checks(table)
        self.plan = TablePlan(self.checks, {name: ColumnPlan() for name in self.names})
        self.refs = dry_refs(table)
        # Which columns each column's code reads: trends and self-references, then the plan's.
        self.edges: dict[str, set[str]] = {name: set() for name in self.names}
        self.trend_targets: set[str] = set()
        self.loose: set[int] = set()  # checks met through a float's min or max, not strictly
        self.gridded: set[int] = set()  # met on a sample of grid values: enforced as well
        for rule in table.rules:
            for kind in ("increasing", "decreasing"):
                pair = getattr(rule, kind, None)
                if pair and pair[0] in self.edges and pair[1] in self.edges:
                    self.edges[pair[1]].add(pair[0])
                    self.trend_targets.add(pair[1])
        pair_key = len(table.primary_key) > 1
        self.keys = {
            name
            for name, column in table.columns.items()
            if column.primary_key or column.unique or (pair_key and name in table.primary_key)
        }
        self.key_or_reference = self.keys | {
            name for name, column in table.columns.items() if column.references
        }
        # A nullable reference to the table's own integer key is drawn as a tree: each row points
        # at an earlier row (a smaller key), the first row at none.
        key = table.primary_key
        self.trees = {
            name: key[0]
            for name, column in table.columns.items()
            if len(key) == 1
            and table.columns[key[0]].type == "integer"
            and column.type == "integer"
            and column.nullable
            and column.references == f"{table_name}.{key[0]}"
        }

    # -------------------------------------------------------------- the whole table
    def run(self) -> TablePlan:
        atoms: dict[int, list[exp.Expression]] = {}
        for index, (_, parsed) in enumerate(self.checks):
            if parsed.tree is not None and parsed.row_level:
                atoms[index] = _conjuncts(parsed.tree.copy().transform(self.plain))
        done: dict[int, list[bool]] = {i: [False] * len(parts) for i, parts in atoms.items()}
        literal: dict[tuple[int, int], str] = {}  # atoms met through a column's min and max
        # One pass per kind of atom, the most binding first: values, steps and literal bounds
        # shape how a column is drawn; definitions before bounds, so a bound never lands on a
        # column another check defines.
        for step in (
            self.tree_atom,
            self.values_atom,
            self.step_atom,
            self.not_null_atom,
            self.define_atom,
            self.null_where_atom,
            self.null_tie_atom,
            self.bound_atom,
            self.filter_atom,
        ):
            for index, parts in atoms.items():
                for number, atom in enumerate(parts):
                    if done[index][number]:
                        continue
                    result = step(atom, index)
                    if result:
                        done[index][number] = True
                        if isinstance(result, str):
                            literal[(index, number)] = result
        self.through_definitions()
        self.grids(atoms, done)
        # A literal bound holds only when the column is drawn within its min and max.
        for (index, number), name in literal.items():
            plan = self.plan.columns[name]
            if plan.define is not None or plan.bounds or plan.values is not None:
                done[index][number] = False
            else:
                plan.literal_checks.add(index)
        self.plan.shaped = {i for i, flags in done.items() if all(flags)}
        self.plan.exact = self.plan.shaped - self.approximate()
        return self.plan

    def approximate(self) -> set[int]:
        """Checks whose bounds the drawing code may miss on a few rows: a column between two
        bounds (they may cross), clipped to a min or max the bound may pass, or bounded through
        arithmetic on doubles (rounding)."""
        shaky = set()
        for name, plan in self.plan.columns.items():
            column = self.table.columns[name]
            lows = [b for b in plan.bounds if b.lower]
            highs = [b for b in plan.bounds if not b.lower]
            low = plan.low if plan.low is not None else column.min
            high = plan.high if plan.high is not None else column.max
            # Clipping to the column's own min (max) cannot cross an upper (lower) bound that is a
            # column never below (above) it: passengers <= seats, seats from 50, passengers from 0.
            has_min = low is not None and not all(self.at_least(b.tree, low) for b in highs)
            has_max = high is not None and not all(self.at_most(b.tree, high) for b in lows)
            plan.window = _window(lows, highs, column.type) if plan.grid is None else None
            if plan.window is not None and column.type == "integer":
                base = self.value_of(plan.window[0].tree)
                if base is None or base.kind != "int":  # whole numbers only from whole numbers
                    plan.window = None
            if plan.window is not None and not (has_min or has_max):
                continue  # between a bound and the same bound plus a width: exact
            if (lows and highs) or (lows and has_max) or (highs and has_min):
                shaky |= {b.check for b in plan.bounds}
            shaky |= {b.check for b in plan.bounds if b.approximate}
        return shaky | self.loose | self.gridded

    # -------------------------------------------------------------- helpers
    def plain(self, node: exp.Expression) -> exp.Expression:
        """The same meaning in fewer kinds of node: ``date_diff('day', a, b)`` is
        ``CAST(b AS DATE) - CAST(a AS DATE)``, and a date column cast to DATE is the column."""
        if isinstance(node, exp.DateDiff):
            unit = node.args.get("unit")
            if unit is None or unit.name.lower().rstrip("s") == "day":
                later = self.plain(exp.Cast(this=node.this.copy(), to=exp.DataType.build("DATE")))
                earlier = self.plain(
                    exp.Cast(this=node.expression.copy(), to=exp.DataType.build("DATE"))
                )
                return exp.paren(exp.Sub(this=later, expression=earlier))
        if isinstance(node, exp.Cast) and isinstance(node.this, exp.Column):
            column = self.table.columns.get(node.this.name)
            if column is not None and column.type == "date" and node.to.this.name == "DATE":
                return node.this.copy()
        return node

    def targetable(self, name: str, values: bool = False, define: bool = False) -> bool:
        """Whether a check may say how the column is made (``values``: even one of fixed
        values). A definition (``define``) wins over a unique column's or a pattern's own drawing:
        ``email = student_no || '@...'`` is false on every row of an email drawn from its pattern,
        while the definition keeps it unique when what it reads is (the validator checks both)."""
        column = self.table.columns[name]
        structural = column.primary_key or column.references or name in self.table.primary_key
        if define and not structural:
            return values or not column.values
        if name in self.key_or_reference or column.pattern:
            return False
        return values or not column.values

    def at_least(self, tree: exp.Expression, value: Any) -> bool:
        """Whether ``tree`` is a column whose values are never below ``value``."""
        node = _strip(tree)
        if not isinstance(node, exp.Column) or node.name not in self.table.columns:
            return False
        own = self.plan.columns[node.name].low
        own = own if own is not None else self.table.columns[node.name].min
        try:
            return own is not None and own >= value
        except TypeError:
            return False

    def at_most(self, tree: exp.Expression, value: Any) -> bool:
        """Whether ``tree`` is a column whose values are never above ``value``."""
        node = _strip(tree)
        if not isinstance(node, exp.Column) or node.name not in self.table.columns:
            return False
        own = self.plan.columns[node.name].high
        own = own if own is not None else self.table.columns[node.name].max
        try:
            return own is not None and own <= value
        except TypeError:
            return False

    def reaches(self, start: str, goal: str) -> bool:
        """Whether ``start``'s code reads ``goal``, directly or through other columns."""
        seen, stack = set(), [start]
        while stack:
            node = stack.pop()
            if node == goal:
                return True
            if node in seen:
                continue
            seen.add(node)
            stack.extend(self.edges[node])
        return False

    def acyclic(self, target: str, reads: set[str]) -> bool:
        return target not in reads and not any(self.reaches(r, target) for r in reads)

    def value_of(self, node: exp.Expression) -> Code | None:
        try:
            return compile_value(node, self.refs, "n")
        except CannotCompile:
            return None

    def literal(self, node: exp.Expression, type_: str) -> Any:
        """A constant SQL expression's value as the column type, computed by DuckDB."""
        sql = f"SELECT CAST(({node.sql(dialect='duckdb')}) AS {DUCKDB_TYPES[type_]})"
        try:
            with duckdb.connect() as con:
                return con.execute(sql).fetchall()[0][0]
        except duckdb.Error:
            return None

    # -------------------------------------------------------------- the kinds of atoms
    def tree_atom(self, atom: exp.Expression, index: int) -> bool:
        """``manager_id <> id`` or ``manager_id < id`` of a tree column: true as drawn."""
        atom = _strip(atom)
        if not isinstance(atom, exp.NEQ | exp.LT | exp.LTE | exp.GT | exp.GTE):
            return False
        left, right = _strip(atom.this), _strip(atom.expression)
        if not (isinstance(left, exp.Column) and isinstance(right, exp.Column)):
            return False
        kind = type(atom)
        if left.name not in self.trees:
            left, right, kind = right, left, FLIP.get(kind, kind)
        if self.trees.get(left.name) != right.name:
            return False
        return kind in (exp.NEQ, exp.LT, exp.LTE)

    def values_atom(self, atom: exp.Expression, index: int) -> bool:
        """``x IN (literals)`` or ``x = literal`` on a column without fixed values."""
        atom = _strip(atom)
        if isinstance(atom, exp.In) and not atom.args.get("query"):
            subject, items = _strip(atom.this), atom.expressions
        elif isinstance(atom, exp.EQ):
            left, right = _strip(atom.this), _strip(atom.expression)
            if isinstance(right, exp.Column):
                left, right = right, left
            subject, items = left, [right]
        else:
            return False
        if not isinstance(subject, exp.Column) or not all(not _columns_in(i) for i in items):
            return False
        name = subject.name
        column = self.table.columns[name]
        plan = self.plan.columns[name]
        if not self.targetable(name) or plan.values is not None:
            return False
        if column.type not in ("integer", "float", "string"):
            return False  # dates would need datetime in the program; booleans have two values
        values = [self.literal(item, column.type) for item in items]
        values = [v for v in values if v is not None]
        if not values:
            return False
        plan.values = list(dict.fromkeys(values))
        return True

    def step_atom(self, atom: exp.Expression, index: int) -> bool:
        """``x % k = 0`` on an integer column."""
        atom = _strip(atom)
        if not isinstance(atom, exp.EQ):
            return False
        left, right = _strip(atom.this), _strip(atom.expression)
        if isinstance(left, exp.Literal):
            left, right = right, left
        if not (isinstance(left, exp.Mod) and isinstance(right, exp.Literal) and right.name == "0"):
            return False
        subject, divisor = _strip(left.this), _strip(left.expression)
        if not (isinstance(subject, exp.Column) and isinstance(divisor, exp.Literal)):
            return False
        if not divisor.name.isdigit() or int(divisor.name) < 2:
            return False
        name = subject.name
        plan = self.plan.columns[name]
        if self.table.columns[name].type != "integer" or not self.targetable(name):
            return False
        if plan.step is not None or plan.values is not None:
            return False
        plan.step = int(divisor.name)
        return True

    def not_null_atom(self, atom: exp.Expression, index: int) -> bool:
        test = _null_test(atom)
        if test is None or test[1]:
            return False
        name = test[0]
        if name not in self.table.columns or self.plan.columns[name].null_where is not None:
            return False
        self.plan.columns[name].not_null = True
        return True

    def define_atom(self, atom: exp.Expression, index: int, only: str | None = None) -> bool:
        """An equality that defines a column from columns drawn before it."""
        atom = _strip(atom)
        if not isinstance(atom, exp.EQ):
            return False
        left, right = _strip(atom.this), _strip(atom.expression)
        if _null_test(left) or _null_test(right):
            return False  # an equality of conditions about nulls: null_where_atom
        if only is None and self.prefix_atom(left, right, index):
            return True
        candidates: list[tuple[str, exp.Expression]] = []
        for side, other in ((left, right), (right, left)):
            if isinstance(side, exp.Column):
                candidates.append((side.name, other))
        candidates.sort(key=lambda c: -self.names.index(c[0]))
        # Whole-number arithmetic may move across too (ts = start + minutes * INTERVAL 1 MINUTE
        # written the other way round); doubles may not: a + b - b is not always a.
        for name in sorted(_columns_in(atom), key=lambda c: -self.names.index(c)):
            if any(c[0] == name for c in candidates):
                continue
            for side, other in ((left, right), (right, left)):
                found = _isolate(side, other, exp.EQ, name)
                if found is not None and self.exact_arithmetic(atom):
                    candidates.append((name, found[1]))
        for name, other in candidates:
            if only is not None and name != only:
                continue
            if self.try_define(name, other, index):
                return True
        return False

    def prefix_atom(self, left: exp.Expression, right: exp.Expression, index: int) -> bool:
        """``LEFT(x, k) = y`` (or ``SUBSTRING(x, 1, k)``) with a pattern on ``x``: x drawn from
        its pattern, its first k characters then y's. Defining y from x instead would give y
        whatever the pattern draws (an IBAN's "GB" where the countries are NL, DE, BE, FR)."""
        for side, other in ((left, right), (right, left)):
            size = _leading(side)
            if size is None:
                continue
            name = side.this.name
            column = self.table.columns.get(name)
            plan = self.plan.columns.get(name)
            if column is None or column.type != "string" or not column.pattern:
                continue
            if column.primary_key or column.references or plan.define or plan.prefix:
                continue
            reads = _columns_in(other)
            if not reads or not self.acyclic(name, reads) or self.value_of(other) is None:
                continue
            plan.prefix = Prefix(size, other.copy(), index)
            self.edges[name] |= reads
            return True
        return False

    def exact_arithmetic(self, atom: exp.Expression) -> bool:
        """Whether the atom's arithmetic is exact in numpy (whole numbers and times only)."""
        types = {self.table.columns[c].type for c in _columns_in(atom)}
        if types & {"float", "string", "boolean"}:
            return False
        if atom.find(exp.Div, exp.Round, exp.Cast):
            return False
        return not any(
            not lit.is_string and not lit.name.lstrip("-").isdigit()
            for lit in atom.find_all(exp.Literal)
            if not isinstance(lit.parent, exp.Interval)
        )

    def try_define(self, name: str, other: exp.Expression, index: int) -> bool:
        column = self.table.columns[name]
        plan = self.plan.columns[name]
        reads = _columns_in(other)
        # A column of fixed values may be defined too (a fare by age band): the values are then
        # what the enforce step keeps it to.
        if (
            not self.targetable(name, values=True, define=True)
            or plan.define is not None
            or plan.bounds
        ):
            return False
        if plan.values is not None or plan.step is not None or not self.acyclic(name, reads):
            return False
        code = self.value_of(other)
        if code is None or (code.nullable and not column.nullable and reads):
            return False
        if not _fits(column.type, code, other, self.table):
            return False
        plan.define = Define(other, frozenset(reads), index)
        self.edges[name] |= reads
        return True

    def null_where_atom(self, atom: exp.Expression, index: int, ties: bool = False) -> bool:
        """Which rows of a column are null: an equality of conditions, or an implication.
        ``ties``: only ``(a IS NULL) = (b IS NULL)``, a pass of its own after the others, so
        that a definition (``a IS NULL OR a = t + b * INTERVAL 1 MINUTE``) says which way round."""
        atom = _strip(atom)
        if isinstance(atom, exp.EQ | exp.NEQ):
            left, right = _strip(atom.this), _strip(atom.expression)
            sides = [(left, right), (right, left)]
            both = [_null_test(left), _null_test(right)]
            if bool(both[0] and both[1]) != ties:
                return False
            if ties:  # (a IS NULL) <> (b IS NULL): the later one made from the other first
                if both[0][0] == both[1][0]:
                    return False
                if self.names.index(both[0][0]) < self.names.index(both[1][0]):
                    sides.reverse()
            for test_side, condition in sides:
                test = _null_test(test_side)
                if test is None or (_null_test(condition) and not ties):
                    continue
                name, is_null = test
                # (cond) = (x IS NULL): null where cond; <> or IS NOT NULL flip it
                null_if_true = is_null == isinstance(atom, exp.EQ)
                if self.try_null_where(name, condition, null_if_true, index):
                    return True
                if not ties:
                    return False
            return False
        if ties:
            return False
        if not isinstance(atom, exp.Or):
            return False
        parts = _disjuncts(atom)
        tests = [(i, _null_test(p)) for i, p in enumerate(parts)]
        tests = [(i, t) for i, t in tests if t is not None]
        if len(parts) == 2 and not tests:
            return self.otherwise_atom(parts, index)
        if len(parts) != 2 or len(tests) != 1:
            return False
        position, (name, is_null) = tests[0]
        other = parts[1 - position]
        if name in _columns_in(other):
            if not is_null:
                return False
            # x IS NULL OR q(x): every part of q solved for x; the nulls pass anyway
            pieces = _conjuncts(other)
            return all(
                self.tree_atom(p, index)
                or self.define_atom(p, index, only=name)
                or self.bound_atom(p, index, only=name)
                for p in pieces
            )
        column = self.table.columns.get(name)
        if column is None:
            return False
        if not is_null and not column.nullable:
            return True  # p OR x IS NOT NULL, and x is never null
        # p OR x IS NOT NULL: null where p; p OR x IS NULL: null where p is false
        return self.try_null_where(name, other, not is_null, index)

    def null_tie_atom(self, atom: exp.Expression, index: int) -> bool:
        return self.null_where_atom(atom, index, ties=True)

    def otherwise_atom(self, parts: list[exp.Expression], index: int) -> bool:
        """``fine_eur = 0 OR returned_on > due_on``: the column is drawn, then set to the value
        wherever the other condition is not true."""
        for position, part in enumerate(parts):
            part = _strip(part)
            if not isinstance(part, exp.EQ):
                continue
            unless = parts[1 - position]
            for side, value in ((part.this, part.expression), (part.expression, part.this)):
                side = _strip(side)
                if not isinstance(side, exp.Column):
                    continue
                name = side.name
                reads = _columns_in(value) | _columns_in(unless)
                column = self.table.columns[name]
                plan = self.plan.columns[name]
                if not self.targetable(name) or plan.define is not None or plan.otherwise:
                    continue
                if column.type not in ("integer", "float", "string") or plan.values is not None:
                    continue
                if not self.acyclic(name, reads):
                    continue
                code = self.value_of(value)
                if code is None or not _fits(column.type, code, value, self.table):
                    continue
                try:
                    compile_condition(unless, self.refs, "n")
                except CannotCompile:
                    continue
                plan.otherwise = (value.copy(), unless.copy(), index)
                self.edges[name] |= reads
                return True
        return False

    def try_null_where(
        self, name: str, condition: exp.Expression, null_if_true: bool, index: int
    ) -> bool:
        column = self.table.columns.get(name)
        plan = self.plan.columns.get(name)
        if column is None or plan is None or not column.nullable or column.primary_key:
            return False
        reads = _columns_in(condition)
        if plan.null_where is not None or plan.not_null or not self.acyclic(name, reads):
            return False
        tree = condition.copy() if null_if_true else exp.Not(this=_wrap(condition.copy()))
        try:
            compile_condition(tree, self.refs, "n")
        except CannotCompile:
            return False
        plan.null_where = NullWhere(tree, frozenset(reads), index)
        self.edges[name] |= reads
        return True

    def bound_atom(self, atom: exp.Expression, index: int, only: str | None = None) -> bool | str:
        """A comparison read as a bound on one column: per row, or a literal (its min/max)."""
        atom = _strip(atom)
        if type(atom) not in _COMPARISONS:
            return False
        left, right = _strip(atom.this), _strip(atom.expression)
        kind = type(atom)
        candidates: list[tuple[int, str, type, exp.Expression, bool]] = []
        for side, other, side_kind in ((left, right, kind), (right, left, FLIP[kind])):
            for name in _columns_in(side):
                if name in _columns_in(other):
                    continue
                found = _isolate(side, other, side_kind, name)
                if found is not None:
                    lone = isinstance(side, exp.Column)
                    candidates.append((0 if lone else 1, name, found[0], found[1], found[2]))
        candidates.sort(key=lambda c: (c[0], -self.names.index(c[1])))
        for _, name, bound_kind, other, moved in candidates:
            if only is not None and name != only:
                continue
            result = self.try_bound(name, bound_kind, other, moved, index)
            if result:
                return result
        return False

    def try_bound(
        self, name: str, kind: type, other: exp.Expression, moved: bool, index: int
    ) -> bool | str:
        column = self.table.columns[name]
        plan = self.plan.columns[name]
        if column.type not in _ORDERED or not self.targetable(name) or plan.define is not None:
            return False
        if name in self.trend_targets or plan.values is not None:
            return False
        lower = kind in (exp.GT, exp.GTE)
        strict = kind in (exp.GT, exp.LT)
        reads = _columns_in(other)
        code = self.value_of(other)
        if code is None or not _comparable(column.type, code):
            return False
        if not reads:
            return self.literal_bound(name, other, lower, strict, index)
        if code.nullable and not column.nullable:
            return False
        if plan.step is not None or not self.acyclic(name, reads):
            return False
        floats = column.type == "float" or any(self.table.columns[c].type == "float" for c in reads)
        plan.bounds.append(Bound(lower, other, strict, frozenset(reads), index, moved and floats))
        self.edges[name] |= reads
        return True

    def literal_bound(
        self, name: str, other: exp.Expression, lower: bool, strict: bool, index: int
    ) -> str:
        """Tighten the column's min or max; the name when the bound then holds exactly."""
        column = self.table.columns[name]
        plan = self.plan.columns[name]
        kind = column.type
        value = self.literal(other, {"date": "datetime", "integer": "float"}.get(kind, kind))
        if value is None:
            return ""
        exact = True
        if kind == "integer":
            value = (
                (math.floor(value) + 1 if strict else math.ceil(value))
                if lower
                else (math.ceil(value) - 1 if strict else math.floor(value))
            )
        elif kind == "float":
            exact = not strict
            value = float(value)
        elif kind == "date":
            day = dt.datetime.combine(value.date(), dt.time())
            if lower:
                value = day + dt.timedelta(days=1) if strict or value > day else day
            else:
                value = day - dt.timedelta(days=1) if strict and value == day else day
            value = value.date()
        else:
            second = dt.timedelta(seconds=1)
            if strict:
                value = value + second if lower else value - second
        current = plan.low if lower else plan.high
        spec = column.min if lower else column.max
        for other_value in (current, spec):
            if other_value is not None:
                value = max(value, other_value) if lower else min(value, other_value)
        if lower:
            plan.low = value
        else:
            plan.high = value
        if not exact:
            self.loose.add(index)
        return name

    def through_definitions(self) -> None:
        """A column a check defines from two times, with a min or max of its own, bounds the
        later time: ``nights = date_diff('day', check_in, check_out)`` with nights from 1 to 28
        makes check_out 1 to 28 days after check_in (the min and max are enforced anyway)."""
        for name in self.names:
            plan = self.plan.columns[name]
            column = self.table.columns[name]
            if plan.define is None or column.type not in ("integer", "float"):
                continue
            for limit, kind in ((column.min, exp.GTE), (column.max, exp.LTE)):
                if limit is None:
                    continue
                atom = kind(this=plan.define.tree.copy(), expression=exp.Literal.number(limit))
                atom = self.plain(_seconds_apart(atom))
                atom = atom.transform(self.plain)
                times = [
                    c
                    for c in _columns_in(atom)
                    if self.table.columns[c].type in ("date", "datetime")
                ]
                for target in sorted(times, key=lambda c: -self.names.index(c)):
                    if self.bound_atom(atom, -1, only=target):
                        break

    def grids(self, atoms: dict[int, list[exp.Expression]], done: dict[int, list[bool]]) -> None:
        """Checks on one drawn column that random values almost never meet, but values on a
        grid do (``amount = ROUND(amount, 2)``, ``hours * 4 = ROUND(hours * 4)``, ``x % 0.5 =
        0``, ``date_trunc('hour', t) = t``): the column's values are moved onto the finest grid
        that meets them all on a sample of values, and that leaves its other checks on it no
        rarer than the enforce step can mend."""
        alone: dict[str, list[tuple[int, int, exp.Expression]]] = {}
        for index, parts in atoms.items():
            for number, atom in enumerate(parts):
                reads = _columns_in(atom)
                if not done[index][number] and len(reads) == 1:
                    alone.setdefault(next(iter(reads)), []).append((index, number, atom))
        for name, found in alone.items():
            grid = self.grid_for(name, [atom for _, _, atom in found])
            if grid is None:
                continue
            self.plan.columns[name].grid = grid[0]
            for (index, number, _), rare in zip(found, grid[1], strict=True):
                if rare:
                    done[index][number] = True
                    self.gridded.add(index)

    def grid_for(self, name: str, atoms: list[exp.Expression]) -> tuple[Grid, list[bool]] | None:
        """(grid, which atoms it is for) for a column's checks on it alone, or None."""
        column = self.table.columns[name]
        plan = self.plan.columns[name]
        # A column of a two-column key is listed point by point (scaffold._key_domain): its grid
        # says which points.
        listed = len(self.table.primary_key) > 1 and not column.references and not column.values
        if column.type not in _ORDERED or name in self.trend_targets:
            return None
        if not (self.targetable(name) or listed and name in self.table.primary_key):
            return None
        # A number between per-row bounds may be moved onto a grid too: the grid's step inwards
        # keeps it between them (scaffold._bounded_number).
        if plan.bounds and column.type not in ("integer", "float"):
            return None
        if plan.define is not None or plan.values is not None or plan.step:
            return None
        low = plan.low if plan.low is not None else column.min
        high = plan.high if plan.high is not None else column.max
        drawn = _grid_sample(column, low, high)
        if column.type in ("date", "datetime"):
            grids = [Grid(unit, size) for unit, size in _TIME_GRIDS]
            if column.type == "date":
                grids = [g for g in grids if g.unit not in ("m", "h", "D")]
        else:
            grids = []
            for atom in atoms:
                grids += [
                    g for g in _number_grids(atom, column.type == "integer") if g not in grids
                ]
            # A step wider than a quarter of the range would pile the values on a few points.
            span = float(drawn.max() - drawn.min())
            grids = [g for g in grids if g.num / g.den <= span / 4]
            grids.sort(key=lambda g: (Fraction(g.num, g.den), g.offset))
        candidates: list[Grid | None] = [None, *grids]
        samples = [_on_grid(drawn, g, column.type, low, high) for g in candidates]
        rates = [_holding(atom, name, column.type, samples) for atom in atoms]
        rare = [r[0] < _MENDABLE for r in rates]
        if not any(rare):
            return None  # the enforce step mends what values as drawn miss
        for position, grid in enumerate(candidates[1:], start=1):
            if all(
                r[position] == 1.0 if is_rare else r[position] >= min(r[0], _MENDABLE)
                for r, is_rare in zip(rates, rare, strict=True)
            ):
                return grid, rare  # type: ignore[return-value]
        return None

    def filter_atom(self, atom: exp.Expression, index: int) -> bool:
        """Any check on one column drawn from fixed values: only the values that pass it."""
        reads = _columns_in(atom)
        if len(reads) != 1:
            return False
        name = next(iter(reads))
        column = self.table.columns[name]
        plan = self.plan.columns[name]
        if plan.define is not None or plan.bounds or name in self.keys or column.references:
            return False
        values = plan.values if plan.values is not None else column.values
        if not values:
            return False
        kept = _passing(atom, name, column.type, values)
        if not kept:
            return False
        plan.values = kept
        return True


def _leading(node: exp.Expression) -> int | None:
    """k for ``LEFT(column, k)`` and ``SUBSTRING(column, 1, k)``, else None."""
    node = _strip(node)
    if isinstance(node, exp.Left):
        size = node.expression
    elif isinstance(node, exp.Substring) and node.args.get("start") is not None:
        start = node.args["start"]
        if not isinstance(start, exp.Literal) or start.name != "1":
            return None
        size = node.args.get("length")
    else:
        return None
    if not isinstance(node.this, exp.Column) or not isinstance(size, exp.Literal):
        return None
    return int(size.name) if size.name.isdigit() and int(size.name) > 0 else None


def _seconds_apart(atom: exp.Expression) -> exp.Expression:
    """``date_diff('second', a, b) >= k`` as ``b >= a + INTERVAL k SECOND`` (and ``<=``),
    minutes and hours alike: what the drawing aims at, enough for the check (whole units
    between ``a`` and ``b`` give at least as many unit boundaries, and no more); other atoms as
    they are."""
    if not isinstance(atom, exp.GTE | exp.LTE):
        return atom
    diff, limit = _strip(atom.this), _strip(atom.expression)
    if not isinstance(diff, exp.DateDiff) or not isinstance(limit, exp.Literal):
        return atom
    unit = diff.args.get("unit")
    name = unit.name.upper().rstrip("S") if unit is not None else ""
    if name not in ("SECOND", "MINUTE", "HOUR") or limit.is_string:
        return atom
    later = exp.Add(
        this=diff.expression.copy(),
        expression=exp.Interval(this=exp.Literal.string(limit.name), unit=exp.var(name)),
    )
    return type(atom)(this=diff.this.copy(), expression=later)


def _number_grids(atom: exp.Expression, integer: bool) -> list[Grid]:
    """Grids for numbers, finest first: steps of 1, 2, 2.5 and 5 times a power of ten, each
    also shifted by the check's own numbers, added or taken away (``ROUND(x - FLOOR(x), 2) =
    0.99`` and ``x = ROUND(x) - 0.01``: whole numbers plus 0.99)."""
    literals = {
        sign * Fraction(lit.name)
        for lit in atom.find_all(exp.Literal)
        if not lit.is_string and _is_number(lit.name)
        for sign in (1, -1)
    }
    steps = sorted(
        {Fraction(m) * Fraction(10) ** e for e in range(-4, 5) for m in (1, 2, Fraction(5, 2), 5)}
    )
    grids = []
    for step in steps:
        if integer and (step.denominator != 1 or step < 2):
            continue
        offsets = sorted({Fraction(0)} | {lit % step for lit in literals})
        grids += [
            Grid("", step.numerator, step.denominator, float(offset))
            for offset in offsets
            if not integer or offset.denominator == 1
        ]
    return grids


def _is_number(text: str) -> bool:
    try:
        Fraction(text)
    except ValueError:
        return False
    return True


_TIME_GRIDS = [("m", 1), ("m", 5), ("m", 10), ("m", 15), ("m", 30), ("h", 1), ("D", 1), ("W", 1),
               ("M", 1), ("M", 3), ("Y", 1)]  # fmt: skip
_SAMPLE = 400
_MENDABLE = 0.25  # a share of rows a check holds on that redrawing mends in a few rounds


def _grid_sample(column: Any, low: Any, high: Any) -> np.ndarray:
    """Values such as the column is drawn with, for trying grids on (a fixed seed)."""
    rng = np.random.default_rng(0)
    if column.type in ("date", "datetime"):
        first = np.datetime64(str(low or "2023-01-01").replace(" ", "T"), "s")
        last = np.datetime64(str(high or "2024-12-31").replace(" ", "T"), "s")
        if low is None and high is not None:
            first = last - np.timedelta64(730, "D")
        if high is None and low is not None:
            last = first + np.timedelta64(730, "D")
        span = max(int((last - first) / np.timedelta64(1, "s")), 1)
        return first + rng.integers(0, span + 1, size=_SAMPLE).astype("timedelta64[s]")
    lowest = float(low) if low is not None else (float(high) - 1000 if high is not None else 0.0)
    highest = float(high) if high is not None else lowest + 1000
    return rng.uniform(lowest, highest, size=_SAMPLE)


def _on_grid(values: np.ndarray, grid: Grid | None, type_: str, low: Any, high: Any) -> list:
    """The sample moved onto ``grid`` by the program's own functions, as DuckDB values."""
    if grid is None:
        moved = values
    elif grid.unit:
        moved = sql_tgrid(values, grid.unit, grid.num, low, high)
    else:
        moved = sql_grid(values, grid.num, grid.den, grid.offset, low, high)
    if type_ == "integer":
        return [int(v) for v in np.round(moved)]
    if type_ == "float":
        return [float(v) for v in moved]
    moved = np.asarray(moved).astype("datetime64[us]")
    if type_ == "date":
        moved = moved.astype("datetime64[D]")
    return moved.tolist()


def _holding(atom: exp.Expression, name: str, type_: str, samples: list[list]) -> list[float]:
    """For each sample, the share of its values on which ``atom`` holds (is not false)."""
    quoted = '"' + name.replace('"', '""') + '"'
    groups = [i for i, values in enumerate(samples) for _ in values]
    flat = [v for values in samples for v in values]
    sql = (
        f"SELECT g, avg((({atom.sql(dialect='duckdb')}) IS NOT FALSE)::INTEGER) FROM "
        f"(SELECT unnest($g::INTEGER[]) AS g, unnest($v::{DUCKDB_TYPES[type_]}[]) AS {quoted}) "
        "GROUP BY g"
    )
    try:
        with duckdb.connect() as con:
            rows = dict(con.execute(sql, {"g": groups, "v": flat}).fetchall())
    except duckdb.Error:
        return [0.0] * len(samples)
    return [float(rows.get(i) or 0.0) for i in range(len(samples))]


def _offset(tree: exp.Expression, type_: str) -> tuple[exp.Expression, float] | None:
    """(base, offset) of ``base + k`` / ``k + base`` / ``base - k`` (k a number, or an interval
    in days for dates and in seconds for datetimes); offset 0 for a bound without one."""
    node = _strip(tree)
    if isinstance(node, exp.Add | exp.Sub):
        pairs = [(node.this, node.expression, 1)]
        if isinstance(node, exp.Add):
            pairs.append((node.expression, node.this, 1))
        else:
            pairs = [(node.this, node.expression, -1)]
        for base, amount, sign in pairs:
            value = _amount(_strip(amount), type_)
            if value is not None:
                return _strip(base), sign * value
    return node, 0.0


def _amount(node: exp.Expression, type_: str) -> float | None:
    negative = isinstance(node, exp.Neg)
    node = _strip(node.this) if negative else node
    if type_ in ("integer", "float"):
        if isinstance(node, exp.Literal) and not node.is_string:
            value = float(node.name)
            return -value if negative else value
        return None
    if type_ == "date" and isinstance(node, exp.Literal) and node.name.isdigit():
        return -float(node.name) if negative else float(node.name)  # date + n: n days
    parts = interval_parts(node)
    if parts is None:
        return None
    seconds = {"D": 86_400, "h": 3_600, "m": 60, "s": 1}.get(parts[0])
    if seconds is None or (type_ == "date" and parts[0] != "D"):
        return None
    value = parts[1] if type_ == "date" else parts[1] * seconds
    return -value if negative else value


def _window(lows: list[Bound], highs: list[Bound], type_: str) -> tuple[Bound, Bound, float] | None:
    """(lower, upper, width) when both bounds are one expression plus different offsets
    (``value_date BETWEEN CAST(booked_at AS DATE) AND CAST(booked_at AS DATE) + INTERVAL 3 DAY``,
    ``ABS(b - a) <= 5``): the column is then drawn within the width, exactly."""
    if len(lows) != 1 or len(highs) != 1:
        return None
    low, high = lows[0], highs[0]
    below, above = _offset(low.tree, type_), _offset(high.tree, type_)
    if below is None or above is None or below[0] != above[0]:
        return None
    width = above[1] - below[1]
    if type_ == "integer" and not width.is_integer():
        return None
    return (low, high, width) if width > 0 else None


def midnight(tree: exp.Expression, table: Any) -> bool:
    """Whether a time expression is always a midnight: dates (or datetimes cast to DATE) moved
    by whole days or months."""
    for column in tree.find_all(exp.Column):
        type_ = table.columns[column.name].type if column.name in table.columns else None
        cast = column.find_ancestor(exp.Cast)
        if type_ == "datetime" and not (cast is not None and cast.to.this.name == "DATE"):
            return False
    for interval in tree.find_all(exp.Interval):
        parts = interval_parts(interval)
        if parts is not None and parts[0] != "D":
            return False
        unit = interval.args.get("unit")
        whole_days = ("DAY", "WEEK", "MONTH", "QUARTER", "YEAR")
        if parts is None and (unit is None or unit.name.upper().rstrip("S") not in whole_days):
            return False  # INTERVAL (minutes) MINUTE, or a unit in the text
    return True


def _passing(atom: exp.Expression, name: str, type_: str, values: list[Any]) -> list[Any] | None:
    """The values on which ``atom`` is not false, evaluated by DuckDB."""
    quoted = '"' + name.replace('"', '""') + '"'
    sql = (
        f"SELECT ({atom.sql(dialect='duckdb')}) IS NOT FALSE FROM "
        f"(SELECT unnest($values::{DUCKDB_TYPES[type_]}[]) AS {quoted})"
    )
    try:
        with duckdb.connect() as con:
            rows = con.execute(sql, {"values": list(values)}).fetchall()
    except duckdb.Error:
        return None
    return [value for value, (ok,) in zip(values, rows, strict=True) if ok]


def _comparable(type_: str, code: Code) -> bool:
    if type_ in ("integer", "float"):
        return code.kind in ("int", "dec", "float")
    return code.kind in ("date", "ts")


def _fits(type_: str, code: Code, tree: exp.Expression, table: Any) -> bool:
    """Whether a column of ``type_`` can store ``code``'s value so that DuckDB finds it equal."""
    if type_ == "float":
        return code.kind in ("int", "dec", "float")
    if type_ == "integer":
        return code.kind == "int" or (code.kind in ("dec", "float") and _whole(tree))
    if type_ == "string":
        return code.kind == "str"
    if type_ == "boolean":
        return code.kind == "bool"
    if type_ == "datetime":
        return code.kind in ("date", "ts")
    if type_ == "date":
        return code.kind == "date" or (code.kind == "ts" and midnight(tree, table))
    return False


def _whole(tree: exp.Expression) -> bool:
    """Whether a number-valued tree always gives whole numbers: ROUND to 0 digits, FLOOR, CEIL,
    a cast to an integer type, a whole literal, or GREATEST/LEAST of such."""
    node = _strip(tree)
    if isinstance(node, exp.Round):
        digits = node.args.get("decimals")
        return digits is None or digits.name == "0"
    if isinstance(node, exp.Cast):
        return node.to.this in exp.DataType.INTEGER_TYPES
    if isinstance(node, exp.Literal):
        return not node.is_string and node.name.lstrip("-").isdigit()
    if isinstance(node, exp.Greatest | exp.Least):
        return all(_whole(part) for part in (node.this, *node.expressions))
    return isinstance(node, exp.Floor | exp.Ceil)
