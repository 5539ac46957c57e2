"""The program route: the one place that knows the order of the steps.

    spec -> prompt -> LLM reply -> code block -> black -> audit -> sandbox run -> validation
              ^                                                                   |
              +---------- repair prompt (the exact error or failed checks) <------+

Each attempt that fails goes back to the model as a repair request quoting the error (and the
failing lines when known), up to ``max_attempts``. A passing attempt is saved as a run with its
provenance; a generation that never passes saves its attempts under ``failed-<run id>`` only.
"""

from __future__ import annotations

import ast
import re
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from codegen.errors import GenerationError
from codegen.llm.client import ChatClient, ChatMessage, Completion
from codegen.pipeline.attempt import (
    Attempt,
    FailureKind,
    GenerateOptions,
    Progress,
    Provenance,
    Stage,
    Variant,
)
from codegen.pipeline.draft import Draft
from codegen.pipeline.parts import check_parts
from codegen.program.starting import Scaffold
from codegen.runner import ProgramRunner
from codegen.runs.manifest import Manifest, Timings
from codegen.runs.run import Run
from codegen.runs.store import save_run
from codegen.spec.model import Spec
from sandbox import Failure, RunResult

LINE_IN_ERROR = re.compile(r"\(line (\d+)\)|line (\d+)")
# The sandbox's kinds that have repair words of their own; any other failure is a crash.
RUN_FAILURES = {
    Failure.TIMEOUT: FailureKind.TIMEOUT,
    Failure.MEMORY: FailureKind.MEMORY,
    Failure.NO_TABLES: FailureKind.NO_TABLES,
    Failure.SYNTAX: FailureKind.SYNTAX,
}


