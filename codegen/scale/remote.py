"""A chunked run's work area in object storage: an fsspec URL (``s3://bucket/prefix``) that the
workers share when they share no file system (a Dask cluster with object storage).

    <URL>/.sdgen-work/<key>/
        work.json                the inputs the key stands for
        chunks/chunk-K0-K1/      one chunk: <table>/part-NNNNN.parquet, then manifest.json LAST
                                 (object stores have no rename: the manifest marks it complete)
        STOP                     present while a run is being stopped: queued chunks do not start

The same layout and rules as ``work.WorkDir`` (a chunk is reused only when its manifest says ok
and every part still has its sha256), with the same small interface. A chunk is made by the
sandbox into a local temporary directory on the worker, then uploaded (``upload_chunk``).

Credentials never travel with a task: each side opens the URL with ``fsspec.core.url_to_fs``,
so fsspec finds them where it usually does (``FSSPEC_S3_KEY``/``FSSPEC_S3_SECRET``/
``FSSPEC_S3_ENDPOINT_URL``, the AWS config files and environment, instance roles).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import posixpath
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from codegen.errors import RerunError, RunExistsError
from codegen.scale.plan import Chunk
from codegen.scale.work import CHUNK_DIR, WORK_DIR, DoneChunk, hold, overlaps, parse_manifest
from codegen.urls import filesystem

STOP = "STOP"
READ_BLOCK = 1 << 20  # bytes held at a time while hashing an object


def open_store(url: str) -> tuple[Any, str]:
    """The fsspec file system of ``url`` and the path in it; ``RerunError`` in one line when
    the URL's protocol is unknown or its package (s3fs, gcsfs, ...) is not installed."""
    try:
        return filesystem(url)
    except (ImportError, ValueError) as exc:
        raise RerunError(f"cannot open {url}: {one_line(exc)}") from None


def one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


@contextlib.contextmanager
def store_errors(doing: str) -> Iterator[None]:
    """A store that fails (network, credentials, permissions, a missing bucket) is a
    ``RerunError`` in one line: ``<doing>: <the store's first line>``."""
    try:
        yield
    except (RerunError, RunExistsError):
        raise
    except Exception as exc:  # noqa: BLE001 - any store error is the user's to fix
        raise RerunError(f"{doing}: {one_line(exc)}") from None


def stopped(chunk_url: str) -> bool:
    """Whether the run this chunk belongs to is being stopped (``<work>/STOP`` exists)."""
    fs, path = open_store(chunk_url)
    flag = posixpath.join(posixpath.dirname(posixpath.dirname(path.rstrip("/"))), STOP)
    fs.invalidate_cache()  # another process wrote it: ask the store, not this process's listing
    return bool(fs.exists(flag))


def upload_chunk(local_dir: Path, parts: list[dict[str, Any]], chunk_url: str) -> None:
    """Put a chunk made locally at ``chunk_url``: its part files, then its manifest LAST (the
    mark of a complete chunk), after removing what an earlier attempt left there."""
    fs, path = open_store(chunk_url)
    path = path.rstrip("/")
    fs.invalidate_cache()
    with contextlib.suppress(FileNotFoundError):
        fs.rm(path, recursive=True)
    sources = [str(local_dir / part["file"]) for part in parts]
    targets = [f"{path}/{part['file']}" for part in parts]
    if sources:
        fs.put(sources, targets)
    fs.put_file(str(local_dir / "manifest.json"), f"{path}/manifest.json")


def sha256_object(fs: Any, path: str) -> str:
    """The sha256 of one stored object, read in blocks (bounded memory)."""
    with fs.open(path, "rb", block_size=READ_BLOCK) as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


