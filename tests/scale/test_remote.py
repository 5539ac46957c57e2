"""Chunked reruns saved under an fsspec URL (object storage), against a real S3-compatible server
(moto's) on 127.0.0.1 only: the same tables as a whole run from a local pool and from a Dask
LocalCluster, the run's layout (manifest.json last), resume from the remote work area, a chunk
that fails twice, validation read through fsspec, and the one-line errors of a bad location.

Credentials and endpoint reach fsspec only through its usual environment variables (set for
this process and inherited by the cluster's worker processes); dummy AWS credentials, no
instance metadata: nothing can reach AWS."""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
import yaml
from support.chunky import SPEC, program
from support.cli import sdgen
from support.scaled import ROWS, SMALL, saved

import codegen as sd
from codegen.errors import RerunError, RunNotFoundError
from codegen.scale import ScaleOptions, rerun
from codegen.scale.execute import DaskExecutor, LocalExecutor
from codegen.scale.publish import RemoteRun
from codegen.spec.model import parse_spec
from codegen.validation.validator import validate

BUCKET = "sdgen-test"


@pytest.fixture(scope="module")
def s3(tmp_path_factory) -> Iterator:
    """An S3 server on 127.0.0.1 with one bucket; fsspec pointed at it through its environment
    variables; yields its s3fs file system."""
    import fsspec
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    with pytest.MonkeyPatch.context() as env:
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            assert host == "127.0.0.1"
            with store_at(port, tmp_path_factory.mktemp("aws"), env):
                fs = fsspec.filesystem("s3")
                fs.mkdir(BUCKET)
                yield fs
        finally:
            server.stop()


