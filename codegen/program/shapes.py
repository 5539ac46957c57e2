"""Realistic shapes the starting program draws without asking the model.

Real data is not uniform: a few customers place many orders and most place one or two; people
order in the evening, see the doctor in office hours, go to the gym before and after work and at
weekends. A spec rarely says so, and a small model would not be asked it reliably, so the starting
program draws these shapes itself (with ``codegen.program.shaperuntime``), decided here from the
spec's structure and words:

  - **fan-out**: a foreign key picks each parent with a log-normal share of the children
    (``<column>_skew``, 1 by default), every parent at least once where the rows are its parts
    (order_items of orders). An even spread where that is right: a parent that is a short list
    to pick from (doctors, plans, branches: ``LOOKUP_ROWS`` rows or a row per listed value),
    machine readings (each sensor reports alike), a one-to-one key (distinct parents). Keys of
    two columns and trees are drawn elsewhere and stay even.
  - **rhythm**: a date or datetime drawn freely over its range, in a table about people's
    activity, gets that activity's hours and weekdays (``<column>_rhythm``: office, shopping,
    leisure, travel, meals); machine readings and life events (a sensor's timestamps, a birth
    date) stay uniform. Columns a check defines or bounds by other columns are drawn elsewhere.
  - **groups of people**: in a table pairing people with what they belong to (employees with
    projects, volunteers with teams), a leading role (lead, captain, chair) is held by one row
    of each group, and a person's time per week on each (hours, allocation) adds up to the
    column's greatest value at most.

Each shape is a named line in the program, not a blank: the user (or the model) may change it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from codegen.program.pattern_meaning import PEOPLE, providers_for
from codegen.spec.rows import LOOKUP_ROWS, is_lookup  # noqa: F401  (kept here too)

# A parent table with this many rows or fewer is a list to pick from, each about as often.
SKEW = 1.0  # log-normal spread of the parents' shares (see shaperuntime.shape_shares)
FEW_PER_PARENT = 3  # fewer children per parent than this: every parent has one
# The spread of children about a parent's size (its spaces, seats): ranks of size and children
# correlate at about 0.8 with the sizes of a car park's spaces (50-2,000).
SIZED_SKEW = 0.4

# What a table or column is about, read from its words. A word names a stem as it is or with an
# ending (orders, ordered, ordering); each list is searched in the order given.
_SUFFIXES = ("", "s", "es", "d", "ed", "ing", "ings", "er", "ers", "ion", "ions", "ment", "ments")
_STEADY = (  # machine readings and life events: no daily rhythm of people
    "sensor reading measure metric telemetry device probe heartbeat sample signal backup cron "
    "batch sync birth birthday birthdate born dob death die deceased expire expiry expiration "
    "install installation manufacture built founded established publish release valid"
).split()
_RHYTHMS = {
    "office": "office ticket invoice claim expense appointment apply applied application approve "
    "approval request hire hiring payslip payroll salary meeting complaint inquiry enquiry support "
    "project exam submit submitted submission timesheet quote contract bank clinic consult lesson "
    "incident issue task employee staff patient student enrol enroll enrolment enrollment "
    "desk coworking workspace office viewing",
    "practice": "practice dental dentist doctor physio physiotherapy physiotherapist "
    "orthodontist orthodontic optician optometrist chiropractor osteopath",
    "shopping": "order purchase sale transaction payment checkout cart basket shop shopping login "
    "logon signin signup sign register registration session subscription subscribe review rating "
    "rated comment search click download transfer deposit withdrawal",
    "leisure": "visit visitor checked checkin workout booking reservation reserve loan borrow "
    "rental rent stream play game match event attend attendance gym fitness club museum "
    "hotel library join",
    "meals": "restaurant pizzeria pizza cafe bistro diner trattoria osteria brasserie eatery "
    "canteen takeaway meal lunch dinner brunch menu dish",
    "travel": "flight depart departure arrive arrival trip ride journey taxi travel airline "
    "airport passenger rail ferry",
    "shows": "cinema movie film screening show theatre theater playhouse concert gig opera ballet "
    "musical showtime",
    "milking": "milk",
    "care": "daycare kinderopvang childcare nursery kindergarten kita creche preschool "
    "playgroup afterschool",
    "errands": "parking parked carpark carparks garage charging charger refuel refueling fuel "
    "petrol carwash",
}
_KINDS = [("steady", set(_STEADY))] + [(k, set(v.split())) for k, v in _RHYTHMS.items()]
_MEALS = dict(_KINDS)["meals"]
_SHOWS = dict(_KINDS)["shows"]
_ERRANDS = dict(_KINDS)["errands"]
_PRACTICE = dict(_KINDS)["practice"]


@dataclass(frozen=True)
class Shapes:
    """What a spec's structure says of its shapes: the parent tables whose children spread
    evenly (lookups), the tables of machine readings (each machine reports alike), and the
    dataset's description (words that tell whose activity its tables record)."""

    even_parents: frozenset[str]
    machine_tables: frozenset[str] = frozenset()
    context: str = ""
    # (child, parent) tables with one to FEW_PER_PARENT children per parent: each parent has
    # one or more (every student has results, every customer an account)
    few_per_parent: frozenset[tuple[str, str]] = frozenset()
    # the dataset is of one country it does not name ("a mid-size European country")
    one_country: bool = False
    # a parent table's column of how much it holds (a car park's spaces, a station's docks, a
    # hotel's rooms): its children come in proportion, a bigger car park has more cars
    sizes: tuple[tuple[str, str], ...] = ()
    # (child table, parent table, the parent's outcome column, its outcomes that leave nothing
    # after them): a bill for each reservation that was kept, none for a cancelled one
    settled: tuple[tuple[str, str, str, tuple[str, ...]], ...] = ()

    @classmethod
    def of(cls, spec: Any) -> Shapes:
        """The shapes of a spec (a ``codegen.spec.model.Spec``)."""
        tables = spec.tables.items()
        even = frozenset(name for name, table in tables if is_lookup(table))
        machines = frozenset(name for name, table in tables if _steady(name, table.description))
        few = frozenset(
            (child, parent)
            for child, _, parent, _ in spec.references()
            if child != parent
            and not is_activity(child)  # a member may never visit; regulars visit a lot
            and spec.tables[parent].rows
            <= spec.tables[child].rows
            < FEW_PER_PARENT * spec.tables[parent].rows
        )
        sized = tuple((name, size) for name, table in tables if (size := capacity(name, table)))
        return cls(
            even,
            machines,
            spec.description or "",
            few,
            one_country(spec.description),
            sized,
            settled_keys(spec),
        )


def settled_keys(spec: Any) -> tuple[tuple[str, str, str, tuple[str, ...]], ...]:
    """(child table, parent table, the parent's outcome column, its undone outcomes) of each
    key from a table of what follows a parent's taking place (``undone_outcomes``)."""
    return tuple(
        (child, parent, *found)
        for child, _, parent, _ in spec.references()
        if child != parent and (found := undone_outcomes(child, spec.tables[parent]))
    )


