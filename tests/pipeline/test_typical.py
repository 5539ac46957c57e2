"""Typical values asked of the model before the program is made: one question per numeric
column over real HTTP (the OpenAI stub on 127.0.0.1), each answer checked against the column's
bounds before it shapes the column, and the starting program drawing around what was kept."""

from __future__ import annotations

import datetime
import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support.inprocess_runner import InProcessRunner
from support.scaffolds import valid_tables
from support.shop import stub_client

import codegen as sd
from codegen.pipeline.typical import (
    LADDER,
    MEANING_MAX_CHARS,
    TypicalReply,
    ask_typical,
    check_answer,
    columns_to_ask,
    reference_year,
)
from codegen.program.scaffold import build_scaffold
from codegen.spec.model import load_spec

HOUSES = """\
name: houses
description: Houses for sale in a mid-size European country.
tables:
  houses:
    rows: 3000
    description: One row per house for sale.
    columns:
      id:        {type: integer, primary_key: true}
      size_m2:   {type: float, min: 15, max: 1000}
      bedrooms:  {type: integer, min: 0, max: 12}
      price_eur: {type: float, min: 10000}
      kind:      {type: string, values: [flat, house]}
      fee_eur:   {type: float}
    rules:
      - check: "fee_eur = ROUND(price_eur * 0.02, 2)"
"""


@pytest.fixture
def client(openai_stub, isolated_env):
    client = stub_client(openai_stub.base_url)
    yield client
    client.close()


def most(value: str, reason: str = "it is the usual one") -> str:
    """A reply naming the value most rows of a listed column have (pipeline.weights)."""
    return json.dumps({"reason": reason, "most_common": value})


def reply(typical: float, low: float, high: float) -> str:
    return json.dumps({"typical": typical, "low": low, "high": high})


def test_only_columns_drawn_freely_are_asked_about():
    spec = load_spec(HOUSES)
    # not the key, not the fee a check makes from the price; the list, how common each value is
    assert columns_to_ask(spec) == [
        ("houses", "size_m2"),
        ("houses", "bedrooms"),
        ("houses", "price_eur"),
        ("houses", "kind"),
    ]


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ((120, 70, 200), ""),
        ((120, 200, 70), "not a range around"),
        ((1000, 500, 1000), "at or outside the column's bounds"),
        ((16, 15, 30), "sits at a bound"),
        ((990, 900, 1000), "sits at a bound"),
        # near a bound with its own range clear of it: a small flat, not the bound repeated
        ((28, 20, 45), ""),
        ((500, 15, 1000), "the column's bounds again"),
        ((float("nan"), 1, 2), "not a number"),
    ],
)
def test_an_answer_shapes_a_column_only_inside_its_bounds_and_away_from_them(answer, why):
    column = load_spec(HOUSES).tables["houses"].columns["size_m2"]
    found = check_answer(column, TypicalReply(typical=answer[0], low=answer[1], high=answer[2]))
    assert (why in found) if why else found == ""


def test_answers_are_asked_over_http_checked_and_kept_on_the_spec(openai_stub, client):
    openai_stub.reply(reply(120, 70, 200))  # size: kept
    openai_stub.reply(reply(12, 10, 12))  # bedrooms: at the bound, its range within, not kept
    openai_stub.reply("I think about 300000 euros")  # price: no JSON, not kept
    openai_stub.reply(json.dumps({"flat": 65, "house": 35}))  # kind: kept
    openai_stub.reply(most("flat")).reply(most("flat"))  # the value most rows have, both ways
    openai_stub.reply(json.dumps({"flat": 80, "house": 140}))  # size by kind: kept, as ratios
    # no typical bedrooms overall: asked one kind at a time, in plain words (not the price: a
    # check reads it, for the fee)
    for typical in (2, 4):
        openai_stub.reply(json.dumps({"typical": typical}))
    spec, answers = ask_typical(client, load_spec(HOUSES))
    # no hedge (most rows are flats, as the model said): as given, as shares
    assert spec.tables["houses"].columns["kind"].weights == [0.65, 0.35]
    assert (answers[3].said, answers[3].most) == ({"flat": 65, "house": 35}, "flat")
    kind_schema = openai_stub.chat_requests[3].body["response_format"]
    assert '"required": ["flat", "house"]' in json.dumps(kind_schema)
    answers_all, answers = answers, answers[:3]
    size = spec.tables["houses"].columns["size_m2"]
    assert (size.typical, size.typical_range) == (120, [70, 200])
    assert [a.kept for a in answers] == [True, False, False]  # bedrooms, price: by kind below
    assert "bound" in answers[1].why and "JSON" in answers[2].why
    sent = openai_stub.chat_requests
    assert len(sent) == 9
    # the size per kind, scaled so that their median is the typical size: 120 * 80 / 110
    assert size.typical_by == {"kind": {"flat": 87.27, "house": 152.7}}
    assert '"kind"' in sent[6].body["messages"][-1]["content"]
    # the others as the model said, their middle the typical value overall
    assert (
        sent[7]
        .body["messages"][-1]["content"]
        .startswith('What is the typical bedrooms of a "flat" house?')
    )
    bedrooms, price = (spec.tables["houses"].columns[n] for n in ("bedrooms", "price_eur"))
    assert (bedrooms.typical_by, bedrooms.typical) == ({"kind": {"flat": 2, "house": 4}}, 2)
    assert price.typical_by is None and price.typical is None
    assert answers_all[-1].asked == "by category, one at a time"
    body = sent[0].body
    assert body["response_format"]["type"] in ("json_schema", "json_object")
    assert '"size_m2"' in body["messages"][-1]["content"]
    assert "1000" not in body["messages"][-1]["content"]  # not the bounds: their midpoint back


def test_a_number_is_asked_what_it_is_before_its_typical_value(openai_stub, client):
    """Told to say first what one row's value is, the embedded model gets more numbers right
    (``MeantReply``); what it said is kept with the answer, for whoever reads the manifest."""
    said = {"meaning": "the floor area of one house in m2", "typical": 110, "low": 60, "high": 190}
    openai_stub.reply(json.dumps(said))
    openai_stub.reply(reply(3, 2, 4))  # bedrooms: a server that leaves the words out is read too
    openai_stub.reply(reply(250000, 120000, 600000))  # price
    openai_stub.reply(json.dumps({"flat": 65, "house": 35}))  # kind
    spec, answers = ask_typical(client, load_spec(HOUSES))
    size_format = openai_stub.chat_requests[0].body["response_format"]
    schema = size_format.get("schema") or size_format["json_schema"]["schema"]
    assert schema["required"] == ["meaning", "typical", "low", "high"]  # the words come first
    assert schema["properties"]["meaning"]["maxLength"] == MEANING_MAX_CHARS
    asked = openai_stub.chat_requests[0].body["messages"][-1]["content"]
    assert 'First say in a few words what "size_m2" is for one of the "houses", then' in asked
    assert answers[0].meaning == said["meaning"] and answers[0].kept
    assert spec.tables["houses"].columns["size_m2"].typical == 110
    assert answers[1].meaning is None and answers[1].kept
    shares = openai_stub.chat_requests[3].body["response_format"]  # a list's shares: no words
    assert "meaning" not in json.dumps(shares)


def test_an_endpoint_that_fails_stops_the_questions_and_leaves_the_spec_as_it_was(
    openai_stub, client
):
    openai_stub.error(400, "bad request")
    spec, answers = ask_typical(client, load_spec(HOUSES))
    assert spec == load_spec(HOUSES)
    assert len(answers) == 1 and "endpoint failed" in answers[0].why


def test_the_starting_program_draws_around_typical_values_with_a_right_skew_for_prices():
    text = HOUSES.replace(
        "size_m2:   {type: float, min: 15, max: 1000}",
        "size_m2:   {type: float, min: 15, max: 1000, typical: 110, typical_range: [60, 220]}",
    ).replace(
        "bedrooms:  {type: integer, min: 0, max: 12}",
        "bedrooms:  {type: integer, min: 0, max: 12, typical: 3, typical_range: [2, 4]}",
    )
    spec = load_spec(text)
    scaffold = build_scaffold(spec)
    assert "shape_typical(" in scaffold.source
    assert not any(b.column in ("size_m2", "bedrooms") for b in scaffold.blanks)
    program = scaffold.source.replace("[...]", "['x']")
    out = Path(tempfile.mkdtemp()) / "out"
    result = InProcessRunner().run(program, out, rows={"houses": 3000}, seed=1)
    assert result.ok, result.error
    houses = pd.read_parquet(result.tables["houses"].path)
    size = houses["size_m2"]
    assert 100 <= size.median() <= 120
    assert 55 <= size.quantile(0.1) <= 70 and 200 <= size.quantile(0.9) <= 240
    assert size.mean() > size.median()  # skewed right, as sizes are
    assert size.between(15, 1000).all() and (size == 1000).mean() < 0.01  # no pile at a bound
    beds = houses["bedrooms"]
    assert beds.median() == 3 and beds.isin([2, 3, 4]).mean() > 0.7
    assert np.issubdtype(beds.dtype, np.integer)


def test_the_lint_refuses_typical_values_it_cannot_use():
    bad = HOUSES.replace(
        "kind:      {type: string, values: [flat, house]}",
        "kind:      {type: string, values: [flat, house], typical: 3}",
    ).replace(
        "bedrooms:  {type: integer, min: 0, max: 12}",
        "bedrooms:  {type: integer, min: 0, max: 12, typical: 14, typical_range: [2, 4]}",
    )
    with pytest.raises(sd.SpecError) as caught:
        load_spec(bad)
    text = str(caught.value)
    assert "typical applies to integer, float, date, datetime and boolean columns" in text
    assert "above max 12" in text and "range around" in text


def test_generate_asks_for_typical_values_first_and_records_them(openai_stub, client, tmp_path):
    openai_stub.reply(reply(110, 60, 220))
    openai_stub.reply(reply(3, 2, 4))
    openai_stub.reply(reply(280000, 150000, 650000))
    openai_stub.reply(json.dumps({"flat": 80, "house": -1}))  # a share below 0: not kept
    openai_stub.reply(json.dumps({"flat": 70, "house": 150}))  # size by kind: kept
    openai_stub.reply(json.dumps({"flat": 3, "house": 3}))  # bedrooms: the kinds do not differ
    openai_stub.reply("a lot")  # price by kind: no JSON
    openai_stub.reply("```python\nkind_values = ['flat', 'house']\n```")
    run = sd.generate(
        HOUSES, client=client, runner=InProcessRunner(), out=tmp_path, ask="blanks", typical=True
    )
    assert [(a["column"], a["by"]) for a in run.manifest.typical if a["kept"]] == [
        ("size_m2", None),
        ("bedrooms", None),
        ("price_eur", None),
        ("size_m2", "kind"),
    ]
    assert "size_m2_by = {" in run.program
    houses = run.tables["houses"]
    by_kind = houses.groupby("kind")["size_m2"].median()
    assert by_kind["flat"] < 90 < 130 < by_kind["house"]
    assert "size_m2_typical = 110" in run.program
    assert "typical" not in run.spec_text  # the spec as written is what is saved
    assert run.tables["houses"]["price_eur"].median() == pytest.approx(280000, rel=0.1)
    assert run.manifest.usage["completion_tokens"] > 0


