"""The text route's questions (templates in ``codegen/prompts/templates/text_*.md``) and the JSON
schemas that keep the replies to them (``response_format``; llama.cpp turns a schema into a
grammar, so even a small model cannot break the format)."""

from __future__ import annotations

from typing import Any

from codegen.llm.client import ChatMessage
from codegen.prompts import render, template_text
from codegen.spec.text import TextField, TextSpec
from codegen.text.labels import Values, balanced_fields

LANGUAGES = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "nl": "Dutch",
    "pt": "Portuguese",
}


def _field_line(name: str, field: TextField, side: str) -> str:
    parts = [f"- {name} ({side})"]
    if field.description:
        parts.append(f": {field.description}")
    notes = []
    if field.values:
        notes.append("one of " + ", ".join(field.values))
    if field.bounds_text():
        notes.append(field.bounds_text())
    if field.code:
        notes.append("code")
    if notes:
        parts.append(f" [{'; '.join(notes)}]")
    return "".join(parts)


def fields_text(spec: TextSpec) -> str:
    lines = [_field_line(n, f, "input") for n, f in spec.inputs.items()]
    lines += [_field_line(n, f, "output") for n, f in spec.outputs.items()]
    return "\n".join(lines)


def batch_messages(
    spec: TextSpec,
    topic: str,
    count: int,
    avoid: list[str] | None = None,
    values: Values = (),
) -> list[ChatMessage]:
    """Ask for ``count`` records about one topic. ``avoid``: why earlier records were rejected
    (said once each, so a regeneration is told what to do differently). ``values``: the value
    every record of the batch has in a balanced field (``text.labels``), said before the model
    writes, so it writes inputs that fit the label."""
    language = LANGUAGES.get(spec.language or "", spec.language or "")
    examples = ""
    if spec.examples:
        import json

        shown = "\n".join(json.dumps(e, ensure_ascii=False) for e in spec.examples[:3])
        examples = f"\nExamples of good records:\n{shown}\n"
    avoid_text = ""
    if avoid:
        avoid_text = "\nEarlier records were rejected because: " + "; ".join(avoid[:5]) + "."
    return conversation(
        template_text("text_system.md").strip(),
        "text_batch.md",
        task=spec.task,
        fields=fields_text(spec),
        language=f"\nWrite in {language}.\n" if language else "",
        examples=examples,
        count=count,
        topic=topic,
        planned=_planned_text(values, count),
        avoid=avoid_text,
        shape=", ".join(f'"{name}": "..."' for name in spec.fields),
    )


def conversation(system: str, template: str, **values: object) -> list[ChatMessage]:
    """A system message and the user's message, ``template`` filled with ``values``."""
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": render(template, **values).strip()},
    ]


def _planned_text(values: Values, count: int) -> str:
    if not values:
        return ""
    said = " and ".join(f'{name} is "{value}"' for name, value in values)
    every = "In every one of these records" if count > 1 else "In this record"
    return f"\n{every}, {said}: write the other fields so that this is the right value."


def batch_schema(spec: TextSpec, count: int, values: Values = ()) -> dict[str, Any]:
    """``{"records": [{field: string, ...}]}``, exactly ``count`` records, allowed values as
    enums (a planned value as the only one). Lengths are checked afterwards (a grammar of word
    counts would be huge)."""
    planned = dict(values)
    properties: dict[str, Any] = {}
    for name, field in spec.fields.items():
        prop: dict[str, Any] = {"type": "string"}
        if name in planned:
            prop["enum"] = [planned[name]]
        elif field.values:
            prop["enum"] = list(field.values)
        properties[name] = prop
    return list_schema("records", object_schema(properties), count)


def object_schema(properties: dict[str, Any]) -> dict[str, Any]:
    """An object with exactly these properties, all required."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def list_schema(key: str, items: dict[str, Any], count: int) -> dict[str, Any]:
    """``response_format`` for ``{key: [item, ...]}`` with exactly ``count`` items."""
    body = object_schema(
        {key: {"type": "array", "items": items, "minItems": count, "maxItems": count}}
    )
    return {"type": "json_schema", "json_schema": {"name": key, "schema": body}}


def topics_messages(spec: TextSpec, count: int, known: list[str]) -> list[ChatMessage]:
    known_text = (
        "Topics it has already: " + "; ".join(known) + "." if known else "It has no topics yet."
    )
    away = ", and far from the topics it has already" if known else ""
    return conversation(
        "You plan varied training data. Answer with JSON only.",
        "text_topics.md",
        task=spec.task,
        known=known_text,
        count=count,
        away=away,
        labels=_topics_across_labels(spec),
    )


def _topics_across_labels(spec: TextSpec) -> str:
    """Planned labels are crossed with the topics (``text.labels``): a topic named after a
    label's value ("hardware issues" for a team label) would pair it with every other value."""
    planned = [
        f"{name} ({', '.join(spec.fields[name].values or [])})" for name in balanced_fields(spec)
    ]
    if not planned:
        return ""
    return (
        f"\nEvery topic must suit every value of {' and of '.join(planned)}: a topic says what "
        "a record is about, never which of these values it has."
    )


def topics_schema(count: int) -> dict[str, Any]:
    return list_schema("topics", {"type": "string"}, count)


def cluster_name_messages(samples: list[str]) -> list[ChatMessage]:
    records = "\n".join(f"- {s[:300]}" for s in samples)
    return conversation(
        "You name groups of texts. Answer with JSON only.", "text_cluster_name.md", records=records
    )


NAME_SCHEMA = {
    "type": "json_schema",
    "json_schema": {
        "name": "cluster_name",
        "schema": {
            "type": "object",
            "properties": {"name": {"type": "string"}},
            "required": ["name"],
            "additionalProperties": False,
        },
    },
}


def classic_messages(spec: TextSpec, count: int) -> list[ChatMessage]:
    """The classic recipe's free-form prompt (the benchmark's baseline): as many pairs as
    possible in the ``Input: ... / Output: ...`` layout, no schema."""
    return [
        {
            "role": "user",
            "content": render(
                "text_classic.md",
                task=spec.task,
                count=count,
                inputs=", ".join(spec.inputs),
                outputs=", ".join(spec.outputs),
            ).strip(),
        }
    ]
