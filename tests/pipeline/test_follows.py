"""Numbers that follow the age of their row's thing: which columns are read as use that adds up
(mileage) or a value that falls with age (a used car's price), from their names; the lint of
``follows``; and the starting program ordering such a column by the date while keeping its
typical median."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from scipy.stats import spearmanr
from support.scaffolds import valid_tables

from codegen.errors import SpecError
from codegen.pipeline.follows import trends, with_trends
from codegen.spec.model import load_spec

CARS = """\
name: lot
description: Used cars on the lot of a car dealer in Lyon, France, 2024.
tables:
  cars:
    rows: 600
    columns:
      id:               {type: integer, primary_key: true}
      first_registered: {type: date, min: 2006-01-01, max: 2024-06-30}
      mileage_km:       {type: integer, min: 0, max: 400000,
                         typical: 90000, typical_range: [30000, 180000]}
      price_eur:        {type: integer, min: 1000, max: 120000,
                         typical: 14000, typical_range: [5000, 35000]}
      doors:            {type: integer, min: 2, max: 5, typical: 5, typical_range: [3, 5]}
"""


def _spec(text: str, change=None):  # noqa: ANN001 - a function of the spec's data
    data = load_spec(text).model_dump(mode="json", exclude_none=True)
    if change is not None:
        change(data)
    return load_spec(json.dumps(data))


def test_use_falls_and_a_value_rises_with_the_date_a_car_was_registered() -> None:
    found = {(t, c): (s, d) for t, c, s, d, *_ in trends(load_spec(CARS))}
    assert found == {
        ("cars", "mileage_km"): ("first_registered", "falls"),
        ("cars", "price_eur"): ("first_registered", "rises"),
    }  # not the doors: nothing about them ages


def test_an_old_house_is_no_cheaper_but_a_machine_s_hours_add_up() -> None:
    text = """\
name: yard
description: Houses and the machines of a building contractor.
tables:
  houses:
    rows: 50
    columns:
      id:         {type: integer, primary_key: true}
      year_built: {type: integer, min: 1900, max: 2023}
      price_eur:  {type: float, min: 50000, max: 2000000,
                   typical: 350000, typical_range: [200000, 600000]}
  machines:
    rows: 40
    columns:
      id:            {type: integer, primary_key: true}
      purchased_on:  {type: date, min: 2010-01-01, max: 2024-01-01}
      engine_hours:  {type: integer, min: 0, max: 30000, typical: 4000, typical_range: [800, 9000]}
      purchase_price_eur: {type: float, min: 5000, max: 400000,
                           typical: 60000, typical_range: [20000, 150000]}
"""
    found = {(t, c): (s, d) for t, c, s, d, *_ in trends(load_spec(text))}
    # a house's build year says nothing of its price; a machine bought earlier has run longer,
    # and the price it was bought for was fixed when new
    assert found == {("machines", "engine_hours"): ("purchased_on", "falls")}
    # a shared bike in service since 2019 has ridden further than one since 2024
    bikes = text.replace("purchased_on", "in_service_since").replace("engine_hours", "odometer_km")
    found = {(t, c): (s, d) for t, c, s, d, *_ in trends(load_spec(bikes))}
    assert found == {("machines", "odometer_km"): ("in_service_since", "falls")}


def test_a_value_falls_with_a_purchase_date_only_where_the_things_are_said_to_be_used() -> None:
    text = """\
name: bikes
description: {description}
tables:
  bikes:
    rows: 40
    columns:
      id:           {{type: integer, primary_key: true}}
      bought_on:    {{type: date, min: 2015-01-01, max: 2024-01-01}}
      value_eur:    {{type: float, min: 50, max: 5000, typical: 600, typical_range: [200, 1500]}}
