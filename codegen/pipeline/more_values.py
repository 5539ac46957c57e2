"""More values for a unique list the model filled too short, asked of the model before the
program runs.

A unique column drawn from a list needs as many distinct values as it has rows; a 1.5B model
asked for 80 course titles lists 20, and the program numbers the rest ("Python for Data
Analysis 2"), which no one would take for real. So, when a reply's list for a unique column is
short, the model is asked for the values still missing, as JSON constrained by a schema (an
array of exactly that many strings), with the values it gave, and the new distinct ones are
added to the list in the reply's lines. At most ``MORE_PER_QUESTION`` values a question and
``MORE_PER_SPEC`` in all: past that, numbering is cheaper than the model's time.
"""

from __future__ import annotations

import ast
import json
import re
from collections import Counter
from typing import Any

from codegen.errors import LLMError
from codegen.llm.client import ChatClient, ChatMessage
from codegen.pipeline.attempt import Progress
from codegen.program.starting import BlankKind, Scaffold
from codegen.spec.model import Spec

MORE_PER_QUESTION = 40
MORE_PER_SPEC = 120
TOKENS_PER_VALUE = 14  # room for a value of a few words in JSON


def short_lists(
    code: str, scaffold: Scaffold, spec: Spec, rows: dict[str, int]
) -> list[tuple[str, list[str], int]]:
    """(blank, the values the reply listed, how many more distinct ones are needed) for each
    list of a unique string column, or of a thing's own name (a boat's: ``is_own_name``),
    that the reply ``code`` filled with fewer values than its table's ``rows``."""
    from codegen.program.shapes import is_own_name

    listed = _lists(code)
    short = []
    for blank in scaffold.blanks:
        if blank.kind is not BlankKind.VALUES or blank.name not in listed:
            continue
        table = spec.tables.get(blank.table)
        column = table.columns.get(blank.column) if table else None
        if column is None or column.type != "string":
            continue
        if not (column.unique or is_own_name(blank.table, blank.column, column)):
            continue
        values = without_loops(
            list(dict.fromkeys(v for v in listed[blank.name] if isinstance(v, str)))
        )
        needed = rows.get(blank.table, table.rows)
        if values and len(values) < needed:
            short.append((blank.name, values, needed - len(values)))
    return short


def ask_more_values(
    client: ChatClient,
    code: str,
    scaffold: Scaffold,
    spec: Spec,
    rows: dict[str, int],
    *,
    seed: int,
    say: Progress,
) -> str:
    """``code`` (the reply's lines) with its short unique lists made longer by the model's
    further values; as it was where the model gives none, or the endpoint fails."""
    budget = MORE_PER_SPEC
    for name, values, missing in short_lists(code, scaffold, spec, rows):
        ask = min(missing, MORE_PER_QUESTION, budget)
        if ask <= 0:
            break
        blank = next(b for b in scaffold.blanks if b.name == name)
        try:
            completion = client.complete(
                more_values_question(spec, blank.table, blank.column, values, ask),
                temperature=0.7,  # new values, not the likeliest ones again
                seed=seed,
                max_tokens=ask * TOKENS_PER_VALUE + 20,
                response_format=values_schema(ask),
            )
        except LLMError as exc:
            say(f"more values: stopped asking ({exc})")
            break
        new = _new_values(completion.text, values)
        budget -= ask
        if new:
            code = _extended(code, name, values + new)
            say(f"{blank.table}.{blank.column}: {len(new)} more values, {len(values) + len(new)}")
    return code


_PLACEHOLDER = re.compile(r"^(?P<stem>.*?[A-Za-z].*?)[ _#-]*(?P<mark>[A-Za-z]|[0-9]+)$")
PLACEHOLDER_SHARE = 0.6  # this share of a list's values a stem and a letter or number: placeholders


def placeholder_lists(code: str, scaffold: Scaffold) -> list[tuple[str, list[str]]]:
    """(blank, its values) of each value list the reply filled with placeholders: most values
    one stem and a letter or number ("Airport A", "Airport B"; "ref_3"), or all decimal
    numbers ("1.2"), which no one would take for real names."""
    listed = _lists(code)
    found = []
    for blank in scaffold.blanks:
        if blank.kind is not BlankKind.VALUES or blank.name not in listed:
            continue
        values = [v for v in listed[blank.name] if isinstance(v, str)]
        if len(values) >= 3 and (is_placeholders(values) or _decimals(values, blank.column)):
            found.append((blank.name, values))
    return found


