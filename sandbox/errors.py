"""Errors of the execution side.

A program that fails is not an error here: it is a ``RunResult`` with ``ok == False`` and words in
``error``. Only infrastructure that cannot do its job raises:

    SandboxError                 root; its message is one line a user can act on
     ├── EngineUnavailable       the Docker engine does not answer
     ├── ImageMissing            the sandbox image is not built
     ├── ImageBuildError         building the image failed (debootstrap, pip, import)
     └── RuntimeMissing          the container runtime asked for (runsc) is not registered
"""


class SandboxError(Exception):
    """Root of the sandbox's own failures (never a failing program)."""


class EngineUnavailable(SandboxError):
    """The Docker engine is not reachable."""


class ImageMissing(SandboxError):
    """The pinned sandbox image is not in the local engine."""

    def __init__(self, reference: str) -> None:
        super().__init__(
            f"sandbox image {reference} is missing; build it with `sdgen image build` "
            "(or `make setup`)"
        )
        self.reference = reference


class ImageBuildError(SandboxError):
    """A step of the offline image build failed."""


class RuntimeMissing(SandboxError):
    """The container runtime asked for (runsc: gVisor) is not registered with the engine."""

    def __init__(self, runtime: str, detail: str = "") -> None:
        how = (
            "install it (Debian: `apt-get install runsc`), add it to /etc/docker/daemon.json as "
            '"runtimes": {"runsc": {"path": "/usr/bin/runsc", "runtimeArgs": ["--network=none"]}} '
            "and reload the engine (`kill -HUP $(pidof dockerd)`)"
            if runtime == "runsc"
            else "register it with the Docker engine (daemon.json `runtimes`) and reload the engine"
        )
        seen = f" ({detail})" if detail else ""
        super().__init__(f"container runtime {runtime!r} is not available{seen}; {how}")
        self.runtime = runtime
