"""A realism probe file: ``{probes: [{name, sql, why}, ...]}`` in YAML.

A probe's SQL is one DuckDB SELECT over the run's tables (views named after them) that returns one
row with one boolean column: true when the data looks like the domain there. ``why`` says, in one
line, what someone who knows the domain expects ("a typical family house is 80-200 m2").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from codegen.errors import ProbeError

PROBE_NAME = r"^[a-z][a-z0-9_]*$"  # snake_case: results are keyed by it, in the manifest too


class Probe(BaseModel):
    """One check of realism: a name, its SQL and what it expects, in words."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=PROBE_NAME, description="snake_case, unique in its file")
    sql: str = Field(min_length=1, description="one DuckDB SELECT returning one boolean")
    why: str = Field(min_length=1, description="what an expert expects, one line")

    @field_validator("why")
    @classmethod
    def _one_line(cls, why: str) -> str:
        why = why.strip()
        if "\n" in why:
            raise ValueError("must be one line")
        return why


class ProbeFile(BaseModel):
    """The whole file: its probes, in the order they are run and shown."""

    model_config = ConfigDict(extra="forbid")

    probes: list[Probe] = Field(min_length=1)

    @model_validator(mode="after")
    def _names_unique(self) -> ProbeFile:
        seen: set[str] = set()
        for probe in self.probes:
            if probe.name in seen:
                raise ValueError(f"probe name {probe.name!r} appears twice")
            seen.add(probe.name)
        return self


def load_probes(path: str | Path) -> list[Probe]:
    """The probes of a YAML probe file; ``ProbeError`` with one line saying what is wrong."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ProbeError(f"{path}: cannot read the probe file: {reason}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ProbeError(f"{path}: {where}YAML error: {problem}") from None
    if not isinstance(data, dict):
        kind = "nothing" if data is None else f"a {type(data).__name__}"
        raise ProbeError(f"{path}: expected a mapping with 'probes: [...]', got {kind}")
    try:
        return ProbeFile.model_validate(data).probes
    except ValidationError as exc:
        raise ProbeError(f"{path}: {_first_problem(exc, data)}") from None


def _first_problem(exc: ValidationError, data: Any) -> str:
    """The first problem pydantic found, placed by the probe's name where it has one."""
    error = exc.errors(include_url=False)[0]
    loc = error["loc"]
    where = ""
    for part in loc:
        where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
    if len(loc) >= 2 and loc[0] == "probes" and isinstance(loc[1], int):
        probe = (data.get("probes") or [])[loc[1]]
        if isinstance(probe, dict) and isinstance(probe.get("name"), str):
            where += f" ({probe['name']})"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "string_pattern_mismatch":
        message = "must be snake_case (a-z, 0-9, _; a letter first)"
    return f"{where or 'file'}: {message}"
