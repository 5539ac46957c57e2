"""Strings that match a column's regular expression, written into the starting program.

Small local models asked for ``^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$`` rarely write code whose values
match: a wrong alphabet, an off-by-one length, a forgotten literal, or a Python loop per row. So
the starting program fills a pattern column itself. ``pattern_parts`` reads the expression with the
parser ``re`` itself uses and turns its tree into ``parts``, plain tuples and lists that
``strings_from_pattern`` (``codegen.program.pattern_draw``, pasted into the program) draws a whole
column from at once: a class is an alphabet, an alternation a list of options chosen per row, a
repeat a length per row. Beyond the letter of the pattern the values should look real: ``.`` and
negated classes draw letters and digits (not ``%``, never a newline), open repeats (``+``, ``*``,
``{2,}``) a natural length rather than the shortest, and a column whose name or description says
what it holds (an email, a phone number, a postcode) takes Faker's values where they match
(``realistic_strings``; ``codegen.program.pattern_meaning`` chooses the providers and locale).

What can be drawn agrees with what the spec linter lets through (``codegen.spec.model``): a
pattern both Python's ``re`` and RE2 (what validation runs) compile. Lookarounds,
backreferences, possessive repeats and atomic groups are RE2 errors; anchors in the middle of a
pattern (``a^b``), control characters and empty patterns give None here and stay with the model.
Every pattern is tried before it is written: a sample drawn from its parts must match in full,
under RE2 as validation checks it, or the column goes to the model instead.
"""

from __future__ import annotations

import copy
import functools
import inspect
import re
import string
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from codegen.program.pattern_draw import realistic_strings, strings_from_pattern
from codegen.program.pattern_meaning import locale_named, providers_for

try:  # the parser ``re`` itself uses: escapes and classes are read exactly as ``re`` reads them
    from re import _constants as _sre
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover - Python < 3.11 kept them as top-level modules
    import sre_constants as _sre  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]

__all__ = [
    "HELPER_NAME",
    "HELPER_SOURCE",
    "LOCALE_NAME",
    "REALISTIC_NAME",
    "REALISTIC_SOURCE",
    "helper_lines",
    "pattern_call",
    "pattern_parts",
    "pattern_space",
    "realistic_strings",
    "strings_from_pattern",
]

HELPER_NAME = "strings_from_pattern"
REALISTIC_NAME = "realistic_strings"
LOCALE_NAME = "FAKER_LOCALE"  # the module constant a program's Faker calls share
HELPER_SOURCE: str = inspect.getsource(strings_from_pattern)
REALISTIC_SOURCE: str = inspect.getsource(realistic_strings)

# A part: (alphabet, low, high) or (options, low, high); high None is an open repeat.
Part = tuple[Any, int, "int | None"]

_PRINTABLE = [chr(code) for code in range(0x20, 0x7F)]
# Where a class leaves no printable ASCII ([^\x00-\x7f]): Latin letters with accents and signs.
_LATIN = [chr(code) for code in range(0xA1, 0x250) if chr(code).isprintable()]
_READABLE = string.ascii_uppercase + string.ascii_lowercase + string.digits
_WORD = set(string.ascii_letters + string.digits + "_")
_SPACE = set(" \t\n\r\f\v")
# RE2 reads \d, \w and \s as ASCII classes; so does this module (and \s draws a space).
_CATEGORIES: dict[Any, Callable[[str], bool]] = {
    _sre.CATEGORY_DIGIT: lambda c: c in string.digits,
    _sre.CATEGORY_NOT_DIGIT: lambda c: c not in string.digits,
    _sre.CATEGORY_WORD: lambda c: c in _WORD,
    _sre.CATEGORY_NOT_WORD: lambda c: c not in _WORD,
    _sre.CATEGORY_SPACE: lambda c: c in _SPACE,
    _sre.CATEGORY_NOT_SPACE: lambda c: c not in _SPACE,
}
_NEGATIVE = {_sre.CATEGORY_NOT_DIGIT, _sre.CATEGORY_NOT_WORD, _sre.CATEGORY_NOT_SPACE}
# Beyond these the alphabet would swamp the program text, and the strings the memory.
_MAX_ALPHABET = 256
_MAX_WIDTH = 4096
# A wide `{n,m}` stops at max(n + 8, 32) (every length in it matches).
_SPAN_CAP = 32
_REPEATS = (_sre.MAX_REPEAT, _sre.MIN_REPEAT)  # lazy or greedy: the same strings in full
_STARTS = (_sre.AT_BEGINNING, _sre.AT_BEGINNING_STRING)
_ENDS = (_sre.AT_END, _sre.AT_END_STRING)
_BOUNDARIES = (_sre.AT_BOUNDARY, _sre.AT_NON_BOUNDARY)
_SAMPLES = 400  # values drawn (each way: as a column would, and uniformly) to try a pattern


