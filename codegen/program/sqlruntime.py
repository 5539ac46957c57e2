"""The functions a starting program calls to evaluate SQL checks the way DuckDB does.

``codegen.program.sqlcode`` compiles a check into a numpy/pandas expression; where numpy's
meaning differs from SQL's it calls one of these: nulls in comparisons (a comparison with a null
is null, and a check fails only where it is false), ROUND half away from zero, months added with
the day clamped, ``LIKE``, ``IN`` with nulls. The starting program carries the source of those it
uses (``source_of``), so it still needs only numpy and pandas; the host's tests import them from
here. Every function takes and returns whole columns (numpy arrays, pandas arrays or scalars).
"""

from __future__ import annotations

import ast
import inspect

import numpy as np
import pandas as pd


def sql_time(x):
    """A date or datetime column as datetime64[ns] (NaT where null)."""
    if np.ndim(x) == 0:
        return np.datetime64("NaT", "ns") if pd.isna(x) else np.datetime64(pd.Timestamp(x), "ns")
    return pd.to_datetime(pd.Series(np.asarray(x) if isinstance(x, list) else x)).to_numpy(
        dtype="datetime64[ns]"
    )


def sql_num(x):
    """A numeric column as a numpy array: int64 when it has no nulls, else float with NaN."""
    if np.ndim(x) == 0:
        return np.nan if pd.isna(x) else x
    values = pd.Series(x)
    if values.dtype.kind in "iu" and not values.hasnans:
        return values.to_numpy(dtype=np.int64)
    return values.to_numpy(dtype=float, na_value=np.nan)


def sql_str(x):
    """A string column as an object array (None where null)."""
    if np.ndim(x) == 0:
        return None if pd.isna(x) else x
    values = pd.Series(x, dtype=object)
    return values.where(values.notna(), None).to_numpy(dtype=object)


def sql_bool(x):
    """A condition or boolean column as a pandas boolean array (NA where null)."""
    if np.ndim(x) == 0:
        return pd.NA if pd.isna(x) else bool(x)
    return pd.array(pd.Series(x, dtype=object).where(pd.notna(x), None), dtype="boolean")


def sql_cmp(a, compare, b):
    """``a <op> b`` (``compare`` a numpy comparison such as np.less) with SQL's nulls."""
    a = np.asarray(a) if np.ndim(a) else a
    b = np.asarray(b) if np.ndim(b) else b
    null = np.asarray(pd.isna(a)) | np.asarray(pd.isna(b))
    if np.ndim(null) == 0:
        return pd.NA if null else bool(compare(a, b))
    known = ~null
    out = np.zeros(null.shape, dtype=bool)
    out[known] = compare(a[known] if np.ndim(a) else a, b[known] if np.ndim(b) else b)
    result = pd.array(out, dtype="boolean")
    result[null] = pd.NA
    return result


def sql_in(a, values):
    """``a IN (values)``: true where listed, null where ``a`` is null or a listed value is."""
    listed = [v for v in values if not pd.isna(v)]
    if np.ndim(a) == 0:
        return sql_in(np.array([a], dtype=object), values)[0]
    hit = pd.Series(a).isin(listed).to_numpy()
    result = pd.array(hit, dtype="boolean")
    result[~hit & (np.asarray(pd.isna(a)) | (len(listed) < len(values)))] = pd.NA
    return result


def sql_false(condition, n):
    """The rows (a boolean mask of ``n``) where a condition is false: null is not false."""
    if isinstance(condition, np.ndarray) and condition.dtype == bool:
        return ~condition
    if np.ndim(condition) == 0:
        return np.full(n, condition is not pd.NA and not pd.isna(condition) and not condition)
    return (~sql_bool(condition)).to_numpy(dtype=bool, na_value=False)


def sql_true(condition, n):
    """The rows (a boolean mask of ``n``) where a condition is true."""
    if np.ndim(condition) == 0:
        return np.full(n, condition is not pd.NA and not pd.isna(condition) and bool(condition))
    return sql_bool(condition).to_numpy(dtype=bool, na_value=False)


