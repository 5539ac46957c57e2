"""Spares on the real engine: a run takes a container started ahead of need, once, and it goes."""

from __future__ import annotations

import json
import time

import docker
import pytest

from sandbox import Limits, spares

SPARE_LIMITS = Limits(timeout_s=30, memory_mb=384, pids=40, tmpfs_mb=8, output_mb=8)
LEAVE_A_MARK = """
    import os
    import pandas as pd
    # What one program leaves behind must not be there for the next one.
    seen = sorted(os.listdir("/out")) + sorted(os.listdir("/tmp"))
    open("/out/mark.txt", "w").write("was here")
    open("/tmp/mark.txt", "w").write("was here")
    df = pd.DataFrame({"seen": [",".join(seen)], "pid": [os.getpid()]})
"""


def test_the_next_run_takes_a_spare_used_once(run_program, docker_client):
    first = run_program(LEAVE_A_MARK, limits=SPARE_LIMITS, use_spares=True)
    second = run_program(LEAVE_A_MARK, limits=SPARE_LIMITS, use_spares=True)
    assert first.ok and second.ok, (first.error, second.error)
    # The second ran in the spare the first one started; never the same container twice.
    assert second.from_spare
    assert second.container_id != first.container_id
    for used in (first.container_id, second.container_id):
        with pytest.raises(docker.errors.NotFound):
            docker_client.containers.get(used)
    # Nothing of the first program reached the second: a new /out and a new /tmp.
    assert second.dataframe("df")["seen"][0] == ""
    manifest = json.loads((second.out_dir / "manifest.json").read_text())
    assert manifest["container"] == {"id": second.container_id, "from_spare": True}


def test_a_spare_of_other_limits_is_not_taken(run_program):
    run_program("import pandas as pd\ndf = pd.DataFrame({'a': [1]})\n", limits=SPARE_LIMITS)
    other = Limits(timeout_s=30, memory_mb=320, pids=40, tmpfs_mb=8, output_mb=8)
    result = run_program(
        "import pandas as pd\ndf = pd.DataFrame({'a': [1]})\n", limits=other, use_spares=True
    )
    assert result.ok and not result.from_spare


def test_a_spare_times_out_from_its_job_not_from_its_start(run_program):
    # A spare waits idle before its job; the run's clock starts when it is handed the program.
    run_program("import pandas as pd\ndf = pd.DataFrame({'a': [1]})\n", limits=Limits(timeout_s=4))
    # The spare is started while the first program runs; on a busy machine (a model served
    # beside the tests) it was still starting 5 s later, and the second run made its own.
    ready_by = time.monotonic() + 60
    while not spares.ready_container_ids() and time.monotonic() < ready_by:
        time.sleep(0.2)
    time.sleep(5)  # then idle longer than the runs' timeout
    result = run_program(
        "import pandas as pd, time\ntime.sleep(1)\ndf = pd.DataFrame({'a': [1]})\n",
        limits=Limits(timeout_s=4),
    )
    assert result.ok and result.from_spare, result.error
    looping = run_program("while True:\n    pass\n", limits=Limits(timeout_s=4))
    assert looping.from_spare and looping.error == "timed out after 4 s"
