"""The manifest of a saved run (``manifest.json``): one typed record, written and read by every
route (generate, csv, rerun) and by the failed runs kept for inspection.

Fields a route does not know stay at their defaults; fields this version does not know (a newer
sdgen's, or a route's extras) are kept as they are when a manifest is read and written back, so
every manifest ever written still loads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from codegen.errors import RunNotFoundError

Status = Literal["complete", "failed"]
Layout = Literal["files", "parts"]
Route = Literal["program", "csv", "rerun", "text"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="allow")


class FileEntry(_Record):
    """One saved table file and its sha256 (and its CSV copy, when asked for). A run made in
    parts has one entry per part file, several per table."""

    table: str
    file: str  # relative to the run dir: data/<table>.parquet, or data/<table>/part-NNNNN.parquet
    sha256: str
    csv: str | None = None


class AttemptRecord(_Record):
    """One round trip with the model, as saved: where it stopped and why."""

    number: int
    stage: str  # llm, extract, audit, run, validate, accepted (pipeline.attempt.Stage)
    variant: str = "as written"  # which candidate program (pipeline.attempt.Variant)
    failure: str | None = None  # the repair reason's kind (pipeline.attempt.FailureKind)
    error: str | None = None
    prompt_sha256: str = ""
    program_sha256: str | None = None
    model: str = ""
    cached: bool = False
    usage: dict[str, int] = Field(default_factory=dict)
    llm_s: float = 0.0
    run_s: float = 0.0
    validate_s: float = 0.0


class Timings(_Record):
    llm_s: float = 0.0
    run_s: float = 0.0
    generate_s: float = 0.0  # a chunked rerun: containers and part files, up to the last written
    validate_s: float = 0.0
    total_s: float = 0.0
    sandbox: dict[str, Any] = Field(default_factory=dict)  # the last sandbox run's own timings


class Manifest(_Record):
    """What a saved run says about itself."""

    run_id: str = ""
    status: Status = "complete"
    created: str = ""
    name: str = ""
    route: Route = "program"
    program_sha256: str | None = None
    spec_sha256: str | None = None
    files: list[FileEntry] = Field(default_factory=list)
    # where the program came from
    request: str | None = None  # the request in words a spec was drafted from, if any
    draft_attempts: list[AttemptRecord] = Field(default_factory=list)  # drafting that spec
    # typical values asked of the model (pipeline.typical): table, column, answer, kept or why not
    typical: list[dict[str, Any]] = Field(default_factory=list)
    model: str | None = ""
    endpoint_host: str | None = ""
    prompt_sha256: list[str] = Field(default_factory=list)
    usage: dict[str, int] = Field(default_factory=dict)
    attempts: list[AttemptRecord] = Field(default_factory=list)
    audit: dict[str, Any] = Field(default_factory=dict)
    rerun_of: str | None = None
    # what it made
    seed: int = 0
    rows_requested: dict[str, int] = Field(default_factory=dict)
    rows: dict[str, int] = Field(default_factory=dict)
    tables: list[dict[str, Any]] = Field(default_factory=list)  # the sandbox's view: dtypes, bytes
    # "files": data/<table>.parquet; "parts": data/<table>/part-NNNNN.parquet (a chunked rerun)
    layout: Layout = "files"
    # a chunked rerun: n, part_rows, chunks, workers, executor, reused chunks, and per table the
    # sha256 of its content (codegen.scale.hashing: the same whatever the workers or files)
    parts: dict[str, Any] = Field(default_factory=dict)
    validation: dict[str, Any] = Field(default_factory=dict)  # Report.to_dict()
    # realism probes, where measured (codegen.realism): probe name -> {"passed": bool, "value":
    # the probe's answer, "why": what it expects, "error": why it could not answer (if so)};
    # older manifests may say "expected" instead of "why"
    realism: dict[str, Any] = Field(default_factory=dict)
    image: dict[str, Any] = Field(default_factory=dict)
    limits: dict[str, Any] = Field(default_factory=dict)
    timings: Timings = Field(default_factory=Timings)
    versions: dict[str, str] = Field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return self.status == "complete"

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), indent=2, default=str)

    @classmethod
    def read(cls, run_dir: str | Path) -> Manifest:
        """The manifest of the run in ``run_dir``; ``RunNotFoundError`` when there is none."""
        path = Path(run_dir) / "manifest.json"
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise RunNotFoundError(
                f"{run_dir} is not a saved run: cannot read {path.name} ({exc})",
                run_dir=Path(run_dir),
            ) from None
        return cls.parse(text, str(Path(run_dir)), run_dir=Path(run_dir))

    @classmethod
    def parse(cls, text: str, run: str, *, run_dir: Path | None = None) -> Manifest:
        """The manifest in ``text``, read from the run at ``run`` (a directory or a URL, for
        the error's words); ``RunNotFoundError`` when it is no run manifest."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise RunNotFoundError(
                f"{run} is not a saved run: cannot read manifest.json ({exc})", run_dir=run_dir
            ) from None
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "manifest"
            raise RunNotFoundError(
                f"{run}/manifest.json is not a run manifest: {where}: {first['msg']}",
                run_dir=run_dir,
            ) from None
