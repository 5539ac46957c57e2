"""The starting program makes its tables in parts by construction (issue 12): made as n parts and
joined, the tables are one valid dataset (keys and unique values over all parts, references to
rows that exist, the spec's checks), whatever n; a whole run is its parts joined; a part made
alone is the part made after the others. Run in this process: the sandbox's own parts mode is
tested on the real Docker engine (tests/sandbox/test_parts.py, tests/pipeline/test_parts_check.py).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from support.paths import EXAMPLES

from bench.starting_programs import filled
from codegen.program.pattern_draw import strings_from_pattern
from codegen.program.patterns import pattern_parts
from codegen.validation.validator import validate


def _generate(program: str):
    namespace: dict[str, object] = {"__name__": "generator"}
    exec(compile(program, "generator", "exec"), namespace)  # noqa: S102 - our own program
    return namespace["generate"]


def _joined(pieces: list[dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    return {t: pd.concat([p[t] for p in pieces], ignore_index=True) for t in pieces[0]}


@pytest.mark.parametrize(
    "name, parts, scale",
    [
        ("shop", 3, 1), ("payroll", 3, 1), ("sensors", 4, 1), ("courses", 3, 1), ("bank", 7, 10),
        ("hotels", 3, 1), ("buses", 3, 10), ("flights", 3, 10), ("staff", 3, 10),
        ("marathon", 3, 1),  # a unique number in bounds (a bib)
    ],  # fmt: skip
)
def test_parts_joined_are_one_valid_dataset(name, parts, scale):
    spec, program = filled(EXAMPLES / f"{name}.yaml")
    generate = _generate(program)
    rows = {t: table.rows * scale for t, table in spec.tables.items()}
    joined = _joined([generate(rows, 5, (k, parts)) for k in range(parts)])
    report = validate(spec, joined, rows)
    assert report.ok, report.as_text()
    # Split for real: the largest table's rows come from more than one part's random stream.
    largest = max(rows, key=rows.get)
    assert len(generate(rows, 5, (0, parts))[largest]) < rows[largest]


def test_a_whole_run_is_its_parts_joined_and_a_part_alone_is_the_same_part():
    spec, program = filled(EXAMPLES / "shop.yaml")
    generate = _generate(program)
    rows = {t: table.rows for t, table in spec.tables.items()}
    namespace: dict[str, object] = {"__name__": "generator"}
    exec(compile(program, "generator", "exec"), namespace)  # noqa: S102
    namespace["PART_ROWS"] = 1000  # the largest table, 5000 order items, in 5 parts
    whole = namespace["generate"](rows, 11)
    parts = [namespace["generate"](rows, 11, (k, 5)) for k in range(5)]
    for table, frame in _joined(parts).items():
        pd.testing.assert_frame_equal(whole[table], frame)
    alone = generate(rows, 11, (3, 5))
    for table, frame in alone.items():
        pd.testing.assert_frame_equal(frame, parts[3][table])
    # The seed matters, the part number too: no two parts are the same draws.
    assert not parts[1]["orders"]["placed_at"].equals(parts[2]["orders"]["placed_at"])


def test_small_tables_that_others_refer_to_are_made_whole_and_handed_on_in_slices():
    spec, program = filled(EXAMPLES / "clinic.yaml")
    generate = _generate(program)
    rows = {t: table.rows for t, table in spec.tables.items()}  # 6 doctors, 3,000 appointments
    pieces = [generate(rows, 2, (k, 4)) for k in range(4)]
    doctors = _joined(pieces)["doctors"]
    assert doctors["id"].tolist() == list(range(1, 7))  # every doctor once, over all parts
    for piece in pieces:  # each part's appointments see every doctor, not only its own slice
        assert set(piece["appointments"]["doctor_id"]) <= set(range(1, 7))
        assert set(piece["appointments"]["doctor_id"]) - set(piece["doctors"]["id"])


PATTERNS = [
    r"[A-Z]{3}-[0-9]{4}",
    r"DE[0-9]{20}",
    r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}",
    r"[a-z][a-z0-9_]{3,15}",
    r"([0-9A-F]{2}:){5}[0-9A-F]{2}",  # groups within groups: split by hash
    r"(NL[0-9]{9}B[0-9]{2}|BE0[0-9]{9}|DE[0-9]{9})",
]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_unique_pattern_values_are_distinct_over_all_parts_whatever_each_part_draws(pattern):
    parts, total = 5, 4000
    values = []
    for k in range(parts):
        rng = np.random.default_rng([3, k])
        count = total * (k + 1) // parts - total * k // parts
        # A part may draw more than its rows (a check filters a larger draw): the split among
        # parts must not depend on how many it draws.
        size = count * (8 if k % 2 else 1)
        drawn = strings_from_pattern(
            rng, size, pattern_parts(pattern), unique=True, part=(k, parts, total)
        )
        values.extend(drawn)
    assert all(re.fullmatch(pattern, v) for v in values)
    assert len(set(values)) == len(values)


def test_a_pattern_too_narrow_for_the_rows_says_so():
    with pytest.raises(ValueError, match="distinct"):
        strings_from_pattern(
            np.random.default_rng(1), 20, pattern_parts("[0-9]{2}"), unique=True, part=(0, 5, 500)
        )


def test_pairs_of_a_large_key_are_drawn_without_listing_every_pair():
    from codegen.program.shaperuntime import shape_pair_index

    rng = np.random.default_rng(4)
    popular = rng.lognormal(0, 1, 20_000)  # 20,000 courses, a few popular
    sizes = (1_000_000, 20_000)  # 2e10 pairs: their weights alone would take 160 GB
    picked = [
        shape_pair_index(rng, sizes, 5_000, (k, 3, 15_000), (None, popular)) for k in range(3)
    ]
    every = np.concatenate(picked)
    assert len(np.unique(every)) == 15_000 and all((p % 3 == k).all() for k, p in enumerate(picked))
    courses = every % sizes[1]
    top = np.argsort(popular)[-2_000:]  # the most popular tenth of the courses
    assert np.isin(courses, top).mean() > 0.3  # hold far more than a tenth of the pairs
    with pytest.raises(ValueError, match="distinct pairs asked"):
        shape_pair_index(rng, (10, 10), 40, (0, 3, 120))


def test_a_unique_email_made_in_parts_spells_its_local_part_and_keeps_a_drawn_domain():
    parts, total, values = 4, 2000, []
    for k in range(parts):
        count = total * (k + 1) // parts - total * k // parts
        values.extend(
            strings_from_pattern(
                np.random.default_rng([8, k]),
                count,
                pattern_parts(r"[a-z0-9]+@[a-z0-9]+\.[a-z]{2,}"),
                unique=True,
                part=(k, parts, total),
            )
        )
    local = [v.split("@")[0] for v in values]
    assert len(set(local)) == total  # the spelled characters end the local part, before "@"
    domains = [v.split("@")[1] for v in values]
    assert len({len(d.rsplit(".", 1)[1]) for d in domains}) > 1  # top-level domains vary


def test_unique_cities_grown_from_one_country_stay_unique_over_the_parts():
    """The demo's model listed Portuguese cities only; at a million houses the 200,000 locations
    are those cities and more of Portugal's, numbered. Every part must number from the same list
    (a stream of the table's own, made for the whole table), or "Abrantes 667" comes twice."""
    from codegen.program.blanks import fill_blanks
    from codegen.program.scaffold import build_scaffold
    from codegen.spec.model import load_spec

    spec = load_spec(EXAMPLES / "housing.yaml")
    scaffold = build_scaffold(spec)
    pairs = [("Portugal", city) for city in ["Lisbon", "Porto", "Braga", "Coimbra", "Faro"]]
    program, missing = fill_blanks(scaffold, f"country_city_pairs = {pairs!r}\n")
    assert not missing
    generate = _generate(program)
    rows = {"location": 3000, "house_types": 5, "housing": 15000}
    joined = _joined([generate(rows, 1, (k, 5)) for k in range(5)])
    cities = joined["location"]["city"]
    assert cities.is_unique and len(cities) == 3000
    assert validate(spec, joined, rows).ok


PEOPLE = """
name: members
description: Members of a Dutch sports club.
tables:
  members:
    rows: 400
    columns:
      id:        {type: integer, primary_key: true}
      full_name: {type: string}
      email:     {type: string, unique: true, pattern: "^[a-z0-9.]+@club\\\\.nl$"}
"""


def test_addresses_made_from_names_are_kept_to_a_whole_table():
    """lotte.peeters@ in one part could be another part's too: made in slices, the addresses
    drawn (distinct over all parts) stay; made whole, each is made from its row's name."""
    from codegen.program.scaffold import build_scaffold
    from codegen.spec.model import load_spec

    spec = load_spec(PEOPLE)
    generate = _generate(build_scaffold(spec).source)
    whole = generate({"members": 400}, 3)["members"]
    given = whole["full_name"].str.split().str[0].str.lower()
    assert (whole["email"].str.split(".").str[0] == given).mean() > 0.5
    rows = {"members": 20_000}
    joined = _joined([generate(rows, 3, (k, 4)) for k in range(4)])
    assert joined["members"]["email"].is_unique and validate(spec, joined, rows).ok
