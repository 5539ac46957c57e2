"""A request in words becomes a spec first: the model drafts it as JSON constrained by a schema
(the endpoint's ``response_format``, so the reply always parses on servers that honour it), the
spec's own linter checks it, and the problems go back to the model until it passes.

The draft's form (``DraftSpec``) is the spec v1 shape with lists instead of name-keyed maps and
one rule form, which small models fill in far more reliably; ``to_spec_data`` turns it into the
spec's dict. Everything after the draft is the spec route: the run saves the drafted
``spec.yaml`` and validates against it.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from codegen.errors import SpecError
from codegen.llm.client import ChatClient, ChatMessage
from codegen.pipeline.attempt import Attempt, Progress, Stage
from codegen.spec.model import Spec, parse_spec

DRAFT_MAX_TOKENS = 3000


class DraftColumn(BaseModel):
    name: str
    type: Literal["integer", "float", "string", "boolean", "date", "datetime"]
    description: str
    primary_key: bool = False
    references: str | None = None
    unique: bool = False
    nullable: bool = False
    min: float | int | str | None = None
    max: float | int | str | None = None
    values: list[str | int | float] | None = None
    pattern: str | None = None


class DraftRule(BaseModel):
    kind: Literal["check", "increasing", "decreasing"]
    check: str | None = None
    columns: list[str] | None = None


class DraftTable(BaseModel):
    name: str
    rows: int
    description: str
    columns: list[DraftColumn]
    rules: list[DraftRule] = []


class DraftSpec(BaseModel):
    name: str
    description: str
    tables: list[DraftTable]


def response_format() -> dict[str, Any]:
    """The draft's JSON schema, in the form OpenAI-compatible endpoints take."""
    return {
        "type": "json_schema",
        "json_schema": {"name": "dataset_spec", "schema": DraftSpec.model_json_schema()},
    }


def to_spec_data(draft: DraftSpec) -> dict[str, Any]:
    """The spec v1 mapping of a draft (unset keys left out, so the linter sees what was said)."""
    tables: dict[str, Any] = {}
    for table in draft.tables:
        columns: dict[str, Any] = {}
        for column in table.columns:
            data = column.model_dump(exclude={"name"}, exclude_defaults=True)
            data["type"] = column.type
            columns[column.name] = data
        rules = []
        for rule in table.rules:
            if rule.kind == "check" and rule.check:
                rules.append({"check": rule.check})
            elif rule.kind != "check" and rule.columns:
                rules.append({rule.kind: list(rule.columns)})
        tables[table.name] = {
            "rows": table.rows,
            "description": table.description,
            "columns": columns,
            **({"rules": rules} if rules else {}),
        }
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", draft.name).strip("._-") or "dataset"
    return {"name": name, "description": draft.description, "tables": tables}


@dataclass
class Draft:
    """A drafted spec and the attempts it took."""

    spec: Spec
    request: str
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def yaml(self) -> str:
        return self.spec.to_yaml()


def draft_messages(request: str) -> list[ChatMessage]:
    """The first messages of a draft (what ``--dry-run`` shows for a request in words)."""
    from codegen import prompts

    return [
        {"role": "system", "content": prompts.render("draft_system.md")},
        {"role": "user", "content": prompts.render("draft.md", request=request.strip())},
    ]


def draft_spec(
    client: ChatClient,
    request: str,
    *,
    max_attempts: int = 3,
    seed: int = 0,
    progress: Progress | None = None,
) -> Draft:
    """Ask ``client`` for a spec of ``request``; lint it and ask again with the problems until it
    passes. Raises ``SpecError`` (the last draft's problems) when no draft passes."""
    from codegen import prompts

    say = progress or (lambda line: None)
    first = draft_messages(request)
    messages = list(first)
    attempts: list[Attempt] = []
    problems: list[str] = []
    for number in range(1, max_attempts + 1):
        attempt = Attempt(number=number, prompt_sha256=prompts.prompt_hash(messages))
        attempts.append(attempt)
        say(f"drafting the spec, attempt {number}: asking {getattr(client, 'model', 'the model')}")
        mark = time.perf_counter()
        completion = client.complete(
            messages,
            temperature=0.2 if number == 1 else 0.4,
            seed=seed + number - 1,
            max_tokens=DRAFT_MAX_TOKENS,
            response_format=response_format(),
        )
        attempt.took(completion, time.perf_counter() - mark)
        attempt.stage = Stage.VALIDATE
        problems = _problems(completion.text, last=number == max_attempts)
        if isinstance(problems, Spec):
            attempt.stage = Stage.ACCEPTED
            say(f"drafted spec {problems.name!r}: {', '.join(problems.tables)}")
            return Draft(problems, request, attempts)
        attempt.error = "\n".join(problems)
        say(f"draft {number} has {len(problems)} problem(s): {problems[0]}")
        messages = [
            *first,
            {"role": "assistant", "content": completion.text},
            {
                "role": "user",
                "content": prompts.render(
                    "draft_repair.md", problems="\n".join(f"- {p}" for p in problems[:12])
                ),
            },
        ]
    raise SpecError([f"no drafted spec passed after {max_attempts} attempts", *problems])


