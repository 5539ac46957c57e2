"""`make bench`: run every benchmark script in this folder, one after another, printing figures.

Each script measures its own baseline in the same run and prints ratios; nothing here is a test.
Pass names to run only some: `python bench/run_all.py exec validate`.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent


def main(names: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if names:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in names]
    failed = 0
    for script in scripts:
        print(f"== {script.stem.removeprefix('bench_')}", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        print(f"   ({time.perf_counter() - started:.0f} s{'' if code == 0 else f', exit {code}'})")
        failed += code != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
