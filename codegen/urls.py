"""Output locations that are fsspec URLs (``s3://bucket/prefix``, ``gs://...``) rather than local
paths: told apart here, opened with fsspec (which finds credentials where it usually does)."""

from __future__ import annotations

import os
import re
from typing import Any

URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_url(location: str | os.PathLike[str] | None) -> bool:
    """Whether a location is an fsspec URL; a ``Path`` never is (it cannot hold ``//``)."""
    return isinstance(location, str) and URL.match(location) is not None


def filesystem(url: str) -> tuple[Any, str]:
    """The fsspec file system of ``url`` and the path in it (raises ImportError for a protocol
    whose package is not installed, ValueError for an unknown one)."""
    import fsspec.core

    return fsspec.core.url_to_fs(url)
