"""Fixtures shared by the test suite (isolated user directories, the scripted LLM server, the real
Docker engine, the real local model) and the markers that sort tests into tiers.

Markers (registered in pyproject.toml) are added here from the fixtures a test uses, so a new test
is sorted by what it needs rather than by remembering a decorator:

- ``docker``: uses the Docker engine (docker_client, sandbox_image, run_program, no_leftovers);
- ``local_model``: uses the real local model (real_local_model);
- ``corpus``: reads ../shared/corpus (corpus_dir); skips with a one-line reason where it is absent,
  fails where SDGEN_REQUIRE_CORPUS=1;
- ``browser``: renders pages in headless Chromium (chromium); skips where Chromium is absent,
  fails where SDGEN_REQUIRE_BROWSER=1.

`make test-fast` deselects docker, local_model, browser and slow; `make test` runs everything.
"""

from __future__ import annotations

import os
import shutil
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import corpus
from support.docker_helpers import (
    made_by_this_session,
    require_runtime_or_skip,
    sandbox_containers,
)
from support.openai_stub import OpenAIStub
from support.paths import CORPUS

from codegen.localmodel.artifact import DEFAULT_MODEL, model_path
from sandbox import Limits, RunResult, build_image, remove_spares, run
from sandbox.image import connect
from sandbox.spares import ready_container_ids as ready_spare_ids
from sandbox.spares import starting_container_ids as starting_spare_ids

# Where the user's verified model is, fixed before any test points XDG_CACHE_HOME elsewhere.
REAL_MODEL_PATH = model_path(DEFAULT_MODEL)


DOCKER_FIXTURES = frozenset({"docker_client", "sandbox_image", "run_program", "no_leftovers"})


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark tests by the fixtures they use (tryfirst: before `-m` deselects by marker)."""
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & DOCKER_FIXTURES:
            item.add_marker(pytest.mark.docker)
        if "real_local_model" in used:
            item.add_marker(pytest.mark.local_model)
        if "corpus_dir" in used:
            item.add_marker(pytest.mark.corpus)
        if "chromium" in used:
            item.add_marker(pytest.mark.browser)
        if item.get_closest_marker("corpus") and not corpus.available() and not corpus.required():
            # A skip mark rather than pytest.skip(): the summary then names the test, not conftest.
            item.add_marker(pytest.mark.skip(reason=corpus.absent_reason()))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("corpus") and not corpus.available() and corpus.required():
        pytest.fail(f"{corpus.REQUIRE}=1 but {corpus.absent_reason()}", pytrace=False)


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
    """The shared corpus of real LLM replies (read in place, never copied into the repo).

    A test using it is marked ``corpus``; when the corpus is absent, the hooks above skip it (or
    fail it under SDGEN_REQUIRE_CORPUS=1) before this runs.
    """
    return CORPUS


# --- a real browser ----------------------------------------------------------------------------
@pytest.fixture
def chromium() -> str:
    """The headless browser's executable (Debian's ``chromium``). Without it the test skips, or
    fails when SDGEN_REQUIRE_BROWSER=1 (as in CI, which installs it)."""
    path = shutil.which("chromium")
    if path is None:
        reason = "no chromium on PATH (apt-get install chromium)"
        if os.environ.get("SDGEN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"SDGEN_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    return path


# --- the real Docker engine ---------------------------------------------------------------
@pytest.fixture(scope="session")
def docker_client():
    client = connect()
    yield client
    # Runs leave a spare started for the next one; the session's last spare has no next run.
    remove_spares(client)


@pytest.fixture(scope="session")
def sandbox_image(docker_client) -> str:
    """The pinned image; built once (a no-op in seconds when it already exists)."""
    return build_image(log=lambda line: None, client=docker_client)


@pytest.fixture
def no_leftovers(docker_client) -> Iterator[None]:
    """Every test that runs a container must leave none behind, whatever happened.

    Containers of other live processes (another test run on the same engine) are not counted.
    """
    before = {c.id for c in sandbox_containers(docker_client)}
    yield
    # A spare waiting to be claimed is made on purpose (one at most, never run); one a run's
    # refill thread is still starting (slow under load) is too, ready moments later; any
    # other is left behind.
    for _ in range(40):
        after = {c.id for c in sandbox_containers(docker_client) if made_by_this_session(c)}
        ready = ready_spare_ids()
        if after - ready <= before or not (after - ready - before) <= starting_spare_ids():
            break  # all accounted for, or a container that is no spare being started
        time.sleep(0.5)
    assert len(ready & after) <= 1, f"more than one spare of ours waiting: {sorted(ready & after)}"
    assert after - ready <= before, f"containers left behind: {sorted(after - before - ready)}"


@pytest.fixture
def runtime() -> str:
    """The container runtime ``run_program`` uses; the hostile suite overrides it with both."""
    return "runc"


@pytest.fixture
def run_program(sandbox_image, no_leftovers, tmp_path: Path, runtime: str, docker_client):
    """Run dedented source in the sandbox; small limits by default so hostile tests end fast."""
    counter = iter(range(1000))
    if runtime != "runc":
        require_runtime_or_skip(docker_client, runtime)

    def _run(source: str, *, limits: Limits | None = None, **kwargs) -> RunResult:
        out = tmp_path / f"run{next(counter)}"
        limits = limits or Limits(timeout_s=30, memory_mb=512, pids=64, tmpfs_mb=32)
        kwargs.setdefault("runtime", runtime)
        return run(textwrap.dedent(source), out, limits=limits, **kwargs)

    return _run


# --- the real local model ----------------------------------------------------------------------
@pytest.fixture
def real_local_model() -> Path:
    """The verified model's path. Without it (or llama-cpp-python) the test skips, or fails when
    SDGEN_REQUIRE_LOCAL_MODEL=1 (as in CI): a skipped test is not a passed one."""
    import os

    from codegen.errors import ModelMissingError
    from codegen.localmodel.artifact import DEFAULT_MODEL, is_verified
    from codegen.localmodel.server import require_runtime

    path = REAL_MODEL_PATH
    problems = []
    if not is_verified(path, DEFAULT_MODEL):
        problems.append(f"no verified model at {path} (run `sdgen model pull`)")
    try:
        require_runtime()
    except ModelMissingError as exc:
        problems.append(str(exc))
    if problems:
        reason = "; ".join(problems)
        if os.environ.get("SDGEN_REQUIRE_LOCAL_MODEL") == "1":
            pytest.fail(f"SDGEN_REQUIRE_LOCAL_MODEL=1 but {reason}")
        pytest.skip(reason)
    return path