"""
    new = trends(load_spec(text.format(description="Bikes of a bike shop's customers.")))
    used = trends(load_spec(text.format(description="Second-hand bikes for sale in Ghent.")))
    assert new == []
    assert [(c, s, d) for _, c, s, d, *_ in used] == [("value_eur", "bought_on", "rises")]


def test_nothing_follows_without_one_date_a_typical_value_or_where_a_rule_says_it_already() -> None:
    def two_dates(data: dict) -> None:
        data["tables"]["cars"]["columns"]["manufactured_on"] = {"type": "date"}

    def no_typical(data: dict) -> None:
        for name in ("mileage_km", "price_eur"):
            for key in ("typical", "typical_range"):
                data["tables"]["cars"]["columns"][name].pop(key)

    def ruled(data: dict) -> None:
        data["tables"]["cars"]["rules"] = [{"decreasing": ["mileage_km", "price_eur"]}]

    assert trends(_spec(CARS, two_dates)) == []  # which one would it be?
    assert trends(_spec(CARS, no_typical)) == []
    assert trends(_spec(CARS, ruled)) == []


def test_follows_is_linted() -> None:
    def follows(target: str, source: str) -> str:
        data = load_spec(CARS).model_dump(mode="json", exclude_none=True)
        columns = data["tables"]["cars"]["columns"]
        columns["colour"] = {"type": "string", "values": ["red", "blue"]}
        columns[target]["follows"] = {"column": source, "direction": "falls"}
        return json.dumps(data)

    load_spec(follows("mileage_km", "first_registered"))  # fine
    with pytest.raises(SpecError, match=r"mileage_km\.follows\.column: 'sold_on' is not another"):
        load_spec(follows("mileage_km", "sold_on"))
    with pytest.raises(SpecError, match=r"follows\.column: colour is not a date or a number"):
        load_spec(follows("price_eur", "colour"))
    with pytest.raises(SpecError, match=r"colour\.follows: applies to integer and float"):
        load_spec(follows("colour", "first_registered"))


def test_the_starting_program_orders_mileage_and_price_by_the_registration() -> None:
    said: list[str] = []
    shaped = with_trends(load_spec(CARS), said.append)
    assert said == [
        "follows cars.mileage_km: lower where first_registered is larger",
        "follows cars.price_eur: higher where first_registered is larger",
    ]
    cars = valid_tables(shaped)["cars"]
    cars["first_registered"] = pd.to_datetime(cars["first_registered"])
    registered = cars["first_registered"].astype("int64")
    assert spearmanr(registered, cars["mileage_km"]).statistic < -0.7
    assert spearmanr(registered, cars["price_eur"]).statistic > 0.5
    old = cars["first_registered"].dt.year < 2012
    new = cars["first_registered"].dt.year >= 2020
    assert cars.loc[old, "mileage_km"].median() > 2 * cars.loc[new, "mileage_km"].median()
    assert cars.loc[new, "price_eur"].median() > 1.5 * cars.loc[old, "price_eur"].median()
    # the values are the column's own: its typical median kept, only their order follows
    assert 70000 <= cars["mileage_km"].median() <= 115000
    assert 10000 <= cars["price_eur"].median() <= 19000
    # and without the trend, nothing follows the date
    plain = valid_tables(load_spec(CARS))["cars"]
    registered = pd.to_datetime(plain["first_registered"]).astype("int64")
    rho = spearmanr(registered, plain["mileage_km"]).statistic
    assert abs(rho) < 0.2


BASKETS = """\
name: baskets
description: Home-delivery orders of an online supermarket.
tables:
  orders:
    rows: 800
    columns:
      id:        {type: integer, primary_key: true}
      items:     {type: integer, min: 1, max: 120, typical: 25, typical_range: [8, 50]}
      total_eur: {type: float, min: 5, max: 600, typical: 80, typical_range: [30, 160]}
      weight_kg: {type: float, min: 0.5, max: 80, typical: 12, typical_range: [4, 25]}
      tip_eur:   {type: float, min: 0, max: 20, typical: 2, typical_range: [0.5, 5]}
