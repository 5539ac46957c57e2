"""A check's SQL (a sqlglot tree, ``codegen.spec.checks``) compiled to one vectorised numpy/pandas
expression over a starting program's column variables, meaning what DuckDB means by it.

Where SQL and numpy agree the code is plain (``total = subtotal + vat``, ``status == "placed"``).
Where they differ it calls a function of ``codegen.program.sqlruntime`` that the program carries:

- nulls: a comparison with a null is null, AND/OR are three-valued, and a check fails only where
  it is false; conditions that may meet a null are pandas boolean arrays (Kleene logic);
- DuckDB types: ``/`` divides as doubles, ``//`` and ``%`` of integers truncate towards zero, a
  literal such as ``0.21`` is a DECIMAL, kept exact with integers (``quantity * 0.21`` is
  ``quantity * 21`` hundredths) until it meets a double; ROUND rounds half away from zero;
- time: dates and timestamps as datetime64[ns], DATE - DATE in days, DATE + INTERVAL a
  timestamp, INTERVAL n MONTH added with the day clamped.

Anything else (a function it does not know, a type it cannot follow) raises ``CannotCompile``:
the check is then left to the model, as before.
"""

from __future__ import annotations

import ast
import decimal
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from sqlglot import exp

from codegen.program.sqlruntime import helper_names

NUMERIC = ("int", "dec", "float")
TIMES = ("date", "ts")
SPEC_KINDS = {
    "integer": "int",
    "float": "float",
    "string": "str",
    "boolean": "bool",
    "date": "date",
    "datetime": "ts",
}
_NS = {"D": 86_400 * 10**9, "h": 3_600 * 10**9, "m": 60 * 10**9, "s": 10**9, "ms": 10**6}
_UNITS = {  # an INTERVAL's unit -> numpy's unit and how many of it
    "DAY": ("D", 1),
    "WEEK": ("D", 7),
    "HOUR": ("h", 1),
    "MINUTE": ("m", 1),
    "SECOND": ("s", 1),
    "MILLISECOND": ("ms", 1),
}
_MONTHS = {"MONTH": 1, "QUARTER": 3, "YEAR": 12}
_COMPARE = {
    exp.EQ: ("==", "equal"),
    exp.NEQ: ("!=", "not_equal"),
    exp.LT: ("<", "less"),
    exp.LTE: ("<=", "less_equal"),
    exp.GT: (">", "greater"),
    exp.GTE: (">=", "greater_equal"),
}
FLIP = {exp.LT: exp.GT, exp.LTE: exp.GTE, exp.GT: exp.LT, exp.GTE: exp.LTE, exp.EQ: exp.EQ}
_PARTS = {  # EXTRACT parts -> sql_part's names
    "YEAR": "year",
    "QUARTER": "quarter",
    "MONTH": "month",
    "DAY": "day",
    "HOUR": "hour",
    "MINUTE": "minute",
    "SECOND": "second",
    "DOW": "dow",
    "DAYOFWEEK": "dow",
    "ISODOW": "isodow",
    "DOY": "doy",
    "DAYOFYEAR": "doy",
    "WEEK": "week",
    "EPOCH": "epoch",
}
_PART_FUNCTIONS = {
    exp.Year: "year",
    exp.Month: "month",
    exp.Day: "day",
    exp.Hour: "hour",
    exp.Minute: "minute",
    exp.Second: "second",
    exp.DayOfWeek: "dow",
    exp.DayOfWeekIso: "isodow",
    exp.DayOfMonth: "day",
    exp.DayOfYear: "doy",
    exp.Week: "week",
    exp.WeekOfYear: "week",
    exp.Quarter: "quarter",
    exp.TimeToUnix: "epoch",
}
_PART_NAMES = {  # DuckDB's part functions sqlglot leaves anonymous
    "weekday": "dow",
    "isodow": "isodow",
    "dayofweek": "dow",
    "dayofmonth": "day",
    "dayofyear": "doy",
    "week": "week",
    "weekofyear": "week",
    "hour": "hour",
    "minute": "minute",
    "second": "second",
    "year": "year",
    "month": "month",
    "quarter": "quarter",
    "epoch": "epoch",
}
_INT_TYPES = {"TINYINT", "SMALLINT", "INT", "INTEGER", "BIGINT", "HUGEINT", "UBIGINT", "UINT"}


class CannotCompile(Exception):
    """The check uses something this compiler does not follow; the message says what."""


@dataclass(frozen=True)
class ColumnRef:
    """How compiled code reads a column: its variable in the program, spec type, nullability."""

    variable: str
    type: str
    nullable: bool = False


@dataclass(frozen=True)
class Code:
    """A compiled expression: Python text, its SQL kind (int, dec, float, bool, str, date, ts,
    interval, months, null), whether it may be null, a DECIMAL's scale (the text then gives the
    value times 10**scale, as whole numbers), and a constant's value."""

    text: str
    kind: str
    nullable: bool = False
    scale: int = 0
    const: bool = False
    value: Any = None
    raw: str | None = None  # a column read: its variable as the program holds it
    exact: str | None = None  # whole numbers and binary fractions: the same value, as doubles


