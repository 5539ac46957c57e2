"""Helpers for the real-Docker sandbox tests (the fixtures themselves live in conftest.py)."""

from __future__ import annotations

import os
import socket

import pytest

from sandbox.runner import LABEL


def sandbox_containers(client) -> list:
    """Every sandbox container the engine knows, running or not. Listed again when one is
    removed while it is being listed (a spare claimed and gone, another session's run)."""
    import docker.errors

    for _ in range(10):
        try:
            return client.containers.list(all=True, filters={"label": LABEL})
        except docker.errors.NotFound:
            continue
    return client.containers.list(all=True, filters={"label": LABEL})


def made_by_this_session(container) -> bool:
    """Whether this test session can have made the container: this process, or a command it ran
    and waited for (so is gone by now). Another test run sharing the engine on this machine has
    its own live process; its containers are not ours to count as left behind."""
    labels = container.labels
    if labels.get("sdgen.host") != socket.gethostname():
        return False
    try:
        pid = int(labels.get("sdgen.pid", ""))
    except ValueError:
        return True  # no owner recorded: count it
    if pid <= 0 or pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True  # its process is gone: if it was one of ours, this is a leftover
    except PermissionError:
        return False  # alive, another user's
    return False


def require_runtime_or_skip(client, runtime: str) -> None:
    """A runtime the engine lacks skips the test with the reason, or fails it when
    SDGEN_REQUIRE_RUNSC=1 (as in CI, which installs and registers gVisor)."""
    from sandbox import RuntimeMissing, require_runtime

    try:
        require_runtime(client, runtime)
    except RuntimeMissing as missing:
        if runtime == "runsc" and os.environ.get("SDGEN_REQUIRE_RUNSC") == "1":
            pytest.fail(f"SDGEN_REQUIRE_RUNSC=1 but {missing}", pytrace=False)
        pytest.skip(str(missing))
