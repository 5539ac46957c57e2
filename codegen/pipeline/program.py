"""The generation pipeline: the one place that knows the order of the steps.

    spec -> prompt -> LLM reply -> code block -> black -> audit -> sandbox run -> validation
              ^                                                                   |
              +---------- repair prompt (the exact error or failed checks) <------+

Each attempt that fails goes back to the model as a repair request quoting the error (and the
failing lines when known), up to ``max_attempts``. A passing attempt is saved as a run with its
provenance; a generation that never passes saves its attempts under ``failed-<run id>`` only.
"""

from __future__ import annotations

import ast
import platform
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from codegen import __version__
from codegen.errors import SdgenError
from codegen.llm.client import ChatClient, ChatMessage, Completion
from codegen.program.starting import Scaffold
from codegen.runs.store import save_run, sha256_text

Progress = Callable[[str], None]
LINE_IN_ERROR = re.compile(r"\(line (\d+)\)|line (\d+)")


class GenerationError(SdgenError):
    """Every attempt failed; ``run_dir`` holds the failed attempts for inspection."""

    def __init__(self, message: str, *, run_dir: Path | None, attempts: list[Attempt]) -> None:
        super().__init__(message)
        self.run_dir = run_dir
        self.attempts = attempts


@dataclass
class Attempt:
    """One round trip: what was asked, what came back, and where it failed (if it did)."""

    number: int
    prompt_sha256: str
    model: str = ""
    cached: bool = False
    usage: dict[str, int] = field(default_factory=dict)
    llm_s: float = 0.0
    run_s: float = 0.0
    validate_s: float = 0.0
    stage: str = "llm"  # where it stopped: llm, extract, audit, run, validate, accepted
    failure: str | None = None  # repair reason kind (see prompts/repair_reasons.md)
    error: str | None = None
    program: str | None = None
    reply: str = ""
    variant: str = "as written"  # or "blanks filled in" ... (see program_candidates)
    audit: dict[str, Any] = field(default_factory=dict)  # of the program last checked
    lines: str = ""  # the reply's lines of blanks, when it gave lines rather than a program


@dataclass(frozen=True)
class GenerateOptions:
    """How to generate; ``rows`` overrides the spec's counts per table."""

    out_root: Path = Path("generated")
    rows: Mapping[str, int] | None = None
    seed: int = 0
    max_attempts: int = 3
    temperature: float = 0.2
    max_tokens: int = 2048
    ask: str = "program"  # or "blanks": only the starting program's blanks (prompts.ASK_KINDS)
    default_rows: int = 100  # per table, for a request without a spec (the program names them)
    strict_audit: bool = False
    csv: bool = False
    limits: Any = None  # sandbox.Limits; None means the sandbox's defaults


@dataclass
class GenerationResult:
    run_dir: Path
    program: str
    attempts: list[Attempt]
    tables: dict[str, int]  # table -> rows
    manifest: dict[str, Any]


def scaled_rows(spec: Any, rows: int | None, per_table: Mapping[str, int]) -> dict[str, int]:
    """Row counts for a run: the spec's, a bare ``N`` for the tables nothing references (the
    fact tables; lookups keep their size), then explicit ``TABLE=N`` over both."""
    counts = {name: table.rows for name, table in spec.tables.items()}
    if rows is not None:
        referenced = {target for _, _, target, _ in spec.references()}
        for name in counts:
            if name not in referenced:
                counts[name] = rows
    unknown = sorted(set(per_table) - set(counts))
    if unknown:
        raise SdgenError(f"--rows names no table of the spec: {', '.join(unknown)}")
    counts.update(per_table)
    return counts