CLINIC = """\
name: clinic
description: Appointments of a general practice.
tables:
  appointments:
    rows: 2000
    columns:
      id:      {type: integer, primary_key: true}
      minutes: {type: integer, min: 5, max: 60}
      no_show: {type: boolean}
      passed:  {type: boolean}
    rules:
      - check: "minutes % 5 = 0"
      - check: "passed = (minutes > 5)"
"""


def test_a_flag_s_share_and_a_stepped_number_are_asked_too(openai_stub, client):
    """A no-show is rare; a consultation is 10 minutes in 5-minute slots. A flag a check ties to
    other columns is not asked about."""
    openai_stub.reply(reply(10, 10, 20))
    openai_stub.reply(json.dumps({"share": 0.04}))
    openai_stub.reply(json.dumps({"share": 0.94}))  # the second opinion: the share of shows
    openai_stub.reply(json.dumps({"count": 5}))  # the third: how many of 100, in plain words
    spec, answers = ask_typical(client, load_spec(CLINIC))
    assert [a.column for a in answers] == ["minutes", "no_show"]
    assert '"share"' in json.dumps(openai_stub.chat_requests[1].body["response_format"])
    assert '"no_show" false' in openai_stub.chat_requests[2].body["messages"][-1]["content"]
    third = openai_stub.chat_requests[3].body["messages"][-1]["content"]
    assert 'Of 100 appointments, how many are "no show"?' in third
    columns = spec.tables["appointments"].columns
    assert columns["no_show"].typical == 0.05 and answers[1].second == 0.94
    assert answers[1].third == 0.05
    program = build_scaffold(spec).source
    assert "no_show_share_true = 0.05" in program
    out = Path(tempfile.mkdtemp()) / "out"
    result = InProcessRunner().run(program, out, rows={"appointments": 2000}, seed=2)
    assert result.ok, result.error
    table = pd.read_parquet(result.tables["appointments"].path)
    assert 0.03 < table["no_show"].mean() < 0.07
    assert table["minutes"].median() in (10, 15) and (table["minutes"] % 5 == 0).all()


def test_weights_make_some_values_more_common_than_others():
    text = HOUSES.replace("values: [flat, house]}", "values: [flat, house], weights: [9, 1]}")
    program = build_scaffold(load_spec(text)).source.replace("[...]", "['x']")
    out = Path(tempfile.mkdtemp()) / "out"
    result = InProcessRunner().run(program, out, rows={"houses": 3000}, seed=3)
    assert result.ok, result.error
    kinds = pd.read_parquet(result.tables["houses"].path)["kind"]
    assert 0.86 < (kinds == "flat").mean() < 0.94
    with pytest.raises(sd.SpecError, match="one weight for each of values"):
        load_spec(HOUSES.replace("values: [flat, house]}", "values: [flat, house], weights: [1]}"))


def test_a_starting_program_with_nothing_left_to_fill_in_runs_without_asking_for_code(
    openai_stub, client, tmp_path
):
    """Typical values made the numbers and there is no list: the model is asked only what is
    typical, and the starting program as built is the accepted one, no code asked for."""
    text = HOUSES.replace("      kind:      {type: string, values: [flat, house]}\n", "")
    openai_stub.reply(reply(110, 60, 220))
    openai_stub.reply(reply(3, 2, 4))
    openai_stub.reply(reply(280000, 150000, 650000))
    run = sd.generate(
        text, client=client, runner=InProcessRunner(), out=tmp_path, ask="blanks", typical=True
    )
    assert len(openai_stub.chat_requests) == 3  # the three questions, no request for code
    assert len(run.attempts) == 1 and run.attempts[0].variant == "starting program as built"
    assert run.manifest.attempts[0].stage == "accepted"


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ({"flat": 70, "house": 150}, ""),
        ({"flat": 70}, "missing"),
        ({"flat": 70, "house": 2000}, "outside the column's bounds"),
        ({"flat": 100, "house": 104}, "do not differ"),
    ],
)
def test_a_per_category_answer_shapes_a_column_only_when_it_differs_within_bounds(answer, why):
    from codegen.pipeline.typical import check_by_category

    column = load_spec(HOUSES).tables["houses"].columns["size_m2"]
    found = check_by_category(column, answer, ["flat", "house"])
    assert (why in found) if why else found == ""
    price = load_spec(HOUSES).tables["houses"].columns["price_eur"]
    found = check_by_category(price, {"flat": 10_001, "house": 2_000_000}, ["flat", "house"])
    assert "more than 100 times" in found


STORE = """\
name: store
description: An outdoor shop and its members' plans.
tables:
  kinds:
    rows: 3
    columns:
      id:        {type: integer, primary_key: true}
      kind:      {type: string, values: [tent, shirt, stove]}
  products:
    rows: 3000
    columns:
      id:        {type: integer, primary_key: true}
      kind_id:   {type: integer, references: kinds.id}
      colour:    {type: string, values: [red, green]}
      price_eur: {type: float, min: 1, max: 2000, typical: 60, typical_range: [15, 250],
                  typical_by: {kind_id: {tent: 250, shirt: 30, stove: 60}}}
      seats:     {type: integer, min: 1, max: 9, typical: 2, typical_range: [1, 4],
                  typical_by: {colour: {red: 2, green: 6}}}
      in_stock:  {type: boolean, typical_by: {colour: {red: 0.1, green: 0.9}}}
"""


def test_a_column_is_drawn_around_its_category_s_typical_value_in_the_table_or_a_lookup():
    spec = load_spec(STORE)
    rows = {name: table.rows for name, table in spec.tables.items()}
    out = Path(tempfile.mkdtemp()) / "out"
    result = InProcessRunner().run(build_scaffold(spec).source, out, rows=rows, seed=0)
    assert result.ok, result.error
    assert sd.validate(spec, {t: f.path for t, f in result.tables.items()}, rows).ok
    products = pd.read_parquet(result.tables["products"].path)
    kinds = pd.read_parquet(result.tables["kinds"].path).set_index("id")["kind"]
    price = products["price_eur"].groupby(products["kind_id"].map(kinds)).median()
    assert price["shirt"] < 45 < price["stove"] < 90 < 180 < price["tent"]
    by_colour = products.groupby("colour")
    assert by_colour["seats"].median().to_dict() == {"green": 6, "red": 2}
    assert products["seats"].between(1, 9).all()
    shares = by_colour["in_stock"].mean()
    assert shares["red"] < 0.2 and shares["green"] > 0.8


def test_the_lint_says_what_is_wrong_with_a_typical_by():
    bad = STORE.replace("{tent: 250, shirt: 30, stove: 60}", "{tent: 250, sock: 3, stove: 5000}")
    bad = bad.replace("typical_by: {colour: {red: 0.1, green: 0.9}}", "typical_by: {id: {a: 1}}")
    with pytest.raises(sd.SpecError) as caught:
        load_spec(bad)
    text = str(caught.value)
    assert "typical_by.sock: not one of kinds.kind's values" in text
    assert "typical_by.stove: 5000 is above max" in text
    assert "'id' is not a column of products with values" in text


RENTALS = """\
name: rentals
description: Car rentals of an Irish car hire company.
tables:
  rentals:
    rows: 2000
    columns:
      id:         {type: integer, primary_key: true}
      status:     {type: string, values: [open, closed]}
      damage_eur: {type: float, nullable: true, min: 0, description: null unless damage was found}
      closed_at:  {type: datetime, nullable: true}
    rules:
      - check: "(status = 'open') = (closed_at IS NULL)"
"""


def test_how_many_rows_are_null_is_asked_where_no_check_decides_it(openai_stub, client):
    openai_stub.reply(json.dumps({"open": 10, "closed": 90}))  # status: how common
    openai_stub.reply(most("closed")).reply(most("closed"))
    openai_stub.reply(reply(300, 80, 1500))  # damage: a typical cost when there is one
    openai_stub.reply(json.dumps({"share": 0.85}))  # damage: null on most rentals
    openai_stub.reply(json.dumps({"share": 0.15}))  # asked in other words: with a value
    openai_stub.reply(json.dumps({"open": 300, "closed": 300}))  # by status: no different
    spec, answers = ask_typical(client, load_spec(RENTALS))
    assert [(a.column, a.asked, a.kept) for a in answers] == [
        ("status", "typical", True),
        ("damage_eur", "typical", True),
        ("damage_eur", "nulls", True),  # not closed_at: a check says when it is null
        ("damage_eur", "by category", False),
    ]
    assert "empty (null)" in openai_stub.chat_requests[4].body["messages"][-1]["content"]
    assert "(not empty)" in openai_stub.chat_requests[5].body["messages"][-1]["content"]
    assert spec.tables["rentals"].columns["damage_eur"].null_share == 0.85
    rows = {"rentals": 2000}
    out = Path(tempfile.mkdtemp()) / "out"
    result = InProcessRunner().run(build_scaffold(spec).source, out, rows=rows, seed=0)
    assert result.ok, result.error
    rentals = pd.read_parquet(result.tables["rentals"].path)
    assert 0.8 < rentals["damage_eur"].isna().mean() < 0.9
    assert sd.validate(spec, {t: f.path for t, f in result.tables.items()}, rows).ok


STUDENTS = """\
name: students
description: First-year students of a Dutch university of applied sciences, 2023-2024.
tables:
  students:
    rows: 2000
    columns:
      id:            {type: integer, primary_key: true}
      date_of_birth: {type: date, min: 1990-01-01, max: 2006-08-31}
      enrolled_at:   {type: datetime, min: "2023-06-01 00:00:00", max: "2023-09-01 00:00:00"}
"""


