"""A second reading of each record's labels, from its inputs alone.

A small model told to write a "mixed" hotel review often writes a glowing or a scathing one, and
the schema still makes it say "mixed": a set balanced that way teaches a classifier the wrong
answers, which is worse than no balance. So the label of every record (each output field with
allowed values) is asked again in a separate request that shows only the record's inputs, as
JSON constrained to the allowed values, at temperature 0. A record whose second answer differs is
not kept (``judged`` in the report, with both answers) and its slot is asked again, told why.
A reply that cannot be read leaves its records unverified, counted as such, not dropped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from codegen.llm.client import ChatMessage
from codegen.prompts import render
from codegen.spec.text import TextSpec

SNIPPET_CHARS = 600  # an input shown to the judge, at most (a long one is cut)


def judged_fields(spec: TextSpec) -> list[str]:
    """Output fields whose value is a label (allowed values) when the spec asks for checking."""
    if not spec.verify_labels:
        return []
    return [name for name, field in spec.outputs.items() if field.values]


def messages(spec: TextSpec, records: list[dict[str, str]]) -> list[ChatMessage]:
    fields = judged_fields(spec)
    shown = []
    for number, record in enumerate(records, 1):
        inputs = "; ".join(f"{name}: {record[name][:SNIPPET_CHARS]}" for name in spec.inputs)
        shown.append(f"{number}. {inputs}")
    choices = "; ".join(
        f"its {name} (one of {', '.join(spec.outputs[name].values or [])})" for name in fields
    )
    return [
        {"role": "system", "content": "You label data carefully. Answer with JSON only."},
        {
            "role": "user",
            "content": render(
                "text_judge.md",
                task=spec.task,
                count=len(records),
                records="\n".join(shown),
                choices=choices,
                shape=", ".join(f'"{name}": "..."' for name in fields),
            ).strip(),
        },
    ]


def schema(spec: TextSpec, count: int) -> dict[str, Any]:
    fields = judged_fields(spec)
    answer = {
        "type": "object",
        "properties": {name: {"enum": list(spec.outputs[name].values or [])} for name in fields},
        "required": fields,
        "additionalProperties": False,
    }
    body = {
        "type": "object",
        "properties": {
            "answers": {"type": "array", "items": answer, "minItems": count, "maxItems": count}
        },
        "required": ["answers"],
        "additionalProperties": False,
    }
    return {"type": "json_schema", "json_schema": {"name": "labels", "schema": body}}


def read_answers(text: str, spec: TextSpec, count: int) -> list[dict[str, str] | None]:
    """One answer per record, in order; None where the reply has no usable answer for it (a
    server that ignored the schema, a reply cut short)."""
    fields = judged_fields(spec)
    start = text.find("{")
    try:
        value = json.loads(text[start:] if start >= 0 else text)
        answers = value.get("answers") if isinstance(value, dict) else None
    except ValueError:
        answers = None
    read: list[dict[str, str] | None] = []
    for index in range(count):
        item = answers[index] if isinstance(answers, list) and index < len(answers) else None
        usable = isinstance(item, dict) and all(
            item.get(name) in (spec.outputs[name].values or []) for name in fields
        )
        read.append({name: item[name] for name in fields} if usable else None)
    return read


@dataclass(frozen=True)
class Disagreement:
    field: str
    written: str
    judged: str

    @property
    def message(self) -> str:
        return (
            f"{self.field} is '{self.written}' but a second reading of the inputs gives "
            f"'{self.judged}'"
        )

    @property
    def for_prompt(self) -> str:
        return (
            f"records given {self.field} '{self.written}' read as '{self.judged}': write inputs "
            f"that are clearly '{self.written}'"
        )


def disagreements(record: dict[str, str], answer: dict[str, str] | None) -> list[Disagreement]:
    if answer is None:
        return []
    return [
        Disagreement(name, record[name], judged)
        for name, judged in answer.items()
        if record.get(name) != judged
    ]
