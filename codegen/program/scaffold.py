"""A starting program built from the spec, for the LLM to complete.

Everything mechanical is written out here, correct by construction: the contract, one seeded
generator, the tables in dependency order, primary keys, foreign keys drawn from the parent
table, fixed value lists, booleans, bounded dates, strings from simple patterns
(``codegen.program.patterns``), and columns that checks of common shapes tie to others
(``codegen.program.rules``); realistic shapes where the spec's words call for them: a few
parents with many children, the hours and weekdays of people's activity
(``codegen.program.shapes``). What needs judgement is left blank, with the column's constraints
and rules in a comment: realistic value lists (``[...]``), default numbers to tune, and columns no
formula covers (``...``). Each blank is recorded as it is written (a ``Scaffold``, see
``codegen.program.starting``), so nothing reads them back from the text; ``codegen.program.blanks``
fills them. Small local models complete such a program far more reliably than they write one from
nothing; large models lose nothing by it.
"""

from __future__ import annotations

import ast
import functools
import keyword
import math
import re
import zlib
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import sqlglot
from sqlglot import exp

from codegen.program.enforce import Enforced, enforce_lines, is_random, reads_of
from codegen.program.rules import Bound, Grid, TablePlan, midnight, plan_table
from codegen.program.shaperuntime import source_for as shape_source
from codegen.program.shapes import (
    DAILY_SWING,
    FEWER_LATER,
    LATITUDE_WORDS,
    LONGITUDE_WORDS,
    OCCUPIED_RISE,
    TIMETABLE_MINUTES,
    Shapes,
    calendar_days,
    daily_swing,
    foreign_key,
    hierarchy,
    is_own_name,
    is_short_stay,
    named_for_place,
    near_end,
    occupied_rhythm,
    on_timetable,
    one_per_group,
    parent_time,
    people_and_group,
    ranked_by_tier,
    reading_decimals,
    real_places,
    repeat_number,
    rhythm_of,
    season_of,
    series,
    shared_capacity,
    steadiness,
    tier_ranks,
    timed_draw,
    towns_country,
    trip_leg,
)
from codegen.program.sqlcode import (
    CannotCompile,
    Code,
    ColumnRef,
    compile_condition,
    compile_value,
    helpers_used,
    interval_parts,
    strip_parens,
)
from codegen.program.sqlruntime import source_of
from codegen.program.starting import Blank, BlankKind, Scaffold

_NOT_NAME = re.compile(r"\W+")
_RESERVED = {"id", "type", "len", "max", "min", "sum", "range", "list", "dict", "set", "str"}
_RESERVED |= {"int", "float", "rng", "np", "pd", "n", "rows", "seed", "format", "input", "round"}

# A line above a column's code, as (name, value, kind): ``kind`` says what the model is asked for
# (a ``[...]`` list or a default number), None for a line derived from such blanks.
Parameter = tuple[str, str, BlankKind | None]


def build_scaffold(spec: Any) -> Scaffold:
    """The starting program for ``spec`` (a ``codegen.spec.model.Spec``), with its blanks.

    Building one takes up to a second or two (checks are planned with DuckDB and grids tried on
    samples), and a generation needs it for the prompt and for the candidates: the same spec
    gives the same (frozen) starting program, so it is built once per process."""
    return _built(spec.model_dump_json())


@functools.lru_cache(maxsize=64)
def _built(spec_json: str) -> Scaffold:
    from codegen.spec.model import Spec

    return _build(Spec.model_validate_json(spec_json))


def _build(spec: Any) -> Scaffold:
    lines = [
        "import numpy as np",
        "import pandas as pd",
        "",
        "",
        "",
        "# The dataset is made in parts of at most PART_ROWS rows of a table (see generate).",
        f"PART_ROWS = {PART_ROWS:_}",
        "# Each table's parents (the tables it refers to), in the order the tables are made.",
        f"PARENTS = {_parents(spec)!r}",
        "",
        "",
        "def generate(",
        "    rows: dict[str, int], seed: int, part: tuple[int, int] | None = None",
        ") -> dict[str, pd.DataFrame]:",
        '    """The tables at ``rows`` rows each. ``part`` = (k, n): only part k of n',
        "    (each table's rows from first_<table> on, its keys and unique values distinct over",
        "    all parts); None: every part in turn, joined. slot_<table>: None for a table made",
        "    whole in each part.",
        '    """',
        "    if part is None:",
        "        return shape_whole(generate, rows, seed, PART_ROWS)",
        "    # Small tables that every part refers to are made whole, alike, in each part.",
        "    whole = shape_whole_tables(rows, part[1], PARENTS)",
    ]
    used: set[str] = set()
    written: list[tuple[int, Blank]] = []  # each blank, with its index in ``lines``
    frames: dict[str, str] = {}  # table -> its DataFrame's variable; parents come first
    # Lookup tables: other tables refer to them (house types, departments).
    lookups = {target for table, _, target, _ in spec.references() if target != table}
    shapes = Shapes.of(spec)  # how keys fan out and when people act (codegen.program.shapes)
    for index, table_name in enumerate(spec.generation_order()):
        table = spec.tables[table_name]
        frame = _identifier(table_name, used)
        count = f"n_{_NOT_NAME.sub('_', table_name).strip('_').lower() or 'rows'}"
        used.update({count, _first(count), _slot(count)})
        lines += [
            "",
            f"    # Table {table_name!r}" + (f": {table.description}" if table.description else ""),
        ]
        lines.append(
            f"    rng, {_first(count)}, {count}, {_slot(count)} = shape_table("
            f"seed, {index}, rows, {table_name!r}, part, whole, PARENTS)"
        )
        plan = plan_table(table, table_name)
        variables: dict[str, str] = {}
        targets = _rule_targets(table)
        lines += _pair_key(
            frames, table_name, table, frame, count, used, variables, plan, _popular(spec, table)
        )
        paired = set(variables)
        for column_name in table.columns:  # every column's variable, in the spec's order
            if column_name not in variables:
                variables[column_name] = _variable(table_name, column_name, used)
        columns = {name: plan.column(table, name) for name in table.columns}
        related = _related(spec, table_name, frames, variables, plan, count)

        code_of = partial(
            _code_of, frames, table_name, table, columns, count, lookups, plan, shapes, related
        )

        # A dry pass with every column drawn: which columns a column's code reads, and which the
        # model writes (they come after the columns their checks read).
        dry = {name: code_of(name, variables)[0] for name in table.columns}
        order = _ordered_columns(table, dry, variables, plan)
        plan.settle(order)  # nothing may read a column drawn after it
        dry = {name: code_of(name, variables)[0] for name in table.columns}
        for name in paired:
            dry[name] = "0"  # drawn by _pair_key, a key: never drawn again
        enforced = _enforced(table, plan, dry, order, variables, count)
        to_model = set(plan.left()) - {index for index, _ in enforced}
        unshaped = set(range(len(plan.checks))) - plan.shaped
        drawn = {name: variables[name] for name in paired}
        for column_name in order:
            if column_name in paired:
                continue  # written by _pair_key
            variable = variables[column_name]
            drawn[column_name] = variable
            expression, note, params = code_of(column_name, drawn)
            note += targets.get(column_name, "")
            kind = BlankKind.CODE if expression == "..." else None
            if kind is BlankKind.CODE:  # the model writes this one: the checks it must pass, here
                note += _check_notes(plan, column_name, to_model)
            else:  # a check on this column alone that no line here is made to meet
                alone = _check_notes(plan, column_name, unshaped, alone=True)
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
            dry[column_name] = expression
        for rule in table.rules:
            check = getattr(rule, "check", None)
            if check:
                share = (
                    "every row" if rule.min_fraction >= 1 else f"{rule.min_fraction:.0%} of rows"
                )
                lines.append(f"    # On {share} this must hold: {check}")
        prefix = _identifier(f"{frame}_check", used)
        lines += enforce_lines([e for _, e in enforced], order, dry, variables, count, prefix)
        lines.append(f"    {frame} = pd.DataFrame(")
        lines.append("        {")
        for column_name in table.columns:
            lines.append(f"            {column_name!r}: {variables[column_name]},")
        lines.append("        }")
        lines.append("    )")
        mail = _email_from_names(table, table_name, plan) if shapes is not None else None
        if mail is not None:
            email, names = mail
            pattern = table.columns[email].pattern
            call = f"{frame} = shape_emails({frame}, {email!r}, {list(names)!r}, {pattern!r})"
            lines.append(f"    # {email} from each row's own name, at the domain drawn")
            if table.columns[email].unique or table.columns[email].primary_key:
                # Made in slices, one part's lotte.peeters@ could be another's: the addresses
                # drawn stay, distinct over all parts.
                lines.append(f"    if {_slot(count)} is None:")
                lines.append(f"        {call}")
            else:
                lines.append(f"    {call}")
        if shapes is not None:
            lines += _real_places_lines(
                table_name, table, frame, count, variables, plan, lines, shapes.context
            )
        tree = hierarchy(table_name, table) if shapes is not None else None
        if tree is not None:
            key, parent, rank = tree
            lines.append(
                f"    # An organisation: the higher the {rank}, the earlier the row; each row's"
                f" {parent} is a row one {rank} up"
            )
            lines.append(
                f"    {frame} = shape_hierarchy(rng, {frame}, {key!r}, {parent!r}, {rank!r})"
            )
        frames[table_name] = frame
    tables = "{" + ", ".join(f"{name!r}: {frame}" for name, frame in frames.items()) + "}"
    dates = {
        name: [c for c, column in spec.tables[name].columns.items() if column.type == "date"]
        for name in frames
    }
    dates = {name: columns for name, columns in dates.items() if columns}
    lines.append(
        f"    return shape_sliced({tables}, rows, part, whole"
        + (f", dates={dates!r})" if dates else ")")
    )
    from codegen.program.format import format_program
    from codegen.program.patterns import helper_lines

    helper = helper_lines(lines, spec.description)  # pattern columns, drawn mechanically
    if helper:
        lines[3:3] = helper
        written = [(index + len(helper), blank) for index, blank in written]
    needed = helpers_used("\n".join(lines))
    # Checks evaluated as DuckDB would, and realistic shapes: the functions the program calls.
    runtime = [source_of(needed) if needed else "", shape_source("\n".join(lines))]
    for source_text in filter(None, runtime):
        helper = source_text.splitlines() + ["", ""]
        lines[3:3] = helper
        written = [(index + len(helper), blank) for index, blank in written]
    text = "\n".join(lines) + "\n"
    source = format_program(text)
    return Scaffold(source, _placed(text, source, written))


TIER_DRAWS = 8  # draws of an amount for a table with a row per tier: one with no two alike
MINUTES_A_DAY = 1440  # a datetime's typical gap after another is kept in minutes
PART_ROWS = 250_000  # rows of a table in one part: a few hundred MB of memory at most


def _parents(spec: Any) -> dict[str, list[str]]:
    """Each table's referenced tables (not itself), in the order the tables are made."""
    parents: dict[str, list[str]] = {name: [] for name in spec.generation_order()}
    for table, _, target, _ in spec.references():
        if target != table and target not in parents[table]:
            parents[table].append(target)
    return parents


def _stream(key: str) -> str:
    """Code of a random stream of the program's own for ``key`` (a table, or a table and a
    column), alike in every part: what must not differ from one part to the next."""
    return f"np.random.default_rng([seed, {zlib.crc32(key.encode())}])"


def _first(count: str) -> str:
    """The variable of a table's rows before this part, from that of its row count."""
    return f"first_{count[2:]}"


def _slot(count: str) -> str:
    """The variable of a table's part (k, n, all rows), None when the table is made whole."""
    return f"slot_{count[2:]}"


def _code_of(
    frames: dict[str, str],
    table_name: str,
    table: Any,
    columns: dict[str, Any],
    count: str,
    lookups: set[str],
    plan: TablePlan,
    shapes: Shapes,
    related: dict[str, Related],
    name: str,
    drawn: dict[str, str],
) -> tuple[str, str, list[Parameter]]:
    """``_column_code`` for a column of a table, with the columns drawn so far; an amount that
    rises with a tier (a plan's fee with its code) given out in the tiers' order."""
    expression, note, params = _column_code(
        frames, table_name, table, name, columns[name], count, drawn, lookups, plan, shapes,
        related.get(name, Related()),
    )  # fmt: skip
    checked = {
        c for _, parsed in plan.checks if len(set(parsed.columns)) > 1 for c in parsed.columns
    }
    tiers = ranked_by_tier(table, name, table.columns[name], checked) if shapes else None
    if tiers is not None and tiers in drawn and expression != "..." and is_random(expression):
        ranks = tier_ranks(table.columns[tiers].values)
        if table.columns[tiers].unique or table.columns[tiers].primary_key:
            # a row per tier (plans): a few draws, the first that puts no two tiers at one price
            expression = f"[{expression} for _ in range({TIER_DRAWS})]"
        column = columns[name]
        kept = ""
        if column.typical is not None and not (
            table.columns[tiers].unique or table.columns[tiers].primary_key
        ):
            # the typical value is that of the tier most rows have (an adult's ticket)
            low, high = (None if b is None else float(b) for b in (column.min, column.max))
            kept = f", typical={_number(column.typical)}, bounds=({low}, {high})"
        expression = f"shape_by_rank(rng, {expression}, {drawn[tiers]}, {ranks!r}{kept})"
        note += f"; higher for a higher {tiers}"
    return expression, note, params


@dataclass(frozen=True)
class Related:
    """Code for each row's values elsewhere that shape a column: its ``category`` (the column's
    typical value depends on it: ``typical_by``), its entity's ``level`` in a series (the
    employee's salary for each payslip's gross), the time it comes ``since`` (its parent's: the
    ticket a message is on was opened), the value of the same reference its parent row has
    (``inherit``: the agent on the message's ticket), the number of its parent row it follows
    (``parent``: the seats of the flight's aircraft, for ``of_parent``)."""

    category: str | None = None
    level: str | None = None
    since: str | None = None
    inherit: str | None = None
    parent: str | None = None
    leg: str | None = None
    near: str | None = None  # where a trip ends: near where it starts
    town: str | None = None  # the names of the dataset's own table of real places
    followed: str | None = None  # the parent row's number a ``follows`` names (a candidate's
    # years of experience, for an application's expected salary)
    own: bool = False  # each row is its category (a plan's name): its value is the category's
    per: str | None = None  # the units of the parent's price a row holds (``of_parent`` each)


