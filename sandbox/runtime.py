"""Which container runtime runs the sandbox: runc (the engine's default) or runsc (gVisor).

gVisor is a second wall: the program's system calls go to a kernel written in Go that runs in user
space, so an escape needs a bug in it and then one in the host kernel or runc. It costs start-up
time and some syscalls behave differently (see README, "The sandbox").
"""

from __future__ import annotations

import os
from typing import Any

from sandbox.errors import RuntimeMissing, SandboxError

RUNTIMES = ("runc", "runsc")
RUNTIME_ENV = "SDGEN_SANDBOX_RUNTIME"
DEFAULT_RUNTIME = "runc"


def chosen_runtime(runtime: str | None = None) -> str:
    """The runtime asked for, else ``$SDGEN_SANDBOX_RUNTIME``, else runc."""
    name = (runtime or os.environ.get(RUNTIME_ENV) or DEFAULT_RUNTIME).strip()
    if name not in RUNTIMES:
        raise SandboxError(f"unknown container runtime {name!r}; use one of {', '.join(RUNTIMES)}")
    return name


def registered_runtimes(client: Any) -> set[str]:
    return set((client.info().get("Runtimes") or {}).keys())


def require_runtime(client: Any, runtime: str) -> None:
    """Say clearly, before anything runs, when the engine does not know the runtime."""
    known = registered_runtimes(client)
    if runtime not in known:
        raise RuntimeMissing(runtime, f"the engine has {', '.join(sorted(known)) or 'none'}")
