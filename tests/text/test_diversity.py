"""Diversity figures and clustering, on inputs whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest

from codegen.text.diversity import (
    cluster,
    distinct_n,
    figures,
    imbalance_ratio,
    meets,
    normalised_entropy,
    projection_png,
)


def blobs(sizes: list[int], seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = np.eye(8)[: len(sizes)] * 5
    return np.vstack([c + rng.normal(0, 0.3, (n, 8)) for c, n in zip(centres, sizes, strict=True)])


def test_k_is_chosen_by_silhouette():
    found = cluster(blobs([10, 10, 10]), max_clusters=6)
    assert found.k == 3 and found.silhouette > 0.5
    assert set(found.silhouettes) == {2, 3, 4, 5, 6}
    assert max(found.silhouettes, key=found.silhouettes.get) == 3
    assert sorted(np.bincount(found.labels)) == [10, 10, 10]


def test_too_few_or_identical_records_are_one_cluster():
    assert cluster(blobs([3])).k == 1
    assert cluster(np.ones((6, 4))).k == 1


def test_entropy_and_imbalance():
    assert normalised_entropy([5, 5, 5, 5]) == 1.0
    assert normalised_entropy([20, 0]) == 0.0
    assert 0.7 < normalised_entropy([8, 4]) < 0.95
    assert imbalance_ratio([8, 4, 2]) == 4.0


def test_distinct_n():
    assert distinct_n(["a b c", "a b c"], 1) == 0.5
    assert distinct_n(["a b c d"], 2) == 1.0
    assert distinct_n([""], 2) == 0.0


def test_figures_and_targets():
    measured = figures([0, 0, 0, 1], ["x y", "x z", "y z", "w"], ["t1", "t1", "t2", "t2"])
    assert [c["records"] for c in measured["clusters"]] == [3, 1]
    assert measured["topics"] == {"t1": 2, "t2": 2}
    assert meets(measured, min_entropy=0.5, max_imbalance=2) == ["imbalance 3.0 > 2.0"]


@pytest.mark.parametrize("n", [1, 12])
def test_projection_png(tmp_path, n):
    path = tmp_path / "c.png"
    labels = [i % 3 for i in range(n)]
    projection_png(blobs([n])[:n], labels, {0: "zero"}, path)
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_a_set_too_narrow_in_its_wording_misses_its_target():
    measured = figures([0, 1], ["the same words here", "the same words here"], ["a", "b"])
    assert meets(measured, min_entropy=0.5, max_imbalance=2, min_distinct_2=0.8) == [
        "distinct-2 0.50 < 0.80"
    ]
