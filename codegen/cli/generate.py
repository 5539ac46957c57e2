"""`sdgen generate` and `sdgen rerun`: the main job, from the command line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from codegen.errors import SdgenError


def _rows(items: list[str] | None) -> tuple[int | None, dict[str, int]]:
    """``--rows N`` (the tables nothing references) and ``--rows TABLE=N`` (that table)."""
    from codegen.cli.sandbox import parse_rows

    bare = [item for item in items or [] if "=" not in item]
    named = parse_rows([item for item in items or [] if "=" in item])
    if len(bare) > 1:
        raise SdgenError("--rows N may be given once (use TABLE=N for the others)")
    if bare:
        try:
            count = int(bare[0])
        except ValueError:
            raise SdgenError(f"--rows {bare[0]!r}: expected N or TABLE=N") from None
        return count, named
    return None, named


def _limits(timeout: float, memory: str):  # -> sandbox.Limits
    from sandbox import Limits, parse_size_mb

    try:
        return Limits(timeout_s=timeout, memory_mb=parse_size_mb(memory))
    except ValueError as exc:
        raise SdgenError(str(exc)) from None


# Options shared by `generate` and `csv`.
SpecArgument = Annotated[Path | None, typer.Argument(help="The dataset spec (YAML).")]
PromptOption = Annotated[
    str | None, typer.Option("--prompt", help="Describe the data in words instead of a spec.")
]
OutOption = Annotated[Path, typer.Option("--out", help="Root folder of saved runs.")]
AttemptsOption = Annotated[int, typer.Option(help="Attempts before giving up.")]
ModelOption = Annotated[str | None, typer.Option(help="Model name at the endpoint.")]
BaseUrlOption = Annotated[
    str | None, typer.Option(help="OpenAI-compatible endpoint (default: OPENAI_BASE_URL).")
]
NoCacheOption = Annotated[bool, typer.Option("--no-cache", help="Always ask the model.")]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Print the messages; call nothing.")]
RUNS_ROOT = Path("generated")


def generate_command(
    spec: SpecArgument = None,
    prompt: PromptOption = None,
    out: OutOption = RUNS_ROOT,
    rows: Annotated[
        list[str] | None,
        typer.Option("--rows", help="N for the main tables, or TABLE=N (repeatable)."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for the program and the LLM.")] = 0,
    max_attempts: AttemptsOption = 3,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    output_format: Annotated[
        str, typer.Option("--format", help="parquet, or csv to add CSV next to Parquet.")
    ] = "parquet",
    strict: Annotated[bool, typer.Option(help="Block programs the audit flags.")] = False,
    no_cache: NoCacheOption = False,
    dry_run: DryRunOption = False,
    timeout: Annotated[float, typer.Option(help="Sandbox wall-clock limit per run (s).")] = 120.0,
    memory: Annotated[str, typer.Option(help="Sandbox memory limit per run.")] = "2g",
    ask: Annotated[
        str,
        typer.Option(
            help="What to ask of the model for a spec: the whole 'program', or only the 'blanks' "
            "of the starting program. 'auto': blanks for the embedded local model."
        ),
    ] = "auto",
) -> None:
    """Ask an LLM for a generator program, run it in the sandbox, validate, repair, save.

    The last line printed is the saved run's directory.
    """
    if output_format not in ("parquet", "csv"):
        raise SdgenError(f"--format {output_format!r}: use parquet or csv")
    if ask not in ("auto", "program", "blanks"):
        raise SdgenError(f"--ask {ask!r}: use auto, program or blanks")
    _generation(
        "program", spec, prompt, out, rows, seed, max_attempts, model, base_url,
        output_format == "csv", strict, no_cache, dry_run, _limits(timeout, memory), ask=ask,
    )  # fmt: skip


def csv_command(
    spec: SpecArgument = None,
    prompt: PromptOption = None,
    out: OutOption = RUNS_ROOT,
    seed: Annotated[int, typer.Option(help="Seed for the LLM.")] = 0,
    max_attempts: AttemptsOption = 3,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    no_cache: NoCacheOption = False,
    dry_run: DryRunOption = False,
) -> None:
    """Ask the LLM for the data itself as CSV (small tables), validate, repair, save.

    The last line printed is the saved run's directory.
    """
    _generation(
        "csv", spec, prompt, out, None, seed, max_attempts, model, base_url,
        True, False, no_cache, dry_run, None,
    )  # fmt: skip


def _generation(
    route: str,
    spec: Path | None,
    prompt: str | None,
    out: Path,
    rows: list[str] | None,
    seed: int,
    max_attempts: int,
    model: str | None,
    base_url: str | None,
    csv: bool,
    strict: bool,
    no_cache: bool,
    dry_run: bool,
    limits: object,
    ask: str = "program",
) -> None:
    from rich.console import Console

    from codegen import prompts
    from codegen.llm.client import select_endpoint
    from codegen.llm.session import chat_session
    from codegen.pipeline.program import GenerateOptions, scaled_rows
    from codegen.spec.model import load_spec

    if (spec is None) == (prompt is None):
        raise SdgenError("give a SPEC file or --prompt TEXT (one of them)")
    console = Console(stderr=True)
    spec_model = spec_text = None
    bare, named = _rows(rows)
    if spec is not None:
        try:
            spec_text = spec.read_text(encoding="utf-8")
        except OSError as exc:
            raise SdgenError(f"cannot read {spec}: {exc.strerror}") from None
        spec_model = load_spec(spec_text)
        counts = scaled_rows(spec_model, bare, named)
    else:
        counts = named  # a bare N is the default size of the tables the program chooses
    default_rows = bare if spec is None and bare is not None else 100
    if ask == "auto":  # the small local model writes the blanks right far more often
        ask = "blanks" if select_endpoint(base_url=base_url, model=model) is None else "program"
    if route == "csv":
        messages = prompts.csv_messages(spec_model, request=prompt)
    elif spec_model is not None:
        messages = prompts.spec_messages(spec_model, ask=ask)
    else:
        messages = prompts.prompt_messages(prompt or "", default_rows=default_rows)
    if dry_run:
        for message in messages:
            print(f"--- {message['role']}\n{message['content']}\n")
        return
    options = GenerateOptions(
        out_root=out,
        rows=counts,
        seed=seed,
        max_attempts=max_attempts,
        strict_audit=strict,
        csv=csv,
        limits=limits,
        ask=ask,
        default_rows=default_rows,
    )
    if route == "csv":
        from codegen.pipeline.csv import generate_csv as run_route
    else:
        from codegen.pipeline.program import generate as run_route
    announce = console.print
    with chat_session(
        model=model, base_url=base_url, cache=not no_cache, announce=announce
    ) as session:
        with console.status("generating") as status:

            def progress(line: str) -> None:
                status.update(line)
                console.print(f"  {line}")

            result = run_route(
                session.client,
                spec=spec_model,
                spec_text=spec_text,
                request=prompt,
                options=options,
                progress=progress,
                endpoint_host=session.endpoint_host,
            )
    _summary(console, result)
    print(result.run_dir)


def _summary(console, result) -> None:  # noqa: ANN001 - rich Console, GenerationResult
    from rich.table import Table

    table = Table(title=f"saved {result.run_dir}", show_lines=False)
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in result.tables.items():
        table.add_row(name, str(count))
    console.print(table)
    usage = result.manifest.get("usage", {})
    warnings = len(result.manifest.get("validation", {}).get("warnings", []) or [])
    console.print(
        f"accepted on attempt {len(result.attempts)} of the model {result.manifest.get('model')}; "
        f"{usage.get('total_tokens', 0)} tokens; validation passed"
        + (f" with {warnings} warning(s)" if warnings else "")
    )
    if result.program:
        console.print(f"re-run at any size: sdgen rerun {result.run_dir} --rows N")


def rerun_command(
    run_dir: Annotated[Path, typer.Argument(help="A saved run (generated/<name>/<run id>).")],
    rows: Annotated[
        list[str] | None,
        typer.Option("--rows", help="N for the main tables, or TABLE=N (repeatable)."),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed (default: the run's own).")] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Root for the new run (default: the same root).")
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
    timeout: Annotated[float, typer.Option(help="Sandbox wall-clock limit (s).")] = 600.0,
    memory: Annotated[str, typer.Option(help="Sandbox memory limit.")] = "4g",
) -> None:
    """Run a saved program again, offline, at any row count; validate and save it as a new run."""
    from codegen.runs.rerun import rerun

    bare, named = _rows(rows)
    result = rerun(
        run_dir,
        rows=bare,
        per_table=named,
        seed=seed,
        out_root=out,
        csv=output_format == "csv",
        limits=_limits(timeout, memory),
    )
    for name, count in result.tables.items():
        print(f"{name}: {count} rows", file=sys.stderr)
    print(result.run_dir)


def register(app: typer.Typer) -> None:
    app.command("generate")(generate_command)
    app.command("csv")(csv_command)
    app.command("rerun")(rerun_command)
