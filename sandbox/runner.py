"""Run one program in a fresh, hardened, single-use container and bring its tables back safely.

The run's outcome is data (``RunResult``); only infrastructure that cannot work raises a
``SandboxError``. Everything the container leaves behind is untrusted: the host reads only regular
files with the expected names and sizes, opened with ``O_NOFOLLOW``, and checks what it reads.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import stat
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from sandbox import container as containers
from sandbox import outputfs, spares, staging
from sandbox.container import JOB_FILE, LABEL, SPARE_LABEL
from sandbox.errors import SandboxError
from sandbox.image import connect, image_reference
from sandbox.limits import Limits
from sandbox.runtime import chosen_runtime

TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
PART_FILE = re.compile(r"^part-(\d{5,})\.parquet$")
MANIFEST_MAX_BYTES = 1 << 20
POLL_S = 0.05
DISK_POLL_S = 0.25
KILLED = 128 + signal.SIGKILL  # the exit code of a process killed by SIGKILL (137)
# A SIGKILL with no other cause, after the container's memory reached this share of its limit,
# is told as out of memory: under gVisor the engine does not always learn of the kill.
MEMORY_NEAR_LIMIT = 0.9


@dataclass(frozen=True)
class TableFile:
    """One table the program produced, as checked by the host."""

    name: str
    path: Path
    rows: int
    columns: list[str]
    dtypes: dict[str, str]
    bytes: int
    sha256: str


@dataclass(frozen=True)
class PartFile:
    """One part file of a table made in parts (``<out>/<table>/part-NNNNN.parquet``)."""

    table: str
    part: int
    path: Path
    rows: int
    bytes: int
    sha256: str


class Failure(StrEnum):
    """Why a run failed, as a value: the host picks its words (and a repair prompt) from this,
    never from the wording of ``RunResult.error``."""

    SYNTAX = "syntax"  # the program does not parse
    CRASH = "crash"  # it raised, or ended before the harness could report
    NO_TABLES = "no_tables"  # it ran and left no DataFrame
    TIMEOUT = "timeout"
    MEMORY = "memory"
    PIDS = "pids"  # too many processes
    OUTPUT = "output"  # output over a cap (per file, total, stdout/stderr)
    BAD_OUTPUT = "bad_output"  # files the host refuses: links, wrong names, unreadable Parquet
    PARTS = "parts"  # asked for parts, the program broke the parts contract (rows, tables, types)


# The harness's own words for what it saw (sandbox/harness.py, ProgramFailed.kind).
_HARNESS_KINDS = {"syntax": Failure.SYNTAX, "no_tables": Failure.NO_TABLES, "parts": Failure.PARTS}


@dataclass
class RunResult:
    """What happened in one sandbox run. ``ok`` is true only when tables came back intact;
    otherwise ``error`` says why in one line and ``failure`` is its kind."""

    error: str | None
    exit_code: int | None
    stdout: str
    stderr: str
    duration_s: float
    timed_out: bool = False
    oom_killed: bool = False
    pids_exhausted: bool = False
    output_exceeded: bool = False
    # How the output's total was capped: "tmpfs" (a kernel limit) or "watchdog" (polled).
    output_cap: str = ""
    output_bytes: int = 0  # what the program left in its output directory
    runtime: str = "runc"
    container_id: str = ""
    from_spare: bool = False  # ran in a container started ahead of need (then removed, like any)
    tables: dict[str, TableFile] = field(default_factory=dict)
    failure: Failure | None = None
    harness: dict[str, Any] = field(default_factory=dict)
    image: str = ""
    limits: Limits = field(default_factory=Limits)
    out_dir: Path | None = None
    # A run in parts (``run(..., parts=(k0, k1, n))``): that range, and each table's part files
    # in part order. ``tables`` then holds one entry per table whose ``path`` is the table's
    # directory, ``rows`` the chunk's total and ``sha256`` the digest of its parts' digests.
    parts_range: tuple[int, int, int] | None = None
    parts: dict[str, list[PartFile]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None

    def dataframe(self, name: str):  # -> pandas.DataFrame
        """Load one table (pandas imported only when asked: the CLI does not need it)."""
        import pyarrow.parquet as pq

        return pq.read_table(self.tables[name].path).to_pandas()

    def dataframes(self) -> dict[str, Any]:
        return {name: self.dataframe(name) for name in self.tables}


def run(
    program_source: str,
    out_dir: str | os.PathLike[str] | None = None,
    *,
    rows: Mapping[str, int] | None = None,
    seed: int = 0,
    limits: Limits | None = None,
    image: str | None = None,
    client: Any = None,
    kernel_output_cap: bool | None = None,
    runtime: str | None = None,
    use_spares: bool | None = None,
    parts: tuple[int, int, int] | None = None,
    labels: Mapping[str, str] | None = None,
    cpuset: str | None = None,
) -> RunResult:
    """Run ``program_source`` in a new container; write tables, output and manifest to ``out_dir``.

    ``parts=(k0, k1, n)``: make parts k0..k1-1 of n of a chunkable program (the parts contract:
    ``generate(rows, seed, part=(k, n))``), each table's parts as ``<table>/part-NNNNN.parquet``
    listed in ``RunResult.parts``; each part's row count is checked on both sides.
    ``labels``: extra Docker labels on the container (``sdgen.*`` names are the runner's own), so
    a caller can find and stop the containers of one job (a chunked rerun's Ctrl-C).
    ``cpuset``: the host cores the container may run on (Docker's ``--cpuset-cpus``, as "0" or
    "0-1"), besides its ``limits.cpus`` share: a chunked rerun keeps each worker on its own core.

    ``out_dir`` must not exist or be empty; it appears complete or not at all (built in a temporary
    sibling and renamed). Without it, a new temporary directory is used.

    ``kernel_output_cap``: None (default) caps the output's total with a size-limited tmpfs when
    the host may mount one and with the polling watchdog otherwise; True requires the tmpfs
    (``SandboxError`` when it cannot be had); False uses the watchdog only.
    ``runtime``: "runc" or "runsc" (gVisor); default ``$SDGEN_SANDBOX_RUNTIME`` or runc.
    ``use_spares``: run in a container started ahead of need (see ``sandbox.spares``) and start
    the next one meanwhile; default on unless ``SDGEN_SANDBOX_SPARES=0``.
    """
    limits = limits or Limits()
    rows = {str(k): int(v) for k, v in (rows or {}).items()}
    if parts is not None:
        k0, k1, n = (int(v) for v in parts)
        if not 0 <= k0 < k1 <= n:
            raise ValueError(f"parts {parts!r}: need 0 <= k0 < k1 <= n")
        parts = (k0, k1, n)
    final_dir = Path(out_dir) if out_dir is not None else Path(tempfile.mkdtemp(prefix="sdgen-"))
    final_dir = final_dir.absolute()
    if final_dir.exists() and (not final_dir.is_dir() or any(final_dir.iterdir())):
        raise SandboxError(f"output directory {final_dir} exists and is not empty")
    final_dir.parent.mkdir(parents=True, exist_ok=True)
    client = client or connect()
    image = image or image_reference()  # a missing image is reported when the container is made
    kind = spares.Kind(image, chosen_runtime(runtime), limits, kernel_output_cap)
    sweep_stale_containers(client)
    sweep_stale_staging(client)

    extra_labels = {str(k): str(v) for k, v in (labels or {}).items()}
    if any(k.startswith("sdgen.") and k.count(".") == 1 for k in extra_labels):
        raise ValueError("labels: sdgen.<name> labels are the runner's own")
    # A spare was made without the caller's labels or cores: such runs start their own container.
    with_spares = spares.enabled(use_spares) and not extra_labels and cpuset is None
    claimed = spares.claim(client, kind) if with_spares else None
    root = claimed[0] if claimed else staging.new_stage_dir("run")
    refill: threading.Thread | None = None
    container = claimed[1] if claimed else None
    try:
        if claimed:
            stage, container = staging.existing(root), claimed[1]
        else:
            stage = staging.prepare(root, limits, kernel_output_cap)
        staging.write_program(stage, program_source)
        if not claimed:
            settings = containers.config(
                image,
                kind.runtime,
                stage,
                limits,
                containers.run_command(limits, rows, seed, parts),
                deadline=containers.deadline_for(limits),
            )
            settings["labels"].update(extra_labels)
            if cpuset is not None:
                settings["cpuset_cpus"] = cpuset
            container = containers.create(client, settings)
        if with_spares:
            # The next run's container starts while this one's program runs.
            refill = threading.Thread(target=spares.make, args=(client, kind), daemon=True)
        job = {"rows": rows, "seed": seed} if claimed else None
        if job is not None and parts is not None:
            job["parts"] = list(parts)
        handed, container = container, None  # from here on _execute removes it, whatever happens
        execution = _execute(client, handed, stage, limits, job, refill)
        execution.runtime, execution.from_spare = kind.runtime, claimed is not None
        out_fd = os.open(stage.out, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            _release_output_mount(stage)
            result = _collect(execution, out_fd, final_dir, image, limits, rows, seed, parts)
        finally:
            os.close(out_fd)
    finally:
        if container is not None:  # made or claimed, then something failed before it ran
            with _signals_deferred():
                _remove_later(client, container.id)
        staging.remove(root)
        if refill is not None and refill.ident is not None:
            refill.join(60)
    return result


def _release_output_mount(stage: staging.Stage) -> None:
    """Detach the output tmpfs (still read through the open descriptor) and check what lies
    beneath it: the engine must have bound the tmpfs, not the directory under it (an engine in
    another mount namespace would), or the cap did not hold."""
    if stage.cap != "tmpfs":
        return
    outputfs.unmount(stage.out)
    if os.listdir(stage.out):
        raise SandboxError(
            "the Docker engine does not see mounts made by this process (another mount "
            "namespace?), so the output's size cap did not hold; run with kernel_output_cap=False"
        )


def sweep_stale_staging(client: Any) -> int:
    """Remove the staging of runs whose process is gone and of spares past their time (with any
    container still recorded there)."""
    removed = 0
    for root in staging.stale_entries(time.time()):
        container_id = staging.container_id(root)
        if container_id:
            _remove_later(client, container_id)
        with contextlib.suppress(OSError):
            staging.remove(root)
            removed += 1
    return removed


def _import_parquet_reader() -> None:
    import pyarrow.parquet  # noqa: F401


@dataclass
class _Execution:
    exit_code: int | None
    stdout: bytes
    stderr: bytes
    stdout_total: int
    stderr_total: int
    duration_s: float
    timed_out: bool
    oom_killed: bool
    pids_exhausted: bool
    output_exceeded: str | None
    image_id: str
    output_cap: str = "watchdog"
    output_bytes: int = 0
    container_id: str = ""
    runtime: str = "runc"
    from_spare: bool = False
    memory_peak: int = 0  # bytes, the most the watcher saw the container's cgroup hold


class _CappedStreams:
    """Reads the container's stdout/stderr as it runs, keeping the first ``cap`` bytes of each."""

    def __init__(self, stream: Any, cap: int) -> None:
        self.cap = cap
        self.kept = {1: bytearray(), 2: bytearray()}
        self.total = {1: 0, 2: 0}
        self.flooded = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: Any) -> None:
        try:
            for out, err in stream:
                for number, chunk in ((1, out), (2, err)):
                    if not chunk:
                        continue
                    self.total[number] += len(chunk)
                    room = self.cap - len(self.kept[number])
                    if room > 0:
                        self.kept[number] += chunk[:room]
                    if self.total[number] > self.cap:
                        self.flooded.set()
        except Exception:  # noqa: BLE001 - the stream ends with the container, however it ends
            pass

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


def _execute(
    client: Any,
    container: Any,
    stage: staging.Stage,
    limits: Limits,
    job: dict[str, Any] | None,
    refill: threading.Thread | None = None,
) -> _Execution:
    """Attach, then start the container (or hand a claimed spare its job), watch it, remove it."""
    import docker

    try:
        stream = container.attach(stdout=True, stderr=True, stream=True, logs=False, demux=True)
        streams = _CappedStreams(stream, limits.log_kb * 1024)
        waited: dict[str, Any] = {}
        waiter = threading.Thread(target=_wait, args=(container, waited), daemon=True)
        started = time.monotonic()
        if job is None:
            container.start()
        else:
            _hand_job(stage, job)
        waiter.start()
        if refill is not None:
            refill.start()
        # The Parquet reader is needed only after the container ends: load it while it runs
        # (not before: imports hold the GIL and would slow the calls that start the container).
        threading.Thread(target=_import_parquet_reader, daemon=True).start()
        timed_out, exceeded, pids_hit, memory_peak = _watch(
            container, waiter, streams, stage.out, limits, started, poll_disk=stage.cap != "tmpfs"
        )
        duration = time.monotonic() - started
        waiter.join(30)
        streams.join(5)
        output_bytes, full = _output_usage(stage.out, limits, stage.cap)
        exceeded = exceeded or full
        container.reload()
        state = container.attrs.get("State", {})
        exit_code = waited.get("StatusCode", state.get("ExitCode"))
        return _Execution(
            exit_code=exit_code,
            stdout=bytes(streams.kept[1]),
            stderr=bytes(streams.kept[2]),
            stdout_total=streams.total[1],
            stderr_total=streams.total[2],
            duration_s=duration,
            timed_out=timed_out,
            oom_killed=bool(state.get("OOMKilled")),
            pids_exhausted=pids_hit,
            output_exceeded=exceeded,
            image_id=container.attrs.get("Image", ""),
            output_cap=stage.cap,
            output_bytes=output_bytes,
            container_id=container.id,
            memory_peak=memory_peak,
        )
    except docker.errors.APIError as exc:
        raise SandboxError(f"the Docker engine failed during the run: {exc.explanation}") from None
    finally:
        # One container, one program: it goes whatever happened (Ctrl-C included; a second
        # Ctrl-C must not interrupt the removal itself).
        with _signals_deferred():
            try:
                container.remove(force=True)
            except docker.errors.NotFound:
                pass
            except docker.errors.APIError:
                _remove_later(client, container.id)


def _hand_job(stage: staging.Stage, job: dict[str, Any]) -> None:
    """The spare's harness starts when the job file appears: written aside, then renamed in."""
    partial = stage.job / f".{JOB_FILE}.tmp"
    partial.write_text(json.dumps(job), encoding="utf-8")
    partial.chmod(0o444)
    os.rename(partial, stage.job / JOB_FILE)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    blocked = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _wait(container: Any, waited: dict[str, Any]) -> None:
    try:
        waited.update(container.wait())
    except Exception as exc:  # noqa: BLE001 - the watcher decides what a lost wait means
        waited["error"] = str(exc)


def _watch(
    container: Any,
    waiter: threading.Thread,
    streams: _CappedStreams,
    out: Path,
    limits: Limits,
    started: float,
    poll_disk: bool = True,
) -> tuple[bool, str | None, bool, int]:
    """Until the container ends: kill it on timeout, output flood, or an output dir over its cap
    (polled only when no tmpfs caps it: the kernel does that better). Also notes the most
    memory its cgroup held (the cgroup is gone once it has ended)."""
    deadline = started + limits.timeout_s
    pids_events = _pids_events_path(container.id)
    memory_peak_file = _cgroup_file(container.id, "memory", MEMORY_PEAK_FILES)
    memory_peak = 0
    pids_hit = False
    next_disk_check = 0.0
    timed_out, exceeded = False, None
    while waiter.is_alive():
        waiter.join(POLL_S)
        if not waiter.is_alive():
            break
        now = time.monotonic()
        if memory_peak_file is not None:
            memory_peak = max(memory_peak, _read_int(memory_peak_file))
        if pids_events is not None and not pids_hit:
            pids_hit = _pids_limit_hit(pids_events)
        if now >= deadline:
            timed_out = True
        elif streams.flooded.is_set():
            exceeded = f"stdout/stderr over {limits.log_kb} KiB"
        elif poll_disk and now >= next_disk_check:
            next_disk_check = now + DISK_POLL_S
            exceeded = _output_dir_excess(out, limits)
        if timed_out or exceeded:
            _kill(container)
            break
    if pids_events is not None and not pids_hit:
        pids_hit = _pids_limit_hit(pids_events)
    if memory_peak_file is not None:
        memory_peak = max(memory_peak, _read_int(memory_peak_file))
    return timed_out, exceeded, pids_hit, memory_peak


def _kill(container: Any) -> None:
    import docker

    try:
        container.kill()
    except docker.errors.APIError:
        pass  # already gone


def _output_usage(out: Path, limits: Limits, cap: str) -> tuple[int, str | None]:
    """Bytes the program left in its output directory, and whether it ran into the tmpfs cap."""
    if cap == "tmpfs":
        used = outputfs.usage(out)
        if used.free_inodes == 0:
            return (
                used.used_bytes,
                f"more than {staging.output_inodes(limits) - 1} files (kernel cap)",
            )
        if used.full:
            return used.used_bytes, f"output directory reached its {limits.output_mb} MiB cap"
        return used.used_bytes, None
    return _output_dir_bytes(out), None


def _output_dir_bytes(out: Path) -> int:
    total = 0
    for directory, _, files in os.walk(out):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(directory, name)).st_size
    return total