def _related(
    spec: Any,
    table_name: str,
    frames: dict[str, str],
    variables: dict[str, str],
    plan: TablePlan,
    count: str,
) -> dict[str, Related]:
    categories = _categories(spec, table_name, frames, variables, plan)
    levels = _series_levels(spec, table_name, frames, variables)
    since = _parent_times(spec, table_name, frames, variables)
    inherit = _inherited(spec, table_name, frames, variables)
    parents = _parent_values(spec, table_name, frames, variables)
    followed = _parent_values(spec, table_name, frames, variables, "follows")
    legs = _legs(spec, table_name, frames, variables)
    near = _near_ends(spec, table_name, frames, variables)
    towns = _own_towns(spec, table_name, frames)
    units = _units(spec, table_name, variables, plan, count)
    return {
        name: Related(
            categories.get(name),
            levels.get(name),
            since.get(name),
            inherit.get(name),
            parents.get(name),
            legs.get(name),
            near.get(name),
            towns.get(name),
            followed.get(name),
            _own_category(spec, table_name, name),
            units.get(name),
        )
        for name in spec.tables[table_name].columns
    }


def _units(
    spec: Any, table_name: str, variables: dict[str, str], plan: TablePlan, count: str
) -> dict[str, str]:
    """Column -> code for how many units of its parent's price each row holds (``of_parent``
    each: its ``per``, SQL over the row, compiled as a check's value is)."""
    from codegen.spec.checks import parse_check

    table = spec.tables[table_name]
    codes = {}
    for name, column in table.columns.items():
        follows = column.of_parent
        if follows is None or follows.per is None:
            continue
        parsed = parse_check(follows.per, table)
        if parsed.tree is None or not set(parsed.columns) <= set(variables):
            continue
        try:
            code = compile_value(parsed.tree, _refs(table, plan, variables), count)
        except CannotCompile:
            continue  # drawn as the column's own, its relation given up
        codes[name] = code.text
    return codes


def _own_category(spec: Any, table_name: str, name: str) -> bool:
    """Whether each row of a column's table is its category: the category is a unique column
    of the table itself (a coworking's plans, one a name). Not a key to another table's row,
    unique or not: a bill's reservation (one bill each) has a status many share, and the bills
    of completed meals had all cost the same; a booking's plan is many bookings' plan."""
    from codegen.spec.model import category_of

    column = spec.tables[table_name].columns[name]
    if not column.typical_by:
        return False
    (by,) = column.typical_by
    found = category_of(spec, table_name, by)
    if found is None:
        return False
    parent, listed, _ = found
    return parent == table_name and bool(spec.tables[parent].columns[listed].unique)


def _legs(
    spec: Any, table_name: str, frames: dict[str, str], variables: dict[str, str]
) -> dict[str, str]:
    """Column -> the arguments of ``shape_leg`` after the drawn values, for a trip's duration
    or distance that follows the distance between its two places (``shapes.trip_leg``)."""
    codes = {}
    for name in spec.tables[table_name].columns:
        leg = trip_leg(spec, table_name, name)
        if leg is None or leg.parent not in frames or not {leg.start, leg.end} <= set(variables):
            continue
        codes[name] = (
            f"{frames[leg.parent]}, {leg.key!r}, {leg.latitude!r}, {leg.longitude!r}, "
            f"{variables[leg.start]}, {variables[leg.end]}, {_number(leg.base)}, "
            f"{_number(round(leg.per_km, 4))}"
        )
    return codes


def _own_towns(spec: Any, table_name: str, frames: dict[str, str]) -> dict[str, str]:
    """Column -> code of the names of the dataset's table of real places (``shapes.real_places``:
    its towns), for a city column of another table with nothing else to say of it (no list, no
    pattern, no reference): a bus depot is in one of the company's towns."""
    from codegen.program.pattern_meaning import providers_for

    places = {
        other: found.name
        for other, table in spec.tables.items()
        if other != table_name
        and other in frames
        and (found := real_places(other, table, spec.description or "", set())) is not None
    }
    if len(places) != 1:
        return {}
    ((other, name),) = places.items()
    codes = {}
    for column_name, column in spec.tables[table_name].columns.items():
        free = not (column.values or column.pattern or column.references or column.primary_key)
        if column.type == "string" and free and providers_for(column_name) == ["city"]:
            codes[column_name] = f"{frames[other]}[{name!r}].to_numpy()"
    return codes


def _near_ends(
    spec: Any, table_name: str, frames: dict[str, str], variables: dict[str, str]
) -> dict[str, str]:
    """Column -> the arguments of ``shape_near`` after the drawn keys, for where a trip by land
    or sea ends (``shapes.near_end``)."""
    codes = {}
    for name in spec.tables[table_name].columns:
        found = near_end(spec, table_name, name)
        if found is None:
            continue
        trips, km = found
        if trips.parent not in frames or trips.start not in variables:
            continue
        codes[name] = (
            f"{frames[trips.parent]}, {trips.key!r}, {trips.latitude!r}, {trips.longitude!r}, "
            f"{variables[trips.start]}, {_number(km)}"
        )
    return codes


def _parent_values(
    spec: Any,
    table_name: str,
    frames: dict[str, str],
    variables: dict[str, str],
    field: str = "of_parent",
) -> dict[str, str]:
    """Column -> code for its parent row's number it follows (``of_parent``, or ``follows``)."""
    from codegen.spec.model import parent_column

    codes = {}
    for name in spec.tables[table_name].columns:
        found = parent_column(spec, table_name, name, field)
        if found is None:
            continue
        via, parent, key, other = found
        if parent in frames and via in variables:
            codes[name] = _looked_up(frames[parent], other, key, variables[via])
    return codes


def _inherited(
    spec: Any, table_name: str, frames: dict[str, str], variables: dict[str, str]
) -> dict[str, str]:
    """Column -> code for each row's parent's value of the same reference: a loan's branch is
    mostly its member's home branch, a message's agent its ticket's agent."""
    table = spec.tables[table_name]
    references = {
        name: column.references.split(".", 1)
        for name, column in table.columns.items()
        if column.references and "." in column.references
    }
    codes = {}
    for name, column in table.columns.items():
        if column.unique or column.primary_key:
            continue
        target = references[name][0] if name in references else None
        if target == table_name:
            continue
        for via, (parent, key) in references.items():
            if parent in (table_name, target) or parent not in frames or via not in variables:
                continue
            same = [
                other
                for other, candidate in spec.tables[parent].columns.items()
                if _same_thing(name, column, other, candidate)
            ]
            if same:
                codes[name] = _looked_up(frames[parent], same[0], key, variables[via])
                break
    return codes


def _same_thing(name: str, column: Any, other: str, candidate: Any) -> bool:
    """Whether a parent's column holds what a child's column holds, so the child row mostly
    takes its parent's: the same reference (a ticket's agent for its messages), or a value
    of the same name and kind within the child's bounds (an invoice's terms_days from its
    client's payment_terms_days)."""
    if column.references or candidate.references:
        return column.references == candidate.references
    if candidate.primary_key or candidate.unique or column.type != candidate.type:
        return False
    if column.type not in ("integer", "float", "string"):
        return False
    a, b = name.lower(), other.lower()
    if not (a == b or a.endswith(f"_{b}") or b.endswith(f"_{a}")):
        return False
    if any(x.startswith(("max_", "min_", "maximum_", "minimum_", "total_")) for x in (a, b)):
        return False  # a booking's guests are not its room type's max_guests
    if column.values is not None:
        return candidate.values is not None and set(candidate.values) <= set(column.values)
    if column.pattern is not None and column.pattern != candidate.pattern:
        return False
    inside = [
        (mine is None or theirs is not None and (theirs >= mine if low else theirs <= mine))
        for mine, theirs, low in (
            (column.min, candidate.min, True),
            (column.max, candidate.max, False),
        )
    ]
    return all(inside)


def _looked_up(frame: str, column: str, key: str, keys: str) -> str:
    """Code for the value of ``column`` of the parent row each of ``keys`` points at."""
    return (
        f"pd.Series({frame}[{column!r}].to_numpy(), index={frame}[{key!r}].to_numpy())"
        f".reindex({keys}).to_numpy()"
    )


def _parent_times(
    spec: Any, table_name: str, frames: dict[str, str], variables: dict[str, str]
) -> dict[str, str]:
    """Column -> code for each row's parent time, for the dates and times that come after it
    (``shapes.parent_time``)."""
    codes = {}
    for name, column in spec.tables[table_name].columns.items():
        if column.type not in ("date", "datetime") or column.primary_key:
            continue
        found = parent_time(spec, table_name, name)
        if found is not None and found[1] in frames and found[0] in variables:
            reference, parent, key, time = found
            codes[name] = _looked_up(frames[parent], time, key, variables[reference])
    return codes


def _series_levels(
    spec: Any, table_name: str, frames: dict[str, str], variables: dict[str, str]
) -> dict[str, str]:
    """Column -> code for each row's level from its entity, in a table of series: where the
    entity's table has exactly one number in the same unit as the measurement (an employee's
    annual_salary_eur for each payslip's gross_eur), the entities' levels follow it."""
    table = spec.tables[table_name]
    timeline = series(table)
    if timeline is None:
        return {}
    entity = timeline[0]
    parent, key = table.columns[entity].references.split(".", 1)
    if parent not in frames or parent == table_name or entity not in variables:
        return {}
    numbers = {
        name: column
        for name, column in spec.tables[parent].columns.items()
        if column.type in ("integer", "float") and not (column.primary_key or column.references)
    }
    codes = {}
    for name, column in table.columns.items():
        unit = name.rsplit("_", 1)[-1].lower() if "_" in name else None
        same = [other for other in numbers if unit and other.lower().endswith(f"_{unit}")]
        if column.type in ("integer", "float") and len(same) == 1:
            codes[name] = _looked_up(frames[parent], same[0], key, variables[entity])
    return codes


def _categories(
    spec: Any, table_name: str, frames: dict[str, str], variables: dict[str, str], plan: TablePlan
) -> dict[str, str]:
    """Column -> code for each row's category, for the columns with ``typical_by`` or
    ``values_by``: the category column's variable, or a referenced lookup's category for each
    key (house_type_id -> house_types.house_type)."""
    from codegen.spec.model import category_of

    codes = {}
    for name, column in spec.tables[table_name].columns.items():
        if not (column.typical_by or column.values_by):
            continue
        (by,) = column.typical_by or column.values_by
        found = category_of(spec, table_name, by)
        if found is None or by not in variables or plan.columns[by].define is not None:
            continue  # a grade made from the points is no category of the points
        parent, listed, _ = found
        if parent == table_name:
            codes[name] = variables[by]
        elif parent in frames:
            key = spec.tables[table_name].columns[by].references.split(".", 1)[1]
            codes[name] = _looked_up(frames[parent], listed, key, variables[by])
    return codes


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
    plan: TablePlan,
    popular: int | None = None,
) -> list[str]:
    """A primary key of two columns that each take few values: two foreign keys (employee_id,
    project_id), or a foreign key and the points of a range (sensor_id and the hours of a day,
    employee_id and the first of each month): distinct pairs, drawn without replacement so no
    pair repeats, in order (a time series reads sensor by sensor, hour by hour). ``popular``:
    the position of the key whose values are picked by skewed shares (a few bestselling courses
    among the enrolments), the other's evenly."""
    key = table.primary_key
    if len(key) != 2:
        return []
    domains = [_key_domain(frames, table_name, table, name, plan) for name in key]
    if None in domains:
        return []
    first, second = (_variable(table_name, name, used) for name in key)
    variables.update(dict(zip(key, (first, second), strict=True)))
    keys, picked = _identifier(f"{frame}_key_values", used), _identifier(f"{frame}_pairs", used)
    weights = ""
    lines = [
        f"    # {key[0]}, {key[1]}: together the primary key, so distinct pairs of the values"
        " each may take",
        f"    {keys} = ({domains[0]}, {domains[1]})",
    ]
    if popular is not None:
        share = _identifier(f"{frame}_pair_share", used)
        shares = ["None", "None"]
        shares[popular] = f"shape_shares(rng, len({keys}[{popular}]))"
        lines.append(
            f"    # a few of the {key[popular]} are popular: {share}, each one's share of the pairs"
        )
        lines.append(f"    {share} = ({shares[0]}, {shares[1]})")
        weights = f", {share}"
    # Made in parts, the pairs of keys that every part has alike are split among the parts; the
    # pairs of a parent made in slices differ from part to part already.
    parents = [
        table.columns[name].references.split(".", 1)[0]
        for name in key
        if table.columns[name].references
    ]
    slot = _slot(count)
    if parents:
        slot = f"({slot} if {' and '.join(f'{p!r} in whole' for p in parents)} else None)"
    pair = people_and_group(table_name, table)
    if pair is not None and pair[0] in key:
        # people with groups (drivers and depots): each person in one group before any in two
        weights = f"{weights or ', None'}, cover={key.index(pair[0])}"
        lines.append(f"    # each of the {key[key.index(pair[0])]} in one pair before any in two")
    return lines + [
        f"    {picked} = np.sort(shape_pair_index(rng, (len({keys}[0]), len({keys}[1])), {count},"
        f" {slot}{weights}))",
        f"    {first} = {keys}[0][{picked} // len({keys}[1])]",
        f"    {second} = {keys}[1][{picked} % len({keys}[1])]",
    ]


def _popular(spec: Any, table: Any) -> int | None:
    """Which of a two-column key of two references picks its values by popularity: the one
    to the smaller table (courses, not learners; projects, not employees) unless that is a
    short list to pick from; None otherwise."""
    from codegen.program.shapes import is_lookup

    key = table.primary_key
    if len(key) != 2 or not all(table.columns[n].references for n in key):
        return None
    parents = [table.columns[n].references.split(".", 1)[0] for n in key]
    if any(p not in spec.tables for p in parents) or parents[0] == parents[1]:
        return None
    sizes = [spec.tables[p].rows for p in parents]
    smaller = 0 if sizes[0] < sizes[1] else 1
    return None if is_lookup(spec.tables[parents[smaller]]) else smaller


