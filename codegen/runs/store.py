"""Saved runs: ``ROOT/<spec name>/<run id>/`` with program.py, spec.yaml, data/, manifest.json.

A run directory appears complete or not at all: it is written under a temporary name in the same
parent and renamed into place, and an existing run is never overwritten. Failed generations are
kept for inspection under ``failed-<run id>`` with ``"status": "failed"`` in their manifest.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import shutil
from collections.abc import Mapping
from pathlib import Path

from codegen.digest import sha256_file, sha256_text
from codegen.errors import RunExistsError
from codegen.runs.manifest import FileEntry, Manifest

SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def new_run_id() -> str:
    """Sortable by time, unique without coordination: 20261125-004100-3fa9c2."""
    now = dt.datetime.now(dt.UTC)
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def save_run(
    root: str | os.PathLike[str],
    manifest: Manifest,
    *,
    program: str | None,
    spec_text: str | None,
    tables: Mapping[str, Path],
    csv: bool = False,
    failed: bool = False,
    run_id: str | None = None,
    extra_files: Mapping[str, str] | None = None,
) -> Path:
    """Write one run under ``root/<manifest.name>/`` and return its directory. ``tables`` maps
    table name -> Parquet file; the manifest's identity, hashes and file list are filled in here."""
    run_id = run_id or new_run_id()
    parent = Path(root) / (SAFE_NAME.sub("_", manifest.name).strip("._") or "dataset")
    parent.mkdir(parents=True, exist_ok=True)
    final = parent / (f"failed-{run_id}" if failed else run_id)
    if final.exists():
        raise RunExistsError(
            f"run directory {final} already exists; runs are never overwritten", run_dir=final
        )
    building = parent / f".tmp-{run_id}-{secrets.token_hex(2)}"
    building.mkdir()
    try:
        if program is not None:
            (building / "program.py").write_text(program, encoding="utf-8")
        for filename, text in (extra_files or {}).items():
            (building / Path(filename).name).write_text(text, encoding="utf-8")
        if spec_text is not None:
            (building / "spec.yaml").write_text(spec_text, encoding="utf-8")
        data = building / "data"
        data.mkdir()
        files = []
        for table, source in tables.items():
            target = data / f"{table}.parquet"
            shutil.copyfile(source, target)
            entry = FileEntry(table=table, file=f"data/{target.name}", sha256=sha256_file(target))
            if csv:
                csv_path = data / f"{table}.csv"
                write_csv(target, csv_path)
                entry.csv = f"data/{csv_path.name}"
            files.append(entry)
        saved = manifest.model_copy(
            update={
                "run_id": run_id,
                "status": "failed" if failed else "complete",
                "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "program_sha256": sha256_text(program) if program is not None else None,
                "spec_sha256": sha256_text(spec_text) if spec_text is not None else None,
                "files": files,
            }
        )
        (building / "manifest.json").write_text(saved.to_json(), encoding="utf-8")
        os.rename(building, final)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return final


def write_csv(parquet: Path, target: Path) -> None:
    """CSV through Arrow's writer (several times faster than pandas.to_csv)."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    pacsv.write_csv(pq.read_table(parquet), target)
