"""`sdgen exec` on a trivial program against a bare `docker run` doing the same work.

Both import pandas and write one Parquet file in the same image; runs alternate so that a busy
machine slows both alike. Prints the medians and their ratio (target: at most 1.3x).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sandbox import build_image

RUNS = 9
TRIVIAL = "import pandas as pd\n\ndf = pd.DataFrame({'a': [1, 2, 3]})\n"
BARE_WORK = "import pandas as pd; pd.DataFrame({'a': [1, 2, 3]}).to_parquet('/tmp/df.parquet')"


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    image = build_image(log=lambda line: None)
    sdgen = str(Path(sys.executable).with_name("sdgen"))
    with tempfile.TemporaryDirectory() as work:
        program = Path(work) / "trivial.py"
        program.write_text(TRIVIAL)
        bare_command = ["docker", "run", "--rm", "--network", "none", image, "python3", "-c"]
        timed([*bare_command, BARE_WORK])  # warm both paths once
        timed([sdgen, "exec", str(program), "--out", f"{work}/warm"])
        ours, bare = [], []
        for number in range(RUNS):
            bare.append(timed([*bare_command, BARE_WORK]))
            ours.append(timed([sdgen, "exec", str(program), "--out", f"{work}/run{number}"]))
    ours_median, bare_median = statistics.median(ours), statistics.median(bare)
    print(f"exec: {RUNS} alternating runs, image {image}")
    print(f"  bare `docker run --rm --network none` median  {bare_median:.3f} s")
    print(f"  `sdgen exec` (hardened, checked) median       {ours_median:.3f} s")
    print(f"  ratio sdgen/bare                              {ours_median / bare_median:.2f}x "
          "(target <= 1.3x)")  # fmt: skip


if __name__ == "__main__":
    main()
