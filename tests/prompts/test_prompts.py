"""Prompt rendering: templates filled from plain inputs, a spec described in words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from support.paths import EXAMPLES

from codegen import prompts
from codegen.errors import PromptError
from codegen.pipeline.draft import draft_messages
from codegen.prompts import (
    csv_messages,
    describe_spec,
    generation_order,
    program_excerpt,
    prompt_hash,
    repair_messages,
    repair_prompt,
    repair_reasons,
    spec_messages,
)

HOUSING = """
name: housing
description: Housing market of a mid-size European country.
tables:
  housing:
    rows: 100
    description: One row per house for sale.
    columns:
      id:                 {type: integer, primary_key: true}
      house_size_m2:      {type: float, min: 15, max: 1000}
      house_price:        {type: float, min: 10000}
      number_of_bedrooms: {type: integer, min: 0, max: 12}
      location_id:        {type: integer, references: location.id}
      house_type_id:      {type: integer, references: house_types.id}
      listed_on:          {type: date, nullable: true, description: Day the ad went up.}
      code:               {type: string, pattern: "H-[0-9]{6}"}
    rules:
      - increasing: [number_of_bedrooms, house_size_m2]
      - decreasing: [house_size_m2, house_price]
        min_rho: 0.5
      - check: "house_price / house_size_m2 BETWEEN 300 AND 30000"
        min_fraction: 0.95
  location:
    rows: 20
    columns:
      id:         {type: integer, primary_key: true}
      city:       {type: string, unique: true}
      population: {type: integer, min: 1000}
  house_types:
    rows: 5
    columns:
      id:         {type: integer, primary_key: true}
      house_type: {type: string, values: [Apartment, Detached, Bungalow]}
