"""Checks read as SQL trees (``codegen.spec.checks``), compiled to numpy/pandas
(``codegen.program.sqlcode``) and met by the starting program: solved by construction
(``codegen.program.rules``) or enforced (``codegen.program.enforce``).

The compiled code is held to DuckDB's own answer, row by row, on random data with nulls, ties
and the types the validator reads: a condition must be false on exactly the rows where DuckDB
finds it false, and a column written as the other side of an equality must be one DuckDB finds
equal, bit for bit."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from support.inprocess_runner import InProcessRunner

from codegen.program import sqlruntime
from codegen.program.rules import plan_table
from codegen.program.scaffold import build_scaffold
from codegen.program.sqlcode import (
    CannotCompile,
    ColumnRef,
    compile_condition,
    compile_value,
    helpers_used,
)
from codegen.spec.checks import parse_check
from codegen.spec.model import DUCKDB_TYPES, load_spec

# ----------------------------------------------------------------------------- random tables

TYPES = {
    "i1": "integer",
    "i2": "integer",
    "n1": "integer",
    "f1": "float",
    "f2": "float",
    "fn": "float",
    "s1": "string",
    "sn": "string",
    "b1": "boolean",
    "bn": "boolean",
    "d1": "date",
    "d2": "date",
    "dn": "date",
    "t1": "datetime",
    "t2": "datetime",
    "tn": "datetime",
}
NULLABLE = {"n1", "fn", "sn", "bn", "dn", "tn"}
WORDS = ["salary", "rent", "Food", "food", "a_b", "a%b", "", "x" * 12, "héllo", "closed", "open"]


def columns(n: int, seed: int) -> dict[str, object]:
    """Columns as starting programs hold them: numpy arrays, pandas Series with nulls,
    DatetimeIndex, datetime64[s]; values on grids that make ties and equal pairs."""
    rng = np.random.default_rng(seed)

    def days(k: int) -> pd.DatetimeIndex:
        return pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(-400, 400, k), "D")

    def seconds(k: int) -> pd.TimedeltaIndex:
        return pd.to_timedelta(rng.integers(0, 86_400 * 3, k), unit="s")

    return {
        "i1": rng.integers(-20, 21, n),
        "i2": rng.integers(-5, 30, n),
        "n1": pd.Series(rng.integers(-20, 21, n)).mask(rng.random(n) < 0.2).astype("Int64"),
        "f1": rng.integers(-4000, 4000, n) / 200,  # multiples of 0.005: rounding ties
        "f2": np.where(rng.random(n) < 0.5, rng.normal(0, 50, n), rng.integers(-100, 100, n) / 8),
        "fn": np.where(rng.random(n) < 0.2, np.nan, rng.integers(-400, 400, n) / 40),
        "s1": rng.choice(np.array(WORDS), n),
        "sn": np.where(rng.random(n) < 0.2, None, rng.choice(np.array(WORDS), n)).astype(object),
        "b1": rng.random(n) < 0.5,
        "bn": pd.Series(rng.random(n) < 0.5, dtype="boolean").mask(rng.random(n) < 0.2),
        "d1": pd.DatetimeIndex(days(n)),
        "d2": np.asarray(days(n)).astype("datetime64[s]"),
        "dn": pd.Series(days(n)).mask(rng.random(n) < 0.2),
        "t1": pd.Series(days(n) + seconds(n)),
        "t2": pd.DatetimeIndex(days(n) + seconds(n)),
        "tn": pd.Series(days(n) + seconds(n)).mask(rng.random(n) < 0.2),
    }


def duckdb_table(values: dict[str, object], types: dict[str, str]) -> duckdb.DuckDBPyConnection:
    """The columns as the validator reads them: Arrow from pandas (NaN is null), cast to the spec
    type, non-finite doubles null."""
    frame = pd.DataFrame(
        {k: (v.to_numpy() if isinstance(v, pd.Series) else v) for k, v in values.items()}
    )
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.register("raw", pa.Table.from_pandas(frame, preserve_index=False))
    typed = [
        (
            f"CASE WHEN isfinite({k}) THEN {k} END AS {k}"
            if types[k] == "float"
            else f"CAST({k} AS {DUCKDB_TYPES[types[k]]}) AS {k}"
        )
        for k in values
    ]
    con.execute(f"CREATE VIEW t AS SELECT {', '.join(typed)} FROM raw")
    return con


def namespace(values: dict[str, object], n: int) -> dict[str, object]:
    ns: dict[str, object] = {"np": np, "pd": pd, "n": n}
    ns.update({name: getattr(sqlruntime, name) for name in sqlruntime.helper_names()})
    ns.update(values)
    return ns


REFS = {k: ColumnRef(k, t, k in NULLABLE) for k, t in TYPES.items()}
N = 3000


@pytest.fixture(scope="module")
def table():
    values = columns(N, 1)
    return values, duckdb_table(values, TYPES)


# ----------------------------------------------------------------------------- parsing


def test_columns_are_resolved_as_duckdb_binds_them():
    names = ["id", "Total", "sub total", "kind"]
    parsed = parse_check('"total" = "Sub Total" + 1 AND KIND <> \'x\'', names)
    assert parsed.columns == ("Total", "sub total", "kind") and parsed.row_level
    assert parsed.tree is not None and parsed.tree.sql("duckdb") == (
        "Total = \"sub total\" + 1 AND kind <> 'x'"
    )
    assert not parse_check("count(*) > 1", names).row_level
    assert not parse_check("kind IN (SELECT 1)", names).row_level
    assert not parse_check("sum(id) OVER () > 1", names).row_level
    assert not parse_check("nosuch > 1", names).row_level
    broken = parse_check("Total >>>", names)
    assert broken.tree is None and broken.columns == ("Total",) and broken.error


def test_the_validator_and_the_starting_program_read_the_same_columns():
    """Case once made them disagree: the validator read a check case-insensitively, the
    starting program did not."""
    from codegen.validation.validator import validate

    spec = load_spec("""\
