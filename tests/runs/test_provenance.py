"""`sdgen audit RUN_DIR`: a saved run's provenance, and whether its files still match it."""

from __future__ import annotations

import json

import pytest
from support.cli import sdgen
from support.shop import GOOD, run_generate, stub_client


@pytest.fixture
def client(openai_stub, isolated_env):
    client = stub_client(openai_stub.base_url)
    yield client
    client.close()


def test_audit_of_a_saved_run_shows_provenance_and_integrity(
    sandbox_image, no_leftovers, openai_stub, client, tmp_path
):
    openai_stub.reply(GOOD)
    run_dir = run_generate(client, tmp_path).path
    done = sdgen("audit", str(run_dir), "--json", env={})
    report = json.loads(done.stdout)
    assert report["provenance"]["model"] == "stub-model"
    assert report["provenance"]["integrity"] == {
        "program.py": True,
        "data/customers.parquet": True,
        "data/orders.parquet": True,
    }
    (run_dir / "data" / "orders.parquet").write_bytes(b"tampered")
    text = sdgen("audit", str(run_dir), env={}).stdout
    assert "changed since saved: data/orders.parquet" in text
