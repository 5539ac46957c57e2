"""The starting program of an example spec with its lists filled in mechanically (no model): the
program sdgen writes for the spec, with value lists and (country, city) pairs as a model would
give them. For benchmarks of what runs the program (bench_scale) and tests of its structure; the
lists are placeholders ("Title 12"), so nothing here says anything about realism."""

from __future__ import annotations

from pathlib import Path
from typing import Any

# Places that exist, for the (country, city) lists.
PLACES = [
    ("France", "Lyon"), ("France", "Lille"), ("Germany", "Bremen"), ("Germany", "Leipzig"),
    ("Italy", "Turin"), ("Italy", "Bologna"), ("Spain", "Valencia"), ("Spain", "Bilbao"),
    ("Netherlands", "Utrecht"), ("Netherlands", "Leiden"), ("Belgium", "Ghent"),
    ("Austria", "Graz"), ("Sweden", "Uppsala"), ("Norway", "Bergen"), ("Poland", "Gdansk"),
    ("Portugal", "Braga"), ("Denmark", "Odense"), ("Finland", "Tampere"), ("Ireland", "Galway"),
    ("Greece", "Patras"), ("Czechia", "Brno"), ("Hungary", "Szeged"),
]  # fmt: skip
CODES = {"France": "FR", "Germany": "DE", "Italy": "IT", "Spain": "ES", "Netherlands": "NL"}


def filled(spec_path: str | Path) -> tuple[Any, str]:
    """(spec, program): the spec's starting program with every list blank filled in."""
    from codegen.program.blanks import fill_blanks
    from codegen.program.scaffold import build_scaffold
    from codegen.spec.model import load_spec

    spec = load_spec(Path(spec_path))
    scaffold = build_scaffold(spec)
    lines = []
    for blank in scaffold.blanks:
        if blank.kind == "values":
            label = blank.column.replace("_", " ").title()
            lines.append(f"{blank.name} = {[f'{label} {i}' for i in range(1, 41)]!r}")
        elif blank.kind == "pairs":
            first = blank.note.split("(", 1)[1].split(",", 1)[0]
            pairs = (
                PLACES
                if first == "country"
                else [(city, CODES.get(country, "BE")) for country, city in PLACES]
            )
            lines.append(f"{blank.name} = {pairs!r}")
    program, missing = fill_blanks(scaffold, "\n".join(lines) + "\n")
    if missing:
        raise ValueError(f"{spec_path}: blanks left: {', '.join(missing)}")
    return spec, program