# Outcomes after which nothing follows (no bill for a cancelled booking, no review of an order
# that failed), as their letters alone: ``no_show`` is noshow.
_UNDONE = {
    "cancelled", "canceled", "cancellation", "noshow", "rejected", "declined", "failed",
    "abandoned", "expired", "void", "voided", "withdrawn", "refused", "missed", "lost",
}  # fmt: skip
# Rows there are only once what their parent is took place: a bill, a payment, a review of it.
_AFTERMATH = {
    "bill", "invoice", "receipt", "payment", "review", "rating", "feedback", "survey", "tip",
    "shipment", "delivery", "settlement", "checkout", "transaction", "charge",
}  # fmt: skip


def undone_outcomes(child: str, parent: Any) -> tuple[str, tuple[str, ...]] | None:
    """(the parent's outcome column, the outcomes after which nothing follows) where a child
    table's rows follow their parent's taking place (``bills``, ``payments``, ``reviews``) and
    the parent lists outcomes some of which are undone (a reservation ``completed``,
    ``cancelled`` or ``no_show``): a restaurant's bills went to cancelled tables and no-shows
    alike. None otherwise."""
    if _singular(child.lower().split("_")[-1]) not in _AFTERMATH:
        return None
    for name, column in parent.columns.items():
        if column.type != "string" or not column.values or column.primary_key:
            continue
        undone = tuple(
            str(value)
            for value in column.values
            if re.sub(r"[^a-z]", "", str(value).lower()) in _UNDONE
        )
        if undone and len(undone) < len(column.values):
            return name, undone
    return None


# How much a place holds. A table of places with one such column gets children in proportion.
_CAPACITY = {
    "capacity", "spaces", "seats", "docks", "beds", "rooms", "bays", "berths", "pitches",
    "places", "slots", "stalls", "desks", "chargers", "pumps", "lanes", "courts",
}  # fmt: skip


# Tables of vehicles: a bigger bus or ferry does not sail more often, a 7-seat car is not hired
# more than a 5-seat one; it is places that get more visits for their size.
_VEHICLES = {
    "car", "cars", "vehicle", "vehicles", "aircraft", "aircrafts", "plane", "planes", "airplanes",
    "bus", "buses", "coach", "coaches", "ferry", "ferries", "vessel", "vessels", "ship", "ships",
    "boat", "boats", "bike", "bikes", "bicycles", "truck", "trucks", "van", "vans", "train",
    "trains", "tram", "trams", "fleet",
}  # fmt: skip


def capacity(table_name: str, table: Any) -> str | None:
    """The one whole-number column of a table of places that says how much each holds
    (``spaces``, ``seats``, ``docks``, ``beds``), drawn freely; None when none or several, and
    for a table of vehicles."""
    if _words(table_name)[-1:] and _words(table_name)[-1] in _VEHICLES:  # car_parks: parks
        return None
    found = [
        name
        for name, column in table.columns.items()
        if column.type == "integer"
        and not (column.primary_key or column.unique or column.references or column.values)
        and set(_words(name)[-1:]) & _CAPACITY  # its last word: total_spaces, not seats_sold
    ]
    return found[0] if len(found) == 1 else None


def one_country(description: str | None) -> bool:
    """Whether a dataset is of one country it does not name: "the housing market of a mid-size
    European country", not "a shop that ships to any country"."""
    found = re.search(r"\b(a|one|the same)\b([\w\s-]{0,40}?)\bcountry\b", description or "")
    many = {"any", "every", "each", "other", "another", "many", "several", "multiple", "per"}
    return found is not None and not many & set(_words(found[0]))


def is_activity(table_name: str) -> bool:
    """Whether a table's rows are things people do (visits, loans, appointments, orders), by
    its name: some people do them often, some never, unlike what they hold (accounts)."""
    return _kind(_words(table_name)) not in (None, "steady")


def foreign_key(
    shapes: Shapes | None, column: Any, table_name: str, parent_table: str, frame: str,
    parent_column: str, variable: str, count: str,
) -> tuple[str, str, list[tuple[str, str, None]]]:  # fmt: skip
    """(expression, note, parameter lines) of a foreign key of ``table_name`` to
    ``parent_column`` of another table (its DataFrame ``frame``): distinct keys for a one-to-one
    key; evenly from a lookup, or for machine readings (each sensor reports alike); else by the
    parents' skewed shares, each parent at least once where the table holds its parts
    (order_items of orders)."""
    keys = f"{frame}[{parent_column!r}].to_numpy()"
    settled = [s for s in (shapes.settled if shapes else ()) if s[:2] == (table_name, parent_table)]
    kept = None
    if settled:  # the parents that took place (no bill for a cancelled booking)
        _, _, outcome, undone = settled[0]
        kept = f"~{frame}[{outcome!r}].isin({list(undone)!r}).to_numpy()"
        after = f"; for the {parent_table} not {', '.join(undone)} first"
    if column.unique or column.primary_key:  # one row per parent at most
        if kept is not None:
            return (
                f"shape_first_keys(rng, {keys}, {count}, {kept})",
                f"; one row per parent{after}",
                [],
            )
        return f"rng.choice({keys}, size={count}, replace=False)", "; one row per parent", []
    if shapes is None or parent_table in shapes.even_parents or table_name in shapes.machine_tables:
        if kept is not None:
            share = f"shape_only(np.ones(len({frame})), {kept})"
            return f"shape_keys(rng, {keys}, {count}, {share})", after, []
        return f"rng.choice({keys}, size={count})", "", []
    skew, share = f"{variable}_skew", f"{variable}_share"
    params = [(skew, repr(SKEW), None), (share, f"shape_shares(rng, len({frame}), {skew})", None)]
    note = f"; a few of the {parent_table} have many rows here, most few ({skew}: 0 for all alike)"
    size = dict(shapes.sizes).get(parent_table)
    if size is not None:  # a car park's cars in proportion to its spaces, give or take
        params = [
            (skew, repr(SIZED_SKEW), None),
            (share, f"shape_shares(rng, len({frame}), {skew}, {frame}[{size!r}])", None),
        ]
        note = f"; the {parent_table} with more {size} have more rows here ({skew}: the spread)"
    every = ""
    if kept is not None:
        return (
            f"shape_keys(rng, {keys}, {count}, shape_only({share}, {kept}))",
            note + after,
            params,
        )
    if is_part_of(table_name, parent_table) or (table_name, parent_table) in shapes.few_per_parent:
        note = (
            f"; every one of the {parent_table} has one or more, a few many ({skew}: 0 for alike)"
        )
        every = ", every=True"
    return f"shape_keys(rng, {keys}, {count}, {share}{every})", note, params


_RANKS = {"level", "grade", "rank", "seniority", "band", "tier", "echelon"}


