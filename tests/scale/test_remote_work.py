"""The work area of a chunked rerun under a URL, on fsspec's in-memory file system (no server):
only chunks whose manifest is there and whose objects still match their sha256 are reused; a
chunk without its manifest (an upload cut short) and a tampered one are removed; one run at a
time holds it on this machine; the stop flag."""

from __future__ import annotations

import hashlib
import json
import secrets

import pytest

from codegen.errors import RerunError
from codegen.scale.execute import ChunkTask, run_chunk
from codegen.scale.plan import Chunk
from codegen.scale.remote import RemoteWork
from codegen.scale.work import work_key
from sandbox import Limits


@pytest.fixture
def url(isolated_env) -> str:
    return f"memory://sdgen-{secrets.token_hex(4)}/out"


def _chunk(work: RemoteWork, chunk: Chunk, n: int, *, manifest: bool = True) -> None:
    parts = []
    for k in chunk.parts:
        data = f"part {k}".encode()
        file = f"t/part-{k:05d}.parquet"
        work.fs.pipe_file(work.part_path(chunk, file), data)
        parts.append({"table": "t", "part": k, "path": file, "rows": 1,
                      "sha256": hashlib.sha256(data).hexdigest()})  # fmt: skip
    if manifest:
        record = {"status": "ok", "parts_range": [chunk.k0, chunk.k1, n], "parts": parts}
        work.fs.pipe_file(work.part_path(chunk, "manifest.json"), json.dumps(record).encode())


def test_only_complete_intact_chunks_are_reused(url):
    key = work_key("run", "abc", 1, {"t": 10}, 1)
    work = RemoteWork(url, key, {"seed": 1})
    good, tampered, cut_short = Chunk(0, 3), Chunk(3, 6), Chunk(6, 8)
    _chunk(work, good, 10)
    _chunk(work, tampered, 10)
    _chunk(work, cut_short, 10, manifest=False)
    work.fs.pipe_file(work.part_path(tampered, "t/part-00004.parquet"), b"changed")
    where = work.chunk_dir(good)  # a URL for the worker (memory:// writes its root as ///)
    assert where.startswith("memory://") and where.endswith(f"/out/.sdgen-work/{key}/chunks/"
                                                           f"{good.name}")  # fmt: skip
    assert json.loads(work.fs.cat_file(f"{work.path}/work.json")) == {"seed": 1}
    work.release()
    again = RemoteWork(url, key, {})
    done = again.verified(10)
    assert list(done) == [good] and [p["part"] for p in done[good].parts] == [0, 1, 2]
    left = sorted(p.rsplit("/", 1)[-1] for p in again.fs.ls(again.chunks, detail=False))
    assert left == [good.name]
    assert again.verified(11) == {}  # another part count reuses nothing
    again.remove()
    assert not again.fs.exists(again.path)


def test_one_run_at_a_time_holds_a_remote_work_area(url):
    key = work_key("run", "abc", 1, {"t": 10}, 1)
    first = RemoteWork(url, key, {})
    with pytest.raises(RerunError, match=f"another rerun .* is writing to {url}$"):
        RemoteWork(url, key, {})
    first.release()
    RemoteWork(url, key, {}).release()
    RemoteWork(url + "/elsewhere", key, {}).release()  # another URL: another lock


def test_a_stopped_run_starts_no_chunk(url):
    work = RemoteWork(url, work_key("run", "abc", 1, {"t": 10}, 1), {})
    where = work.chunk_dir(Chunk(0, 3))
    task = ChunkTask(program="", rows={"t": 10}, seed=1, k0=0, k1=3, n=10, out_dir=where,
                     job=work.key, limits=Limits())  # fmt: skip
    work.request_stop()
    assert run_chunk(task) == {"ok": False, "error": "stopped", "failure": "stopped",
                               "stopped": True}  # fmt: skip
    work.clear_stop()
    assert not work.fs.exists(f"{work.path}/STOP")
    work.release()
