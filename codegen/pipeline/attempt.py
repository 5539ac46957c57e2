"""One attempt of a route (ask, check, run, validate) as data, and what every saved run records
about its attempts, passed or failed."""

from __future__ import annotations

import platform
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from codegen import __version__
from codegen.digest import sha256_text
from codegen.llm.client import ChatClient, Completion
from codegen.runs.manifest import AttemptRecord, Manifest, Route

Progress = Callable[[str], None]  # one line of news at a time; nothing in the API prints


class Stage(StrEnum):
    """Where an attempt got to (the last stage it entered)."""

    LLM = "llm"
    EXTRACT = "extract"
    AUDIT = "audit"
    RUN = "run"
    VALIDATE = "validate"
    ACCEPTED = "accepted"


class Variant(StrEnum):
    """Which program made from a reply was tried (see ``program.program_candidates``)."""

    AS_WRITTEN = "as written"
    OWN_COLUMN_LINES = "blanks filled in, with its own column lines"
    BLANKS_FILLED = "blanks filled in"
    STARTING_PROGRAM = "starting program as built"
    DEFAULT_NUMBERS = "blanks filled in, default numbers"


class FailureKind(StrEnum):
    """Why an attempt failed: picks the repair prompt's opening words (prompts/templates/
    repair_reasons.md, and the CSV route's own)."""

    NO_CODE = "no_code"
    SYNTAX = "syntax"
    TRUNCATED = "truncated"
    AUDIT = "audit"
    CRASH = "crash"
    TIMEOUT = "timeout"
    MEMORY = "memory"
    NO_TABLES = "no_tables"
    VALIDATION = "validation"
    PARTS = "parts"  # valid whole, but not when made in parts (as a large rerun makes it)
    PLACEHOLDER = "placeholder"
    MISSING_BLANKS = "missing_blanks"
    NO_CSV = "no_csv"
    CSV_UNREADABLE = "csv_unreadable"
    CSV_TABLES = "csv_tables"


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
    stage: Stage = Stage.LLM
    failure: FailureKind | None = None
    error: str | None = None
    program: str | None = None
    reply: str = ""
    variant: Variant = Variant.AS_WRITTEN
    audit: dict[str, Any] = field(default_factory=dict)  # of the program last checked
    lines: str = ""  # the reply's lines of blanks, when it gave lines rather than a program
    parts: dict[str, Any] = field(default_factory=dict)  # pipeline.parts.PartsCheck.to_dict()

    def fail(self, kind: FailureKind, error: str) -> None:
        """Mark the attempt failed (returns None, so a check can ``return attempt.fail(...)``)."""
        self.failure = kind
        self.error = error.strip()

    def took(self, completion: Completion, seconds: float) -> None:
        """Record the model's reply."""
        self.llm_s = round(seconds, 3)
        self.reply, self.model, self.cached = completion.text, completion.model, completion.cached
        self.usage = completion_usage(completion)

    def record(self) -> AttemptRecord:
        return AttemptRecord(
            number=self.number,
            stage=self.stage,
            variant=self.variant,
            failure=self.failure,
            error=self.error,
            prompt_sha256=self.prompt_sha256,
            program_sha256=sha256_text(self.program) if self.program else None,
            model=self.model,
            cached=self.cached,
            usage=self.usage,
            llm_s=self.llm_s,
            run_s=self.run_s,
            validate_s=self.validate_s,
        )


@dataclass(frozen=True)
class GenerateOptions:
    """How to generate; ``rows`` overrides the spec's counts per table."""

    out_root: Path = Path("generated")
    rows: dict[str, int] | None = None
    seed: int = 0
    max_attempts: int = 3
    temperature: float = 0.2
    max_tokens: int = 2048
    ask: str = "program"  # or "blanks": only the starting program's blanks (prompts.ASK_KINDS)
    strict_audit: bool = False
    csv: bool = False
    typical: bool = False  # ask the model for typical values first (pipeline.typical)


def completion_usage(completion: Completion) -> dict[str, int]:
    usage = completion.usage
    if usage is None:
        return {}
    if hasattr(usage, "__dataclass_fields__"):
        return {k: int(v or 0) for k, v in asdict(usage).items()}
    return {k: int(v or 0) for k, v in dict(usage).items()}


def total_usage(attempts: list[Attempt]) -> dict[str, int]:
    total: dict[str, int] = {}
    for attempt in attempts:
        if attempt.cached:
            continue  # a cached reply cost nothing this time
        for key, value in attempt.usage.items():
            total[key] = total.get(key, 0) + value
    return total


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"sdgen": __version__, "python": platform.python_version()}
    for package in ("openai", "duckdb", "pyarrow", "docker"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            pass
    return found


@dataclass(frozen=True)
class Provenance:
    """Where a generation's programs come from: what every manifest of it records, passed or
    failed, whatever its route."""

    name: str
    route: Route
    client: ChatClient
    endpoint_host: str
    rows: dict[str, int]
    options: GenerateOptions
    draft: Any = None  # pipeline.draft.Draft: the request in words the spec was drafted from
    typical: list[Any] = field(default_factory=list)  # pipeline.typical.TypicalAnswer

    def manifest(self, attempts: list[Attempt]) -> Manifest:
        drafted = list(self.draft.attempts) if self.draft is not None else []
        return Manifest(
            name=self.name,
            route=self.route,
            request=self.draft.request if self.draft is not None else None,
            draft_attempts=[a.record() for a in drafted],
            typical=[a.record() for a in self.typical],
            model=getattr(self.client, "model", ""),
            endpoint_host=self.endpoint_host,
            seed=self.options.seed,
            rows_requested=self.rows,
            prompt_sha256=[a.prompt_sha256 for a in attempts],
            usage=total_usage(drafted + attempts + list(self.typical)),
            attempts=[a.record() for a in attempts],
            versions=versions(),
        )
