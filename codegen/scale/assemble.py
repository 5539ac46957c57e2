"""The final run directory of a chunked run: built under a temporary name beside the others,
validated in place if asked, renamed into place only when whole (``LocalTarget``; under a URL,
``publish.RemoteTarget``).

    generated/<name>/<run id>/
        program.py  spec.yaml  manifest.json
        data/<table>/part-NNNNN.parquet     (a dataset DuckDB, pandas, Polars, Spark, Arrow read)
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
from pathlib import Path
from typing import Any

from codegen.digest import sha256_text
from codegen.errors import RunExistsError
from codegen.runs.manifest import FileEntry, Manifest
from codegen.runs.run import Run
from codegen.runs.store import SAFE_NAME, new_run_id
from codegen.scale.hashing import table_sha256
from codegen.scale.plan import Chunk
from codegen.scale.work import DoneChunk, WorkDir


class LocalTarget:
    """Where a chunked run is saved on a local file system: built under a temporary name,
    renamed into place when whole. ``publish.RemoteTarget`` is its object-storage twin."""

    def __init__(self, work: WorkDir, name: str) -> None:
        self.work = work
        self.building, self.run_id = building_dir(work.root, name)

    def place_parts(
        self, done: dict[Chunk, DoneChunk], order: list[str]
    ) -> tuple[list[FileEntry], dict[str, list[Path]]]:
        return place_parts(self.building, self.work, done, order)

    def table_digests(self, files: dict[str, list[Path]]) -> dict[str, str]:
        return table_digests(files)

    def table_dirs(self, tables: list[str]) -> dict[str, Path]:
        """Each table's directory of parts, for validation to read in place."""
        return {t: self.building / "data" / t for t in tables}

    def finish(
        self, manifest: Manifest, *, program: str, spec_text: str | None, files: list[FileEntry]
    ) -> Run:
        return Run(finish(self.building, self.run_id, manifest, program=program,
                          spec_text=spec_text, files=files))  # fmt: skip

    def discard(self) -> None:
        shutil.rmtree(self.building, ignore_errors=True)


def safe_name(name: str) -> str:
    return SAFE_NAME.sub("_", name).strip("._") or "dataset"


def building_dir(root: Path, name: str) -> tuple[Path, str]:
    run_id = new_run_id()
    parent = Path(root) / safe_name(name)
    parent.mkdir(parents=True, exist_ok=True)
    building = parent / f".tmp-{run_id}-{secrets.token_hex(2)}"
    building.mkdir()
    return building, run_id


def place_parts(
    building: Path, work: WorkDir, done: dict[Chunk, DoneChunk], order: list[str]
) -> tuple[list[FileEntry], dict[str, list[Path]]]:
    """Link (or copy) every part file into ``building/data/<table>/``; the file list and the
    tables in ``order`` (the spec's), each table's parts in part order."""
    entries: list[tuple[int, FileEntry]] = []
    files: dict[str, list[tuple[int, Path]]] = {}
    for chunk in sorted(done, key=lambda c: c.k0):
        for part in done[chunk].parts:
            table, number = str(part["table"]), int(part["part"])
            source = work.chunk_dir(chunk) / part["file"]
            target = building / "data" / table / f"part-{number:05d}.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(source, target)  # the work dir keeps its copy until the run is saved
            except OSError:
                shutil.copyfile(source, target)
            relative = f"data/{table}/{target.name}"
            entries.append((number, FileEntry(table=table, file=relative, sha256=part["sha256"])))
            files.setdefault(table, []).append((number, target))
    return in_spec_order(entries, files, order)


def in_spec_order(
    entries: list[tuple[int, FileEntry]], files: dict[str, list[tuple[int, Any]]], order: list[str]
) -> tuple[list[FileEntry], dict[str, list[Any]]]:
    """The placed parts' file entries and each table's parts (paths or URLs), tables in the
    spec's ``order`` (others after, by name), parts by number."""
    rank = {table: i for i, table in enumerate(order)}
    tables = sorted(files, key=lambda t: (rank.get(t, len(rank)), t))
    ordered = {t: [p for _, p in sorted(files[t])] for t in tables}
    entries.sort(key=lambda e: (rank.get(e[1].table, len(rank)), e[1].table, e[0]))
    return [e for _, e in entries], ordered


def table_digests(files: dict[str, list[Path]]) -> dict[str, str]:
    return {table: table_sha256(paths) for table, paths in files.items()}


def completed(
    manifest: Manifest,
    run_id: str,
    *,
    program: str,
    spec_text: str | None,
    files: list[FileEntry],
) -> Manifest:
    """The manifest a finished run is saved with."""
    return manifest.model_copy(
        update={
            "run_id": run_id,
            "status": "complete",
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "program_sha256": sha256_text(program),
            "spec_sha256": sha256_text(spec_text) if spec_text is not None else None,
            "files": files,
        }
    )


def finish(
    building: Path,
    run_id: str,
    manifest: Manifest,
    *,
    program: str,
    spec_text: str | None,
    files: list[FileEntry],
) -> Path:
    """Write program, spec and manifest into ``building`` and rename it to ``<run id>``."""
    final = building.parent / run_id
    if final.exists():
        raise RunExistsError(f"run directory {final} already exists", run_dir=final)
    (building / "program.py").write_text(program, encoding="utf-8")
    if spec_text is not None:
        (building / "spec.yaml").write_text(spec_text, encoding="utf-8")
    saved = completed(manifest, run_id, program=program, spec_text=spec_text, files=files)
    (building / "manifest.json").write_text(saved.to_json(), encoding="utf-8")
    os.rename(building, final)
    return final
