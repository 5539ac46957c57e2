"""A ``ProgramRunner`` with no sandbox, for fast tests of the orchestration only: it runs the
sandbox's own harness in this process (same program contract, same Parquet and manifest, same
failure kinds), so the attempt loop can be tested without Docker. It isolates nothing; real
programs always go through ``SandboxRunner``, which is tested on the real Docker engine."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import time
from collections.abc import Mapping
from pathlib import Path

from sandbox import Failure, PartFile, RunResult, TableFile, harness

HARNESS_KINDS = {
    "syntax": Failure.SYNTAX,
    "no_tables": Failure.NO_TABLES,
    "memory": Failure.MEMORY,
    "parts": Failure.PARTS,
}


class InProcessRunner:
    def __init__(self) -> None:
        self.programs: list[str] = []  # every program run, in order

    def run(
        self,
        program: str,
        out_dir: Path,
        *,
        rows: Mapping[str, int],
        seed: int,
        parts: tuple[int, int, int] | None = None,
    ) -> RunResult:
        self.programs.append(program)
        out_dir.mkdir(parents=True)
        path = out_dir / "program.py"
        path.write_text(program, encoding="utf-8")
        stdout, stderr = io.StringIO(), io.StringIO()
        started = time.perf_counter()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            asked = ["--parts", "{}:{}/{}".format(*parts)] if parts else []
            code = harness.main([str(path), str(out_dir), "--rows", json.dumps(dict(rows)),
                                 "--seed", str(seed), *asked])  # fmt: skip
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
        error = manifest.get("error") or {}
        part_files: dict[str, list[PartFile]] = {}
        for entry in manifest.get("parts") or []:  # a run in parts: each table a directory
            path = out_dir / entry["file"]  # hashed here, as the sandbox's host side does
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            part_files.setdefault(entry["table"], []).append(
                PartFile(entry["table"], entry["part"], path, entry["rows"], entry["bytes"], digest)
            )
        tables = {
            entry["name"]: TableFile(
                name=entry["name"],
                path=out_dir / entry.get("file", entry["name"]),
                rows=entry["rows"],
                columns=entry["columns"],
                dtypes=entry["dtypes"],
                bytes=entry["bytes"],
                sha256=entry.get("sha256", ""),
            )
            for entry in manifest.get("tables", [])
        }
        return RunResult(
            parts_range=parts,
            parts=part_files if code == 0 else {},
            error=error.get("message") if code else None,
            failure=HARNESS_KINDS.get(error.get("kind"), Failure.CRASH) if code else None,
            exit_code=code,
            stdout=stdout.getvalue(),
            stderr=stderr.getvalue(),
            duration_s=time.perf_counter() - started,
            tables=tables,
            harness=manifest,
            out_dir=out_dir,
        )
