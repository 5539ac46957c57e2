"""The blanks recorded with the starting program as it is written: what each asks for, which
table and column it serves, and where it stands in the formatted source."""

from __future__ import annotations

import ast
import dataclasses

import pytest
from support.paths import EXAMPLES

from codegen.program.blanks import fill_blanks
from codegen.program.scaffold import build_scaffold
from codegen.program.starting import Blank, BlankKind, Scaffold
from codegen.spec.model import load_spec

VALUES, CODE, NUMBER, COLUMN = BlankKind.VALUES, BlankKind.CODE, BlankKind.NUMBER, BlankKind.COLUMN

ORDERS = """\
name: orders
tables:
  orders:
    rows: 10
    columns:
      id:         {type: integer, primary_key: true}
      status:     {type: string}
      placed_at:  {type: datetime, min: 2023-01-01, max: 2023-12-31, unique: true}
      # another row's time (a self-reference to a column that is not a key): a line only the
      # model can write, since a date or datetime with no bounds is drawn
      shipped_at: {type: datetime, nullable: true, references: orders.placed_at}
      weight:     {type: float, min: 0}
    rules:
      - check: "shipped_at IS NULL OR dayname(shipped_at) <> 'Sunday'"
      - check: "SQRT(weight) = FLOOR(SQRT(weight))"  # square numbers: no line meets it
"""

# A unique name under a check on it alone: its line is long (black wraps it) and follows a line
# derived from its values (the pool), not a blank.
PLACES = """\
name: places
tables:
  places:
    rows: 10
    columns:
      id:   {type: integer, primary_key: true}
      city: {type: string, unique: true}
    rules:
      - check: "length(city) > 2"
"""


def record(scaffold: Scaffold) -> list[tuple[str, str, str, str]]:
    return [(b.name, b.kind, b.table, b.column) for b in scaffold.blanks]


def test_shop_blanks_are_numbers_of_the_columns_they_tune():
    """A weight from 10 g to 30 kg is no blank: bounds that far apart are drawn around their
    geometric middle (``scaffold._wide_bounds``)."""
    scaffold = build_scaffold(load_spec(EXAMPLES / "shop.yaml"))
    assert "weight_kg_typical = 0.548\n" in scaffold.source  # a product of half a kilo
    assert record(scaffold) == [
        ("price_eur_base", NUMBER, "products", "price_eur"),
        ("price_eur_slope", NUMBER, "products", "price_eur"),
        ("price_eur_noise", NUMBER, "products", "price_eur"),
        ("shipped_at_days_low", NUMBER, "orders", "shipped_at"),
        ("shipped_at_days_high", NUMBER, "orders", "shipped_at"),
        ("unit_price_base", NUMBER, "order_items", "unit_price"),
        ("unit_price_slope", NUMBER, "order_items", "unit_price"),
        ("unit_price_noise", NUMBER, "order_items", "unit_price"),
        ("discount_mean", NUMBER, "order_items", "discount"),
        ("discount_sd", NUMBER, "order_items", "discount"),
    ]
    gap = {b.name: b for b in scaffold.blanks}["shipped_at_days_high"]
    assert gap.line == "shipped_at_days_high = 30"
    assert gap.note.startswith("# shipped_at: datetime; may be null")


def test_clinic_blanks_are_value_lists_and_a_gap():
    """A doctor's name comes from Faker (a person's name, in a table of people): no blank."""
    scaffold = build_scaffold(load_spec(EXAMPLES / "clinic.yaml"))
    assert "    name = realistic_strings(" in scaffold.source
    assert record(scaffold) == [
        ("specialty_values", VALUES, "doctors", "specialty"),
        ("starts_at_days_low", NUMBER, "appointments", "starts_at"),
        ("starts_at_days_high", NUMBER, "appointments", "starts_at"),
        ("reason_values", VALUES, "appointments", "reason"),
    ]
    assert [b.line for b in scaffold.blanks if b.kind is VALUES] == [
        "specialty_values = [...]",
        "reason_values = [...]",
    ]


def test_every_kind_is_recorded_with_its_column():
    scaffold = build_scaffold(load_spec(ORDERS))
    assert record(scaffold) == [
        ("status_values", VALUES, "orders", "status"),
        ("shipped_at", CODE, "orders", "shipped_at"),
        ("weight_mean", NUMBER, "orders", "weight"),
        ("weight_sd", NUMBER, "orders", "weight"),
        ("weight", COLUMN, "orders", "weight"),
    ]
    assert scaffold.names == {"status_values", "shipped_at", "weight_mean", "weight_sd", "weight"}
    assert BlankKind.CODE == "code" and str(BlankKind.VALUES) == "values"  # read as plain text too
    with pytest.raises(dataclasses.FrozenInstanceError):
        scaffold.source = ""  # type: ignore[misc]


def _specs() -> dict[str, str]:
    specs = {path.stem: path.read_text() for path in sorted(EXAMPLES.glob("*.yaml"))}
    return specs | {"orders": ORDERS, "places": PLACES}


