"""`sdgen exec` of a trivial program against a bare `docker run --rm --network none` doing the same.

Both import pandas and write one Parquet file in the same image, on each runtime the engine has
(runc, and runsc when registered). Runs alternate (bare, sdgen, bare, sdgen, ...) so that a busy
machine slows both alike, and each command starts after an untimed pause: a spare that `sdgen exec`
leaves for the next run is work done ahead of need, finished while nobody waits, not during the
next command. `sdgen exec` without spares (SDGEN_SANDBOX_SPARES=0: a container started per run) is
measured too. Prints medians and the median of the pair-by-pair ratios (target: at most 1.3x).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sandbox import build_image
from sandbox.image import connect
from sandbox.runtime import RUNTIMES, registered_runtimes

RUNS = 9
PAUSE_S = 2.0
TRIVIAL = "import pandas as pd\n\ndf = pd.DataFrame({'a': [1, 2, 3]})\n"
BARE_WORK = "import pandas as pd; pd.DataFrame({'a': [1, 2, 3]}).to_parquet('/tmp/df.parquet')"


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    time.sleep(PAUSE_S)
    started = time.perf_counter()
    subprocess.run(
        command,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    return time.perf_counter() - started


def measure(image: str, runtime: str, work: Path) -> None:
    sdgen = str(Path(sys.executable).with_name("sdgen"))
    program = work / "trivial.py"
    program.write_text(TRIVIAL)
    bare_command = ["docker", "run", "--rm", "--network", "none", "--runtime", runtime, image]
    bare_command += ["python3", "-c", BARE_WORK]
    counter = iter(range(10_000))

    def ours() -> list[str]:
        out = work / f"{runtime}-{next(counter)}"
        return [sdgen, "exec", str(program), "--out", str(out), "--runtime", runtime]

    no_spares = {"SDGEN_SANDBOX_SPARES": "0"}
    timed(bare_command)  # warm each path once
    timed(ours())
    timed(ours(), no_spares)
    bare, spare, cold = [], [], []
    for _ in range(RUNS):
        bare.append(timed(bare_command))
        spare.append(timed(ours()))
        cold.append(timed(ours(), no_spares))
    bare_median = statistics.median(bare)
    print(f"exec on {runtime}: {RUNS} alternating runs, image {image}")
    print(f"  bare `docker run --rm --network none` median  {bare_median:.3f} s")
    for label, times in (("`sdgen exec`", spare), ("`sdgen exec`, no spares", cold)):
        ratios = [ours_t / bare_t for ours_t, bare_t in zip(times, bare, strict=True)]
        print(
            f"  {label:<27} median {statistics.median(times):.3f} s; ratio to bare: "
            f"median of pairs {statistics.median(ratios):.2f}x (target <= 1.3x), "
            f"range {min(ratios):.2f}-{max(ratios):.2f}"
        )


def main() -> None:
    image = build_image(log=lambda line: None)
    available = registered_runtimes(connect())
    with tempfile.TemporaryDirectory() as work:
        for runtime in RUNTIMES:
            if runtime not in available:
                print(f"exec on {runtime}: not registered with the Docker engine; skipped")
                continue
            measure(image, runtime, Path(work))


if __name__ == "__main__":
    main()