def test_a_birth_date_is_asked_as_an_age_and_drawn_around_the_year_it_gives(openai_stub, client):
    """Asked for a typical year of birth, the model said 1980 for first-year students in 2023
    and 1950 for a library's members; asked their age, it says what it knows."""
    openai_stub.reply(reply(19.5, 18.4, 22))  # ages in 2024, the year the description names
    spec, answers = ask_typical(client, load_spec(STUDENTS))
    # not the enrolment: a short window of people's activity, drawn at its hours
    assert [(a.column, a.asked, a.kept) for a in answers] == [
        ("date_of_birth", "typical age", True)
    ]
    asked = openai_stub.chat_requests[0].body["messages"][-1]["content"]
    assert 'how old are the people of "students" typically in 2024' in asked
    born = spec.tables["students"].columns["date_of_birth"]
    assert born.typical == 2004.5 and born.typical_range == pytest.approx([2002, 2005.6])
    rows = {"students": 2000}
    out = Path(tempfile.mkdtemp()) / "out"
    result = InProcessRunner().run(build_scaffold(spec).source, out, rows=rows, seed=0)
    assert result.ok, result.error
    students = pd.read_parquet(result.tables["students"].path)
    born_on = students["date_of_birth"]
    assert all(type(day) is datetime.date for day in born_on)  # a DATE column, not midnights
    assert str(pd.to_datetime(born_on).median().date()) > "2003-10-01"
    assert sd.validate(spec, {t: f.path for t, f in result.tables.items()}, rows).ok
    with pytest.raises(sd.SpecError, match="typical: 2010 is above max"):
        load_spec(STUDENTS.replace("max: 2006-08-31}", "max: 2006-08-31, typical: 2010}"))


RIDES = """\
name: bikes
description: A city bike-sharing scheme.
tables:
  rides:
    rows: 2000
    columns:
      id:          {type: integer, primary_key: true}
      start_time:  {type: datetime, min: "2024-05-01 00:00:00", max: "2024-05-31 23:59:59"}
      end_time:    {type: datetime, min: "2024-05-01 00:00:00", max: "2024-06-01 03:00:00"}
"""


def test_how_long_after_its_start_an_end_comes_is_asked_and_drawn(openai_stub, client):
    openai_stub.reply(reply(18, 6, 45))  # a ride of 18 minutes, most 6 to 45
    spec, answers = ask_typical(client, load_spec(RIDES))
    assert [(a.column, a.asked, a.by, a.kept) for a in answers] == [
        ("end_time", "gap", "start_time", True)
    ]
    assert "in minutes" in openai_stub.chat_requests[0].body["messages"][-1]["content"]
    after = spec.tables["rides"].columns["end_time"].typical_after
    assert (after.column, after.typical, after.typical_range) == ("start_time", 18, [6, 45])
    rows = {"rides": 2000}
    out = Path(tempfile.mkdtemp()) / "out"
    result = InProcessRunner().run(build_scaffold(spec).source, out, rows=rows, seed=0)
    assert result.ok, result.error
    rides = pd.read_parquet(result.tables["rides"].path)
    minutes = (rides["end_time"] - rides["start_time"]).dt.total_seconds() / 60
    assert (minutes > 0).all() and 15 <= minutes.median() <= 21
    assert minutes.quantile(0.9) < 60
    assert sd.validate(spec, {t: f.path for t, f in result.tables.items()}, rows).ok


def test_a_signed_amount_whose_sign_a_check_ties_to_its_kind_is_not_asked_about():
    """Asked, it came back as EUR 100 (50 to 200): every amount positive, and the kinds that
    must be negative (card payments) were drawn again until none were left."""
    spec = load_spec("""\
name: bank
tables:
  transactions:
    rows: 100
    columns:
      id:         {type: integer, primary_key: true}
      kind:       {type: string, values: [salary, card]}
      amount_eur: {type: float, min: -5000, max: 9000}
      fee_eur:    {type: float, min: 0, max: 50}
    rules:
      - check: "kind <> 'card' OR amount_eur < 0"
      - check: "kind <> 'salary' OR fee_eur = 0 OR fee_eur > 1"
""")
    assert columns_to_ask(spec) == [("transactions", "kind"), ("transactions", "fee_eur")]


def test_a_score_s_question_says_its_scale_and_other_bounds_stay_unsaid():
    """Asked for a typical quiz score with no scale, the model answered 5 (1 to 9) for a score
    out of 100."""
    from codegen.pipeline.typical import question

    spec = load_spec(
        HOUSES.replace(
            "      fee_eur:   {type: float}",
            "      fee_eur:   {type: float}\n      rating:    {type: integer, min: 1, max: 5}",
        )
    )
    assert "on a scale from 1 to 5" in question(spec, "houses", "rating")[1]["content"]
    assert "1000" not in question(spec, "houses", "size_m2")[1]["content"]


@pytest.mark.parametrize(
    ("share", "others", "count", "kept"),
    [
        (0.3, 0.9, 10, 0.1),  # asked as a share 30%; the other two say 10%: the middle one
        (0.3, 0.9, 25, 0.25),  # 30%, 10%, 25%: the middle one, the first two close to it
        (0.3, 0.3, 95, None),  # 30%, 70%, 95%: none agree, not kept
    ],
)
def test_a_flag_s_share_is_the_middle_of_three_opinions(
    openai_stub, client, share, others, count, kept
):
    openai_stub.reply(reply(10, 10, 20))
    openai_stub.reply(json.dumps({"share": share}))
    openai_stub.reply(json.dumps({"share": others}))
    openai_stub.reply(json.dumps({"count": count}))
    # a flag of no mishap: a no-show's share is capped (below)
    spec, answers = ask_typical(client, load_spec(CLINIC.replace("no_show", "reminded")))
    assert spec.tables["appointments"].columns["reminded"].typical == kept
    assert answers[1].kept is (kept is not None) and answers[1].third == count / 100
    if kept is None:
        assert "30%, 70%, 95%" in answers[1].why


def test_a_share_whose_second_opinion_disagrees_is_not_kept(openai_stub, client):
    """Asked how many of a year's admissions are still open, the model said 90%; asked how many
    have a discharge, 80%. Neither is kept."""
    openai_stub.reply(json.dumps({"open": 10, "closed": 90}))
    openai_stub.reply(most("closed")).reply(most("open"))  # the orders disagree: no matter
    openai_stub.reply(reply(300, 80, 1500))
    openai_stub.reply(json.dumps({"share": 0.9}))
    openai_stub.reply(json.dumps({"share": 0.8}))
    openai_stub.reply(json.dumps({"open": 300, "closed": 300}))
    spec, answers = ask_typical(client, load_spec(RENTALS))
    nulls = answers[2]
    assert (nulls.asked, nulls.kept, nulls.second) == ("nulls", False, 0.8)
    assert "in other words" in nulls.why
    # not the model's: damage is the exception, by its name (null on 80% of rentals)
    assert spec.tables["rentals"].columns["damage_eur"].null_share == 0.8


SALARIES = """\
name: staff
description: Employees of an engineering company.
tables:
  employees:
    rows: 300
    columns:
      id:       {type: integer, primary_key: true}
      salary:   {type: float, min: 25000, max: 400000, description: gross pay per year in EUR}
      children: {type: integer, min: 0, max: 8}
      bonus:    {type: float, min: 0, max: 100000, description: bonus paid last year in EUR}
"""


def test_a_whole_number_may_be_typically_one_of_its_bounds_other_numbers_not():
    """Asked without the bounds, the model said a 40-hour week for hours of at most 40, and
    one item per order line: whole numbers pile at such bounds in real data."""
    spec = load_spec(
        SALARIES
        + "      items: {type: integer, min: 1, max: 50}\n"
        + "      weekly_hours: {type: integer, min: 8, max: 40}\n"
    )
    items = spec.tables["employees"].columns["items"]
    assert check_answer(items, TypicalReply(typical=1, low=1, high=3)) == ""
    assert check_answer(items, TypicalReply(typical=2, low=1, high=4)) == ""
    assert "bounds" in check_answer(items, TypicalReply(typical=0, low=0, high=2))
    hours = spec.tables["employees"].columns["weekly_hours"]
    assert check_answer(hours, TypicalReply(typical=40, low=35, high=45)) == ""
    assert "bound" in check_answer(hours, TypicalReply(typical=39.5, low=30, high=40))
    assert "bound" in check_answer(hours, TypicalReply(typical=40, low=30, high=40))  # range within
    salary = spec.tables["employees"].columns["salary"]
    assert "bounds" in check_answer(salary, TypicalReply(typical=25000, low=25000, high=40000))
    # a float piles at a cap too where the cap cuts the range given (a full-time week); not
    # at its least (a car park's hourly rate at EUR 0.50, most 0.10 to 2, at least 0.50)
    hours = load_spec(SALARIES + "      hours: {type: float, min: 10, max: 40}\n")
    hours = hours.tables["employees"].columns["hours"]
    assert check_answer(hours, TypicalReply(typical=40, low=35, high=45)) == ""
    assert "bound" in check_answer(hours, TypicalReply(typical=40, low=30, high=40))
    assert "bound" in check_answer(hours, TypicalReply(typical=10, low=10, high=30))
    assert "bound" in check_answer(hours, TypicalReply(typical=10, low=5, high=30))


def test_an_answer_outside_the_bounds_is_asked_again_with_them(openai_stub, client):
    openai_stub.reply(reply(5000, 3000, 7000))  # a monthly salary, for an annual column
    openai_stub.reply(reply(62000, 45000, 95000))  # asked again with the bounds: kept
    openai_stub.reply(reply(0, 0, 2))  # children: a count at its least value, kept
    openai_stub.reply(reply(3000, 1000, 9000))  # bonus: when there is one
    openai_stub.reply(json.dumps({"share": 0.4}))  # bonus: none at all on 40% of rows
    openai_stub.reply(json.dumps({"share": 0.62}))  # asked in other words: some on 62%
    spec, answers = ask_typical(client, load_spec(SALARIES))
    salary = spec.tables["employees"].columns["salary"]
    assert (salary.typical, salary.typical_range) == (62000, [45000, 95000])
    assert answers[0].kept and answers[0].first == [5000, 3000, 7000]
    assert answers[0].asked == "typical, asked again with its bounds"
    again = openai_stub.chat_requests[1].body["messages"]
    assert again[-2] == {"role": "assistant", "content": reply(5000, 3000, 7000)}
    assert "at least 25000 and at most 400000" in again[-1]["content"]
    assert "5000 cannot be right" in again[-1]["content"]
    children = spec.tables["employees"].columns["children"]
    assert (children.typical, children.typical_range) == (0, [0, 2])
    assert children.zero_share is None  # a count's zeros are its typical value's to say
    bonus = spec.tables["employees"].columns["bonus"]
    assert bonus.zero_share == 0.39  # the two opinions' mean: (0.4 + 1 - 0.62) / 2
    assert [a.asked for a in answers] == ["typical, asked again with its bounds", "typical",
                                          "typical", "zeros"]  # fmt: skip
    assert len(openai_stub.chat_requests) == 6  # the count was not asked again


