"""`sdgen extract` and `sdgen audit`: the program in an LLM reply, and what a program does."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from codegen.errors import SdgenError
from codegen.program.audit import AuditReport, Severity, audit_source, enforce_strict

_SEVERITY_STYLE = {Severity.INFO: "dim", Severity.WARN: "yellow", Severity.BLOCK: "bold red"}


def _read_input(path: Path) -> str:
    """The file's text, or standard input for ``-``."""
    if str(path) == "-":
        return sys.stdin.read()
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SdgenError(f"cannot read {path}: {reason}") from None


def extract(
    reply: Annotated[Path, typer.Argument(help="Markdown reply of an LLM ('-' for stdin).")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the program here.")
    ] = None,
) -> None:
    """Take the Python program out of an LLM reply, black-formatted."""
    from codegen.program.extract import (
        extract_program,
    )  # black and markdown-it: only when extracting

    program = extract_program(_read_input(reply))
    if output is None:
        sys.stdout.write(program)
        return
    output.write_text(program, encoding="utf-8")
    print(output)


def _print_report(report: AuditReport, path: Path, console: Console) -> None:
    imports = ", ".join(report.imports) or "none"
    console.print(f"[bold]{path}[/bold]: imports {imports}")
    if report.missing_modules:
        missing = ", ".join(report.missing_modules)
        console.print(f"[bold red]not in the sandbox image:[/bold red] {missing}")
    if report.findings:
        table = Table(show_edge=False, pad_edge=False)
        for header in ("line", "severity", "code", "message"):
            table.add_column(header, overflow="fold")
        for finding in report.findings:
            style = _SEVERITY_STYLE[finding.severity]
            table.add_row(
                str(finding.line),
                f"[{style}]{finding.severity.value}[/{style}]",
                finding.code,
                finding.message,
            )
        console.print(table)
    counts = report.counts()
    console.print(", ".join(f"{n} {severity}" for severity, n in counts.items()))


def audit(
    program: Annotated[Path, typer.Argument(help="Python program to read ('-' for stdin).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Fail (exit 1) when a finding has severity block.")
    ] = False,
) -> None:
    """Report what a program does (imports, files, network, processes, loops) without running it.

    Advisory by default; the sandbox, not this report, is what contains a program.
    """
    provenance = None
    if program.is_dir():
        # A saved run: audit its program and show where it came from.
        from codegen.runs.provenance import run_provenance

        provenance = run_provenance(program)
        program = program / "program.py"
    report = audit_source(_read_input(program))
    if as_json:
        extra = {"provenance": provenance} if provenance is not None else {}
        print(json.dumps({"program": str(program), **report.to_dict(), **extra}, indent=2))
    else:
        console = Console(highlight=False)
        if provenance is not None:
            _print_provenance(provenance, console)
        _print_report(report, program, console)
    if strict:
        enforce_strict(report)


def _print_provenance(provenance: dict, console: Console) -> None:
    console.print(f"[bold]run {provenance['run_id']}[/bold] ({provenance['status']})")
    for key in ("created", "model", "endpoint_host", "rerun_of", "seed", "rows", "attempts",
                "failures", "usage", "validation_ok", "image"):  # fmt: skip
        if provenance.get(key) not in (None, [], {}):
            console.print(f"  {key}: {provenance[key]}")
    changed = [name for name, ok in provenance["integrity"].items() if not ok]
    if changed:
        console.print(f"  [red]changed since saved: {', '.join(changed)}[/red]")
    else:
        console.print(f"  integrity: {len(provenance['integrity'])} files match their sha256")


def register(app: typer.Typer) -> None:
    """Add `extract` and `audit` to the root app."""
    app.command("extract")(extract)
    app.command("audit")(audit)