def sql_round(x, digits=0):
    """ROUND of doubles as DuckDB does it: the exact value of ``x`` rounded half away from zero
    to ``digits`` places (so 2.675, stored as 2.67499999..., gives 2.67, and 0.125 gives 0.13).

    ``x * 10**digits`` is rounded once in floating point; its exact error (Dekker's product)
    decides the one case where that rounding matters, a product that lands on a half."""
    x = np.asarray(x, dtype=float)
    scale = 10.0 ** abs(digits)
    with np.errstate(invalid="ignore", over="ignore"):
        if digits >= 0:
            v = x * scale
            split = 134217729.0  # 2**27 + 1
            c = split * x
            xh = c - (c - x)
            c = split * scale
            sh = c - (c - scale)
            error = ((xh * sh - v) + xh * (scale - sh) + (x - xh) * sh) + (x - xh) * (scale - sh)
        else:
            v = x / scale
            error = np.zeros_like(v)
        whole = np.floor(np.abs(v))
        rest = np.abs(v) - whole
        up = (rest > 0.5) | ((rest == 0.5) & (np.sign(error) * np.sign(v) >= 0))
        whole = np.copysign(whole + up, v)
        out = whole / scale if digits >= 0 else whole * scale
    return np.where(np.isfinite(out) | np.isnan(x), out, x if digits >= 0 else 0.0)


def sql_dround(v, shift):
    """A decimal held as whole numbers (value * 10**scale) with ``shift`` digits rounded off,
    half away from zero, exactly."""
    step = 10.0**shift
    rest = np.fmod(v, step)
    return (v - rest) / step + np.where(np.abs(rest) * 2 >= step, np.sign(v), 0)


def sql_cast_int(x):
    """CAST(double AS BIGINT): to the nearest whole number, ties to even (as DuckDB)."""
    return np.rint(np.asarray(x, dtype=float))


def sql_idiv(a, b):
    """Integer ``a // b``: truncated towards zero, as DuckDB divides BIGINTs."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.trunc(np.divide(a, b, dtype=float))


def sql_day(x, up=False):
    """CAST(x AS DATE): a date or datetime floored to its day (midnight); ``up``: the first
    midnight at or after it."""
    x = sql_time(x)
    day = x.astype("datetime64[D]").astype("datetime64[ns]")
    return np.where(day < x, day + np.timedelta64(1, "D"), day) if up else day


def sql_clock(x):
    """CAST(x AS TIME): the time of day of a date or datetime, as the time since midnight."""
    x = sql_time(x)
    return x - x.astype("datetime64[D]").astype("datetime64[ns]")


def sql_months(x, months):
    """A date or datetime plus whole months, the day clamped to the month's last (Jan 31 + 1
    month = Feb 29 in 2024), as DuckDB adds an INTERVAL n MONTH."""
    x = sql_time(x)
    start = x.astype("datetime64[M]")
    day = x.astype("datetime64[D]") - start.astype("datetime64[D]")
    time = x - x.astype("datetime64[D]")
    target = start + np.asarray(months).astype("timedelta64[M]")
    last = (target + np.timedelta64(1, "M")).astype("datetime64[D]") - target.astype(
        "datetime64[D]"
    )
    day = np.minimum(day, last - np.timedelta64(1, "D"))
    return (target.astype("datetime64[D]") + day).astype("datetime64[ns]") + time


def sql_grid(x, num, den=1, offset=0.0, low=None, high=None):
    """Numbers moved to the nearest point ``offset + k * num / den`` of a grid (cents, quarter
    hours, tens), then a step inwards where that left ``low`` or ``high``. ``k * num / den`` is
    the double nearest the grid point, the one DuckDB's ROUND gives."""
    x = np.asarray(x, dtype=float)
    k = np.round((x - offset) * den / num)
    out = k * num / den + offset
    if low is not None:
        out = np.where(out < low, (k + 1) * num / den + offset, out)
    if high is not None:
        out = np.where(out > high, (k - 1) * num / den + offset, out)
    return out


