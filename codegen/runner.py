"""The sandbox boundary: one small interface through which the pipeline and re-runs run programs.

``ProgramRunner`` is what the attempt loop needs: a program, an output directory, row counts and a
seed in; a ``sandbox.RunResult`` (data: tables, output, the failure's kind) out. ``SandboxRunner``
is the real one, a hardened single-use container per call; tests of the orchestration may pass an
in-process runner instead, while the sandbox itself is tested on the real Docker engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sandbox import Limits, RunResult


class ProgramRunner(Protocol):
    """``parts=(k0, k1, n)``: make parts k0..k1-1 of n of a program that follows the parts
    contract (``generate(rows, seed, part=(k, n))``), each table's parts as files of its own."""

    def run(
        self,
        program: str,
        out_dir: Path,
        *,
        rows: Mapping[str, int],
        seed: int,
        parts: tuple[int, int, int] | None = None,
    ) -> RunResult: ...


def _default_limits() -> Limits:
    from sandbox import Limits

    return Limits()


@dataclass(frozen=True)
class SandboxRunner:
    """Each program in a fresh container of the pinned image, under ``limits``."""

    limits: Limits = field(default_factory=_default_limits)
    image: str | None = None  # default: the image built from this checkout's lock
    runtime: str | None = None  # runc or runsc (gVisor); default $SDGEN_SANDBOX_RUNTIME or runc

    def run(
        self,
        program: str,
        out_dir: Path,
        *,
        rows: Mapping[str, int],
        seed: int,
        parts: tuple[int, int, int] | None = None,
    ) -> RunResult:
        from sandbox import run

        return run(
            program,
            out_dir,
            rows=rows,
            seed=seed,
            limits=self.limits,
            image=self.image,
            runtime=self.runtime,
            parts=parts,
        )
