"""Realism probes (codegen.realism): a probe file loads or says in one line what is wrong; probes
run over a saved run's Parquet tables, each to its own result, a broken one reported rather than
raised; results are recorded in the manifest by a rename; ``sd.probe`` and ``sdgen probe`` do
both. The run is a real saved run (``save_run`` over Parquet files), made in process: no Docker,
no LLM."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from support.cli import sdgen
from support.report_run import make_shop_run

import codegen as sd
from codegen.errors import ProbeError
from codegen.realism import Probe, load_probes, passed_count, record_realism, run_probes

PROBES = """\
probes:
  - name: customers_are_adults
    why: shop customers are adults, median age 25-60
    sql: SELECT median(age) BETWEEN 25 AND 60 FROM customers
  - name: orders_are_huge
    why: a deliberately wrong expectation
    sql: |
      SELECT median(o.amount) > 10000
      FROM orders AS o JOIN customers AS c ON c.id = o.customer_id
  - name: broken_sql
    why: names a column that does not exist
    sql: SELECT median(height) > 1 FROM customers
  - name: two_columns
    why: answers with two values
    sql: SELECT true, false
"""


@pytest.fixture(scope="module")
def shop_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_shop_run(tmp_path_factory.mktemp("probes"), realism=False)


@pytest.fixture
def probe_file(tmp_path: Path) -> Path:
    path = tmp_path / "shop.yaml"
    path.write_text(PROBES, encoding="utf-8")
    return path


def probes(*pairs: tuple[str, str]) -> list[Probe]:
    return [Probe(name=name, sql=sql, why="test") for name, sql in pairs]


# ----------------------------------------------------------------------------- the file


def test_a_probe_file_loads_in_order(probe_file):
    loaded = load_probes(probe_file)
    assert [p.name for p in loaded] == [
        "customers_are_adults", "orders_are_huge", "broken_sql", "two_columns",
    ]  # fmt: skip
    assert loaded[0].why == "shop customers are adults, median age 25-60"
    assert loaded[1].sql.startswith("SELECT median(o.amount) > 10000\nFROM orders")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("probes: [\n  - name: x\n    sql: 'SELECT", "line 2: YAML error"),
        ("- name: x\n", "expected a mapping with 'probes: [...]', got a list"),
        ("", "got nothing"),
        ("probes: []\n", "probes: List should have at least 1 item"),
        ("probes:\n  - {name: ok, sql: SELECT true}\n", "probes[0].why (ok): Field required"),
        ("probes:\n  - {name: Bad-Name, sql: SELECT true, why: w}\n", "must be snake_case"),
        ("probes:\n  - {name: x, sql: SELECT true, why: w, expect: 1}\n", "probes[0].expect (x)"),
        ("probes:\n  - {name: x, sql: SELECT true, why: 'a\n\n b'}\n", "why (x): must be one line"),
        (
            "probes:\n  - {name: x, sql: SELECT true, why: w}\n"
            "  - {name: x, sql: SELECT 1, why: w}\n",
            "probe name 'x' appears twice",
        ),
        ("tests: []\n", "probes: Field required"),
    ],
)
def test_a_bad_probe_file_gives_one_clear_line(tmp_path, text, says):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProbeError) as raised:
        load_probes(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: ") and says in message
    assert "\n" not in message


def test_a_missing_probe_file_says_so(tmp_path):
    with pytest.raises(ProbeError, match="cannot read the probe file: No such file"):
        load_probes(tmp_path / "none.yaml")


# ----------------------------------------------------------------------------- running


def test_probes_run_over_the_runs_parquet_tables_each_to_its_own_result(shop_run, probe_file):
    results = run_probes(shop_run, load_probes(probe_file))
    assert list(results) == ["customers_are_adults", "orders_are_huge", "broken_sql", "two_columns"]
    assert results["customers_are_adults"] == {
        "passed": True, "value": True, "why": "shop customers are adults, median age 25-60",
    }  # fmt: skip
    assert results["orders_are_huge"] == {
        "passed": False, "value": False, "why": "a deliberately wrong expectation",
    }  # fmt: skip
    broken = results["broken_sql"]
    assert broken["passed"] is False and broken["value"] is None
    assert broken["error"].startswith("Binder Error") and "height" in broken["error"]
    assert "\n" not in broken["error"]
    assert results["two_columns"]["passed"] is False
    assert results["two_columns"]["error"] == (
        "expected one row with one boolean column, got 1 row with 2 columns"
    )
    assert passed_count(results) == 1


def test_answers_that_are_not_one_boolean_are_reported_and_the_rest_still_run(shop_run):
    results = run_probes(
        shop_run,
        probes(
            ("many_rows", "SELECT vip FROM customers"),
            ("no_rows", "SELECT vip FROM customers WHERE false"),
            ("a_number", "SELECT count(*) FROM orders"),
            ("null", "SELECT median(items) > 1 FROM orders WHERE false"),
            ("two_statements", "SELECT true; SELECT false"),
            ("not_a_select", "DROP VIEW customers"),
            ("not_sql", "this is not SQL"),
            ("outside_the_run", "SELECT count(*) > 0 FROM read_text('/etc/hostname')"),
            ("still_there", "SELECT count(*) = 300 FROM customers"),
        ),
    )
    errors = {name: got.get("error", "") for name, got in results.items()}
    assert errors["many_rows"] == (
        "expected one row with one boolean column, got more than one row with 1 column"
    )
    assert errors["no_rows"] == "expected one row with one boolean column, got 0 rows with 1 column"
    assert errors["a_number"] == "expected a boolean, got BIGINT 2000"
    assert errors["null"] == "the probe returned NULL (no rows to judge?)"
    assert errors["two_statements"] == "expected one SELECT statement, got 2 statements"
    assert errors["not_a_select"] == "expected a SELECT statement, got DROP"
    assert errors["not_sql"].startswith("Parser Error")
    assert errors["outside_the_run"]  # the connection reads the run's files and nothing else
    assert [name for name, got in results.items() if got["passed"]] == ["still_there"]
    assert "error" not in results["still_there"]


def test_tables_read_as_the_spec_types_them(shop_run):
    # joined_on is a date in the spec: date arithmetic works on it as written in a probe
    results = run_probes(
        shop_run,
        probes(("joined_before_2025", "SELECT max(joined_on) < DATE '2025-01-01' FROM customers")),
    )
    assert results["joined_before_2025"]["passed"] is True


# ----------------------------------------------------------------------------- recording


def test_recording_replaces_the_manifest_by_a_rename_and_load_run_reads_it(shop_run):
    manifest_path = shop_run / "manifest.json"
    before = json.loads(manifest_path.read_text(encoding="utf-8"))
    inode, mode = os.stat(manifest_path).st_ino, os.stat(manifest_path).st_mode
    results = run_probes(shop_run, probes(("has_orders", "SELECT count(*) > 0 FROM orders")))
    assert record_realism(shop_run, results) == manifest_path
    after = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert os.stat(manifest_path).st_ino != inode  # a new file renamed over the old one
    assert os.stat(manifest_path).st_mode == mode
    assert [p.name for p in shop_run.iterdir() if p.name.startswith(".")] == []  # no temp left
    assert after["realism"] == {"has_orders": {"passed": True, "value": True, "why": "test"}}
    assert {k: v for k, v in after.items() if k != "realism"} == {
        k: v for k, v in before.items() if k != "realism"
    }
    assert sd.load_run(shop_run).manifest.realism == after["realism"]


def test_recording_needs_a_run(tmp_path):
    with pytest.raises(sd.RunNotFoundError):
        record_realism(tmp_path, {})


# ----------------------------------------------------------------------------- API and CLI


def test_sd_probe_runs_a_file_and_records_unless_told_not_to(tmp_path, probe_file):
    run_dir = make_shop_run(tmp_path, realism=False)
    run = sd.load_run(run_dir)
    looked = sd.probe(run, probe_file, record=False)
    assert passed_count(looked) == 1 and sd.load_run(run_dir).manifest.realism == {}
    results = sd.probe(run, probe_file)
    assert results == looked
    assert run.manifest.realism == results  # the Run in hand sees what was recorded
    html = sd.report(run).read_text(encoding="utf-8")
    assert "realism 1 of 4" in html
    assert "shop customers are adults, median age 25-60" in html  # the report shows why
    assert "error: Binder Error" in html


def test_sdgen_probe_prints_each_probe_and_k_of_n_and_records(tmp_path, probe_file):
    run_dir = make_shop_run(tmp_path, realism=False)
    done = sdgen("probe", str(run_dir), str(probe_file), env={})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0] == "✓ customers_are_adults — shop customers are adults, median age 25-60 [true]"
    assert lines[1] == "✗ orders_are_huge — a deliberately wrong expectation [false]"
    assert lines[2].startswith("✗ broken_sql — names a column that does not exist [error: Binder")
    assert lines[3].startswith("✗ two_columns — answers with two values [error: expected one row")
    assert lines[4] == f"1/4 probes passed (recorded in {run_dir / 'manifest.json'})"
    assert len(sd.load_run(run_dir).manifest.realism) == 4


def test_sdgen_probe_with_a_bad_file_ends_with_an_error_line(tmp_path, shop_run):
    bad = tmp_path / "bad.yaml"
    bad.write_text("probes: []\n", encoding="utf-8")
    done = sdgen("probe", str(shop_run), str(bad), "--no-record", env={})
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        f"error: {bad}: probes: List should have at least 1 item after validation, not 0"
    )
