"""Running chunks: one task per chunk, each in its own sandbox container, on K workers.

One interface (``Executor``) with two implementations: ``LocalExecutor`` (a thread per worker on
this host: a thread only drives its container and copies its files) and ``DaskExecutor`` (a
``dask.distributed`` client: ``tcp://HOST:PORT`` of an existing scheduler, or any Client such as a
LocalCluster's). The code that plans, runs, retries and assembles chunks is the same for both.

``run_chunk`` is what runs on a worker: plain data in (``ChunkTask``), plain data out (a dict),
so it pickles to any Dask worker; the worker's own Docker engine runs the container.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import itertools
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from sandbox import Limits

# The label every container of one chunked run carries, so Ctrl-C stops exactly those.
JOB_LABEL = "sdgen.scale.job"


@dataclass(frozen=True)
class ChunkTask:
    program: str
    rows: dict[str, int]
    seed: int
    k0: int
    k1: int
    n: int
    # where the chunk's directory appears: a local path (temp + rename by the sandbox), or an
    # fsspec URL (made in a local temporary directory, then uploaded, its manifest last)
    out_dir: str
    job: str  # the run's work key: the containers' label
    limits: Limits
    image: str | None = None
    runtime: str | None = None
    cpuset: str | None = None  # the host cores its container may use (set by the executor)


def run_chunk(task: ChunkTask) -> dict[str, Any]:
    """Make one chunk in a fresh container; what happened as plain data (never raises for a
    failing program; a broken engine or store comes back as ``ok: False`` with
    ``infrastructure: True``)."""
    from codegen.urls import is_url

    if stopped(task):
        return {"ok": False, "error": "stopped", "failure": "stopped", "stopped": True}
    if not is_url(task.out_dir):
        return _make_chunk(task, task.out_dir)
    return _make_and_upload_chunk(task)


def stopped(task: ChunkTask) -> bool:
    """Whether the task's run is being stopped: a queued chunk must not start."""
    from codegen.scale.work import stopped as work_stopped

    try:
        return work_stopped(task.out_dir)
    except Exception:  # noqa: BLE001 - a store that cannot be asked fails the chunk later
        return False


def _make_and_upload_chunk(task: ChunkTask) -> dict[str, Any]:
    """The chunk made in a local temporary directory, then put at its URL (manifest last)."""
    from codegen.scale.remote import upload_chunk

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sdgen-chunk-") as local:
        made = Path(local) / "chunk"
        outcome = _make_chunk(task, str(made))
        if not outcome["ok"]:
            return outcome
        mark = time.perf_counter()
        try:
            upload_chunk(made, outcome["parts"], task.out_dir)
        except Exception as exc:  # noqa: BLE001 - a store error fails this attempt, in one line
            reason = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
            error = f"cannot upload to {task.out_dir}: {reason or type(exc).__name__}"
            return {"ok": False, "error": error, "failure": "store", "infrastructure": True}
    outcome["timings"] = {**outcome["timings"], "upload_s": round(time.perf_counter() - mark, 4)}
    outcome["duration_s"] = round(time.perf_counter() - started, 4)
    return outcome


def _make_chunk(task: ChunkTask, out_dir: str) -> dict[str, Any]:
    from sandbox import SandboxError, run

    started = time.perf_counter()
    try:
        result = run(
            task.program,
            out_dir,
            rows=task.rows,
            seed=task.seed,
            limits=task.limits,
            image=task.image,
            runtime=task.runtime,
            parts=(task.k0, task.k1, task.n),
            use_spares=False,
            labels={JOB_LABEL: task.job},
            cpuset=task.cpuset,
        )
    except SandboxError as exc:
        return {"ok": False, "error": str(exc), "failure": "sandbox", "infrastructure": True}
    timings = result.harness.get("timings") if isinstance(result.harness, dict) else None
    return {
        "ok": result.ok,
        "error": result.error,
        "failure": result.failure.value if result.failure else None,
        "parts": [
            {"table": p.table, "part": p.part, "file": f"{p.table}/{p.path.name}",
             "rows": p.rows, "bytes": p.bytes, "sha256": p.sha256}
            for files in result.parts.values() for p in files
        ],  # fmt: skip
        "duration_s": round(time.perf_counter() - started, 4),
        "container_s": round(result.duration_s, 4),
        "timings": timings if isinstance(timings, dict) else {},
        "host": os.uname().nodename,
    }


def stop_containers(job: str) -> int:
    """Kill and remove every container of this job on this host's engine."""
    from sandbox.image import connect

    removed = 0
    with contextlib.suppress(Exception):
        client = connect()
        for container in client.containers.list(all=True, filters={"label": f"{JOB_LABEL}={job}"}):
            with contextlib.suppress(Exception):
                container.remove(force=True)
                removed += 1
    return removed


def image_missing(image: str) -> str | None:
    """Why this host's engine cannot run chunks in ``image`` (one line), or None if it can."""
    from sandbox import SandboxError
    from sandbox.errors import ImageMissing
    from sandbox.image import connect, image_exists

    try:
        if image_exists(connect(), image):
            return None
    except SandboxError as exc:
        return str(exc)
    return str(ImageMissing(image))


class Executor(Protocol):
    """Where chunks run. ``submit`` returns a future; ``wait`` returns those that are done."""

    workers: int

    def check_image(self, image: str) -> None:
        """Raise ``RerunError`` naming a worker that cannot run ``image``, before any chunk."""

    def submit(self, function: Callable[[ChunkTask], dict[str, Any]], task: ChunkTask) -> Any: ...

    def wait(self, futures: Iterable[Any], timeout: float) -> set[Any]: ...

    def result(self, future: Any) -> dict[str, Any]: ...

    def stop(self, futures: Iterable[Any], job: str) -> None:
        """Cancel what has not started and stop the containers of ``job`` everywhere."""

    def close(self) -> None: ...


