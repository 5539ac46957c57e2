"""A string column's values by a category beside it (a menu item's name by its category): which
columns are asked (read from the names of the columns of kinds), the lists asked over real HTTP
(the OpenAI stub on 127.0.0.1) kept as ``values_by``, the lint, and the starting program
drawing each row's value from its own category's list, unique across a table's parts."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from support.scaffolds import valid_tables
from support.shop import stub_client

from codegen.errors import SpecError
from codegen.pipeline.typical import TypicalAnswer
from codegen.pipeline.values_by import ask_values_by, counts, values_by_to_ask
from codegen.program.shaperuntime import shape_values_by
from codegen.spec.model import load_spec

MENU = """\
name: trattoria
description: The menu and orders of a trattoria in Bologna, 2024.
tables:
  dishes:
    rows: 24
    columns:
      id:        {type: integer, primary_key: true}
      name:      {type: string, unique: true}
      course:    {type: string, values: [antipasto, primo, secondo, dolce], weights: [2, 3, 2, 1]}
      price_eur: {type: float, min: 3, max: 40}
  orders:
    rows: 300
    columns:
      id:        {type: integer, primary_key: true}
      dish_id:   {type: integer, references: dishes.id}
      channel:   {type: string, values: [table, takeaway]}
      note:      {type: string}
