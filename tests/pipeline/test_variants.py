"""Variants of a name: a unique list too short for its table is told apart by a size, a
strength, an edition (``pipeline.variants``, ``shaperuntime.shape_numbered``), not numbered."""

from __future__ import annotations

import json

import numpy as np
import pytest
from support.scaffolds import valid_tables
from support.shop import stub_client

from codegen.errors import SpecError
from codegen.pipeline.typical import TypicalAnswer
from codegen.pipeline.variants import ask_variants, variants_kept, variants_to_ask
from codegen.program.shaperuntime import shape_distinct, shape_values_by
from codegen.spec.model import load_spec

PHARMACY = """\
name: farmacia
description: The products and sales of a pharmacy in Porto, 2024.
tables:
  products:
    rows: 90
    columns:
      id:        {type: integer, primary_key: true}
      name:
        type: string
        unique: true
        values_by:
          category:
            medicine: [Ben-u-ron, Brufen, Aspirina, Voltaren]
            skin care: [Bepanthene, Avene Cicalfate, Nivea Creme]
      category:  {type: string, values: [medicine, skin care]}
      price_eur: {type: float, min: 1, max: 60}
  staff:
    rows: 8
    columns:
      id:        {type: integer, primary_key: true}
      role:      {type: string, unique: true}
"""

VARIANTS = ["500 mg", "1 g", "20 tablets", "(large pack)", "Ben-u-ron", "12", "50 ml", "1 g"]


@pytest.fixture
def client(openai_stub, isolated_env):
    client = stub_client(openai_stub.base_url)
    yield client
    client.close()


def test_a_unique_list_longer_than_the_model_lists_is_asked_its_variants():
    spec = load_spec(PHARMACY)
    # 90 products from lists of seven names: asked; eight staff roles: their list fills them
    assert variants_to_ask(spec) == [("products", "name")]
    given = PHARMACY.replace("unique: true\n", "unique: true\n        variants: [1 g]\n")
    assert variants_to_ask(load_spec(given)) == []  # the spec's own are kept
    assert variants_to_ask(load_spec(PHARMACY.replace("        unique: true\n", ""))) == []


def test_variants_asked_over_http_tell_a_name_s_rows_apart_before_any_is_numbered(
    openai_stub, client
):
    spec = load_spec(PHARMACY)
    openai_stub.reply(json.dumps({"values": VARIANTS}))
    data = spec.model_dump(mode="json", exclude_none=True)
    answers: list[TypicalAnswer] = []
    said: list[str] = []
    assert ask_variants(client, spec, data, answers, seed=0, say=said.append) is False

    asked = openai_stub.chat_requests[0].body
    question = asked["messages"][-1]["content"]
    assert "such as: Ben-u-ron; Bepanthene; Brufen; Avene Cicalfate;" in question
    assert "The table has 90 rows" in question and "pharmacy in Porto" in question
    schema = asked["response_format"]["json_schema"]["schema"]["properties"]["values"]
    assert schema["minItems"] == schema["maxItems"] == 8
    (answer,) = answers
    # a listed name, a number alone and a repeat are no variants
    assert answer.kept and answer.lists == {
        "variants": ["500 mg", "1 g", "20 tablets", "(large pack)", "50 ml"]
    }
    assert data["tables"]["products"]["columns"]["name"]["variants"] == answer.lists["variants"]
    assert said == ["products.name: variants 500 mg, 1 g, 20 tablets, (large pack), 50 ml"]

    names = valid_tables(load_spec(json.dumps(data)))["products"]["name"]
    assert names.is_unique and len(names) == 90
    listed = {"Ben-u-ron", "Brufen", "Aspirina", "Voltaren", "Bepanthene", "Avene Cicalfate"}
    listed.add("Nivea Creme")
    assert listed <= set(names)
    kept = answer.lists["variants"]
    for name in listed:  # 90 rows of seven names: each name's variants, then its numbers
        own = names[names.str.startswith(name + " ")].str.removeprefix(name + " ")
        numbered = own.str.fullmatch(r"[0-9]+")
        assert set(own[~numbered]) <= {v if v[0] != "(" else v for v in kept}
        assert not numbered.any() or set(own[~numbered]) == set(kept)


def test_a_reply_of_too_few_variants_leaves_the_column_and_a_failing_endpoint_stops(
    openai_stub, client
):
    spec = load_spec(PHARMACY)
    openai_stub.reply(json.dumps({"values": ["Ben-u-ron", "7", "8", "a" * 40, "1 g"] * 2}))
    data = spec.model_dump(mode="json", exclude_none=True)
    answers: list[TypicalAnswer] = []
    assert ask_variants(client, spec, data, answers, seed=0, say=lambda line: None) is False
    assert not answers[0].kept and "fewer than 3 variants" in answers[0].why
    assert "variants" not in data["tables"]["products"]["columns"]["name"]

    openai_stub.error(400, "model crashed")
    answers = []  # (seed 1: the question above is answered from the client's cache)
    assert ask_variants(client, spec, data, answers, seed=1, say=lambda line: None) is True
    assert "model crashed" in answers[0].why


def test_variants_keep_a_unique_column_unique_in_parts_and_never_repeat_a_listed_value():
    rng = np.random.default_rng(0)
    listed = ["Dune", "Dune (paperback)", "Emma"]
    variants = ["paperback", "(hardcover)", "2", "(hardcover)"]
    whole = shape_distinct(rng, listed, 30, variants=variants)
    assert len(set(whole)) == 30
    # "paperback" would write "Dune (paperback)" again: not used; a number alone neither
    assert "Emma (paperback)" not in set(whole) and "Emma (hardcover)" in set(whole)
    assert "Dune (paperback) (hardcover)" in set(whole)
    parts = [shape_distinct(rng, listed, 10, 0, first, variants=variants) for first in (0, 10, 20)]
    joined = np.concatenate(parts)
    assert len(set(joined)) == 30
    assert list(joined[3:6]) == [
        "Dune (hardcover)",
        "Dune (paperback) (hardcover)",
        "Emma (hardcover)",
    ]
    assert joined[6] == "Dune 2"  # past the variants: numbered, from 2
    by = shape_values_by(rng, {"a": ["x"]}, np.array(["a"] * 3), 3, True, variants=["big", "1 kg"])
    assert sorted(by) == ["x", "x (big)", "x 1 kg"]


def test_the_lint_says_what_is_wrong_with_variants():
    with pytest.raises(SpecError) as caught:
        load_spec(
            PHARMACY.replace(
                "role:      {type: string, unique: true}", "role: {type: string, variants: [big]}"
            )
        )
    assert "staff.columns.role.variants: applies to unique string columns" in str(caught.value)
    with pytest.raises(SpecError) as caught:
        load_spec(
            PHARMACY.replace("unique: true\n", "unique: true\n        variants: [1 g, 1 g]\n")
        )
    assert "products.columns.name.variants: each variant is some words, each once" in str(
        caught.value
    )
    assert variants_kept(json.dumps({"values": ["1 g", "1 G", " 2 kg "]}), []) == ["1 g", "2 kg"]