LINES = """\
name: lines
description: Order lines of an online shop.
tables:
  lines:
    rows: 2000
    columns:
      id:       {type: integer, primary_key: true}
      discount: {type: float, min: 0, max: 0.5}
      tip_eur:  {type: float, min: 0, max: 50}
"""


def test_an_amount_named_the_exception_is_mostly_zero_where_the_model_says_otherwise(
    openai_stub, client
):
    """An outdoor shop's discounts: 10% of lines without one (the model's hedge, not kept:
    ``ZERO_SHARE_MIN``), so every line had a discount."""
    openai_stub.reply(reply(0.1, 0.05, 0.2))  # discount: typically 10%
    openai_stub.reply(reply(5, 2, 10))  # tip
    openai_stub.reply(json.dumps({"share": 0.1}))  # discount: 0 on 10% of lines
    openai_stub.reply(json.dumps({"share": 0.2}))  # tip: 0 on 20%
    openai_stub.reply(json.dumps({"share": 0.8}))  # above 0 on 80%: kept
    said: list[str] = []
    spec, answers = ask_typical(client, load_spec(LINES), progress=said.append)
    columns = spec.tables["lines"].columns
    assert columns["discount"].zero_share == 0.8  # the exception, by its name
    assert columns["tip_eur"].zero_share == 0.2  # a tip is no exception: the model's
    assert "typical lines.discount: 0 on 80% of rows (an exception)" in said
    assert ("discount", "zeros, the exception by name", True) in [
        (a.column, a.asked, a.kept) for a in answers
    ]
    lines = valid_tables(spec)["lines"]
    assert 0.74 <= (lines["discount"] == 0).mean() <= 0.86


def test_a_nullable_amount_named_the_exception_is_mostly_null(openai_stub, client):
    """A car hire's damage cost, null unless damage was found: the model said null on 10% of
    rentals, then a value on 10% (nothing kept), and nine hires in ten came back damaged."""
    text = """\
name: hires
description: Car hires.
tables:
  hires:
    rows: 1000
    columns:
      id:         {type: integer, primary_key: true}
      damage_eur: {type: float, nullable: true, min: 0, description: null unless damage was found}
"""
    openai_stub.reply(reply(300, 100, 900))
    openai_stub.reply(json.dumps({"share": 0.1}))
    openai_stub.reply(json.dumps({"share": 0.1}))
    spec, answers = ask_typical(client, load_spec(text))
    assert spec.tables["hires"].columns["damage_eur"].null_share == 0.8
    assert [(a.asked, a.kept) for a in answers][-1] == ("nulls, the exception by name", True)


def test_asked_again_the_bounds_midpoint_is_not_kept(openai_stub, client):
    openai_stub.reply(reply(5000, 3000, 7000))
    openai_stub.reply(reply(212500, 100000, 300000))  # (25000 + 400000) / 2: the bounds back
    openai_stub.reply(reply(1, 0, 3))
    openai_stub.reply(reply(3000, 1000, 9000))
    openai_stub.reply(json.dumps({"share": 0.99}))  # bonus: none on 99%, not drawn
    spec, answers = ask_typical(client, load_spec(SALARIES))
    assert spec.tables["employees"].columns["salary"].typical is None
    assert not answers[0].kept and "midpoint" in answers[0].why


def test_asked_again_a_bound_said_back_is_not_kept(openai_stub, client):
    openai_stub.reply(reply(5000, 3000, 7000))
    openai_stub.reply(reply(25000, 20000, 30000))  # told "at least 25000": 25000, the bound
    openai_stub.reply(reply(1, 0, 3))
    openai_stub.reply(reply(3000, 1000, 9000))
    openai_stub.reply(json.dumps({"share": 0.99}))
    spec, answers = ask_typical(client, load_spec(SALARIES))
    salary = spec.tables["employees"].columns["salary"]
    assert salary.typical is None and salary.typical_range is None  # rows would pile on it
    assert not answers[0].kept and "bound" in answers[0].why  # a bound said back


def test_a_share_of_zeros_makes_that_many_rows_zero_and_the_rest_around_typical():
    text = HOUSES.replace(
        "fee_eur:   {type: float}",
        "fee_eur:   {type: float}\n      discount:  {type: float, min: 0, max: 0.5, typical: 0.1, "
        "typical_range: [0.05, 0.2], zero_share: 0.7}",
    )
    spec = load_spec(text)
    program = build_scaffold(spec).source.replace("[...]", "['x']")
    assert "shape_zeros(" in program
    out = Path(tempfile.mkdtemp()) / "out"
    result = InProcessRunner().run(program, out, rows={"houses": 3000}, seed=2)
    assert result.ok, result.error
    discount = pd.read_parquet(result.tables["houses"].path)["discount"]
    assert 0.66 < (discount == 0).mean() < 0.74
    assert 0.08 < discount[discount > 0].median() < 0.12 and discount.between(0, 0.5).all()
    with pytest.raises(sd.SpecError, match="zero_share: for integer and float columns whose"):
        load_spec(text.replace("min: 0, max: 0.5", "min: 0.01, max: 0.5"))
    with pytest.raises(sd.SpecError, match="zero_share: give typical too"):
        load_spec(text.replace("typical: 0.1, typical_range: [0.05, 0.2], ", ""))


def test_a_year_of_birth_is_asked_as_an_age_in_the_year_the_dates_reach(openai_stub, client):
    spec = load_spec("""\
name: music
description: Users of a music streaming service.
tables:
  users:
    rows: 500
    columns:
      id:           {type: integer, primary_key: true}
      birth_year:   {type: integer, min: 1940, max: 2011}
      signed_up_on: {type: date, min: 2015-01-01, max: 2024-03-31}
""")
    assert reference_year(spec) == 2024  # no year in the description: the dates' latest
    openai_stub.reply(reply(28, 18, 46))
    shaped, answers = ask_typical(client, spec)
    moved = "typical age, a grown-up's moved"  # 28: 36.5, halfway to grown-ups' 45
    assert [(a.column, a.asked, a.kept) for a in answers] == [("birth_year", moved, True)]
    born = shaped.tables["users"].columns["birth_year"]
    assert (born.typical, born.typical_range) == (1988, [1969, 2001])


@pytest.mark.parametrize(
    ("ages", "years", "widened"),
    [
        # a bank's customers: 42.5 (halfway to 45), 29.5-59.5, not 35-45
        ((40, 35, 45), [1964.5, 1994.5], True),
        ((30, 25, 35), [1969.5, 1999.5], True),  # a marathon's runners: 37.5, not 30
        ((80, 70, 85), [1934, 1957], True),  # a care home's residents: to 90 at most
        ((45, 20, 75), [1949, 2004], False),  # decades already
        ((19.5, 18.4, 22), [2002, 2005.6], False),  # first-year students are of an age
    ],
)
def test_grown_ups_ages_span_decades(openai_stub, client, ages, years, widened):
    """Asked where 80% of their ages lie, the model said 35-45 for a bank's customers and a
    library's members, 25-35 for a shop's: every customer of one decade; and 30 for a
    marathon's runners and a camper hire's customers, whose median is about 40."""
    openai_stub.reply(reply(*ages))
    wide = STUDENTS.replace("min: 1990-01-01", "min: 1920-01-01")
    spec, answers = ask_typical(client, load_spec(wide))
    born = spec.tables["students"].columns["date_of_birth"]
    assert born.typical_range == pytest.approx(years)
    assert answers[0].asked == "typical age" + (", a grown-up's moved" if widened else "")


INVOICES = """\
name: invoices
description: Sales invoices of a Dutch web design agency in 2024.
tables:
  invoices:
    rows: 2000
    columns:
      id:        {type: integer, primary_key: true}
      issued_on: {type: date, min: 2024-01-01, max: 2024-12-31}
      paid_on:   {type: date}
    rules:
      - check: "paid_on >= issued_on"
"""


def test_how_long_after_the_date_a_check_puts_it_after_is_asked_in_days(openai_stub, client):
    """Drawn with no typical gap, the model's tuned gap had invoices paid within days."""
    openai_stub.reply(reply(25, 10, 45))  # paid 25 days after issue, most 10 to 45
    spec, answers = ask_typical(client, load_spec(INVOICES))
    assert [(a.column, a.asked, a.by, a.kept) for a in answers] == [
        ("paid_on", "gap", "issued_on", True)
    ]
    assert "Answer in days" in openai_stub.chat_requests[0].body["messages"][-1]["content"]
    invoices = valid_tables(spec)["invoices"]
    days = (invoices["paid_on"] - invoices["issued_on"]).dt.days
    assert 21 <= days.median() <= 29 and days.quantile(0.9) < 60 and (days >= 0).all()


def test_an_end_a_check_puts_after_its_start_is_asked_as_days_after_it():
    """A membership's ends_on > starts_on: how long later is asked (months of it, not the day
    after), as for an invoice paid after it was issued (days); a free end as a span, as before."""
    from codegen.pipeline.typical import gap_unit, gaps_to_ask

    text = """\
name: gym
description: Memberships of a gym.
tables:
  memberships:
    rows: 100
    columns:
      id:        {type: integer, primary_key: true}
      starts_on: {type: date, min: 2023-01-01, max: 2024-12-31}
      ends_on:   {type: date, nullable: true}
"""
    free = load_spec(text)
    assert gaps_to_ask(free) == [("memberships", "starts_on", "ends_on")]
    checked = load_spec(
        text + '    rules:\n      - check: "ends_on IS NULL OR ends_on > starts_on"\n'
    )
    assert gaps_to_ask(checked) == [("memberships", "starts_on", "ends_on")]
    assert gap_unit(checked, "memberships", "starts_on", "ends_on") == "months"  # it lasts
    assert gap_unit(load_spec(INVOICES), "invoices", "issued_on", "paid_on") == "days"
    # a time a check puts after its start is asked in days too (a car hire returned days on)
    times = text.replace("type: date", "type: datetime")
    hire = load_spec(
        times + '    rules:\n      - check: "ends_on IS NULL OR ends_on > starts_on"\n'
    )
    assert gap_unit(hire, "memberships", "starts_on", "ends_on") == "days"
    assert gap_unit(load_spec(times), "memberships", "starts_on", "ends_on") == "minutes"


