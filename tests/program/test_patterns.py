"""Pattern columns in the starting program: parts from a regex, and the pasted generator helpers.

Every test that draws strings runs the text of HELPER_SOURCE (and REALISTIC_SOURCE) in a namespace
holding only ``np`` and ``pd``, as a generated program would, not the module's own copy. Values
are checked as validation checks them: DuckDB's ``regexp_full_match`` (RE2) through ``validate``.
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
    REALISTIC_NAME,
    REALISTIC_SOURCE,
    helper_lines,
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
    r"\A[A-Z]{2}\d{2}[A-Z]{2}$",
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
    # Left to the model before the general engine:
    r"(DE|FR)[0-9]{2}",
    r"DE|FR",
    r"(?:AB)+",
    r"[^a-z]{3}",
    r"\D{2}",
    r"\s+",
    r".{5}",
    r"\bword",
    "[\u4e00-\u9fff]{2}",  # the characters themselves: RE2 has no \u escape
    r"^a$|^b$",
    r"(?i)[^a]{3}",
    r"(ab|cd)*x",
    r"[^\x00-\x7f]{3}",
]

UNSUPPORTED = [
    r"a(?=b)",  # lookarounds, backreferences, possessive repeats: RE2 refuses them
    r"(a)\1",
    r"a{2}+",
    r"(?>ab)",
    r"ab^c",  # an anchor inside: nothing or next to nothing matches
    r"x*^a",
    r"[a-z]+\b[a-z]+",  # a boundary the drawn values do not keep
    r"[a-z",
    r"\x00{2}",  # control characters would break CSV files
    r"\A[A-Z]{2}\Z",  # RE2 has no \Z (it writes \z, which Python's re refuses)
    r"[\u4e00-\u9fff]{2}",  # RE2 has no \u escape
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


# Fewer than 2,000 distinct strings (or, for x?y*z+, hardly any short ones to re-draw).
SMALL = {r"[\]\-x]{2}", "a|b", r"x?y*z+", "(A|B|C)[0-9]{2}", r"(DE|FR)[0-9]{2}", "DE|FR"}
SMALL |= {r"(?:AB)+", r"\s+", r"\bword", r"^a$|^b$"}


@pytest.mark.parametrize("pattern", [p for p in SUPPORTED if p not in SMALL])
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
    assert pattern_parts(r"INV-\d{6}") == [(["INV-"], 1, 1), (DIGITS, 6, 6)]  # literal runs join
    assert pattern_parts(r"[A-Z][a-z]+") == [(UPPER, 1, 1), (LOWER, 1, None)]
    assert pattern_parts(r"[A-Z][A-Z]") == [(UPPER, 2, 2)]  # neighbours with one alphabet merge
    assert pattern_parts(r"\w{2}") == [(DIGITS + UPPER + "_" + LOWER, 2, 2)]


def test_open_repeats_stay_open_and_bounded_ones_get_caps():
    assert pattern_parts("a*") == [("a", 0, None)]
    assert pattern_parts("a+") == [("a", 1, None)]
    assert pattern_parts("a?") == [("a", 0, 1)]
    assert pattern_parts("a{4,}") == [("a", 4, None)]
    assert pattern_parts("a{2,6}") == [("a", 2, 6)]
    assert pattern_parts("a{3,500}") == [("a", 3, 32)]  # every length in 3..500 matches


def test_variable_parts_keep_only_letters_and_digits():
    parts = pattern_parts(r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}")
    assert parts == [
        (DIGITS + LOWER, 1, None),
        ("@", 1, 1),
        (DIGITS + LOWER, 1, None),
        (".", 1, 1),
        (LOWER, 2, None),
    ]
    # Fixed-length parts keep every character; a class of punctuation only keeps it all.
    assert pattern_parts(r"[A-Z0-9._]{8}") == [("." + DIGITS + UPPER + "_", 8, 8)]
    assert pattern_parts(r"[.-]+") == [("-.", 1, None)]
    # Negated classes and `.` draw letters and digits at any length, never a newline or `%`.
    alnum = DIGITS + UPPER + LOWER
    assert pattern_parts(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$") == [
        (alnum, 1, None),
        ("@", 1, 1),
        (alnum, 1, None),
        (".", 1, 1),
        (LOWER, 2, None),
    ]
    assert pattern_parts(r"[^0-9]{2}") == [(UPPER + LOWER, 2, 2)]
    assert pattern_parts(r".") == [(alnum, 1, 1)]
    assert pattern_parts(r"[^A-Za-z0-9]") == [
        ("".join(sorted(" !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")), 1, 1)
    ]


def test_groups_alternations_and_anchors_become_parts():
    assert pattern_parts(r"^(SKU|ITEM)-\d{4}(-[A-Z]{2})?$") == [
        (["SKU", "ITEM"], 1, 1),
        ("-", 1, 1),
        (DIGITS, 4, 4),
        ([[("-", 1, 1), (UPPER, 2, 2)]], 0, 1),
    ]
    assert pattern_parts(r"(?:ab)+") == [(["ab"], 1, None)]
    assert pattern_parts(r"(ab|c[0-9])*") == [(["ab", [("c", 1, 1), (DIGITS, 1, 1)]], 0, None)]
    assert pattern_parts(r"^a$|^b$") == [(["a", "b"], 1, 1)]  # anchors at the edges of options
    assert pattern_parts(r"\bword\b") == [(["word"], 1, 1)]


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


def test_unique_takes_the_last_strings_of_a_small_space(helper):
    # All 702 strings of length 1 or 2: spelled from 702 distinct numbers, not re-drawn.
    values = _draw(helper, r"[a-z]{1,2}", 702, seed=0, unique=True)
    assert len(set(values.tolist())) == 702
    values = _draw(helper, r"(DE|FR|NL)-[0-9]", 30, seed=0, unique=True)
    assert sorted(values.tolist()) == sorted(f"{c}-{d}" for c in ("DE", "FR", "NL") for d in DIGITS)


def test_unique_gives_up_when_two_ways_spell_the_same_strings(helper):
    # 6 * 6 ways to go, but only 4 + 8 + 16 = 28 distinct strings: "aab" is a+ab and aa+b.
    with pytest.raises(ValueError, match=r"cannot give 30 distinct values .* still repeat"):
        _draw(helper, r"(?:[ab]|[ab][ab])[ab]{1,2}", 30, seed=0, unique=True)
    # Where the parts say one thing once, the count is exact and the error comes at once.
    assert pattern_parts(r"[ab]{1,2}[ab]{1,2}") == [("ab", 2, 4)]
    with pytest.raises(ValueError, match=r"cannot give 30 distinct values \(at most 28\)"):
        _draw(helper, r"[ab]{1,2}[ab]{1,2}", 30, seed=0, unique=True)


def test_open_repeats_grow_when_unique_values_need_room(helper):
    values = _draw(helper, r"[AB]+", 5000, unique=True)  # 2046 strings up to the natural 10
    assert len(set(values.tolist())) == 5000
    assert all(re.fullmatch(r"[AB]+", v) for v in values.tolist())


def test_open_repeats_have_natural_lengths(helper):
    words = _draw(helper, r"[a-z]+", 5000).tolist()
    lengths = np.array([len(w) for w in words])
    assert 5 <= lengths.mean() <= 7 and lengths.max() <= 10 and (lengths <= 2).mean() < 0.05
    numbers = _draw(helper, r"\d+", 5000).tolist()
    assert max(len(x) for x in numbers) <= 3
    assert not any(x.startswith("0") and len(x) > 1 for x in numbers)  # 07 is not a number
    tlds = [v.rsplit(".", 1)[1] for v in _draw(helper, r"[a-z]+\.[a-z]{2,}", 5000).tolist()]
    assert np.mean([len(t) for t in tlds]) < 3.2  # {2,}: about 2, now and then a little more


def test_zero_rows(helper):
    assert _draw(helper, r"[A-Z]{3}", 0, unique=True).shape == (0,)
    assert _draw(helper, r"[A-Z][a-z]+", 0).shape == (0,)


def test_pasted_text_is_the_module_function(helper):
    parts = pattern_parts(r"[A-Z][a-z]+ \d{2}")
    pasted = helper(np.random.default_rng(3), 300, parts, unique=True)
    own = strings_from_pattern(np.random.default_rng(3), 300, parts, unique=True)
    assert pasted.tolist() == own.tolist()
    assert HELPER_SOURCE.startswith(f"def {HELPER_NAME}(rng, n, parts, unique=False, part=None):")


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
    names = _draw(helper, r"[A-Z][a-z]+", 2000).tolist()  # the capital starts the word: Lisomu
    assert (
        sum(re.fullmatch(r"([AEIOU][^aeiou]|[^AEIOU][aeiou]).*", n) is not None for n in names)
        == 2000
    )
    codes = _draw(helper, r"[A-Z]{3}", 5000).tolist()
    assert any(re.fullmatch(r"[^AEIOU]{3}", code) for code in codes)  # "XQZ" is a code


# ------------------------------------------------------------------ real-world patterns, validated

# (what it is, pattern, unique): each drawn at 2,000 rows and checked by validation itself.
REAL_WORLD = [
    ("email, anchors and negated classes", r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", True),
    ("email, the usual class", r"^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$", True),
    (
        "email, optional part and provider words",
        r"^[a-z]+(\.[a-z]+)?@(gmail|yahoo|outlook)\.com$",
        True,
    ),
    ("phone, E.164", r"^\+[1-9]\d{1,14}$", True),
    ("phone, US", r"^\(\d{3}\) \d{3}-\d{4}$", False),
    ("phone, NL mobile", r"^(\+31|0)6[ -]?\d{8}$", True),
    ("postcode, UK", r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$", True),
    ("postcode, NL", r"^[1-9][0-9]{3} ?[A-Z]{2}$", True),
    ("zip, US with optional +4", r"^\d{5}(-\d{4})?$", False),
    ("postcode, DE", r"^\d{5}$", True),
    ("IBAN, any country", r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$", True),
    ("IBAN, NL", r"^NL\d{2}[A-Z]{4}\d{10}$", True),
    ("UUID v4", r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", True),
    ("ISO date", r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$", False),
    ("time HH:MM", r"^([01]\d|2[0-3]):[0-5]\d$", False),
    ("semantic version", r"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$", True),
    ("hex colour", r"^#(?:[0-9a-fA-F]{3}){1,2}$", True),
    ("SKU, words and an optional group", r"^(SKU|ITEM|PRD)-\d{4}(-[A-Z]{2})?$", True),
    ("any 8 characters", r"^.{8}$", True),
    ("a prefix then anything", r"^ID-.+$", True),
    ("URL", r"^https?://(www\.)?[a-z0-9-]+\.(com|org|net|nl)(/[a-z0-9-]+)*$", True),
    ("IPv4", r"^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$", True),
    ("title and name", r"^(Mr|Mrs|Ms|Dr)\.? [A-Z][a-z]+ [A-Z][a-z]+$", True),
    ("username", r"^[a-z][a-z0-9_]{2,15}$", True),
    ("case-insensitive code", r"(?i)^[a-z]{3}-\d{3}$", True),
    ("word boundaries", r"\b[A-Z]{3}\b", False),
    ("not digits, then digits", r"^\D{2}\d{3}$", True),
    ("hashtag", r"^#\w+$", True),
    ("MAC address", r"^([0-9A-F]{2}:){5}[0-9A-F]{2}$", True),
    ("ISBN-13", r"^97[89]-\d{1,5}-\d{1,7}-\d{1,7}-\d$", True),
    ("lazy repeats", r"^[a-z]+?\d*?$", True),
    ("flight number", r"^[A-Z]{2}\d{3,4}$", True),
    ("outside ASCII", r"^[^\x00-\x7f]{3}$", True),
    ("card number in groups", r"^4\d{3}( \d{4}){3}$", True),
    ("licence plate, NL", r"^[A-Z]{2}-\d{3}-[A-Z]$", True),
    ("Dutch VAT number", r"^NL\d{9}B\d{2}$", True),
]


@pytest.mark.parametrize(("pattern", "unique"), [(p, u) for _, p, u in REAL_WORLD],
                         ids=[what for what, _, _ in REAL_WORLD])  # fmt: skip
def test_real_world_patterns_pass_validation(helper, pattern, unique):
    """Drawn at 2,000 rows, the column passes validation as a run's would: the spec linter takes
    the pattern, and DuckDB's regexp_full_match (RE2) and the unique check find nothing."""
    from codegen.spec.model import parse_spec
    from codegen.validation.validator import validate

    values = _draw(helper, pattern, 2000, unique=unique)
    spec = parse_spec(
        {
            "name": "patterns",
            "tables": {
                "t": {
                    "rows": 2000,
                    "columns": {"v": {"type": "string", "pattern": pattern, "unique": unique}},
                }
            },
        }
    )
    report = validate(spec, {"t": pd.DataFrame({"v": values})})
    assert report.ok, report.as_text()
    if unique:
        assert len(set(values.tolist())) == 2000


