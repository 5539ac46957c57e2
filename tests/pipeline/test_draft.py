"""A request in words becomes a spec: asked for as JSON with a schema over real HTTP (the OpenAI
stub on 127.0.0.1), mended where a small model leaves out what the prompt asks, linted, and the
linter's problems sent back until it passes."""

from __future__ import annotations

import copy
import json

import pytest
from support.cli import sdgen
from support.shop import stub_client

import codegen as sd
from codegen.pipeline.draft import DraftSpec, draft_spec, mend, to_spec_data

TICKETS = {
    "name": "support tickets",
    "description": "Support tickets of a software company.",
    "tables": [
        {
            "name": "customers",
            "rows": 40,
            "description": "Companies that buy the software.",
            "columns": [
                {"name": "id", "type": "integer", "description": "row id"},
                {"name": "company", "type": "string", "description": "company name"},
            ],
        },
        {
            "name": "tickets",
            "rows": 200,
            "description": "One row per ticket.",
            "columns": [
                {"name": "id", "type": "integer", "description": "row id", "primary_key": True},
                {"name": "customer_id", "type": "integer", "description": "who opened it",
                 "references": "customers"},
                {"name": "opened_at", "type": "datetime", "description": "when opened"},
                {"name": "closed_at", "type": "datetime", "description": "when closed",
                 "nullable": True},
            ],
            "rules": [{"kind": "check", "check": "closed_at IS NULL OR closed_at >= opened_at"}],
        },
    ],
}  # fmt: skip


@pytest.fixture
def client(openai_stub, isolated_env):
    client = stub_client(openai_stub.base_url)
    yield client
    client.close()


def test_a_draft_is_mended_and_linted(openai_stub, client):
    openai_stub.reply(json.dumps(TICKETS))
    draft = draft_spec(client, "support tickets with their customers")
    spec = draft.spec
    assert spec.name == "support_tickets"  # a directory name
    assert spec.tables["customers"].columns["id"].primary_key  # left out, mended
    assert spec.tables["tickets"].columns["customer_id"].references == "customers.id"
    assert spec.tables["tickets"].rules[0].check == "closed_at IS NULL OR closed_at >= opened_at"
    assert sd.Spec.from_yaml(draft.yaml) == spec
    (request,) = openai_stub.chat_requests
    schema = request.body["response_format"]["json_schema"]["schema"]
    assert schema == DraftSpec.model_json_schema()


def test_the_linters_problems_go_back_until_a_draft_passes(openai_stub, client):
    broken = copy.deepcopy(TICKETS)
    broken["tables"][1]["columns"][1]["references"] = "clients.id"  # no such table
    openai_stub.reply(json.dumps(broken)).reply("not json at all").reply(json.dumps(TICKETS))
    draft = draft_spec(client, "support tickets")
    assert [a.stage for a in draft.attempts] == ["validate", "validate", "accepted"]
    second = openai_stub.chat_requests[1].messages[-1]["content"]
    assert "clients" in second and "problems" in second
    third = openai_stub.chat_requests[2].messages[-1]["content"]
    assert "not JSON" in third


def test_a_draft_that_never_passes_is_a_spec_error(openai_stub, client):
    openai_stub.replies('{"name": "x", "tables": "none"}', "[1, 2]")
    with pytest.raises(sd.SpecError, match="no drafted spec passed after 2 attempts") as failed:
        draft_spec(client, "support tickets", max_attempts=2)
    assert failed.value.problems[1:] == [
        "the reply: Input should be a valid dictionary or instance of DraftSpec"
    ]


def test_refused_column_constraints_are_dropped_and_rules_only_at_the_last_attempt(
    openai_stub, client
):
    """A small model repeats a pattern on a number however often it is told: such a constraint
    is dropped at once. A broken rule goes back to the model, and is dropped only when the last
    attempt still has it."""
    broken = copy.deepcopy(TICKETS)
    broken["tables"][1]["columns"][2]["pattern"] = "[0-9]{4}-[0-9]{2}"  # on a datetime
    broken["tables"][1]["rules"].append({"kind": "check", "check": "resolution_hours > 0"})
    openai_stub.replies(*[json.dumps(broken)] * 2)
    draft = draft_spec(client, "support tickets", max_attempts=2)
    tickets = draft.spec.tables["tickets"]
    assert tickets.columns["opened_at"].pattern is None
    assert [rule.check for rule in tickets.rules] == ["closed_at IS NULL OR closed_at >= opened_at"]
    assert [a.stage for a in draft.attempts] == ["validate", "accepted"]
    repair = openai_stub.chat_requests[1].messages[-1]["content"]
    assert "resolution_hours" in repair and "pattern" not in repair


def test_mend_leaves_a_declared_key_alone():
    data = to_spec_data(DraftSpec.model_validate(TICKETS))
    data["tables"]["customers"]["columns"]["code"] = {"type": "string", "primary_key": True}
    mended = mend(data)
    assert "primary_key" not in mended["tables"]["customers"]["columns"]["id"]


def test_spec_only_prints_the_draft_and_calls_nothing_else(openai_stub, isolated_env):
    openai_stub.reply(json.dumps(TICKETS))
    env = {"OPENAI_BASE_URL": openai_stub.base_url, "OPENAI_API_KEY": "sk-test"}
    done = sdgen("generate", "--prompt", "support tickets", "--spec-only", "--model", "stub-model",
                 env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    spec = sd.Spec.from_yaml(done.stdout)
    assert list(spec.tables) == ["customers", "tickets"]
    assert len(openai_stub.chat_requests) == 1
    alone = sdgen("generate", "x.yaml", "--spec-only", env=env)
    assert alone.returncode == 1 and "give --prompt" in alone.stderr.strip().splitlines()[-1]


def test_a_time_date_or_number_drafted_as_text_is_given_its_own_type():
    """The local model drafted a bike ride's start_time as text with a pattern, and a
    station's location as a number pattern."""
    data = {
        "tables": {
            "rides": {
                "columns": {
                    "id": {"type": "integer", "primary_key": True},
                    "start_time": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$"},
                    "paid_on": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
                    "location": {"type": "string", "pattern": r"^[-+]?[0-9]*\.?[0-9]+$"},
                    "ended_at": {"type": "string"},
                    "code": {"type": "string", "pattern": r"^[A-Z0-9]{6}$"},
                    "note": {"type": "string", "pattern": ".*"},
                    "status_at": {"type": "string", "values": ["a", "b"]},
                }
            }
        }
    }
    columns = mend(data)["tables"]["rides"]["columns"]
    assert {name: column["type"] for name, column in columns.items()} == {
        "id": "integer",
        "start_time": "datetime",
        "paid_on": "date",
        "location": "float",
        "ended_at": "datetime",
        "code": "string",
        "note": "string",
        "status_at": "string",
    }
    assert "pattern" not in columns["start_time"] and columns["code"]["pattern"]
