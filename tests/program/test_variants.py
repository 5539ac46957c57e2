"""Variants of a name (spec v1 ``variants``): a unique list too short for its table is told
apart by a size, a strength, an edition (``shaperuntime.shape_numbered``) before it is
numbered."""

from __future__ import annotations

import numpy as np
import pytest
from support.scaffolds import valid_tables

from codegen.errors import SpecError
from codegen.program.shaperuntime import shape_distinct, shape_values_by
from codegen.spec.model import load_spec

PHARMACY = """\
name: farmacia
description: The products and sales of a pharmacy in Porto, 2024.
tables:
  products:
    rows: 90
    columns:
      id:        {type: integer, primary_key: true}
      name:
        type: string
        unique: true
        values_by:
          category:
            medicine: [Ben-u-ron, Brufen, Aspirina, Voltaren]
            skin care: [Bepanthene, Avene Cicalfate, Nivea Creme]
      category:  {type: string, values: [medicine, skin care]}
      price_eur: {type: float, min: 1, max: 60}
  staff:
    rows: 8
    columns:
      id:        {type: integer, primary_key: true}
      role:      {type: string, unique: true}
"""


def test_a_spec_s_variants_tell_a_name_s_rows_apart_before_any_is_numbered():
    variants = ["500 mg", "1 g", "20 tablets", "large pack", "50 ml"]
    given = PHARMACY.replace("unique: true\n", f"unique: true\n        variants: {variants}\n")
    names = valid_tables(load_spec(given))["products"]["name"]
    assert names.is_unique and len(names) == 90
    listed = {"Ben-u-ron", "Brufen", "Aspirina", "Voltaren", "Bepanthene", "Avene Cicalfate"}
    listed.add("Nivea Creme")
    assert listed <= set(names)
    written = {"500 mg", "1 g", "20 tablets", "(large pack)", "50 ml"}  # words in brackets
    for name in listed:  # 90 rows of seven names: each name's variants, then its numbers
        own = names[names.str.startswith(name + " ")].str.removeprefix(name + " ")
        numbered = own.str.fullmatch(r"[0-9]+")
        assert set(own[~numbered]) <= written
        assert not numbered.any() or set(own[~numbered]) == written
    # without variants, the same rows past the list are all numbered
    plain = valid_tables(load_spec(PHARMACY))["products"]["name"]
    assert plain[~plain.isin(listed)].str.fullmatch(r".* [0-9]+").all()


def test_variants_keep_a_unique_column_unique_in_parts_and_never_repeat_a_listed_value():
    rng = np.random.default_rng(0)
    listed = ["Dune", "Dune (paperback)", "Emma"]
    variants = ["paperback", "(hardcover)", "2", "(hardcover)"]
    whole = shape_distinct(rng, listed, 30, variants=variants)
    assert len(set(whole)) == 30
    # "paperback" would write "Dune (paperback)" again: not used; a number alone neither
    assert "Emma (paperback)" not in set(whole) and "Emma (hardcover)" in set(whole)
    assert "Dune (paperback) (hardcover)" in set(whole)
    parts = [shape_distinct(rng, listed, 10, 0, first, variants=variants) for first in (0, 10, 20)]
    joined = np.concatenate(parts)
    assert len(set(joined)) == 30
    assert list(joined[3:6]) == [
        "Dune (hardcover)",
        "Dune (paperback) (hardcover)",
        "Emma (hardcover)",
    ]
    assert joined[6] == "Dune 2"  # past the variants: numbered, from 2
    by = shape_values_by(rng, {"a": ["x"]}, np.array(["a"] * 3), 3, True, variants=["big", "1 kg"])
    assert sorted(by) == ["x", "x (big)", "x 1 kg"]


def test_the_lint_says_what_is_wrong_with_variants():
    with pytest.raises(SpecError) as caught:
        load_spec(
            PHARMACY.replace(
                "role:      {type: string, unique: true}", "role: {type: string, variants: [big]}"
            )
        )
    assert "staff.columns.role.variants: applies to unique string columns" in str(caught.value)
    with pytest.raises(SpecError) as caught:
        load_spec(
            PHARMACY.replace("unique: true\n", "unique: true\n        variants: [1 g, 1 g]\n")
        )
    assert "products.columns.name.variants: each variant is some words, each once" in str(
        caught.value
    )


def test_a_list_s_variants_reach_the_starting_program():
    from codegen.program.scaffold import build_scaffold

    plain = PHARMACY.replace(
        "        values_by:\n          category:\n"
        "            medicine: [Ben-u-ron, Brufen, Aspirina, Voltaren]\n"
        "            skin care: [Bepanthene, Avene Cicalfate, Nivea Creme]\n",
        "        variants: [1 g, large pack]\n",
    )
    source = build_scaffold(load_spec(plain)).source
    assert 'name_variants = ["1 g", "large pack"]' in source
    assert "first_products, variants=name_variants" in source
    assert "variants=name_variants" not in build_scaffold(load_spec(PHARMACY)).source
