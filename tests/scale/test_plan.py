"""Planning: the parts depend only on rows and part rows; chunks cover the parts not yet made,
once each, in order, evened out over the workers."""

from __future__ import annotations

import pytest

from codegen.scale.plan import MAX_FILES_PER_CHUNK, plan


@pytest.mark.parametrize("workers", [1, 2, 3, 8])
def test_chunks_cover_every_part_once_whatever_the_workers(workers):
    made = plan({"a": 100, "b": 10_000_000}, 7, 250_000, workers)
    assert made.n == 40  # never depends on the workers
    covered = [k for chunk in made.chunks for k in chunk.parts]
    assert covered == list(range(40))
    sizes = [c.k1 - c.k0 for c in made.chunks]
    assert max(sizes) - min(sizes) <= 1 or len(made.chunks) % workers == 0


def test_parts_already_made_are_left_out():
    made = plan({"t": 20_000}, 1, 1000, 2, done=[0, 1, 2, 7, 8], target_rows=3000)
    covered = [k for chunk in made.chunks for k in chunk.parts]
    assert covered == [k for k in range(20) if k not in (0, 1, 2, 7, 8)]
    assert all(c.k1 <= 7 or c.k0 >= 9 for c in made.chunks)  # none spans a made part


def test_a_chunk_stays_within_the_files_a_container_may_leave():
    tables = {f"t{i}": 1_000_000 for i in range(50)}
    made = plan(tables, 1, 1000, 1, target_rows=10_000_000)
    assert max(c.k1 - c.k0 for c in made.chunks) * 50 <= MAX_FILES_PER_CHUNK


def test_chunk_names_sort_in_part_order():
    made = plan({"t": 50_000}, 1, 1000, 2, target_rows=5000)
    names = [c.name for c in made.chunks]
    assert names == sorted(names) and names[0] == "chunk-00000-00005"
    assert made.chunks[0].describe(made.n) == "chunk chunk-00000-00005 (parts 0..4 of 50)"


def test_wide_rows_make_smaller_chunks():
    narrow = plan({"t": 40_000_000}, 1, 250_000, 1)
    wide = plan({"t": 40_000_000}, 1, 250_000, 1, bytes_per_row={"t": 200.0},
                output_bytes=512 * 2**20)  # fmt: skip
    assert max(c.k1 - c.k0 for c in narrow.chunks) == 80  # 20M rows: the row target
    # 200 B/row: a 250k-row part is 50 MB, so 10 parts fill the 512 MiB budget
    assert max(c.k1 - c.k0 for c in wide.chunks) <= 10
    assert narrow.n == wide.n == 160


def test_bytes_per_row_of_a_saved_table(tmp_path):
    import pandas as pd

    from codegen.scale.plan import bytes_per_row

    pd.DataFrame({"x": range(1000)}).to_parquet(tmp_path / "t.parquet")
    (tmp_path / "parts").mkdir()
    for k in range(2):
        pd.DataFrame({"x": range(500)}).to_parquet(tmp_path / "parts" / f"part-{k:05d}.parquet")
    widths = bytes_per_row({"t": tmp_path / "t.parquet", "p": tmp_path / "parts",
                            "gone": tmp_path / "nothing.parquet"})  # fmt: skip
    assert set(widths) == {"t", "p"} and 0 < widths["t"] < 100
