"""People's ratings skew high, read from names before anything is asked.

A satisfaction survey's scores, a product's review stars and an app's ratings pile at the top of
their scale: most people who answer are content, and the unhappy few give the lowest score more
often than the middle ones (the J-shape of review scores). Drawn evenly between their bounds,
a 1-5 score has a median of 3. Asked, the embedded model gave a support desk's satisfaction
(1 to 5) a typical 7, then, told the bounds, 5 with a range of 1 to 5: the bounds said back
(2026-11-28). So a rating of people's opinion (``satisfaction``, ``rating``, ``csat``, a
review's or feedback's ``score`` or ``stars``) on a scale of 5 to 11 points gets ``values`` and
J-shaped ``weights``; a hotel's stars or an exam's score, which are no opinion, do not.
"""

from __future__ import annotations

from codegen.pipeline.attempt import Progress
from codegen.spec.model import Spec

OPINION_WORDS = {"satisfaction", "csat", "rating", "ratings"}
REVIEW_WORDS = {"review", "reviews", "feedback", "survey"}
SCORE_WORDS = {"score", "stars", "rating", "grade"}
SCALE_POINTS = range(5, 12)  # 1-5, 0-5, 1-10, 0-10


def scale_weights(points: int) -> list[float]:
    """Shares of a J-shaped rating on ``points`` points, lowest first: rising steeply to the
    top, which holds about half the answers, with the lowest above its neighbours (on 1-5:
    7%, 4%, 10%, 25%, 55%)."""
    shares = [0.06 + 0.94 * (i / (points - 1)) ** 3 for i in range(points)]
    shares[0] += 0.06
    total = sum(shares)
    return [round(share / total, 3) for share in shares]


def rating_columns(spec: Spec) -> list[tuple[str, str]]:
    """(table, column) of each integer rating of people's opinion with bounds of a scale and no
    values, typical value or weights of its own."""
    from codegen.program.shapes import _words

    found = []
    for table_name, table in spec.tables.items():
        context = set(_words(f"{table_name} {table.description or ''}"))
        for name, column in table.columns.items():
            if column.type != "integer" or column.min is None or column.max is None:
                continue
            if column.values or column.typical is not None or column.typical_by is not None:
                continue
            if column.primary_key or column.unique or column.references:
                continue
            if int(column.max) - int(column.min) + 1 not in SCALE_POINTS:
                continue
            words = set(_words(name))
            reviewed = (words | context) & REVIEW_WORDS
            if words & OPINION_WORDS or (reviewed and words & SCORE_WORDS):
                found.append((table_name, name))
    return found


def with_rating_shapes(spec: Spec, progress: Progress | None = None) -> Spec:
    """``spec`` with each rating of ``rating_columns`` given its scale's values and weights."""
    found = rating_columns(spec)
    if not found:
        return spec
    say = progress or (lambda line: None)
    data = spec.model_dump(mode="json", exclude_none=True)
    for table_name, name in found:
        target = data["tables"][table_name]["columns"][name]
        values = list(range(int(target["min"]), int(target["max"]) + 1))
        target["values"], target["weights"] = values, scale_weights(len(values))
        say(f"rating {table_name}.{name}: skewed to the top of {values[0]}-{values[-1]}")
    return Spec.model_validate(data)