def test_the_same_seed_gives_the_same_column_for_every_real_world_pattern(helper):
    for _, pattern, unique in REAL_WORLD:
        first = _draw(helper, pattern, 300, seed=11, unique=unique).tolist()
        assert first == _draw(helper, pattern, 300, seed=11, unique=unique).tolist(), pattern


# ------------------------------------------------------------------ realistic values from Faker


@pytest.fixture(scope="module")
def realistic():
    """realistic_strings as a generated program gets it (with strings_from_pattern beside it)."""
    import faker  # noqa: F401 - a dev dependency, as pinned in the sandbox image

    namespace = {"np": np, "pd": pd}
    exec(
        compile(HELPER_SOURCE + "\n\n" + REALISTIC_SOURCE, "<generated program>", "exec"), namespace
    )
    return namespace[REALISTIC_NAME]


def _realistic(realistic, pattern, providers, n, locale="en_US", unique=False, seed=0):
    parts = pattern_parts(pattern)
    assert parts is not None, pattern
    return realistic(
        np.random.default_rng(seed), n, parts, pattern, providers, locale, unique=unique
    )


def test_realistic_person_names_carry_no_salutation_or_degree(realistic):
    # Faker's own de_DE names are 38% "Dipl.-Ing. Walter Oderwald B.A.", en_GB's 29% "Mr ...".
    titled = re.compile(r"(^|\s)(Dr|Prof|Dipl|Mr|Mrs|Ms|Miss|Sig|pan|pani)\b|B\.Sc|MBA|Jr\.")
    for locale in ("de_DE", "en_GB", "it_IT", "pl_PL", "en_US"):
        names = _realistic(realistic, r"\S.*", ["name"], 2000, locale, seed=3).tolist()
        assert not [n for n in names if titled.search(n)], locale
        assert len(set(names)) > 1800 and all(" " in n for n in names), locale
        if locale in ("en_GB", "it_IT"):  # Faker's own: a fifth double-barrelled
            assert sum("-" in n for n in names) < 0.1 * len(names), locale
    spanish = _realistic(realistic, r"\S.*", ["name"], 500, "es_ES").tolist()
    assert sum(len(n.split()) >= 3 for n in spanish) > 250  # two surnames stay: they are names


