"""A starting program built from the spec, for the LLM to complete.

Everything mechanical is written out here, correct by construction: the contract, one seeded
generator, the tables in dependency order, primary keys, foreign keys drawn from the parent
table, fixed value lists, booleans, bounded dates, strings from simple patterns
(``codegen.program.patterns``), and columns that checks of common shapes tie to others
(``codegen.program.rules``). What needs judgement is left blank, with the column's constraints
and rules in a comment: realistic value lists (``[...]``), default numbers to tune, and columns no
formula covers (``...``). Each blank is recorded as it is written (a ``Scaffold``, see
``codegen.program.starting``), so nothing reads them back from the text; ``codegen.program.blanks``
fills them. Small local models complete such a program far more reliably than they write one from
nothing; large models lose nothing by it.
"""

from __future__ import annotations

import ast
import keyword
import re
from dataclasses import replace
from typing import Any

from codegen.program.rules import Order, formula_for, multiple_of, null_when_for, order_for
from codegen.program.starting import Blank, BlankKind, Scaffold

_NOT_NAME = re.compile(r"\W+")
_RESERVED = {"id", "type", "len", "max", "min", "sum", "range", "list", "dict", "set", "str"}
_RESERVED |= {"int", "float", "rng", "np", "pd", "n", "rows", "seed", "format", "input", "round"}

# A line above a column's code, as (name, value, kind): ``kind`` says what the model is asked for
# (a ``[...]`` list or a default number), None for a line derived from such blanks.
Parameter = tuple[str, str, BlankKind | None]


def build_scaffold(spec: Any) -> Scaffold:
    """The starting program for ``spec`` (a ``codegen.spec.model.Spec``), with its blanks."""
    lines = [
        "import numpy as np",
        "import pandas as pd",
        "",
        "",
        "def generate(rows: dict[str, int], seed: int) -> dict[str, pd.DataFrame]:",
        "    rng = np.random.default_rng(seed)",
    ]
    used: set[str] = set()
    written: list[tuple[int, Blank]] = []  # each blank, with its index in ``lines``
    frames: dict[str, str] = {}  # table -> its DataFrame's variable; parents come first
    # Lookup tables: other tables refer to them (house types, departments).
    lookups = {target for table, _, target, _ in spec.references() if target != table}
    for table_name in spec.generation_order():
        table = spec.tables[table_name]
        frame = _identifier(table_name, used)
        count = f"n_{_NOT_NAME.sub('_', table_name).strip('_').lower() or 'rows'}"
        used.add(count)
        lines += [
            "",
            f"    # Table {table_name!r}" + (f": {table.description}" if table.description else ""),
        ]
        lines.append(f"    {count} = rows[{table_name!r}]")
        variables: dict[str, str] = {}
        targets = _rule_targets(table)
        lines += _pair_key(frames, table_name, table, frame, count, used, variables)
        # A dry pass with each column's own name for its variable: which columns a column's code
        # reads, and which the model writes (they come after the columns their checks read).
        names = {column: column for column in table.columns}
        dry = {
            column_name: _column_code(
                frames, table_name, table, column_name, column, count, names, lookups
            )
            for column_name, column in table.columns.items()
        }
        for column_name in _ordered_columns(table, {c: code for c, (code, _, _) in dry.items()}):
            if column_name in variables:
                continue  # written by _pair_key
            column = table.columns[column_name]
            variable = _variable(table_name, column_name, used)
            variables[column_name] = variable
            expression, note, params = _column_code(
                frames, table_name, table, column_name, column, count, variables, lookups
            )
            note += targets.get(column_name, "")
            kind = BlankKind.CODE if expression == "..." else None
            if kind is BlankKind.CODE:  # the model writes this one: the checks it must pass, here
                note += _check_notes(table, column_name)
            elif multiple_of(table, column_name) is None:  # a check no formula here knows
                alone = _check_notes(table, column_name, alone=True)
                note += alone
                kind = BlankKind.COLUMN if alone else None  # the model may rewrite the line
            comment = ""
            if note:
                lines.append(f"    # {column_name}: {note}")
                comment = f"# {column_name}: {note}".rstrip()  # as black leaves it
            # Its parameter lines, then its own line: each blank recorded where it is written.
            for name, value, ask in [*params, (variable, expression, kind)]:
                if ask is not None:
                    blank = Blank(name, ask, _shown(name, value), comment, table_name, column_name)
                    written.append((len(lines), blank))
                lines.append(f"    {name} = {value}")
        for rule in table.rules:
            check = getattr(rule, "check", None)
            if check:
                share = (
                    "every row" if rule.min_fraction >= 1 else f"{rule.min_fraction:.0%} of rows"
                )
                lines.append(f"    # On {share} this must hold: {check}")
        lines.append(f"    {frame} = pd.DataFrame(")
        lines.append("        {")
        for column_name in table.columns:
            lines.append(f"            {column_name!r}: {variables[column_name]},")
        lines.append("        }")
        lines.append("    )")
        frames[table_name] = frame
    lines.append(
        "    return {" + ", ".join(f"{name!r}: {frame}" for name, frame in frames.items()) + "}"
    )
    from codegen.program.format import format_program
    from codegen.program.patterns import helper_lines

    helper = helper_lines(lines, spec.description)  # pattern columns, drawn mechanically
    if helper:
        lines[3:3] = helper
        written = [(index + len(helper), blank) for index, blank in written]
    text = "\n".join(lines) + "\n"
    source = format_program(text)
    return Scaffold(source, _placed(text, source, written))


