"""The hardened container of one run: its configuration, its command, and making it.

The same configuration serves a container started for a run and a spare started ahead of need;
only the command differs (a spare's harness waits for its job file).
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from typing import Any

from sandbox.errors import ImageMissing, RuntimeMissing, SandboxError
from sandbox.image import HARNESS_PATH_IN_IMAGE, SITE_IN_IMAGE, site_copy
from sandbox.limits import Limits
from sandbox.staging import Stage

JOB_IN_CONTAINER = "/sandbox"
PROGRAM_IN_CONTAINER = f"{JOB_IN_CONTAINER}/program.py"
JOB_FILE = "job.json"
OUT_IN_CONTAINER = "/out"
LABEL = "sdgen.sandbox"
SPARE_LABEL = "sdgen.spare"
# Under gVisor the engine's pids limit counts the host threads of the sandbox, not the program's
# processes: the user-space kernel needs ~46 of its own (measured idle, with pandas imported) and,
# on the ptrace platform, about 5 more per sleeping process of the program (40 children: 245),
# more for busy ones.
RUNSC_OWN_PIDS = 64
RUNSC_PIDS_PER_PROCESS = 8
# The in-container backstop outlives the host's own timeout: it only matters if the host died.
BACKSTOP_GRACE_S = 30


def run_command(
    limits: Limits, rows: dict[str, int], seed: int, parts: tuple[int, int, int] | None = None
) -> list[str]:
    chunk = ["--parts", f"{parts[0]}:{parts[1]}/{parts[2]}"] if parts is not None else []
    return [
        # PID 1 is a kill-timer: if the host side dies, the container still ends by itself.
        "timeout", "-s", "KILL", str(int(limits.timeout_s + BACKSTOP_GRACE_S)),
        "python3", "-s", "-B", HARNESS_PATH_IN_IMAGE, PROGRAM_IN_CONTAINER, OUT_IN_CONTAINER,
        "--rows", json.dumps(rows), "--seed", str(seed), *chunk,
    ]  # fmt: skip


def spare_command(limits: Limits, idle_s: float) -> list[str]:
    return [
        "timeout", "-s", "KILL", str(int(idle_s + limits.timeout_s + BACKSTOP_GRACE_S)),
        "python3", "-s", "-B", HARNESS_PATH_IN_IMAGE, PROGRAM_IN_CONTAINER, OUT_IN_CONTAINER,
        "--wait-for", f"{JOB_IN_CONTAINER}/{JOB_FILE}", "--idle-s", str(idle_s),
    ]  # fmt: skip


def config(
    image: str,
    runtime: str,
    stage: Stage,
    limits: Limits,
    command: list[str],
    *,
    deadline: float,
    spare_kind: str | None = None,
) -> dict[str, Any]:
    from docker.types import LogConfig, Mount, Ulimit

    threads = str(max(1, int(limits.cpus)))
    output_bytes = limits.output_mb * 1024 * 1024
    labels = {
        LABEL: "1",
        "sdgen.deadline": str(int(deadline)),
        "sdgen.host": socket.gethostname(),
        "sdgen.pid": str(os.getpid()),
    }
    if spare_kind:
        labels[SPARE_LABEL] = spare_kind
    return {
        "image": image,
        "command": command,
        "name": f"sdgen-sandbox-{uuid.uuid4().hex[:12]}",
        "labels": labels,
        "runtime": runtime,
        "user": stage.user,
        "working_dir": "/tmp",
        # Only these variables exist inside; nothing of the host's environment is passed.
        "environment": {
            "HOME": "/tmp",
            "PYTHONHASHSEED": "0",
            "OMP_NUM_THREADS": threads,
            "OPENBLAS_NUM_THREADS": threads,
            "MKL_NUM_THREADS": threads,
        },
        "hostname": "sandbox",
        "network_mode": "none",
        "read_only": True,
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"],
        "ipc_mode": "private",
        "pids_limit": host_pids_limit(limits, runtime),
        "mem_limit": f"{limits.memory_mb}m",
        "memswap_limit": f"{limits.memory_mb}m",
        "nano_cpus": int(limits.cpus * 1e9),
        "shm_size": f"{min(64, limits.tmpfs_mb)}m",
        "tmpfs": {"/tmp": f"rw,nosuid,nodev,noexec,size={limits.tmpfs_mb}m,mode=1777"},
        "mounts": [
            Mount(JOB_IN_CONTAINER, str(stage.job), type="bind", read_only=True),
            Mount(OUT_IN_CONTAINER, str(stage.out), type="bind", read_only=False),
            *_site_mount(image),
        ],
        "ulimits": [
            Ulimit(name="fsize", soft=output_bytes, hard=output_bytes),
            Ulimit(name="nofile", soft=1024, hard=1024),
            Ulimit(name="core", soft=0, hard=0),
            # gVisor's own kernel counts the program's processes and threads against RLIMIT_NPROC
            # (its tasks only); under runc it would count the uid's processes host-wide.
            *(
                [Ulimit(name="nproc", soft=limits.pids, hard=limits.pids)]
                if runtime == "runsc"
                else []
            ),
        ],
        # Output is read live from the attach stream; the engine keeps no log file to fill.
        "log_config": LogConfig(type=LogConfig.types.NONE),
        "stdin_open": False,
        "tty": False,
    }


def _site_mount(image: str) -> list[Any]:
    """The image's packages from their host copy, read-only, when there is one (it is the
    image's own content, read through the host's page cache: see ``image.export_site``)."""
    from docker.types import Mount

    copy = site_copy(image)
    return [Mount(SITE_IN_IMAGE, str(copy), type="bind", read_only=True)] if copy else []


def host_pids_limit(limits: Limits, runtime: str) -> int:
    if runtime == "runsc":
        return RUNSC_OWN_PIDS + RUNSC_PIDS_PER_PROCESS * limits.pids
    return limits.pids


def create(client: Any, settings: dict[str, Any]) -> Any:
    """Create the container, or say in one line why the engine would not."""
    import docker

    try:
        return client.containers.create(**settings)
    except docker.errors.ImageNotFound:
        raise ImageMissing(settings["image"]) from None
    except docker.errors.APIError as exc:
        explanation = str(exc.explanation or exc)
        if "runtime" in explanation.lower() and settings["runtime"] in explanation:
            raise RuntimeMissing(settings["runtime"], explanation) from None
        raise SandboxError(f"could not create the sandbox container: {explanation}") from None


def deadline_for(limits: Limits, idle_s: float = 0.0) -> float:
    return time.time() + idle_s + limits.timeout_s + BACKSTOP_GRACE_S
