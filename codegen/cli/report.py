"""`sdgen report RUN`: write the run's HTML report and print its path."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def report_command(
    run: Annotated[Path, typer.Argument(help="A saved run: generated/<name>/<run id>.")],
    open_it: Annotated[
        bool, typer.Option("--open", help="Open the report in the default web browser.")
    ] = False,
) -> None:
    """Write RUN/report.html: per table sample rows and a plot with nulls, distinct values and
    min/median/max per column; correlations; foreign-key fan-out; every rule with how well it
    holds; realism figures; provenance. One self-contained file: opening it needs no network.

    The line printed is the report's path.
    """
    from codegen.api import report  # DuckDB, pandas and matplotlib: only when reporting

    path = report(run)
    print(path)
    if open_it:
        import webbrowser

        webbrowser.open(path.resolve().as_uri())


def register(app: typer.Typer) -> None:
    """Add `report` to the root app."""
    app.command("report")(report_command)
