"""sha256 of text and of files: what manifests record and checks compare (stdlib only, so the
CLI can use it without loading the rest)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_file(
    path: Path, on_bytes: Callable[[int], None] | None = None, chunk_size: int = 8 << 20
) -> str:
    """The hex sha256 of a file, reporting progress in bytes to ``on_bytes``."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
            if on_bytes is not None:
                on_bytes(len(chunk))
    return digest.hexdigest()
