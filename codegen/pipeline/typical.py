"""Typical values asked of the model, one column at a time, before the program is made.

A spec's bounds say what is allowed, not what is usual: drawn evenly between them, a house has
520 m2 and 6 bedrooms. Small models know what is usual when asked plainly, with the column's
meaning and unit, one question at a time ("a typical house: 120 m2, most between 70 and 200"),
as JSON constrained by a schema. Their numbers still need checking: an answer is kept only when
it lies inside the column's bounds and away from them, its range is a range around it and not
the bounds repeated, and it says something the bounds alone do not. Kept answers become the
column's ``typical`` and ``typical_range`` (spec v1), which the starting program draws around
(``shaperuntime.shape_typical``). Flags are asked the share of rows that are true (no-shows are
rare), and short lists of values how common each is (``weights``: most accounts are current
accounts). The spec the user wrote is saved unchanged, the answers in the manifest.
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field, ValidationError

from codegen.errors import LLMError
from codegen.llm.client import ChatClient, ChatMessage
from codegen.pipeline.attempt import Progress, completion_usage
from codegen.spec.model import Spec

TYPICAL_MAX_TOKENS = 60
MEANING_MAX_CHARS = 80  # what a column is, in the model's words: a short phrase
MEANING_MAX_TOKENS = 30
WEIGHTS_MAX_VALUES = 12  # a longer list is a list of names, not of categories with shares
LISTED_LEAST_SHARE = 0.02  # of the shares' sum: the least a listed value is given
YEARS_MIN_SPAN = 5  # a date drawn over this many years or more: its typical year is asked
BY_MAX_QUESTIONS = 8  # questions of a number per category, at most, in one spec
BY_MAX_CATEGORIES = 2  # category columns a number is asked against, at most, per table
# A share of rows at 0 this small (or its complement) is not drawn: asked of an amount it knows
# nothing of, the embedded model says 10% at 0 and 90% above, agreeing with itself (a milking's
# litres, a marina stay's bill, a Copenhagen bike trip's fare: in real data none at 0).
ZERO_SHARE_MIN = 0.12
BY_PLAIN_MAX = 16  # questions of one category's number in plain words, at most, in one spec
BY_ALIKE = 1.35  # kinds' values within this ratio of each other: asked one at a time too
BY_PLAIN_NEAR = 3.0  # their levels kept where their middle is within 3x of the column's typical
# A kind holding this share of the rows or more has its median within the column's 80% range
# (half its rows, a tenth of all, would lie beyond it): a detached house asked alone, 480 m2,
# against homes typically 60-240 m2, made the median home 239 m2.
KIND_HELD = 0.2
BY_MAX_RATIO = 100.0  # a category typically 100x another's: the answer is not believed


ANSWER_AS_JSON = "You know what real-world data looks like. Answer with JSON only."


class TypicalReply(BaseModel):
    typical: float
    low: float
    high: float


class MeantReply(BaseModel):
    """A number's typical value after what it is for one of the table's things, in the model's
    words. Told to say that first ("how long one booking lasts, in hours"), the embedded model
    answered 16 of 25 columns' typical values within what someone who knows the domain would
    say, against 9 asked for the numbers alone (2026-11-28: a coworking desk booked for 2
    hours, not 12; a cow's milking 10.5 litres, not 100; a Dutch van driver paid EUR 15 an
    hour, not 12.5; an employee's salary EUR 50,000, not 5,000). Said as what the column is
    "of one row", it read an aircraft's seats as those of one row of seats (15). The order of
    the keys is the order it writes."""

    meaning: str = Field(max_length=MEANING_MAX_CHARS)
    typical: float
    low: float
    high: float


class ShareReply(BaseModel):
    """For a boolean column: the share of rows that are true."""

    share: float


class CountReply(BaseModel):
    """For a boolean column: how many of 100 rows are true."""

    count: int


@dataclass
class TypicalAnswer:
    """One question and what became of it (the manifest keeps these)."""

    table: str
    column: str
    asked: str = "typical"  # or "nulls", "zeros", "by category", "signed by category", "gap",
    # "of parent" (by: the parent's column as `reference.column`)
    typical: float | None = None
    low: float | None = None
    high: float | None = None
    weights: dict[str, float] | None = None  # for a list of values: how common each is
    by: str | None = None  # asked per value of this category column (a gap: after this one)
    by_values: dict[str, float] | None = None  # the answer per category, as kept
    lists: dict[str, list[str]] | None = None  # values listed per category
    second: float | None = None  # a share's second opinion: the other rows' share
    third: float | None = None  # a flag's third: its count of 100 rows, as a share
    first: list[float] | None = None  # asked again: the first answer (typical, low, high)
    said: dict[str, float] | None = None  # a list's shares, or a number by category, as given
    most: str | None = None  # the value most rows have, asked apart (both orders agreeing)
    meaning: str | None = None  # what the model said the column is, before its numbers
    kept: bool = False
    why: str = ""  # why an answer was not kept
    usage: dict[str, int] = field(default_factory=dict)
    llm_s: float = 0.0
    cached: bool = False  # a cached reply cost nothing this time

    def record(self) -> dict[str, Any]:
        return asdict(self)


def kind_of(column: Any) -> str:
    """What is asked of a column: "weights" of its values, the "share" of a flag that is true,
    or its "typical" value and range."""
    if column.values:
        return "weights"
    return "share" if column.type == "boolean" else "typical"


def is_meant(name: str, column: Any) -> bool:
    """Whether a column's typical value is asked after what it is (``MeantReply``): a number,
    not a date (asked as its years) nor a birth (asked as ages)."""
    numeric = column.type in ("integer", "float")
    return kind_of(column) == "typical" and numeric and not is_birth(name, column)


def response_format(column: Any, meant: bool = False) -> dict[str, Any]:
    """The JSON a column's question is answered in (``meant``: ``is_meant`` of the column as
    the spec has it, before ``as_years``)."""
    kind = kind_of(column)
    if kind == "weights":
        return numbers_format("column_weights", [str(v) for v in column.values])
    if kind == "share":
        return _json_schema("column_share", ShareReply.model_json_schema())
    reply = MeantReply if meant else TypicalReply
    return _json_schema("column_typical", reply.model_json_schema())


TYPICAL_JSON = '{"typical": number, "low": number, "high": number}'
MEANT_JSON = '{"meaning": words, "typical": number, "low": number, "high": number}'


def numbers_format(name: str, keys: list[str]) -> dict[str, Any]:
    """A ``response_format`` asking for one number under each of ``keys`` (a share per value,
    a typical value per category)."""
    schema = {
        "type": "object",
        "properties": {key: {"type": "number"} for key in keys},
        "required": keys,
        "additionalProperties": False,
    }
    return _json_schema(name, schema)


def json_object(text: str) -> dict[str, Any] | None:
    """The JSON object a reply holds, None where it holds none."""
    try:
        reply = json.loads(_json_part(text))
    except ValueError:
        return None
    return reply if isinstance(reply, dict) else None


def columns_to_ask(spec: Spec) -> list[tuple[str, str]]:
    """(table, column) of every column whose usual values the spec leaves open: numbers and
    flags drawn freely (not a key or reference, not made from other columns by a check), and
    short lists of values drawn at random (not unique, not a lookup table's one row each)."""
    from codegen.program.rules import plan_table
    from codegen.program.shapes import Shapes, rhythm_of

    asked = []
    referenced = {target for table, _, target, _ in spec.references() if table != target}
    shapes = Shapes.of(spec)
    for table_name, table in spec.tables.items():
        plan = plan_table(table, table_name)
        for name, column in table.columns.items():
            if column.primary_key or column.references or column.unique:
                continue
            planned = plan.columns[name]
            if column.type in ("date", "datetime"):  # a birth date: its typical year
                free = planned.define is None and _one_sided(planned) and planned.values is None
                long = column.min is not None and column.max is not None
                long = long and column.max.year - column.min.year >= YEARS_MIN_SPAN
                if free and long and planned.otherwise is None and column.typical is None:
                    if rhythm_of(shapes, table_name, table, name, column, planned.grid) is None:
                        asked.append((table_name, name))
                continue
            if column.values:
                lookup = table_name in referenced and table.rows <= len(column.values)
                if column.weights is None and not lookup and planned.define is None:
                    if 2 <= len(column.values) <= WEIGHTS_MAX_VALUES:
                        asked.append((table_name, name))
                continue
            if column.type not in ("integer", "float", "boolean") or column.typical is not None:
                continue
            if column.of_parent is not None and column.of_parent.relation == "each":
                continue  # its parent's price times its units: nothing to ask
            if planned.define is not None or not _one_sided(planned):
                continue
            if column.min is not None and column.min < 0 and _entangled(plan, name):
                continue  # a signed amount whose sign a check ties to its kind
            if planned.otherwise is not None and column.type == "boolean":
                continue  # a number a check sets on some rows (0 passengers when cancelled)
            if planned.values is not None:
                continue
            if column.type == "boolean" and name in _read_by_checks(plan):
                continue  # a flag a check ties to other columns (passed = points >= 55)
            asked.append((table_name, name))
    return asked


def question_about(
    spec: Spec,
    table_name: str,
    about: list[str],
    ask: str,
    system: str = ANSWER_AS_JSON,
) -> list[ChatMessage]:
    """A question about a table of the dataset: the dataset and the table in words, the lines
    ``about`` the columns, then what is asked."""
    table = spec.tables[table_name]
    lines = [
        f"Dataset: {spec.description or spec.name}",
        f'Table "{table_name}"' + (f": {table.description}" if table.description else ""),
        *about,
        "",
        ask,
    ]
    return [{"role": "system", "content": system}, {"role": "user", "content": "\n".join(lines)}]


def _entangled(plan: Any, name: str) -> bool:
    """Whether a check no line meets by construction ties the column to another (``kind <>
    'card' OR amount_eur < 0``). A signed amount drawn around one typical value has one sign:
    the rows such a check fails on would be drawn again until the kinds that fit it (salary,
    interest) crowd out the rest."""
    return any(
        index not in plan.exact and name in parsed.columns and len(set(parsed.columns)) > 1
        for index, (_, parsed) in enumerate(plan.checks)
    )


def _one_sided(planned: Any) -> bool:
    """Whether a column's per-row bounds (if any) are all on one side: a birth year at most
    the year one joined is drawn around its typical year where that fits."""
    sides = {bound.lower for bound in planned.bounds}
    return len(sides) <= 1 and planned.window is None


def _read_by_checks(plan: Any) -> set[str]:
    return {name for _, parsed in plan.checks for name in parsed.columns}


def question(spec: Spec, table_name: str, name: str) -> list[ChatMessage]:
    """The question for one column: the dataset, the table and the column in words, without
    its bounds (given the bounds, small models answer their midpoint: "500 m2" for a house
    between 15 and 1000 m2; the bounds check the answer instead)."""
    table = spec.tables[table_name]
    column = table.columns[name]
    about = f" ({column.description})" if column.description else ""
    kind = kind_of(column)
    if kind == "weights":
        what = "one of: " + ", ".join(str(v) for v in column.values)
        example = ", ".join(f'"{v}": share' for v in column.values)
        ask = (
            f'In real data like this, how common is each value of "{name}"? Answer as JSON, '
            f"the share of rows with each value: {{{example}}}."
        )
    elif kind == "share":
        what = "true or false"
        ask = (
            f'In real data like this, what share of rows has "{name}" true? Answer as JSON: '
            '{"share": a number from 0 to 1}.'
        )
    elif is_birth(name, column):
        what = "a year of birth" if column.type == "integer" else "a date of birth"
        ask = (
            f'In real data like this, how old are the people of "{table_name}" typically in '
            f"{reference_year(spec)} (the median age, in years), and between which two ages "
            'are most of them (80%)? Answer as JSON: {"typical": age, "low": age, "high": age}.'
        )
    elif yearly_use(spec, table_name, name) is not None:
        what = "a number that adds up over the thing's life"
        ask = (
            f'First say in a few words what "{name}" is for one of the "{table_name}", then how '
            "much it grows in one year of use: its typical (median) yearly growth in real data "
            "like this and between which two values most rows' yearly growth (80%) lies, in the "
            f"unit the column's name says. Answer as JSON: {MEANT_JSON}."
        )
    elif column.type in ("date", "datetime"):
        what = "a date"
        ask = (
            f'In real data like this, what is the typical (median) year of "{name}", and '
            "between which two years do most rows (80%) lie? Answer as JSON: "
            '{"typical": year, "low": year, "high": year}.'
        )
    else:
        what = "a whole number" if column.type == "integer" else "a number"
        if _scored(name, column):  # a quiz score of "5" means nothing without its scale
            what += f" on a scale from {_show(column.min)} to {_show(column.max)}"
        ask = (
            f'First say in a few words what "{name}" is for one of the "{table_name}", then '
            "its typical (median) value in real data like this and between which two values "
            f"most rows (80%) lie, in the unit the column's name says. Answer as JSON: "
            f"{MEANT_JSON}."
        )
    return question_about(
        spec,
        table_name,
        [
            f'Column "{name}"{about}: {what}.',
        ],
        ask,
    )


_BIRTH = {"birth", "born", "dob", "birthdate", "birthday"}


def is_birth(name: str, column: Any) -> bool:
    """Whether a column is when its row's person was born (``born_on``, ``birth_year``): asked
    as their typical age, which small models know (first-year students are 19), rather than
    as a year, which they guess (1980 for students in 2023, 1950 for a library's members)."""
    from codegen.program.shapes import _words

    numeric = column.type in ("date", "datetime", "integer", "float")
    return numeric and bool(_BIRTH & set(_words(name.replace("_", " "))))


def reference_year(spec: Spec) -> int:
    """The year a dataset is of, for ages: the latest year its description names (2023-2024:
    2024), else the latest year its date columns reach (not birth dates), else this year."""
    import re

    named = [int(y) for y in re.findall(r"\b(?:19|20)[0-9]{2}\b", spec.description or "")]
    if named:
        return max(named)
    reached = [
        column.max.year
        for table in spec.tables.values()
        for name, column in table.columns.items()
        if column.type in ("date", "datetime")
        and column.max is not None
        and not is_birth(name, column)
    ]
    return max(reached) if reached else pd.Timestamp.now().year


# Grown-ups of one place span decades: asked where 80% of their ages lie, the embedded model
# said 35-45 for a bank's customers, a bus company's drivers, a dental practice's patients and
# a library's members, 25-35 for a shop's customers (measured 2026-11-29, 19 specs). Adults'
# 80% ranges reach at least this far below and above their typical age, within ADULT_AGES.
ADULT_FROM = 25  # a typical age from which the people are grown-ups of all ages
ADULT_SPREAD = (13.0, 17.0)  # years below and above the typical age, at least
ADULT_AGES = (18.0, 90.0)
# And their typical age is said too young: 30 for a marathon's runners (a big-city field's
# median is about 40), a camper hire's customers, a streaming service's subscribers, a gym's
# members alike (measured 2026-11-28 and -29). Grown-ups' median age in Europe is about 45
# (Eurostat's population of 18 and over: 48): a typical age below it is taken halfway there, a
# base rate weighed against one answer that hardly depends on who the people are. An answer
# above it (a hospital's patients at 60, a care home's at 80) is not pulled down: the model was
# never seen to say too old.
ADULT_MEDIAN = 45.0
ADULT_PULL = 0.5  # the share of the way from the answer to ADULT_MEDIAN taken


def _ages_as_years(text: str, year: int) -> tuple[str, bool]:
    """An answer in ages (typical, low, high) as the years of birth they give in ``year``, and
    whether a grown-ups' answer was moved: a typical age under ``ADULT_MEDIAN`` taken
    ``ADULT_PULL`` of the way to it (the range with it), the range widened to
    ``ADULT_SPREAD``."""
    ages = TypicalReply.model_validate_json(text)
    typical, low, high = ages.typical, ages.low, ages.high
    if typical >= ADULT_FROM:
        pull = max(ADULT_MEDIAN - typical, 0.0) * ADULT_PULL
        typical, low, high = typical + pull, low + pull, high + pull
        low = min(low, max(typical - ADULT_SPREAD[0], ADULT_AGES[0]))
        high = max(high, min(typical + ADULT_SPREAD[1], ADULT_AGES[1]))
    reply = {"typical": year - typical, "low": year - high, "high": year - low}
    moved = (typical, low, high) != (ages.typical, ages.low, ages.high)
    return json.dumps(reply), moved


def yearly_use(spec: Spec, table_name: str, name: str) -> str | None:
    """The date a number of use that adds up over a thing's life (a car's ``mileage_km``, an
    engine's hours) is counted from (``first_registered``, ``in_service_since``), where its
    typical value is asked as a year's growth, then times the things' ages; None otherwise.
    Asked for a used car's mileage, the embedded model said 15,000 km: a year's driving."""
    from codegen.pipeline.follows import _age_source, _is_use

    table = spec.tables[table_name]
    if table.columns[name].type not in ("integer", "float") or not _is_use(name):
        return None
    found = _age_source(table)
    return found[0] if found is not None and found[0] != name else None


YOUNGEST_YEARS = 0.25  # an age no thing of a table is counted younger than


def ages_since(
    spec: Spec, data: dict[str, Any], table_name: str, since: str
) -> tuple[float, float, float]:
    """(typical, low, high) age in years, in the middle of the dataset's year, of the things
    of a table counted from the date (or year) ``since``: from its typical year and range as
    answered (``data``), else from its bounds (their middle, and a tenth in from each)."""
    column = spec.tables[table_name].columns[since]
    said = data["tables"][table_name]["columns"][since]
    years = as_years(column)
    lowest = float(years.min) if years.min is not None else None
    highest = float(years.max) if years.max is not None else None
    now = reference_year(spec) + 0.5
    if said.get("typical") is not None:
        middle = float(said["typical"])
        low, high = said.get("typical_range") or (lowest or middle - 5, highest or middle + 5)
    elif lowest is not None and highest is not None:
        middle = (lowest + highest) / 2
        low, high = lowest + 0.1 * (highest - lowest), highest - 0.1 * (highest - lowest)
    else:
        middle, low, high = now - 5, now - 10, now - 1
    return tuple(max(now - float(y), YOUNGEST_YEARS) for y in (middle, high, low))  # type: ignore[return-value]


def _yearly_as_total(text: str, ages: tuple[float, float, float]) -> str:
    """An answer of a year's growth (typical, low, high) as the totals the ages give."""
    said = json.loads(text)
    rates = TypicalReply.model_validate(said)
    typical, young, old = ages
    return json.dumps(
        {
            **said,
            "typical": round(rates.typical * typical, 2),
            "low": round(rates.low * young, 2),
            "high": round(rates.high * old, 2),
        }
    )


_SCALES = {"score", "rating", "grade", "mark", "marks", "points", "pct", "percent", "percentage"}


def _scored(name: str, column: Any) -> bool:
    """Whether a number is a score on a scale its bounds are (a quiz score from 0 to 100, a
    rating from 1 to 5): then the question says the scale. Other bounds stay unsaid."""
    from codegen.program.shapes import _words

    bounded = column.min is not None and column.max is not None
    return bounded and bool(_SCALES & set(_words(name)))


BOUNDS_AGAIN = "its range is the column's bounds again"
MIDDLE = 0.05  # of the span between the bounds: a value this near their midpoint is it


def check_answer(column: Any, reply: TypicalReply) -> str:
    """Why an answer cannot shape the column ("" when it can)."""
    typical, low, high = reply.typical, reply.low, reply.high
    if not all(math.isfinite(v) for v in (typical, low, high)):
        return "not a number"
    if not low <= typical <= high or low == high:
        return "its range is not a range around its typical value"
    lowest, highest = column.min, column.max
    # A whole number's typical value may be one of its bounds (asked without them, it is no
    # bound repeated): counts pile at their least (one item per order line, no children),
    # hours at their most where the bound cuts the range given (a 40-hour week, most 35 to
    # 45, at most 40), as any number's may at a cap that cuts its range. Not an amount at its
    # least: a car park's hourly rate of EUR 0.50, most 0.10 to 2, at least 0.50, put half
    # of a city's car parks at the bound. Other values at a bound are the bound repeated.
    whole = column.type == "integer"
    cut_low = whole
    cut_high = whole or (highest is not None and high > highest)
    below = lowest is not None and (typical < lowest or typical == lowest and not cut_low)
    above = highest is not None and (typical > highest or typical == highest and not cut_high)
    if below or above:
        return "its typical value is at or outside the column's bounds"
    if lowest is not None and highest is not None:
        span = float(highest) - float(lowest)
        upper = whole or highest - typical < typical - lowest
        nearest = highest - typical if upper else typical - lowest
        # Near a bound, an answer whose range stays clear of it is a skewed amount, not the
        # bound repeated: a transfer of EUR 100, most 50 to 200, where transfers reach 25,000.
        clear = high < highest if upper else low > lowest
        # the bound cuts its range: a typical value piled at it
        piled = (typical == highest and high > highest) or (typical == lowest and low < lowest)
        if nearest < 0.02 * span and not clear and not piled:
            return "its typical value sits at a bound"
        if low <= lowest and high >= highest:
            return BOUNDS_AGAIN
    if column.type == "integer" and high - low < 1:
        return "its range is narrower than one whole number"
    return ""


def ask_typical(
    client: ChatClient,
    spec: Spec,
    *,
    seed: int = 0,
    progress: Progress | None = None,
) -> tuple[Spec, list[TypicalAnswer]]:
    """``spec`` with ``typical`` and ``typical_range`` (numbers), ``typical`` (a flag's share
    of true rows) and ``weights`` (how common each listed value is) set where the model
    answered well, and every answer (kept or not). An endpoint error ends the questions early,
    with the spec as it stands: typical values improve data, they never block it."""
    from codegen.pipeline.priced import is_priced_item

    say = progress or (lambda line: None)
    data = spec.model_dump(mode="json", exclude_none=True)
    answers: list[TypicalAnswer] = []
    for table_name, name in columns_to_ask(spec):
        column = as_years(spec.tables[table_name].columns[name])
        answer = TypicalAnswer(table_name, name)
        answers.append(answer)
        meant = is_meant(name, spec.tables[table_name].columns[name])
        text = _request(
            client,
            question(spec, table_name, name),
            response_format(column, meant),
            TYPICAL_MAX_TOKENS + 12 * len(column.values or []) + meant * MEANING_MAX_TOKENS,
            answer,
            seed,
            say,
        )
        if text is None:
            return Spec.model_validate(data), answers
        target = data["tables"][table_name]["columns"][name]
        born = is_birth(name, column)
        try:
            if born:  # asked as ages: the years they give
                text, moved = _ages_as_years(_json_part(text), reference_year(spec))
                answer.asked = "typical age" + (", a grown-up's moved" if moved else "")
            since = yearly_use(spec, table_name, name)
            if since is not None:  # asked a year at a time: times the things' ages
                answer.asked = f"typical a year, times the years since {since}"
                text = _yearly_as_total(_json_part(text), ages_since(spec, data, table_name, since))
            line = _keep(column, _json_part(text), answer, target)
        except (ValidationError, ValueError):
            answer.why = "the reply is not the JSON asked for"
            continue
        if line and kind_of(column) == "weights":  # the model's shares, steeper
            from codegen.pipeline.weights import settle_weights

            line, failed = settle_weights(client, spec, table_name, name, answer, target, seed, say)
            if failed:
                return Spec.model_validate(data), answers
        home = home_weights(spec, table_name, name, target.get("weights")) if line else None
        if home is not None:
            target["weights"] = home
            line += f"; its own country's raised to {HOME_SHARE:.0%}"
        rescaled = _in_named_unit(name, column, answer) if not line and not born else None
        if rescaled is not None:  # 120 for a half-marathon's half_seconds: minutes, not seconds
            line = _keep(column, rescaled, answer, target)
            answer.asked = "typical, read in the unit its name says"
        if not line and _outside(column, answer) and not born:
            again = _ask_again(client, spec, table_name, name, text, answer, target, seed, say)
            if again is None:
                return Spec.model_validate(data), answers
            line = again
        if is_priced_item(spec, table_name, name):  # a number: a price of one item
            from codegen.pipeline.priced import settle_by_examples

            priced = settle_by_examples(
                client, spec, table_name, name, line, target, answers, seed, say
            )
            if priced is None:
                return Spec.model_validate(data), answers
            line = priced
        if line and is_head_count(name, column) and target.get("typical") is not None:
            counted = _settle_head_count(
                client, spec, table_name, name, column, line, answer, target, answers, seed, say
            )
            if counted is None:
                return Spec.model_validate(data), answers
            line = counted
        if line and kind_of(column) == "share":  # the share of false rows too, to compare
            first = float(answer.typical or 0.0)
            other = f'what share of rows has "{name}" false?'
            _second_share(client, spec, table_name, name, other, answer, seed, say)
            third = _count_of_100(client, spec, table_name, name, answer, seed, say)
            agreed = _flag_share(first, answer, third)  # the three weighed together
            if is_mishap(name):  # a cancellation, a no-show: a few percent of rows at most
                capped = min(MISHAP_MOST if agreed is None else agreed, MISHAP_MOST)
                if capped != agreed:
                    answer.asked = f"typical, a mishap: {MISHAP_MOST:.0%} at most"
                agreed, answer.kept, answer.why = capped, True, ""
            if agreed is None:
                target.pop("typical", None)
                line = ""
            else:
                target["typical"] = agreed
                line = f"{agreed:.0%} true"
        if line:
            say(f"typical {table_name}.{name}: {line}")
    nulls = [(t, n, nulls_question(spec, t, n)) for t, n in nulls_to_ask(spec)]
    stopped = _ask_row_shares(client, spec, data, answers, NULLS, nulls, seed=seed, say=say)
    if not stopped:
        amounts = zeros_to_ask(spec, data)
        zeros = [(t, n, zeros_question(spec, t, n)) for t, n in amounts]
        stopped = _ask_row_shares(client, spec, data, answers, ZEROS, zeros, seed=seed, say=say)
        _exceptions_mostly_zero(spec, data, answers, amounts, say)
    stopped = stopped or _ask_gaps(client, spec, data, answers, seed=seed, say=say)
    if not stopped:
        from codegen.pipeline.signed import ask_signed

        stopped = ask_signed(client, spec, data, answers, seed=seed, say=say)
    if not stopped:
        from codegen.pipeline.parents import ask_parents

        shaped = Spec.model_validate(data)
        stopped = ask_parents(client, shaped, data, answers, seed=seed, say=say)
    if not stopped:
        _ask_by_category(client, Spec.model_validate(data), data, answers, seed=seed, say=say)
        from codegen.pipeline.values_by import ask_values_by

        ask_values_by(client, Spec.model_validate(data), data, answers, seed=seed, say=say)
    return Spec.model_validate(data), answers


HOME_SHARE = 0.6  # the share of its own country (language) a one-country dataset's rows hold


def home_weights(
    spec: Spec, table_name: str, name: str, weights: list[float] | None
) -> list[float] | None:
    """``weights`` of a column of countries or languages with its dataset's own (the one the
    descriptions name: NL for a Dutch agency's clients, nl for a Dutch library's books) raised
    to ``HOME_SHARE`` of the rows where the model gave it less; None where nothing changes.
    Asked how common each is, the embedded model gave the Dutch library's books nl 35%."""
    from codegen.program.pattern_meaning import _LOCALES, locale_named, providers_for

    column = spec.tables[table_name].columns[name]
    words = set(name.lower().split("_"))
    languages = bool(words & {"language", "lang", "locale"})
    if not weights or not (languages or providers_for(name) in (["country"], ["country_code"])):
        return None
    locale = locale_named(f"{spec.tables[table_name].description or ''} {spec.description or ''}")
    if locale is None:
        return None
    names = next((n for n, found in _LOCALES if found == locale), ())
    own = {locale[:2], locale[-2:].lower(), *names}
    homes = [i for i, v in enumerate(column.values or []) if str(v).strip().lower() in own]
    if len(homes) != 1:
        return None
    (home,) = homes
    others = sum(w for i, w in enumerate(weights) if i != home)
    if others <= 0 or weights[home] >= HOME_SHARE / (1 - HOME_SHARE) * others:
        return None
    raised = list(weights)
    raised[home] = round(HOME_SHARE / (1 - HOME_SHARE) * others, 4)
    return raised


# Counts of people or things a row holds, which most rows hold few of: a party of two, one
# pizza of a kind on an order line. Asked their typical (median) value, the embedded model
# said a restaurant booking's party is 4 (2 to 6), a pizzeria's line 2 of a pizza; asked
# which value most rows have, 2 and 1.
# Not an order's items: a basket's size, which few orders have one of.
HEAD_COUNT_WORDS = {
    "quantity", "qty", "units", "party", "guests", "people", "persons",
    "passengers", "pax", "adults", "travellers", "travelers", "attendees", "participants",
    "riders", "occupants", "visitors", "covers", "tickets",
}  # fmt: skip
HEAD_COUNT_MOST = 10  # a typical count above this is no few: a flight's passengers
# Units of one product on a line, at most as the model's typical value and as the top of most
# lines' range: a till line is one of most things, now and then two (drawn so, 77% of lines
# hold 1, 19% 2, 4% more; with 3 here, a bookshop's and a toy shop's lines averaged 1.6 and
# more, a tenth of them 4 or more).
LINE_QUANTITY_MOST = 2
MODE_SCHEMA = {
    "type": "object",
    "properties": {key: {"type": "integer"} for key in ("most_common", "second", "third")},
    "required": ["most_common", "second", "third"],
    "additionalProperties": False,
}


def is_head_count(name: str, column: Any) -> bool:
    """Whether a column counts the people or things its row holds (``HEAD_COUNT_WORDS``): a
    whole number, not a key, not a scale."""
    from codegen.program.shapes import _words

    if column.type != "integer" or column.primary_key or column.unique or column.references:
        return False
    return bool(set(_words(name)) & HEAD_COUNT_WORDS) and not _scored(name, column)


def mode_question(spec: Spec, table_name: str, name: str) -> list[ChatMessage]:
    """The question of the value of a count most rows have, and the next two."""
    column = spec.tables[table_name].columns[name]
    about = f" ({column.description})" if column.description else ""
    return question_about(
        spec,
        table_name,
        [f'Column "{name}"{about}: a whole number.'],
        f'In real data like this, which value of "{name}" do most rows have, and which are the '
        'next two most common? Answer as JSON: {"most_common": n, "second": n, "third": n}.',
    )


def _settle_head_count(
    client: ChatClient,
    spec: Spec,
    table_name: str,
    name: str,
    column: Any,
    line: str,
    answer: TypicalAnswer,
    target: dict[str, Any],
    answers: list[TypicalAnswer],
    seed: int,
    say: Progress,
) -> str | None:
    """A head count's kept typical value settled (``is_head_count``): a line's quantity of one
    product (``parents.is_line_quantity``) 1 where more than ``LINE_QUANTITY_MOST``, its range
    that at most; dropped at its greatest; a few (up to ``HEAD_COUNT_MOST``) replaced by the
    value most rows have where that is lower.
    The answer's line as it then reads ("" when dropped), None where the endpoint failed."""
    from codegen.pipeline.parents import is_line_quantity

    typical = float(target["typical"])
    ones = (column.min is None or column.min <= 1) and (column.max is None or column.max >= 2)
    line_of_one = ones and is_line_quantity(spec, table_name, name)
    if line_of_one and typical > LINE_QUANTITY_MOST:
        most = LINE_QUANTITY_MOST if column.max is None else min(LINE_QUANTITY_MOST, column.max)
        target["typical"], target["typical_range"] = 1.0, [1.0, float(most)]
        answer.asked = "typical, a line of one product: mostly one unit"
        return f"1 (a line of one product, not {_show(typical)}), 1 to {_show(most)}"
    spread = target.get("typical_range")
    if line_of_one and (spread is None or float(spread[1]) > LINE_QUANTITY_MOST):
        # a pizzeria's line, typically 1 pizza, most lines 1 to 50 (the bounds, left out):
        # spread around it, a fifth of the lines were 5 or more
        low = float(spread[0]) if spread is not None else min(1.0, typical)
        target["typical_range"] = [low, float(max(LINE_QUANTITY_MOST, typical))]
        line += f"; most lines {_show(LINE_QUANTITY_MOST)} at most"
    if column.max is not None and typical >= float(column.max):
        # a pharmacy's counter sales, 10 packs of a product at most: typically 10, said the
        # model, and 55% of the sales were 10 packs. A count's pile is at its least.
        target.pop("typical")
        target.pop("typical_range", None)
        answer.kept, answer.why = False, "a count piled at its greatest"
        return ""
    if typical > HEAD_COUNT_MOST:
        return line
    mode = _most_common_count(client, spec, table_name, name, answers, seed, say)
    if mode is False:
        return None
    if mode is not None and mode < typical:
        target["typical"] = mode
        spread = target.get("typical_range")
        if spread is not None:
            target["typical_range"] = [min(float(spread[0]), mode), float(spread[1])]
        line += f"; most rows {_show(mode)}"
    return line


def _most_common_count(
    client: ChatClient,
    spec: Spec,
    table_name: str,
    name: str,
    answers: list[TypicalAnswer],
    seed: int,
    say: Progress,
) -> float | None | Literal[False]:
    """The value of a head count most rows have, asked apart; None where the answer is not a
    value within the column's bounds, False where the endpoint failed."""
    answer = TypicalAnswer(table_name, name, asked="most common")
    answers.append(answer)
    messages = mode_question(spec, table_name, name)
    schema = _json_schema("most_common", MODE_SCHEMA)
    text = _request(client, messages, schema, TYPICAL_MAX_TOKENS, answer, seed, say)
    if text is None:
        return False
    reply = json_object(text) or {}
    mode = reply.get("most_common")
    column = spec.tables[table_name].columns[name]
    if not isinstance(mode, int) or isinstance(mode, bool):
        answer.why = "the reply is not the JSON asked for"
        return None
    answer.typical = float(mode)
    below = column.min is not None and mode < float(column.min)
    above = column.max is not None and mode > float(column.max)
    if below or above:
        answer.why = "its most common value is outside the column's bounds"
        return None
    answer.kept = True
    return float(mode)


def _mode_of(asked: list[TypicalAnswer], table_name: str, name: str) -> float | None:
    """The most common value asked of a count and kept, None where none was."""
    found = [
        a.typical
        for a in asked
        if (a.table, a.column, a.asked) == (table_name, name, "most common") and a.kept
    ]
    return found[-1] if found else None


def _outside(column: Any, answer: TypicalAnswer) -> bool:
    """Whether a number's typical value fell outside the column's bounds: most often another
    unit or period (a monthly salary for an annual column), which the model can mend when told
    the bounds; not a value at a bound, which is the bound repeated."""
    if kind_of(column) != "typical" or answer.typical is None or not math.isfinite(answer.typical):
        return False
    below = column.min is not None and answer.typical < float(column.min)
    above = column.max is not None and answer.typical > float(column.max)
    return below or above


# A duration its name counts in a small unit, answered in the next larger one: 120 (minutes)
# for a half-marathon's half_seconds, 2 (hours) for a call's duration_minutes.
_SMALL_UNITS = {
    "seconds": 60, "secs": 60, "sec": 60, "minutes": 60, "mins": 60, "min": 60,
    "ms": 1000, "millis": 1000, "milliseconds": 1000,
}  # fmt: skip


def _in_named_unit(name: str, column: Any, answer: TypicalAnswer) -> str | None:
    """The reply in the unit the column's name says (as JSON), where it fell below the
    column's lower bound and that unit's step up (x60 for seconds and minutes, x1000 for
    milliseconds) brings its typical value within the bounds; None otherwise."""
    from codegen.program.shapes import _words

    if kind_of(column) != "typical" or not _outside(column, answer) or column.min is None:
        return None
    factors = {_SMALL_UNITS[w] for w in _words(name) if w in _SMALL_UNITS}
    values = (answer.typical, answer.low, answer.high)
    if len(factors) != 1 or any(v is None or not math.isfinite(v) for v in values):
        return None
    factor = factors.pop()
    typical = float(answer.typical) * factor
    if not float(column.min) <= typical <= float("inf" if column.max is None else column.max):
        return None
    low, high = float(answer.low) * factor, float(answer.high) * factor
    return json.dumps({"typical": typical, "low": low, "high": high})


def _ask_again(
    client: ChatClient,
    spec: Spec,
    table_name: str,
    name: str,
    first_reply: str,
    answer: TypicalAnswer,
    target: dict[str, Any],
    seed: int,
    say: Progress,
) -> str | None:
    """Ask once more, now with the column's bounds and the first answer: its line when kept,
    "" when not (``answer.why``), None when the endpoint failed. Told the bounds, small models
    tend to answer their midpoint, so that is not kept either."""
    meant = is_meant(name, spec.tables[table_name].columns[name])
    column = as_years(spec.tables[table_name].columns[name])
    answer.first = [answer.typical or 0.0, answer.low or 0.0, answer.high or 0.0]
    bounds = " and ".join(
        text
        for text in (
            f"at least {_show(column.min)}" if column.min is not None else "",
            f"at most {_show(column.max)}" if column.max is not None else "",
        )
        if text
    )
    messages = question(spec, table_name, name) + [
        {"role": "assistant", "content": first_reply},
        {
            "role": "user",
            "content": (
                f'{_show(answer.typical)} cannot be right: "{name}" is {bounds} here. Check '
                "the unit and the period it counts in (a year or a month, euros or thousands) "
                f"and answer again as JSON: {MEANT_JSON if meant else TYPICAL_JSON}."
            ),
        },
    ]
    tokens = TYPICAL_MAX_TOKENS + meant * MEANING_MAX_TOKENS
    text = _request(client, messages, response_format(column, meant), tokens, answer, seed, say)
    if text is None:
        return None
    answer.asked = "typical, asked again with its bounds"
    try:
        line = _keep(column, _json_part(text), answer, target, unprompted=False)
    except (ValidationError, ValueError):
        answer.why = "asked again, the reply is not the JSON asked for"
        return ""
    told = [float(b) for b in (column.min, column.max) if b is not None]
    if line and answer.typical is not None and float(answer.typical) in told:
        # told "at least 20", it answered 20: the bound said back, and rows would pile on it
        for key in ("typical", "typical_range"):
            target.pop(key, None)
        answer.kept, answer.why = False, "asked again, it answered a bound"
        return ""
    if line and column.min is not None and column.max is not None:
        if _at_middle(column, answer.typical):
            for key in ("typical", "typical_range"):
                target.pop(key, None)
            answer.kept, answer.why = False, "asked again, it answered the bounds' midpoint"
            return ""
    return line


def _request(
    client: ChatClient,
    messages: list[ChatMessage],
    response_format: dict[str, Any],
    max_tokens: int,
    answer: TypicalAnswer,
    seed: int,
    say: Progress,
) -> str | None:
    """One question's reply text, its time and usage added to ``answer``'s (an answer asked
    again, or in pieces, costs all its questions); None when the endpoint failed (said, and
    recorded as why), which ends the questions."""
    started = time.perf_counter()
    try:
        completion = client.complete(
            messages,
            temperature=0.0,
            seed=seed,
            max_tokens=max_tokens,
            response_format=response_format,
        )
    except LLMError as exc:
        answer.why = f"the endpoint failed: {exc}"
        say(f"typical values: stopped asking ({exc})")
        return None
    answer.llm_s = round(answer.llm_s + time.perf_counter() - started, 3)
    answer.usage = dict(Counter(answer.usage) + Counter(completion_usage(completion)))
    answer.cached = completion.cached
    return completion.text


def _json_schema(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema}}


