"""Numbers that follow another column of their row, read from names before the program is made.

A used car first registered in 2008 has driven further and costs less than one from 2022; a
machine's engine hours grow with its years; an order of 40 items costs more than one of 5.
Drawn on their own, mileage, price and an order's total have nothing to do with the date or the
count beside them. Which way such a pair goes is read from the names, not asked: asked "do rows
with a later first_registered have a higher or lower mileage_km?" (or which of two rows, one
from 2008 and one from 2022, has the higher), the embedded 1.5B model answered "higher" or "the
older one" for nearly every pair of ten, true or not, and the same pair both ways as the
question was turned round (2026-11-28). So:

- a column of use that adds up over a thing's life (``mileage``, ``odometer``, ``engine_hours``,
  ``flight_hours``, ``cycles``) falls as the date it was made, registered, bought or put in
  service rises (a newer thing has been used less);
- a price or value falls with age (rises with the date) where the date is one of making or
  registration (cars, machines, devices: ``first_registered``, ``manufactured_on``,
  ``model_year``), or the dataset says the things are used or second-hand; not where it is a
  build date alone (an old house is no cheaper);
- a total, an amount, a weight of a row rises with the count of the things it adds up
  (``items``, ``quantity``, ``units``): a basket of more items costs more;
- a count of what a life adds up (a cow's ``lactation``, a person's ``children``, their
  ``years_experience``) rises with age: falls as the birth date is later;
- pay (a ``salary``, ``wage``, ``income``, an ``expected_salary``) rises with experience
  (``years_experience``, ``seniority``, ``tenure``), the row's own or its person's through a
  reference (an application's expected salary, its candidate's years);
- what a row charges (a ``fee``, ``fare``, ``price``, ``cost``, ``total``, ``amount``; not a
  rate per hour or per day) rises with the time from its start to its end (``shapes.spans``):
  a car parked longer pays more, a longer hire or hotel stay costs more;
- what a row charges (as above) and how long it takes (``duration``, ``minutes``) rise with
  the distance it covers (``distance_km``, ``miles``; not a thing's ``odometer``): a taxi
  trip of 12 km costs more and lasts longer than one of 3 (where a span from start to end
  is there too, a charge follows the span: a hire is paid by the day, not the km);
- a home's rooms (``rooms``, ``bedrooms``, ``bathrooms``) and its price or rent rise with its
  floor area (``size_m2``, ``area_sqft``, ``living_space``), where that comes first: a flat of
  40 m2 has one or two rooms, not five, and rents for less than one of 120 m2.

The column keeps its typical median and spread (``typical``, asked before); only the order of
its values follows the other column (``follows``, spec v1; ``shaperuntime.shape_follow``).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from codegen.pipeline.attempt import Progress
from codegen.program.shapes import _words  # splits snake_case and camelCase names
from codegen.spec.model import Spec

# The date a thing's life is counted from: made, registered, bought or put in service.
MADE_WORDS = {"registered", "registration", "manufactured", "manufacture", "production", "produced"}
SINCE_WORDS = MADE_WORDS | {
    "built", "build", "construction", "constructed", "purchased", "purchase", "bought",
    "acquired", "acquisition", "installed", "installation", "commissioned",
}  # fmt: skip
# Use that adds up over a thing's life.
USE_WORDS = {"mileage", "odometer", "kilometrage", "cycles", "landings"}
USE_HOURS = {"engine", "operating", "running", "flight", "flying", "machine", "service", "usage"}
# What a thing is worth, which falls as it ages.
VALUE_WORDS = {"price", "value", "valuation", "worth", "resale"}
# A price fixed when the thing was new: no lower for an older one.
NEW_PRICE_WORDS = {"purchase", "original", "list", "msrp", "new", "initial", "rrp"}
USED_WORDS = {"used", "secondhand", "preowned"}

# The count of what a row adds up, and what rises with it.
COUNT_WORDS = {"items", "quantity", "qty", "units", "pieces", "articles", "lines", "products"}
TOTAL_WORDS = {"total", "subtotal", "amount", "sum", "value", "cost", "weight", "volume"}

# What a row charges for its time, and the words of a price per unit of time (no longer stay
# makes an hourly rate higher).
CHARGE_WORDS = {"fee", "fare", "price", "cost", "charge", "charged", "total", "amount", "paid"}
PER_WORDS = {"rate", "per", "hourly", "daily", "nightly", "weekly", "monthly", "unit", "tariff"}

# What a life adds up (counted from a birth: ``typical.is_birth``).
LIFE_WORDS = {
    "lactation", "lactations", "calvings", "parity", "children", "kids", "litters",
    "pregnancies", "grandchildren", "experience",
}  # fmt: skip

# Pay, and the experience it rises with.
PAY_WORDS = {"salary", "salaries", "wage", "wages", "pay", "income", "compensation", "earnings"}
EXPERIENCE_WORDS = {"experience", "seniority", "tenure"}

# A distance a row covers, and how long it takes.
DISTANCE_WORDS = {"distance", "km", "kilometres", "kilometers", "miles", "mi"}
DURATION_WORDS = {"duration", "minutes", "min", "mins", "seconds", "secs", "hours", "time"}

# A floor area, and a price of the whole thing (not one per square metre).
AREA_WORDS = {"m2", "sqm", "sqft", "area", "footage"}
ROOM_WORDS = {"rooms", "bedrooms", "bathrooms", "beds", "baths"}
WORTH_WORDS = {"price", "rent", "value", "valuation", "worth"}

USE_RHO = 0.85  # mileage by age: close (ranks ~0.84), yet a few old cars were driven little
VALUE_RHO = 0.7  # price by age: looser (ranks ~0.68), the make and the model count as much
TOTAL_RHO = 0.8  # a total by its items: close, what each item costs varies
SPAN_RHO = 0.8  # a fee by the stay: close, the tariffs of places and kinds of customer vary
PAY_RHO = 0.6  # pay by experience: loose, the role and the place count as much
LIFE_RHO = 0.8  # calvings by age: a few calve late or skip a year; whole numbers tie
ROOMS_RHO = 0.75  # rooms by floor area: close (ranks ~0.7-0.8), layouts vary
AREA_WORTH_RHO = 0.6  # a price or rent by floor area: loose, the place counts as much
DISTANCE_CHARGE_RHO = 0.85  # a metered fare by the km: close, waiting in traffic adds some
DISTANCE_TIME_RHO = 0.75  # minutes by the km: traffic, the hour and the road vary them


class Trend(NamedTuple):
    """A number of a table that follows another column of its row (``Follows``)."""

    table: str
    column: str
    source: str
    direction: str  # "rises" or "falls"
    rho: float
    since: str | None = None  # the source is the time from this column to ``source``


def _age_source(table: Any) -> tuple[str, bool] | None:
    """(column, whether it is a date of making or registration) the table's things age from:
    the one date, datetime or year whose name says when a thing was made, registered, bought or
    put in service; None when there is none or more than one."""
    found = []
    for name, column in table.columns.items():
        words = set(_words(name))
        year = column.type == "integer" and bool(words & {"year", "yr"})
        if column.type not in ("date", "datetime") and not year:
            continue
        made = bool(words & MADE_WORDS) or {"model", "year"} <= words
        in_service = {"in", "service"} <= words or {"service", "since"} <= words
        if made or words & SINCE_WORDS or in_service:
            found.append((name, made))
    return found[0] if len(found) == 1 else None


def _birth_source(table: Any) -> str | None:
    """The one date, datetime or year of the table's rows' birth (``born_on``, ``birth_year``)."""
    from codegen.pipeline.typical import is_birth

    found = [
        name
        for name, column in table.columns.items()
        if is_birth(name, column)
        and column.type != "float"  # a birth weight is no birth
        and not (column.primary_key or column.references)
    ]
    return found[0] if len(found) == 1 else None


def _is_life_count(name: str, column: Any) -> bool:
    return column.type == "integer" and bool(set(_words(name)) & LIFE_WORDS)


def _experience_source(spec: Spec, table_name: str) -> str | None:
    """The one number of experience of the table's rows (``years_experience``), or else of the
    row one of its references points at (``candidate_id.years_experience``); None otherwise."""
    table = spec.tables[table_name]

    def found(columns: dict[str, Any]) -> list[str]:
        return [
            name
            for name, column in columns.items()
            if column.type in ("integer", "float")
            and not (column.primary_key or column.references or column.values)
            and set(_words(name)) & EXPERIENCE_WORDS
        ]

    own = found(table.columns)
    if own:
        return own[0] if len(own) == 1 else None
    through = []
    for via, column in table.columns.items():
        parent = (column.references or "").split(".", 1)[0]
        if parent and parent != table_name and parent in spec.tables:
            through += [f"{via}.{name}" for name in found(spec.tables[parent].columns)]
    return through[0] if len(through) == 1 else None


def _is_pay(name: str) -> bool:
    words = set(_words(name))
    return bool(words & PAY_WORDS) and not words & PER_WORDS


def _is_use(name: str) -> bool:
    words = set(_words(name))
    if words & USE_WORDS:
        return True
    return bool({"hours", "hrs", "h"} & words and words & USE_HOURS)


def _is_value(name: str) -> bool:
    words = set(_words(name))
    return bool(words & VALUE_WORDS) and not words & NEW_PRICE_WORDS


def _said_used(spec: Spec, table_name: str) -> bool:
    text = f"{spec.description or ''} {spec.tables[table_name].description or ''}"
    lowered = text.lower()
    return (
        bool(set(_words(text)) & USED_WORDS) or "second-hand" in lowered or "pre-owned" in lowered
    )


def _count_source(table: Any) -> str | None:
    """The one whole-number column that counts what a row adds up (an order's ``items``)."""
    found = [
        name
        for name, column in table.columns.items()
        if column.type == "integer"
        and not (column.primary_key or column.references or column.values)
        and set(_words(name)) & COUNT_WORDS
    ]
    return found[0] if len(found) == 1 else None


def _is_total(name: str) -> bool:
    return bool(set(_words(name)) & TOTAL_WORDS)


# Spans whose length is no time used or stayed: an invoice's term, a parcel's delivery, a
# ticket's resolution. An invoice due later is no larger.
NOT_USE_WORDS = {"issued", "sent", "ordered", "shipped", "created", "booked", "hired", "opened"}


def _span(table_name: str, table: Any) -> tuple[str, str] | None:
    """The one (start, end) of the table's rows that is a time used or stayed (a stay, a hire,
    a trip: ``shapes.spans``), None when none or several."""
    from codegen.program.shapes import spans

    found = [pair for pair in spans(table_name, table) if not set(_words(pair[0])) & NOT_USE_WORDS]
    return found[0] if len(found) == 1 else None


def _parts(name: str) -> set[str]:
    """A name's parts as written, digits kept (``size_m2``: size, m2)."""
    import re

    return set(re.split(r"[^a-z0-9]+", name.lower())) - {""}


def _area_source(table: Any) -> str | None:
    """The one number of the table's things' floor area (``size_m2``, ``living_space``)."""
    found = []
    for name, column in table.columns.items():
        parts = _parts(name)
        area = bool(parts & AREA_WORDS) or {"living", "space"} <= parts
        keyed = column.primary_key or column.references or column.values
        numeric = column.type in ("integer", "float")
        if numeric and area and not keyed and not parts & {"per", "price", "rent", "cost"}:
            found.append(name)
    return found[0] if len(found) == 1 else None


def _distance_source(table: Any) -> str | None:
    """The one number of the distance a row covers (a trip's ``distance_km``), not what a
    thing has covered in its life (``odometer_km``, ``mileage``: ``_is_use``)."""
    found = [
        name
        for name, column in table.columns.items()
        if column.type in ("integer", "float")
        and not (column.primary_key or column.references or column.values)
        and _parts(name) & DISTANCE_WORDS
        and not _parts(name) & (PER_WORDS | CHARGE_WORDS)  # a rate per km is no distance
        and not _is_use(name)
    ]
    return found[0] if len(found) == 1 else None


def _is_duration(name: str) -> bool:
    """How long a row takes (``duration_min``, ``minutes``): not a rate per minute."""
    parts = _parts(name)
    return bool(parts & DURATION_WORDS) and not parts & (PER_WORDS | CHARGE_WORDS)


def _is_rooms(name: str, column: Any) -> bool:
    return column.type == "integer" and bool(set(_words(name)) & ROOM_WORDS)


def _is_worth_of_area(name: str) -> bool:
    """A price or rent of the whole thing: not one per square metre, nor a rate per night."""
    words = _parts(name)
    return bool(words & WORTH_WORDS) and not words & (AREA_WORDS | {"per", "nightly", "daily"})


def _is_charge(name: str) -> bool:
    words = set(_words(name))
    return bool(words & CHARGE_WORDS) and not words & PER_WORDS


def trends(spec: Spec) -> list[Trend]:
    """Each number that follows its thing's age, the count of what it adds up, its row's time
    from start to end or distance, its birth or its experience (see the module): an integer
    or float with a typical value, drawn freely (no key, no bound or value from a check, not
    shaped by a rule, its parent's row or a window)."""
    from codegen.program.rules import plan_table

    found = []
    for table_name, table in spec.tables.items():
        age = _age_source(table)
        count = _count_source(table)
        span = _span(table_name, table)
        birth = _birth_source(table)
        experience = _experience_source(spec, table_name)
        area = _area_source(table)
        distance = _distance_source(table)
        if all(x is None for x in (age, count, span, birth, experience, area, distance)):
            continue
        order = list(table.columns)
        plan = plan_table(table, table_name)
        ruled = {
            name
            for rule in table.rules
            for name in (
                getattr(rule, "increasing", None) or getattr(rule, "decreasing", None) or []
            )
        }
        for name, column in table.columns.items():
            # pay that is a share of its parent's band (a candidate's expected salary, the
            # job's top): the share rises with experience, typical value or not
            banded = (
                experience is not None
                and _is_pay(name)
                and column.of_parent is not None
                and column.of_parent.relation not in ("same", "times")
                and column.of_parent.share is not None
                and column.follows is None
            )
            if column.type not in ("integer", "float") or (column.typical is None and not banded):
                continue
            keyed = column.primary_key or column.unique or column.references
            shaped = column.follows is not None or (column.of_parent is not None and not banded)
            planned = plan.columns[name]
            fixed = planned.define is not None or planned.bounds or planned.window
            if keyed or shaped or fixed or name in ruled or name == count:
                continue
            if age is not None and _is_use(name):
                found.append(Trend(table_name, name, age[0], "falls", USE_RHO))
            elif age is not None and _is_value(name) and (age[1] or _said_used(spec, table_name)):
                found.append(Trend(table_name, name, age[0], "rises", VALUE_RHO))
            elif count is not None and _is_total(name):
                found.append(Trend(table_name, name, count, "rises", TOTAL_RHO))
            elif span is not None and _is_charge(name):
                found.append(Trend(table_name, name, span[1], "rises", SPAN_RHO, since=span[0]))
            elif distance is not None and name != distance and _is_charge(name):
                found.append(Trend(table_name, name, distance, "rises", DISTANCE_CHARGE_RHO))
            elif distance is not None and name != distance and _is_duration(name):
                found.append(Trend(table_name, name, distance, "rises", DISTANCE_TIME_RHO))
            elif birth is not None and _is_life_count(name, column):
                found.append(Trend(table_name, name, birth, "falls", LIFE_RHO))
            elif experience is not None and _is_pay(name):
                found.append(Trend(table_name, name, experience, "rises", PAY_RHO))
            elif area is not None and order.index(area) < order.index(name):
                if _is_rooms(name, column):
                    found.append(Trend(table_name, name, area, "rises", ROOMS_RHO))
                elif _is_worth_of_area(name):
                    found.append(Trend(table_name, name, area, "rises", AREA_WORTH_RHO))
    return found


def with_trends(spec: Spec, progress: Progress | None = None) -> Spec:
    """``spec`` with ``follows`` set on the numbers of ``trends``."""
    found = trends(spec)
    if not found:
        return spec
    say = progress or (lambda line: None)
    data = spec.model_dump(mode="json", exclude_none=True)
    for trend in found:
        target = data["tables"][trend.table]["columns"][trend.column]
        target["follows"] = {"column": trend.source, "direction": trend.direction, "rho": trend.rho}
        way = "lower" if trend.direction == "falls" else "higher"
        if trend.since is not None:
            target["follows"]["since"] = trend.since
            larger = f"{trend.source} is longer after {trend.since}"
        else:
            larger = f"{trend.source} is larger"
        say(f"follows {trend.table}.{trend.column}: {way} where {larger}")
    return Spec.model_validate(data)
