"""What a saved run says about itself, and whether its files still match what it recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from codegen.runs.store import load_manifest, sha256_file, sha256_text


def run_provenance(run_dir: str | Path) -> dict[str, Any]:
    """The run's provenance from its manifest, with integrity checks of program and data."""
    run_dir = Path(run_dir)
    manifest = load_manifest(run_dir)
    program = run_dir / "program.py"
    checks: dict[str, bool] = {}
    if program.is_file() and manifest.get("program_sha256"):
        checks["program.py"] = sha256_text(program.read_text("utf-8")) == manifest["program_sha256"]
    for entry in manifest.get("files", []):
        path = run_dir / str(entry.get("file", ""))
        checks[str(entry.get("file"))] = path.is_file() and sha256_file(path) == entry.get("sha256")
    attempts = manifest.get("attempts", [])
    return {
        "run_id": manifest.get("run_id"),
        "status": manifest.get("status"),
        "created": manifest.get("created"),
        "model": manifest.get("model"),
        "endpoint_host": manifest.get("endpoint_host"),
        "rerun_of": manifest.get("rerun_of"),
        "seed": manifest.get("seed"),
        "rows": manifest.get("rows"),
        "attempts": len(attempts),
        "failures": [f"{a.get('stage')}: {a.get('failure')}" for a in attempts if a.get("failure")],
        "usage": manifest.get("usage"),
        "validation_ok": (manifest.get("validation") or {}).get("ok"),
        "image": (manifest.get("image") or {}).get("reference"),
        "integrity": checks,
    }
