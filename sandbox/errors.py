"""Errors of the execution side.

A program that fails is not an error here: it is a ``RunResult`` with ``ok == False`` and words in
``error``. Only infrastructure that cannot do its job raises:

    SandboxError                 root; its message is one line a user can act on
     ├── EngineUnavailable       the Docker engine does not answer
     ├── ImageMissing            the sandbox image is not built
     └── ImageBuildError         building the image failed (debootstrap, pip, import)
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
