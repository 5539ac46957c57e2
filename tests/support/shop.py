"""The shop scenario the end-to-end tests share: a two-table spec, a reply whose program meets it,
and a client of the scripted OpenAI stub (tests/support/openai_stub.py) with a quick backoff."""

from __future__ import annotations

from pathlib import Path

import codegen as sd
from codegen.llm.client import OpenAIChatClient, RetryPolicy
from sandbox import Limits

SPEC = """\
name: shop
description: A small web shop.
tables:
  customers:
    rows: 20
    columns:
      id:   {type: integer, primary_key: true}
      motto: {type: string}
      age:  {type: integer, min: 18, max: 90}
  orders:
    rows: 50
    columns:
      id:          {type: integer, primary_key: true}
      customer_id: {type: integer, references: customers.id}
      items:       {type: integer, min: 1, max: 10}
      amount:      {type: float, min: 1}
    rules:
      - increasing: [items, amount]
"""

GOOD = """\
Here is the program.

```python
import numpy as np
import pandas as pd


def generate(rows, seed):
    rng = np.random.default_rng(seed)
    n_customers, n_orders = rows["customers"], rows["orders"]
    customers = pd.DataFrame({
        "id": np.arange(1, n_customers + 1),
        "motto": [f"motto {i}" for i in range(n_customers)],
        "age": rng.integers(18, 91, n_customers),
    })
    items = rng.integers(1, 11, n_orders)
    orders = pd.DataFrame({
        "id": np.arange(1, n_orders + 1),
        "customer_id": rng.choice(customers["id"].to_numpy(), n_orders),
        "items": items,
        "amount": items * rng.uniform(5, 6, n_orders),
    })
    return {"customers": customers, "orders": orders}
```
"""


def stub_client(base_url: str) -> OpenAIChatClient:
    return OpenAIChatClient(
        "stub-model",
        base_url=base_url,
        api_key="sk-test-pipeline-secret",
        retry=RetryPolicy(max_attempts=3, initial_backoff_s=0.01, max_backoff_s=0.05),
    )


def run_generate(client, tmp_path: Path, **options) -> sd.Run:
    """The public API, as a notebook calls it, with the scripted endpoint's client."""
    return sd.generate(
        SPEC, client=client, out=tmp_path / "generated", limits=Limits(timeout_s=60), **options
    )
