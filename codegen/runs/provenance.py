"""What a saved run says about itself, and whether its files still match what it recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from codegen.digest import sha256_file, sha256_text
from codegen.runs.manifest import Manifest


def run_provenance(run_dir: str | Path) -> dict[str, Any]:
    """The run's provenance from its manifest, with integrity checks of program and data."""
    run_dir = Path(run_dir)
    manifest = Manifest.read(run_dir)
    program = run_dir / "program.py"
    checks: dict[str, bool] = {}
    if program.is_file() and manifest.program_sha256:
        checks["program.py"] = sha256_text(program.read_text("utf-8")) == manifest.program_sha256
    for entry in manifest.files:
        path = run_dir / entry.file
        checks[entry.file] = path.is_file() and sha256_file(path) == entry.sha256
    return {
        "run_id": manifest.run_id,
        "status": manifest.status,
        "route": manifest.route,
        "created": manifest.created,
        "model": manifest.model,
        "endpoint_host": manifest.endpoint_host,
        "rerun_of": manifest.rerun_of,
        "seed": manifest.seed,
        "rows": manifest.rows,
        "attempts": len(manifest.attempts),
        "failures": [f"{a.stage}: {a.failure}" for a in manifest.attempts if a.failure],
        "usage": manifest.usage,
        "validation_ok": manifest.validation.get("ok"),
        "image": manifest.image.get("reference"),
        "integrity": checks,
    }
