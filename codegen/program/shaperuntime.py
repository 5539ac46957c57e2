"""The functions a starting program calls to draw realistic shapes: how many children each
parent has, and at which hours and on which weekdays people do things.

``codegen.program.shapes`` decides where they apply; the starting program carries the source of
those it calls (``source_for``), as it carries ``codegen.program.sqlruntime``'s, so it still
needs only numpy and pandas. Every function draws from the program's ``rng``, so a seed gives the
same data, and works on whole columns: millions of rows cost a few vectorised passes.
"""

from __future__ import annotations

import ast
import inspect

import numpy as np
import pandas as pd


def shape_shares(rng, count, skew=1.0):
    """Each of ``count`` parents' share of the children (summing to 1), log-normal with spread
    ``skew``: at 1 a tenth of the parents hold about 40% of the children and many hold one or
    none, as customers and their orders do; at 0 every parent alike. The shares are drawn
    independently, so the heavy parents fall anywhere among the keys, not first."""
    if count == 0:
        return np.ones(0)
    weights = rng.lognormal(0.0, max(float(skew), 0.0), size=count)
    return weights / weights.sum()


def shape_rhythm(name):
    """(weight of each hour of the day 0-23, weight of each weekday Monday-Sunday) of a rhythm
    of people's activity; None: every hour and day alike. Hours are given at a few points and
    straight in between; the weights are relative (1 = the busiest)."""
    rhythms = {  # hours, their weights, weekdays
        # offices and businesses: working hours with a lunch dip, quiet at weekends
        "office": (
            [0, 6, 8, 9, 12, 13, 14, 16, 18, 21, 23],
            [0.02, 0.02, 0.6, 1, 1, 0.7, 1, 0.9, 0.3, 0.08, 0.03],
            [1, 1, 1, 1, 0.9, 0.12, 0.08],
        ),
        # shopping, payments, logins: all day, most in the evening, a little more at weekends
        "shopping": (
            [0, 3, 5, 7, 10, 12, 14, 17, 20, 22, 23],
            [0.15, 0.04, 0.05, 0.3, 0.6, 0.75, 0.65, 0.75, 1, 0.6, 0.3],
            [1, 1, 1, 1, 1.05, 1.15, 1.1],
        ),
        # visits, sport, outings: before work and after it, busiest at weekends
        "leisure": (
            [0, 5, 6, 7, 9, 12, 14, 18, 20, 22, 23],
            [0.02, 0.02, 0.3, 0.6, 0.5, 0.7, 0.55, 1, 0.7, 0.2, 0.06],
            [0.85, 0.9, 0.9, 0.9, 0.95, 1.3, 1.2],
        ),
        # flights, trains, rides: early morning and late afternoon waves, fewer on Saturdays
        "travel": (
            [0, 4, 5, 7, 10, 15, 17, 19, 21, 23],
            [0.02, 0.02, 0.2, 1, 0.7, 0.7, 0.9, 0.8, 0.4, 0.08],
            [1.05, 0.95, 0.95, 1, 1.1, 0.8, 1],
        ),
    }
    if name is None:
        return np.ones(24), np.ones(7)
    points, levels, weekdays = rhythms[name]
    return np.interp(np.arange(24), points, levels), np.asarray(weekdays, dtype=float)


def shape_keys(rng, keys, n, share, every=False):
    """``n`` of the ``keys``, each about its ``share`` of them (``shape_shares``), in random
    order; ``every``: each key at least once where ``n`` allows (an order has an item). How many
    rows each key gets is drawn first, which costs the keys and the rows, not their product."""
    keys = np.asarray(keys)
    floor = 1 if every and n >= len(keys) else 0
    counts = rng.multinomial(n - floor * len(keys), share) + floor
    picked = np.repeat(keys, counts)
    rng.shuffle(picked)
    return picked


def shape_times(rng, low, high, n, rhythm, date=False):
    """``n`` datetimes from ``low`` to ``high`` (both included), in whole seconds (``date``:
    whole days, at midnight), more at the busy hours and weekdays of ``rhythm``
    (``shape_rhythm``), in random order. How many fall in each hour (day) of the range is drawn
    first, by its weight times the part of it within the range, then a second within it."""
    tick = 86_400 if date else 1  # seconds of the values drawn: days or seconds
    slot = 1 if date else 3_600  # ticks of a part with one weight: a day or an hour
    first = pd.Timestamp(low).value // 10**9 // tick
    last = pd.Timestamp(high).value // 10**9 // tick
    if rhythm is None or last // slot - first // slot >= 2_000_000:  # or centuries: no rhythm
        starts, slot = np.array([first]), last + 1 - first
    else:
        starts = np.arange(first // slot, last // slot + 1) * slot
    begin = np.maximum(starts, first)
    length = np.minimum(starts + slot, last + 1) - begin
    hours, weekdays = shape_rhythm(rhythm)
    seconds = begin * tick
    weekday = (seconds // 86_400 + 3) % 7  # 1970-01-01 was a Thursday: Monday is 0
    weight = weekdays[weekday] * (1.0 if date else hours[seconds // 3_600 % 24]) * length
    counts = rng.multinomial(n, weight / weight.sum())
    values = np.repeat(begin, counts)
    values += (rng.random(n) * np.repeat(length, counts)).astype(np.int64)
    rng.shuffle(values)
    return pd.to_datetime(values * tick, unit="s")


_NAMES = [name for name in dict(globals()) if name.startswith("shape_")]


def helpers_used(text: str) -> set[str]:
    """The functions of this module a piece of Python calls."""
    return {n.id for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Name) and n.id in _NAMES}


def source_for(text: str) -> str:
    """The source of the functions of this module that ``text`` (a program) calls and of those
    they call, in this module's order; empty when it calls none."""
    wanted, more = set(), helpers_used(text)
    while more - wanted:
        wanted |= more
        more = set().union(*(helpers_used(inspect.getsource(globals()[n])) for n in wanted))
    return "\n\n\n".join(inspect.getsource(globals()[n]).rstrip() for n in _NAMES if n in wanted)
