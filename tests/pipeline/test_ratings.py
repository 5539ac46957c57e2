"""People's ratings skew high: which columns are read as a rating of opinion (from their names and
their table's), their J-shaped weights, and the starting program drawing by them."""

from __future__ import annotations

from support.scaffolds import valid_tables

from codegen.pipeline.ratings import rating_columns, scale_weights, with_rating_shapes
from codegen.spec.model import load_spec

SPEC = """\
name: opinions
description: Tickets of a support desk, reviews of a shop's products, hotels and a quiz.
tables:
  tickets:
    rows: 400
    columns:
      id:           {type: integer, primary_key: true}
      satisfaction: {type: integer, nullable: true, min: 1, max: 5}
      priority:     {type: integer, min: 1, max: 4}
  reviews:
    rows: 300
    description: One row per review a customer wrote of a product.
    columns:
      id:           {type: integer, primary_key: true}
      stars:        {type: integer, min: 1, max: 5}
      app_rating:   {type: integer, min: 0, max: 10}
  hotels:
    rows: 30
    columns:
      id:           {type: integer, primary_key: true}
      stars:        {type: integer, min: 1, max: 5}
  attempts:
    rows: 100
    columns:
      id:           {type: integer, primary_key: true}
      quiz_score:   {type: integer, min: 0, max: 10}
      exam_rating:  {type: integer, min: 0, max: 100}
"""


def test_ratings_of_opinion_are_found_and_not_a_hotel_s_stars_or_a_quiz_score() -> None:
    assert rating_columns(load_spec(SPEC)) == [
        ("tickets", "satisfaction"),
        ("reviews", "stars"),  # a review's stars: the table says it is reviews
        ("reviews", "app_rating"),
    ]  # not a priority, a hotel's stars, a quiz's score, nor a scale of 101 points


def test_the_weights_rise_to_the_top_with_the_lowest_above_its_neighbour() -> None:
    for points in (5, 6, 10, 11):
        weights = scale_weights(points)
        assert abs(sum(weights) - 1) < 0.01
        assert weights[0] > weights[1]  # the unhappy few give the lowest score
        assert weights[1:] == sorted(weights[1:])
        assert 0.25 <= weights[-1] <= 0.6
    assert sum(scale_weights(5)[3:]) >= 0.75  # four or five stars from three in four


def test_the_starting_program_draws_ratings_skewed_high() -> None:
    said: list[str] = []
    shaped = with_rating_shapes(load_spec(SPEC), said.append)
    assert said[0] == "rating tickets.satisfaction: skewed to the top of 1-5"
    tables = valid_tables(shaped)
    scores = tables["tickets"]["satisfaction"].dropna()
    assert scores.median() >= 4
    assert 0.4 <= (scores == 5).mean() <= 0.7
    assert tables["reviews"]["app_rating"].median() >= 8
    # a hotel's stars are left as they were: no weights
    assert shaped.tables["hotels"].columns["stars"].weights is None
