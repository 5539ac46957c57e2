"""Chunked reruns on the real Docker engine: the same tables whatever the workers (a local pool
of 1 or 2, a real Dask LocalCluster), keys consistent across chunks, a chunk that crashes or
times out, resume after the host process is killed, a program that cannot be chunked."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from support.chunky import program
from support.scaled import ROWS, SMALL, saved, whole_digests

from codegen.api import report
from codegen.errors import RerunError
from codegen.scale import ScaleOptions, rerun
from codegen.scale.execute import JOB_LABEL, DaskExecutor
from codegen.scale.work import WORK_DIR
from sandbox import Limits


def test_one_and_two_workers_give_the_whole_runs_tables(expected, no_leftovers, tmp_path):
    source = saved(tmp_path / "runs", program())
    seen = []
    one = rerun(source, per_table=ROWS, options=ScaleOptions(**{**SMALL.__dict__, "workers": 1}),
                on_progress=seen.append)  # fmt: skip
    two = rerun(source, per_table=ROWS, options=SMALL)
    for run in (one, two):
        assert run.manifest.layout == "parts" and run.manifest.parts["n"] == 20
        assert run.manifest.parts["table_sha256"] == expected
        assert run.rows == ROWS and run.manifest.validation["ok"]
        assert run.manifest.timings.generate_s > 0 and run.manifest.timings.validate_s > 0
    assert two.manifest.parts["workers"] == 2 and two.manifest.parts["chunks"] > 2
    parts = sorted((two.path / "data" / "orders").iterdir())
    assert [p.name for p in parts] == [f"part-{k:05d}.parquet" for k in range(20)]
    # Keys across chunks: the validator read the parts in place; check again in pandas.
    assert list(two.tables) == ["customers", "orders"]  # the spec's order
    orders, customers = two.tables["orders"], two.tables["customers"]
    assert len(orders) == 20000 and orders["id"].is_unique and customers["email"].is_unique
    assert orders["customer_id"].isin(customers["id"]).all()
    assert orders["customer_id"].max() > 2900  # children point across the whole parent
    assert seen[-1].chunks_done == seen[-1].chunks_total and seen[-1].rows_done == 23000
    assert not (tmp_path / "runs" / WORK_DIR / "x").exists()
    assert not list((tmp_path / "runs" / WORK_DIR).iterdir())  # work dirs gone once saved
    # The saved run validates again from its parts, and its report reads them too.
    assert two.validate().ok
    page = report(two).read_text()
    assert "20,000" in page and "orders" in page


def test_a_dask_local_cluster_gives_the_same_tables(expected, no_leftovers, tmp_path):
    from distributed import Client, LocalCluster

    source = saved(tmp_path / "runs", program())
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:  # fmt: skip
        run = rerun(source, per_table=ROWS, options=SMALL, executor=DaskExecutor(client=client))
        hosts = client.run(os.getpid)
    assert len(hosts) == 2
    assert run.manifest.parts["executor"] == "dask" and run.manifest.parts["workers"] == 2
    assert run.manifest.parts["table_sha256"] == expected


def test_a_chunk_that_crashes_fails_the_run_naming_it(sandbox_image, no_leftovers, tmp_path):
    root = tmp_path / "runs"
    source = saved(root, program(fault="raise", fault_part=7))
    seen = []
    with pytest.raises(RerunError) as caught:
        rerun(source, per_table=ROWS, options=SMALL, on_progress=seen.append)
    message = str(caught.value)
    assert "chunk chunk-00006-00009 (parts 6..8 of 20) failed 2 times" in message
    assert "boom in part 7" in message and "\n" not in message
    assert seen[-1].chunks_failed >= 2
    # Nothing saved as complete: only the source run, no half-made one.
    assert [p.name for p in (root / "chunky").iterdir()] == [source.name]


def test_parts_that_do_not_add_up_to_the_table_fail_the_run(sandbox_image, no_leftovers, tmp_path):
    root = tmp_path / "runs"
    source = saved(root, program(fault="extra_row", fault_part=4))
    with pytest.raises(RerunError) as caught:
        rerun(source, per_table=ROWS, options=SMALL)
    assert str(caught.value) == (
        "table 'orders' has 20001 rows over its 20 parts; 20000 were asked for: the program's"
        " parts do not add up to the table"
    )
    assert [p.name for p in (root / "chunky").iterdir()] == [source.name]


def test_a_chunk_that_times_out_is_killed_and_named(sandbox_image, no_leftovers, tmp_path):
    source = saved(tmp_path / "runs", program(fault="sleep", fault_part=1))
    options = ScaleOptions(workers=2, target_rows=3000, limits=Limits(timeout_s=4, memory_mb=512))
    started = time.monotonic()
    with pytest.raises(
        RerunError, match=r"chunk-00000-00003 .* failed 2 times: timed out after 4 s"
    ):
        rerun(source, per_table=ROWS, options=options)
    assert time.monotonic() - started < 120


def test_a_chunk_over_the_disk_cap_fails_the_run(sandbox_image, no_leftovers, tmp_path):
    source = saved(tmp_path / "runs", program())
    options = ScaleOptions(workers=2, part_rows=200_000,
                           limits=Limits(timeout_s=60, memory_mb=512, output_mb=1))  # fmt: skip
    with pytest.raises(RerunError, match=r"failed 2 times: output larger than the cap"):
        rerun(source, per_table={"customers": 1000, "orders": 400_000}, options=options)
    assert [p.name for p in (tmp_path / "runs" / "chunky").iterdir()] == [source.name]


def test_a_program_that_cannot_be_chunked_runs_whole(sandbox_image, no_leftovers, tmp_path):
    source = saved(tmp_path / "runs", program().replace("PART_ROWS = 1000", "PART_ROWS = 999 + 1"))
    said = []
    run = rerun(source, per_table={"customers": 300, "orders": 900}, options=SMALL,
                on_whole=said.append)  # fmt: skip
    assert said == [
        "cannot shard this program (PART_ROWS is not a plain integer literal > 0); "
        "running it whole in one container"
    ]
    assert run.manifest.layout == "files" and run.rows == {"customers": 300, "orders": 900}
    assert run.manifest.validation["ok"]


RESUMABLE = """
import sys
from codegen.scale import ScaleOptions, rerun
from sandbox import Limits
rerun(sys.argv[1], per_table={"customers": 3000, "orders": 20000},
      options=ScaleOptions(workers=1, target_rows=3000, limits=Limits(timeout_s=60)))