def hierarchy(table_name: str, table: Any) -> tuple[str, str, str] | None:
    """(key, parent, rank) of a table that is an organisation: a nullable reference to its own
    single-column key (manager_id -> id) and a number that ranks its rows (level, grade), so a
    manager sits a level above the people who report to them and the top has none."""
    if len(table.primary_key) != 1:
        return None
    key = table.primary_key[0]
    parents = [
        name
        for name, column in table.columns.items()
        if column.nullable and column.references == f"{table_name}.{key}"
    ]
    ranks = [
        name
        for name, column in table.columns.items()
        if column.type in ("integer", "float")
        and not (column.primary_key or column.references or column.unique)
        and any(word in _RANKS for word in _words(name))
    ]
    return (key, parents[0], ranks[0]) if parents and ranks else None


# A role that one member of each group holds: a project's lead, a team's captain, an account's
# primary contact.
_LEADS = {
    "lead", "leader", "head", "owner", "chair", "chairperson", "captain", "principal",
    "coordinator", "supervisor", "manager", "director", "primary",
}  # fmt: skip
# A person's time given to each group, which adds up over their groups: hours a week on each
# project, a share of their full time.
_HOURS = {"hour", "hours", "hrs"}
_PERIODS = {"week", "weekly", "wk", "day", "daily", "month", "monthly"}
_ALLOCATIONS = {"allocation", "fte"}


def people_and_group(table_name: str, table: Any) -> tuple[str, str] | None:
    """(the column referring to people, the column referring to what they belong to) of a
    table that pairs people with groups (employees with projects, players with teams); None
    unless it refers to exactly one table of people and one other."""
    people, groups = [], []
    for name, column in table.columns.items():
        if not column.references or "." not in column.references:
            continue
        parent = column.references.split(".", 1)[0]
        if parent == table_name:
            continue
        words = _words(parent)
        (people if words and words[-1] in PEOPLE else groups).append(name)
    return (people[0], groups[0]) if len(people) == 1 and len(groups) == 1 else None


def one_per_group(table_name: str, table: Any, name: str, column: Any) -> tuple[str, str] | None:
    """(the value one row of each group takes, the column naming the group) of a role in a
    table pairing people with groups: a project has one lead and the others are engineers, not
    a third of them leads. None where no one value names a leading role."""
    if not column.values or len(column.values) < 2 or column.unique or column.primary_key:
        return None
    pair = people_and_group(table_name, table)
    leads = [v for v in column.values if isinstance(v, str) and _LEADS & set(_words(v))]
    return (leads[0], pair[1]) if pair is not None and len(leads) == 1 else None


def shared_capacity(
    table_name: str, table: Any, name: str, column: Any
) -> tuple[str, float] | None:
    """(the column referring to people, the most one person's rows add up to) of a person's
    time given to each of their groups: hours a week on each project fit one working week
    together, not 40 on each of three. The cap is the column's own greatest value."""
    if column.type not in ("integer", "float") or column.max is None or column.unique:
        return None
    words = set(_words(name))
    timed = bool(words & _HOURS and words & _PERIODS) or bool(words & _ALLOCATIONS)
    pair = people_and_group(table_name, table) if timed else None
    return (pair[0], float(column.max)) if pair is not None else None


# How each way of travelling turns a great-circle distance into minutes on the way: fixed minutes
# (taxiing, stops), minutes per km, km on the way per km as the crow flies. Airliners cruise at
# about 800 km/h with half an hour of taxi, climb and descent; trains about 110 km/h on lines 20%
# longer than the straight one; ferries about 35 km/h (19 knots) with a quarter of an hour in
# port, on routes 15% longer; roads 45 km/h door to door, 30% longer.
_MODES = {
    "air": (30.0, 60 / 800, 1.05), "rail": (5.0, 60 / 110, 1.2), "sea": (15.0, 60 / 35, 1.15),
    "road": (5.0, 60 / 45, 1.3),
}  # fmt: skip
_AIR = {"flight", "flights", "air", "airline", "airlines", "aircraft", "plane", "airport"}
_RAIL = {"train", "trains", "rail", "railway", "railways"}
_SEA = set(
    "ferry ferries ship ships vessel vessels boat boats sailing sailings voyage voyages cruise "
    "cruises port ports harbour harbours harbor harbors".split()
)
_DURATION_UNITS = {
    "minutes": 1.0, "minute": 1.0, "mins": 1.0, "min": 1.0,
    "hours": 1 / 60, "hour": 1 / 60, "hrs": 1 / 60,
    "seconds": 60.0, "secs": 60.0, "sec": 60.0,
}  # fmt: skip
_DISTANCE_UNITS = {
    "km": 1.0,
    "kilometres": 1.0,
    "kilometers": 1.0,
    "miles": 1 / 1.609,
    "mi": 1 / 1.609,
}
_LEG_WORDS = {
    "block",
    "duration",
    "travel",
    "flight",
    "ride",
    "trip",
    "journey",
    "drive",
    "distance",
}


@dataclass(frozen=True)
class Leg:
    """A column of a table of trips between two rows of a table of places with coordinates
    (flights between airports): what its parent is and how the column follows the distance."""

    parent: str  # the table of places
    key: str  # its key the two references point at
    latitude: str
    longitude: str
    start: str  # this table's reference to where the trip starts
    end: str  # ... and where it ends
    base: float  # the column's value at no distance (minutes of taxi, 0 km)
    per_km: float  # the column's units per km as the crow flies


@dataclass(frozen=True)
class Trips:
    """A table of trips between two rows of a table of places with coordinates: the places'
    table, its key the two references point at, its coordinates, the two references and the
    way of travel (air, rail, sea, road)."""

    parent: str
    key: str
    latitude: str
    longitude: str
    start: str
    end: str
    mode: str


def trips_of(spec: Any, table_name: str) -> Trips | None:
    """The trips a table holds: None unless it refers twice to one table of places with a
    latitude and a longitude (origin and destination airports, from and to towns)."""
    table = spec.tables[table_name]
    by_parent: dict[str, list[str]] = {}
    for other, candidate in table.columns.items():
        if candidate.references and "." in candidate.references:
            parent, key = candidate.references.split(".", 1)
            if parent != table_name:
                by_parent.setdefault(f"{parent}.{key}", []).append(other)
    places = [(ref, pair) for ref, pair in by_parent.items() if len(pair) == 2]
    if len(places) != 1:
        return None
    ref, (start, end) = places[0]
    parent, key = ref.split(".", 1)
    coordinates = {
        axis: next((c for c in spec.tables[parent].columns if set(_words(c)) & axis_words), None)
        for axis, axis_words in (("lat", LATITUDE_WORDS), ("lon", LONGITUDE_WORDS))
    }
    if coordinates["lat"] is None or coordinates["lon"] is None:
        return None
    text = set(_words(f"{table_name} {parent} {table.description or ''} {spec.description or ''}"))
    mode = next((m for m, w in (("air", _AIR), ("rail", _RAIL), ("sea", _SEA)) if text & w), "road")
    return Trips(parent, key, coordinates["lat"], coordinates["lon"], start, end, mode)


