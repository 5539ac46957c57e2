"""A number that follows a number of its parent row (a flight's passengers, its aircraft's
seats): which pairs follow which (read from their names), the typical share asked over real
HTTP (the OpenAI stub on 127.0.0.1), kept as ``of_parent``, and the starting program drawing by
it."""

from __future__ import annotations

import json

import pytest
from support.scaffolds import valid_tables
from support.shop import stub_client

import codegen as sd
from codegen.pipeline.parents import (
    _share_disagrees,
    ask_parents,
    each_pairs,
    parent_pairs,
    share_kept,
    with_each,
)
from codegen.pipeline.typical import ask_typical, columns_to_ask
from codegen.prompts import describe_spec
from codegen.spec.model import Spec, load_spec

FLIGHTS = """\
name: flights
description: Scheduled flights of a European regional airline in June 2024.
tables:
  aircraft:
    rows: 12
    columns:
      id:            {type: integer, primary_key: true}
      seats:         {type: integer, min: 48, max: 140}
      built_year:    {type: integer, min: 2000, max: 2023}
  flights:
    rows: 2000
    columns:
      id:            {type: integer, primary_key: true}
      aircraft_id:   {type: integer, references: aircraft.id}
      status:        {type: string, values: [scheduled, cancelled]}
      block_minutes: {type: integer, min: 35, max: 300}
      passengers:    {type: integer, min: 0, max: 140}
    rules:
      - check: "status <> 'cancelled' OR passengers = 0"
"""


@pytest.fixture
def client(openai_stub, isolated_env):
    client = stub_client(openai_stub.base_url)
    yield client
    client.close()


def test_which_numbers_follow_their_parent_s_is_read_from_their_names():
    """Asked yes or no, the embedded model said yes to every relation of every pair."""
    # passengers at most the seats (a capacity); not the block minutes (a unit the seats do not
    # have), not the built year (bounds that do not meet), not the key
    expected = [("flights", "passengers", "aircraft_id", "seats", "at_most")]
    assert parent_pairs(load_spec(FLIGHTS)) == expected
    # a column of the same name is its parent's already; one a rule makes another follow is
    # shaped (a rule's target may be: the rule is then drawn the other way round)
    same = FLIGHTS.replace("seats:         {", "passengers:    {")
    assert parent_pairs(load_spec(same)) == []
    ruled = FLIGHTS + "      - increasing: [passengers, block_minutes]\n"
    assert parent_pairs(load_spec(ruled)) == []
    ruled = FLIGHTS + "      - increasing: [block_minutes, passengers]\n"
    assert parent_pairs(load_spec(ruled)) == expected
    # a parent's number that is no capacity: nothing follows it
    renamed = FLIGHTS.replace("seats:  ", "crew:   ")
    assert parent_pairs(load_spec(renamed)) == []
    # the same thing once units are set aside: a line's unit price, its product's price
    plain = SHOP.replace(
        ",\n                   of_parent: {column: product_id.price_eur, relation: same}", ""
    )
    assert parent_pairs(load_spec(plain)) == [
        ("order_items", "unit_price", "product_id", "price_eur", "same")
    ]


@pytest.mark.parametrize(
    "reply, kept",
    [
        ({"typical_share": 0.8}, 0.8),
        ({"typical_share": 1.0}, None),  # all full: capped only
        ({"typical_share": 0.01}, None),
        ({"share": 0.5}, None),
    ],
)
def test_a_typical_share_is_kept_only_between_a_twentieth_and_one(reply, kept):
    assert share_kept(reply)[0] == kept