def gaps_to_ask(spec: Spec) -> list[tuple[str, str, str]]:
    """(table, start, end) of a row's start and end (a ride's start_time and end_time) where
    the end is drawn freely: how long after the start it typically is, is asked."""
    from codegen.program.rules import plan_table

    asked = []
    for table_name, table in spec.tables.items():
        plan = plan_table(table, table_name)
        # an end a check puts after its start (ends_on > starts_on) is asked below, as a date
        # after another (months of a subscription, not a day); a free one as a span
        spanned = _free_spans(table_name, table, plan)
        for start, end in spanned:
            planned, column = plan.columns[end], table.columns[end]
            if column.typical_after is None and planned.values is None:
                asked.append((table_name, start, end))
        spanned = {end for _, end in spanned}  # drawn as spans, in minutes
        for name, column in table.columns.items():
            start = _after_column(table, name, plan.columns[name])
            if start is not None and name not in spanned and column.typical_after is None:
                asked.append((table_name, start, name))
    return asked


def _free_spans(table_name: str, table: Any, plan: Any) -> list[tuple[str, str]]:
    """(start, end) of a row's start and end whose end is drawn freely: no check bounds it."""
    from codegen.program.shapes import spans

    return [
        (start, end)
        for start, end in spans(table_name, table)
        if plan.columns[end].define is None
        and not plan.columns[end].bounds
        and plan.columns[end].window is None
    ]


