"""A saved program re-run at scale: made in parts, chunk by chunk, in parallel containers.

    from codegen.scale import ScaleOptions, rerun
    run = rerun("generated/shop/<run>", rows=100_000_000, options=ScaleOptions(workers=2))

The output depends only on (program, seed, row counts, part rows): the same tables, byte for
byte, whatever the workers or the cluster. A program that does not follow the parts contract
runs whole in one container as before (``on_whole`` is told why, in one line).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codegen.errors import RerunError
from codegen.runs.manifest import Timings
from codegen.runs.run import Run
from codegen.scale.assemble import LocalTarget
from codegen.scale.chunks import Progress, make_chunks
from codegen.scale.contract import inspect_program, parts_for
from codegen.scale.execute import ChunkTask, DaskExecutor, Executor, LocalExecutor
from codegen.scale.plan import CHUNK_OUTPUT_BYTES, CHUNK_TARGET_ROWS, bytes_per_row, plan
from codegen.scale.publish import RemoteRun, RemoteTarget
from codegen.scale.remote import RemoteWork
from codegen.scale.work import WorkDir, work_key
from codegen.urls import is_url
from sandbox import Limits

# A chunk is a few seconds to a minute of work; its container may take this long before it is
# killed (and the chunk retried once).
CHUNK_TIMEOUT_S = 600.0


def chunk_limits() -> Limits:
    return Limits(timeout_s=CHUNK_TIMEOUT_S, memory_mb=2048, output_mb=2048, output_files=256)


@dataclass(frozen=True)
class ScaleOptions:
    workers: int | None = None  # default: the cores of this machine (or the cluster's threads)
    cluster: str | None = None  # tcp://HOST:PORT of a running dask.distributed scheduler
    part_rows: int | None = None  # default: the program's PART_ROWS
    validate: bool = True
    limits: Limits | None = None  # per container; default chunk_limits() (whole: sandbox's)
    image: str | None = None
    runtime: str | None = None
    target_rows: int = CHUNK_TARGET_ROWS


def rerun(
    run_dir: str | Path,
    rows: int | None = None,
    per_table: Mapping[str, int] | None = None,
    *,
    seed: int | None = None,
    out_root: str | Path | None = None,
    options: ScaleOptions | None = None,
    executor: Executor | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    on_whole: Callable[[str], None] | None = None,
) -> Run | RemoteRun:
    """Re-run a saved program at ``rows``/``per_table``, in parts when it is chunkable.

    ``out_root``: the root the new run is saved under (default: the source run's root), a local
    path, or an fsspec URL (``s3://bucket/prefix``) the workers share; a URL gives a
    ``RemoteRun`` (credentials found by fsspec where it usually looks, never sent to workers)."""
    from codegen.runs.rerun import prepare, rerun_manifest

    options = options or ScaleOptions()
    source, program, counts, seed = prepare(run_dir, rows, per_table, seed)
    found = inspect_program(program)
    remote = is_url(out_root)
    if not found.chunkable:
        if remote:
            raise RerunError(
                f"cannot shard this program ({found.reason}); a URL output needs a program made"
                " in parts",
                run_dir=source.path,
            )
        return _whole(source, rows, per_table, seed, out_root, options, found.reason, on_whole)
    part_rows = options.part_rows or found.part_rows
    assert part_rows is not None
    if part_rows <= 0:
        raise RerunError(f"--part-rows must be > 0, got {part_rows}")
    manifest = source.manifest
    key = work_key(manifest.run_id, manifest.program_sha256 or "", seed, counts, part_rows)
    inputs = {"source_run": str(source.path), "program_sha256": manifest.program_sha256,
              "seed": seed, "rows": counts, "part_rows": part_rows}  # fmt: skip
    work: WorkDir | RemoteWork
    if remote:
        work = RemoteWork(str(out_root), key, inputs)
    else:
        root = Path(out_root) if out_root is not None else source.path.parent.parent
        root.mkdir(parents=True, exist_ok=True)
        work = WorkDir(root, key, inputs)
    n = parts_for(counts, part_rows)
    started = time.perf_counter()
    own = executor is None
    try:
        reused = work.verified(n)
        if executor is None:
            if options.cluster:
                executor = DaskExecutor(options.cluster)
            else:
                executor = LocalExecutor(options.workers or os.cpu_count() or 1)
    except BaseException:
        work.release()
        raise
    try:
        done_parts = [k for chunk in reused for k in chunk.parts]
        limits = options.limits or chunk_limits()
        budget = min(CHUNK_OUTPUT_BYTES, limits.memory_mb * 2**20 // 3, limits.output_mb * 2**19)
        widths = bytes_per_row({name: source.tables.path(name) for name in source.tables})
        layout = plan(counts, seed, part_rows, executor.workers, done=done_parts,
                      target_rows=options.target_rows, bytes_per_row=widths,
                      output_bytes=budget)  # fmt: skip
        template = ChunkTask(
            program=program, rows=counts, seed=seed, k0=0, k1=1, n=n, out_dir="",
            job=key, limits=limits, image=options.image or _image(), runtime=options.runtime,
        )  # fmt: skip
        assert template.image is not None
        executor.check_image(template.image)
        done = make_chunks(layout, template, executor, work, reused, on_progress)
    except BaseException:
        work.release()
        raise
    finally:
        if own:
            executor.close()
    generate_s = time.perf_counter() - started
    made = {t: sum(int(p["rows"]) for c in done.values() for p in c.parts if p["table"] == t)
            for t in counts}  # fmt: skip
    short = [t for t in counts if made[t] != counts[t]]
    if short:  # each part was within bounds; the program's slices must still add up
        work.release()
        table = short[0]
        raise RerunError(
            f"table {table!r} has {made[table]} rows over its {n} parts; {counts[table]} were"
            " asked for: the program's parts do not add up to the table",
            run_dir=source.path,
        )
    name = manifest.name or source.path.parent.name
    try:
        target: LocalTarget | RemoteTarget
        if isinstance(work, RemoteWork):
            target = RemoteTarget(work, name)
        else:
            target = LocalTarget(work, name)
    except BaseException:
        work.release()
        raise
    try:
        files, by_table = target.place_parts(done, list(counts))
        mark = time.perf_counter()
        digests = target.table_digests(by_table)
        hash_s = time.perf_counter() - mark
        validation: dict[str, Any] = {}
        mark = time.perf_counter()
        if source.spec is not None and options.validate:
            validation = _validated(source, target.table_dirs(list(by_table)), counts)
        validate_s = time.perf_counter() - mark if validation else 0.0
        new_manifest = rerun_manifest(
            source,
            seed,
            counts,
            rows={t: made[t] for t in by_table},
            validation=validation,
            image={"reference": template.image},
            limits={"timeout_s": template.limits.timeout_s,
                    "memory_mb": template.limits.memory_mb},  # fmt: skip
            layout="parts",
            parts={
                "n": n,
                "part_rows": part_rows,
                "chunks": len(done),
                "chunks_reused": len(reused),
                "workers": executor.workers,
                "executor": "dask" if isinstance(executor, DaskExecutor) else "local",
                "table_sha256": digests,
            },
            timings=Timings(
                run_s=round(generate_s, 3),
                generate_s=round(generate_s, 3),
                validate_s=round(validate_s, 3),
                total_s=round(time.perf_counter() - started, 3),
                sandbox={"hash_s": round(hash_s, 3)},
            ),
        )
        saved = target.finish(new_manifest, program=program, spec_text=source.spec_text,
                              files=files)  # fmt: skip
    except BaseException:
        target.discard()
        work.release()
        raise
    work.remove()  # saved whole: the chunks are in the run now (links, copies) or not needed
    return saved


def _image() -> str:
    from sandbox import image_reference

    return image_reference()


def _validated(
    source: Run, table_dirs: Mapping[str, Path | str], counts: dict[str, int]
) -> dict[str, Any]:
    from codegen.validation.validator import validate

    assert source.spec is not None
    report = validate(source.spec, dict(table_dirs), counts)
    if not report.ok:
        first = report.as_text().splitlines()[:3]
        raise RerunError(
            f"the new tables fail validation: {' | '.join(first)}",
            run_dir=source.path,
            report=report,
        )
    return report.to_dict()


def _whole(
    source: Run,
    rows: int | None,
    per_table: Mapping[str, int] | None,
    seed: int,
    out_root: str | Path | None,
    options: ScaleOptions,
    reason: str | None,
    on_whole: Callable[[str], None] | None,
) -> Run:
    from codegen.runner import SandboxRunner
    from codegen.runs.rerun import rerun as rerun_whole

    if on_whole is not None:
        on_whole(f"cannot shard this program ({reason}); running it whole in one container")
    runner = SandboxRunner(
        **({"limits": options.limits} if options.limits else {}),
        image=options.image,
        runtime=options.runtime,
    )
    return rerun_whole(
        source.path,
        rows=rows,
        per_table=per_table,
        seed=seed,
        out_root=out_root,
        runner=runner,
        validate_tables=options.validate,
    )