def test_realistic_phone_numbers_are_the_country_s_own(realistic):
    phones = ["phone_number", "basic_phone_number", "e164", "msisdn"]
    # Faker has no Irish numbers (en_IE gives "+1-520-421-4335x422"): mobiles 083-089 and
    # landlines, and in digits only, +353 numbers
    irish = _realistic(realistic, r"\S.*", phones, 500, "en_IE").tolist()
    assert all(re.fullmatch(r"0(8[35679]|1|21|91) \d{3} \d{4}", v) for v in irish)
    assert sum(v.startswith("08") for v in irish) > 250
    digits = r"\+?[0-9]{8,14}"
    international = _realistic(realistic, r"\+[0-9]{8,14}", phones, 300, "en_IE").tolist()
    assert all(re.fullmatch(r"\+353(8[35679]|1|21|91)\d{7}", v) for v in international)
    national = _realistic(realistic, digits, phones, 300, "en_IE").tolist()
    assert all(re.fullmatch(r"0(8[35679]|1|21|91)\d{7}", v) for v in national)
    # a UK column of digits takes Faker's UK numbers, not msisdn's 13 random digits, which
    # match more often
    british = _realistic(realistic, digits, phones, 300, "en_GB").tolist()
    assert all(re.fullmatch(r"(\+44|0)[1-9]\d{8,9}", v) for v in british)


