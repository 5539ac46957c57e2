"""Re-running a saved run's program offline at another size, with no LLM involved; a program that
changed since it was saved is refused. The run to re-run is made by the real pipeline (the OpenAI
stub on 127.0.0.1, the real sandbox)."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from support.shop import GOOD, run_generate, stub_client

import codegen as sd
from codegen.runs.rerun import rerun


@pytest.fixture
def client(openai_stub, isolated_env):
    client = stub_client(openai_stub.base_url)
    yield client
    client.close()


def test_rerun_at_another_size_offline(sandbox_image, no_leftovers, openai_stub, client, tmp_path):
    openai_stub.reply(GOOD)
    original = run_generate(client, tmp_path)
    bigger = rerun(original.path, rows=5000, seed=9, csv=True)
    assert bigger.rows == {"customers": 2000, "orders": 5000}  # the customers scaled alike
    assert len(bigger.tables["orders"]) == 5000 and list(bigger.tables) == ["customers", "orders"]
    assert len(openai_stub.chat_requests) == 1  # no LLM involved
    manifest = json.loads((bigger.path / "manifest.json").read_text())
    assert manifest["rerun_of"] == original.path.name and manifest["seed"] == 9
    assert pq.read_table(bigger.path / "data" / "orders.parquet").num_rows == 5000
    assert (bigger.path / "data" / "orders.csv").read_text().count("\n") == 5001
    # A tampered program is refused.
    (original.path / "program.py").write_text("import os\n")
    with pytest.raises(sd.RunIntegrityError, match="changed since it was saved"):
        rerun(original.path)
