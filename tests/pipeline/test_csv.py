"""`sdgen csv`: the direct CSV route, with a real reply from the corpus, over loopback HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from support.cli import sdgen

from codegen.errors import GenerationError
from codegen.llm.client import OpenAIChatClient
from codegen.pipeline.attempt import GenerateOptions
from codegen.pipeline.csv import generate_csv
from codegen.spec.model import load_spec

HOUSING10 = """\
name: housing10
tables:
  houses:
    rows: 10
    columns:
      id:                 {type: integer, primary_key: true}
      house size:         {type: integer, min: 20}
      house price:        {type: integer, min: 10000}
      location:           {type: string, values: [Suburbs, Countryside, City Center]}
      number of bedrooms: {type: integer, min: 1, max: 8}
    rules:
      - increasing: [house size, house price]
"""


def corpus_reply(corpus_dir: Path, kind: str) -> str:
    for line in (corpus_dir / "real_replies.jsonl").read_text().splitlines():
        record = json.loads(line)
        if record["kind"] == kind:
            return record["reply"]
    raise AssertionError(f"no {kind} reply in the corpus")


@pytest.fixture
def client(openai_stub, isolated_env):
    client = OpenAIChatClient("stub-model", base_url=openai_stub.base_url, api_key="sk-test")
    yield client
    client.close()


def test_real_csv_reply_validates_against_a_spec(openai_stub, client, corpus_dir, tmp_path):
    openai_stub.reply(corpus_reply(corpus_dir, "csv"))
    result = generate_csv(
        client,
        spec=load_spec(HOUSING10),
        spec_text=HOUSING10,
        options=GenerateOptions(out_root=tmp_path),
    )
    assert result.rows == {"houses": 10} and result.tables["houses"].shape == (10, 5)
    table = pq.read_table(result.path / "data" / "houses.parquet")
    assert table.column_names == [
        "id",
        "house size",
        "house price",
        "location",
        "number of bedrooms",
    ]
    assert (result.path / "data" / "houses.csv").is_file()
    assert (result.path / "reply.md").is_file() and not (result.path / "program.py").exists()
    manifest = json.loads((result.path / "manifest.json").read_text())
    assert manifest["route"] == "csv" and manifest["status"] == "complete"


def test_csv_that_breaks_the_spec_is_repaired(openai_stub, client, corpus_dir, tmp_path):
    real = corpus_reply(corpus_dir, "csv")
    broken = real.replace("5,150,500000,City Center,4", "5,150,500000,Downtown,4")
    openai_stub.replies(broken, real)
    result = generate_csv(
        client, spec=load_spec(HOUSING10), spec_text=HOUSING10,
        options=GenerateOptions(out_root=tmp_path),
    )  # fmt: skip
    assert [a.failure for a in result.attempts] == ["validation", None]
    repair = openai_stub.chat_requests[1].messages[-1]["content"]
    assert "houses.location" in repair and "Downtown" in repair


def test_no_csv_at_all_ends_in_a_clear_error(openai_stub, client, tmp_path):
    openai_stub.replies("I cannot do that.", "Still no.")
    with pytest.raises(GenerationError, match="no CSV passed after 2 attempts; last: no CSV"):
        generate_csv(
            client, spec=load_spec(HOUSING10), spec_text=HOUSING10,
            options=GenerateOptions(out_root=tmp_path, max_attempts=2),
        )  # fmt: skip
    assert not [p for p in tmp_path.rglob("manifest.json")]


# The draft of HOUSING10 as the model writes it: lists, one rule form (pipeline.draft.DraftSpec).
HOUSING10_DRAFT = {
    "name": "housing10",
    "description": "Houses for sale.",
    "tables": [
        {
            "name": "houses",
            "rows": 10,
            "description": "One row per house.",
            "columns": [
                {"name": "id", "type": "integer", "description": "row id"},
                {"name": "house size", "type": "integer", "description": "m2", "min": 20},
                {"name": "house price", "type": "integer", "description": "EUR", "min": 10000},
                {"name": "location", "type": "string", "description": "where",
                 "values": ["Suburbs", "Countryside", "City Center"]},
                {"name": "number of bedrooms", "type": "integer", "description": "bedrooms",
                 "min": 1, "max": 8},
            ],
            "rules": [{"kind": "increasing", "columns": ["house size", "house price"]}],
        }
    ],
}  # fmt: skip


def test_cli_csv_with_a_prompt(openai_stub, isolated_env, corpus_dir, tmp_path):
    """A request in words is drafted into a spec first (asked for as JSON with a schema); the
    CSV is then asked for and validated against that spec, which the run keeps."""
    openai_stub.reply(json.dumps(HOUSING10_DRAFT))
    openai_stub.reply(corpus_reply(corpus_dir, "csv"))
    env = {"OPENAI_BASE_URL": openai_stub.base_url, "OPENAI_API_KEY": "sk-test"}
    done = sdgen("csv", "--prompt", "10 rows of housing data", "--out", str(tmp_path),
                 "--model", "stub-model", env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    draft, csv = openai_stub.chat_requests
    assert draft.body["response_format"]["type"] == "json_schema"
    assert "10 rows of housing data" in draft.messages[-1]["content"]
    assert "`houses`" in csv.messages[-1]["content"]
    run_dir = Path(done.stdout.strip().splitlines()[-1])
    assert pq.read_table(run_dir / "data" / "houses.parquet").shape == (10, 5)
    saved = load_spec((run_dir / "spec.yaml").read_text())
    assert saved.tables["houses"].columns["id"].primary_key  # the one key the draft left out
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["request"] == "10 rows of housing data"
    assert [a["stage"] for a in manifest["draft_attempts"]] == ["accepted"]