"""


def test_a_basket_s_total_and_weight_rise_with_its_items() -> None:
    """An online grocery's orders: 10 items typically, a total of EUR 15, drawn apart (rank
    correlation 0.0); a person expects a basket of more items to cost more."""
    found = {(t, c): (s, d) for t, c, s, d, *_ in trends(load_spec(BASKETS))}
    assert found == {
        ("orders", "total_eur"): ("items", "rises"),
        ("orders", "weight_kg"): ("items", "rises"),
    }  # not a tip: what a row adds up is its total
    orders = valid_tables(with_trends(load_spec(BASKETS)))["orders"]
    assert spearmanr(orders["items"], orders["total_eur"]).statistic > 0.6
    assert 65 <= orders["total_eur"].median() <= 95  # the column's own values, in order
    # two counts: which one would it be?
    two = BASKETS.replace(
        "      tip_eur:", "      units:     {type: integer, min: 1}\n      tip_eur:"
    )
    assert trends(load_spec(two)) == []


STAYS = """\
name: stays
description: Parking sessions of cars in the car parks of Lyon, France, 2024.
tables:
  sessions:
    rows: 1500
    columns:
      id:              {type: integer, primary_key: true}
      entered_at:      {type: datetime, min: "2024-01-01 00:00:00", max: "2024-12-31 23:59:59"}
      left_at:         {type: datetime, typical_after: {column: entered_at, typical: 120,
                                                         typical_range: [40, 300]}}
      fee_eur:         {type: float, min: 0, max: 80, typical: 5, typical_range: [2, 12]}
      hourly_rate_eur: {type: float, min: 0.5, max: 6, typical: 2.5, typical_range: [1.5, 4]}
    rules:
      - check: "left_at > entered_at"