def trip_leg(spec: Any, table_name: str, name: str) -> Leg | None:
    """How a duration or distance column of a table of trips (``trips_of``) follows the
    great-circle distance between its two places: a flight's block minutes grow with the
    kilometres between its airports. None unless the column's name gives a unit
    (block_minutes, distance_km)."""
    column = spec.tables[table_name].columns[name]
    if column.type not in ("integer", "float") or column.references or column.primary_key:
        return None
    words = _words(name)
    units = [w for w in words if w in _DURATION_UNITS or w in _DISTANCE_UNITS]
    if not units or not (_LEG_WORDS & set(words) or len(words) == 1):
        return None
    trips = trips_of(spec, table_name)
    if trips is None:
        return None
    fixed, minutes_per_km, detour = _MODES[trips.mode]
    unit = units[-1]
    if unit in _DISTANCE_UNITS:
        base, per_km = 0.0, detour * _DISTANCE_UNITS[unit]
    else:
        base, per_km = (
            fixed * _DURATION_UNITS[unit],
            minutes_per_km * detour * _DURATION_UNITS[unit],
        )
    return Leg(
        trips.parent, trips.key, trips.latitude, trips.longitude, trips.start, trips.end, base,
        per_km,
    )  # fmt: skip


def near_end(spec: Any, table_name: str, name: str) -> tuple[Trips, float] | None:
    """(the trips, km) for where a trip by land or sea ends (``to_town_id``): mostly near
    where it starts, within about ``km`` (a regional bus goes to the next towns, not across the
    country); a flight goes anywhere. None for another column, and for an end column that is
    unique or that a check reads with any column but the start."""
    trips = trips_of(spec, table_name)
    if trips is None or name != trips.end or trips.mode not in NEAR_KM:
        return None
    column = spec.tables[table_name].columns[name]
    if column.unique or column.primary_key:
        return None
    from codegen.spec.checks import table_checks

    for _, parsed in table_checks(spec.tables[table_name]):
        if name in parsed.columns and not set(parsed.columns) <= {trips.start, trips.end}:
            return None
    return trips, NEAR_KM[trips.mode]


# How far a trip by land or sea typically goes, in km as the crow flies: the scale of the
# falling chance of a destination farther away.
NEAR_KM = {"road": 25.0, "rail": 60.0, "sea": 40.0}


# Kinds of booking that fall on days of the month: pay at its end (German and Dutch employers pay
# from the 25th), rent and mortgages at its start, interest on its last day.
_MONTH_DAYS = {
    "salary": "end", "salaries": "end", "wage": "end", "wages": "end", "payroll": "end",
    "pension": "end", "pensions": "end", "rent": "start", "mortgage": "start",
    "lease": "start", "interest": "last",
}  # fmt: skip
# Words of a table of bookings, or of a column that says when one was booked.
_BOOKINGS = set(
    "transaction transactions payment payments booking bookings movement movements ledger "
    "entry entries transfer transfers statement statements posting postings".split()
)
_BOOKED = {"booked", "posted", "paid", "settled", "value"}


def calendar_days(
    table_name: str, table: Any, name: str, column: Any
) -> tuple[str, dict[str, str]] | None:
    """(the column of kinds, each kind that has its day of the month -> "end", "start" or
    "last") for the date of a booking: a salary is booked at the month's end, rent at its
    start. None unless the table is one of bookings (or the column says when one was booked)
    and a list of kinds names such a kind."""
    if column.type not in ("date", "datetime") or column.primary_key or column.unique:
        return None
    if not (_BOOKINGS & set(_words(table_name)) or _BOOKED & set(_words(name))):
        return None
    for other, candidate in table.columns.items():
        if candidate.type != "string" or not candidate.values:
            continue
        when = {
            value: _MONTH_DAYS[word]
            for value in candidate.values
            if isinstance(value, str)
            for word in _words(value)[:1]
            if word in _MONTH_DAYS
        }
        if when:
            return other, when
    return None


# Places that a city's name names: "Bergen Airport", "Porto Hotel", "Utrecht Depot".
_FACILITIES = set(
    "airport station terminal port harbour harbor marina hospital clinic library museum branch "
    "office warehouse depot campus stadium arena hotel hostel gym store shop school university "
    "college theatre theater cinema plant factory mall venue pharmacy dealership garage lab "
    "laboratory centre center studio site outlet restaurant cafe salon showroom".split()
)


def named_for_place(table_name: str, table: Any, name: str, column: Any) -> tuple[str, str] | None:
    """(what the table's rows are, the column of their city) for the name of a facility that a
    city names: "Bergen Airport", a second in Bergen "Bergen North Airport". None where the
    table is not of facilities, the column is not its name, or the table has no city."""
    if column.values or column.pattern or column.references or column.primary_key:
        return None
    words = _words(table_name)
    noun = _singular(words[-1]) if words else ""
    if noun not in _FACILITIES or name.lower() not in ("name", f"{noun}_name"):
        return None
    cities = [
        other
        for other, candidate in table.columns.items()
        if other != name and candidate.type == "string" and providers_for(other) == ["city"]
    ]
    return (noun, cities[0]) if cities else None


# Tables whose rows are places themselves, and the columns that name them. A port is known by
# its town's name (Piraeus, Naxos); an airport or a station is not (Athens International).
_PLACE_TABLES = {"town", "city", "village", "municipality", "place", "settlement", "locality"}
_PORT_TABLES = {"port", "harbour", "harbor", "seaport"}
_PLACE_TABLES |= _PORT_TABLES
_PLACE_NAMES = {"name", "town", "city", "place", "town_name", "city_name", "place_name"}
# A column of a place's region: the first division of its country.
_REGIONS = {"province", "state", "region", "county", "canton", "department", "prefecture"}
_REGIONS |= {"voivodeship", "oblast", "land", "bundesland", "district"}


@dataclass(frozen=True)
class RealPlaces:
    """A table whose rows are places (towns, cities), filled from real ones: the column of each
    part of a place (None where the table has none), its country (an ISO code, or None for any)
    and the box its latitude and longitude must stay in (south, north, west, east)."""

    name: str
    region: str | None
    latitude: str | None
    longitude: str | None
    population: str | None
    country: str | None
    box: tuple[float | None, float | None, float | None, float | None]
    apart_km: float | None = None  # ports: no two this close (a city's suburbs are one port)


# Two ports of a network lie further apart than the suburbs of one city (Piraeus and Athens).
PORTS_APART_KM = 10.0


