"""The work directory a chunked rerun resumes from: only chunks whose files still match their
sha256 are reused; half-made and tampered ones are removed; one run at a time holds it."""

from __future__ import annotations

import hashlib
import json

import pytest

from codegen.errors import RerunError
from codegen.scale.plan import Chunk
from codegen.scale.work import WorkDir, work_key


def _chunk(work: WorkDir, chunk: Chunk, n: int, status: str = "ok") -> None:
    directory = work.chunk_dir(chunk)
    (directory / "t").mkdir(parents=True)
    parts = []
    for k in chunk.parts:
        data = f"part {k}".encode()
        (directory / "t" / f"part-{k:05d}.parquet").write_bytes(data)
        parts.append({"table": "t", "part": k, "path": f"t/part-{k:05d}.parquet", "rows": 1,
                      "sha256": hashlib.sha256(data).hexdigest()})  # fmt: skip
    manifest = {"status": status, "parts_range": [chunk.k0, chunk.k1, n], "parts": parts}
    (directory / "manifest.json").write_text(json.dumps(manifest))


def test_only_intact_chunks_are_reused(tmp_path):
    key = work_key("run", "abc", 1, {"t": 10}, 1)
    work = WorkDir(tmp_path, key, {})
    good, tampered, failed = Chunk(0, 3), Chunk(3, 6), Chunk(6, 8)
    for chunk in (good, tampered):
        _chunk(work, chunk, 10)
    _chunk(work, failed, 10, status="failed")
    (work.chunk_dir(tampered) / "t" / "part-00004.parquet").write_bytes(b"changed")
    (work.chunks / ".chunk-00008-00010.tmp-x").mkdir()  # what a killed host leaves
    work.release()
    again = WorkDir(tmp_path, key, {})
    done = again.verified(10)
    assert list(done) == [good] and [p["part"] for p in done[good].parts] == [0, 1, 2]
    assert sorted(p.name for p in again.chunks.iterdir()) == [good.name]
    # Another part count (other rows or part rows would be another key anyway) reuses nothing.
    assert again.verified(11) == {}


def test_one_run_at_a_time_holds_a_work_dir(tmp_path):
    key = work_key("run", "abc", 1, {"t": 10}, 1)
    first = WorkDir(tmp_path, key, {})
    with pytest.raises(RerunError, match="another rerun of the same program"):
        WorkDir(tmp_path, key, {})
    first.release()
    WorkDir(tmp_path, key, {}).release()
    assert work_key("run", "abc", 1, {"t": 10}, 2) != key