def sql_tgrid(x, unit, size=1, low=None, high=None):
    """Dates and datetimes floored to a grid: whole ``size`` minutes (``m``) or hours (``h``),
    days (``D``), Mondays (``W``), the first of a month (``M``, ``size`` 3: of a quarter) or of a
    year (``Y``); the next grid point where that fell below ``low``."""
    x = sql_time(x)
    if unit in ("M", "Y"):
        size = size * 12 if unit == "Y" else size
        count = x.astype("datetime64[M]").astype(np.int64)
        first = count // size * size
        out, up = (
            v.astype("datetime64[M]").astype("datetime64[ns]") for v in (first, first + size)
        )
    elif unit == "W":  # 1970-01-01 was a Thursday
        days = x.astype("datetime64[D]").astype(np.int64)
        first = days - (days + 3) % 7
        out, up = (v.astype("datetime64[D]").astype("datetime64[ns]") for v in (first, first + 7))
    else:
        count = x.astype(f"datetime64[{unit}]").astype(np.int64)
        first = count // size * size
        out, up = (
            v.astype(f"datetime64[{unit}]").astype("datetime64[ns]") for v in (first, first + size)
        )
    if low is not None:
        out = np.where(out < np.datetime64(str(low).replace(" ", "T"), "ns"), up, out)
    if high is not None:
        top = np.datetime64(str(high).replace(" ", "T"), "ns")
        out = np.where(out > top, out - (up - out), out)
    return out


def sql_points(unit, size, low, high):
    """Every point of a time grid from ``low`` to ``high`` (``sql_tgrid``'s units), in order:
    the hours of a day for a key of one row per sensor per hour."""
    base = unit if unit in ("m", "h") else "D"
    first = np.datetime64(str(low).replace(" ", "T"), base)
    last = np.datetime64(str(high).replace(" ", "T"), base)
    steps = np.arange(first, last + np.timedelta64(1, base), np.timedelta64(1, base))
    return np.unique(sql_tgrid(steps, unit, size, low, high))


def sql_interval(count, unit_ns):
    """``count * INTERVAL 1 <unit>`` as timedelta64[ns] (NaT where the count is null)."""
    count = np.asarray(count)
    if count.dtype.kind in "iu":
        return (count * unit_ns).astype("timedelta64[ns]")
    ns = np.round(count.astype(float) * unit_ns)
    whole = np.where(np.isnan(ns), 0, ns).astype(np.int64).astype("timedelta64[ns]")
    return np.where(np.isnan(ns), np.timedelta64("NaT"), whole)


def sql_part(x, part):
    """EXTRACT(part FROM x) of dates and datetimes, as floats (NaN where null)."""
    t = pd.DatetimeIndex(sql_time(x))
    if part == "epoch":
        out = (t - pd.Timestamp(0)).total_seconds()
    elif part == "dow":
        out = (t.day_of_week + 1) % 7
    elif part == "isodow":
        out = t.day_of_week + 1
    elif part == "week":
        out = t.isocalendar().week.astype(float)
    elif part == "doy":
        out = t.day_of_year
    else:
        out = getattr(t, part)
    return np.where(np.isnat(sql_time(x)), np.nan, np.asarray(out, dtype=float))


def sql_date_diff(part, a, b):
    """date_diff(part, a, b): how many ``part`` boundaries lie between a and b (NaN where null)."""
    a, b = sql_time(a), sql_time(b)
    if part in ("year", "quarter", "month"):
        size = {"year": 12, "quarter": 3, "month": 1}[part]
        first, last = (np.floor(v.astype("datetime64[M]").astype(float) / size) for v in (a, b))
    else:
        unit = {"day": "D", "hour": "h", "minute": "m", "second": "s"}[part]
        first, last = (v.astype(f"datetime64[{unit}]").astype(float) for v in (a, b))
    return np.where(np.isnat(a) | np.isnat(b), np.nan, last - first)