def real_places(
    table_name: str, table: Any, description: str, checked: set[str]
) -> RealPlaces | None:
    """The places of a table of towns or cities that real ones can be (Zwolle, Overijssel, at its
    own coordinates), where the table or the dataset names one country or the table's latitude
    and longitude have bounds. None for any other table, for one with a country column (its
    cities follow each row's country: ``shaperuntime.shape_places``), and where a check reads
    one of these columns (``checked``): a real place is not bent to meet it."""
    from codegen.program.pattern_meaning import locale_named

    words = _words(table_name)
    if not words or _singular(words[-1]) not in _PLACE_TABLES:
        return None
    found: dict[str, str] = {}
    box: list[float | None] = [None, None, None, None]
    for name, column in table.columns.items():
        if column.references or column.primary_key:
            continue
        kind = set(_words(name))
        if column.type == "string" and providers_for(name) in (["country"], ["country_code"]):
            return None
        if column.type == "string" and not column.pattern and name.lower() in _PLACE_NAMES:
            found.setdefault("name", name)
        elif column.type == "string" and not column.pattern and kind & _REGIONS:
            found.setdefault("region", name)
        elif column.type == "float" and kind & (LATITUDE_WORDS | LONGITUDE_WORDS):
            axis = "latitude" if kind & LATITUDE_WORDS else "longitude"
            found.setdefault(axis, name)
            at = 0 if axis == "latitude" else 2
            box[at], box[at + 1] = column.min, column.max
        elif column.type == "integer" and kind & {"population", "inhabitants", "residents"}:
            found.setdefault("population", name)
    if "name" not in found or checked & set(found.values()):
        return None
    locale = locale_named(f"{table.description or ''} {description}")
    country = locale[-2:] if locale else None
    if country is None and all(bound is None for bound in box):
        return None  # towns of anywhere: the model's list
    return RealPlaces(
        found["name"],
        found.get("region"),
        found.get("latitude"),
        found.get("longitude"),
        found.get("population"),
        country,
        tuple(None if bound is None else float(bound) for bound in box),  # type: ignore[arg-type]
        PORTS_APART_KM if _singular(words[-1]) in _PORT_TABLES else None,
    )


def towns_country(
    table_name: str, table: Any, name: str, column: Any, description: str
) -> str | None:
    """The country (ISO code) whose real towns a city column of a table that is not itself a
    table of places takes (a restaurant's city, a customer's town): the one country the table
    and the dataset name, where the table has no country column (its cities follow each row's
    country) and the column is free text (no list, no pattern)."""
    from codegen.program.pattern_meaning import countries_named

    if column.type != "string" or column.values or column.pattern or column.references:
        return None
    if providers_for(name) != ["city"]:
        return None
    words = _words(table_name)
    if words and _singular(words[-1]) in _PLACE_TABLES:
        return None  # a table of places: ``real_places``
    for other in table.columns:
        if other != name and providers_for(other) in (["country"], ["country_code"]):
            return None
    named = countries_named(f"{table.description or ''} {description}")
    return next(iter(named)) if len(named) == 1 else None


# Names of tiers (a plan, a class of ticket, a size), ranked lowest first: what they cost rises
# with the rank. A discount tier (student, child, senior) ranks below the basic one, an adult's
# full fare with the standard one.
_TIER_RANKS = {
    "free": 0, "trial": 0, "student": 1, "child": 1, "youth": 1, "junior": 1, "concession": 1,
    "senior": 1, "reduced": 1, "adult": 3, "full": 3,
    "lite": 2, "light": 2, "basic": 2, "starter": 2, "essential": 2, "essentials": 2,
    "economy": 2, "bronze": 2, "small": 2, "mini": 2, "standard": 3, "regular": 3, "classic": 3,
    "medium": 3, "plus": 4, "silver": 4, "advanced": 4, "comfort": 4, "family": 4, "large": 4,
    "pro": 5, "professional": 5, "premium": 5, "gold": 5, "business": 5, "deluxe": 5,
    "platinum": 6, "elite": 6, "enterprise": 7, "ultimate": 7, "vip": 7, "unlimited": 7,
}  # fmt: skip


def tier_ranks(values: Any) -> dict[str, float] | None:
    """Each value's rank where every value of a list names a tier (BASIC, PLUS, PREMIUM;
    Economy, Premium Economy, Business): its tier word's; of two, the last one's (Premium
    Economy is an Economy) and half a rank more where the other is higher or "plus" (Gold
    Plus). None where a value names none, or fewer than two ranks differ."""
    ranks = {}
    for value in values or []:
        if not isinstance(value, str):
            return None
        found = [w for w in _words(value) if w in _TIER_RANKS]
        if not found:
            return None
        heads = [w for w in found if w != "plus"] or found
        rank = float(_TIER_RANKS[heads[-1]])
        if any(w == "plus" or _TIER_RANKS[w] > rank for w in found if w != heads[-1]):
            rank += 0.5
        ranks[value] = rank
    return ranks if len(set(ranks.values())) >= 2 else None


# Words of a flag that says what a tier includes (a plan that includes classes).
_FEATURES = {"includes", "include", "included", "incl", "has", "with", "allows", "access"}


def ranked_by_tier(table: Any, name: str, column: Any, checked: set[str]) -> str | None:
    """The column of tiers (``tier_ranks``) an amount of money of the same table rises with
    (a plan's monthly fee with its code), or a flag of what a tier includes (a dearer plan
    includes classes); None for any other column, and for one a check reads with another
    column (``checked``: such columns)."""
    if column.primary_key or column.unique or column.references or name in checked:
        return None
    words = set(_words(name))
    amount = column.type in ("integer", "float") and words & _MONEY
    if not amount and not (column.type == "boolean" and words & _FEATURES):
        return None
    for other, candidate in table.columns.items():
        if other != name and candidate.type == "string" and tier_ranks(candidate.values):
            return other
    return None


# Words of the number of a try that may be repeated (an exam's attempt, a delivery's retry):
# each later one is rarer than the one before.
_REPEATS = {"attempt", "attempts", "try", "tries", "retry", "retries", "resit", "sitting"}
FEWER_LATER = 0.3  # each next try's share of the one before (70% of results are first attempts)


def repeat_number(name: str, column: Any) -> bool:
    """Whether an integer column numbers a repeated try (``attempt`` from 1 to 3): from a
    small least value (0 or 1), a few values at most."""
    if column.type != "integer" or column.min is None or column.max is None:
        return False
    if column.unique or column.primary_key or column.references or column.min not in (0, 1):
        return False
    return column.max - column.min <= 10 and bool(set(_words(name)) & _REPEATS)


# Measurements that hold a level and hardly move from one point of a series to the next.
_STEADY_LEVELS = {
    "battery", "voltage", "volt", "firmware", "version", "salary", "wage", "gross", "net",
    "pay", "rent", "fee", "subscription", "capacity", "weight", "height",
}  # fmt: skip
SERIES_STEADY = 0.7  # the share of a measurement's spread between entities (sensors)
SERIES_STEADY_LEVEL = 0.99  # ... for a level that hardly moves (a battery in a day)


def series(table: Any) -> tuple[str, str] | None:
    """(entity, time) of a table of series: a key of two columns, a reference (the sensor,
    the employee) and a date or time (the hour, the month), as in readings per sensor per
    hour and payslips per employee per month."""
    key = table.primary_key
    if len(key) != 2:
        return None
    kinds = [(table.columns[name].references is not None, table.columns[name].type) for name in key]
    for (entity, time), ((refers, _), (_, kind)) in ((key, kinds), (key[::-1], kinds[::-1])):
        if refers and kind in ("date", "datetime"):
            return entity, time
    return None