def generate(
    client: ChatClient,
    *,
    spec: Any = None,
    spec_text: str | None = None,
    request: str | None = None,
    options: GenerateOptions | None = None,
    progress: Progress | None = None,
    endpoint_host: str = "",
) -> GenerationResult:
    """Ask ``client`` for a generator of ``spec`` (or of a free-form ``request``), repair it until
    it runs and validates, and save it. Raises ``GenerationError`` when no attempt passes."""
    from codegen import prompts

    options = options or GenerateOptions()
    say = progress or (lambda line: None)
    scaffold = None
    if spec is not None:
        from codegen.program.scaffold import build_scaffold

        name = spec.name
        scaffold = build_scaffold(spec)
        if options.ask == "blanks" and not scaffold.blanks:
            options = replace(options, ask="program")  # nothing to fill in: the whole program
        first = prompts.spec_messages(spec, ask=options.ask)
        rows = dict(options.rows) if options.rows else scaled_rows(spec, None, {})
    elif request:
        name = name_from_request(request)
        first = prompts.prompt_messages(request, default_rows=options.default_rows)
        rows = dict(options.rows or {})
    else:
        raise SdgenError("generate needs a spec or a request")

    attempts: list[Attempt] = []
    started = time.perf_counter()
    options.out_root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".work-{name}-", dir=options.out_root))
    earlier = ""  # the lines of blanks given so far: a repair reply often gives only the fix
    try:
        messages: list[ChatMessage] = list(first)
        for number in range(1, options.max_attempts + 1):
            attempt = Attempt(number=number, prompt_sha256=prompts.prompt_hash(messages))
            attempts.append(attempt)
            outcome = _attempt(
                client, attempt, messages, spec, rows, options, work, say, scaffold, earlier
            )
            if outcome is not None:
                run_result, report = outcome
                manifest = _manifest(
                    name, client, endpoint_host, attempts, rows, options, run_result, report
                )
                manifest["timings"]["total_s"] = round(time.perf_counter() - started, 3)
                run_dir = save_run(
                    options.out_root,
                    name,
                    program=attempt.program or "",
                    spec_text=spec_text,
                    tables={t.name: t.path for t in run_result.tables.values()},
                    manifest=manifest,
                    csv=options.csv,
                )
                return GenerationResult(
                    run_dir=run_dir,
                    program=attempt.program or "",
                    attempts=attempts,
                    tables={t.name: t.rows for t in run_result.tables.values()},
                    manifest=manifest,
                )
            if attempt.lines:
                earlier += attempt.lines
            if number < options.max_attempts:
                repair = _repair_text(attempt, options.ask if scaffold else "program")
                messages = prompts.repair_messages(first, attempt.reply, repair)
                say(f"attempt {number} failed ({attempt.stage}): {attempt.error}; asking for a fix")
        failed_dir = _save_failed(name, client, endpoint_host, attempts, rows, options, spec_text)
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
    spec: Any,
    rows: dict[str, int],
    options: GenerateOptions,
    work: Path,
    say: Progress,
    scaffold: Scaffold | None = None,
    earlier: str = "",
) -> tuple[Any, Any] | None:
    """Run one attempt through every step; return (run result, report) when it passes.
    ``earlier``: the lines of blanks that earlier replies gave, which this reply's lines add to."""
    from codegen.program.extract import ExtractionError, extract_program
    from codegen.program.format import ProgramSyntaxError

    say(f"attempt {attempt.number}: asking {getattr(client, 'model', 'the model')}")
    mark = time.perf_counter()
    completion: Completion = client.complete(
        messages,
        temperature=options.temperature if attempt.number == 1 else options.temperature + 0.2,
        seed=options.seed + attempt.number - 1,
        max_tokens=options.max_tokens,
    )
    attempt.llm_s = round(time.perf_counter() - mark, 3)
    attempt.reply, attempt.model, attempt.cached = (
        completion.text,
        completion.model,
        completion.cached,
    )
    attempt.usage = completion_usage(completion)
    tokens = attempt.usage.get("completion_tokens", 0)
    source = "cache" if completion.cached else f"{attempt.llm_s:.1f} s"
    say(f"attempt {attempt.number}: reply of {tokens} tokens ({source})")

    attempt.stage = "extract"
    try:
        code = extract_program(completion.text)
    except ExtractionError as exc:
        return _failed(attempt, "truncated" if completion.truncated else "no_code", str(exc))
    except ProgramSyntaxError as exc:
        attempt.program = completion.text
        kind = "truncated" if completion.truncated else "syntax"
        return _failed(attempt, kind, str(exc))

    candidates, missing = program_candidates(code, scaffold, ask=options.ask, earlier=earlier)
    if scaffold is not None and not _is_whole_program(ast.parse(code)):
        attempt.lines = code
    if not candidates:
        attempt.program = code
        return _failed(attempt, "missing_blanks", "not filled in: " + ", ".join(missing))
    # The first candidate is what was asked for; its failure is the one the repair quotes. The
    # others are kept only if they pass: a small model often chooses good values and breaks the
    # code around them, or tunes a number past a rule.
    first_failure: tuple[str | None, str | None, str, str] | None = None
    for number, (variant, program) in enumerate(candidates):
        if number:
            say(f"attempt {attempt.number}: trying {variant}")
        outcome = _check_program(attempt, program, spec, rows, options, work / str(number), say)
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
    code: str, scaffold: Scaffold | None, *, ask: str = "program", earlier: str = ""
) -> tuple[list[tuple[str, str]], list[str]]:
    """The programs to try for one reply, the one asked for first, as (variant, program); and
    the blanks the reply left unfilled.

    ``code`` is the reply's Python: a whole program, or (``ask="blanks"``) just the lines of the
    starting program's blanks. With a starting program, its blanks filled from the reply are
    candidates too: with the reply's own lines for columns the starting program wrote, if it
    gave any, then without them, then with the default numbers. Lines of blanks that ``earlier``
    replies gave count too, unless this reply gives them again."""
    tree = ast.parse(code)
    whole = [("as written", code)] if _is_whole_program(tree) or scaffold is None else []
    if scaffold is None:
        return whole, []
    from codegen.program.blanks import fill_blanks

    if not whole and earlier:
        code = earlier + code  # later lines win

    filled: list[tuple[str, str]] = []
    program, missing = fill_blanks(scaffold, code)
    if program is not None:
        # A reply may keep every default (then the program is the starting one), or give none.
        given = {n.id for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Name)}
        given &= scaffold.names
        variant = "blanks filled in" if given else "starting program as built"
        rewritten, _ = fill_blanks(scaffold, code, columns=True)
        if rewritten is not None and rewritten != program:
            filled.append(("blanks filled in, with its own column lines", rewritten))
        filled.append((variant, program))
        defaults, _ = fill_blanks(scaffold, code, numbers=False)
        if defaults is not None and defaults != program:
            filled.append(("blanks filled in, default numbers", defaults))
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