"""

LISTS = {
    "antipasto": ["Tagliere di salumi", "Crescentine", "Bruschetta", "Carpaccio", "Caprese"],
    "primo": ["Tagliatelle al ragu", "Tortellini in brodo", "Lasagne verdi", "Passatelli"],
    "secondo": ["Cotoletta alla bolognese", "Bollito misto", "Arrosto di vitello"],
    "dolce": ["Zuppa inglese", "Torta di riso", "Tiramisu", "Panna cotta"],
}


@pytest.fixture
def client(openai_stub, isolated_env):
    client = stub_client(openai_stub.base_url)
    yield client
    client.close()


def test_a_list_column_is_asked_by_the_column_of_kinds_beside_it():
    spec = load_spec(MENU)
    # the dish's name by its course; an order's note has a channel beside it, which is no kind
    assert values_by_to_ask(spec) == [("dishes", "name", "course")]
    # a unique column: its rows in each course by the weights, and a fifth more
    assert counts(spec, "dishes", "name", "course") == {
        "antipasto": 9,
        "primo": 12,
        "secondo": 9,
        "dolce": 5,
    }
    # a column of kinds by any of its words' last: a dish type, a species, a genre
    assert values_by_to_ask(load_spec(MENU.replace("course", "dish_type"))) == [
        ("dishes", "name", "dish_type")
    ]
    assert values_by_to_ask(load_spec(MENU.replace("course", "status"))) == []


MORE = {"antipasto": ["Mortadella", "Crescentine"], "primo": ["Gramigna"], "secondo": ["Friggione"]}


def test_dish_names_asked_over_http_are_drawn_by_their_course(openai_stub, client):
    spec = load_spec(MENU)
    wanted = counts(spec, "dishes", "name", "course")
    for course, count in wanted.items():  # the model's list, padded with its own repeats
        listed = LISTS[course] + LISTS[course][: count - len(LISTS[course])]
        openai_stub.reply(json.dumps({"values": (listed * 3)[:count]}))
        if course in MORE:  # 3 or more short of a unique column's rows: asked for more
            openai_stub.reply(json.dumps({"values": MORE[course]}))
    data = spec.model_dump(mode="json", exclude_none=True)
    answers: list[TypicalAnswer] = []
    said: list[str] = []
    assert ask_values_by(client, spec, data, answers, seed=0, say=said.append) is False

    asked = openai_stub.chat_requests[2].body
    question = asked["messages"][-1]["content"]
    assert 'List 12 realistic values of "name" for dishes whose "course" is "primo"' in question
    assert "The menu and orders of a trattoria in Bologna" in question
    schema = asked["response_format"]["json_schema"]["schema"]["properties"]["values"]
    assert schema["minItems"] == schema["maxItems"] == 12
    more = openai_stub.chat_requests[3].body["messages"][-1]["content"]
    assert "Values so far: Tagliatelle al ragu; Tortellini in brodo;" in more
    assert 'List 8 more realistic values of "name"' in more
    assert "each different from every value so far" in more
    assert len(openai_stub.chat_requests) == 7  # dolce's 4 of 5: not asked again
    (answer,) = answers
    assert answer.kept and answer.asked == "values by category" and answer.by == "course"
    listed = {c: v + [m for m in MORE.get(c, []) if m not in v] for c, v in LISTS.items()}
    assert answer.lists == listed  # repeats dropped
    assert answer.usage["completion_tokens"] > 0
    assert data["tables"]["dishes"]["columns"]["name"]["values_by"] == {"course": listed}
    assert said and said[0].startswith("dishes.name by course: antipasto: Tagliere di salumi")

    data["tables"]["orders"]["columns"]["note"]["values"] = ["", "no onions"]  # not asked here
    shaped = load_spec(json.dumps(data))
    dishes = valid_tables(shaped)["dishes"]
    assert dishes["name"].is_unique
    for course, names in dishes.groupby("course")["name"]:
        listed = set(LISTS[course] + MORE.get(course, []))
        plain = names[names.isin(listed)]
        # each course's own dishes, each once, before any is numbered
        assert len(plain) == min(len(names), len(listed))
        assert names[~names.isin(listed)].str.rsplit(" ", n=1).str[0].isin(listed).all()


def test_a_course_listed_as_placeholders_leaves_the_column_as_it_was(openai_stub, client):
    spec = load_spec(MENU)
    for course, count in counts(spec, "dishes", "name", "course").items():
        values = [f"Dish {i + 1}" for i in range(count)] if course == "dolce" else LISTS[course]
        openai_stub.reply(json.dumps({"values": values}))
        if course in MORE or course == "dolce":  # asked for more: as before
            openai_stub.reply(json.dumps({"values": values if course == "dolce" else []}))
    data = spec.model_dump(mode="json", exclude_none=True)
    answers: list[TypicalAnswer] = []
    assert ask_values_by(client, spec, data, answers, seed=0, say=lambda line: None) is False
    assert not answers[0].kept
    assert answers[0].why == 'no real value for "dolce" (none, or placeholders)'
    assert "values_by" not in data["tables"]["dishes"]["columns"]["name"]


def test_an_endpoint_that_fails_stops_the_questions(openai_stub, client):
    spec = load_spec(MENU)
    openai_stub.reply(json.dumps({"values": LISTS["antipasto"]}))
    openai_stub.error(400, "model crashed")
    data = spec.model_dump(mode="json", exclude_none=True)
    answers: list[TypicalAnswer] = []
    assert ask_values_by(client, spec, data, answers, seed=0, say=lambda line: None) is True
    assert "model crashed" in answers[0].why
    assert "values_by" not in data["tables"]["dishes"]["columns"]["name"]


def test_the_lint_says_what_is_wrong_with_a_values_by():
    def problems(values_by: str, column: str = "{type: string, unique: true") -> list[str]:
        text = MENU.replace(
            "name:      {type: string, unique: true}", f"name: {column}, values_by: {values_by}}}"
        )
        try:
            load_spec(text)
        except SpecError as exc:
            return [p for p in exc.problems if "values_by" in p]
        return []

    assert problems("{course: {primo: [Lasagne], dolce: [Tiramisu]}}", "{type: string") == []
    where = "tables.dishes.columns.name.values_by"
    assert problems("{course: {pasta: [Lasagne]}}", "{type: string") == [
        f"{where}.pasta: not one of dishes.course's values"
    ]
    assert problems("{channel: {table: [A]}, course: {primo: [Lasagne]}}") == [
        f"{where}: name one category column"
    ]
    assert problems("{price_eur: {primo: [Lasagne]}}") == [
        f"{where}: 'price_eur' is not a column of dishes with values, nor a reference to a "
        "table with one column of values"
    ]
    assert problems("{course: {primo: []}}", "{type: string") == [
        f"{where}.primo: list at least one value"
    ]
    assert problems("{course: {primo: [Lasagne]}}") == [
        f"{where}: a unique column lists values for every category, not for antipasto, "
        "secondo, dolce"
    ]
    assert problems("{course: {primo: [lasagne]}}", "{type: string, pattern: '[A-Z].*'") == [
        f"{where}.primo: 'lasagne' does not match the pattern"
    ]
    assert problems("{course: {primo: [Lasagne]}}", "{type: integer") == [
        f"{where}: applies to string columns without values"
    ]


def test_values_by_category_are_unique_across_a_table_s_parts():
    lists = {"a": ["x", "y"], "b": ["z", "x"]}  # "x" stays with "a"; "c" has no list
    rng = np.random.default_rng(0)
    category = rng.choice(["a", "b", "c"], size=30)
    whole = shape_values_by(rng, lists, category, 30, unique=True)
    assert len(set(whole)) == 30
    assert set(whole[category == "b"]) >= {"z"} and "x" not in set(whole[category == "b"])
    parts = [
        shape_values_by(rng, lists, category[first : first + 10], 10, True, slot=0, first=first)
        for first in (0, 10, 20)
    ]
    joined = np.concatenate(parts)
    assert len(set(joined)) == 30
    stems = {v.rsplit(" ", 1)[0] if v[-1].isdigit() else v for v in joined[category == "a"]}
    assert stems <= {"x", "y"}
    # not unique: each row's own category's values, any category without a list from them all
    drawn = shape_values_by(rng, lists, category, 30)
    assert set(drawn[category == "b"]) <= {"z", "x"}
    assert set(drawn[category == "c"]) <= {"x", "y", "z"}


BIKES = """\
name: bikes
description: Bicycles for sale in a Dutch bike shop, 2024.
tables:
  bikes:
    rows: 200
    columns:
      id:        {type: integer, primary_key: true}
      brand:     {type: string}
      model:     {type: string}
      price_eur: {type: float, min: 200, max: 9000}