@pytest.mark.parametrize("text", _specs().values(), ids=list(_specs()))
def test_each_blank_is_found_at_its_lines_in_the_formatted_source(text):
    """black moves and wraps lines after the blanks are recorded: each blank's lines are still
    the statement that assigns its name, as its line shows it, under its column's comment."""
    scaffold = build_scaffold(load_spec(text))
    lines = scaffold.source.splitlines()
    for blank in scaffold.blanks:
        statement = "\n".join(lines[blank.lineno - 1 : blank.end_lineno])
        node = ast.parse(statement.strip()).body[0]
        assert isinstance(node, ast.Assign) and ast.unparse(node) == blank.line
        assert node.targets[0].id == blank.name  # type: ignore[attr-defined]
        above = [line.strip() for line in lines[: blank.lineno - 1]]
        assert [line for line in above if line.startswith("# ")][-1] == blank.note
        assert blank.note.startswith(f"# {blank.column}: ")
    assert len({b.name for b in scaffold.blanks}) == len(scaffold.blanks)


def test_a_wrapped_column_line_is_recorded_whole_and_replaced_whole():
    long = "city_of_the_registered_office_of_the_company"  # so long that black wraps the line
    spec = load_spec(PLACES.replace("city", long).replace("places", "registered_companies"))
    scaffold = build_scaffold(spec)
    city = {b.name: b for b in scaffold.blanks}[long]
    assert city.kind is COLUMN and city.end_lineno > city.lineno  # black wrapped it
    assert city.line.startswith(f"{long} = shape_distinct(rng, {long}_values, n_registered")
    # The values are a blank of their own, the column's line another.
    assert record(scaffold) == [
        (f"{long}_values", VALUES, "registered_companies", long),
        (long, COLUMN, "registered_companies", long),
    ]
    reply = (
        f"{long}_values = ['Lyon', 'Nice']\n"
        f"{long} = rng.choice({long}_values, size=n_registered_companies)\n"
    )
    program, missing = fill_blanks(scaffold, reply, columns=True)
    assert missing == [] and program is not None
    body = program.split("def generate")[1]
    assert "rng.choice(" in body and "shape_distinct(rng" not in body


def test_names_and_comments_alone_make_no_blank():
    """A column named like a parameter (``price_low``), a table named like one, or a description
    worded like a check is written code, not a blank: what is a blank was decided when the line
    was written."""
    spec = load_spec("""\
name: look_alikes
tables:
  price_high:
    rows: 10
    columns:
      id:        {type: integer, primary_key: true}
      price_low: {type: integer, min: 1, max: 9, description: "a floor; must hold steady"}
""")
    scaffold = build_scaffold(spec)
    assert "price_low = rng.integers(1, 9 + 1, size=n_price_high)" in scaffold.source
    assert scaffold.blanks == ()
    program, missing = fill_blanks(scaffold, "price_low = 7\nn_price_high = 3\n")
    assert (program, missing) == (scaffold.source, [])


def test_a_blank_not_where_it_was_recorded_is_refused():
    scaffold = build_scaffold(load_spec(ORDERS))
    first = scaffold.blanks[0]
    moved = Scaffold(scaffold.source, (dataclasses.replace(first, lineno=first.lineno + 1),))
    with pytest.raises(ValueError, match="not where the starting program recorded it"):
        fill_blanks(moved, "status_values = ['new']\n")
    assert isinstance(first, Blank) and first.lineno > 0


def test_a_value_list_written_as_a_comprehension_goes_into_the_program_as_code():
    """Small models often write a list as a comprehension; it is not run here but put into the
    program, which the sandbox runs and the checks judge like any other. Other expressions
    (a call, a name) still leave the blank unfilled."""
    from support.inprocess_runner import InProcessRunner

    scaffold = build_scaffold(load_spec(PLACES))
    reply = "city_values = ['Town ' + str(i) for i in range(3, 40)]\n"
    program, missing = fill_blanks(scaffold, reply)
    assert missing == [] and 'city_values = ["Town " + str(i) for i in range(3, 40)]' in program
    import tempfile
    from pathlib import Path

    import pandas as pd

    out = Path(tempfile.mkdtemp()) / "out"
    result = InProcessRunner().run(program, out, rows={"places": 10}, seed=0)
    assert result.ok, result.error
    assert pd.read_parquet(result.tables["places"].path)["city"].str.startswith("Town ").all()
    for other in ("city_values = make_cities()\n", "city_values = cities\n"):
        assert fill_blanks(scaffold, other) == (None, ["city_values"])


def test_a_column_s_note_copied_without_its_hash_is_a_comment_again():
    from codegen.program.blanks import notes_commented
    from codegen.program.extract import extract_program

    scaffold = build_scaffold(load_spec(EXAMPLES / "rentals.yaml"))
    notes = [
        line.strip()[2:]
        for line in scaffold.source.splitlines()
        if line.strip().startswith("# ") and ": datetime;" in line
    ]
    blank = next(b for b in scaffold.blanks if b.kind is BlankKind.NUMBER)
    # as the embedded model wrote it: the note, then the line, in a fence
    reply = f"```python\n{notes[0]}\n{blank.name} = 5\n```\n"
    with pytest.raises(Exception, match="syntax error at line 1"):
        extract_program(reply)
    code = extract_program(notes_commented(reply))
    assert code == f"# {notes[0]}\n{blank.name} = 5\n"  # it parses, the line is kept
    # Python of the same shape stays: an annotated assignment is no note
    assert notes_commented("total: float = 0.0\nx: int\n") == "total: float = 0.0\nx: int\n"