name: cased
tables:
  t:
    rows: 20
    columns:
      id:    {type: integer, primary_key: true}
      Price: {type: float, min: 1, max: 10}
      qty:   {type: integer, min: 1, max: 5}
      TOTAL: {type: float}
    rules:
      - check: "total = price * QTY"
""")
    plan = plan_table(spec.tables["t"], "t")
    assert plan.checks[0][1].columns == ("Price", "qty", "TOTAL")
    assert plan.columns["TOTAL"].define is not None and plan.exact == {0}
    program = build_scaffold(spec).source
    result = InProcessRunner().run(program, _out(), rows={"t": 500}, seed=1)
    assert result.ok, result.error
    report = validate(spec, {"t": result.tables["t"].path}, {"t": 500})
    assert report.ok, report.as_text()


# ----------------------------------------------------------------------------- compiling

CONDITIONS = [
    "i1 >= i2",
    "i1 > i2 + 3",
    "n1 < i1",
    "f1 <= f2 * 0.5",
    "i1 * 0.21 = f1",
    "ROUND(f1 * 0.21, 2) = ROUND(f2 * 0.21, 2)",
    "ROUND(i1 * 0.215, 2) > 0.5",
    "ROUND(f1, 1) = f1",
    "s1 <> 'salary' OR f1 > 0",
    "sn <> 'salary' OR fn > 0",
    "s1 NOT IN ('closed', 'open') OR tn IS NOT NULL",
    "sn IN ('rent', 'food') OR n1 <= 3",
    "sn IN ('rent', NULL)",
    "s1 IN ('rent', 'Food') OR i1 <> i2",
    "i1 BETWEEN -3 AND 4",
    "fn BETWEEN f1 AND f2",
    "n1 NOT BETWEEN 0 AND 5",
    "i1 % 5 = 0",
    "n1 % 3 = 1",
    "i1 // 3 = i2 // 4",
    "i1 / 4 > 1.2",
    "ABS(i1 - i2) <= 10",
    "ABS(fn - f1) < 3.5",
    "LENGTH(s1) <= 5",
    "LENGTH(sn) BETWEEN 1 AND 4",
    "LOWER(s1) = 'food'",
    "UPPER(sn) <> s1",
    "s1 LIKE 'a_b'",
    "s1 LIKE '%o%'",
    "sn ILIKE 'F%'",
    "s1 NOT LIKE 'x%'",
    "s1 LIKE 'a!%b' ESCAPE '!'",
    "COALESCE(fn, 0) >= 0",
    "COALESCE(sn, 'none') <> 'rent'",
    "CASE WHEN i1 > 0 THEN f1 ELSE f2 END > 0",
    "CASE WHEN sn = 'rent' THEN 1 WHEN sn = 'food' THEN 2 END = 1",
    "b1 OR i1 > 3",
    "NOT bn",
    "bn IS TRUE OR i1 < 0",
    "bn IS NOT NULL",
    "d1 <= d2",
    "d1 = d2 + 1",
    "d1 <= CAST(t1 AS DATE) + INTERVAL 3 DAY",
    "dn >= CAST(t1 AS DATE)",
    "t2 > t1 + INTERVAL 30 MINUTE",
    "t2 - t1 < INTERVAL 9 DAY",
    "tn - t1 <= INTERVAL '36 hours'",
    "t1 = t2 + i1 * INTERVAL 1 MINUTE",
    "d1 < d2 + INTERVAL 1 MONTH",
    "d1 >= DATE '2024-01-01'",
    "t1 > '2024-02-01 10:00:00'",
    "d1 - d2 > 30",
    "EXTRACT(year FROM d1) = 2024",
    "EXTRACT(dow FROM t1) IN (0, 6)",
    "date_part('month', dn) = 2",
    "EXTRACT(hour FROM t2) BETWEEN 9 AND 17",
    "date_diff('day', d1, d2) > 10",
    "date_diff('month', t1, t2) >= 1",
    "date_diff('hour', t1, t2) < 48",
    "year(d2) > 2023",
    "i1 IS DISTINCT FROM n1",
    "fn IS NOT DISTINCT FROM f1",
    "(s1 = 'open') = (tn IS NULL)",
    "(sn = 'rent') <> (dn IS NULL)",
    "NOT (i1 > 3 AND f1 < 0)",
    "greatest(f1, fn) > 0",
    "i1 + i2 * 2 - 1 > n1",
    "f1 / i2 > 0.5",
    "CAST(f1 AS INTEGER) = i1",
    "CAST(i1 AS DOUBLE) / 3 > f1",
    "CAST(d1 AS VARCHAR) LIKE '2024%'",
    "s1 || 'x' = 'rentx'",
    "starts_with(s1, 'a')",
    "regexp_matches(s1, 'o+d')",
    "IF(i1 > 0, i1, -i1) < 10",
    "NULLIF(i1, 0) > 0",
    "i1 IN (1, 2, i2)",
    "f1 * 1e2 > 10",
    "i1 * 2.5 = f1",
    "sign(f2) = 1",
    "date_trunc('month', d1) = d1",
    "d1 + INTERVAL 1 YEAR > d2",
    "ISODOW(d1) BETWEEN 1 AND 5",
    "dayofweek(t1) = 0",
    "weekday(d2) IN (1, 2)",
    "isodow(tn) > 5",
    "dayofmonth(d1) = 1",
    "week(t2) < 10",
    "CAST(t1 AS TIME) BETWEEN TIME '08:00:00' AND TIME '18:00:00'",
    "CAST(tn AS TIME) > '12:00:00'",
    "d1 = d2 + INTERVAL (i2) DAY",
    "t1 < t2 + INTERVAL (i1) HOUR",
    "dn < d2 + INTERVAL (i2) MONTH",
    "CASE WHEN f1 >= 5 THEN 0 ELSE 4.95 END = f2",
    "CASE WHEN i1 < 0 THEN 0 WHEN i1 > 10 THEN 2.5 ELSE 3.5 END < f1",
]


@pytest.mark.parametrize("check", CONDITIONS)
def test_a_compiled_check_is_false_exactly_where_duckdb_finds_it_false(table, check):
    values, con = table
    parsed = parse_check(check, list(TYPES))
    code = compile_condition(parsed.tree, REFS, "n")
    with np.errstate(all="ignore"):
        got = sqlruntime.sql_false(eval(code.text, namespace(values, N)), N)  # noqa: S307
    rows = con.execute(f"SELECT NOT ({check}) FROM t").fetchall()
    want = np.array([row[0] is True for row in rows])
    assert (got == want).all(), f"{(got != want).sum()} rows differ: {code.text}"


VALUES = [
    ("float", "f1 + f2"),
    ("float", "ROUND(f1 * 0.21, 2)"),
    ("float", "ROUND(f2 * 0.21, 2)"),
    ("float", "ROUND(i1 * 0.215, 2)"),
    ("float", "ROUND(f1, 2)"),
    ("float", "ROUND(f2, 2)"),
    ("float", "ROUND(f2, -2)"),
    ("float", "i1 * 0.21"),
    ("float", "i2 * 2.5 + 3"),
    ("float", "ROUND(f1 * 1.21, 2) - f1"),
    ("float", "f1 / 3"),
    ("float", "f1 * 0.07 + ROUND(f2, 1)"),
    ("float", "f1 * (1 + 0.21)"),
    ("float", "ROUND(fn * 0.21, 2)"),
    ("float", "i1 * 0.1 + i2 * 0.01"),
    ("float", "CAST(i1 * 0.215 AS DECIMAL(10,2))"),
    ("float", "ROUND(i1 / 7, 3)"),
    ("float", "f2 * 0.19 + 12.5"),
    ("integer", "i1 + i2 * 3"),
    ("integer", "i1 // 3"),
    ("integer", "i1 % 7"),
    ("integer", "CAST(f1 AS INTEGER)"),
    ("integer", "CAST(i1 * 2.5 AS INTEGER)"),
    ("integer", "LENGTH(s1)"),
    ("date", "d1 + INTERVAL 21 DAY"),
    ("date", "d2 - 3"),
    ("date", "d1 + INTERVAL 1 MONTH"),
    ("date", "CAST(t1 AS DATE)"),
    ("datetime", "t1 + i1 * INTERVAL 1 MINUTE"),
    ("datetime", "CAST(t1 AS DATE) + INTERVAL 3 DAY"),
    ("datetime", "tn + INTERVAL 5 HOUR"),
    ("string", "s1 || '-' || LOWER(s1)"),
    ("boolean", "(i1 > i2)"),
]


@pytest.mark.parametrize(("kind", "expression"), VALUES, ids=[v[1] for v in VALUES])
def test_a_column_written_as_the_other_side_of_an_equality_is_equal_in_duckdb(kind, expression):
    values = columns(N, 2)
    rng = np.random.default_rng(5)  # large doubles too: ROUND of 1e6s
    values["f2"] = np.concatenate(
        [rng.normal(0, 1e6, N // 2), rng.integers(-(10**6), 10**6, N - N // 2) / 1000]
    )
    code = compile_value(parse_check(expression, list(TYPES)).tree, REFS, "n")
    with np.errstate(all="ignore"):
        values["y"] = eval(code.text, namespace(values, N))  # noqa: S307
    con = duckdb_table(values, TYPES | {"y": kind})
    (false,) = con.execute(
        f"SELECT count(*) FILTER (WHERE NOT (y = {expression})) FROM t"
    ).fetchone()
    assert false == 0, code.text


def test_round_of_doubles_is_duckdbs_to_the_bit():
    """DuckDB rounds the exact value of a double, half away from zero: 2.675 (stored as
    2.67499999...) gives 2.67, 0.125 gives 0.13; numpy's round would give 2.68 and 0.12."""
    rng = np.random.default_rng(0)
    x = np.concatenate(
        [
            np.arange(-20000, 20000) / 2000,
            rng.normal(0, 100, 20000),
            rng.normal(0, 1e6, 20000),
            rng.normal(0, 1e13, 5000),
            np.round(rng.normal(0, 1e4, 20000), 3),
        ]
    )
    con = duckdb.connect()
    con.register("t", pd.DataFrame({"x": x}))
    for digits in (0, 1, 2, 3, 5, -1, -2):
        want = np.array([r[0] for r in con.execute(f"SELECT ROUND(x, {digits}) FROM t").fetchall()])
        assert (sqlruntime.sql_round(x, digits) == want).all(), digits
    assert list(sqlruntime.sql_round(np.array([2.675, 0.125, -2.5]), 2)) == [2.67, 0.13, -2.5]