def _after_column(table: Any, name: str, planned: Any) -> str | None:
    """The column of its row a date or time comes after by a check and nothing else (a paid_on
    on or after its issued_on: how long after, no check says), or within a window from it (a
    first response within 5 days of the ticket's opening: how long within it, neither); None
    for any other."""
    column = table.columns[name]
    if column.type not in ("date", "datetime") or planned.define is not None:
        return None
    if planned.values is not None:
        return None
    from codegen.program.scaffold import bound_column

    if planned.window is not None:
        bound = planned.window[0]
        others = [b for b in planned.bounds if b not in planned.window[:2]]
        if others or not bound.lower:
            return None
    elif len(planned.bounds) == 1:
        (bound,) = planned.bounds
    else:
        return None
    start = bound_column(bound.tree)
    if not bound.lower or start not in table.columns or start == name:
        return None
    # a check-in date on or after the day it was booked: a date after a time too
    return start if table.columns[start].type in ("date", "datetime") else None


WINDOW_MINUTES_DAYS = 2  # a window of a time after another this short: its gap in minutes
WINDOW_HOURS_DAYS = 10  # this short: in hours


def gap_unit(spec: Spec, table_name: str, start: str, end: str) -> str:
    """The unit a gap is asked in: hours for the start and end of what lasts hours (a car
    parked: ``shapes.lasts_hours``; a child's day at daycare), minutes for other starts and
    ends (a ride; a journey's even where a check puts its end after its start), days for dates
    and for a time some check puts after another (an order shipped days after it was placed, a
    car hire returned), and for a time a check keeps within a window of another, what its
    width says (a first response within 5 days: hours); months for the dates of a relationship
    that lasts (a subscription, a lease: ``LASTING_WORDS``). The embedded model answers each
    unit's favourite numbers (12 hours, 14 days, 120 minutes for a first response), so the
    unit matters."""
    from codegen.program.rules import plan_table

    table = spec.tables[table_name]
    plan = plan_table(table, table_name)
    if table.columns[end].type != "datetime":
        return "months" if _lasting(table_name) and plan.columns[end].window is None else "days"
    from codegen.program.shapes import is_short_stay, lasts_hours, spans

    spanned = (start, end) in spans(table_name, table)
    if spanned and lasts_hours(table_name, table, spec.description):
        return "hours"
    if _day_of_care(spec, table_name, start):
        return "hours"  # a child's day at daycare: asked in days, 1.5 (36 hours)
    if (start, end) in _free_spans(table_name, table, plan):
        return "minutes"
    if spanned and is_short_stay(table_name, table):
        return "minutes"  # a bike trip's or a call's end a check puts after its start
    window = plan.columns[end].window
    if window is not None:
        days = window[2] / 86400  # a datetime window's width is in seconds
        if days <= WINDOW_MINUTES_DAYS:
            return "minutes"
        if days <= WINDOW_HOURS_DAYS:
            return "hours"
    return "days"