def _output_dir_excess(out: Path, limits: Limits) -> str | None:
    """Size and entry count of what the program wrote, without following any link."""
    total, entries = 0, 0
    stack = [str(out)]
    while stack:
        try:
            with os.scandir(stack.pop()) as listing:
                for entry in listing:
                    entries += 1
                    if entries > limits.output_files * 4:
                        return f"more than {limits.output_files * 4} files in the output directory"
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    else:
                        total += entry.stat(follow_symlinks=False).st_size
        except OSError:
            continue
    if total > limits.output_mb * 1024 * 1024:
        return f"output directory over {limits.output_mb} MiB"
    return None


def _pids_events_path(container_id: str) -> Path | None:
    """The container's cgroup ``pids.events`` (cgroup v1 or v2, cgroupfs or systemd driver)."""
    return _cgroup_file(container_id, "pids", ("pids.events",))


# The most memory a cgroup has held: cgroup v1, then v2 (Linux 5.19 and later).
MEMORY_PEAK_FILES = ("memory.max_usage_in_bytes", "memory.peak")


def _cgroup_file(container_id: str, controller: str, names: tuple[str, ...]) -> Path | None:
    """The first of ``names`` in the container's cgroup (v1 under ``controller``, or v2;
    cgroupfs or systemd driver), or None."""
    for name in names:
        for candidate in (
            f"/sys/fs/cgroup/{controller}/docker/{container_id}/{name}",
            f"/sys/fs/cgroup/{controller}/system.slice/docker-{container_id}.scope/{name}",
            f"/sys/fs/cgroup/docker/{container_id}/{name}",
            f"/sys/fs/cgroup/system.slice/docker-{container_id}.scope/{name}",
        ):
            if os.path.exists(candidate):
                return Path(candidate)
    return None


