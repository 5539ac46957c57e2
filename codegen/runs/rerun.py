"""Re-run a saved generator program offline, at any row count: no LLM involved.

The saved program is checked against the sha256 its manifest recorded before it runs, the new
tables are validated against the saved spec, and the result is saved as a new run that names the
run it came from.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codegen.errors import SdgenError
from codegen.runs.store import load_manifest, save_run, sha256_text


@dataclass
class RerunResult:
    run_dir: Path
    tables: dict[str, int]
    manifest: dict[str, Any]


def rerun(
    run_dir: str | Path,
    *,
    rows: int | None = None,
    per_table: Mapping[str, int] | None = None,
    seed: int | None = None,
    out_root: str | Path | None = None,
    csv: bool = False,
    limits: Any = None,
) -> RerunResult:
    from codegen.pipeline.program import scaled_rows
    from codegen.spec.model import load_spec
    from codegen.validate.validator import validate
    from sandbox import Limits, run

    source_dir = Path(run_dir)
    manifest = load_manifest(source_dir)
    if manifest.get("status") != "complete":
        raise SdgenError(f"{source_dir} is not a complete run (status {manifest.get('status')!r})")
    program = (source_dir / "program.py").read_text(encoding="utf-8")
    if sha256_text(program) != manifest.get("program_sha256"):
        raise SdgenError(f"{source_dir / 'program.py'} changed since it was saved (sha256 differs)")
    spec_path = source_dir / "spec.yaml"
    spec_text = spec_path.read_text(encoding="utf-8") if spec_path.exists() else None
    spec = load_spec(spec_text) if spec_text is not None else None
    if spec is not None:
        counts = scaled_rows(spec, rows, per_table or {})
    else:  # the program chose its tables: the saved run's tables are the ones to scale
        counts = {**(manifest.get("rows") or {}), **(manifest.get("rows_requested") or {})}
        if rows is not None:
            counts = {name: rows for name in counts} or {"data": rows}
        counts.update(per_table or {})
    seed = int(manifest.get("seed", 0)) if seed is None else seed
    root = Path(out_root) if out_root is not None else source_dir.parent.parent
    root.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=".rerun-", dir=root) as work:
        result = run(program, Path(work) / "run", rows=counts, seed=seed, limits=limits or Limits())
        if not result.ok:
            raise SdgenError(f"the saved program failed: {result.error}")
        tables = {t.name: t.path for t in result.tables.values()}
        validation: dict[str, Any] = {}
        if spec is not None:
            report = validate(spec, tables, counts)
            if not report.ok:
                first = report.as_text().splitlines()[:3]
                raise SdgenError(f"the new tables fail validation: {' | '.join(first)}")
            validation = report.to_dict()
        new_manifest = {
            "name": manifest.get("name", source_dir.parent.name),
            "rerun_of": manifest.get("run_id"),
            "model": manifest.get("model"),
            "endpoint_host": manifest.get("endpoint_host"),
            "seed": seed,
            "rows_requested": counts,
            "rows": {t.name: t.rows for t in result.tables.values()},
            "validation": validation,
            "image": {"reference": result.image},
            "timings": {"total_s": round(time.perf_counter() - started, 3)},
        }
        saved = save_run(
            root,
            str(new_manifest["name"]),
            program=program,
            spec_text=spec_text,
            tables=tables,
            manifest=new_manifest,
            csv=csv,
        )
    return RerunResult(saved, {t.name: t.rows for t in result.tables.values()}, new_manifest)