def generate(
    client: ChatClient,
    runner: ProgramRunner,
    *,
    spec: Spec,
    spec_text: str,
    options: GenerateOptions | None = None,
    progress: Progress | None = None,
    endpoint_host: str = "",
    draft: Draft | None = None,
) -> Run:
    """Ask ``client`` for a generator of ``spec``, run it with ``runner``, repair it until it
    runs and validates, and save it (with the ``draft`` it came from, when a request in words
    was drafted into the spec). Raises ``GenerationError`` when no attempt passes."""
    from codegen import prompts
    from codegen.program.scaffold import build_scaffold
    from codegen.spec.rows import row_counts

    options = options or GenerateOptions()
    say = progress or (lambda line: None)
    name = spec.name
    answers: list[Any] = []
    shaped = spec  # the spec the program is made from: with typical values where asked
    if options.typical:
        from codegen.pipeline.follows import with_trends
        from codegen.pipeline.parents import with_each
        from codegen.pipeline.ratings import with_rating_shapes
        from codegen.pipeline.typical import ask_typical

        shaped = with_each(with_rating_shapes(spec, say), say)  # before: a total is not asked
        shaped, answers = ask_typical(client, shaped, seed=options.seed, progress=say)
        shaped = with_trends(shaped, say)
    scaffold = build_scaffold(shaped)
    # Nothing left to fill in (typical values, Faker and the checks made every column): the
    # starting program is tried as built first, with no model call; should it fail, the model
    # is asked for the whole program.
    as_built = options.ask == "blanks" and not scaffold.blanks
    if as_built:
        options = replace(options, ask="program")
    first = prompts.spec_messages(shaped, ask=options.ask)
    rows = row_counts(spec, None, options.rows)
    provenance = Provenance(name, "program", client, endpoint_host, rows, options, draft, answers)

    attempts: list[Attempt] = []
    started = time.perf_counter()
    options.out_root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".work-{name}-", dir=options.out_root))
    earlier = ""  # the lines of blanks given so far: a repair reply often gives only the fix
    checks = _Checks(runner, spec, rows, options, work, say)
    try:
        messages: list[ChatMessage] = list(first)
        for number in range(1, options.max_attempts + 1):
            attempt = Attempt(number=number, prompt_sha256=prompts.prompt_hash(messages))
            attempts.append(attempt)
            outcome = _attempt(
                client, attempt, messages, options, say, checks, scaffold, earlier,
                as_built=as_built and number == 1,
            )  # fmt: skip
            if outcome is not None:
                manifest = _manifest(provenance, attempts, *outcome)
                manifest.timings.total_s = round(time.perf_counter() - started, 3)
                run_result = outcome[0]
                run_dir = save_run(
                    options.out_root,
                    manifest,
                    program=attempt.program or "",
                    spec_text=spec_text,
                    tables={t.name: t.path for t in run_result.tables.values()},
                    csv=options.csv,
                )
                return Run(run_dir, attempts=attempts)
            if attempt.lines:
                earlier += attempt.lines
            if as_built and number == 1:  # the model has not been asked yet: the first request
                say(f"attempt 1 failed ({attempt.stage}): {attempt.error}; asking the model")
            elif number < options.max_attempts:
                repair = _repair_text(attempt, options.ask)
                messages = prompts.repair_messages(first, attempt.reply, repair)
                say(f"attempt {number} failed ({attempt.stage}): {attempt.error}; asking for a fix")
        failed_dir = _save_failed(provenance, attempts, spec_text)
        last = attempts[-1]
        raise GenerationError(
            f"no program passed after {len(attempts)} attempts; last: {last.stage} failed: "
            f"{last.error} (attempts kept in {failed_dir})",
            run_dir=failed_dir,
            attempts=attempts,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _attempt(
    client: ChatClient,
    attempt: Attempt,
    messages: list[ChatMessage],
    options: GenerateOptions,
    say: Progress,
    checks: _Checks,
    scaffold: Scaffold,
    earlier: str = "",
    as_built: bool = False,
) -> tuple[RunResult, Any] | None:
    """Run one attempt through every step; return (run result, report) when it passes.
    ``earlier``: the lines of blanks that earlier replies gave, which this reply's lines add to.
    ``as_built``: the starting program has no blanks; run it without asking the model."""
    if as_built:
        say(f"attempt {attempt.number}: the starting program has nothing to fill in; running it")
        attempt.model = getattr(client, "model", "")
        outcome = checks.check(attempt, scaffold.source, "0")
        attempt.program, attempt.variant = scaffold.source, Variant.STARTING_PROGRAM
        return outcome
    from codegen.errors import ExtractionError, ProgramSyntaxError, RequestRejectedError
    from codegen.program.extract import extract_program

    say(f"attempt {attempt.number}: asking {getattr(client, 'model', 'the model')}")
    mark = time.perf_counter()
    ask = dict(
        temperature=options.temperature if attempt.number == 1 else options.temperature + 0.2,
        seed=options.seed + attempt.number - 1,
        max_tokens=options.max_tokens,
    )
    try:
        completion: Completion = client.complete(messages, **ask)
    except RequestRejectedError as exc:
        # A repair request longer than the model's context (the failed reply was long): the
        # same request without that reply; the repair text still says what went wrong.
        if len(messages) < 4 or "context" not in str(exc).lower():
            raise
        say(f"attempt {attempt.number}: the request is too long for the model; without the reply")
        completion = client.complete([*messages[:-2], messages[-1]], **ask)
    attempt.took(completion, time.perf_counter() - mark)
    tokens = attempt.usage.get("completion_tokens", 0)
    source = "cache" if completion.cached else f"{attempt.llm_s:.1f} s"
    say(f"attempt {attempt.number}: reply of {tokens} tokens ({source})")

    attempt.stage = Stage.EXTRACT
    text = completion.text
    if options.ask == "blanks":
        from codegen.program.blanks import notes_commented

        text = notes_commented(text)
    try:
        code = extract_program(text)
    except ExtractionError as exc:
        kind = FailureKind.TRUNCATED if completion.truncated else FailureKind.NO_CODE
        return attempt.fail(kind, str(exc))
    except ProgramSyntaxError as exc:
        from codegen.program.blanks import closed_list

        closed = closed_list(text) if completion.truncated and options.ask == "blanks" else None
        if closed is None:
            attempt.program = completion.text
            kind = FailureKind.TRUNCATED if completion.truncated else FailureKind.SYNTAX
            return attempt.fail(kind, str(exc))
        # cut off in a list of values: its whole values are kept, the list closed
        say(f"attempt {attempt.number}: cut off in a list; closed after its last whole value")
        code = extract_program(closed)

    if options.ask == "blanks" and not _is_whole_program(ast.parse(code)):
        from codegen.pipeline.more_values import (
            ask_missing_values,
            ask_more_values,
            ask_real_values,
        )

        # a list left out of the reply, or of placeholders ("Airport A"): asked for alone
        code = ask_missing_values(client, code, scaffold, checks.spec, seed=ask["seed"], say=say)
        code = ask_real_values(client, code, scaffold, checks.spec, seed=ask["seed"], say=say)
        # a unique list too short for its rows: more values, before anything is numbered
        code = ask_more_values(
            client, code, scaffold, checks.spec, checks.rows, seed=ask["seed"], say=say
        )
    candidates, missing = program_candidates(code, scaffold, ask=options.ask, earlier=earlier)
    if not _is_whole_program(ast.parse(code)):
        attempt.lines = code
    if not candidates:
        attempt.program = code
        return attempt.fail(FailureKind.MISSING_BLANKS, "not filled in: " + ", ".join(missing))
    # The first candidate is what was asked for; its failure is the one the repair quotes. The
    # others are kept only if they pass: a small model often chooses good values and breaks the
    # code around them, or tunes a number past a rule.
    first_failure: tuple[FailureKind | None, str | None, Stage, str] | None = None
    for number, (variant, program) in enumerate(candidates):
        if number:
            say(f"attempt {attempt.number}: trying {variant}")
        outcome = checks.check(attempt, program, str(number))
        if outcome is not None:
            attempt.program, attempt.variant = program, variant
            return outcome
        if first_failure is None:
            first_failure = (attempt.failure, attempt.error, attempt.stage, program)
    assert first_failure is not None
    attempt.failure, attempt.error, attempt.stage, attempt.program = first_failure
    attempt.variant = candidates[0][0]
    return None


def program_candidates(
    code: str, scaffold: Scaffold, *, ask: str = "program", earlier: str = ""
) -> tuple[list[tuple[Variant, str]], list[str]]:
    """The programs to try for one reply, the one asked for first, as (variant, program); and
    the blanks the reply left unfilled.

    ``code`` is the reply's Python: a whole program, or (``ask="blanks"``) just the lines of the
    starting program's blanks. The starting program's blanks filled from the reply are
    candidates too: with the reply's own lines for columns the starting program wrote, if it
    gave any, then without them, then with the default numbers. Lines of blanks that ``earlier``
    replies gave count too, unless this reply gives them again."""
    tree = ast.parse(code)
    whole = [(Variant.AS_WRITTEN, code)] if _is_whole_program(tree) else []
    from codegen.program.blanks import fill_blanks

    if not whole and earlier:
        code = earlier + code  # later lines win

    filled: list[tuple[Variant, str]] = []
    program, missing = fill_blanks(scaffold, code)
    if program is not None:
        # A reply may keep every default (then the program is the starting one), or give none.
        given = {n.id for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Name)}
        given &= scaffold.names
        variant = Variant.BLANKS_FILLED if given else Variant.STARTING_PROGRAM
        rewritten, _ = fill_blanks(scaffold, code, columns=True)
        if rewritten is not None and rewritten != program:
            filled.append((Variant.OWN_COLUMN_LINES, rewritten))
        filled.append((variant, program))
        defaults, _ = fill_blanks(scaffold, code, numbers=False)
        if defaults is not None and defaults != program:
            filled.append((Variant.DEFAULT_NUMBERS, defaults))
    found = filled + whole if ask == "blanks" else whole + filled
    unique = [(v, p) for n, (v, p) in enumerate(found) if p not in [q for _, q in found[:n]]]
    return unique, missing