def compile_condition(
    tree: exp.Expression, columns: Mapping[str, ColumnRef], count: str, lenient: bool = False
) -> Code:
    """A boolean expression: numpy booleans when nothing in it can be null, else a pandas
    boolean array with NA where SQL's answer is null. ``count`` names the row count.

    ``lenient``: where a null makes the check pass whatever the condition says (which rows of a
    column are null, ``(status = 'placed') = (shipped_at IS NULL)``), comparisons may treat a
    null as numpy does (false, or not equal), which keeps the code plain."""
    return _tidy(_Compiler(columns, count, lenient).condition(tree))


def compile_value(tree: exp.Expression, columns: Mapping[str, ColumnRef], count: str) -> Code:
    """A value expression (numbers, strings, times) as a column; a DECIMAL comes out as a
    double, as DuckDB stores it in a DOUBLE column."""
    compiler = _Compiler(columns, count)
    code = compiler.value(tree)
    if code.kind == "dec":
        code = compiler.as_float(code)
    return _tidy(code)


def _tidy(code: Code) -> Code:
    """The code with no more parentheses than Python needs (``ast.unparse``'s spelling)."""
    return replace(code, text=ast.unparse(ast.parse(code.text, mode="eval")))


def helpers_used(text: str) -> set[str]:
    """The runtime functions (``sql_...``) a piece of compiled Python calls."""
    names = helper_names()
    return {n.id for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Name) and n.id in names}


def strip_parens(text: str) -> str:
    """``text`` without one pair of parentheses around all of it."""
    if text.startswith("(") and text.endswith(")"):
        depth = 0
        for index, char in enumerate(text):
            depth += char == "("
            depth -= char == ")"
            if depth == 0 and index < len(text) - 1:
                return text
        return text[1:-1]
    return text


def interval_parts(node: exp.Expression) -> tuple[str, float] | None:
    """(numpy unit, amount) of an ``INTERVAL n UNIT`` literal of days or less."""
    if not isinstance(node, exp.Interval):
        return None
    try:
        unit, amount, months = _interval(node)
    except CannotCompile:
        return None
    return None if months else (unit, amount)


def _interval(node: exp.Interval) -> tuple[str, float, bool]:
    """(unit, amount, is a month interval) of an INTERVAL literal."""
    text = node.this.name if isinstance(node.this, exp.Literal) else None
    unit = node.args.get("unit")
    unit_name = unit.name.upper() if unit is not None else ""
    if text is not None and not unit_name:  # INTERVAL '90 minutes'
        parts = text.split()
        if len(parts) != 2:
            raise CannotCompile(f"interval {node.sql()}")
        text, unit_name = parts[0], parts[1].upper()
    if text is None:
        raise CannotCompile(f"interval {node.sql()}")
    unit_name = unit_name.rstrip("S") if unit_name.endswith("S") else unit_name
    try:
        amount = float(text)
    except ValueError:
        raise CannotCompile(f"interval {node.sql()}") from None
    if not amount.is_integer():  # DuckDB reads INTERVAL '1.5' HOUR as 1 hour, '1.5 hours' not
        raise CannotCompile(f"interval of a fraction {node.sql()}")
    if unit_name in _MONTHS:
        return "M", amount * _MONTHS[unit_name], True
    if unit_name not in _UNITS:
        raise CannotCompile(f"interval unit {unit_name}")
    numpy_unit, times = _UNITS[unit_name]
    return numpy_unit, amount * times, False


def _number(text: str) -> Code:
    if re.fullmatch(r"\d+", text):
        return Code(text, "int", const=True, value=int(text), exact=text)
    if re.fullmatch(r"\d*\.\d*", text):
        whole, _, fraction = text.partition(".")
        scaled = int((whole or "0") + fraction)
        value = decimal.Decimal(text)
        exact = repr(float(value)) if decimal.Decimal(float(value)) == value else None
        return Code(str(scaled), "dec", scale=len(fraction), const=True, value=value, exact=exact)
    return Code(repr(float(text)), "float", const=True, value=float(text))


def _fold(a: Code, b: Code, operation: Any) -> Any:
    """The value of an operation on two constants (None unless both are)."""
    if not (a.const and b.const) or a.value is None or b.value is None:
        return None
    if a.kind == "float" or b.kind == "float":
        return operation(float(a.value), float(b.value))
    if a.kind == b.kind == "int":
        return operation(int(a.value), int(b.value))
    return operation(decimal.Decimal(a.value), decimal.Decimal(b.value))


def _like_regex(pattern: str, escape: str | None) -> str:
    out = []
    chars = iter(pattern)
    for char in chars:
        if escape and char == escape:
            out.append(re.escape(next(chars, "")))
        elif char == "%":
            out.append(".*")
        elif char == "_":
            out.append(".")
        else:
            out.append(re.escape(char))
    return "".join(out)