def test_passengers_asked_over_http_stay_under_their_aircraft_s_seats(openai_stub, client):
    openai_stub.reply(json.dumps({"typical": 90, "low": 70, "high": 120}))  # seats
    openai_stub.reply(json.dumps({"typical": 2012, "low": 2005, "high": 2020}))  # built_year
    openai_stub.reply(json.dumps({"scheduled": 97, "cancelled": 3}))  # status
    for _ in range(2):  # the value most rows have, asked both ways
        openai_stub.reply(json.dumps({"reason": "most fly", "most_common": "scheduled"}))
    openai_stub.reply(json.dumps({"typical": 80, "low": 50, "high": 150}))  # block_minutes
    openai_stub.reply(json.dumps({"typical": 70, "low": 40, "high": 110}))  # passengers
    openai_stub.reply(json.dumps({"typical_share": 0.8}))
    for _ in range(2):  # block minutes and passengers by status: no different
        openai_stub.reply(json.dumps({"scheduled": 80, "cancelled": 80}))
    spec, answers = ask_typical(client, load_spec(FLIGHTS))
    assert [(a.column, a.asked, a.kept) for a in answers][-3:] == [
        ("passengers", "of parent", True),
        ("block_minutes", "by category", False),
        ("passengers", "by category", False),
    ]
    asked = openai_stub.chat_requests[7].body["messages"][-1]["content"]
    assert '"passengers" is at most the "seats" of its "aircraft" row' in asked
    assert 'as a share of that "seats"' in asked
    follows = spec.tables["flights"].columns["passengers"].of_parent
    assert (follows.column, follows.relation, follows.share) == (
        "aircraft_id.seats",
        "at_most",
        0.8,
    )
    assert "at most the `seats` of the row `aircraft_id` points at, typically 80%" in describe_spec(
        spec
    )

    tables = valid_tables(spec)
    flights = tables["flights"]
    seats = flights["aircraft_id"].map(tables["aircraft"].set_index("id")["seats"])
    assert (flights["passengers"] <= seats).all()
    flown = flights["status"] != "cancelled"
    load = flights.loc[flown, "passengers"] / seats[flown]
    assert 0.72 < load.median() < 0.88 and load.quantile(0.1) < 0.7


@pytest.mark.parametrize(
    "passengers, share, kept",
    [(70, 0.8, True), (40, 0.8, True), (7, 0.8, False), (130, 0.2, False), (None, 0.8, True)],
)
def test_a_share_is_kept_only_where_it_agrees_with_the_column_s_own_typical(
    passengers, share, kept
):
    """An order's guests typically 2, its restaurant's seats 20: "50% of the seats" would make
    every order 10 guests; a share within 2x of the column's own typical value is kept."""
    typical = "" if passengers is None else f", typical: {passengers}"
    spec = load_spec(
        FLIGHTS.replace(
            "seats:         {type: integer, min: 48, max: 140}",
            "seats:         {type: integer, min: 48, max: 140, typical: 90}",
        ).replace(
            "passengers:    {type: integer, min: 0, max: 140}",
            "passengers:    {type: integer, min: 0, max: 140" + typical + "}",
        )
    )
    why = _share_disagrees(spec, "flights", "passengers", "aircraft_id", "seats", share)
    assert (why == "") is kept
    if not kept:
        assert "not near the column's own typical" in why
    # seats with no typical value are drawn between their bounds: their midpoint, 94, stands
    data = spec.model_dump(mode="json", exclude_none=True)
    del data["tables"]["aircraft"]["columns"]["seats"]["typical"]
    unknown = load_spec(json.dumps(data))
    again = _share_disagrees(unknown, "flights", "passengers", "aircraft_id", "seats", share)
    assert (again == "") is kept


def test_the_lint_says_what_is_wrong_with_an_of_parent():
    bad = FLIGHTS.replace(
        "passengers:    {type: integer, min: 0, max: 140}",
        "passengers:    {type: integer, min: 0, max: 140, of_parent: {column: status.seats, "
        "relation: at_most}}",
    ).replace(
        "block_minutes: {type: integer, min: 35, max: 300}",
        "block_minutes: {type: integer, min: 35, max: 300, of_parent: {column: aircraft_id.seats,"
        " relation: same, share: 0.5}}",
    )
    with pytest.raises(sd.SpecError) as caught:
        load_spec(bad)
    text = str(caught.value)
    assert "of_parent.column: 'status.seats' is not a reference column of flights" in text
    assert "block_minutes.of_parent.share: applies to relation at_most" in text


SHOP = """\
name: shop
description: Orders of a small European online shop selling outdoor gear.
tables:
  products:
    rows: 80
    columns:
      id:         {type: integer, primary_key: true}
      price_eur:  {type: float, min: 1, max: 2000, typical: 40, typical_range: [8, 300]}
  order_items:
    rows: 3000
    columns:
      id:         {type: integer, primary_key: true}
      product_id: {type: integer, references: products.id}
      quantity:   {type: integer, min: 1, max: 20, typical: 1, typical_range: [1, 4]}
      unit_price: {type: float, min: 0.5,
                   of_parent: {column: product_id.price_eur, relation: same}}
    rules:
      - decreasing: [quantity, unit_price]
        min_rho: 0.1
"""


