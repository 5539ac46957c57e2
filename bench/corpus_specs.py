"""The corpus of checks and patterns (``bench/corpus/*.yaml``) as one-table specs in spec v1 form.

Each entry of ``checks.yaml`` becomes a spec with the entry's table (an integer primary key ``id``
in front unless a column is a primary key), the tables its columns reference, and the check as the
table's only rule. Each entry of ``patterns.yaml`` becomes a spec with a table ``records``: the key
``id`` and the pattern's column. ``bench/bench_checks.py`` measures sdgen on them and
``tests/test_corpus.py`` lints them; the spec dicts go through ``codegen.spec.model.parse_spec``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CORPUS = Path(__file__).resolve().parent / "corpus"
CHECKS_FILE = CORPUS / "checks.yaml"
PATTERNS_FILE = CORPUS / "patterns.yaml"
DEFAULT_ROWS = 200
PATTERN_TABLE = "records"
CHECK_KEYS = {"note", "table", "columns", "check", "min_fraction", "rows", "tables", "example"}
PATTERN_KEYS = {"column", "pattern", "note", "unique", "nullable", "rows", "examples"}
ID_COLUMN = {"type": "integer", "primary_key": True}


@dataclass(frozen=True)
class CheckCase:
    """One check of the corpus and the one-table spec that holds it."""

    group: str
    number: int  # 1-based, within its group
    note: str
    table: str
    check: str
    spec: dict[str, Any]  # spec v1 as dicts, for parse_spec
    example: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.group}#{self.number} {self.table}"


@dataclass(frozen=True)
class PatternCase:
    """One pattern of the corpus and the one-table spec that holds it."""

    group: str
    number: int
    note: str
    column: str
    pattern: str
    spec: dict[str, Any]
    examples: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.group}#{self.number} {self.column}"


def _groups(path: Path) -> dict[str, list[dict[str, Any]]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise ValueError(f"{path}: expected a mapping of group name -> list of entries")
    return data


def _unknown_keys(path: Path, where: str, entry: dict[str, Any], allowed: set[str]) -> None:
    extra = set(entry) - allowed
    if extra:
        raise ValueError(f"{path.name}: {where}: unknown keys {sorted(extra)}")


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "corpus"


def load_checks(path: Path = CHECKS_FILE) -> list[CheckCase]:
    """Every check of the corpus, in file order."""
    cases = []
    for group, entries in _groups(path).items():
        for number, entry in enumerate(entries, start=1):
            where = f"{group}#{number}"
            _unknown_keys(path, where, entry, CHECK_KEYS)
            columns = dict(entry["columns"])
            if not any(col.get("primary_key") for col in columns.values()):
                columns = {"id": dict(ID_COLUMN), **columns}
            rule: dict[str, Any] = {"check": entry["check"]}
            if "min_fraction" in entry:
                rule["min_fraction"] = entry["min_fraction"]
            tables = dict(entry.get("tables") or {})
            tables[entry["table"]] = {
                "rows": entry.get("rows", DEFAULT_ROWS),
                "columns": columns,
                "rules": [rule],
            }
            spec = {
                "name": _safe_name(f"corpus-{group}-{number}"),
                "description": entry["note"],
                "tables": tables,
            }
            cases.append(
                CheckCase(
                    group,
                    number,
                    entry["note"],
                    entry["table"],
                    entry["check"],
                    spec,
                    dict(entry.get("example") or {}),
                )
            )
    return cases


def load_patterns(path: Path = PATTERNS_FILE) -> list[PatternCase]:
    """Every pattern of the corpus, in file order."""
    cases = []
    for group, entries in _groups(path).items():
        for number, entry in enumerate(entries, start=1):
            where = f"{group}#{number}"
            _unknown_keys(path, where, entry, PATTERN_KEYS)
            column: dict[str, Any] = {"type": "string", "pattern": entry["pattern"]}
            for flag in ("unique", "nullable"):
                if entry.get(flag):
                    column[flag] = True
            spec = {
                "name": _safe_name(f"corpus-{group}-{number}"),
                "description": entry["note"],
                "tables": {
                    PATTERN_TABLE: {
                        "rows": entry.get("rows", DEFAULT_ROWS),
                        "columns": {"id": dict(ID_COLUMN), entry["column"]: column},
                    }
                },
            }
            examples = tuple(str(e) for e in entry.get("examples") or ())
            cases.append(
                PatternCase(
                    group, number, entry["note"], entry["column"], entry["pattern"], spec, examples
                )
            )
    return cases


def sql_value(value: Any) -> Any:
    """An example value as DuckDB takes it in a parameter (dates and times as ISO text)."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