_DECIMAL = re.compile(r"^-?[0-9]+\.[0-9]+$")
# Names whose values may well be decimals written as text: "1.2" is a version, a size, a grade.
_DECIMAL_NAMES = {"version", "release", "firmware", "size", "grade", "level", "rate", "ratio"}


def _decimals(values: list[str], column: str) -> bool:
    """Whether a list of names is decimal numbers written as text ("1.2", "0.8"): the embedded
    model's list for classrooms "as the school uses them, e.g. 'Groep 5b'". Not where the
    column's name says it may be one (a version, a size)."""
    from codegen.program.shapes import _words

    if set(_words(column)) & _DECIMAL_NAMES:
        return False
    return all(_DECIMAL.match(v.strip()) for v in values)


def is_placeholders(values: list[str]) -> bool:
    """Whether most of ``values`` are one stem and a letter or number each."""
    stems: dict[str, int] = {}
    for value in values:
        matched = _PLACEHOLDER.match(value.strip())
        if matched and len(matched["stem"]) > 1 and matched["stem"] != value.strip():
            stem = matched["stem"].strip(" _#-").lower()
            stems[stem] = stems.get(stem, 0) + 1
    return bool(stems) and max(stems.values()) >= PLACEHOLDER_SHARE * len(values)


def ask_real_values(
    client: ChatClient,
    code: str,
    scaffold: Scaffold,
    spec: Spec,
    *,
    seed: int,
    say: Progress,
) -> str:
    """``code`` with each list of placeholders (``placeholder_lists``) replaced by real-looking
    values the model lists when asked for them alone; asked a second time, where it listed
    placeholders again, with two of them shown as what not to write; as it was where neither
    list is better, or the endpoint fails."""
    for name, values in placeholder_lists(code, scaffold):
        count = min(max(len(values), 8), MORE_PER_QUESTION)
        blank = next(b for b in scaffold.blanks if b.name == name)
        for shown in ([], values[:2]):
            new = _listed_alone(client, spec, blank, count, seed, say, numbered=True, shown=shown)
            if new is None:
                return code
            if len(new) >= 3 and not is_placeholders(new):
                code = _extended(code, name, new)
                where = f"{blank.table}.{blank.column}"
                say(f"{where}: {values[0]!r}... were placeholders: {new[:3]}...")
                break
    return code


def ask_missing_values(
    client: ChatClient,
    code: str,
    scaffold: Scaffold,
    spec: Spec,
    *,
    seed: int,
    say: Progress,
) -> str:
    """``code`` with each value list it left out (no line, or ``[...]`` still) asked of the
    model alone and added: the embedded model often writes one long line it was shown and
    stops (bank's ``amount_eur``, then no ``reference_values``), which failed the attempt."""
    listed = _lists(code)
    for blank in scaffold.blanks:
        given = [v for v in listed.get(blank.name) or [] if v is not Ellipsis]
        if blank.kind is not BlankKind.VALUES or given:
            continue
        if blank.name in _assigned(code):
            continue  # written as code (a comprehension): the program runs it
        new = _listed_alone(client, spec, blank, 10, seed, say)
        if new is None:
            break
        if new:
            code = f"{code.rstrip()}\n{blank.name} = {new!r}\n"
            say(f"{blank.table}.{blank.column}: left out of the reply, asked alone: {new[:3]}...")
    return code


def _listed_alone(
    client: ChatClient,
    spec: Spec,
    blank: Any,
    count: int,
    seed: int,
    say: Progress,
    numbered: bool = False,
    shown: list[str] | None = None,
) -> list[str] | None:
    """The distinct values the model lists for a blank's column when asked for ``count`` of
    them alone (``real_values_question``; ``numbered``: the list had been numbered, which is
    said; ``shown``: values it is told not to write); None when the endpoint failed (said)."""
    try:
        completion = client.complete(
            real_values_question(spec, blank.table, blank.column, count, numbered, shown),
            temperature=0.0,
            seed=seed,
            max_tokens=count * TOKENS_PER_VALUE + 20,
            response_format=values_schema(count),
        )
    except LLMError as exc:
        say(f"values asked alone: stopped asking ({exc})")
        return None
    return _new_values(completion.text, [])