# Times that a timetable or an appointment book sets are on its grid: a bus leaves at 08:10, not
# at 08:09:05; a consultation starts at 10:20.
TIMETABLE_MINUTES = 5
_SCHEDULED = {"depart", "departs", "departure", "arrive", "arrives", "arrival", "scheduled"}
_STARTS = {"start", "starts", "begins", "slot"}
_BOOKED_TIMES = {"appointment", "appointments", "consultation", "consultations", "slot", "slots"}


def on_timetable(table_name: str, table: Any, name: str, column: Any) -> bool:
    """Whether a datetime is a time someone set in a timetable or an appointment book (a bus's
    departure, a consultation's start), which people give in whole minutes on a grid of
    ``TIMETABLE_MINUTES``, not at a second drawn anywhere in the hour."""
    if column.type != "datetime" or column.primary_key or column.unique:
        return False
    words = set(_words(name))
    where = set(_words(f"{table_name} {table.description or ''}"))
    travel = bool(where & (_TRAVEL | _AIR | _RAIL | _SEA | {"bus", "buses", "coach", "ferry"}))
    return bool(words & _SCHEDULED and travel) or bool(words & _STARTS and where & _BOOKED_TIMES)


DAILY_SWING = 0.6  # a temperature's swing over a day, either way, as a share of its spread
_TEMPERATURES = {"temperature", "temp", "temperatures"}


def daily_swing(name: str, time: Any) -> bool:
    """Whether a measurement of a series in time rises by day and falls by night: a
    temperature read at times of day (a classroom's, the air's)."""
    return time.type == "datetime" and bool(_TEMPERATURES & set(_words(name)))


# What people breathe out into a room: it rises while the room is in use (co2_ppm, tvoc_ppb).
_EXHALED = re.compile(r"(?<![a-z])(co2|carbon_dioxide|t?vocs?)(?![a-z])")
OCCUPIED_RISE = 1.0  # a room's CO2 in full use: its empty level once more (400 -> 800 ppm)


def occupied_rhythm(shapes: Shapes | None, name: str, time: Any) -> str | None:
    """The rhythm of the people in a room (``shaperuntime.shape_rhythm``) a measurement of a
    series rises with: CO2 read at times of day climbs while a classroom or an office is in
    use. The rhythm the dataset's words name, office hours where they name none; None for
    another column."""
    if shapes is None or time.type != "datetime" or not _EXHALED.search(name.lower()):
        return None
    kind = _kind([w for w in _words(shapes.context) if not _stem_of(w, set(_STEADY))])
    return kind if kind not in (None, "steady") else "office"


def steadiness(name: str, description: str | None) -> float:
    """How much of a measurement's spread lies between the entities of a series."""
    words = set(_words(f"{name} {description or ''}"))
    return SERIES_STEADY_LEVEL if words & _STEADY_LEVELS else SERIES_STEADY


def parent_time(spec: Any, table_name: str, name: str) -> tuple[str, str, str, str] | None:
    """(reference, parent table, parent key, parent time) when a date or time of a table's
    rows comes after a time of the row it refers to: a message after its ticket was opened, a
    visit after the member joined. The parent's first date or time that is not a life event
    (a birth date) or a key; the first reference that has one."""
    table = spec.tables[table_name]
    if _steady(name, table.columns[name].description):
        return None
    for column_name, column in table.columns.items():
        if not column.references or "." not in column.references:
            continue
        parent, key = column.references.split(".", 1)
        if parent == table_name or parent not in spec.tables:
            continue
        for other, candidate in spec.tables[parent].columns.items():
            if candidate.type not in ("date", "datetime") or candidate.primary_key:
                continue
            if not _steady(other, candidate.description):
                return column_name, parent, key, other
    return None


# Names of a row's start and end, the start first (a ride's start and end, a stay's arrival
# and departure; a flight departs, then arrives: _TRAVEL's order).
_SPANS = [
    ("start", "end"), ("started", "ended"), ("starts", "ends"), ("begin", "end"),
    ("arrival", "departure"), ("arrive", "depart"), ("arrives", "departs"),
    ("arrived", "departed"), ("check_in", "check_out"), ("checkin", "checkout"),
    ("checked_in", "checked_out"), ("opened", "closed"), ("open", "close"),
    ("picked_up", "returned"), ("pickup", "return"), ("pickup", "dropoff"), ("issued", "due"),
    ("valid_from", "valid_to"), ("valid_from", "valid_until"), ("created", "resolved"),
    ("sent", "read"), ("ordered", "delivered"), ("ordered", "shipped"), ("shipped", "delivered"),
    ("booked", "cancelled"), ("hired", "left"), ("arrived", "left"), ("arrive", "leave"),
    ("admitted", "discharged"), ("from", "to"),
    ("entered", "left"), ("entered", "exited"), ("entry", "exit"), ("login", "logout"),
    ("logged_in", "logged_out"), ("clock_in", "clock_out"), ("clocked_in", "clocked_out"),
    ("time_in", "time_out"), ("connected", "disconnected"), ("plugged_in", "unplugged"),
]  # fmt: skip
_TRAVEL = {"flight", "flights", "train", "trains", "trip", "trips", "ride", "rides", "journey"}
# Rows whose start and end times are minutes or hours apart, as a journey's are: a car's stay in
# a car park, a visit, a call, a session, a game, a charge at a charging point.
_SHORT_STAYS = {
    "session", "sessions", "visit", "visits", "call", "calls", "parking", "workout", "workouts",
    "meeting", "meetings", "lesson", "lessons", "game", "games", "match", "matches", "charging",
    "stream", "streams", "login", "logins", "shift", "shifts",
}  # fmt: skip


def spans(table_name: str, table: Any) -> list[tuple[str, str]]:
    """(start, end) column pairs of a table that name a row's start and its end (started_at and
    ended_at, arrival_date and departure_date), both dates or both times: the end comes after."""
    travel = is_travel(table_name, table)
    timed = {
        name: column.type
        for name, column in table.columns.items()
        if column.type in ("date", "datetime") and not column.primary_key
    }
    found = []
    for first, last in _SPANS:
        if travel and first.startswith("arriv"):
            first, last = last, first  # a flight departs, then arrives
        starts = [n for n in timed if _names(n, first)]
        ends = [n for n in timed if _names(n, last)]
        for start in starts:
            for end in ends:
                taken = {n for pair in found for n in pair}
                if start != end and timed[start] == timed[end] and not {start, end} & taken:
                    found.append((start, end))
    return found


def is_travel(table_name: str, table: Any) -> bool:
    """Whether a table's rows are journeys (trips, rides, flights): their spans last minutes or
    hours, not days."""
    return bool(_TRAVEL & set(_words(f"{table_name} {table.description or ''}")))


# What lasts a few hours, as people say it: parked for two hours. Asked in minutes, the
# embedded model parked cars in a Lyon car park for 15 minutes (10 to 20); in hours, 1.5 (0.75
# to 2). Only where that was measured: a ski lesson asked in hours lasted 12 of them, in
# minutes 150 (60 to 240).
_HOURS_STAYS = {"parking", "parked", "park", "parks", "carpark", "carparks"}


