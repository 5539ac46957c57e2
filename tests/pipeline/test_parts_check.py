"""The acceptance check for scale on the real Docker engine: a program is made in 3 parts before
it is saved; the parts joined must pass the spec and a part made alone must equal the same part
made after the others. A failure goes back to the model like any other, with its reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.chunky import SPEC, program
from support.shop import run_generate, stub_client

from codegen.pipeline.parts import check_parts
from codegen.runner import SandboxRunner
from codegen.spec.model import load_spec
from sandbox import Limits

ROWS = {"customers": 200, "orders": 1000}
RUNNER = SandboxRunner(limits=Limits(timeout_s=60, memory_mb=512))


def check(source: str, tmp_path: Path):
    return check_parts(RUNNER, source, load_spec(SPEC), ROWS, 4, tmp_path)


def test_a_program_made_in_parts_by_the_contract_passes(sandbox_image, no_leftovers, tmp_path):
    found = check(program(), tmp_path)
    assert found.error is None and found.part_rows == 1000
    assert found.to_dict() == {"chunkable": True, "part_rows": 1000, "checked_parts": 3}


def test_keys_that_start_again_in_every_part_fail_with_the_checks_they_break(
    sandbox_image, no_leftovers, tmp_path
):
    restarting = program().replace(
        '"id": np.arange(o0, o1, dtype=np.int64) + 1,',
        '"id": np.arange(0, o1 - o0, dtype=np.int64) + 1,',
    )
    found = check(restarting, tmp_path)
    assert found.error is not None
    assert found.error.startswith("Made in 3 parts (generate(rows, seed, part=(k, 3))")
    assert "orders.id" in found.error and "unique" in found.error


def test_state_carried_from_one_part_to_the_next_is_found(sandbox_image, no_leftovers, tmp_path):
    # One generator for the module: part 2 after parts 0 and 1 draws other numbers than alone.
    carried = (
        program()
        .replace(
            "def _part(rows, seed, k, n):",
            "SHARED = np.random.default_rng(1)\n\n\ndef _part(rows, seed, k, n):",
        )
        .replace(
            '"age": rng.integers(18, 90, c1 - c0),', '"age": SHARED.integers(18, 90, c1 - c0),'
        )
    )
    found = check(carried, tmp_path)
    assert found.error is not None and "made alone differs" in found.error
    assert "table 'customers'" in found.error


def test_a_program_without_parts_is_not_failed_and_says_why(sandbox_image, no_leftovers, tmp_path):
    whole = program().replace("PART_ROWS = 1000", "ROWS_PER_PART = 1000")
    found = check(whole, tmp_path)
    assert found.error is None and found.part_rows is None
    assert found.to_dict() == {
        "chunkable": False,
        "reason": "the program has no module-level PART_ROWS = <int>",
    }


@pytest.fixture
def client(openai_stub, isolated_env):
    client = stub_client(openai_stub.base_url)
    yield client
    client.close()


def test_a_program_that_breaks_in_parts_goes_back_to_the_model(
    sandbox_image, no_leftovers, openai_stub, client, tmp_path
):
    from support.shop import GOOD

    # Says it can be made in parts, but makes the whole dataset in every part.
    chunked = GOOD.replace(
        "def generate(rows, seed):", "PART_ROWS = 100\n\n\ndef generate(rows, seed, part=None):"
    )
    openai_stub.replies(chunked, GOOD)
    result = run_generate(client, tmp_path)
    first, second = result.attempts
    assert first.failure == "parts"
    assert (first.error or "").startswith("Made in 3 parts, table 'customers' has 60 rows")
    repair = openai_stub.chat_requests[1].messages[-1]["content"]
    assert "not when it makes them in parts" in repair
    assert second.stage == "accepted"  # the program as before: saved, and reruns whole
    assert result.manifest.parts["chunkable"] is False
