"""The realism probes of the example specs (``bench/realism/<spec>.yaml``, run by ``make bench``
on what the local model makes): every example has a file, each file loads, and each probe is one
DuckDB SELECT that names only tables and columns its spec has and answers with one boolean.

No data is generated or read here: the probes are written from the domain, not from what sdgen
makes (issue 11). They run on empty tables typed as the spec says, which is enough for DuckDB to
bind every name, function and type."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import sqlglot
from sqlglot import exp
from support.paths import EXAMPLES, ROOT

from codegen.realism import load_probes
from codegen.spec.model import Spec, load_spec, quote_ident

PROBE_DIR = ROOT / "bench" / "realism"
SPECS = sorted(EXAMPLES.glob("*.yaml"))
DUCK_TYPES = {
    "integer": "BIGINT",
    "float": "DOUBLE",
    "string": "VARCHAR",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMP",
}


def test_every_example_spec_has_a_probe_file_and_every_probe_file_a_spec():
    assert SPECS
    assert sorted(p.stem for p in PROBE_DIR.glob("*.yaml")) == [p.stem for p in SPECS]


@pytest.mark.parametrize("spec_path", SPECS, ids=lambda p: p.stem)
def test_each_probe_names_only_what_its_spec_has(spec_path: Path):
    spec = load_spec(spec_path)
    probes = load_probes(PROBE_DIR / f"{spec_path.stem}.yaml")
    assert 4 <= len(probes) <= 8
    for probe in probes:
        problems = unknown_names(probe.sql, spec)
        assert not problems, f"{probe.name}: {problems}"


@pytest.mark.parametrize("spec_path", SPECS, ids=lambda p: p.stem)
def test_each_probe_answers_one_boolean_on_empty_tables_of_its_spec(spec_path: Path):
    spec = load_spec(spec_path)
    con = duckdb.connect()
    for name, table in spec.tables.items():
        columns = ", ".join(
            f"{quote_ident(col)} {DUCK_TYPES[column.type]}" for col, column in table.columns.items()
        )
        con.execute(f"CREATE TABLE {quote_ident(name)} ({columns})")
    for probe in load_probes(PROBE_DIR / f"{spec_path.stem}.yaml"):
        cursor = con.execute(probe.sql)  # a binder error names the probe's mistake
        rows = cursor.fetchall()
        assert len(rows) == 1 and len(rows[0]) == 1, probe.name
        assert str(cursor.description[0][1]) == "BOOLEAN", probe.name


def unknown_names(sql: str, spec: Spec) -> list[str]:
    """Tables and columns ``sql`` reads that the spec does not have (names the query defines
    itself, CTEs and aliases, excepted)."""
    statements = sqlglot.parse(sql, read="duckdb")
    if len(statements) != 1 or not isinstance(statements[0], exp.Select | exp.Union):
        return ["not one SELECT"]
    tree = statements[0]
    defined_tables = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    defined_tables |= {sub.alias for sub in tree.find_all(exp.Subquery) if sub.alias}
    problems: list[str] = []
    qualifier: dict[str, str] = {}  # alias or name -> spec table
    for table in tree.find_all(exp.Table):
        if table.name in defined_tables:
            continue
        if table.name not in spec.tables:
            problems.append(f"table {table.name}")
            continue
        qualifier[table.alias_or_name] = table.name
    defined_columns = {alias.alias for alias in tree.find_all(exp.Alias)}
    for table_alias in tree.find_all(exp.TableAlias):
        defined_columns |= {column.name for column in table_alias.columns}
    any_table = {col for name in qualifier.values() for col in spec.tables[name].columns}
    for column in tree.find_all(exp.Column):
        if column.table in qualifier:
            if column.name not in spec.tables[qualifier[column.table]].columns:
                problems.append(f"column {column.table}.{column.name}")
        elif column.name not in any_table | defined_columns:
            problems.append(f"column {column.sql()}")
    return problems
