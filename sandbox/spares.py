"""Spares: single-use containers started ahead of need, so a run does not wait for a start.

A spare is the same hardened container a run would make, started before its program exists: its
harness imports pandas and pyarrow, then waits (at most ``SPARE_IDLE_S``) for a job file. A run
claims one by renaming its staging directory (atomic: one claimer wins), writes the program and
the job file, and from then on treats it exactly like a container it made: one program, then it is
removed. A spare is never reused and never runs a second program; an unclaimed one ends by itself.

Each run then starts the next spare while its program runs. One spare is kept per host user, for
the kind of run (image, runtime, limits, output cap) last made; a spare of another kind is removed
unused. ``SDGEN_SANDBOX_SPARES=0`` (or ``run(..., spares=False)``) turns them off.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sandbox import container as containers
from sandbox import staging
from sandbox.limits import Limits

SPARES_ENV = "SDGEN_SANDBOX_SPARES"
SPARE_IDLE_S = 120.0
# A spare this close to giving up is left to expire rather than claimed.
CLAIM_MARGIN_S = 5.0


@dataclass(frozen=True)
class Kind:
    """What makes two runs' containers interchangeable."""

    image: str
    runtime: str
    limits: Limits
    kernel_output_cap: bool | None

    @property
    def key(self) -> str:
        text = json.dumps(
            [self.image, self.runtime, asdict(self.limits), self.kernel_output_cap, os.geteuid()]
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def enabled(setting: bool | None = None) -> bool:
    if setting is not None:
        return setting
    return os.environ.get(SPARES_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def _spares(key: str | None = None) -> list[tuple[Path, str, int]]:
    """(directory, kind key, until) of the spares ready now, oldest first."""
    found = []
    for entry in os.scandir(staging.staging_root()):
        match = re.match(r"^spare-([0-9a-f]+)-(\d+)-", entry.name)
        if match and (key is None or match.group(1) == key):
            found.append((Path(entry.path), match.group(1), int(match.group(2))))
    return sorted(found, key=lambda spare: spare[2])


def claim(client: Any, kind: Kind) -> tuple[Path, Any] | None:
    """A ready spare of this kind: its staging directory (renamed to this run) and container."""
    import docker

    for directory, _, until in _spares(kind.key):
        if until < time.time() + CLAIM_MARGIN_S:
            continue
        mine = directory.with_name(f"run-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        try:
            os.rename(directory, mine)
        except OSError:
            continue  # another run claimed it first
        container_id = staging.container_id(mine)
        try:
            container = client.containers.get(container_id) if container_id else None
            if container is not None and container.status == "running":
                return mine, container
        except docker.errors.APIError:
            container = None
        _discard(client, mine, container_id)
    return None


def make(client: Any, kind: Kind) -> None:
    """Start a spare of this kind unless one is ready; remove ready spares of other kinds. Best
    effort: a spare that cannot be made only means the next run starts its own container."""
    making: Path | None = None
    container = None
    try:
        have = False
        for directory, key, until in _spares():
            if key == kind.key and until >= time.time() + CLAIM_MARGIN_S:
                have = True
            else:
                retire(client, directory)
        if have:
            return
        making = staging.new_stage_dir("making")
        stage = staging.prepare(making, kind.limits, kind.kernel_output_cap)
        settings = containers.config(
            kind.image,
            kind.runtime,
            stage,
            kind.limits,
            containers.spare_command(kind.limits, SPARE_IDLE_S),
            deadline=containers.deadline_for(kind.limits, SPARE_IDLE_S),
            spare_kind=kind.key,
        )
        until = int(time.time() + SPARE_IDLE_S)
        container = containers.create(client, settings)
        (making / staging.CONTAINER_ID_FILE).write_text(container.id)
        container.start()
        os.rename(making, making.with_name(f"spare-{kind.key}-{until}-{uuid.uuid4().hex[:8]}"))
    except Exception:  # noqa: BLE001 - see the docstring
        if making is not None:
            _discard(client, making, container.id if container is not None else None)


def retire(client: Any, directory: Path) -> None:
    """Remove a ready spare unused (claimed first, so no run can take it meanwhile)."""
    mine = directory.with_name(f"run-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        os.rename(directory, mine)
    except OSError:
        return  # claimed by a run
    _discard(client, mine, staging.container_id(mine))


def remove_all(client: Any) -> int:
    """Remove every ready spare of this host user (e.g. at the end of a test session)."""
    removed = 0
    for directory, _, _ in _spares():
        retire(client, directory)
        removed += 1
    return removed


def ready_container_ids() -> set[str]:
    """Containers of spares waiting to be claimed: not leftovers, though no run holds them."""
    return {cid for directory, _, _ in _spares() if (cid := staging.container_id(directory))}


def starting_container_ids() -> set[str]:
    """Containers of spares still being started (a run's refill thread, slow under load):
    not leftovers either; ready, or removed, moments later."""
    found = set()
    for entry in os.scandir(staging.staging_root()):
        if entry.name.startswith("making-") and (cid := staging.container_id(Path(entry.path))):
            found.add(cid)
    return found


def _discard(client: Any, directory: Path, container_id: str | None) -> None:
    if container_id:
        with contextlib.suppress(Exception):
            client.containers.get(container_id).remove(force=True)
    staging.remove(directory)
