"""The local executor's placement: each worker thread on its own core, its chunks' containers
told the same core (no Docker here: the task function reports what it was given)."""

from __future__ import annotations

import os
import threading

import pytest

from codegen.scale.execute import ChunkTask, LocalExecutor
from sandbox import Limits

TASK = ChunkTask(program="", rows={"t": 1}, seed=0, k0=0, k1=1, n=1, out_dir="", job="j",
                 limits=Limits())  # fmt: skip


def where(task: ChunkTask) -> dict:
    return {"cpuset": task.cpuset, "affinity": sorted(os.sched_getaffinity(0)),
            "thread": threading.get_ident()}  # fmt: skip


def _placements(executor: LocalExecutor, count: int) -> list[dict]:
    barrier = threading.Barrier(executor.workers)

    def together(task: ChunkTask) -> dict:
        barrier.wait(10)  # every worker busy at once, so each task has its own thread
        return where(task)

    try:
        futures = [executor.submit(together, TASK) for _ in range(count)]
        return [executor.result(f) for f in futures]
    finally:
        executor.close()


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="pinning needs two cores")
def test_two_workers_each_keep_their_own_core():
    cores = sorted(os.sched_getaffinity(0))
    seen = _placements(LocalExecutor(2), 2)
    assert len({s["thread"] for s in seen}) == 2
    assert sorted(s["cpuset"] for s in seen) == sorted(str(c) for c in cores[:2])
    for s in seen:  # the thread that copies a chunk's files out runs where its container does
        assert s["affinity"] == [int(s["cpuset"])]
    assert sorted(os.sched_getaffinity(0)) == cores  # the caller's own thread is left alone


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="pinning needs two cores")
def test_more_workers_than_cores_share_them_in_turn():
    cores = len(os.sched_getaffinity(0))
    seen = _placements(LocalExecutor(cores * 2), cores * 2)
    counts = {s["cpuset"] for s in seen}
    assert len(counts) == cores and all(sum(s["cpuset"] == c for s in seen) == 2 for c in counts)


def test_unpinned_workers_leave_placement_to_the_kernel():
    seen = _placements(LocalExecutor(2, pin=False), 2)
    assert [s["cpuset"] for s in seen] == [None, None]
    assert all(s["affinity"] == sorted(os.sched_getaffinity(0)) for s in seen)
