"""Values as the report writes them: numbers short and grouped (245,300.5; 0.0123), dates ISO,
long strings cut; and ``esc`` for everything that goes into HTML, since values come from
generated data, the spec and the model's replies."""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from typing import Any

CELL_CHARS = 60  # a sample cell longer than this is cut (the whole value is in its title)


def esc(value: Any) -> str:
    """Text safe in HTML content and in quoted attributes."""
    return html.escape(str(value), quote=True)


def slug(text: str) -> str:
    """An id for an anchor: letters, digits, - and _ only."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "x"


def number(value: float | int) -> str:
    """A number to read: grouped thousands, about four significant digits for fractions."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:,}"
    if not math.isfinite(value):
        return str(value)
    size = abs(value)
    if value == int(value) and size < 1e15:
        return f"{int(value):,}"
    if size >= 1e15 or size < 1e-4:
        return f"{value:.4g}"
    if size >= 100:
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    digits = max(0, 3 - math.floor(math.log10(size)))
    return f"{value:.{digits}f}".rstrip("0").rstrip(".")


def value(v: Any, *, limit: int | None = CELL_CHARS, grouped: bool = True) -> str:
    """Any value of a table as plain text (not escaped); ``grouped=False`` writes whole numbers
    as they are stored (a key or a year reads better as 2024 than as 2,024)."""
    if v is None:
        return "null"
    if isinstance(v, int) and not isinstance(v, bool) and not grouped:
        return str(v)
    if isinstance(v, bool | int | float):
        return number(v)
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if type(v).__name__ == "Decimal":
        return number(float(v))
    text = str(v)
    if limit is not None and len(text) > limit:
        return text[: limit - 1] + "…"
    return text


def percent(part: float, whole: float) -> str:
    """'38%', never 0% or 100% when it is not quite."""
    if whole <= 0:
        return "–"
    share = 100 * part / whole
    if 0 < share < 1:
        return f"{share:.2g}%"
    if 99 < share < 100:
        return f"{share:.3g}%" if share < 99.95 else ">99.9%"
    return f"{round(share)}%"


def count_share(part: int, whole: int) -> str:
    """'0', or '12 (1.2%)'."""
    return "0" if not part else f"{part:,} ({percent(part, whole)})"