"""

BRANDS = {
    "Gazelle": ["Orange C7", "Medeo T9", "Ultimate C380", "Paris C7"],
    "Batavus": ["Finez", "Altura", "Mambo", "Quip"],
    "Trek": ["FX 2", "Marlin 5", "Domane AL 2", "Verve 1"],
}


def test_a_model_is_asked_by_its_make_which_is_asked_first(openai_stub, client):
    from codegen.pipeline.values_by import makers_to_ask

    spec = load_spec(BIKES)
    assert makers_to_ask(spec) == [("bikes", "model", "brand")]
    openai_stub.reply(json.dumps({"values": list(BRANDS) + ["Trek"]}))  # a repeat dropped
    openai_stub.reply(json.dumps({"Gazelle": 50, "Batavus": 30, "Trek": 20}))
    for models in BRANDS.values():
        openai_stub.reply(json.dumps({"values": models}))
    data = spec.model_dump(mode="json", exclude_none=True)
    answers: list[TypicalAnswer] = []
    said: list[str] = []
    assert ask_values_by(client, spec, data, answers, seed=0, say=said.append) is False
    assert [(a.column, a.asked, a.kept) for a in answers] == [
        ("brand", "makers", True),
        ("brand", "typical", True),
        ("model", "values by category", True),
    ]
    assert said[0] == "bikes.brand: Gazelle 50%, Batavus 30%, Trek 20%"
    asked = openai_stub.chat_requests[3].body["messages"][-1]["content"]
    assert 'values of "model" for bikes whose "brand" is "Batavus"' in asked
    brand = data["tables"]["bikes"]["columns"]["brand"]
    assert (brand["values"], brand["weights"]) == (list(BRANDS), [50.0, 30.0, 20.0])

    bikes = valid_tables(load_spec(json.dumps(data)))["bikes"]
    assert bikes.groupby("model")["brand"].nunique().max() == 1  # an Altura is a Batavus
    assert all(set(models) <= set(BRANDS[b]) for b, models in bikes.groupby("brand")["model"])
    assert bikes["brand"].value_counts().index[0] == "Gazelle"


def test_a_number_added_for_uniqueness_never_repeats_a_listed_value():
    from codegen.program.shaperuntime import shape_distinct

    # the model listed "Pulp Fiction" and "Pulp Fiction 2": numbering the first must not give
    # the second (a run failed its unique check so)
    listed = ["Pulp Fiction", "Pulp Fiction 2", "Up"]
    rng = np.random.default_rng(0)
    whole = shape_distinct(rng, listed, 12)
    assert len(set(whole)) == 12 and set(listed) <= set(whole)
    assert "Pulp Fiction (2)" in set(whole)  # numbered in another form
    parts = [shape_distinct(rng, listed, 4, slot=0, first=k * 4) for k in range(3)]
    assert len(set(np.concatenate(parts))) == 12
    # a list without numbers keeps the plain form
    plain = shape_distinct(rng, ["Lyon", "Paris"], 4)
    assert len(set(plain)) == 4 and all(re.fullmatch(r"(Lyon|Paris)( [23])?", v) for v in plain)
    # across categories: "Rocky" numbered is not action's "Rocky 2"
    category = np.array(["drama"] * 4 + ["action"] * 2)
    lists = {"drama": ["Rocky", "Up"], "action": ["Rocky 2"]}
    drawn = shape_values_by(rng, lists, category, 6, unique=True)
    assert len(set(drawn)) == 6


def test_a_list_that_loops_on_sequels_keeps_two_of_them_and_placeholders_none():
    from codegen.pipeline.values_by import values_kept

    looped = ["The Hangover", "The Hangover Part II", "The Hangover Part III"]
    looped += [f"The Hangover {n}" for n in range(4, 23)]  # the embedded model, listing comedies
    assert values_kept(json.dumps({"values": looped}), set()) == []  # placeholders: asked again
    assert values_kept(json.dumps({"values": looped[:6] + ["Superbad"]}), set()) == [
        "The Hangover",
        "The Hangover Part II",
        "The Hangover Part III",
        "Superbad",
    ]
    real = ["Toy Story 4", "Up", "Cars", "Cars 2", "Rocky", "Rocky II", "Rocky III", "Rocky IV"]
    assert values_kept(json.dumps({"values": real}), {"up"}) == real[:1] + real[2:7]


def test_a_model_listed_with_its_make_is_kept_without_it():
    from codegen.pipeline.values_by import values_kept

    fords = ["Ford Focus", "Fiesta", "Ford", "ford mustang", "Mustang", "Ford GT", "Fordson"]
    # the make alone is the category named; "Mustang" twice is once; "Fordson" is another word
    assert values_kept(json.dumps({"values": fords}), {"ford"}, "Ford") == [
        "Focus",
        "Fiesta",
        "mustang",
        "GT",
        "Fordson",
    ]
    benz = ["Mercedes-Benz C-Class", "E-Class"]
    assert values_kept(json.dumps({"values": benz}), set(), "Mercedes-Benz") == [
        "C-Class",
        "E-Class",
    ]
    # not for a category that is no maker: a "Pizza Margherita" is a pizza's whole name
    assert values_kept(json.dumps({"values": ["Pizza Margherita"]}), set()) == ["Pizza Margherita"]


PETS = """\
name: pets
description: Pets of a small-animal veterinary practice in Cork, Ireland.
tables:
  pets:
    rows: 300
    columns:
      id:      {type: integer, primary_key: true}
      name:    {type: string}
      species: {type: string, values: [dog, rabbit]}
