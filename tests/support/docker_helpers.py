"""Helpers for the real-Docker sandbox tests (the fixtures themselves live in conftest.py)."""

from __future__ import annotations

import os
import socket

from sandbox.runner import LABEL


def sandbox_containers(client) -> list:
    """Every sandbox container the engine knows, running or not."""
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