def lasts_hours(table_name: str, table: Any, context: str | None = None) -> bool:
    """Whether a table's rows start and end hours apart (a car parked), read from the table's
    words and the dataset's (``context``: "sessions" of a car park)."""
    words = set(_words(f"{table_name} {table.description or ''} {context or ''}"))
    return bool(_HOURS_STAYS & words) and not is_travel(table_name, table)


def is_short_stay(table_name: str, table: Any) -> bool:
    """Whether a table's rows start and end minutes or hours apart (journeys, visits, calls,
    sessions): the end is asked in minutes and has no rhythm of its own, not days later."""
    words = set(_words(f"{table_name} {table.description or ''}"))
    return is_travel(table_name, table) or bool(_SHORT_STAYS & words)


def _names(column: str, stem: str) -> bool:
    """Whether a column's name is a stem with a time word (started_at, check_in_date)."""
    name = column.lower()
    rest = name[len(stem) :] if name.startswith(stem) else None
    return rest is not None and rest in ("", "_at", "_on", "_date", "_time", "_ts", "_day")


def is_part_of(table_name: str, parent_table: str) -> bool:
    """Whether a table's rows are parts of its parent's (order_items of orders, invoice_lines of
    invoices), so that every parent has one."""
    child, parent = table_name.lower(), parent_table.lower()
    return child.startswith((f"{_singular(parent)}_", f"{parent}_"))


def _singular(word: str) -> str:
    for plural, single in (("ies", "y"), ("sses", "ss"), ("ches", "ch"), ("shes", "sh")):
        if word.endswith(plural):
            return word[: -len(plural)] + single
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def is_own_name(table_name: str, name: str, column: Any) -> bool:
    """Whether a string column is the name its row's thing was given (a boat's, a project's
    title), each thing its own: ``name`` or ``title``, or the table's thing's (``boat_name``),
    free text, not a key nor a listed value."""
    if column.type != "string" or column.values or column.pattern or column.references:
        return False
    if column.primary_key:
        return False
    thing = _singular(table_name.lower().split("_")[-1])
    return name.lower() in {"name", "title", f"{thing}_name", f"{thing}_title"}


def rhythm_of(
    shapes: Shapes | None, table_name: str, table: Any, name: str, column: Any, grid: Any
) -> str | None:
    """The rhythm of people's activity (``shaperuntime.shape_rhythm``) a freely drawn date or
    datetime follows, None for uniform: a key, values on a grid coarser than the day's hours
    (weeks, months), or a table that records machines or life events rather than activity."""
    if shapes is None or column.primary_key or column.unique:
        return None
    date = column.type == "date"
    if grid is not None and grid.unit not in (("D",) if date else ("s", "m", "h", "D")):
        return None
    if _steady(name, column.description):
        return None  # born_on, installed_on: whatever the table, not an activity's time
    levels = (table_name, name, table.description, column.description, shapes.context)
    booked = None  # a rhythm read from words that do not say what is booked or visited
    for text in levels:
        words = _words(text or "")
        kind = _kind(words)
        if kind == "steady":
            return None
        # bookings of what? a desk is booked in office hours, a hotel room for the weekend
        said = _kind([word for word in words if not _stem_of(word, _BOOKED)])
        if said is not None:
            return _at_work(_in_store(_first_named(said, levels), levels, table), table, name)
        booked = booked or kind
    return _at_work(_in_store(_first_named(booked, levels), levels, table), table, name)


def _first_named(rhythm: str | None, texts: tuple[Any, ...]) -> str | None:
    """The rhythm of the place any of the texts names, where it keeps its own hours: a
    dental practice's appointments (an office's rhythm by the word "appointments"), a
    physiotherapist's sessions (a login's, by "sessions"), a family doctor's visits are a
    practice's, closed on Sunday; a restaurant's orders, meals (``_meals_first``)."""
    if rhythm in ("office", "shopping", "leisure"):
        words = (word for text in texts for word in _words(text or ""))
        if any(_stem_of(word, _PRACTICE) for word in words):
            return "practice"
    return _meals_first(rhythm, texts)


def _at_work(rhythm: str | None, table: Any, name: str) -> str | None:
    """The office's rhythm, or for the start of a session of work that lasts hours (a desk
    booked for a day: a table with its hours) that of arrivals at work: people book the day's
    desk from the morning, not evenly through office hours (69% of a coworking's bookings
    started 07:00-14:59 so, where 80% or more do)."""
    if rhythm != "office" or not set(_words(name)) & _STARTS:
        return rhythm
    numbers = (n for n, c in table.columns.items() if c.type in ("integer", "float"))
    return "workday" if any(set(_words(n)) & _HOURS for n in numbers) else rhythm


def _meals_first(rhythm: str | None, texts: tuple[Any, ...]) -> str | None:
    """A bakery's sales come in the morning, orders, payments and visits of a restaurant at
    meal times, a cinema's tickets and screenings at its shows' times, a car park's sessions by
    day (trips into town, not logins in the evening): where any of the texts names one, a
    shopping or leisure rhythm is that of a bakery (of meals, of shows, of errands), in that
    order."""
    if rhythm not in ("shopping", "leisure"):
        return rhythm
    words = [word for text in texts for word in _words(text or "")]
    places = (("bakery", _BAKERIES), ("meals", _MEALS), ("shows", _SHOWS), ("errands", _ERRANDS))
    for place, stems in places:
        if any(_stem_of(word, stems) for word in words):
            return place
    return rhythm


# A bakery's customers come for breakfast rolls: most before 10:00 (a bakery cafe too).
_BAKERIES = {
    "bakery", "bakeries", "baker", "bakers", "bakehouse", "boulangerie", "patisserie",
    "baeckerei", "backerei", "panaderia", "panetteria", "bageri", "bakkerij", "piekarnia",
}  # fmt: skip
# Where a sale is made over a counter or at a till, in opening hours: a shop's own words, or a
# key of the sale to a shop, a store or a branch. Unless the texts say it is online.
_STORES = {
    "store", "supermarket", "hypermarket", "boutique", "pharmacy", "chemist", "kiosk", "till",
    "outlet", "mall", "butcher", "greengrocer", "florist", "bookshop", "bookstore", "grocer",
    "deli", "delicatessen", "newsagent", "instore", "counter",
}  # fmt: skip
_STORE_KEYS = {"shop", "store", "branch", "outlet", "till", "register", "kiosk", "pharmacy"}
_ONLINE = {
    "online", "web", "webshop", "website", "ecommerce", "internet", "app", "digital",
    "delivery", "deliveries", "marketplace", "mobile", "subscription", "streaming",
}  # fmt: skip