"""


def test_a_list_named_as_its_category_or_too_short_is_asked_again(openai_stub, client):
    spec = load_spec(PETS)
    openai_stub.reply(json.dumps({"values": ["Buddy", "Max", "Bella", "Dog"]}))
    openai_stub.reply(json.dumps({"values": ["Rabbit", "Thumper", "rabbit"]}))  # one name
    openai_stub.reply(json.dumps({"values": ["Clover", "Hazel", "Thumper", "Oreo"]}))  # more
    data = spec.model_dump(mode="json", exclude_none=True)
    answers: list[TypicalAnswer] = []
    assert ask_values_by(client, spec, data, answers, seed=0, say=lambda line: None) is False
    assert len(openai_stub.chat_requests) == 3  # the dogs' 3 names are enough: not asked again
    again = openai_stub.chat_requests[2].body["messages"][-1]["content"]
    assert 'Each a real one: not "rabbit" itself, not numbered.' in again
    assert answers[0].lists == {  # "Rabbit", "rabbit" (Rabbi-t: placeholders) none
        "dog": ["Buddy", "Max", "Bella"],
        "rabbit": ["Clover", "Hazel", "Thumper", "Oreo"],
    }


def test_a_large_unique_column_is_asked_fewer_names_of_each_kind_not_none(openai_stub, client):
    """A supermarket's 300 products in six aisles wanted 150 names, over the spec's budget: asked
    none, they were all named from one list of fruit ("Strawberry Cherry 5" in the bakery
    aisle). Cut in proportion, each aisle is asked its own."""
    from codegen.pipeline.values_by import LIST_LEAST, VALUES_BY_PER_SPEC, within_budget

    shop = MENU.replace("rows: 24", "rows: 300").replace(", weights: [2, 3, 2, 1]", "")
    spec = load_spec(shop)
    wanted = counts(spec, "dishes", "name", "course")
    assert sum(wanted.values()) > VALUES_BY_PER_SPEC
    cut = within_budget(wanted, VALUES_BY_PER_SPEC)
    assert list(cut) == list(wanted) and sum(cut.values()) <= VALUES_BY_PER_SPEC
    assert min(cut.values()) >= 20
    assert within_budget({"a": 5, "b": 5}, 20) == {"a": 5, "b": 5}
    assert within_budget({str(n): 10 for n in range(10)}, 2 * LIST_LEAST) == {}
    words = "rosso verde bianco nero giallo oro argento mare monte lago sole luna stella fiore "
    words += "bosco campo fiume vento neve pioggia terra fuoco cielo"
    for course, count in cut.items():
        names = [f"{word.title()} di {course}" for word in words.split()][:count]
        openai_stub.reply(json.dumps({"values": names}))
    data = spec.model_dump(mode="json", exclude_none=True)
    answers: list[TypicalAnswer] = []
    assert ask_values_by(client, spec, data, answers, seed=0, say=lambda line: None) is False
    question = openai_stub.chat_requests[0].body["messages"][-1]["content"]
    assert f'List {cut["antipasto"]} realistic values of "name"' in question
    assert set(data["tables"]["dishes"]["columns"]["name"]["values_by"]["course"]) == set(cut)
