"""Spec v1: the examples load; bad specs fail with a message naming the place; the reference is
generated from the models."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from support.paths import EXAMPLES, ROOT

from codegen.errors import SdgenError, SpecError
from codegen.spec.model import (
    COLUMN_TYPES,
    RULE_KINDS,
    CheckRule,
    Column,
    IncreasingRule,
    Spec,
    Table,
    load_spec,
    parse_spec,
    spec_reference,
)


def problems(text: str) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load_spec(text)
    assert isinstance(caught.value, SdgenError)
    return caught.value.problems


def table_yaml(columns: str, rules: str = "", rows: int = 3) -> str:
    text = f"name: t\ntables:\n  t:\n    rows: {rows}\n    columns:\n{columns}"
    return text + (f"    rules:\n{rules}" if rules else "")


# --------------------------------------------------------------------------- good specs


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_examples_load(example):
    spec = load_spec(EXAMPLES / example)
    assert spec.tables and set(spec.generation_order()) == set(spec.tables)


def test_housing_example_is_the_design_spec():
    spec = load_spec(EXAMPLES / "housing.yaml")
    assert spec.generation_order() == ["location", "house_types", "housing"]
    housing = spec.tables["housing"]
    assert housing.primary_key == ("id",)
    assert housing.columns["location_id"].references == "location.id"
    assert (
        housing.columns["house_size_m2"].min == 15 and housing.columns["house_size_m2"].max == 1000
    )
    assert housing.rules[0] == IncreasingRule(increasing=["number_of_bedrooms", "house_size_m2"])
    assert housing.rules[0].min_rho == 0.3
    assert isinstance(housing.rules[2], CheckRule) and housing.rules[2].min_fraction == 1.0
    # The rest of the design's spec (DESIGN.md, "Spec (v1, YAML)", of which the example is a
    # copy), pinned here so that the test needs nothing beside the repository.
    assert spec.name == "housing"
    assert spec.description == "Housing market of a mid-size European country."
    assert {name: table.rows for name, table in spec.tables.items()} == {
        "location": 20,
        "house_types": 5,
        "housing": 100,
    }
    assert {name: list(table.columns) for name, table in spec.tables.items()} == {
        "location": ["id", "country", "city", "population"],
        "house_types": ["id", "house_type"],
        "housing": [
            "id",
            "house_size_m2",
            "house_price",
            "number_of_bedrooms",
            "location_id",
            "house_type_id",
        ],
    }
    location, house_types = spec.tables["location"], spec.tables["house_types"]
    assert location.primary_key == ("id",) and house_types.primary_key == ("id",)
    assert location.columns["city"].unique and location.columns["population"].min == 1000
    assert house_types.columns["house_type"].values == [
        "Apartment",
        "Detached",
        "Semi-detached",
        "Terraced",
        "Bungalow",
    ]
    assert housing.description == "One row per house for sale."
    assert housing.columns["house_price"].min == 10000
    bedrooms = housing.columns["number_of_bedrooms"]
    assert bedrooms.type == "integer" and (bedrooms.min, bedrooms.max) == (0, 12)
    assert housing.columns["house_type_id"].references == "house_types.id"
    assert housing.rules[1] == IncreasingRule(increasing=["house_size_m2", "house_price"])
    assert housing.rules[2].check == "house_price / house_size_m2 BETWEEN 300 AND 30000"
    assert len(housing.rules) == 3


def readme_spec() -> str:
    """The spec the README shows under "A spec"."""
    text = (ROOT / "README.md").read_text()
    return text.split("### A spec\n\n```yaml\n", 1)[1].split("```", 1)[0]


def test_readme_spec_loads_and_is_part_of_the_housing_example():
    """The README's spec is the housing example cut down: every table, column and rule it shows
    is the example's own, so the two cannot drift apart."""
    shown = load_spec(readme_spec())
    example = load_spec(EXAMPLES / "housing.yaml")
    assert shown.name == example.name
    for name, table in shown.tables.items():
        full = example.tables[name]
        assert table.rows == full.rows, name
        for column_name, column in table.columns.items():
            assert column == full.columns[column_name], f"{name}.{column_name}"
        assert all(rule in full.rules for rule in table.rules), name
    assert shown.generation_order() == [n for n in example.generation_order() if n in shown.tables]