@pytest.mark.parametrize(
    "check",
    [
        "dayname(d1) <> 'Sunday'",  # a function the compiler does not know
        "INTERVAL '1.5' HOUR > t1 - t2",  # DuckDB reads the 1.5 as 1
        "date_diff('week', d1, d2) > 1",
        "INTERVAL 1 MONTH > t2 - t1",  # months against days: DuckDB counts a month as 30 days
    ],
)
def test_what_the_compiler_does_not_follow_is_refused(check):
    with pytest.raises(CannotCompile):
        compile_condition(parse_check(check, list(TYPES)).tree, REFS, "n")


def test_programs_carry_only_the_helpers_they_call():
    assert helpers_used("x = sql_round(sql_time(y), 2) + z") == {"sql_round", "sql_time"}
    source = sqlruntime.source_of({"sql_false"})
    assert "def sql_false" in source and "def sql_bool" in source  # sql_false calls it
    assert "def sql_round" not in source


# ----------------------------------------------------------------------------- solving

INVOICES = """\
name: invoices
description: Invoices of a Dutch web agency.
tables:
  customers:
    rows: 50
    columns:
      id:       {type: integer, primary_key: true}
      name:     {type: string}
  invoices:
    rows: 400
    columns:
      id:          {type: integer, primary_key: true}
      customer_id: {type: integer, references: customers.id}
      issued_on:   {type: date, min: 2024-01-01, max: 2024-12-31}
      due_on:      {type: date}
      paid_on:     {type: date, nullable: true}
      status:      {type: string, values: [draft, sent, paid, overdue]}
      subtotal:    {type: float, min: 50, max: 20000}
      vat:         {type: float}
      total:       {type: float}
      currency:    {type: string}
      lines:       {type: integer, min: 1, max: 40}
      unit_eur:    {type: float}
    rules:
      - check: "total = subtotal + vat"
      - check: "vat = ROUND(subtotal * 0.21, 2)"
      - check: "due_on = issued_on + INTERVAL 30 DAY"
      - check: "paid_on IS NULL OR paid_on >= issued_on"
      - check: "(status = 'paid') = (paid_on IS NOT NULL)"
      - check: "currency IN ('EUR', 'USD')"
      - check: "unit_eur = ROUND(subtotal / lines, 2)"
"""

