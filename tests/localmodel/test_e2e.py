"""The real local model, end to end through `sdgen generate`: no endpoint set, so sdgen starts the
embedded llama.cpp server on 127.0.0.1, asks Qwen2.5-Coder-1.5B for a program, runs it in the
sandbox, validates and saves it. Runs in CI (SDGEN_REQUIRE_LOCAL_MODEL=1 turns a skip into a
failure)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.paths import ROOT

SPEC = """\
name: people
description: Adults living in a mid-size European city.
tables:
  people:
    rows: 50
    columns:
      id:         {type: integer, primary_key: true}
      first_name: {type: string}
      age:        {type: integer, min: 18, max: 90}
      height_cm:  {type: float, min: 140, max: 210}
      hobby:      {type: string, description: what they do in their free time}
"""


@pytest.mark.local_model
def test_generate_with_the_embedded_model(real_local_model, sandbox_image, no_leftovers, tmp_path):
    spec = tmp_path / "people.yaml"
    spec.write_text(SPEC)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    done = subprocess.run(
        [sys.executable, "-m", "codegen.cli.main", "generate", str(spec),
         "--out", str(tmp_path / "runs"), "--no-cache"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=1500,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "using the embedded local model" in done.stderr
    run_dir = Path(done.stdout.strip().splitlines()[-1])
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["validation"]["ok"]
    assert manifest["model"].startswith("qwen2.5-coder-1.5b")
    assert manifest["endpoint_host"] == "127.0.0.1"
    assert manifest["rows"] == {"people": 50}
    assert manifest["usage"]["completion_tokens"] > 0  # the model really answered
    assert manifest["attempts"][-1]["variant"] != "starting program as built"  # it wrote lines
    # Asked first for what is typical, one column at a time; what it kept shapes the column.
    asked = {answer["column"]: answer for answer in manifest["typical"]}
    assert sorted(asked) == ["age", "height_cm"]
    if asked["height_cm"]["kept"]:
        import pandas as pd

        heights = pd.read_parquet(run_dir / "data" / "people.parquet")["height_cm"]
        low, high = asked["height_cm"]["low"], asked["height_cm"]["high"]
        assert low - 1 <= heights.median() <= high + 1
