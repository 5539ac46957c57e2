"""Columns tied to others by a table's checks: the plan read off the parsed checks
(``codegen.program.rules``), and starting programs built from it that pass those checks in the
real sandbox."""

from __future__ import annotations

import pytest

from codegen.program.rules import plan_table
from codegen.program.scaffold import build_scaffold
from codegen.spec.model import load_spec

TRIPS = """\
name: trips
tables:
  trips:
    rows: 400
    columns:
      id:          {type: integer, primary_key: true}
      booked_on:   {type: date, min: 2024-01-01, max: 2024-06-30}
      starts_on:   {type: date, min: 2024-01-01, max: 2024-12-31}
      ends_on:     {type: date, nullable: true}
      state:       {type: string, values: [open, cancelled, done], nullable: true}
      min_price:   {type: float, min: 10, max: 500}
      max_price:   {type: float, min: 10, max: 2000}
      seats:       {type: integer, min: 1, max: 9}
      free_seats:  {type: integer, min: 0}
      insured:     {type: boolean, nullable: true}
      minutes:     {type: integer, min: 12, max: 90}
      fee:         {type: float}
    rules:
      - check: "starts_on > booked_on"
      - check: "ends_on IS NULL OR ends_on >= starts_on"
      - check: "(ends_on IS NULL) = (state <> 'done')"
      - check: "min_price <= max_price"
      - check: "free_seats < seats"
      - check: "minutes % 15 = 0"
      - check: "fee = ROUND(seats * min_price, 2) + 3"
"""


def plan(text: str = TRIPS):
    return plan_table(load_spec(text).tables["trips"], "trips")


def bounds(column: str, text: str = TRIPS) -> list[tuple[str, str]]:
    """A column's bounds as (">", "booked_on"): the column is greater than the other side."""
    words = {(True, True): ">", (True, False): ">=", (False, True): "<", (False, False): "<="}
    return [(words[b.lower, b.strict], b.tree.sql()) for b in plan(text).columns[column].bounds]


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("starts_on", [(">", "booked_on")]),
        ("ends_on", [(">=", "starts_on")]),  # inside "ends_on IS NULL OR ..."
        ("max_price", [(">=", "min_price")]),  # written the other way round in the check
        ("free_seats", [("<", "seats")]),
        ("booked_on", []),  # the earlier column is never made from the later one
        ("min_price", []),
        ("state", []),  # not an ordered type
    ],
)
def test_bounds_are_read_from_either_side_of_a_comparison(column, expected):
    assert bounds(column) == expected


def test_null_rows_are_read_from_an_equality_of_conditions():
    where = plan().columns["ends_on"].null_where
    assert where is not None and where.tree.sql() == "state <> 'done'"
    other = TRIPS.replace("(ends_on IS NULL) = (state <> 'done')",
                          "(state = 'open') = (ends_on IS NOT NULL)")  # fmt: skip
    where = plan(other).columns["ends_on"].null_where
    assert where is not None and where.tree.sql() == "NOT (state = 'open')"
    assert plan().columns["insured"].null_where is None


def test_steps_and_formulas_are_read_from_their_checks():
    trips = plan()
    assert trips.columns["minutes"].step == 15 and trips.columns["seats"].step is None
    fee = trips.columns["fee"].define
    assert fee is not None and fee.tree.sql() == "ROUND(seats * min_price, 2) + 3"
    assert fee.reads == {"seats", "min_price"}
    assert trips.columns["seats"].define is None
    assert trips.exact >= {1, 2, 4, 5, 6}  # starts_on is clipped to its max: enforced


def test_a_column_is_never_made_from_one_made_from_it():
    """``min_price = fee / 2`` defines min_price from fee; fee's own check would then read
    min_price, so fee is not made from it: that check is left to be enforced."""
    trips = plan(TRIPS.replace('"minutes % 15 = 0"', '"min_price = fee / 2"'))
    assert trips.columns["min_price"].define is not None
    assert trips.columns["fee"].define is None and 6 not in trips.exact


