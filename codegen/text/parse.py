"""Reading records out of a reply, whatever layout it came in.

With a JSON schema in ``response_format`` the reply is ``{"records": [{field: text, ...}]}``. A
server that ignores it writes what it likes: the same JSON inside a Markdown fence or after a
sentence, a bare list, one object per line, the classic ``Input: ... / Output: ...`` layout, or a
numbered list of ``field: value`` lines. ``parse_reply`` reads all of these and returns every
record it could read plus every piece it could not, each with its reason: nothing is dropped
silently. Whether a record's fields are right is ``checks``'s business, not this module's.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

FENCE = re.compile(r"```[a-zA-Z]*\s*\n(.*?)```", re.DOTALL)
NUMBERED = re.compile(r"^\s*(?:\d{1,3}[.)]|#{1,4}\s*\d{1,3}[.):]?)\s+")


@dataclass(frozen=True)
class Unreadable:
    """A piece of a reply that could not become a record."""

    reason: str
    excerpt: str
    count: int = 1  # records it stands for (a whole unreadable reply: the records asked for)


@dataclass
class Parsed:
    """What one reply held: records (field -> text) and the pieces that could not be read."""

    records: list[dict[str, str]] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)
    layout: str = "none"  # json, fenced json, json lines, labelled, none


def parse_reply(
    text: str,
    inputs: list[str],
    outputs: list[str],
    *,
    expected: int = 1,
    truncated: bool = False,
) -> Parsed:
    """Records from a reply. ``inputs``/``outputs``: the spec's field names, in order (the
    ``Input:``/``Output:`` layout maps onto them). ``expected``: how many records were asked
    for (a reply with none readable counts as that many lost). ``truncated``: the reply was cut
    at the token limit (its last, cut record is reported as such)."""
    names = inputs + outputs
    for layout, candidate in _json_candidates(text):
        parsed = _from_json(candidate, names, truncated)
        if parsed is not None:
            parsed.layout = layout
            return parsed
    parsed = _from_labels(text, inputs, outputs)
    if parsed.records:
        parsed.layout = "labelled"
        if truncated:
            parsed.unreadable.append(Unreadable("cut off at the token limit", _excerpt(text[-80:])))
        return parsed
    reason = (
        "cut off at the token limit before a whole record"
        if truncated
        else ("neither JSON nor a layout of labelled fields")
    )
    parsed.unreadable.append(Unreadable(reason, _excerpt(text), count=max(expected, 1)))
    return parsed


# --- JSON ----------------------------------------------------------------------------------------
def _json_candidates(text: str) -> list[tuple[str, str]]:
    """Places JSON may be: the whole reply, each fenced block, from the first bracket on."""
    found = [("json", text.strip())]
    found += [("fenced json", block.strip()) for block in FENCE.findall(text)]
    starts = [i for i in (text.find("{"), text.find("[")) if i >= 0]
    if starts:
        found.append(("json", text[min(starts) :].strip()))
    return found


def _from_json(text: str, names: list[str], truncated: bool) -> Parsed | None:
    """Records from JSON text, or None when it is no JSON at all. A reply cut short keeps its
    whole records; JSON lines (one object a line) are read line by line."""
    if not text or text[0] not in "[{":
        return None
    decoder = json.JSONDecoder()
    try:
        value, end = decoder.raw_decode(text)
    except json.JSONDecodeError:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if len(lines) > 1 and all(line.startswith("{") for line in lines):
            return _json_lines(lines, names)
        return _salvage(text, names, truncated)
    parsed = Parsed()
    items = _record_list(value, names)
    if items is None:
        parsed.unreadable.append(
            Unreadable("JSON without a list of records", _excerpt(text), count=1)
        )
        return parsed
    for item in items:
        _add_item(parsed, item)
    rest = text[end:].strip()
    if rest.startswith("{"):  # more objects after the first: JSON lines
        more = _from_json(rest, names, truncated)
        if more is not None:
            parsed.records += more.records
            parsed.unreadable += more.unreadable
    return parsed


def _record_list(value: Any, names: list[str]) -> list[Any] | None:
    """The list of records in a JSON value: ``{"records": [...]}`` (any key holding a list of
    objects), a bare list, or a single record."""
    if isinstance(value, list):
        return value
    if not isinstance(value, dict):
        return None
    if any(name in value for name in names) or {"input", "output"} <= set(value):
        return [value]
    for item in value.values():
        if isinstance(item, list) and (not item or isinstance(item[0], dict)):
            return item
    return None


def _add_item(parsed: Parsed, item: Any) -> None:
    if not isinstance(item, dict):
        parsed.unreadable.append(Unreadable("a list item that is not an object", _excerpt(item)))
        return
    record: dict[str, str] = {}
    for key, value in item.items():
        if isinstance(value, dict) and key.lower() in ("input", "inputs", "output", "outputs"):
            for inner_key, inner in value.items():  # {"input": {...}, "output": {...}}
                record[str(inner_key)] = _text(inner)
        else:
            record[str(key)] = _text(value)
    parsed.records.append(record)


def _json_lines(lines: list[str], names: list[str]) -> Parsed:
    parsed = Parsed()
    for line in lines:
        try:
            _add_item(parsed, json.loads(line))
        except json.JSONDecodeError as exc:
            parsed.unreadable.append(Unreadable(f"a line of malformed JSON ({exc.msg})", line))
    parsed.layout = "json lines"
    return parsed


def _salvage(text: str, names: list[str], truncated: bool) -> Parsed | None:
    """The whole objects of malformed or cut JSON: each ``{`` that starts an object holding a
    field name is decoded on its own; the rest is reported."""
    decoder = json.JSONDecoder()
    parsed = Parsed()
    position = 0
    bad = 0
    while (start := text.find("{", position)) >= 0:
        try:
            value, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            position = start + 1
            inner = text[start + 1 :].lstrip()
            if inner.startswith('"') and any(inner[1:].startswith(n + '"') for n in names):
                bad += 1  # an object of a record that does not decode
            continue
        if isinstance(value, dict) and any(n in value for n in names):
            _add_item(parsed, value)
            position = end
        else:
            position = start + 1
    if not parsed.records and not bad:
        return None
    if bad:
        reason = "cut off at the token limit" if truncated else "malformed JSON"
        parsed.unreadable.append(Unreadable(reason, _excerpt(text[-120:]), count=bad))
    return parsed


# --- labelled fields -----------------------------------------------------------------------------
def _label_pattern(labels: list[str]) -> re.Pattern[str]:
    spelled = sorted({s for name in labels for s in _spellings(name)}, key=len, reverse=True)
    alternatives = "|".join(re.escape(s) for s in spelled)
    return re.compile(
        rf"^\s*(?:\d{{1,3}}[.)]\s*)?[-*]?\s*[*_]{{0,2}}({alternatives})[*_]{{0,2}}\s*[:：]"
        rf"[*_]{{0,2}}\s*(.*)$",
        re.IGNORECASE,
    )


def _spellings(name: str) -> set[str]:
    return {name, name.replace("_", " "), name.replace("_", "-")}


def _from_labels(text: str, inputs: list[str], outputs: list[str]) -> Parsed:
    """Records from ``label: value`` lines: a field's name (``product_name:``, ``Product
    name:``) or ``Input:``/``Output:``. A record ends where a label it already has comes again,
    or at a numbered item; a value runs on over unlabelled lines."""
    pattern = _label_pattern(inputs + outputs + ["input", "output"])
    canonical = {s.lower(): name for name in inputs + outputs for s in _spellings(name)}
    blocks: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    for line in text.splitlines():
        match = pattern.match(line)
        if match:
            label = match[1].lower()
            label = canonical.get(label, label)
            if any(existing == label for existing, _ in current):
                blocks.append(current)
                current = []
            current.append((label, match[2].strip()))
        elif NUMBERED.match(line) and current:
            blocks.append(current)
            current = []
            rest = NUMBERED.sub("", line).strip()
            if rest:
                current.append(("", rest))
        elif current and line.strip() and not line.strip().startswith("```"):
            label, value = current[-1]
            current[-1] = (label, f"{value}\n{line.strip()}".strip())
    if current:
        blocks.append(current)
    parsed = Parsed()
    for block in blocks:
        pairs = [(label, _clean(value)) for label, value in block if label]
        if not pairs:
            continue
        record, problem = _block_record(pairs, inputs, outputs)
        if record is None:
            parsed.unreadable.append(Unreadable(problem, _excerpt(_show_block(pairs))))
        else:
            parsed.records.append(record)
    return parsed


def _block_record(
    pairs: list[tuple[str, str]], inputs: list[str], outputs: list[str]
) -> tuple[dict[str, str] | None, str]:
    record: dict[str, str] = {}
    for label, value in pairs:
        if label == "input":
            mapped = _split_side(value, inputs)
            if mapped is None:
                return None, f"an Input: line that cannot be split into {', '.join(inputs)}"
            record.update(mapped)
        elif label == "output":
            mapped = _split_side(value, outputs)
            if mapped is None:
                return None, f"an Output: line that cannot be split into {', '.join(outputs)}"
            record.update(mapped)
        else:
            record[label] = value
    if not any(name in record for name in outputs):
        return None, "a block with no output field"
    return record, ""


def _split_side(value: str, names: list[str]) -> dict[str, str] | None:
    """An ``Input:`` value onto the input fields: the whole text for one field; ``name: value``
    parts, or as many comma- or newline-separated parts as there are fields, for several."""
    if len(names) == 1:
        return {names[0]: value}
    labelled = _label_pattern(names)
    found: dict[str, str] = {}
    for part in re.split(r"\n|;|,(?=\s*\w[\w ]*:)", value):
        match = labelled.match(part)
        if match:
            key = match[1].lower().replace(" ", "_").replace("-", "_")
            found[next(n for n in names if n.lower() == key)] = _clean(match[2])
    if len(found) == len(names):
        return found
    parts = [p.strip() for p in re.split(r"\n|,", value) if p.strip()]
    if len(parts) == len(names):
        return dict(zip(names, parts, strict=True))
    return None


# --- small helpers -------------------------------------------------------------------------------
def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value)


def _clean(value: str) -> str:
    value = value.strip().strip("*_").strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return value.strip()


def _show_block(pairs: list[tuple[str, str]]) -> str:
    return " | ".join(f"{label}: {value}" for label, value in pairs)


def _excerpt(value: Any, limit: int = 160) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
