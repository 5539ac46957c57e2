"""A text run on disk: ``generated/<name>/<run id>/`` with ``data/records.parquet``,
``train.jsonl`` and ``valid.jsonl`` (OpenAI chat fine-tuning format), ``report.json``,
``clusters.png``, ``spec.yaml`` and ``manifest.json`` (the same provenance as table runs).

Written under a temporary name in the same parent and renamed into place: a run is complete or
absent, never overwritten.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shutil
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from codegen.digest import sha256_file, sha256_text
from codegen.errors import RunExistsError, RunNotFoundError
from codegen.pipeline.attempt import versions
from codegen.runs.manifest import FileEntry, Manifest, Timings
from codegen.runs.store import SAFE_NAME, new_run_id
from codegen.spec.text import TextSpec, load_text_spec
from codegen.text import diversity
from codegen.text.export import chat_example, read_jsonl, split_indices, write_jsonl
from codegen.text.labels import values_report
from codegen.text.route import TextResult

FILES = ("data/records.parquet", "train.jsonl", "valid.jsonl", "report.json", "clusters.png")


def build_report(result: TextResult) -> dict[str, Any]:
    """Every figure of the run: what was asked, what was read, lost and why, duplicates,
    diversity before and after steering."""
    session, spec = result.session, result.spec
    tally = session.tally
    record_requests = [r for r in session.requests if r.purpose == "records"]
    asked = sum(r.asked for r in record_requests)
    unreadable = sum(tally.unreadable.values())
    failed_records = sum(tally.failed.values())
    return {
        "name": spec.name,
        "records": len(session.records),
        "target": result.target,
        "topics": result.topics,
        "requests": {
            "records": len(record_requests),
            "other": len(session.requests) - len(record_requests),
            "cached": sum(r.cached for r in session.requests),
            "replies_read_without_loss": round(
                sum(r.lossless for r in record_requests) / max(len(record_requests), 1), 4
            ),
            "layouts": _count(r.layout for r in record_requests),
            "truncated": sum(r.truncated for r in record_requests),
        },
        "records_asked": asked,
        "records_read": sum(r.read for r in record_requests),
        "unreadable": {"total": unreadable, "by_reason": dict(tally.unreadable.most_common())},
        "failed_checks": {
            "records": tally.failed_records,
            "total_failures": failed_records,
            "by_check": dict(tally.failed.most_common()),
        },
        "duplicates": {
            "exact": tally.exact_duplicates,
            "near": tally.near_duplicates,
            "near_threshold": spec.dedup.near_threshold,
            "embedder": session.embedder.name,
        },
        "surplus": tally.surplus,
        "trimmed_for_balance": result.trimmed,
        "values": values_report(spec, [r.fields for r in session.records], result.target),
        "labels_read_again": {
            **{key: tally.judged.get(key, 0) for key in ("confirmed", "disagreed", "unverified")},
            "by_label": session.agreement.record(),
        },
        "examples": tally.examples,
        "diversity": {
            "targets": spec.diversity.model_dump(),
            "before": result.before.record() if result.before else None,
            "after": result.after.record() if result.after else None,
            "steering": result.steering,
            "met": (
                not diversity.meets(
                    (result.after or result.before).figures,
                    min_entropy=spec.diversity.min_entropy,
                    max_imbalance=spec.diversity.max_imbalance,
                    min_distinct_2=spec.diversity.min_distinct_2,
                )
                if (result.after or result.before)
                else None
            ),
        },
        "seconds": result.seconds,
    }


def records_frame(result: TextResult, valid: set[int]) -> pd.DataFrame:
    final = result.after or result.before
    rows = []
    for index, record in enumerate(result.session.records):
        label = final.labels[index] if final else 0
        rows.append(
            {
                **record.fields,
                "topic": record.topic,
                "round": record.round,
                "cluster": label,
                "cluster_name": (final.names.get(label, "") if final else ""),
                "split": "valid" if index in valid else "train",
            }
        )
    return pd.DataFrame(rows)


def save_text_run(
    result: TextResult,
    *,
    root: str | os.PathLike[str],
    spec_text: str,
    endpoint_host: str,
    model: str,
    seed: int,
    run_id: str | None = None,
) -> Path:
    spec, session = result.spec, result.session
    run_id = run_id or new_run_id()
    parent = Path(root) / (SAFE_NAME.sub("_", spec.name).strip("._") or "dataset")
    parent.mkdir(parents=True, exist_ok=True)
    final = parent / run_id
    if final.exists():
        raise RunExistsError(
            f"run directory {final} already exists; runs are never overwritten", run_dir=final
        )
    building = parent / f".tmp-{run_id}-{secrets.token_hex(2)}"
    (building / "data").mkdir(parents=True)
    try:
        train_ids, valid_ids = split_indices(len(session.records), spec.valid_fraction, seed)
        examples = [chat_example(spec, r.fields) for r in session.records]
        n_train = write_jsonl(building / "train.jsonl", [examples[i] for i in train_ids])
        n_valid = write_jsonl(building / "valid.jsonl", [examples[i] for i in valid_ids])
        frame = records_frame(result, set(valid_ids))
        frame.to_parquet(building / "data" / "records.parquet", index=False)
        final_measure = result.after or result.before
        if final_measure is not None:
            import numpy as np

            diversity.projection_png(
                np.vstack(session.vectors),
                final_measure.labels,
                final_measure.names,
                building / "clusters.png",
            )
        report = build_report(result)
        report["files"] = {"train": n_train, "valid": n_valid}
        (building / "report.json").write_text(
            json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8"
        )
        (building / "spec.yaml").write_text(spec_text, encoding="utf-8")
        usage: dict[str, int] = {}
        for request in session.requests:
            if not request.cached:
                for key, value in request.usage.items():
                    usage[key] = usage.get(key, 0) + value
        manifest = Manifest(
            run_id=run_id,
            status="complete",
            created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            name=spec.name,
            route="text",
            spec_sha256=sha256_text(spec_text),
            model=model,
            endpoint_host=endpoint_host,
            prompt_sha256=sorted({r.prompt_sha256 for r in session.requests}),
            usage=usage,
            seed=seed,
            rows_requested={"records": result.target},
            rows={"records": len(session.records), "train": n_train, "valid": n_valid},
            timings=Timings(
                llm_s=round(sum(r.llm_s for r in session.requests), 3), total_s=result.seconds
            ),
            versions=versions(),
            files=[
                FileEntry(table=name, file=name, sha256=sha256_file(building / name))
                for name in FILES
                if (building / name).is_file()
            ],
            embedder=session.embedder.name,
            requests=[_request_record(r) for r in session.requests],
        )
        (building / "manifest.json").write_text(manifest.to_json(), encoding="utf-8")
        os.rename(building, final)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return final


def _request_record(request: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(request)


def _count(items: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return counts


class TextRun:
    """A saved text run: ``records`` (DataFrame), ``report``, ``manifest``, ``spec``, and the
    fine-tuning examples (``train``, ``valid``)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if not (self.path / "manifest.json").is_file():
            raise RunNotFoundError(
                f"{self.path} is not a saved run: no manifest.json", run_dir=self.path
            )

    def __repr__(self) -> str:
        return f"TextRun({str(self.path)!r})"

    @cached_property
    def manifest(self) -> Manifest:
        return Manifest.read(self.path)

    @cached_property
    def report(self) -> dict[str, Any]:
        return json.loads((self.path / "report.json").read_text(encoding="utf-8"))

    @cached_property
    def records(self) -> pd.DataFrame:
        return pd.read_parquet(self.path / "data" / "records.parquet")

    @cached_property
    def spec(self) -> TextSpec:
        return load_text_spec(self.path / "spec.yaml")

    @property
    def train(self) -> list[dict[str, Any]]:
        return [e.model_dump() for e in read_jsonl(self.path / "train.jsonl")]

    @property
    def valid(self) -> list[dict[str, Any]]:
        return [e.model_dump() for e in read_jsonl(self.path / "valid.jsonl")]
