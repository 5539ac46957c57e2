"""`sdgen exec` and `sdgen image` as a user runs them: a real process, the real engine."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from support.docker_helpers import require_runtime_or_skip, sandbox_containers
from support.paths import ROOT

from sandbox import RuntimeMissing, require_runtime
from sandbox.container import SPARE_LABEL, create
from sandbox.runner import sweep_stale_containers, sweep_stale_staging
from sandbox.staging import staging_root

SDGEN = [sys.executable, "-m", "codegen.cli.main"]


def sdgen(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*SDGEN, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


@pytest.fixture
def program(tmp_path: Path):
    def write(source: str) -> Path:
        path = tmp_path / "program.py"
        path.write_text(source)
        return path

    return write


def test_exec_success_prints_tables_and_writes_results(
    sandbox_image, no_leftovers, program, tmp_path
):
    source = (
        "import numpy as np, pandas as pd\n"
        "def generate(rows, seed):\n"
        "    n = rows['t']\n"
        "    return {'t': pd.DataFrame({'x': np.random.default_rng(seed).random(n)})}\n"
    )
    out = tmp_path / "out"
    done = sdgen("exec", str(program(source)), "--out", str(out), "--rows", "t=321", "--seed", "5")
    assert done.returncode == 0, done.stderr
    assert f"t: 321 rows x 1 columns -> {out / 't.parquet'}" in done.stdout
    assert (out / "t.parquet").is_file() and (out / "manifest.json").is_file()


def test_exec_failure_ends_with_an_error_line(sandbox_image, no_leftovers, program, tmp_path):
    done = sdgen(
        "exec", str(program("while True:\n    pass\n")), "--out", str(tmp_path / "o"),
        "--timeout", "2",
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == "error: timed out after 2 s"


def test_exec_memory_flag(sandbox_image, no_leftovers, program, tmp_path):
    hog = "x = []\nwhile True:\n    x.append(bytearray(8 << 20))\n"
    done = sdgen("exec", str(program(hog)), "--out", str(tmp_path / "o"), "--memory", "128m")
    assert done.stderr.strip().splitlines()[-1] == "error: out of memory (limit 128 MiB)"


def test_exec_bad_arguments(sandbox_image, program, tmp_path):
    done = sdgen("exec", str(program("x=1\n")), "--out", str(tmp_path / "o"), "--rows", "t=many")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith("error: --rows 't=many'")
    missing = sdgen("exec", str(tmp_path / "nope.py"), "--out", str(tmp_path / "o2"))
    assert missing.returncode == 1 and "error: cannot read" in missing.stderr


def test_missing_image_and_unreachable_engine(sandbox_image, program, tmp_path):
    path = str(program("x = 1\n"))
    done = sdgen("exec", path, "--out", str(tmp_path / "o"), "--image", "sdgen-sandbox:absent")
    assert done.stderr.strip().splitlines()[-1] == (
        "error: sandbox image sdgen-sandbox:absent is missing; build it with `sdgen image build` "
        "(or `make setup`)"
    )
    dead = sdgen(
        "exec", path, "--out", str(tmp_path / "o"),
        env={"DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"},
    )  # fmt: skip
    last = dead.stderr.strip().splitlines()[-1]
    assert dead.returncode == 1 and last.startswith("error: Docker engine not reachable"), last


def test_image_build_again_is_a_quick_no_op(sandbox_image):
    done = sdgen("image", "build")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == sandbox_image
    assert sdgen("image", "ref").stdout.strip() == sandbox_image


# These runs start their own containers: a spare (running, waiting) would look like theirs.
NO_SPARES = {"SDGEN_SANDBOX_SPARES": "0"}


def wait_for_container(client, pid: int, deadline_s: float = 30) -> None:
    """Until the run of process ``pid`` has its container running: not a spare, and not a
    container another process (an earlier test, another session) left behind."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        running = [c for c in sandbox_containers(client) if c.status == "running"]
        if any(
            SPARE_LABEL not in c.labels and c.labels.get("sdgen.pid") == str(pid) for c in running
        ):
            return
        time.sleep(0.1)
    raise AssertionError("the sandbox container never started")


def test_ctrl_c_removes_the_container(
    sandbox_image, docker_client, no_leftovers, program, tmp_path
):
    process = subprocess.Popen(
        [*SDGEN, "exec", str(program("while True:\n    pass\n")), "--out", str(tmp_path / "o")],
        cwd=ROOT,
        env={**os.environ, **NO_SPARES},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_container(docker_client, process.pid)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode != 0
    assert stderr.strip().splitlines()[-1] == "error: interrupted"
    assert not (tmp_path / "o").exists()


def test_a_crashed_host_side_leaves_nothing_for_long(
    sandbox_image, docker_client, program, tmp_path
):
    process = subprocess.Popen(
        [*SDGEN, "exec", str(program("while True:\n    pass\n")), "--out", str(tmp_path / "o")],
        cwd=ROOT,
        env={**os.environ, **NO_SPARES},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_container(docker_client, process.pid)
    process.kill()  # no cleanup code runs: the next run's sweep must find the orphan
    process.wait(30)
    orphans = [
        c for c in sandbox_containers(docker_client) if c.labels["sdgen.pid"] == str(process.pid)
    ]
    assert len(orphans) == 1
    assert sweep_stale_containers(docker_client) >= 1
    assert not [c for c in sandbox_containers(docker_client) if c.id == orphans[0].id]
    # Its staging (the output tmpfs, mounted as root) goes with the next run's sweep too.
    staged = list(staging_root().glob(f"run-{process.pid}-*"))
    assert len(staged) == 1
    assert sweep_stale_staging(docker_client) >= 1
    assert not staged[0].exists()
    assert not [line for line in open("/proc/self/mounts") if str(staged[0]) in line]


def test_exec_under_gvisor(sandbox_image, docker_client, no_leftovers, program, tmp_path):
    require_runtime_or_skip(docker_client, "runsc")
    source = "import os\nimport pandas as pd\ndf = pd.DataFrame({'k': [os.uname().release]})\n"
    out = tmp_path / "out"
    done = sdgen("exec", str(program(source)), "--out", str(out), "--runtime", "runsc")
    assert done.returncode == 0, done.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["runtime"] == "runsc"
    # gVisor's kernel answers for itself (it reports an old Linux release, not the host's).
    assert pq.read_table(out / "df.parquet")["k"][0].as_py() != os.uname().release


def test_unknown_and_missing_runtimes_are_one_clear_line(sandbox_image, docker_client, program):
    done = sdgen("exec", str(program("x = 1\n")), "--out", "unused", "--runtime", "kata")
    assert done.stderr.strip().splitlines()[-1] == (
        "error: unknown container runtime 'kata'; use one of runc, runsc"
    )
    built = sdgen("image", "build", env={"SDGEN_SANDBOX_RUNTIME": "kata"})
    assert built.returncode == 1 and "unknown container runtime 'kata'" in built.stderr
    # What the engine itself says of a runtime it lacks becomes the same kind of line.
    with pytest.raises(RuntimeMissing, match="container runtime 'sdgen-absent' is not available"):
        require_runtime(docker_client, "sdgen-absent")
    settings = {"image": sandbox_image, "runtime": "sdgen-absent", "command": ["true"]}
    with pytest.raises(RuntimeMissing, match="'sdgen-absent' is not available .*runtime"):
        create(docker_client, settings)


def test_image_build_checks_the_runtime_runs_it(sandbox_image, docker_client):
    require_runtime_or_skip(docker_client, "runsc")
    done = sdgen("image", "build", "--runtime", "runsc")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == sandbox_image
    assert "(runtime runsc)" in done.stderr