class _Unsupported(Exception):
    """The pattern uses something the parts cannot say."""


def pattern_parts(pattern: str) -> list[Part] | None:
    """The pattern as parts for ``strings_from_pattern``, or None when it cannot be drawn.

    A part ``(alphabet, low, high)`` is ``low``..``high`` characters from ``alphabet``;
    ``(options, low, high)`` is ``low``..``high`` of the options (literal strings, or lists of
    parts) in a row. ``high`` None is an open repeat (``+``, ``*``, ``{n,}``: ``{0,}`` and
    ``{1,}`` read like ``*`` and ``+``, since ``re`` does not tell them apart), which the helper
    draws at a natural length. Runs of literal characters become one option (``INV-``); a part of
    variable length whose class mixes letters or digits with other characters, a negated class and
    ``.`` keep only the letters and digits, so ``[^@\\s]+`` gives ``k3jdx`` rather than ``%.-``.
    """
    if not isinstance(pattern, str) or not pattern:
        return None
    parts = _parts(pattern)
    return None if parts is None else copy.deepcopy(parts)


@functools.lru_cache(maxsize=256)
def _parts(pattern: str) -> list[Part] | None:
    """pattern_parts, once per pattern: the scaffold asks for each column twice, and the trial
    draws with RE2 take a few milliseconds."""
    try:
        tree = _sre_parse.parse(pattern)
    except (re.error, OverflowError, RecursionError, ValueError):
        return None
    ignore_case = bool(tree.state.flags & _sre.SRE_FLAG_IGNORECASE)
    try:
        parts = _convert(list(tree), start=True, end=True, ignore_case=ignore_case)
    except (_Unsupported, RecursionError):
        return None
    if not parts or _width(parts) == 0 or _width(parts) > _MAX_WIDTH:
        return None
    if not _samples_match(pattern, parts):
        return None
    return parts


def pattern_space(parts: list[Part]) -> int | None:
    """How many distinct strings the parts give when every part has a fixed length (alphabets,
    and options that are literal strings of one length), else None: lengths and options may
    overlap (``[a-z]{1,2}[a-z]{1,2}`` spells ``abc`` two ways)."""
    space = 1
    for what, low, high in parts:
        fixed = isinstance(what, str) or all(
            isinstance(o, str) and len(o) == len(what[0]) for o in what
        )
        if not fixed or low != high:
            return None
        space *= len(set(what)) ** low
    return space


def pattern_call(
    rng_name: str,
    count: str,
    pattern: str,
    unique: bool,
    *,
    name: str = "",
    description: str = "",
    context: str = "",
    part: str | None = None,
    locale: str | None = None,
) -> str | None:
    """The expression that fills a column matching ``pattern``, or None when it cannot be drawn.

    E.g. ``strings_from_pattern(rng, n_products, [('ABC...', 3, 3), ...], unique=True)``. When
    the column's ``name`` or ``description`` (or the table's, in ``context``) says what it holds,
    ``realistic_strings(...)`` with Faker's providers for it, in the locale a description names
    or else the program's ``FAKER_LOCALE`` (``locale``: code for it instead). The program must
    also hold ``helper_lines``."""
    parts = pattern_parts(pattern)
    if parts is None:
        return None
    # A unique column of a table made in parts is told which part: unique over all of them.
    across = f", part={part}" if unique and part else ""
    providers = providers_for(name, description, context)
    if not providers:
        return f"{HELPER_NAME}({rng_name}, {count}, {parts!r}, unique={bool(unique)}{across})"
    return (
        f"{REALISTIC_NAME}({rng_name}, {count}, {parts!r}, {_raw(pattern)}, {providers!r}, "
        f"{locale or locale_code(description, context)}, unique={bool(unique)}{across})"
    )


def locale_code(description: str = "", context: str = "") -> str:
    """The code of the Faker locale for a column: the one its description or its table's words
    (``context``) name, else the program's ``FAKER_LOCALE``."""
    locale = locale_named(description) or locale_named(context)
    return repr(locale) if locale else LOCALE_NAME


def helper_lines(lines: Iterable[str], description: str | None = None) -> list[str]:
    """The module-level lines a program whose lines are ``lines`` needs for its pattern columns:
    the helpers it calls, and ``FAKER_LOCALE`` (from the dataset's ``description``, else
    en_US) when a call uses it; none when it draws no pattern column."""
    text = "\n".join(lines)
    calls = re.compile(rf"\b({HELPER_NAME}|{REALISTIC_NAME})\(")
    used = {match.group(1) for match in calls.finditer(text)}
    if not used:
        return []
    helper: list[str] = []
    if re.search(rf"\b{LOCALE_NAME}\b", text):
        locale = locale_named(description or "") or "en_US"
        helper += [f"{LOCALE_NAME} = {locale!r}  # Faker's locale for realistic values", "", ""]
    helper += HELPER_SOURCE.splitlines() + ["", ""]
    if REALISTIC_NAME in used:
        helper += REALISTIC_SOURCE.splitlines() + ["", ""]
    return helper