def sql_text(x):
    """String functions' input: a pandas string Series (NA where null)."""
    return pd.Series(sql_str(x) if np.ndim(x) else [x], dtype="string")


def sql_like(x, pattern, case=True):
    """``x LIKE pattern`` with the pattern already a regular expression, matched in full."""
    matched = sql_text(x).str.fullmatch(pattern, case=case, flags=16)  # re.DOTALL
    return matched.array if np.ndim(x) else matched.iloc[0]


def sql_len(x):
    """LENGTH: characters, as floats (NaN where null)."""
    out = sql_text(x).str.len().to_numpy(dtype=float, na_value=np.nan)
    return out if np.ndim(x) else out[0]


def sql_lower(x):
    out = sql_text(x).str.lower().to_numpy(dtype=object, na_value=None)
    return out if np.ndim(x) else out[0]


def sql_upper(x):
    out = sql_text(x).str.upper().to_numpy(dtype=object, na_value=None)
    return out if np.ndim(x) else out[0]


def sql_filtered(draw, keep, n, check):
    """``n`` values of a column drawn as ``draw(m)`` (m values at a time) that ``keep(values)``
    (a mask) allows: drawn 8, then 64, then 512 times over until enough pass. Redrawing rows
    later could not keep a unique column unique; this keeps it, and its pattern."""
    for scale in (8, 64, 512):
        pool = draw(scale * n)
        kept = pool[np.asarray(keep(pool), dtype=bool)]
        if len(kept) >= n:
            return kept[:n]
    raise ValueError(
        f"check {check!r} allows {len(kept)} of {len(pool)} values drawn for its column; "
        f"{n} are needed"
    )


def sql_left(x, k):
    """LEFT(s, k): the first k characters (all of them from the end when k is negative)."""
    text = sql_text(x)
    out = text.str[:k].to_numpy(dtype=object, na_value=None)
    return out if np.ndim(x) else out[0]


def sql_right(x, k):
    """RIGHT(s, k): the last k characters."""
    text = sql_text(x)
    out = (text.str[-k:] if k > 0 else text.str[:0]).to_numpy(dtype=object, na_value=None)
    return out if np.ndim(x) else out[0]


def sql_concat(*parts):
    """``a || b || ...``: null where any part is."""
    size = max(np.size(p) if np.ndim(p) else 1 for p in parts)
    out = pd.Series([None] * size, dtype="string").fillna("")
    for part in parts:
        out = out + sql_text(part).to_numpy(dtype=object, na_value=None).repeat(
            size if not np.ndim(part) else 1
        )
    values = out.to_numpy(dtype=object, na_value=None)
    return values if any(np.ndim(p) for p in parts) else values[0]


def sql_prefixed(draw, want, size, n):
    """``n`` values of ``draw(k)`` (a pattern's draw of k values) whose first ``size``
    characters are each row's ``want`` (``LEFT(vat_number, 2) = country``): taken from a larger
    draw where the pattern often starts so; where it seldom does (an IBAN's any two letters),
    a draw with its front replaced. Never a value twice (unique columns stay unique)."""
    want = pd.Series(sql_str(want), dtype=object).reset_index(drop=True)
    if np.ndim(want) == 0 or len(want) != n:
        want = pd.Series([want.iloc[0] if len(want) else None] * n, dtype=object)
    out = pd.Series([None] * n, dtype=object)
    used: set = set()
    for factor in (4, 32):
        todo = out.isna() & want.notna()
        if not todo.any():
            break
        pool = pd.Series(sql_str(draw(int(todo.sum()) * factor)), dtype=object).dropna()
        pool = pool[~pool.isin(used)].drop_duplicates()
        heads = pool.str[:size]
        for head, rows in want[todo].groupby(want[todo]).groups.items():
            found = pool[heads == head].to_numpy(dtype=object)[: len(rows)]
            out.loc[rows[: len(found)]] = found
            used.update(found)
        if out[todo].notna().mean() < 0.25:
            break  # the pattern seldom starts with these: replace the front instead
    left = out.isna()
    if left.any():
        fresh = pd.Series(sql_str(draw(int(left.sum()))), dtype=object)
        front = want[left].to_numpy(dtype=object)
        fresh = np.where(pd.isna(front), fresh, sql_concat(front, fresh.str[size:].to_numpy()))
        out.loc[left] = fresh
    return out.to_numpy(dtype=object)


