"""`sdgen rerun` of a chunkable program in parts, `sdgen validate` of the parts run, a program
that cannot be sharded, and Ctrl-C, as a user runs them (a new process, the real Docker engine)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from support.chunky import SPEC, program
from support.cli import sdgen
from support.paths import ROOT

from codegen.runs.manifest import Manifest
from codegen.runs.store import save_run
from codegen.scale.execute import JOB_LABEL

ENV = {"SDGEN_SANDBOX_SPARES": "0"}


def saved(root: Path, source: str) -> Path:
    manifest = Manifest(name="chunky", seed=5, rows_requested={"customers": 200, "orders": 1000})
    return save_run(root, manifest, program=source, spec_text=SPEC, tables={})


def test_rerun_in_parts_then_validate(sandbox_image, no_leftovers, tmp_path):
    source = saved(tmp_path / "runs", program(part_rows=5000))
    done = sdgen("rerun", str(source), "--rows", "customers=2000", "--rows", "orders=12000",
                 "--workers", "2", "--part-rows", "1000", "--chunk-rows", "3000",
                 "--no-validate", env=ENV)  # fmt: skip
    assert done.returncode == 0, done.stderr
    run = Path(done.stdout.strip().splitlines()[-1])
    assert "orders: 12000 rows" in done.stderr and "12 parts in 4 chunks" in done.stderr
    assert "generating" in done.stderr and "rows/s" in done.stderr
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["layout"] == "parts" and manifest["parts"]["part_rows"] == 1000
    assert manifest["validation"] == {} and manifest["timings"]["validate_s"] == 0
    assert len(list((run / "data" / "orders").glob("part-*.parquet"))) == 12
    # Validation later, over the part files in place: of the saved run, or spec + data dir.
    later = sdgen("validate", str(run), env=ENV)
    assert later.returncode == 0, later.stdout + later.stderr
    assert "orders: orders/ (12 parts), 12,000 rows" in later.stdout
    (tmp_path / "spec.yaml").write_text(SPEC)
    wrong = sdgen("validate", str(tmp_path / "spec.yaml"), str(run / "data"), env=ENV)
    assert wrong.returncode == 1 and "FAIL orders: 12,000 rows, expected 1,000" in wrong.stdout


def test_a_program_that_cannot_shard_says_why_in_one_line(sandbox_image, no_leftovers, tmp_path):
    source = saved(tmp_path / "runs", program().replace("PART_ROWS = 1000", "PART_ROWS = 999 + 1"))
    done = sdgen("rerun", str(source), "--rows", "500", "--workers", "2", "--memory", "1g", env=ENV)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[0] == (
        "cannot shard this program (PART_ROWS is not a plain integer literal > 0); "
        "running it whole in one container"
    )
    manifest = json.loads((Path(done.stdout.strip()) / "manifest.json").read_text())
    # half the orders, and half the customers they refer to
    assert manifest["layout"] == "files" and manifest["rows"] == {"customers": 100, "orders": 500}
    assert manifest["validation"]["ok"]


def test_ctrl_c_stops_every_container_and_saves_nothing(
    sandbox_image, no_leftovers, docker_client, tmp_path
):
    root = tmp_path / "runs"
    # Every part hangs, so both workers' containers are running when Ctrl-C comes, however
    # slowly the machine starts them (one chunk per worker: a quick one would end first).
    source = saved(root, program(fault="hang"))
    child = subprocess.Popen(
        [sys.executable, "-m", "codegen.cli.main", "rerun", str(source), "--rows", "20000",
         "--workers", "2"],
        cwd=ROOT, env={**os.environ, **ENV}, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        mine: list = []
        while time.monotonic() < deadline and len(mine) < 2:
            mine = [
                c for c in docker_client.containers.list(filters={"label": JOB_LABEL})
                if c.labels.get("sdgen.pid") == str(child.pid)
            ]  # fmt: skip
            time.sleep(0.2)
        assert len(mine) == 2, "two chunk containers should be running"
        child.send_signal(signal.SIGINT)
        child.wait(60)
    finally:
        if child.poll() is None:  # a failed assertion must not leave the rerun running
            child.send_signal(signal.SIGINT)
            child.wait(60)
    assert child.returncode == 130
    assert child.stderr.read().strip().endswith("error: interrupted")
    left = [
        c for c in docker_client.containers.list(all=True, filters={"label": JOB_LABEL})
        if c.labels.get("sdgen.pid") == str(child.pid)
    ]  # fmt: skip
    assert left == []
    assert [p.name for p in (root / "chunky").iterdir()] == [source.name]
