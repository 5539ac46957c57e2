"""`sdgen spec check|show|reference` and `sdgen validate`: parse, call the API, print."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from codegen.errors import SdgenError

if TYPE_CHECKING:  # the heavy modules (pydantic, DuckDB, pyarrow) load only when a command runs
    from codegen.spec.model import CheckRule, Column, DecreasingRule, IncreasingRule, Spec
    from codegen.validation.validator import Report

console = Console(highlight=False, soft_wrap=True)  # findings stay one line each

SpecArg = Annotated[Path, typer.Argument(help="The spec, a YAML file.", show_default=False)]


def register(app: typer.Typer) -> None:
    """Add `spec ...` and `validate` to the root app."""
    spec_app = typer.Typer(help="Check, show and document dataset specs.", no_args_is_help=True)
    spec_app.command("check")(check)
    spec_app.command("show")(show)
    spec_app.command("reference")(reference)
    app.add_typer(spec_app, name="spec")
    app.command("validate")(validate_command)


def _load(path: Path) -> Spec:
    """The spec, or every problem printed as an `error:` line and exit 1."""
    from codegen.errors import SpecError
    from codegen.spec.model import load_spec

    try:
        return load_spec(path)
    except SpecError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        raise typer.Exit(1) from None


def check(spec: SpecArg) -> None:
    """Lint a spec (tables, or text with kind: text): print every problem, each with its place,
    or a one-line summary."""
    from codegen.errors import SpecError
    from codegen.spec.text import TextSpec, load_any_spec

    try:
        any_spec = load_any_spec(spec)
    except SpecError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        raise typer.Exit(1) from None
    if isinstance(any_spec, TextSpec):
        console.print(
            Text(
                f"ok: {spec}: text spec '{any_spec.name}', {any_spec.records} records, "
                f"{len(any_spec.inputs)} input and {len(any_spec.outputs)} output fields"
            )
        )
        return
    loaded = any_spec
    columns = sum(len(t.columns) for t in loaded.tables.values())
    rules = sum(len(t.rules) for t in loaded.tables.values())
    console.print(
        Text(
            f"ok: {spec}: spec '{loaded.name}', {len(loaded.tables)} tables, {columns} columns, "
            f"{rules} rules"
        )
    )


def show(spec: SpecArg) -> None:
    """Print tables, keys and rules, and the order tables must be generated in."""
    loaded = _load(spec)
    console.print(Text(f"{loaded.name}", style="bold"), Text(loaded.description or ""))
    console.print(Text("generation order: " + " -> ".join(loaded.generation_order())))
    for name, table in loaded.tables.items():
        grid = RichTable(
            title=f"{name} ({table.rows:,} rows)"
            + (f": {table.description}" if table.description else ""),
            title_justify="left",
            show_edge=False,
        )
        for heading in ("column", "type", "key", "constraints"):
            grid.add_column(heading)
        for col_name, col in table.columns.items():
            keys = []
            if col.primary_key:
                keys.append("primary key")
            if col.unique:
                keys.append("unique")
            if col.references:
                keys.append(f"-> {col.references}")
            grid.add_row(Text(col_name), col.type, Text(", ".join(keys)), Text(_constraints(col)))
        console.print()
        console.print(grid)
        for index, rule in enumerate(table.rules):
            console.print(Text(f"  rules[{index}]: {_rule_text(rule)}"))


def _constraints(col: Column) -> str:
    from codegen.validation.report import show as show_value

    parts = []
    if col.nullable:
        parts.append("nullable")
    if col.min is not None and col.max is not None:
        parts.append(f"{show_value(col.min)} .. {show_value(col.max)}")
    elif col.min is not None:
        parts.append(f">= {show_value(col.min)}")
    elif col.max is not None:
        parts.append(f"<= {show_value(col.max)}")
    if col.values is not None:
        parts.append("one of " + ", ".join(show_value(v) for v in col.values))
    if col.pattern is not None:
        parts.append(f"matches {col.pattern}")
    return "; ".join(parts)


def _rule_text(rule: CheckRule | IncreasingRule | DecreasingRule) -> str:
    from codegen.spec.model import CheckRule, IncreasingRule

    if isinstance(rule, CheckRule):
        share = "every row" if rule.min_fraction == 1 else f"{rule.min_fraction:.0%} of rows"
        text = f"check {rule.check!r} on {share}"
    elif isinstance(rule, IncreasingRule):
        x, y = rule.increasing
        text = f"{y} rises with {x} (Spearman rho >= {rule.min_rho})"
    else:
        x, y = rule.decreasing
        text = f"{y} falls as {x} rises (Spearman rho <= -{rule.min_rho})"
    return text + (f" - {rule.description}" if rule.description else "")


def reference() -> None:
    """Print the spec reference (Markdown) of table and text specs, generated from the models."""
    from codegen.spec.model import spec_reference
    from codegen.spec.text import text_spec_reference

    sys.stdout.write(spec_reference() + "\n" + text_spec_reference())


def validate_command(
    spec: Annotated[
        str,
        typer.Argument(
            help="The spec (a YAML file), or a saved run (its spec, data and row counts): a "
            "directory, or the URL a rerun saved it to (s3://...).",
            show_default=False,
        ),
    ],
    directory: Annotated[
        Path | None,
        typer.Argument(
            help="Directory holding <table>.parquet or <table>.csv files, or <table>/ "
            "directories of part-NNNNN.parquet files (not with a saved run).",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the report as JSON instead of text.")
    ] = False,
    rows: Annotated[
        list[str] | None,
        typer.Option(
            "--rows",
            metavar="TABLE=N",
            help="Row count the run asked for (repeatable); default: the spec's rows.",
        ),
    ] = None,
    memory_mb: Annotated[
        int | None, typer.Option(help="DuckDB memory limit, MiB (default 512).")
    ] = None,
    threads: Annotated[
        int | None, typer.Option(help="DuckDB threads (default: up to 4 of the CPUs).")
    ] = None,
) -> None:
    """Check a directory of tables (or a saved run) against a spec; exit 1 when a check fails.

    Tables made in parts are read in place by DuckDB, in bounded memory (--memory-mb)."""
    from codegen.cli.options import parse_rows
    from codegen.urls import is_url
    from codegen.validation.validator import Limits, validate

    chosen = {"memory_mb": memory_mb, "threads": threads}
    limits = Limits(**{name: value for name, value in chosen.items() if value is not None})
    counts = parse_rows(rows, bare_table=None)
    if is_url(spec):
        from codegen.scale.publish import RemoteRun

        if directory is not None:
            raise SdgenError(f"{spec} is a saved run: give it alone, without a directory")
        report = RemoteRun.open(spec).validate(limits=limits, rows=counts or None)
    elif directory is None:
        from codegen.runs.run import Run

        if not (Path(spec) / "manifest.json").is_file():
            raise SdgenError(f"{spec} is not a saved run; give a spec and a directory of tables")
        run = Run(spec)
        report = run.validate(limits=limits, rows=counts or None)
    else:
        report = validate(_load(Path(spec)), directory, counts, limits=limits)
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(), indent=2) + "\n")
    else:
        _print_report(report)
    if not report.ok:
        raise typer.Exit(1)


def _print_report(report: Report) -> None:
    for name, result in report.tables.items():
        if result.source is None:
            continue
        console.print(
            Text(f"{name}: {result.source}, {result.rows:,} rows", style="dim")
            if result.rows is not None
            else Text(f"{name}: {result.source}", style="dim")
        )
    for finding in report.failures:
        console.print(Text("FAIL ", style="bold red") + Text(finding.message), soft_wrap=True)
    for finding in report.warnings:
        console.print(Text("warn ", style="yellow") + Text(finding.message), soft_wrap=True)
    failures, warnings = len(report.failures), len(report.warnings)
    note = f", {warnings} warning{'s' * (warnings != 1)}" if warnings else ""
    if report.ok:
        console.print(Text(f"ok: {report.spec_name}: all checks passed{note}", style="green"))
    else:
        console.print(
            Text(
                f"failed: {report.spec_name}: {failures} failure{'s' * (failures != 1)}{note}",
                style="bold red",
            )
        )
