"""A chunkable generator (the parts contract) for bench_scale.py: shop customers and orders.

Every part is seeded by SeedSequence([seed, k, table]); keys are global row numbers; an order's
customer is drawn over the whole customer table, so parts need nothing of each other.
"""

import numpy as np
import pandas as pd

PART_ROWS = 250_000

CITIES = np.array(["Lyon", "Porto", "Graz", "Ghent", "Turin", "Malmo", "Leeds", "Brno"])
STATUS = np.array(["placed", "paid", "shipped", "delivered", "returned"])


def _part(rows: dict[str, int], seed: int, k: int, n: int) -> dict[str, pd.DataFrame]:
    c0, c1 = rows["customers"] * k // n, rows["customers"] * (k + 1) // n
    rng = np.random.default_rng(np.random.SeedSequence([seed, k, 0]))
    ids = np.arange(c0, c1, dtype=np.int64) + 1
    customers = pd.DataFrame(
        {
            "id": ids,
            "city": CITIES[rng.integers(0, len(CITIES), c1 - c0)],
            "age": rng.integers(18, 90, c1 - c0),
            "signup": pd.Timestamp("2020-01-01")
            + pd.to_timedelta(rng.integers(0, 1800, c1 - c0), unit="D"),
        }
    )
    o0, o1 = rows["orders"] * k // n, rows["orders"] * (k + 1) // n
    rng = np.random.default_rng(np.random.SeedSequence([seed, k, 1]))
    quantity = rng.integers(1, 6, o1 - o0)
    orders = pd.DataFrame(
        {
            "id": np.arange(o0, o1, dtype=np.int64) + 1,
            "customer_id": rng.integers(1, rows["customers"] + 1, o1 - o0),
            "quantity": quantity,
            "amount": (quantity * rng.gamma(2.0, 15.0, o1 - o0)).round(2),
            "status": STATUS[rng.choice(len(STATUS), o1 - o0, p=[0.1, 0.15, 0.2, 0.5, 0.05])],
        }
    )
    return {"customers": customers, "orders": orders}


def generate(
    rows: dict[str, int], seed: int, part: tuple[int, int] | None = None
) -> dict[str, pd.DataFrame]:
    if part is not None:
        return _part(rows, seed, *part)
    n = max(1, -(-max(rows.values(), default=0) // PART_ROWS))
    pieces = [_part(rows, seed, k, n) for k in range(n)]
    return {t: pd.concat([p[t] for p in pieces], ignore_index=True) for t in pieces[0]}
