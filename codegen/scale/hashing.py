"""The sha256 of a table's content, whatever files hold it and however they were cut.

The rows are read in order and re-cut into blocks of ``BLOCK_ROWS``; each block is serialised as
one Arrow IPC record batch (the IPC writer normalises slices), with dictionary columns decoded,
nulls as a separate validity column over zero-filled values (what lies under a null is not
content) and schema metadata left out, so the bytes depend only on values and types. The same
rows in the same order give the same digest from 1 file or 1000, made by 1 worker or 8.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

BLOCK_ROWS = 1 << 16


def table_sha256(files: Iterable[Path | str], filesystem: Any = None) -> str:
    """Digest of the rows of ``files`` read one after the other (bounded memory: a block);
    ``filesystem``: an fsspec file system the paths are in (object storage), else local."""
    digest = hashlib.sha256()
    schema: pa.Schema | None = None
    for block in _blocks(_batches(files, filesystem)):
        if schema is None:
            schema = block.schema
            digest.update(schema.serialize())
        digest.update(block.serialize())
    return digest.hexdigest()


def _batches(files: Iterable[Path | str], filesystem: Any) -> Iterator[pa.RecordBatch]:
    for path in files:
        with pq.ParquetFile(path, filesystem=filesystem) as parquet:
            for batch in parquet.iter_batches(batch_size=BLOCK_ROWS):
                yield _plain(batch)


def _plain(batch: pa.RecordBatch) -> pa.RecordBatch:
    columns, names = [], []
    for field, column in zip(batch.schema, batch.columns, strict=True):
        if pa.types.is_dictionary(field.type):
            column = column.cast(field.type.value_type)
        zero = _zero(column.type)
        valid = pc.is_valid(column) if zero is not None else None
        if zero is not None and column.null_count:
            column = column.fill_null(zero)
        columns.append(_no_empty_validity(column))
        names.append(field.name)
        if valid is not None:
            columns.append(_no_empty_validity(valid))
            names.append(f"{field.name}\0valid")
    return pa.RecordBatch.from_arrays(columns, names=names)


def _zero(kind: pa.DataType) -> pa.Scalar | None:
    """The value nulls are filled with before hashing; None for nested types (hashed as read)."""
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return pa.scalar("", kind)
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        return pa.scalar(b"", kind)
    if pa.types.is_boolean(kind):
        return pa.scalar(False)
    if pa.types.is_null(kind) or kind.num_fields:
        return None
    try:
        return pa.scalar(0).cast(kind)
    except (pa.ArrowException, TypeError):
        return None


def _no_empty_validity(column: pa.Array) -> pa.Array:
    """Drop a validity bitmap that marks nothing null: whether a reader allocated one is not
    content, but the IPC bytes show it."""
    buffers = column.buffers()
    if column.null_count or not buffers or buffers[0] is None or column.type.num_fields:
        return column
    return pa.Array.from_buffers(
        column.type, len(column), [None, *buffers[1:]], null_count=0, offset=column.offset
    )


def _blocks(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """The same rows cut into blocks of exactly BLOCK_ROWS (the last one shorter)."""
    pending: list[pa.RecordBatch] = []
    held = 0
    for batch in batches:
        pending.append(batch)
        held += batch.num_rows
        while held >= BLOCK_ROWS:
            table = pa.Table.from_batches(pending)
            yield _one_batch(table.slice(0, BLOCK_ROWS))
            rest = table.slice(BLOCK_ROWS)
            pending, held = rest.to_batches(), rest.num_rows
    if held:
        yield _one_batch(pa.Table.from_batches(pending))


def _one_batch(table: pa.Table) -> pa.RecordBatch:
    combined = table.combine_chunks()
    batches = combined.to_batches()
    if not batches:
        return pa.RecordBatch.from_pylist([], schema=table.schema)
    return batches[0]