def test_generation_order_follows_references_and_keeps_ties_in_spec_order():
    spec = load_spec(
        "name: o\ntables:\n"
        "  c: {rows: 1, columns: {id: {type: integer, primary_key: true}, "
        "b_id: {type: integer, references: b.id}}}\n"
        "  a: {rows: 1, columns: {id: {type: integer, primary_key: true}}}\n"
        "  b: {rows: 1, columns: {id: {type: integer, primary_key: true}, "
        "a_id: {type: integer, references: a.id}, up: {type: integer, nullable: true, "
        "references: b.id}}}\n"
    )
    assert spec.generation_order() == ["a", "b", "c"]
    assert sorted(spec.references()) == [
        ("b", "a_id", "a", "id"),
        ("b", "up", "b", "id"),
        ("c", "b_id", "b", "id"),
    ]


def test_values_bounds_and_dates_take_the_column_type():
    spec = load_spec(
        table_yaml(
            "      d: {type: date, min: 2020-01-01, values: [2020-01-01, '2021-06-30']}\n"
            "      ts: {type: datetime, min: '2024-01-01T10:00:00+02:00', max: 2024-12-31}\n"
            "      f: {type: float, min: 0, values: [1, 2.5]}\n"
            "      i: {type: integer, min: 0.5, values: [1, 2.0]}\n"
            "      s: {type: string, values: ['2020-01-01', 'NO']}\n"
        )
    )
    cols = spec.tables["t"].columns
    assert cols["d"].min == dt.date(2020, 1, 1)
    assert cols["d"].values == [dt.date(2020, 1, 1), dt.date(2021, 6, 30)]
    assert cols["ts"].min == dt.datetime(2024, 1, 1, 8, 0)  # converted to UTC, naive
    assert cols["ts"].max == dt.datetime(2024, 12, 31)
    assert cols["f"].values == [1.0, 2.5] and isinstance(cols["f"].values[0], float)
    assert cols["i"].values == [1, 2] and all(type(v) is int for v in cols["i"].values)
    assert cols["s"].values == ["2020-01-01", "NO"]  # dates stay text in a string column


def test_parse_spec_takes_a_dict_and_models_are_frozen():
    spec = parse_spec(
        {"name": "d", "tables": {"t": {"rows": 0, "columns": {"x": {"type": "boolean"}}}}}
    )
    assert spec.tables["t"] == Table(rows=0, columns={"x": Column(type="boolean")})
    with pytest.raises(Exception, match="frozen"):
        spec.tables["t"].rows = 5  # type: ignore[misc]
    assert isinstance(spec, Spec)


# ---------------------------------------------------------------------------- bad specs

TYPO_REFERENCE = """
name: housing
tables:
  location:
    rows: 20
    columns:
      id: {type: integer, primary_key: true}
  housing:
    rows: 100
    columns:
      id: {type: integer, primary_key: true}
      location_id: {type: integer, references: locaton.id}
"""

