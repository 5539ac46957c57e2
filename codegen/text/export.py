"""Fine-tuning files: OpenAI's chat format, one ``{"messages": [system, user, assistant]}`` a
line, each line checked as it is written (valid JSON, the three roles in order, no empty
content), and a held-out split."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from codegen.spec.text import TextSpec


class ChatTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["system", "user", "assistant"]
    content: str = Field(min_length=1)


class ChatExample(BaseModel):
    """One fine-tuning example as OpenAI's chat fine-tuning takes it."""

    model_config = ConfigDict(extra="forbid")

    messages: list[ChatTurn] = Field(min_length=3, max_length=3)


def side_text(fields: dict[str, str], names: list[str]) -> str:
    """One side of a record as a message: a lone field's text as it is; several as
    ``name: value`` lines (inputs) — the same layout the fine-tuned model will be sent."""
    if len(names) == 1:
        return fields[names[0]]
    return "\n".join(f"{name}: {fields[name]}" for name in names)


def chat_example(spec: TextSpec, fields: dict[str, str]) -> dict[str, Any]:
    outputs = list(spec.outputs)
    assistant = (
        fields[outputs[0]]
        if len(outputs) == 1
        else json.dumps({n: fields[n] for n in outputs}, ensure_ascii=False)
    )
    example = {
        "messages": [
            {"role": "system", "content": spec.export_system_prompt},
            {"role": "user", "content": side_text(fields, list(spec.inputs))},
            {"role": "assistant", "content": assistant},
        ]
    }
    ChatExample.model_validate(example)
    return example


def split_indices(n: int, valid_fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """(train, valid) indices: a seeded shuffle, at least one record in each split when there
    are two or more and a fraction is asked for."""
    order = list(range(n))
    random.Random(seed).shuffle(order)
    n_valid = round(n * valid_fraction)
    if valid_fraction > 0 and n >= 2:
        n_valid = min(max(n_valid, 1), n - 1)
    return sorted(order[n_valid:]), sorted(order[:n_valid])


def write_jsonl(path: Path, examples: list[dict[str, Any]]) -> int:
    """Write one example a line; each is read back and checked before the file counts."""
    with path.open("w", encoding="utf-8") as handle:
        for example in examples:
            line = json.dumps(example, ensure_ascii=False)
            ChatExample.model_validate_json(line)
            handle.write(line + "\n")
    return len(examples)


def read_jsonl(path: Path) -> list[ChatExample]:
    """A fine-tuning file read back and checked line by line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [ChatExample.model_validate_json(line) for line in lines if line.strip()]
