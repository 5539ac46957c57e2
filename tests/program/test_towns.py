"""A city column of a table that is no table of places (a restaurant's city): real towns of the
one country the description names, in the regions it names, the model's real ones first."""

from __future__ import annotations

import numpy as np
from support.scaffolds import valid_tables

from codegen.program.scaffold import build_scaffold
from codegen.program.shaperuntime import shape_region_places, shape_towns
from codegen.spec.model import load_spec

CHAIN = """\
name: chain
description: Restaurants of a pizzeria chain in Lombardy and Piedmont, Italy, 2024.
tables:
  restaurants:
    rows: 40
    columns:
      id:    {type: integer, primary_key: true}
      city:  {type: string}
      seats: {type: integer, min: 20, max: 200}
"""


def _regions(country: str) -> dict[str, str]:
    return {name: region for name, region, *_ in shape_region_places(country)}


def test_a_restaurant_s_city_is_a_real_town_of_the_regions_named():
    spec = load_spec(CHAIN)
    source = build_scaffold(spec).source
    assert "shape_towns(" in source and '"IT",' in source
    listed = '    city_values = ["Milan", "Turin", "Rome", "Barcelona"]\n'
    source = source.replace("    city_values = [...]\n", listed)
    cities = valid_tables(spec, source=source)["restaurants"]["city"]
    regions = _regions("IT")
    # Rome (Lazio) and Barcelona (Spain) are not where the chain is; Milan is, and often
    assert set(cities.map(regions)) <= {"Lombardy", "Piedmont"}
    assert (cities == "Milan").sum() >= 8 and cities.nunique() >= 10


def test_towns_unique_where_the_column_is_and_alike_in_every_part():
    text = "Branches of a bank in Portugal."

    def towns(rng: int, n: int, first: int) -> np.ndarray:
        stream = np.random.default_rng(7)  # alike in every part
        return shape_towns(np.random.default_rng(rng), [], n, "PT", text, True, stream, 30, first)

    whole = towns(1, 30, 0)
    assert len(set(whole)) == 30 and set(whole) <= set(_regions("PT"))
    parts = [towns(k, 10, k * 10) for k in range(3)]
    assert list(np.concatenate(parts)) == list(whole)
    # past the country's towns, numbered
    few = shape_towns(np.random.default_rng(0), [], 5, "PT", text, True, None, None, 0)
    assert len(set(few)) == 5


def test_a_description_of_two_countries_or_none_leaves_the_model_s_list():
    two = CHAIN.replace("in Lombardy and Piedmont, Italy", "in Italy and Spain")
    assert "shape_towns" not in build_scaffold(load_spec(two)).source
    none = CHAIN.replace("in Lombardy and Piedmont, Italy", "in southern Europe")
    assert "shape_towns" not in build_scaffold(load_spec(none)).source
    # a table with each row's country: its cities follow the country
    paired = CHAIN.replace("      seats:", "      country: {type: string}\n      seats:")
    assert "shape_towns" not in build_scaffold(load_spec(paired)).source
