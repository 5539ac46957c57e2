"""What the chunked-rerun tests share: the row counts, small options, a saved run of a given
program (made without an LLM) and the digests of one whole run of it."""

from __future__ import annotations

from pathlib import Path

from codegen.runs.manifest import Manifest
from codegen.runs.store import save_run
from codegen.scale import ScaleOptions
from codegen.scale.hashing import table_sha256
from sandbox import Limits
from sandbox import run as sandbox_run
from support.chunky import SPEC

ROWS = {"customers": 3000, "orders": 20000}  # 20 parts of PART_ROWS 1000
SMALL = ScaleOptions(workers=2, target_rows=3000, limits=Limits(timeout_s=60, memory_mb=512))


def saved(root: Path, source: str) -> Path:
    """A saved run of ``source`` to re-run (made without an LLM: the program is given)."""
    manifest = Manifest(name="chunky", seed=5, rows_requested={"customers": 200, "orders": 1000})
    return save_run(root, manifest, program=source, spec_text=SPEC, tables={})


def whole_digests(source: str, tmp: Path) -> dict[str, str]:
    """The tables of one whole run (part=None) in one container, as content digests."""
    result = sandbox_run(source, tmp / "whole", rows=ROWS, seed=5, use_spares=False)
    assert result.ok, result.error
    return {name: table_sha256([t.path]) for name, t in result.tables.items()}