# --------------------------------------------------------------------------- the tree, as parts


def _convert(items: list, start: bool, end: bool, ignore_case: bool) -> list[Part]:
    """Parts for a sequence of parsed items. ``start``/``end``: nothing can come before/after
    the sequence in the whole string, so ``^``/``$`` may stand at its edges."""
    parts: list[Part] = []
    for number, (op, value) in enumerate(items):
        at_start = start and all(o == _sre.AT for o, _ in items[:number])
        at_end = end and all(o == _sre.AT for o, _ in items[number + 1 :])
        if op == _sre.AT:
            if value in _BOUNDARIES:  # \b, \B: the samples tried below must agree
                continue
            if (value in _STARTS and at_start) or (value in _ENDS and at_end):
                continue
            raise _Unsupported(f"an anchor inside the pattern: {value}")
        if op == _sre.SUBPATTERN:
            _, add_flags, del_flags, inner = value
            case = _case(ignore_case, add_flags, del_flags)
            parts += _convert(list(inner), at_start, at_end, case)
        elif op == _sre.BRANCH:
            options = [_option(list(o), at_start, at_end, ignore_case) for o in value[1]]
            parts.append((_plain(options), 1, 1))
        elif op in _REPEATS:
            low, high, inner = value
            open_ = high == _sre.MAXREPEAT
            high = None if open_ else min(high, max(low + 8, _SPAN_CAP))
            if high == 0:
                continue  # `x{0}` adds nothing
            inner = list(inner)
            case = ignore_case
            while len(inner) == 1 and inner[0][0] == _sre.SUBPATTERN:  # (?:...)+ is ...+
                _, add_flags, del_flags, nested = inner[0][1]
                case = _case(case, add_flags, del_flags)
                inner = list(nested)
            if len(inner) == 1 and _is_class(inner[0][0]):
                alphabet = _alphabet(*inner[0], ignore_case=case, varying=low != high)
                parts.append((alphabet, low, high))
            elif len(inner) == 1 and inner[0][0] == _sre.BRANCH:
                options = [_option(list(o), False, False, case) for o in inner[0][1][1]]
                parts.append((_plain(options), low, high))
            else:
                parts.append(([_option(inner, False, False, case)], low, high))
        elif _is_class(op):
            parts.append((_alphabet(op, value, ignore_case=ignore_case, varying=False), 1, 1))
        else:  # lookarounds, backreferences, possessive repeats, atomic groups, conditionals
            raise _Unsupported(f"not drawable: {op}")
    return _tidy(parts)


def _option(items: list, start: bool, end: bool, ignore_case: bool) -> Any:
    """One option of an alternation: its literal text when it has no choice in it, else parts."""
    parts = _convert(items, start, end, ignore_case)
    text = _literal_text(parts)
    return parts if text is None else text


def _plain(options: list) -> list:
    """Options without repeats: ``["DE", "FR"]``; a lone option of several parts stays a list."""
    return list(dict.fromkeys(options)) if all(isinstance(o, str) for o in options) else options


def _literal_text(parts: list[Part]) -> str | None:
    """The one string the parts spell, or None when they may spell others."""
    text = ""
    for what, low, high in parts:
        if low != high:
            return None
        if isinstance(what, str) and len(what) == 1:
            text += what * low
        elif isinstance(what, list) and len(what) == 1 and isinstance(what[0], str):
            text += what[0] * low
        else:
            return None
    return text


def _tidy(parts: list[Part]) -> list[Part]:
    """Neighbours of one alphabet and fixed lengths merge (``[A-Z][A-Z]`` is ``[A-Z]{2}``), and a
    run of literal characters becomes one option (``INV-`` rather than four parts)."""
    merged: list[Part] = []
    for what, low, high in parts:
        if merged and isinstance(what, str):
            last, last_low, last_high = merged[-1]
            if last == what and high is not None and last_high is not None:
                merged[-1] = (what, last_low + low, last_high + high)
                continue
        merged.append((what, low, high))
    tidy: list[Part] = []
    text = ""  # the literal characters met since the last part that is not one
    for part in [*merged, None]:  # None ends the last run
        if (
            part is not None
            and isinstance(part[0], str)
            and len(part[0]) == 1
            and part[1:] == (1, 1)
        ):
            text += part[0]
            continue
        if len(text) == 1:
            tidy.append((text, 1, 1))
        elif text:
            tidy.append(([text], 1, 1))
        text = ""
        if part is not None:
            tidy.append(part)
    return tidy


