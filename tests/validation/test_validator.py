"""Validation: valid datasets pass; each check has a corrupted dataset that fails in its place."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from support.paths import EXAMPLES

import codegen.validation.validator as validate_module
from codegen.errors import ValidationInputError
from codegen.spec.model import load_spec
from codegen.validation.validator import Report, validate

# ------------------------------------------------------------------------- valid datasets


def housing_frames(n: int = 100, seed: int = 0) -> dict[str, pd.DataFrame]:
    """A dataset satisfying examples/housing.yaml (with n houses)."""
    rng = np.random.default_rng(seed)
    location = pd.DataFrame(
        {
            "id": np.arange(1, 21),
            "country": ["France", "Spain", "Italy", "Portugal"] * 5,
            "city": [f"City {i}" for i in range(20)],
            "population": rng.integers(1_000, 2_000_000, 20),
        }
    )
    house_types = pd.DataFrame(
        {
            "id": np.arange(1, 6),
            "house_type": ["Apartment", "Detached", "Semi-detached", "Terraced", "Bungalow"],
        }
    )
    beds = rng.integers(0, 7, n)
    size = 25 + beds * 22 + rng.uniform(0, 20, n)
    housing = pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "house_size_m2": size,
            "house_price": size * rng.uniform(1_500, 6_000, n),
            "number_of_bedrooms": beds,
            "location_id": rng.integers(1, 21, n),
            "house_type_id": rng.integers(1, 6, n),
        }
    )
    return {"location": location, "house_types": house_types, "housing": housing}


def shop_frames(seed: int = 1) -> dict[str, pd.DataFrame]:
    """A dataset satisfying examples/shop.yaml: dates, datetimes, patterns, nullable columns."""
    rng = np.random.default_rng(seed)
    customers = pd.DataFrame(
        {
            "id": np.arange(1, 501),
            "email": [f"user{i}@example.org" for i in range(500)],
            "country": rng.choice(["DE", "FR", "NL", "BE", "AT", "NO", "SE"], 500),
            # plain dates (Arrow date32)
            "signed_up": [
                dt.date(2020, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 1800, 500)
            ],
            "birth_year": pd.array(
                np.where(rng.random(500) < 0.1, None, rng.integers(1930, 2009, 500)), "Int64"
            ),
        }
    )
    weight = rng.uniform(0.05, 25, 80)
    products = pd.DataFrame(
        {
            "id": np.arange(1, 81),
            "sku": [f"ABC-{i:04d}" for i in range(80)],
            "category": rng.choice(["tents", "backpacks", "footwear", "clothing", "cooking"], 80),
            "price_eur": np.clip(weight * 40 + rng.uniform(1, 50, 80), 1, 2000),
            "weight_kg": weight,
        }
    )
    placed = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 700 * 86400, 2000), "s")
    shipped_flag = rng.random(2000) < 0.7
    shipped = placed + pd.to_timedelta(rng.integers(3600, 5 * 86400, 2000), "s")
    orders = pd.DataFrame(
        {
            "id": np.arange(1, 2001),
            "customer_id": rng.integers(1, 501, 2000),
            "placed_at": placed,
            "shipped_at": pd.Series(shipped).where(shipped_flag),
            "status": np.where(shipped_flag, rng.choice(["shipped", "delivered"], 2000), "placed"),
            "coupon": pd.Series([f"SAVE{i % 90 + 10:02d}" for i in range(2000)]).where(
                rng.random(2000) < 0.2
            ),
        }
    )
    quantity = rng.integers(1, 21, 5000)
    items = pd.DataFrame(
        {
            "id": np.arange(1, 5001),
            "order_id": rng.integers(1, 2001, 5000),
            "product_id": rng.integers(1, 81, 5000),
            "quantity": quantity,
            "unit_price": 200 / quantity + rng.uniform(0.5, 5, 5000),
            "discount": rng.uniform(0, 0.5, 5000),
        }
    )
    return {"customers": customers, "products": products, "orders": orders, "order_items": items}


def staff_frames(seed: int = 2) -> dict[str, pd.DataFrame]:
    """A dataset satisfying examples/staff.yaml: self-reference, composite key, booleans."""
    rng = np.random.default_rng(seed)
    codes = ["ENG", "OPS", "FIN", "HRS", "LEG", "MKT", "SAL", "RND"]
    departments = pd.DataFrame({"code": codes, "name": [f"Dept {c}" for c in codes]})
    level = rng.integers(1, 8, 300)
    employees = pd.DataFrame(
        {
            "id": np.arange(1, 301),
            "department": rng.choice(codes, 300),
            # everyone but the CEO (id 1) reports to someone hired before them
            "manager_id": pd.array([None, *rng.integers(1, np.arange(2, 301))], "Int64"),
            "level": level,
            "salary": 30_000 + level * 25_000 + rng.uniform(0, 20_000, 300),
            "hired_on": pd.to_datetime("1995-01-01")
            + pd.to_timedelta(rng.integers(0, 10_000, 300), "D"),  # midnight timestamps
            "remote": rng.random(300) < 0.3,
        }
    )
    projects = pd.DataFrame(
        {
            "id": np.arange(1, 41),
            "title": [f"Project {i}" for i in range(40)],
            "started_at": pd.date_range("2015-01-02", periods=40, freq="30D", tz="Europe/Paris"),
            "budget_eur": rng.uniform(10_000, 1e6, 40),
        }
    )
    pairs = rng.choice(300 * 40, 600, replace=False)
    assignments = pd.DataFrame(
        {
            "employee_id": pairs // 40 + 1,
            "project_id": pairs % 40 + 1,
            "role": rng.choice(["lead", "engineer", "reviewer"], 600),
            "hours_week": rng.integers(1, 41, 600),
        }
    )
    return {
        "departments": departments,
        "employees": employees,
        "projects": projects,
        "assignments": assignments,
    }


def write(frames: dict[str, pd.DataFrame], directory: Path, fmt: str = "parquet") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        if fmt == "parquet":
            frame.to_parquet(directory / f"{name}.parquet", index=False)
        else:
            frame.to_csv(directory / f"{name}.csv", index=False)
    return directory


@pytest.fixture(scope="module")
def housing_spec():
    return load_spec(EXAMPLES / "housing.yaml")


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("TMPDIR", str(tmp_path))


def only(report: Report, reason: str) -> list:
    return [f for f in report.failures + report.warnings if f.reason == reason]


# ---------------------------------------------------------------------------- valid data


@pytest.mark.parametrize(
    "example, frames",
    [("housing", housing_frames), ("shop", shop_frames), ("staff", staff_frames)],
)
@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_valid_examples_pass_from_parquet_and_csv(tmp_path, example, frames, fmt):
    report = validate(load_spec(EXAMPLES / f"{example}.yaml"), write(frames(), tmp_path, fmt))
    assert report.ok, report.as_text(warnings=True)
    assert report.warnings == [], report.as_text(warnings=True)
    assert all(t.source and t.source.endswith(fmt) for t in report.tables.values())


def test_valid_dataframes_and_paths_pass(tmp_path, housing_spec):
    frames = housing_frames()
    assert validate(housing_spec, frames).ok
    paths = write(frames, tmp_path)
    as_paths = {name: paths / f"{name}.parquet" for name in frames}
    report = validate(housing_spec, as_paths)
    assert report.ok and report.tables["housing"].rows == 100


def test_spec_given_as_path_or_text(tmp_path):
    directory = write(housing_frames(), tmp_path)
    assert validate(EXAMPLES / "housing.yaml", directory).ok
    assert validate((EXAMPLES / "housing.yaml").read_text(), directory).ok


# ------------------------------------------------------------------------ each check fails


def corrupt_housing(change) -> dict[str, pd.DataFrame]:
    frames = housing_frames()
    change(frames)
    return frames


CORRUPTIONS = {
    "missing_table": (
        lambda f: f.pop("house_types"),
        "house_types",
        None,
        "house_types: no house_types.parquet or house_types.csv",
    ),
    "missing_column": (
        lambda f: f.update(housing=f["housing"].rename(columns={"location_id": "locationid"})),
        "housing",
        "location_id",
        "housing.location_id: column missing (did you mean 'locationid'?)",
    ),
    "type_strings": (
        lambda f: f["housing"].__setitem__("house_price", f["housing"]["house_price"].astype(str)),
        "housing",
        "house_price",
        "housing.house_price: expected numbers (float), found strings (VARCHAR); e.g. '",
    ),
    "type_fractions": (
        lambda f: f["housing"].__setitem__(
            "number_of_bedrooms", f["housing"]["number_of_bedrooms"] + np.r_[[0.5] * 4, [0] * 96]
        ),
        "housing",
        "number_of_bedrooms",
        "housing.number_of_bedrooms: expected integer; 4 of 100 rows (4%) are not whole numbers; "
        "e.g.",
    ),
    "not_null": (
        lambda f: f["housing"].__setitem__(
            "house_price", f["housing"]["house_price"].where(f["housing"]["id"] > 3)
        ),
        "housing",
        "house_price",
        "housing.house_price: 3 of 100 rows (3%) are null",
    ),
    "primary_key": (
        lambda f: f["housing"].__setitem__("id", np.r_[[1, 1, 1, 2, 2], np.arange(6, 101)]),
        "housing",
        "id",
        "housing.id: 2 primary key values repeated, on 5 of 100 rows (5%); e.g. 1 (3 times), "
        "2 (2 times)",
    ),
    "unique": (
        lambda f: f["location"].__setitem__(
            "city", ["Paris", "Paris"] + [f"C{i}" for i in range(18)]
        ),
        "location",
        "city",
        "location.city: 1 unique value repeated, on 2 of 20 rows (10%); e.g. 'Paris' (2 times)",
    ),
    "min": (
        lambda f: f["housing"].loc.__setitem__((slice(0, 1), "house_size_m2"), [3.5, 7.25]),
        "housing",
        "house_size_m2",
        "housing.house_size_m2: 2 of 100 rows (2%) are below min 15; e.g. 3.5, 7.25",
    ),
    "max": (
        lambda f: f["housing"].loc.__setitem__((slice(0, 2), "number_of_bedrooms"), [13, 40, 13]),
        "housing",
        "number_of_bedrooms",
        "housing.number_of_bedrooms: 3 of 100 rows (3%) are above max 12; e.g. 40, 13",
    ),
    "values": (
        lambda f: f["house_types"].__setitem__(
            "house_type", ["Villa", "Villa", "Detached", "Castle", "Bungalow"]
        ),
        "house_types",
        "house_type",
        "house_types.house_type: 3 of 5 rows (60%) are not among the allowed values ['Apartment', "
        "'Detached', 'Semi-detached', 'Terraced', 'Bungalow']; e.g. 'Villa' (2 rows), 'Castle' "
        "(1 row)",
    ),
    "row_count": (
        lambda f: f.update(housing=f["housing"].iloc[:98]),
        "housing",
        None,
        "housing: 98 rows, expected 100",
    ),
    "foreign_key": (
        lambda f: f["housing"].__setitem__(
            "location_id", np.r_[[21, 25, 25, 30], f["housing"]["location_id"][4:]]
        ),
        "housing",
        "location_id",
        "housing.location_id: 4 of 100 rows (4%) point to no location.id (3 distinct values); "
        "e.g. 21, 25, 30",
    ),
    "increasing": (
        lambda f: f["housing"].__setitem__(
            "house_size_m2", np.random.default_rng(5).uniform(30, 200, 100)
        ),
        "housing",
        "number_of_bedrooms, house_size_m2",
        "housing.house_size_m2: should rise as number_of_bedrooms rises (Spearman rho >= 0.3), "
        "but rho = ",
    ),
    "check": (
        lambda f: f["housing"].loc.__setitem__((slice(0, 1), "house_price"), [100.0, 200.0]),
        "housing",
        "house_size_m2, house_price",
        'housing: check "house_price / house_size_m2 BETWEEN 300 AND 30000" is false on 2 of 100 '
        "rows (2%); e.g. (id=1, house_size_m2=",
    ),
}


@pytest.mark.parametrize(
    "fmt, reason",
    [("parquet", reason) for reason in CORRUPTIONS]
    # numbers stored as strings are plain numbers once written to a CSV
    + [("csv", reason) for reason in CORRUPTIONS if reason != "type_strings"],
)
def test_each_check_fails_on_the_right_table_and_column(tmp_path, housing_spec, reason, fmt):
    change, table, column, message = CORRUPTIONS[reason]
    directory = write(corrupt_housing(change), tmp_path, fmt)
    report = validate(housing_spec, directory)
    assert not report.ok
    reason_code = reason.split("_")[0] if reason.startswith("type") else reason
    found = only(report, reason_code)
    assert found, report.as_text(warnings=True)
    assert (found[0].table, found[0].column) == (table, column)
    assert found[0].message.startswith(message), found[0].message
    assert json.loads(json.dumps(report.to_dict()))["ok"] is False


def test_each_check_is_the_only_failure(tmp_path, housing_spec):
    # a corruption produces its failure and no collateral noise
    directory = write(corrupt_housing(CORRUPTIONS["foreign_key"][0]), tmp_path)
    report = validate(housing_spec, directory)
    assert [f.reason for f in report.failures] == ["foreign_key"]
    assert report.failures[0].count == 4 and report.failures[0].total == 100
    assert report.failures[0].examples == (21, 25, 30)


def test_integers_stored_as_floats_without_fractions_are_fine(housing_spec):
    frames = housing_frames()
    frames["housing"]["number_of_bedrooms"] = frames["housing"]["number_of_bedrooms"].astype(float)
    frames["housing"]["location_id"] = frames["housing"]["location_id"].astype(float)
    report = validate(housing_spec, frames)
    assert report.ok, report.as_text()


def test_csv_text_in_numeric_column_is_a_type_failure(tmp_path, housing_spec):
    directory = write(housing_frames(), tmp_path, "csv")
    text = (directory / "housing.csv").read_text().splitlines()
    cells = text[5].split(",")
    cells[2] = "N/A"  # house_price
    text[5] = ",".join(cells)
    (directory / "housing.csv").write_text("\n".join(text) + "\n")
    report = validate(housing_spec, directory)
    failure = only(report, "type")[0]
    assert (failure.table, failure.column) == ("housing", "house_price")
    assert "1 of 100 rows (1%) are not finite numbers; e.g. 'N/A'" in failure.message


def test_unreadable_and_linked_files_are_failures_not_crashes(tmp_path, housing_spec):
    directory = write(housing_frames(), tmp_path / "data")
    (directory / "housing.parquet").write_bytes(b"not a parquet file at all")
    (directory / "location.parquet").rename(tmp_path / "elsewhere.parquet")
    (directory / "location.parquet").symlink_to(tmp_path / "elsewhere.parquet")
    report = validate(housing_spec, directory)
    unreadable = {f.table: f.message for f in only(report, "unreadable")}
    assert set(unreadable) == {"housing", "location"}
    assert unreadable["housing"].startswith("housing: cannot read housing.parquet:")
    assert "links are not followed" in unreadable["location"]
    assert report.tables["house_types"].rows == 5


def test_missing_directory_and_bad_rows_raise(tmp_path, housing_spec):
    with pytest.raises(ValidationInputError, match="no such directory"):
        validate(housing_spec, tmp_path / "nope")
    with pytest.raises(ValidationInputError, match="no table 'housng'.*did you mean 'housing'"):
        validate(housing_spec, housing_frames(), rows={"housng": 3})


def test_rows_asked_by_the_run_override_the_spec(housing_spec):
    frames = housing_frames(n=40)
    assert only(validate(housing_spec, frames), "row_count")
    assert validate(housing_spec, frames, rows={"housing": 40}).ok


def test_zero_row_tables(tmp_path, housing_spec):
    frames = {name: frame.iloc[:0] for name, frame in housing_frames().items()}
    rows = {name: 0 for name in frames}
    for fmt in ("parquet", "csv"):
        report = validate(housing_spec, write(frames, tmp_path / fmt, fmt), rows=rows)
        assert report.ok and not report.warnings, report.as_text(warnings=True)
        assert report.tables["housing"].rows == 0
    spec = load_spec(
        "name: empty\ntables:\n  t:\n    rows: 0\n    columns:\n"
        "      id: {type: integer, primary_key: true}\n      d: {type: date}\n"
    )
    pq.write_table(
        pa.table({"id": pa.array([], pa.int64()), "d": pa.array([], pa.date32())}),
        tmp_path / "t.parquet",
    )
    assert validate(spec, tmp_path).ok


# ------------------------------------------------------------------- dates and datetimes


def test_dates_and_datetimes_pass_and_fail_where_they_should():
    spec = load_spec(EXAMPLES / "shop.yaml")
    frames = shop_frames()
    customers = frames["customers"]
    customers.loc[0, "signed_up"] = dt.date(2019, 12, 31)
    orders = frames["orders"]
    orders.loc[0, "placed_at"] = pd.Timestamp("2025-01-01 00:00:01")
    report = validate(spec, frames)
    messages = {(f.reason, f.table, f.column): f.message for f in report.failures}
    assert messages[("min", "customers", "signed_up")] == (
        "customers.signed_up: 1 of 500 rows (0.2%) are below min 2020-01-01; e.g. 2019-12-31"
    )
    assert messages[("max", "orders", "placed_at")] == (
        "orders.placed_at: 1 of 2,000 rows (0.05%) are above max 2024-12-31 23:59:59; "
        "e.g. 2025-01-01 00:00:01"
    )


def test_date_column_holding_times_of_day_is_a_type_failure():
    spec = load_spec(EXAMPLES / "staff.yaml")
    frames = staff_frames()
    frames["employees"].loc[3, "hired_on"] = pd.Timestamp("2001-05-05 13:30")
    failure = only(validate(spec, frames), "type")[0]
    assert (failure.table, failure.column) == ("employees", "hired_on")
    assert "1 of 300 rows (0.33%) have a time of day" in failure.message
    assert failure.examples == (dt.datetime(2001, 5, 5, 13, 30),)


def test_timezone_aware_datetimes_compare_in_utc():
    spec = load_spec(
        "name: tz\ntables:\n  t:\n    rows: 2\n    columns:\n"
        "      at: {type: datetime, min: '2024-01-01 00:00:00', max: '2024-01-01 12:00:00'}\n"
    )
    at = pd.to_datetime(["2024-01-01 00:30", "2024-01-01 13:30"]).tz_localize("Europe/Paris")
    report = validate(spec, {"t": pd.DataFrame({"at": at})})
    # 00:30 Paris is 23:30 UTC the day before (below min); 13:30 Paris is 12:30 UTC (above max)
    assert {f.reason for f in report.failures} == {"min", "max"}


# -------------------------------------------------------------------- nulls and patterns


def test_nullable_columns_may_hold_nulls_and_nan_counts_as_null():
    spec = load_spec(EXAMPLES / "shop.yaml")
    frames = shop_frames()
    assert frames["customers"]["birth_year"].isna().sum() > 0
    assert validate(spec, frames).ok
    frames["products"]["price_eur"] = frames["products"]["price_eur"].to_numpy()
    frames["products"].loc[0, "price_eur"] = np.nan
    table = pa.Table.from_pandas(frames["products"], preserve_index=False)
    # keep NaN as a float NaN (not an Arrow null), as numpy-built tables do
    price = pa.array(frames["products"]["price_eur"].to_numpy(), from_pandas=False)
    table = table.set_column(3, "price_eur", price)
    assert table.column("price_eur").null_count == 0
    frames_with_nan = dict(frames, products=table)
    failure = only(validate(spec, frames_with_nan), "not_null")[0]
    assert failure.message == (
        "products.price_eur: 1 of 80 rows (1%) are null (NaN counts as null); not nullable"
    )


def test_pattern_failures_name_the_values():
    spec = load_spec(EXAMPLES / "shop.yaml")
    frames = shop_frames()
    frames["products"].loc[[0, 1], "sku"] = ["abc-1", "ABC-12345"]
    frames["orders"]["coupon"] = frames["orders"]["coupon"].fillna("bad code")
    report = validate(spec, frames)
    messages = {(f.table, f.column): f.message for f in only(report, "pattern")}
    assert messages[("products", "sku")] == (
        "products.sku: 2 of 80 rows (2%) do not match pattern '[A-Z]{3}-[0-9]{4}'; "
        "e.g. 'ABC-12345', 'abc-1'"
    )
    assert ("orders", "coupon") in messages


# --------------------------------------------------------------------------------- rules


def test_decreasing_rule_and_check_with_min_fraction():
    spec = load_spec(EXAMPLES / "shop.yaml")
    frames = shop_frames()
    items = frames["order_items"]
    items["unit_price"] = items["quantity"] * 3.0 + 1
    orders = frames["orders"]
    placed = orders["status"] == "placed"
    flip = placed & (orders["id"] % 5 == 0)  # ~6% of orders: placed but shipped
    orders.loc[flip, "shipped_at"] = orders.loc[flip, "placed_at"] + pd.Timedelta("1h")
    report = validate(spec, frames)
    decreasing = only(report, "decreasing")[0]
    assert (decreasing.table, decreasing.column) == ("order_items", "quantity, unit_price")
    assert "should fall as quantity rises (Spearman rho <= -0.1), but rho = 1.000" in (
        decreasing.message
    )
    check = only(report, "check")[0]
    assert check.table == "orders" and "more than the 100 allowed" in check.message
    # within the allowed 5% the rule holds
    orders.loc[flip & (orders["id"] % 3 != 0), "shipped_at"] = pd.NaT
    assert not only(validate(spec, frames), "check")


def test_check_that_cannot_run_on_the_data_is_a_failure():
    spec = load_spec(
        "name: c\ntables:\n  t:\n    rows: 2\n    columns:\n      code: {type: string}\n"
        '    rules:\n      - check: "CAST(code AS INTEGER) > 0"\n'
    )
    report = validate(spec, {"t": pd.DataFrame({"code": ["12", "x7"]})})
    failure = only(report, "check")[0]
    assert failure.message.startswith('t: check "CAST(code AS INTEGER) > 0" cannot run on the data')
    assert failure.column == "code"


def test_rule_on_constant_column_says_why(housing_spec):
    frames = housing_frames()
    frames["housing"]["number_of_bedrooms"] = 3
    failure = only(validate(housing_spec, frames), "increasing")[0]
    assert "rho is undefined over 100 rows because one of them holds a single value" in (
        failure.message
    )


def test_rule_over_mostly_null_columns_is_skipped_with_a_warning():
    spec = load_spec(
        "name: n\ntables:\n  t:\n    rows: 5\n    columns:\n"
        "      x: {type: float, nullable: true}\n      y: {type: float}\n"
        "    rules:\n      - increasing: [x, y]\n"
    )
    frame = pd.DataFrame({"x": [1.0, 2.0, None, None, None], "y": [1.0, 2.0, 3.0, 4.0, 5.0]})
    report = validate(spec, {"t": frame})
    assert report.ok
    assert [w.message for w in only(report, "rule_skipped")] == [
        "t.y: rules[0] (increasing with x) not checked: only 2 rows have both values"
    ]


def test_spearman_uses_a_deterministic_sample_on_big_tables(monkeypatch):
    monkeypatch.setattr(validate_module, "SPEARMAN_SAMPLE_ROWS", 2_000)
    spec = load_spec(
        "name: s\ntables:\n  t:\n    rows: 20000\n    columns:\n"
        "      id: {type: integer, primary_key: true}\n      x: {type: float}\n"
        "      y: {type: float}\n    rules:\n      - increasing: [x, y]\n        min_rho: 0.9\n"
    )
    rng = np.random.default_rng(3)
    x = rng.normal(size=20_000)
    frame = pd.DataFrame({"id": np.arange(20_000), "x": x, "y": x + rng.normal(size=20_000)})
    first = validate(spec, {"t": frame})
    assert first.to_dict() == validate(spec, {"t": frame.sample(frac=1, random_state=1)}).to_dict()
    failure = only(first, "increasing")[0]
    assert "over a sample of" in failure.message and "of 20,000 rows" in failure.message
    # rho of x and x + N(0, 1) is about 0.69; the sample's estimate lands close
    rho = float(failure.message.split("rho = ")[1].split(" ")[0])
    assert abs(rho - 0.69) < 0.05


def test_duplicate_rows_and_unsorted_keys_are_found_exactly():
    spec = load_spec(
        "name: d\ntables:\n  t:\n    rows: 20000\n    columns:\n"
        "      id: {type: integer, primary_key: true}\n      x: {type: float}\n"
    )
    rng = np.random.default_rng(4)
    frame = pd.DataFrame({"id": rng.permutation(20_000), "x": rng.normal(size=20_000)})
    frame.loc[:3_999, "x"] = 0.5  # 4,000 equal rows: 3,999 repeats
    frame.loc[7, "id"] = frame.loc[8, "id"]
    report = validate(spec, {"t": frame})
    assert [f.message for f in report.warnings] == [
        "t: 3,999 of 20,000 rows (20%) repeat another row in every column except id"
    ]
    assert [f.reason for f in report.failures] == ["primary_key"]


@pytest.mark.parametrize("spacing", [1, 1_000])  # dense keys (bitmap) and sparse ones
@pytest.mark.parametrize("shuffled", [False, True])
@pytest.mark.parametrize("repeat", [False, True])
def test_integer_keys_are_judged_right_on_every_path(spacing, shuffled, repeat):
    spec = load_spec(
        "name: k\ntables:\n  t:\n    rows: 3000\n    columns:\n"
        "      id: {type: integer, primary_key: true}\n      u: {type: integer, unique: true, "
        "nullable: true}\n"
    )
    ids = np.arange(3_000) * spacing - 5
    if shuffled:
        ids = np.random.default_rng(6).permutation(ids)
    if repeat:
        ids[2_999] = ids[1_234]
    unique = pd.array(np.where(np.arange(3_000) % 7 == 0, None, np.arange(3_000)), "Int64")
    report = validate(spec, {"t": pd.DataFrame({"id": ids, "u": unique})})
    assert [f.reason for f in report.failures] == (["primary_key"] if repeat else [])


# --------------------------------------------------------------------- sanity warnings


def test_sanity_warnings_do_not_fail(housing_spec):
    frames = housing_frames()
    frames["location"]["country"] = "France"
    extra = frames["house_types"].copy()
    extra["id"] = extra["id"] + 5
    frames["house_types"] = pd.concat([frames["house_types"], extra])
    frames["housing"]["note"] = "x"
    frames["elsewhere"] = frames["location"]
    spec = load_spec((EXAMPLES / "housing.yaml").read_text().replace("rows: 5", "rows: 10"))
    report = validate(spec, frames)
    assert report.ok, report.as_text()
    got = {(w.reason, w.table, w.column): w.message for w in report.warnings}
    assert got[("single_value", "location", "country")] == (
        "location.country: all 20 rows hold the same value 'France'"
    )
    assert got[("duplicate_rows", "house_types", None)] == (
        "house_types: 5 of 10 rows (50%) repeat another row in every column except id"
    )
    assert ("unexpected_column", "housing", "note") in got
    assert ("unexpected_table", "elsewhere", None) in got
    assert "warning: " in report.as_text(warnings=True)
    assert report.as_text() == ""


def test_all_null_column_warns():
    spec = load_spec(EXAMPLES / "shop.yaml")
    frames = shop_frames()
    frames["customers"]["birth_year"] = pd.array([None] * 500, "Int64")
    report = validate(spec, frames)
    assert report.ok
    assert [w.message for w in only(report, "all_null")] == [
        "customers.birth_year: all 500 rows are null"
    ]


# ------------------------------------------------------------- keys across the examples


def test_composite_primary_key_and_self_reference():
    spec = load_spec(EXAMPLES / "staff.yaml")
    frames = staff_frames()
    frames["employees"].loc[5, "manager_id"] = 999
    frames["assignments"].loc[1, ["employee_id", "project_id"]] = (
        frames["assignments"].loc[0, ["employee_id", "project_id"]].to_numpy()
    )
    report = validate(spec, frames)
    by_reason = {f.reason: f for f in report.failures}
    assert set(by_reason) == {"primary_key", "foreign_key"}
    assert by_reason["primary_key"].column == "employee_id, project_id"
    assert by_reason["primary_key"].message.startswith(
        "assignments.(employee_id, project_id): 1 primary key value repeated, on 2 of 600 rows"
    )
    assert by_reason["foreign_key"].message == (
        "employees.manager_id: 1 of 300 rows (0.33%) point to no employees.id (1 distinct "
        "value); e.g. 999"
    )


def test_foreign_keys_are_checked_whatever_the_order_of_tables_in_the_spec():
    text = (EXAMPLES / "housing.yaml").read_text()
    head, rest = text.split("  location:\n", 1)
    location, rest = rest.split("  house_types:\n", 1)
    reordered = load_spec(head + "  house_types:\n" + rest + "  location:\n" + location)
    assert list(reordered.tables)[-1] == "location"
    frames = corrupt_housing(CORRUPTIONS["foreign_key"][0])
    assert [f.reason for f in validate(reordered, frames).failures] == ["foreign_key"]


def test_dataframe_with_its_key_as_index(housing_spec):
    frames = housing_frames()
    frames["housing"] = frames["housing"].set_index("id")
    assert validate(housing_spec, frames).ok


def test_dataframe_arrow_cannot_hold_is_unreadable(housing_spec):
    frames = housing_frames()
    frames["location"]["city"] = pd.Series(["a", 1] * 10, dtype=object)
    failure = only(validate(housing_spec, frames), "unreadable")[0]
    assert failure.message.startswith("location: the DataFrame cannot be converted to Arrow")


# ----------------------------------------------------------------------------- at scale


def test_one_million_rows(tmp_path):
    n = 1_000_000
    rng = np.random.default_rng(11)
    spec = load_spec(f"""