def _day_of_care(spec: Spec, table_name: str, start: str) -> bool:
    """Whether a row starts when a child is brought to daycare (the ``care`` rhythm), which
    ends the same day, hours later."""
    from codegen.program.shapes import Shapes, rhythm_of

    table = spec.tables[table_name]
    return (
        rhythm_of(Shapes.of(spec), table_name, table, start, table.columns[start], None) == "care"
    )


# Rows of a relationship that runs for months or years: its length is asked in months. Asked in
# days, the embedded model gave a coworking's subscriptions 30 (a month's: "monthly").
LASTING_WORDS = {
    "subscription", "membership", "contract", "lease", "tenancy", "employment", "policy",
    "mortgage", "warranty", "engagement", "assignment", "residency", "sponsorship",
}  # fmt: skip


def _lasting(table_name: str) -> bool:
    from codegen.program.shapes import _singular, _words

    return any(_singular(word) in LASTING_WORDS for word in _words(table_name))


_IN_MINUTES = {"minutes": 1, "hours": 60, "days": 1440, "months": 43_830}  # a month: 30.44 days
GAP_LEAST_SPREAD = 2.0  # a gap's 80% range reaches at least half and double its typical value


def gap_question(spec: Spec, table_name: str, start: str, end: str) -> list[ChatMessage]:
    unit = gap_unit(spec, table_name, start, end)
    return question_about(
        spec,
        table_name,
        [
            f'Each row has "{start}" and, later, "{end}".',
        ],
        f'In real data like this, how long after "{start}" is "{end}" typically, and between '
        f"which two durations do most rows (80%) lie? Answer in {unit} as JSON: "
        f"{TYPICAL_JSON}.",
    )