def test_a_child_s_day_at_daycare_is_asked_in_hours():
    """Asked in days, the embedded model put a daycare's check-out 1.5 days after check-in:
    a child brought in the morning goes home the same day. A library's loans stay in days."""
    from codegen.pipeline.typical import gap_unit

    text = """\
name: daycare
description: Daily attendance at a daycare centre in Utrecht, 2024.
tables:
  attendance:
    rows: 100
    columns:
      id:             {type: integer, primary_key: true}
      checked_in_at:  {type: datetime, min: "2024-01-01 00:00:00", max: "2024-12-31 23:59:59"}
      checked_out_at: {type: datetime}
    rules:
      - check: "checked_out_at > checked_in_at"
"""
    assert gap_unit(load_spec(text), "attendance", "checked_in_at", "checked_out_at") == "hours"
    loans = text.replace("at a daycare centre", "of a public library")
    assert gap_unit(load_spec(loans), "attendance", "checked_in_at", "checked_out_at") == "days"


def test_how_long_a_subscription_lasts_is_asked_in_months_and_kept_in_days(openai_stub, client):
    """Asked in days, the embedded model gave a coworking's subscriptions 30 (a month)."""
    text = """\
name: desks
description: Subscriptions of a coworking company in Madrid.
tables:
  subscriptions:
    rows: 600
    columns:
      id:        {type: integer, primary_key: true}
      starts_on: {type: date, min: 2019-01-01, max: 2024-12-31}
      ends_on:   {type: date}
    rules:
      - check: "ends_on > starts_on"
"""
    openai_stub.reply(reply(12, 3, 30))  # a year, most 3 to 30 months
    spec, answers = ask_typical(client, load_spec(text))
    assert "Answer in months" in openai_stub.chat_requests[0].body["messages"][-1]["content"]
    after = spec.tables["subscriptions"].columns["ends_on"].typical_after
    assert (after.typical, after.typical_range) == (365.25, [91.3125, 913.125])
    subscriptions = valid_tables(spec)["subscriptions"]
    days = (subscriptions["ends_on"] - subscriptions["starts_on"]).dt.days
    assert 300 <= days.median() <= 430


TICKETS = """\
name: desk
description: Support tickets of a software company.
tables:
  tickets:
    rows: 1500
    columns:
      id:                {type: integer, primary_key: true}
      opened_at:         {type: datetime, min: "2024-01-01 00:00:00", max: "2024-06-30 23:59:59"}
      first_response_at: {type: datetime}
    rules:
      - check: "first_response_at BETWEEN opened_at AND opened_at + INTERVAL {days} DAY"
"""


def test_a_time_within_a_window_of_another_is_asked_in_the_unit_its_width_says(openai_stub, client):
    """Drawn evenly within 5 days, a support desk's first response came 2.5 days after the
    ticket (median); asked in days, the embedded model said 14 (cut at 5), in hours 12."""
    from codegen.pipeline.typical import gap_unit, gaps_to_ask

    def spec(days: int):  # noqa: ANN202
        return load_spec(TICKETS.replace("{days}", str(days)))

    assert gaps_to_ask(spec(5)) == [("tickets", "opened_at", "first_response_at")]
    units = [gap_unit(spec(d), "tickets", "opened_at", "first_response_at") for d in (1, 5, 30)]
    assert units == ["minutes", "hours", "days"]
    openai_stub.reply(reply(12, 6, 24))  # 12 hours, most 6 to 24
    shaped, answers = ask_typical(client, spec(5))
    assert [(a.column, a.asked, a.kept) for a in answers] == [("first_response_at", "gap", True)]
    assert "Answer in hours" in openai_stub.chat_requests[0].body["messages"][-1]["content"]
    after = shaped.tables["tickets"].columns["first_response_at"].typical_after
    assert (after.typical, after.typical_range) == (720, [360, 1440])  # a datetime's: minutes
    tickets = valid_tables(shaped)["tickets"]
    hours = (tickets["first_response_at"] - tickets["opened_at"]).dt.total_seconds() / 3600
    assert 9 <= hours.median() <= 15 and (hours >= 0).all() and (hours <= 120).all()
    # a window narrower than the gap asked: cut at its end, never past it
    narrow = load_spec(shaped.model_dump_json().replace("INTERVAL 5 DAY", "INTERVAL 1 DAY"))
    tickets = valid_tables(narrow)["tickets"]
    hours = (tickets["first_response_at"] - tickets["opened_at"]).dt.total_seconds() / 3600
    assert hours.max() <= 24 and hours.quantile(0.95) == 24


def test_a_time_a_check_puts_after_another_is_asked_in_days_and_kept_in_minutes(
    openai_stub, client
):
    """A parcel shipped 2 days after the order (most 1 to 4): the spec keeps a datetime's gap
    in minutes, as it says, and the program draws it so."""
    text = """\
name: parcels
description: Orders of a web shop.
tables:
  orders:
    rows: 1500
    columns:
      id:         {type: integer, primary_key: true}
      placed_at:  {type: datetime, min: "2024-01-01 00:00:00", max: "2024-06-30 23:59:59"}
      shipped_at: {type: datetime}
    rules:
      - check: "shipped_at >= placed_at"
"""
    openai_stub.reply(reply(2, 1, 4))
    shaped, _ = ask_typical(client, load_spec(text))
    assert "Answer in days" in openai_stub.chat_requests[0].body["messages"][-1]["content"]
    after = shaped.tables["orders"].columns["shipped_at"].typical_after
    assert (after.typical, after.typical_range) == (2880, [1440, 5760])
    orders = valid_tables(shaped)["orders"]
    days = (orders["shipped_at"] - orders["placed_at"]).dt.total_seconds() / 86400
    # drawn at a shop's hours and weekdays (its rhythm), so a little later than typical; a gap
    # read as days where it is minutes would be years
    assert 1.5 <= days.median() <= 3.2 and (days >= 0).all() and days.max() < 15


def test_a_trip_s_end_a_check_puts_after_its_start_is_asked_in_minutes(openai_stub, client):
    """A bike-share trip's ended_at > started_at: asked in days, the model said 1, and the end
    was drawn at the travel rhythm's hours days later (median 2.4 days); a car hire's return,
    no journey, stays in days."""
    text = """\
name: bikes
description: Trips of a city bike-share scheme.
tables:
  trips:
    rows: 2000
    columns:
      id:         {type: integer, primary_key: true}
      started_at: {type: datetime, min: "2024-09-01 00:00:00", max: "2024-09-30 23:59:59"}
      ended_at:   {type: datetime}
    rules:
      - check: "ended_at > started_at"
"""
    from codegen.pipeline.typical import gap_unit

    hire = text.replace("trips", "hires").replace("Trips of a city bike-share scheme", "Car hires")
    assert gap_unit(load_spec(hire), "hires", "started_at", "ended_at") == "days"
    # a car's stay in a car park, entered and left: hours (it had been asked in days, then in
    # minutes, where the embedded model parked every car for 15 of them)
    parked = text.replace("trips", "sessions").replace("bike-share scheme", "car park")
    parked = parked.replace("started_at", "entered_at").replace("ended_at", "left_at")
    assert gap_unit(load_spec(parked), "sessions", "entered_at", "left_at") == "hours"
    called = parked.replace("sessions", "calls").replace("city car park", "call centre")
    assert gap_unit(load_spec(called), "calls", "entered_at", "left_at") == "minutes"
    openai_stub.reply(reply(15, 6, 40))
    shaped, _ = ask_typical(client, load_spec(text))
    assert "Answer in minutes" in openai_stub.chat_requests[0].body["messages"][-1]["content"]
    trips = valid_tables(shaped)["trips"]
    minutes = (trips["ended_at"] - trips["started_at"]).dt.total_seconds() / 60
    assert 12 <= minutes.median() <= 18 and (minutes > 0).all() and minutes.quantile(0.95) < 90


PETS = """\
name: pets
description: Pets of a small-animal veterinary practice.
tables:
  pets:
    rows: 600
    columns:
      id:        {type: integer, primary_key: true}
      species:   {type: string, values: [dog, cat, rabbit], weights: [50, 35, 15]}
      weight_kg: {type: float, min: 0.3, max: 80, typical: 10.5, typical_range: [3, 25]}
"""


def test_categories_said_alike_together_are_asked_one_at_a_time_in_plain_words(openai_stub, client):
    from codegen.pipeline.typical import _ask_by_category, plain_kept

    spec = load_spec(PETS)
    openai_stub.reply(json.dumps({"dog": 10.5, "cat": 10.5, "rabbit": 10.5}))  # the overall
    for typical in (20, 4.5, 1.8):
        openai_stub.reply(json.dumps({"typical": typical}))
    data = spec.model_dump(mode="json", exclude_none=True)
    answers: list = []
    _ask_by_category(client, spec, data, answers, seed=0, say=lambda line: None)
    assert [(a.asked, a.kept, a.why) for a in answers] == [
        ("by category", False, "the categories do not differ"),
        ("by category, one at a time", True, ""),
    ]
    assert [a.said for a in answers] == [
        {"dog": 10.5, "cat": 10.5, "rabbit": 10.5},
        {"dog": 20, "cat": 4.5, "rabbit": 1.8},
    ]
    asked = openai_stub.chat_requests[2].body["messages"][-1]["content"]
    assert asked.startswith('What is the typical weight (kg) of a "cat" pet?')
    assert "10.5" not in asked  # no overall value to repeat
    # the middle of the answers (a cat's 4.5, by the shares) is within 3x of 10.5: as given
    assert data["tables"]["pets"]["columns"]["weight_kg"]["typical_by"] == {
        "species": {"dog": 20.0, "cat": 4.5, "rabbit": 1.8}
    }
    assert answers[1].usage["completion_tokens"] > 0
    # a middle far from the column's typical value (grams for kilograms): scaled to it
    column = spec.tables["pets"].columns["weight_kg"]
    grams = plain_kept(column, {"dog": 20000, "cat": 4500, "rabbit": 1800}, {})
    assert grams == {"dog": 25.0, "cat": 10.5, "rabbit": 4.2}  # a third of pets: within 3-25


PLANS = """\
name: desks
description: A coworking company's plans.
tables:
  plans:
    rows: 3
    columns:
      id:    {type: integer, primary_key: true}
      name:  {type: string, unique: true, values: [Day Pass, Flex, Private Office]}
      monthly_price_eur: {type: float, min: 10, max: 1500, typical: 150, typical_range: [60, 400]}
"""