"""


def test_a_fee_rises_with_the_stay_not_a_rate_and_not_an_invoice_s_term() -> None:
    """A car parked four hours pays more than one parked twenty minutes: drawn apart, fee and
    stay had nothing to do with each other (the embedded model's run of parking, 2026-11-28)."""
    said: list[str] = []
    shaped = with_trends(load_spec(STAYS), said.append)
    assert said == ["follows sessions.fee_eur: higher where left_at is longer after entered_at"]
    follows = shaped.tables["sessions"].columns["fee_eur"].follows
    assert (follows.column, follows.since, follows.direction) == ("left_at", "entered_at", "rises")
    sessions = valid_tables(shaped)["sessions"]
    stay = (sessions["left_at"] - sessions["entered_at"]).dt.total_seconds()
    assert spearmanr(stay, sessions["fee_eur"]).statistic > 0.6
    assert 4 <= sessions["fee_eur"].median() <= 6.5  # its own typical value, in order
    rate = sessions["hourly_rate_eur"]
    assert abs(spearmanr(stay, rate).statistic) < 0.2  # a rate per hour is no charge for the stay
    invoices = STAYS.replace("entered_at", "issued_on").replace("left_at", "due_on")
    invoices = invoices.replace("datetime", "date").replace('"2024-01-01 00:00:00"', "2024-01-01")
    invoices = invoices.replace('"2024-12-31 23:59:59"', "2024-12-31").replace(
        "typical: 120", "typical: 30"
    )
    invoices = invoices.replace("[40, 300]", "[14, 60]")
    assert trends(load_spec(invoices)) == []  # an invoice due later is no larger


def test_follows_since_is_linted() -> None:
    def since(start: str) -> str:
        data = load_spec(STAYS).model_dump(mode="json", exclude_none=True)
        data["tables"]["sessions"]["columns"]["fee_eur"]["follows"] = {
            "column": "left_at", "direction": "rises", "since": start,
        }  # fmt: skip
        return json.dumps(data)

    load_spec(since("entered_at"))  # fine
    with pytest.raises(SpecError, match=r"follows\.since: 'parked_at' is not another column"):
        load_spec(since("parked_at"))
    with pytest.raises(SpecError, match=r"follows\.since: hourly_rate_eur and left_at must be"):
        load_spec(since("hourly_rate_eur"))


def test_a_count_of_what_a_life_adds_up_rises_with_age() -> None:
    """A dairy's cows: how many times a cow has calved (her lactation) was drawn apart from her
    birth date; an older cow has calved more often."""
    text = """\
name: herd
description: Cows of a dairy farm in Friesland, the Netherlands, 2024.
tables:
  cows:
    rows: 400
    columns:
      id:        {type: integer, primary_key: true}
      born_on:   {type: date, min: 2012-01-01, max: 2022-12-31}
      lactation: {type: integer, min: 1, max: 10, typical: 3, typical_range: [1, 6]}
      weight_kg: {type: integer, min: 300, max: 900, typical: 650, typical_range: [500, 800]}
"""
    found = {(t, c): (s, d) for t, c, s, d, *_ in trends(load_spec(text))}
    assert found == {("cows", "lactation"): ("born_on", "falls")}
    cows = valid_tables(with_trends(load_spec(text)))["cows"]
    born = pd.to_datetime(cows["born_on"]).astype("int64")
    assert spearmanr(born, cows["lactation"]).statistic < -0.5


HIRING = """\
name: hiring
description: Candidates of a software company in Amsterdam and their applications, 2024.
tables:
  candidates:
    rows: 300
    columns:
      id:               {type: integer, primary_key: true}
      years_experience: {type: integer, min: 0, max: 40, typical: 6, typical_range: [2, 14]}
  applications:
    rows: 900
    columns:
      id:                  {type: integer, primary_key: true}
      candidate_id:        {type: integer, references: candidates.id}
      expected_salary_eur: {type: integer, min: 20000, max: 200000,
                            typical: 60000, typical_range: [42000, 90000]}
      hourly_rate_eur:     {type: float, min: 10, max: 200, typical: 60, typical_range: [40, 90]}
"""


def test_pay_rises_with_experience_the_row_s_own_or_its_person_s() -> None:
    """A recruiter's applicants expected the same pay with 1 year of experience as with 20: the
    expected salary was drawn apart from the candidate's years (recruiting, 2026-11-28)."""
    found = {(t, c): (s, d) for t, c, s, d, *_ in trends(load_spec(HIRING))}
    assert found == {
        ("applications", "expected_salary_eur"): ("candidate_id.years_experience", "rises")
    }  # not a rate per hour
    tables = valid_tables(with_trends(load_spec(HIRING)))
    joined = tables["applications"].merge(
        tables["candidates"], left_on="candidate_id", right_on="id"
    )
    assert spearmanr(joined["years_experience"], joined["expected_salary_eur"]).statistic > 0.4
    assert 52000 <= joined["expected_salary_eur"].median() <= 68000  # its own values, in order
    own = HIRING.replace(
        "      hourly_rate_eur:", "      years_experience: {type: integer}\n      hourly_rate_eur:"
    )
    found = {(t, c): s for t, c, s, *_ in trends(load_spec(own))}
    assert found == {("applications", "expected_salary_eur"): "years_experience"}


def test_a_follows_of_another_table_is_linted() -> None:
    def follows(column: str) -> str:
        data = load_spec(HIRING).model_dump(mode="json", exclude_none=True)
        target = data["tables"]["applications"]["columns"]["expected_salary_eur"]
        target["follows"] = {"column": column, "direction": "rises"}
        return json.dumps(data)

    load_spec(follows("candidate_id.years_experience"))  # fine
    with pytest.raises(SpecError, match=r"'id\.years_experience' is not a reference"):
        load_spec(follows("id.years_experience"))
    with pytest.raises(SpecError, match=r"'candidate_id\.age' is not a reference"):
        load_spec(follows("candidate_id.age"))


HOMES = """\
name: lettings
description: Flats to let in a European capital.
tables:
  flats:
    rows: 800
    columns:
      id:               {type: integer, primary_key: true}
      size_m2:          {type: float, min: 20, max: 250, typical: 60, typical_range: [35, 110]}
      rooms:            {type: integer, min: 1, max: 7, typical: 2, typical_range: [1, 4]}
      monthly_rent_eur: {type: float, min: 300, max: 6000, typical: 1100,
                         typical_range: [700, 2000]}
      price_per_m2:     {type: float, min: 5, max: 60, typical: 18, typical_range: [12, 26]}
      floor:            {type: integer, min: 0, max: 12, typical: 2, typical_range: [0, 5]}
"""


def test_a_home_s_rooms_and_rent_rise_with_its_floor_area() -> None:
    """A Viennese letting agency's flats, drawn apart: 147 m2 with one room, 21 m2 renting for
    EUR 2,060 a month (rank correlations -0.13 and 0.17)."""
    found = {(t, c): (s, d) for t, c, s, d, *_ in trends(load_spec(HOMES))}
    assert found == {
        ("flats", "rooms"): ("size_m2", "rises"),
        ("flats", "monthly_rent_eur"): ("size_m2", "rises"),
    }  # not a price per m2, nor the floor
    flats = valid_tables(with_trends(load_spec(HOMES)))["flats"]
    assert spearmanr(flats["size_m2"], flats["rooms"]).statistic > 0.6
    assert spearmanr(flats["size_m2"], flats["monthly_rent_eur"]).statistic > 0.45
    assert 900 <= flats["monthly_rent_eur"].median() <= 1300  # the column's own values
    # the area after the rooms: nothing (the rooms would be drawn first)
    later = HOMES.replace("      size_m2:", "      width_m:").replace(
        "      floor:", "      size_m2: {type: float, min: 20, max: 250, typical: 60}\n      floor:"
    )
    assert [t.column for t in trends(load_spec(later))] == []


TRIPS = """\
name: cabs
description: Trips of a taxi company in Graz, Austria, 2024.
tables:
  cars:
    rows: 40
    columns:
      id:          {type: integer, primary_key: true}
      odometer_km: {type: integer, min: 0, max: 900000, typical: 180000}
  trips:
    rows: 3000
    columns:
      id:           {type: integer, primary_key: true}
      car_id:       {type: integer, references: cars.id}
      distance_km:  {type: float, min: 0.3, max: 150, typical: 6, typical_range: [2, 15]}
      duration_min: {type: integer, min: 1, max: 240, typical: 16, typical_range: [7, 30]}
      fare_eur:     {type: float, min: 4, max: 450, typical: 18, typical_range: [9, 35]}
      rate_per_km:  {type: float, min: 1, max: 4, typical: 1.8}
"""


def test_a_trip_s_fare_and_minutes_rise_with_its_distance() -> None:
    """A Vienna taxi company's trips, drawn apart: a fare's rank correlation with the distance
    -0.03, the minutes' 0.0 (2026-11-29)."""
    found = {(t, c): (s, d) for t, c, s, d, *_ in trends(load_spec(TRIPS))}
    assert found == {
        ("trips", "duration_min"): ("distance_km", "rises"),
        ("trips", "fare_eur"): ("distance_km", "rises"),
    }  # not a rate per km, nor a car's odometer (its life's use, no trip's distance)
    trips = valid_tables(with_trends(load_spec(TRIPS)))["trips"]
    assert spearmanr(trips["distance_km"], trips["fare_eur"]).statistic > 0.75
    assert spearmanr(trips["distance_km"], trips["duration_min"]).statistic > 0.6
    assert 15 <= trips["fare_eur"].median() <= 21  # the column's own values
    # a hire with a start and an end: its charge follows the span, its km nothing
    hire = (
        TRIPS.replace(
            "      car_id:",
            '      starts_at: {type: datetime, min: "2024-01-01 00:00:00"}\n'
            '      ends_at: {type: datetime, min: "2024-01-01 00:00:00"}\n      car_id:',
        )
        + '    rules:\n      - check: "ends_at > starts_at"\n'
    )
    spans = {(c, s) for _, c, s, *_ in trends(load_spec(hire))}
    assert ("fare_eur", "ends_at") in spans and ("fare_eur", "distance_km") not in spans
