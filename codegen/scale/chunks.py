"""Making every chunk of a plan: submit, watch, retry a failed chunk once, stop on the second
failure or on Ctrl-C (every container of the job stopped, nothing saved as complete)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from codegen.errors import RerunError
from codegen.scale.execute import ChunkTask, Executor, run_chunk
from codegen.scale.plan import Chunk, Plan
from codegen.scale.remote import RemoteWork
from codegen.scale.work import DoneChunk, WorkDir

ATTEMPTS = 2  # a chunk that fails is tried once more; then the run fails naming it


@dataclass
class Progress:
    """Where a chunked run stands (handed to the caller's callback after every change)."""

    rows_total: int
    chunks_total: int
    rows_done: int = 0
    chunks_done: int = 0
    chunks_failed: int = 0  # failed attempts, retried or not
    chunks_reused: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def rows_per_s(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.rows_done / elapsed if elapsed > 0 else 0.0


def chunk_rows(rows: dict[str, int], chunk: Chunk, n: int) -> int:
    return sum(count * chunk.k1 // n - count * chunk.k0 // n for count in rows.values())


def make_chunks(
    plan: Plan,
    template: ChunkTask,
    executor: Executor,
    work: WorkDir | RemoteWork,
    reused: dict[Chunk, DoneChunk],
    on_progress: Callable[[Progress], None] | None = None,
) -> dict[Chunk, DoneChunk]:
    """Run ``plan.chunks`` on ``executor``; every chunk of the run (``reused`` ones too) when all
    are made. Raises ``RerunError`` naming the chunk that failed twice; KeyboardInterrupt stops
    every container of the job first."""
    total_chunks = len(plan.chunks) + len(reused)
    progress = Progress(sum(plan.rows.values()), total_chunks)
    progress.chunks_reused = progress.chunks_done = len(reused)
    progress.rows_done = sum(chunk_rows(plan.rows, c, plan.n) for c in reused)
    progress.started = time.monotonic()
    report = on_progress or (lambda _: None)
    report(progress)
    done = dict(reused)
    work.clear_stop()
    attempts: dict[Chunk, int] = {}
    running: dict[Any, Chunk] = {}

    def submit(chunk: Chunk) -> None:
        attempts[chunk] = attempts.get(chunk, 0) + 1
        task = replace(template, k0=chunk.k0, k1=chunk.k1, out_dir=str(work.chunk_dir(chunk)))
        running[executor.submit(run_chunk, task)] = chunk

    try:
        for chunk in plan.chunks:  # all queued at once: the executor runs K at a time
            submit(chunk)
        while running:
            for future in executor.wait(list(running), timeout=0.5):
                chunk = running.pop(future)
                outcome = executor.result(future)
                if outcome.get("ok"):
                    done[chunk] = DoneChunk(chunk, outcome["parts"], outcome.get("timings", {}))
                    progress.chunks_done += 1
                    progress.rows_done += chunk_rows(plan.rows, chunk, plan.n)
                else:
                    progress.chunks_failed += 1
                    if attempts[chunk] >= ATTEMPTS:
                        raise RerunError(
                            f"{chunk.describe(plan.n)} failed {ATTEMPTS} times: "
                            f"{outcome.get('error') or 'unknown error'}"
                        )
                    work.clear(chunk)
                    submit(chunk)
                report(progress)
            report(progress)
    except BaseException:
        # Ctrl-C, or a chunk that failed twice: nothing more starts, nothing keeps running.
        work.request_stop()
        executor.stop(list(running), work.key)
        raise
    return done