def test_realistic_versions_are_numbered_as_releases_are(realistic):
    """A sensor's firmware drawn from ^[0-9]+\\.[0-9]+\\.[0-9]+$ read "940.7.3", "73.6.61"."""
    providers = ["version", "version:2"]
    three = _realistic(realistic, r"^[0-9]+\.[0-9]+\.[0-9]+$", providers, 500).tolist()
    numbers = [[int(n) for n in v.split(".")] for v in three]
    assert all(len(n) == 3 and n[0] <= 5 and n[1] <= 15 and n[2] <= 19 for n in numbers)
    assert sum(n[2] <= 5 for n in numbers) > 250  # most patches small
    two = _realistic(realistic, r"^[0-9]+\.[0-9]+$", providers, 100).tolist()
    assert all(re.fullmatch(r"[0-5]\.[0-9]{1,2}", v) for v in two)


def test_realistic_stop_names_are_the_locale_s_street_names(realistic):
    """A Copenhagen bike-share's stations were "Station 1 (4)", "Station 6 (5)"."""
    stops = _realistic(realistic, r"\S.*", ["stop_name"], 60, "da_DK", unique=True).tolist()
    assert len(set(stops)) == 60
    assert all(not re.search(r"[0-9]", v) for v in stops)
    assert sum(v.endswith(("vej", "gade", "stræde", "allé", "plads")) for v in stops) > 40


