"""A signed amount whose sign a check ties to its row's kind (a salary comes in, a card payment
goes out): each kind's typical amount asked in one question over real HTTP (the OpenAI stub on
127.0.0.1), the signs and sizes mended by the table's checks, and each row drawn around its own
kind's amount by the starting program."""

from __future__ import annotations

import json

import pytest
from support.scaffolds import valid_tables
from support.shop import stub_client

from codegen.pipeline.signed import signed_kept, signed_to_ask
from codegen.pipeline.typical import ask_typical, columns_to_ask
from codegen.spec.model import load_spec

LEDGER = """\
name: ledger
description: Movements on the current accounts of a small German bank in March 2024.
tables:
  movements:
    rows: 3000
    description: One row per booking on an account statement.
    columns:
      id:         {type: integer, primary_key: true}
      kind:       {type: string, values: [salary, card, atm, fee]}
      amount_eur: {type: float, min: -5000, max: 9000}
    rules:
      - check: "kind <> 'salary' OR amount_eur > 0"
      - check: "kind IN ('salary') OR amount_eur < 0"
      - check: "kind <> 'atm' OR (ABS(amount_eur) % 10 = 0 AND ABS(amount_eur) BETWEEN 20 AND 1000)"
      - check: "amount_eur = ROUND(amount_eur, 2)"
      - check: "ABS(amount_eur) < 2000"
        min_fraction: 0.9
"""


@pytest.fixture
def client(openai_stub, isolated_env):
    client = stub_client(openai_stub.base_url)
    yield client
    client.close()


def test_a_signed_amount_tied_to_its_kind_is_asked_per_kind_not_as_one_typical_value():
    spec = load_spec(LEDGER)
    assert ("movements", "amount_eur") not in columns_to_ask(spec)
    assert signed_to_ask(spec) == [("movements", "amount_eur", "kind")]
    # an amount no check ties to a kind, or one that cannot be negative, is not asked so
    unsigned = LEDGER.replace("min: -5000", "min: 0.01").replace("amount_eur > 0", "true")
    assert signed_to_ask(load_spec(unsigned.split("    rules:")[0])) == []


@pytest.mark.parametrize(
    "answer, kept, why",
    [
        # the right signs, and an ATM withdrawal rounded to the tens its check asks
        (
            {"salary": 2600, "card": -35, "atm": -85, "fee": -4.5},
            {"salary": 2600, "card": -35, "atm": -80, "fee": -4.5},
            "",
        ),
        # every amount given as a size: turned to the sign the checks allow
        (
            {"salary": 2600, "card": 35, "atm": 100, "fee": 4.5},
            {"salary": 2600, "card": -35, "atm": -100, "fee": -4.5},
            "",
        ),
        # 0 is no amount, and an ATM withdrawal of 5,000 fits no check
        ({"salary": 2600, "card": 35, "atm": 5000, "fee": 0}, {"salary": 2600, "card": -35}, "atm"),
    ],
)
def test_each_kind_s_answer_takes_the_sign_and_size_the_checks_allow(answer, kept, why):
    got, left = signed_kept(load_spec(LEDGER), "movements", "amount_eur", "kind", answer)
    assert got == kept
    assert (why in left) if why else left == ""


def test_the_kinds_amounts_asked_over_http_shape_each_row_by_its_kind(openai_stub, client):
    openai_stub.reply(json.dumps({"salary": 5, "card": 70, "atm": 10, "fee": 15}))  # kind
    for _ in range(2):  # the value most rows have, asked both ways
        openai_stub.reply(json.dumps({"reason": "people pay by card", "most_common": "card"}))
    # a card payment given without its sign, an ATM withdrawal not in tens
    openai_stub.reply(json.dumps({"salary": 2600, "card": 35, "atm": -85, "fee": -4}))
    spec, answers = ask_typical(client, load_spec(LEDGER))
    assert [(a.column, a.asked, a.kept) for a in answers] == [
        ("kind", "typical", True),
        ("amount_eur", "signed by category", True),
    ]
    asked = openai_stub.chat_requests[3].body["messages"][-1]["content"]
    assert '"amount_eur" of rows of each "kind"' in asked and "negative" in asked
    amount = spec.tables["movements"].columns["amount_eur"]
    assert amount.typical is None
    assert amount.typical_by == {"kind": {"salary": 2600, "card": -35, "atm": -80, "fee": -4}}
    load_spec(spec.to_yaml())  # a typical_by without typical is a spec the lint accepts

    movements = valid_tables(spec)["movements"]
    by_kind = movements.groupby("kind")["amount_eur"]
    medians = by_kind.median()
    assert 1900 < medians["salary"] < 3400
    assert -45 < medians["card"] < -25 and -5.5 < medians["fee"] < -2.5
    assert -100 <= medians["atm"] <= -60
    # every kind keeps its rows (ATM rows were all drawn again, as other kinds, when their
    # amounts were not in tens) and a long tail of large amounts
    shares = movements["kind"].value_counts(normalize=True)
    assert shares["card"] > 0.6 and shares["atm"] > 0.05
    assert (by_kind.mean() / medians)[["card", "atm", "fee"]].gt(1.05).all()
    assert (movements.loc[movements["kind"] == "atm", "amount_eur"] % 10 == 0).all()


def test_amounts_that_step_up_evenly_are_asked_again_one_kind_at_a_time(openai_stub, client):
    """The embedded model's answer for all kinds at once was a count (salary 100, card -50,
    atm 20, fee -70, ...); asked one kind at a time in plain words it gives each's size, and
    the sign is the first answer's, as the checks allow."""
    openai_stub.reply(json.dumps({"salary": 5, "card": 70, "atm": 10, "fee": 15}))  # kind
    for _ in range(2):  # the value most rows have, asked both ways
        openai_stub.reply(json.dumps({"reason": "people pay by card", "most_common": "card"}))
    openai_stub.reply(json.dumps({"salary": 100, "card": -40, "atm": 60, "fee": -80}))
    for size in (2600, 35, 100, 4.5):  # salary, card, atm, fee
        openai_stub.reply(json.dumps({"typical": size}))
    spec, answers = ask_typical(client, load_spec(LEDGER))
    assert [(a.asked, a.kept) for a in answers[1:]] == [
        ("signed by category", False),
        ("signed by category, one at a time", True),
    ]
    assert "evenly" in answers[1].why
    asked = openai_stub.chat_requests[4].body["messages"][-1]["content"]
    assert asked.startswith('What is the typical amount (EUR) of a "salary" movement?')
    amount = spec.tables["movements"].columns["amount_eur"]
    assert amount.typical_by == {"kind": {"salary": 2600, "card": -35, "atm": -100, "fee": -4.5}}
