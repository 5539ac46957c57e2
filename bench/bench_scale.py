"""Scale: a chunkable program re-run in parts with 2 workers, against the same program's code run
in-process on one core with its Parquet written (issue 12).

Prints, measured in this run:
- generation throughput (containers + part files, up to the last part written; no validation)
  with 2 workers, and its ratio to the in-process single-core rate (target: >= 1.5x);
- peak memory of the host process (the rerun, in a child process: ru_maxrss) and of the largest
  chunk container (cgroup v1 max_usage_in_bytes: it includes the container's output tmpfs);
- the content sha256 of each table with 1, 2 and 4 workers (must be identical);
- validation time of the parts run against the same checks' raw DuckDB queries is left to
  bench_validate.py's method (not repeated here).

Each measured step starts after os.sync(), so the disk writes one step leaves to the kernel are
not paid by the next. SDGEN_BENCH_SCALE_REPEAT (default 1): the in-process baseline and the
first worker count are measured that many times, alternating, and their medians compared.

Sizes: SDGEN_BENCH_SCALE_ROWS fact rows (default 2,000,000; the issue's 10M/100M are for a quiet
machine), SDGEN_BENCH_SCALE_WORKERS the worker counts (default 2,1,4: all of them for the first
program, the first alone for the others). SDGEN_BENCH_SCALE_HOST_IMPORTS: "before" (the default)
imports the rerun's host libraries (Docker SDK, Parquet reader, sandbox) before its timer starts,
as the in-process side imports pandas and pyarrow before its own; "inside" leaves them to the
rerun, which imports them in its timed part (about 0.3 s of CPU on a busy core). Programs
(SDGEN_BENCH_SCALE_PROGRAMS, default shop,housing,orders): the starting programs sdgen writes for
examples/shop.yaml and housing.yaml (lists filled in mechanically: bench/starting_programs.py),
scaled as `--rows N` scales them, and bench/scale_program.py (customers + orders with a foreign
key, written by hand).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).parent
ROWS = int(os.environ.get("SDGEN_BENCH_SCALE_ROWS", "2000000"))
WORKERS = [int(w) for w in os.environ.get("SDGEN_BENCH_SCALE_WORKERS", "2,1,4").split(",")]
PROGRAMS = os.environ.get("SDGEN_BENCH_SCALE_PROGRAMS", "shop,housing,orders").split(",")
REPEAT = max(1, int(os.environ.get("SDGEN_BENCH_SCALE_REPEAT", "1")))

IN_PROCESS = """
import json, os, sys, time, importlib.util
import pyarrow as pa, pyarrow.parquet as pq
os.sched_setaffinity(0, {0})
spec = importlib.util.spec_from_file_location("program", sys.argv[1])
program = importlib.util.module_from_spec(spec); spec.loader.exec_module(program)
rows = json.loads(sys.argv[3])
n = max(1, -(-max(rows.values()) // program.PART_ROWS))
started = time.perf_counter()
for k in range(n):
    for name, frame in program.generate(rows, 5, part=(k, n)).items():
        os.makedirs(os.path.join(sys.argv[2], name), exist_ok=True)
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False),
                       os.path.join(sys.argv[2], name, f"part-{k:05d}.parquet"))
print(time.perf_counter() - started)
"""

RERUN = """
import json, os, resource, sys
from codegen.scale import ScaleOptions, rerun
if os.environ.get("SDGEN_BENCH_SCALE_HOST_IMPORTS", "before") == "before":
    # The host's own libraries (the Docker SDK, the Parquet reader, the sandbox), imported
    # before the timer as the in-process side imports pandas and pyarrow before its own.
    import docker, pyarrow.parquet, sandbox.runner
run = rerun(sys.argv[1], per_table=json.loads(sys.argv[3]), out_root=sys.argv[2],
            options=ScaleOptions(workers=int(sys.argv[4]), validate=False))
