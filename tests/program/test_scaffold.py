"""The starting program built from a spec: mechanical parts written out and correct, the rest left
as `...` with the column's constraints."""

from __future__ import annotations

import ast

import pytest
from support.paths import EXAMPLES

from codegen.program.scaffold import build_scaffold
from codegen.spec.model import load_spec

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_scaffold_parses_and_names_every_table_and_column(path):
    spec = load_spec(path.read_text())
    scaffold = build_scaffold(spec).source
    tree = ast.parse(scaffold)
    function = next(n for n in tree.body if getattr(n, "name", "") == "generate")
    assert [a.arg for a in function.args.args] == ["rows", "seed", "part"]
    assert scaffold.count("= shape_table(") == len(spec.tables)  # each table's part
    for table_name, table in spec.tables.items():
        assert f'"{table_name}": [' in scaffold  # in PARENTS
        for column in table.columns:
            assert f"{column!r}:" in scaffold or f'"{column}":' in scaffold


def test_housing_scaffold_writes_keys_and_leaves_judgement_to_the_model():
    spec = load_spec((EXAMPLES / "housing.yaml").read_text())
    scaffold = build_scaffold(spec).source
    assert "location_ids = first_location + np.arange(1, n_location + 1)" in scaffold
    # Houses per location are skewed (a few places have many); house types, a lookup, even.
    assert "location_id_share = shape_shares(rng, len(location), location_id_skew)" in scaffold
    assert 'shape_keys(rng, location["id"].to_numpy(), n_housing, location_id_share)' in scaffold
    assert 'house_type_id = rng.choice(house_types["id"].to_numpy(), size=n_housing)' in scaffold
    # Tables come in dependency order: parents before the table that refers to them.
    assert scaffold.index("location = pd.DataFrame") < scaffold.index("housing = pd.DataFrame")
    # Mechanical columns are written out; rule targets come after their source, computed from it
    # by a written formula whose numbers are left to the model.
    assert "number_of_bedrooms = rng.integers(0, 12 + 1, size=n_housing)" in scaffold
    assert scaffold.index("number_of_bedrooms =") < scaffold.index("house_size_m2 =")
    # A price with no cap from a size: a rate per m2 with a capped spread, so the ratio check holds.
    rate = "house_price_slope\n            * house_size_m2\n            * np.clip(rng.lognormal("
    assert rate in scaffold
    # written as a person writes them: a house's price in whole euros, its size to 1 decimal
    assert "house_price: float; at least 10000.0; 0 decimals" in scaffold
    # A lookup table with a row per fixed value takes each value once.
    assert (
        '"Bungalow"])[\n        (first_house_types + np.arange(n_house_types)) % 5\n    ]'
        in scaffold
    )
    assert "must rise as house_size_m2 rises" in scaffold
    assert "house_price / house_size_m2 BETWEEN 300 AND 30000" in scaffold
    # Left to the model: one list of (country, city) pairs, so that each city is in its own
    # country. The numbers are defaults it may tune.
    assert scaffold.count("= [...]\n") == 1
    assert "country_city_pairs = [...]" in scaffold
    assert "listed as (country, city) pairs that are true of real places, 20 or more" in scaffold
    assert "house_price_slope = 1000\n" in scaffold


def test_scaffold_defaults_alone_pass_validation(sandbox_image, no_leftovers, tmp_path):
    """With only the value lists filled in, the starting program already meets the housing spec:
    keys, bounds, both rules and the price-per-m2 check. The model's part is realism."""
    from codegen.validation.validator import validate
    from sandbox import run

    spec = load_spec((EXAMPLES / "housing.yaml").read_text())
    program = build_scaffold(spec).source.replace(
        "country_city_pairs = [...]",
        "country_city_pairs = [('Utopia', 'Springfield'), ('Utopia', 'Shelbyville')]",
    )
    rows = {"location": 20, "house_types": 5, "housing": 2000}
    result = run(program, tmp_path / "out", rows=rows, seed=1)
    assert result.ok, result.error
    tables = {name: table.path for name, table in result.tables.items()}
    report = validate(spec, tables, rows)
    assert report.ok, report.as_text()


def test_placeholders_left_in_a_program_are_found():
    from codegen.pipeline.program import placeholder_lines

    program = "values = [...]\nx = ...\ndef stub(): ...\ny = a[..., 0]\n"
    assert placeholder_lines(program) == [1, 2]


