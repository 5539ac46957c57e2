"""Checks on one record: what a person preparing a fine-tuning set would reject at a glance.

``check_record`` returns the record with its values tidied (whitespace, an allowed value's own
spelling) and every reason it fails, each a ``Failure`` with a code a report can count:

- ``missing``: a field of the spec is absent or empty;
- ``length``: a value outside its bounds in words or characters;
- ``value``: a value not among the field's allowed ``values``;
- ``echo``: an output that repeats an input (the same text, or its words again at about its
  length);
- ``template``: leftovers of a template (``[Product Name]``, ``{{name}}``, ``Lorem ipsum``,
  ``TODO``);
- ``language``: prose that reads as another language than the spec's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from codegen.spec.text import TextField, TextSpec

TEMPLATE_LEFTOVERS = re.compile(
    r"\[(?:[A-Z][\w'-]*|your|insert|product|company|name)(?:[ _][\w'-]+){0,4}\]"  # [Product Name]
    r"|\{\{[^}]*\}\}"  # {{name}}
    r"|<(?:insert|your|product|name)[^>]*>"  # <insert name>
    r"|\blorem ipsum\b|\blorem\b|\bipsum dolor\b"
    r"|\bTODO\b|\bTBD\b|\bXXX+\b|\bplaceholder\b",
    re.IGNORECASE,
)
# A bracketed SQL identifier ([Order Details]) is no leftover in a code field.
CODE_LEFTOVERS = re.compile(
    r"\{\{[^}]*\}\}|\blorem ipsum\b|<(?:insert|your)[^>]*>|\bTODO\b", re.IGNORECASE
)
WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)

# The commonest short words of each language: prose of 8 words or more holds several.
STOPWORDS = {
    "en": "the and of to a in is it that for with on as are this you be your its by from or",
    "de": "der die und das ist nicht mit sich des auf für ein eine dem den zu im von sie es",
    "fr": "le la les et des est un une du en pour que qui dans pas sur au avec ce vous",
    "es": "el la los las y de que en un una es por con para del se su al lo como",
    "it": "il la di che e un una per non sono con del della gli le si da in è",
    "nl": "de het een en van is dat op te in met voor niet zijn er aan je ook",
    "pt": "o a os as de que e do da em um uma para com não se por mais",
}
STOPWORD_SETS = {lang: set(words.split()) for lang, words in STOPWORDS.items()}


@dataclass(frozen=True)
class Failure:
    code: str  # missing, length, value, echo, template, language; planned, judged (text/)
    field: str
    message: str


def words(text: str) -> list[str]:
    return WORD.findall(text)


def count_words(text: str, field: TextField) -> int:
    return len(text.split()) if field.code else len(words(text))


def normalise(text: str) -> str:
    """Lower case, words only: what an exact-duplicate check compares."""
    return " ".join(w.lower() for w in words(text))


def check_record(spec: TextSpec, record: dict[str, str]) -> tuple[dict[str, str], list[Failure]]:
    """The record reduced to the spec's fields, tidied, and why it fails (empty: it passes)."""
    tidy: dict[str, str] = {}
    failures: list[Failure] = []
    lowered = {str(k).lower(): v for k, v in record.items()}
    for name, field in spec.fields.items():
        value = record.get(name, lowered.get(name.lower()))
        text = value.strip() if isinstance(value, str) else ""
        if not field.code:
            text = re.sub(r"[ \t]+", " ", text)
        tidy[name] = text
        if not text:
            failures.append(Failure("missing", name, f"{name} is missing or empty"))
            continue
        failures += _field_failures(spec, name, field, text, tidy)
    failures += _echo_failures(spec, tidy)
    return tidy, failures


def _field_failures(
    spec: TextSpec, name: str, field: TextField, text: str, tidy: dict[str, str]
) -> list[Failure]:
    found = []
    if field.values is not None:
        match = next((v for v in field.values if v.casefold() == text.casefold()), None)
        if match is None:
            shown = ", ".join(field.values[:8]) + (" ..." if len(field.values) > 8 else "")
            found.append(Failure("value", name, f"{name} {text[:40]!r} is not one of {shown}"))
        else:
            tidy[name] = match
    n_words, n_chars = count_words(text, field), len(text)
    for low, high, have, unit in (
        (field.min_words, field.max_words, n_words, "words"),
        (field.min_chars, field.max_chars, n_chars, "characters"),
    ):
        if (low is not None and have < low) or (high is not None and have > high):
            found.append(
                Failure("length", name, f"{name} has {have} {unit}, not {field.bounds_text()}")
            )
            break
    leftover = (CODE_LEFTOVERS if field.code else TEMPLATE_LEFTOVERS).search(text)
    if leftover:
        found.append(Failure("template", name, f"{name} holds a template leftover: {leftover[0]}"))
    if spec.language and not field.code and field.values is None:
        other = other_language(text, spec.language)
        if other:
            found.append(Failure("language", name, f"{name} reads as {other}, not {spec.language}"))
    return found


def other_language(text: str, language: str) -> str | None:
    """The language the text reads as when it is clearly not ``language`` (None otherwise, or
    when the text is too short, or the language is one this check does not know)."""
    if language not in STOPWORD_SETS:
        return None
    tokens = [w.lower() for w in words(text)]
    if len(tokens) < 8:
        return None
    scores = {lang: sum(t in stop for t in tokens) for lang, stop in STOPWORD_SETS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    if best != language and scores[best] >= 3 and scores[best] >= 2 * scores[language]:
        return best
    return None


def _echo_failures(spec: TextSpec, tidy: dict[str, str]) -> list[Failure]:
    """An output that repeats the input: the same text as an input or all inputs together, or
    mostly the input's words at no more than about its length."""
    found = []
    inputs = [tidy[name] for name in spec.inputs if tidy.get(name)]
    if not inputs:
        return found
    joined = normalise(" ".join(inputs))
    input_words = set(joined.split())
    for name in spec.outputs:
        text = normalise(tidy.get(name, ""))
        if not text:
            continue
        if text == joined or any(text == normalise(i) for i in inputs):
            found.append(Failure("echo", name, f"{name} repeats the input"))
            continue
        out_words = text.split()
        if len(out_words) >= 3 and len(out_words) <= 1.3 * max(len(joined.split()), 1):
            shared = sum(w in input_words for w in out_words) / len(out_words)
            if shared >= 0.8:
                found.append(
                    Failure("echo", name, f"{name} is the input's words again ({shared:.0%})")
                )
    return found
