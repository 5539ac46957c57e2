"""Re-run a saved generator program offline, at any row count: no LLM involved.

The saved program is checked against the sha256 its manifest recorded before it runs, the new
tables are validated against the saved spec, and the result is saved as a new run that names the
run it came from.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from codegen.digest import sha256_text
from codegen.errors import RerunError, RunIntegrityError, RunNotFoundError
from codegen.runner import ProgramRunner, SandboxRunner
from codegen.runs.manifest import Manifest, Timings
from codegen.runs.run import Run
from codegen.runs.store import save_run


def prepare(
    run_dir: str | Path,
    rows: int | None,
    per_table: Mapping[str, int] | None,
    seed: int | None,
) -> tuple[Run, str, dict[str, int], int]:
    """The saved run, its program (checked against its sha256), the row counts asked for and
    the seed: what a whole rerun and a chunked one both start from."""
    from codegen.spec.rows import row_counts

    source = Run(run_dir)
    manifest = source.manifest
    if not manifest.complete:
        raise RunNotFoundError(
            f"{source.path} is not a complete run (status {manifest.status!r})",
            run_dir=source.path,
        )
    program = source.program
    if sha256_text(program) != manifest.program_sha256:
        raise RunIntegrityError(
            f"{source.path / 'program.py'} changed since it was saved (sha256 differs)",
            run_dir=source.path,
        )
    per_table = dict(per_table or {})
    spec = source.spec
    if spec is not None:
        counts = row_counts(spec, rows, per_table)
    else:  # the program chose its tables: the saved run's tables are the ones to scale
        counts = {**manifest.rows, **manifest.rows_requested}
        if rows is not None:
            counts = {name: rows for name in counts} or {"data": rows}
        counts.update(per_table)
    return source, program, counts, manifest.seed if seed is None else seed


def rerun_manifest(source: Run, seed: int, counts: dict[str, int], **made: Any) -> Manifest:
    """The manifest of a rerun of ``source``: its provenance, and what this run ``made``."""
    manifest = source.manifest
    return Manifest(
        name=manifest.name or source.path.parent.name,
        route="rerun",
        rerun_of=manifest.run_id,
        model=manifest.model,
        endpoint_host=manifest.endpoint_host,
        seed=seed,
        rows_requested=counts,
        **made,
    )


def rerun(
    run_dir: str | Path,
    *,
    rows: int | None = None,
    per_table: Mapping[str, int] | None = None,
    seed: int | None = None,
    out_root: str | Path | None = None,
    csv: bool = False,
    runner: ProgramRunner | None = None,
    validate_tables: bool = True,
) -> Run:
    """Run the saved program again: ``rows`` for the tables nothing references, ``per_table``
    for any table by name (the spec's counts for the rest). The program runs whole in one
    container; ``codegen.scale.rerun_in_parts`` makes a chunkable program in parallel parts."""
    from codegen.validation.validator import validate

    source, program, counts, seed = prepare(run_dir, rows, per_table, seed)
    spec = source.spec
    root = Path(out_root) if out_root is not None else source.path.parent.parent
    root.mkdir(parents=True, exist_ok=True)
    runner = runner or SandboxRunner()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=".rerun-", dir=root) as work:
        result = runner.run(program, Path(work) / "run", rows=counts, seed=seed)
        if not result.ok:
            raise RerunError(f"the saved program failed: {result.error}", run_dir=source.path)
        generated = time.perf_counter()
        tables = {t.name: t.path for t in result.tables.values()}
        validation = {}
        if spec is not None and validate_tables:
            report = validate(spec, tables, counts)
            if not report.ok:
                first = report.as_text().splitlines()[:3]
                raise RerunError(
                    f"the new tables fail validation: {' | '.join(first)}",
                    run_dir=source.path,
                    report=report,
                )
            validation = report.to_dict()
        new_manifest = rerun_manifest(
            source,
            seed,
            counts,
            rows={t.name: t.rows for t in result.tables.values()},
            validation=validation,
            image={"reference": result.image},
            timings=Timings(
                run_s=round(generated - started, 3),
                generate_s=round(generated - started, 3),
                validate_s=round(time.perf_counter() - generated, 3),
                total_s=round(time.perf_counter() - started, 3),
            ),
        )
        saved = save_run(
            root,
            new_manifest,
            program=program,
            spec_text=source.spec_text,
            tables=tables,
            csv=csv,
        )
    return Run(saved)
