"""Numbers that follow a number of their parent row, asked of the model before the program.

A flight's passengers drawn between 0 and 140 put 130 people on a 76-seat turboprop; a play of
a track drawn between 1 and 1,800 seconds lasts longer than the track. Each is bounded by a
number of the row its reference points at, which no check of the spec says and no bound can
say. For each pair of a child's number and a number of its parent that could be so tied (same
type, no different units, bounds that overlap), the model is asked how the two compare:
"at most" (with the child's typical share of the parent's), "about the same", or "unrelated".
A kept answer becomes the column's ``of_parent`` (spec v1), which the starting program draws
by (``shaperuntime.shape_at_most``, ``shape_inherit``).
"""

from __future__ import annotations

import json
from typing import Any

from codegen.llm.client import ChatClient, ChatMessage
from codegen.pipeline.attempt import Progress
from codegen.pipeline.typical import (
    TYPICAL_MAX_TOKENS,
    TypicalAnswer,
    _json_part,
    _json_schema,
    _request,
    question_about,
)
from codegen.spec.model import Spec

PARENT_MAX_QUESTIONS = 6  # pairs asked about, at most, in one spec
SHARE_LOWEST = 0.05  # a typical share below this is no "at most" the model means

# Words that name a unit: a pair whose names give different units (or one a unit, the other
# none: a line's quantity against its invoice's total in EUR) is not asked about.
_UNITS = {
    "seconds": {"s", "sec", "secs", "second", "seconds"},
    "minutes": {"min", "mins", "minute", "minutes"},
    "hours": {"h", "hr", "hrs", "hour", "hours"},
    "days": {"day", "days"},
    "money": {"eur", "usd", "gbp", "chf", "sek", "nok", "dkk", "pln", "price", "cost", "fee"},
    "kg": {"kg", "kilo", "kilos", "kilogram", "kilograms"},
    "km": {"km", "kilometre", "kilometres", "kilometer", "kilometers"},
    "percent": {"pct", "percent", "percentage"},
    "years": {"year", "years"},
}

RELATIONS = {"at most": "at_most", "about the same": "same"}


def parent_pairs(spec: Spec) -> list[tuple[str, str, str, str]]:
    """(table, column, reference column, parent column) of each child number that could follow
    a number of its parent row: an integer or float drawn freely (not a key, not made or
    bounded by a check, not shaped already, no rule's source), against a number of the same
    type of a table it references (not a key, not made by a check, not of the same name),
    their names giving the same unit or none, the child's bounds reaching into the parent's. At
    most ``PARENT_MAX_QUESTIONS``."""
    from codegen.program.rules import plan_table

    pairs = []
    for table_name, table in spec.tables.items():
        plan = plan_table(table, table_name)
        rule_sources = {
            ordered[0]
            for rule in table.rules
            if (ordered := getattr(rule, "increasing", None) or getattr(rule, "decreasing", None))
        }
        for name, column in table.columns.items():
            if column.type not in ("integer", "float") or not _free(column, plan.columns[name]):
                continue
            if name in rule_sources:
                continue  # a column of its own row follows it already (a rule's target, one
                # that follows the parent's value instead takes the rule's other side)
            for via, reference in table.columns.items():
                if not reference.references or "." not in reference.references:
                    continue
                parent = reference.references.split(".", 1)[0]
                if parent == table_name or parent not in spec.tables:
                    continue
                made = plan_table(spec.tables[parent], parent).columns
                for other, candidate in spec.tables[parent].columns.items():
                    if made[other].define is None and _could_follow(name, column, other, candidate):
                        pairs.append((table_name, name, via, other))
    return pairs[:PARENT_MAX_QUESTIONS]


def _free(column: Any, planned: Any) -> bool:
    shaped = column.of_parent is not None or column.typical_by is not None
    keyed = column.primary_key or column.unique or column.references
    return not (shaped or keyed or planned.define is not None or planned.bounds or planned.window)


def _could_follow(name: str, column: Any, other: str, candidate: Any) -> bool:
    if candidate.type != column.type or candidate.primary_key or candidate.unique:
        return False
    if candidate.references:
        return False
    if _same_name(name, other):
        return False  # the parent's own value on most rows already (scaffold._inherited)
    if _unit(name) != _unit(other):
        return False
    if column.max is not None and candidate.min is not None and column.max < candidate.min:
        return False
    if column.min is not None and candidate.max is not None and column.min > candidate.max:
        return False
    return True


