"""The CLI starts fast: `sdgen exec` pays for Docker and the container, not for libraries that only
other commands need. Heavy imports belong inside the command functions."""

from __future__ import annotations

import subprocess
import sys

HEAVY = (
    "pandas",
    "numpy",
    "pyarrow",
    "duckdb",
    "openai",
    "black",
    "docker",
    "pydantic",
    "yaml",
    "matplotlib",
)


def test_importing_the_cli_loads_no_heavy_library():
    code = (
        "import sys, codegen.cli.main\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_help_lists_every_command_group():
    done = subprocess.run(
        [sys.executable, "-m", "codegen.cli.main", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for command in (
        "exec", "image", "generate", "csv", "rerun", "validate", "spec", "model", "report",
        "probe",
    ):  # fmt: skip
        assert command in done.stdout


def test_usage_errors_end_with_an_error_line():
    done = subprocess.run(
        [sys.executable, "-m", "codegen.cli.main", "validate"], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == "error: Missing argument 'spec'."