LOANS = """\
name: library
description: Loans of a city library.
tables:
  books:
    rows: 200
    columns:
      id:      {type: integer, primary_key: true}
      title:   {type: string}
  loans:
    rows: 1000
    columns:
      id:          {type: integer, primary_key: true}
      book_id:     {type: integer, references: books.id}
      loaned_on:   {type: date, min: 2024-01-01, max: 2024-12-31}
      due_on:      {type: date}
      returned_on: {type: date, nullable: true}
      fine_eur:    {type: float, min: 0}
    rules:
      - check: "due_on = loaned_on + INTERVAL 21 DAY"
      - check: "returned_on IS NULL OR returned_on >= loaned_on"
      - check: "fine_eur = 0 OR returned_on > due_on"
"""

BANK = """\
name: bank
description: Transactions on current accounts of a German bank.
tables:
  accounts:
    rows: 80
    columns:
      id:    {type: integer, primary_key: true}
      owner: {type: string}
  transactions:
    rows: 3000
    columns:
      id:          {type: integer, primary_key: true}
      account_id:  {type: integer, references: accounts.id}
      booked_at:   {type: datetime, min: "2024-01-01 00:00:00", max: "2024-12-31 23:59:59"}
      value_date:  {type: date}
      kind:        {type: string, values: [salary, card, transfer, fee, refund]}
      amount_eur:  {type: float, min: -5000, max: 8000}
    rules:
      - check: "value_date >= CAST(booked_at AS DATE)"
      - check: "value_date <= CAST(booked_at AS DATE) + INTERVAL 3 DAY"
      - check: "kind <> 'salary' OR amount_eur > 0"
      - check: "kind NOT IN ('fee', 'card') OR amount_eur < 0"
"""

