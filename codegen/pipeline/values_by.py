"""A list of values for each category, asked of the model before the program runs.

A string column the model fills with one list (a menu item's name) is drawn apart from the
category beside it, so a pizzeria's menu had "Spaghetti Carbonara" as a drink and "Tiramisu"
as a pizza. Where such a column shares its table with a column of kinds (``category``,
``type``, ``genre``...), the model is asked, one category at a time, for that category's
values (as JSON constrained by a schema: an array of exactly that many strings), and the
lists become the column's ``values_by``: each row's value is drawn from its own category's
list. A category's list that comes back empty or as placeholders ("Pizza 1", "Pizza 2")
leaves the column as it was. A column naming who makes another's thing (a car's ``make``) is
asked first, as a list of makers with their shares, and the other (its ``model``) by maker.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

from codegen.llm.client import ChatClient, ChatMessage
from codegen.pipeline.attempt import Progress
from codegen.pipeline.more_values import (
    LONGEST_WORD,
    TOKENS_PER_VALUE,
    is_placeholders,
    reply_values,
    values_schema,
)
from codegen.pipeline.typical import (
    WEIGHTS_MAX_VALUES,
    TypicalAnswer,
    _request,
    question_about,
)
from codegen.spec.model import Spec, category_of

# The last word of a column of kinds: a value of the column beside it differs by it (a
# pizza's name from a drink's). A status, channel or priority is no kind of the thing itself.
KIND_WORDS = frozenset(
    "category categories type kind genre species breed class family group section department "
    "cuisine style format course aisle shelf".split()
)
# A column that names who makes the thing another column names: a car's make and its model
# (a Golf is a Volkswagen), a product's brand and its name.
MAKER_WORDS = frozenset("make brand manufacturer maker".split())
MADE_WORDS = frozenset("model product series variant name".split())
MAKERS_ASKED = 8  # makers listed for such a column (the model's, weighted by its shares)
VALUES_BY_MAX_CATEGORIES = 8  # more kinds than this: a list each costs too much of the model
LIST_LEAST = 3  # values asked for a category, at least
LIST_MOST = 25  # and at most
VALUES_BY_PER_SPEC = 90  # values asked in all, at most, in one spec
SPARE = 1.2  # a unique column's category gets a fifth more than its rows need


def values_by_to_ask(spec: Spec) -> list[tuple[str, str, str]]:
    """(table, column, category) for each string column drawn from one list of the model's
    (its scaffold's blank is a list of values) whose table has a column of kinds with 2 to
    ``VALUES_BY_MAX_CATEGORIES`` values (its own, or a referenced table's one listed
    column): the first such column of kinds, in the spec's order."""
    from codegen.program.rules import plan_table

    listed = _listed(spec)
    asked = []
    for table_name, table in spec.tables.items():
        plan = plan_table(table, table_name)
        kinds = [
            name
            for name in table.columns
            if is_kind(name)
            and plan.columns[name].define is None
            and (found := category_of(spec, table_name, name)) is not None
            and 2 <= len(found[2]) <= min(VALUES_BY_MAX_CATEGORIES, WEIGHTS_MAX_VALUES)
            and all(isinstance(v, str) for v in found[2])
        ]
        for name, column in table.columns.items():
            if (table_name, name) in listed and column.values_by is None and kinds:
                if kinds[0] != name:
                    asked.append((table_name, name, kinds[0]))
    return asked


def makers_to_ask(spec: Spec) -> list[tuple[str, str, str]]:
    """(table, column, maker) for each string column the model lists alone (a car's
    ``model``) whose table has another it lists alone that names its maker (``make``): the
    makers are asked first, as a list with shares, then the column by maker."""
    listed = _listed(spec)
    asked = []
    for table_name, table in spec.tables.items():
        mine = [name for name in table.columns if (table_name, name) in listed]
        makers = [n for n in mine if _last_word(n) in MAKER_WORDS and not table.columns[n].unique]
        made = [n for n in mine if _last_word(n) in MADE_WORDS and n not in makers]
        if makers and made:
            asked.append((table_name, made[0], makers[0]))
    return asked


def _listed(spec: Spec) -> set[tuple[str, str]]:
    """(table, column) of each column the starting program draws from a list the model
    writes."""
    from codegen.program.scaffold import build_scaffold
    from codegen.program.starting import BlankKind

    return {
        (blank.table, blank.column)
        for blank in build_scaffold(spec).blanks
        if blank.kind is BlankKind.VALUES
    }


def _last_word(name: str) -> str:
    return name.lower().removesuffix("_id").split("_")[-1]


def is_kind(name: str) -> bool:
    """Whether a column names a kind of its row's thing (a pet's species, a product's brand)."""
    return _last_word(name) in KIND_WORDS | MAKER_WORDS


def counts(spec: Spec, table_name: str, name: str, by: str) -> dict[str, int]:
    """How many values to ask for each category: a unique column's rows in that category and
    a fifth more (by the category's weights), another's enough to vary; within ``LIST_LEAST``
    and ``LIST_MOST``."""
    table = spec.tables[table_name]
    column = table.columns[name]
    found = category_of(spec, table_name, by)
    assert found is not None
    parent, listed, values = found
    weights = spec.tables[parent].columns[listed].weights or [1.0] * len(values)
    total = sum(weights) or 1.0
    unique = column.unique or column.primary_key
    wanted = {}
    for value, weight in zip(values, weights, strict=True):
        rows = table.rows * weight / total
        need = math.ceil(rows * SPARE) + 1 if unique else math.ceil(rows)
        wanted[str(value)] = max(LIST_LEAST, min(LIST_MOST, need if unique else min(need, 8)))
    return wanted


def within_budget(wanted: dict[str, int], budget: int) -> dict[str, int]:
    """``wanted`` (values to ask per category) cut in proportion to fit ``budget``, each at
    least ``LIST_LEAST``; {} where even that does not fit. A supermarket's 300 products in six
    aisles wanted 150 names: asked none, they were all named from one list of fruit ("Strawberry
    Cherry 5" in the bakery aisle); asked 15 an aisle, each aisle's are its own."""
    total = sum(wanted.values())
    if total <= budget:
        return wanted
    cut = {value: max(LIST_LEAST, count * budget // total) for value, count in wanted.items()}
    return cut if sum(cut.values()) <= budget else {}


def values_by_question(
    spec: Spec,
    table_name: str,
    name: str,
    by: str,
    value: str,
    count: int,
    so_far: list[str] | None = None,
    again: bool = False,
) -> list[ChatMessage]:
    """The question of the values of a column for the rows of one category (``so_far``: those
    it listed already, for more; ``again``: asked again after a list of none, which the same
    question would give again)."""
    table = spec.tables[table_name]
    column = table.columns[name]
    parent, listed, values = category_of(spec, table_name, by) or ("", by, [])
    about = f" ({column.description})" if column.description else ""
    kinds = ", ".join(str(v) for v in values)
    thing = table_name.replace("_", " ")
    return question_about(
        spec,
        table_name,
        [
            f'Column "{name}"{about}: the {name.replace("_", " ")} of one of the {thing}.',
            f'Each row has a "{listed}": one of {kinds}.',
            *([f"Values so far: {'; '.join(so_far[:30])}."] if so_far else []),
            *([f'Each a real one: not "{value}" itself, not numbered.'] if again else []),
        ],
        f'List {count} {"more " if so_far else ""}realistic values of "{name}" for {thing} '
        f'whose "{listed}" is "{value}", as they appear in real data like this, each different'
        f'{" from every value so far" if so_far else ""}, with no numbering. Answer as JSON: '
        '{"values": [...]}.',
        system="You list realistic values. Answer with JSON only.",
    )


def values_kept(text: str, taken: set[str], maker: str | None = None) -> list[str]:
    """The distinct values of a reply, stripped, not yet in ``taken`` (lowercased; other
    categories' values), without what a small model writes when it loops: words of letters
    run together, or a third numbered value of one stem ("The Hangover 4", "The Hangover 5"...
    after "The Hangover Part II" and "Part III"); none from a list of placeholders. A value
    that starts with its ``maker``'s name is kept without it: asked for Chevrolet's models, the
    model wrote "Chevrolet Malibu" where it wrote Toyota's as "Yaris", and the make is in its
    own column beside it."""
    got = [v for v in reply_values(text) if isinstance(v, str)]
    if len(got) >= 3 and is_placeholders(got):  # "Dish 1", "Dish 2": none of them
        return []
    kept: list[str] = []
    numbered: Counter[str] = Counter()
    for value in got:
        if not value.strip():
            continue
        value = " ".join(value.split())
        if maker and value.lower().startswith(f"{maker.lower()} ") and len(value) > len(maker) + 1:
            value = value[len(maker) + 1 :]
        if value.lower() in taken or any(len(w) > LONGEST_WORD for w in value.split()):
            continue
        sequel = _SEQUEL.match(value)
        if sequel is not None:
            numbered[sequel["stem"].lower()] += 1
            if numbered[sequel["stem"].lower()] > SEQUELS:
                continue
        taken.add(value.lower())
        kept.append(value)
    return kept


# A value that is another with a number: "Toy Story 4", "The Hangover Part II", "Rocky IV".
_SEQUEL = re.compile(r"^(?P<stem>.*?\S)\s+(?:part\s+)?(?:\d+|[ivxlc]+)$", re.IGNORECASE)
SEQUELS = 2  # numbered values of one stem kept in a list, at most


def ask_values_by(
    client: ChatClient,
    spec: Spec,
    data: dict[str, Any],
    asked: list[TypicalAnswer],
    *,
    seed: int,
    say: Progress,
) -> bool:
    """Set each column of ``values_by_to_ask`` its ``values_by`` in ``data`` where the model
    lists real values for every category; the answers are added to ``asked``. True when the
    endpoint failed (the questions stop)."""
    if _ask_makers(client, spec, data, asked, seed=seed, say=say):
        return True
    spec = Spec.model_validate(data)
    budget = VALUES_BY_PER_SPEC
    for table_name, name, by in values_by_to_ask(spec):
        wanted = within_budget(counts(spec, table_name, name, by), budget)
        if not wanted:
            continue
        budget -= sum(wanted.values())
        answer = TypicalAnswer(table_name, name, asked="values by category", by=by)
        asked.append(answer)
        lists: dict[str, list[str]] = {}
        # a value named as its category ("Rabbit", a rabbit's name) is no value of the column
        taken = {str(v).lower() for v in wanted}
        unique = spec.tables[table_name].columns[name].unique
        by_maker = _last_word(by) in MAKER_WORDS
        for value, count in wanted.items():
            lists[value] = []
            for round_ in range(2):  # a short list: asked for more (a unique column's, or 2)
                missing = count - len(lists[value])
                if missing < LIST_LEAST or (round_ and budget < missing):
                    break  # (the first round's values are taken from the budget above)
                if round_ and not unique and len(lists[value]) >= LIST_LEAST:
                    break
                if lists[value]:
                    budget -= missing
                text = _request(
                    client,
                    values_by_question(
                        spec, table_name, name, by, value, missing, lists[value], bool(round_)
                    ),
                    values_schema(missing, "values_by_category"),
                    missing * TOKENS_PER_VALUE + 20,
                    answer,
                    seed,
                    say,
                )
                if text is None:
                    return True
                lists[value] += values_kept(text, taken, value if by_maker else None)
        answer.lists = lists
        answer.why = _why_not(lists)
        if answer.why:
            continue
        answer.kept = True
        data["tables"][table_name]["columns"][name]["values_by"] = {by: lists}
        shown = "; ".join(f"{v}: {', '.join(x[:3])}..." for v, x in lists.items())
        say(f"{table_name}.{name} by {by}: {shown}")
    return False


def _why_not(lists: dict[str, list[str]]) -> str:
    """Why the lists cannot shape the column ("" when they can)."""
    for value, listed in lists.items():
        if not listed:
            return f'no real value for "{value}" (none, or placeholders)'
    return ""


def _ask_makers(
    client: ChatClient,
    spec: Spec,
    data: dict[str, Any],
    asked: list[TypicalAnswer],
    *,
    seed: int,
    say: Progress,
) -> bool:
    """Set each maker column of ``makers_to_ask`` its ``values`` (the makers the model lists)
    and ``weights`` (how common it says each is) in ``data``; the answers are added to
    ``asked``. True when the endpoint failed."""
    from codegen.pipeline.more_values import real_values_question
    from codegen.pipeline.typical import (
        TYPICAL_MAX_TOKENS,
        _json_part,
        _keep,
        question,
        response_format,
    )

    for table_name, _, maker in makers_to_ask(spec):
        answer = TypicalAnswer(table_name, maker, asked="makers")
        asked.append(answer)
        text = _request(
            client,
            real_values_question(spec, table_name, maker, MAKERS_ASKED),
            values_schema(MAKERS_ASKED, "makers"),
            MAKERS_ASKED * TOKENS_PER_VALUE + 20,
            answer,
            seed,
            say,
        )
        if text is None:
            return True
        makers = values_kept(text, set())
        answer.lists = {maker: makers}
        if len(makers) < LIST_LEAST:  # placeholders came back as none
            answer.why = "fewer than 3 makers, or placeholders"
            continue
        answer.kept = True
        target = data["tables"][table_name]["columns"][maker]
        target["values"] = makers
        shaped = Spec.model_validate(data).tables[table_name].columns[maker]
        shares = TypicalAnswer(table_name, maker)
        asked.append(shares)
        text = _request(
            client,
            question(Spec.model_validate(data), table_name, maker),
            response_format(shaped),
            TYPICAL_MAX_TOKENS + 12 * len(makers),
            shares,
            seed,
            say,
        )
        if text is None:
            return True
        try:
            line = _keep(shaped, _json_part(text), shares, target)
        except ValueError:
            shares.why = "the reply is not the JSON asked for"
            line = ""
        say(f"{table_name}.{maker}: {line or ', '.join(makers)}")
    return False
