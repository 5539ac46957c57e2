"""A spec's starting program run in process (``support.inprocess_runner``), its tables checked
by the validator: what tests of shapes and typical values read."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from codegen.program.scaffold import build_scaffold
from codegen.validation.validator import validate
from support.inprocess_runner import InProcessRunner


def valid_tables(
    spec, rows: dict[str, int] | None = None, seed: int = 0, source: str | None = None
) -> dict[str, pd.DataFrame]:
    """The tables a spec's starting program (or ``source``) makes at ``rows`` (the spec's
    own by default), after checking that they pass validation."""
    rows = rows or {name: table.rows for name, table in spec.tables.items()}
    out = Path(tempfile.mkdtemp()) / "out"
    result = InProcessRunner().run(source or build_scaffold(spec).source, out, rows=rows, seed=seed)
    assert result.ok, result.error
    assert validate(spec, {t: f.path for t, f in result.tables.items()}, rows).ok
    return {t: pd.read_parquet(f.path) for t, f in result.tables.items()}