def _case(ignore_case: bool, add_flags: int, del_flags: int) -> bool:
    if add_flags & _sre.SRE_FLAG_IGNORECASE:
        return True
    if del_flags & _sre.SRE_FLAG_IGNORECASE:
        return False
    return ignore_case


def _is_class(op: Any) -> bool:
    return op in (_sre.LITERAL, _sre.NOT_LITERAL, _sre.IN, _sre.ANY)


def _alphabet(op: Any, value: Any, *, ignore_case: bool, varying: bool) -> str:
    """The characters drawn for one parsed character class, sorted.

    A negated class draws printable ASCII outside it (accented Latin letters where it leaves
    none), ``.`` letters and digits; both, and classes of varying length that mix letters or
    digits with other characters, keep only their letters and digits where they have any."""
    listed: list[str] = []  # a positive class's members, in order
    tests: list[Callable[[str], bool]] = []  # membership, for a negated class
    negated = anything = False
    members = [(_sre.LITERAL, value)] if op in (_sre.LITERAL, _sre.NOT_LITERAL) else value
    if op == _sre.ANY:
        members, anything = [], True
        listed = list(_READABLE)
    negated = op == _sre.NOT_LITERAL
    for member_op, member in members:
        if member_op == _sre.NEGATE:
            negated = True
        elif member_op == _sre.LITERAL:
            char = chr(member)
            listed.append(char)
            tests.append(lambda c, m=char: c == m)
        elif member_op == _sre.RANGE:
            first, last = member
            listed += [chr(code) for code in range(first, min(last, first + 4096) + 1)]
            tests.append(lambda c, a=first, b=last: a <= ord(c) <= b)
        elif member_op == _sre.CATEGORY and member in _CATEGORIES:
            test = _CATEGORIES[member]
            listed += [c for c in _PRINTABLE if test(c) and not c.isspace()] or [" "]
            tests.append(test)
            anything = anything or member in _NEGATIVE
        else:
            raise _Unsupported(f"a class member: {member_op}")
    if negated:
        anything = True

        def inside(c: str) -> bool:
            cases = {c, c.swapcase()} if ignore_case else {c}
            return any(test(x) for test in tests for x in cases)

        chars = [c for c in _PRINTABLE if not inside(c)] or [c for c in _LATIN if not inside(c)]
    else:
        chars = list(dict.fromkeys(c for c in listed if c.isprintable()))
    if not chars:
        raise _Unsupported("a class with nothing printable in it")
    if len(chars) > _MAX_ALPHABET:
        ascii_chars = [c for c in chars if c in _PRINTABLE]
        chars = ascii_chars or chars[:_MAX_ALPHABET]
    if anything or varying:
        chars = [c for c in chars if c in _READABLE] or chars
    return "".join(sorted(chars))


# --------------------------------------------------------------------------- trying the parts


def _width(parts: list[Part]) -> int:
    """The longest string the parts give as the helper draws them (open repeats at their most)."""
    total = 0
    for what, low, high in parts:
        if high is None:
            high = max(low, 2) + 8 if isinstance(what, str) else low + 2
        if isinstance(what, str):
            unit = 1
        else:
            unit = max(len(o) if isinstance(o, str) else _width(o) for o in what)
        total += high * unit
    return total


def _samples_match(pattern: str, parts: list[Part]) -> bool:
    """Guard against a parse this module misreads: values drawn as a column would be, and
    uniformly over every way the parts can go, must match in full under Python's ``re`` and
    under RE2 (DuckDB's ``regexp_full_match``, as validation checks)."""
    rng = np.random.default_rng(0)
    samples = strings_from_pattern(rng, _SAMPLES, parts).tolist()
    try:  # unique values are drawn uniformly once the common ones are taken
        samples += strings_from_pattern(rng, 2 * _SAMPLES, parts, unique=True).tolist()
    except ValueError:
        pass  # a small space: the plain draw covered it
    try:
        compiled = re.compile(pattern)
    except re.error:
        return False
    if not all(compiled.fullmatch(text) for text in samples):
        return False
    try:
        import duckdb
    except ImportError:  # pragma: no cover - a host dependency; Python's re has agreed
        return True
    with duckdb.connect(config={"enable_external_access": False}) as con:
        try:
            (misses,) = con.execute(
                "SELECT count(*) FILTER (WHERE NOT regexp_full_match(v, $1)) "
                "FROM (SELECT unnest($2::VARCHAR[]) AS v)",
                [pattern, samples],
            ).fetchone() or (1,)
        except duckdb.Error:
            return False
    return misses == 0


def _raw(pattern: str) -> str:
    """The pattern as a Python literal, raw where that reads better (``r"\\d{5}"``)."""
    if "\\" in pattern and '"' not in pattern and not pattern.endswith("\\"):
        if "\n" not in pattern and "\r" not in pattern:
            return f'r"{pattern}"'
    return repr(pattern)
