"""A saved run as a Python object: what a notebook user holds after ``generate`` or ``load_run``.

Everything is read from the run's directory when first asked for, tables included (Parquet, read
into pandas one table at a time), so holding a ``Run`` of a billion rows costs nothing until a
table is touched.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codegen.errors import RunNotFoundError
from codegen.runs.manifest import Manifest

if TYPE_CHECKING:
    import pandas as pd

    from codegen.runner import ProgramRunner
    from codegen.spec.model import Spec
    from codegen.validation.report import Report
    from codegen.validation.sql import Limits as ValidationLimits


class Tables(Mapping[str, "pd.DataFrame"]):
    """A run's tables by name, each read from its Parquet file (or, for a run made in parts, its
    directory of part files) on first access."""

    def __init__(self, run_dir: Path, manifest: Manifest) -> None:
        if manifest.layout == "parts":
            tables = dict.fromkeys(entry.table for entry in manifest.files)
            self._paths = {table: run_dir / "data" / table for table in tables}
        else:
            self._paths = {entry.table: run_dir / entry.file for entry in manifest.files}
        self._loaded: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._loaded:
            import pandas as pd

            try:
                path = self._paths[name]
            except KeyError:
                known = ", ".join(self._paths) or "none"
                raise KeyError(f"no table {name!r} in this run (tables: {known})") from None
            self._loaded[name] = pd.read_parquet(path)
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def path(self, name: str) -> Path:
        """The table's Parquet file, or its directory of part files (for DuckDB, Polars,
        Arrow...)."""
        return self._paths[name]

    def __repr__(self) -> str:
        return f"Tables({', '.join(self._paths)})"


class Run:
    """A saved run: ``path``, ``manifest``, ``program``, ``spec``, ``tables``, ``report``.

    ``attempts`` holds the attempts of the generation that made it, when this process made it
    (the manifest keeps their records either way)."""

    def __init__(self, path: str | Path, *, attempts: list[Any] | None = None) -> None:
        self.path = Path(path)
        self.attempts = list(attempts or [])
        self.manifest  # noqa: B018 - read now: a directory that is no run fails here, not later

    @cached_property
    def manifest(self) -> Manifest:
        return Manifest.read(self.path)

    @cached_property
    def tables(self) -> Tables:
        return Tables(self.path, self.manifest)

    @property
    def rows(self) -> dict[str, int]:
        return dict(self.manifest.rows)

    @cached_property
    def program(self) -> str:
        """The generator program ("" for a CSV-route run, which has none)."""
        path = self.path / "program.py"
        return path.read_text(encoding="utf-8") if path.is_file() else ""

    @cached_property
    def spec_text(self) -> str | None:
        path = self.path / "spec.yaml"
        return path.read_text(encoding="utf-8") if path.is_file() else None

    @cached_property
    def spec(self) -> Spec | None:
        from codegen.spec.model import load_spec

        return load_spec(self.spec_text) if self.spec_text is not None else None

    @property
    def report(self) -> dict[str, Any]:
        """The validation summary saved with the run (``Report.to_dict()``); ``validate()``
        checks the tables anew and returns the full ``Report``."""
        return dict(self.manifest.validation)

    def validate(
        self, *, limits: ValidationLimits | None = None, rows: Mapping[str, int] | None = None
    ) -> Report:
        """Check the saved tables (files or directories of parts, read in place) against the
        saved spec, now; ``rows``: the counts to expect (default: those the run asked for)."""
        from codegen.validation.validator import validate

        if self.spec is None:
            raise RunNotFoundError(f"{self.path} has no spec.yaml to validate against")
        return validate(self.spec, {name: self.tables.path(name) for name in self.tables},
                        rows or self.manifest.rows_requested or None, limits=limits)  # fmt: skip

    def rerun(
        self,
        rows: int | Mapping[str, int] | None = None,
        *,
        seed: int | None = None,
        out: str | Path | None = None,
        csv: bool = False,
        runner: ProgramRunner | None = None,
    ) -> Run:
        """Run the saved program again, offline, at other row counts (``rows``: N for the tables
        nothing references, or a mapping per table); validated and saved as a new run."""
        from codegen.runs.rerun import rerun

        bare, per_table = (None, rows) if isinstance(rows, Mapping) else (rows, None)
        return rerun(
            self.path, rows=bare, per_table=per_table, seed=seed, out_root=out, csv=csv,
            runner=runner,
        )  # fmt: skip

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}={count}" for name, count in self.manifest.rows.items())
        return f"Run({str(self.path)!r}, {self.manifest.status}, {sizes})"


def load_run(path: str | Path) -> Run:
    """The saved run in ``path`` (``generated/<name>/<run id>``)."""
    return Run(path)
