"""How diverse a set of records is, measured: clusters of their embeddings and figures over them.

KMeans (scikit-learn) for each k from 2 to ``max_clusters``, the k with the best silhouette kept
(not chosen by eye); then per-cluster counts, the imbalance ratio (largest cluster over the
smallest), the normalised entropy of the cluster sizes (1 = every cluster the same size),
distinct-1/distinct-2 of the outputs (distinct words and word pairs over all of them) and the
records per topic.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from codegen.text.checks import words

MIN_RECORDS_TO_CLUSTER = 4


@dataclass
class Clustering:
    k: int
    labels: list[int]
    silhouette: float | None
    silhouettes: dict[int, float] = field(default_factory=dict)  # every k tried
    centers: np.ndarray | None = None


def cluster(vectors: np.ndarray, *, max_clusters: int = 8, seed: int = 0) -> Clustering:
    """KMeans with k by silhouette. Fewer than 4 records, or all the same: one cluster."""
    from sklearn.cluster import KMeans
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import silhouette_score

    n = len(vectors)
    if n < MIN_RECORDS_TO_CLUSTER or np.allclose(vectors, vectors[0]):
        return Clustering(1, [0] * n, None)
    best: tuple[float, int, Any] | None = None
    scores: dict[int, float] = {}
    for k in range(2, min(max_clusters, n - 1) + 1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # fewer distinct points than k
            model = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(vectors)
        if len(set(model.labels_)) < k:
            break  # no more distinct groups to find
        score = float(silhouette_score(vectors, model.labels_, metric="cosine"))
        scores[k] = round(score, 4)
        if best is None or score > best[0] + 1e-9:
            best = (score, k, model)
    if best is None:
        return Clustering(1, [0] * n, None)
    score, k, model = best
    return Clustering(
        k, [int(x) for x in model.labels_], round(score, 4), scores, model.cluster_centers_
    )


def normalised_entropy(counts: list[int]) -> float:
    """Shannon entropy of the shares over log(number of groups): 1 when even, 0 when one group
    holds everything (and 1 for a single group, which is trivially even)."""
    total = sum(counts)
    groups = [c for c in counts if c > 0]
    if len(groups) <= 1 or total == 0:
        return 1.0 if len(groups) == 1 and len(counts) == 1 else 0.0
    entropy = -sum(c / total * math.log(c / total) for c in groups)
    return round(entropy / math.log(len(counts)), 4)


def imbalance_ratio(counts: list[int]) -> float:
    positive = [c for c in counts if c > 0]
    if not positive:
        return 0.0
    return round(max(positive) / min(positive), 3)


def distinct_n(texts: list[str], n: int) -> float:
    """Distinct n-grams over all n-grams of the texts (lower-cased words)."""
    grams: list[tuple[str, ...]] = []
    for text in texts:
        tokens = [w.lower() for w in words(text)]
        grams += [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return round(len(set(grams)) / len(grams), 4) if grams else 0.0


def figures(
    labels: list[int],
    outputs: list[str],
    topics: list[str],
    *,
    names: dict[int, str] | None = None,
) -> dict[str, Any]:
    """The report's diversity figures for one clustering of the records."""
    k = max(labels) + 1 if labels else 0
    counts = [labels.count(i) for i in range(k)]
    clusters = [
        {"cluster": i, "name": (names or {}).get(i, ""), "records": counts[i]} for i in range(k)
    ]
    return {
        "records": len(labels),
        "clusters": clusters,
        "k": k,
        "imbalance_ratio": imbalance_ratio(counts),
        "entropy": normalised_entropy(counts),
        "distinct_1": distinct_n(outputs, 1),
        "distinct_2": distinct_n(outputs, 2),
        "topics": dict(Counter(topics).most_common()),
    }


def meets(
    measured: dict[str, Any],
    *,
    min_entropy: float,
    max_imbalance: float,
    min_distinct_2: float | None = None,
) -> list[str]:
    """What the set misses of its targets (empty: it meets them)."""
    missed = []
    if min_distinct_2 is not None and measured["distinct_2"] < min_distinct_2:
        missed.append(f"distinct-2 {measured['distinct_2']:.2f} < {min_distinct_2:.2f}")
    if measured["entropy"] < min_entropy:
        missed.append(f"cluster entropy {measured['entropy']:.2f} < {min_entropy:.2f}")
    if measured["imbalance_ratio"] > max_imbalance:
        missed.append(f"imbalance {measured['imbalance_ratio']:.1f} > {max_imbalance:.1f}")
    return missed


def projection_png(
    vectors: np.ndarray, labels: list[int], names: dict[int, str], path: Any
) -> None:
    """A 2-D PCA projection of the embeddings, coloured by cluster, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.decomposition import PCA

    figure, axes = plt.subplots(figsize=(7, 5.5), dpi=110)
    if len(vectors) >= 2:
        points = PCA(n_components=2, random_state=0).fit_transform(vectors)
    else:
        points = np.zeros((len(vectors), 2))
    labels_array = np.array(labels)
    colours = plt.get_cmap("tab10")
    for index in sorted(set(labels)):
        chosen = labels_array == index
        label = f"{index}: {names.get(index, '')}".strip(": ")
        label += f" ({int(chosen.sum())})"
        axes.scatter(
            points[chosen, 0], points[chosen, 1], s=18, color=colours(index % 10), label=label
        )
    axes.set_title("Records by cluster (embeddings, PCA to 2-D)")
    axes.set_xticks([])
    axes.set_yticks([])
    axes.legend(fontsize=8, loc="best", frameon=False)
    figure.tight_layout()
    figure.savefig(path, format="png")
    plt.close(figure)