def test_names_each_row_has_its_own_are_asked_one_at_a_time_too(openai_stub, client):
    """A coworking's plans asked together came back as a ladder (EUR 136, 145, 155, 164 a
    month for a day pass to a private office): a plan's name is its row's own, as a pet's
    species is a kind, so each is asked alone."""
    from codegen.pipeline.typical import _ask_by_category

    spec = load_spec(PLANS)
    openai_stub.reply(json.dumps({"Day Pass": 140, "Flex": 150, "Private Office": 160}))
    for typical in (20, 180, 600):
        openai_stub.reply(json.dumps({"typical": typical}))
    data = spec.model_dump(mode="json", exclude_none=True)
    answers: list = []
    _ask_by_category(client, spec, data, answers, seed=0, say=lambda line: None)
    assert [a.asked for a in answers] == ["by category", "by category, one at a time"]
    assert "evenly" in answers[0].why  # 140, 150, 160: counted
    asked = openai_stub.chat_requests[3].body["messages"][-1]["content"]
    assert asked.startswith('What is the typical monthly price (EUR) of a "Private Office" plan?')
    assert data["tables"]["plans"]["columns"]["monthly_price_eur"]["typical_by"] == {
        "name": {"Day Pass": 20.0, "Flex": 180.0, "Private Office": 600.0}
    }


def test_a_count_whose_plain_answers_fail_is_not_kept(openai_stub, client):
    """A cinema's ticket price by type came back counted (12.63, 14.21, 15.79); asked one
    at a time, a price fell outside the bounds. A count is no answer to fall back on."""
    from codegen.pipeline.typical import _ask_by_category

    spec = load_spec(PLANS)
    openai_stub.reply(json.dumps({"Day Pass": 140, "Flex": 150, "Private Office": 160}))
    for typical in (20, 180, 5000):  # the private office above the column's max, 1500
        openai_stub.reply(json.dumps({"typical": typical}))
    data = spec.model_dump(mode="json", exclude_none=True)
    answers: list = []
    _ask_by_category(client, spec, data, answers, seed=0, say=lambda line: None)
    assert [(a.kept, a.why) for a in answers] == [
        (False, LADDER),
        (False, "a category's value is outside the column's bounds"),
    ]
    assert "typical_by" not in data["tables"]["plans"]["columns"]["monthly_price_eur"]


def test_a_row_that_is_its_category_takes_the_category_s_value_as_it_is():
    """Drawn around each plan's price, a day pass could cost more than a private office."""
    typed = "typical_range: [60, 400]"
    by = '{name: {"Day Pass": 20, "Flex": 180, "Private Office": 600}}'
    spec = load_spec(PLANS.replace(typed, f"{typed}, typical_by: {by}"))
    out = Path(tempfile.mkdtemp()) / "out"
    result = InProcessRunner().run(build_scaffold(spec).source, out, rows={"plans": 3}, seed=0)
    assert result.ok, result.error
    plans = pd.read_parquet(result.tables["plans"].path).set_index("name")
    prices = plans["monthly_price_eur"].to_dict()
    assert prices == {"Day Pass": 20, "Flex": 180, "Private Office": 600}


def test_a_row_keyed_to_a_row_of_a_shared_category_is_drawn_around_its_value():
    """One bill a reservation (a unique key), its typical total by the reservation's status:
    the bills of completed meals had all cost EUR 219, as if each bill were its own category."""
    text = """\
name: restaurant
tables:
  reservations:
    rows: 400
    columns:
      id:     {type: integer, primary_key: true}
      status: {type: string, values: [completed, cancelled]}
  bills:
    rows: 300
    columns:
      id:             {type: integer, primary_key: true}
      reservation_id: {type: integer, references: reservations.id, unique: true}
      total_eur:
        {type: float, min: 0, typical: 150, typical_range: [80, 200],
         typical_by: {reservation_id: {completed: 219, cancelled: 150}}}
"""
    spec = load_spec(text)
    out = Path(tempfile.mkdtemp()) / "out"
    rows = {"reservations": 400, "bills": 300}
    result = InProcessRunner().run(build_scaffold(spec).source, out, rows=rows, seed=0)
    assert result.ok, result.error
    bills = pd.read_parquet(result.tables["bills"].path)
    assert bills["total_eur"].nunique() > 250
    assert bills["total_eur"].value_counts().iloc[0] < 5


@pytest.mark.parametrize(
    "numbers, counted",
    [
        ([136.4, 145.5, 154.5, 163.6], True),  # a coworking's plans, a month each
        ([100, -50, 20, 30, -40, 60, -70, 80], True),  # a bank's kinds of movement, by size
        ([100, -50, 20, -30, 15, -20, 40, 5], True),  # most steps 10: still a count
        # a Viennese flat's size by district, in the order listed: 4 of 7 steps 5.26 m2
        ([31.58, 39.47, 42.11, 47.37, 52.63, 63.16, 68.42, 73.68], True),
        ([20, 4.5, 1.8], False),  # a dog, a cat, a rabbit (kg)
        ([2500, -35, -100, 300, -300, -80, -5, 2], False),
        ([10, 10, 10], False),  # one value said again: not a ladder (it barely differs)
        ([5, 10], False),  # two values are no steps to compare
    ],
)
def test_numbers_that_step_up_evenly_are_a_count_not_an_answer(numbers, counted):
    from codegen.pipeline.typical import is_ladder

    assert is_ladder(numbers) is counted


def test_categories_that_barely_differ_are_asked_one_at_a_time_too(openai_stub, client):
    """Outdoor gear's weights by category came back as the overall 1.5 kg with a little
    jitter (tents 1.5, clothing 1.58); asked alone: a tent 10 kg, clothing 1.5. Where the
    plain answers cannot be kept, the first stands."""
    from codegen.pipeline.typical import _ask_by_category

    spec = load_spec(PETS)
    data = spec.model_dump(mode="json", exclude_none=True)
    openai_stub.reply(json.dumps({"dog": 11, "cat": 9.5, "rabbit": 10}))  # within 1.35x
    for typical in (20, 4.5, 1.8):
        openai_stub.reply(json.dumps({"typical": typical}))
    answers: list = []
    _ask_by_category(client, spec, data, answers, seed=0, say=lambda line: None)
    assert [(a.asked, a.kept, a.why) for a in answers] == [
        ("by category", False, "the categories barely differ"),
        ("by category, one at a time", True, ""),
    ]
    assert data["tables"]["pets"]["columns"]["weight_kg"]["typical_by"] == {
        "species": {"dog": 20.0, "cat": 4.5, "rabbit": 1.8}
    }
    # plain answers out of bounds: the first answer's levels, scaled to the typical 10.5 (a
    # column named otherwise, so that no reply comes from the cache)
    spec = load_spec(PETS.replace("weight_kg", "body_weight_kg"))
    data = spec.model_dump(mode="json", exclude_none=True)
    openai_stub.reply(json.dumps({"dog": 11, "cat": 9.5, "rabbit": 10}))
    for typical in (200, 4.5, 1.8):
        openai_stub.reply(json.dumps({"typical": typical}))
    answers = []
    _ask_by_category(client, spec, data, answers, seed=0, say=lambda line: None)
    assert [(a.asked, a.kept) for a in answers] == [
        ("by category", True),
        ("by category, one at a time", False),
    ]
    assert data["tables"]["pets"]["columns"]["body_weight_kg"]["typical_by"] == {
        "species": {"dog": 11.55, "cat": 9.975, "rabbit": 10.5}
    }
    # categories that differ well are kept as they came
    spec = load_spec(PETS.replace("practice", "hospital"))
    data = spec.model_dump(mode="json", exclude_none=True)
    openai_stub.reply(json.dumps({"dog": 20, "cat": 5, "rabbit": 2}))
    answers = []
    _ask_by_category(client, spec, data, answers, seed=0, say=lambda line: None)
    assert [(a.asked, a.kept) for a in answers] == [("by category", True)]


LIBRARY = """\
name: library
description: Books of a public library in Utrecht, the Netherlands.
tables:
  books:
    rows: 1000
    columns:
      id:       {type: integer, primary_key: true}
      language: {type: string, values: [en, nl, de, fr]}
"""


def test_a_one_country_dataset_s_own_language_holds_most_rows(openai_stub, client):
    from codegen.pipeline.typical import home_weights

    openai_stub.reply(json.dumps({"en": 35, "nl": 35, "de": 15, "fr": 15}))
    openai_stub.reply(most("en")).reply(most("nl"))  # no agreement: steeper, as they are
    said: list[str] = []
    spec, answers = ask_typical(client, load_spec(LIBRARY), progress=said.append)
    # steeper: en and nl 0.4224 each, de and fr 0.0776; nl raised to 60% of the rows
    assert spec.tables["books"].columns["language"].weights == [0.4224, 0.8664, 0.0776, 0.0776]
    assert answers[0].said == {"en": 35, "nl": 35, "de": 15, "fr": 15}  # as the model said
    assert said[0].endswith("its own country's raised to 60%")
    # already most: as given; a dataset of no country, or of one its values do not name: as given
    assert home_weights(spec, "books", "language", [10, 80, 5, 5]) is None
    for other in ("Books of a public library.", "Books of a public library in Lisbon, Portugal."):
        changed = load_spec(
            LIBRARY.replace("Books of a public library in Utrecht, the Netherlands.", other)
        )
        assert home_weights(changed, "books", "language", [35, 35, 15, 15]) is None


def test_a_duration_answered_in_the_next_unit_up_is_read_in_the_unit_its_name_says(
    openai_stub, client
):
    """Asked for a marathon's half_seconds, the embedded model answered 120 (minutes), below
    the column's 3,600; asked again with the bounds, 120 again with a range of 3,600-14,400:
    nothing was kept. Times 60 it is 2 hours, within the bounds: kept as seconds."""
    text = """\
name: race
description: Results of the Berlin Marathon, 2024.
tables:
  results:
    rows: 100
    columns:
      id:           {type: integer, primary_key: true}
      half_seconds: {type: integer, min: 3600, max: 14400}
      call_minutes: {type: integer, min: 30, max: 600}
"""
    openai_stub.reply(reply(120, 100, 150))  # half_seconds, in minutes
    openai_stub.reply(reply(2, 1, 3))  # call_minutes, in hours: 120 minutes
    shaped, answers = ask_typical(client, load_spec(text))
    half = shaped.tables["results"].columns["half_seconds"]
    assert (half.typical, half.typical_range) == (7200, [6000, 9000])
    assert answers[0].asked == "typical, read in the unit its name says"
    call = shaped.tables["results"].columns["call_minutes"]
    assert call.typical == 120


def test_a_listed_value_the_model_gives_no_share_keeps_a_small_one(openai_stub, client):
    """Asked how common each stage of a job application is, the embedded model gave "rejected"
    0: a recruiter's data had not one rejection. Every listed value is there in real data."""
    text = """\
name: hiring
tables:
  applications:
    rows: 100
    columns:
      id:    {type: integer, primary_key: true}
      stage: {type: string, values: [applied, interviewed, hired, rejected]}
"""
    openai_stub.reply(json.dumps({"applied": 0.5, "interviewed": 0.3, "hired": 0.2, "rejected": 0}))
    spec, answers = ask_typical(client, load_spec(text))
    weights = spec.tables["applications"].columns["stage"].weights
    assert weights[:3] == [0.5, 0.3, 0.2] and weights[3] == pytest.approx(0.02)


