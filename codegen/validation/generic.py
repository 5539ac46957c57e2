"""Checks for tables made without a spec (a request in words): every table has rows and no
column is entirely empty. The same shape as ``Report`` where the routes use it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class GenericReport:
    failures: list[str]

    @property
    def ok(self) -> bool:
        return not self.failures

    def as_text(self) -> str:
        return "\n".join(self.failures)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "failures": self.failures}

    @classmethod
    def of_files(cls, tables: Mapping[str, Path]) -> GenericReport:
        import pyarrow.parquet as pq

        failures = []
        for name, path in tables.items():
            data = pq.read_table(path)
            if data.num_rows == 0:
                failures.append(f"{name}: the table has no rows")
            for column in data.column_names:
                if data.num_rows and data.column(column).null_count == data.num_rows:
                    failures.append(f"{name}.{column}: every value is null")
        return cls(failures)