def _problems(reply: str, *, last: bool = False) -> Spec | list[str]:
    """The spec, or what is wrong with the reply, one line each. Constraints on a column that
    the linter refuses (a pattern on a number, min above max) are dropped rather than sent back:
    a small model tends to repeat them. On the ``last`` attempt, refused rules and references
    are dropped too: a spec without them beats none."""
    try:
        data = json.loads(_json_text(reply))
    except ValueError as exc:
        return [f"the reply is not JSON: {exc}"]
    try:
        draft = DraftSpec.model_validate(data)
    except ValidationError as exc:
        return [
            f"{'.'.join(str(part) for part in error['loc']) or 'the reply'}: {error['msg']}"
            for error in exc.errors()[:12]
        ]
    spec_data = mend(to_spec_data(draft))
    for dropping in (False, True):
        try:
            return parse_spec(spec_data)
        except SpecError as exc:
            problems = exc.problems
        if dropping or not drop_refused(spec_data, problems, rules=last):
            return problems
    return problems


_COLUMN_KEY = re.compile(
    r"^tables\.(\w+)\.columns\.([^.:]+)\.(pattern|values|min|max|unique|nullable|references)\b"
)
_MIN_OVER_MAX = re.compile(r"^tables\.(\w+)\.columns\.([^.:]+): min .* is greater than max")
_RULE = re.compile(r"^tables\.(\w+)\.rules\[(\d+)\]")


def drop_refused(data: dict[str, Any], problems: list[str], *, rules: bool) -> list[str]:
    """Remove from ``data`` the constraints the linter's ``problems`` point at (column keys; with
    ``rules``, also rules and references); returns what was dropped."""
    dropped: list[str] = []
    doomed_rules: dict[str, set[int]] = {}
    for problem in problems:
        if found := _MIN_OVER_MAX.match(problem):
            column = data["tables"][found[1]]["columns"].get(found[2], {})
            column.pop("min", None), column.pop("max", None)
            dropped.append(f"{found[1]}.{found[2]} min/max")
        elif (found := _COLUMN_KEY.match(problem)) and (rules or found[3] != "references"):
            data["tables"][found[1]]["columns"].get(found[2], {}).pop(found[3], None)
            dropped.append(f"{found[1]}.{found[2]} {found[3]}")
        elif rules and (found := _RULE.match(problem)):
            doomed_rules.setdefault(found[1], set()).add(int(found[2]))
            dropped.append(f"{found[1]} rule {int(found[2]) + 1}")
    for table, indexes in doomed_rules.items():
        kept = [r for n, r in enumerate(data["tables"][table].get("rules", [])) if n not in indexes]
        data["tables"][table]["rules"] = kept
    return dropped


def mend(data: dict[str, Any]) -> dict[str, Any]:
    """What the draft prompt asks for, done where a small model left it out: every table has an
    integer ``id`` primary key, a reference to a table alone points at its ``id``, and a date,
    time or number drafted as text with a pattern is of its own type."""
    for table in data["tables"].values():
        columns = table["columns"]
        if not any(column.get("primary_key") for column in columns.values()):
            if "id" in columns and columns["id"].get("type") == "integer":
                columns["id"]["primary_key"] = True
            elif "id" not in columns:
                table["columns"] = {"id": {"type": "integer", "primary_key": True}, **columns}
        for name, column in table["columns"].items():
            target = column.get("references")
            if isinstance(target, str) and "." not in target and target in data["tables"]:
                column["references"] = f"{target}.id"
            retyped = _typed_text(name, column)
            if retyped is not None:  # a time written as text: the type it is
                column["type"] = retyped
                for key in ("pattern", "values", "unique"):
                    column.pop(key, None)
    return data


# What a small model writes as text with a pattern, and what it is: a start time as
# "2024-05-01 08:30" (datetime), a date, a coordinate as "52.37" (float).
_TEXT_SAMPLES = (
    ("datetime", ("2024-05-01 08:30", "2024-05-01 08:30:00", "2024-05-01T08:30:00")),
    ("date", ("2024-05-01",)),
    ("float", ("52.37", "-4.9")),
)
_TIME_SUFFIXES = ("_at", "_time", "_datetime", "_timestamp")
_DATE_SUFFIXES = ("_date", "_on", "_day")


def _typed_text(name: str, column: dict[str, Any]) -> str | None:
    """The type a drafted text column really holds: a date, a time or a number its pattern
    accepts samples of (and no words), or a time its name says with no pattern or list; None
    when it is text."""
    if column.get("type") != "string" or column.get("primary_key") or column.get("references"):
        return None
    pattern = column.get("pattern")
    if isinstance(pattern, str):
        try:
            accepts = re.compile(pattern).fullmatch
        except re.error:
            return None
        if accepts("word") or accepts("Some words"):
            return None
        for kind, samples in _TEXT_SAMPLES:
            if any(accepts(sample) for sample in samples):
                return kind
        return None
    if column.get("values") is None:
        lowered = name.lower()
        if lowered.endswith(_TIME_SUFFIXES):
            return "datetime"
        if lowered.endswith(_DATE_SUFFIXES):
            return "date"
    return None


def _json_text(reply: str) -> str:
    """The JSON object in a reply: whole when constrained, else inside a fence or braces."""
    text = reply.strip()
    fenced = re.search(r"```(?:json)?\s*(.*?)```", text, flags=re.S)
    if fenced:
        text = fenced.group(1).strip()
    start, end = text.find("{"), text.rfind("}")
    return text[start : end + 1] if start >= 0 and end > start else text
