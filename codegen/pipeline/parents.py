"""Numbers that follow a number of their parent row, set before the program is made.

A flight's passengers drawn between 0 and 140 put 130 people on a 76-seat turboprop; a play of
a track drawn between 1 and 1,800 seconds lasts longer than the track; an order line's unit price
drawn on its own has nothing to do with its product's price. Each follows a number of the row its
reference points at, which no check of the spec says and no bound can say.

Which pairs are so tied is read from their names, not asked: asked "is passengers at most its
aircraft's seats?", "can it be larger?", "is it usually equal?", "usually different?", the
embedded 1.5B model answered yes to all four for every pair tried, true or not (a transaction's
amount and its account's overdraft limit alike). So a child's number of the same kind as its
parent's (``unit_price`` and ``price_eur``: the same word once units are set aside) is the
parent's on most rows (``same``), and one of the same unit as a parent's capacity (``seats``,
``duration_s``, ``pages``) is at most it (``at_most``), its typical share of it asked of the
model, a number it answers well (a load factor of 0.75). The result is the column's
``of_parent`` (spec v1), which the starting program draws by (``shaperuntime.shape_at_most``,
``shape_inherit``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from codegen.llm.client import ChatClient, ChatMessage
from codegen.pipeline.attempt import Progress
from codegen.pipeline.typical import (
    TYPICAL_MAX_TOKENS,
    TypicalAnswer,
    _json_schema,
    _request,
    _show,
    json_object,
    question_about,
)
from codegen.spec.model import Spec

PARENT_MAX_QUESTIONS = 6  # pairs asked about, at most, in one spec
SHARE_LOWEST = 0.05  # a typical share below this is no "at most" the model means
SHARE_AGREES = 2.0  # a share of the parent's typical this far from the child's own: not kept

# Words that name a unit: a pair whose names give different units (or one a unit, the other
# none: a line's quantity against its invoice's total in EUR) is no pair.
_UNITS = {
    "seconds": {"s", "sec", "secs", "second", "seconds"},
    "minutes": {"min", "mins", "minute", "minutes"},
    "hours": {"h", "hr", "hrs", "hour", "hours"},
    "days": {"day", "days"},
    "money": {"eur", "usd", "gbp", "chf", "sek", "nok", "dkk", "pln", "price", "cost", "fee"},
    "kg": {"kg", "kilo", "kilos", "kilogram", "kilograms"},
    "km": {"km", "kilometre", "kilometres", "kilometer", "kilometers"},
    "percent": {"pct", "percent", "percentage"},
    "years": {"year", "years"},
    "litres": {"l", "litre", "litres", "liter", "liters"},
    "people": {
        "passengers", "seats", "guests", "people", "persons", "pax", "visitors", "attendees",
        "participants", "riders", "occupants",
        # and as the first word of a compound: passenger_capacity, guest_count
        "passenger", "seat", "guest", "person", "visitor", "attendee", "participant", "rider",
        "occupant",
    },
}  # fmt: skip

_CURRENCIES = _UNITS["money"] - {"price", "cost", "fee"}  # units, where price is a noun too
_QUALIFIERS = {"unit", "per", "each", "avg", "average", "list", "net", "gross"}
# What a parent holds that its children's numbers stay within: seats on a flight, a track's
# duration, a book's pages. Not a "limit": a transaction's amount is no share of an overdraft.
_CAPACITIES = {
    "seats", "capacity", "duration", "length", "runtime", "pages", "beds", "rooms", "places",
    "stock", "quota", "distance", "size", "total", "max", "maximum", "tank",
}  # fmt: skip


# Money paid to secure what another payment is for, and what it is a multiple of: a lease's
# deposit is set as months of its rent, a down payment as a share of the price.
_SECURES = {"deposit", "bond", "security", "collateral", "downpayment", "retainer", "caution"}
_DUES = {"rent", "price", "fee", "salary", "wage", "premium", "instalment", "installment"}
TIMES_MOST = 36.0  # a multiple above this is no term anyone sets


# What a row adds up to, and the price of one unit it is made of. A price by the day, the night,
# the hour counts the row's days, nights or hours (a column of them, else the time from its
# start to its end); a price of none counts its quantity.
_TOTALS = {"total", "subtotal", "amount", "sum", "charge", "charged", "paid", "billed", "revenue"}
_UNIT_PRICES = {"price", "rate", "fee", "fare", "tariff", "cost"}
# What a row is charged for its time at a price by the period: a car park's fee for a stay.
_CHARGES = {"fee", "fare", "cost"}
_PERIODS = {
    "day": ({"daily", "day", "diem", "perday"}, {"day", "days"}),
    "night": ({"nightly", "night", "pernight"}, {"night", "nights"}),
    "hour": ({"hourly", "hour", "hr"}, {"hour", "hours", "hrs", "h"}),
    "week": ({"weekly", "week"}, {"week", "weeks", "wk"}),
    "month": ({"monthly", "month"}, {"month", "months", "mo"}),
}
# The time between a row's start and end in units of a period, as SQL.
_SPAN_SQL = {
    "day": "date_diff('day', {start}, {end})",
    "night": "date_diff('day', {start}, {end})",
    "hour": "date_diff('minute', {start}, {end}) / 60.0",
    "week": "date_diff('day', {start}, {end}) / 7.0",
    "month": "date_diff('month', {start}, {end})",
}


def each_pairs(spec: Spec) -> list[tuple[str, str, str, str, str]]:
    """(table, column, reference column, parent column, per) of each total a row adds up from
    its parent's price of one unit: a bakery's till line, its product's price times its
    ``quantity``; a marina stay, its berth's daily rate times the days from ``arrived_on`` to
    ``left_on`` (``per``, SQL over the row). Drawn on their own, a total has nothing to do with
    the price it is made of (a line of 3 rolls at EUR 0.60 coming to EUR 11.20). Read from
    names: a total (``total``, ``amount``, ``subtotal``...; for a price by the period a
    ``fee``, ``fare``, ``cost`` too: a car park's fee for each hour of a stay begun, a ski
    lesson's for the hours taught) drawn freely, of money or no unit and no price of one unit
    itself; a price of its parent row (money, a
    ``price``, ``rate``, ``fee``; not a key); the units to count: for a price by the day,
    night, hour, week or month, the one column of the row that counts them, else the row's one
    span of time used (``follows._span``); for a price of no period, the row's one count
    (``quantity``, ``items``: ``follows._count_source``), or where the row counts nothing and
    the total is a payment (``paid_eur``), one (``_one_unit``). The first price for each
    total."""
    from codegen.pipeline.follows import _count_source, _span
    from codegen.program.rules import plan_table
    from codegen.program.shapes import lasts_hours

    pairs = []
    for table_name, table in spec.tables.items():
        plan = plan_table(table, table_name)
        for name, column in table.columns.items():
            words = set(_name_words(name))
            free = column.type in ("integer", "float") and _free(column, plan.columns[name])
            charge = words & (_TOTALS | _CHARGES)
            if not free or not charge or words & (_UNIT_PRICES - _CHARGES | _QUALIFIERS):
                continue
            if _unit(name) not in ("money", None):
                continue
            for via, other, candidate in _parent_numbers(spec, table_name):
                if not _unit_price(other, candidate):
                    continue
                if any(p[:2] == (table_name, name) for p in pairs):
                    continue
                period = _period(other)
                if period is None and not words & _TOTALS:
                    continue  # a fee of an order is no price times its items
                if period is None:
                    count = _count_source(table)
                    per = None if count is None or count == name else count
                    # a dental appointment is paid its treatment's price (a price: not an
                    # account's overdraft limit)
                    if per is None and set(_name_words(other)) & _UNIT_PRICES:
                        per = "1" if _one_unit(table, name, words) else None
                else:
                    per = _period_count(table, name, period)
                    span = _span(table_name, table) if per is None else None
                    if span is not None and (
                        period != "hour" or table.columns[span[0]].type == "datetime"
                    ):
                        per = _SPAN_SQL[period].format(start=span[0], end=span[1])
                        if period == "hour" and lasts_hours(table_name, table, spec.description):
                            per = f"ceil({per})"  # a car park charges each hour begun
                if per is not None:
                    pairs.append((table_name, name, via, other, per))
    return pairs


# What a row pays for what it is of, when it counts no units: the whole of it, not a part or a
# sum over a period (``revenue``, ``sum``: a day's takings of a product are no one sale).
_PAYS_FOR_ONE = {"amount", "paid", "charged", "billed", "total", "charge"}


def _one_unit(table: Any, name: str, words: set[str]) -> bool:
    """Whether a total of a row that counts none of its units is one unit's price: the total
    named by payment words only (``paid_eur``, ``amount``, ``total_charged``), and no other
    number of the row but keys and money (a booking's ``guests``, a line's ``grams``, a
    visit's ``minutes`` could be what it is paid by)."""
    if not words - _CURRENCIES <= _PAYS_FOR_ONE:
        return False
    return not any(
        column.type in ("integer", "float")
        and not (column.primary_key or column.references or column.values)
        and _unit(other) != "money"  # currencies are money's units too
        for other, column in table.columns.items()
        if other != name
    )


def with_each(spec: Spec, progress: Progress | None = None) -> Spec:
    """``spec`` with ``of_parent`` set to ``each`` on the totals of ``each_pairs``: no question
    asked, the relation is arithmetic."""
    found = each_pairs(spec)
    if not found:
        return spec
    say = progress or (lambda line: None)
    data = spec.model_dump(mode="json", exclude_none=True)
    for table_name, name, via, other, per in found:
        data["tables"][table_name]["columns"][name]["of_parent"] = {
            "column": f"{via}.{other}",
            "relation": "each",
            "per": per,
        }
        say(f"{table_name}.{name}: its {via}'s {other} for each of its {per}")
    return Spec.model_validate(data)


def _unit_price(name: str, column: Any) -> bool:
    """Whether a parent's column is a price of one unit: a number of money, not a key."""
    if column.primary_key or column.unique or column.references or column.values:
        return False
    if column.type not in ("integer", "float"):
        return False
    words = set(_name_words(name))
    money = _unit(name) == "money" or bool(words & _CURRENCIES)
    return money and bool(words & _UNIT_PRICES | words & _CURRENCIES) and not words & _TOTALS


# A line of one product counts its units (a till line, an order line): the embedded model said
# 10 packs for a pharmacy's counter sale and 10 for a bakery's, asked as median and as most
# common, where receipts hold one of most things.
LINE_QUANTITY_WORDS = {"quantity", "qty", "units"}


def is_line_quantity(spec: Spec, table_name: str, name: str) -> bool:
    """Whether a column counts the units of one product a line holds: a whole number named
    ``quantity``, ``qty`` or ``units``, in a table whose parent has a price of one item, by no
    period (a bakery's till line of a product, a shop's order line)."""
    column = spec.tables[table_name].columns[name]
    if column.type != "integer" or not set(_name_words(name)) & LINE_QUANTITY_WORDS:
        return False
    return any(
        _unit_price(other, candidate) and _period(other) is None
        for _, other, candidate in _parent_numbers(spec, table_name)
    )


def _period(name: str) -> str | None:
    """The period a price is by (``daily_rate_eur``: day), None for a price of one item."""
    words = set(_name_words(name))
    found = [period for period, (adjectives, _) in _PERIODS.items() if words & adjectives]
    return found[0] if found else None


def _period_count(table: Any, name: str, period: str) -> str | None:
    """The one column of a table that counts a period's units (a hire's ``days``)."""
    counts = _PERIODS[period][1] | ({"days"} if period == "night" else set())
    found = [
        other
        for other, column in table.columns.items()
        if other != name
        and column.type in ("integer", "float")
        and not (column.primary_key or column.references or column.values)
        and set(_name_words(other)) & counts
        and _unit(other) != "money"
    ]
    return found[0] if len(found) == 1 else None


def parent_pairs(spec: Spec) -> list[tuple[str, str, str, str, str]]:
    """(table, column, reference column, parent column, relation) of each child number that
    follows a number of its parent row: an integer or float drawn freely (not a key, not made
    or bounded by a check, not shaped already, no rule's source), against a number of the same
    type of a table it references (not a key, not made by a check, not of the same name),
    their names giving the same unit or none, the child's bounds reaching into the parent's;
    ``same`` where the two name the same thing once units are set aside, ``at_most`` where the
    parent's is a capacity and both names give its unit. The first for each column, at most
    ``PARENT_MAX_QUESTIONS``."""
    from codegen.program.rules import plan_table

    pairs = []
    for table_name, table in spec.tables.items():
        plan = plan_table(table, table_name)
        rule_sources = {
            ordered[0]
            for rule in table.rules
            if (ordered := getattr(rule, "increasing", None) or getattr(rule, "decreasing", None))
        }
        for name, column in table.columns.items():
            if column.type not in ("integer", "float") or not _free(column, plan.columns[name]):
                continue
            if name in rule_sources:
                continue  # a column of its own row follows it already (a rule's target, one
                # that follows the parent's value instead takes the rule's other side)
            for via, other, candidate in _parent_numbers(spec, table_name):
                relation = _relation(name, column, other, candidate)
                if relation is not None and not any(p[:2] == (table_name, name) for p in pairs):
                    pairs.append((table_name, name, via, other, relation))
    return pairs[:PARENT_MAX_QUESTIONS]


def _parent_numbers(spec: Spec, table_name: str) -> Iterator[tuple[str, str, Any]]:
    """(reference column, parent column, the column) of each column of the rows a table's
    references point at (another table's), that no check of the parent makes."""
    from codegen.program.rules import plan_table

    for via, reference in spec.tables[table_name].columns.items():
        if not reference.references or "." not in reference.references:
            continue
        parent = reference.references.split(".", 1)[0]
        if parent == table_name or parent not in spec.tables:
            continue
        made = plan_table(spec.tables[parent], parent).columns
        for other, candidate in spec.tables[parent].columns.items():
            if made[other].define is None:
                yield via, other, candidate


def _free(column: Any, planned: Any) -> bool:
    shaped = column.of_parent is not None or column.typical_by is not None
    keyed = column.primary_key or column.unique or column.references
    return not (shaped or keyed or planned.define is not None or planned.bounds or planned.window)


def _relation(name: str, column: Any, other: str, candidate: Any) -> str | None:
    """``same``, ``at_most`` or None (see ``parent_pairs``): a capacity needs a unit both names
    give (people: a flight's passengers and its aircraft's seats; litres; seconds), so that a
    booking's nights are no share of its hotel's rooms."""
    if candidate.primary_key or candidate.unique or candidate.references:
        return None
    if candidate.type not in ("integer", "float"):
        return None
    if column.max is not None and candidate.min is not None and column.max < candidate.min:
        return None
    if column.min is not None and candidate.max is not None and column.min > candidate.max:
        return None
    unit = _unit(name)
    if unit != _unit(other):
        return None
    if unit is not None and set(_name_words(other)) & _CAPACITIES:
        return "at_most"  # guests and max_guests, litres and tank_capacity_l
    if unit == "money" and set(_name_words(name)) & _SECURES and set(_name_words(other)) & _DUES:
        return "times"  # a lease's deposit and its flat's monthly rent
    if _same_name(name, other) or candidate.type != column.type:
        return None  # the same name: the parent's own value on most rows already (scaffold)
    if _head(name) is not None and _head(name) == _head(other):
        return "same"  # unit_price and price_eur
    return None


def _name_words(name: str) -> list[str]:
    from codegen.program.shapes import _words

    return _words(name.replace("_", " "))


def _head(name: str) -> str | None:
    """The last word of a name that is neither a unit nor a qualifier: ``price`` of both
    ``unit_price`` and ``price_eur``."""
    units = set().union(*(_UNITS[u] for u in _UNITS if u not in ("money", "people")))
    units |= _CURRENCIES
    words = [w for w in _name_words(name) if w not in units and w not in _QUALIFIERS]
    return words[-1] if words else None


def _same_name(a: str, b: str) -> bool:
    a, b = a.lower(), b.lower()
    return a == b or a.endswith(f"_{b}") or b.endswith(f"_{a}")


def _unit(name: str) -> str | None:
    from codegen.program.shapes import _words

    words = set(_words(name.replace("_", " ")))
    found = [unit for unit, spellings in _UNITS.items() if words & spellings]
    return found[0] if found else None


def share_question(
    spec: Spec, table_name: str, name: str, via: str, other: str
) -> list[ChatMessage]:
    """The question of a child's typical share of its parent's capacity."""
    table = spec.tables[table_name]
    parent = (table.columns[via].references or "").split(".", 1)[0]
    column, candidate = table.columns[name], spec.tables[parent].columns[other]

    def line(table: str, name: str, column: Any) -> str:
        about = f" ({column.description})" if column.description else ""
        what = "a whole number" if column.type == "integer" else "a number"
        return f'Column "{table}.{name}"{about}: {what}.'

    return question_about(
        spec,
        table_name,
        [
            f'Each "{table_name}" row belongs to one row of table "{parent}" (through "{via}").',
            line(table_name, name, column),
            line(parent, other, candidate),
            f'A "{table_name}" row\'s "{name}" is at most the "{other}" of its "{parent}" row.',
        ],
        f'In real data like this, what is a row\'s "{name}" typically (the median), as a share '
        f'of that "{other}"? Answer as JSON: {{"typical_share": a number from 0 to 1}}.',
    )


SCHEMA = {
    "type": "object",
    "properties": {"typical_share": {"type": "number"}},
    "required": ["typical_share"],
    "additionalProperties": False,
}


def times_question(
    spec: Spec, table_name: str, name: str, via: str, other: str
) -> list[ChatMessage]:
    """The question of how many times its parent's amount a child's amount typically is."""
    table = spec.tables[table_name]
    parent = (table.columns[via].references or "").split(".", 1)[0]
    return question_about(
        spec,
        table_name,
        [
            f'Each "{table_name}" row belongs to one row of table "{parent}" (through "{via}").',
            f'A "{table_name}" row\'s "{name}" is set as a multiple of the "{other}" of its '
            f'"{parent}" row.',
        ],
        f'In real data like this, how many times that "{other}" is a row\'s "{name}" '
        'typically? Answer as JSON: {"times": number}.',
    )


TIMES_SCHEMA = {
    "type": "object",
    "properties": {"times": {"type": "number"}},
    "required": ["times"],
    "additionalProperties": False,
}


def share_kept(reply: dict[str, Any]) -> tuple[float | None, str]:
    """The typical share an answer gives, or None and why not (values are then capped at the
    parent's, no more)."""
    share = reply.get("typical_share")
    if not isinstance(share, int | float) or not SHARE_LOWEST <= share < 1:
        return None, "not a share between 0.05 and 1"
    return round(float(share), 3), ""


def _share_disagrees(
    spec: Spec, table_name: str, name: str, via: str, other: str, share: float
) -> str:
    """Why a typical share cannot be kept ("" when it can): the share of the parent's typical
    value lies further than ``SHARE_AGREES`` times from the column's own typical value. An
    order's guests are no half of its restaurant's seats: the share fits a flight filling its
    aircraft, not one of many tables in a room. A parent with no typical value is drawn
    between its bounds: their midpoint stands for it (pizzerias' seats, 20 to 200, made "50%"
    of them 55 guests an order)."""
    column = spec.tables[table_name].columns[name]
    parent = str(spec.tables[table_name].columns[via].references).split(".", 1)[0]
    of = spec.tables[parent].columns[other]
    middle = None if of.min is None or of.max is None else (float(of.min) + float(of.max)) / 2
    usual = of.typical or middle
    if not column.typical or not usual or column.typical <= 0 or usual <= 0:
        return ""
    made = share * float(usual)
    ratio = made / float(column.typical)
    if 1 / SHARE_AGREES <= ratio <= SHARE_AGREES:
        return ""
    return (
        f"{share:.0%} of a typical {_show(usual)} is {_show(made)}, not near the column's "
        f"own typical {_show(column.typical)}"
    )


def ask_parents(
    client: ChatClient,
    spec: Spec,
    data: dict[str, Any],
    asked: list[TypicalAnswer],
    *,
    seed: int,
    say: Progress,
) -> bool:
    """Set each pair of ``parent_pairs`` as the column's ``of_parent`` in ``data``, asking the
    typical share of an ``at_most`` and the multiple of a ``times``; the answers are added to
    ``asked``. True when the endpoint failed (the questions stop)."""
    for table_name, name, via, other, relation in parent_pairs(spec):
        answer = TypicalAnswer(table_name, name, asked="of parent", by=f"{via}.{other}")
        asked.append(answer)
        follows: dict[str, Any] = {"column": f"{via}.{other}", "relation": relation}
        if relation in ("at_most", "times"):
            question, schema = {
                "at_most": (share_question, SCHEMA),
                "times": (times_question, TIMES_SCHEMA),
            }[relation]
            text = _request(
                client,
                question(spec, table_name, name, via, other),
                _json_schema("of_parent", schema),
                TYPICAL_MAX_TOKENS,
                answer,
                seed,
                say,
            )
            if text is None:
                return True
            reply = json_object(text)
        if relation == "at_most":
            if reply is None:
                answer.why = "the reply is not the JSON asked for"
            else:
                answer.typical, answer.why = share_kept(reply)
            if answer.typical is not None:
                answer.why = _share_disagrees(spec, table_name, name, via, other, answer.typical)
                if answer.why:
                    answer.typical = None
            if answer.typical is not None:
                follows["share"] = answer.typical
        if relation == "times":
            times = (reply or {}).get("times")
            if not isinstance(times, int | float) or not 0 < times <= TIMES_MOST:
                answer.why = f"not a multiple above 0 and up to {TIMES_MOST:g}"
                continue
            answer.typical = follows["times"] = round(float(times), 3)
        answer.kept = True  # the relation is kept whatever the share: capped at the parent's
        data["tables"][table_name]["columns"][name]["of_parent"] = follows
        share = f", typically {follows['share']:.0%} of it" if "share" in follows else ""
        words = {"at_most": "at most", "times": f"{follows.get('times')} times"}.get(
            relation, "mostly the same as"
        )
        say(f"{table_name}.{name}: {words} its {via}'s {other}{share}")
    return False