class LocalExecutor:
    """K threads on this host, each driving one container at a time.

    With ``pin`` (the default) each thread takes one of this process's cores, in turn, and keeps
    its containers and itself (it copies their files out) on that core. Left to share two cores,
    two workers' containers did their generation and writing about 10% slower than the same
    code in one process (shop at 10M fact rows, bench_scale.py); pinned, within 5%."""

    def __init__(self, workers: int, *, pin: bool = True) -> None:
        self.workers = max(1, int(workers))
        cores = sorted(os.sched_getaffinity(0))
        self._cores = cores if pin and len(cores) > 1 else []
        self._slots = itertools.count()
        self._slot = threading.local()
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=self.workers, thread_name_prefix="sdgen-chunk", initializer=self._take_core
        )

    def _take_core(self) -> None:
        if self._cores:
            core = self._cores[next(self._slots) % len(self._cores)]
            os.sched_setaffinity(0, {core})  # 0: this thread only
            self._slot.cpuset = str(core)

    def _pinned(
        self, function: Callable[[ChunkTask], dict[str, Any]], task: ChunkTask
    ) -> dict[str, Any]:
        cpuset = getattr(self._slot, "cpuset", None)
        return function(replace(task, cpuset=cpuset) if cpuset is not None else task)

    def check_image(self, image: str) -> None:
        from codegen.errors import RerunError

        missing = image_missing(image)
        if missing is not None:
            raise RerunError(missing)

    def submit(self, function: Callable[[ChunkTask], dict[str, Any]], task: ChunkTask) -> Any:
        return self._pool.submit(self._pinned, function, task)

    def wait(self, futures: Iterable[Any], timeout: float) -> set[Any]:
        done, _ = concurrent.futures.wait(
            list(futures), timeout=timeout, return_when=concurrent.futures.FIRST_COMPLETED
        )
        return set(done)

    def result(self, future: Any) -> dict[str, Any]:
        return future.result()

    def stop(self, futures: Iterable[Any], job: str) -> None:
        futures = list(futures)
        for future in futures:
            future.cancel()
        # A thread may be creating its container right now: sweep until every thread is back.
        deadline = time.monotonic() + 60
        while True:
            stop_containers(job)
            running = [f for f in futures if not f.done()]
            if not running or time.monotonic() > deadline:
                break
            concurrent.futures.wait(running, timeout=0.5)
        stop_containers(job)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class DaskExecutor:
    """Chunks as tasks of a ``dask.distributed`` scheduler; each worker runs its chunks in its
    own local Docker engine. ``address``: ``tcp://HOST:PORT``; or pass a ``Client``."""

    def __init__(self, address: str | None = None, *, client: Any = None) -> None:
        from distributed import Client

        from codegen.errors import RerunError

        self._own = client is None
        try:
            self.client = client if client is not None else Client(address, timeout="20s")
        except (OSError, TimeoutError, ValueError) as exc:
            reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            raise RerunError(f"cannot reach the Dask scheduler at {address}: {reason}") from None
        threads = self.client.nthreads()
        self.workers = max(1, sum(threads.values()) if threads else 1)

    def check_image(self, image: str) -> None:
        """Ask every worker's own engine: the image is built on each machine, never pulled."""
        from codegen.errors import RerunError

        try:
            answers = self.client.run(image_missing, image)
        except Exception as exc:  # noqa: BLE001 - a worker that cannot answer cannot run chunks
            raise RerunError(f"cannot ask the Dask workers for the sandbox image: {exc}") from None
        for worker, missing in sorted(answers.items()):
            if missing is not None:
                raise RerunError(f"Dask worker {worker}: {missing}")

    def submit(self, function: Callable[[ChunkTask], dict[str, Any]], task: ChunkTask) -> Any:
        # pure=False: a retry of the same chunk is a new task, not the failed one's result.
        return self.client.submit(function, task, pure=False, retries=0)

    def wait(self, futures: Iterable[Any], timeout: float) -> set[Any]:
        from distributed import wait
        from distributed.client import FIRST_COMPLETED

        futures = list(futures)
        with contextlib.suppress(TimeoutError):
            wait(futures, timeout=timeout, return_when=FIRST_COMPLETED)
        return {f for f in futures if f.done()}

    def result(self, future: Any) -> dict[str, Any]:
        try:
            return future.result()
        except Exception as exc:  # noqa: BLE001 - a lost worker or task error is a failed chunk
            return {"ok": False, "error": f"dask task failed: {exc}", "failure": "worker"}

    def stop(self, futures: Iterable[Any], job: str) -> None:
        futures = list(futures)
        with contextlib.suppress(Exception):
            self.client.cancel(futures, force=True)
        # Tasks already running cannot be interrupted by Dask: stop their containers on every
        # worker's engine, a few times, since one may be starting its container meanwhile; and
        # on this host's engine directly, which a client interrupted mid-call may fail to reach
        # through the scheduler (the workers of a LocalCluster use this engine).
        for _ in range(3):
            stop_containers(job)
            with contextlib.suppress(Exception):
                self.client.run(stop_containers, job, wait=True)
            time.sleep(0.5)
        stop_containers(job)

    def close(self) -> None:
        if self._own:
            with contextlib.suppress(Exception):
                self.client.close()
