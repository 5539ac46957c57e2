"""The report's figures on small DataFrames: what each column holds, what its plot shows, the
sample, correlations, rules and foreign-key fan-out. Fast: DuckDB in memory, no Docker."""

from __future__ import annotations

import datetime as dt
import math

import duckdb
import numpy as np
import pandas as pd
import pytest

from codegen.runreport.build import collect
from codegen.runreport.figures import Bars, Histogram, histogram, profile_table
from codegen.runreport.relations import FanOut, fan_out
from codegen.spec.model import load_spec
from codegen.validation import validate


def profile(frame: pd.DataFrame, spec_yaml: str | None = None, **options):
    con = duckdb.connect()
    con.register("t", frame)
    table = load_spec(spec_yaml).tables["t"] if spec_yaml else None
    return profile_table(con, "t", "t", table, **options)


def column(figures, name):
    return next(c for c in figures.columns if c.name == name)


def test_numbers_have_nulls_distinct_and_min_median_mean_max_over_every_row():
    frame = pd.DataFrame({"x": [1.0, 2.0, 2.0, 10.0, None, float("nan"), float("inf")]})
    x = column(profile(frame), "x")
    # pandas's NaN is missing, as None is; an infinity is a value, but no finite one
    assert (x.kind, x.rows, x.nulls, x.nonfinite, x.present) == ("number", 7, 2, 1, 4)
    assert (x.minimum, x.median, x.maximum) == (1.0, 2.0, 10.0)
    assert x.mean == pytest.approx(3.75)
    assert not x.approximate


def test_a_few_whole_numbers_get_one_bar_each_in_their_order():
    frame = pd.DataFrame({"bedrooms": [3, 1, 2, 3, 3, 5]})
    plot = column(profile(frame), "bedrooms").plot
    assert plot == Bars(labels=("1", "2", "3", "5"), counts=(1, 1, 3, 1), ordered=True)


def test_many_numbers_get_a_histogram_over_their_range():
    values = np.random.default_rng(1).normal(50, 10, 5000)
    plot = column(profile(pd.DataFrame({"v": values})), "v").plot
    assert isinstance(plot, Histogram) and not plot.time
    assert sum(plot.counts) == 5000 and len(plot.edges) == len(plot.counts) + 1 <= 41
    assert plot.edges[0] == pytest.approx(values.min()) and plot.edges[-1] == pytest.approx(
        values.max()
    )


def test_integer_histograms_have_whole_number_bins():
    got = histogram(np.arange(18, 91, dtype=float), integer=True)
    widths = set(np.diff(got.edges))
    assert widths == {2.0} and got.edges[0] == 17.5 and got.edges[-1] >= 90
    assert sum(got.counts) == 73


def test_a_single_value_still_gets_one_bin():
    got = histogram(np.array([7.0, 7.0]), integer=False)
    assert got.counts == (2,) and got.edges == (6.5, 7.5)


def test_text_shows_its_most_common_values_and_counts_the_rest():
    cities = ["Lyon"] * 5 + ["Porto"] * 3 + [f"town {i}" for i in range(20)] + [None]
    city = column(profile(pd.DataFrame({"city": cities})), "city")
    assert (city.kind, city.nulls, city.distinct, city.length) == ("text", 1, 22, (4, 7))
    assert city.plot.labels[:2] == ("Lyon", "Porto") and city.plot.counts[:2] == (5, 3)
    assert len(city.plot.labels) == 12 and city.plot.rest_values == 10 and city.plot.rest == 10


def test_text_whose_values_are_all_distinct_is_described_not_plotted():
    emails = pd.DataFrame({"email": [f"user{i}@example.com" for i in range(50)]})
    email = column(profile(emails), "email")
    assert email.plot is None and email.note.startswith("every value distinct, e.g. 'user")


def test_times_get_a_histogram_in_epoch_seconds_and_earliest_median_latest():
    days = pd.Series(pd.date_range("2024-01-01", periods=100, freq="D").date)
    frame = pd.DataFrame({"day": days, "at": pd.date_range("2024-01-01", periods=100, freq="h")})
    figures = profile(frame)
    day, at = column(figures, "day"), column(figures, "at")
    assert day.kind == at.kind == "time"
    assert (day.minimum, day.maximum) == (dt.date(2024, 1, 1), dt.date(2024, 4, 9))
    assert at.median == dt.datetime(2024, 1, 3, 1)  # an actual value, not an interpolation
    assert day.plot.time and day.plot.edges[0] == dt.datetime(2024, 1, 1).timestamp()


