"""Strings that match a column's regular expression, written into the starting program.

Small local models asked for ``[A-Z]{3}-[0-9]{4}`` often write code whose values do not match:
a wrong alphabet, an off-by-one length, a forgotten literal, or a Python loop per row. A simple
pattern is a sequence of parts, each "``low``..``high`` characters from this alphabet"; the
starting program can fill such a column mechanically with ``strings_from_pattern``, which is right
by construction and fast. Patterns beyond that (groups, alternation, ``.``, negated classes,
lookarounds) give None here and stay with the model.
"""

from __future__ import annotations

import inspect
import re
import string

import numpy as np

try:  # the parser ``re`` itself uses: escapes and classes are read exactly as ``re`` reads them
    from re import _constants as _sre
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover - Python < 3.11 kept them as top-level modules
    import sre_constants as _sre  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]

HELPER_NAME = "strings_from_pattern"

Part = tuple[str, int, int]

_DIGITS = string.digits
_WORD = string.ascii_uppercase + string.ascii_lowercase + string.digits + "_"
# Beyond these the alphabet or the strings would swamp the prompt and the memory: the model can
# write such a column better than a huge literal can.
_MAX_ALPHABET = 256
_MAX_WIDTH = 512
# `+` and `*` look most natural up to about a word's length; `{n,}` a little beyond n.
_OPEN_HIGH = 8
_OPEN_EXTRA = 3
# A wide `{n,m}` stops at max(n + 8, 32) (every length in it matches) so the (rows, width) matrix
# stays small.
_SPAN_CAP = 32
_REPEATS = (_sre.MAX_REPEAT, _sre.MIN_REPEAT)  # possessive repeats can fail where greedy ones match
_STARTS = (_sre.AT_BEGINNING, _sre.AT_BEGINNING_STRING)
_ENDS = (_sre.AT_END, _sre.AT_END_STRING)


def pattern_parts(pattern: str) -> list[Part] | None:
    """The pattern as parts ``(alphabet, low, high)``, or None when it is not a simple one.

    Each part stands for ``low``..``high`` characters drawn from ``alphabet``, so every string
    made from the parts matches ``pattern`` in full. Unbounded repeats get a natural cap: ``+``
    1..8, ``*`` 0..8, ``{n,}`` n..n+3 (``{0,}`` and ``{1,}`` read like ``*`` and ``+``, since
    ``re`` does not tell them apart). A part of variable length whose class mixes letters or digits
    with other characters keeps only the letters and digits, so ``[a-z0-9._%+-]+`` gives
    ``k3jdx`` rather than ``%.-``.
    """
    if not isinstance(pattern, str) or not pattern:
        return None
    try:
        items = list(_sre_parse.parse(pattern))
    except (re.error, OverflowError, RecursionError, ValueError):
        return None
    if items and items[0][0] == _sre.AT and items[0][1] in _STARTS:
        items = items[1:]
    if items and items[-1][0] == _sre.AT and items[-1][1] in _ENDS:
        items = items[:-1]
    parts: list[Part] = []
    for op, value in _ungrouped(items):
        if op in _REPEATS:
            low, high, inner = value
            if len(inner) != 1:
                return None
            alphabet = _alphabet(*inner[0])
            if high == _sre.MAXREPEAT:
                high = _OPEN_HIGH if low < 2 else low + _OPEN_EXTRA
            high = min(high, max(low + 8, _SPAN_CAP))
        else:
            low = high = 1
            alphabet = _alphabet(op, value)
        if alphabet is None or (not alphabet and high > 0):
            return None
        if high == 0:
            continue  # `x{0}` adds nothing
        if low != high:
            alphabet = _realistic(alphabet)
        if parts and parts[-1][0] == alphabet:
            parts[-1] = (alphabet, parts[-1][1] + low, parts[-1][2] + high)
        else:
            parts.append((alphabet, low, high))
    if not parts or sum(high for _, _, high in parts) > _MAX_WIDTH:
        return None
    if not _samples_match(pattern, parts):
        return None
    return parts


def _ungrouped(items: list) -> list:
    """The items with each group that is not repeated replaced by its contents: ``(A|B|C)[0-9]``
    is ``[ABC][0-9]`` (``re`` reads a one-character alternation as a class). A group with a
    quantifier, or an alternation of longer strings, stays and makes the pattern not simple."""
    flat = []
    for op, value in items:
        if op == _sre.SUBPATTERN:
            flat.extend(_ungrouped(list(value[-1])))
        else:
            flat.append((op, value))
    return flat


