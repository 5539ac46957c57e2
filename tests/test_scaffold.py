"""The starting program built from a spec: mechanical parts written out and correct, the rest left
as `...` with the column's constraints."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from codegen.scaffold import build_scaffold
from codegen.spec import load_spec

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_scaffold_parses_and_names_every_table_and_column(path):
    spec = load_spec(path.read_text())
    scaffold = build_scaffold(spec)
    tree = ast.parse(scaffold)
    function = next(n for n in tree.body if isinstance(n, ast.FunctionDef))
    assert function.name == "generate" and [a.arg for a in function.args.args] == ["rows", "seed"]
    for table_name, table in spec.tables.items():
        assert f'rows["{table_name}"]' in scaffold
        for column in table.columns:
            assert f"{column!r}:" in scaffold or f'"{column}":' in scaffold


def test_housing_scaffold_writes_keys_and_leaves_judgement_to_the_model():
    spec = load_spec((EXAMPLES[0].parent / "housing.yaml").read_text())
    scaffold = build_scaffold(spec)
    assert "location_ids = np.arange(1, n_location + 1)" in scaffold
    assert 'location_id = rng.choice(location["id"].to_numpy(), size=n_housing)' in scaffold
    # Tables come in dependency order: parents before the table that refers to them.
    assert scaffold.index("location = pd.DataFrame") < scaffold.index("housing = pd.DataFrame")
    # Mechanical columns are written out; rule targets come after their source, computed from it
    # by a written formula whose numbers are left to the model.
    assert "number_of_bedrooms = rng.integers(0, 12 + 1, size=n_housing)" in scaffold
    assert scaffold.index("number_of_bedrooms =") < scaffold.index("house_size_m2 =")
    assert "+ house_price_slope * house_size_m2" in scaffold
    assert "must rise as house_size_m2 rises" in scaffold
    assert "house_price / house_size_m2 BETWEEN 300 AND 30000" in scaffold
    # Left to the model: the two value lists. The numbers are defaults it may tune.
    assert scaffold.count("= [...]\n") == 2
    assert "house_price_slope = 1000\n" in scaffold


def test_scaffold_defaults_alone_pass_validation(sandbox_image, no_leftovers, tmp_path):
    """With only the value lists filled in, the starting program already meets the housing spec:
    keys, bounds, both rules and the price-per-m2 check. The model's part is realism."""
    from codegen.validate import validate
    from sandbox import run

    spec = load_spec((EXAMPLES[0].parent / "housing.yaml").read_text())
    program = (
        build_scaffold(spec)
        .replace("country_values = [...]", "country_values = ['Utopia']")
        .replace("city_values = [...]", "city_values = ['Springfield', 'Shelbyville']")
    )
    rows = {"location": 20, "house_types": 5, "housing": 2000}
    result = run(program, tmp_path / "out", rows=rows, seed=1)
    assert result.ok, result.error
    tables = {name: table.path for name, table in result.tables.items()}
    report = validate(spec, tables, rows)
    assert report.ok, report.as_text()


def test_placeholders_left_in_a_program_are_found():
    from codegen.pipeline import placeholder_lines

    program = "values = [...]\nx = ...\ndef stub(): ...\ny = a[..., 0]\n"
    assert placeholder_lines(program) == [1, 2]


def test_staff_scaffold_handles_a_manager_tree_and_a_pair_key(
    sandbox_image, no_leftovers, tmp_path
):
    """A self-reference becomes a tree (each row points at an earlier one, the first at none), and a
    primary key of two foreign keys becomes distinct pairs: the defaults pass validation."""
    import re

    from codegen.validate import validate
    from sandbox import run

    spec = load_spec((EXAMPLES[0].parent / "staff.yaml").read_text())
    scaffold = build_scaffold(spec)
    assert "rng.integers(1, np.maximum(employees_ids, 2))" in scaffold
    assert "replace=False" in scaffold
    program = re.sub(r"(\w+_values) = \[\.\.\.\]", r"\1 = ['Alpha', 'Beta']", scaffold).replace(
        "code = ...", "code = np.array(['ENG', 'OPS', 'FIN', 'HRS', 'MKT', 'SAL', 'LEG', 'RND'])"
    )
    rows = {name: table.rows for name, table in spec.tables.items()}
    result = run(program, tmp_path / "out", rows=rows, seed=3)
    assert result.ok, result.error
    report = validate(spec, {name: t.path for name, t in result.tables.items()}, rows)
    assert report.ok, report.as_text()
