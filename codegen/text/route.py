"""The text route, in order: topics -> records (batched, read, checked, deduplicated,
regenerated) -> diversity measured (embeddings, clusters, names) -> steered (new topics away from
the clusters, until the targets are met or the rounds run out) -> saved with fine-tuning files.

Nothing is saved until the end; an endpoint error on the way raises and leaves no run behind.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from codegen.errors import TextGenerationError
from codegen.llm.client import ChatClient
from codegen.spec.text import TextSpec
from codegen.text import diversity, prompts
from codegen.text.embed import Embedder
from codegen.text.generate import (
    DEFAULT_TOPICS,
    Progress,
    Record,
    Session,
    clean_topics,
    record_text,
)
from codegen.text.labels import balanced_fields, plan_slots, value_counts

NAMING_SAMPLES = 4  # records shown to the model to name a cluster


@dataclass
class Measured:
    """One measurement of the kept records' diversity."""

    figures: dict[str, Any]
    labels: list[int]
    names: dict[int, str] = field(default_factory=dict)
    silhouette: float | None = None
    silhouettes: dict[int, float] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        return {
            **self.figures,
            "silhouette": self.silhouette,
            "silhouette_by_k": {str(k): v for k, v in self.silhouettes.items()},
        }


@dataclass
class TextResult:
    """Everything a text run made, before it is saved."""

    spec: TextSpec
    session: Session
    topics: list[str]
    before: Measured | None
    after: Measured | None
    steering: list[dict[str, Any]]
    trimmed: int
    seconds: float
    target: int


def make_records(
    client: ChatClient,
    spec: TextSpec,
    embedder: Embedder,
    *,
    target: int | None = None,
    seed: int = 0,
    concurrency: int = 1,
    steer: bool = True,
    progress: Progress | None = None,
) -> TextResult:
    started = time.perf_counter()
    target = target or spec.records
    session = Session(client, spec, embedder, seed=seed, concurrency=concurrency, progress=progress)
    say = session.say
    topics = list(spec.topics or [])
    if not topics:
        count = spec.propose_topics or DEFAULT_TOPICS
        topics = session.propose_topics(count, [], "initial")
        if not topics:
            raise TextGenerationError(
                "the model proposed no usable topics; give topics in the spec"
            )
        say(f"topics proposed: {'; '.join(topics)}")
    session.fill(plan_slots(spec, topics, target), "initial")
    if not session.records:
        raise TextGenerationError(
            f"no record passed the checks ({_losses(session)}); see the spec's fields and bounds"
        )
    before = after = None
    steering: list[dict[str, Any]] = []
    trimmed = 0
    targets = spec.diversity
    before = measure(session, seed, name=True)
    say(_line("diversity", before))
    current = before
    if steer:
        for round_number in range(1, targets.max_rounds + 1):
            missed = diversity.meets(
                current.figures,
                min_entropy=targets.min_entropy,
                max_imbalance=targets.max_imbalance,
                min_distinct_2=targets.min_distinct_2,
            )
            if not missed:
                break
            known = topics + [n for n in current.names.values() if n]
            new = session.propose_topics(targets.new_topics, known, f"steering {round_number}")
            entry: dict[str, Any] = {"round": round_number, "missed": missed, "new_topics": new}
            if not new:
                entry["stopped"] = "the model proposed no new topics"
                steering.append(entry)
                break
            topics += new
            share = max(1, round(target / len(topics)))
            got = session.fill(plan_slots(spec, new, share * len(new)), f"steering {round_number}")
            entry["added"] = sum(got.values())
            removed = trim_to(session, target, current.labels, seed)
            trimmed += removed
            entry["trimmed"] = removed
            current = measure(session, seed, name=False)
            entry["after"] = {
                "entropy": current.figures["entropy"],
                "imbalance_ratio": current.figures["imbalance_ratio"],
                "k": current.figures["k"],
            }
            steering.append(entry)
            say(_line(f"steering {round_number}", current))
        if steering:
            after = measure(session, seed, name=True)
    return TextResult(
        spec=spec,
        session=session,
        topics=topics,
        before=before,
        after=after,
        steering=steering,
        trimmed=trimmed,
        seconds=round(time.perf_counter() - started, 3),
        target=target,
    )


