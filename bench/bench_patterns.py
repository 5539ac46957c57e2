"""Pattern columns at scale: seconds to draw a million values, plain and unique, per pattern.

The first pattern is the simple case (fixed-length alphabets); the others go through groups,
alternations, open repeats and negated classes; the last ones take Faker's values first (skipped
where Faker is not installed beside sdgen; it is in the sandbox image). Ratios are to the simple
pattern in the same run. Pass a row count to change it: `python bench/bench_patterns.py 200000`.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from codegen.program.patterns import pattern_parts, realistic_strings, strings_from_pattern

_BYTE = r"(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
PATTERNS = [
    ("code [A-Z]{3}-[0-9]{4}", r"[A-Z]{3}-[0-9]{4}"),
    ("email, negated classes", r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$"),
    ("SKU, words, optional group", r"^(SKU|ITEM|PRD)-\d{4}(-[A-Z]{2})?$"),
    ("URL, groups in a repeat", r"^https?://(www\.)?[a-z0-9-]+\.(com|org|net|nl)(/[a-z0-9-]+)*$"),
    (
        "IPv4, nested alternations",
        r"^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$",
    ),  # noqa: E501
    ("UUID v4", r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"),
]
REALISTIC = [
    ("email from Faker", r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", ["free_email", "email"], "en_US"),
    ("postcode from Faker", r"^[1-9][0-9]{3} ?[A-Z]{2}$", ["postcode"], "nl_NL"),
]


def timed(draw) -> float:
    started = time.perf_counter()
    draw()
    return time.perf_counter() - started


def main(n: int) -> None:
    print(f"{n:,} rows; seconds (and ratio to the simple pattern)")
    print(f"{'pattern':32} {'plain':>14} {'unique':>14}")
    base: dict[bool, float] = {}
    for label, pattern in PATTERNS:
        parts = pattern_parts(pattern)
        assert parts is not None, pattern
        row = []
        for unique in (False, True):
            rng = np.random.default_rng(1)
            seconds = timed(lambda r=rng, p=parts, u=unique: strings_from_pattern(r, n, p, u))
            base.setdefault(unique, seconds)
            row.append(f"{seconds:6.2f} ({seconds / base[unique]:4.1f}x)")
        print(f"{label:32} {row[0]:>14} {row[1]:>14}", flush=True)
    try:
        import faker  # noqa: F401
    except ImportError:
        print("(Faker is not installed here: the realistic columns are skipped)")
        return
    for label, pattern, providers, locale in REALISTIC:
        parts = pattern_parts(pattern)
        row = []
        for unique in (False, True):
            rng = np.random.default_rng(1)
            arguments = (rng, n, parts, pattern, providers, locale)
            seconds = timed(lambda a=arguments, u=unique: realistic_strings(*a, unique=u))
            row.append(f"{seconds:6.2f} ({seconds / base[unique]:4.1f}x)")
        print(f"{label:32} {row[0]:>14} {row[1]:>14}", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
