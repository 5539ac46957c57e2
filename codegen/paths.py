"""Where sdgen keeps things of its own on this machine: one user cache directory.

``platformdirs`` picks the platform's place (``$XDG_CACHE_HOME/sdgen``, by default
``~/.cache/sdgen`` on Linux), read afresh at each call so that tests and users can point
``XDG_CACHE_HOME`` elsewhere. Under it: ``responses/`` (the LLM reply cache), ``models/`` (the
embedded model), ``logs/`` (its server's logs); the Makefile keeps built wheels in ``wheels/``.
"""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_cache_path


def cache_dir() -> Path:
    return user_cache_path("sdgen", appauthor=False)