def _ask_gaps(
    client: ChatClient,
    spec: Spec,
    data: dict[str, Any],
    answers: list[TypicalAnswer],
    *,
    seed: int,
    say: Progress,
) -> bool:
    """Ask how long after its start each free end typically is; set ``typical_after`` where
    the answer is a range of positive durations around its value. True when the endpoint
    failed."""
    schema = _json_schema("gap", TypicalReply.model_json_schema())
    for table_name, start, end in gaps_to_ask(spec):
        answer = TypicalAnswer(table_name, end, asked="gap", by=start)
        answers.append(answer)
        messages = gap_question(spec, table_name, start, end)
        text = _request(client, messages, schema, TYPICAL_MAX_TOKENS, answer, seed, say)
        if text is None:
            return True
        try:
            reply = TypicalReply.model_validate_json(_json_part(text))
        except ValidationError:
            answer.why = "the reply is not the JSON asked for"
            continue
        answer.typical, answer.low, answer.high = reply.typical, reply.low, reply.high
        values = (reply.low, reply.typical, reply.high)
        if (
            not all(math.isfinite(v) for v in values)
            or not 0 <= values[0] <= values[1] <= values[2]
        ):
            answer.why = "not a range of durations around its typical value"
            continue
        if reply.typical <= 0 or reply.low == reply.high:
            answer.why = "no gap, or no range"
            continue
        answer.kept = True
        unit = gap_unit(spec, table_name, start, end)
        # kept in the spec's unit: minutes for a datetime, days for a date
        timed = spec.tables[table_name].columns[end].type == "datetime"
        factor = _IN_MINUTES[unit] / (1 if timed else _IN_MINUTES["days"])
        # How long people take varies more than the model says: a car parked 10-20 minutes
        # (its answer) where real stays run from minutes to hours. At least half to double.
        low = min(reply.low, reply.typical / GAP_LEAST_SPREAD)
        high = max(reply.high, reply.typical * GAP_LEAST_SPREAD)
        data["tables"][table_name]["columns"][end]["typical_after"] = {
            "column": start,
            "typical": round(reply.typical * factor, 4),
            "typical_range": [round(low * factor, 4), round(high * factor, 4)],
        }
        say(f"typical {table_name}.{end}: {_show(reply.typical)} {unit} after {start}")
    return False


SHARE_AGREE = 0.2  # a share and its complement asked apart: 1 within this, or neither is kept


def _second_share(
    client: ChatClient,
    spec: Spec,
    table_name: str,
    name: str,
    other: str,
    answer: TypicalAnswer,
    seed: int,
    say: Progress,
) -> float | None:
    """A second opinion on a share (``answer.typical``): the complement asked in other words
    (``other``: the share of false rows, of rows with a value). Small models answer shares
    loosely (90% of a year's admissions still in hospital); two answers that add up to about 1
    are kept as their mean, others not (``answer.why`` says so)."""
    column = spec.tables[table_name].columns[name]
    about = f" ({column.description})" if column.description else ""
    messages = question_about(
        spec,
        table_name,
        [f'Column "{name}"{about}.'],
        f'In real data like this, {other} Answer as JSON: {{"share": a number from 0 to 1}}.',
    )
    schema = _json_schema("column_share", ShareReply.model_json_schema())
    text = _ask_more(client, messages, schema, answer, seed, say)
    try:
        complement = ShareReply.model_validate_json(_json_part(text or "")).share
    except ValidationError:
        answer.kept, answer.why = False, "the second opinion is not the JSON asked for"
        return None
    first = float(answer.typical or 0.0)
    answer.second = complement
    if not 0 <= complement <= 1 or abs(first + complement - 1) > SHARE_AGREE:
        answer.kept = False
        answer.why = f"asked in other words it said {complement:.0%} for the other rows"
        return None
    return round((first + 1 - complement) / 2, 3)


def _ask_more(
    client: ChatClient,
    messages: list[ChatMessage],
    schema: dict[str, Any],
    answer: TypicalAnswer,
    seed: int,
    say: Progress,
    max_tokens: int = 30,
) -> str | None:
    """Another question about ``answer``'s column, its time and usage added to the answer's."""
    more = TypicalAnswer(answer.table, answer.column)
    text = _request(client, messages, schema, max_tokens, more, seed, say)
    for key, value in more.usage.items():
        answer.usage[key] = answer.usage.get(key, 0) + value
    answer.llm_s = round(answer.llm_s + more.llm_s, 3)
    return text


def _count_of_100(
    client: ChatClient,
    spec: Spec,
    table_name: str,
    name: str,
    answer: TypicalAnswer,
    seed: int,
    say: Progress,
) -> float | None:
    """A third opinion on a flag's share, asked in plain words as a count: "Of 100
    appointments, how many are "no show"?" (the 1.5B model said 30% as a share, 10 as a count).
    The share it gives (0 to 1), or None."""
    from codegen.program.pattern_meaning import _words

    rows = " ".join(_words(table_name)) or "rows"
    flag = " ".join(_words(name))
    messages = [
        {"role": "system", "content": ANSWER_AS_JSON},
        {
            "role": "user",
            "content": f"{spec.description or spec.name} Of 100 {rows}, how many are "
            f'"{flag}"? Answer as JSON: {{"count": a whole number from 0 to 100}}.',
        },
    ]
    schema = _json_schema("count_of_100", CountReply.model_json_schema())
    text = _ask_more(client, messages, schema, answer, seed, say)
    try:
        count = CountReply.model_validate_json(_json_part(text or "")).count
    except ValidationError:
        return None
    if not 0 <= count <= 100:
        return None
    answer.third = count / 100
    return count / 100


# Flags of what goes wrong now and then. Asked, the embedded model gave 20% of a clinic's
# appointments as no-shows and 20% of Greek ferry sailings as cancelled; real rates are a few
# percent (no-shows 5-10% of appointments, cancelled sailings 1-5%, card fraud under 1%).
MISHAP_WORDS = {
    "cancelled", "canceled", "cancellation", "noshow", "fraud", "fraudulent", "chargeback",
    "defaulted", "disputed", "refunded", "lost", "stolen", "damaged", "bounced", "dnf",
}  # fmt: skip
MISHAP_MOST = 0.08  # the share of rows such a flag is true on, at most


