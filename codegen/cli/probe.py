"""`sdgen probe RUN PROBES.yaml`: run realism probes over a saved run, print each, record them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer


def probe_command(
    run: Annotated[Path, typer.Argument(help="A saved run: generated/<name>/<run id>.")],
    probes: Annotated[
        Path, typer.Argument(help="A probe file (YAML): probes with name, sql and why.")
    ],
    record: Annotated[
        bool,
        typer.Option("--record/--no-record", help="Keep the results in the run's manifest."),
    ] = True,
) -> None:
    """Run realism probes over a saved run's tables; print each and how many passed.

    Each probe of PROBES.yaml is DuckDB SQL over RUN's tables that answers true or false. One
    line per probe, then K/N passed. The results go into RUN's manifest.json ("realism"), which
    its report shows; --no-record leaves the run as it is. A probe that cannot answer (bad SQL,
    not one boolean) counts as not passed, with the reason.
    """
    from codegen.api import probe  # DuckDB and pandas: only when probing

    results = probe(run, probes, record=record)
    for name, got in results.items():
        print(probe_line(name, got))
    passed = sum(1 for got in results.values() if got["passed"])
    where = f" (recorded in {run / 'manifest.json'})" if record else ""
    print(f"{passed}/{len(results)} probes passed{where}")


def probe_line(name: str, got: dict[str, Any]) -> str:
    """``✓ name — why [true]``, or ``✗`` with the value or the error."""
    mark = "✓" if got.get("passed") else "✗"
    value = got.get("value")
    shown = f"error: {got['error']}" if got.get("error") else str(value).lower()
    return f"{mark} {name} — {got.get('why', '')} [{shown}]"


def register(app: typer.Typer) -> None:
    """Add `probe` to the root app."""
    app.command("probe")(probe_command)