def _same_name(a: str, b: str) -> bool:
    a, b = a.lower(), b.lower()
    return a == b or a.endswith(f"_{b}") or b.endswith(f"_{a}")


def _unit(name: str) -> str | None:
    from codegen.program.shapes import _words

    words = set(_words(name.replace("_", " ")))
    found = [unit for unit, spellings in _UNITS.items() if words & spellings]
    return found[0] if found else None


def parent_question(
    spec: Spec, table_name: str, name: str, via: str, other: str
) -> list[ChatMessage]:
    """The question of how a child's number compares with its parent row's."""
    table = spec.tables[table_name]
    parent = (table.columns[via].references or "").split(".", 1)[0]
    column, candidate = table.columns[name], spec.tables[parent].columns[other]

    def line(table: str, name: str, column: Any) -> str:
        about = f" ({column.description})" if column.description else ""
        what = "a whole number" if column.type == "integer" else "a number"
        return f'Column "{table}.{name}"{about}: {what}.'

    return question_about(
        spec,
        table_name,
        [
            f'Each "{table_name}" row belongs to one row of table "{parent}" (through "{via}").',
            line(table_name, name, column),
            line(parent, other, candidate),
        ],
        f'In real data like this, how does a "{table_name}" row\'s "{name}" compare with the '
        f'"{other}" of its "{parent}" row? Answer as JSON: {{"relation": "at most" (never more '
        'than it), "about the same" (usually equal) or "unrelated", "typical_share": the '
        f'typical "{name}" as a share of "{other}"}}.',
    )


SCHEMA = {
    "type": "object",
    "properties": {
        "relation": {"type": "string", "enum": ["at most", "about the same", "unrelated"]},
        "typical_share": {"type": "number"},
    },
    "required": ["relation", "typical_share"],
    "additionalProperties": False,
}


def parent_kept(reply: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """The ``of_parent`` an answer gives (without its column), or None and why not."""
    relation = RELATIONS.get(str(reply.get("relation")))
    if relation is None:
        return None, "unrelated" if reply.get("relation") == "unrelated" else "no relation given"
    if relation == "same":
        return {"relation": "same"}, ""
    share = reply.get("typical_share")
    if not isinstance(share, int | float) or not SHARE_LOWEST <= share < 1:
        return {"relation": "at_most"}, ""  # at most, at no share the model could say
    return {"relation": "at_most", "share": round(float(share), 3)}, ""


def ask_parents(
    client: ChatClient,
    spec: Spec,
    data: dict[str, Any],
    asked: list[TypicalAnswer],
    *,
    seed: int,
    say: Progress,
) -> bool:
    """Ask each pair of ``parent_pairs`` how the two compare; set a kept answer as the
    column's ``of_parent`` in ``data`` (the first kept for a column); the answers are added to
    ``asked``. True when the endpoint failed (the questions stop)."""
    done: set[tuple[str, str]] = set()
    for table_name, name, via, other in parent_pairs(spec):
        if (table_name, name) in done:
            continue
        answer = TypicalAnswer(table_name, name, asked="of parent", by=f"{via}.{other}")
        asked.append(answer)
        text = _request(
            client,
            parent_question(spec, table_name, name, via, other),
            _json_schema("of_parent", SCHEMA),
            TYPICAL_MAX_TOKENS,
            answer,
            seed,
            say,
        )
        if text is None:
            return True
        try:
            reply = json.loads(_json_part(text))
            if not isinstance(reply, dict):
                raise ValueError("not an object")
        except ValueError:
            answer.why = "the reply is not the JSON asked for"
            continue
        kept, answer.why = parent_kept(reply)
        if kept is None:
            continue
        answer.kept, answer.typical = True, kept.get("share")
        done.add((table_name, name))
        data["tables"][table_name]["columns"][name]["of_parent"] = {
            "column": f"{via}.{other}",
            **kept,
        }
        share = f", typically {kept['share']:.0%} of it" if "share" in kept else ""
        relation = "at most" if kept["relation"] == "at_most" else "mostly the same as"
        say(f"{table_name}.{name}: {relation} its {via}'s {other}{share}")
    return False
