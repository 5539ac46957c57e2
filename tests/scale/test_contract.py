"""The parts contract read from source with ast: chunkable programs, and why others are not."""

from __future__ import annotations

import pytest
from support.chunky import program

from codegen.scale.contract import inspect_program, not_chunkable, part_rows, parts_for


def test_the_chunky_program_is_chunkable():
    assert part_rows(program(part_rows=250_000)) == 250_000
    assert not_chunkable(program()) is None


@pytest.mark.parametrize(
    "source, reason",
    [
        ("def generate(rows, seed):\n    pass\n", "no module-level PART_ROWS"),
        ("PART_ROWS = 10\ndef generate(rows, seed):\n    pass\n", "no 'part' parameter"),
        ("PART_ROWS = 10\ndef generate(rows, seed, part):\n    pass\n", "has no default"),
        ("PART_ROWS = 10\n", "defines no module-level def generate"),
        ("PART_ROWS = 10 * 2\ndef generate(rows, seed, part=None):\n    pass\n", "literal"),
        ("PART_ROWS = 0\ndef generate(rows, seed, part=None):\n    pass\n", "literal > 0"),
        ("PART_ROWS = True\ndef generate(rows, seed, part=None):\n    pass\n", "literal"),
        ("PART_ROWS = 1\nPART_ROWS = 2\ndef generate(rows, seed, part=None):\n    pass\n", "more"),
        ("from x import PART_ROWS\ndef generate(rows, seed, part=None):\n    pass\n", "import"),
        ("def generate(:\n", "does not parse"),
        (
            "PART_ROWS = 5\ndef generate(rows, seed, part=None):\n    global PART_ROWS\n",
            "reassigned inside a function",
        ),
    ],
)
def test_why_a_program_is_not_chunkable(source, reason):
    found = inspect_program(source)
    assert not found.chunkable and found.part_rows is None
    assert reason in found.reason and "\n" not in found.reason


def test_keyword_only_part_and_annotated_part_rows():
    source = "PART_ROWS: int = 1_000\ndef generate(rows, seed, *, part=None):\n    pass\n"
    assert part_rows(source) == 1000


def test_parts_for():
    assert parts_for({"a": 10, "b": 2500}, 1000) == 3
    assert parts_for({"a": 3000}, 1000) == 3
    assert parts_for({"a": 0}, 1000) == 1 and parts_for({}, 1000) == 1
    with pytest.raises(ValueError):
        parts_for({"a": 1}, 0)
