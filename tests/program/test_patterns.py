"""Pattern columns in the starting program: parts from a regex, and the pasted generator helper.

Every test that draws strings runs the text of HELPER_SOURCE in a namespace holding only ``np``
and ``pd``, as a generated program would, not the module's own copy of the function.
"""

from __future__ import annotations

import re

import black
import numpy as np
import pandas as pd
import pytest

from codegen.program.audit import audit_source
from codegen.program.patterns import (
    HELPER_NAME,
    HELPER_SOURCE,
    pattern_call,
    pattern_parts,
    pattern_space,
    strings_from_pattern,
)

UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LOWER = UPPER.lower()
DIGITS = "0123456789"

SUPPORTED = [
    r"[A-Z]{3}",
    r"[A-Z]{3}-[0-9]{4}",
    r"[A-Z0-9]{6}",
    r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}",
    r"\d{5}",
    r"INV-\d{6}",
    r"[A-Z][a-z]+",
    r"^\d{3}-\d{3}-\d{4}$",
    r"\A[A-Z]{2}\d{2}[A-Z]{2}\Z",
    r"[A-Za-z0-9_]{3,12}",
    r"\w+",
    r"\w{4}",
    r"SKU_[0-9A-F]{8}",
    r"[a-z]+\.[a-z]+@example\.com",
    r"[A-Z]{1,3}[0-9]{0,2}",
    r"x?y*z+",
    r"[\]\-x]{2}",
    r"\+49 \d{3} \d{7}",
    r"(?i)[a-z]{4}",
    r"(?:[A-Z]){2}[a-z]{2,}",
    r"[a-z]{3,50}",
    r"[A-Z]{2}\d{2}?",
    r"a|b",
    r"[é-ö]{3}",
    r"[A-Z0-9._]{8}",
    r"([A-Z]{2})-\d",  # a group that is not repeated is its contents
    r"(A|B|C)[0-9]{2}",  # a one-character alternation is a class
]

UNSUPPORTED = [
    r"(DE|FR)[0-9]{2}",
    r"DE|FR",
    r"(?:AB)+",
    r"[^a-z]{3}",
    r"\D{2}",
    r"\s+",
    r".{5}",
    r"\bword",
    r"a(?=b)",
    r"(a)\1",
    r"a{2}+",
    r"ab^c",
    r"[a-z",
    r"\x00{2}",
    r"[\u4e00-\u9fff]{2}",
    "",
]


@pytest.fixture(scope="module")
def helper():
    """strings_from_pattern as a generated program gets it: the pasted text, numpy and pandas."""
    namespace = {"np": np, "pd": pd}
    exec(compile(HELPER_SOURCE, "<generated program>", "exec"), namespace)
    return namespace[HELPER_NAME]


def _draw(helper, pattern, n, seed=0, unique=False):
    parts = pattern_parts(pattern)
    assert parts is not None, pattern
    return helper(np.random.default_rng(seed), n, parts, unique=unique)


@pytest.mark.parametrize("pattern", SUPPORTED)
def test_values_match_the_pattern_in_full(helper, pattern):
    values = _draw(helper, pattern, 2000)
    assert values.shape == (2000,)
    compiled = re.compile(pattern)
    misses = [v for v in values.tolist() if not compiled.fullmatch(v)]
    assert not misses, misses[:5]
    assert all(type(v) is str for v in values.tolist())


@pytest.mark.parametrize(
    "pattern",
    [p for p in SUPPORTED if p not in {r"[\]\-x]{2}", "a|b", r"x?y*z+", "(A|B|C)[0-9]{2}"}],
)
def test_unique_values_are_distinct_and_match(helper, pattern):
    values = _draw(helper, pattern, 2000, unique=True)
    assert len(set(values.tolist())) == 2000
    compiled = re.compile(pattern)
    assert all(compiled.fullmatch(v) for v in values.tolist())


@pytest.mark.parametrize("pattern", UNSUPPORTED)
def test_unsupported_patterns_are_left_to_the_model(pattern):
    assert pattern_parts(pattern) is None
    assert pattern_call("rng", "n_rows", pattern, unique=False) is None


def test_parts_of_simple_patterns():
    assert pattern_parts(r"[A-Z]{3}-[0-9]{4}") == [(UPPER, 3, 3), ("-", 1, 1), (DIGITS, 4, 4)]
    assert pattern_parts(r"^\d{5}$") == [(DIGITS, 5, 5)]
    assert pattern_parts(r"INV-\d{6}") == [
        ("I", 1, 1),
        ("N", 1, 1),
        ("V", 1, 1),
        ("-", 1, 1),
        (DIGITS, 6, 6),
    ]
    assert pattern_parts(r"[A-Z][a-z]+") == [(UPPER, 1, 1), (LOWER, 1, 8)]
    assert pattern_parts(r"[A-Z][A-Z]") == [(UPPER, 2, 2)]  # neighbours with one alphabet merge
    assert pattern_parts(r"\w{2}") == [(DIGITS + UPPER + "_" + LOWER, 2, 2)]


def test_open_repeats_get_natural_caps():
    assert pattern_parts("a*") == [("a", 0, 8)]
    assert pattern_parts("a+") == [("a", 1, 8)]
    assert pattern_parts("a?") == [("a", 0, 1)]
    assert pattern_parts("a{4,}") == [("a", 4, 7)]
    assert pattern_parts("a{2,6}") == [("a", 2, 6)]
    assert pattern_parts("a{3,500}") == [("a", 3, 32)]  # every length in 3..500 matches


