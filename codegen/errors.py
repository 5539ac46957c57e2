"""Every error sdgen raises on purpose, in one tree.

The CLI turns any ``SdgenError`` into one ``error: ...`` line and exit code 1; a notebook user
catches the branch they care about. Context lives in attributes, not in the wording. The sandbox
package has its own root (``sandbox.SandboxError``: the engine is down, the image is missing),
because ``sandbox/`` never imports ``codegen/``; a program that fails *inside* the sandbox is not an
exception at all but a ``RunResult`` with ``failure`` set.

    SdgenError
     ├── SpecError                  the spec itself is wrong; ``problems``, one line each
     ├── RowsError                  row counts name no table, or are not whole numbers >= 0
     ├── LLMError                   the endpoint; ``base_url``
     │    ├── MissingAPIKeyError
     │    ├── EndpointUnreachableError    ``reason``, ``attempts``
     │    │    └── LLMTimeoutError
     │    ├── LLMStatusError             an HTTP error status; ``status_code``, ``detail``
     │    │    ├── AuthenticationFailedError
     │    │    ├── ModelNotFoundError
     │    │    ├── RateLimitedError
     │    │    ├── EndpointServerError
     │    │    └── RequestRejectedError
     │    └── MalformedReplyError
     ├── ModelError                 the embedded local model
     │    ├── ModelMissingError     not pulled yet, or llama-cpp-python is not installed
     │    ├── ModelSourceError      the source could not deliver (pip failed, HTTP error, disk)
     │    ├── ModelHashMismatchError  the bytes are not the pinned model; ``expected``, ``actual``
     │    └── ModelServerError      would not start, died, or never answered; ``log_tail``
     ├── PromptError                a template is missing or a placeholder has no value (a bug)
     ├── ExtractionError            no usable code (Python or CSV) in a reply
     ├── ProgramSyntaxError         a program is not valid Python; ``line``, ``column``, ``detail``
     ├── ValidationInputError       the tables to validate cannot be located (not a data failure)
     ├── ValidationRunError         DuckDB itself failed while validating
     ├── GenerationError            every attempt failed; ``run_dir`` (kept), ``attempts``
     ├── ProbeError                 a realism probe file cannot be read or is not a probe file
     ├── TextGenerationError        the text route got nothing usable (no topics, no record passed)
     ├── EmbeddingError             no embedding could be made (model files missing or unreadable)
     └── RunError                   a saved run cannot be used
          ├── RunNotFoundError      not a saved run (no readable manifest)
          ├── RunIntegrityError     its program changed since it was saved
          ├── RunExistsError        a run directory is never overwritten
          ├── RerunError            the saved program failed, or its new tables fail validation;
          │                         ``report`` when validation failed
          └── ReportError           the run's HTML report could not be made (DuckDB failed)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class SdgenError(Exception):
    """Root of the errors sdgen raises on purpose; its message is one line a user can act on."""


class SpecError(SdgenError):
    """The spec is wrong; ``problems`` holds every problem found, one line each, place first."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class RowsError(SdgenError):
    """Row counts that name no table of the spec, or are not whole numbers >= 0."""


# --- the LLM endpoint --------------------------------------------------------------------------
class LLMError(SdgenError):
    """The endpoint is down, refuses the key, or answers nonsense."""

    def __init__(self, message: str, *, base_url: str | None = None) -> None:
        super().__init__(message)
        self.base_url = base_url


class MissingAPIKeyError(LLMError):
    pass


class EndpointUnreachableError(LLMError):
    def __init__(self, message: str, *, base_url: str, reason: str, attempts: int) -> None:
        super().__init__(message, base_url=base_url)
        self.reason = reason
        self.attempts = attempts


class LLMTimeoutError(EndpointUnreachableError):
    pass


class LLMStatusError(LLMError):
    """An HTTP error status from the endpoint; ``status_code`` and the server's ``detail`` kept."""

    def __init__(self, message: str, *, base_url: str, status_code: int, detail: str) -> None:
        super().__init__(message, base_url=base_url)
        self.status_code = status_code
        self.detail = detail