def _check_program(
    attempt: Attempt,
    program: str,
    spec: Any,
    rows: dict[str, int],
    options: GenerateOptions,
    work: Path,
    say: Progress,
) -> tuple[Any, Any] | None:
    """Placeholders, audit, sandbox run, validation; (run result, report) when all pass."""
    from codegen.program.audit import audit_source
    from sandbox import Limits, run

    attempt.failure = attempt.error = None
    left = placeholder_lines(program)
    if left:
        shown = ", ".join(str(line) for line in left[:5])
        return _failed(attempt, "placeholder", f"`...` is still on line(s) {shown}")

    attempt.stage = "audit"
    audit = audit_source(program)
    attempt.audit = audit.to_dict()
    if options.strict_audit and audit.blocked:
        shown = "; ".join(f"line {f.line}: {f.message}" for f in audit.blocking)
        return _failed(attempt, "audit", shown)

    attempt.stage = "run"
    say(f"attempt {attempt.number}: running the program in the sandbox")
    mark = time.perf_counter()
    result = run(
        program,
        work / f"attempt-{attempt.number}",
        rows=rows,
        seed=options.seed,
        limits=options.limits or Limits(),
    )
    attempt.run_s = round(attempt.run_s + time.perf_counter() - mark, 3)
    if not result.ok:
        kind = _run_failure_kind(result)
        detail = result.error or "the run failed"
        tail = _traceback_tail(result.stderr) if kind == "crash" else ""
        return _failed(attempt, kind, detail + (f"\n{tail}" if tail else ""))

    attempt.stage = "validate"
    mark = time.perf_counter()
    report = _validate(spec, result, rows)
    attempt.validate_s = round(attempt.validate_s + time.perf_counter() - mark, 3)
    if not report.ok:
        return _failed(attempt, "validation", report.as_text())
    attempt.stage = "accepted"
    summary = ", ".join(f"{t.name} {t.rows} rows" for t in result.tables.values())
    say(f"attempt {attempt.number}: accepted ({summary})")
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


def _failed(attempt: Attempt, kind: str, error: str) -> None:
    attempt.failure = kind
    attempt.error = error.strip()
    return None


def _run_failure_kind(result: Any) -> str:
    if result.timed_out:
        return "timeout"
    if result.oom_killed or (result.error or "").startswith("out of memory"):
        return "memory"
    if (result.error or "").startswith("produced no DataFrames"):
        return "no_tables"
    if (result.error or "").startswith("program has a syntax error"):
        return "syntax"
    return "crash"


def _traceback_tail(stderr: str, lines: int = 8) -> str:
    kept = [line for line in stderr.strip().splitlines() if line.strip()]
    return "\n".join(kept[-lines:])


def _validate(spec: Any, result: Any, rows: dict[str, int]) -> Any:
    """The spec's checks, or the generic ones when there is no spec."""
    tables = {t.name: t.path for t in result.tables.values()}
    if spec is not None:
        from codegen.validate.validator import validate

        return validate(spec, tables, rows)
    return GenericReport.of(result)


@dataclass
class GenericReport:
    """Checks for a free-form request: every table has rows and no column is entirely empty."""

    failures: list[str]

    @property
    def ok(self) -> bool:
        return not self.failures

    def as_text(self) -> str:
        return "\n".join(self.failures)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "failures": self.failures}

    @classmethod
    def of(cls, result: Any) -> GenericReport:
        return cls.of_files({t.name: t.path for t in result.tables.values()})

    @classmethod
    def of_files(cls, tables: Mapping[str, Path]) -> GenericReport:
        import pyarrow.parquet as pq

        failures = []
        for name, path in tables.items():
            data = pq.read_table(path)
            if data.num_rows == 0:
                failures.append(f"{name}: the table has no rows")
            for column in data.column_names:
                if data.num_rows and data.column(column).null_count == data.num_rows:
                    failures.append(f"{name}.{column}: every value is null")
        return cls(failures)


