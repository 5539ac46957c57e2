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


def check_runs(client: Any, image: str, runtime: str) -> None:
    """Run ``python3 -c 'import pandas'`` in the image under ``runtime``, networkless: a runtime
    that is registered but cannot start containers here (gVisor needs ptrace or KVM) says why."""
    import docker

    try:
        client.containers.run(
            image,
            ["python3", "-c", "import pandas, pyarrow.parquet"],
            runtime=runtime,
            network_mode="none",
            remove=True,
            stdout=True,
            stderr=True,
        )
    except docker.errors.ContainerError as exc:
        tail = (exc.stderr or b"").decode(errors="replace").strip().splitlines()[-1:]
        raise SandboxError(
            f"the image does not run under {runtime}: exit {exc.exit_status} {' '.join(tail)}"
        ) from None
    except docker.errors.APIError as exc:
        detail = str(exc.explanation or exc).splitlines()[0][:300]
        raise RuntimeMissing(runtime, f"the engine could not start it: {detail}") from None
