"""The price of one item of a catalogue asked again as examples of the items, over real HTTP
(the OpenAI stub on 127.0.0.1): the examples' median shapes the column where the first answer
is far from it, and the data drawn follows."""

from __future__ import annotations

import json

import pytest
from support.scaffolds import valid_tables
from support.shop import stub_client

from codegen.pipeline.priced import is_priced_item
from codegen.pipeline.typical import ask_typical
from codegen.spec.model import load_spec

BAKERY = """\
name: bakery
description: Products and sales of a bakery chain in Munich, Germany, 2024.
tables:
  products:
    rows: 40
    columns:
      id:          {type: integer, primary_key: true}
      price_eur:   {type: float, min: 0.3, max: 40}
  sales:
    rows: 500
    columns:
      id:          {type: integer, primary_key: true}
      product_id:  {type: integer, references: products.id}
"""

# What the embedded model said of a Munich bakery's products, asked this way (2026-11-28).
LOAVES = [
    ("Bread", 1.5), ("Cake", 2.75), ("Cookies", 0.9), ("Scones", 1.2), ("Donuts", 1.8),
    ("Biscuits", 1.3), ("Pastry", 2.5), ("Waffles", 1.4), ("Croissants", 1.6),
    ("Breadsticks", 1.75),
]  # fmt: skip


@pytest.fixture
def client(openai_stub, isolated_env):
    client = stub_client(openai_stub.base_url)
    yield client
    client.close()


def typical(value: float, low: float, high: float) -> str:
    return json.dumps(
        {"meaning": "one product's price", "typical": value, "low": low, "high": high}
    )


def examples(pairs: list[tuple[str, float]]) -> str:
    return json.dumps({"examples": [{"what": w, "value": v} for w, v in pairs]})


def test_a_bakery_s_products_cost_what_its_loaves_and_rolls_cost(openai_stub, client):
    """Asked the typical price of one of a Munich bakery's products, the embedded model said
    EUR 12.90; asked for ten of them, a loaf at 1.50, a croissant at 1.60."""
    openai_stub.reply(typical(12.9, 8.5, 17.3)).reply(examples(LOAVES))
    spec, answers = ask_typical(client, load_spec(BAKERY))
    asked = openai_stub.chat_requests[1].body["messages"][-1]["content"]
    assert 'Think of 10 different real "products" rows' in asked
    assert [(a.asked, a.kept) for a in answers] == [
        ("typical", False),
        ("examples of its rows", True),
    ]
    assert answers[0].why == "examples of its rows disagree"
    assert answers[1].lists == {"examples": [w for w, _ in LOAVES]}
    price = spec.tables["products"].columns["price_eur"]
    assert price.typical == pytest.approx(1.55)
    low, high = price.typical_range
    assert 1.1 < low < 1.3 and 2.4 < high < 2.8
    prices = valid_tables(spec)["products"]["price_eur"]
    assert 1.2 < prices.median() < 2.0 and prices.max() < 10


def test_examples_that_agree_with_the_first_answer_change_nothing(openai_stub, client):
    openai_stub.reply(typical(2.2, 1, 5)).reply(examples(LOAVES))
    spec, answers = ask_typical(client, load_spec(BAKERY))
    assert [(a.asked, a.kept) for a in answers] == [
        ("typical", True),
        ("examples of its rows", False),
    ]
    assert answers[1].why == "it agrees with the typical value asked"
    assert spec.tables["products"].columns["price_eur"].typical == 2.2


@pytest.mark.parametrize(
    ("said", "why"),
    [
        ([(f"item {i}", 0.5 + i) for i in range(10)], "step up evenly"),  # counted
        ([("cake", v) for v in (35, 45, 60, 80, 38, 50, 90, 120, 42, 55)], "column's bounds"),
        (None, "not the JSON asked for"),
    ],
)
def test_examples_counted_out_of_bounds_or_malformed_are_not_used(openai_stub, client, said, why):
    openai_stub.reply(typical(12.9, 8.5, 17.3))
    openai_stub.reply(json.dumps({"items": []}) if said is None else examples(said))
    spec, answers = ask_typical(client, load_spec(BAKERY))
    assert why in answers[1].why and not answers[1].kept
    assert answers[0].kept and spec.tables["products"].columns["price_eur"].typical == 12.9


def test_an_endpoint_that_fails_at_the_examples_keeps_what_was_kept_before(openai_stub, client):
    openai_stub.reply(typical(12.9, 8.5, 17.3)).error(400, "bad request")
    spec, answers = ask_typical(client, load_spec(BAKERY))
    assert "endpoint failed" in answers[1].why
    assert spec.tables["products"].columns["price_eur"].typical == 12.9


def test_a_catalogue_s_price_of_one_item_is_asked_as_examples_a_rate_or_a_total_not():
    spec = load_spec(BAKERY)
    assert is_priced_item(spec, "products", "price_eur")
    daily = load_spec(BAKERY.replace("price_eur", "daily_rate_eur"))
    assert not is_priced_item(daily, "products", "daily_rate_eur")
    total = load_spec(BAKERY.replace("price_eur", "total_eur"))
    assert not is_priced_item(total, "products", "total_eur")
    few = load_spec(BAKERY.replace("rows: 40", "rows: 3"))  # three plans: one at a time
    assert not is_priced_item(few, "products", "price_eur")
    alone = load_spec(BAKERY.replace("references: products.id", "min: 1"))  # nothing points
    assert not is_priced_item(alone, "products", "price_eur")
    named = alone.model_dump(mode="json", exclude_none=True)
    named["tables"]["products"]["columns"]["name"] = {"type": "string"}
    assert is_priced_item(load_spec(json.dumps(named)), "products", "price_eur")