def test_staff_scaffold_handles_a_manager_tree_and_a_pair_key(
    sandbox_image, no_leftovers, tmp_path
):
    """A self-reference becomes a tree (each row points at an earlier one, the first at none), and a
    primary key of two foreign keys becomes distinct pairs: the defaults pass validation."""
    import re

    from codegen.validation.validator import validate
    from sandbox import run

    spec = load_spec((EXAMPLES / "staff.yaml").read_text())
    scaffold = build_scaffold(spec).source
    assert "rng.integers(1, np.maximum(employees_ids, 2))" in scaffold
    assert "replace=False" in scaffold
    # The department code ([A-Z]{3}, the primary key) is drawn from its pattern, distinct.
    drawn = r"code = strings_from_pattern\(\s+rng,\s+n_departments,.*unique=True,\s+part=slot_"
    assert re.search(drawn, scaffold, re.DOTALL)
    program = re.sub(r"(\w+_values) = \[\.\.\.\]", r"\1 = ['Alpha', 'Beta']", scaffold)
    rows = {name: table.rows for name, table in spec.tables.items()}
    result = run(program, tmp_path / "out", rows=rows, seed=3)
    assert result.ok, result.error
    report = validate(spec, {name: t.path for name, t in result.tables.items()}, rows)
    assert report.ok, report.as_text()


ORDERS = """\
name: orders
tables:
  orders:
    rows: 10
    columns:
      id:         {type: integer, primary_key: true}
      status:     {type: string}
      placed_at:  {type: datetime, min: 2023-01-01, max: 2023-12-31, unique: true}
      # another row's time (a self-reference to a column that is not a key): a line only the
      # model can write, since a date or datetime with no bounds is drawn
      shipped_at: {type: datetime, nullable: true, references: orders.placed_at}
      weight:     {type: float, min: 0}
    rules:
      - check: "shipped_at IS NULL OR dayname(shipped_at) <> 'Sunday'"
"""


def test_blanks_are_listed_with_their_column_note():
    found = {b.name: b for b in build_scaffold(load_spec(ORDERS)).blanks}
    assert {n: b.kind for n, b in found.items()} == {
        "status_values": "values",
        "shipped_at": "code",
        "weight_mean": "number",
        "weight_sd": "number",
    }
    assert found["shipped_at"].line == "shipped_at = ..."
    assert found["shipped_at"].note.startswith("# shipped_at: datetime; may be null")
    assert found["weight_sd"].note.startswith("# weight: float")


def test_fill_blanks_takes_values_numbers_and_expressions_with_their_helpers():
    from codegen.program.blanks import fill_blanks

    scaffold = build_scaffold(load_spec(ORDERS))
    reply = (
        "status_values = ['new', 'paid', ...]\n"
        "weight_mean = 2.5\n"
        "days = rng.integers(1, 10, size=n_orders)\n"
        "shipped_at = pd.Series(placed_at + pd.to_timedelta(days, unit='D'))\n"
    )
    program, missing = fill_blanks(scaffold, reply)
    assert missing == [] and program is not None
    ast.parse(program)
    assert "status_values = ['new', 'paid']" in program.replace('"', "'")
    assert "weight_mean = 2.5" in program and "weight_sd = " in program
    assert program.index("days = rng.integers") < program.index("shipped_at = pd.Series")
    defaults, _ = fill_blanks(scaffold, reply, numbers=False)
    assert defaults is not None and "weight_mean = 2.5" not in defaults
    # Anything else the reply assigns to the program's own names is not taken.
    kept, _ = fill_blanks(scaffold, reply + "placed_at = None\n")
    assert kept == program


def test_fill_blanks_takes_lines_ending_in_a_comma_as_without_it():
    """The embedded model wrote a flights reply's lines as a dict's, each ending in a comma:
    ``name_values = [...],`` is a tuple holding the list, and all three attempts failed."""
    from codegen.program.blanks import fill_blanks

    scaffold = build_scaffold(load_spec(ORDERS))
    reply = (
        "status_values = ['new', 'paid'],\n"
        "shipped_at = pd.Series(placed_at + pd.to_timedelta(1, unit='D')),\n"
    )
    program, missing = fill_blanks(scaffold, reply)
    assert missing == [] and program is not None
    assert "status_values = ['new', 'paid']" in program.replace('"', "'")
    assert "shipped_at = pd.Series(placed_at" in program


def test_fill_blanks_reports_what_is_missing_and_never_runs_the_values():
    from codegen.program.blanks import fill_blanks

    scaffold = build_scaffold(load_spec(ORDERS))
    program, missing = fill_blanks(scaffold, "status_values = [open('/etc/passwd').read()]\n")
    assert program is None and missing == ["status_values", "shipped_at"]
    assert fill_blanks(scaffold, "x = (")[1] == ["status_values", "shipped_at"]