def is_mishap(name: str) -> bool:
    """Whether a flag names something that goes wrong now and then (``cancelled``,
    ``no_show``, ``is_fraud``): true on ``MISHAP_MOST`` of its rows at most."""
    from codegen.program.shapes import _words

    words = set(_words(name))
    return (
        bool(words & MISHAP_WORDS)
        or {"no", "show"} <= words
        or {"not", "finish"} <= words  # did_not_finish, a race's DNF
    )


def mishap_by(shares: dict[str, float], typical: float) -> dict[str, float]:
    """A mishap flag's shares per category scaled so that their mean is its share overall (at
    most ``MISHAP_MOST``), none above that: asked by vessel, the embedded model cancelled 80% of
    a conventional ferry's sailings and 20% of a fast one's, after 8% overall."""
    mean = sum(shares.values()) / len(shares)
    if mean <= 0:
        return dict(shares)
    return {v: round(min(x * typical / mean, MISHAP_MOST), 4) for v, x in shares.items()}


def _flag_share(first: float, answer: TypicalAnswer, third: float | None) -> float | None:
    """A flag's share from its three opinions (the share asked, one minus the share of false
    rows, the count of 100): the middle one, where another is within SHARE_AGREE of it; else
    None, and ``answer.why`` says why (the answer is not kept)."""
    shares = [first]
    if answer.second is not None and 0 <= answer.second <= 1:
        shares.append(1 - answer.second)
    if third is not None:
        shares.append(third)
    shares.sort()
    if len(shares) == 3:
        middle = shares[1]
        agree = min(middle - shares[0], shares[2] - middle) <= SHARE_AGREE
    else:
        middle = sum(shares) / len(shares)
        agree = len(shares) == 2 and shares[1] - shares[0] <= SHARE_AGREE
    if not agree:
        answer.kept = False
        answer.why = "asked in other words it said " + ", ".join(f"{s:.0%}" for s in shares)
        return None
    answer.kept, answer.why = True, ""
    return round(middle, 3)


def nulls_to_ask(spec: Spec) -> list[tuple[str, str]]:
    """(table, column) of nullable columns whose nulls no check decides: how many rows are
    null is asked (a damage cost is null on most rentals, a phone number on a few rows)."""
    from codegen.program.rules import plan_table

    asked = []
    for table_name, table in spec.tables.items():
        plan = plan_table(table, table_name)
        for name, column in table.columns.items():
            tree = (column.references or "").startswith(f"{table_name}.")  # its top: no one
            if column.nullable and column.null_share is None and not column.primary_key:
                if plan.columns[name].null_where is None and not tree:
                    asked.append((table_name, name))
    return asked


def nulls_question(spec: Spec, table_name: str, name: str) -> list[ChatMessage]:
    table = spec.tables[table_name]
    column = table.columns[name]
    about = f" ({column.description})" if column.description else ""
    return question_about(
        spec,
        table_name,
        [
            f'Column "{name}"{about}: a {column.type}, or empty (null).',
        ],
        f'In real data like this, what share of rows has "{name}" empty (null)? Answer as '
        'JSON: {"share": a number from 0 to 1}.',
    )


@dataclass(frozen=True)
class RowShare:
    """A share of a column's rows asked about (null ones, zero ones): what the answer is
    recorded as, where it is set, the range it must lie in, its second opinion's question."""

    asked: str
    key: str
    low: float  # the share must lie in [low, 1 - low] (inclusive) or (low, 1 - low)
    inclusive: bool
    outside: str  # why an answer out of that range is not kept
    other: str  # the complement, asked in other words ({name})
    said: str  # the progress line's words ({share})


# Nullable columns: the share of null rows, strictly between 0 and 1.
NULLS = RowShare(
    asked="nulls",
    key="null_share",
    low=0.0,
    inclusive=False,
    outside="a share of null rows is between 0 and 1, neither",
    other='what share of rows has a value in "{name}" (not empty)?',
    said="null on {share:.0%} of rows",
)
# Amounts that may be 0: the share of rows at exactly 0, worth drawing from 12% to 88%.
ZEROS = RowShare(
    asked="zeros",
    key="zero_share",
    low=ZERO_SHARE_MIN,
    inclusive=True,
    outside=f"a share of 0 rows below {ZERO_SHARE_MIN:.0%} or above {1 - ZERO_SHARE_MIN:.0%}",
    other='what share of rows has "{name}" above 0?',
    said="0 on {share:.0%} of rows",
)


def _ask_row_shares(
    client: ChatClient,
    spec: Spec,
    data: dict[str, Any],
    answers: list[TypicalAnswer],
    kind: RowShare,
    questions: list[tuple[str, str, list[ChatMessage]]],
    *,
    seed: int,
    say: Progress,
) -> bool:
    """Ask each (table, column, question) for its share of rows, check it against ``kind``'s
    range and a second opinion, set ``kind.key`` where both hold. True when the endpoint
    failed."""
    schema = _json_schema(f"column_{kind.asked}", ShareReply.model_json_schema())
    for table_name, name, messages in questions:
        answer = TypicalAnswer(table_name, name, asked=kind.asked)
        answers.append(answer)
        text = _request(client, messages, schema, 30, answer, seed, say)
        if text is None:
            return True
        try:
            share = ShareReply.model_validate_json(_json_part(text)).share
        except ValidationError:
            answer.why = "the reply is not the JSON asked for"
            continue
        answer.typical = share
        high = 1 - kind.low
        inside = kind.low <= share <= high if kind.inclusive else kind.low < share < high
        if not inside:
            answer.why = kind.outside
            continue
        other = kind.other.format(name=name)
        agreed = _second_share(client, spec, table_name, name, other, answer, seed, say)
        if agreed is None:
            continue
        answer.kept = True
        data["tables"][table_name]["columns"][name][kind.key] = agreed
        say(f"typical {table_name}.{name}: " + kind.said.format(share=agreed))
    return False


def zeros_to_ask(spec: Spec, data: dict[str, Any]) -> list[tuple[str, str]]:
    """(table, column) of amounts (floats) whose least value is 0 and whose typical value was
    kept: how many rows are exactly 0 is asked (most order lines have no discount; drawn around
    a typical 10%, every line would have one). Not counts: their typical value and range say
    how many are 0 already, and asked, the model put 0 bedrooms in one house of five."""
    asked = []
    for table_name, name in columns_to_ask(spec):
        column = spec.tables[table_name].columns[name]
        kept = data["tables"][table_name]["columns"][name].get("typical") is not None
        if column.type == "float" and column.min == 0 and kept:
            if column.zero_share is None and not column.nullable:  # its "none" is a null
                asked.append((table_name, name))
    return asked


# Amounts that are the exception, not the rule: most rows have none.
EXCEPTION_WORDS = {
    "discount", "rebate", "refund", "penalty", "fine", "surcharge", "overtime", "damage",
    "damages", "chargeback", "writeoff", "late",
}  # fmt: skip
EXCEPTION_SHARE = 0.8  # the rows of such an amount with none: the exception is one in five


def _exceptions_mostly_zero(
    spec: Spec,
    data: dict[str, Any],
    answers: list[TypicalAnswer],
    zeros: list[tuple[str, str]],
    say: Progress,
) -> None:
    """Set ``zero_share`` (or, where a null is its "none", ``null_share``) to
    ``EXCEPTION_SHARE`` for each amount whose name says it is the exception (a discount, a
    refund, a fine, damage, overtime) where the model's share, if any was kept, was under half:
    asked, the embedded model said 10% of an outdoor shop's order lines had no discount, then
    that 70% had one, and that 10% of car hires had no damage cost (2026-11-28)."""
    from codegen.program.shapes import _words

    amounts = [(t, n, "zero_share") for t, n in zeros]  # those asked of their zeros
    for table_name, name in nulls_to_ask(spec):
        if spec.tables[table_name].columns[name].type in ("integer", "float"):
            amounts.append((table_name, name, "null_share"))
    for table_name, name, key in amounts:
        if not set(_words(name)) & EXCEPTION_WORDS:
            continue
        target = data["tables"][table_name]["columns"][name]
        if (target.get(key) or 0) >= 0.5:
            continue
        target[key] = EXCEPTION_SHARE
        asked = "zeros" if key == "zero_share" else "nulls"
        answer = TypicalAnswer(table_name, name, asked=f"{asked}, the exception by name")
        answer.typical, answer.kept = EXCEPTION_SHARE, True
        answers.append(answer)
        none = "0" if key == "zero_share" else "null"
        say(f"typical {table_name}.{name}: {none} on {EXCEPTION_SHARE:.0%} of rows (an exception)")


def zeros_question(spec: Spec, table_name: str, name: str) -> list[ChatMessage]:
    column = spec.tables[table_name].columns[name]
    about = f" ({column.description})" if column.description else ""
    return question_about(
        spec,
        table_name,
        [f'Column "{name}"{about}: a number, 0 or more.'],
        f'In real data like this, what share of rows has "{name}" exactly 0 (none at '
        'all)? Answer as JSON: {"share": a number from 0 to 1}.',
    )


