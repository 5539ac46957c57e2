"""Text specs (``kind: text``): input/output records for fine-tuning a model, read by the same
loader as table specs (duplicate keys refused, every problem listed with its place and a
did-you-mean for a misspelt key).

    name: product-descriptions
    kind: text
    task: Write the description an online shop shows for a product.
    records: 300
    inputs:
      product_name: {description: the product's name, min_words: 1, max_words: 8}
      category: {values: [Kitchen, Garden, Toys]}
    outputs:
      description: {min_words: 30, max_words: 90}
    topics: [cookware, garden tools]       # or: propose_topics: 8
    system_prompt: You write product descriptions for an online shop.

``load_text_spec`` returns a frozen ``TextSpec`` or raises ``SpecError``; ``load_any_spec`` reads
either kind by its ``kind`` key.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from codegen.errors import SpecError
from codegen.spec.model import (
    NAME_PATTERN,
    SPEC_NAME_PATTERN,
    Spec,
    _did_you_mean,
    _field_lines,
    explain,
    parse_spec,
    read_yaml,
)

__all__ = [
    "DedupSettings",
    "DiversityTargets",
    "TextField",
    "TextSpec",
    "load_any_spec",
    "load_text_spec",
    "parse_text_spec",
    "text_spec_reference",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TextField(_Model):
    """One input or output field of a record: a piece of text."""

    description: str | None = Field(None, description="What the field holds, for the LLM.")
    min_words: int | None = Field(None, ge=0, description="Fewest words a value may have.")
    max_words: int | None = Field(None, ge=1, description="Most words a value may have.")
    min_chars: int | None = Field(None, ge=0, description="Fewest characters a value may have.")
    max_chars: int | None = Field(None, ge=1, description="Most characters a value may have.")
    values: list[str] | None = Field(
        None, min_length=1, description="The only values allowed (a label, a category)."
    )
    code: StrictBool = Field(
        False,
        description="The field holds code (SQL, JSON), not prose: no language check, and its "
        "words are counted as whitespace-separated tokens.",
    )
    balance: StrictBool | None = Field(
        None,
        description="Plan how many records get each allowed value (`shares`, default even) and "
        "ask each batch for one value, so no value is missing or rare by chance. Default: on "
        "for an output with `values` (a label), off for an input (a category that the topics "
        "decide).",
    )
    shares: dict[str, float] | None = Field(
        None,
        description="How common each allowed value is, relative (`{positive: 2, mixed: 1, "
        "negative: 1}`); values left out get none. Default: even.",
    )

    def balanced(self, side: str) -> bool:
        """Whether the records' values of this field are planned (see ``balance``)."""
        if not self.values:
            return False
        return self.balance if self.balance is not None else side == "outputs"

    def bounds_text(self) -> str:
        """The length bounds in words, for prompts and messages ("" when there are none)."""
        parts = []
        for low, high, unit in (
            (self.min_words, self.max_words, "words"),
            (self.min_chars, self.max_chars, "characters"),
        ):
            if low is not None and high is not None:
                parts.append(f"{low} to {high} {unit}")
            elif low is not None:
                parts.append(f"at least {low} {unit}")
            elif high is not None:
                parts.append(f"at most {high} {unit}")
        return ", ".join(parts)


class DedupSettings(_Model):
    """How duplicates are found."""

    near_threshold: float = Field(
        0.95,
        gt=0,
        le=1,
        description="Two records whose embeddings (all fields together) have a cosine "
        "similarity at or above this are near-duplicates; the later one is removed.",
    )


class DiversityTargets(_Model):
    """What a diverse set means for this spec, and how hard to steer towards it."""

    min_entropy: float = Field(
        0.85,
        ge=0,
        le=1,
        description="Normalised entropy of the cluster sizes the set must reach (1 = even).",
    )
    max_imbalance: float = Field(
        4.0, ge=1, description="Largest cluster's size over the smallest's, at most."
    )
    min_distinct_2: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Distinct word pairs over all word pairs of the outputs, at least (a set "
        "too narrow in its wording repeats the same phrases).",
    )
    max_rounds: int = Field(
        2, ge=0, description="Steering rounds at most (0: measure only, never steer)."
    )
    new_topics: int = Field(3, ge=1, description="New topics asked for in each steering round.")
    max_clusters: int = Field(8, ge=2, description="Most clusters tried when choosing k.")


class TextSpec(_Model):
    """A text dataset: records of input and output fields for fine-tuning a model."""

    name: str = Field(pattern=SPEC_NAME_PATTERN, description="Dataset name (used for folders).")
    kind: Literal["text"] = Field(description="`text`: this spec describes text records.")
    task: str = Field(
        min_length=1, description="What the fine-tuned model should do, in words (for the LLM)."
    )
    records: int = Field(ge=1, description="How many records to make.")
    inputs: dict[str, TextField] = Field(
        min_length=1, description="Input field name -> field (what the model is given)."
    )
    outputs: dict[str, TextField] = Field(
        min_length=1, description="Output field name -> field (what the model should answer)."
    )
    topics: list[str] | None = Field(
        None, min_length=1, description="Seed topics; records are asked for one topic at a time."
    )
    propose_topics: int | None = Field(
        None,
        ge=1,
        description="Let the model propose this many topics (when `topics` is not given; "
        "default 6).",
    )
    language: str | None = Field(
        None, description="Language of the prose fields, as an ISO 639-1 code (en, de, fr ...)."
    )
    system_prompt: str | None = Field(
        None,
        description="The system message the fine-tuning export carries (default: the task).",
    )
    examples: list[dict[str, str]] | None = Field(
        None, description="A few example records (field -> text) shown to the LLM."
    )
    batch_size: int = Field(5, ge=1, le=50, description="Records asked for in one request.")
    max_regenerations: int = Field(
        3, ge=0, description="Extra rounds of requests for records that failed checks."
    )
    verify_labels: StrictBool = Field(
        True,
        description="Ask the model again, in a separate request that shows only a record's "
        "inputs, for each output with allowed values (a label); a record whose second answer "
        "differs is not kept and is asked for again.",
    )
    valid_fraction: float = Field(
        0.1, ge=0, lt=1, description="Share of records held out in valid.jsonl."
    )
    dedup: DedupSettings = Field(default_factory=DedupSettings, description="Deduplication.")
    diversity: DiversityTargets = Field(
        default_factory=DiversityTargets, description="Diversity targets and steering."
    )

    @property
    def fields(self) -> dict[str, TextField]:
        """Every field, inputs first."""
        return {**self.inputs, **self.outputs}

    @property
    def export_system_prompt(self) -> str:
        return self.system_prompt or self.task

    @classmethod
    def from_yaml(cls, path_or_text: str | Path) -> TextSpec:
        return load_text_spec(path_or_text)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TextSpec:
        return parse_text_spec(data)

    def to_yaml(self) -> str:
        data = self.model_dump(mode="json", exclude_defaults=True)
        data = {"name": data.pop("name"), "kind": "text", **data}
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


