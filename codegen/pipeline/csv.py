"""The direct CSV route (the cookbook's first recipe): ask for CSV, parse it, validate, repair.

Good for small tables: no program, so nothing to re-run at another size; the accepted reply's
tables are saved like a run (``data/``, ``manifest.json``, the spec), with ``reply.md`` in place of
``program.py``.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from codegen.errors import GenerationError
from codegen.llm.client import ChatClient, ChatMessage
from codegen.pipeline.attempt import (
    Attempt,
    FailureKind,
    GenerateOptions,
    Progress,
    Provenance,
    Stage,
)
from codegen.pipeline.draft import Draft
from codegen.runs.manifest import Timings
from codegen.runs.run import Run
from codegen.runs.store import save_run
from codegen.spec.model import Spec

CSV_REASONS = {
    FailureKind.NO_CSV: "Your reply had no CSV block.",
    FailureKind.CSV_UNREADABLE: "The CSV could not be read.",
    FailureKind.CSV_TABLES: "Your reply did not have one CSV block per table.",
    FailureKind.VALIDATION: "The CSV tables failed these checks.",
}


def generate_csv(
    client: ChatClient,
    *,
    spec: Spec,
    spec_text: str,
    options: GenerateOptions | None = None,
    progress: Progress | None = None,
    endpoint_host: str = "",
    draft: Draft | None = None,
) -> Run:
    """Ask ``client`` for the tables themselves as CSV, repair until they validate, and save
    them as a run (``reply.md`` in place of a program). Raises ``GenerationError``."""
    from codegen import prompts

    options = options or GenerateOptions()
    say = progress or (lambda line: None)
    first = prompts.csv_messages(spec)
    name = spec.name
    order = spec.generation_order()
    asked = {table: spec.tables[table].rows for table in order}
    attempts: list[Attempt] = []
    options.out_root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".work-{name}-", dir=options.out_root))
    started = time.perf_counter()
    try:
        messages: list[ChatMessage] = list(first)
        for number in range(1, options.max_attempts + 1):
            attempt = Attempt(number=number, prompt_sha256=prompts.prompt_hash(messages))
            attempts.append(attempt)
            say(f"attempt {number}: asking {getattr(client, 'model', 'the model')} for CSV")
            mark = time.perf_counter()
            completion = client.complete(
                messages, temperature=options.temperature, seed=options.seed + number - 1,
                max_tokens=options.max_tokens,
            )  # fmt: skip
            attempt.took(completion, time.perf_counter() - mark)
            folder = work / f"attempt-{number}"
            folder.mkdir()
            outcome = _check(attempt, spec, order, folder)
            if outcome is not None:
                tables, report = outcome
                provenance = Provenance(name, "csv", client, endpoint_host, asked, options, draft)
                manifest = provenance.manifest(attempts)
                manifest.model = attempt.model or getattr(client, "model", "")
                manifest.rows = {table: rows for table, (_, rows) in tables.items()}
                manifest.validation = report.to_dict()
                manifest.timings = Timings(total_s=round(time.perf_counter() - started, 3))
                run_dir = save_run(
                    options.out_root,
                    manifest,
                    program=None,
                    spec_text=spec_text,
                    tables={table: path for table, (path, _) in tables.items()},
                    csv=True,
                    extra_files={"reply.md": attempt.reply},
                )
                say(f"attempt {number}: accepted")
                return Run(run_dir, attempts=attempts)
            if number < options.max_attempts:
                say(f"attempt {number} failed: {attempt.error}; asking for a fix")
                repair = prompts.render(
                    "csv_repair.md",
                    reason=CSV_REASONS[attempt.failure or FailureKind.VALIDATION],
                    messages=attempt.error or "",
                )
                messages = prompts.repair_messages(first, attempt.reply, repair)
        last = attempts[-1]
        raise GenerationError(
            f"no CSV passed after {len(attempts)} attempts; last: {last.error}",
            run_dir=None,
            attempts=attempts,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _check(
    attempt: Attempt, spec: Spec, order: list[str], folder: Path
) -> tuple[dict[str, tuple[Path, int]], Any] | None:
    """Parse the reply's CSV blocks into Parquet files and validate them."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from codegen.errors import ExtractionError
    from codegen.program.extract import extract_csv

    attempt.stage = Stage.EXTRACT
    try:
        blocks = extract_csv(attempt.reply)
    except ExtractionError as exc:
        return attempt.fail(FailureKind.NO_CSV, str(exc))
    if len(blocks) != len(order):
        return attempt.fail(
            FailureKind.CSV_TABLES,
            f"expected {len(order)} CSV blocks (one per table, in this order: "
            f"{', '.join(order)}), got {len(blocks)}",
        )
    tables: dict[str, tuple[Path, int]] = {}
    for table, block in zip(order, blocks, strict=True):
        try:
            data = pacsv.read_csv(io.BytesIO(block.encode("utf-8")))
        except pa.ArrowInvalid as exc:
            return attempt.fail(FailureKind.CSV_UNREADABLE, f"{table}: {str(exc).splitlines()[0]}")
        path = folder / f"{table}.parquet"
        pq.write_table(data, path)
        tables[table] = (path, data.num_rows)
    attempt.stage = Stage.VALIDATE
    from codegen.validation.validator import validate

    report = validate(spec, {table: path for table, (path, _) in tables.items()})
    if not report.ok:
        return attempt.fail(FailureKind.VALIDATION, report.as_text())
    attempt.stage = Stage.ACCEPTED
    return tables, report