def test_booleans_count_true_and_plot_both_values():
    flags = column(profile(pd.DataFrame({"vip": [True, False, False, None]})), "vip")
    assert (flags.kind, flags.true, flags.nulls) == ("boolean", 1, 1)
    assert flags.plot.labels == ("false", "true") and flags.plot.counts == (2, 1)


def test_keys_and_empty_columns_are_not_plotted_and_say_why():
    spec = """
name: s
tables:
  t:
    rows: 3
    columns:
      id: {type: integer, primary_key: true}
      parent_id: {type: integer, references: t.id, nullable: true}
      gone: {type: float, nullable: true}
"""
    frame = pd.DataFrame({"id": [1, 2, 3], "parent_id": [None, 1, 1], "gone": [None] * 3})
    figures = profile(frame, spec)
    assert column(figures, "id").note == "primary key: not plotted"
    assert column(figures, "parent_id").note.startswith("foreign key to t.id")
    assert column(figures, "gone").note == "no values: every row is null"
    assert all(c.plot is None for c in figures.columns)


def test_above_the_sample_size_plots_use_a_deterministic_sample_and_figures_say_approximate():
    assert not column(profile(pd.DataFrame({"v": range(3000)}), sample_rows=1000), "v").approximate
    frame = pd.DataFrame({"id": np.arange(5000), "v": np.arange(5000) % 97})
    first = profile(frame, sample_rows=1000, exact_rows=2000)
    again = profile(frame, sample_rows=1000, exact_rows=2000)
    assert first.rows == 5000 and first.sampled and 700 < first.sample_size < 1300
    assert first.sample_rows == again.sample_rows and len(first.sample_rows) == 10
    v = column(first, "v")
    assert v.approximate and v.minimum == 0 and v.maximum == 96  # over every row
    assert sum(v.plot.counts) == first.sample_size


def test_sample_rows_are_spread_over_the_table_and_shown_in_key_order():
    spec = """
name: s
tables:
  t:
    rows: 1
    columns:
      id: {type: integer, primary_key: true}
"""
    figures = profile(pd.DataFrame({"id": np.arange(1000)}), spec)
    ids = [row[0] for row in figures.sample_rows]
    assert ids == sorted(ids) and ids != list(range(10)) and figures.sample_header == ("id",)


def test_correlations_rank_the_numeric_columns_and_leave_keys_out():
    rng = np.random.default_rng(0)
    size = rng.uniform(20, 300, 400)
    frame = pd.DataFrame(
        {
            "id": np.arange(400),
            "size": size,
            "price": size * 3000 * rng.uniform(0.8, 1.2, 400),
            "age": rng.integers(0, 100, 400),
            "name": ["x"] * 400,
        }
    )
    spec = """
name: s
tables:
  t:
    rows: 400
    columns:
      id: {type: integer, primary_key: true}
      size: {type: float}
      price: {type: float}
      age: {type: integer}
      name: {type: string}
"""
    corr = profile(frame, spec).correlation
    assert corr.columns == ("size", "price", "age")
    assert corr.rho[0][1] > 0.9 and abs(corr.rho[0][2]) < 0.2
    assert corr.strongest(1)[0][:2] == ("size", "price")


def test_fan_out_counts_children_per_parent_with_childless_parents_and_orphans():
    con = duckdb.connect()
    con.register("parent", pd.DataFrame({"id": [1, 2, 3, 4]}))
    con.register("child", pd.DataFrame({"pid": [1, 1, 1, 2, 9, None]}))
    fan = fan_out(con, "child", "pid", "parent", "id", names=("child", "parent"))
    assert fan.distribution == ((0, 2), (1, 1), (3, 1))
    assert (fan.parents, fan.children, fan.childless, fan.orphans, fan.null_keys) == (4, 4, 2, 1, 1)
    assert (fan.minimum, fan.median, fan.maximum, fan.mean) == (0, 0.5, 3, 1.0)


def test_fan_out_median_of_an_odd_count_is_the_middle_parent():
    fan = FanOut("c", "p_id", "p", "id", distribution=((1, 2), (5, 1)))
    assert fan.median == 1 and fan.mean == pytest.approx(7 / 3)
    assert FanOut("c", "p_id", "p", "id", distribution=()).median is None