def by_category_to_ask(spec: Spec) -> list[tuple[str, str, str]]:
    """(table, column, category) where a column whose typical value is known (a number's, a
    flag's share) may well differ by a category of its rows: a category column of the same
    table with a short list of values (a product's category), or a reference to a table that
    lists kinds (a house's type). At most ``BY_MAX_CATEGORIES`` categories a table. A number
    drawn freely with no typical value (its answer not kept), which no check reads, is asked
    against its first category that is a kind or a name of its own (``_each_its_own``)."""
    from codegen.pipeline.parents import is_line_quantity
    from codegen.program.rules import plan_table
    from codegen.program.shapes import settled_keys
    from codegen.spec.model import category_of

    asked = []
    free = set(columns_to_ask(spec))  # drawn freely: asked their typical value
    # A bill's reservation was kept (``shapes.undone_outcomes``): its status is one for every
    # bill, and asked by it, the model made the bills of completed meals dearer than its own
    # typical bill (EUR 219, not 150), as if cancelled ones were among them.
    settled = {(child, parent, outcome) for child, parent, outcome, _ in settled_keys(spec)}
    for table_name, table in spec.tables.items():
        plan = plan_table(table, table_name)
        categories = [
            name
            for name, column in table.columns.items()
            if (found := category_of(spec, table_name, name)) is not None
            and plan.columns[name].define is None  # a grade made from the points: no category
            and 2 <= len(found[2]) <= WEIGHTS_MAX_VALUES
            and all(isinstance(v, str) for v in found[2])
            and (table_name, found[0], found[1]) not in settled
        ][:BY_MAX_CATEGORIES]
        for name, column in table.columns.items():
            if column.typical_by is not None or column.type not in ("integer", "float", "boolean"):
                continue
            if is_line_quantity(spec, table_name, name):
                # one copy of a book on a till line, whatever its genre: asked by genre, the
                # model moved the lines of 1 to a mean of 1.9 copies, a tenth of them 4 or more
                continue
            if column.typical is None:  # only a kind's, asked one at a time (_ask_by_category)
                if column.type == "boolean" or (table_name, name) not in free:
                    continue
                if name in _read_by_checks(plan):
                    continue  # a course's progress, 100 when completed: a check's, not a kind's
                kinds = [
                    by for by in categories if by != name and _each_its_own(spec, table_name, by)
                ]
                asked += [(table_name, name, by) for by in kinds[:1]]
                continue
            asked += [(table_name, name, by) for by in categories if by != name]
    return asked[:BY_MAX_QUESTIONS]


def _each_its_own(spec: Spec, table_name: str, by: str) -> bool:
    """Whether a category is a kind of the row's thing (a pet's species) or a name each row of
    a lookup has its own (a plan's): a number differs by it as by what the thing is."""
    from codegen.pipeline.values_by import is_kind
    from codegen.spec.model import category_of

    found = category_of(spec, table_name, by) or ("", "", [])
    named = bool(found[0]) and bool(spec.tables[found[0]].columns[found[1]].unique)
    return is_kind(by) or named


def by_category_question(spec: Spec, table_name: str, name: str, by: str) -> list[ChatMessage]:
    """The question of a column's typical value (a flag's share) for each category."""
    from codegen.spec.model import category_of

    table = spec.tables[table_name]
    column = table.columns[name]
    _, listed, values = category_of(spec, table_name, by) or ("", by, [])
    about = f" ({column.description})" if column.description else ""
    example = ", ".join(f'"{v}": number' for v in values)
    if column.type == "boolean":
        known = f"true on {column.typical:.0%} of rows overall"
        ask = f'what share of rows (0 to 1) has "{name}" true for each "{listed}"?'
    else:
        spread = column.typical_range or []
        most = f", most between {_show(spread[0])} and {_show(spread[1])}" if spread else ""
        known = f"typically {_show(column.typical)} overall{most}"
        ask = f'what is the typical (median) "{name}" of rows of each "{listed}"?'
    return question_about(
        spec,
        table_name,
        [
            f'Column "{name}"{about}: {known}.',
            f'Each row has a "{listed}": one of ' + ", ".join(str(v) for v in values) + ".",
        ],
        f"In real data like this, {ask} Answer as JSON: {{{example}}}.",
    )


def check_by_category(column: Any, reply: dict[str, Any], values: list[str]) -> str:
    """Why a per-category answer cannot shape the column ("" when it can)."""
    numbers = [reply.get(v) for v in values]
    if not all(isinstance(x, int | float) and math.isfinite(x) for x in numbers):
        return "a category's value is missing or not a number"
    if column.type == "boolean":
        if not all(0 <= x <= 1 for x in numbers):
            return "a share is not between 0 and 1"
        return "" if max(numbers) - min(numbers) >= 0.1 else "the categories do not differ"
    lowest, highest = column.min, column.max
    if any(
        lowest is not None and x < lowest or highest is not None and x > highest for x in numbers
    ):
        return "a category's value is outside the column's bounds"
    if min(numbers) > 0:
        if max(numbers) / min(numbers) > BY_MAX_RATIO:
            return "one category is more than 100 times another"
        if max(numbers) / min(numbers) < 1.1:
            return "the categories do not differ"
    elif max(numbers) - min(numbers) < 0.05 * abs(column.typical or 1):
        return "the categories do not differ"
    return ""


def by_category_kept(column: Any, reply: dict[str, Any], values: list[str]) -> dict[str, float]:
    """Each category's value as the column will use it: for positive numbers, scaled so that
    their median is the column's typical value (a small model's ratios between categories are
    better than its levels: salaries by level of 1,000 to 5,000 a year), kept within bounds."""
    numbers = {v: float(reply[v]) for v in values}
    if column.type == "boolean" or min(numbers.values()) <= 0:
        return numbers
    middle = float(np.median(list(numbers.values())))
    scaled = {v: x * float(column.typical) / middle for v, x in numbers.items()}
    if column.min is not None:
        scaled = {v: max(x, float(column.min)) for v, x in scaled.items()}
    if column.max is not None:
        scaled = {v: min(x, float(column.max)) for v, x in scaled.items()}
    return {v: float(f"{x:.4g}") for v, x in scaled.items()}


# Units a column's name ends in, as a question writes them after the column's words.
_UNITS = {"eur": "EUR", "usd": "USD", "gbp": "GBP", "chf": "CHF", "sek": "SEK", "nok": "NOK"}
_UNITS |= {u: u for u in "kg g km m m2 cm mm l ml kwh min minutes h hours days sec mmhg".split()}


def plain_question(spec: Spec, table_name: str, name: str, value: str) -> list[ChatMessage]:
    """The question of one category's typical number in plain words, without the dataset or
    the column's typical value overall ("What is the typical weight (kg) of a "cat" pet?"):
    asked of all categories at once, next to the typical value overall, the embedded model gave
    every species of pet 10.5 kg; asked so, a cat 5 kg, a dog 10, a rabbit 0.5."""
    from codegen.program.shapes import _singular

    words = name.lower().split("_")
    unit = _UNITS.get(words[-1]) if len(words) > 1 else None
    what = " ".join(words[:-1] if unit else words) + (f" ({unit})" if unit else "")
    table = table_name.lower().split("_")
    thing = " ".join([*table[:-1], _singular(table[-1])])
    return [
        {"role": "system", "content": ANSWER_AS_JSON},
        {
            "role": "user",
            "content": f'What is the typical {what} of a "{value}" {thing}? Answer as JSON: '
            '{"typical": number}',
        },
    ]


def plain_kept(
    column: Any, numbers: dict[str, float], weights: dict[str, float], own: bool = False
) -> dict[str, float]:
    """Each category's value from its plain answer: as given where the middle of the answers
    (each category weighed by how common it is) lies within ``BY_PLAIN_NEAR`` times the
    column's typical value, else scaled to it as ``by_category_kept`` scales; then a kind of
    ``KIND_HELD`` of the rows or more within the column's typical range (not a row that is its
    category, ``own``: a plan); within bounds."""
    middle = _weighted_median(numbers, weights)
    typical = float(column.typical or middle)
    if middle > 0 and typical > 0 and 1 / BY_PLAIN_NEAR <= middle / typical <= BY_PLAIN_NEAR:
        kept = dict(numbers)
    else:
        kept = by_category_kept(column, numbers, list(numbers))
    if column.typical_range and not own:  # a kind of a fifth of the rows lies within it
        low, high = map(float, column.typical_range)
        total = sum(weights.get(v, 1.0) for v in kept) or 1.0
        held = {v for v in kept if weights.get(v, 1.0) / total >= KIND_HELD}
        kept = {v: min(max(x, low), high) if v in held else x for v, x in kept.items()}
    if column.min is not None:
        kept = {v: max(x, float(column.min)) for v, x in kept.items()}
    if column.max is not None:
        kept = {v: min(x, float(column.max)) for v, x in kept.items()}
    return {v: float(f"{x:.4g}") for v, x in kept.items()}


def _weighted_median(numbers: dict[str, float], weights: dict[str, float]) -> float:
    ordered = sorted(numbers, key=lambda v: numbers[v])
    total = sum(weights.get(v, 1.0) for v in ordered)
    running = 0.0
    for value in ordered:
        running += weights.get(value, 1.0)
        if running >= total / 2:
            return numbers[value]
    return numbers[ordered[-1]]


def _ask_plain(
    client: ChatClient,
    spec: Spec,
    table_name: str,
    name: str,
    by: str,
    values: list[str],
    answer: TypicalAnswer,
    seed: int,
    say: Progress,
) -> dict[str, Any] | None:
    """Each category's typical number asked on its own in plain words (``plain_question``),
    as one reply; None when the endpoint failed."""
    reply: dict[str, Any] = {}
    schema = _json_schema("typical", {**TYPICAL_ONE, "additionalProperties": False})
    for value in values:
        text = _request(
            client,
            plain_question(spec, table_name, name, value),
            schema,
            TYPICAL_MAX_TOKENS,
            answer,
            seed,
            say,
        )
        if text is None:
            return None
        reply[value] = (json_object(text) or {}).get("typical")
    return reply


TYPICAL_ONE = {
    "type": "object",
    "properties": {"typical": {"type": "number"}},
    "required": ["typical"],
}


def _said_numbers(reply: dict[str, Any], values: list[str]) -> dict[str, float] | None:
    """The numbers a per-category reply gave, kept in the manifest whether used or not (a
    hospital's lab values by test, refused as more than 100 times apart, had left no trace)."""
    said = {
        v: float(x)
        for v in values
        if isinstance(x := reply.get(v), int | float)
        and not isinstance(x, bool)
        and math.isfinite(x)
    }
    return said or None


def _barely_differ(reply: dict[str, Any], values: list[str]) -> bool:
    """Whether positive values per category stay within ``BY_ALIKE`` of each other: the overall
    value said again with a little jitter (outdoor gear's weights: tents 1.5 kg, backpacks
    1.67, clothing 1.58), which says nothing of the kinds."""
    numbers = [float(reply[v]) for v in values]
    return min(numbers) > 0 and max(numbers) / min(numbers) < BY_ALIKE


LADDER_STEP = 0.05  # steps within 5% of their median step are equal
LADDER_SHARE = 0.5  # and where half the steps are (or more), the values are a ladder
LADDER = "the categories step up evenly, as if counted"


