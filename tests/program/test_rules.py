"""Columns tied to others by a table's checks: the shapes read off the check text, and starting
programs built from them that pass those checks in the real sandbox."""

from __future__ import annotations

import pytest

from codegen.program.rules import (
    NullWhen,
    Order,
    formula_for,
    multiple_of,
    null_when_for,
    order_for,
)
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


def table():
    return load_spec(TRIPS).tables["trips"]


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("starts_on", Order("booked_on", ">")),
        ("ends_on", Order("starts_on", ">=")),
        ("max_price", Order("min_price", ">=")),  # written the other way round in the check
        ("free_seats", Order("seats", "<")),
        ("booked_on", None),  # the earlier column is never made from the later one
        ("min_price", None),
        ("state", None),  # not an ordered type
    ],
)
def test_order_is_read_from_either_side_of_a_comparison(column, expected):
    assert order_for(table(), column) == expected


def test_null_rows_are_read_from_an_equality_of_conditions():
    assert null_when_for(table(), "ends_on") == NullWhen("state", "done", equal=False)
    spec = load_spec(TRIPS.replace("(ends_on IS NULL) = (state <> 'done')",
                                   "(state = 'open') = (ends_on IS NOT NULL)"))  # fmt: skip
    assert null_when_for(spec.tables["trips"], "ends_on") == NullWhen("state", "open", False)
    assert null_when_for(table(), "insured") is None


def test_steps_and_formulas_are_read_from_their_checks():
    assert multiple_of(table(), "minutes") == 15 and multiple_of(table(), "seats") is None
    assert formula_for(table(), "fee") == (
        "np.round(seats * min_price, 2) + 3",
        ["min_price", "seats"],
    )
    assert formula_for(table(), "seats") is None
    spec = load_spec(TRIPS.replace('"minutes % 15 = 0"', '"min_price = fee / 2"'))
    assert formula_for(spec.tables["trips"], "min_price") is None  # fee comes later: not from it


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