def _read_int(path: Path) -> int:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0  # the cgroup went with the container


def _pids_limit_hit(path: Path) -> bool:
    try:
        text = path.read_text()
    except OSError:
        return False
    match = re.search(r"^max (\d+)", text, re.MULTILINE)
    return bool(match and int(match.group(1)) > 0)


def sweep_stale_containers(client: Any) -> int:
    """Remove sandbox containers left by a host process that died (or whose run is long over)."""
    removed = 0
    try:
        containers = client.containers.list(all=True, filters={"label": LABEL})
    except Exception:  # noqa: BLE001 - best effort; never blocks a run
        return 0
    for container in containers:
        # One at a time: a container removed meanwhile (a spare retired, a run's own cleanup)
        # must not stop the sweep before the stale ones after it in the list.
        try:
            if _is_stale(container.labels):
                container.remove(force=True)
                removed += 1
        except Exception:  # noqa: BLE001 - best effort; never blocks a run
            continue
    return removed


def _is_stale(labels: Mapping[str, str]) -> bool:
    try:
        if int(labels.get("sdgen.deadline", "0")) < time.time():
            return True
        if SPARE_LABEL in labels:
            return False  # made ahead of need: its maker may be gone, its deadline says when
        pid = int(labels.get("sdgen.pid", "0"))
        if pid > 0 and labels.get("sdgen.host") == socket.gethostname():
            os.kill(pid, 0)
    except ProcessLookupError:
        return True  # the process that ran it is gone
    except (ValueError, PermissionError, OSError):
        return False
    return False