@contextlib.contextmanager
def store_at(port: int, home: Path, env: pytest.MonkeyPatch) -> Iterator[None]:
    """fsspec's S3 pointed at ``http://127.0.0.1:PORT`` through its environment variables, with
    dummy AWS credentials and no instance metadata (nothing can reach AWS); undone after."""
    import fsspec.config

    for name, value in {
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(home / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        "FSSPEC_S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "FSSPEC_S3_KEY": "testing",
        "FSSPEC_S3_SECRET": "testing",
    }.items():
        env.setenv(name, value)
    before = json.loads(json.dumps(fsspec.config.conf))
    fsspec.config.set_conf_env(fsspec.config.conf)  # fsspec read its env at import
    try:
        yield
    finally:
        fsspec.config.conf.clear()
        fsspec.config.conf.update(before)


@pytest.fixture
def out(s3, tmp_path) -> str:
    """A prefix of the bucket of this test's own."""
    return f"s3://{BUCKET}/{tmp_path.name}"


def _layout(fs, run: RemoteRun) -> list[str]:
    fs.invalidate_cache()
    root = run.url.removeprefix("s3://")
    return sorted(p.removeprefix(root + "/") for p in fs.find(root))


def _check_saved(fs, run: RemoteRun, expected: dict[str, str], out: str) -> None:
    assert isinstance(run, RemoteRun) and run.url.startswith(f"{out}/chunky/")
    assert run.manifest.parts["table_sha256"] == expected
    assert run.rows == ROWS and run.manifest.status == "complete"
    layout = _layout(fs, run)
    assert layout == sorted(
        ["manifest.json", "program.py", "spec.yaml"]
        + [f"data/customers/part-{k:05d}.parquet" for k in range(20)]
        + [f"data/orders/part-{k:05d}.parquet" for k in range(20)]
    )
    stored = json.loads(fs.cat_file(f"{run.url}/manifest.json"))
    assert stored["run_id"] == run.url.rsplit("/", 1)[-1] and stored["layout"] == "parts"
    assert stored["parts"]["table_sha256"] == expected
    # Validation read the parts in the store, through fsspec.
    assert run.manifest.validation["ok"]
    assert run.manifest.validation["tables"]["orders"]["source"] == "orders/ (20 parts)"
    # The work area is gone once the run is saved.
    fs.invalidate_cache()
    assert fs.find(f"{out.removeprefix('s3://')}/.sdgen-work") == []


def test_a_local_pool_saves_the_whole_runs_tables_to_s3(s3, out, expected, no_leftovers, tmp_path):
    source = saved(tmp_path / "runs", program())
    run = rerun(source, per_table=ROWS, out_root=out, options=SMALL)
    _check_saved(s3, run, expected, out)
    assert run.manifest.parts["executor"] == "local"
    # Nothing was written beside the source run on this machine.
    assert [p.name for p in (tmp_path / "runs").iterdir()] == ["chunky"]
    assert [p.name for p in (tmp_path / "runs" / "chunky").iterdir()] == [source.name]
    # Anyone with the store reads the tables back: DuckDB and pyarrow, through fsspec.
    con = duckdb.connect()
    con.register_filesystem(s3)
    orders = con.execute(f"SELECT count(*), count(DISTINCT id) FROM "
                         f"read_parquet('{run.url}/data/orders/*.parquet')").fetchone()  # fmt: skip
    assert orders == (20000, 20000)
    customers = pq.read_table(f"{run.url.removeprefix('s3://')}/data/customers", filesystem=s3)
    assert customers.num_rows == 3000


def test_a_dask_local_cluster_saves_the_same_tables_to_s3(
    s3, out, expected, no_leftovers, tmp_path
):
    from distributed import Client, LocalCluster

    source = saved(tmp_path / "runs", program())
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:  # fmt: skip
        run = rerun(source, per_table=ROWS, out_root=out, options=SMALL,
                    executor=DaskExecutor(client=client))  # fmt: skip
        # The chunks were made (and uploaded) by the worker processes, not by this one.
        workers = client.run(os.getpid)
    assert len(workers) == 2 and os.getpid() not in workers.values()
    assert run.manifest.parts["executor"] == "dask"
    _check_saved(s3, run, expected, out)


class Recording(LocalExecutor):
    """A local pool that notes the parts of every chunk it is given."""

    def __init__(self, workers: int) -> None:
        super().__init__(workers)
        self.made: list[range] = []

    def submit(self, function, task):
        self.made.append(range(task.k0, task.k1))
        return super().submit(function, task)


def test_resume_reuses_complete_chunks_and_remakes_a_tampered_one(
    s3, out, expected, no_leftovers, tmp_path
):
    source = saved(tmp_path / "runs", program())

    def interrupt(progress) -> None:
        if progress.chunks_done >= 2:
            raise KeyboardInterrupt  # as Ctrl-C: the run stops, its complete chunks stay

    one = ScaleOptions(**{**SMALL.__dict__, "workers": 1})
    with pytest.raises(KeyboardInterrupt):
        rerun(source, per_table=ROWS, out_root=out, options=one, on_progress=interrupt)
    s3.invalidate_cache()
    work = out.removeprefix("s3://") + "/.sdgen-work"
    complete = sorted(p.rsplit("/", 2)[-2] for p in s3.glob(f"{work}/*/chunks/*/manifest.json"))
    assert len(complete) >= 2, complete
    assert not s3.exists(f"{out}/chunky"), "nothing of the run is saved before every chunk"
    kept, tampered = complete[0], complete[1]
    (part,) = s3.glob(f"{work}/*/chunks/{tampered}/orders/part-*.parquet")[:1]
    s3.pipe_file(part, b"not the bytes that were made")

    executor = Recording(2)
    try:
        run = rerun(source, per_table=ROWS, out_root=out, options=SMALL, executor=executor)
    finally:
        executor.close()
    assert run.manifest.parts["chunks_reused"] == len(complete) - 1
    made = {k for parts in executor.made for k in parts}

    def parts_of(name: str) -> set[int]:
        k0, k1 = (int(v) for v in name.split("-")[1:])
        return set(range(k0, k1))

    assert not parts_of(kept) & made  # reused: not made again
    assert parts_of(tampered) <= made  # its part no longer matched its sha256: made again
    assert run.manifest.parts["table_sha256"] == expected


def test_a_chunk_that_fails_twice_saves_nothing_to_s3(s3, out, sandbox_image, no_leftovers,
                                                      tmp_path):  # fmt: skip
    source = saved(tmp_path / "runs", program(fault="raise", fault_part=7))
    with pytest.raises(RerunError) as caught:
        rerun(source, per_table=ROWS, out_root=out, options=SMALL)
    message = str(caught.value)
    assert "chunk chunk-00006-00009 (parts 6..8 of 20) failed 2 times" in message
    assert "boom in part 7" in message and "\n" not in message
    s3.invalidate_cache()
    prefix = out.removeprefix("s3://")
    assert s3.find(f"{prefix}/chunky") == []  # no run, not even a part of one
    # The chunks that were made stay in the work area for the next attempt; the failed one
    # left nothing there.
    made = [p.rsplit("/", 2)[-2] for p in s3.glob(f"{prefix}/.sdgen-work/*/chunks/*/manifest.json")]
    assert made and "chunk-00006-00009" not in made


def test_validation_reads_a_remote_run_and_finds_what_is_wrong(
    s3, out, sandbox_image, no_leftovers, tmp_path
):
    """The same parts validated under another row count: the validator reads them through
    fsspec, counts them and says so."""
    source = saved(tmp_path / "runs", program())
    per_table = {"customers": 1000, "orders": 4000}
    run = rerun(source, per_table=per_table, out_root=out,
                options=ScaleOptions(**{**SMALL.__dict__, "validate": False}))  # fmt: skip
    assert run.manifest.validation == {}
    spec = parse_spec(yaml.safe_load(SPEC))
    tables = {t: f"{run.url}/data/{t}" for t in per_table}
    assert validate(spec, tables, per_table).ok
    wrong = validate(spec, tables, {"customers": 1000, "orders": 4001})
    assert not wrong.ok and "orders: 4,000 rows, expected 4,001" in wrong.as_text()

    # Validated later, as --no-validate promises: the run is opened from its URL alone.
    loaded = sd.load_run(run.url)
    assert isinstance(loaded, RemoteRun) and loaded.url == run.url
    assert loaded.manifest.run_id == run.manifest.run_id
    assert loaded.program == program() and loaded.spec == spec
    assert loaded.table_urls() == tables
    assert loaded.validate().ok
    assert not loaded.validate(rows={"customers": 1000, "orders": 4001}).ok
    done = sdgen("validate", run.url, env={})
    assert done.returncode == 0, done.stderr
    assert "orders: orders/ (4 parts), 4,000 rows" in done.stdout
    done = sdgen("validate", run.url, "--rows", "orders=4001", env={})
    assert done.returncode == 1 and "orders: 4,000 rows, expected 4,001" in done.stdout


def test_a_url_without_a_manifest_is_no_run(s3, out):
    """A run cut short in the store has its parts but no manifest.json (written last)."""
    s3.pipe_file(f"{out}/chunky/r1/data/orders/part-00000.parquet", b"parquet bytes")
    with pytest.raises(RunNotFoundError) as caught:
        sd.load_run(f"{out}/chunky/r1")
    assert str(caught.value) == (
        f"{out}/chunky/r1 is not a saved run: it holds no manifest.json (written last, so a run"
        " cut short has none)"
    )
    s3.pipe_file(f"{out}/chunky/r1/manifest.json", b'{"status": "whatever"}')
    with pytest.raises(RunNotFoundError, match=r"r1/manifest.json is not a run manifest: status"):
        sd.load_run(f"{out}/chunky/r1")
    done = sdgen("validate", f"{out}/chunky/r2", env={})
    assert done.returncode != 0
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .endswith("holds no manifest.json (written last," " so a run cut short has none)")
    )