FLIGHTS = """\
name: flights
description: Flights of a European airline in one month.
tables:
  airports:
    rows: 30
    columns:
      code: {type: string, primary_key: true, pattern: "[A-Z]{3}"}
      city: {type: string}
  flights:
    rows: 2000
    columns:
      id:          {type: integer, primary_key: true}
      origin:      {type: string, references: airports.code}
      destination: {type: string, references: airports.code}
      departure:   {type: datetime, min: "2024-05-01 05:00:00", max: "2024-05-31 22:00:00"}
      arrival:     {type: datetime}
      seats:       {type: integer, min: 50, max: 220}
      passengers:  {type: integer, min: 0}
      status:      {type: string, values: [scheduled, departed, landed, cancelled]}
      delay_min:   {type: integer, min: 0, max: 600}
    rules:
      - check: "origin <> destination"
      - check: "arrival > departure + INTERVAL 30 MINUTE"
      - check: "passengers <= seats"
      - check: "delay_min % 5 = 0"
      - check: "status IN ('scheduled', 'cancelled') OR passengers > 0"
"""

TICKETS = """\
name: tickets
description: Support tickets of a SaaS company.
tables:
  tickets:
    rows: 1500
    columns:
      id:          {type: integer, primary_key: true}
      status:      {type: string, values: [open, pending, resolved, closed]}
      priority:    {type: string}
      opened_at:   {type: datetime, min: "2024-01-01 00:00:00", max: "2024-12-31 23:59:59"}
      closed_at:   {type: datetime, nullable: true}
      code:        {type: string}
    rules:
      - check: "status NOT IN ('closed', 'resolved') OR closed_at IS NOT NULL"
      - check: "closed_at IS NULL OR closed_at > opened_at"
      - check: "priority IN ('low', 'normal', 'high', 'urgent')"
      - check: "LENGTH(code) BETWEEN 3 AND 8"
        min_fraction: 0.9
"""

