"""How common each listed value is (codegen.pipeline.weights): the model's shares made steeper
where they hedge, the value most rows have asked apart, both ways, over real HTTP."""

from __future__ import annotations

import json

import pytest
from support.shop import stub_client

from codegen.pipeline.typical import ask_typical
from codegen.pipeline.weights import steeper
from codegen.spec.model import load_spec

HERD = """\
name: herd
description: Cows of dairy farms in Friesland, the Netherlands, 2024.
tables:
  cows:
    rows: 400
    columns:
      id:    {type: integer, primary_key: true}
      breed: {type: string, values: [Jersey, Holstein-Friesian, MRIJ, Fleckvieh]}
      litres_a_day: {type: float, min: 0, max: 60}
"""


@pytest.fixture
def client(openai_stub, isolated_env):
    client = stub_client(openai_stub.base_url)
    yield client
    client.close()


def most(value: str) -> str:
    return json.dumps({"reason": "the usual breed", "most_common": value})


@pytest.mark.parametrize(
    ("shares", "most_rows", "used"),
    [
        # an even ladder down from the one put first: a hedge, made steeper
        ({"a": 40, "b": 30, "c": 20, "d": 10}, None,
         {"a": 0.5333, "b": 0.3, "c": 0.1333, "d": 0.0333}),
        # the value most rows have, asked apart, takes the first place (swapped)
        ({"a": 30, "b": 40, "c": 20, "d": 10}, "a",
         {"a": 0.5333, "b": 0.3, "c": 0.1333, "d": 0.0333}),
        # most rows already one value's: as the model said
        ({"card": 70, "atm": 10, "fee": 15, "salary": 5}, "card",
         {"card": 0.7, "atm": 0.1, "fee": 0.15, "salary": 0.05}),
        # a tie broken by the value most rows have: 60/40, no hedge left
        ({"male": 50, "female": 50}, "male", {"male": 0.6, "female": 0.4}),
        # a tie nothing breaks stays a tie; a value given 0 keeps a few rows
        ({"x": 1, "y": 1, "z": 0}, None, {"x": 0.4902, "y": 0.4902, "z": 0.0196}),
    ],
)  # fmt: skip
def test_shares_that_hedge_are_made_steeper(shares, most_rows, used):
    assert steeper(shares, most_rows) == pytest.approx(used, abs=1e-4)


def test_the_value_most_rows_have_is_asked_both_ways_and_moved_first_where_they_agree(
    openai_stub, client
):
    openai_stub.reply(
        json.dumps({"Jersey": 40, "Holstein-Friesian": 30, "MRIJ": 20, "Fleckvieh": 10})
    )
    openai_stub.reply(most("Holstein-Friesian")).reply(most("Holstein-Friesian"))
    spec, answers = ask_typical(client, load_spec(HERD))
    answer = answers[0]
    assert answer.kept and answer.most == "Holstein-Friesian"
    assert answer.said == {"Jersey": 40, "Holstein-Friesian": 30, "MRIJ": 20, "Fleckvieh": 10}
    assert spec.tables["cows"].columns["breed"].weights == [0.3, 0.5333, 0.1333, 0.0333]
    first, second = (r.body for r in openai_stub.chat_requests[1:3])
    assert "one of: Jersey, Holstein-Friesian, MRIJ, Fleckvieh." in first["messages"][-1]["content"]
    assert (
        "one of: Fleckvieh, MRIJ, Holstein-Friesian, Jersey." in second["messages"][-1]["content"]
    )
    assert 'which value of "breed" do most rows have?' in first["messages"][-1]["content"]
    schema = json.dumps(first["response_format"])
    assert '"enum": ["Jersey", "Holstein-Friesian", "MRIJ", "Fleckvieh"]' in schema
    assert answer.usage["completion_tokens"] > 0


def test_answers_that_disagree_leave_the_order_as_the_shares_gave_it(openai_stub, client):
    openai_stub.reply(
        json.dumps({"Jersey": 40, "Holstein-Friesian": 30, "MRIJ": 20, "Fleckvieh": 10})
    )
    openai_stub.reply(most("Holstein-Friesian")).reply(most("Jersey"))  # the first listed, twice
    spec, answers = ask_typical(client, load_spec(HERD))
    assert answers[0].most is None
    assert spec.tables["cows"].columns["breed"].weights == [0.5333, 0.3, 0.1333, 0.0333]


