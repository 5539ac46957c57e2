"""The acceptance check for scale: an accepted program, made in parts, still gives one dataset.

``sdgen rerun --rows 100000000`` makes a saved program's tables in parts, in many containers at
once (``codegen.scale``). So before a program is saved, it is made here in ``PARTS`` parts: once
all in one container (the joined tables must pass every check of the spec: keys and unique values
over all parts, references to rows that exist, the rules), and the last part once more alone in
another container (it must come out byte for byte the same: nothing may carry over from one part
to the next). A program that fails goes back to the model with the difference, like any failure.
A program that does not follow the parts contract at all is not failed: it is saved, and reruns
whole, with the reason in its manifest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codegen.runner import ProgramRunner

PARTS = 3  # enough to have a first, a middle and a last part


@dataclass(frozen=True)
class PartsCheck:
    """What making the program in parts showed. ``error`` is None when it passed (or when the
    program is not chunkable: then ``reason`` says why, in one line)."""

    part_rows: int | None
    reason: str | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        if self.part_rows is None:
            return {"chunkable": False, "reason": self.reason}
        return {"chunkable": True, "part_rows": self.part_rows, "checked_parts": PARTS}


def check_parts(
    runner: ProgramRunner,
    program: str,
    spec: Any,
    rows: dict[str, int],
    seed: int,
    work: Path,
) -> PartsCheck:
    """Make ``program`` in ``PARTS`` parts at ``rows`` and check the parts join into one valid
    dataset and do not depend on each other (see the module's docstring)."""
    from codegen.scale.contract import inspect_program
    from codegen.validation.validator import validate

    found = inspect_program(program)
    if not found.chunkable:
        return PartsCheck(None, reason=found.reason)
    n = PARTS
    together = runner.run(program, work / "parts-together", rows=rows, seed=seed, parts=(0, n, n))
    if not together.ok:
        return PartsCheck(found.part_rows, error=f"Made in {n} parts, {together.error}")
    report = validate(spec, {t.name: t.path for t in together.tables.values()}, rows)
    if not report.ok:
        return PartsCheck(
            found.part_rows,
            error=(
                f"Made in {n} parts (generate(rows, seed, part=(k, {n})) for k = 0..{n - 1}, as a"
                " run of millions of rows is made), the parts joined fail these checks. Keys and"
                " unique values must be unique over all parts, and references must point at"
                " rows of the parent's parts.\n" + report.as_text()
            ),
        )
    alone = runner.run(program, work / "parts-alone", rows=rows, seed=seed, parts=(n - 1, n, n))
    if not alone.ok:
        return PartsCheck(found.part_rows, error=f"Part {n - 1} of {n} made alone: {alone.error}")
    for table, files in together.parts.items():
        last = files[-1] if files else None
        single = alone.parts.get(table, [])
        if last is None or len(single) != 1 or single[0].sha256 != last.sha256:
            return PartsCheck(
                found.part_rows,
                error=(
                    f"Part {n - 1} of {n} of table {table!r} made alone differs from the same part"
                    " made after the others. Nothing may carry over from one part to the next:"
                    " draw each part's random numbers from its own generator, seeded with"
                    " (seed, part), and keep no state between calls."
                ),
            )
    return PartsCheck(found.part_rows)
