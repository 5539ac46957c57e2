"""A 1 GiB output bomb against the output cap: how long until it is stopped, how many bytes got out.

The program writes 1 GiB into its output directory as fast as it can (1 MiB writes, 64 MiB files)
under a 64 MiB output cap, once with the kernel cap (the output dir is a tmpfs of that size) and
once with the polling watchdog alone (what runs where the host may not mount), alternating. A
trivial program run the same way is the baseline, so the figures are the bomb's stop time over a
normal run's. Bytes are what the output directory held when the program stopped: in the tmpfs they
are in memory (nothing reaches the disk); under the watchdog they are on the disk.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from pathlib import Path

from sandbox import Limits, build_image, run

RUNS = 5
CAP_MB = 64
BOMB = """
chunk = b"x" * (1 << 20)
for number in range(16):
    with open(f"/out/bomb{number}", "wb", buffering=0) as handle:
        for _ in range(64):
            handle.write(chunk)
"""
TRIVIAL = "import pandas as pd\n\ndf = pd.DataFrame({'a': [1, 2, 3]})\n"
MODES = {"kernel cap (tmpfs)": True, "watchdog only": False}


def main() -> None:
    if os.geteuid() != 0:
        print("output_bomb: the kernel cap needs root on the host (a tmpfs mount); skipped")
        return
    build_image(log=lambda line: None)
    # The output cap is per file as well (RLIMIT_FSIZE): 64 MiB files at a 64 MiB total make the
    # total, not one file, what stops the bomb.
    limits = Limits(timeout_s=120, memory_mb=512, output_mb=CAP_MB, log_kb=64)
    seconds: dict[str, list[float]] = {mode: [] for mode in MODES}
    baseline: dict[str, list[float]] = {mode: [] for mode in MODES}
    got_out: dict[str, list[int]] = {mode: [] for mode in MODES}
    with tempfile.TemporaryDirectory() as work:
        for number in range(RUNS + 1):  # the first round warms the image's pages; not counted
            for mode, kernel in MODES.items():
                # Each in a container started for it (no spares): the same start for both.
                bomb = run(BOMB, Path(work) / f"b{number}{kernel}", limits=limits,
                           kernel_output_cap=kernel, use_spares=False)  # fmt: skip
                trivial = run(TRIVIAL, Path(work) / f"t{number}{kernel}", limits=limits,
                              kernel_output_cap=kernel, use_spares=False)  # fmt: skip
                if not trivial.ok or bomb.failure is None or bomb.failure.value != "output":
                    sys.exit(f"unexpected: bomb {bomb.error!r}, trivial {trivial.error!r}")
                if number:
                    seconds[mode].append(bomb.duration_s)
                    baseline[mode].append(trivial.duration_s)
                    got_out[mode].append(bomb.output_bytes)
    print(
        f"output_bomb: 1 GiB written as fast as it goes, output cap {CAP_MB} MiB, medians of {RUNS}"
    )
    for mode in MODES:
        stop, normal = statistics.median(seconds[mode]), statistics.median(baseline[mode])
        out = statistics.median(got_out[mode]) / (1 << 20)
        worst = max(got_out[mode]) / (1 << 20)
        print(
            f"  {mode:<20} stopped after {stop:.2f} s (trivial run {normal:.2f} s, "
            f"{stop / normal:.2f}x); output dir held {out:.1f} MiB (max {worst:.1f}) "
            f"= {out / CAP_MB:.2f}x the cap"
        )


if __name__ == "__main__":
    main()