BAD_SPECS = {
    "reference to a missing table": (
        TYPO_REFERENCE,
        "tables.housing.columns.location_id.references: no table 'locaton' (did you mean "
        "'location'?)",
    ),
    "reference to a missing column": (
        TYPO_REFERENCE.replace("locaton.id", "location.idd"),
        "tables.housing.columns.location_id.references: table 'location' has no column 'idd' "
        "(did you mean 'id'?)",
    ),
    "referenced table without a primary key": (
        TYPO_REFERENCE.replace("locaton.id", "location.id").replace(
            "id: {type: integer, primary_key: true}\n  housing", "id: {type: integer}\n  housing"
        ),
        "tables.housing.columns.location_id.references: table 'location' has no primary key; "
        "mark location.id primary_key: true",
    ),
    "reference not table.column": (
        TYPO_REFERENCE.replace("locaton.id", "location"),
        "tables.housing.columns.location_id.references: expected 'table.column', got 'location'",
    ),
    "reference of another type": (
        TYPO_REFERENCE.replace("locaton.id", "location.id").replace(
            "location_id: {type: integer", "location_id: {type: string"
        ),
        "tables.housing.columns.location_id.references: string column cannot reference "
        "location.id of type integer",
    ),
    "unknown column key": (
        table_yaml("      id: {type: integer, primay_key: true}\n"),
        "tables.t.columns.id: unknown key 'primay_key' (did you mean 'primary_key'?)",
    ),
    "unknown table key": (
        "name: t\ntables:\n  t:\n    rows: 1\n    colums: {}\n",
        "tables.t: unknown key 'colums' (did you mean 'columns'?)",
    ),
    "unknown top-level key": (
        "name: t\ntabels: {}\n",
        "spec: unknown key 'tabels' (did you mean 'tables'?)",
    ),
    "unknown type": (
        table_yaml("      id: {type: strng}\n"),
        "tables.t.columns.id.type: unknown type 'strng' (did you mean 'string'?); use one of "
        "integer, float, string, boolean, date, datetime",
    ),
    "missing type": (
        table_yaml("      id: {unique: true}\n"),
        "tables.t.columns.id: missing key 'type'",
    ),
    "min greater than max": (
        table_yaml("      n: {type: integer, min: 10, max: 5}\n"),
        "tables.t.columns.n: min 10 is greater than max 5",
    ),
    "dates min greater than max": (
        table_yaml("      d: {type: date, min: 2024-02-01, max: 2024-01-01}\n"),
        "tables.t.columns.d: min 2024-02-01 is greater than max 2024-01-01",
    ),
    "bad date": (
        table_yaml("      d: {type: date, min: 2024-13-01}\n"),
        "tables.t.columns.d.min: expected a date like 2024-01-31, got '2024-13-01'",
    ),
    "min on a string": (
        table_yaml("      s: {type: string, min: 3}\n"),
        "tables.t.columns.s.min: min applies to integer, float, date, datetime columns",
    ),
    "value of the wrong type": (
        table_yaml("      n: {type: integer, values: [1, two, 3]}\n"),
        "tables.t.columns.n.values: item 1: expected a number, got 'two'",
    ),
    "yes/no read as booleans": (
        table_yaml("      s: {type: string, values: [yes, no]}\n"),
        "tables.t.columns.s.values: item 0: expected a string, got true; quote it (YAML reads "
        "yes/no/on/off as booleans)",
    ),
    "fractional value in an integer column": (
        table_yaml("      n: {type: integer, values: [1, 2.5]}\n"),
        "tables.t.columns.n.values: item 1: expected an integer, got 2.5",
    ),
    "value listed twice": (
        table_yaml("      s: {type: string, values: [a, b, a]}\n"),
        "tables.t.columns.s.values: 'a' is listed twice",
    ),
    "value outside min and max": (
        table_yaml("      n: {type: integer, min: 0, max: 5, values: [1, 9]}\n"),
        "tables.t.columns.n.values: 9 is above max 5",
    ),
    "bad regex": (
        table_yaml("      s: {type: string, pattern: '[a-'}\n"),
        "tables.t.columns.s.pattern: not a valid regular expression for Python: unterminated "
        "character set at position 0",
    ),
    "regex RE2 cannot run": (
        table_yaml("      s: {type: string, pattern: '(?=a)a'}\n"),
        "tables.t.columns.s.pattern: not a valid RE2 regular expression: Invalid Input Error: "
        "invalid perl operator: (?=",
    ),
    "regex read differently by RE2 and Python": (
        table_yaml("      s: {type: string, pattern: 'a{,3}'}\n"),
        "tables.t.columns.s.pattern: {,n} is 0 to n repeats for Python's re but the text '{,n}' "
        "for RE2 (validation): write {0,n}",
    ),
    "POSIX class": (
        table_yaml("      s: {type: string, pattern: '[[:alpha:]]+'}\n"),
        "tables.t.columns.s.pattern: POSIX classes such as [[:alpha:]] mean something else to "
        "Python's re, which programs use: write [A-Za-z] and the like",
    ),
    "pattern on a number": (
        table_yaml("      n: {type: integer, pattern: '[0-9]+'}\n"),
        "tables.t.columns.n.pattern: pattern applies to string columns only",
    ),
    "nullable primary key": (
        table_yaml("      id: {type: integer, primary_key: true, nullable: true}\n"),
        "tables.t.columns.id: a primary key cannot be nullable",
    ),
    "unique values fewer than rows": (
        table_yaml("      s: {type: string, unique: true, values: [a, b]}\n", rows=3),
        "tables.t.columns.s: unique with 2 allowed values cannot fill 3 rows",
    ),
    "negative rows": (
        "name: t\ntables:\n  t: {rows: -1, columns: {x: {type: integer}}}\n",
        "tables.t.rows: input should be greater than or equal to 0, got -1",
    ),
    "rows not a number": (
        "name: t\ntables:\n  t: {rows: many, columns: {x: {type: integer}}}\n",
        "tables.t.rows: input should be a valid integer, got 'many'",
    ),
    "no columns": ("name: t\ntables:\n  t: {rows: 1, columns: {}}\n", "tables.t.columns: "),
    "table name unfit for a file": (
        "name: t\ntables:\n  my table: {rows: 1, columns: {x: {type: integer}}}\n",
        "tables.my table: a table name holds only letters, digits and '_'",
    ),
    "columns differing in case": (
        table_yaml("      Price: {type: float}\n      price: {type: float}\n"),
        "tables.t.columns.price: differs from column 'Price' only in case (SQL treats them as "
        "one)",
    ),
    "reference cycle": (
        "name: c\ntables:\n"
        "  a: {rows: 1, columns: {id: {type: integer, primary_key: true}, "
        "b_id: {type: integer, references: b.id}}}\n"
        "  b: {rows: 1, columns: {id: {type: integer, primary_key: true}, "
        "a_id: {type: integer, references: a.id}}}\n",
        "tables.a: reference cycle a -> b -> a; tables must be generable in an order "
        "(self-references are fine)",
    ),
    "rule naming a missing column": (
        table_yaml("      x: {type: float}\n", "      - increasing: [x, yy]\n"),
        "tables.t.rules[0].increasing: table 't' has no column 'yy'",
    ),
    "rule on a string column": (
        table_yaml(
            "      x: {type: float}\n      s: {type: string}\n", "      - decreasing: [x, s]\n"
        ),
        "tables.t.rules[0].decreasing: column 's' is string; rules rank integer, float, boolean, "
        "date, datetime columns",
    ),
    "rule with three columns": (
        table_yaml("      x: {type: float}\n", "      - increasing: [x, x, x]\n"),
        "tables.t.rules[0].increasing: list should have at most 2 items after validation, not 3",
    ),
    "rule without a kind": (
        table_yaml("      x: {type: float}\n", "      - {min_rho: 0.5}\n"),
        "tables.t.rules[0]: a rule needs one of increasing, decreasing, check",
    ),
    "min_rho above 1": (
        table_yaml(
            "      x: {type: float}\n      y: {type: float}\n",
            "      - {increasing: [x, y], min_rho: 1.5}\n",
        ),
        "tables.t.rules[0].min_rho: input should be less than or equal to 1, got 1.5",
    ),
    "check with a syntax error": (
        table_yaml("      x: {type: float}\n", "      - check: 'x >'\n"),
        "tables.t.rules[0].check: not a SQL expression: Parser Error: syntax error",
    ),
    "check naming a missing column": (
        table_yaml("      price: {type: float}\n", "      - check: 'prize > 0'\n"),
        'tables.t.rules[0].check: Binder Error: Referenced column "prize" not found in FROM '
        'clause! Candidate bindings: "price"',
    ),
    "check that is not boolean": (
        table_yaml("      x: {type: float}\n", "      - check: 'x + 1'\n"),
        "tables.t.rules[0].check: must be a true/false condition, but gives DOUBLE",
    ),
    "check with an aggregate": (
        table_yaml("      x: {type: float}\n", "      - check: 'x > avg(x)'\n"),
        "tables.t.rules[0].check: must be a per-row condition; aggregate and window functions "
        "are not allowed",
    ),
    "check with two statements": (
        table_yaml("      x: {type: float}\n", "      - check: 'x > 0; DROP TABLE t'\n"),
        "tables.t.rules[0].check: not a SQL expression: ",
    ),
    "check reading a file": (
        table_yaml(
            "      x: {type: float}\n",
            "      - check: \"x > (SELECT count(*) FROM read_csv('/etc/passwd'))\"\n",
        ),
        "tables.t.rules[0].check: Permission Error: Cannot access file",
    ),
    "duplicate YAML key": (
        table_yaml("      x: {type: float}\n      x: {type: integer}\n"),
        "line 7, column 7: YAML error: duplicate key 'x'",
    ),
    "YAML syntax error": ("name: t\ntables: [\n", "line 3, column 1: YAML error:"),
    "not a mapping": ("- a\n- b\n", "spec: expected a mapping with name and tables, got a list"),
    "empty": ("", "spec: expected a mapping with name and tables, got empty"),
    "bad spec name": (
        "name: ../x\ntables: {t: {rows: 1, columns: {x: {type: integer}}}}\n",
        "name: '../x' must start with a letter or digit",
    ),
}


