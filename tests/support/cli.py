"""The `sdgen` command as a user runs it: a new process, from the checkout, with the test's env."""

from __future__ import annotations

import os
import subprocess
import sys

from support.paths import ROOT


def sdgen(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "codegen.cli.main", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **env},
        timeout=timeout,
    )