def _key_domain(
    frames: dict[str, str], table_name: str, table: Any, name: str, plan: TablePlan
) -> str | None:
    """The code of every value one column of a two-column key may take, or None when they are
    too many to list: a parent's keys, a list of values, whole numbers or days between a min and
    a max, or the points of the time grid its checks ask for (``date_trunc('hour', t) = t``)."""
    column = table.columns[name]
    reference = column.references
    if reference:
        if "." not in reference or reference.split(".", 1)[0] == table_name:
            return None
        parent_table, parent_column = reference.split(".", 1)
        return f"{frames[parent_table]}[{parent_column!r}].to_numpy()"
    if column.values:
        return f"np.array({_listed(list(column.values), column.type)})"
    if column.min is None or column.max is None:
        return None
    if column.type == "integer" and int(column.max) - int(column.min) <= _KEY_DOMAIN:
        return f"np.arange({int(column.min)}, {int(column.max) + 1})"
    grid = plan.columns[name].grid
    if column.type == "date" and grid is None:
        grid = Grid("D", 1)
    if column.type in ("date", "datetime") and grid is not None and grid.unit:
        points = f"sql_points({grid.unit!r}, {grid.num}, {str(column.min)!r}, {str(column.max)!r})"
        return f"{points}.astype('datetime64[D]')" if column.type == "date" else points
    return None


_KEY_DOMAIN = 1_000_000  # whole numbers listed for a key


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
                source, target = _ruled(table, pair)
                notes[target] = notes.get(target, "") + f"; must {verb} as {source} rises"
    return notes


def _check_notes(plan: TablePlan, column_name: str, shown: set[int], alone: bool = False) -> str:
    """The checks among ``shown`` that read the column, as "; must hold on 95% of rows: ..."
    (``alone``: only those that read no other column)."""
    notes = []
    for index, (rule, parsed) in enumerate(plan.checks):
        if index not in shown or column_name not in parsed.columns:
            continue
        if alone and set(parsed.columns) != {column_name}:
            continue
        share = "" if rule.min_fraction >= 1 else f" on {rule.min_fraction:.0%} of rows"
        notes.append(f"; must hold{share}: {rule.check}")
    return "".join(notes)


def _ordered_columns(
    table: Any, code: dict[str, str], variables: dict[str, str], plan: TablePlan
) -> list[str]:
    """Spec order, except that a column comes after the columns its code reads, and a column the
    model writes (``...``) after the columns its checks read (``shipped_at`` after ``status``)."""
    sources: dict[str, set[str]] = {name: set() for name in table.columns}
    for name, expression in code.items():
        if expression == "...":
            for _, parsed in plan.checks:
                if name in parsed.columns:
                    sources[name] |= set(parsed.columns) - {name}
        else:
            sources[name] |= reads_of(expression, variables) - {name}
    ordered: list[str] = []
    remaining = list(table.columns)
    while remaining:
        ready = [c for c in remaining if not sources[c] & (set(remaining) - {c})]
        chosen = ready[0] if ready else remaining[0]  # a cycle: keep spec order
        ordered.append(chosen)
        remaining.remove(chosen)
    return ordered


def _refs(table: Any, plan: TablePlan | None, variables: dict[str, str]) -> dict[str, ColumnRef]:
    """How compiled checks read the columns drawn so far."""
    refs = {}
    for name, variable in variables.items():
        column = plan.column(table, name) if plan is not None else table.columns[name]
        refs[name] = ColumnRef(variable, column.type, column.nullable)
    return refs


def _enforced(
    table: Any,
    plan: TablePlan,
    code: dict[str, str],
    order: list[str],
    variables: dict[str, str],
    count: str,
) -> list[tuple[int, Enforced]]:
    """The checks the program enforces (see ``codegen.program.enforce``): those not met by
    construction that compile and read no column the model writes, with the columns to redraw.

    A column computed from others is redrawn through the columns it is computed from; keys are
    never redrawn, nor a column that a column the model writes is computed from."""
    blanks = {name for name, expression in code.items() if expression == "..."}
    reads = {name: reads_of(code[name], variables) for name in code}
    for name in blanks:  # what the model's code may read: the columns its checks read
        reads[name] = {c for _, p in plan.checks if name in p.columns for c in p.columns} - {name}
    keys = {name for name, c in table.columns.items() if c.primary_key or c.unique}
    # A tree of rows (manager_id): each row's value depends on the whole column's keys.
    trees = {
        name
        for name, c in table.columns.items()
        if c.references and name in reads and reads[name] & set(table.primary_key)
    }

    def ancestors(name: str) -> set[str]:
        found, stack = set(), list(reads[name])
        while stack:
            node = stack.pop()
            if node not in found:
                found.add(node)
                stack.extend(reads[node])
        return found

    feeding_blanks = set().union(*(ancestors(b) for b in blanks)) if blanks else set()
    refs = _refs(table, plan, variables)

    def redraw_of(columns: tuple[str, ...] | list[str]) -> tuple[str, ...]:
        sources: set[str] = set()
        seen: set[str] = set()
        stack = list(columns)
        while stack:  # a column computed from others is redrawn through them
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            if code[name] != "..." and is_random(code[name]):
                sources.add(name)
            else:
                stack.extend(reads[name])
        sources -= keys | feeding_blanks | blanks | trees
        return tuple(sorted(sources, key=order.index, reverse=True))

    chosen = []
    for index in plan.left():
        rule, parsed = plan.checks[index]
        if parsed.tree is None or not parsed.row_level or set(parsed.columns) & blanks:
            continue
        try:
            condition = compile_condition(parsed.tree, refs, count)
        except CannotCompile:
            continue
        redraw = redraw_of(parsed.columns)
        if not redraw:
            continue
        text = " ".join(rule.check.split())
        chosen.append(
            (index, Enforced(text, strip_parens(condition.text), rule.min_fraction, redraw))
        )
    # A column a check defines (net = gross - tax) keeps its own min, max and values only if
    # the columns it is computed from are drawn again where it leaves them.
    for name in order:
        solved = plan.columns[name]
        if solved.define is None and solved.window is None:
            continue
        if name in blanks or code[name] == "..." or is_random(code[name]):
            continue
        declared = _declared(name, plan.column(table, name))
        if declared is None:
            continue
        try:
            condition = compile_condition(declared, refs, count)
        except CannotCompile:
            continue
        redraw = redraw_of([name])
        if redraw:
            text = declared.sql(dialect="duckdb")
            chosen.append((-1, Enforced(text, strip_parens(condition.text), 1.0, redraw)))
    return chosen


def _declared(name: str, column: Any) -> exp.Expression | None:
    """The column's own min, max and values as a SQL condition (None when it has none)."""
    from codegen.validation.sql import sql_literal

    ref = exp.column(name, quoted=not re.fullmatch(r"[a-z_][a-z0-9_]*", name))
    parts: list[str] = []
    subject = ref.sql(dialect="duckdb")
    if column.min is not None:
        parts.append(f"{subject} >= {sql_literal(column.min)}")
    if column.max is not None:
        parts.append(f"{subject} <= {sql_literal(column.max)}")
    if column.values and column.type in ("integer", "float", "string"):
        parts.append(f"{subject} IN ({', '.join(sql_literal(v) for v in column.values)})")
    if not parts:
        return None
    tree = sqlglot.parse_one(" AND ".join(parts), read="duckdb")
    for node in tree.find_all(exp.Column):
        node.set("this", exp.to_identifier(name))
    return tree


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
    plan: TablePlan | None = None,
    shapes: Shapes | None = None,
    related: Related | None = None,
) -> tuple[str, str, list[Parameter]]:
    """(expression, comment, parameters) for one column: code when it is mechanical, ``...``
    otherwise; the parameters are the lines above it, the model's numbers and value lists.
    ``plan`` says what the table's checks make of the column (``codegen.program.rules``),
    ``shapes`` how its keys fan out and when people act (``codegen.program.shapes``),
    ``related`` each row's values elsewhere that shape it (its category, its entity's level,
    its parent's time, the same reference of its parent's)."""
    related = related or Related()
    category = related.category
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
    elif kind == "string" and name.lower() in ("name", "title", "label"):
        # "name" alone reads as a person's to a small model: say whose (departments were
        # named "Grace Thompson")
        facts.append(f"the {name.lower()} of one of the {table_name.replace('_', ' ')}")
    pair = _place_pair(table) if kind == "string" else None
    if pair and name == pair[0]:  # the list of pairs is filled in under the first of the two
        many = (
            f", {table.rows} or more distinct" if any(table.columns[n].unique for n in pair) else ""
        )
        one = ", all in one country" if shapes is not None and shapes.one_country else ""
        facts.append(
            f"listed as ({pair[0]}, {pair[1]}) pairs that are true of real places{many}{one}"
        )
    note = "; ".join(facts)
    key = table.primary_key
    if column.primary_key and len(key) == 1 and kind == "integer":
        return f"{_first(count)} + np.arange(1, {count} + 1)", "primary key", []
    if column.references and "." in column.references:
        parent_table, parent_column = column.references.split(".", 1)
        if parent_table != table_name:
            expression, shape, params = foreign_key(
                shapes, column, table_name, parent_table, frames[parent_table], parent_column,
                variables[name], count,
            )  # fmt: skip
            if related is not None and related.near is not None:
                # a regional bus goes to the towns near where it starts, the nearer the likelier
                expression = f"shape_near(rng, {expression}, {related.near})"
                shape += "; mostly near where the trip starts"
            if related is not None and related.inherit is not None:
                # the agent on a message is mostly the agent on its ticket
                expression = f"shape_inherit(rng, {expression}, {related.inherit}, 0.9)"
                shape += "; mostly its parent's own"
            if column.nullable and plan is not None:
                if _null_pattern(plan, name) or column.null_share is not None:
                    # which rows are null is part of a check ((person_id IS NULL) <> (company_id
                    # IS NULL)), or how many are is known
                    expression = _with_nulls(
                        table, name, column, expression, count, variables, plan
                    )
            return expression, f"foreign key to {column.references}{shape}", list(params)
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
    rhythm = (
        rhythm_of(shapes, table_name, table, name, column, plan.columns[name].grid)
        if column.type == "datetime" and plan is not None
        else None
    )
    if _span_start(table_name, table, name) is not None and is_short_stay(table_name, table):
        rhythm = None  # a trip ends minutes after it starts, whatever the hour: its start's
    after = column.typical_after
    if column.type == "datetime" and after is not None and after.typical < MINUTES_A_DAY:
        rhythm = None  # a child picked up hours after it was brought: not at drop-off hours
    solved = _solved_code(table, name, column, count, variables, plan, rhythm, table_name)
    if solved is not None:  # what a check defines or bounds, from the columns it reads
        expression, relation, params = solved
        expression = _with_nulls(table, name, column, expression, count, variables, plan)
        return expression, note + relation, params
    if column.values:
        values = list(column.values)
        # A unique column, or a lookup table (others refer to it) with a row per value: each
        # value once before any repeats (house types: Apartment, Detached, ... not two Bungalows).
        lookup = table_name in lookups and table.rows <= len(values)
        spec_column = table.columns[name]  # ``column`` may hold only the values checks keep
        weights = dict(zip(spec_column.values or [], spec_column.weights or [], strict=False))
        listed = _listed(values, kind)
        if column.unique or column.primary_key or lookup:
            expression = (
                f"np.array({listed})[({_first(count)} + np.arange({count})) % {len(values)}]"
            )
        elif weights and sum(weights.get(v, 0) for v in values) > 0:
            # as often as each is in real data (the spec's weights, or the model's answer)
            shares = [weights.get(v, 0) for v in values]
            expression = f"shape_allocate(rng, {listed}, {count}, {shares!r})"
        else:
            expression = f"rng.choice({listed}, size={count})"
        note = "fixed values"
        defined = plan is not None and plan.columns[name].define is not None
        group = one_per_group(table_name, table, name, column)
        if group is not None and not defined and group[1] in variables:
            lead, by = group
            others = [v for v in values if v != lead]
            expression = (
                f"shape_one_per_group(rng, {expression}, {variables[by]}, {lead!r}, {others!r})"
            )
            note += f"; one {lead} per {by}"
        if related.inherit is not None and not column.unique and not defined:
            expression = f"shape_inherit(rng, {expression}, {related.inherit}, 0.9)"
            note += "; mostly its parent's own"
        return (
            _with_nulls(table, name, column, expression, count, variables, plan),
            note,
            [],
        )
    if kind == "boolean":
        if category is not None:  # each category's share of true rows (premium plans: classes)
            (by, shares), overall = _by_parameter(variables[name], column)
            expression = _with_nulls(
                table, name, column, f"shape_share_by(rng, {category}, {by}, {overall})", count,
                variables, plan,
            )  # fmt: skip
            note = f"boolean; how often true depends on {_by_name(column)}"
            return expression, note, [(by, shares, None)]
        if column.typical is not None:  # the share of rows that are true in real data
            share = f"{variables[name]}_share_true"
            expression = _with_nulls(
                table, name, column, f"rng.random({count}) < {share}", count, variables, plan
            )
            return expression, "boolean", [(share, _number(column.typical), None)]
        expression = _with_nulls(
            table, name, column, f"rng.random({count}) < 0.5", count, variables, plan
        )
        return expression, "boolean", []
    if kind in ("date", "datetime"):
        params: list[Parameter] = []
        if column.min is not None or column.max is not None:
            # With one bound only, a ten-year span from it (the model may change it).
            decade = "pd.DateOffset(years=10)"
            start = f"pd.Timestamp({str(column.min)!r})" if column.min is not None else None
            end = f"pd.Timestamp({str(column.max)!r})" if column.max is not None else None
            start, end = start or f"({end} - {decade})", end or f"({start} + {decade})"
        else:
            # No bounds: the two years up to a fixed day (never "now": the same program makes
            # the same data any day); the model may move the day and widen the span.
            variable = variables[name]
            last, days = f"{variable}_last_day", f"{variable}_span_days"
            params = [(last, repr(_DEFAULT_LAST_DAY), None), (days, "730", BlankKind.NUMBER)]
            end = f"pd.Timestamp({last})"
            start = f"({end} - pd.Timedelta(days={days}))"
            if kind == "datetime":
                end = f"({end} + pd.Timedelta(days=1) - pd.Timedelta(seconds=1))"
        grid = plan.columns[name].grid if plan is not None else None
        rhythm = rhythm_of(shapes, table_name, table, name, column, grid)
        if rhythm is None and column.typical is not None:  # a birth date: its typical year
            expression, more = _years_draw(column, variables[name], count, start, end)
            params += more
        elif rhythm is not None:  # people's activity: more at busy hours and on busy weekdays
            season = season_of(shapes, table_name, table)
            expression, shape, more = timed_draw(
                variables[name], start, end, count, rhythm, kind == "date", season
            )
            note, params = note + shape, params + list(more)
        else:  # whole seconds, as real timestamps are (not 19:38:34.892050487)
            low, high = f"{start}.value // 10**9", f"{end}.value // 10**9"
            draw = f"rng.integers({low}, {high}, size={count}, endpoint=True)"
            expression = f"pd.to_datetime({draw}, unit='s')"
            if kind == "date":
                expression = f"{expression}.normalize()"
        start = _span_start(table_name, table, name)
        if start is not None and start in variables and start != name:
            # a row's end after its own start: a ride ends minutes after it started
            expression, more, shape = _after_start(
                column, variables[name], variables[start], start, expression, end
            )
            params += more
            note += shape
        elif related.since is not None:  # after its parent's time: a message after its ticket
            expression = f"shape_since(rng, {expression}, {related.since}, {end})"
            if kind == "date":
                expression = f"{expression}.dt.normalize()"
            note += "; after its parent's time"
        # the column's own bounds as text, for the shapes below that keep within them
        time_bounds = ", ".join(
            "None" if b is None else repr(str(b)) for b in (column.min, column.max)
        )
        calendar = calendar_days(table_name, table, name, column)
        if calendar is not None and calendar[0] in variables:
            # salaries at the month's end, rent at its start: the day of the kind, same month
            by, when = calendar
            after = f", after={related.since}" if related.since is not None else ""
            expression = (
                f"shape_month_day(rng, {expression}, {variables[by]}, {when!r}, "
                f"{time_bounds}{after})"
            )
            note += f"; {', '.join(when)} on their days of the month"
        own_grid = plan is None or plan.columns[name].grid is None
        timetabled = on_timetable(table_name, table, name, column)
        if own_grid and timetabled and not (start is not None and start in variables):
            expression = f"shape_on_grid({expression}, {TIMETABLE_MINUTES}, {time_bounds})"
            note += f"; on a timetable's {TIMETABLE_MINUTES} minutes"
        expression = _gridded(expression, name, column, plan)
        return _with_nulls(table, name, column, expression, count, variables, plan), note, params
    expression, params = _blank_expression(
        table, name, column, count, variables, plan, table_name, related, shapes
    )
    if category is not None and "shape_by(" in expression:
        note += f"; its typical value depends on {_by_name(column)}"
    solved = plan.columns[name] if plan is not None else None
    free = solved is None or (solved.define is None and not solved.bounds and not solved.window)
    placed = _placed_by(table, name, column, variables)
    if placed is not None and expression != "..." and free:
        country, city, what, coded = placed
        lowest, highest = _bound_code(column)
        names = "" if coded or country == "None" else f", {_COUNTRY_CODES!r}"  # their codes
        if what == "population":
            expression = (
                f"shape_population({expression}, {country}, {city}, {lowest}, {highest}{names})"
            )
            note += "; the city's real population where known"
        else:
            stream = (
                f"np.random.default_rng([seed, {zlib.crc32(table_name.encode())}, "
                f"{zlib.crc32(b'coordinates')}, {_first(count)}])"
            )
            box = _coordinate_box(table)
            expression = (
                f"shape_coordinate({stream}, {expression}, {country}, {city}, {what}, "
                f"{box!r}{names})"
            )
            note += "; a real place of the row's country (its city where known)"
    if related.parent is not None and expression != "..." and free:
        order = _follow_order(column, variables, related)
        expression, shape = _of_parent(column, expression, related.parent, order, related.per)
        note += shape
    elif related.inherit is not None and expression != "..." and free and kind != "string":
        expression = f"shape_inherit(rng, {expression}, {related.inherit}, 0.9)"
        note += "; mostly its parent's own"
    if related.leg is not None and expression != "..." and free and related.parent is None:
        lowest, highest = _bound_code(column)
        expression = (
            f"shape_leg(rng, {expression}, {related.leg}, {lowest}, {highest}, "
            f"whole={kind == 'integer'})"
        )
        expression = _stepped(expression, name, column, plan)  # block minutes in fives
        note += "; follows the distance between its two places"
    capacity = shared_capacity(table_name, table, name, column)
    if capacity is not None and expression != "..." and free and capacity[0] in variables:
        person, cap = capacity
        lowest = "None" if column.min is None else _number(column.min)
        whole = kind == "integer"
        # rounded down here, not to the nearest later, so that the rows stay within the cap
        decimals = 0 if whole else reading_decimals(name, column)
        expression = (
            f"shape_capped_sum({expression}, {variables[person]}, {_number(cap)}, "
            f"lowest={lowest}, decimals={decimals}, whole={whole})"
        )
        note += f"; a person's rows add up to {_number(cap)} at most"
    grid = plan.columns[name].grid if plan is not None else None
    decimals = reading_decimals(name, column) if kind == "float" else None
    coordinate = placed is not None and placed[2] != "population"
    if decimals is not None and expression != "..." and free and grid is None:
        # as written on a receipt or read off an instrument, not 16.209464 an hour (nor a house
        # at EUR 173,445.149105); not where a parent's number caps or gives it (rounding could
        # pass the cap, or write the parent's value otherwise), nor a unique column. A check that
        # reads it is met on the rounded values: the program checks and redraws after this.
        parental = related.parent is not None or related.inherit is not None
        own = not parental and not column.unique
        if own and (placed is None or coordinate):
            expression = f"np.round({expression}, {decimals})"
            note += f"; {decimals} decimals"
    if kind in ("integer", "float") and expression != "...":
        expression = _gridded(expression, name, column, plan)
    return _with_nulls(table, name, column, expression, count, variables, plan), note, params