@pytest.mark.parametrize("case", list(BAD_SPECS))
def test_bad_spec_fails_naming_the_place(case):
    text, expected = BAD_SPECS[case]
    found = problems(text)
    assert any(p.startswith(expected) for p in found), found


def test_every_problem_is_reported_at_once():
    found = problems(
        table_yaml(
            "      a: {type: integer, min: 5, max: 1}\n"
            "      b: {type: string, pattern: '[a-'}\n"
            "      c: {type: integer, references: nowhere.id}\n",
            "      - check: 'zz > 1'\n",
        )
    )
    assert [p.split(":")[0] for p in found] == [
        "tables.t.columns.a",
        "tables.t.columns.b.pattern",
        "tables.t.columns.c.references",
        "tables.t.rules[0].check",
    ]
    assert str(SpecError(found)).splitlines() == found


def test_missing_file_and_path_forms(tmp_path):
    with pytest.raises(SpecError, match=r"nope\.yaml: cannot read the spec: No such file"):
        load_spec(tmp_path / "nope.yaml")
    with pytest.raises(SpecError, match="cannot read the spec"):
        load_spec(str(tmp_path / "nope.yml"))
    path = tmp_path / "h.yaml"
    path.write_text((EXAMPLES / "housing.yaml").read_text())
    assert load_spec(path) == load_spec(str(path)) == load_spec(path.read_text())