# ----------------------------------------------------------------------------------- loading
def load_text_spec(path_or_text: str | Path) -> TextSpec:
    """A text spec from a file path or YAML text; ``SpecError`` naming every problem."""
    return parse_text_spec(read_yaml(path_or_text))


def load_any_spec(path_or_text: str | Path) -> Spec | TextSpec:
    """A table spec or a text spec (``kind: text``), read by the same loader."""
    data = read_yaml(path_or_text)
    if isinstance(data, Mapping) and data.get("kind") == "text":
        return parse_text_spec(data)
    return parse_spec(data)


def parse_text_spec(data: Any) -> TextSpec:
    if not isinstance(data, Mapping):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise SpecError([f"spec: expected a mapping with name, kind: text, task, ..., got {kind}"])
    try:
        spec = TextSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(explain(exc, _model_at, _text_problem)) from None
    problems = _lint(spec)
    if problems:
        raise SpecError(problems)
    return spec


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    if len(loc) == 0:
        return TextSpec
    if len(loc) == 2 and loc[0] in ("inputs", "outputs"):
        return TextField
    if loc == ("dedup",):
        return DedupSettings
    if loc == ("diversity",):
        return DiversityTargets
    return None


def _text_problem(loc: tuple[Any, ...], kind: str, given: Any, msg: str) -> str | None:
    if kind == "literal_error" and loc == ("kind",):
        return f"kind: {given!r} is not a text spec's kind; use text"
    return None


def _lint(spec: TextSpec) -> list[str]:
    import re

    problems = []
    for side in ("inputs", "outputs"):
        for name, field in getattr(spec, side).items():
            where = f"{side}.{name}"
            if not re.match(NAME_PATTERN, name):
                problems.append(f"{where}: a field name holds letters, digits and '_' only")
            problems += _lint_values(where, field)
            for low, high, unit in (
                (field.min_words, field.max_words, "words"),
                (field.min_chars, field.max_chars, "chars"),
            ):
                if low is not None and high is not None and low > high:
                    problems.append(f"{where}: min_{unit} {low} is above max_{unit} {high}")
    for name in set(spec.inputs) & set(spec.outputs):
        problems.append(f"outputs.{name}: '{name}' is an input too; name it differently")
    if spec.topics is not None and spec.propose_topics is not None:
        problems.append("propose_topics: give topics or propose_topics, not both")
    if spec.topics is not None and len(set(spec.topics)) != len(spec.topics):
        problems.append("topics: a topic is listed twice")
    for index, example in enumerate(spec.examples or []):
        for key in example:
            if key not in spec.fields:
                hint = _did_you_mean(key, spec.fields)
                problems.append(f"examples[{index}]: no field '{key}'{hint}")
    if spec.language is not None and not re.fullmatch(r"[a-z]{2}", spec.language):
        problems.append(f"language: {spec.language!r}: use a two-letter code such as en or de")
    return problems


def _lint_values(where: str, field: TextField) -> list[str]:
    """``balance`` and ``shares`` speak of the allowed values: there must be some, and shares
    name only them."""
    problems = []
    if field.balance and not field.values:
        problems.append(f"{where}.balance: only a field with values can be balanced")
    if field.shares is None:
        return problems
    if not field.values:
        return problems + [f"{where}.shares: give values first; shares say how common each is"]
    for value, share in field.shares.items():
        if value not in field.values:
            hint = _did_you_mean(value, field.values)
            problems.append(f"{where}.shares: '{value}' is not one of the values{hint}")
        elif not share >= 0:
            problems.append(f"{where}.shares.{value}: a share is a number >= 0, got {share}")
    if sum(s for s in field.shares.values() if s >= 0) <= 0:
        problems.append(f"{where}.shares: at least one value needs a share above 0")
    if field.balance is False:
        problems.append(f"{where}.shares: shares need balance (it is false here)")
    return problems


def text_spec_reference() -> str:
    """The text spec's reference in Markdown, generated from the models so it cannot drift."""
    parts = [
        "# Text spec reference (`kind: text`)",
        "",
        "Generated from `codegen/spec/text.py`. Made with `sdgen text SPEC.yaml`.",
        "",
    ]
    for title, model in (
        ("Text spec (top level)", TextSpec),
        ("Field (each of `inputs` and `outputs`)", TextField),
        ("dedup", DedupSettings),
        ("diversity", DiversityTargets),
    ):
        parts += [f"## {title}", "", model.__doc__ or "", "", *_field_lines(model), ""]
    return "\n".join(parts).rstrip() + "\n"