def test_realistic_car_park_names_are_named_for_streets_as_the_locale_says_it(realistic):
    """Lyon's car parks were "Lyon - Car Park 1 (2)", the embedded model's list numbered."""
    lyon = _realistic(realistic, r"\S.*", ["car_park_name"], 25, "fr_FR", unique=True).tolist()
    assert len(set(lyon)) == 25 and all(v.startswith("Parking ") for v in lyon)
    assert all(not re.search(r"[0-9]", v) for v in lyon)
    leeds = _realistic(realistic, r"\S.*", ["car_park_name"], 10, "en_GB", unique=True).tolist()
    assert all(v.endswith(" Car Park") for v in leeds)


def test_realistic_country_codes_of_three_letters_are_iso_and_mostly_the_dataset_s_own(realistic):
    """A Berlin marathon's runners had country codes "VUX", "LIG", "SBC": Faker's codes are two
    letters, so the pattern's three were drawn at random. Now ISO alpha-3, DEU on most rows."""
    codes = _realistic(realistic, r"^[A-Z]{3}$", ["country_code"], 1000, "de_DE").tolist()
    from faker.providers.address import Provider

    assert set(codes) <= set(Provider.alpha_3_country_codes)
    assert 0.5 < codes.count("DEU") / 1000 < 0.7
    us = _realistic(realistic, r"^[A-Z]{2}$", ["country_code"], 1000, "en_US").tolist()
    assert us.count("US") < 200  # the default locale raises no country to the home share
    # the others come from a few countries more than the rest, not Turkmenistan as often as
    # France: all of Faker's locales, the largest sources of travellers most often
    from faker.config import AVAILABLE_LOCALES

    assert set(us) <= {locale[-2:] for locale in AVAILABLE_LOCALES}
    counts = pd.Series(us).value_counts()
    assert counts.iloc[:10].sum() > 0.5 * len(us)
    assert counts.get("FR", 0) > 3 * counts.get("UZ", 1)


