"""Planning a run in parts: how many parts, and how consecutive parts are grouped into chunks.

The parts are the unit of the output (``part=(k, n)``; n fixed by the row counts and the part
rows, never by the workers); a chunk is only the unit of work (a range of parts made by one
container). So the chunking may follow the workers, the parts already made, and the size of a
container's work, without changing a byte of the output.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from codegen.scale.contract import parts_for

# Rows (of the largest table) a chunk aims at: a few seconds of a container's work at the
# 1-5M rows/s generators reach, and an output that fits its memory-backed output tmpfs.
CHUNK_TARGET_ROWS = 20_000_000
# A chunk's files wait in its container's output tmpfs, which is memory charged to the
# container: they stay under this, and under a third of the container's memory limit.
CHUNK_OUTPUT_BYTES = 512 * 1024 * 1024
# One chunk per worker where the size allows: every container pays about 1 s of its own (start,
# pandas import, parts hashed and copied out), and chunks of one program made on pinned cores
# take the same time, so more chunks only add that second. Measured on shop at 10M fact rows, 2
# workers: 2 chunks 5.7 s, 4 chunks 6.3-6.5 s (bench_scale.py, 2026-11-27).
CHUNKS_PER_WORKER = 1
# Not chunks so small that the container's own second weighs on their work.
MIN_CHUNK_ROWS = 4_000_000
# A chunk's files: the sandbox caps the files one container may leave.
MAX_FILES_PER_CHUNK = 200


@dataclass(frozen=True)
class Chunk:
    """Parts k0..k1-1 of n, made by one container."""

    k0: int
    k1: int

    @property
    def name(self) -> str:
        return f"chunk-{self.k0:05d}-{self.k1:05d}"

    @property
    def parts(self) -> range:
        return range(self.k0, self.k1)

    def describe(self, n: int) -> str:
        last = f"..{self.k1 - 1}" if self.k1 - self.k0 > 1 else ""
        return f"chunk {self.name} (parts {self.k0}{last} of {n})"


@dataclass(frozen=True)
class Plan:
    rows: dict[str, int]
    seed: int
    part_rows: int
    n: int
    chunks: list[Chunk]  # the parts still to make, grouped


def parts_per_chunk(
    n: int,
    part_rows: int,
    workers: int,
    tables: int,
    target_rows: int = CHUNK_TARGET_ROWS,
    part_bytes: float = 0.0,
    output_bytes: int = CHUNK_OUTPUT_BYTES,
) -> int:
    by_size = max(1, target_rows // part_rows)
    if part_bytes > 0:  # wide rows: fewer parts per chunk
        by_size = max(1, min(by_size, int(output_bytes // part_bytes)))
    by_spread = max(1, -(-n // (max(1, workers) * CHUNKS_PER_WORKER)), MIN_CHUNK_ROWS // part_rows)
    by_files = max(1, MAX_FILES_PER_CHUNK // max(1, tables))
    size = max(1, min(by_size, by_spread, by_files))
    # As many chunks as a multiple of the workers, evened out: 16+16+8 parts on 2 workers
    # leaves one idle for the last chunk; 10+10+10+10 does not.
    workers = max(1, workers)
    chunks = -(-n // size)
    chunks = -(-chunks // workers) * workers
    return max(1, -(-n // chunks))


def plan(
    rows: Mapping[str, int],
    seed: int,
    part_rows: int,
    workers: int,
    *,
    done: Iterable[int] = (),
    target_rows: int = CHUNK_TARGET_ROWS,
    bytes_per_row: Mapping[str, float] | None = None,
    output_bytes: int = CHUNK_OUTPUT_BYTES,
) -> Plan:
    """The chunks that make every part not in ``done``, in part order. ``bytes_per_row``: each
    table's Parquet bytes per row (from a run made before), which sizes chunks of wide rows."""
    rows = {str(k): int(v) for k, v in rows.items()}
    n = parts_for(rows, part_rows)
    widths = bytes_per_row or {}
    part_bytes = sum(widths.get(table, 0.0) * count / n for table, count in rows.items())
    size = parts_per_chunk(n, part_rows, workers, len(rows), target_rows, part_bytes, output_bytes)
    finished = set(done)
    chunks: list[Chunk] = []
    k = 0
    while k < n:
        if k in finished:
            k += 1
            continue
        start = k
        while k < n and k not in finished and k - start < size:
            k += 1
        chunks.append(Chunk(start, k))
    return Plan(rows, seed, part_rows, n, chunks)


def bytes_per_row(files: Mapping[str, Path]) -> dict[str, float]:
    """Parquet bytes per row of each table of a saved run (file size over rows; a directory of
    parts counts all its files): the row width a rerun sizes its chunks by."""
    import pyarrow.parquet as pq

    widths: dict[str, float] = {}
    for table, path in files.items():
        paths = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
        try:
            size = sum(p.stat().st_size for p in paths)
            rows = sum(pq.ParquetFile(p).metadata.num_rows for p in paths)
        except (OSError, ValueError):
            continue
        if rows > 0:
            widths[table] = size / rows
    return widths
