"""The real local model and the real embedding model, end to end through `sdgen text`: no
endpoint set, so sdgen starts the embedded llama.cpp server on 127.0.0.1 and asks
Qwen2.5-Coder-1.5B for a few records as schema-constrained JSON; all-MiniLM-L6-v2 embeds them.
Kept small (4 records in 2 requests): the model writes ~10 tokens/s on 2 cores."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.paths import ROOT

SPEC = """\
name: tiny-products
kind: text
task: Write the description an online shop shows under a product, from its name.
records: 4
language: en
inputs:
  product_name: {description: the product's name, min_words: 1, max_words: 8}
outputs:
  description: {description: one or two sentences, min_words: 6, max_words: 50}
topics: [kitchen gadgets, garden tools]
batch_size: 2
max_regenerations: 1
diversity: {max_rounds: 0}
"""


@pytest.mark.local_model
def test_text_with_the_embedded_model(real_local_model, tmp_path):
    from codegen.text.embed import minilm_dir

    assert minilm_dir() is not None, "the embedding model is not installed (make setup)"
    spec = tmp_path / "tiny.yaml"
    spec.write_text(SPEC)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    done = subprocess.run(
        [sys.executable, "-m", "codegen.cli.main", "text", str(spec),
         "--out", str(tmp_path / "runs"), "--no-cache"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=1500,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "using the embedded local model" in done.stderr
    run_dir = Path(done.stdout.strip().splitlines()[-1])
    manifest = json.loads((run_dir / "manifest.json").read_text())
    report = json.loads((run_dir / "report.json").read_text())
    assert manifest["route"] == "text" and manifest["status"] == "complete"
    assert manifest["model"].startswith("qwen2.5-coder-1.5b")
    assert manifest["endpoint_host"] == "127.0.0.1"
    assert manifest["usage"]["completion_tokens"] > 0
    assert manifest["embedder"] == "all-MiniLM-L6-v2"
    # Grammar-constrained JSON: every reply is read whole.
    assert report["requests"]["layouts"] == {"json": report["requests"]["records"]}
    assert report["unreadable"]["total"] == 0
    assert report["records"] >= 2
    lines = (run_dir / "train.jsonl").read_text().splitlines()
    lines += (run_dir / "valid.jsonl").read_text().splitlines()
    assert len(lines) == report["records"]
    for line in lines:
        roles = [m["role"] for m in json.loads(line)["messages"]]
        assert roles == ["system", "user", "assistant"]
    print(json.dumps({k: report[k] for k in ("records", "requests", "failed_checks")}))