def test_realistic_club_names_are_the_locale_s_clubs_of_its_towns(realistic):
    clubs = _realistic(realistic, r".+", ["club_name"], 40, "de_DE").tolist()
    assert all(re.fullmatch(r"(TSV|SC|LG|SV|TuS|Laufteam) [A-ZÄÖÜ][\w .()/-]+", c) for c in clubs)
    assert len(set(clubs)) > 30


def test_realistic_emails_match_and_come_from_faker(realistic):
    pattern = r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$"
    values = _realistic(realistic, pattern, ["free_email", "email"], 2000, unique=True).tolist()
    assert len(set(values)) == 2000 and all(re.fullmatch(pattern, v) for v in values)
    free = sum(v.endswith(("@gmail.com", "@yahoo.com", "@hotmail.com")) for v in values)
    assert free >= 1900  # nearly all real-looking; a few drawn where Faker repeated itself


def test_realistic_values_are_checked_and_the_rest_drawn(realistic):
    # Faker's en_US phone numbers are never in this Dutch form: every value is drawn.
    pattern = r"^06-\d{8}$"
    values = _realistic(realistic, pattern, ["phone_number"], 500, unique=True).tolist()
    assert len(set(values)) == 500 and all(re.fullmatch(pattern, v) for v in values)
    # Dutch postcodes: Faker writes "1234 AB" and "1234AB"; this pattern takes only the first.
    pattern = r"^[1-9][0-9]{3} [A-Z]{2}$"
    values = _realistic(realistic, pattern, ["postcode"], 2000, "nl_NL").tolist()
    assert all(re.fullmatch(pattern, v) for v in values)


def test_realistic_phone_numbers_in_international_form(realistic):
    pattern = r"^\+[1-9]\d{1,14}$"
    providers = ["phone_number", "basic_phone_number", "e164", "msisdn"]
    values = _realistic(realistic, pattern, providers, 1000, "en_GB", unique=True).tolist()
    assert all(re.fullmatch(pattern, v) for v in values) and len(set(values)) == 1000
    assert sum(v.startswith("+44") for v in values) >= 900


def test_realistic_unique_beyond_what_faker_is_asked_for(realistic):
    """Past 10,000 Faker calls the rest is drawn, and every value is still distinct."""
    pattern = r"^[A-Z][a-z]+ [A-Z][a-z]+$"
    values = _realistic(realistic, pattern, ["name"], 15_000, unique=True)
    assert values.shape == (15_000,) and len(set(values.tolist())) == 15_000
    assert all(re.fullmatch(pattern, v) for v in values.tolist()[::50])


def test_realistic_values_repeat_the_same_for_a_seed(realistic):
    pattern = r"^[1-9][0-9]{3} ?[A-Z]{2}$"
    for unique in (False, True):
        first = _realistic(realistic, pattern, ["postcode"], 300, "nl_NL", unique, seed=4)
        again = _realistic(realistic, pattern, ["postcode"], 300, "nl_NL", unique, seed=4)
        other = _realistic(realistic, pattern, ["postcode"], 300, "nl_NL", unique, seed=5)
        assert first.tolist() == again.tolist() != other.tolist()