SENSORS = """\
name: sensors
description: Readings of temperature sensors in a greenhouse.
tables:
  readings:
    rows: 5000
    columns:
      id:            {type: integer, primary_key: true}
      start_ts:      {type: datetime, min: "2024-03-01 00:00:00", max: "2024-03-02 00:00:00"}
      minute_offset: {type: integer, min: 0, max: 1440}
      ts:            {type: datetime}
      celsius:       {type: float, min: -10, max: 45}
      fahrenheit:    {type: float}
      humidity:      {type: float, min: 0, max: 100}
    rules:
      - check: "ts = start_ts + minute_offset * INTERVAL 1 MINUTE"
      - check: "fahrenheit = ROUND(celsius * 1.8 + 32, 1)"
      - check: "ABS(humidity - 60) <= 35"
"""

# A week of hours: quarter hours, cents, weekdays, starts on the quarter hour in office hours,
# net pay never below zero, hours worked for a person or a company (one of the two).
TIMESHEETS = """\
name: timesheets
tables:
  timesheets:
    rows: 300
    columns:
      id:         {type: integer, primary_key: true}
      work_date:  {type: date}
      started_at: {type: datetime, min: "2024-01-01 00:00:00", max: "2024-12-31 23:59:59"}
      ended_at:   {type: datetime}
      minutes:    {type: integer, min: 15, max: 600}
      hours:      {type: float, min: 0.25, max: 10}
      rate_eur:   {type: float, min: 12, max: 60}
      gross_eur:  {type: float, min: 0}
      tax_eur:    {type: float, min: 0, max: 200}
      net_eur:    {type: float, min: 0}
      person_id:  {type: integer, nullable: true}
      company_id: {type: integer, nullable: true}
      extra_eur:  {type: float, min: 0, max: 100}
    rules:
      - check: "ISODOW(work_date) BETWEEN 1 AND 5"
      - check: >-
          EXTRACT(minute FROM started_at) IN (0, 15, 30, 45)
          AND EXTRACT(second FROM started_at) = 0
      - check: "CAST(started_at AS TIME) BETWEEN TIME '07:00:00' AND TIME '17:00:00'"
      - check: "minutes = date_diff('minute', started_at, ended_at)"
      - check: "hours * 4 = ROUND(hours * 4)"
      - check: "rate_eur = ROUND(rate_eur, 2)"
      - check: "gross_eur = ROUND(hours * rate_eur, 2)"
      - check: "tax_eur % 0.5 = 0"
      - check: "net_eur = gross_eur - tax_eur"
      - check: "(person_id IS NULL) <> (company_id IS NULL)"
      - check: "ROUND(extra_eur - FLOOR(extra_eur), 2) = 0.99"
"""

SPECS = {
    "timesheets": TIMESHEETS,
    "invoices": INVOICES,
    "loans": LOANS,
    "bank": BANK,
    "flights": FLIGHTS,
    "tickets": TICKETS,
    "sensors": SENSORS,
}
# What becomes of each check of each spec's last table: met by construction, enforced by
# drawing failing rows again, or left to the model.
FATES = {
    "timesheets": ["enforced", "enforced", "enforced", "exact", "enforced", "enforced", "exact"]
    + ["enforced", "exact", "exact", "enforced"],
    "invoices": ["exact"] * 7,
    "loans": ["exact"] * 3,
    "bank": ["exact", "exact", "enforced", "enforced"],
    "flights": ["enforced", "exact", "exact", "exact", "enforced"],
    "tickets": ["exact", "exact", "exact", "enforced"],
    "sensors": ["exact"] * 3,
}
LISTS = {"code": ["AB", "ABCD", "XYZ12", "ABCDEFGHIJ"], "priority": ["low", "high", "whatever"]}


def fill_lists(program: str) -> str:
    """The value lists a model would fill in (some values break a check: enforce drops them)."""

    def one(match: re.Match[str]) -> str:
        name = match[1]
        if name.endswith("_pairs"):  # (country, city) or (city, country_code), as named
            places = [("France", "FR", "Lyon"), ("Portugal", "PT", "Porto")]
            code = "country_code" in name
            pairs = [(p[2], p[1] if code else p[0]) for p in places]
            return f"{name} = {pairs if name.startswith('city') else [p[::-1] for p in pairs]!r}"
        column = name.removesuffix("_values")
        return f"{name} = {LISTS.get(column, ['Lyon', 'Porto', 'Riga'])!r}"

    return re.sub(r"(\w+_values|\w+_pairs) = \[\.\.\.\]", one, program)