def _repair_text(attempt: Attempt, ask: str) -> str:
    from codegen import prompts

    line = None
    if attempt.failure in ("syntax", "crash") and attempt.error:
        match = LINE_IN_ERROR.search(attempt.error.splitlines()[0])
        if match:
            line = int(match.group(1) or match.group(2))
    messages: str | list[str] = attempt.error or ""
    if attempt.failure == "validation":
        messages = (attempt.error or "").splitlines()
    return prompts.repair_prompt(
        attempt.failure or "crash", messages, program=attempt.program, line=line, ask=ask
    )


def completion_usage(completion: Completion) -> dict[str, int]:
    usage = completion.usage
    if usage is None:
        return {}
    if hasattr(usage, "__dataclass_fields__"):
        return {k: int(v or 0) for k, v in asdict(usage).items()}
    return {k: int(v or 0) for k, v in dict(usage).items()}


def _total_usage(attempts: list[Attempt]) -> dict[str, int]:
    total: dict[str, int] = {}
    for attempt in attempts:
        if attempt.cached:
            continue  # a cached reply cost nothing this time
        for key, value in attempt.usage.items():
            total[key] = total.get(key, 0) + value
    return total


def _attempt_records(attempts: list[Attempt]) -> list[dict[str, Any]]:
    return [
        {
            "number": a.number,
            "stage": a.stage,
            "variant": a.variant,
            "failure": a.failure,
            "error": a.error,
            "prompt_sha256": a.prompt_sha256,
            "program_sha256": sha256_text(a.program) if a.program else None,
            "model": a.model,
            "cached": a.cached,
            "usage": a.usage,
            "llm_s": a.llm_s,
            "run_s": a.run_s,
            "validate_s": a.validate_s,
        }
        for a in attempts
    ]


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"sdgen": __version__, "python": platform.python_version()}
    for package in ("openai", "duckdb", "pyarrow", "docker"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            pass
    return found


def _manifest(
    name: str,
    client: ChatClient,
    endpoint_host: str,
    attempts: list[Attempt],
    rows: dict[str, int],
    options: GenerateOptions,
    run_result: Any,
    report: Any,
) -> dict[str, Any]:
    accepted = attempts[-1]
    sandbox = _read_json(run_result.out_dir / "manifest.json")
    return {
        **run_provenance(name, client, endpoint_host, attempts, rows, options),
        "model": accepted.model or getattr(client, "model", ""),
        "rows": {t.name: t.rows for t in run_result.tables.values()},
        "tables": sandbox.get("tables", []),
        "audit": accepted.audit,
        "validation": report.to_dict(),
        "image": sandbox.get("image", {}),
        "limits": sandbox.get("limits", {}),
        "timings": {
            "llm_s": round(sum(a.llm_s for a in attempts), 3),
            "run_s": round(sum(a.run_s for a in attempts), 3),
            "validate_s": round(sum(a.validate_s for a in attempts), 3),
            "sandbox": sandbox.get("timings", {}),
        },
    }


def run_provenance(
    name: str,
    client: ChatClient,
    endpoint_host: str,
    attempts: list[Attempt],
    rows: dict[str, int],
    options: GenerateOptions,
) -> dict[str, Any]:
    """What every generation records, passed or failed."""
    return {
        "name": name,
        "model": getattr(client, "model", ""),
        "endpoint_host": endpoint_host,
        "seed": options.seed,
        "rows_requested": rows,
        "prompt_sha256": [a.prompt_sha256 for a in attempts],
        "usage": _total_usage(attempts),
        "attempts": _attempt_records(attempts),
        "versions": _versions(),
    }


def _save_failed(
    name: str,
    client: ChatClient,
    endpoint_host: str,
    attempts: list[Attempt],
    rows: dict[str, int],
    options: GenerateOptions,
    spec_text: str | None,
) -> Path:
    """Keep what was tried, marked failed, with every attempt's program for inspection."""
    programs = "\n\n".join(
        f"# ---- attempt {a.number}: {a.stage} failed: {(a.error or '').splitlines()[0][:200]}\n"
        + "\n".join(f"# {line}" for line in (a.program or a.reply or "").splitlines())
        for a in attempts
    )
    manifest = run_provenance(name, client, endpoint_host, attempts, rows, options)
    return save_run(
        options.out_root,
        name,
        program=programs + "\n",
        spec_text=spec_text,
        tables={},
        manifest=manifest,
        failed=True,
    )


def _read_json(path: Path) -> dict[str, Any]:
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def name_from_request(request: str) -> str:
    words = re.findall(r"[a-z0-9]+", request.lower())[:4]
    return "_".join(words) or "dataset"
