"""The Python API as a notebook uses it: ``import codegen as sd``.

Fast: the model is an in-process scripted ``ChatClient`` and programs run through the sandbox's
own harness in this process (``InProcessRunner``). The same calls over real HTTP and the real
Docker sandbox are in test_pipeline.py; this file checks the API's shape and the attempt loop.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from support.inprocess_runner import InProcessRunner
from support.paths import EXAMPLES

import codegen as sd
from codegen.llm.client import Completion, TokenUsage
from codegen.pipeline.attempt import FailureKind, Stage

SPEC = {
    "name": "shop",
    "description": "A small web shop.",
    "tables": {
        "customers": {
            "rows": 20,
            "columns": {
                "id": {"type": "integer", "primary_key": True},
                "motto": {"type": "string", "description": "the customer's motto"},
                "age": {"type": "integer", "min": 18, "max": 90},
            },
        },
        "orders": {
            "rows": 50,
            "columns": {
                "id": {"type": "integer", "primary_key": True},
                "customer_id": {"type": "integer", "references": "customers.id"},
                "items": {"type": "integer", "min": 1, "max": 10},
            },
        },
    },
}

GOOD = """\
```python
import numpy as np
import pandas as pd


def generate(rows, seed):
    rng = np.random.default_rng(seed)
    customers = pd.DataFrame({
        "id": np.arange(1, rows["customers"] + 1),
        "motto": rng.choice(["Carpe diem", "Less is more", "Why not?"], rows["customers"]),
        "age": rng.integers(18, 91, rows["customers"]),
    })
    orders = pd.DataFrame({
        "id": np.arange(1, rows["orders"] + 1),
        "customer_id": rng.choice(customers["id"].to_numpy(), rows["orders"]),
        "items": rng.integers(1, 11, rows["orders"]),
    })
    return {"customers": customers, "orders": orders}
```
"""
CRASHING = GOOD.replace("    return {", "    total = 1 / 0\n    return {")
NO_TABLES = GOOD.replace('    return {"customers": customers, "orders": orders}', "    return {}")


class ScriptedClient:
    """A ChatClient in this process: replies in order, and the messages it was sent."""

    model = "scripted"
    base_url = "http://127.0.0.1:9/v1"

    def __init__(self, *replies: str) -> None:
        self.replies = list(replies)
        self.requests: list[list[dict]] = []

    def complete(
        self,
        messages: Sequence[dict],
        *,
        temperature: float = 0.2,
        seed: int | None = None,
        max_tokens: int | None = None,
    ) -> Completion:
        self.requests.append(list(messages))
        text = self.replies.pop(0)
        usage = TokenUsage(100, len(text) // 4, 100 + len(text) // 4)
        return Completion(text, self.model, usage, "stop")


def make(tmp_path: Path, *replies: str, **options) -> tuple[sd.Run, ScriptedClient]:
    client = ScriptedClient(*replies)
    run = sd.generate(
        SPEC, client=client, runner=InProcessRunner(), out=tmp_path / "runs", **options
    )
    return run, client


def test_generate_returns_a_run_with_dataframes_spec_program_and_manifest(tmp_path, capsys):
    news: list[str] = []
    run, _ = make(tmp_path, GOOD, rows={"orders": 120}, seed=4, progress=news.append)
    orders = run.tables["orders"]
    assert (
        orders.shape == (120, 3) and orders["customer_id"].isin(run.tables["customers"]["id"]).all()
    )
    assert list(run.tables) == ["customers", "orders"]
    assert run.rows == {"customers": 20, "orders": 120}
    assert run.spec == sd.Spec.from_dict(SPEC)
    assert "def generate(rows, seed):" in run.program
    assert isinstance(run.manifest, sd.Manifest)
    assert run.manifest.route == "program" and run.manifest.seed == 4
    assert run.manifest.endpoint_host == "127.0.0.1" and run.manifest.model == "scripted"
    assert [a.stage for a in run.manifest.attempts] == ["accepted"]
    assert run.report["ok"] is True
    assert run.path.parent == tmp_path / "runs" / "shop"
    # A spec built in Python is saved as YAML that reads back to the same spec.
    assert sd.Spec.from_yaml(run.path / "spec.yaml") == run.spec
    # Nothing printed: news went to the callback only.
    assert capsys.readouterr() == ("", "")
    assert any("accepted" in line for line in news)


def test_a_failing_attempt_is_repaired_and_its_kind_is_a_value(tmp_path):
    run, client = make(tmp_path, CRASHING, NO_TABLES, GOOD)
    first, second, third = run.attempts
    assert (first.stage, first.failure) == (Stage.RUN, FailureKind.CRASH)
    assert "ZeroDivisionError" in (first.error or "")
    assert (second.stage, second.failure) == (Stage.RUN, FailureKind.NO_TABLES)
    assert third.stage is Stage.ACCEPTED
    # Each repair request quotes the failure before it.
    assert "crashed" in client.requests[1][-1]["content"]
    assert "returned no DataFrames" in client.requests[2][-1]["content"]
    saved = [a.failure for a in run.manifest.attempts]
    assert saved == ["crash", "no_tables", None]


def test_every_attempt_failing_raises_and_keeps_the_attempts(tmp_path):
    with pytest.raises(sd.GenerationError) as failed:
        make(tmp_path, CRASHING, CRASHING, max_attempts=2)
    assert len(failed.value.attempts) == 2
    kept = failed.value.run_dir
    assert kept.name.startswith("failed-")
    manifest = sd.Manifest.read(kept)
    assert manifest.status == "failed" and len(manifest.attempts) == 2
    with pytest.raises(sd.RunError, match="not a complete run"):
        sd.rerun(kept, runner=InProcessRunner())


def test_load_run_rerun_and_validate(tmp_path):
    run, client = make(tmp_path, GOOD)
    loaded = sd.load_run(run.path)
    assert loaded.manifest == run.manifest and loaded.program == run.program
    bigger = loaded.rerun(rows=500, runner=InProcessRunner())
    # 10x the orders, and 10x the customers they refer to (a scale factor, as TPC-H's)
    assert bigger.rows == {"customers": 200, "orders": 500}
    assert bigger.manifest.route == "rerun" and bigger.manifest.rerun_of == run.manifest.run_id
    assert len(client.requests) == 1  # no model asked
    per_table = sd.rerun(run.path, {"customers": 7, "orders": 9}, runner=InProcessRunner())
    assert per_table.rows == {"customers": 7, "orders": 9}
    # validate takes DataFrames as well as a directory, with the row counts of the run.
    frames = dict(bigger.tables)
    assert sd.validate(run.spec, frames, bigger.rows).ok
    assert sd.validate(run.spec, bigger.path / "data", bigger.rows).ok
    assert bigger.validate().ok
    frames["orders"] = frames["orders"].assign(items=0)
    report = sd.validate(run.spec, frames, bigger.rows)
    assert not report.ok and any(f.reason == "min" for f in report.failures)


def test_errors_are_typed(tmp_path):
    with pytest.raises(sd.RunError, match="not a saved run"):
        sd.load_run(tmp_path)
    with pytest.raises(sd.SdgenError, match="one of them"):
        sd.generate(SPEC, prompt="also words", client=ScriptedClient())
    with pytest.raises(sd.RowsError, match="no table of the spec: invoices"):
        make(tmp_path, GOOD, rows={"invoices": 5})
    with pytest.raises(sd.SpecError) as bad:
        sd.generate({"name": "x", "tables": {}}, client=ScriptedClient())
    assert bad.value.problems
    with pytest.raises(sd.SpecError, match="cannot read the spec"):
        sd.generate(tmp_path / "missing.yaml", client=ScriptedClient())


def test_a_manifest_keeps_what_this_version_does_not_know(tmp_path):
    run, _ = make(tmp_path, GOOD)
    data = json.loads((run.path / "manifest.json").read_text())
    data["from_a_newer_sdgen"] = {"x": 1}
    (run.path / "manifest.json").write_text(json.dumps(data))
    manifest = sd.Manifest.read(run.path)
    assert manifest.model_dump()["from_a_newer_sdgen"] == {"x": 1}
    assert json.loads(manifest.to_json())["from_a_newer_sdgen"] == {"x": 1}


def test_every_example_spec_round_trips_through_yaml():
    for path in sorted(EXAMPLES.glob("*.yaml")):
        spec = sd.Spec.from_yaml(path)
        assert sd.Spec.from_yaml(spec.to_yaml()) == spec, path


def test_the_package_exports_what_it_lists():
    for name in sd.__all__:
        assert getattr(sd, name) is not None
    with pytest.raises(AttributeError):
        sd.not_a_thing  # noqa: B018
