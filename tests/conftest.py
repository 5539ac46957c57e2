"""Fixtures shared by the test suite: isolated user directories and the scripted LLM server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from openai_stub import OpenAIStub

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


@pytest.fixture
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Fresh XDG cache/config/data dirs and no OpenAI settings from the host; returns their parent.

    Not autouse: tests of the installed local model need the real user cache.
    """
    home = tmp_path_factory.mktemp("user")
    for name in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        directory = home / name.lower()
        directory.mkdir()
        monkeypatch.setenv(name, str(directory))
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def openai_stub() -> Iterator[OpenAIStub]:
    """A scripted OpenAI-compatible server on 127.0.0.1; script it, then point a client at
    ``openai_stub.base_url``."""
    with OpenAIStub() as stub:
        yield stub


@pytest.fixture
def corpus_dir() -> Path:
    """The shared corpus of real LLM replies (read in place, never copied into the repo)."""
    if not (CORPUS / "real_replies.jsonl").is_file():
        pytest.fail(f"corpus not found at {CORPUS}")
    return CORPUS