def pattern_space(parts: list[Part]) -> int | None:
    """How many distinct strings the parts give when every part has a fixed length, else None.

    With variable lengths parts can overlap (``[a-z]{1,2}[a-z]{1,2}`` spells ``abc`` two ways),
    so there is no simple exact count; ``strings_from_pattern`` uses an upper bound instead."""
    if any(low != high for _, low, high in parts):
        return None
    space = 1
    for alphabet, low, _ in parts:
        space *= len(alphabet) ** low
    return space


def pattern_call(rng_name: str, count: str, pattern: str, unique: bool) -> str | None:
    """The expression that fills a column matching ``pattern``, or None when it is not simple.

    E.g. ``strings_from_pattern(rng, n_products, [('ABC...', 3, 3), ...], unique=True)``; the
    program must also contain ``HELPER_SOURCE``."""
    parts = pattern_parts(pattern)
    if parts is None:
        return None
    return f"{HELPER_NAME}({rng_name}, {count}, {parts!r}, unique={bool(unique)})"


def _alphabet(op: object, value: object) -> str | None:
    """The characters one parsed item matches, sorted; None when it is not a plain class."""
    if op == _sre.LITERAL:
        chars = {chr(value)}  # type: ignore[arg-type]
    elif op == _sre.IN:
        chars = set()
        for member_op, member in value:  # type: ignore[attr-defined]
            if member_op == _sre.LITERAL:
                chars.add(chr(member))
            elif member_op == _sre.RANGE:
                first, last = member
                if last - first >= _MAX_ALPHABET:
                    return None
                chars.update(chr(code) for code in range(first, last + 1))
            elif member_op == _sre.CATEGORY and member == _sre.CATEGORY_DIGIT:
                chars.update(_DIGITS)
            elif member_op == _sre.CATEGORY and member == _sre.CATEGORY_WORD:
                chars.update(_WORD)
            else:  # NEGATE, \s, \D, ...: not a small set we can draw from
                return None
    else:
        return None
    # NUL would end the string early in the generator's fixed-width arrays; control characters
    # would corrupt CSV files. A class left empty by this gives None.
    chars = {c for c in chars if c.isprintable()}
    if len(chars) > _MAX_ALPHABET:
        return None
    return "".join(sorted(chars))


def _realistic(alphabet: str) -> str:
    alphanumeric = "".join(c for c in alphabet if c.isalnum())
    return alphanumeric or alphabet


def _samples_match(pattern: str, parts: list[Part]) -> bool:
    """Guard against a parse this module misreads: the shortest and longest strings the parts
    give must match, or the pattern goes to the model instead."""
    shortest = "".join(alphabet[0] * low for alphabet, low, _ in parts)
    longest = "".join(alphabet[-1] * high for alphabet, _, high in parts)
    try:
        compiled = re.compile(pattern)
    except re.error:
        return False
    return all(compiled.fullmatch(text) for text in (shortest, longest))


