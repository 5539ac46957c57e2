"""Variants of a name, asked of the model before the program runs, so a unique list too short
for its table is not numbered.

A supermarket's 300 products, a toy shop's 300 toys, a pharmacy's 150 products: each name
once, and the model lists 60 to 90 of them (its list's values are its budget's, more are asked
for once: ``more_values``, ``values_by``). Past the list, the program numbered them ("Kiwi 2",
"Baby doll 5"), which no one takes for a real catalogue. A real one has the same name more
than once, told apart by a few words after it: a size ("Whole milk 1 l"), a strength
("Ben-u-ron 1 g"), an edition ("Dune (paperback)"). So, for each unique string column drawn
from the model's lists in a table of ``FROM_ROWS`` rows or more, the model is asked for such
words (as JSON constrained by a schema), shown the names it listed; those kept become the
column's ``variants`` (spec v1), which the program gives a name's second row, third and so
on (``shaperuntime.shape_numbered``), numbering only past them.
"""

from __future__ import annotations

import re
from typing import Any

from codegen.llm.client import ChatClient, ChatMessage
from codegen.pipeline.attempt import Progress
from codegen.pipeline.more_values import TOKENS_PER_VALUE, reply_values, values_schema
from codegen.pipeline.typical import TypicalAnswer, _request, question_about
from codegen.spec.model import Spec

FROM_ROWS = 60  # a unique list for fewer rows: the model's list and more values fill it
ASKED = 8  # variants asked for a column
SHOWN = 12  # the column's names the question shows, at most
LONGEST = 24  # characters: a longer variant is a name of its own, not a few words after one
VARIANTS_LEAST = 3  # the variants kept, at least; fewer: the column is left as it was


def variants_to_ask(spec: Spec) -> list[tuple[str, str]]:
    """(table, column) of each unique string column, in a table of ``FROM_ROWS`` rows or
    more, that the program draws from the model's lists (one list, or one by category) and
    that has no ``variants`` yet."""
    from codegen.pipeline.values_by import _listed

    listed = _listed(spec)
    asked = []
    for table_name, table in spec.tables.items():
        if table.rows < FROM_ROWS:
            continue
        for name, column in table.columns.items():
            if column.type != "string" or column.variants is not None:
                continue
            if not (column.unique or column.primary_key):
                continue
            if column.values_by is not None or (table_name, name) in listed:
                asked.append((table_name, name))
    return asked


def variants_question(
    spec: Spec, table_name: str, name: str, shown: list[str]
) -> list[ChatMessage]:
    table = spec.tables[table_name]
    column = table.columns[name]
    about = f" ({column.description})" if column.description else ""
    such = f", such as: {'; '.join(shown[:SHOWN])}" if shown else ""
    return question_about(
        spec,
        table_name,
        [f'Column "{name}"{about}: each row has a different value{such}.'],
        f'The table has {table.rows} rows, more than there are different "{name}" values. Real '
        f'"{table_name}" that share a "{name}" are told apart by a few words written after it. '
        f"List {ASKED} such words that would fit after any of them (a size, an amount, a "
        "version, an edition or the like), each one to three words. "
        'Answer as JSON: {"values": [...]}.',
        system="You list realistic values. Answer with JSON only.",
    )


def variants_kept(text: str, shown: list[str]) -> list[str]:
    """The reply's variants that read as a few words after a name: not a name of the list
    itself, not longer than ``LONGEST`` characters, not a number alone (numbering's), each
    once (case aside)."""
    names = {s.strip().lower() for s in shown}
    kept: list[str] = []
    for value in reply_values(text):
        if not isinstance(value, str):
            continue
        variant = " ".join(value.split())
        if not variant or len(variant) > LONGEST or variant.lower() in names:
            continue
        if re.fullmatch(r"[(#]?\s*[0-9]+\s*\)?", variant):
            continue
        if variant.lower() not in {k.lower() for k in kept}:
            kept.append(variant)
    return kept


def _shown(column: dict[str, Any]) -> list[str]:
    """Names of the column the question shows: its lists' first ones, in turn."""
    lists = next(iter((column.get("values_by") or {}).values()), {})
    rounds = [list(values) for values in lists.values()]
    shown: list[str] = []
    for index in range(max((len(r) for r in rounds), default=0)):
        shown += [r[index] for r in rounds if index < len(r)]
    return shown[:SHOWN]


def ask_variants(
    client: ChatClient,
    spec: Spec,
    data: dict[str, Any],
    asked: list[TypicalAnswer],
    *,
    seed: int,
    say: Progress,
) -> bool:
    """Set each column of ``variants_to_ask`` its ``variants`` in ``data`` where the model
    gives ``VARIANTS_LEAST`` or more that read as variants; the answers are added to
    ``asked``. True when the endpoint failed (the questions stop)."""
    for table_name, name in variants_to_ask(spec):
        target = data["tables"][table_name]["columns"][name]
        shown = _shown(target)
        answer = TypicalAnswer(table_name, name, asked="variants of a name")
        asked.append(answer)
        text = _request(
            client,
            variants_question(spec, table_name, name, shown),
            values_schema(ASKED, "variants"),
            ASKED * TOKENS_PER_VALUE + 20,
            answer,
            seed,
            say,
        )
        if text is None:
            return True
        kept = variants_kept(text, shown)
        answer.lists = {"variants": kept}
        if len(kept) < VARIANTS_LEAST:
            answer.why = f"fewer than {VARIANTS_LEAST} variants that read as a few words"
            continue
        answer.kept = True
        target["variants"] = kept
        say(f"{table_name}.{name}: variants {', '.join(kept)}")
    return False