def test_unknown_providers_are_skipped(realistic):
    values = _realistic(realistic, r"^[A-Z]{3}$", ["no_such_provider"], 50).tolist()
    assert all(re.fullmatch(r"[A-Z]{3}", v) for v in values)


# ------------------------------------------------------------------ meaning, calls, helpers


@pytest.mark.parametrize(
    ("name", "description", "context", "first"),
    [
        ("email", "", "", "free_email"),
        ("customerEmail", "", "", "free_email"),
        ("contact", "the customer's email address", "", "free_email"),
        ("phone", "", "", "phone_number"),
        ("postal_code", "", "", "postcode"),
        ("zipCode", "", "", "postcode"),
        ("iban", "", "", "iban"),
        ("ip_address", "", "", "ipv4"),
        ("website", "", "", "url"),
        ("name", "", "customers", "name"),
        ("customer_name", "", "", "name"),
        ("name", "", "products", None),
        # what a table's rows are: its name, or a phrase that says so; not any word of it
        ("name", "", "products Products sold to customers", None),
        ("name", "", "records One row per patient of the clinic", "name"),
        ("name", "", "artists", "name"),  # an artist's name is a person's (not "Queen 5")
        ("name", "", "albums One row per album, by its artists", None),
        ("name", "the customer's name", "orders", "name"),
        # a bike-share's station is named for its street; a railway's for its town
        ("name", "", "stations One row per docking station", "stop_name"),
        ("name", "", "stations Stations of the railway", None),
        # a car park is named for its street too; a car-repair garage is not a car park
        ("name", "", "car_parks Multi-storey car parks", "car_park_name"),
        ("name", "", "parking_garages", "car_park_name"),
        ("name", "", "garages Car repair garages", None),
        ("club", "the running club, if any", "runners", "club_name"),
        ("name", "", "cows Cows of a dairy farm", "first_name_female"),  # not "Cows1"
        ("name", "", "horses", "first_name"),
        ("name", "", "pets", None),  # the model's lists by species
        ("product_name", "", "customers", None),
        ("template", "", "", None),
        ("code", "", "departments", None),
        ("birth_date", "", "", "date"),
        ("firmware", "", "", "version"),
        ("app_version", "", "", "version"),
        ("version_date", "", "", "date"),  # a date still
    ],
)
def test_providers_for_a_column(name, description, context, first):
    from codegen.program.pattern_meaning import providers_for

    found = providers_for(name, description, context)
    assert (found[0] if found else None) == first


def test_locale_named_in_a_description():
    from codegen.program.pattern_meaning import locale_named

    assert locale_named("Appointments of a Dutch general practice in 2024.") == "nl_NL"
    assert locale_named("Customers in the UK and Germany") == "en_GB"  # the first named
    assert locale_named("Orders of a small European online shop") is None
    assert locale_named("Tell us more") is None  # "us" is not the USA
    assert locale_named("Members of a fitness club in Lyon, 2022-2024.") == "fr_FR"  # a city


def test_pattern_call_for_a_column_that_says_what_it_holds():
    call = pattern_call("rng", "n", r"^[1-9][0-9]{3} ?[A-Z]{2}$", True, name="postcode")
    assert call is not None and call.startswith(f"{REALISTIC_NAME}(rng, n, [")
    providers = "['postcode', 'zipcode_plus4']"
    assert call.endswith(
        f"'^[1-9][0-9]{{3}} ?[A-Z]{{2}}$', {providers}, FAKER_LOCALE, unique=True)"
    )
    dutch = pattern_call("rng", "n", r"\d{4}[A-Z]{2}", False, name="zip", context="Dutch shops")
    assert dutch is not None and dutch.endswith(
        r"""r"\d{4}[A-Z]{2}", ['postcode', 'zipcode_plus4'], 'nl_NL', unique=False)"""
    )