name: big
tables:
  dim:
    rows: 1000
    columns:
      id: {{type: integer, primary_key: true}}
      name: {{type: string, unique: true}}
  fact:
    rows: {n}
    columns:
      id: {{type: integer, primary_key: true}}
      dim_id: {{type: integer, references: dim.id}}
      x: {{type: float, min: 0}}
      y: {{type: float}}
      day: {{type: date, min: 2020-01-01}}
    rules:
      - increasing: [x, y]
      - check: "y >= x"
""")
    pq.write_table(
        pa.table({"id": np.arange(1000), "name": [f"n{i}" for i in range(1000)]}),
        tmp_path / "dim.parquet",
    )
    x = rng.uniform(0, 100, n)
    dim_id = rng.integers(0, 1000, n)
    dim_id[[10, 500_000]] = [1000, 5000]
    pq.write_table(
        pa.table(
            {
                "id": np.arange(n),
                "dim_id": dim_id,
                "x": x,
                "y": x + rng.uniform(0, 10, n),
                "day": np.datetime64("2020-01-01") + rng.integers(0, 1000, n),
            }
        ),
        tmp_path / "fact.parquet",
    )
    report = validate(spec, tmp_path)
    assert [f.message for f in report.failures] == [
        "fact.dim_id: 2 of 1,000,000 rows (0.0002%) point to no dim.id (2 distinct values); "
        "e.g. 1000, 5000"
    ]
    assert report.tables["fact"].rows == n


# ------------------------------------------------------------------ a real cookbook reply

COOKBOOK_SPEC = """
name: cookbook
tables:
  location:
    rows: 10
    columns:
      id: {type: integer, primary_key: true}
      country: {type: string}
      city: {type: string, unique: true}
      population: {type: integer, min: 1000}
  house_types:
    rows: 4
    columns:
      id: {type: integer, primary_key: true}
      house type: {type: string}
  housing:
    rows: 100
    columns:
      id: {type: integer, primary_key: true}
      house size: {type: float, min: 15}
      house price: {type: float, min: 10000}
      number of bedrooms: {type: integer, min: 0, max: 12}
      location_id: {type: integer, references: location.id}
      house_type_id: {type: integer, references: house_types.id}
    rules:
      - increasing: [number of bedrooms, house size]
      - increasing: [house size, house price]
