"""The functions a starting program calls to draw columns of realistic shape.

Like ``codegen.program.sqlruntime``, the program carries the source of those it uses
(``source_of``), so it needs only numpy; the host's tests import them from here.
"""

from __future__ import annotations

import ast
import inspect

import numpy as np

_P90 = 1.2815515655446004  # the standard normal's 90th percentile


def draw_typical(rng, n, typical, low, high, lowest=None, highest=None, whole=False):
    """``n`` values whose median is ``typical`` and whose 10th and 90th percentiles are ``low``
    and ``high``: a normal with a different spread on each side, on a log scale where the
    values are positive and reach further above the median than below (prices, sizes, counts
    of things), so the long tail is to the right, as in real data. Values outside ``lowest`` and
    ``highest`` (the column's min and max) are drawn again rather than clipped, so none pile up
    at a bound; ``whole``: rounded to whole numbers."""
    z = rng.standard_normal(n)
    skewed = low > 0 and high - typical > typical - low
    for _ in range(20):
        if skewed:
            below, above = np.log(typical / low) / _P90, np.log(high / typical) / _P90
            values = typical * np.exp(z * np.where(z < 0, below, above))
        else:
            below, above = (typical - low) / _P90, (high - typical) / _P90
            values = typical + z * np.where(z < 0, below, above)
        if whole:
            values = np.round(values)
        outside = np.zeros(n, dtype=bool)
        if lowest is not None:
            outside |= values < lowest
        if highest is not None:
            outside |= values > highest
        if not outside.any():
            break
        z = np.where(outside, rng.standard_normal(n), z)
    return np.clip(values, lowest, highest)


_NAMES = [name for name in dict(globals()) if name.startswith("draw_")]


def helper_names() -> frozenset[str]:
    """The names of the functions a program may call."""
    return frozenset(_NAMES)


def source_of(names: set[str] | frozenset[str]) -> str:
    """The source of the named functions, and the constants they read, in this module's order."""
    wanted = [n for n in _NAMES if n in names]
    if not wanted:
        return ""
    read = {
        node.id
        for name in wanted
        for node in ast.walk(ast.parse(inspect.getsource(globals()[name])))
        if isinstance(node, ast.Name)
    }
    constants = [f"{name} = {globals()[name]!r}" for name in ("_P90",) if name in read]
    functions = [inspect.getsource(globals()[n]).rstrip() for n in wanted]
    return "\n\n".join(constants + functions)
