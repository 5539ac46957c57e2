"""A ``ProgramRunner`` with no sandbox, for fast tests of the orchestration only: it runs the
sandbox's own harness in this process (same program contract, same Parquet and manifest, same
failure kinds), so the attempt loop can be tested without Docker. It isolates nothing; real
programs always go through ``SandboxRunner``, which is tested on the real Docker engine."""

from __future__ import annotations

import contextlib
import io
import json
import time
from collections.abc import Mapping
from pathlib import Path

from sandbox import Failure, RunResult, TableFile, harness

HARNESS_KINDS = {"syntax": Failure.SYNTAX, "no_tables": Failure.NO_TABLES, "memory": Failure.MEMORY}


class InProcessRunner:
    def __init__(self) -> None:
        self.programs: list[str] = []  # every program run, in order

    def run(self, program: str, out_dir: Path, *, rows: Mapping[str, int], seed: int) -> RunResult:
        self.programs.append(program)
        out_dir.mkdir(parents=True)
        path = out_dir / "program.py"
        path.write_text(program, encoding="utf-8")
        stdout, stderr = io.StringIO(), io.StringIO()
        started = time.perf_counter()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = harness.main([str(path), str(out_dir), "--rows", json.dumps(dict(rows)),
                                 "--seed", str(seed)])  # fmt: skip
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
        error = manifest.get("error") or {}
        tables = {
            entry["name"]: TableFile(
                name=entry["name"],
                path=out_dir / entry["file"],
                rows=entry["rows"],
                columns=entry["columns"],
                dtypes=entry["dtypes"],
                bytes=entry["bytes"],
                sha256=entry["sha256"],
            )
            for entry in manifest.get("tables", [])
        }
        return RunResult(
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