class _Compiler:
    def __init__(self, columns: Mapping[str, ColumnRef], count: str, lenient: bool = False):
        self.columns = columns
        self.count = count
        self.lenient = lenient

    # ------------------------------------------------------------------ conditions
    def condition(self, node: exp.Expression) -> Code:
        if isinstance(node, exp.Paren):
            return self.condition(node.this)
        kind = type(node)
        if kind in _COMPARE:
            return self.compare(node.this, kind, node.expression)
        if isinstance(node, exp.And | exp.Or):
            return self.logic(node)
        if isinstance(node, exp.Not):
            inner = self.condition(node.this)
            return replace(inner, text=f"(~{inner.text})", const=False)
        if isinstance(node, exp.Is):
            return self.is_(node)
        if isinstance(node, exp.In):
            return self.in_(node)
        if isinstance(node, exp.Between):
            low = exp.GTE(this=node.this, expression=node.args["low"])
            high = exp.LTE(this=node.this.copy(), expression=node.args["high"])
            return self.logic(exp.And(this=low, expression=high))
        if isinstance(node, exp.Escape) and isinstance(node.this, exp.Like | exp.ILike):
            return self.like(node.this, node.expression.name)
        if isinstance(node, exp.Like | exp.ILike):
            return self.like(node, None)
        if isinstance(node, exp.NullSafeEQ | exp.NullSafeNEQ):
            a, b = self.value(node.this), self.value(node.expression)
            a, b = self.unify(a, b)
            both = f"np.asarray(pd.isna({a.text}) & pd.isna({b.text}))"
            same = f"sql_cmp({a.text}, np.equal, {b.text}).fillna(False)"
            text = f"({both} | {same})"
            if isinstance(node, exp.NullSafeNEQ):
                text = f"(~{text})"
            return Code(text, "bool", nullable=False)
        if isinstance(node, exp.StartsWith):
            pattern = node.expression
            if not (isinstance(pattern, exp.Literal) and pattern.is_string):
                raise CannotCompile("starts_with with a pattern that is not a literal")
            return self.like_regex(node.this, re.escape(pattern.name) + ".*", True)
        if isinstance(node, exp.RegexpLike):
            pattern = node.expression
            if not (isinstance(pattern, exp.Literal) and pattern.is_string):
                raise CannotCompile("regexp_matches with a pattern that is not a literal")
            return self.like_regex(node.this, ".*(?:" + pattern.name + ").*", True)
        code = self.value(node)
        if code.kind not in ("bool", "null"):
            raise CannotCompile(f"{node.sql()} is not a condition")
        return code

    def compare(self, left: exp.Expression, kind: type, right: exp.Expression) -> Code:
        a, b = self.unify(self.value(left), self.value(right))
        operator, ufunc = _COMPARE[kind]
        if a.kind == "months" or b.kind == "months":
            raise CannotCompile("comparing month intervals")
        if a.kind == "bool" and (a.nullable or b.nullable):
            a, b = self.as_bool(a), self.as_bool(b)
            return Code(f"({a.text} {operator} {b.text})", "bool", nullable=True)
        if (a.nullable or b.nullable) and self.lenient:
            if a.kind in ("int", "dec", "float", "date", "ts", "interval", "time"):  # NaN, NaT
                return Code(f"({a.text} {operator} {b.text})", "bool")
            if a.kind == "str" and operator in ("==", "!=") and (a.const or b.const):
                return Code(f"({a.raw or a.text} {operator} {b.raw or b.text})", "bool")
        if a.nullable or b.nullable:
            return Code(f"sql_cmp({a.text}, np.{ufunc}, {b.text})", "bool", nullable=True)
        text = f"({a.text} {operator} {b.text})"
        if a.const and b.const:
            text = f"np.bool_{text}"
        return Code(text, "bool")

    def logic(self, node: exp.And | exp.Or) -> Code:
        a, b = self.condition(node.this), self.condition(node.expression)
        sign = "&" if isinstance(node, exp.And) else "|"
        nullable = a.nullable or b.nullable
        if nullable:
            a, b = self.as_bool(a), self.as_bool(b)
        return Code(f"({a.text} {sign} {b.text})", "bool", nullable=nullable)

    def as_bool(self, code: Code) -> Code:
        """A condition that may meet nulls, as a pandas boolean array."""
        if code.text.startswith(("sql_cmp(", "sql_in(", "sql_bool(", "sql_like(")):
            return code
        return replace(code, text=f"sql_bool({code.text})")

    def is_(self, node: exp.Is) -> Code:
        target = node.expression
        if isinstance(target, exp.Null):
            inner = self.value(node.this)
            if not inner.nullable:
                return Code(f"np.zeros({self.count}, dtype=bool)", "bool")
            return Code(f"np.asarray(pd.isna({inner.text}))", "bool")
        if isinstance(target, exp.Boolean):
            inner = self.as_bool(self.condition(node.this))
            truth = inner.text if target.this else f"(~{inner.text})"
            return Code(f"{truth}.fillna(False)", "bool")
        raise CannotCompile(node.sql())

    def in_(self, node: exp.In) -> Code:
        if node.args.get("query") is not None or node.args.get("unnest") is not None:
            raise CannotCompile("IN with a subquery")
        items = node.expressions
        if not all(isinstance(i, exp.Literal | exp.Null | exp.Neg | exp.Cast) for i in items):
            # IN with columns: the OR of equalities, as SQL defines it
            ors: exp.Expression = exp.EQ(this=node.this.copy(), expression=items[0].copy())
            for item in items[1:]:
                eq = exp.EQ(this=node.this.copy(), expression=item.copy())
                ors = exp.Or(this=ors, expression=eq)
            return self.condition(ors)
        a = self.value(node.this)
        values = [self.value(item) for item in items]
        if not all(v.const for v in values):
            raise CannotCompile("IN with items that are not literals")
        known = [v for v in values if v.kind != "null"]
        if a.kind in NUMERIC and (a.kind != "int" or any(v.kind != "int" for v in known)):
            a, known = self.as_float(a), [self.as_float(v) for v in known]
        else:
            known = [self.unify(a, v)[1] for v in known]
        texts = [v.text for v in known] + ["None"] * (len(values) - len(known))
        listed = "[" + ", ".join(texts) + "]"
        if a.nullable or len(known) < len(values):
            return Code(f"sql_in({a.text}, {listed})", "bool", nullable=True)
        return Code(f"np.isin({a.text}, {listed})", "bool")

    def like(self, node: exp.Like | exp.ILike, escape: str | None) -> Code:
        pattern = node.expression
        if not (isinstance(pattern, exp.Literal) and pattern.is_string):
            raise CannotCompile("LIKE with a pattern that is not a literal")
        regex = _like_regex(pattern.name, escape)
        code = self.like_regex(node.this, regex, not isinstance(node, exp.ILike))
        if node.args.get("negate"):
            code = replace(code, text=f"(~{code.text})")
        return code

    def like_regex(self, subject: exp.Expression, regex: str, case: bool) -> Code:
        value = self.value(subject)
        if value.kind != "str":
            raise CannotCompile("LIKE on something that is not a string")
        flags = "" if case else ", case=False"
        return Code(f"sql_like({value.text}, {regex!r}{flags})", "bool", nullable=True)

    # ------------------------------------------------------------------ values
    def value(self, node: exp.Expression) -> Code:
        if isinstance(node, exp.Paren):
            return self.value(node.this)
        if isinstance(node, exp.Column):
            return self.column(node.name)
        if isinstance(node, exp.Literal):
            if node.is_string:
                return Code(repr(node.name), "str", const=True, value=node.name)
            return _number(node.name)
        if isinstance(node, exp.Null):
            return Code("None", "null", nullable=True, const=True)
        if isinstance(node, exp.Boolean):
            return Code(f"np.bool_({bool(node.this)})", "bool", const=True, value=node.this)
        if isinstance(node, exp.Neg):
            inner = self.value(node.this)
            if inner.kind not in (*NUMERIC, "interval", "months"):
                raise CannotCompile(f"minus {inner.kind}")
            return replace(
                inner,
                text=f"(-{inner.text})",
                value=-inner.value if inner.value is not None else None,
                exact=f"(-{inner.exact})" if inner.exact else None,
                raw=None,
            )
        if isinstance(node, exp.Add | exp.Sub):
            return self.add(node)
        if isinstance(node, exp.Mul):
            return self.mul(node)
        if isinstance(node, exp.Div | exp.IntDiv | exp.Mod):
            return self.div(node)
        if isinstance(node, exp.Interval) and not isinstance(node.this, exp.Literal):
            return self.interval_of(node)
        if isinstance(node, exp.Interval):
            unit, amount, months = _interval(node)
            if months:
                return Code(str(int(amount)), "months", const=True, value=int(amount))
            ns = round(amount * _NS[unit])
            text = f'np.timedelta64({int(amount)}, "{unit}")'
            return Code(text, "interval", const=True, value=ns)
        if isinstance(node, exp.Cast | exp.TryCast):
            return self.cast(node)
        if isinstance(node, exp.DPipe):
            a, b = self.value(node.this), self.value(node.expression)
            if a.kind != "str" or b.kind != "str":
                raise CannotCompile("|| of something that is not a string")
            return Code(f"sql_concat({a.text}, {b.text})", "str", a.nullable or b.nullable)
        if isinstance(node, exp.Case):
            return self.case(node)
        if isinstance(node, exp.If):
            return self.if_(node)
        if isinstance(node, exp.CurrentDate):
            return Code('np.datetime64("today", "D")', "date", const=True)
        if isinstance(node, exp.CurrentTimestamp):
            return Code('np.datetime64("now", "us")', "ts", const=True)
        if isinstance(node, exp.Func):
            return self.function(node)
        if type(node) in _COMPARE or isinstance(node, exp.Connector | exp.Not | exp.Is | exp.In):
            return self.condition(node)
        if isinstance(node, exp.Between | exp.Like | exp.ILike | exp.Escape):
            return self.condition(node)
        raise CannotCompile(f"{type(node).__name__}: {node.sql()}")

    def interval_of(self, node: exp.Interval) -> Code:
        """``INTERVAL (expr) DAY``: an interval of a whole number the rows give (DuckDB casts
        the expression to a whole number of the unit)."""
        unit = node.args.get("unit")
        unit_name = unit.name.upper().rstrip("S") if unit is not None else ""
        count = self.value(node.this)
        if count.kind not in ("int", "float", "dec"):
            raise CannotCompile(f"interval of {count.kind}")
        if count.kind != "int":
            count = self.value(exp.Cast(this=node.this.copy(), to=exp.DataType.build("BIGINT")))
        if unit_name in _MONTHS:
            text = f"({count.text} * {_MONTHS[unit_name]})"
            return Code(text, "months", count.nullable)
        if unit_name not in _UNITS:
            raise CannotCompile(f"interval unit {unit_name}")
        numpy_unit, times = _UNITS[unit_name]
        ns = times * _NS[numpy_unit]
        return Code(f"sql_interval({count.text}, {ns})", "interval", count.nullable)

    def column(self, name: str) -> Code:
        ref = self.columns.get(name)
        if ref is None:
            raise CannotCompile(f"column {name}")
        kind = SPEC_KINDS[ref.type]
        v = ref.variable
        if kind in TIMES:
            return Code(f"sql_time({v})", kind, ref.nullable, raw=v)
        if kind == "bool":
            return Code(
                f"sql_bool({v})" if ref.nullable else f"np.asarray({v}, dtype=bool)",
                kind,
                ref.nullable,
            )
        if not ref.nullable:
            return Code(v, kind, raw=v, exact=v if kind == "int" else None)
        text = f"sql_num({v})" if kind in NUMERIC else f"sql_str({v})"
        return Code(text, kind, True, raw=v)

    def add(self, node: exp.Add | exp.Sub) -> Code:
        a, b = self.value(node.this), self.value(node.expression)
        sign = "+" if isinstance(node, exp.Add) else "-"
        nullable = a.nullable or b.nullable
        const = a.const and b.const
        if a.kind in NUMERIC and b.kind in NUMERIC:
            a, b = self.unify(a, b)
            value = _fold(a, b, (lambda x, y: x + y) if sign == "+" else (lambda x, y: x - y))
            exact = f"({a.exact} {sign} {b.exact})" if a.exact and b.exact else None
            return Code(
                f"({a.text} {sign} {b.text})", a.kind, nullable, a.scale, const, value, exact=exact
            )
        if (
            isinstance(node, exp.Add)
            and b.kind in TIMES
            and a.kind in ("int", "interval", "months")
        ):
            a, b = b, a  # INTERVAL 3 DAY + d
        if a.kind in TIMES:
            if b.kind == "int":  # date + days stays a date
                if a.kind != "date":
                    raise CannotCompile("timestamp + integer")
                days = (
                    f"sql_interval({b.text}, {_NS['D']})"
                    if b.nullable or not b.const
                    else (f'np.timedelta64({b.text}, "D")')
                )
                return Code(f"({a.text} {sign} {days})", "date", nullable)
            if b.kind == "interval":
                return Code(f"({a.text} {sign} {b.text})", "ts", nullable)
            if b.kind == "months":
                months = b.text if sign == "+" else f"(-{b.text})"
                return Code(f"sql_months({a.text}, {months})", "ts", nullable)
            if b.kind in TIMES and sign == "-":
                if a.kind == "date" and b.kind == "date":
                    days = 'np.timedelta64(1, "D")'
                    return Code(f"(({a.text} - {b.text}) / {days})", "int", nullable)
                return Code(f"({a.text} - {b.text})", "interval", nullable)
        if a.kind == "interval" and b.kind == "interval":
            return Code(f"({a.text} {sign} {b.text})", "interval", nullable, const=const)
        if a.kind == "months" and b.kind == "months" and const:
            value = a.value + b.value if sign == "+" else a.value - b.value
            return Code(str(value), "months", const=True, value=value)
        raise CannotCompile(f"{a.kind} {sign} {b.kind}")

    def mul(self, node: exp.Mul) -> Code:
        a, b = self.value(node.this), self.value(node.expression)
        nullable = a.nullable or b.nullable
        if a.kind in ("interval", "months") and b.kind in NUMERIC:
            a, b = b, a
        if b.kind == "interval" and a.kind in ("int", "float"):
            if not b.const:
                raise CannotCompile("a number times an interval that is not a literal")
            if a.const:
                ns = round(a.value * b.value)
                return Code(f'np.timedelta64({ns}, "ns")', "interval", const=True, value=ns)
            return Code(f"sql_interval({a.text}, {b.value})", "interval", nullable)
        if b.kind == "months" and a.kind == "int":
            if a.const:
                return Code(str(a.value * b.value), "months", const=True, value=a.value * b.value)
            return Code(f"({a.text} * {b.text})", "months", nullable)
        if a.kind in NUMERIC and b.kind in NUMERIC:
            if "float" in (a.kind, b.kind):
                a, b = self.as_float(a), self.as_float(b)
                const = a.const and b.const
                value = _fold(a, b, lambda x, y: x * y)
                return Code(f"({a.text} * {b.text})", "float", nullable, 0, const, value)
            scale = a.scale + b.scale
            kind = "dec" if "dec" in (a.kind, b.kind) else "int"
            const = a.const and b.const
            value = _fold(a, b, lambda x, y: x * y)
            exact = f"({a.exact} * {b.exact})" if a.exact and b.exact else None
            return Code(f"({a.text} * {b.text})", kind, nullable, scale, const, value, exact=exact)
        raise CannotCompile(f"{a.kind} * {b.kind}")

    def div(self, node: exp.Div | exp.IntDiv | exp.Mod) -> Code:
        a, b = self.value(node.this), self.value(node.expression)
        nullable = a.nullable or b.nullable
        if a.kind not in NUMERIC or b.kind not in NUMERIC:
            if isinstance(node, exp.Div) and a.kind == "interval" and b.kind in ("int", "float"):
                return Code(f"({a.text} / {b.text})", "interval", nullable)
            raise CannotCompile(f"{a.kind} / {b.kind}")
        if isinstance(node, exp.Mod):
            a, b = self.unify(a, b)
            return Code(f"np.fmod({a.text}, {b.text})", a.kind, nullable, a.scale)
        if isinstance(node, exp.IntDiv) and a.kind == "int" and b.kind == "int":
            return Code(f"sql_idiv({a.text}, {b.text})", "int", nullable)
        a, b = self.as_float(a), self.as_float(b)  # DOUBLE division (DOUBLE // is / too)
        return Code(f"({a.text} / {b.text})", "float", nullable)

    def as_float(self, code: Code) -> Code:
        """A number as DuckDB casts it to DOUBLE (a DECIMAL: its whole numbers / 10**scale)."""
        if code.kind == "float":
            return code
        if code.kind == "int":
            if code.const:
                return replace(code, text=repr(float(code.value)), kind="float")
            return replace(code, kind="float")
        if code.kind == "dec":
            if code.const and code.value is not None:
                return Code(repr(float(code.value)), "float", const=True, value=float(code.value))
            if code.exact:  # 2.5 * minutes: the double product is the decimal one, rounded
                return Code(code.exact, "float", code.nullable)
            return Code(f"({code.text} / {float(10**code.scale)!r})", "float", code.nullable)
        raise CannotCompile(f"{code.kind} as a number")

    def rescale(self, code: Code, scale: int) -> Code:
        if code.kind == "int":
            code = replace(code, kind="dec", scale=0)
        if code.scale == scale:
            return code
        factor = 10 ** (scale - code.scale)
        if code.const:
            scaled = int(decimal.Decimal(code.value) * 10**scale)
            return replace(code, text=str(scaled), scale=scale)
        return replace(code, text=f"({code.text} * {factor})", scale=scale)

    def unify(self, a: Code, b: Code) -> tuple[Code, Code]:
        """Both sides in the type DuckDB compares or combines them in."""
        if a.kind == "null" or b.kind == "null":
            return a, b
        if a.kind in NUMERIC and b.kind in NUMERIC:
            if a.kind == b.kind == "int":
                return a, b
            if "float" in (a.kind, b.kind):
                return self.as_float(a), self.as_float(b)
            scale = max(a.scale, b.scale)
            return self.rescale(a, scale), self.rescale(b, scale)
        if a.kind == "str" and b.kind != "str" and a.const:
            return self.literal_as(a, b.kind), b
        if b.kind == "str" and a.kind != "str" and b.const:
            return a, self.literal_as(b, a.kind)
        if a.kind in TIMES and b.kind in TIMES:
            return a, b
        if a.kind == b.kind:
            return a, b
        raise CannotCompile(f"{a.kind} against {b.kind}")

    def literal_as(self, code: Code, kind: str) -> Code:
        """A string literal read as another type, as DuckDB casts it."""
        text = code.value
        try:
            if kind == "time":
                clock = np.datetime64("2000-01-01T" + text.strip()) - np.datetime64("2000-01-01")
                ns = int(clock / np.timedelta64(1, "ns"))
                return Code(f'np.timedelta64({ns}, "ns")', "time", const=True, value=ns)
            if kind in TIMES:
                value = np.datetime64(text.strip().replace(" ", "T"))
                return Code(f'np.datetime64("{value}")', kind, const=True)
            if kind == "int":
                return Code(str(int(text)), "int", const=True, value=int(text))
            if kind in ("float", "dec"):
                return Code(repr(float(text)), "float", const=True, value=float(text))
        except ValueError:
            raise CannotCompile(f"{text!r} as {kind}") from None
        raise CannotCompile(f"{text!r} as {kind}")

    def cast(self, node: exp.Cast) -> Code:
        to = node.to.this.name if hasattr(node.to.this, "name") else str(node.to.this)
        inner = self.value(node.this)
        nullable = inner.nullable or isinstance(node, exp.TryCast)
        if to == "TIME":  # the time of day, as the time since midnight
            if inner.kind == "str" and inner.const:
                return self.literal_as(inner, "time")
            if inner.kind in TIMES:
                return Code(f"sql_clock({inner.text})", "time", nullable)
            if inner.kind == "time":
                return inner
        elif to == "DATE":
            if inner.kind == "str" and inner.const:
                return self.literal_as(inner, "date")
            if inner.kind in TIMES:
                text = inner.text if inner.kind == "date" else f"sql_day({inner.text})"
                return Code(text, "date", nullable)
        elif to.startswith("TIMESTAMP") and to not in ("TIMESTAMPTZ", "TIMESTAMPLTZ"):
            if inner.kind == "str" and inner.const:
                return self.literal_as(inner, "ts")
            if inner.kind in TIMES:
                return replace(inner, kind="ts", nullable=nullable)
        elif to in _INT_TYPES:
            if inner.kind == "int":
                return replace(inner, nullable=nullable)
            if inner.kind == "float":
                return Code(f"sql_cast_int({inner.text})", "int", nullable)
            if inner.kind == "dec":
                return Code(f"sql_dround({inner.text}, {inner.scale})", "int", nullable)
            if inner.kind == "str" and inner.const:
                return self.literal_as(inner, "int")
            if inner.kind == "bool" and not inner.nullable:
                return Code(f"np.asarray({inner.text}, dtype=int)", "int")
        elif to == "DOUBLE":
            if inner.kind in NUMERIC:
                return replace(self.as_float(inner), nullable=nullable)
            if inner.kind == "str" and inner.const:
                return self.literal_as(inner, "float")
        elif to == "FLOAT":
            if inner.kind in NUMERIC:
                text = self.as_float(inner).text
                return Code(
                    f"np.asarray({text}, dtype=np.float32).astype(float)", "float", nullable
                )
        elif to == "DECIMAL":
            params = node.to.expressions
            if len(params) == 2 and inner.kind in ("int", "dec"):
                scale = int(params[1].this.name)
                if inner.kind == "int" or scale >= inner.scale:
                    return replace(self.rescale(inner, scale), nullable=nullable)
                shifted = f"sql_dround({inner.text}, {inner.scale - scale})"
                return Code(shifted, "dec", nullable, scale)
        elif to in ("TEXT", "VARCHAR"):
            if inner.kind == "str":
                return replace(inner, nullable=nullable)
            if inner.kind == "int" and not inner.nullable:
                return Code(f"np.asarray({inner.text}).astype(str).astype(object)", "str")
            if inner.kind == "date" and not inner.nullable:
                text = f'np.datetime_as_string({inner.text}, unit="D").astype(object)'
                return Code(text, "str")
        raise CannotCompile(f"CAST({inner.kind} AS {to})")

    def case(self, node: exp.Case) -> Code:
        if node.this is not None:  # CASE x WHEN v THEN ...: the equalities
            ifs = [
                exp.If(this=exp.EQ(this=node.this.copy(), expression=i.this), true=i.args["true"])
                for i in node.args["ifs"]
            ]
        else:
            ifs = node.args["ifs"]
        conditions = [self.condition(i.this) for i in ifs]
        choices = [self.value(i.args["true"]) for i in ifs]
        default_node = node.args.get("default")
        default = self.value(default_node) if default_node is not None else None
        return self.choose(conditions, choices, default)

    def if_(self, node: exp.If) -> Code:
        default = node.args.get("false")
        return self.choose(
            [self.condition(node.this)],
            [self.value(node.args["true"])],
            self.value(default) if default is not None else None,
        )

    def choose(self, conditions: list[Code], choices: list[Code], default: Code | None) -> Code:
        every = [*choices, default] if default is not None else list(choices)
        first = next((c for c in every if c.kind != "null"), None)
        if first is None:
            raise CannotCompile("CASE of nulls")
        numbers = {c.kind for c in every if c.kind in NUMERIC}
        if len(numbers) > 1:  # whole numbers beside fractions (THEN 0 ELSE 4.95): doubles
            every = [self.as_float(c) if c.kind in NUMERIC else c for c in every]
            first = next(c for c in every if c.kind != "null")
        unified = []
        for choice in every:
            if choice.kind == "null":
                unified.append(choice)
                continue
            a, b = self.unify(choice, first)
            if a.kind == "dec":  # a CASE of decimals: compared as doubles
                a = self.as_float(a)
            unified.append(a)
        kinds = {c.kind for c in unified if c.kind != "null"}
        if len(kinds) != 1:
            raise CannotCompile("CASE of several types")
        kind = kinds.pop()
        null = {
            "int": "np.nan",
            "float": "np.nan",
            "str": "None",
            "date": "np.datetime64('NaT')",
            "ts": "np.datetime64('NaT')",
            "interval": "np.timedelta64('NaT')",
            "bool": "None",
        }.get(kind)
        if null is None:
            raise CannotCompile(f"CASE of {kind}")
        texts = [null if c.kind == "null" else c.text for c in unified]
        nullable = default is None or any(c.nullable for c in unified)
        values = texts if default is not None else [*texts, null]
        conds = "[" + ", ".join(c.text for c in conditions) + "]"
        text = f"sql_case({conds}, [{', '.join(values[:-1])}], {values[-1]}, {self.count})"
        if kind == "bool":
            text = f"sql_bool({text})"
        return Code(text, kind, nullable)

    def function(self, node: exp.Func) -> Code:
        if isinstance(node, exp.Abs):
            inner = self.value(node.this)
            if inner.kind not in (*NUMERIC, "interval"):
                raise CannotCompile(f"ABS of {inner.kind}")
            return replace(inner, text=f"np.abs({inner.text})", const=False, exact=None, raw=None)
        if isinstance(node, exp.Round):
            return self.round(node)
        if isinstance(node, exp.Floor | exp.Ceil):
            inner = self.value(node.this)
            name = "floor" if isinstance(node, exp.Floor) else "ceil"
            if node.args.get("decimals") is not None:
                raise CannotCompile(f"{name} with digits")
            if inner.kind == "int":
                return inner
            if inner.kind == "dec":
                whole = f"np.{name}({inner.text} / {float(10**inner.scale)!r})"
                return Code(whole, "dec", inner.nullable, 0)
            if inner.kind == "float":
                return Code(f"np.{name}({inner.text})", "float", inner.nullable)
        if isinstance(node, exp.Sign):
            inner = self.value(node.this)
            if inner.kind in NUMERIC:
                return Code(f"np.sign({inner.text})", "int", inner.nullable)
        if isinstance(node, exp.Sqrt | exp.Ln | exp.Exp):
            inner = self.as_float(self.value(node.this))
            name = {exp.Sqrt: "sqrt", exp.Ln: "log", exp.Exp: "exp"}[type(node)]
            return Code(f"np.{name}({inner.text})", "float", inner.nullable)
        if isinstance(node, exp.Pow):
            a = self.as_float(self.value(node.this))
            b = self.as_float(self.value(node.expression))
            return Code(f"np.power({a.text}, {b.text})", "float", a.nullable or b.nullable)
        if isinstance(node, exp.Length):
            inner = self.value(node.this)
            if inner.kind == "str":
                return Code(f"sql_len({inner.text})", "int", inner.nullable)
        if isinstance(node, exp.Lower | exp.Upper):
            inner = self.value(node.this)
            if inner.kind == "str":
                name = "sql_lower" if isinstance(node, exp.Lower) else "sql_upper"
                return Code(f"{name}({inner.text})", "str", inner.nullable)
        if isinstance(node, exp.Left | exp.Right):  # LEFT(s, k), RIGHT(s, k): k a constant
            inner, size = self.value(node.this), self.value(node.expression)
            if inner.kind == "str" and size.const and isinstance(size.value, int):
                name = "sql_left" if isinstance(node, exp.Left) else "sql_right"
                return Code(f"{name}({inner.text}, {size.value})", "str", inner.nullable)
        if isinstance(node, exp.Coalesce):
            parts = [self.value(node.this), *(self.value(e) for e in node.expressions)]
            first = parts[0]
            parts = [self.unify(p, first)[0] if p.kind != "null" else p for p in parts]
            parts = [self.as_float(p) if p.kind == "dec" else p for p in parts]
            texts = ", ".join(p.text for p in parts)
            kind = next(p.kind for p in parts if p.kind != "null")
            return Code(f"sql_coalesce({texts})", kind, all(p.nullable for p in parts))
        if isinstance(node, exp.Greatest | exp.Least):
            parts = [self.value(node.this), *(self.value(e) for e in node.expressions)]
            parts = [self.as_float(p) if p.kind in NUMERIC else p for p in parts]
            if len({p.kind for p in parts}) != 1 or parts[0].kind not in ("float", *TIMES):
                raise CannotCompile("GREATEST/LEAST of these types")
            name = "np.fmax" if isinstance(node, exp.Greatest) else "np.fmin"
            text = parts[0].text
            for part in parts[1:]:
                text = f"{name}({text}, {part.text})"
            return Code(text, parts[0].kind, all(p.nullable for p in parts))
        if isinstance(node, exp.Nullif):
            a, b = self.unify(self.value(node.this), self.value(node.expression))
            same = f"sql_true(sql_cmp({a.text}, np.equal, {b.text}), {self.count})"
            return self.choose([Code(same, "bool")], [Code("None", "null", True)], a)
        if isinstance(node, exp.Extract):
            part = node.this.name.upper()
            return self.part(_PARTS.get(part), node.expression)
        if type(node) in _PART_FUNCTIONS:
            return self.part(_PART_FUNCTIONS[type(node)], node.this)
        if (
            isinstance(node, exp.Anonymous)
            and node.name.lower() in _PART_NAMES
            and len(node.expressions) == 1
        ):
            return self.part(_PART_NAMES[node.name.lower()], node.expressions[0])
        if isinstance(node, exp.Anonymous) and node.name.lower() in ("date_part", "datepart"):
            what, subject = node.expressions
            if isinstance(what, exp.Literal) and what.is_string:
                return self.part(_PARTS.get(what.name.upper()), subject)
        if isinstance(node, exp.DateDiff):
            unit = node.args.get("unit")
            part = (unit.name if unit is not None else "day").lower().rstrip("s")
            a, b = self.value(node.expression), self.value(node.this)
            if part in ("year", "quarter", "month", "day", "hour", "minute", "second") and (
                a.kind in TIMES and b.kind in TIMES
            ):
                text = f"sql_date_diff({part!r}, {a.text}, {b.text})"
                return Code(text, "int", a.nullable or b.nullable)
        if isinstance(node, exp.TimestampTrunc | exp.DateTrunc):
            unit = node.args.get("unit")
            inner = self.value(node.this)
            numpy_unit = {"YEAR": "Y", "MONTH": "M", "DAY": "D", "HOUR": "h", "MINUTE": "m"}.get(
                unit.name.upper() if unit is not None else ""
            )
            if numpy_unit and inner.kind in TIMES:
                text = f'{inner.text}.astype("datetime64[{numpy_unit}]").astype("datetime64[ns]")'
                return Code(text, "ts", inner.nullable)
        raise CannotCompile(f"function {node.sql()}")

    def round(self, node: exp.Round) -> Code:
        inner = self.value(node.this)
        digits_node = node.args.get("decimals")
        digits = 0
        if digits_node is not None:
            digits_code = self.value(digits_node)
            if not (digits_code.const and digits_code.kind == "int"):
                raise CannotCompile("ROUND to digits that are not a whole-number literal")
            digits = digits_code.value
        if inner.kind == "int" and digits >= 0:
            return inner
        if inner.kind == "float":
            return Code(f"sql_round({inner.text}, {digits})", "float", inner.nullable)
        if inner.kind == "dec" and digits >= 0:
            if digits >= inner.scale:
                return inner
            return Code(
                f"sql_dround({inner.text}, {inner.scale - digits})", "dec", inner.nullable, digits
            )
        raise CannotCompile(f"ROUND of {inner.kind}")

    def part(self, part: str | None, subject: exp.Expression) -> Code:
        value = self.value(subject)
        if part is None:
            raise CannotCompile("EXTRACT of that part")
        if value.kind == "interval" and part == "epoch":
            return Code(f'({value.text} / np.timedelta64(1, "s"))', "float", value.nullable)
        if value.kind not in TIMES:
            raise CannotCompile(f"EXTRACT from {value.kind}")
        kind = "float" if part == "epoch" else "int"
        return Code(f"sql_part({value.text}, {part!r})", kind, value.nullable)