def test_helper_lines_paste_what_the_program_calls():
    plain = ["    code = strings_from_pattern(rng, n, [('AB', 1, 1)], unique=False)"]
    assert helper_lines(plain) == HELPER_SOURCE.splitlines() + ["", ""]
    real = ["    email = realistic_strings(rng, n, [], '.', ['email'], FAKER_LOCALE, unique=True)"]
    lines = helper_lines(real, "A Dutch practice")
    assert lines[0] == "FAKER_LOCALE = 'nl_NL'  # Faker's locale for realistic values"
    assert "def realistic_strings(" in "\n".join(lines)
    assert helper_lines(["    x = rng.integers(0, 5, size=n)"]) == []


def test_realistic_source_is_black_formatted_and_audits_clean_but_for_faker_calls():
    mode = black.Mode(line_length=100, target_versions={black.TargetVersion.PY311})
    assert black.format_str(REALISTIC_SOURCE, mode=mode) == REALISTIC_SOURCE
    findings = audit_source(REALISTIC_SOURCE).findings
    assert {f.code for f in findings} <= {"row-loop"}
    assert all(f.severity.value == "info" for f in findings)  # Faker is called once per value


# ------------------------------------------------------------------ in the sandbox

CONTACTS = r"""
name: contacts
description: Customers of a Dutch energy supplier.
tables:
  customers:
    rows: 3000
    columns:
      id:        {type: integer, primary_key: true}
      email:     {type: string, unique: true, pattern: '^[^@\s]+@[^@\s]+\.[a-z]{2,}$'}
      phone:     {type: string, pattern: '^\+[1-9]\d{1,14}$', description: mobile number}
      postcode:  {type: string, pattern: '^[1-9][0-9]{3} ?[A-Z]{2}$'}
      iban:      {type: string, unique: true, pattern: '^NL\d{2}[A-Z]{4}\d{10}$'}
      name:      {type: string, pattern: '^[A-Z][a-z]+( [a-z]+)? [A-Z][a-z]+$'}
      ref:
        type: string
        unique: true
        pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'
  meters:
    rows: 5000
    columns:
      id:        {type: integer, primary_key: true}
      customer_id: {type: integer, references: customers.id}
      sku:       {type: string, unique: true, pattern: '^(SKU|ITEM|PRD)-\d{4}(-[A-Z]{2})?$'}
      firmware:  {type: string, pattern: '^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$'}
      colour:    {type: string, pattern: '^#(?:[0-9a-fA-F]{3}){1,2}$'}
      read_time: {type: string, pattern: '^([01]\d|2[0-3]):[0-5]\d$', description: time of reading}
      installed:
        type: string
        pattern: '^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$'
        description: installation date
      label:     {type: string, nullable: true, pattern: '^.{6}$'}
"""


def test_a_starting_program_of_pattern_columns_runs_and_validates(
    sandbox_image, no_leftovers, tmp_path
):
    """No blank to fill: every column is drawn, realistic ones from Faker in the image (Dutch,
    as the description says), and the run passes validation as it stands."""
    from codegen.program.scaffold import build_scaffold
    from codegen.spec.model import load_spec
    from codegen.validation.validator import validate
    from sandbox import run

    spec = load_spec(CONTACTS)
    starting = build_scaffold(spec)
    assert starting.blanks == ()
    source = starting.source
    assert 'FAKER_LOCALE = "nl_NL"' in source
    assert "email = realistic_strings(" in source and "sku = strings_from_pattern(" in source
    rows = {name: table.rows for name, table in spec.tables.items()}
    result = run(source, tmp_path / "out", rows=rows, seed=7)
    assert result.ok, result.error
    report = validate(spec, {name: t.path for name, t in result.tables.items()}, rows)
    assert report.ok, report.as_text()
    customers = pd.read_parquet(result.tables["customers"].path)
    # Faker's Dutch values where they match: +31 numbers, NL postcodes and IBANs, real names.
    assert (customers["phone"].str.startswith("+31")).mean() > 0.9
    assert customers["email"].str.contains(r"@(?:gmail|hotmail|yahoo)\.com$").mean() > 0.5