def test_an_endpoint_down_while_asking_most_rows_stops_the_questions(openai_stub, client):
    said = {"Jersey": 40, "Holstein-Friesian": 30, "MRIJ": 20, "Fleckvieh": 10}
    openai_stub.reply(json.dumps(said))
    openai_stub.error(400, "bad request")
    spec, answers = ask_typical(client, load_spec(HERD))
    # the shares as the model gave them stay; nothing more is asked (not the litres)
    assert spec.tables["cows"].columns["breed"].weights == [40, 30, 20, 10]
    assert [a.column for a in answers] == ["breed"] and len(openai_stub.chat_requests) == 2


RACE = """\
name: race
description: Results of the Berlin Marathon, 2024.
tables:
  results:
    rows: 3000
    columns:
      id:     {type: integer, primary_key: true}
      status: {type: string, values: [finished, did_not_finish]}
"""


def test_a_value_that_goes_wrong_now_and_then_holds_few_rows(openai_stub, client):
    """Asked, the embedded model had 15% of a marathon's starters not finish (real: 1-8%).
    A listed value naming a mishap is held to a flag's share at most, the rest to the others."""
    openai_stub.reply(json.dumps({"finished": 0.85, "did_not_finish": 0.15}))
    openai_stub.reply(most("finished")).reply(most("finished"))
    spec, answers = ask_typical(client, load_spec(RACE))
    assert spec.tables["results"].columns["status"].weights == [0.92, 0.08]
    assert answers[0].said == {"finished": 0.85, "did_not_finish": 0.15}  # as the model said


@pytest.mark.parametrize(
    ("shares", "used"),
    [
        # a hotel's cancellations and no-shows each at most a flag's share
        ({"confirmed": 0.5, "cancelled": 0.2, "no_show": 0.1, "completed": 0.2},
         {"confirmed": 0.6, "cancelled": 0.08, "no_show": 0.08, "completed": 0.24}),
        # a recruiter's rejections are no mishap: most applications end so
        ({"applied": 0.3, "rejected": 0.5, "hired": 0.2},
         {"applied": 0.3, "rejected": 0.5, "hired": 0.2}),
        # a sales deal lost is no mishap: most are
        ({"open": 0.2, "won": 0.2, "lost": 0.6}, {"open": 0.2, "won": 0.2, "lost": 0.6}),
        # few already: as they were
        ({"landed": 0.95, "cancelled": 0.05}, {"landed": 0.95, "cancelled": 0.05}),
    ],
)  # fmt: skip
def test_mishaps_are_few(shares, used):
    from codegen.pipeline.weights import mishaps_few

    assert mishaps_few(shares) == pytest.approx(used, abs=1e-4)


@pytest.mark.parametrize(
    ("shares", "used"),
    [
        # asked, the embedded model made half a salon's stylists directors
        ({"junior": 0.17, "senior": 0.33, "director": 0.5},
         {"junior": 0.5, "senior": 0.33, "director": 0.17}),
        ({"Junior Engineer": 0.2, "Senior Engineer": 0.3, "Engineering Manager": 0.4,
          "Intern": 0.1},
         {"Junior Engineer": 0.2, "Senior Engineer": 0.3, "Engineering Manager": 0.1,
          "Intern": 0.4}),
        # seniors may outnumber juniors: no head among them, as they were
        ({"junior": 0.2, "mid": 0.3, "senior": 0.5}, {"junior": 0.2, "mid": 0.3, "senior": 0.5}),
        # a value that names no rank: no ladder
        ({"nurse": 0.5, "senior nurse": 0.2, "head nurse": 0.3},
         {"nurse": 0.5, "senior nurse": 0.2, "head nurse": 0.3}),
    ],
)  # fmt: skip
def test_the_head_of_a_ladder_of_ranks_holds_the_fewest_rows(shares, used):
    from codegen.pipeline.weights import heads_fewest

    assert heads_fewest(shares) == used


SALON = """\
name: salon
description: Stylists of a hair salon in Lyon, France.
tables:
  stylists:
    rows: 6
    columns:
      id:    {type: integer, primary_key: true}
      level: {type: string, values: [junior, senior, director]}
"""


def test_a_salon_s_director_is_the_rarest_of_its_stylists(openai_stub, client):
    openai_stub.reply(json.dumps({"junior": 0.2, "senior": 0.3, "director": 0.5}))
    openai_stub.reply(most("director")).reply(most("director"))
    spec, answers = ask_typical(client, load_spec(SALON))
    levels = ["junior", "senior", "director"]
    weights = dict(zip(levels, spec.tables["stylists"].columns["level"].weights, strict=True))
    assert min(weights, key=weights.get) == "director"
    assert answers[0].said == {"junior": 0.2, "senior": 0.3, "director": 0.5}