m = run.manifest
print(json.dumps({"generate_s": m.timings.generate_s, "sha": m.parts["table_sha256"],
                  "hash_s": m.timings.sandbox["hash_s"],
                  "chunks": m.parts["chunks"], "n": m.parts["n"], "path": str(run.path),
                  "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


class ContainerPeak:
    """Polls the cgroup (v1) memory peak of every running sandbox container of this bench."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> ContainerPeak:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _poll(self) -> None:
        base = Path("/sys/fs/cgroup/memory/docker")
        while not self._stop.is_set():
            for path in base.glob("*/memory.max_usage_in_bytes"):
                try:
                    self.peak = max(self.peak, int(path.read_text()))
                except (OSError, ValueError):
                    pass
            time.sleep(0.1)


def program_of(name: str) -> tuple[str, str | None, dict[str, int]]:
    """(program, spec text or None, row counts at ROWS fact rows) of a benchmarked program."""
    if name == "orders":
        counts = {"customers": max(1, ROWS // 10), "orders": ROWS}
        return (HERE / "scale_program.py").read_text(), None, counts
    from bench.starting_programs import filled
    from codegen.spec.rows import row_counts

    path = HERE.parent / "examples" / f"{name}.yaml"
    spec, program = filled(path)
    return program, path.read_text(), row_counts(spec, ROWS)


def saved_run(root: Path, name: str, program: str, spec_text: str | None) -> Path:
    from codegen.runs.manifest import Manifest
    from codegen.runs.store import save_run

    manifest = Manifest(name=f"bench_scale_{name}", seed=5)
    return save_run(root, manifest, program=program, spec_text=spec_text, tables={})


def settled() -> None:
    """Let the kernel write out what the last step left in the page cache before timing more."""
    os.sync()
    time.sleep(1)


def in_process(program: Path, out: Path, counts: dict[str, int]) -> float:
    settled()
    done = subprocess.run(
        [sys.executable, "-c", IN_PROCESS, str(program), str(out), json.dumps(counts)],
        capture_output=True, text=True, check=True, cwd=HERE.parent,
    )  # fmt: skip
    shutil.rmtree(out)
    return float(done.stdout.strip())


def rerun(source: Path, out: Path, counts: dict[str, int], workers: int) -> dict:
    settled()
    env = {**os.environ, "SDGEN_SANDBOX_SPARES": "0"}
    done = subprocess.run(
        [sys.executable, "-c", RERUN, str(source), str(out), json.dumps(counts), str(workers)],
        capture_output=True, text=True, check=True, env=env, cwd=HERE.parent,
    )  # fmt: skip
    shutil.rmtree(out)  # the figures are in the result; at 100M rows the tables are GBs
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench(name: str, work: Path, workers_list: list[int]) -> None:
    program, spec_text, counts = program_of(name)
    total = sum(counts.values())
    source = saved_run(work / "runs", name, program, spec_text)
    (work / f"{name}.py").write_text(program)
    bases: list[float] = []
    first: list[dict] = []
    for round_ in range(REPEAT):  # alternating, so a drift of the machine reaches both sides
        bases.append(in_process(work / f"{name}.py", work / f"inproc-{name}", counts))
        if round_ < REPEAT - 1:
            first.append(rerun(source, work / f"out-{name}-r{round_}", counts, workers_list[0]))
    base_s = statistics.median(bases)
    print(f"{name}: rows {counts} ({total:,} in all)")
    spread = f" (median of {', '.join(f'{b:.2f}' for b in bases)})" if REPEAT > 1 else ""
    print(
        f"  in-process, one core, Parquet written: {base_s:.2f} s{spread}, "
        f"{total / base_s:,.0f} rows/s"
    )
    hashes = {}
    for workers in workers_list:
        with ContainerPeak() as peak:
            result = rerun(source, work / f"out-{name}-{workers}", counts, workers)
        hashes[workers] = result["sha"]
        times = [result["generate_s"]]
        if workers == workers_list[0] and first:
            times += [r["generate_s"] for r in first]
        generate_s = statistics.median(times)
        rate = total / generate_s
        runs = f" (median of {', '.join(f'{t:.2f}' for t in times)})" if len(times) > 1 else ""
        print(
            f"  sdgen rerun, {workers} worker(s): generate {generate_s:.2f} s{runs}, "
            f"{rate:,.0f} rows/s = {rate / (total / base_s):.2f}x in-process "
            f"({result['n']} parts, {result['chunks']} chunks; content sha256 after: "
            f"{result['hash_s']:.2f} s); host peak "
            f"{result['maxrss_kb'] / 1024:.0f} MiB, largest container peak "
            f"{peak.peak / 2**20:.0f} MiB"
        )
    if len(workers_list) > 1:
        first = hashes[workers_list[0]]
        for table in first:
            listed = ", ".join(f"{w}w {hashes[w][table][:12]}" for w in workers_list)
            print(f"  sha256 {table}: {listed}")
        same = all(h == first for h in hashes.values())
        print(f"  identical with {', '.join(map(str, workers_list))} workers: {same}")


def main() -> None:
    sys.path.insert(0, str(HERE.parent))
    from sandbox import build_image

    build_image(log=lambda line: None)
    imports = os.environ.get("SDGEN_BENCH_SCALE_HOST_IMPORTS", "before")
    print(f"scale: the rerun's host libraries imported {imports} its timer")
    with tempfile.TemporaryDirectory(prefix="sdgen-bench-scale-") as tmp:
        for index, name in enumerate(PROGRAMS):
            bench(name, Path(tmp), WORKERS if index == 0 else WORKERS[:1])


if __name__ == "__main__":
    main()