@pytest.mark.parametrize(
    ("check", "column", "expected"),
    [
        ("ABS(max_price - min_price) <= 50", "max_price", [(">=", "-50 + min_price"),
                                                           ("<=", "50 + min_price")]),
        ("max_price BETWEEN min_price AND min_price * 2", "max_price",
         [(">=", "min_price"), ("<=", "min_price * 2")]),
        ("max_price - min_price >= 5", "max_price", [(">=", "5 + min_price")]),
        ("NOT max_price < min_price", "max_price", [(">=", "min_price")]),
    ],
)  # fmt: skip
def test_sums_abs_between_and_not_are_read_as_bounds(check, column, expected):
    text = TRIPS.replace('"min_price <= max_price"', f'"{check}"')
    assert bounds(column, text) == expected


def test_literal_bounds_tighten_min_and_max_and_lists_keep_what_passes():
    text = TRIPS.replace('"minutes % 15 = 0"', '"seats > 2 AND seats <= 8.5"').replace(
        "state:       {type: string, values: [open, cancelled, done], nullable: true}",
        "state:       {type: string, values: [open, cancelled, done, x], nullable: true}",
    )
    text += "      - check: \"state NOT IN ('cancelled') AND LENGTH(state) > 1\"\n"
    trips = plan(text)
    assert (trips.columns["seats"].low, trips.columns["seats"].high) == (3, 8)
    assert trips.columns["state"].values == ["open", "done"]
    assert {5, 7} <= trips.exact


def test_columns_tied_by_checks_pass_them(sandbox_image, no_leftovers, tmp_path):
    from codegen.validation.validator import validate
    from sandbox import run

    spec = load_spec(TRIPS)
    scaffold = build_scaffold(spec).source
    # Made from the earlier column, after it and after the column its nulls follow.
    assert scaffold.index("    state = ") < scaffold.index("    ends_on = ")
    assert '.mask(state != "done")' in scaffold
    assert 'dtype="boolean"' in scaffold  # a nullable boolean stays boolean
    result = run(scaffold, tmp_path / "out", rows={"trips": 3000}, seed=2)
    assert result.ok, result.error
    report = validate(spec, {name: t.path for name, t in result.tables.items()}, {"trips": 3000})
    assert report.ok, report.as_text()


def _one(column: str, check: str, extra: str = "") -> str:
    return f"""\
name: trips
tables:
  trips:
    rows: 50
    columns:
      id: {{type: integer, primary_key: true}}
      {column}
{extra}    rules:
      - check: "{check}"
"""


@pytest.mark.parametrize(
    ("column", "check", "grid"),
    [
        ("x: {type: float, min: 0, max: 5000}", "x = ROUND(x, 2)", ("", 1, 100, 0.0)),
        ("x: {type: float, min: 0, max: 12}", "x * 4 = ROUND(x * 4)", ("", 1, 4, 0.0)),
        ("x: {type: float, min: 0, max: 100}", "x % 0.5 = 0", ("", 1, 2, 0.0)),
        ("x: {type: float, min: -500, max: 500}", "ABS(x) % 10 = 0", ("", 10, 1, 0.0)),
        ("x: {type: integer, min: 0, max: 5000}", "ABS(x) % 10 = 0", ("", 10, 1, 0.0)),
        ("x: {type: float, min: 1, max: 99}", "ROUND(x - FLOOR(x), 2) = 0.99", ("", 1, 1, 0.99)),
        ("x: {type: float, min: 15, max: 80}", "x = ROUND(x) - 0.01", ("", 1, 1, 0.99)),
        ("x: {type: datetime}", "date_trunc('hour', x) = x", ("h", 1, 1, 0.0)),
        ("x: {type: date}", "date_trunc('month', x) = x", ("M", 1, 1, 0.0)),
        (
            "x: {type: datetime}",
            "EXTRACT(minute FROM x) IN (0, 15, 30, 45) AND EXTRACT(second FROM x) = 0",
            ("m", 15, 1, 0.0),
        ),
    ],
)
def test_checks_random_values_almost_never_meet_put_the_column_on_a_grid(column, check, grid):
    found = plan(_one(column, check)).columns["x"].grid
    assert found is not None and (found.unit, found.num, found.den, found.offset) == grid