def is_ladder(numbers: list[float], share: float = LADDER_SHARE) -> bool:
    """Whether three or more numbers, by size, go up in equal steps: a small model counting,
    not saying what it knows of each category. Asked for all categories at once, the embedded
    model gave a coworking's day pass to private office EUR 136, 145, 155, 164 a month, and a
    bank's salary +100, card -50, ATM 20, transfer in 30, transfer out -40, direct debit 60,
    fee -70, interest 80; asked one at a time (``plain_question``), a salary EUR 5,000, a card
    payment 10, a fee 0.5, a day pass 15 and a private office 150."""
    sizes = np.unique(np.abs(np.asarray(numbers, dtype=float)))
    steps = np.diff(sizes)
    if len(steps) < 2 or not np.isfinite(steps).all():
        return False
    middle = float(np.median(steps))
    equal = np.abs(steps - middle) <= LADDER_STEP * middle
    return bool(middle > 0 and equal.sum() >= share * len(steps))


def _hold(best: dict[tuple[str, str], TypicalAnswer], answer: TypicalAnswer) -> None:
    """Keep ``answer`` as its column's where its categories differ more than the one held."""
    held = best.get((answer.table, answer.column))
    if held is None or _spread(answer.by_values or {}) > _spread(held.by_values or {}):
        best[(answer.table, answer.column)] = answer


def _spread(numbers: dict[str, float]) -> float:
    values = list(numbers.values())
    if min(values) > 0:
        return math.log(max(values) / min(values))
    return max(values) - min(values)


def _ask_by_category(
    client: ChatClient,
    spec: Spec,
    data: dict[str, Any],
    asked: list[TypicalAnswer],
    *,
    seed: int,
    say: Progress,
) -> None:
    """Ask each number (flag) with a typical value for its value per category; set the
    category that differs most as the column's ``typical_by`` in ``data``; the answers are
    added to ``asked``."""
    from codegen.spec.model import category_of

    answers: list[TypicalAnswer] = []
    best: dict[tuple[str, str], TypicalAnswer] = {}
    plain = BY_PLAIN_MAX
    # A count whose value most rows have was asked apart: asked by kind, the model gave its
    # first answer back (a completed booking's party of 4, the whole table's most common 2).
    for table_name, name, by in by_category_to_ask(spec):
        column = spec.tables[table_name].columns[name]
        mode = _mode_of(asked, table_name, name)
        if mode is not None and column.typical == mode:
            continue
        found = category_of(spec, table_name, by) or ("", "", [])
        values = [str(v) for v in found[2]]
        if column.typical is None:  # no typical value overall to ask against: one at a time
            if len(values) > plain:
                continue
            plain -= len(values)
            answer = TypicalAnswer(table_name, name, asked="by category, one at a time", by=by)
            answers.append(answer)
            reply = _ask_plain(client, spec, table_name, name, by, values, answer, seed, say)
            if reply is None:
                break
            answer.said = _said_numbers(reply, values)
            answer.why = check_by_category(column, reply, values)
            if not answer.why and is_ladder([float(reply[v]) for v in values]):
                answer.why = LADDER  # a course's progress by level, 20, 50 and 80%: counted
            if not answer.why:
                answer.by_values = plain_kept(column, {v: float(reply[v]) for v in values}, {})
                answer.kept = True
                _hold(best, answer)
            continue
        answer = TypicalAnswer(table_name, name, asked="by category", by=by)
        answers.append(answer)
        text = _request(
            client,
            by_category_question(spec, table_name, name, by),
            numbers_format("typical_by_category", values),
            TYPICAL_MAX_TOKENS + 12 * len(values),
            answer,
            seed,
            say,
        )
        if text is None:
            break
        reply = json_object(text)
        if reply is None:
            answer.why = "the reply is not the JSON asked for"
            continue
        answer.said = _said_numbers(reply, values)
        answer.why = check_by_category(column, reply, values)
        counted = not answer.why and is_ladder([float(reply[v]) for v in values])
        alike = answer.why == "the categories do not differ" or (
            not answer.why and (_barely_differ(reply, values) or counted)
        )
        # a kind of pet, not a status; or a name each of its rows has its own (a plan's)
        alone = alike and column.type != "boolean" and _each_its_own(spec, table_name, by)
        if alone and len(values) <= plain:
            # Asked together, next to the overall value, a small model repeats it for each:
            # asked one at a time in plain words, it says what it knows of each.
            plain -= len(values)
            second = TypicalAnswer(table_name, name, asked="by category, one at a time", by=by)
            answers.append(second)
            first, barely = reply, not answer.why
            if barely:  # recorded so, unless the plain answers fail (below)
                answer.why = LADDER if counted else "the categories barely differ"
            reply = _ask_plain(client, spec, table_name, name, by, values, second, seed, say)
            if reply is None:
                break
            second.said = _said_numbers(reply, values)
            second.why = check_by_category(column, reply, values)
            if second.why:
                if barely and not counted:  # barely differing, it is what there is; a count is not
                    answer.by_values = by_category_kept(column, first, values)
                    answer.kept, answer.why = True, ""
                    _hold(best, answer)
                continue
            listed = spec.tables[found[0]].columns[found[1]] if found[0] else None
            shares = (
                dict(zip(values, listed.weights, strict=True)) if listed and listed.weights else {}
            )
            answer = second
            own = bool(listed and listed.unique)  # a plan's price: each row its own
            numbers = {v: float(reply[v]) for v in values}
            answer.by_values = plain_kept(column, numbers, shares, own)
            answer.kept = True
            _hold(best, answer)
            continue
        if answer.why:
            continue
        if counted:  # a district's rents counted up: no trend of the places, rather than one
            answer.why = LADDER
            continue
        answer.by_values = by_category_kept(column, reply, values)
        answer.kept = True
        _hold(best, answer)
    for (table_name, name), answer in best.items():
        target = data["tables"][table_name]["columns"][name]
        if is_mishap(name) and target.get("typical") is not None and answer.by_values:
            answer.by_values = mishap_by(answer.by_values, float(target["typical"]))
        target["typical_by"] = {answer.by: answer.by_values}
        if "typical" not in target:  # asked one kind at a time alone: their middle overall
            target["typical"] = _weighted_median(answer.by_values or {}, {})
        shown = ", ".join(f"{v} {_show(x)}" for v, x in (answer.by_values or {}).items())
        say(f"typical {table_name}.{name} by {answer.by}: {shown}")
    for answer in answers:  # asked against another category that differed more: not used
        if answer.kept and best.get((answer.table, answer.column)) is not answer:
            answer.kept, answer.why = False, "another category differs more"
    asked += answers


def _keep(
    column: Any, text: str, answer: TypicalAnswer, target: dict[str, Any], unprompted: bool = True
) -> str:
    """Check a reply; where it can shape the column, set it on ``target`` (the column's spec
    data) and say it in a line ("" when not kept, with ``answer.why``). ``unprompted``: the
    question did not say the bounds, so a typical value whose range repeats them is its own."""
    kind = kind_of(column)
    if kind == "weights":
        reply = json.loads(text)
        shares = [reply.get(str(v)) for v in column.values]
        if not all(isinstance(x, int | float) and math.isfinite(x) and x >= 0 for x in shares):
            answer.why = "a share is missing or below 0"
            return ""
        if sum(shares) <= 0:
            answer.why = "every share is 0"
            return ""
        # Every listed value is there in real data: none of the model's 0s (a recruiter's
        # applications had no "rejected" at all) goes below a small share.
        least = LISTED_LEAST_SHARE * sum(shares)
        shares = [max(float(x), least) for x in shares]
        answer.weights = {str(v): float(x) for v, x in zip(column.values, shares, strict=True)}
        answer.kept, target["weights"] = True, [float(x) for x in shares]
        return ", ".join(
            f"{v} {x / sum(shares):.0%}" for v, x in zip(column.values, shares, strict=True)
        )
    if kind == "share":
        share = ShareReply.model_validate_json(text).share
        answer.typical = share
        if not 0 < share < 1:
            answer.why = "a share is between 0 and 1, neither"
            return ""
        answer.kept, target["typical"] = True, share
        return f"{share:.0%} true"
    said = json.loads(text)  # read once: the numbers, and the words said before them
    reply = TypicalReply.model_validate(said)
    answer.typical, answer.low, answer.high = reply.typical, reply.low, reply.high
    meaning = said.get("meaning")
    answer.meaning = meaning if isinstance(meaning, str) and meaning.strip() else answer.meaning
    answer.why = check_answer(column, reply)
    if answer.why == BOUNDS_AGAIN and unprompted and not _at_middle(column, reply.typical):
        # A film of 120 minutes, most from 30 to 240 (the spec's bounds too): the range says
        # nothing, the typical value does (it is not their midpoint, 135). Kept alone, the
        # program spreads the column around it (scaffold._spread_around).
        answer.kept, answer.why = True, ""
        whole = column.type == "integer"
        target["typical"] = round(reply.typical) if whole else reply.typical
        return f"{_show(target['typical'])} (its range, the bounds again, left out)"
    if answer.why:
        return ""
    answer.kept = True
    typical, low, high = reply.typical, reply.low, reply.high
    if column.min is not None:
        low = max(low, float(column.min))
    if column.max is not None:
        high = min(high, float(column.max))
    if column.type == "integer":
        typical, low, high = round(typical), math.floor(low), math.ceil(high)
    target["typical"] = typical
    target["typical_range"] = [low, high] if low < high else [low, low + 1]
    return f"{_show(typical)} (most {_show(low)} to {_show(high)})"


def _at_middle(column: Any, value: float) -> bool:
    """Whether ``value`` is at the midpoint of the column's bounds (both are set)."""
    lowest, highest = float(column.min), float(column.max)
    return abs(value - (lowest + highest) / 2) <= MIDDLE * (highest - lowest)


def as_years(column: Any) -> Any:
    """A date column seen as a number of years (1990.5), so that its typical year is asked and
    checked as a number's is; any other column as it is."""
    if column.type not in ("date", "datetime"):
        return column
    return column.model_copy(
        update={"type": "float", "min": _year(column.min), "max": _year(column.max)}
    )


def _year(moment: Any) -> float | None:
    if moment is None:
        return None
    stamp = pd.Timestamp(moment)
    return stamp.year + (stamp.day_of_year - 1) / (366 if stamp.is_leap_year else 365)


def _json_part(text: str) -> str:
    """The JSON object in a reply (servers that ignore ``response_format`` may wrap it)."""
    start, end = text.find("{"), text.rfind("}")
    return text[start : end + 1] if start >= 0 and end > start else text


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
