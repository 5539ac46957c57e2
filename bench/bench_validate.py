"""Benchmark: `validate` on a 10M-row fact table with a 1,000-row dimension, against DuckDB alone.

Writes both tables as Parquet into a temp dir, then runs, each in its own subprocess:
  - validate(): PK, FK, ranges, one `increasing` rule and one `check` (plus everything else
    validate does: types, nulls, sanity warnings);
  - DuckDB doing only the PK, FK, range and check queries on the same files, same settings.
Prints wall times, their ratio (target <= 2x) and each process's peak RSS (target < 1 GiB).

    .venv/bin/python bench/bench_validate.py [--rows 10000000] [--repeat 2] [--shuffle-ids]
        [--parts]

--parts writes the fact table as housing/part-NNNNN.parquet (a million rows each), the layout of
a run made at scale (`sdgen rerun --rows N`), and both sides read the directory.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

SPEC = """
name: bench
tables:
  location:
    rows: 1000
    columns:
      id:         {type: integer, primary_key: true}
      city:       {type: string}
      population: {type: integer, min: 1000}
  housing:
    rows: ROWS
    columns:
      id:                 {type: integer, primary_key: true}
      location_id:        {type: integer, references: location.id}
      number_of_bedrooms: {type: integer, min: 0, max: 12}
      house_size_m2:      {type: float, min: 15, max: 1000}
      house_price:        {type: float, min: 10000}
      listed_on:          {type: date, min: 2020-01-01, max: 2024-12-31}
    rules:
      - increasing: [number_of_bedrooms, house_size_m2]
      - check: "house_price / house_size_m2 BETWEEN 300 AND 30000"
"""

VALIDATE = """
import json, sys, time
from codegen.validation.validator import validate
t0 = time.perf_counter()
report = validate(sys.argv[1], sys.argv[2])
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "ok": report.ok, "text": report.as_text(warnings=True)}))
"""

# Only the PK/FK/range/check queries, written as one would by hand, with validate's settings.
DUCKDB_ONLY = """
import json, sys, time
import duckdb
from codegen.validation.sql import Limits
limits = Limits()
con = duckdb.connect(config={"threads": limits.threads, "memory_limit": f"{limits.memory_mb}MB",
                             "preserve_insertion_order": False})
con.execute("SET enable_progress_bar = false")
d = sys.argv[1]
t0 = time.perf_counter()
con.execute(f"CREATE VIEW housing AS SELECT * FROM read_parquet('{d}/{sys.argv[2]}')")
con.execute(f"CREATE VIEW location AS SELECT * FROM read_parquet('{d}/location.parquet')")
out = {}
out["pk"] = con.execute("SELECT count(*) FROM (SELECT id FROM housing GROUP BY id "
                        "HAVING count(*) > 1)").fetchall()
out["pk_dim"] = con.execute("SELECT count(*) FROM (SELECT id FROM location GROUP BY id "
                            "HAVING count(*) > 1)").fetchall()
out["fk"] = con.execute("SELECT count(*) FROM housing h ANTI JOIN location l "
                        "ON h.location_id = l.id").fetchall()
out["ranges"] = con.execute(
    "SELECT count(*) FILTER (WHERE number_of_bedrooms NOT BETWEEN 0 AND 12), "
    "count(*) FILTER (WHERE house_size_m2 NOT BETWEEN 15 AND 1000), "
    "count(*) FILTER (WHERE house_price < 10000), "
    "count(*) FILTER (WHERE listed_on NOT BETWEEN DATE '2020-01-01' AND DATE '2024-12-31') "
    "FROM housing").fetchall()
out["range_dim"] = con.execute(
    "SELECT count(*) FILTER (WHERE population < 1000) FROM location").fetchall()