def sql_coalesce(*values):
    """The first value that is not null, row by row."""
    out = values[0]
    for value in values[1:]:
        out = np.where(pd.isna(out), value, out)
    return out


def sql_case(conditions, choices, default, n):
    """CASE WHEN: the first choice whose condition is true (null conditions are not)."""
    picks = [sql_true(c, n) for c in conditions]
    full = [np.broadcast_to(np.asarray(v), (n,)) for v in [*choices, default]]
    return np.select(picks, full[:-1], full[-1])


def sql_own(x):
    """A column the enforce step may change in place: a copy (strings as objects, so a longer
    string is never cut to the old width)."""
    if isinstance(x, pd.Series):
        return x.copy()
    values = np.array(x)
    return values.astype(object) if values.dtype.kind == "U" else values


def sql_take(x, rows):
    """A column's values at ``rows`` (row numbers), as a fresh positional array."""
    if np.ndim(x) == 0:
        return x
    if isinstance(x, pd.Series):
        return x.iloc[rows].reset_index(drop=True)
    return x[rows] if isinstance(x, pd.Index) else np.asarray(x)[rows]


def sql_put(x, rows, new):
    """The column ``x`` (owned, see ``sql_own``) with its values at ``rows`` replaced by ``new``."""
    if len(rows):
        values = new.array if isinstance(new, pd.Series | pd.Index) else new
        if isinstance(x, pd.Series):
            x.iloc[rows] = values
        else:
            x[rows] = values
    return x


def sql_rows(n, *parts):
    """The row numbers (of ``n``) in any of the parts, sorted; None parts are left out."""
    mask = np.zeros(n, dtype=bool)
    for part in parts:
        if part is not None:
            mask[part] = True
    return np.flatnonzero(mask)


def sql_recheck(false_rows, changed, still_false, n):
    """The rows where a check is false, after the ``changed`` rows were evaluated again."""
    mask = np.zeros(n, dtype=bool)
    mask[false_rows] = True
    mask[changed] = still_false
    return np.flatnonzero(mask)


def sql_unmet(false_rows, allowed, check, rounds, n):
    """Stop with a clear message when a check is still false on more rows than it allows."""
    if len(false_rows) > allowed:
        held = 1 - len(false_rows) / max(n, 1)
        raise ValueError(
            f"check {check!r} holds on only {held:.1%} of rows, after {rounds} "
            f"round{'s' * (rounds != 1)} of drawing again the rows where it is false: as its "
            "columns are drawn, it is too rarely true; draw them so that it holds more often"
        )


_NAMES = [name for name in dict(globals()) if name.startswith("sql_")]


def helper_names() -> frozenset[str]:
    """The names of the functions a program may call."""
    return frozenset(_NAMES)


def source_of(names: set[str] | frozenset[str]) -> str:
    """The source of the named functions and of those they call, in this module's order."""
    wanted = set(names) & set(_NAMES)
    while True:
        more = set()
        for name in wanted:
            tree = ast.parse(inspect.getsource(globals()[name]))
            more |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in _NAMES}
        if more <= wanted:
            break
        wanted |= more
    return "\n\n".join(inspect.getsource(globals()[n]).rstrip() for n in _NAMES if n in wanted)
