"""What several commands parse the same way: row counts and sandbox limits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from codegen.errors import RowsError, SdgenError

if TYPE_CHECKING:
    from sandbox import Limits


def parse_rows(items: list[str] | None, bare_table: str | None = "data") -> dict[str, int]:
    """``TABLE=N`` pairs. A bare ``N`` means ``bare_table`` (the one table of a single-table
    program), or is refused when that is None."""
    rows: dict[str, int] = {}
    for item in items or []:
        name, sep, count = item.rpartition("=")
        name = name.strip() or (bare_table if not sep or bare_table else "")
        if not name:
            raise RowsError(f"--rows {item!r}: expected TABLE=N")
        try:
            rows[name] = int(count)
        except ValueError:
            raise RowsError(f"--rows {item!r}: expected TABLE=N with N a whole number") from None
        if rows[name] < 0:
            raise RowsError(f"--rows {item!r}: a row count cannot be negative")
    return rows


def split_rows(items: list[str] | None) -> tuple[int | None, dict[str, int]]:
    """``--rows N`` (the tables nothing references) and ``--rows TABLE=N`` (that table)."""
    bare = [item for item in items or [] if "=" not in item]
    named = parse_rows([item for item in items or [] if "=" in item])
    if len(bare) > 1:
        raise RowsError("--rows N may be given once (use TABLE=N for the others)")
    if bare:
        try:
            count = int(bare[0])
        except ValueError:
            raise RowsError(f"--rows {bare[0]!r}: expected N or TABLE=N") from None
        if count < 0:
            raise RowsError(f"--rows {bare[0]!r}: a row count cannot be negative")
        return count, named
    return None, named


def sandbox_limits(timeout: float, memory: str) -> Limits:
    from sandbox import Limits, parse_size_mb

    try:
        return Limits(timeout_s=timeout, memory_mb=parse_size_mb(memory))
    except ValueError as exc:
        raise SdgenError(str(exc)) from None