def _out() -> Path:
    import tempfile

    return Path(tempfile.mkdtemp(prefix="sdgen-checks-")) / "out"


def fates(spec_text: str) -> list[str]:
    from codegen.program import scaffold as module

    spec = load_spec(spec_text)
    name = list(spec.tables)[-1]
    table = spec.tables[name]
    plan = plan_table(table, name)
    program = build_scaffold(spec).source
    enforced = set(re.findall(r"^    # (.+)$", program, flags=re.M))
    out = []
    for index, (rule, _) in enumerate(plan.checks):
        if index in plan.exact:
            out.append("exact")
        elif " ".join(rule.check.split()) in enforced:
            out.append("enforced")
        else:
            out.append("model")
    assert module  # the scaffold module is what writes both
    return out


@pytest.mark.parametrize("name", SPECS)
def test_real_schemas_are_met_by_construction_or_enforced(name):
    assert fates(SPECS[name]) == FATES[name]


@pytest.mark.parametrize("name", SPECS)
def test_real_schemas_pass_validation_with_the_defaults(name):
    from codegen.validation.validator import validate

    spec = load_spec(SPECS[name])
    program = fill_lists(build_scaffold(spec).source)
    rows = {table: t.rows for table, t in spec.tables.items()}
    result = InProcessRunner().run(program, _out(), rows=rows, seed=3)
    assert result.ok, result.error
    report = validate(spec, {t: f.path for t, f in result.tables.items()}, rows)
    assert report.ok, report.as_text()


def test_solved_columns_read_as_the_checks_say():
    program = build_scaffold(load_spec(INVOICES)).source
    assert "total = subtotal + vat" in program
    assert "vat = sql_round(subtotal * 0.21, 2)" in program
    assert "unit_eur = sql_round(subtotal / lines, 2)" in program
    assert 'due_on = sql_time(issued_on) + np.timedelta64(30, "D")' in program
    assert "currency = rng.choice(['EUR', 'USD'], size=n_invoices)".replace("'", '"') in program
    assert '.mask(~(status == "paid"))' in program  # null unless paid
    loans = build_scaffold(load_spec(LOANS)).source
    assert "fine_eur = np.where(" in loans and "sql_time(returned_on) > sql_time(due_on)" in loans
    sensors = build_scaffold(load_spec(SENSORS)).source
    assert "ts = sql_time(start_ts) + sql_interval(minute_offset, 60000000000)" in sensors
    assert "fahrenheit = sql_round(celsius * 1.8 + 32.0, 1)" in sensors


def test_a_window_between_two_bounds_is_drawn_within_it():
    """value_date between the booking's day and three days later: uniform over the 4 days."""
    from codegen.validation.validator import validate

    spec = load_spec(BANK)
    program = fill_lists(build_scaffold(spec).source)
    assert "rng.integers(0, 3 + 1, size=n_transactions)" in program
    rows = {"accounts": 80, "transactions": 4000}
    result = InProcessRunner().run(program, _out(), rows=rows, seed=4)
    assert result.ok, result.error
    frame = pd.read_parquet(result.tables["transactions"].path)
    lag = (frame["value_date"] - frame["booked_at"].dt.normalize()).dt.days
    assert set(lag) == {0, 1, 2, 3}
    assert validate(spec, {t: f.path for t, f in result.tables.items()}, rows).ok


@pytest.mark.parametrize(
    "checks",
    [
        ["value_date >= booked_at::DATE", "value_date <= booked_at::DATE + INTERVAL '3 days'"],
        ["value_date - CAST(booked_at AS DATE) BETWEEN 0 AND 3"],
        ["date_diff('day', booked_at, value_date) BETWEEN 0 AND 3"],
        ["value_date >= CAST(booked_at AS DATE) AND value_date < CAST(booked_at AS DATE) + 4"],
    ],
)
def test_a_window_written_other_ways_is_the_same_window(checks):
    from codegen.validation.validator import validate

    head, _, _ = BANK.partition('    rules:\n      - check: "value_date >=')
    spec = load_spec(head + "    rules:\n" + "".join(f'      - check: "{c}"\n' for c in checks))
    plan = plan_table(spec.tables["transactions"], "transactions")
    assert plan.exact == set(range(len(checks)))
    program = fill_lists(build_scaffold(spec).source)
    assert "rng.integers(0, 3 + 1, size=n_transactions)" in program
    rows = {"accounts": 80, "transactions": 2000}
    result = InProcessRunner().run(program, _out(), rows=rows, seed=6)
    assert result.ok, result.error
    assert validate(spec, {t: f.path for t, f in result.tables.items()}, rows).ok