def test_a_gap_s_range_reaches_at_least_half_and_double_its_typical_value(openai_stub, client):
    """Asked how long a car stays in a car park, the embedded model said 15 minutes, most 10 to
    20: every stay within 10 minutes of another. How long people take varies more."""
    openai_stub.reply(reply(15, 10, 20))
    spec, _ = ask_typical(client, load_spec(RIDES))
    after = spec.tables["rides"].columns["end_time"].typical_after
    assert (after.typical, after.typical_range) == (15, [7.5, 30])


def test_a_typical_value_whose_range_repeats_the_bounds_is_kept_alone(openai_stub, client):
    """A cinema's films: 120 minutes, most from 30 to 240, which its spec's bounds are too. The
    range says nothing; 120 minutes is no midpoint (135) and is kept, spread around by the
    program. At the midpoint, it is the bounds said back."""
    openai_stub.reply(reply(120, 15, 1000))  # size: its range the bounds, 120 its own
    spec, answers = ask_typical(client, load_spec(HOUSES))  # the rest: the stub has no more
    size = spec.tables["houses"].columns["size_m2"]
    assert (size.typical, size.typical_range) == (120, None)
    assert answers[0].kept and answers[0].why == ""
    rows = valid_tables(spec)["houses"]
    assert 90 < rows["size_m2"].median() < 150
    openai_stub.reply(reply(510, 15, 1000))  # within 5% of the span of their midpoint, 507.5
    spec, answers = ask_typical(client, load_spec(HOUSES), seed=1)  # not the cached reply
    assert spec.tables["houses"].columns["size_m2"].typical is None
    assert not answers[0].kept and "bounds again" in answers[0].why


APPOINTMENTS = """\
name: visits
description: Appointments at a GP practice.
tables:
  appointments:
    rows: 4000
    columns:
      id:      {type: integer, primary_key: true}
      no_show: {type: boolean}
      cancelled: {type: boolean}
"""


def test_a_flag_of_what_goes_wrong_now_and_then_is_true_on_few_rows(openai_stub, client):
    """Asked, the embedded model said 20% of a clinic's appointments were no-shows (30%, 10%
    and 20% in three questions): a no-show, a cancellation, is true on 8% of rows at most,
    whatever the opinions, agreeing or not; a share under that is the model's."""
    for share in (0.3, 0.9, 0.2):  # no-show: 30%, then 90% false, then 20 of 100
        openai_stub.reply(json.dumps({"share": share}))
    openai_stub.reply(json.dumps({"share": 0.03}))  # cancelled: 3%
    openai_stub.reply(json.dumps({"share": 0.97}))
    openai_stub.reply(json.dumps({"count": 3}))
    spec, answers = ask_typical(client, load_spec(APPOINTMENTS))
    columns = spec.tables["appointments"].columns
    assert (columns["no_show"].typical, columns["cancelled"].typical) == (0.08, 0.03)
    assert [(a.column, a.asked, a.kept) for a in answers[:2]] == [
        ("no_show", "typical, a mishap: 8% at most", True),
        ("cancelled", "typical", True),
    ]
    rows = valid_tables(spec)["appointments"]
    assert 0.06 < rows["no_show"].mean() < 0.10 and rows["cancelled"].mean() < 0.05


SAILINGS = """\
name: ferries
description: Ferries and their sailings in the Cyclades, Greece, 2024.
tables:
  vessels:
    rows: 12
    columns:
      id:   {type: integer, primary_key: true}
      kind: {type: string, values: [conventional, high-speed], weights: [0.5, 0.5]}
  sailings:
    rows: 6000
    columns:
      id:        {type: integer, primary_key: true}
      vessel_id: {type: integer, references: vessels.id}
      cancelled: {type: boolean}
"""


def test_a_mishap_flag_by_category_keeps_its_share_overall(openai_stub, client):
    """Asked by vessel after 8% overall, the embedded model cancelled 80% of a conventional
    ferry's sailings and 20% of a fast one's."""
    for share in (0.2, 0.9, 0.1):  # cancelled: 20%, 90% not, 10 of 100: 8% at most
        openai_stub.reply(json.dumps({"share": share}))
    openai_stub.reply(json.dumps({"conventional": 0.8, "high-speed": 0.2}))
    spec, answers = ask_typical(client, load_spec(SAILINGS))
    cancelled = spec.tables["sailings"].columns["cancelled"]
    assert cancelled.typical == 0.08
    # their mean 8%, none above it: 12.8% becomes 8%, 3.2% stays
    assert cancelled.typical_by == {"vessel_id": {"conventional": 0.08, "high-speed": 0.032}}
    assert valid_tables(spec)["sailings"]["cancelled"].mean() < 0.1


DISTRICTS = """\
name: lettings
description: Flats to let in Vienna.
tables:
  flats:
    rows: 400
    columns:
      id:       {type: integer, primary_key: true}
      district: {type: string, values: [Innere Stadt, Leopoldstadt, Favoriten, Donaustadt]}
      rent_eur: {type: float, min: 300, max: 6000, typical: 1100, typical_range: [700, 2000]}
"""


def test_a_count_of_a_category_that_is_no_kind_shapes_nothing(openai_stub, client):
    """Asked for a Viennese flat's rent by district, the model counted up (EUR 1,231, 1,346,
    1,385, ... 1,769): the centre cheapest. A district is no kind of flat, so it is not asked
    one at a time either; the count is not kept, and the districts are drawn alike."""
    from codegen.pipeline.typical import _ask_by_category

    spec = load_spec(DISTRICTS)
    ladder = {"Innere Stadt": 1000, "Leopoldstadt": 1100, "Favoriten": 1200, "Donaustadt": 1300}
    openai_stub.reply(json.dumps(ladder))
    data = spec.model_dump(mode="json", exclude_none=True)
    answers: list = []
    _ask_by_category(client, spec, data, answers, seed=0, say=lambda line: None)
    assert [(a.asked, a.kept, a.why) for a in answers] == [("by category", False, LADDER)]
    assert answers[0].said == ladder  # what was refused, kept to be read in the manifest
    assert "typical_by" not in data["tables"]["flats"]["columns"]["rent_eur"]
    assert len(openai_stub.chat_requests) == 1  # nothing asked one at a time
    known = {"Innere Stadt": 1900, "Leopoldstadt": 1200, "Favoriten": 900, "Donaustadt": 1000}
    openai_stub.reply(json.dumps(known))
    answers = []
    _ask_by_category(client, spec, data, answers, seed=1, say=lambda line: None)
    assert answers[0].kept and "typical_by" in data["tables"]["flats"]["columns"]["rent_eur"]


USED_CARS = """\
name: lot
description: Used cars for sale at a dealer near Graz, Austria, 2024.
tables:
  cars:
    rows: 600
    columns:
      id:               {type: integer, primary_key: true}
      first_registered: {type: date, min: 2006-01-01, max: 2024-06-30}
      mileage_km:       {type: integer, min: 0, max: 400000}
"""


def test_use_that_adds_up_is_asked_a_year_at_a_time_and_counted_over_the_things_ages(
    openai_stub, client
):
    """Asked for a used car's mileage, the embedded model said 15,000 km: a year's driving."""
    said = {"meaning": "km driven in a year", "typical": 14000, "low": 8000, "high": 25000}
    openai_stub.reply(json.dumps(said))
    spec, answers = ask_typical(client, load_spec(USED_CARS))
    asked = openai_stub.chat_requests[0].body["messages"][-1]["content"]
    assert "how much it grows in one year of use" in asked
    mileage = answers[0]
    assert mileage.asked == "typical a year, times the years since first_registered"
    assert mileage.kept and mileage.meaning == "km driven in a year"
    # registered from 2006 to mid-2024, about 9.25 years old in mid-2024 (a tenth in from the
    # bounds: 1.85 to 16.65): 14,000 km a year
    column = spec.tables["cars"].columns["mileage_km"]
    assert column.typical == pytest.approx(14000 * 9.25, rel=0.01)
    low, high = column.typical_range
    assert low == pytest.approx(8000 * 1.85, rel=0.02)
    assert high == 400000  # 25,000 x 16.65, cut at the bound
    from codegen.pipeline.follows import with_trends

    cars = valid_tables(with_trends(spec))["cars"]  # and an older car has driven further
    assert 100000 < cars["mileage_km"].median() < 160000
    old = pd.to_datetime(cars["first_registered"]) < pd.Timestamp("2014-01-01")
    assert cars.loc[old, "mileage_km"].median() > 2 * cars.loc[~old, "mileage_km"].median()


TIERS = """\
name: phones
description: Mobile plans of an operator in Poland.
tables:
  plans:
    rows: 3
    columns:
      id:         {type: integer, primary_key: true}
      name:       {type: string, unique: true, values: [Start, Plus, Max]}
      price_pln:  {type: float, min: 10, max: 300}
"""


@pytest.mark.parametrize(
    ("plain", "kept"),
    [((25, 45, 90), {"Start": 25, "Plus": 45, "Max": 90}), ((20, 40, 60), None)],
)
def test_a_number_with_no_typical_value_is_asked_one_kind_at_a_time_a_count_not_kept(
    openai_stub, client, plain, kept
):
    """A coworking's plan prices overall were put at the bound (not kept) and drawn at random:
    a day pass EUR 780 a month. Asked one plan at a time, each has its own; evenly stepped
    answers are the model counting, not kept."""
    openai_stub.reply(reply(11, 9, 20))  # at the bound: not kept
    for typical in plain:
        openai_stub.reply(json.dumps({"typical": typical}))
    spec, answers = ask_typical(client, load_spec(TIERS))
    assert [(a.asked, a.kept) for a in answers] == [
        ("typical", False),
        ("by category, one at a time", kept is not None),
    ]
    price = spec.tables["plans"].columns["price_pln"]
    assert price.typical_by == (None if kept is None else {"name": kept})
    assert price.typical == (None if kept is None else 45)