def _follow_order(column: Any, variables: dict[str, str], related: Related) -> str | None:
    """Code for (the values a column's rising ``follows`` reads, its rho): the row's own
    column's, or its parent row's (``related.followed``); None where it has none."""
    follows = column.follows
    if follows is None or follows.direction != "rises":
        return None
    origin = related.followed if "." in follows.column else variables.get(follows.column)
    return None if origin is None else f"({origin}, {float(follows.rho)!r})"


def _of_parent(
    column: Any, expression: str, parents: str, order: str | None = None, per: str | None = None
) -> tuple[str, str]:
    """(expression, note) for a number that follows its parent row's (``of_parent``): the
    parent's on most rows, or never above it and typically its share of it (rising with what
    its ``follows`` reads, code in ``order``), or the parent's for each of the row's units (code
    in ``per``)."""
    follows = column.of_parent
    parent = follows.column.split(".", 1)[1]
    lowest, highest = _bound_code(column)
    whole = column.type == "integer"
    if follows.relation == "each":
        if per is None:  # its units could not be compiled: the column's own values
            return expression, ""
        code = f"shape_each({expression}, {parents}, {per}, {lowest}, {highest}, whole={whole})"
        return code, f"; its parent's {parent} for each of its {follows.per}"
    if follows.relation == "times":
        code = (
            f"shape_multiple(rng, {expression}, {parents}, {follows.times!r}, {lowest}, {highest}, "
            f"whole={whole})"
        )
        return code, f"; {_number(follows.times)} times its parent's {parent}, as a rule"
    if follows.relation == "same":
        code = f"shape_same(rng, {expression}, {parents}, 0.9, {lowest}, {highest}, whole={whole})"
        return (
            f"{code}.astype(int)" if whole else code,
            f"; mostly its parent's {parent}, else a little under it",
        )
    rising = f", order={order}" if order is not None and follows.share is not None else ""
    code = (
        f"shape_at_most(rng, {expression}, {parents}, {follows.share!r}, {lowest}, {highest}, "
        f"whole={whole}{rising})"
    )
    share = f", typically {follows.share:.0%} of it" if follows.share is not None else ""
    if rising:
        share += f", more as {column.follows.column} is more"
    return (f"{code}.astype(int)" if whole else code), f"; at most its parent's {parent}{share}"


_DEFAULT_LAST_DAY = "2024-12-31"


def _gridded(expression: str, name: str, column: Any, plan: TablePlan | None) -> str:
    """A drawn column's values moved onto the grid its checks need (``codegen.program.rules``:
    cents, quarter hours, whole hours, the first of a month), within its min and max."""
    grid = plan.columns[name].grid if plan is not None else None
    if grid is None:
        return expression
    low = "None" if column.min is None else repr(str(column.min) if grid.unit else column.min)
    high = "None" if column.max is None else repr(str(column.max) if grid.unit else column.max)
    if grid.unit:
        return f"sql_tgrid({expression}, {grid.unit!r}, {grid.num}, {low}, {high})"
    text = f"sql_grid({expression}, {grid.num}, {grid.den}, {grid.offset!r}, {low}, {high})"
    return f"np.round({text}).astype(int)" if column.type == "integer" else text


def _null_pattern(plan: TablePlan, name: str) -> bool:
    """Whether a check says on which rows the column is null, or reads its nulls to say so of
    another column."""
    own = plan.columns[name].null_where
    return own is not None or any(
        p.null_where is not None and name in p.null_where.reads for p in plan.columns.values()
    )


def _with_nulls(
    table: Any,
    name: str,
    column: Any,
    expression: str,
    count: str,
    variables: dict[str, str],
    plan: TablePlan | None = None,
) -> str:
    """A column's expression with the value a check sets on some rows (``fine_eur = 0 OR
    returned_on > due_on``), and its nulls if it is nullable: on the rows a check names
    (``(status = 'placed') = (shipped_at IS NULL)``), else on about one row in ten."""
    otherwise = plan.columns[name].otherwise if plan is not None else None
    if otherwise is not None and expression != "...":
        refs = _refs(table, plan, variables)
        try:
            value = compile_value(otherwise[0], refs, count)
            unless = compile_condition(otherwise[1], refs, count, True)
        except CannotCompile:
            pass  # it reads a column drawn later: TablePlan.settle has given it up
        else:
            keep = f"sql_true({unless.text}, {count})" if unless.nullable else unless.text
            fill = strip_parens(value.text) if value.const else _stored(column, value, count)
            expression = f"np.where({strip_parens(keep)}, {expression}, {fill})"
    if not column.nullable or expression == "...":  # a blank's comment says it may be null
        return expression
    share = 0.1 if column.null_share is None else column.null_share  # in real data, if known
    condition = f"rng.random({count}) < {_number(share)}"
    where = plan.columns[name].null_where if plan is not None else None
    if where is not None:
        try:
            code = compile_condition(where.tree, _refs(table, plan, variables), count, True)
        except CannotCompile:
            pass  # it reads a column drawn later: TablePlan.settle has given it up
        else:
            condition = f"sql_true({code.text}, {count})" if code.nullable else code.text
            condition = strip_parens(condition)
    if column.type == "boolean":  # a nullable boolean keeps True/False beside its nulls
        return f'pd.Series({expression}, dtype="boolean").mask({condition})'
    series = expression if expression.startswith("pd.Series(") else f"pd.Series({expression})"
    if column.type == "integer":  # whole numbers beside the nulls, not floats (2005.0)
        return f'{series}.mask({condition}).round().astype("Int64")'
    return f"{series}.mask({condition})"


def _solved_code(
    table: Any,
    name: str,
    column: Any,
    count: str,
    variables: dict[str, str],
    plan: TablePlan | None,
    rhythm: str | None = None,
    table_name: str = "",
) -> tuple[str, str, list[Parameter]] | None:
    """(expression, note, parameters) for a column a check defines or bounds, None otherwise;
    ``rhythm``: the hours and weekdays of people's activity a datetime after another keeps."""
    if plan is None:
        return None
    solved = plan.columns[name]
    refs = _refs(table, plan, variables)
    try:
        if solved.define is not None:
            code = compile_value(solved.define.tree, refs, count)
            note = f"; = {solved.define.tree.sql(dialect='duckdb')}, as its check says"
            return _tidy(_stored(column, code, count)), note, []
        if solved.window is not None:
            low, high, width = solved.window
            code = compile_value(low.tree, refs, count)
            if column.type == "date" and not midnight(low.tree, table):
                code = Code(f"sql_day({code.text}, up=True)", "date", code.nullable)
            after = column.typical_after
            if after is not None and low.lower and bound_column(low.tree) == after.column:
                # a first response within 5 days of the opening: typically hours after it
                expression, note, params = _gap_after(
                    column, variables[name], code.text, after, low.strict, count
                )
                unit = "D" if column.type == "date" else "s"
                last = int(width) - int(high.strict)
                expression = f"shape_capped({expression}, {code.text}, {last}, {unit!r})"
                return _tidy(expression), f"{note}, within the window its checks give", params
            expression, note, params = _window_code(
                column, code, low.strict, high.strict, width, count
            )
            return _tidy(expression), note, params
        if solved.bounds:
            bounds = [(b, compile_value(b.tree, refs, count)) for b in solved.bounds]
            if column.type in ("date", "datetime"):
                expression, note, params = _bounded_time(
                    table, column, variables[name], bounds, count, rhythm
                )
                lower_only = column.max is None and all(b.lower for b, _ in bounds)
                if (
                    solved.grid is None
                    and lower_only
                    and on_timetable(table_name, table, name, column)
                ):  # up to the grid: still after what it must follow
                    expression = f"shape_on_grid({expression}, {TIMETABLE_MINUTES}, up=True)"
                    note += f"; on an appointment book's {TIMETABLE_MINUTES} minutes"
            else:
                expression, note, params = _bounded_number(
                    column, variables[name], bounds, count, solved.grid, table, name
                )
            return _tidy(expression), note, params
    except CannotCompile:
        return None  # it reads a column drawn later: TablePlan.settle has given it up
    return None


def _listed(values: list[Any], kind: str) -> str:
    """A list of a column's values as code: dates and datetimes as numpy datetimes (a spec's
    dates would otherwise print as ``datetime.date(...)``, which the program cannot read)."""
    if kind in ("date", "datetime"):
        unit = "D" if kind == "date" else "s"
        texts = [str(v).replace(" ", "T") for v in values]
        return f"np.array({texts!r}, dtype='datetime64[{unit}]')"
    return repr(values)


def _tidy(expression: str) -> str:
    """An expression with no more parentheses than Python needs."""
    return ast.unparse(ast.parse(expression, mode="eval"))


def _stored(column: Any, code: Code, count: str) -> str:
    """A defining expression as the column stores it (DuckDB then finds the two equal)."""
    text = strip_parens(code.text)
    if code.const:
        return f"np.full({count}, {text})"
    if column.type == "integer" and ("sql_" in text or "/" in text or code.kind != "int"):
        if column.nullable:
            return f'pd.array({text}, dtype="Int64")'
        return f"np.asarray({text}, dtype=np.int64)"
    if column.type == "float" and code.kind == "int":
        return f"np.asarray({text}, dtype=float)"
    return text