def _in_store(rhythm: str | None, texts: tuple[Any, ...], table: Any) -> str | None:
    """The shopping rhythm of a sale in a shop (``store``: in its opening hours, busiest on
    Saturday) rather than online (into the evening, on any day): where the texts name a kind
    of shop, or the table keys its rows to a shop, a store or a branch, and nothing says the
    shop is online (a Munich bakery chain's sales, a pharmacy's; not an online supermarket's
    orders)."""
    if rhythm != "shopping":
        return rhythm
    words = [word for text in texts for word in _words(text or "")]
    if any(_stem_of(word, _ONLINE) for word in words):
        return rhythm
    keys = [n for n, c in table.columns.items() if c.references and not c.primary_key]
    keyed = any(set(_words(n.replace("_", " "))) & _STORE_KEYS for n in keys)
    return "store" if keyed or any(_stem_of(w, _STORES) for w in words) else rhythm


# Words of activity that do not say what it is of: a booking of a desk or of a hotel room.
_BOOKED = {
    "booking", "reservation", "reserve", "visit", "visitor", "checkin", "checked", "attend",
    "attendance", "event",
}  # fmt: skip


def timed_draw(
    variable: str,
    start: str,
    end: str,
    count: str,
    rhythm: str,
    date: bool,
    season: str | None = None,
) -> tuple[str, str, list[tuple[str, str, None]]]:
    """(expression, note, parameter lines) of a date or datetime from ``start`` to ``end`` (code
    for timestamps) at the hours and weekdays of ``rhythm``, in the months of ``season``
    (``season_of``) where there is one."""
    name = f"{variable}_rhythm"
    day = ", date=True" if date else ""
    months = f", season={variable}_season" if season else ""
    expression = f"shape_times(rng, {start}, {end}, {count}, {name}{day}{months})"
    note = (
        f"; at the {'weekdays' if date else 'hours and weekdays'} of {name} (office, practice,"
        " workday, shopping, store, bakery, leisure, travel, meals, shows, errands, milking, care;"
        " None: all alike)"
    )
    params = [(name, repr(rhythm), None)]
    if season:
        note += (
            f", in the months of {variable}_season (summer, winter, gifts; south_ for the south)"
        )
        params.append((f"{variable}_season", repr(season), None))
    return expression, note, params


# Holidays and outings of the warm months (a camper van hired, a campsite's pitch booked, a
# yacht's berth at a marina) and of the cold ones (a ski pass): a dataset whose description or
# table names one has its activity in those months.
_SEASONS = {
    "summer": "camper campervan motorhome motorhomes caravan caravans camping campsite "
    "campground glamping holiday holidays vacation vacations cottage beach cruise cruises "
    "sailing sailboat sailboats yacht yachts yachting marina marinas kayak canoe icecream",
    "winter": "ski skiing skier snowboard snowboarding sled sledding",
    "gifts": "bookshop bookshops bookstore bookstores bookseller booksellers toys toyshop "
    "toyshops toystore toystores perfume perfumes perfumery jewellery jewelry jeweller "
    "jewellers jeweler gift gifts giftshop chocolatier chocolatiers",
}
_SHOP_WORDS = {"shop", "shops", "store", "stores"}
# Countries of the southern hemisphere, whose summer is December to February.
_SOUTH = {
    "australia", "australian", "zealand", "argentina", "argentinian", "chile", "chilean",
    "uruguay", "paraguay", "africa", "african", "namibia", "botswana", "mozambique", "madagascar",
    "peru", "bolivia", "brazil", "brazilian", "sydney", "melbourne", "auckland",
}  # fmt: skip


def season_of(shapes: Shapes | None, table_name: str, table: Any) -> str | None:
    """The season of a table's activity: "summer", "winter" or "gifts" (``_SEASONS``), "south_"
    before summer or winter in the southern hemisphere (``_SOUTH``); None: any month alike."""
    if shapes is None:
        return None
    words = _words(f"{shapes.context} {table_name} {table.description or ''}")
    # a toy shop's, not a toy dataset's
    pairs = zip(words, words[1:], strict=False)
    words += [f"toy{after}" for word, after in pairs if word == "toy" and after in _SHOP_WORDS]
    for season, stems in _SEASONS.items():
        if any(word in stems.split() for word in words):
            south = _SOUTH & set(words) and season != "gifts"  # Christmas is in December
            return f"south_{season}" if south else season
    return None


def _steady(name: str, description: str | None) -> bool:
    """Whether a table or column is about machines or life events, by its name and description."""
    return _kind(_words(f"{name} {description or ''}")) == "steady"


# Words of a money column's name: written in cents, as a receipt or a payslip is.
_MONEY = {
    "eur", "usd", "gbp", "chf", "sek", "nok", "dkk", "pln", "price", "cost", "fee", "amount",
    "salary", "wage", "pay", "revenue", "balance", "budget", "income", "payment", "rent",
    "spend", "spent", "paid", "refund", "tax", "vat", "tip", "fare", "premium",
}  # fmt: skip
LATITUDE_WORDS, LONGITUDE_WORDS = {"latitude", "lat"}, {"longitude", "lon", "lng", "long"}
MONEY_WHOLE_FROM = 10_000  # money of this typical size or more is written in whole units
READING_DIGITS = 4  # significant digits a measurement is written with (45.37 litres, 612.4 ppm)


def reading_decimals(name: str, column: Any) -> int | None:
    """The decimals a freely drawn float column is written with, as a person or an instrument
    writes it: cents for money (16.21 an hour, not 16.209464; whole units from 10,000), else
    about four significant digits of its typical size (45.37 litres, 0.3125 of a share, 1,234
    km whole), and five for a coordinate (about a metre, as a GPS gives it). None for a column
    nothing gives a size to, and where a bound is not on that grid (rounding could step past
    it)."""
    words = set(_words(name))
    bounds = [float(b) for b in (column.min, column.max) if b is not None]
    if column.typical is not None:
        size = abs(float(column.typical))
    elif len(bounds) == 2:
        size = max(abs(b) for b in bounds) / 2
    else:
        size = abs(bounds[0]) if bounds else 0.0
    if words & (LATITUDE_WORDS | LONGITUDE_WORDS):
        decimals = 5
    elif words & _MONEY:
        decimals = 2 if size < MONEY_WHOLE_FROM else 0  # a house at EUR 485,120, not .37
    elif size > 0:
        decimals = min(4, max(0, READING_DIGITS - 1 - math.floor(math.log10(size))))
    else:
        return None
    return decimals if all(round(b, decimals) == b for b in bounds) else None


def _words(text: str) -> list[str]:
    """The words of a name or a sentence, lower case (``checkedInAt``: checked, in, at)."""
    return re.findall(r"[a-z]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", text).lower())


def _kind(words: list[str]) -> str | None:
    """What the first word that says it names: "steady" or a rhythm; None when none does.
    Steady words win over any rhythm in the same text (sensors in school classrooms)."""
    found = [
        (position, kind)
        for position, word in enumerate(words)
        for kind, stems in _KINDS
        if _stem_of(word, stems)
    ]
    if not found:
        return None
    if any(kind == "steady" for _, kind in found):
        return "steady"
    return found[0][1]


def _stem_of(word: str, stems: set[str]) -> bool:
    return any(word.endswith(end) and word[: len(word) - len(end)] in stems for end in _SUFFIXES)