def _shown(name: str, expression: str) -> str:
    """A blank's line as the prompt shows it: one line, in ``ast.unparse``'s spelling."""
    return f"{name} = {ast.unparse(ast.parse(expression, mode='eval').body)}"


def _placed(text: str, source: str, written: list[tuple[int, Blank]]) -> tuple[Blank, ...]:
    """The blanks with the lines their statements take in ``source``, the formatted ``text``.

    black moves and wraps lines but keeps the statements of ``generate``, in order: the blank
    written as its n-th statement is its n-th statement after formatting."""
    order = {node.lineno: number for number, node in enumerate(_generate_body(text))}
    statements = _generate_body(source)
    placed = []
    for index, blank in written:
        node = statements[order[index + 1]]
        placed.append(replace(blank, lineno=node.lineno, end_lineno=node.end_lineno or node.lineno))
    return tuple(placed)


def _generate_body(program: str) -> list[ast.stmt]:
    tree = ast.parse(program)
    return next(
        n.body for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "generate"
    )


def _pair_key(
    frames: dict[str, str],
    table_name: str,
    table: Any,
    frame: str,
    count: str,
    used: set[str],
    variables: dict[str, str],
) -> list[str]:
    """A primary key of two foreign keys (employee_id, project_id): distinct pairs of existing
    keys, drawn without replacement, so no pair repeats."""
    key = table.primary_key
    if len(key) != 2:
        return []
    parents = []
    for column_name in key:
        reference = table.columns[column_name].references
        if not reference or "." not in reference or reference.split(".", 1)[0] == table_name:
            return []
        parent_table, parent_column = reference.split(".", 1)
        parents.append(f"{frames[parent_table]}[{parent_column!r}].to_numpy()")
    first, second = (_variable(table_name, name, used) for name in key)
    variables.update(dict(zip(key, (first, second), strict=True)))
    keys, picked = _identifier(f"{frame}_parent_keys", used), _identifier(f"{frame}_pairs", used)
    return [
        f"    # {key[0]}, {key[1]}: together the primary key, so distinct pairs of existing keys",
        f"    {keys} = ({parents[0]}, {parents[1]})",
        f"    {picked} = rng.choice(len({keys}[0]) * len({keys}[1]), size={count}, replace=False)",
        f"    {first} = {keys}[0][{picked} // len({keys}[1])]",
        f"    {second} = {keys}[1][{picked} % len({keys}[1])]",
    ]


def _identifier(name: str, used: set[str], prefix: str = "") -> str:
    base = _NOT_NAME.sub("_", name).strip("_").lower() or "column"
    if base[0].isdigit():
        base = f"c_{base}"
    candidate = base
    if candidate in used or candidate in _RESERVED or keyword.iskeyword(candidate):
        stem = _NOT_NAME.sub("_", prefix).strip("_").lower()
        candidate = f"{stem}_{base}" if stem else f"{base}_1"
    number = 2
    while candidate in used:
        candidate = f"{base}_{number}"
        number += 1
    used.add(candidate)
    return candidate


def _variable(table_name: str, column_name: str, used: set[str]) -> str:
    # A table's own "id" becomes "<table>_ids", which leaves "<table>_id" to the foreign keys
    # that usually carry that name in other tables.
    if column_name.lower() == "id":
        return _identifier(f"{table_name}_ids", used)
    return _identifier(column_name, used, prefix=table_name)