def _relation(bounds: list[tuple[Bound, Code]], words: tuple[str, str, str, str]) -> str:
    """How a column's bounds read in its comment: "after placed_at", "at most 10"."""
    parts = []
    for bound, _ in bounds:
        word = words[(0 if bound.lower else 2) + (0 if bound.strict else 1)]
        parts.append(f"{word} {bound.tree.sql(dialect='duckdb')}")
    return " and ".join(parts)


def _edge(
    items: list[tuple[Bound, Code]], lower: bool, whole: bool, fold: bool
) -> tuple[str, bool]:
    """(text, strict) of the tightest of a column's lower (or upper) bounds. ``whole``: made of
    whole numbers, where a strict bound is the next whole number (``fold``: always so)."""
    texts = []
    fold = fold or len(items) > 1
    for bound, code in items:
        text = code.text
        if whole and code.kind in ("dec", "float"):  # a fractional bound on whole numbers
            if lower:
                text = f"(np.floor({text}) + 1)" if bound.strict else f"np.ceil({text})"
            else:
                text = f"(np.ceil({text}) - 1)" if bound.strict else f"np.floor({text})"
        elif whole and fold and bound.strict:
            text = f"({text} {'+' if lower else '-'} 1)"
        texts.append(text)
    combined = texts[0]
    for text in texts[1:]:
        combined = f"np.{'maximum' if lower else 'minimum'}({combined}, {text})"
    strict = any(b.strict for b, _ in items) and not (whole and fold)
    if whole and any(c.kind in ("dec", "float") for _, c in items):
        strict = False
    return combined, strict


def _gap_high(items: list[tuple[Bound, Code]], unit: str, default: float) -> float:
    """A default widest gap: the offset a single bound names (``<= booked + 3 days``: 3)."""
    if len(items) == 1:
        offset = items[0][0].offset
        if offset is not None and offset[0] == unit and offset[1] > 0:
            return offset[1]
    return default


def _bounded_number(
    column: Any,
    variable: str,
    bounds: list[tuple[Bound, Code]],
    count: str,
    grid: Grid | None = None,
    table: Any = None,
    name: str = "",
) -> tuple[str, str, list[Parameter]]:
    """A number between its bounds: one bound plus (or minus) a gap the model may tune, or
    uniform between two; on the ``grid`` its checks ask for, a step inwards where that crossed a
    bound."""
    expression, note, params = _between_bounds(column, variable, bounds, count, table, name)
    if grid is None or grid.unit:
        return expression, note, params
    integer = column.type == "integer"
    edges = []
    for lower, literal in ((True, column.min), (False, column.max)):
        items = [item for item in bounds if item[0].lower == lower]
        edge = _edge(items, lower, integer, True)[0] if items else None
        if literal is not None:
            edge = (
                repr(literal)
                if edge is None
                else f"np.{'maximum' if lower else 'minimum'}({edge}, {literal!r})"
            )
        edges.append(edge or "None")
    text = (
        f"sql_grid({expression}, {grid.num}, {grid.den}, {grid.offset!r}, {edges[0]}, {edges[1]})"
    )
    return (f"np.round({text}).astype(int)" if integer else text), note, params


def _between_bounds(
    column: Any,
    variable: str,
    bounds: list[tuple[Bound, Code]],
    count: str,
    table: Any = None,
    name: str = "",
) -> tuple[str, str, list[Parameter]]:
    integer = column.type == "integer"
    lows = [item for item in bounds if item[0].lower]
    highs = [item for item in bounds if not item[0].lower]
    lower = "None" if column.min is None else repr(column.min)
    upper = "None" if column.max is None else repr(column.max)
    words = ("above", "at least", "below", "at most")
    if lows and highs:
        low, _ = _edge(lows, True, integer, True)
        high, _ = _edge(highs, False, integer, True)
        if integer:
            draw = f"{low} + np.floor(rng.random(size={count}) * (({high}) - ({low}) + 1))"
        else:
            draw = f"{low} + rng.random(size={count}) * (({high}) - ({low}))"
        expression = f"np.clip({draw}, {lower}, {upper})"
        if integer and not column.nullable:
            expression += ".astype(int)"
        return expression, f"; {_relation(bounds, words)}", []
    items = lows or highs
    edge, strict = _edge(items, bool(lows), integer, False)
    first = 1 if strict else 0
    typical_low, typical_high = _typical_range(column)
    widest = max(first + 1, (typical_high - typical_low) / 4)
    widest = _gap_high(items, "", int(widest) if integer else widest)
    low, high = f"{variable}_gap_low", f"{variable}_gap_high"
    params: list[Parameter] = [
        (low, str(first), BlankKind.NUMBER),
        (high, _number(int(widest) if integer else widest), BlankKind.NUMBER),
    ]
    if integer:
        gap = f"rng.integers({low}, {high} + 1, size={count})"
    else:
        gap = f"rng.uniform({low}, {high}, size={count})"
    expression = f"np.clip({edge} {'+' if lows else '-'} {gap}, {lower}, {upper})"
    if integer and not column.nullable and any(c.kind != "int" for _, c in items):
        expression += ".astype(int)"
    note = f"; {_relation(bounds, words)}, by a gap of gap_low to gap_high"
    one = not lows and table is not None and len(items) == 1 and not integer
    part = _part_of_bound(table, name, column, items[0][0]) if one else None
    if column.typical is not None and part is not None:
        # a part of its bound's column: income tax at most 47% of the gross, typically a tenth
        # of it (drawn apart, its share fell as the gross rose)
        share, spread, rising = part
        typical, more = _part_draw(column, variable, edge, share, spread, rising)
        expression = f"shape_within({typical}, {expression}, {edge}, False, {strict})"
        params = more + params
        note += " where its typical share of it is not"
    elif column.typical is not None:  # what is typical, where it is on the right side
        typical, more = _typical_draw(column, variable, count)
        expression = f"shape_within({typical}, {expression}, {edge}, {bool(lows)}, {strict})"
        params = more + params
        note += " where its typical value is not"
    elif column.min is not None and column.max is not None and any(c.nullable for _, c in items):
        # A row whose bound is missing is not missing itself: anywhere in the column's bounds.
        own = f"rng.uniform({column.min!r}, {column.max!r}, size={count})"
        if integer:
            own = f"rng.integers({column.min!r}, {column.max!r} + 1, size={count})"
        expression = f"np.where(pd.isna({edge}), {own}, {expression})"
    return expression, note, params


# A part of an amount that rises with it, a larger share of a larger one: income tax withheld.
_PROGRESSIVE = {"tax", "withholding", "withheld", "irpf", "paye"}
_FLAT = {"vat", "sales", "gst"}  # a tax at one rate


def _part_of_bound(
    table: Any, name: str, column: Any, bound: Bound
) -> tuple[float, float, bool] | None:
    """(typical share of its bound, its spread as a ratio, whether the share rises with the
    bound) for a number whose upper bound is another number of its row times a constant
    (``income_tax_eur <= ROUND(gross_eur * 0.47, 2)``) where both have typical values that make
    it a part of that bound; None otherwise."""
    from codegen.program.shapes import _words

    tree = bound.tree
    while isinstance(tree, exp.Round | exp.Paren | exp.Cast):
        tree = tree.this
    if not isinstance(tree, exp.Mul):
        return None
    sides = [tree.this, tree.expression]
    bases = [bound_column(side) for side in sides]
    literals = [side for side in sides if isinstance(side, exp.Literal) and side.is_number]
    found = [b for b in bases if b is not None]
    if len(found) != 1 or len(literals) != 1 or found[0] not in table.columns:
        return None
    base = table.columns[found[0]]
    if base.typical is None or column.typical is None or float(base.typical) <= 0:
        return None
    share = float(column.typical) / (float(literals[0].this) * float(base.typical))
    if not 0 < share < 1:
        return None
    low, high = column.typical_range or (float(column.typical) / 2, float(column.typical) * 2)
    spread = max(1.0, float(high) / max(float(low), 1e-9)) ** 0.5  # the 80% range's half-width
    words = set(_words(name))
    return share, min(spread, 2.0), bool(words & _PROGRESSIVE) and not words & _FLAT


def _part_draw(
    column: Any, variable: str, edge: str, share: float, spread: float, rising: bool
) -> tuple[str, list[Parameter]]:
    """Each row's part of its bound (``edge``, code; a float column's): ``share`` of it
    typically, spread log-normally by ``spread``, rising with the bound where ``rising`` (a
    tax's rate)."""
    params: list[Parameter] = [
        (f"{variable}_share", _number(round(share, 4)), None),
        (f"{variable}_share_spread", _number(round(spread, 3)), None),
    ]
    expression = (
        f"shape_part_of(rng, {edge}, {variable}_share, {variable}_share_spread, "
        f"rising={rising})"
    )
    if column.zero_share is not None:
        params.append((f"{variable}_zero_share", _number(column.zero_share), None))
        expression = f"shape_zeros(rng, {expression}, {variable}_zero_share)"
    return expression, params


_GAP_UNITS = {  # numpy unit -> (name, seconds, default widest gap)
    "D": ("days", 86_400, 30),
    "h": ("hours", 3_600, 24),
    "m": ("minutes", 60, 180),
    "s": ("seconds", 1, 3_600),
}


def _window_code(
    column: Any, low: Code, strict_low: bool, strict_high: bool, width: float, count: str
) -> tuple[str, str, list[Parameter]]:
    """A column between a bound and the same bound plus ``width`` (days for dates, seconds for
    datetimes, the column's units for numbers), uniform."""
    first, last = int(strict_low), width - int(strict_high)
    base = strip_parens(low.text) if low.text.startswith("(") else low.text
    if column.type == "float":
        expression = f"{base} + rng.uniform(0, {_number(width)}, size={count})"
    else:
        step = {
            "integer": "",
            "date": '.astype("timedelta64[D]")',
            "datetime": '.astype("timedelta64[s]")',
        }[column.type]
        expression = f"{base} + rng.integers({first}, {_number(last)} + 1, size={count}){step}"
    return expression, "; within the window its checks give, uniformly", []


def _bounded_time(
    table: Any,
    column: Any,
    variable: str,
    bounds: list[tuple[Bound, Code]],
    count: str,
    rhythm: str | None = None,
) -> tuple[str, str, list[Parameter]]:
    """A date or datetime after (or before) its bound by a gap the model may tune, in the unit
    the check's interval uses (days by default), or uniform between two bounds; dates at
    midnight, datetimes in whole seconds. A datetime days after another, with a ``rhythm``: at
    that rhythm's hours and on its weekdays (an appointment starts in office hours, whenever it
    was booked)."""
    date = column.type == "date"
    unit = "D"
    for bound, _ in bounds:
        for interval in bound.tree.find_all(exp.Interval):
            parts = interval_parts(interval)
            if parts is not None and parts[0] in _GAP_UNITS and not date:
                unit = parts[0]
                break
    name, _, default = _GAP_UNITS[unit]
    shifted = []
    for bound, code in bounds:  # a datetime bound on a date: to the day within the bound
        if date and code.kind == "ts" and not midnight(bound.tree, table):
            up = bound.lower != bound.strict
            text = f"sql_day({code.text}, up={up})"
            if bound.strict:
                text = f"({text} {'+' if bound.lower else '-'} np.timedelta64(1, \"D\"))"
            code = Code(text, "date", code.nullable)
            bound = Bound(bound.lower, bound.tree, False, bound.reads, bound.check)
        shifted.append((bound, code))
    lows = [item for item in shifted if item[0].lower]
    highs = [item for item in shifted if not item[0].lower]
    words = ("after", "on or after", "before", "on or before")
    if lows and highs:
        low = _edge_time(lows, True, date)
        high = _edge_time(highs, False, date)
        step = f'np.timedelta64(1, "{"D" if date else "s"}")'
        span = f"(({high}) - ({low})) / {step}" + (" + 1" if date else "")
        offset = f"np.floor(rng.random(size={count}) * ({span}))"
        expression = f'{low} + {offset}.astype("timedelta64[{"D" if date else "s"}]")'
        if column.min is not None or column.max is not None:
            lowest = f'np.datetime64("{column.min}")'.replace(" ", "T") if column.min else "None"
            highest = f'np.datetime64("{column.max}")'.replace(" ", "T") if column.max else "None"
            expression = f"np.clip({expression}, {lowest}, {highest})"
        return expression, f"; {_relation(bounds, words)}", []
    items = lows or highs
    edge = _edge_time(items, bool(lows), date)
    if len(items) == 1 and items[0][1].raw is not None:
        edge = items[0][1].raw  # a column as it is: pd.to_datetime reads it
    strict = any(b.strict for b, _ in items) and len(items) == 1
    after = column.typical_after
    if after is not None and lows and len(items) == 1 and rhythm is None:
        if bound_column(items[0][0].tree) == after.column:
            return _gap_after(column, variable, edge, after, strict, count)
    low, high = f"{variable}_{name}_low", f"{variable}_{name}_high"
    least, most = (1 if strict else 0), _gap_high(items, unit, default)
    if after is not None and lows and unit == "D":  # at a rhythm's hours: the typical gap
        if bound_column(items[0][0].tree) == after.column:
            # the draw's median is a quarter of the way from low to high (squared uniform); a
            # week at least, so that a day on a quiet weekday can move to a busy one (a GP
            # appointment the next day, but not on a Sunday)
            days = 1 if date else 1440  # a datetime's gap is in minutes
            least = max(least, math.floor((after.typical_range or [0])[0] / days))
            most = max(least + 7, round(least + 4 * (after.typical / days - least) - 1))
    params: list[Parameter] = [
        (low, str(least), BlankKind.NUMBER),
        (high, _number(most), BlankKind.NUMBER),
    ]
    # Waits are skewed, many short and a few long: the median a quarter of the way.
    if date:
        gap = f"np.floor({low} + ({high} + 1 - {low}) * rng.random({count}) ** 2).astype(int)"
    else:
        gap = f"{low} + ({high} - {low}) * rng.random({count}) ** 2"
    pandas_unit = {"D": "D", "h": "h", "m": "min", "s": "s"}[unit]
    sign = "+" if lows else "-"
    note = f"; {_relation(bounds, words)}, by a gap of {name}_low to {name}_high"
    if rhythm is not None and unit == "D" and not date:
        hours = f"{variable}_rhythm"
        params.append((hours, repr(rhythm), None))
        expression = (
            f"shape_after(rng, {edge}, {low}, {high}, {count}, {hours}, later={bool(lows)}, "
            f"strict={strict})"
        )
        note += f", at the hours and on the weekdays of {hours}"
    else:
        expression = (
            f"pd.Series(pd.to_datetime({edge}) {sign} pd.to_timedelta({gap}, "
            f"unit={pandas_unit!r}))"
        )
        expression += ".dt.normalize()" if date else '.dt.floor("s")'
    if column.min is not None or column.max is not None:
        # not clipped: a time past its bound takes one of those within (shape_inside)
        lower = f"pd.Timestamp({str(column.min)!r})" if column.min is not None else "None"
        upper = f"pd.Timestamp({str(column.max)!r})" if column.max is not None else "None"
        expression = (
            f"shape_inside(rng, {expression}, pd.to_datetime({edge}), {lower}, {upper}, "
            f"later={bool(lows)})"
        )
        if date:
            expression += ".dt.normalize()"
    if column.typical is not None and column.min is not None and column.max is not None:
        # a birth date at least 16 years before joining: its typical year where it is
        start, end = (f"pd.Timestamp({str(v)!r})" for v in (column.min, column.max))
        typical, more = _years_draw(column, variable, count, start, end)
        expression = (
            f"shape_within({typical}, {expression}, pd.to_datetime({edge}), {bool(lows)}, "
            f"{strict})"
        )
        params = more + params
        note += " where its typical year is not"
    return expression, note, params