def test_variable_parts_keep_only_letters_and_digits():
    parts = pattern_parts(r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}")
    assert parts == [
        (DIGITS + LOWER, 1, 8),
        ("@", 1, 1),
        (DIGITS + LOWER, 1, 8),
        (".", 1, 1),
        (LOWER, 2, 5),
    ]
    # Fixed-length parts keep every character; a class of punctuation only keeps it all.
    assert pattern_parts(r"[A-Z0-9._]{8}") == [("." + DIGITS + UPPER + "_", 8, 8)]
    assert pattern_parts(r"[.-]+") == [("-.", 1, 8)]


def test_pattern_space():
    assert pattern_space(pattern_parts(r"[A-Z]{3}-[0-9]{4}")) == 26**3 * 10**4
    assert pattern_space(pattern_parts(r"INV-\d{6}")) == 10**6
    assert pattern_space(pattern_parts(r"[A-Z][a-z]+")) is None


def test_same_seed_same_values_other_seed_other_values(helper):
    for pattern in (r"[A-Z]{3}-[0-9]{4}", r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}"):
        for unique in (False, True):
            first = _draw(helper, pattern, 500, seed=7, unique=unique)
            again = _draw(helper, pattern, 500, seed=7, unique=unique)
            other = _draw(helper, pattern, 500, seed=8, unique=unique)
            assert first.tolist() == again.tolist()
            assert first.tolist() != other.tolist()


def test_unique_can_use_the_whole_space(helper):
    values = _draw(helper, r"[A-Z]{2}", 26 * 26, unique=True)
    assert sorted(values.tolist()) == sorted(a + b for a in UPPER for b in UPPER)
    values = _draw(helper, r"[a-z]{1,3}", 10_000, unique=True)
    assert len(set(values.tolist())) == 10_000


def test_unique_beyond_the_space_fails_at_once(helper):
    with pytest.raises(ValueError, match=r"cannot give 677 distinct values \(at most 676\)"):
        _draw(helper, r"[A-Z]{2}", 677, unique=True)
    with pytest.raises(ValueError, match=r"cannot give 703 distinct values \(at most 702\)"):
        _draw(helper, r"[a-z]{1,2}", 703, unique=True)


def test_unique_gives_up_when_redraws_cannot_finish(helper):
    # 702 strings of length 1 or 2 exist, but re-drawing cannot hope to hit the last few.
    with pytest.raises(ValueError, match=r"cannot give 702 distinct values .* still repeat"):
        _draw(helper, r"[a-z]{1,2}", 702, seed=0, unique=True)


def test_zero_rows(helper):
    assert _draw(helper, r"[A-Z]{3}", 0, unique=True).shape == (0,)
    assert _draw(helper, r"[A-Z][a-z]+", 0).shape == (0,)


def test_pasted_text_is_the_module_function(helper):
    parts = pattern_parts(r"[A-Z][a-z]+ \d{2}")
    pasted = helper(np.random.default_rng(3), 300, parts, unique=True)
    own = strings_from_pattern(np.random.default_rng(3), 300, parts, unique=True)
    assert pasted.tolist() == own.tolist()
    assert HELPER_SOURCE.startswith(f"def {HELPER_NAME}(rng, n, parts, unique=False):")


def test_pattern_call_runs_in_a_generated_program():
    call = pattern_call("rng", "n_products", r"[A-Z]{3}-[0-9]{4}", unique=True)
    assert call == (
        "strings_from_pattern(rng, n_products, [('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 3, 3), "
        "('-', 1, 1), ('0123456789', 4, 4)], unique=True)"
    )
    program = (
        "import numpy as np\nimport pandas as pd\n\n\n"
        f"{HELPER_SOURCE}\n\n"
        "def generate(rows, seed):\n"
        "    rng = np.random.default_rng(seed)\n"
        "    n_products = rows['products']\n"
        f"    return {{'products': pd.DataFrame({{'code': {call}}})}}\n"
    )
    namespace: dict = {}
    exec(compile(program, "<generated program>", "exec"), namespace)
    frame = namespace["generate"]({"products": 1000}, 5)["products"]
    assert frame["code"].is_unique
    assert frame["code"].str.fullmatch(r"[A-Z]{3}-[0-9]{4}").all()
    # The helper must not trip the audit's row-loop checks in every program that uses it.
    assert audit_source(program).findings == ()


def test_helper_source_is_black_formatted():
    mode = black.Mode(line_length=100, target_versions={black.TargetVersion.PY311})
    assert black.format_str(HELPER_SOURCE, mode=mode) == HELPER_SOURCE


def test_many_rows(helper):
    for unique in (False, True):
        values = _draw(helper, r"[A-Z]{3}-[0-9]{4}", 200_000, unique=unique)
        assert values.shape == (200_000,)
        sample = values[::1000].tolist()
        assert all(re.fullmatch(r"[A-Z]{3}-[0-9]{4}", v) for v in sample)
        if unique:
            assert len(set(values.tolist())) == 200_000


def test_word_like_parts_read_as_words(helper):
    """A variable-length run of letters alternates consonants and vowels, so emails and names
    read like words; fixed-length codes (`[A-Z]{3}`) stay uniform over the alphabet."""
    values = _draw(helper, r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}", 2000, unique=True)
    vowel = re.compile(r"[aeiou]")
    alternating = 0
    for value in values.tolist():
        word = value.split("@")[0]
        kinds = [bool(vowel.match(c)) for c in word]
        alternating += all(a != b for a, b in zip(kinds, kinds[1:], strict=False))
    assert alternating >= 1990  # re-drawn duplicates may come from the whole alphabet
    codes = _draw(helper, r"[A-Z]{3}", 5000).tolist()
    assert any(re.fullmatch(r"[^AEIOU]{3}", code) for code in codes)  # "XQZ" is a code