def test_a_line_s_price_is_its_product_s_and_the_rule_is_drawn_the_other_way_round():
    """The rule says the price falls as the quantity rises; with the price its product's, the
    quantity is drawn to fall as the price rises, which the rule reads the same."""
    tables = valid_tables(load_spec(SHOP))
    items = tables["order_items"]
    price = items["product_id"].map(tables["products"].set_index("id")["price_eur"])
    assert 0.85 <= (items["unit_price"] == price).mean() <= 0.95
    # the other lines a little under it (a discount), never a price of their own
    ratio = (items["unit_price"] / price)[items["unit_price"] != price]
    assert ratio.between(0.84, 0.99).all(), ratio.describe()
    assert items["quantity"].corr(items["unit_price"], method="spearman") <= -0.1
    assert (items["quantity"] == 1).mean() >= 0.4


@pytest.mark.parametrize(
    "child, parent, relation",
    [
        (
            "guests:  {type: integer, min: 1, max: 6}",
            "max_guests: {type: integer, min: 1}",
            "at_most",
        ),
        ("litres:  {type: float, min: 5, max: 120}", "tank_capacity_l: {type: integer}", "at_most"),
        # a ferry's passengers and its vessel's passenger_capacity: the unit as a compound's head
        (
            "passengers: {type: integer, min: 0, max: 2500}",
            "passenger_capacity: {type: integer, min: 200}",
            "at_most",
        ),
        ("nights:  {type: integer, min: 1, max: 30}", "rooms: {type: integer, min: 10}", None),
        ("fee_eur: {type: float, min: 0}", "daily_rate_eur: {type: float, min: 20}", None),
    ],
)
def test_a_capacity_needs_a_unit_both_names_give(child, parent, relation):
    """Written after the first examples: a hotel booking's guests and its room type's
    max_guests, a refuel's litres and its van's tank_capacity_l; not a booking's nights and its
    hotel's rooms (no unit), nor a fee and a daily rate (money, no capacity)."""
    spec = load_spec(f"""\
name: pairs
tables:
  parents:
    rows: 5
    columns:
      id: {{type: integer, primary_key: true}}
      {parent}
  children:
    rows: 50
    columns:
      id: {{type: integer, primary_key: true}}
      parent_id: {{type: integer, references: parents.id}}
      {child}
""")
    found = parent_pairs(spec)
    assert [p[-1] for p in found] == ([relation] if relation else [])


LETTINGS = """\
name: lettings
description: Flats let by an agency in Vienna, Austria, 2024.
tables:
  flats:
    rows: 200
    columns:
      id:               {type: integer, primary_key: true}
      monthly_rent_eur: {type: float, min: 300, max: 6000, typical: 1100}
  leases:
    rows: 150
    columns:
      id:          {type: integer, primary_key: true}
      flat_id:     {type: integer, references: flats.id, unique: true}
      deposit_eur: {type: float, min: 0, max: 20000}
"""


@pytest.mark.parametrize(("times", "kept"), [(3, 3.0), (0, None), (120, None)])
def test_a_deposit_is_asked_as_a_multiple_of_its_flat_s_rent(openai_stub, client, times, kept):
    """Asked alone, the embedded model put a lease's deposit at EUR 100; a deposit is set as a
    few months of the rent it secures."""
    spec = load_spec(LETTINGS)
    assert parent_pairs(spec) == [("leases", "deposit_eur", "flat_id", "monthly_rent_eur", "times")]
    openai_stub.reply(json.dumps({"times": times}))
    data = spec.model_dump(mode="json", exclude_none=True)
    answers: list = []
    assert not ask_parents(client, spec, data, answers, seed=0, say=lambda line: None)
    asked = openai_stub.chat_requests[0].body["messages"][-1]["content"]
    assert '"deposit_eur" is set as a multiple of the "monthly_rent_eur"' in asked
    shaped = Spec.model_validate(data)
    follows = shaped.tables["leases"].columns["deposit_eur"].of_parent
    if kept is None:
        assert follows is None and "multiple" in answers[0].why
        return
    assert (follows.relation, follows.times) == ("times", kept)
    tables = valid_tables(shaped)
    leases = tables["leases"].merge(tables["flats"], left_on="flat_id", right_on="id")
    months = leases["deposit_eur"] / leases["monthly_rent_eur"]
    assert months.median() == pytest.approx(3) and months.between(1.99, 4.01).all()
    assert (months.round(6) == 3).mean() > 0.6


