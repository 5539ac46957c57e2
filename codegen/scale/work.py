"""A chunked run's work directory: where its chunks land, and what a re-run may reuse.

    <runs root>/.sdgen-work/<key>/
        work.json                the inputs the key stands for
        chunks/chunk-K0-K1/      one chunk: the sandbox's run directory (made by temp + rename),
                                 <table>/part-NNNNN.parquet and manifest.json (status, each part
                                 file with its rows and sha256)
        STOP                     present while a run is being stopped: queued chunks do not start

The key is the sha256 of (source run, program sha256, seed, row counts, part rows): the same
command finds the same directory, and a chunk in it is reused only when its manifest says ok and
every part file it lists still has that sha256.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codegen.errors import RerunError
from codegen.scale.plan import Chunk

WORK_DIR = ".sdgen-work"
STOP = "STOP"
CHUNK_DIR = re.compile(r"^chunk-(\d{5,})-(\d{5,})$")


def work_key(
    source_run: str, program_sha256: str, seed: int, rows: Mapping[str, int], part_rows: int
) -> str:
    text = json.dumps([source_run, program_sha256, int(seed), sorted(rows.items()), int(part_rows)])
    return hashlib.sha256(text.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class DoneChunk:
    chunk: Chunk
    parts: list[dict[str, Any]]  # table, part, file (relative to the chunk dir), rows, sha256
    timings: dict[str, Any]


class WorkDir:
    """One chunked run's work directory, held (an flock, released when the process ends however
    it ends) so that two runs of the same command do not make the same chunks at once."""

    def __init__(self, root: Path, key: str, inputs: Mapping[str, Any]) -> None:
        self.root = Path(root)  # the output location the run is saved under
        self.path = self.root / WORK_DIR / key
        self.key = key
        self.chunks = self.path / "chunks"
        self.chunks.mkdir(parents=True, exist_ok=True)
        self._lock = hold(self.path / "lock", f"is running in {self.path}")
        (self.path / "work.json").write_text(json.dumps(dict(inputs), indent=2), encoding="utf-8")

    def request_stop(self) -> None:
        """Queued chunks must not start (``stopped``, checked by each chunk as it starts)."""
        (self.path / STOP).touch()

    def clear_stop(self) -> None:
        (self.path / STOP).unlink(missing_ok=True)

    def chunk_dir(self, chunk: Chunk) -> Path:
        return self.chunks / chunk.name

    def clear(self, chunk: Chunk) -> None:
        """Remove a failed chunk's directory, so its retry can appear in its place."""
        shutil.rmtree(self.chunk_dir(chunk), ignore_errors=True)

    def verified(self, n: int) -> dict[Chunk, DoneChunk]:
        """Chunks already made and still intact; anything else in ``chunks/`` is removed."""
        from codegen.digest import sha256_file

        done: dict[Chunk, DoneChunk] = {}
        for entry in sorted(self.chunks.iterdir()):
            match = CHUNK_DIR.match(entry.name)
            chunk = Chunk(int(match.group(1)), int(match.group(2))) if match else None
            record = _manifest(entry) if chunk is not None else None
            intact = (
                record is not None
                and record.get("status") == "ok"
                and record.get("parts_range") == [chunk.k0, chunk.k1, n]
                and all(
                    (entry / p["file"]).is_file() and sha256_file(entry / p["file"]) == p["sha256"]
                    for p in record.get("parts", [])
                )
            )
            if intact and not any(overlaps(chunk, other) for other in done):
                timings = record.get("timings") if isinstance(record.get("timings"), dict) else {}
                done[chunk] = DoneChunk(chunk, list(record.get("parts", [])), timings)
            else:
                # half-made (a killed host leaves `.chunk-*.tmp-*`), failed, or tampered with
                with contextlib.suppress(OSError):
                    shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        return done

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        self.release()

    def release(self) -> None:
        if not self._lock.closed:
            self._lock.close()


def hold(lock: Path, where: str) -> Any:
    """The open lock file, held (an flock, released when the process ends however it ends), or
    a ``RerunError`` saying another rerun of the same command holds it (``where``: "is running
    in ...")."""
    handle = open(lock, "a")  # noqa: SIM115 - held for the run's life
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise RerunError(f"another rerun of the same program, seed and rows {where}") from None
    return handle


def stopped(chunk_dir: str) -> bool:
    """Whether the run a chunk belongs to is being stopped (``<work>/STOP`` exists); the chunk
    directory may be a local path or an fsspec URL."""
    from codegen.scale.remote import stopped as remote_stopped
    from codegen.urls import is_url

    if is_url(chunk_dir):
        return remote_stopped(chunk_dir)
    return (Path(chunk_dir).parent.parent / STOP).exists()


def overlaps(a: Chunk, b: Chunk) -> bool:
    return a.k0 < b.k1 and b.k0 < a.k1


def _manifest(directory: Path) -> dict[str, Any] | None:
    try:
        return parse_manifest((directory / "manifest.json").read_bytes())
    except OSError:
        return None


def parse_manifest(text: bytes | str) -> dict[str, Any] | None:
    """A chunk's manifest as data, or None when it is not one (each part's ``path`` checked
    to stay inside the chunk, and given as ``file``)."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("parts", []), list):
        return None
    for part in data.get("parts", []):
        file = part.get("path") if isinstance(part, dict) else None
        if not isinstance(file, str) or ".." in file or file.startswith("/"):
            return None
        part["file"] = file
    return data