# ----------------------------------------------------------------------------- enforcing


def _generate(spec_text: str, rows: dict[str, int], seed: int, edit=lambda p: p):
    program = edit(fill_lists(build_scaffold(load_spec(spec_text)).source))
    scope: dict[str, object] = {}
    exec(compile(program, "program", "exec"), scope)  # noqa: S102
    return scope["generate"](rows, seed)  # type: ignore[operator]


def test_enforcing_is_deterministic_for_a_seed():
    rows = {"airports": 30, "flights": 5000}
    first = _generate(FLIGHTS, rows, 11)["flights"]
    again = _generate(FLIGHTS, rows, 11)["flights"]
    other = _generate(FLIGHTS, rows, 12)["flights"]
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)
    assert (first["origin"] != first["destination"]).all()
    flying = ~first["status"].isin(["scheduled", "cancelled"])
    assert (first.loc[flying, "passengers"] > 0).all()


def test_enforcing_redraws_the_column_drawn_last_first():
    """kind <> 'salary' OR amount_eur > 0: the amounts of salaries are drawn again, the kinds
    stay, so salaries keep their share."""
    rows = {"accounts": 10, "transactions": 20000}
    frame = _generate(BANK, rows, 5)["transactions"]
    shares = frame["kind"].value_counts(normalize=True)
    assert (abs(shares - 0.2) < 0.015).all(), shares  # five kinds, drawn alike
    assert (frame.loc[frame["kind"] == "salary", "amount_eur"] > 0).all()
    assert (frame.loc[frame["kind"].isin(["fee", "card"]), "amount_eur"] < 0).all()


def test_enforcing_stops_at_the_share_min_fraction_allows():
    rows = {"tickets": 5000}
    frame = _generate(TICKETS, rows, 2)["tickets"]
    short = frame["code"].str.len().between(3, 8)
    assert 0.9 <= short.mean() < 1  # 90% is enough: the rest keep their drawn codes


LONG_OWNERS = BANK.replace(
    "      owner: {type: string}\n",
    '      owner: {type: string}\n    rules:\n      - check: "LENGTH(owner) > 50"\n',
)


def test_a_check_that_cannot_converge_stops_the_program_with_its_name():
    """No owner in the list is long enough: redrawing cannot help, and the program says so."""
    message = r"check 'LENGTH\(owner\) > 50' holds on only 0\.0% of rows, after 60 rounds"
    with pytest.raises(ValueError, match=message):
        _generate(LONG_OWNERS, {"accounts": 10, "transactions": 20}, 1)


def test_a_hopeless_check_on_a_large_table_stops_early():
    """A round that mends none of a thousand rows, with every column taking part, ends it."""
    with pytest.raises(ValueError, match=r"holds on only 0\.0% of rows, after 1 round of"):
        _generate(LONG_OWNERS, {"accounts": 5000, "transactions": 20}, 1)


def test_enforced_programs_pass_in_the_sandbox(sandbox_image, no_leftovers, tmp_path):
    from codegen.validation.validator import validate
    from sandbox import run

    for name in ("bank", "flights"):
        spec = load_spec(SPECS[name])
        program = fill_lists(build_scaffold(spec).source)
        rows = {table: t.rows for table, t in spec.tables.items()}
        result = run(program, tmp_path / name, rows=rows, seed=9)
        assert result.ok, result.error
        report = validate(spec, {t: f.path for t, f in result.tables.items()}, rows)
        assert report.ok, report.as_text()


EXAMPLE_SPECS = sorted(p.stem for p in (Path(__file__).parents[2] / "examples").glob("*.yaml"))


@pytest.mark.slow
@pytest.mark.parametrize("name", EXAMPLE_SPECS)
def test_every_example_spec_s_starting_program_passes_validation_with_lists_filled(name):
    """What is left to the model is value lists only; with any list in, every declared check,
    key and pattern holds (two seeds)."""
    from codegen.validation.validator import validate

    spec = load_spec((Path(__file__).parents[2] / "examples" / f"{name}.yaml").read_text())
    program = fill_lists(build_scaffold(spec).source)
    rows = {table: t.rows for table, t in spec.tables.items()}
    for seed in (0, 1):
        result = InProcessRunner().run(program, _out(), rows=rows, seed=seed)
        assert result.ok, result.error
        report = validate(spec, {t: f.path for t, f in result.tables.items()}, rows)
        assert report.ok, report.as_text()