class RemoteWork:
    """One chunked run's work area under an fsspec URL (see the module's docstring).

    Held with a local flock under the user cache directory, keyed by URL and key: two runs of
    the same command on this machine do not make the same chunks at once. It does not guard two
    clients on different machines writing the same work area (object stores have no lock)."""

    def __init__(self, url: str, key: str, inputs: Mapping[str, Any]) -> None:
        from codegen.paths import cache_dir

        self.fs, root = open_store(url)
        self.url = url.rstrip("/")
        self.key = key
        self.root = root.rstrip("/")  # the output location, as a path in ``fs``
        self.path = f"{self.root}/{WORK_DIR}/{key}"
        self.chunks = f"{self.path}/chunks"
        locks = cache_dir() / "locks"
        locks.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha256(f"{self.url}\0{key}".encode()).hexdigest()[:20]
        self._lock = hold(locks / f"{name}.lock", f"is writing to {self.url}")
        try:  # the first write: a missing bucket, bad credentials or no endpoint show here
            with store_errors(f"cannot write to {self.url}"):
                inputs_json = json.dumps(dict(inputs), indent=2).encode()
                self.fs.pipe_file(f"{self.path}/work.json", inputs_json)
        except BaseException:
            self.release()
            raise

    def chunk_dir(self, chunk: Chunk) -> str:
        """Where a chunk goes: a URL, handed to the worker that makes it."""
        return self.fs.unstrip_protocol(f"{self.chunks}/{chunk.name}")

    def clear(self, chunk: Chunk) -> None:
        """Remove what a failed chunk left, so its retry starts clean (the worker does too)."""
        with store_errors(f"cannot write to {self.url}"):
            self.fs.invalidate_cache()
            with contextlib.suppress(FileNotFoundError):
                self.fs.rm(f"{self.chunks}/{chunk.name}", recursive=True)

    def verified(self, n: int) -> dict[Chunk, DoneChunk]:
        """Chunks already made and still intact; anything else under ``chunks/`` is removed.
        A store that cannot be read is a ``RerunError`` (nothing is removed for it)."""
        with store_errors(f"cannot read the work area in {self.url}"):
            return self._verified(n)

    def _verified(self, n: int) -> dict[Chunk, DoneChunk]:
        self.fs.invalidate_cache()
        try:
            entries = sorted(self.fs.ls(self.chunks, detail=False))
        except FileNotFoundError:
            entries = []
        done: dict[Chunk, DoneChunk] = {}
        for entry in entries:
            match = CHUNK_DIR.match(posixpath.basename(entry.rstrip("/")))
            chunk = Chunk(int(match.group(1)), int(match.group(2))) if match else None
            record = self._manifest(entry) if chunk is not None else None
            intact = (
                record is not None
                and record.get("status") == "ok"
                and record.get("parts_range") == [chunk.k0, chunk.k1, n]
                and all(
                    self._holds(f"{entry}/{p['file']}", p["sha256"])
                    for p in record.get("parts", [])
                )
            )
            if intact and not any(overlaps(chunk, other) for other in done):
                timings = record.get("timings") if isinstance(record.get("timings"), dict) else {}
                done[chunk] = DoneChunk(chunk, list(record.get("parts", [])), timings)
            else:  # half-uploaded (no manifest), failed, or tampered with
                with contextlib.suppress(FileNotFoundError):
                    self.fs.rm(entry, recursive=True)
        return done

    def _manifest(self, entry: str) -> dict[str, Any] | None:
        try:
            return parse_manifest(self.fs.cat_file(f"{entry}/manifest.json"))
        except FileNotFoundError:  # not complete: its upload was cut short
            return None

    def _holds(self, path: str, sha256: Any) -> bool:
        try:
            return sha256_object(self.fs, path) == sha256
        except FileNotFoundError:
            return False

    def part_path(self, chunk: Chunk, file: str) -> str:
        return f"{self.chunks}/{chunk.name}/{file}"

    def request_stop(self) -> None:
        """Queued chunks must not start. Best effort: this runs while a run is being stopped,
        perhaps because the store failed, and the containers are stopped by label anyway."""
        with contextlib.suppress(Exception):
            self.fs.pipe_file(f"{self.path}/{STOP}", b"")

    def clear_stop(self) -> None:
        with store_errors(f"cannot write to {self.url}"):
            with contextlib.suppress(FileNotFoundError):
                self.fs.rm_file(f"{self.path}/{STOP}")

    def remove(self) -> None:
        """Remove the work area once its run is saved (what cannot be removed only costs space:
        the same command would verify it again)."""
        with contextlib.suppress(Exception):
            self.fs.invalidate_cache()
            self.fs.rm(self.path, recursive=True)
        self.release()

    def release(self) -> None:
        if not self._lock.closed:
            self._lock.close()
