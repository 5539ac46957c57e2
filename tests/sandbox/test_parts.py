"""The harness's parts mode on the real Docker engine: a chunk of a chunkable program is made part
by part, written as <table>/part-NNNNN.parquet, and checked on both sides."""

from __future__ import annotations

import json
import os

import pandas as pd
import pyarrow.parquet as pq
from support.chunky import program

from sandbox import Failure

ROWS = {"customers": 300, "orders": 4500}  # 5 parts of PART_ROWS 1000


def _concat(results, table):
    files = [p.path for result in results for p in result.parts[table]]
    return pd.concat([pq.read_table(f).to_pandas() for f in files], ignore_index=True)


def test_chunks_of_parts_equal_the_whole_run(run_program):
    source = program()
    whole = run_program(source, rows=ROWS, seed=11)
    assert whole.ok, whole.error and whole.parts == {}
    # Two chunks; the second through a spare (its job.json carries the parts).
    first = run_program(source, rows=ROWS, seed=11, parts=(0, 3, 5), use_spares=True)
    second = run_program(source, rows=ROWS, seed=11, parts=(3, 5, 5), use_spares=True)
    assert first.ok, first.error
    assert second.ok, second.error
    assert second.from_spare
    assert first.harness["mode"] == "parts" and first.parts_range == (0, 3, 5)
    assert [p.part for p in first.parts["orders"]] == [0, 1, 2]
    assert [p.path.name for p in second.parts["orders"]] == [
        "part-00003.parquet",
        "part-00004.parquet",
    ]
    assert [p.rows for p in first.parts["orders"]] == [900, 900, 900]
    assert first.tables["orders"].rows == 2700 and first.tables["orders"].path.is_dir()
    assert sorted(p.name for p in first.out_dir.iterdir()) == [
        "customers", "manifest.json", "orders", "stderr.txt", "stdout.txt"
    ]  # fmt: skip
    manifest = json.loads((first.out_dir / "manifest.json").read_text())
    assert manifest["parts_range"] == [0, 3, 5]
    assert {(p["table"], p["part"], p["rows"]) for p in manifest["parts"]} == {
        (t, k, ROWS[t] // 5) for t in ROWS for k in range(3)
    }
    for table in ROWS:
        chunked = _concat([first, second], table)
        pd.testing.assert_frame_equal(chunked, whole.dataframe(table))
    orders, customers = _concat([first, second], "orders"), _concat([first, second], "customers")
    assert orders["id"].is_unique and customers["id"].is_unique and customers["email"].is_unique
    assert orders["customer_id"].isin(customers["id"]).all()
    # The table's directory reads as one table too.
    assert len(first.dataframe("orders")) == 2700


def test_a_part_with_more_rows_than_its_table_is_refused(run_program):
    # How rows fall into parts is the program's (codegen.scale checks the totals); a part holding
    # more than the whole table is refused at once.
    result = run_program(program(fault="flood", fault_part=2), rows=ROWS, parts=(1, 4, 5))
    assert not result.ok and result.failure == Failure.PARTS
    assert "table 'orders' part 2 of 5 has 4501 rows, more than the 4500 asked" in result.error
    assert result.parts == {} and not any((result.out_dir / "orders").glob("*"))


def test_a_program_failing_in_one_part_fails_that_chunk_only(run_program):
    source = program(fault="raise", fault_part=3)
    bad = run_program(source, rows=ROWS, parts=(2, 5, 5))
    assert not bad.ok and bad.failure == Failure.CRASH
    assert "boom in part 3" in bad.error
    good = run_program(source, rows=ROWS, parts=(0, 2, 5))
    assert good.ok, good.error


def test_a_program_without_part_cannot_make_parts(run_program):
    source = """
        import pandas as pd
        PART_ROWS = 10
        def generate(rows, seed):
            return {"t": pd.DataFrame({"x": range(rows["t"])})}
    """
    result = run_program(source, rows={"t": 30}, parts=(0, 1, 3))
    assert result.failure == Failure.PARTS
    assert "generate() has no 'part' parameter" in result.error
    # The same program still runs whole.
    assert run_program(source, rows={"t": 30}).tables["t"].rows == 30


def test_parts_with_no_rows_write_no_file(run_program):
    # 300 customers in 5 parts of a 4500-order run; with 2 customers only 2 parts have one.
    result = run_program(program(), rows={"customers": 2, "orders": 4500}, parts=(0, 5, 5))
    assert result.ok, result.error
    assert [p.part for p in result.parts["customers"]] == [2, 4]
    assert sum(p.rows for p in result.parts["orders"]) == 4500
    # A table of no rows at all keeps one empty part 0, so the table (and its columns) exists.
    empty = run_program(program(), rows={"customers": 10, "orders": 0}, parts=(0, 5, 5))
    assert empty.ok, empty.error
    assert [(p.part, p.rows) for p in empty.parts["orders"]] == [(0, 0)]
    assert empty.dataframe("orders").columns.tolist() == ["id", "customer_id", "amount"]
    later = run_program(program(), rows={"customers": 10, "orders": 0}, parts=(1, 5, 5))
    assert later.ok and "orders" not in later.parts


def test_a_run_given_a_cpuset_sees_only_those_cores(run_program):
    # A chunked rerun keeps each worker's containers on the worker's core (codegen.scale).
    source = """
        import os
        import pandas as pd
        table = pd.DataFrame({"cores": sorted(os.sched_getaffinity(0))})
    """
    cores = sorted(os.sched_getaffinity(0))
    last = str(cores[-1])
    pinned = run_program(source, cpuset=last)
    assert pinned.ok, pinned.error
    assert pinned.dataframe("table")["cores"].tolist() == [cores[-1]]
    assert not pinned.from_spare  # a spare was started without the caller's cores
    free = run_program(source)
    assert free.dataframe("table")["cores"].tolist() == cores