def _rule_targets(table: Any) -> dict[str, str]:
    """Column -> a note saying what it must follow (``increasing``/``decreasing`` rules)."""
    notes: dict[str, str] = {}
    for rule in table.rules:
        for kind, verb in (("increasing", "rise"), ("decreasing", "fall")):
            pair = getattr(rule, kind, None)
            if pair:
                source, target = pair
                notes[target] = notes.get(target, "") + f"; must {verb} as {source} rises"
    return notes


def _mentions(text: str, column_name: str) -> bool:
    return re.search(rf"\b{re.escape(column_name)}\b", text) is not None


def _check_rules_on(table: Any, column_name: str) -> list[Any]:
    """The table's SQL check rules that mention the column."""
    return [
        rule
        for rule in table.rules
        if getattr(rule, "check", None) and _mentions(rule.check, column_name)
    ]


def _check_notes(table: Any, column_name: str, alone: bool = False) -> str:
    """The checks on the column, as "; must hold on 95% of rows: ..." (``alone``: only those
    that read no other column)."""
    notes = []
    for rule in _check_rules_on(table, column_name):
        others = [c for c in table.columns if c != column_name and _mentions(rule.check, c)]
        if alone and others:
            continue
        share = "" if rule.min_fraction >= 1 else f" on {rule.min_fraction:.0%} of rows"
        notes.append(f"; must hold{share}: {rule.check}")
    return "".join(notes)


def _ordered_columns(table: Any, code: dict[str, str]) -> list[str]:
    """Spec order, except that a column comes after the columns its code reads, and a column the
    model writes (``...``) after the columns its checks read (``shipped_at`` after ``status``)."""
    sources: dict[str, set[str]] = {name: set() for name in table.columns}
    for name, expression in code.items():
        read = [rule.check for rule in _check_rules_on(table, name)] if expression == "..." else []
        text = "\n".join(read) or expression
        sources[name] |= {
            other for other in table.columns if other != name and _mentions(text, other)
        }
    ordered: list[str] = []
    remaining = list(table.columns)
    while remaining:
        ready = [c for c in remaining if not sources[c] & (set(remaining) - {c})]
        chosen = ready[0] if ready else remaining[0]  # a cycle: keep spec order
        ordered.append(chosen)
        remaining.remove(chosen)
    return ordered


def _bounds(column: Any) -> str:
    low, high = column.min, column.max
    if low is not None and high is not None:
        return f"from {low} to {high}"
    if low is not None:
        return f"at least {low}"
    if high is not None:
        return f"at most {high}"
    return ""


