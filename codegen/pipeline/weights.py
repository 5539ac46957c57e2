"""How common each listed value is: the model's shares, made as steep as real lists are where
they hedge, with the value most rows have asked apart.

Asked "how common is each value?", the embedded 1.5B model hedges: its shares step down evenly
from the one it puts first (a Dutch dairy herd's breeds 40/30/20/10%, a cinema's tickets adult
37%), where real lists are steep (nine Dutch cows in ten are Holstein-Friesians). Measured on
36 listed columns of the examples whose most common value is plain to someone who knows the
domain (2026-11-28, the session's notes): its shares put the right one first 19 times. Asked
"which value do most rows have?" after a reason in a few words, it named it 27 times with the
values as listed, but 19 with them reversed: a small model favours the value listed first, and
spec writers often list the commonest first. Asked both ways, it agreed 19 times, 15 of them
right. So the value both ways name is moved to the top of the shares (5 first places put right,
2 put wrong: a bank's savings accounts above its current ones), and shares where no value holds
most rows are raised to a power (``STEEPER``) that takes the model's hedged sizes to real ones
in the middle of the columns measured: about 2 (a cinema's 37% adult tickets need it, a
Dutch library's 37% Dutch books more; a bank's 70% card payments, no hedge, are left alone).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from codegen.llm.client import ChatClient, ChatMessage
from codegen.pipeline.attempt import Progress
from codegen.pipeline.typical import (
    LISTED_LEAST_SHARE,
    TypicalAnswer,
    _ask_more,
    _json_part,
    _json_schema,
    question_about,
)
from codegen.spec.model import Spec

STEEPER = 2.0  # the power the model's shares are raised to (see the module's docstring)
REASON_MAX_CHARS = 100  # the few words said before the value most rows have
MOST_MAX_TOKENS = 50
TIED_STEP = 1.5  # a value most rows have, tied at the top of the shares: this much above
HEDGED = 0.5  # shares whose largest is below this share of their sum are made steeper


class MostReply(BaseModel):
    """The value most of a column's rows have, after why in a few words (the order the model
    writes them in: the reason first)."""

    reason: str  # at most REASON_MAX_CHARS where the server keeps to the schema
    most_common: str


def most_question(spec: Spec, table_name: str, name: str, order: list[str]) -> list[ChatMessage]:
    """The question of the value most rows of a listed column have, its values in ``order``."""
    column = spec.tables[table_name].columns[name]
    about = f" ({column.description})" if column.description else ""
    return question_about(
        spec,
        table_name,
        [f'Column "{name}"{about}: one of: ' + ", ".join(order) + "."],
        f'In real data like this, which value of "{name}" do most rows have? First say why in '
        'a few words. Answer as JSON: {"reason": words, "most_common": value}.',
    )


def most_format(order: list[str]) -> dict[str, Any]:
    schema = {
        "type": "object",
        "properties": {
            "reason": {"type": "string", "maxLength": REASON_MAX_CHARS},
            "most_common": {"type": "string", "enum": order},
        },
        "required": ["reason", "most_common"],
        "additionalProperties": False,
    }
    return _json_schema("most_common", schema)


def ask_most(
    client: ChatClient,
    spec: Spec,
    table_name: str,
    name: str,
    answer: TypicalAnswer,
    seed: int,
    say: Progress,
) -> tuple[str | None, bool]:
    """(the value most rows have where both orders of asking agree, else None; whether the
    endpoint failed). Each question's time and usage are added to ``answer``'s."""
    values = [str(v) for v in spec.tables[table_name].columns[name].values or []]
    said = []
    for order in (values, values[::-1]):
        messages = most_question(spec, table_name, name, order)
        text = _ask_more(client, messages, most_format(order), answer, seed, say, MOST_MAX_TOKENS)
        if text is None:
            return None, True
        try:
            said.append(MostReply.model_validate_json(_json_part(text)).most_common)
        except ValidationError:
            return None, False
    agreed = said[0] if said[0] == said[1] and said[0] in values else None
    return agreed, False


def steeper(shares: dict[str, float], most: str | None = None) -> dict[str, float]:
    """``shares`` (the model's, any scale) as they are used, summing to 1: ``most`` (the value
    most rows have, asked apart) first, its share swapped with the one the model put first (or
    raised by ``TIED_STEP`` where tied with it), then, where no value holds most rows (below
    ``HEDGED`` of them: a hedge), raised to ``STEEPER``; floored at ``LISTED_LEAST_SHARE``
    (every listed value is there in real data)."""
    moved = dict(shares)
    if most is not None and most in moved:
        top = max(moved, key=lambda v: moved[v])
        if moved[top] > moved[most]:
            moved[top], moved[most] = moved[most], moved[top]
        elif any(v != most and moved[v] == moved[most] for v in moved):
            moved[most] *= TIED_STEP
    total = sum(max(x, 0.0) for x in moved.values())
    if total <= 0:
        return {v: 1 / len(shares) for v in shares}
    # hedged: no value holds most rows (a card's 70% of a bank's payments is no hedge)
    power = STEEPER if max(moved.values()) < HEDGED * total else 1.0
    raised = {v: max(x, 0.0) ** power for v, x in moved.items()}
    total = sum(raised.values())
    floored = {v: max(x / total, LISTED_LEAST_SHARE) for v, x in raised.items()}
    total = sum(floored.values())
    return {v: round(x / total, 4) for v, x in floored.items()}


def settle_weights(
    client: ChatClient,
    spec: Spec,
    table_name: str,
    name: str,
    answer: TypicalAnswer,
    target: dict[str, Any],
    seed: int,
    say: Progress,
) -> tuple[str, bool]:
    """Shares the model gave (``answer.weights``) as ``steeper`` makes them, set on ``target``
    (the column's spec data) and ``answer``: (the line that says them, whether the endpoint
    failed). The model's own shares stay in ``answer.said``."""
    said = dict(answer.weights or {})
    most, failed = ask_most(client, spec, table_name, name, answer, seed, say)
    if failed:
        return "", True
    used = heads_fewest(mishaps_few(steeper(said, most)))
    answer.said, answer.most, answer.weights = said, most, used
    target["weights"] = list(used.values())
    first = f"; most rows: {most}" if most is not None else ""
    return ", ".join(f"{v} {x:.0%}" for v, x in used.items()) + first, False


