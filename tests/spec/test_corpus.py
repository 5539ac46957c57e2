"""The check and pattern corpus (bench/corpus) and the example specs pass the spec linter; each
corpus check is true on its example row and each pattern matches its examples (no Docker, fast)."""

from __future__ import annotations

import importlib.util
import re
import sys

import duckdb
import pytest
from support.paths import ROOT

from codegen.spec.model import DUCKDB_TYPES, load_spec, parse_spec, quote_ident

EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def _corpus_module():
    spec = importlib.util.spec_from_file_location(
        "corpus_specs", ROOT / "bench" / "corpus_specs.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("corpus_specs", module)
    spec.loader.exec_module(module)
    return module


corpus = _corpus_module()
CHECKS = corpus.load_checks()
PATTERNS = corpus.load_patterns()


def test_the_corpus_is_big_enough_and_labels_are_unique():
    assert len(CHECKS) >= 40 and len(PATTERNS) >= 25
    assert len({c.label for c in CHECKS}) == len(CHECKS)
    assert len({p.label for p in PATTERNS}) == len(PATTERNS)
    assert len({c.spec["name"] for c in CHECKS}) == len(CHECKS)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_specs_pass_the_linter(path):
    spec = load_spec(path)
    assert spec.tables


@pytest.mark.parametrize("case", CHECKS, ids=lambda c: c.label)
def test_corpus_check_passes_the_linter_and_is_true_on_its_example(case):
    spec = parse_spec(case.spec)
    table = spec.tables[case.table]
    assert table.rules[0].check == case.check
    needed = set(table.columns) - {"id"}
    assert needed <= set(case.example) <= set(table.columns), "the example names every column"
    names = [name for name in table.columns if name in case.example]
    select = ", ".join(
        f"CAST(? AS {DUCKDB_TYPES[table.columns[n].type]}) AS {quote_ident(n)}" for n in names
    )
    values = [corpus.sql_value(case.example[n]) for n in names]
    sql = f"SELECT ({case.check}) FROM (SELECT {select}) AS {quote_ident(case.table)}"
    with duckdb.connect() as con:
        (result,) = con.execute(sql, values).fetchone()
    assert result is True, f"{case.check} is {result} on {case.example}"


@pytest.mark.parametrize("case", PATTERNS, ids=lambda p: p.label)
def test_corpus_pattern_passes_the_linter_and_matches_its_examples(case):
    spec = parse_spec(case.spec)
    assert spec.tables[corpus.PATTERN_TABLE].columns[case.column].pattern == case.pattern
    assert case.examples
    with duckdb.connect() as con:
        for example in case.examples:
            assert re.fullmatch(case.pattern, example), example
            (full,) = con.execute(
                "SELECT regexp_full_match(?, ?)", [example, case.pattern]
            ).fetchone()
            assert full, f"RE2 does not match {example!r}"
