"""The final run of a chunked run saved under an fsspec URL (object storage):

    <URL>/<name>/<run id>/
        data/<table>/part-NNNNN.parquet     (server-side copies of the work area's parts)
        program.py  spec.yaml  manifest.json

Object stores have no rename, so the run cannot appear whole at once as a local one does: the
parts are copied first, then program and spec, and ``manifest.json`` LAST. A run directory
without ``manifest.json`` is not a run (a failure removes what was copied, as far as it can).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from codegen.errors import RunExistsError, RunNotFoundError
from codegen.runs.manifest import FileEntry, Manifest
from codegen.runs.store import new_run_id
from codegen.scale.assemble import completed, in_spec_order, safe_name
from codegen.scale.hashing import table_sha256
from codegen.scale.plan import Chunk
from codegen.scale.remote import RemoteWork, one_line, open_store, store_errors
from codegen.scale.work import DoneChunk

if TYPE_CHECKING:
    from codegen.spec.model import Spec
    from codegen.validation.report import Report
    from codegen.validation.sql import Limits as ValidationLimits


@dataclass(frozen=True)
class RemoteRun:
    """A run saved under a URL: where it is and its manifest; its program, spec and tables are
    read from the store when asked for (``codegen.runs.run.Run`` is the local one)."""

    url: str
    manifest: Manifest

    @classmethod
    def open(cls, url: str) -> RemoteRun:
        """The run saved at ``url``; ``RunNotFoundError`` when the store holds no
        ``manifest.json`` there (written last: without it the run is not complete)."""
        url = url.rstrip("/")
        fs, path = open_store(url)
        try:
            fs.invalidate_cache()
            text = fs.cat_file(f"{path}/manifest.json").decode("utf-8")
        except FileNotFoundError:
            raise RunNotFoundError(
                f"{url} is not a saved run: it holds no manifest.json (written last, so a run"
                " cut short has none)"
            ) from None
        except Exception as exc:  # noqa: BLE001 - any store error is the user's to fix
            raise RunNotFoundError(f"cannot read {url}/manifest.json: {one_line(exc)}") from None
        return cls(fs.unstrip_protocol(path), Manifest.parse(text, url))

    @property
    def rows(self) -> dict[str, int]:
        return dict(self.manifest.rows)

    @cached_property
    def program(self) -> str:
        """The generator program ("" when the run has none)."""
        return self._text("program.py") or ""

    @cached_property
    def spec_text(self) -> str | None:
        return self._text("spec.yaml")

    @cached_property
    def spec(self) -> Spec | None:
        from codegen.spec.model import load_spec

        return load_spec(self.spec_text) if self.spec_text is not None else None

    def table_urls(self) -> dict[str, str]:
        """Each table's directory of part files in the store (what DuckDB, pyarrow and Spark
        read through fsspec)."""
        tables = dict.fromkeys(entry.table for entry in self.manifest.files)
        return {table: f"{self.url}/data/{table}" for table in tables}

    def validate(
        self, *, limits: ValidationLimits | None = None, rows: Mapping[str, int] | None = None
    ) -> Report:
        """Check the tables in the store against the saved spec, now (read in place through
        fsspec); ``rows``: the counts to expect (default: those the run asked for)."""
        from codegen.validation.validator import validate

        if self.spec is None:
            raise RunNotFoundError(f"{self.url} has no spec.yaml to validate against")
        return validate(self.spec, self.table_urls(),
                        rows or self.manifest.rows_requested or None, limits=limits)  # fmt: skip

    def _text(self, name: str) -> str | None:
        fs, path = open_store(self.url)
        try:
            return fs.cat_file(f"{path}/{name}").decode("utf-8")
        except FileNotFoundError:
            return None
        except Exception as exc:  # noqa: BLE001 - any store error is the user's to fix
            raise RunNotFoundError(f"cannot read {self.url}/{name}: {one_line(exc)}") from None


class RemoteTarget:
    """Where a chunked run is saved under an fsspec URL; the interface of
    ``assemble.LocalTarget``."""

    def __init__(self, work: RemoteWork, name: str) -> None:
        self.fs = work.fs
        self.work = work
        self.run_id = new_run_id()
        self.path = f"{work.root}/{safe_name(name)}/{self.run_id}"
        self.url = self.fs.unstrip_protocol(self.path)
        with store_errors(f"cannot save the run to {self.url}"):
            self.fs.invalidate_cache()
            if self.fs.exists(self.path):
                raise RunExistsError(f"run {self.url} already exists")

    def place_parts(
        self, done: dict[Chunk, DoneChunk], order: list[str]
    ) -> tuple[list[FileEntry], dict[str, list[str]]]:
        """Copy every part into ``data/<table>/`` in the store (server-side where it can)."""
        entries: list[tuple[int, FileEntry]] = []
        files: dict[str, list[tuple[int, str]]] = {}
        sources, targets = [], []
        for chunk in sorted(done, key=lambda c: c.k0):
            for part in done[chunk].parts:
                table, number = str(part["table"]), int(part["part"])
                relative = f"data/{table}/part-{number:05d}.parquet"
                sources.append(self.work.part_path(chunk, part["file"]))
                targets.append(f"{self.path}/{relative}")
                entries.append(
                    (number, FileEntry(table=table, file=relative, sha256=part["sha256"]))
                )
                files.setdefault(table, []).append((number, targets[-1]))
        with store_errors(f"cannot save the run to {self.url}"):
            if sources:
                self.fs.copy(sources, targets)
        return in_spec_order(entries, files, order)

    def table_digests(self, files: dict[str, list[str]]) -> dict[str, str]:
        """The content digests, read from the copies in the store (a block at a time)."""
        with store_errors(f"cannot save the run to {self.url}"):
            return {table: table_sha256(paths, self.fs) for table, paths in files.items()}

    def table_dirs(self, tables: list[str]) -> dict[str, str]:
        """Each table's parts, as URLs validation reads through fsspec."""
        return {t: self.fs.unstrip_protocol(f"{self.path}/data/{t}") for t in tables}

    def finish(
        self, manifest: Manifest, *, program: str, spec_text: str | None, files: list[FileEntry]
    ) -> RemoteRun:
        saved = completed(manifest, self.run_id, program=program, spec_text=spec_text,
                          files=files)  # fmt: skip
        with store_errors(f"cannot save the run to {self.url}"):
            self.fs.pipe_file(f"{self.path}/program.py", program.encode())
            if spec_text is not None:
                self.fs.pipe_file(f"{self.path}/spec.yaml", spec_text.encode())
            self.fs.pipe_file(f"{self.path}/manifest.json", saved.to_json().encode())  # LAST
        return RemoteRun(self.url, saved)

    def discard(self) -> None:
        """Remove what was copied (best effort: the store may be what failed)."""
        with contextlib.suppress(Exception):
            self.fs.invalidate_cache()
            self.fs.rm(self.path, recursive=True)