"""


def test_cookbook_multitable_reply_breaks_its_own_bedroom_rule(run_program, corpus_dir):
    """The cookbook's reply draws bedrooms independently of size; validation says so."""
    lines = (corpus_dir / "real_replies.jsonl").read_text().splitlines()
    replies = [json.loads(line) for line in lines if line.strip()]
    reply = next(r for r in replies if r["id"] == "sdg1-gpt4p-multitable-housing")["reply"]
    program = reply.split("```python\n", 1)[1].split("```", 1)[0]
    # LLM-written code runs only in the sandbox, even a reviewed corpus program.
    result = run_program(program)
    assert result.ok, result.error
    names = {"location": "locations_df", "house_types": "house_types_df", "housing": "housing_df"}
    tables = {table: result.tables[variable].path for table, variable in names.items()}
    report = validate(load_spec(COOKBOOK_SPEC), tables)
    assert [(f.reason, f.table, f.column) for f in report.failures] == [
        ("increasing", "housing", "number of bedrooms, house size")
    ]
    assert report.failures[0].message.startswith(
        "housing.house size: should rise as number of bedrooms rises (Spearman rho >= 0.3), "
        "but rho = "
    )
    assert ("unexpected_column", "location", "area") in {
        (w.reason, w.table, w.column) for w in report.warnings
    }
