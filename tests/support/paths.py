"""Where things are, found from the repository root rather than from a test file's depth."""

from __future__ import annotations

from pathlib import Path


def _repo_root() -> Path:
    """The checkout holding this file: the nearest parent with pyproject.toml and codegen/."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "codegen").is_dir():
            return parent
    raise RuntimeError(f"no repository root above {here}")


ROOT = _repo_root()
EXAMPLES = ROOT / "examples"
SUPPORT = Path(__file__).resolve().parent
# Real third-party replies live beside the clone, never in it (DESIGN.md, Testing).
CORPUS = ROOT.parent / "shared" / "corpus"
REAL_REPLIES = CORPUS / "real_replies.jsonl"
