"""Record probe results in a saved run's manifest (its ``realism`` field).

The manifest is written to a temporary file beside it and renamed over it, so a crash leaves the
old manifest or the new one, never half of one. Everything else in it is kept as it was read.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from codegen.runs.manifest import Manifest

MANIFEST = "manifest.json"


def record_realism(run_dir: str | Path, results: Mapping[str, Any]) -> Path:
    """Set the run's ``realism`` to ``results`` (probe name -> result; an earlier measurement is
    replaced) and return the manifest's path. ``RunNotFoundError`` for a directory that is no
    run."""
    run_dir = Path(run_dir)
    manifest = Manifest.read(run_dir)
    text = manifest.model_copy(update={"realism": dict(results)}).to_json()
    target = run_dir / MANIFEST
    handle, temporary = tempfile.mkstemp(prefix=".manifest-", suffix=".json.tmp", dir=run_dir)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, os.stat(target).st_mode & 0o777)  # mkstemp's file is private
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