def _assigned(code: str) -> set[str]:
    """The names a top-level line of ``code`` assigns to something other than ``[...]``."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            empty = isinstance(node.value, ast.List) and all(
                isinstance(e, ast.Constant) and e.value is Ellipsis for e in node.value.elts
            )
            if isinstance(target, ast.Name) and not empty:
                names.add(target.id)
    return names


def real_values_question(
    spec: Spec,
    table_name: str,
    name: str,
    count: int,
    numbered: bool = False,
    shown: list[str] | None = None,
) -> list[ChatMessage]:
    """The question of a list's values, asked alone. The placeholders are not shown at first:
    shown them ("Airport A; Airport B"), the embedded model listed them again; not shown, it
    listed London Heathrow and Amsterdam Schiphol. ``numbered``: asked for names not numbered
    (a daycare's groups came back "Grade 1" to "Grade 6" asked alone too; told that, as
    "Kindergarten", "Playgroup"; shown a made-up example of what not to write, it wrote "Group
    1"). ``shown``: its own placeholders, when it listed them again all the same (an
    engineering company's projects, "Project A" to "Project L" twice): told "each a name that
    says what it is (not "Project A", "Project B")", it wrote "Project Risk Management"."""
    from codegen.pipeline.typical import question_about

    column = spec.tables[table_name].columns[name]
    about = f" ({column.description})" if column.description else ""
    return question_about(
        spec,
        table_name,
        [
            f'Column "{name}"{about}: the {name.replace("_", " ")} of one of the '
            f'{table_name.replace("_", " ")}.'
        ],
        f"List {count} realistic values as they appear in real data like this, each different"
        + (
            ", each a name that says what it is (not "
            + ", ".join(json.dumps(v) for v in shown)
            + "). "
            if shown
            else ". "
        )
        + ("Names people there gave them, not numbered. " if numbered and not shown else "")
        + 'Answer as JSON: {"values": [...]}.',
        system="You list realistic values. Answer with JSON only.",
    )


def more_values_question(
    spec: Spec, table_name: str, name: str, values: list[str], count: int
) -> list[ChatMessage]:
    from codegen.pipeline.typical import question_about

    column = spec.tables[table_name].columns[name]
    about = f" ({column.description})" if column.description else ""
    return question_about(
        spec,
        table_name,
        [
            f'Column "{name}"{about}: each row has a different value.',
            f"Values so far: {'; '.join(values[:30])}.",
        ],
        f"List {count} more realistic values of the same kind, each different from every value "
        'so far and from each other, with no numbering. Answer as JSON: {"values": [...]}.',
        system="You list realistic values. Answer with JSON only.",
    )


def values_schema(count: int, name: str = "more_values") -> dict[str, Any]:
    """A ``response_format`` asking for exactly ``count`` strings as ``{"values": [...]}``."""
    items = {"type": "string", "minLength": 1, "maxLength": 80}
    values = {"type": "array", "items": items, "minItems": count, "maxItems": count}
    schema = {
        "type": "object",
        "properties": {"values": values},
        "required": ["values"],
        "additionalProperties": False,
    }
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema}}


def reply_values(text: str) -> list[Any]:
    """The ``values`` list of a reply's JSON (``{"values": [...]}``), empty where it has none."""
    start, end = text.find("{"), text.rfind("}")
    try:
        reply = json.loads(text[start : end + 1] if start >= 0 else text)
    except ValueError:
        return []
    got = reply.get("values") if isinstance(reply, dict) else None
    return got if isinstance(got, list) else []


def _new_values(text: str, values: list[str]) -> list[str]:
    """The distinct values in a reply that are not yet listed (case and spaces aside)."""
    seen = {v.strip().lower() for v in values}
    new: list[str] = []
    for value in reply_values(text):
        if isinstance(value, str) and value.strip() and value.strip().lower() not in seen:
            if _in_a_rut(value.strip(), values + new) or _numbered(value.strip(), seen):
                continue
            seen.add(value.strip().lower())
            new.append(value.strip())
    return new