def measure(session: Session, seed: int, *, name: bool) -> Measured:
    spec = session.spec
    vectors = np.vstack(session.vectors)
    found = diversity.cluster(vectors, max_clusters=spec.diversity.max_clusters, seed=seed)
    names = name_clusters(session, found.labels, vectors, found.centers) if name else {}
    outputs = ["\n".join(r.fields[o] for o in spec.outputs) for r in session.records]
    figures = diversity.figures(
        found.labels, outputs, [r.topic for r in session.records], names=names
    )
    return Measured(figures, found.labels, names, found.silhouette, found.silhouettes)


def name_clusters(
    session: Session, labels: list[int], vectors: np.ndarray, centers: np.ndarray | None
) -> dict[int, str]:
    """Each cluster named by the model from the records nearest its centre."""
    names: dict[int, str] = {}
    labels_array = np.array(labels)
    for index in sorted(set(labels)):
        members = np.flatnonzero(labels_array == index)
        if centers is not None:
            order = np.argsort(-(vectors[members] @ centers[index]))
            members = members[order]
        samples = [record_text(session.records[i].fields) for i in members[:NAMING_SAMPLES]]
        messages = prompts.cluster_name_messages(samples)
        _, completion = session.ask(
            "cluster name",
            messages,
            prompts.NAME_SCHEMA,
            key="name|" + "|".join(samples),
            max_tokens=30,
            temperature=0.0,
        )
        names[index] = _name_from(completion.text) or f"cluster {index}"
    return names


def _name_from(text: str) -> str:
    import json

    start = text.find("{")
    try:
        value = json.loads(text[start:] if start >= 0 else text)
        name = value.get("name", "") if isinstance(value, dict) else ""
    except (ValueError, AttributeError):
        name = text.strip().splitlines()[0] if text.strip() else ""
    return " ".join(str(name).split()).strip(" .\"'")[:60]


def trim_to(session: Session, target: int, labels_before: list[int], seed: int) -> int:
    """Back down to ``target`` records: the most redundant record (nearest to another) of the
    largest cluster goes first, one at a time, so steering evens the clusters out. Only records
    whose planned values are over their count at ``target`` may go (``text.labels``), so
    trimming keeps the labels' shares."""
    excess = len(session.records) - target
    if excess <= 0:
        return 0
    vectors = np.vstack(session.vectors)
    found = diversity.cluster(vectors, max_clusters=session.spec.diversity.max_clusters, seed=seed)
    labels = np.array(found.labels)
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -1.0)
    alive = np.ones(len(labels), dtype=bool)
    fields = balanced_fields(session.spec)
    combination = [tuple((f, r.fields[f]) for f in fields) for r in session.records]
    wanted = value_counts(session.spec, target)
    for _ in range(excess):
        held = Counter(c for c, keep in zip(combination, alive, strict=True) if keep)
        may_go = alive & np.array([held[c] > wanted.get(c, 0) for c in combination])
        sizes = {c: int(((labels == c) & may_go).sum()) for c in set(labels.tolist())}
        largest = max(sizes, key=lambda c: (sizes[c], -c))
        members = np.flatnonzero((labels == largest) & may_go)
        redundancy = similarity[np.ix_(members, np.flatnonzero(alive))].max(axis=1)
        drop = int(members[int(np.argmax(redundancy))])
        alive[drop] = False
    session.records = [r for r, keep in zip(session.records, alive, strict=True) if keep]
    session.vectors = [v for v, keep in zip(session.vectors, alive, strict=True) if keep]
    return excess


def _losses(session: Session) -> str:
    tally = session.tally
    parts = [f"{sum(tally.unreadable.values())} unreadable"]
    parts += [f"{n} failed {code}" for code, n in tally.failed.most_common()]
    return ", ".join(parts)


def _line(label: str, measured: Measured) -> str:
    f = measured.figures
    return (
        f"{label}: {f['records']} records, k={f['k']}, entropy {f['entropy']:.2f}, "
        f"imbalance {f['imbalance_ratio']:.1f}, distinct-2 {f['distinct_2']:.2f}"
    )


__all__ = ["Record", "TextGenerationError", "TextResult", "clean_topics", "make_records"]