# Values a mishap's words name that are common outcomes in a list: a sales deal "lost" (most
# are), unlike a flag of lost luggage.
COMMON_LOSSES = {"lost"}


def mishaps_few(shares: dict[str, float]) -> dict[str, float]:
    """``shares`` (summing to 1) with each value that names something going wrong now and then
    (``typical.is_mishap``: a marathon's did_not_finish, a booking's no_show) at most
    ``MISHAP_MOST``, the rest given to the other values in proportion, as a flag's share is:
    asked, the embedded model had 15% of a marathon's starters not finish (real: 1-8%)."""
    from codegen.pipeline.typical import MISHAP_MOST, is_mishap

    mishaps = {v for v in shares if is_mishap(str(v)) and str(v).lower() not in COMMON_LOSSES}
    rest = sum(x for v, x in shares.items() if v not in mishaps)
    if not mishaps or rest <= 0:
        return shares
    capped = {v: min(x, MISHAP_MOST) for v, x in shares.items() if v in mishaps}
    left = 1.0 - sum(capped.values())
    return {v: round(capped[v] if v in mishaps else x * left / rest, 4) for v, x in shares.items()}


# Words of a rank in an organisation, lowest first: the people at a rank of ``HEAD_RANK`` or
# above (a manager, a director, a partner) lead those below and are fewer than any of them.
JOB_RANKS = {
    "intern": 0, "trainee": 0, "apprentice": 0, "junior": 1, "assistant": 1, "associate": 2,
    "mid": 2, "medior": 2, "intermediate": 2, "senior": 3, "lead": 4, "principal": 4,
    "manager": 5, "head": 6, "director": 6, "partner": 7, "vp": 7, "executive": 7, "chief": 8,
    "owner": 8,
}  # fmt: skip
HEAD_RANK = 5


def heads_fewest(shares: dict[str, float]) -> dict[str, float]:
    """``shares`` with the value at the top of an organisation's ranks (every value a rank:
    junior, senior, director; three ranks or more, the top a manager's or above) holding the
    fewest rows, its share swapped with the smallest: asked, the embedded model gave half a
    salon's six stylists the rank of director."""
    from codegen.program.shapes import _words

    ranks = {}
    for value in shares:
        found = [JOB_RANKS[w] for w in _words(str(value)) if w in JOB_RANKS]
        if not found:
            return shares
        ranks[value] = max(found)
    top = max(ranks, key=lambda v: ranks[v])
    if len(set(ranks.values())) < 3 or ranks[top] < HEAD_RANK:
        return shares
    fewest = min(shares, key=lambda v: shares[v])
    swapped = dict(shares)
    swapped[top], swapped[fewest] = shares[fewest], shares[top]
    return swapped