def bound_column(tree: exp.Expression) -> str | None:
    """The column a bound is, as it is or cast (``CAST(booked_at AS DATE)``), else None."""
    while isinstance(tree, exp.Cast | exp.Paren):
        tree = tree.this
    return tree.name if isinstance(tree, exp.Column) else None


def _gap_after(
    column: Any, variable: str, edge: str, after: Any, strict: bool, count: str
) -> tuple[str, str, list[Parameter]]:
    """A date or time after its bound by the typical gap asked of the model (``typical_after``:
    days for a date, an invoice paid 25 days after it was issued, most in 10 to 45; minutes
    for a datetime), skewed right; a datetime to the second, a date in whole days (at least one
    where the check is strict)."""
    low, high = after.typical_range or (after.typical / 2, after.typical * 2)
    unit = "days" if column.type == "date" else "minutes"
    gap, spread = f"{variable}_gap_{unit}", f"{variable}_gap_{unit}_range"
    params: list[Parameter] = [
        (gap, _number(after.typical), None),
        (spread, f"({_number(low)}, {_number(high)})", None),
    ]
    last = repr(str(column.max)) if column.max is not None else "None"
    first = repr(str(column.min)) if column.min is not None else "None"
    if column.type == "date":
        expression = (
            f"shape_gap(rng, {edge}, {gap}, *{spread}, 'D', {last}, least={int(strict)}, "
            f"first={first}).dt.normalize()"
        )
    else:
        expression = f"shape_gap(rng, {edge}, {gap}, *{spread}, 'min', {last}, first={first})"
    return expression, f"; after {after.column}, typically {gap} {unit}", params


def _span_start(table_name: str, table: Any, name: str) -> str | None:
    """The column a date or time is the end of, in its own row (``shapes.spans``)."""
    from codegen.program.shapes import spans

    return next((start for start, end in spans(table_name, table) if end == name), None)


def _after_start(
    column: Any, variable: str, begin: str, start: str, drawn: str, end: str
) -> tuple[str, list[Parameter], str]:
    """(expression, parameters, note) of an end (its variable, and ``drawn``, its draw over
    its range) after its row's start (``begin``, the start's variable): by the typical gap
    (``typical_after``: the spec's, or the model's answer), else the ends drawn before their
    start moved some days after it."""
    after = column.typical_after
    if after is None or after.column != start:
        expression = f"shape_since(rng, {drawn}, {begin}, {end})"
        if column.type == "date":
            expression = f"{expression}.dt.normalize()"
        return expression, [], f"; after {start}"
    unit = "D" if column.type == "date" else "min"
    low, high = after.typical_range or (after.typical / 2, after.typical * 2)
    gap, spread = f"{variable}_gap", f"{variable}_gap_range"
    params: list[Parameter] = [
        (gap, _number(after.typical), None),
        (spread, f"({_number(low)}, {_number(high)})", None),
    ]
    words = "days" if unit == "D" else "minutes"
    expression = f"shape_gap(rng, {begin}, {gap}, *{spread}, {unit!r}, {end})"
    return expression, params, f"; after {start}, typically {gap} {words}"


def _years_draw(
    column: Any, variable: str, count: str, start: str, end: str
) -> tuple[str, list[Parameter]]:
    """A date or datetime around its typical year (``shaperuntime.shape_years``)."""
    low, high = column.typical_range or (column.typical - 5, column.typical + 5)
    year = lambda value: repr(round(float(value), 1))  # noqa: E731 (2004.5, not 2000)
    params: list[Parameter] = [
        (f"{variable}_typical_year", year(column.typical), None),
        (f"{variable}_typical_years", f"({year(low)}, {year(high)})", None),
    ]
    day = ", date=True" if column.type == "date" else ""
    expression = (
        f"shape_years(rng, {count}, {variable}_typical_year, *{variable}_typical_years, "
        f"{start}, {end}{day})"
    )
    return expression, params


def _edge_time(items: list[tuple[Bound, Code]], lower: bool, date: bool) -> str:
    """The tightest of a column's lower (or upper) time bounds; several fold their strictness
    (one day, or one second)."""
    texts = []
    step = f'np.timedelta64(1, "{"D" if date else "s"}")'
    for bound, code in items:
        text = code.text
        if bound.strict and len(items) > 1:
            text = f"({text} {'+' if lower else '-'} {step})"
        texts.append(text)
    combined = texts[0]
    for text in texts[1:]:
        combined = f"np.{'maximum' if lower else 'minimum'}({combined}, {text})"
    return combined


def _rule_source(table: Any, name: str) -> tuple[str, str, float, bool] | None:
    """(source column, "increasing"/"decreasing", how closely its order follows the source,
    whether a rule says so) when a rule makes ``name`` follow a column, or its ``follows`` does
    (read only with a typical value: its values are drawn for their own median and spread)."""
    for rule in table.rules:
        for kind in ("increasing", "decreasing"):
            pair = getattr(rule, kind, None)
            if pair and _ruled(table, pair)[1] == name:
                # stronger than the rule's least, so the check holds on any draw
                return _ruled(table, pair)[0], kind, min(0.95, max(0.8, rule.min_rho + 0.25)), True
    follows = table.columns[name].follows
    if follows is not None and table.columns[name].typical is not None:
        kind = "increasing" if follows.direction == "rises" else "decreasing"
        return follows.column, kind, float(follows.rho), False
    return None


def _ruled(table: Any, pair: list[str]) -> tuple[str, str]:
    """(source, target) of a rule's pair as drawn: the pair turned round where its target
    takes its parent's value (``of_parent``: a line's unit price is its product's) and its
    source does not, so the source follows the target instead (people buy cheap items in bulk:
    the quantity falls as the price rises). A rank correlation reads the same either way."""
    source, target = pair
    columns = table.columns
    if columns[target].of_parent is not None and columns[source].of_parent is None:
        return target, source
    return source, target


def _blank_expression(
    table: Any,
    name: str,
    column: Any,
    count: str,
    variables: dict[str, str],
    plan: TablePlan | None = None,
    table_name: str = "",
    related: Related | None = None,
    shapes: Shapes | None = None,
) -> tuple[str, list[Parameter]]:
    """The column's code, and the parameters (name, ``...``, kind) it uses that the model chooses.

    Judgement is confined to parameter lines (``house_size_m2_base, ... = ..., ...``) above a
    formula that is written out: small models fill such blanks far more reliably than they write
    the formula, and the formula keeps keys, bounds and rules right."""
    related = related or Related()
    category, level = related.category, related.level
    if level is not None and column.type in ("integer", "float") and series(table) is not None:
        # the entity's own level says more than a kind of it: a payslip's gross follows the
        # employee's salary (drawn by contract alone, January's and February's were unrelated)
        category = None
    kind = column.type
    variable = variables[name]
    low, high = _bound_code(column)
    source = _rule_source(table, name)
    params: list[Parameter] = []
    pattern = column.pattern or (_checked_pattern(table, name) if kind == "string" else None)
    pair = _place_pair(table) if kind == "string" else None
    if pair and name in pair:
        pattern = (
            None  # a country code that goes with its city: from the pairs (its pattern checks)
        )
    if kind == "string" and column.values_by and category is not None:
        # A menu item's name from its own category's list: a pizza is no "Tiramisu".
        ((_, lists),) = column.values_by.items()
        params = [(f"{variable}_by", repr(lists), None)]
        unique = bool(column.unique or column.primary_key)
        expression = (
            f"shape_values_by(rng, {variable}_by, {category}, {count}, unique={unique}, "
            f"slot={_slot(count)}, first={_first(count)}{_variants(column, variable, params)})"
        )
    elif pattern and kind == "string" and column.values is None:
        from codegen.program.patterns import pattern_call

        unique = bool(column.unique or column.primary_key)
        context = f"{table_name} {table.description or ''}"  # whose name a `name` column is
        expression = pattern_call(
            "rng", count, pattern, unique,
            name=name, description=column.description or "", context=context,
            part=_slot(count),
        ) or "..."  # fmt: skip
        pool = f"{variable}_pool"
        keep = _own_checks(table, name, pool, column.nullable)
        prefix = plan.columns[name].prefix if plan is not None else None
        draw = expression.replace(f"rng, {count},", "rng, size,", 1)  # a draw of any size
        if (keep is not None or prefix is not None) and expression != "...":
            if keep is not None:
                # A check on this column alone (`LEFT(icao_code, 1) IN ('E', 'L', 'B')`) filters
                # a larger draw: redrawing rows later could not keep a unique column unique.
                checks = " AND ".join(keep[1])
                size = "size" if prefix is not None else count
                draw = (
                    f"sql_filtered(lambda size: {draw}, lambda {pool}: {keep[0]}, {size}, "
                    f"{checks!r})"
                )
            if prefix is not None:
                # LEFT(iban, 2) = country_code: each row's value starts with its own country
                code = compile_value(prefix.tree, _refs(table, plan, variables), count)
                draw = f"sql_prefixed(lambda size: {draw}, {code.text}, {prefix.size}, {count})"
            expression = draw
        elif expression != "..." and _pooled(table, name, column, table_name):
            # An event table's code that is not the event's own (a consulting room): a few
            # values, repeated, not a new one on every row.
            expression = f"shape_pool(rng, lambda size: {draw}, {count})"
    elif (
        source is not None
        and kind in ("integer", "float")
        and ("." not in source[0] or related.followed is not None)
    ):
        origin = variables.get(source[0], _NOT_NAME.sub("_", source[0]).strip("_").lower())
        if related.followed is not None and not source[3]:  # its parent row's number
            origin = related.followed
        increasing = source[1] == "increasing"
        if source[3] and _proportional(table.columns[source[0]], column, increasing):
            expression, params = _proportional_expression(
                table.columns[source[0]], column, variable, origin, count
            )
            if kind == "integer":
                expression = f"np.round({expression}).astype(int)"
            return expression, params
        since = column.follows.since if column.follows is not None and not source[3] else None
        if since is not None and since in variables:  # the row's time from its start to its end
            origin = f"(pd.Series({origin}) - pd.Series({variables[since]})).dt.total_seconds()"
        if column.typical is not None:
            # What is typical of the column (a salary's median and skew), in an order that
            # follows the source (rising with the level), rather than a line through its bounds.
            drawn, params = _typical_draw(column, variable, count)
            follow = f"{variable}_follow"
            params.append((follow, _number(source[2]), None))
            expression = f"shape_follow(rng, {drawn}, {origin}, {follow}, increasing={increasing})"
            if category is not None:  # ordered by the source first, then moved to its category
                expression = _by_category(expression, column, variable, category, params)
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
    elif kind in ("integer", "float") and column.typical is None and category is not None:
        # Only each category's typical value (a bank movement's by its kind, signs differing):
        # each row drawn around its own category's.
        expression, params = _signed_draw(table, name, column, variable, count, category)
    elif kind in ("integer", "float") and column.typical is not None:
        expression, params = _typical_draw(column, variable, count, category, related.own)
        timeline = series(table)
        if timeline is not None and category is None and timeline[1] in variables:
            # a measurement per sensor per hour: each sensor's own level, moving slowly
            entity, time = (variables[key] for key in timeline)
            steady = f"{variable}_steady"
            params.append((steady, _number(steadiness(name, column.description)), None))
            follows = f", level={level}" if level is not None else ""
            if daily_swing(name, table.columns[timeline[1]]):  # cooler at night
                follows += f", daily={DAILY_SWING}"
            occupied = occupied_rhythm(shapes, name, table.columns[timeline[1]])
            if occupied is not None:  # CO2 climbs while the classroom is in use
                follows += f", occupied=({occupied!r}, {OCCUPIED_RISE}), bounds=({low}, {high})"
            expression = f"shape_series(rng, {expression}, {entity}, {time}, {steady}{follows})"
            if kind == "integer":
                expression = f"{expression}.astype(int)"
    elif (wide := _wide_bounds(name, column)) is not None:
        # Only bounds a decade or more apart, no typical value (the model's answer was a bound):
        # skewed around their geometric middle, as prices and sizes are, not even between them.
        typical, typical_low, typical_high = wide
        guessed = {"typical": typical, "typical_range": [typical_low, typical_high]}
        expression, params = _typical_draw(column.model_copy(update=guessed), variable, count)
    elif (steps := _ranks(name, column)) is not None:
        # An organisation's levels with nothing typical known: a pyramid, each level up a
        # fraction of the one below (many juniors, a few directors), not as many of each.
        first, last = steps
        ladder = f"np.arange({first}, {last} + 1)"
        params = [(f"{variable}_step_up", _number(RANK_STEP_UP), None)]
        shares = f"{variable}_step_up ** np.arange({last - first + 1})"
        expression = f"rng.choice({ladder}, size={count}, p={shares} / ({shares}).sum())"
    elif kind == "integer":
        typical_low, typical_high = _typical_range(column)
        if column.min is None:
            params.append((f"{variable}_low", _number(int(typical_low)), BlankKind.NUMBER))
        if column.max is None:
            params.append((f"{variable}_high", _number(int(typical_high)), BlankKind.NUMBER))
        first = repr(column.min) if column.min is not None else f"{variable}_low"
        last = f"{column.max!r} + 1" if column.max is not None else f"{variable}_high + 1"
        expression = f"rng.integers({first}, {last}, size={count})"
        if column.unique and not column.primary_key:  # a bib, a ticket number: never twice
            stream = _stream(table_name + name)
            expression = (
                f"shape_unique_ints({stream}, {first}, {last} - 1, {count}, {_first(count)})"
            )
        elif repeat_number(name, column):  # a second attempt is rarer than a first
            expression = f"shape_fewer_later(rng, {first}, {last}, {count}, {FEWER_LATER})"
    elif kind == "float":
        typical_low, typical_high = _typical_range(column)
        params = [
            (f"{variable}_mean", _number((typical_low + typical_high) / 2), BlankKind.NUMBER),
            (f"{variable}_sd", _number((typical_high - typical_low) / 6), BlankKind.NUMBER),
        ]
        expression = (
            f"np.clip(rng.normal({variable}_mean, {variable}_sd, size={count}), {low}, {high})"
        )
    elif kind == "string" and related.town is not None:
        expression = f"rng.choice({related.town}, size={count})"  # a depot in one of its towns
    elif kind == "string" and (
        named := _named_for_place(table, table_name, name, column, variables, count)
    ):
        expression = named  # Bergen Airport, in Bergen: not a list of names drawn apart
    elif kind == "string" and (
        realistic := _realistic_text(table, name, column, count, table_name)
    ):
        expression = realistic  # an email, a person's name, a city: Faker's, not a model's list
        gender = _gender_of(table, name, table_name)
        if gender is not None and gender in variables:
            # a woman's first name on the rows of women: "Jonas Hövel" had been a female runner
            from codegen.program.patterns import locale_code

            locale = locale_code("", f"{table_name} {table.description or ''}")
            expression = f"shape_gendered(rng, {expression}, {variables[gender]}, {locale})"
        local = _names_by_country(table, name, column, table_name, shapes)
        if local is not None and local[0] in variables:
            from codegen.program.patterns import pattern_call

            # a German customer of a Norwegian camper hire is called Lukas Becker, not Ola Berg
            country, locales = local
            draw = pattern_call(
                "rng", "k", _ANY_LINE, False, name=name, context=table_name, locale="locale"
            )
            expression = (
                f"shape_local_names({expression}, {variables[country]}, {locales!r}, "
                f"lambda k, locale: {draw})"
            )
    elif kind == "string" and (
        country := towns_country(table_name, table, name, column, shapes.context if shapes else "")
    ):
        # Real towns of the one country the description names, in the regions it names: a
        # small model's list had Rome and Barcelona for a chain in Lombardy.
        params = [(f"{variable}_values", "[...]", BlankKind.VALUES)]
        unique = bool(column.unique or column.primary_key)
        stream = _stream(table_name + name)
        description = shapes.context if shapes else ""
        expression = (
            f"shape_towns(rng, {variable}_values, {count}, {country!r}, {description!r}, "
            f"unique={unique}, stream={stream}, rows=rows[{table_name!r}], first={_first(count)})"
        )
    elif kind == "string" and pair and name in pair:
        # A city and its country go together: one list of pairs, not two lists drawn apart
        # (Rome in Sweden).
        from codegen.program.pattern_meaning import providers_for

        pairs = "_".join(_NOT_NAME.sub("_", n).strip("_").lower() for n in pair) + "_pairs"
        picked = f"{pairs}_picked"
        position = pair.index(name)
        unique = [i for i, n in enumerate(pair) if table.columns[n].unique]
        rows = pairs
        if position == 0:
            params = [(pairs, "[...]", BlankKind.PAIRS)]
            coded = [i for i, n in enumerate(pair) if providers_for(n) == ["country_code"]]
            if coded:  # a model asked for (city, country_code) pairs may write "France"
                rows = f"{pairs}_coded"
                params.append((rows, f"shape_codes({pairs}, {coded[0]}, {_COUNTRY_CODES!r})", None))
            city = next(i for i, n in enumerate(pair) if providers_for(n) == ["city"])
            if city in unique:  # more real cities of the countries listed, rather than numbers
                listed, rows = rows, f"{pairs}_more"
                one = shapes is not None and shapes.one_country
                # The same list in every part (a stream of the table's own, the whole table's
                # rows): rows are picked from it by their row number over all parts.
                stream = _stream(table_name)
                more = (
                    f"shape_places({stream}, {listed}, rows[{table_name!r}], {1 - city}, {city}, "
                    f"{_REAL_CITIES!r}, one_country={one})"
                )
                params.append((rows, more, None))
            pick = (
                f"shape_pick(rng, {rows}, {count}, {unique[0] if unique else None}, "
                f"{_slot(count)}, {_first(count)})"
            )
            params.append((picked, pick, None))
        elif any(table.columns[n].unique for n in pair):
            rows = f"{pairs}_more"
        elif any(providers_for(n) == ["country_code"] for n in pair):
            rows = f"{pairs}_coded"
        expression = (
            f"shape_part({rows}, {picked}, {position}, unique={position in unique}, "
            f"slot={_slot(count)}, first={_first(count)})"
        )
    elif kind == "string":
        params = [(f"{variable}_values", "[...]", BlankKind.VALUES)]
        expression = f"rng.choice({variable}_values, size={count})"
        if column.unique or column.primary_key:
            # Distinct values as given; only the rows past them numbered ("Lyon 2").
            expression = (
                f"shape_distinct(rng, {variable}_values, {count}, {_slot(count)}, "
                f"{_first(count)}{_variants(column, variable, params)})"
            )
        elif is_own_name(table_name, name, column):
            # A boat's name, a project's title: every name listed is given before any twice.
            expression = f"shape_every(rng, {variable}_values, {count})"
    else:
        expression = "..."
    return _stepped(expression, name, column, plan), params


