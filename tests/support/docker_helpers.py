"""Helpers for the real-Docker sandbox tests (the fixtures themselves live in conftest.py)."""

from __future__ import annotations

from sandbox.runner import LABEL


def sandbox_containers(client) -> list:
    """Every sandbox container the engine knows, running or not."""
    return client.containers.list(all=True, filters={"label": LABEL})