def _column_code(
    frames: dict[str, str],
    table_name: str,
    table: Any,
    name: str,
    column: Any,
    count: str,
    variables: dict[str, str],
    lookups: set[str] | frozenset[str] = frozenset(),
) -> tuple[str, str, list[Parameter]]:
    """(expression, comment, parameters) for one column: code when it is mechanical, ``...``
    otherwise; the parameters are the lines above it, the model's numbers and value lists."""
    kind = column.type
    facts = [kind]
    if column.unique and not column.primary_key and kind == "string" and not column.pattern:
        facts.append(f"unique: list {table.rows} or more distinct values (else a number is added)")
    elif column.unique and not column.primary_key:
        facts.append("unique")
    bounds = _bounds(column)
    if bounds:
        facts.append(bounds)
    if column.pattern:
        facts.append(f"must match the regular expression {column.pattern} in full")
    if column.nullable:
        facts.append("may be null: leave some values missing")
    if column.description:
        facts.append(column.description)
    note = "; ".join(facts)
    key = table.primary_key
    if column.primary_key and len(key) == 1 and kind == "integer":
        return f"np.arange(1, {count} + 1)", "primary key", []
    if column.references and "." in column.references:
        parent_table, parent_column = column.references.split(".", 1)
        if parent_table != table_name:
            parent = frames[parent_table]
            return (
                f"rng.choice({parent}[{parent_column!r}].to_numpy(), size={count})",
                f"foreign key to {column.references}",
                [],
            )
        own_key = variables.get(parent_column)
        if own_key is not None and kind == "integer" and parent_column in table.primary_key:
            # A tree (manager_id -> id): each row points at an earlier row; the first has none.
            earlier = f"rng.integers(1, np.maximum({own_key}, 2))"
            if column.nullable:
                expression = f"pd.Series({earlier}).mask({own_key} == {own_key}.min())"
            else:
                expression = earlier
            return expression, f"{note}; points at an earlier row's {parent_column}", []
        return "...", f"{note}; refers to another row's {parent_column} in this table", []
    if column.values:
        values = list(column.values)
        # A unique column, or a lookup table (others refer to it) with a row per value: each
        # value once before any repeats (house types: Apartment, Detached, ... not two Bungalows).
        lookup = table_name in lookups and table.rows <= len(values)
        if column.unique or column.primary_key or lookup:
            expression = f"np.array({values!r})[np.arange({count}) % {len(values)}]"
        else:
            expression = f"rng.choice({values!r}, size={count})"
        return _with_nulls(table, name, column, expression, count, variables), "fixed values", []
    if kind == "boolean":
        expression = _with_nulls(
            table, name, column, f"rng.random({count}) < 0.5", count, variables
        )
        return expression, "boolean", []
    formula = formula_for(table, name)
    if formula is not None and all(read in variables for read in formula[1]):
        expression = formula[0]
        for read in formula[1]:
            expression = re.sub(rf"\b{re.escape(read)}\b", variables[read], expression)
        note += f"; = {formula[0]}, as its check says"
        return _with_nulls(table, name, column, expression, count, variables), note, []
    order = order_for(table, name) if _rule_source(table, name) is None else None
    if order is not None and order.other in variables:
        expression, params = _ordered_expression(column, variables[name], variables[order.other],
                                                 order, count)  # fmt: skip
        relation = "on or after" if order.after else "on or before"
        if order.strict:
            relation = "after" if order.after else "before"
        note += f"; {relation} {order.other}, by a gap of days_low to days_high"
        if kind not in ("date", "datetime"):
            note = note.replace("days_low to days_high", "gap_low to gap_high")
        return _with_nulls(table, name, column, expression, count, variables), note, params
    if kind in ("date", "datetime") and (column.min is not None or column.max is not None):
        # With one bound only, a ten-year span from it (the model may change it).
        decade = "pd.DateOffset(years=10)"
        start = f"pd.Timestamp({str(column.min)!r})" if column.min is not None else None
        end = f"pd.Timestamp({str(column.max)!r})" if column.max is not None else None
        start, end = start or f"({end} - {decade})", end or f"({start} + {decade})"
        # Whole seconds, as real timestamps are (not 19:38:34.892050487).
        low, high = f"{start}.value // 10**9", f"{end}.value // 10**9"
        draw = f"rng.integers({low}, {high}, size={count}, endpoint=True)"
        expression = f"pd.to_datetime({draw}, unit='s')"
        if kind == "date":
            expression = f"{expression}.normalize()"
        return _with_nulls(table, name, column, expression, count, variables), note, []
    expression, params = _blank_expression(table, name, column, count, variables, table_name)
    return _with_nulls(table, name, column, expression, count, variables), note, params


def _with_nulls(
    table: Any, name: str, column: Any, expression: str, count: str, variables: dict[str, str]
) -> str:
    """A nullable column's expression with its nulls: on the rows a check names
    (``(status = 'placed') = (shipped_at IS NULL)``), else on about one row in ten."""
    if not column.nullable or expression == "...":  # a blank's comment says it may be null
        return expression
    when = null_when_for(table, name)
    if when is not None and when.other in variables:
        condition = f"{variables[when.other]} {'==' if when.equal else '!='} {when.value!r}"
    else:
        condition = f"rng.random({count}) < 0.1"
    if column.type == "boolean":  # a nullable boolean keeps True/False beside its nulls
        return f'pd.Series({expression}, dtype="boolean").mask({condition})'
    series = expression if expression.startswith("pd.Series(") else f"pd.Series({expression})"
    if column.type == "integer":  # whole numbers beside the nulls, not floats (2005.0)
        return f'{series}.mask({condition}).round().astype("Int64")'
    return f"{series}.mask({condition})"