def _variants(column: Any, variable: str, params: list[Parameter]) -> str:
    """The argument that hands a unique list's draw the column's ``variants`` ("1 kg",
    "(paperback)": what a name's second row is told apart by, before any is numbered), with
    their line added to ``params``; "" where it has none."""
    if not column.variants:
        return ""
    params.append((f"{variable}_variants", repr(list(column.variants)), None))
    return f", variants={variable}_variants"


def _stepped(expression: str, name: str, column: Any, plan: TablePlan | None) -> str:
    """``expression`` rounded to the step its checks ask for (``minutes % 5 = 0``), within the
    column's bounds."""
    step = plan.columns[name].step if plan is not None else None
    if step is None or expression == "...":
        return expression
    lowest = "None" if column.min is None else str(-(-int(column.min) // step) * step)
    highest = "None" if column.max is None else str(int(column.max) // step * step)
    expression = f"np.clip(np.round({expression} / {step}) * {step}, {lowest}, {highest})"
    return f"{expression}.astype(int)"


def _checked_pattern(table: Any, name: str) -> str | None:
    """A pattern that a check on the column alone states in other words: ``regexp_matches(x,
    'r')`` or ``regexp_full_match`` (strings matching r in full match it in part too), or
    ``x LIKE 'SKU-%'`` (``%`` as a word or more, ``_`` as one character)."""
    import re

    from sqlglot import exp

    from codegen.spec.checks import table_checks

    for _, parsed in table_checks(table):
        tree = parsed.tree
        if parsed.columns != (name,) or not isinstance(
            tree, exp.RegexpLike | exp.RegexpFullMatch | exp.Like
        ):
            continue
        subject, literal = tree.this, tree.expression
        if not isinstance(subject, exp.Column) or not isinstance(literal, exp.Literal):
            continue
        if not literal.is_string:
            continue
        if not isinstance(tree, exp.Like):
            return literal.this
        like = {"%": "[A-Za-z0-9]+", "_": "[A-Za-z0-9]"}
        return "".join(like.get(c, re.escape(c)) for c in literal.this)
    return None


def _own_checks(
    table: Any, name: str, variable: str, nullable: bool
) -> tuple[str, list[str]] | None:
    """A numpy mask over ``variable`` (a drawn array of the column) of the rows that meet every
    check of the table that reads this column alone, with those checks; None when there is none
    (or one does not compile). The pattern a check states (``regexp_matches``, ``LIKE``) is drawn
    from, not filtered by."""
    from sqlglot import exp

    from codegen.spec.checks import table_checks

    refs = {name: ColumnRef(variable, "string", nullable)}
    masks, texts = [], []
    for _, parsed in table_checks(table):
        if parsed.columns != (name,) or parsed.tree is None or not parsed.row_level:
            continue
        if isinstance(parsed.tree, exp.RegexpLike | exp.RegexpFullMatch | exp.Like):
            continue
        try:
            code = compile_condition(parsed.tree, refs, f"len({variable})")
        except CannotCompile:
            return None
        masks.append(f"pd.array({code.text}, dtype='boolean').fillna(True)")
        texts.append(parsed.text)
    return (" & ".join(f"({m})" for m in masks), texts) if masks else None


# A free-text column that says what it holds is drawn from Faker; any single line is allowed.
_ANY_LINE = ".+"
# Places stay with the model: a city must belong to its country and the description's region,
# and Faker's en_US cities are made up ("East Amandaview"). Patterns still use Faker's places.
_PLACES = {"city", "country", "country_code", "administrative_unit", "state", "postcode"}
_PLACES |= {"zipcode_plus4", "street_address", "street_name"}


# Words that make a code the row's own (a receipt number, a serial): drawn anew on each row.
_OWN_CODE = {"no", "nr", "num", "number", "ref", "reference", "receipt", "serial", "id", "uuid"}
_OWN_CODE |= {"key", "token", "hash", "iban", "account", "tracking", "barcode", "ean", "sku"}


def _pooled(table: Any, name: str, column: Any, table_name: str) -> bool:
    """Whether a pattern column repeats a few values: a software version (the firmware of a
    fleet of devices, updated together: a few versions, not one per device); or in a table of
    events (it has a foreign key), not unique, meaning nothing Faker knows (a phone, an email)
    and not the row's own number (``receipt_no``)."""
    from codegen.program.pattern_meaning import providers_for

    if column.unique or column.primary_key or column.references:
        return False
    context = f"{table_name} {table.description or ''}"
    providers = providers_for(name, column.description or "", context)
    if any(provider.split(":")[0] == "version" for provider in providers):
        return True
    if not any(c.references for c in table.columns.values()):
        return False
    if providers:
        return False
    return not set(re.findall(r"[a-z]+", name.lower())) & _OWN_CODE


def _real_cities() -> dict[str, str]:
    """Country names and ISO codes (lower case) to the Faker locales whose cities are real
    places (en_US's and fr_FR's are made up: "East Amandaview")."""
    from codegen.program.pattern_meaning import _LOCALES

    real = {"nl_NL", "nl_BE", "de_DE", "de_AT", "de_CH", "es_ES", "it_IT", "pt_PT", "pl_PL"}
    real |= {"sv_SE", "da_DK", "fi_FI", "cs_CZ", "el_GR", "ro_RO", "hu_HU"}
    names = {"netherlands": "nl_NL", "the netherlands": "nl_NL", "czech republic": "cs_CZ"}
    for words, locale in _LOCALES:
        if locale in real:
            names.update({word: locale for word in words})
            names[locale.split("_")[1].lower()] = locale  # its ISO code: ES, PT
    return dict(sorted(names.items()))


_REAL_CITIES = _real_cities()


def _country_codes() -> dict[str, str]:
    """A country's name or adjective, lower case, to its ISO 3166 code (the locale's region)."""
    from codegen.program.pattern_meaning import _LOCALES

    return {name: locale[-2:] for names, locale in _LOCALES for name in names if len(name) > 3}


_COUNTRY_CODES = _country_codes()


def _place_pair(table: Any) -> tuple[str, str] | None:
    """(country, city) columns of a table, free text both (no list, no pattern; a country code
    with its pattern), in the table's order: what one list of pairs fills."""
    from codegen.program.pattern_meaning import providers_for

    found: dict[str, str] = {}
    for name, column in table.columns.items():
        if column.type != "string" or column.values or column.references or column.primary_key:
            continue
        kind = providers_for(name)
        if kind == ["country_code"] and column.pattern and not column.unique:
            kind = ["country"]  # ES with Barcelona: the code's pattern still checks it
        elif column.pattern:
            continue
        if kind in (["country"], ["city"]) and kind[0] not in found:
            found[kind[0]] = name
    if len(found) != 2:
        return None
    return tuple(sorted(found.values(), key=list(table.columns).index))  # type: ignore[return-value]


_POPULATION = {"population", "inhabitants", "residents"}


def _coordinate_box(table: Any) -> tuple[float | None, ...]:
    """(south, north, west, east): the bounds of a table's latitude and longitude columns."""
    from codegen.program.shapes import _words

    box: list[float | None] = [None, None, None, None]
    for name, column in table.columns.items():
        words = set(_words(name.replace("_", " ")))
        at = 0 if words & LATITUDE_WORDS else 2 if words & LONGITUDE_WORDS else None
        if at is not None and column.type == "float":
            box[at] = None if column.min is None else float(column.min)
            box[at + 1] = None if column.max is None else float(column.max)
    return tuple(box)


def _placed_by(
    table: Any, name: str, column: Any, variables: dict[str, str]
) -> tuple[str, str, int | str, bool] | None:
    """(country code, city code, what, whether the country is a code) for a number that real
    places say: a latitude (``what`` 0) or longitude (1) of a table that says each row's
    country (a code or a name, free or from a list), with its city where it has one ("None"
    when not); a city's ``population`` of a table with a city, with its country where it has
    one (GeoNames has both: ``shaperuntime.shape_known_places``)."""
    from codegen.program.pattern_meaning import providers_for
    from codegen.program.shapes import _words

    words = set(_words(name.replace("_", " ")))
    what: int | str | None = 0 if words & LATITUDE_WORDS else 1 if words & LONGITUDE_WORDS else None
    if what is not None and column.type != "float":
        return None
    if what is None and words & _POPULATION and column.type == "integer":
        what = "population"
    if what is None or column.unique:
        return None
    found: dict[str, str] = {}
    coded = False
    for other, candidate in table.columns.items():
        if candidate.type != "string" or other not in variables or candidate.references:
            continue
        kind = providers_for(other)
        if kind in (["country_code"], ["country"]) and "country" not in found:
            found["country"], coded = variables[other], kind == ["country_code"]
        elif kind == ["city"]:
            found.setdefault("city", variables[other])
    needed = "city" if what == "population" else "country"
    if needed not in found:
        return None
    return found.get("country", "None"), found.get("city", "None"), what, coded


def _real_places_lines(
    table_name: str,
    table: Any,
    frame: str,
    count: str,
    variables: dict[str, str],
    plan: TablePlan,
    written: list[str],
    description: str,
) -> list[str]:
    """The line that makes a table of towns or cities real places (``shapes.real_places``): each
    row's name, region, coordinates and population from one place, the model's names first
    where they are real places of the country and the box; none for another table."""
    checked = {name for _, parsed in plan.checks for name in parsed.columns}
    places = real_places(table_name, table, description, checked)
    if places is None:
        return []
    parts = (places.name, places.region, places.latitude, places.longitude, places.population)
    listed = f"{variables[places.name]}_values"
    if not any(line.lstrip().startswith(f"{listed} =") for line in written):
        listed = "None"
    region = table.columns[places.region] if places.region else None
    regions = list(region.values) if region is not None and region.values else None
    population = table.columns[places.population] if places.population else None
    lowest = population.min if population is not None else None
    highest = population.max if population is not None else None
    stream = _stream(table_name)
    where = places.country or "any country"
    shown = ", ".join(p for p in parts if p)
    return [
        f"    # {shown}: real places of {where} inside the box, each with its own region,"
        " coordinates and population (the model's names first where real)",
        f"    {frame} = shape_real_places({stream}, {frame}, rows[{table_name!r}], "
        f"{_first(count)}, {parts!r}, {listed}, {places.country!r}, {places.box!r}, "
        f"{regions!r}, {lowest!r}, {highest!r}"
        + (f", apart_km={places.apart_km!r})" if places.apart_km else ")"),
    ]


def _email_from_names(
    table: Any, table_name: str, plan: TablePlan
) -> tuple[str, tuple[str, ...]] | None:
    """(email, name columns) of a table of people whose email can be made from the name (the
    first and last name, or a full name), when no check ties the email to another column."""
    from codegen.program.pattern_meaning import providers_for

    context = f"{table_name} {table.description or ''}"
    kinds: dict[str, str] = {}
    for name, column in table.columns.items():
        if column.type != "string" or column.values is not None or column.primary_key:
            continue
        for kind in ("email", "first_name", "last_name", "name"):
            if kind in providers_for(name, "", context) and kind not in kinds:
                kinds[kind] = name
                break
    email = kinds.get("email")
    if email is None:
        return None
    if any(email in parsed.columns and len(parsed.columns) > 1 for _, parsed in plan.checks):
        return None  # email = student_no || '@...': the check makes it
    if "first_name" in kinds and "last_name" in kinds:
        return email, (kinds["first_name"], kinds["last_name"])
    return (email, (kinds["name"],)) if "name" in kinds else None


def _gender_of(table: Any, name: str, table_name: str) -> str | None:
    """The column of a person's gender (listed values, named ``gender`` or ``sex``) in the
    table of a person's name column (``full_name``, ``first_name``, a person's ``name``)."""
    from codegen.program.pattern_meaning import providers_for
    from codegen.program.shapes import _words

    context = f"{table_name} {table.description or ''}"
    if not {"name", "first_name"} & set(providers_for(name, "", context)[:1]):
        return None
    found = [
        other
        for other, column in table.columns.items()
        if column.values and {"gender", "sex"} & set(_words(other))
    ]
    return found[0] if len(found) == 1 else None


def _names_by_country(
    table: Any, name: str, column: Any, table_name: str, shapes: Shapes | None
) -> tuple[str, dict[str, str]] | None:
    """(the country column, a Faker locale for each of its listed values other than the
    dataset's own) for a person's name column (not unique) in a table of people with their
    country from a list: each person named as people of their country are."""
    from codegen.program.pattern_meaning import locale_named, locale_of_country, providers_for

    context = f"{table_name} {table.description or ''}"
    if column.unique or providers_for(name, "", context)[:1] not in (
        ["name"], ["first_name"], ["last_name"]
    ):  # fmt: skip
        return None
    own = locale_named(shapes.context if shapes else "") or "en_US"
    for other, country in table.columns.items():
        if other == name or not country.values or "country" not in other.lower():
            continue
        locales = {
            str(value): locale
            for value in country.values
            if (locale := locale_of_country(str(value))) is not None and locale != own
        }
        return (other, locales) if locales else None
    return None


def _realistic_text(table: Any, name: str, column: Any, count: str, table_name: str) -> str | None:
    """Faker's values for a string column with no list and no pattern whose name or description
    says what it holds (``email``, ``city``, a customer's ``name``); None for any other."""
    from codegen.program.pattern_meaning import providers_for
    from codegen.program.patterns import pattern_call

    context = f"{table_name} {table.description or ''}"  # whose name a `name` column is
    # The column's name alone says what it holds: with no pattern to check values against, a
    # word in its description ("e.g. 'Homepage redesign'") would make a line item a URL.
    providers = providers_for(name, "", context)
    if column.values is not None or not providers or set(providers) & _PLACES:
        return None
    unique = bool(column.unique or column.primary_key)
    return pattern_call(
        "rng", count, _ANY_LINE, unique, name=name, context=context, part=_slot(count)
    )


def _named_for_place(
    table: Any, table_name: str, name: str, column: Any, variables: dict[str, str], count: str
) -> str | None:
    """Code naming each row of a table of facilities for its city (``shapes.named_for_place``):
    a small model's list of names belongs to no row's city ("Rome Fiume" in Barcelona) or is
    placeholders ("Hotel A")."""
    found = named_for_place(table_name, table, name, column)
    if found is None or found[1] not in variables:
        return None
    noun, city = found
    return f"shape_named_for({variables[city]}, {noun.title()!r}, {_first(count)})"


def _typical_draw(
    column: Any, variable: str, count: str, category: str | None = None, own: bool = False
) -> tuple[str, list[Parameter]]:
    """What real data typically holds (the spec's, or the model's answer checked against the
    bounds: codegen.pipeline.typical): values drawn around it, skewed where its range says so;
    with ``category`` (each row's), moved to the typical value of the row's category."""
    low, high = column.typical_range or _spread_around(column)
    whole = column.type == "integer"
    typical, first, last = _numbers(column.typical, low, high)
    params: list[Parameter] = [
        (f"{variable}_typical", typical, None),
        (f"{variable}_typical_range", f"({first}, {last})", None),
    ]
    lowest, highest = _bound_code(column)
    expression = (
        f"shape_typical(rng, {count}, {variable}_typical, *{variable}_typical_range, "
        f"{lowest}, {highest}, whole={whole})"
    )
    if category is not None:
        expression = _by_category(expression, column, variable, category, params, own)
    if column.zero_share is not None:  # no discount on most lines: those rows are 0
        params.append((f"{variable}_zero_share", _number(column.zero_share), None))
        expression = f"shape_zeros(rng, {expression}, {variable}_zero_share)"
    return (f"{expression}.astype(int)" if whole else expression), params


def _signed_draw(
    table: Any, name: str, column: Any, variable: str, count: str, category: str
) -> tuple[str, list[Parameter]]:
    """Values drawn around each row's category's typical value, sign kept, for a column with
    ``typical_by`` and no typical value overall (``shaperuntime.shape_signed_by``); rounded,
    for a category whose checks ask it, to the step they accept (cash machines pay out tens)."""
    (by, shares), _ = _by_parameter(variable, column)
    spread = f"{variable}_spread"
    params: list[Parameter] = [(by, shares, None), (spread, "0.6", None)]
    steps = _category_steps(table, name, column)
    if steps:
        params.append((f"{variable}_steps", repr(steps), None))
    # The spec's own bounds, not those its checks add: a check allowed to fail on a few rows
    # (most movements under EUR 2,000) would cap every salary; the checks are met below.
    lowest, highest = _bound_code(table.columns[name])
    whole = column.type == "integer"
    step_code = f", steps={variable}_steps" if steps else ""
    expression = (
        f"shape_signed_by(rng, {category}, {by}, {spread}, {lowest}, {highest}, "
        f"whole={whole}{step_code})"
    )
    return (f"{expression}.astype(int)" if whole else expression), params


_STEPS = (1, 5, 10, 50, 100)  # the steps a category's amounts may be asked to keep


def _category_steps(table: Any, name: str, column: Any) -> dict[str, int]:
    """Category -> the least step (whole euros, tens...) at which amounts around its typical
    value meet the checks on the two columns, for the categories whose checks do not accept
    any amount (``kind <> 'atm' OR ABS(amount_eur) % 10 = 0``): drawn freely, those rows would
    all be drawn again, under another category."""
    from codegen.spec.checks import checks_on

    ((by, typical_by),) = column.typical_by.items()
    checks = checks_on(table, {name, by})
    steps = {}
    for value, centre in typical_by.items():
        near = [centre * factor for factor in (0.45, 0.7, 1.3, 2.2)]
        if column.min is not None:
            near = [max(x, float(column.min)) for x in near]
        if column.max is not None:
            near = [min(x, float(column.max)) for x in near]
        row = {by: value}
        if _meets_at_step(checks, row, name, near, None):
            continue
        step = next(
            (step for step in _STEPS if _meets_at_step(checks, row, name, near, step)), None
        )
        if step is not None:
            steps[value] = step
    return steps


def _meets_at_step(
    checks: list[str], row: dict[str, Any], name: str, near: list[float], step: int | None
) -> bool:
    """Whether ``row`` meets ``checks`` with each of the amounts ``near`` in column ``name``,
    rounded to ``step`` (to cents when None)."""
    from codegen.spec.checks import row_meets

    rounded = [round(x, 2) if step is None else round(x / step) * step for x in near]
    return all(row_meets(checks, {**row, name: float(x)}) for x in rounded if x)


def _bound_code(column: Any) -> tuple[str, str]:
    """The column's min and max as code, ``None`` where it has none."""
    return tuple("None" if b is None else repr(b) for b in (column.min, column.max))  # type: ignore[return-value]


def _by_category(
    expression: str,
    column: Any,
    variable: str,
    category: str,
    params: list[Parameter],
    own: bool = False,
) -> str:
    """``expression``'s values moved to each row's category (``shaperuntime.shape_by``; ``own``:
    each row is its category, which it takes as it is); the line with each category's typical
    value is added to ``params``."""
    (by, shares), _ = _by_parameter(variable, column)
    params.append((by, shares, None))
    lowest, highest = _bound_code(column)
    whole = column.type == "integer"
    return (
        f"shape_by({expression}, {category}, {by}, {variable}_typical, {lowest}, {highest}, "
        f"whole={whole}{', own=True' if own else ''}{', rng=rng' if whole else ''})"
    )


def _by_parameter(variable: str, column: Any) -> tuple[tuple[str, str], str]:
    """((name, value) of the line with each category's typical value, the value overall)."""
    (values,) = column.typical_by.values()
    shown = "{" + ", ".join(f"{k!r}: {_number(v)}" for k, v in values.items()) + "}"
    overall = _number(column.typical) if column.typical is not None else "0.5"
    return (f"{variable}_by", shown), overall


def _by_name(column: Any) -> str:
    (by,) = column.typical_by
    return by


def _spread_around(column: Any) -> tuple[float, float]:
    """A typical range when only ``typical`` is known: a fifth of the span between the bounds
    on each side, else a quarter of the value (at least 1), kept within the bounds."""
    typical = float(column.typical)
    if column.min is not None and column.max is not None:
        width = (float(column.max) - float(column.min)) / 5
    else:
        width = max(abs(typical) / 4, 1.0)
    low, high = typical - width, typical + width
    if column.min is not None:
        low = max(low, float(column.min))
    if column.max is not None:
        high = min(high, float(column.max))
    return (low, high) if low < high else (typical - 1.0, typical + 1.0)


RANK_WORDS = {"level", "seniority", "rank", "band"}
RANK_STEP_UP = 0.7  # the people of a level, of the level below's
RANK_MOST_STEPS = 12


def _ranks(name: str, column: Any) -> tuple[int, int] | None:
    """(lowest, highest) of an integer naming a rank in an organisation (an employee's level
    from 1 to 7) with no typical value known: counted up from 0 or 1, a dozen steps at most."""
    from codegen.program.shapes import _words

    if column.type != "integer" or column.typical is not None or column.unique:
        return None
    if column.min not in (0, 1) or column.max is None or column.references:
        return None
    if not 2 <= column.max - column.min <= RANK_MOST_STEPS:
        return None
    words = _words(name)
    return (column.min, column.max) if words and words[-1] in RANK_WORDS else None


WIDE_BOUNDS = 10.0  # a column's max this many times its min: drawn on a log scale between them


def _wide_bounds(name: str, column: Any) -> tuple[float, float, float] | None:
    """(middle, 10th and 90th percentiles) for a positive number with no typical value whose
    bounds are ``WIDE_BOUNDS`` apart or more (a berth's daily rate, EUR 20 to 800): their
    geometric middle (126), the percentiles a fifth of the way in on a log scale (42 and 383).
    Not a unique number (a ticket's), nor a count of tries."""
    if column.type not in ("integer", "float") or column.typical is not None or column.unique:
        return None
    if column.min is None or column.max is None or repeat_number(name, column):
        return None
    low, high = float(column.min), float(column.max)
    if low <= 0 or high / low < WIDE_BOUNDS:
        return None
    ratio = high / low
    return math.sqrt(low * high), low * ratio**0.2, low * ratio**0.8


def _typical_range(column: Any) -> tuple[float, float]:
    """A range of values for a numeric column: where most of its values lie in real data
    (``typical_range``), else its bounds, or a guess from the one it has."""
    if column.typical is not None:
        return tuple(map(float, column.typical_range or _spread_around(column)))  # type: ignore[return-value]
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
    rate = 1.5 * y_low / x_low
    if source.typical and target.typical:  # the typical rate (a typical house's price per m2)
        rate = float(target.typical) / float(source.typical)
    slope, noise = f"{variable}_slope", f"{variable}_noise"
    spread = f"np.clip(rng.lognormal(0, {noise}, size={count}), 0.5, 2.0)"
    expression = f"np.clip({slope} * {origin} * {spread}, {target.min!r}, None)"
    return expression, [
        (slope, _number(rate), BlankKind.NUMBER),
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


def _number(value: float, digits: int = 3) -> str:
    """A default number, rounded to 3 significant digits so it reads like a choice."""
    if value == 0:
        return "0"
    if float(value).is_integer():
        return repr(int(value))
    return repr(float(f"{value:.{digits}g}"))


def _numbers(*values: float) -> list[str]:
    """``values`` as ``_number`` writes them, with as many more significant digits as keep
    those that differ apart: a city's longitude typically 12.55, most from 12.45 to 12.65, had
    become 12.6 from 12.5 to 12.6 (its stations drawn on two meridians)."""
    differ = len(set(values))
    for digits in range(3, 12):
        written = [_number(v, digits) for v in values]
        if len(set(written)) == differ:
            return written
    return [repr(float(v)) for v in values]