"""


def test_resume_after_the_host_process_is_killed(sandbox_image, no_leftovers, tmp_path):
    root = tmp_path / "runs"
    slow = program(fault="slow")  # every part sleeps a little: the kill lands mid-run
    source = saved(root, slow)
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(RESUMABLE), str(source)],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    work = root / WORK_DIR
    deadline = time.monotonic() + 120
    made: list[Path] = []
    while time.monotonic() < deadline and not made and child.poll() is None:
        made = [p for p in work.glob("*/chunks/chunk-*") if (p / "manifest.json").exists()]
        time.sleep(0.1)
    assert made, "no chunk was made before the deadline"
    child.send_signal(signal.SIGKILL)
    child.wait(30)
    kept = {p.name: (p / "orders" / "part-00000.parquet").stat().st_ino for p in made}
    run = rerun(source, per_table=ROWS, options=SMALL)
    assert run.manifest.parts["chunks_reused"] >= 1
    # The reused chunk's file is the very file in the run (hard-linked, not made again).
    first = run.path / "data" / "orders" / "part-00000.parquet"
    assert first.stat().st_ino in kept.values()
    assert run.manifest.parts["table_sha256"] == whole_digests(slow, tmp_path)


ON_A_CLUSTER = """
import sys
from distributed import Client, LocalCluster
from codegen.scale import ScaleOptions, rerun
from codegen.scale.execute import JOB_LABEL, DaskExecutor
from sandbox import Limits

if __name__ == "__main__":
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        rerun(sys.argv[1], per_table={"customers": 3000, "orders": 20000},
              options=ScaleOptions(target_rows=3000, limits=Limits(timeout_s=60)),
              executor=DaskExecutor(client=client))
"""


def test_ctrl_c_stops_the_containers_of_dask_workers(
    sandbox_image, no_leftovers, docker_client, tmp_path
):
    root = tmp_path / "runs"
    # Every part hangs, so both workers' containers are running when Ctrl-C comes, however
    # slowly the machine starts them (one chunk per worker: a quick one would end first).
    source = saved(root, program(fault="hang"))
    script = tmp_path / "on_a_cluster.py"
    script.write_text(ON_A_CLUSTER)
    child = subprocess.Popen(
        [sys.executable, str(script), str(source)],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 90
    mine: list = []
    while time.monotonic() < deadline and len(mine) < 2:
        # made by the cluster's worker processes (their own pids), for this run only
        mine = docker_client.containers.list(filters={"label": JOB_LABEL})
        time.sleep(0.2)
    assert len(mine) >= 2, "two chunk containers should be running on the workers"
    job = mine[0].labels[JOB_LABEL]
    child.send_signal(signal.SIGINT)
    child.wait(90)
    said = child.stderr.read()
    assert child.returncode != 0 and "KeyboardInterrupt" in said, said
    left = docker_client.containers.list(all=True, filters={"label": f"{JOB_LABEL}={job}"})
    assert left == [], said
    assert [p.name for p in (root / "chunky").iterdir()] == [source.name]


def test_a_dask_worker_without_the_image_is_named_before_any_chunk(
    sandbox_image, no_leftovers, docker_client, tmp_path
):
    from distributed import Client, LocalCluster

    root = tmp_path / "runs"
    source = saved(root, program())
    options = ScaleOptions(workers=2, target_rows=3000, image="sdgen-sandbox:not-built-here")
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:  # fmt: skip
        worker = next(iter(client.scheduler_info()["workers"]))
        with pytest.raises(RerunError) as caught:
            rerun(source, per_table=ROWS, options=options, executor=DaskExecutor(client=client))
    said = str(caught.value)
    assert said.startswith(f"Dask worker {worker}: sandbox image sdgen-sandbox:not-built-here")
    assert "sdgen image build" in said and "\n" not in said
    assert docker_client.containers.list(all=True, filters={"label": JOB_LABEL}) == []
    assert [p.name for p in (root / "chunky").iterdir()] == [source.name]
    # The local pool says the same of this host's engine.
    with pytest.raises(RerunError, match="^sandbox image sdgen-sandbox:not-built-here is missing"):
        rerun(source, per_table=ROWS, options=options)