def _ordered_expression(
    column: Any, variable: str, source: str, order: Order, count: str
) -> tuple[str, list[Parameter]]:
    """``column`` from ``source`` plus or minus a gap, so that a check such as
    ``shipped_at >= placed_at`` holds on every row; the gap's bounds are the model's to tune."""
    sign = "+" if order.after else "-"
    first = 1 if order.strict else 0
    if column.type in ("date", "datetime"):
        low, high = f"{variable}_days_low", f"{variable}_days_high"
        params: list[Parameter] = [
            (low, str(first), BlankKind.NUMBER),
            (high, "30", BlankKind.NUMBER),
        ]
        if column.type == "date":
            gap = f"rng.integers({low}, {high} + 1, size={count})"
        else:
            gap = f"rng.uniform({low}, {high}, size={count})"
        expression = f"pd.Series(pd.to_datetime({source}) {sign} pd.to_timedelta({gap}, unit='D'))"
        expression += ".dt.normalize()" if column.type == "date" else '.dt.floor("s")'
        if column.min is not None or column.max is not None:
            lower = f"pd.Timestamp({str(column.min)!r})" if column.min is not None else "None"
            upper = f"pd.Timestamp({str(column.max)!r})" if column.max is not None else "None"
            expression += f".clip(lower={lower}, upper={upper})"
        return expression, params
    typical_low, typical_high = _typical_range(column)
    low, high = f"{variable}_gap_low", f"{variable}_gap_high"
    widest = max(first + 1, (typical_high - typical_low) / 4)
    params = [
        (low, str(first), BlankKind.NUMBER),
        (high, _number(int(widest) if column.type == "integer" else widest), BlankKind.NUMBER),
    ]
    if column.type == "integer":
        gap = f"rng.integers({low}, {high} + 1, size={count})"
    else:
        gap = f"rng.uniform({low}, {high}, size={count})"
    lower = "None" if column.min is None else repr(column.min)
    upper = "None" if column.max is None else repr(column.max)
    return f"np.clip({source} {sign} {gap}, {lower}, {upper})", params


def _rule_source(table: Any, name: str) -> tuple[str, str] | None:
    """(source column, "increasing"/"decreasing") when a rule makes ``name`` follow a column."""
    for rule in table.rules:
        for kind in ("increasing", "decreasing"):
            pair = getattr(rule, kind, None)
            if pair and pair[1] == name:
                return pair[0], kind
    return None


