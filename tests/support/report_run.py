"""A saved run made without Docker or an LLM, for the report's tests: a three-table shop whose
tables are written with pandas and saved with ``save_run``, as a route saves them. It has every
column type, nulls, a skewed foreign key, rules that hold and one that does not, and (optionally)
realism figures in its manifest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from codegen.runs.manifest import AttemptRecord, Manifest, Timings
from codegen.runs.store import save_run
from codegen.spec.model import load_spec
from codegen.validation.validator import validate

SPEC = """\
name: shop
description: A small web shop <with> "markup" & such in its words.
tables:
  customers:
    rows: 300
    description: One row per customer.
    columns:
      id:        {type: integer, primary_key: true}
      name:      {type: string}
      email:     {type: string, unique: true, pattern: '[a-z]+[0-9]{4}@example\\.com'}
      city:      {type: string}
      age:       {type: integer, min: 18, max: 90}
      vip:       {type: boolean}
      joined_on: {type: date, min: 2019-01-01, max: 2024-12-31}
  products:
    rows: 40
    columns:
      id:       {type: integer, primary_key: true}
      title:    {type: string}
      category: {type: string, values: [Books, Garden, Kitchen, Toys]}
      price:    {type: float, min: 1}
  orders:
    rows: 2000
    description: One row per order.
    columns:
      id:          {type: integer, primary_key: true}
      customer_id: {type: integer, references: customers.id}
      product_id:  {type: integer, references: products.id}
      placed_at:   {type: datetime}
      shipped_at:  {type: datetime, nullable: true}
      status:      {type: string, values: [placed, shipped, returned]}
      items:       {type: integer, min: 1, max: 10}
      amount:      {type: float, min: 1}
      note:        {type: string, nullable: true}
    rules:
      - increasing: [items, amount]
        description: More items cost more.
      - check: "shipped_at IS NULL OR shipped_at >= placed_at"
      - check: "amount / items BETWEEN 4 AND 80"
      - check: "amount < 150"
        min_fraction: 0.99
"""

CITIES = ["Lyon", "Porto", "Graz", "Ghent", "Turku", "Brno", "Cork", "Bergen", "Malmö", "Split"]


def shop_tables(seed: int = 0, orders: int = 2000) -> dict[str, pd.DataFrame]:
    """The shop's tables; ``amount < 150`` fails on a few percent of the orders on purpose."""
    rng = np.random.default_rng(seed)
    n_c, n_p = 300, 40
    first = rng.choice(["ana", "ben", "chloe", "dara", "eli", "femi", "goran", "hana"], n_c)
    customers = pd.DataFrame(
        {
            "id": np.arange(1, n_c + 1),
            "name": [f"{f.title()} {s}" for f, s in zip(first, rng.choice(
                ["Novak", "Silva", "Berg", "Moreau", "Kowalski", "O'Neil <b>"], n_c), strict=True)],
            "email": [f"{f}{1000 + i}@example.com" for i, f in enumerate(first)],
            "city": rng.choice(CITIES, n_c, p=np.linspace(3, 0.5, len(CITIES)) / 17.5),
            "age": np.clip(rng.normal(41, 13, n_c).round(), 18, 90).astype(int),
            "vip": rng.random(n_c) < 0.15,
            "joined_on": pd.to_datetime("2019-01-01")
            + pd.to_timedelta(rng.integers(0, 6 * 365, n_c), unit="D"),
        }
    )  # fmt: skip
    customers["joined_on"] = customers["joined_on"].dt.date
    products = pd.DataFrame(
        {
            "id": np.arange(1, n_p + 1),
            "title": [f"Product {i}" for i in range(n_p)],
            "category": rng.choice(["Books", "Garden", "Kitchen", "Toys"], n_p),
            "price": rng.lognormal(3, 0.6, n_p).round(2),
        }
    )
    weights = 1 / np.arange(1, n_c + 1) ** 0.8  # a few customers place most orders
    items = rng.integers(1, 11, orders)
    placed = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365 * 24 * 60, orders),
                                                          unit="min")  # fmt: skip
    shipped = placed + pd.to_timedelta(rng.integers(60, 6 * 24 * 60, orders), unit="min")
    status = rng.choice(["placed", "shipped", "returned"], orders, p=[0.15, 0.75, 0.10])
    orders_frame = pd.DataFrame(
        {
            "id": np.arange(1, orders + 1),
            "customer_id": rng.choice(customers["id"], orders, p=weights / weights.sum()),
            "product_id": rng.integers(1, n_p + 1, orders),
            "placed_at": placed,
            "shipped_at": shipped.where(status != "placed"),
            "status": status,
            "items": items,
            "amount": (items * rng.lognormal(2.4, 0.35, orders)).round(2),
            "note": np.where(rng.random(orders) < 0.7, None, rng.choice(
                ["leave at door", "gift <wrap>", "call first & ring"], orders)),
        }
    )  # fmt: skip
    return {"customers": customers, "products": products, "orders": orders_frame}


REALISM = {
    "names_not_numbered": {"passed": True, "value": 0.0, "expected": "< 0.01"},
    "age_spread": {"passed": False, "value": 13.2, "expected": [15, 25]},
}


# What the model was asked before the program was made (codegen.pipeline.typical), as saved.
TYPICAL = [
    {"table": "products", "column": "price", "asked": "typical", "typical": 24.0, "low": 8.0,
     "high": 90.0, "kept": True, "why": "", "meaning": "the price of one <toy> or book"},
    {"table": "products", "column": "price", "asked": "by category", "by": "category",
     "by_values": {"Books": 15.0, "Toys": 40.0}, "kept": True, "why": ""},
    {"table": "products", "column": "category", "asked": "typical", "kept": True, "why": "",
     "weights": {"Books": 0.53, "Garden": 0.3, "Kitchen": 0.13, "Toys": 0.04},
     "said": {"Books": 40, "Garden": 30, "Kitchen": 20, "Toys": 10}, "most": "Books"},
    {"table": "customers", "column": "age", "asked": "typical", "typical": 200.0, "low": 150.0,
     "high": 250.0, "kept": False, "why": "its typical value is at or outside the column's bounds"},
]  # fmt: skip


def make_shop_run(root: Path, *, realism: bool = True, orders: int = 2000, seed: int = 0) -> Path:
    """Save the shop as a run under ``root`` and return its directory."""
    spec = load_spec(SPEC)
    data_dir = root / "parquet"
    data_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, frame in shop_tables(seed, orders).items():
        paths[name] = data_dir / f"{name}.parquet"
        frame.to_parquet(paths[name], index=False)
    rows = {name: len(pd.read_parquet(path)) for name, path in paths.items()}
    report = validate(spec, paths, rows)
    manifest = Manifest(
        name="shop",
        model="scripted-model",
        endpoint_host="127.0.0.1",
        seed=seed,
        rows_requested=rows,
        rows=rows,
        validation=report.to_dict(),
        realism=REALISM if realism else {},
        typical=TYPICAL,
        usage={"prompt_tokens": 1200, "completion_tokens": 640, "total_tokens": 1840},
        attempts=[
            AttemptRecord(number=1, stage="validate", failure="check", error="amount too big"),
            AttemptRecord(number=2, stage="accepted"),
        ],
        timings=Timings(llm_s=12.5, run_s=1.2, validate_s=0.3, total_s=14.4),
        image={"reference": "sdgen-sandbox:test"},
        versions={"sdgen": "0.1.0"},
    )
    program = "def generate(rows, seed):\n    return {}  # <not> the real program\n"
    return save_run(root / "generated", manifest, program=program, spec_text=SPEC, tables=paths)