_NUMBERED = re.compile(r"^(?P<stem>.*\S)\s+[0-9]+$")


def _numbered(value: str, seen: set[str]) -> bool:
    """Whether ``value`` is a listed value (``seen``, in lower case) with a number after it."""
    matched = _NUMBERED.match(value)
    return bool(matched) and matched["stem"].strip().lower() in seen


def without_loops(values: list[str]) -> list[str]:
    """``values`` without those a small model writes when it fills a list by repeating it: one
    value with a number after it ("Inception", then "Inception 2", "Inception 3": asked for 60
    film titles, the embedded model listed 17 and went on so; for 80 course titles, "Kotlin",
    then "Kotlin 2"), or with a subtitle three or more others have ("Titanic: The Complete
    Collection", "Jaws: The Complete Collection"). A list so made longer looks short again, and
    more values are asked for (a real sequel, "Toy Story 2" after "Toy Story", is lost with
    them: a price a few titles pay for none being made up)."""
    seen = {v.strip().lower() for v in values}
    subtitles = Counter(_subtitle(v) for v in values)
    looped = {t for t, count in subtitles.items() if t is not None and count >= LOOPED_SUBTITLE}
    return [v for v in values if not _numbered(v.strip(), seen) and _subtitle(v) not in looped]


LOOPED_SUBTITLE = 3  # values with one subtitle, at least: the list looping, not titles


def _subtitle(value: str) -> str | None:
    """What follows a value's colon ("the complete collection"), None where it has none."""
    head, colon, tail = value.partition(":")
    return (tail.strip().lower() or None) if colon and head.strip() else None


RUT_SHARE = 0.2  # at most this share of a list (and 3 at least) may start with one word
LONGEST_WORD = 24  # a longer "word" is letters run together (MKRWiFiShield101A102A103...)


def _in_a_rut(value: str, listed: list[str]) -> bool:
    """Whether a new value repeats the list rather than adding to it, as a small model does
    when it loops (asked for 30 more course titles: "Arduino MKR1010", "Arduino MKRZero", ...):
    its first word already starts a fifth of the list (3 values at least), or it has a word
    of letters run together."""
    words = value.split()
    if any(len(word) > LONGEST_WORD for word in words):
        return True
    if _subtitle(value) is not None and _subtitle(value) in {_subtitle(v) for v in listed}:
        return True  # "Jaws: The Complete Collection" after "Titanic: The Complete Collection"
    first = _first_word(value)
    same = sum(1 for other in listed if _first_word(other) == first)
    return same >= max(3, RUT_SHARE * len(listed))


# Words a name may start with that say nothing of it: most film titles start with "The".
ARTICLES = {"the", "a", "an", "le", "la", "les", "der", "die", "das", "de", "het", "el", "il"}


def _first_word(value: str) -> str:
    """A value's first word other than an article, lower case ("" for none)."""
    words = [w.lower() for w in value.split()]
    return next((w for w in words if w not in ARTICLES), words[0] if words else "")


def _lists(code: str) -> dict[str, list[Any]]:
    """Name -> the literal list a line of ``code`` assigns to it."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return {}
    from codegen.program.blanks import untrailed

    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], untrailed(node.value)
            if isinstance(target, ast.Name) and isinstance(value, ast.List):
                try:
                    found[target.id] = ast.literal_eval(value)
                except ValueError:
                    continue
    return found


def _extended(code: str, name: str, values: list[str]) -> str:
    """``code`` with the list assigned to ``name`` replaced by ``values`` (its last assignment,
    which is the one that counts)."""
    tree = ast.parse(code)
    lines = code.splitlines(keepends=True)
    node = [
        n
        for n in tree.body
        if isinstance(n, ast.Assign)
        and len(n.targets) == 1
        and isinstance(n.targets[0], ast.Name)
        and n.targets[0].id == name
    ][-1]
    first, last = node.lineno - 1, (node.end_lineno or node.lineno) - 1
    return "".join(lines[:first]) + f"{name} = {values!r}\n" + "".join(lines[last + 1 :])