"""
PLACEHOLDER = re.compile(r"\$\{?\w")


def contents(messages) -> str:
    return "\n".join(m["content"] for m in messages)


def test_system_prompt_has_the_contract_libraries_and_guidance():
    system, user = spec_messages(HOUSING)
    assert system["role"] == "system" and user["role"] == "user"
    text = system["content"]
    assert (
        "def generate(rows: dict[str, int], seed: int, part=None) -> dict[str, pd.DataFrame]:"
        in (text)
    )
    # Made in parts at scale: each part's own generator, keys from the part's first row on.
    assert "rng = np.random.default_rng([seed, k, n])" in text and "PART_ROWS = " in text
    assert "numpy, pandas, faker, scipy, dateutil, pytz, pyarrow" in text
    assert "vectorised numpy" in text and "iterrows" in text


def test_libraries_are_a_parameter():
    system, _ = spec_messages(HOUSING, available={"numpy", "pandas", "polars"})
    assert "numpy, pandas, polars" in system["content"]
    assert "faker" not in system["content"]


def test_spec_in_words_has_every_table_column_key_and_rule():
    text = describe_spec(HOUSING)
    assert "Dataset `housing`: Housing market of a mid-size European country." in text
    assert "Table `housing` (100 rows by default; use rows['housing']): One row per house" in text
    assert "- `id`: integer; primary key (unique, never null)" in text
    assert "- `house_size_m2`: float; from 15 to 1000" in text
    assert "- `house_price`: float; at least 10000" in text
    assert "foreign key: every value is an existing `location.id`" in text
    assert "- `city`: string; unique" in text
    assert "one of: Apartment, Detached, Bungalow" in text
    assert "matches the regular expression `H-[0-9]{6}` in full" in text
    assert (
        "- `listed_on`: date; may be null (leave some values missing). Day the ad went up." in text
    )
    assert "`house_size_m2` rises as `number_of_bedrooms` rises" in text
    assert (
        "`house_price` falls as `house_size_m2` rises (Spearman rank correlation at most -0.5)"
        in text
    )
    assert "at least 95% of rows, this SQL condition is true: `house_price / house_size_m2" in text


def test_spec_model_text_and_mapping_all_describe_the_same_tables():
    from codegen.spec.model import load_spec

    as_model = describe_spec(load_spec(HOUSING))
    as_mapping = describe_spec(yaml.safe_load(HOUSING))
    for text in (as_model, as_mapping):
        for name in ("`housing`", "`location`", "`house_types`", "`house_type_id`", "`listed_on`"):
            assert name in text
    # the model's bounds are typed (15.0), the mapping's as written (15): same words otherwise
    assert as_model.replace(".0", "") == as_mapping.replace(".0", "")


def test_tables_are_generated_parents_first():
    tables = yaml.safe_load(HOUSING)["tables"]
    assert generation_order(tables) == ["location", "house_types", "housing"]
    user = spec_messages(HOUSING)[1]["content"]
    assert "`location`, `house_types`, `housing`" in user
    assert "exactly these keys: 'location', 'house_types', 'housing'" in user


def test_no_placeholder_is_left_unfilled():
    rendered = [
        contents(spec_messages(HOUSING)),
        contents(draft_messages("Customers and their orders")),
        contents(csv_messages(HOUSING)),
        *(repair_prompt(kind, "boom", program="x = 1\n", line=1) for kind in repair_reasons()),
    ]
    for text in rendered:
        assert PLACEHOLDER.search(text) is None, text


def test_values_with_dollar_signs_are_not_template_syntax():
    spec = {
        "name": "prices",
        "tables": {
            "t": {
                "rows": 1,
                "columns": {
                    "usd": {
                        "type": "string",
                        "pattern": r"\$[0-9]+",
                        "description": "Price like $12 or ${x}",
                    }
                },
            }
        },
    }
    text = contents(spec_messages(spec))
    assert r"`\$[0-9]+`" in text and "Price like $12 or ${x}" in text


def test_a_request_in_words_asks_for_a_spec_first():
    system, user = draft_messages("  Three tables: customers, orders, products.  ")
    assert "JSON" in system["content"] and "def generate" not in system["content"]
    assert "Three tables: customers, orders, products." in user["content"]
    assert 'references: "other_table.id"' in user["content"]


def test_csv_prompts():
    system, user = csv_messages(HOUSING)
    assert "```csv" in system["content"] and "def generate" not in system["content"]
    assert "`location`, `house_types`, `housing`" in user["content"]
    assert "(100 rows by default" in user["content"]


# --- repair --------------------------------------------------------------------------------------
PROGRAM = "".join(f"line_{n} = {n}\n" for n in range(1, 31))


def test_repair_quotes_the_error_and_the_failing_lines():
    traceback = "Traceback (most recent call last):\n  File \"program.py\", line 12\nKeyError: 'x'"
    text = repair_prompt("crash", traceback, program=PROGRAM, line=12)
    assert text.startswith("The program crashed when it ran.")
    assert traceback in text
    assert ">" + " 12 | line_12 = 12" in text
    assert "   6 | line_6 = 6" in text and "  18 | line_18 = 18" in text
    assert "line_5 = 5" not in text and "line_19 = 19" not in text
    assert text.rstrip().endswith("in one ```python block.")


def test_repair_for_failed_checks_lists_them_without_an_excerpt():
    checks = ["housing.house_price: 3 values below 10000", "housing: 90 rows, expected 100"]
    text = repair_prompt("validation", checks, program=PROGRAM)
    assert "- housing.house_price: 3 values below 10000\n- housing: 90 rows, expected 100" in text
    assert "failing part" not in text


def test_long_errors_are_clipped_keeping_what_matters():
    traceback = "\n".join(f"frame {n}" for n in range(200)) + "\nValueError: the real cause"
    text = repair_prompt("crash", traceback)
    assert "ValueError: the real cause" in text and "frame 0\n" not in text
    checks = [f"check {n}" for n in range(100)]
    text = repair_prompt("validation", checks)
    assert "- check 0" in text and "check 99" not in text and "... and 60 more" in text


def test_every_failure_kind_has_a_sentence_and_unknown_kinds_are_refused():
    assert set(repair_reasons()) >= {
        "no_code",
        "syntax",
        "truncated",
        "audit",
        "crash",
        "timeout",
        "memory",
        "no_tables",
        "validation",
    }
    with pytest.raises(PromptError, match="no repair reason for 'nonsense'"):
        repair_prompt("nonsense", "x")


def test_excerpt_at_the_edges():
    assert program_excerpt("a\nb\n", 1, context=6) == "> 1 | a\n  2 | b"


def test_repair_messages_keep_only_the_last_failure():
    first = spec_messages(HOUSING)
    messages = repair_messages(first, "```python\nbroken(\n```", "fix it")
    assert messages[:2] == first
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[3]["content"] == "fix it"


def test_prompt_hash_is_stable_and_sensitive():
    first = spec_messages(HOUSING)
    assert prompt_hash(first) == prompt_hash(spec_messages(HOUSING))
    assert re.fullmatch(r"[0-9a-f]{64}", prompt_hash(first))
    changed = [first[0], {"role": "user", "content": first[1]["content"] + " "}]
    assert prompt_hash(changed) != prompt_hash(first)


def test_templates_are_files_that_ship_with_the_package():
    directory = Path(prompts.__file__).parent / "templates"
    names = {p.name for p in directory.iterdir()}
    assert {"system.md", "spec.md", "repair.md", "draft.md", "csv.md"} <= names
    assert all(name.endswith(".md") for name in names)  # pyproject ships prompts/templates/*.md


def test_composite_key_is_described_as_one_key():
    spec = {
        "name": "staff",
        "tables": {
            "assignments": {
                "rows": 10,
                "columns": {
                    "employee_id": {"type": "integer", "primary_key": True},
                    "project_id": {"type": "integer", "primary_key": True},
                },
            }
        },
    }
    text = describe_spec(spec)
    assert text.count("part of the primary key (`employee_id`, `project_id`: no combination") == 2
    assert "primary key (unique" not in text


def test_blanks_prompt_asks_for_the_lines_only_with_their_notes():
    user = spec_messages(HOUSING, ask="blanks")[1]["content"]
    program_part, reply_part = user.split("holding only these lines", 1)
    assert "rows: dict[str, int], seed: int, part: tuple[int, int] | None = None" in program_part
    assert "house_price_slope = " in reply_part and "def generate" not in reply_part
    # Each line comes under its column's comment; the dataset's own line leads.
    assert "# house_price: float; at least 10000" in reply_part
    assert user.startswith("Fill in the blanks") and "mid-size European country" in user
    assert len(user) < len(spec_messages(HOUSING)[1]["content"])
    with pytest.raises(PromptError, match="ask must be one of program, blanks"):
        spec_messages(HOUSING, ask="everything")


def test_repair_prompt_ends_with_what_to_reply():
    assert "whole corrected program" in repair_prompt("crash", "boom")
    blanks = repair_prompt("validation", ["x: too small"], ask="blanks")
    assert "only the lines to fill in" in blanks and "whole corrected program" not in blanks
    with pytest.raises(PromptError, match="no repair ending for ask='csv'"):
        repair_prompt("crash", "boom", ask="csv")


def test_blanks_prompt_outlines_the_mechanical_code():
    """The blanks prompt keeps every comment, the blanks and short plain lines; the helpers and
    the longer written-out code (patterns drawn, checks enforced) stay out of it: the 1.5B model
    reads it at ~60 tokens/s in an 8k context."""
    spec = HOUSING.replace("{type: float, min: 10000}", "{type: float, min: 10000}\n"
                           "      ref: {type: string, pattern: '[A-Z]{2}-[0-9]{3}'}")  # fmt: skip
    system, user = spec_messages(spec, ask="blanks")
    assert "only the lines you are asked" in system["content"]
    text = user["content"]
    assert "def strings_from_pattern" not in text and "np.unique" not in text
    assert "# ref: string; must match the regular expression [A-Z]{2}-[0-9]{3} in full" in text
    assert "    # (written out in the program)" in text
    assert "city_values = [...]" in text and 'n_housing = rows["housing"]' in text
    # The machinery that makes it in parts (for scale) is left out: it is no blank's business.
    assert "PART_ROWS" not in text and "shape_table" not in text and "whole =" not in text
    assert "house_price / house_size_m2 BETWEEN 300 AND 30000" in text  # the check's comment
    whole = spec_messages(spec)[1]["content"]
    assert "np.unique" in whole  # asked for the whole program, the model sees all of it
    bank = spec_messages((EXAMPLES / "bank.yaml").read_text(), ask="blanks")
    assert len(bank[1]["content"]) < 12_000  # was 34,000 characters with the whole program


def test_a_capable_model_is_told_what_makes_data_look_real_and_what_is_typical():
    """Whole-program mode: the same realism the starting program draws, said in words."""
    system, user = spec_messages(
        {
            "name": "shop",
            "tables": {
                "products": {
                    "rows": 10,
                    "columns": {
                        "id": {"type": "integer", "primary_key": True},
                        "category": {"type": "string", "values": ["tents", "socks"]},
                        "price": {
                            "type": "float",
                            "typical": 40,
                            "typical_by": {"category": {"tents": 250, "socks": 8}},
                        },
                        "note": {"type": "string", "nullable": True, "null_share": 0.8},
                        "discount": {"type": "float", "min": 0, "typical": 0.1,
                                     "zero_share": 0.7},  # fmt: skip
                    },
                }
            },
        }
    )
    text = system["content"]
    assert "## Make it look real" in text and "lognormal" in text and "Faker" in text
    assert "typically, by `category`: tents: 250, socks: 8" in user["content"]
    assert "null on about 80% of rows" in user["content"]
    assert "exactly 0 on about 70% of rows" in user["content"]