def test_sdgen_rerun_prints_the_runs_url(s3, out, sandbox_image, no_leftovers, tmp_path):
    source = saved(tmp_path / "runs", program())
    done = sdgen("rerun", str(source), "--rows", "customers=1000", "--rows", "orders=4000",
                 "--workers", "2", "--chunk-rows", "2000", "--out", out,
                 env={"SDGEN_SANDBOX_SPARES": "0"})  # fmt: skip
    assert done.returncode == 0, done.stderr
    url = done.stdout.strip().splitlines()[-1]
    assert url.startswith(f"{out}/chunky/") and "orders: 4000 rows" in done.stderr
    manifest = json.loads(s3.cat_file(f"{url}/manifest.json"))
    assert manifest["parts"]["n"] == 4 and manifest["validation"]["ok"]


def test_a_missing_bucket_is_one_line_and_nothing_runs(s3, tmp_path):
    source = saved(tmp_path / "runs", program())
    with pytest.raises(RerunError) as caught:
        rerun(source, per_table=ROWS, out_root="s3://no-such-bucket/out", options=SMALL)
    assert str(caught.value) == (
        "cannot write to s3://no-such-bucket/out: The specified bucket does not exist"
    )
    with pytest.raises(RerunError, match=r"^cannot open nosuch://x/y: .*nosuch"):
        rerun(source, per_table=ROWS, out_root="nosuch://x/y", options=SMALL)
    assert [p.name for p in (tmp_path / "runs" / "chunky").iterdir()] == [source.name]


def test_a_program_that_cannot_shard_cannot_go_to_a_url(s3, out, tmp_path):
    source = saved(tmp_path / "runs", program().replace("PART_ROWS = 1000", "PART_ROWS = 999 + 1"))
    with pytest.raises(RerunError, match="a URL output needs a program made in parts"):
        rerun(source, per_table=ROWS, out_root=out, options=SMALL)
    s3.invalidate_cache()
    assert s3.find(out.removeprefix("s3://")) == []


def test_an_endpoint_that_does_not_answer_is_one_line_and_nothing_runs(tmp_path, monkeypatch):
    """The store's endpoint is a port on 127.0.0.1 nobody listens on (closed by the test)."""
    import socket

    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    source = saved(tmp_path / "runs", program())
    with store_at(port, tmp_path, monkeypatch), pytest.raises(RerunError) as caught:
        rerun(source, per_table=ROWS, out_root=f"s3://{BUCKET}/out", options=SMALL)
    message = str(caught.value)
    assert message.startswith(f"cannot write to s3://{BUCKET}/out: Could not connect to the")
    assert f"127.0.0.1:{port}" in message and "\n" not in message
    assert [p.name for p in (tmp_path / "runs" / "chunky").iterdir()] == [source.name]