def test_shop_scaffold_meets_patterns_and_checks_with_its_defaults(
    sandbox_image, no_leftovers, tmp_path
):
    """Emails, SKUs and coupons come from their patterns (distinct where unique); shipped_at is
    made from placed_at (its check orders them) and is null exactly where status is 'placed' (its
    other check says so), after both. The shop spec passes with the defaults alone."""
    from codegen.validation.validator import validate
    from sandbox import run

    spec = load_spec((EXAMPLES / "shop.yaml").read_text())
    starting = build_scaffold(spec)
    assert {b.kind for b in starting.blanks} == {"number"}
    scaffold = starting.source
    assert scaffold.index("    status = ") < scaffold.index("    shipped_at = ")
    assert '.mask(status == "placed")' in scaffold and "shipped_at_days_high = 30" in scaffold
    rows = {name: table.rows for name, table in spec.tables.items()}
    result = run(scaffold, tmp_path / "out", rows=rows, seed=5)
    assert result.ok, result.error
    report = validate(spec, {name: t.path for name, t in result.tables.items()}, rows)
    assert report.ok, report.as_text()


def test_a_column_under_a_check_on_it_alone_is_offered_and_taken_only_when_asked():
    from codegen.program.blanks import fill_blanks

    spec = load_spec(
        ORDERS.replace(
            "    rules:\n", "    rules:\n      - check: 'SQRT(weight) = FLOOR(SQRT(weight))'\n"
        )
    )
    scaffold = build_scaffold(spec)
    found = {b.name: b for b in scaffold.blanks}
    assert found["weight"].kind == "column"
    assert "must hold: SQRT(weight) = FLOOR(SQRT(weight))" in found["weight"].note
    assert "shipped_at" not in found or found["shipped_at"].kind == "code"
    reply = (
        "status_values = ['new']\nshipped_at = placed_at\n"
        "weight = rng.integers(1, 9, size=n_orders) ** 2\n"
    )
    plain, _ = fill_blanks(scaffold, reply)
    rewritten, _ = fill_blanks(scaffold, reply, columns=True)
    assert plain is not None and "** 2" not in plain
    assert rewritten is not None and "weight = rng.integers(1, 9, size=n_orders) ** 2" in rewritten


def test_candidates_come_in_the_order_asked_and_earlier_lines_carry_over():
    from codegen.pipeline.program import program_candidates

    scaffold = build_scaffold(load_spec(ORDERS))
    lines = "status_values = ['new', 'paid']\nweight_mean = 9.5\n"
    whole = "import numpy as np\n\n\ndef generate(rows, seed):\n    status_values = ['x']\n"
    found, missing = program_candidates(lines, scaffold, ask="blanks")
    assert found == [] and missing == ["shipped_at"]  # a code blank is still open
    found, missing = program_candidates(
        "shipped_at = placed_at\n", scaffold, ask="blanks", earlier=lines
    )
    assert missing == [] and [v for v, _ in found] == [
        "blanks filled in",
        "blanks filled in, default numbers",
    ]
    assert "weight_mean = 9.5" in found[0][1] and "weight_mean = 9.5" not in found[1][1]
    # A whole program: tried as written first when the whole program was asked for, last when
    # the blanks were; its assignments fill the blanks too (here not all of them).
    found, _ = program_candidates(whole, scaffold, ask="program")
    assert [v for v, _ in found] == ["as written"]
    found, _ = program_candidates(whole, scaffold, ask="blanks", earlier=lines)
    assert [v for v, _ in found] == ["as written"]  # earlier lines never join a whole program


AIRPORTS = """\
name: airports
tables:
  airports:
    rows: 60
    columns:
      id:        {type: integer, primary_key: true}
      icao_code: {type: string, unique: true, pattern: '^[A-Z]{4}$'}
      runway_m:  {type: integer, min: 800, max: 4000}
    rules:
      - check: "LEFT(icao_code, 1) IN ('E', 'L', 'B')"
      - check: "RIGHT(icao_code, 1) <> 'X'"
"""


