"""A hand-written program that follows the parts contract: customers and orders (a foreign key),
each part seeded by SeedSequence([seed, k, table]) so any part is made alone and identically.

``variant`` makes the faults the tests need: a part with one row too many, a part that raises, a
part that sleeps past any timeout, a whole run that is not the concatenation of its parts.
"""

from __future__ import annotations

PROGRAM = """
import time

import numpy as np
import pandas as pd

PART_ROWS = {part_rows}
FAULT = {fault!r}
FAULT_PART = {fault_part}


def _parts(rows):
    return max(1, -(-max(rows.values(), default=0) // PART_ROWS))


def _part(rows, seed, k, n):
    if FAULT == "raise" and k == FAULT_PART:
        raise ValueError(f"boom in part {{k}}")
    if FAULT == "sleep" and k == FAULT_PART or FAULT == "hang":
        time.sleep(600)
    if FAULT == "slow":
        time.sleep(0.4)
    c0, c1 = rows["customers"] * k // n, rows["customers"] * (k + 1) // n
    rng = np.random.default_rng(np.random.SeedSequence([seed, k, 0]))
    ids = np.arange(c0, c1, dtype=np.int64) + 1
    customers = pd.DataFrame(
        {{
            "id": ids,
            "email": "user" + pd.Series(ids).astype(str) + "@example.com",
            "age": rng.integers(18, 90, c1 - c0),
        }}
    )
    o0, o1 = rows["orders"] * k // n, rows["orders"] * (k + 1) // n
    if FAULT == "extra_row" and k == FAULT_PART:
        o1 += 1
    if FAULT == "flood" and k == FAULT_PART:
        o1 = o0 + rows["orders"] + 1
    rng = np.random.default_rng(np.random.SeedSequence([seed, k, 1]))
    orders = pd.DataFrame(
        {{
            "id": np.arange(o0, o1, dtype=np.int64) + 1,
            # any customer of the whole table: the parent at its full size, not this part's
            "customer_id": rng.integers(1, rows["customers"] + 1, o1 - o0),
            "amount": rng.gamma(2.0, 30.0, o1 - o0).round(2),
        }}
    )
    return {{"customers": customers, "orders": orders}}


def generate(rows: dict[str, int], seed: int, part: tuple[int, int] | None = None):
    if part is not None:
        return _part(rows, seed, *part)
    n = _parts(rows)
    pieces = [_part(rows, seed, k, n) for k in range(n)]
    return {{t: pd.concat([p[t] for p in pieces], ignore_index=True) for t in pieces[0]}}
"""


def program(part_rows: int = 1000, fault: str = "", fault_part: int = -1) -> str:
    """The program's source, with PART_ROWS and an optional fault in one part."""
    return PROGRAM.format(part_rows=part_rows, fault=fault, fault_part=fault_part)


SPEC = """
name: chunky
tables:
  customers:
    rows: 200
    columns:
      id:    {type: integer, primary_key: true}
      email: {type: string, unique: true}
      age:   {type: integer, min: 18, max: 89}
  orders:
    rows: 1000
    columns:
      id:          {type: integer, primary_key: true}
      customer_id: {type: integer, references: customers.id}
      amount:      {type: float, min: 0}
"""