def _blank_expression(
    table: Any,
    name: str,
    column: Any,
    count: str,
    variables: dict[str, str],
    table_name: str = "",
) -> tuple[str, list[Parameter]]:
    """The column's code, and the parameters (name, ``...``, kind) it uses that the model chooses.

    Judgement is confined to parameter lines (``house_size_m2_base, ... = ..., ...``) above a
    formula that is written out: small models fill such blanks far more reliably than they write
    the formula, and the formula keeps keys, bounds and rules right."""
    kind = column.type
    variable = variables[name]
    low = "None" if column.min is None else repr(column.min)
    high = "None" if column.max is None else repr(column.max)
    source = _rule_source(table, name)
    params: list[Parameter] = []
    if column.pattern and kind == "string":
        from codegen.program.patterns import pattern_call

        unique = bool(column.unique or column.primary_key)
        context = f"{table_name} {table.description or ''}"  # whose name a `name` column is
        expression = pattern_call(
            "rng", count, column.pattern, unique,
            name=name, description=column.description or "", context=context,
        ) or "..."  # fmt: skip
    elif source is not None and kind in ("integer", "float"):
        origin = variables.get(source[0], _NOT_NAME.sub("_", source[0]).strip("_").lower())
        increasing = source[1] == "increasing"
        if _proportional(table.columns[source[0]], column, increasing):
            expression, params = _proportional_expression(
                table.columns[source[0]], column, variable, origin, count
            )
            if kind == "integer":
                expression = f"np.round({expression}).astype(int)"
            return expression, params
        defaults = _trend_defaults(table.columns[source[0]], column, increasing)
        params = [
            (f"{variable}_{part}", _number(value), BlankKind.NUMBER)
            for part, value in zip(("base", "slope", "noise"), defaults, strict=True)
        ]
        base, slope, noise = (p for p, _, _ in params)
        sign = "+" if increasing else "-"
        expression = (
            f"np.clip({base} {sign} {slope} * {origin} + rng.normal(0, {noise}, size={count}), "
            f"{low}, {high})"
        )
        if kind == "integer":
            expression = f"np.round({expression}).astype(int)"
    elif kind == "integer":
        typical_low, typical_high = _typical_range(column)
        if column.min is None:
            params.append((f"{variable}_low", _number(int(typical_low)), BlankKind.NUMBER))
        if column.max is None:
            params.append((f"{variable}_high", _number(int(typical_high)), BlankKind.NUMBER))
        first = repr(column.min) if column.min is not None else f"{variable}_low"
        last = f"{column.max!r} + 1" if column.max is not None else f"{variable}_high + 1"
        expression = f"rng.integers({first}, {last}, size={count})"
    elif kind == "float":
        typical_low, typical_high = _typical_range(column)
        params = [
            (f"{variable}_mean", _number((typical_low + typical_high) / 2), BlankKind.NUMBER),
            (f"{variable}_sd", _number((typical_high - typical_low) / 6), BlankKind.NUMBER),
        ]
        expression = (
            f"np.clip(rng.normal({variable}_mean, {variable}_sd, size={count}), {low}, {high})"
        )
    elif kind == "string":
        params = [(f"{variable}_values", "[...]", BlankKind.VALUES)]
        expression = f"rng.choice({variable}_values, size={count})"
        if column.unique or column.primary_key:
            # Distinct values as given when there are enough; else numbered ("Lyon 7").
            pool = f"{variable}_pool"
            params.append((pool, f"pd.unique(np.array({variable}_values, dtype=str))", None))
            numbers = f"np.arange(1, {count} + 1).astype(str)"
            numbered = f"np.char.add({expression}, np.char.add(' ', {numbers}))"
            enough = f"len({pool}) >= {count}"
            expression = f"rng.permutation({pool})[:{count}] if {enough} else {numbered}"
    elif kind == "boolean":
        params = [(f"{variable}_share_true", "0.5", BlankKind.NUMBER)]
        expression = f"rng.random({count}) < {variable}_share_true"
    else:
        expression = "..."
    step = multiple_of(table, name)
    if step is not None:  # `minutes % 5 = 0`: round to the step, within the bounds
        lowest = "None" if column.min is None else str(-(-int(column.min) // step) * step)
        highest = "None" if column.max is None else str(int(column.max) // step * step)
        expression = f"np.clip(np.round({expression} / {step}) * {step}, {lowest}, {highest})"
        expression = f"{expression}.astype(int)"
    return expression, params


def _typical_range(column: Any) -> tuple[float, float]:
    """A range of values for a numeric column: its bounds, or a guess from the one it has."""
    low, high = column.min, column.max
    if low is not None and high is not None:
        return float(low), float(high)
    if low is not None:
        return float(low), float(low) * 10 if low > 0 else float(low) + 100
    if high is not None:
        return (float(high) / 10 if high > 0 else float(high) - 100), float(high)
    return 0.0, 100.0


def _proportional(source: Any, target: Any, increasing: bool) -> bool:
    """A target with a lower bound only that rises with a positive source (a price with no cap
    from a size): made proportional to it, which keeps ratio checks such as a price per m2 within
    a band."""
    x_low, _ = _typical_range(source)
    y_low, _ = _typical_range(target)
    return increasing and target.max is None and x_low > 0 and y_low > 0


def _proportional_expression(
    source: Any, target: Any, variable: str, origin: str, count: str
) -> tuple[str, list[Parameter]]:
    """``target = slope * source * noise``: a rate per unit (a price per m2) with a spread of
    ``noise`` (a relative one, 0.2 = about 20%), the spread capped at half and double so the rate
    stays within a band."""
    x_low, _ = _typical_range(source)
    y_low, _ = _typical_range(target)
    slope, noise = f"{variable}_slope", f"{variable}_noise"
    spread = f"np.clip(rng.lognormal(0, {noise}, size={count}), 0.5, 2.0)"
    expression = f"np.clip({slope} * {origin} * {spread}, {target.min!r}, None)"
    return expression, [
        (slope, _number(1.5 * y_low / x_low), BlankKind.NUMBER),
        (noise, "0.2", BlankKind.NUMBER),
    ]


def _trend_defaults(source: Any, target: Any, increasing: bool) -> tuple[float, float, float]:
    """Default (base, slope, noise) for ``target = base +/- slope * source + noise``: numbers that
    keep the target inside its bounds and the rank correlation strong, for the model to tune."""
    x_low, x_high = _typical_range(source)
    y_low, y_high = _typical_range(target)
    span = y_high - y_low
    slope = 0.8 * span / ((x_high - x_low) or 1.0)
    base = y_low + 0.1 * span - slope * x_low if increasing else y_high - 0.1 * span + slope * x_low
    return base, slope, 0.05 * span


def _number(value: float) -> str:
    """A default number, rounded to 3 significant digits so it reads like a choice."""
    if value == 0:
        return "0"
    return repr(float(f"{value:.3g}")) if not float(value).is_integer() else repr(int(value))
