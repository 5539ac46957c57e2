"""sdgen's execution side: run an untrusted generator program in a hardened, single-use container.

This package never imports ``codegen``; ``sandbox/harness.py`` (which runs inside the container)
imports only the standard library, pandas and pyarrow.

    from sandbox import Limits, run
    result = run(source, "out/", rows={"housing": 1000}, seed=7, limits=Limits(timeout_s=30))
    result.ok, result.error, result.failure  # failure: a Failure value when the program failed
    result.tables["housing"].rows, result.dataframe("housing")
    chunk = run(source, "out/", rows={"orders": 10**7}, parts=(8, 12, 100))  # parts 8..11 of 100
    chunk.parts["orders"][0].path  # out/orders/part-00008.parquet
"""

from sandbox.errors import (
    EngineUnavailable,
    ImageBuildError,
    ImageMissing,
    RuntimeMissing,
    SandboxError,
)
from sandbox.image import build_image, image_reference
from sandbox.limits import Limits, parse_size_mb
from sandbox.runner import Failure, PartFile, RunResult, TableFile, run
from sandbox.runtime import RUNTIMES, chosen_runtime, require_runtime
from sandbox.spares import remove_all as remove_spares

__all__ = [
    "EngineUnavailable",
    "Failure",
    "ImageBuildError",
    "ImageMissing",
    "Limits",
    "PartFile",
    "RUNTIMES",
    "RunResult",
    "RuntimeMissing",
    "SandboxError",
    "TableFile",
    "build_image",
    "chosen_runtime",
    "image_reference",
    "parse_size_mb",
    "remove_spares",
    "require_runtime",
    "run",
]