def strings_from_pattern(rng, n, parts, unique=False):
    """n random strings; each part (alphabet, low, high) adds low..high characters drawn from
    alphabet. With unique=True the strings are all distinct, or ValueError says why not."""
    n = int(n)
    tables = [np.array([ord(c) for c in alphabet], dtype=np.uint32) for alphabet, _, _ in parts]
    width = max(1, sum(high for _, _, high in parts))
    # A word-like part (a variable length of 3 or more, from a whole alphabet of one case) reads
    # as a word: consonants and vowels in turn ("kamelo@vitaru.de", not "umi9b1@yenbmm.qxsof").
    words = {}
    for number, (alphabet, low, high) in enumerate(parts):
        for lower in (True, False):
            letters = "abcdefghijklmnopqrstuvwxyz" if lower else "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
            if high >= 3 and low < high and set(letters) <= set(alphabet):
                vowels = [c for c in letters if c in "aeiouAEIOU"]
                consonants = [c for c in letters if c not in vowels]
                words[number] = (
                    np.array([ord(c) for c in consonants], dtype=np.uint32),
                    np.array([ord(c) for c in vowels], dtype=np.uint32),
                )
                break
    # Exact count when every length is fixed, else an upper bound: below n, no luck can help.
    space = 1
    for alphabet, low, high in parts:
        choices = 0
        for k in range(low, high + 1):
            choices += len(alphabet) ** k
        space *= choices
    if unique and space < n:
        raise ValueError(
            f"strings_from_pattern: the pattern {parts!r} cannot give {n} distinct values "
            f"(at most {space}); drop unique or widen the pattern"
        )

    def as_strings(codes):
        # Code points in a (rows, width) uint32 matrix are a fixed-width numpy str array; the
        # zero padding after each string's end is dropped by numpy.
        return codes.view(f"U{width}").ravel()

    def draw(m, by_count=False):
        codes = np.zeros((m, width), dtype=np.uint32)
        rows = np.arange(m)[:, None]
        end = np.zeros(m, dtype=np.int64)  # where each row's next part starts
        fixed_end = 0  # the same, while every part so far had a fixed length
        for number, (table, (_, low, high)) in enumerate(zip(tables, parts, strict=True)):
            picks = table[rng.integers(0, len(table), size=(m, high))]
            if number in words and not by_count:  # re-draws reach every string, words or not
                consonants, vowels = words[number]
                turn = (np.arange(high) + rng.integers(0, 2, size=(m, 1))) % 2 == 0
                picks = np.where(
                    turn,
                    consonants[rng.integers(0, len(consonants), size=(m, high))],
                    vowels[rng.integers(0, len(vowels), size=(m, high))],
                )
            if fixed_end is not None and low == high:
                codes[:, fixed_end : fixed_end + high] = picks
                fixed_end += high
                end += high
                continue
            fixed_end = None
            if by_count:
                # Lengths as common as the strings of that length, so that re-draws reach the
                # unused strings instead of lengths already used up (`[a-z]{1,3}`: 26 of length 1).
                weights = float(len(table)) ** (np.arange(low, high + 1) - high)
                length = low + rng.choice(high - low + 1, size=m, p=weights / weights.sum())
            else:
                length = rng.integers(low, high + 1, size=m)
            position = np.arange(high)
            # Zeros written past a row's length land where the next part writes, or stay as
            # padding at the end: each row's characters stay contiguous.
            codes[rows, end[:, None] + position] = np.where(position < length[:, None], picks, 0)
            end += length
        return as_strings(codes)

    if not unique:
        return draw(n).astype(object)
    if space <= 4 * n and all(low == high for _, low, high in parts):
        # Nearly every string is needed: re-drawing duplicates would take ever longer, so pick
        # n distinct numbers below space and spell each one in the parts' alphabets.
        index = rng.choice(space, size=n, replace=False)
        codes = np.zeros((n, width), dtype=np.uint32)
        column = 0
        for table, (_, low, _) in zip(tables, parts, strict=True):
            places = len(table) ** np.arange(low, dtype=np.int64)
            digits = (index[:, None] // places) % len(table)
            codes[:, column : column + low] = table[digits]
            index = index // (len(table) ** low)
            column += low
        return as_strings(codes).astype(object)
    values = draw(n)
    seen, first = np.unique(values, return_index=True)  # seen stays sorted for searchsorted
    redo = np.ones(n, dtype=bool)
    redo[first] = False
    redo = np.flatnonzero(redo)
    # Each round leaves a duplicate with chance below (values so far) / space, so a few rounds do;
    # 40 ends the hopeless cases (few strings of the longest length, say) quickly.
    for _ in range(40):
        if redo.size == 0:
            return values.astype(object)
        fresh = draw(redo.size, by_count=True)
        fresh_sorted, fresh_first = np.unique(fresh, return_index=True)
        where = np.searchsorted(seen, fresh_sorted)
        taken = seen[np.minimum(where, seen.size - 1)] == fresh_sorted
        keep = np.sort(fresh_first[~taken])  # in draw order, not sorted order
        values[redo[: keep.size]] = fresh[keep]
        redo = redo[keep.size :]
        seen = np.insert(seen, where[~taken], fresh_sorted[~taken])
    raise ValueError(
        f"strings_from_pattern: the pattern {parts!r} cannot give {n} distinct values "
        f"({redo.size} still repeat after 40 rounds); drop unique or widen the pattern"
    )


HELPER_SOURCE: str = inspect.getsource(strings_from_pattern)