RULES = """
name: s
tables:
  t:
    rows: 6
    columns:
      id: {type: integer, primary_key: true}
      a: {type: float, nullable: true}
      b: {type: float}
    rules:
      - increasing: [a, b]
      - decreasing: [a, b]
      - check: "b >= a"
      - check: "b > 2"
        min_fraction: 0.5
      - check: "CAST('x' || CAST(b AS VARCHAR) AS INTEGER) > 0"  # fails on any row
"""


def test_rules_are_judged_as_validation_judges_them():
    spec = load_spec(RULES)
    frame = pd.DataFrame({"id": range(6), "a": [1, 2, 3, 4, None, 6], "b": [2, 3, 4, 5, 6, 5.5]})
    rules = collect(spec, {"t": frame}).rules
    assert [r.kind for r in rules] == ["increasing", "decreasing", "check", "check", "check"]
    rising, falling, ordered, some, broken = rules
    assert rising.passed is True and rising.value == pytest.approx(1.0)  # 5 rows have both
    assert falling.passed is False and falling.detail == "over 5 rows"
    # b >= a is false only where a=6, b=5.5; the NULL row is not false
    assert ordered.passed is False and ordered.value == pytest.approx(5 / 6)
    assert ordered.detail == "false on 1 of 6 rows (17%); null on 1 row (not false)"
    assert some.passed is True and some.value == pytest.approx(5 / 6)
    assert broken.passed is None and broken.detail.startswith("cannot run on the data:")
    # the same verdicts as validation's
    report = validate(spec, {"t": frame})
    assert {f.reason for f in report.failures} == {"decreasing", "check"}
    assert not any(f.reason == "increasing" for f in report.failures)


def test_rho_is_validations_own_figure_on_its_sample():
    spec = load_spec(RULES)
    rng = np.random.default_rng(3)
    a = rng.uniform(0, 1, 3000)
    frame = pd.DataFrame({"id": range(3000), "a": a, "b": a + rng.normal(0, 0.3, 3000)})
    full = collect(spec, {"t": frame}).rules[0]
    sampled = collect(spec, {"t": frame}, spearman_sample_rows=1000).rules[0]
    assert full.detail == "over 3,000 rows"
    assert sampled.detail.startswith("over a sample of ") and sampled.detail.endswith(
        " of 3,000 rows"
    )
    assert math.isclose(full.value, sampled.value, abs_tol=0.06)


def test_collect_keeps_the_spec_order_and_says_which_tables_have_no_data():
    spec = load_spec("""
name: s
tables:
  parent:
    rows: 2
    columns: {id: {type: integer, primary_key: true}}
  child:
    rows: 3
    columns:
      id: {type: integer, primary_key: true}
      parent_id: {type: integer, references: parent.id}
  lost:
    rows: 1
    columns: {id: {type: integer}}
""")
    figures = collect(
        spec,
        {
            "child": pd.DataFrame({"id": [1, 2, 3], "parent_id": [1, 1, 2]}),
            "parent": pd.DataFrame({"id": [1, 2]}),
        },
    )
    assert [t.name for t in figures.tables] == ["parent", "child"]
    assert figures.unreadable == {"lost": "no data saved for this table"}
    (fan,) = figures.fan_outs
    assert (fan.child, fan.parent, fan.distribution) == ("child", "parent", ((1, 1), (2, 1)))


def test_collect_without_a_spec_profiles_whatever_tables_there_are():
    figures = collect(None, {"t": pd.DataFrame({"x": [1, 2]})})
    assert figures.tables[0].columns[0].spec is None and figures.rules == []


def test_data_not_of_the_spec_types_still_gets_figures_and_rules_say_why_not_judged():
    spec = load_spec("""
name: s
tables:
  t:
    rows: 3
    columns:
      a: {type: integer}
      b: {type: integer}
    rules:
      - increasing: [a, b]
      - check: "a < b"
""")
    frame = pd.DataFrame({"a": ["one", "two", "three"], "b": [1, 2, 3]})
    figures = collect(spec, {"t": frame})
    a = column(figures.tables[0], "a")
    assert (a.kind, a.duck_type, a.distinct) == ("text", "VARCHAR", 3)  # the data as it is
    trend, check = figures.rules
    assert trend.passed is None and trend.detail == "a column is missing or not of its type"
    assert check.passed is None and check.detail.startswith("cannot run on the data")
