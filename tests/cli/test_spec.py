"""`sdgen spec check|show|reference` and `sdgen validate`, exercised as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support.paths import EXAMPLES
from typer.testing import CliRunner

from codegen.cli.main import app
from codegen.spec.model import spec_reference

HOUSING = EXAMPLES / "housing.yaml"
SDGEN = Path(sys.executable).parent / "sdgen"

runner = CliRunner()


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("TMPDIR", str(tmp_path))


def housing_dir(directory: Path, houses: int = 100, bad_locations: int = 0) -> Path:
    """examples/housing.yaml data as Parquet; the first ``bad_locations`` houses point nowhere."""
    rng = np.random.default_rng(0)
    directory.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        {
            "id": range(1, 21),
            "country": ["France", "Spain"] * 10,
            "city": [f"City {i}" for i in range(20)],
            "population": rng.integers(1_000, 10**6, 20),
        }
    ).to_parquet(directory / "location.parquet")
    pd.DataFrame(
        {
            "id": range(1, 6),
            "house_type": ["Apartment", "Detached", "Semi-detached", "Terraced", "Bungalow"],
        }
    ).to_parquet(directory / "house_types.parquet")
    beds = rng.integers(0, 7, houses)
    size = 25 + beds * 22 + rng.uniform(0, 20, houses)
    location = rng.integers(1, 21, houses)
    location[:bad_locations] = [11 + 20 * (i % 3) + 20 for i in range(bad_locations)]
    pd.DataFrame(
        {
            "id": range(1, houses + 1),
            "house_size_m2": size,
            "house_price": size * rng.uniform(1_500, 6_000, houses),
            "number_of_bedrooms": beds,
            "location_id": location,
            "house_type_id": rng.integers(1, 6, houses),
        }
    ).to_parquet(directory / "housing.parquet")
    return directory


# ------------------------------------------------------------------------------- spec ...


def test_spec_check_ok():
    result = runner.invoke(app, ["spec", "check", str(HOUSING)])
    assert result.exit_code == 0, result.output
    assert f"ok: {HOUSING}: spec 'housing', 3 tables, 12 columns, 3 rules" in result.stdout


def test_spec_check_prints_every_problem(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        HOUSING.read_text()
        .replace("references: location.id", "references: locaton.id")
        .replace("min: 15, max: 1000", "min: 1000, max: 15")
    )
    result = runner.invoke(app, ["spec", "check", str(bad)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: tables.housing.columns.house_size_m2: min 1000 is greater than max 15",
        "error: tables.housing.columns.location_id.references: no table 'locaton' (did you mean "
        "'location'?)",
    ]


def test_spec_show_prints_keys_rules_and_generation_order():
    result = runner.invoke(app, ["spec", "show", str(HOUSING)], terminal_width=200)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "generation order: location -> house_types -> housing" in out
    assert "-> location.id" in out and "primary key" in out and "15 .. 1000" in out
    assert "rules[0]: house_size_m2 rises with number_of_bedrooms (Spearman rho >= 0.3)" in out
    assert "rules[2]: check 'house_price / house_size_m2 BETWEEN 300 AND 30000' on every row" in out


def test_spec_reference_prints_the_generated_reference():
    from codegen.spec.text import text_spec_reference

    result = runner.invoke(app, ["spec", "reference"])
    assert result.exit_code == 0
    assert result.stdout == spec_reference() + "\n" + text_spec_reference()


# -------------------------------------------------------------------------------- validate


def test_validate_passes_on_valid_data(tmp_path):
    result = runner.invoke(app, ["validate", str(HOUSING), str(housing_dir(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "housing: housing.parquet, 100 rows" in result.stdout
    assert "ok: housing: all checks passed" in result.stdout


def test_validate_fails_with_json_report(tmp_path):
    directory = housing_dir(tmp_path, bad_locations=3)
    result = runner.invoke(app, ["validate", str(HOUSING), str(directory), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["failure_count"] == 1
    failure = report["failures"][0]
    assert (failure["reason"], failure["table"], failure["column"]) == (
        "foreign_key",
        "housing",
        "location_id",
    )
    assert failure["count"] == 3 and failure["total"] == 100 and failure["examples"] == [31, 51, 71]
    assert report["tables"]["housing"] == {
        "source": "housing.parquet",
        "rows": 100,
        "expected_rows": 100,
    }


def test_validate_rows_option(tmp_path):
    directory = housing_dir(tmp_path, houses=50)
    failing = runner.invoke(app, ["validate", str(HOUSING), str(directory)])
    assert failing.exit_code == 1
    assert "FAIL housing: 50 rows, expected 100" in failing.stdout
    passing = runner.invoke(app, ["validate", str(HOUSING), str(directory), "--rows", "housing=50"])
    assert passing.exit_code == 0, passing.output


def test_validate_with_a_bad_spec_prints_its_problems(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ntables: {t: {rows: 1, columns: {a: {type: strng}}}}\n")
    result = runner.invoke(app, ["validate", str(bad), str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: tables.t.columns.a.type: unknown type 'strng'")


# ------------------------------------------------------------------- the real command line


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS="200")
    return subprocess.run(
        [str(SDGEN), *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )


@pytest.mark.slow  # four runs of the installed entry point
def test_sdgen_subprocess(tmp_path):
    directory = housing_dir(tmp_path / "data", bad_locations=3)
    result = run("validate", str(HOUSING), str(directory))
    assert result.returncode == 1
    assert (
        "FAIL housing.location_id: 3 of 100 rows (3%) point to no location.id (3 distinct "
        "values); e.g. 31, 51, 71"
    ) in result.stdout
    assert "failed: housing: 1 failure" in result.stdout

    typo = tmp_path / "typo.yaml"
    typo.write_text(
        HOUSING.read_text().replace("references: location.id", "references: locaton.id")
    )
    result = run("spec", "check", str(typo))
    assert result.returncode == 1
    assert result.stderr == (
        "error: tables.housing.columns.location_id.references: no table 'locaton' (did you mean "
        "'location'?)\n"
    )

    result = run("validate", str(HOUSING), str(tmp_path / "missing"))
    assert result.returncode == 1
    assert result.stderr.strip().endswith("missing: no such directory")

    result = run("validate", str(HOUSING), str(directory), "--rows", "housing")
    assert result.returncode == 1
    assert result.stderr == "error: --rows 'housing': expected TABLE=N\n"