def test_self_reference_and_composite_key_are_valid():
    spec = load_spec(EXAMPLES / "staff.yaml")
    assert spec.tables["assignments"].primary_key == ("employee_id", "project_id")
    assert spec.tables["employees"].columns["manager_id"].references == "employees.id"
    # a composite key's column alone cannot be referenced
    found = problems(
        (EXAMPLES / "staff.yaml").read_text() + "  reviews:\n    rows: 1\n    columns:\n"
        "      project_id: {type: integer, references: assignments.project_id}\n"
    )
    assert found == [
        "tables.reviews.columns.project_id.references: assignments.project_id is neither the "
        "primary key nor unique, so it cannot be referenced"
    ]


# -------------------------------------------------------------------------- reference doc


def test_reference_is_generated_from_the_models():
    text = spec_reference()
    for model in (Spec, Table, Column, *RULE_KINDS.values()):
        for name, field in model.model_fields.items():
            line = next(line for line in text.splitlines() if line.startswith(f"- `{name}` ("))
            assert field.description and field.description in text, (model, name)
            assert line
    for kind in COLUMN_TYPES:
        assert f"`{kind}`" in text
    assert re.search(r"- `min_rho` \(number; default 0\.3\)", text)
    assert re.search(r"- `min_fraction` \(number; default 1\.0\)", text)
    assert "- `rows` (integer; required)" in text
