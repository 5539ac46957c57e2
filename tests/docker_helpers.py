"""Shared fixtures for the real-Docker sandbox tests (imported by the test modules that need them)."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import Limits, RunResult, build_image, run
from sandbox.image import connect
from sandbox.runner import LABEL


@pytest.fixture(scope="session")
def docker_client():
    return connect()


@pytest.fixture(scope="session")
def sandbox_image(docker_client) -> str:
    """The pinned image; built once (a no-op in seconds when it already exists)."""
    return build_image(log=lambda line: None, client=docker_client)


def sandbox_containers(client) -> list:
    return client.containers.list(all=True, filters={"label": LABEL})


@pytest.fixture
def no_leftovers(docker_client) -> Iterator[None]:
    """Every test that runs a container must leave none behind, whatever happened."""
    before = {c.id for c in sandbox_containers(docker_client)}
    yield
    after = {c.id for c in sandbox_containers(docker_client)}
    assert after <= before, f"containers left behind: {sorted(after - before)}"


@pytest.fixture
def run_program(sandbox_image, no_leftovers, tmp_path: Path):
    """Run dedented source in the sandbox; small limits by default so hostile tests end fast."""
    counter = iter(range(1000))

    def _run(source: str, *, limits: Limits | None = None, **kwargs) -> RunResult:
        out = tmp_path / f"run{next(counter)}"
        limits = limits or Limits(timeout_s=30, memory_mb=512, pids=64, tmpfs_mb=32)
        return run(textwrap.dedent(source), out, limits=limits, **kwargs)

    return _run