out["check"] = con.execute("SELECT count(*) FILTER (WHERE NOT (house_price / house_size_m2 "
                           "BETWEEN 300 AND 30000)) FROM housing").fetchall()
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "ok": True, "text": str(out)}))
"""


def write_tables(
    directory: Path, rows: int, shuffle_ids: bool, parts: bool, chunk: int = 1_000_000
) -> str:
    """A valid dataset; the fact table written in chunks so the generator stays small, into one
    file or one part file per chunk. Returns the fact table's files as DuckDB reads them."""
    rng = np.random.default_rng(7)
    ids = rng.permutation(rows) + 1 if shuffle_ids else np.arange(1, rows + 1)
    pq.write_table(
        pa.table(
            {
                "id": np.arange(1, 1001),
                "city": [f"city-{i}" for i in range(1000)],
                "population": rng.integers(1000, 2_000_000, 1000),
            }
        ),
        directory / "location.parquet",
    )
    writer = None
    for start in range(0, rows, chunk):
        n = min(chunk, rows - start)
        beds = rng.integers(0, 8, n)
        size = 20 + beds * 20 + rng.gamma(2.0, 10.0, n)
        table = pa.table(
            {
                "id": ids[start : start + n],
                "location_id": rng.integers(1, 1001, n),
                "number_of_bedrooms": beds,
                "house_size_m2": size,
                "house_price": size * rng.uniform(1000, 6000, n),
                "listed_on": np.datetime64("2020-01-01") + rng.integers(0, 1800, n),
            }
        )
        if parts:
            (directory / "housing").mkdir(exist_ok=True)
            pq.write_table(table, directory / "housing" / f"part-{start // chunk:05d}.parquet")
            continue
        if writer is None:
            writer = pq.ParquetWriter(directory / "housing.parquet", table.schema)
        writer.write_table(table)
    if writer is not None:
        writer.close()
    return "housing/*.parquet" if parts else "housing.parquet"


def run_child(code: str, *args: str) -> tuple[dict, float, float]:
    """(its JSON, wall seconds, peak RSS in MiB) of a Python subprocess, via wait4's rusage."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(code), *args], stdout=out, stderr=err, env=env
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"child failed ({proc.returncode}): {err.read().decode()[-2000:]}")
        return json.loads(out.read()), wall, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each; the best is kept")
    parser.add_argument(
        "--shuffle-ids",
        action="store_true",
        help="store the fact table's ids out of order (validate's key check then needs a "
        "GROUP BY, like the plain DuckDB query)",
    )
    parser.add_argument(
        "--parts", action="store_true", help="the fact table as a directory of part files"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sdgen-bench-") as tmp:
        directory = Path(tmp)
        t0 = time.perf_counter()
        facts = write_tables(directory, args.rows, args.shuffle_ids, args.parts)
        spec_path = directory / "bench.yaml"
        spec_path.write_text(SPEC.replace("ROWS", str(args.rows)))
        size_mb = sum(p.stat().st_size for p in directory.glob(facts)) / 2**20
        order = "shuffled" if args.shuffle_ids else "ascending"
        print(
            f"data: {args.rows:,} + 1,000 rows ({order} ids), {facts} {size_mb:.0f} MiB, "
            f"written in {time.perf_counter() - t0:.1f} s"
        )
        best: dict[str, tuple[float, float, float]] = {}
        for _ in range(args.repeat):  # alternate, so load on the machine hits both alike
            for name, code, argv in (
                ("validate", VALIDATE, [str(spec_path), tmp]),
                ("duckdb", DUCKDB_ONLY, [tmp, facts]),
            ):
                result, wall, rss = run_child(code, *argv)
                if name == "validate" and not result["ok"]:
                    raise SystemExit(f"validate failed on valid data:\n{result['text']}")
                previous = best.get(name)
                if previous is None or result["seconds"] < previous[0]:
                    best[name] = (result["seconds"], wall, rss)
        (v_s, v_wall, v_rss), (d_s, d_wall, d_rss) = best["validate"], best["duckdb"]
        print(f"validate():     {v_s:6.2f} s  (process {v_wall:5.2f} s)  peak RSS {v_rss:6.0f} MiB")
        print(f"DuckDB queries: {d_s:6.2f} s  (process {d_wall:5.2f} s)  peak RSS {d_rss:6.0f} MiB")
        print(
            f"ratio validate/DuckDB: {v_s / d_s:.2f}x (target <= 2x); "
            f"validate peak RSS {v_rss:.0f} MiB (target < 1024 MiB)"
        )


if __name__ == "__main__":
    main()
