"""`sdgen generate` end to end: the real `openai` client over HTTP to a scripted server on
127.0.0.1, the real sandbox on the real Docker engine, the real validator, the real store."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from support.cli import sdgen
from support.shop import GOOD, SPEC, run_generate, stub_client

import codegen as sd
from codegen.errors import GenerationError
from codegen.runs.rerun import rerun
from sandbox import Limits

BROKEN_KEYS = GOOD.replace(
    'rng.choice(customers["id"].to_numpy(), n_orders)', "rng.integers(1, 500, n_orders)"
)
CRASHING = GOOD.replace("    return {", "    total = 1 / 0\n    return {")
SYNTAX = "```python\ndef generate(rows, seed)\n    return {}\n```"
NO_CODE = "Sure! I would generate the data with numpy and pandas."


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "shop.yaml"
    path.write_text(SPEC)
    return path


@pytest.fixture
def client(openai_stub, isolated_env):
    client = stub_client(openai_stub.base_url)
    yield client
    client.close()


def test_first_reply_accepted_and_saved_with_provenance(
    sandbox_image, no_leftovers, openai_stub, client, tmp_path
):
    openai_stub.reply(GOOD)
    result = run_generate(client, tmp_path, seed=3)
    run_dir = result.path
    assert run_dir.parent == tmp_path / "generated" / "shop"
    assert sorted(p.name for p in run_dir.iterdir()) == [
        "data",
        "manifest.json",
        "program.py",
        "spec.yaml",
    ]
    assert sorted(p.name for p in (run_dir / "data").iterdir()) == [
        "customers.parquet",
        "orders.parquet",
    ]
    assert (run_dir / "spec.yaml").read_text() == SPEC
    program = (run_dir / "program.py").read_text()
    assert program.startswith("import numpy as np") and "Here is" not in program
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["model"] == "stub-model"
    assert manifest["endpoint_host"] == "127.0.0.1" and manifest["seed"] == 3
    assert manifest["rows"] == {"customers": 20, "orders": 50}
    assert [a["stage"] for a in manifest["attempts"]] == ["accepted"]
    assert manifest["usage"]["total_tokens"] > 0
    assert manifest["validation"]["ok"] is True
    assert manifest["image"]["reference"].startswith("sdgen-sandbox:")
    assert len(manifest["prompt_sha256"]) == 1 and manifest["program_sha256"]
    # The request carried the spec, the contract and the generation order.
    sent = openai_stub.chat_requests[0].messages
    assert "def generate(rows: dict[str, int], seed: int, part=None)" in sent[0]["content"]
    assert "customer_id" in sent[1]["content"]
    # The API key is nowhere on disk.
    everything = "".join(p.read_text(errors="replace") for p in run_dir.rglob("*") if p.is_file())
    assert "sk-test-pipeline-secret" not in everything
    assert not list((tmp_path / "generated").glob(".work-*"))


def test_failures_go_back_as_repair_requests_until_one_passes(
    sandbox_image, no_leftovers, openai_stub, client, tmp_path
):
    openai_stub.replies(NO_CODE, SYNTAX, GOOD)
    result = run_generate(client, tmp_path)
    assert [a.stage for a in result.attempts] == ["extract", "extract", "accepted"]
    second, third = openai_stub.chat_requests[1].messages, openai_stub.chat_requests[2].messages
    assert second[-2] == {"role": "assistant", "content": NO_CODE}
    assert "no Python code" in second[-1]["content"]
    assert "syntax error at line 1" in third[-1]["content"]


def test_crash_and_failed_checks_are_quoted_to_the_model(
    sandbox_image, no_leftovers, openai_stub, client, tmp_path
):
    openai_stub.replies(CRASHING, BROKEN_KEYS, GOOD)
    result = run_generate(client, tmp_path)
    assert [a.failure for a in result.attempts] == ["crash", "validation", None]
    crash_repair = openai_stub.chat_requests[1].messages[-1]["content"]
    assert "program raised ZeroDivisionError: division by zero" in crash_repair
    assert "> " in crash_repair and "1 / 0" in crash_repair  # the failing line, marked
    check_repair = openai_stub.chat_requests[2].messages[-1]["content"]
    assert "orders.customer_id" in check_repair and "customers.id" in check_repair


def test_never_right_saves_nothing_as_complete(
    sandbox_image, no_leftovers, openai_stub, client, tmp_path
):
    openai_stub.replies(BROKEN_KEYS, BROKEN_KEYS)
    with pytest.raises(GenerationError, match="no program passed after 2 attempts") as failure:
        run_generate(client, tmp_path, max_attempts=2)
    runs = list((tmp_path / "generated" / "shop").iterdir())
    assert [p.name.startswith("failed-") for p in runs] == [True]
    manifest = json.loads((runs[0] / "manifest.json").read_text())
    assert manifest["status"] == "failed" and len(manifest["attempts"]) == 2
    assert not (runs[0] / "data").exists() or not list((runs[0] / "data").iterdir())
    assert failure.value.run_dir == runs[0]


def test_second_run_comes_from_the_cache(
    sandbox_image, no_leftovers, openai_stub, client, tmp_path
):
    openai_stub.reply(GOOD)
    first = run_generate(client, tmp_path)
    second = run_generate(client, tmp_path)
    assert len(openai_stub.chat_requests) == 1
    assert second.attempts[0].cached and second.path != first.path
    assert (second.path / "program.py").read_text() == (first.path / "program.py").read_text()
    assert json.loads((second.path / "manifest.json").read_text())["usage"] == {}


def test_rate_limit_then_reply(sandbox_image, no_leftovers, openai_stub, client, tmp_path):
    openai_stub.error(429, "slow down").error(500, "oops").reply(GOOD)
    result = run_generate(client, tmp_path)
    assert result.attempts[0].stage == "accepted" and len(openai_stub.chat_requests) == 3


def test_cli_generate_prints_the_run_dir_last(
    sandbox_image, no_leftovers, openai_stub, isolated_env, spec_file, tmp_path
):
    openai_stub.reply(GOOD)
    env = {"OPENAI_BASE_URL": openai_stub.base_url, "OPENAI_API_KEY": "sk-test-cli"}
    out = tmp_path / "runs"
    done = sdgen("generate", str(spec_file), "--out", str(out), "--model", "stub-model",
                 "--format", "csv", env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    run_dir = Path(done.stdout.strip().splitlines()[-1])
    assert run_dir.parent == out / "shop" and (run_dir / "data" / "orders.csv").is_file()
    assert "accepted on attempt 1" in done.stderr


@pytest.mark.slow  # five CLI runs, the last through the client's real backoff (1+2+4 s)
def test_cli_dry_run_and_endpoint_down(isolated_env, openai_stub, spec_file, tmp_path):
    env = {"OPENAI_BASE_URL": openai_stub.base_url, "OPENAI_API_KEY": "sk-test-cli"}
    dry = sdgen("generate", str(spec_file), "--dry-run", env=env)
    assert dry.returncode == 0 and "--- system" in dry.stdout and "customer_id" in dry.stdout
    assert openai_stub.chat_requests == []
    # An endpoint is asked for the whole program; the embedded local model for the blanks only.
    assert "Complete this starting program" in dry.stdout
    local = sdgen("generate", str(spec_file), "--dry-run", env={})
    assert local.returncode == 0 and "Fill in the blanks" in local.stdout
    chosen = sdgen("generate", str(spec_file), "--dry-run", "--ask", "program", env={})
    assert "Complete this starting program" in chosen.stdout
    wrong = sdgen("generate", str(spec_file), "--dry-run", "--ask", "all", env={})
    last = wrong.stderr.strip().splitlines()[-1]
    assert last == "error: --ask 'all': use auto, program or blanks"
    port = openai_stub.port
    openai_stub.stop()
    down = sdgen("generate", str(spec_file), "--out", str(tmp_path / "r"), env=env)
    assert down.returncode == 1
    last = down.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: cannot reach the LLM endpoint at http://127.0.0.1:{port}/v1")
    assert not (tmp_path / "r" / "shop").exists() or not any((tmp_path / "r" / "shop").iterdir())


def test_cli_bad_spec_is_one_line(isolated_env, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SPEC.replace("customers.id", "customer.id"))
    done = sdgen("generate", str(bad), env={"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"})
    assert done.returncode == 1
    assert "references" in done.stderr.strip().splitlines()[-1]


MODEL_VALUES_BROKEN_CODE = """\
```python
import numpy as np
import pandas as pd


def generate(rows, seed):
    rng = np.random.default_rng(seed)
    motto_values = ["Ana Silva", "Ben Okafor", "Chloé Martin", "Dev Patel"]
    amount_slope = 7.5
    customers = pd.DataFrame({"motto": rng.choice(motto_values, size=rows["customers"])})
    return {"customers": customers, "orders": customers.merge(customers, on="missing")}
```
"""


def test_model_values_are_tried_in_the_starting_program(
    sandbox_image, no_leftovers, openai_stub, client, tmp_path
):
    openai_stub.reply(MODEL_VALUES_BROKEN_CODE)
    result = run_generate(client, tmp_path)
    attempt = result.attempts[0]
    assert attempt.stage == "accepted"
    assert attempt.variant == "blanks filled in"
    program = (result.path / "program.py").read_text()
    assert "motto_values = [" in program and "Chloé Martin" in program
    assert "amount_slope = 7.5" in program and "merge(" not in program
    manifest = json.loads((result.path / "manifest.json").read_text())
    assert manifest["attempts"][0]["variant"] == "blanks filled in"
    assert len(openai_stub.chat_requests) == 1


NAMES = "motto_values = ['Ana Silva', 'Ben Okafor', 'Chloé Martin', 'Dev Patel', 'Eva Novak']"


def test_blanks_reply_is_put_into_the_starting_program(
    sandbox_image, no_leftovers, openai_stub, client, tmp_path
):
    """Asked for the blanks only, the model replies with a few lines (indented, as copied from
    the program); they go into the starting program, which is what is saved."""
    openai_stub.reply(f"```python\n    {NAMES}\n    amount_slope = 12.5\n```")
    result = run_generate(client, tmp_path, ask="blanks")
    attempt = result.attempts[0]
    assert attempt.stage == "accepted" and attempt.variant == "blanks filled in"
    asked = openai_stub.chat_requests[0].messages[-1]["content"]
    assert "only these lines" in asked and "motto_values = [...]" in asked
    program = (result.path / "program.py").read_text()
    assert "Chloé Martin" in program and "amount_slope = 12.5" in program
    assert "rows: dict[str, int], seed: int, part: tuple[int, int] | None = None" in program
    assert "..." not in program
    # The starting program is made in parts by construction: checked before it was saved.
    assert json.loads((result.path / "manifest.json").read_text())["parts"] == {
        "chunkable": True,
        "part_rows": 250000,
        "checked_parts": 3,
    }


def test_unfilled_blank_is_asked_for_again(
    sandbox_image, no_leftovers, openai_stub, client, tmp_path
):
    openai_stub.replies(
        "```python\namount_slope = 3\n```",
        '{"values": []}',  # asked for the list alone first: it gives none
        f"```python\n{NAMES}\n```",
    )
    result = run_generate(client, tmp_path, ask="blanks")
    first, second = result.attempts
    assert first.failure == "missing_blanks" and "motto_values" in (first.error or "")
    alone = openai_stub.chat_requests[1].messages[-1]["content"]
    assert 'Column "motto"' in alone and "List 10 realistic values" in alone
    repair = openai_stub.chat_requests[2].messages[-1]["content"]
    assert "did not fill in every blank" in repair and "motto_values" in repair
    assert "only the lines to fill in" in repair
    assert second.stage == "accepted"
    # The repair reply gave only the missing line; the first reply's lines still count.
    assert "amount_slope = 3\n" in (result.path / "program.py").read_text()


def test_a_number_that_breaks_a_rule_falls_back_to_the_default(
    sandbox_image, no_leftovers, openai_stub, client, tmp_path
):
    """amount must rise with items; a negative slope breaks that, the default keeps it."""
    openai_stub.reply(f"```python\n{NAMES}\namount_slope = -40\n```")
    result = run_generate(client, tmp_path, ask="blanks")
    attempt = result.attempts[0]
    assert attempt.stage == "accepted"
    assert attempt.variant == "blanks filled in, default numbers"
    program = (result.path / "program.py").read_text()
    assert "amount_slope = -40" not in program and "Dev Patel" in program
    assert len(openai_stub.chat_requests) == 1


def _repaired_with(openai_stub, client, tmp_path, check: str, rewrite: str):
    """The shop's run with ``check`` added to its orders: the blanks at first, then the blanks
    and the column line ``rewrite`` (the repair)."""
    spec_text = SPEC.replace(
        "      - increasing: [items, amount]\n",
        f'      - increasing: [items, amount]\n      - check: "{check}"\n',
    )
    openai_stub.replies(f"```python\n{NAMES}\n```", f"```python\n{NAMES}\n{rewrite}\n```")
    return sd.generate(
        spec_text, client=client, out=tmp_path / "generated", limits=Limits(timeout_s=60),
        ask="blanks",
    )  # fmt: skip


def test_a_check_no_formula_knows_is_met_by_a_rewritten_column_line(
    sandbox_image, no_leftovers, openai_stub, client, tmp_path
):
    # gcd is beyond the starting program (items <> 7 it now meets by drawing items again);
    # items, skewed towards 3 (bounds a decade apart), are a multiple of 3 on many rows
    rewrite = "items = rng.choice([1, 2, 4, 5, 7], size=n_orders)"
    result = _repaired_with(openai_stub, client, tmp_path, "gcd(items, 3) = 1", rewrite)
    first, second = result.attempts
    assert first.failure == "validation" and "gcd(items, 3) = 1" in (first.error or "")
    asked = openai_stub.chat_requests[0].messages[-1]["content"]
    assert "# items: integer; from 1 to 10; must hold: gcd(items, 3) = 1" in asked
    repair = openai_stub.chat_requests[1].messages[-1]["content"]
    assert "To change a column that is not a blank, add its line" in repair
    assert second.variant == "blanks filled in, with its own column lines"
    assert rewrite in (result.path / "program.py").read_text()


def test_a_second_attempt_makes_its_parts_apart_from_the_first_s(
    sandbox_image, no_leftovers, openai_stub, client, tmp_path
):
    """The first attempt's 50 orders happen to have no items of 7 (skewed towards 3), its parts
    do: it fails the parts check; the second attempt's parts were made into the first's
    directory ("exists and is not empty") and the run stopped with an error."""
    rewrite = "items = rng.integers(1, 7, size=n_orders)"
    result = _repaired_with(openai_stub, client, tmp_path, "gcd(items, 7) = 1", rewrite)
    first, second = result.attempts
    assert first.failure == "parts" and "gcd(items, 7) = 1" in (first.error or "")
    assert second.failure is None and rewrite in (result.path / "program.py").read_text()


PEOPLE_DRAFT = {
    "name": "people",
    "description": "People and their ages.",
    "tables": [
        {
            "name": "people",
            "rows": 80,
            "description": "One row per person.",
            "columns": [
                {"name": "id", "type": "integer", "description": "row id", "primary_key": True},
                {"name": "age", "type": "integer", "description": "age in years",
                 "min": 18, "max": 99},
            ],
        }
    ],
}  # fmt: skip
PEOPLE = """\
```python
import numpy as np
import pandas as pd


def generate(rows, seed):
    rng = np.random.default_rng(seed)
    n = rows["people"]
    return {"people": pd.DataFrame({"id": np.arange(1, n + 1), "age": rng.integers(18, 90, n)})}
```
"""


def test_a_request_in_words_is_drafted_into_a_spec_then_generated_and_reruns(
    sandbox_image, no_leftovers, openai_stub, isolated_env, tmp_path
):
    """`--prompt` asks for a spec first (JSON with a schema), lints it, then goes the spec route:
    `--rows 30` sizes the drafted table, the run saves the drafted spec, and it re-runs at any
    size. A run made before specs were drafted (no spec.yaml) still re-runs its own tables."""
    openai_stub.reply(json.dumps(PEOPLE_DRAFT))
    openai_stub.reply(PEOPLE)
    env = {"OPENAI_BASE_URL": openai_stub.base_url, "OPENAI_API_KEY": "sk-test-cli"}
    done = sdgen("generate", "--prompt", "people and their ages", "--rows", "30",
                 "--out", str(tmp_path / "runs"), "--model", "stub-model", env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    draft, program = openai_stub.chat_requests
    assert "people and their ages" in draft.messages[-1]["content"]
    assert draft.body["response_format"]["json_schema"]["schema"]["title"] == "DraftSpec"
    assert "`age`" in program.messages[-1]["content"]
    run_dir = Path(done.stdout.strip().splitlines()[-1])
    assert pq.read_table(run_dir / "data" / "people.parquet").num_rows == 30
    assert "age:" in (run_dir / "spec.yaml").read_text()
    bigger = rerun(run_dir, rows=500)
    assert pq.read_table(bigger.path / "data" / "people.parquet").num_rows == 500
    (run_dir / "spec.yaml").unlink()
    older = rerun(run_dir, rows=70)
    assert older.manifest.rows_requested == {"people": 70} and older.rows == {"people": 70}


def test_a_repair_too_long_for_the_model_s_context_is_sent_again_without_the_failed_reply(
    openai_stub, client, tmp_path
):
    """llama.cpp refuses a prompt longer than its context with HTTP 400: a long failed reply in
    the repair request is what made it long, so the repair goes again without it."""
    from support.inprocess_runner import InProcessRunner

    openai_stub.reply(NO_CODE + " " + "blah " * 50)
    too_long = "This model's maximum context length is 8192 tokens, however you requested 9001"
    openai_stub.error(400, too_long)
    openai_stub.reply(GOOD)
    run = sd.generate(SPEC, client=client, runner=InProcessRunner(), out=tmp_path, ask="program")
    assert len(run.attempts) == 2
    sent = [r.body["messages"] for r in openai_stub.chat_requests]
    assert [m["role"] for m in sent[1]][-2:] == ["assistant", "user"]
    assert "assistant" not in [m["role"] for m in sent[2]]
    assert sent[2][-1] == sent[1][-1]  # the same repair text