def _remove_later(client: Any, container_id: str) -> None:
    try:
        client.containers.get(container_id).remove(force=True)
    except Exception:  # noqa: BLE001 - the stale sweep of the next run catches it
        pass


def _collect(
    execution: _Execution,
    out: int,
    final_dir: Path,
    image: str,
    limits: Limits,
    rows: dict[str, int],
    seed: int,
    parts: tuple[int, int, int] | None = None,
) -> RunResult:
    """Check what the container left, move the tables into place, write output and manifest."""
    harness = _read_manifest(out)
    building = Path(tempfile.mkdtemp(prefix=f".{final_dir.name}.tmp-", dir=final_dir.parent))
    tables: dict[str, TableFile] = {}
    part_files: dict[str, list[PartFile]] = {}
    decided = _decide_error(execution, harness, limits)
    failure, error = decided if decided else (None, None)
    try:
        if error is None:
            try:
                if parts is None:
                    tables = _take_tables(out, building, harness, limits)
                else:
                    part_files = _take_parts(out, building, harness, limits, rows, parts)
                    tables = _tables_of_parts(part_files, harness, building)
            except _BadPartRows as bad:
                failure, error = Failure.PARTS, str(bad)
            except _BadOutput as bad:
                failure, error = Failure.BAD_OUTPUT, f"the run's output was rejected: {bad}"
            if error is None and not tables:
                failure, error = Failure.NO_TABLES, "produced no DataFrames"
        stdout = _capped_text(execution.stdout, execution.stdout_total)
        stderr = _capped_text(execution.stderr, execution.stderr_total)
        (building / "stdout.txt").write_text(stdout, encoding="utf-8")
        (building / "stderr.txt").write_text(stderr, encoding="utf-8")
        result = RunResult(
            error=error,
            failure=failure,
            exit_code=execution.exit_code,
            stdout=stdout,
            stderr=stderr,
            duration_s=execution.duration_s,
            timed_out=execution.timed_out,
            oom_killed=execution.oom_killed,
            pids_exhausted=execution.pids_exhausted,
            output_exceeded=execution.output_exceeded is not None,
            output_cap=execution.output_cap,
            output_bytes=execution.output_bytes,
            runtime=execution.runtime,
            container_id=execution.container_id,
            from_spare=execution.from_spare,
            tables={},
            harness=harness,
            image=image,
            limits=limits,
            out_dir=final_dir,
            parts_range=parts,
        )
        manifest = _manifest(result, execution, tables, rows, seed)
        if parts is not None:
            manifest["parts_range"] = list(parts)
            manifest["parts"] = [
                {**asdict(p), "path": f"{p.table}/{p.path.name}"}
                for files in part_files.values()
                for p in files
            ]
        (building / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        building.chmod(0o755)
        if final_dir.exists():
            final_dir.rmdir()  # checked empty by run()
        os.rename(building, final_dir)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    result.tables = {
        name: TableFile(**{**asdict(table), "path": final_dir / table.path.name})
        for name, table in tables.items()
    }
    result.parts = {
        name: [PartFile(**{**asdict(p), "path": final_dir / name / p.path.name}) for p in files]
        for name, files in part_files.items()
    }
    return result


def _decide_error(
    execution: _Execution, harness: dict[str, Any], limits: Limits
) -> tuple[Failure, str] | None:
    """The one cause a user should hear, most specific first, with its kind."""
    reported = harness.get("error") if isinstance(harness.get("error"), dict) else None
    kind = str(reported.get("kind", "")) if reported else ""
    if execution.output_exceeded:
        return Failure.OUTPUT, f"output larger than the cap ({execution.output_exceeded})"
    if kind == "output_cap":
        return Failure.OUTPUT, f"output larger than the cap ({limits.output_mb} MiB per file)"
    if execution.pids_exhausted or kind == "pids":
        return Failure.PIDS, f"too many processes (limit {limits.pids})"
    if execution.timed_out:
        return Failure.TIMEOUT, f"timed out after {limits.timeout_s:g} s"
    near_limit = execution.memory_peak >= MEMORY_NEAR_LIMIT * limits.memory_mb * 2**20
    if execution.oom_killed or kind == "memory" or (execution.exit_code == KILLED and near_limit):
        return Failure.MEMORY, f"out of memory (limit {limits.memory_mb} MiB)"
    if reported:
        message = str(reported.get("message") or "program failed")[:500]
        if reported.get("no_such_syscall") and execution.runtime == "runsc":
            message += (
                "; gVisor (runsc) does not implement this system call: the program needs "
                "--runtime runc, or to do without it"
            )
        return _HARNESS_KINDS.get(kind, Failure.CRASH), message
    if execution.exit_code not in (0, None):
        return Failure.CRASH, (
            f"program ended with exit code {execution.exit_code} before the harness could report "
            "(os._exit or a signal)"
        )
    if harness.get("status") != "ok":
        return Failure.CRASH, "the run left no readable manifest"
    return None


class _BadOutput(Exception):
    pass


class _BadPartRows(Exception):
    """A part whose row count is not the contract's (checked here too: the harness is untrusted)."""


def _open_regular(directory_fd: int, name: str, max_bytes: int) -> tuple[int, os.stat_result]:
    """Open a file by name inside the output dir: no links, regular, one link, bounded size."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=directory_fd)
    except OSError as exc:
        raise _BadOutput(f"{name}: cannot open safely ({exc.strerror})") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1 or info.st_size > max_bytes:
        os.close(fd)
        raise _BadOutput(f"{name}: not a plain regular file within the size cap")
    return fd, info


def _read_manifest(directory_fd: int) -> dict[str, Any]:
    try:
        fd, _ = _open_regular(directory_fd, "manifest.json", MANIFEST_MAX_BYTES)
        with os.fdopen(fd, "rb") as handle:
            data = json.loads(handle.read(MANIFEST_MAX_BYTES))
        return data if isinstance(data, dict) else {}
    except (_BadOutput, ValueError, OSError):
        return {}


def _take_tables(
    directory_fd: int, destination: Path, harness: dict[str, Any], limits: Limits
) -> dict[str, TableFile]:
    """Copy the listed tables out of the output directory (an open descriptor: the tmpfs may
    already be detached from its path)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    listed = harness.get("tables")
    if not isinstance(listed, list) or len(listed) > limits.output_files:
        raise _BadOutput("the manifest's table list is missing or too long")
    tables: dict[str, TableFile] = {}
    for entry in listed:
        name = str(entry.get("name", "")) if isinstance(entry, dict) else ""
        if not TABLE_NAME.match(name) or name in tables:
            raise _BadOutput(f"table name {name[:80]!r} is not a plain identifier")
        filename = f"{name}.parquet"
        target = destination / filename
        digest, size = _copy_checked(directory_fd, filename, target, limits)
        if entry.get("sha256") != digest:
            raise _BadOutput(f"{filename}: content does not match the manifest's sha256")
        try:
            parquet = pq.ParquetFile(target)
            schema = parquet.schema_arrow
        except (pa.ArrowException, OSError) as exc:
            raise _BadOutput(f"{filename}: not a readable Parquet file ({exc})") from None
        for column in schema:
            if isinstance(column.type, pa.ExtensionType):
                raise _BadOutput(f"{filename}: column {column.name!r} has an extension type")
        dtypes = entry.get("dtypes") if isinstance(entry.get("dtypes"), dict) else {}
        tables[name] = TableFile(
            name=name,
            path=target,
            rows=parquet.metadata.num_rows,
            columns=list(schema.names),
            dtypes={str(k): str(v) for k, v in dtypes.items()},
            bytes=size,
            sha256=digest,
        )
    return tables


def _take_parts(
    directory_fd: int,
    destination: Path,
    harness: dict[str, Any],
    limits: Limits,
    rows: dict[str, int],
    parts: tuple[int, int, int],
) -> dict[str, list[PartFile]]:
    """Copy the listed part files out of ``<table>/`` directories (opened without following
    links), check each one's digest, row count and part number, and that none is missing."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    k0, k1, n = parts
    listed = harness.get("parts")
    if not isinstance(listed, list) or len(listed) > limits.output_files * 4:
        raise _BadOutput("the manifest's part list is missing or too long")
    found: dict[str, dict[int, PartFile]] = {}
    directories: dict[str, int] = {}
    schemas: dict[str, Any] = {}
    try:
        for entry in listed:
            entry = entry if isinstance(entry, dict) else {}
            name = str(entry.get("table", ""))
            if not TABLE_NAME.match(name) or name not in rows:
                raise _BadOutput(f"part of table {name[:80]!r}: not a requested table")
            match = PART_FILE.match(str(entry.get("file", "")).partition("/")[2])
            number = int(match.group(1)) if match else -1
            filename = f"part-{number:05d}.parquet"
            if not k0 <= number < k1 or entry.get("file") != f"{name}/{filename}":
                raise _BadOutput(f"{str(entry.get('file'))[:80]!r}: not a part of this chunk")
            if number in found.get(name, {}):
                raise _BadOutput(f"{name}/{filename} listed twice")
            if name not in directories:
                try:
                    directories[name] = os.open(
                        name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=directory_fd
                    )
                except OSError as exc:
                    raise _BadOutput(f"{name}/: cannot open safely ({exc.strerror})") from None
                (destination / name).mkdir()
            target = destination / name / filename
            digest, size = _copy_checked(directories[name], filename, target, limits)
            said = entry.get("sha256")  # parts come unhashed: the digest is the host's own
            if said is not None and said != digest:
                raise _BadOutput(f"{name}/{filename}: content does not match the manifest's sha256")
            try:
                parquet = pq.ParquetFile(target)
                schema = parquet.schema_arrow.remove_metadata()
            except (pa.ArrowException, OSError) as exc:
                raise _BadOutput(
                    f"{name}/{filename}: not a readable Parquet file ({exc})"
                ) from None
            for column in schema:
                if isinstance(column.type, pa.ExtensionType):
                    raise _BadOutput(
                        f"{name}/{filename}: column {column.name!r} has an extension type"
                    )
            if name in schemas and not schema.equals(schemas[name]):
                raise _BadPartRows(
                    f"table {name!r} part {number} of {n}: columns differ from an earlier part"
                )
            schemas.setdefault(name, schema)
            if parquet.metadata.num_rows > rows[name]:
                raise _BadPartRows(
                    f"table {name!r} part {number} of {n} has {parquet.metadata.num_rows} rows, "
                    f"more than the {rows[name]} asked for the whole table"
                )
            found.setdefault(name, {})[number] = PartFile(
                name, number, target, parquet.metadata.num_rows, size, digest
            )
    finally:
        for fd in directories.values():
            os.close(fd)
    for name, numbers in found.items():
        # Parts of no rows have no file: which those are is the program's. Over a chunk a table
        # cannot hold more than its rows; over the whole run codegen.scale checks they add up.
        held = sum(part.rows for part in numbers.values())
        if held > rows[name]:
            raise _BadPartRows(
                f"table {name!r} has {held} rows in parts {k0}..{k1 - 1} of {n}, more than the "
                f"{rows[name]} asked for the whole table"
            )
    return {name: [numbers[k] for k in sorted(numbers)] for name, numbers in found.items()}


def _copy_checked(
    directory_fd: int, filename: str, target: Path, limits: Limits
) -> tuple[str, int]:
    """Copy one file through the descriptor checked by ``_open_regular`` (never a path the program
    could swap); its sha256 and size. Block by block, each block hashed and written while it is
    in the cache: hashing a mapping of the whole file and then writing it out was slower (0.26 s
    against 0.20 s for 218 MB, measured), since every byte then comes from memory twice."""
    import hashlib

    fd, info = _open_regular(directory_fd, filename, limits.output_mb * 1024 * 1024)
    digest = hashlib.sha256()
    with os.fdopen(fd, "rb") as source, open(target, "wb") as copy:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
            copy.write(block)
    return digest.hexdigest(), info.st_size


def _tables_of_parts(
    part_files: dict[str, list[PartFile]], harness: dict[str, Any], building: Path
) -> dict[str, TableFile]:
    """One entry per table of a chunk: its directory, total rows and a digest of its parts."""
    import hashlib

    import pyarrow.parquet as pq

    said = {str(t.get("name")): t for t in harness.get("tables") or [] if isinstance(t, dict)}
    tables = {}
    for name, files in part_files.items():
        digest = hashlib.sha256()
        for part in files:
            digest.update(f"{part.part:05d} {part.sha256}\n".encode())
        dtypes = said.get(name, {}).get("dtypes")
        tables[name] = TableFile(
            name=name,
            path=building / name,
            rows=sum(p.rows for p in files),
            columns=list(pq.ParquetFile(files[0].path).schema_arrow.names),
            dtypes={str(k): str(v) for k, v in dtypes.items()} if isinstance(dtypes, dict) else {},
            bytes=sum(p.bytes for p in files),
            sha256=digest.hexdigest(),
        )
    return tables


def _capped_text(kept: bytes, total: int) -> str:
    text = kept.decode("utf-8", errors="replace")
    if total > len(kept):
        text += f"\n[sdgen: output cut here; {total - len(kept)} more bytes were not kept]\n"
    return text


def _manifest(
    result: RunResult,
    execution: _Execution,
    tables: dict[str, TableFile],
    rows: dict[str, int],
    seed: int,
) -> dict[str, Any]:
    harness = result.harness
    return {
        "status": "ok" if result.ok else "failed",
        "error": result.error,
        "failure": result.failure.value if result.failure else None,
        "mode": harness.get("mode"),
        "tables": [
            {
                "name": t.name,
                "file": t.path.name,
                "rows": t.rows,
                "columns": t.columns,
                "dtypes": t.dtypes,
                "bytes": t.bytes,
                "sha256": t.sha256,
            }
            for t in tables.values()
        ],
        "rows_requested": rows,
        "seed": seed,
        "exit_code": execution.exit_code,
        "timed_out": execution.timed_out,
        "oom_killed": execution.oom_killed,
        "memory_peak_mb": round(execution.memory_peak / 2**20, 1),
        "pids_exhausted": execution.pids_exhausted,
        "output_exceeded": execution.output_exceeded,
        "timings": {
            "container_s": round(execution.duration_s, 4),
            **(harness.get("timings") if isinstance(harness.get("timings"), dict) else {}),
        },
        "limits": asdict(result.limits),
        "image": {"reference": result.image, "id": execution.image_id},
        "output_bytes": {
            "stdout": execution.stdout_total,
            "stderr": execution.stderr_total,
            "output_dir": execution.output_bytes,
        },
        "output_cap": execution.output_cap,
        "runtime": result.runtime,
        "container": {"id": execution.container_id, "from_spare": result.from_spare},
    }
