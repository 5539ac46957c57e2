"""A second reading of each record's labels, from its inputs alone.

A small model told to write a "mixed" hotel review often writes a glowing or a scathing one, and
the schema still makes it say "mixed": a set balanced that way teaches a classifier the wrong
answers, which is worse than no balance. So the label of every record (each output field with
allowed values) is asked again in a separate request that shows only the record's inputs, as
JSON constrained to the allowed values, at temperature 0. A record whose second answer differs is
not kept (``judged`` in the report, with both answers) and its slot is asked again, told why.
A reply that cannot be read leaves its records unverified, counted as such, not dropped.

Agreement near chance cannot tell a writer whose inputs do not carry the label from a reader
that cannot read it; either way the records say nothing about the label. The 1.5B model asked
to triage helpdesk messages by priority and team agreed with itself on 5 of 88 records. So each
label's agreement is counted against chance (``Agreement``) and, once it has proved no better,
the run says so once and the report keeps it: the records still go (a set of labels nobody can
read back is noise), and the user learns to drop the label's check or use a stronger model.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from codegen.llm.client import ChatMessage
from codegen.spec.text import TextSpec
from codegen.text.labels import shares_of
from codegen.text.prompts import conversation, list_schema, object_schema

SNIPPET_CHARS = 600  # an input shown to the judge, at most (a long one is cut)
MIN_READ = 10  # records read again before a label's agreement is judged
MARGIN = 0.1  # agreement above chance a second reading must reach not to be flagged


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
    return conversation(
        "You label data carefully. Answer with JSON only.",
        "text_judge.md",
        task=spec.task,
        count=len(records),
        records="\n".join(shown),
        choices=choices,
        shape=", ".join(f'"{name}": "..."' for name in fields),
    )


def schema(spec: TextSpec, count: int) -> dict[str, Any]:
    labels = {name: {"enum": list(spec.outputs[name].values or [])} for name in judged_fields(spec)}
    return list_schema("answers", object_schema(labels), count)


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


def disagreements(
    record: dict[str, str], answer: dict[str, str] | None, fields: list[str]
) -> list[Disagreement]:
    if answer is None:
        return []
    return [
        Disagreement(name, record[name], answer[name])
        for name in fields
        if record.get(name) != answer[name]
    ]


@dataclass
class Agreement:
    """How often each label's second reading agreed with the record, against chance (the sum of
    the squared shares of its values: what a reader answering at random would reach)."""

    chance: dict[str, float]
    agreed: Counter[str] = field(default_factory=Counter)
    read: Counter[str] = field(default_factory=Counter)
    flagged: dict[str, str] = field(default_factory=dict)  # label -> why it is flagged

    @classmethod
    def of(cls, spec: TextSpec) -> Agreement:
        shares = {name: shares_of(spec.outputs[name]) for name in judged_fields(spec)}
        return cls({name: round(sum(s**2 for s in by.values()), 4) for name, by in shares.items()})

    def count(self, record: dict[str, str], answer: dict[str, str]) -> None:
        for name in self.chance:
            self.read[name] += 1
            self.agreed[name] += record.get(name) == answer.get(name)

    def review(self) -> list[str]:
        """Flag labels whose second reading has proved no better than chance; a line for each
        newly flagged."""
        lines = []
        for name, chance in self.chance.items():
            if name in self.flagged or self.read[name] < MIN_READ:
                continue
            rate = self.agreed[name] / self.read[name]
            if rate < chance + MARGIN:
                self.flagged[name] = (
                    f"the second reading of {name} agrees on {self.agreed[name]} of "
                    f"{self.read[name]} records ({rate:.0%}), not clearly better than chance "
                    f"({chance:.0%}): the model cannot write or read this label reliably; set "
                    "verify_labels: false to keep its records unchecked, or use a stronger model"
                )
                lines.append(self.flagged[name])
        return lines

    def record(self) -> dict[str, Any]:
        return {
            name: {
                "agreed": self.agreed[name],
                "read": self.read[name],
                "chance": chance,
                "flagged": self.flagged.get(name),
            }
            for name, chance in self.chance.items()
        }