def _is_whole_program(tree: object) -> bool:
    """A program defines ``generate`` or imports what it uses; the lines of blanks do neither."""
    body = getattr(tree, "body", [])
    return any(
        isinstance(node, ast.Import | ast.ImportFrom)
        or (isinstance(node, ast.FunctionDef) and node.name == "generate")
        for node in body
    )


class _Checks:
    """Everything after the reply: placeholders, audit, a run with the runner, validation."""

    def __init__(
        self,
        runner: ProgramRunner,
        spec: Any,
        rows: dict[str, int],
        options: GenerateOptions,
        work: Path,
        say: Progress,
    ) -> None:
        self.runner, self.spec, self.rows = runner, spec, rows
        self.options, self.work, self.say = options, work, say

    def check(self, attempt: Attempt, program: str, label: str) -> tuple[RunResult, Any] | None:
        """(run result, report) when the program passes every check; else the attempt says why."""
        from codegen.program.audit import audit_source

        attempt.failure = attempt.error = None
        left = placeholder_lines(program)
        if left:
            shown = ", ".join(str(line) for line in left[:5])
            return attempt.fail(FailureKind.PLACEHOLDER, f"`...` is still on line(s) {shown}")

        attempt.stage = Stage.AUDIT
        audit = audit_source(program)
        attempt.audit = audit.to_dict()
        if self.options.strict_audit and audit.blocked:
            shown = "; ".join(f"line {f.line}: {f.message}" for f in audit.blocking)
            return attempt.fail(FailureKind.AUDIT, shown)

        attempt.stage = Stage.RUN
        self.say(f"attempt {attempt.number}: running the program in the sandbox")
        mark = time.perf_counter()
        out_dir = self.work / label / f"attempt-{attempt.number}"
        result = self.runner.run(program, out_dir, rows=self.rows, seed=self.options.seed)
        attempt.run_s = round(attempt.run_s + time.perf_counter() - mark, 3)
        if not result.ok:
            kind = RUN_FAILURES.get(result.failure, FailureKind.CRASH)  # type: ignore[arg-type]
            detail = result.error or "the run failed"
            tail = _traceback_tail(result.stderr) if kind is FailureKind.CRASH else ""
            return attempt.fail(kind, detail + (f"\n{tail}" if tail else ""))

        attempt.stage = Stage.VALIDATE
        mark = time.perf_counter()
        report = _validate(self.spec, result, self.rows)
        attempt.validate_s = round(attempt.validate_s + time.perf_counter() - mark, 3)
        if not report.ok:
            return attempt.fail(FailureKind.VALIDATION, report.as_text())

        # Saved programs rerun at any size in parts (codegen.scale): made in parts here too.
        self.say(f"attempt {attempt.number}: making the tables in parts, as a large rerun does")
        mark = time.perf_counter()
        # Each attempt's parts in a directory of its own: a second attempt that reaches this
        # check (the first's parts failed) must not find the first's tables there.
        parts_dir = out_dir.with_name(f"{out_dir.name}-parts")
        parts = check_parts(
            self.runner, program, self.spec, self.rows, self.options.seed, parts_dir
        )
        attempt.run_s = round(attempt.run_s + time.perf_counter() - mark, 3)
        attempt.parts = parts.to_dict()
        if parts.error is not None:
            return attempt.fail(FailureKind.PARTS, parts.error)
        attempt.stage = Stage.ACCEPTED
        summary = ", ".join(f"{t.name} {t.rows} rows" for t in result.tables.values())
        self.say(f"attempt {attempt.number}: accepted ({summary})")
        return result, report


