"""`sdgen generate`, `sdgen csv` and `sdgen rerun`: the main job, from the command line.

Each command parses its options, calls the Python API (``codegen.api``) and prints what it
returns; the API does the work.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from codegen.cli.options import sandbox_limits, split_rows
from codegen.errors import SdgenError

if TYPE_CHECKING:
    from rich.console import Console

    from codegen.runs.run import Run

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
    typical: Annotated[
        bool | None,
        typer.Option(
            "--typical/--no-typical",
            help="Ask the model first for what is typical of each column the spec leaves "
            "open (a number's value and range, per category too; a date's year; a flag's share; "
            "how common each listed value is; how many rows are null), and draw around it. "
            "Default: with the embedded local model.",
        ),
    ] = None,
    spec_only: Annotated[
        bool,
        typer.Option(
            "--spec-only",
            help="With --prompt: print the drafted spec (YAML) and stop, to edit it and then "
            "generate from the file.",
        ),
    ] = False,
) -> None:
    """Ask an LLM for a generator program, run it in the sandbox, validate, repair, save.

    With --prompt, the request is first drafted into a spec (saved with the run). The last line
    printed is the saved run's directory.
    """
    if spec_only and prompt is None:
        raise SdgenError("--spec-only drafts a spec from --prompt TEXT; give --prompt")
    if output_format not in ("parquet", "csv"):
        raise SdgenError(f"--format {output_format!r}: use parquet or csv")
    if ask not in ("auto", "program", "blanks"):
        raise SdgenError(f"--ask {ask!r}: use auto, program or blanks")
    bare, named = split_rows(rows)
    if dry_run:
        from codegen.api import messages
        from codegen.llm.client import select_endpoint

        if ask == "auto":  # as generate() decides it: blanks for the embedded model
            ask = "blanks" if select_endpoint(base_url=base_url, model=model) is None else "program"
        _print_messages(messages(spec, prompt=prompt, ask=ask))  # type: ignore[arg-type]
        return
    if spec_only:
        _draft_only(prompt, seed=seed, base_url=base_url, model=model, cache=not no_cache)
        return
    _generate(
        spec=spec,
        prompt=prompt,
        rows=bare,
        table_rows=named,
        seed=seed,
        max_attempts=max_attempts,
        ask=ask,
        typical=typical,
        base_url=base_url,
        model=model,
        cache=not no_cache,
        out=out,
        csv=output_format == "csv",
        strict=strict,
        limits=sandbox_limits(timeout, memory),
    )


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
    if dry_run:
        from codegen.api import messages

        _print_messages(messages(spec, prompt=prompt, route="csv"))
        return
    _generate(
        spec=spec,
        prompt=prompt,
        route="csv",
        seed=seed,
        max_attempts=max_attempts,
        base_url=base_url,
        model=model,
        cache=not no_cache,
        out=out,
    )


def _draft_only(prompt: str | None, **arguments: object) -> None:
    """The drafted spec on stdout (status lines on stderr)."""
    from rich.console import Console

    from codegen.api import draft_spec

    console = Console(stderr=True)
    with console.status("drafting the spec") as status:
        spec = draft_spec(prompt or "", progress=status.update, **arguments)  # type: ignore[arg-type]
    print(spec.to_yaml(), end="")


def _print_messages(messages: list) -> None:  # list[ChatMessage]
    for message in messages:
        print(f"--- {message['role']}\n{message['content']}\n")


def _generate(**arguments: object) -> None:
    """``codegen.api.generate`` with a live status line; prints the summary, then the run dir."""
    from rich.console import Console

    from codegen.api import generate

    console = Console(stderr=True)
    with console.status("generating") as status:

        def progress(line: str) -> None:
            status.update(line)
            console.print(f"  {line}")

        run = generate(progress=progress, **arguments)  # type: ignore[arg-type]
    _summary(console, run)
    print(run.path)


def _summary(console: Console, run: Run) -> None:
    from rich.table import Table

    manifest = run.manifest
    table = Table(title=f"saved {run.path}", show_lines=False)
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in manifest.rows.items():
        table.add_row(name, str(count))
    console.print(table)
    warnings = len(manifest.validation.get("warnings", []) or [])
    console.print(
        f"accepted on attempt {len(manifest.attempts)} of the model {manifest.model}; "
        f"{manifest.usage.get('total_tokens', 0)} tokens; validation passed"
        + (f" with {warnings} warning(s)" if warnings else "")
    )
    if run.program:
        console.print(f"re-run at any size: sdgen rerun {run.path} --rows N")


def rerun_command(
    run_dir: Annotated[Path, typer.Argument(help="A saved run (generated/<name>/<run id>).")],
    rows: Annotated[
        list[str] | None,
        typer.Option("--rows", help="N for the main tables, or TABLE=N (repeatable)."),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed (default: the run's own).")] = None,
    out: Annotated[
        str | None,
        typer.Option(
            "--out",
            help="Root for the new run (default: the same root): a path, or an fsspec URL such"
            " as s3://bucket/prefix for a program made in parts.",
        ),
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
    timeout: Annotated[
        float, typer.Option(help="Sandbox wall-clock limit per container (s).")
    ] = 600.0,
    memory: Annotated[str, typer.Option(help="Sandbox memory limit per container.")] = "4g",
    workers: Annotated[
        int | None,
        typer.Option(help="Containers at once for a program made in parts (default: the cores)."),
    ] = None,
    cluster: Annotated[
        str | None,
        typer.Option(help="A dask.distributed scheduler (tcp://HOST:PORT) to run the chunks on."),
    ] = None,
    part_rows: Annotated[
        int | None, typer.Option(help="Rows per part (default: the program's PART_ROWS).")
    ] = None,
    chunk_rows: Annotated[
        int | None,
        typer.Option(
            help="Rows a container makes at most (default: from the row width); the data stays"
            " the same."
        ),
    ] = None,
    no_validate: Annotated[
        bool,
        typer.Option("--no-validate", help="Skip validation (run `sdgen validate RUN` later)."),
    ] = False,
) -> None:
    """Run a saved program again, offline, at any row count; validate and save it as a new run.

    A program that follows the parts contract (PART_ROWS and generate(..., part=None)) is made
    in parts, chunk by chunk, in parallel containers: data/<table>/part-NNNNN.parquet, the
    same tables whatever --workers or --cluster. Any other program runs whole in one container.
    """
    from codegen.scale import ScaleOptions
    from codegen.scale import rerun as scaled_rerun
    from codegen.scale.publish import RemoteRun
    from codegen.urls import is_url

    if output_format == "csv":
        # CSV of a run in parts would be a second copy of every part; whole runs only.
        if is_url(out):
            raise SdgenError(f"--out {out}: a URL output is written in parts, as Parquet only")
        from codegen.runner import SandboxRunner
        from codegen.runs.rerun import rerun

        bare, named = split_rows(rows)
        run = rerun(
            run_dir,
            rows=bare,
            per_table=named,
            seed=seed,
            out_root=out,
            csv=True,
            runner=SandboxRunner(limits=sandbox_limits(timeout, memory)),
            validate_tables=not no_validate,
        )
    else:
        if workers is not None and workers < 1:
            raise SdgenError(f"--workers {workers}: need at least 1")
        if part_rows is not None and part_rows < 1:
            raise SdgenError(f"--part-rows {part_rows}: need at least 1")
        if chunk_rows is not None and chunk_rows < 1:
            raise SdgenError(f"--chunk-rows {chunk_rows}: need at least 1")
        bare, named = split_rows(rows)
        options = ScaleOptions(
            workers=workers,
            cluster=cluster,
            part_rows=part_rows,
            validate=not no_validate,
            limits=sandbox_limits(timeout, memory),
            **({"target_rows": chunk_rows} if chunk_rows is not None else {}),
        )
        with _progress_bar() as on_progress:
            run = scaled_rerun(
                run_dir,
                rows=bare,
                per_table=named,
                seed=seed,
                out_root=out,
                options=options,
                on_progress=on_progress,
                on_whole=lambda line: print(line, file=sys.stderr),
            )
    for name, count in run.rows.items():
        print(f"{name}: {count} rows", file=sys.stderr)
    where = run.url if isinstance(run, RemoteRun) else run.path
    timings = run.manifest.timings
    if run.manifest.layout == "parts":
        parts = run.manifest.parts
        print(
            f"{parts['n']} parts in {parts['chunks']} chunks ({parts['chunks_reused']} reused) on "
            f"{parts['workers']} {parts['executor']} workers; generate {timings.generate_s:.1f} s"
            + (f", validate {timings.validate_s:.1f} s" if run.manifest.validation else ""),
            file=sys.stderr,
        )
    print(where)


@contextlib.contextmanager
def _progress_bar() -> Iterator[Any]:
    """A rich progress bar on stderr fed by the chunked run's progress callback (rows, rows/s,
    ETA, chunks done/failed); shown only once there is something to show."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(
        TextColumn("generating"),
        BarColumn(),
        TextColumn("{task.completed:,.0f}/{task.total:,.0f} rows"),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[chunks]}"),
        console=Console(stderr=True),
    )
    task = None

    def on_progress(progress: Any) -> None:
        nonlocal task
        if task is None:
            bar.start()
            task = bar.add_task("generating", total=progress.rows_total, rate="", chunks="")
        reused = f", {progress.chunks_reused} reused" if progress.chunks_reused else ""
        bar.update(
            task,
            total=progress.rows_total,
            completed=progress.rows_done,
            rate=f"{progress.rows_per_s:,.0f} rows/s",
            chunks=f"chunks {progress.chunks_done}/{progress.chunks_total} done, "
            f"{progress.chunks_failed} failed{reused}",
        )

    try:
        yield on_progress
    finally:
        bar.stop()


def register(app: typer.Typer) -> None:
    app.command("generate")(generate_command)
    app.command("csv")(csv_command)
    app.command("rerun")(rerun_command)