def test_a_multiple_needs_its_times_and_only_a_multiple_has_one():
    from codegen.errors import SpecError

    bad = "relation: times}", "relation: same, times: 2}"
    for relation in bad:
        text = LETTINGS.replace(
            "deposit_eur: {type: float, min: 0, max: 20000}",
            "deposit_eur: {type: float, min: 0, max: 20000, of_parent: "
            "{column: flat_id.monthly_rent_eur, " + relation + "}",
        )
        with pytest.raises(SpecError, match="times"):
            load_spec(text)


TILLS = """\
name: bakery
description: Products and till receipts of a bakery in Munich.
tables:
  products:
    rows: 30
    columns:
      id:          {type: integer, primary_key: true}
      price_eur:   {type: float, min: 0.3, max: 40, typical: 2.5, typical_range: [0.8, 12]}
  sales:
    rows: 3000
    columns:
      id:          {type: integer, primary_key: true}
      product_id:  {type: integer, references: products.id}
      quantity:    {type: integer, min: 1, max: 50, typical: 2, typical_range: [1, 6]}
      total_eur:   {type: float, min: 0}
      fee_eur:     {type: float, min: 0, max: 5}
"""

MOORINGS = """\
name: marina
description: Berths and boats' stays at a marina in Split.
tables:
  berths:
    rows: 40
    columns:
      id:             {type: integer, primary_key: true}
      daily_rate_eur: {type: float, min: 20, max: 800, typical: 90, typical_range: [45, 250]}
  stays:
    rows: 2000
    columns:
      id:             {type: integer, primary_key: true}
      berth_id:       {type: integer, references: berths.id}
      arrived_on:     {type: date, min: 2024-01-01, max: 2024-12-31}
      left_on:        {type: date}
      total_eur:      {type: float, min: 0, max: 6000}
    rules:
      - check: "left_on > arrived_on"
"""


def test_a_total_is_its_parent_s_price_for_each_of_its_units_read_from_names():
    """A till line's total is its product's price times its quantity; a stay's, its berth's
    daily rate times its days; a car park's fee, its hourly rate times each hour begun. Drawn
    on its own, 3 rolls at EUR 0.60 came to EUR 11.20."""
    assert each_pairs(load_spec(TILLS)) == [
        ("sales", "total_eur", "product_id", "price_eur", "quantity")  # not the line's fee
    ]
    assert each_pairs(load_spec(MOORINGS)) == [
        (
            "stays",
            "total_eur",
            "berth_id",
            "daily_rate_eur",
            "date_diff('day', arrived_on, left_on)",
        )
    ]
    # a column that counts the days wins over the span; a fee for the hours of a stay
    days = MOORINGS.replace("      total_eur:", "      days:           {type: integer, min: 1}\n"
                            "      total_eur:")  # fmt: skip
    assert each_pairs(load_spec(days))[0][4] == "days"
    parking = (
        MOORINGS.replace("daily_rate_eur", "hourly_rate_eur")
        .replace("_on", "_at")
        .replace("{type: date", "{type: datetime")
        .replace("total_eur", "fee_eur")
        .replace("Berths and boats' stays at a marina in Split", "Cars parked in Lyon's car parks")
    )
    assert each_pairs(load_spec(parking))[0][4] == (
        "ceil(date_diff('minute', arrived_at, left_at) / 60.0)"  # a car park: each hour begun
    )
    lessons = parking.replace("Cars parked in Lyon's car parks", "Lessons of a ski school")
    assert each_pairs(load_spec(lessons))[0][4] == (
        "date_diff('minute', arrived_at, left_at) / 60.0"  # an instructor: the hours taught
    )
    # not by the hour over dates; not a price of no period with no count; not a rate of tax
    hourly = MOORINGS.replace("daily_rate_eur", "hourly_rate_eur")
    assert each_pairs(load_spec(hourly)) == []
    assert each_pairs(load_spec(TILLS.replace("quantity:", "grams:   "))) == []
    taxed = TILLS.replace("price_eur:  ", "vat_rate:   ")
    assert each_pairs(load_spec(taxed)) == []