@pytest.mark.parametrize(
    ("column", "check"),
    [
        ("x: {type: date}", "ISODOW(x) BETWEEN 1 AND 5"),
        ("x: {type: datetime}", "CAST(x AS TIME) BETWEEN TIME '08:00:00' AND TIME '18:00:00'"),
        ("x: {type: float, min: 0, max: 100}", "x <> 3"),
        ("x: {type: float, min: 0, max: 100}", "SQRT(x) = FLOOR(SQRT(x))"),
    ],
)
def test_checks_the_enforce_step_mends_or_no_grid_meets_leave_the_column_as_drawn(column, check):
    assert plan(_one(column, check)).columns["x"].grid is None


def test_exactly_one_of_two_is_null_makes_the_later_null_where_the_earlier_is_not():
    text = _one(
        "a: {type: integer, nullable: true}",
        "(a IS NULL) <> (b IS NULL)",
        "      b: {type: integer, nullable: true}\n",
    )
    planned = plan(text)
    assert planned.columns["a"].null_where is None
    assert planned.columns["b"].null_where.tree.sql() == "NOT (a IS NULL)"


def test_a_defined_columns_bounds_bound_the_later_time_it_reads():
    text = _one(
        "check_in: {type: date}",
        "nights = date_diff('day', check_in, check_out)",
        "      check_out: {type: date}\n      nights: {type: integer, min: 1, max: 28}\n",
    )
    planned = plan(text)
    assert planned.columns["check_out"].window is not None
    assert planned.columns["nights"].define is not None


def test_a_definition_wins_over_a_unique_pattern_column_s_own_draw():
    """Drawn from its pattern, the email would be false on every row of the check."""
    text = _one(
        "student_no: {type: string, unique: true, pattern: '^[0-9]{7}$'}",
        "email = student_no || '@student.hva.nl'",
        "      email: {type: string, unique: true, pattern: '^[0-9]{7}@student[.]hva[.]nl$'}\n",
    )
    define = plan(text).columns["email"].define
    assert define is not None and define.reads == {"student_no"}


def test_a_null_tie_follows_the_way_a_definition_reads():
    """checked_out_at = checked_in_at + duration minutes: the checkout is made from the duration,
    so the duration's nulls must not be made from the checkout's (a cycle)."""
    text = _one(
        "checked_in_at: {type: datetime}",
        "(checked_out_at IS NULL) = (duration_min IS NULL)",
        "      checked_out_at: {type: datetime, nullable: true}\n"
        "      duration_min: {type: integer, nullable: true, min: 10, max: 240}\n"
        "    rules:\n"
        "      - check: checked_out_at IS NULL OR checked_out_at = checked_in_at + duration_min"
        " * INTERVAL 1 MINUTE\n",
    ).replace('    rules:\n      - check: "(checked', '      - check: "(checked')
    planned = plan(text)
    assert planned.columns["checked_out_at"].define.reads == {"checked_in_at", "duration_min"}
    assert planned.columns["duration_min"].null_where is None
    assert planned.exact == {0, 1}


def test_a_number_between_row_bounds_is_put_on_the_grid_its_checks_ask_for():
    text = _one(
        "gross: {type: float, min: 600, max: 9000}",
        "tax BETWEEN 0 AND ROUND(gross * 0.47, 2) AND tax = ROUND(tax, 2)",
        "      tax: {type: float}\n",
    )
    column = plan(text).columns["tax"]
    assert column.bounds and (column.grid.num, column.grid.den) == (1, 100)


def test_the_first_characters_of_a_pattern_column_come_from_the_column_a_check_names():
    text = _one(
        "country_code: {type: string, values: [NL, DE, BE, FR]}",
        "LEFT(iban, 2) = country_code",
        "      iban: {type: string, unique: true, pattern: '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$'}\n",
    )
    planned = plan(text)
    assert planned.columns["iban"].prefix.size == 2
    assert planned.columns["country_code"].define is None