class AuthenticationFailedError(LLMStatusError):
    pass


class ModelNotFoundError(LLMStatusError):
    pass


class RateLimitedError(LLMStatusError):
    pass


class EndpointServerError(LLMStatusError):
    pass


class RequestRejectedError(LLMStatusError):
    pass


class MalformedReplyError(LLMError):
    pass


# --- the embedded local model ------------------------------------------------------------------
class ModelError(SdgenError):
    """Something about the embedded local model went wrong."""


class ModelMissingError(ModelError):
    """The model file or the server runtime is not installed."""


class ModelSourceError(ModelError):
    """A model source could not deliver the file."""


class ModelHashMismatchError(ModelError):
    """The fetched file does not have the pinned sha256 (or size)."""

    def __init__(self, message: str, *, expected: str, actual: str) -> None:
        super().__init__(message)
        self.expected = expected
        self.actual = actual


class ModelServerError(ModelError):
    """The local model server would not start, died, or never answered."""

    def __init__(self, message: str, *, log_tail: str = "") -> None:
        super().__init__(message)
        self.log_tail = log_tail


# --- programs and replies ----------------------------------------------------------------------
class PromptError(SdgenError):
    """A template is missing or a placeholder has no value (a bug, not a user error)."""


class ExtractionError(SdgenError):
    """No usable code (Python or CSV) in a reply."""


class ProgramSyntaxError(SdgenError):
    """The program is not valid Python; ``line`` (1-based), ``column`` and ``detail`` say where and
    why, ``source_line`` is the offending line as written."""

    def __init__(self, *, line: int | None, column: int | None, detail: str, source_line: str):
        where = f"line {line}" if line else "an unknown line"
        shown = f": {source_line.strip()}" if source_line.strip() else ""
        super().__init__(f"syntax error at {where}: {detail}{shown}")
        self.line = line
        self.column = column
        self.detail = detail
        self.source_line = source_line


# --- validation and generation -----------------------------------------------------------------
class ValidationInputError(SdgenError):
    """The tables to validate cannot even be located (not a data failure)."""


class ValidationRunError(SdgenError):
    """DuckDB failed while validating (for instance beyond its memory limit)."""


class GenerationError(SdgenError):
    """Every attempt failed; ``run_dir`` holds the failed attempts for inspection."""

    def __init__(self, message: str, *, run_dir: Path | None, attempts: list[Any]) -> None:
        super().__init__(message)
        self.run_dir = run_dir
        self.attempts = attempts


class ProbeError(SdgenError):
    """A realism probe file cannot be read, is not YAML, or is not ``{probes: [...]}``. (A probe
    whose SQL fails is no error: it is reported as not passed, with DuckDB's message.)"""


# --- saved runs --------------------------------------------------------------------------------
class RunError(SdgenError):
    """A saved run cannot be used; ``run_dir`` says which."""

    def __init__(self, message: str, *, run_dir: Path | None = None) -> None:
        super().__init__(message)
        self.run_dir = run_dir


class RunNotFoundError(RunError):
    """Not a saved run: no readable manifest."""


class RunIntegrityError(RunError):
    """A saved file no longer has the sha256 its manifest recorded."""


class RunExistsError(RunError):
    """The run directory exists already; runs are never overwritten."""


class RerunError(RunError):
    """The saved program failed when run again, or its new tables fail validation (``report``)."""

    def __init__(self, message: str, *, run_dir: Path | None = None, report: Any = None) -> None:
        super().__init__(message, run_dir=run_dir)
        self.report = report


class ReportError(RunError):
    """The run's report could not be made: DuckDB failed reading its tables, or the file could not
    be written."""


class TextGenerationError(SdgenError):
    """The text route got nothing to work with: no usable topics, or no record passed."""


class EmbeddingError(SdgenError):
    """No embedding could be made: the model files are missing or unreadable."""