def test_a_kind_of_a_fifth_of_the_rows_or_more_lies_within_the_column_s_range():
    """Asked alone, a detached house was 480 m2 and a semi-detached one too, against homes
    typically 120 m2 (most 60-240): the median home came out 239 m2. A kind holding a fifth
    of the rows has its median within that range; a rarer one keeps its answer."""
    from codegen.pipeline.typical import plain_kept

    spec = load_spec(HOUSES.replace("min: 15, max: 1000", "min: 15, max: 1000, typical: 120, "
                                    "typical_range: [60, 240]"))  # fmt: skip
    size = spec.tables["houses"].columns["size_m2"]
    answered = {"flat": 70.0, "house": 480.0}
    assert plain_kept(size, answered, {}) == {"flat": 70.0, "house": 240.0}
    assert plain_kept(size, answered, {"flat": 0.9, "house": 0.1}) == answered  # a rare kind
    assert plain_kept(size, answered, {}, own=True) == answered  # each row its own: a plan
    # answered in another scale (30, 120: the middle 4x under 120) and scaled up: so too
    scaled = {"flat": 30.0, "house": 120.0, "villa": 120.0, "bungalow": 30.0, "loft": 30.0}
    assert plain_kept(size, scaled, {}) == {
        "flat": 120.0,
        "house": 240.0,
        "villa": 240.0,
        "bungalow": 120.0,
        "loft": 120.0,
    }


def test_an_amount_the_model_puts_at_0_on_a_tenth_of_rows_has_none_at_0(openai_stub, client):
    """A milking's litres: asked, 0 on 10% of milkings, above 0 on 90% (it agrees with itself;
    real: none); a cow's litres a day had piled a tenth of the rows at 0."""
    herd = LINES.replace(
        "discount: {type: float, min: 0, max: 0.5}", "litres: {type: float, min: 0}"
    )
    openai_stub.reply(reply(12, 8, 16))  # litres
    openai_stub.reply(reply(5, 2, 10))  # tip
    openai_stub.reply(json.dumps({"share": 0.1}))  # litres: 0 on 10%
    openai_stub.reply(json.dumps({"share": 0.3}))  # tip: 0 on 30%
    openai_stub.reply(json.dumps({"share": 0.7}))  # above 0 on 70%: kept
    spec, answers = ask_typical(client, load_spec(herd))
    columns = spec.tables["lines"].columns
    assert columns["litres"].zero_share is None and columns["tip_eur"].zero_share == 0.3
    assert "below 12%" in next(
        a.why for a in answers if a.column == "litres" and a.asked == "zeros"
    )


PARTIES = """\
name: restaurant
description: Reservations of a restaurant in Amsterdam, 2024.
tables:
  reservations:
    rows: 3000
    columns:
      id:          {type: integer, primary_key: true}
      party_size:  {type: integer, min: 1, max: 12}
      passengers:  {type: integer, min: 0, max: 300}
"""


@pytest.mark.parametrize(("mode", "kept"), [(2, 2), (6, 4), (0, 4)])
def test_a_party_s_size_is_most_often_what_most_rows_have(openai_stub, client, mode, kept):
    """Asked its typical value, the embedded model said a booking's party is 4 (2 to 6);
    asked which value most rows have, 2: a restaurant's tables are booked by couples. A most
    common value above the typical one, or outside the bounds, changes nothing; a count of
    many (a flight's passengers) is not asked."""
    openai_stub.reply(reply(4, 2, 6))
    openai_stub.reply(json.dumps({"most_common": mode, "second": 3, "third": 4}))
    openai_stub.reply(reply(120, 60, 180))  # passengers: no most common value asked
    spec, answers = ask_typical(client, load_spec(PARTIES))
    assert len(openai_stub.chat_requests) == 3
    asked = openai_stub.chat_requests[1].body["messages"][-1]["content"]
    assert 'which value of "party_size" do most rows have' in asked
    assert [(a.column, a.asked) for a in answers] == [
        ("party_size", "typical"),
        ("party_size", "most common"),
        ("passengers", "typical"),
    ]
    assert answers[1].kept == (mode != 0)
    party = spec.tables["reservations"].columns["party_size"]
    assert party.typical == kept and party.typical_range == [min(2, kept), 6]
    sizes = valid_tables(spec)["reservations"]["party_size"]
    if kept == 2:
        assert sizes.median() == 2 and (sizes == 2).mean() >= 0.25
    else:
        assert sizes.median() == 4


def test_a_count_whose_most_common_value_was_kept_is_not_asked_by_kind(openai_stub, client):
    """Asked by status after its most common value, the embedded model said a completed
    booking's party is 4, its first answer: 84% of the bookings went back to parties of 4."""
    text = PARTIES.replace(
        "      passengers:  {type: integer, min: 0, max: 300}\n",
        "      status:      {type: string, values: [completed, cancelled], weights: [0.9, 0.1]}\n",
    )
    openai_stub.reply(reply(4, 2, 6))
    openai_stub.reply(json.dumps({"most_common": 2, "second": 3, "third": 4}))
    openai_stub.reply(json.dumps({"completed": 4, "cancelled": 2}))  # not asked
    spec, answers = ask_typical(client, load_spec(text))
    assert len(openai_stub.chat_requests) == 2
    party = spec.tables["reservations"].columns["party_size"]
    assert party.typical == 2 and party.typical_by is None


def test_a_bill_is_not_asked_by_the_outcome_of_a_reservation_that_was_kept():
    """Every bill's reservation was completed (``shapes.undone_outcomes``); asked by status,
    the model made completed meals' bills EUR 219 against its typical 150. A table of other
    rows (a message about any reservation) is still asked by it."""
    from codegen.pipeline.typical import by_category_to_ask

    spec = load_spec("""\
name: restaurant
tables:
  reservations:
    rows: 100
    columns:
      id:             {type: integer, primary_key: true}
      status:         {type: string, values: [completed, cancelled, no_show]}
  bills:
    rows: 80
    columns:
      id:             {type: integer, primary_key: true}
      reservation_id: {type: integer, references: reservations.id, unique: true}
      total_eur:      {type: float, min: 0, typical: 150, typical_range: [60, 300]}
  messages:
    rows: 80
    columns:
      id:             {type: integer, primary_key: true}
      reservation_id: {type: integer, references: reservations.id}
      words:          {type: integer, min: 1, typical: 30, typical_range: [10, 80]}
""")
    assert by_category_to_ask(spec) == [("messages", "words", "reservation_id")]


def test_a_count_of_things_is_not_kept_at_its_greatest(openai_stub, client):
    """Asked a pharmacy sale's packs of a product (at most 10), the model said typically 10
    (5 to 20) and, asked apart, most often 10: 55% of the sales were 10 packs."""
    text = PARTIES.replace("party_size:  {type: integer, min: 1, max: 12}", "quantity:    "
                           "{type: integer, min: 1, max: 10}")  # fmt: skip
    openai_stub.reply(reply(10, 5, 20))
    openai_stub.reply(reply(120, 60, 180))  # passengers
    spec, answers = ask_typical(client, load_spec(text))
    assert len(openai_stub.chat_requests) == 2  # no most common value asked
    assert not answers[0].kept and "greatest" in answers[0].why
    quantity = spec.tables["reservations"].columns["quantity"]
    assert quantity.typical is None and quantity.typical_range is None
    packs = valid_tables(spec)["reservations"]["quantity"]
    assert (packs == 10).mean() < 0.2 and packs.median() < 6


TILL = """\
name: bakery
description: Products and sales of a bakery in Munich, 2024.
tables:
  products:
    rows: 20
    columns:
      id:          {type: integer, primary_key: true}
      price_eur:   {type: float, min: 0.3, max: 40, typical: 2.5, typical_range: [1, 6]}
  sales:
    rows: 2000
    columns:
      id:          {type: integer, primary_key: true}
      product_id:  {type: integer, references: products.id}
      quantity:    {type: integer, min: 1, max: 50}
"""


@pytest.mark.parametrize(
    ("first", "kept", "high"), [(10, 1, 20), (2, 2, 20), (1, 1, 20), (1, 1, 50)]
)
def test_a_line_of_one_product_holds_one_unit_mostly(openai_stub, client, first, kept, high):
    """Asked a bakery till line's quantity of its product, the embedded model said 10 as its
    median and as its most common value: a line of one product holds one unit mostly. An
    answer of a few is the model's to keep (a line of two rolls), then asked its mode; its
    range is a few too (a pizzeria's line, 1 pizza, most lines 1 to 50, the bounds again, left
    out: a fifth were 5 or more)."""
    openai_stub.reply(reply(first, 1, high))
    openai_stub.reply(json.dumps({"most_common": 2, "second": 1, "third": 3}))
    spec, answers = ask_typical(client, load_spec(TILL))
    assert len(openai_stub.chat_requests) == (1 if first == 10 else 2)
    quantity = spec.tables["sales"].columns["quantity"]
    assert quantity.typical == kept
    assert quantity.typical_range == [1, 2]
    units = valid_tables(spec)["sales"]["quantity"]
    assert units.median() == kept and units.quantile(0.9) <= 4 and units.mean() < kept + 1
    if kept == 1:  # one copy of a book, now and then two
        assert (units == 1).mean() >= 0.7 and units.mean() < 1.5
    if first == 10:
        assert "one product" in answers[0].asked


def test_a_line_s_quantity_is_not_asked_by_the_kind_of_its_product():
    """Asked by genre, the model moved a bookshop's till lines of one copy to a mean of 1.9
    copies, a tenth of them 4 or more: a line holds one of most things, whatever they are. Its
    product's price is asked by kind; so is a count that is no line's (a party's size)."""
    from codegen.pipeline.typical import by_category_to_ask

    text = TILL.replace(
        "      quantity:    {type: integer, min: 1, max: 50}\n",
        "      quantity:    {type: integer, min: 1, max: 50, typical: 1, typical_range: [1, 3]}\n"
        "      kind:        {type: string, values: [shop, online]}\n",
    ).replace(
        "      price_eur:",
        "      category:    {type: string, values: [bread, cake]}\n      price_eur:",
    )
    assert by_category_to_ask(load_spec(text)) == [("products", "price_eur", "category")]
    party = load_spec(text.replace("quantity", "guests"))
    assert ("sales", "guests", "kind") in by_category_to_ask(party)


def test_a_quantity_of_a_thing_with_no_price_of_one_is_no_line():
    """A ferry crossing's quantity of cars (its parent a ship with no price) and a quantity
    of hours at a rate by the hour are no lines of one product."""
    from codegen.pipeline.parents import is_line_quantity

    spec = load_spec(TILL)
    assert is_line_quantity(spec, "sales", "quantity")
    daily = load_spec(TILL.replace("price_eur", "daily_rate_eur"))
    assert not is_line_quantity(daily, "sales", "quantity")
    unpriced = load_spec(TILL.replace("price_eur", "weight_kg"))
    assert not is_line_quantity(unpriced, "sales", "quantity")
