"""The corpus of real third-party LLM replies: read in place beside the clone, never copied in.

Tests that read it carry the ``corpus`` marker (conftest adds it to every test using the
``corpus_dir`` fixture). Where the corpus is absent they skip with a one-line reason; with
SDGEN_REQUIRE_CORPUS=1 (CI) they fail instead, since a skipped test is not a passed one.
"""

from __future__ import annotations

import json
import os

import pytest

from support.paths import CORPUS, REAL_REPLIES

REQUIRE = "SDGEN_REQUIRE_CORPUS"


def available() -> bool:
    return REAL_REPLIES.is_file()


def required() -> bool:
    return os.environ.get(REQUIRE) == "1"


def absent_reason() -> str:
    return f"no corpus of real replies at {CORPUS} (kept beside the clone, in ../shared/corpus)"


def replies(*kinds: str) -> list[dict]:
    """The corpus entries of the given kinds (all when none), in file order."""
    lines = REAL_REPLIES.read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines if line.strip()]
    return [entry for entry in entries if not kinds or entry["kind"] in kinds]


def reply_params(*kinds: str) -> list:
    """Parameters for ``@pytest.mark.parametrize`` at collection time, one per reply.

    Without the corpus this is a single placeholder (the test's ``corpus`` marker then skips it,
    or fails it when required), so collecting the module never needs ../shared.
    """
    if not available():
        return [pytest.param(None, id="no-corpus")]
    return [pytest.param(entry, id=entry["id"]) for entry in replies(*kinds)]