def test_a_unique_pattern_column_is_drawn_from_a_larger_pool_filtered_by_its_own_checks(tmp_path):
    """Redrawing failing rows could not keep a unique column unique, and a 1.5B model cannot
    meet `LEFT(icao_code, 1) IN (...)`: the starting program draws more codes than it needs and
    keeps those its own checks allow. Run in process through the sandbox's harness."""
    import json

    from codegen.validation.validator import validate
    from sandbox import harness

    spec = load_spec(AIRPORTS)
    program = build_scaffold(spec).source
    assert "icao_code = sql_filtered(" in program and "def sql_filtered(" in program
    (tmp_path / "program.py").write_text(program)
    rows = {"airports": 60}
    code = harness.main([str(tmp_path / "program.py"), str(tmp_path), "--rows", json.dumps(rows)])
    assert code == 0, (tmp_path / "manifest.json").read_text()
    report = validate(spec, {"airports": tmp_path / "airports.parquet"}, rows)
    assert report.ok, report.as_text()


def test_free_text_takes_its_meaning_from_the_column_name_not_from_example_words():
    """A line item's description mentions a 'Homepage redesign': it is the model's to fill in,
    not a URL from Faker. The client's company name is Faker's (a company, by its name)."""
    scaffold = build_scaffold(load_spec((EXAMPLES / "invoicing.yaml").read_text()))
    assert "description_values = [...]" in scaffold.source
    assert "    company_name = realistic_strings(" in scaffold.source


def test_a_bare_name_column_says_whose_name_it_is():
    """A small model fills "name" with people's names unless told it names a department."""
    spec = load_spec((EXAMPLES / "staff.yaml").read_text())
    assert "the name of one of the departments" in build_scaffold(spec).source


def test_a_country_code_with_a_pattern_goes_with_its_city():
    """Airports: ('Barcelona', 'ES'), not a city and a random two-letter code."""
    spec = load_spec((EXAMPLES / "flights.yaml").read_text())
    source = build_scaffold(spec).source
    assert "city_country_code_pairs = [...]" in source
    assert "listed as (city, country_code) pairs" in source


def test_country_names_become_codes_even_in_pairs_written_the_other_way_round():
    """Asked for (city, country_code), the 1.5B model wrote ("Portugal", "Porto") in a bench run;
    the starting program turns such a pair and writes the country as its code."""
    from codegen.program.scaffold import _COUNTRY_CODES
    from codegen.program.shaperuntime import shape_codes

    asked = [("Porto", "Portugal"), ("Spain", "Madrid"), ("Lyon", "FR"), ("Vienna", "Austria")]
    assert shape_codes(asked, 1, _COUNTRY_CODES) == [
        ("Porto", "PT"), ("Madrid", "ES"), ("Lyon", "FR"), ("Vienna", "AT"),
    ]  # fmt: skip
    # Neither side a country it knows: left as written (validation then says what is wrong).
    assert shape_codes([("Atlantis", "Mu")], 1, _COUNTRY_CODES) == [("Atlantis", "Mu")]


def test_a_city_that_is_a_country_becomes_that_country_s_largest_place_not_listed():
    """Asked for (city, country_code) pairs of a regional airline's airports, the 1.5B model
    wrote ("Portugal", "PT"), ("Spain", "ES"), ...: airports named "France Airport" in the city
    of France. Each such city becomes its country's largest place (GeoNames) no row lists."""
    from codegen.program.scaffold import _COUNTRY_CODES
    from codegen.program.shaperuntime import shape_codes

    asked = [("Portugal", "PT"), ("Madrid", "ES"), ("Spain", "ES"), ("Italy", "Italy")]
    got = shape_codes(asked, 1, _COUNTRY_CODES)
    assert got[0] == ("Lisbon", "PT") and got[1] == ("Madrid", "ES")
    assert got[2][1] == "ES" and got[2][0] not in ("Spain", "Madrid")  # the next largest
    assert got[3] == ("Rome", "IT")


def test_value_lists_of_dates_and_datetimes_are_written_as_numpy_datetimes(tmp_path):
    """A drafted timetable listed its days: the program had printed them as date(...), which it
    cannot read (NameError)."""
    from support.inprocess_runner import InProcessRunner

    from codegen.validation.validator import validate

    spec = load_spec(
        "name: dv\ntables:\n  t:\n    rows: 50\n    columns:\n"
        "      id: {type: integer, primary_key: true}\n"
        "      day: {type: date, values: [2024-09-02, 2024-09-03]}\n"
        "      at: {type: datetime, values: ['2024-09-02 08:30:00', '2024-09-02 09:20:00']}\n"
    )
    source = build_scaffold(spec).source
    assert "datetime.date(" not in source and "dtype='datetime64[D]'" in source.replace('"', "'")
    result = InProcessRunner().run(source, tmp_path / "out", rows={"t": 50}, seed=0)
    assert result.ok, result.error
    report = validate(spec, {t: f.path for t, f in result.tables.items()}, {"t": 50})
    assert report.ok, report.as_text()
