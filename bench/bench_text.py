"""`sdgen text` against the classic recipe, on the same model and the same number of requests.

sdgen: the product-description example (examples/text/product_descriptions.yaml) at N records
(default 300): batched schema-constrained requests per topic, checks, dedup, steering.
Baseline, measured in the same run: the classic recipe — the free-form prompt asking for "as many
examples as you can" in the ``Input: ... / Output: ...`` layout, read with the usual regular
expression — sent as many times as sdgen sent record requests. Both sets then go through the same
exact and near dedup and the same embedding and clustering.

Figures for each: records kept per minute (wall time), share of replies read without loss,
duplicates removed, cluster entropy and imbalance (sdgen: before and after steering), distinct-2.

    flock /tmp/sdgen-llm.lock python bench/bench_text.py [--records N] [--base-url URL] [--out DIR]

With no endpoint the embedded local model is served on 127.0.0.1 (~10 tokens/s on 2 cores: 300
records take over an hour for each side). The reply cache is off, so the model really answers.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "examples" / "text" / "product_descriptions.yaml"
# The classic recipe's regular expression (an Input line, then an Output running to the next).
CLASSIC = re.compile(r"Input:\s*(.+?)\s*\n\s*Output:\s*(.+?)(?=\n\s*\n|\n\s*Input:|\Z)", re.S)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=300)
    parser.add_argument("--base-url")
    parser.add_argument("--model")
    parser.add_argument("--spec", default=str(SPEC))
    parser.add_argument(
        "--no-baseline",
        action="store_true",
        help="sdgen's side only (the classic recipe costs as many requests again)",
    )
    parser.add_argument(
        "--out",
        help="keep sdgen's run and the classic side's records (classic.jsonl) in this directory, "
        "to read them afterwards (default: a temp dir, removed)",
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))

    import codegen as sd
    from codegen.api import read_text_spec
    from codegen.llm.session import chat_session

    spec, _ = read_text_spec(args.spec)
    with (
        kept_or_temporary(args.out) as out,
        # No reply cache: the model really answers every request.
        chat_session(
            model=args.model, base_url=args.base_url, cache=False, announce=print
        ) as session,
    ):
        started = time.perf_counter()
        run = sd.generate_text(
            spec, records=args.records, client=session.client, out=out, progress=print
        )
        sdgen_s = time.perf_counter() - started
        report = run.report
        # Said now: the classic side takes about as long again, and its failure must not lose
        # these figures.
        show(report, sdgen_s, None, 0.0)
        if args.no_baseline:
            return 0
        record_requests = report["requests"]["records"]
        started = time.perf_counter()
        classic = classic_recipe(session.client, spec, record_requests)
        classic_s = time.perf_counter() - started
        with open(Path(out) / "classic.jsonl", "w", encoding="utf-8") as lines:
            lines.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in classic["kept"])
    show(report, sdgen_s, classic, classic_s)
    return 0


def kept_or_temporary(out: str | None) -> contextlib.AbstractContextManager[str]:
    """``out`` made and kept when given; else a temp dir removed at the end."""
    if out is None:
        return tempfile.TemporaryDirectory()
    Path(out).mkdir(parents=True, exist_ok=True)
    return contextlib.nullcontext(out)


def classic_recipe(client, spec, requests: int) -> dict:
    """The free-form prompt + the regex, ``requests`` times; then the same dedup and clusters."""
    from codegen.text import diversity
    from codegen.text.checks import normalise
    from codegen.text.embed import default_embedder
    from codegen.text.generate import record_text
    from codegen.text.parse import _split_side
    from codegen.text.prompts import classic_messages

    embedder = default_embedder()
    kept, vectors, keys = [], [], set()
    lossless = exact = near = asked_total = 0
    for index in range(requests):
        completion = client.complete(
            classic_messages(spec, spec.batch_size), temperature=0.9, seed=index, max_tokens=1200
        )
        print(f"classic recipe: request {index + 1} of {requests}", flush=True)
        pairs = CLASSIC.findall(completion.text)
        blocks = len(re.findall(r"^\s*Input:", completion.text, re.M))
        records = []
        for given, answer in pairs:
            fields = _split_side(given.strip(), list(spec.inputs))
            if fields is None:
                continue
            fields.update({list(spec.outputs)[0]: answer.strip()})
            records.append(fields)
        asked_total += blocks
        lossless += bool(pairs) and len(records) == blocks and not completion.truncated
        if not records:
            continue
        for fields, vector in zip(records, embedder.embed([record_text(r) for r in records]),
                                  strict=True):  # fmt: skip
            key = normalise(" | ".join(fields.values()))
            if key in keys:
                exact += 1
                continue
            if vectors and float(max(v @ vector for v in vectors)) >= spec.dedup.near_threshold:
                near += 1
                continue
            keys.add(key)
            kept.append(fields)
            vectors.append(vector)
    import numpy as np

    figures = None
    if kept:
        found = diversity.cluster(np.vstack(vectors), max_clusters=spec.diversity.max_clusters)
        outputs = [r[list(spec.outputs)[0]] for r in kept]
        figures = diversity.figures(found.labels, outputs, ["(none)"] * len(kept))
    return {
        "kept": kept,
        "records": len(kept),
        "requests": requests,
        "lossless": lossless / max(requests, 1),
        "exact": exact,
        "near": near,
        "figures": figures,
    }


def show(report: dict, sdgen_s: float, classic: dict | None, classic_s: float) -> None:
    """The figures of both sides as a table; sdgen's alone when ``classic`` is None."""
    before = report["diversity"]["before"]
    after = report["diversity"]["after"] or before
    alone = classic is None
    classic = classic or {"records": 0, "lossless": 0.0, "exact": 0, "near": 0, "figures": None}
    classic_s = classic_s or 1.0
    rows = [
        ("records kept", report["records"], classic["records"]),
        (
            "records / minute",
            f"{report['records'] / sdgen_s * 60:.1f}",
            f"{classic['records'] / classic_s * 60:.1f}",
        ),
        (
            "replies read without loss",
            f"{report['requests']['replies_read_without_loss']:.0%}",
            f"{classic['lossless']:.0%}",
        ),
        (
            "duplicates removed (exact/near)",
            f"{report['duplicates']['exact']}/{report['duplicates']['near']}",
            f"{classic['exact']}/{classic['near']}",
        ),
    ]
    figures = classic["figures"] or {"entropy": 0, "imbalance_ratio": 0, "distinct_2": 0, "k": 0}
    rows += [
        (
            "clusters k (before -> after steering)",
            f"{before['k']} -> {after['k']}",
            figures["k"],
        ),
        (
            "cluster entropy (before -> after)",
            f"{before['entropy']:.2f} -> {after['entropy']:.2f}",
            f"{figures['entropy']:.2f}",
        ),
        (
            "imbalance ratio (before -> after)",
            f"{before['imbalance_ratio']:.1f} -> {after['imbalance_ratio']:.1f}",
            f"{figures['imbalance_ratio']:.1f}",
        ),
        ("distinct-2", f"{after['distinct_2']:.2f}", f"{figures['distinct_2']:.2f}"),
        ("seconds", f"{sdgen_s:.0f}", f"{classic_s:.0f}"),
    ]
    print(f"{'figure':40} {'sdgen text':>22} {'' if alone else 'classic recipe':>16}")
    for name, ours, theirs in rows:
        print(f"{name:40} {ours!s:>22} {'' if alone else theirs!s:>16}")
    if alone:
        print(f"record requests: {report['requests']['records']}", flush=True)
        return
    per_min = (report["records"] / sdgen_s) / max(classic["records"] / classic_s, 1e-9)
    print(f"records/minute ratio sdgen/classic: {per_min:.2f}")


if __name__ == "__main__":
    sys.exit(main())