def placeholder_lines(program: str) -> list[int]:
    """Lines where the program still holds an ``...`` left from the starting program."""
    try:
        tree = ast.parse(program)
    except SyntaxError:
        return []

    def is_blank(node: ast.AST) -> bool:
        return isinstance(node, ast.Constant) and node.value is Ellipsis

    # Only the starting program's blanks: `x = ...` and `[...]`, not `def f(): ...` or `a[..., 0]`.
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and is_blank(node.value):
            lines.add(node.lineno)
        elif isinstance(node, ast.List) and any(is_blank(item) for item in node.elts):
            lines.add(node.lineno)
    return sorted(lines)


def _traceback_tail(stderr: str, lines: int = 8) -> str:
    kept = [line for line in stderr.strip().splitlines() if line.strip()]
    return "\n".join(kept[-lines:])


def _validate(spec: Spec, result: RunResult, rows: dict[str, int]) -> Any:
    from codegen.validation.validator import validate

    return validate(spec, {t.name: t.path for t in result.tables.values()}, rows)


def _repair_text(attempt: Attempt, ask: str) -> str:
    from codegen import prompts

    line = None
    if attempt.failure in (FailureKind.SYNTAX, FailureKind.CRASH) and attempt.error:
        match = LINE_IN_ERROR.search(attempt.error.splitlines()[0])
        if match:
            line = int(match.group(1) or match.group(2))
    messages: str | list[str] = attempt.error or ""
    if attempt.failure in (FailureKind.VALIDATION, FailureKind.PARTS):
        messages = (attempt.error or "").splitlines()
    return prompts.repair_prompt(
        attempt.failure or FailureKind.CRASH, messages, program=attempt.program, line=line, ask=ask
    )


def _manifest(
    provenance: Provenance, attempts: list[Attempt], run_result: RunResult, report: Any
) -> Manifest:
    accepted = attempts[-1]
    sandbox = _read_json(run_result.out_dir / "manifest.json") if run_result.out_dir else {}
    return provenance.manifest(attempts).model_copy(
        update={
            "model": accepted.model or getattr(provenance.client, "model", ""),
            "rows": {t.name: t.rows for t in run_result.tables.values()},
            "tables": sandbox.get("tables", []),
            "audit": accepted.audit,
            "validation": report.to_dict(),
            "parts": accepted.parts,  # whether and how it reruns in parts (pipeline.parts)
            "image": sandbox.get("image", {}),
            "limits": sandbox.get("limits", {}),
            "timings": Timings(
                llm_s=round(sum(a.llm_s for a in attempts), 3),
                run_s=round(sum(a.run_s for a in attempts), 3),
                validate_s=round(sum(a.validate_s for a in attempts), 3),
                sandbox=sandbox.get("timings", {}),
            ),
        }
    )


def _save_failed(provenance: Provenance, attempts: list[Attempt], spec_text: str) -> Path:
    """Keep what was tried, marked failed, with every attempt's program for inspection."""
    programs = "\n\n".join(
        f"# ---- attempt {a.number}: {a.stage} failed: {(a.error or '').splitlines()[0][:200]}\n"
        + "\n".join(f"# {line}" for line in (a.program or a.reply or "").splitlines())
        for a in attempts
    )
    return save_run(
        provenance.options.out_root,
        provenance.manifest(attempts),
        program=programs + "\n",
        spec_text=spec_text,
        tables={},
        failed=True,
    )


def _read_json(path: Path) -> dict[str, Any]:
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
