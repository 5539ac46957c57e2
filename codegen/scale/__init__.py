"""Scale: a saved program made in parts, chunk by chunk, in parallel sandbox containers (issue 12).

    from codegen.scale import ScaleOptions, rerun
    run = rerun("generated/shop/<run>", rows=10_000_000, options=ScaleOptions(workers=2))

The modules, in the order a run uses them: ``contract`` (the parts contract read from source with
ast), ``plan`` (parts and chunks), ``work`` (the work directory a re-run resumes from),
``execute`` (one chunk in one container; the local and Dask executors), ``chunks`` (run, retry,
stop), ``hashing`` (a table's content digest), ``assemble`` (the final run directory),
``orchestrate`` (``rerun``: all of it). For an output under an fsspec URL (object storage),
``remote`` is the work area's twin and ``publish`` the final run's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from codegen.scale.chunks import Progress
    from codegen.scale.contract import inspect_program, not_chunkable, part_rows, parts_for
    from codegen.scale.orchestrate import ScaleOptions, rerun

__all__ = [
    "Progress",
    "ScaleOptions",
    "inspect_program",
    "not_chunkable",
    "part_rows",
    "parts_for",
    "rerun",
]

_HOMES = {
    "Progress": "codegen.scale.chunks",
    "ScaleOptions": "codegen.scale.orchestrate",
    "rerun": "codegen.scale.orchestrate",
    "inspect_program": "codegen.scale.contract",
    "not_chunkable": "codegen.scale.contract",
    "part_rows": "codegen.scale.contract",
    "parts_for": "codegen.scale.contract",
}


def __getattr__(name: str) -> Any:
    import importlib

    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