def test_a_total_made_of_its_parent_s_price_is_not_asked_and_adds_up():
    spec = with_each(load_spec(TILLS))
    follows = spec.tables["sales"].columns["total_eur"].of_parent
    assert (follows.column, follows.relation, follows.per) == ("product_id.price_eur", "each",
                                                               "quantity")  # fmt: skip
    assert ("sales", "total_eur") not in columns_to_ask(spec)
    assert ("sales", "fee_eur") in columns_to_ask(spec)
    assert "`price_eur` of the row `product_id` points at, times `quantity`" in describe_spec(spec)
    tables = valid_tables(spec)
    sales = tables["sales"].merge(tables["products"], left_on="product_id", right_on="id")
    assert (sales["total_eur"] - sales["price_eur"] * sales["quantity"]).abs().max() < 0.006

    stays = with_each(load_spec(MOORINGS))
    tables = valid_tables(stays)
    rows = tables["stays"].merge(tables["berths"], left_on="berth_id", right_on="id")
    nights = (rows["left_on"] - rows["arrived_on"]).dt.days
    made = (rows["daily_rate_eur"] * nights).round(2)
    capped = made > 6000  # the column's max caps the longest stays at the dearest berths
    assert (rows["total_eur"][~capped] - made[~capped]).abs().max() < 0.006
    assert (rows["total_eur"][capped] == 6000).all()


VISITS = """\
name: salon
description: Services and visits of a hair salon in Utrecht, 2024.
tables:
  services:
    rows: 15
    columns:
      id:          {type: integer, primary_key: true}
      fee_eur:     {type: float, min: 10, max: 300, typical: 45, typical_range: [20, 120]}
      credit_eur:  {type: float, min: 0, max: 500}
  visits:
    rows: 2000
    columns:
      id:          {type: integer, primary_key: true}
      service_id:  {type: integer, references: services.id}
      status:      {type: string, values: [done, cancelled]}
      paid_eur:    {type: float, nullable: true, min: 0}
    rules:
      - check: "status = 'done' OR paid_eur IS NULL"
"""


def test_a_payment_of_a_row_that_counts_nothing_is_its_parent_s_price():
    """A dental appointment that took place is paid its treatment's price; drawn on its own,
    the completed appointments' payments had nothing to do with the treatment (median EUR 146
    for every kind)."""
    assert each_pairs(load_spec(VISITS)) == [("visits", "paid_eur", "service_id", "fee_eur", "1")]
    spec = with_each(load_spec(VISITS))
    tables = valid_tables(spec)
    rows = tables["visits"].merge(tables["services"], left_on="service_id", right_on="id")
    done = rows["status"] == "done"
    assert (rows["paid_eur"][done] - rows["fee_eur"][done]).abs().max() < 0.006
    assert rows["paid_eur"][~done].isna().all()
    # not where the row has a number it could be paid by, nor a part or a period's sum, nor
    # for a parent's money that is no price (a credit limit)
    timed = VISITS.replace("      paid_eur:", "      minutes:     {type: integer, min: 10}\n"
                           "      paid_eur:")  # fmt: skip
    assert each_pairs(load_spec(timed)) == []
    assert each_pairs(load_spec(VISITS.replace("paid_eur", "revenue_eur"))) == []
    assert each_pairs(load_spec(VISITS.replace("paid_eur", "tip_paid_eur"))) == []
    unpriced = VISITS.replace("fee_eur:  ", "limit_eur:")
    assert each_pairs(load_spec(unpriced.replace("credit_eur", "balance_eur"))) == []


@pytest.mark.parametrize(
    ("of_parent", "wrong"),
    [
        ("{column: product_id.price_eur, relation: each}", "per: relation each needs it"),
        ("{column: product_id.price_eur, relation: same, per: quantity}", "per: relation each"),
        ("{column: product_id.price_eur, relation: each, per: 'quantity >'}", "not SQL"),
        ("{column: product_id.price_eur, relation: each, per: 'total_eur / 2'}", "column itself"),
        ("{column: product_id.price_eur, relation: each, per: 'quantity > 2'}", "a condition"),
        ("{column: product_id.price_eur, relation: each, per: 'units'}", "alone"),
    ],
)
def test_the_lint_says_what_is_wrong_with_units_of_a_price(of_parent, wrong):
    text = TILLS.replace(
        "total_eur:   {type: float, min: 0}",
        f"total_eur:   {{type: float, min: 0, of_parent: {of_parent}}}",
    )
    with pytest.raises(sd.SpecError, match="of_parent.per") as caught:
        load_spec(text)
    assert wrong in str(caught.value)
