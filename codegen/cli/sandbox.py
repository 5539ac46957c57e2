"""`sdgen exec` and `sdgen image build|ref`: the sandbox, from the command line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from codegen.cli.options import parse_rows
from codegen.errors import SdgenError


def exec_command(
    program: Annotated[Path, typer.Argument(help="The generator program (a .py file).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="New or empty directory for results.")],
    rows: Annotated[
        list[str] | None, typer.Option("--rows", help="Rows to ask for: TABLE=N (repeatable).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed passed to generate().")] = 0,
    timeout: Annotated[float, typer.Option(help="Wall-clock limit in seconds.")] = 120.0,
    memory: Annotated[str, typer.Option(help="Memory limit (no swap), e.g. 512m or 2g.")] = "2g",
    cpus: Annotated[float, typer.Option(help="CPU limit (cores).")] = 1.0,
    image: Annotated[
        str | None, typer.Option(help="Image to use instead of the pinned one.")
    ] = None,
    runtime: Annotated[
        str | None,
        typer.Option(
            help="Container runtime: runc, or runsc (gVisor); default $SDGEN_SANDBOX_RUNTIME "
            "or runc."
        ),
    ] = None,
) -> None:
    """Run PROGRAM in a fresh hardened container; write its tables as Parquet to OUT."""
    from sandbox import Limits, chosen_runtime, parse_size_mb, run

    try:
        source = program.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SdgenError(f"cannot read {program}: {exc}") from None
    try:
        limits = Limits(timeout_s=timeout, memory_mb=parse_size_mb(memory), cpus=cpus)
    except ValueError as exc:
        raise SdgenError(str(exc)) from None
    runtime = chosen_runtime(runtime)
    client = None
    if runtime != "runc":  # runc is the engine's own; any other must be registered
        from sandbox import require_runtime
        from sandbox.image import connect

        client = connect()
        require_runtime(client, runtime)
    result = run(
        source,
        out,
        rows=parse_rows(rows),
        seed=seed,
        limits=limits,
        image=image,
        runtime=runtime,
        client=client,
    )
    for table in result.tables.values():
        print(f"{table.name}: {table.rows} rows x {len(table.columns)} columns -> {table.path}")
    if not result.ok:
        print(f"see {out / 'stderr.txt'} and {out / 'manifest.json'}", file=sys.stderr)
        raise SdgenError(result.error or "the run failed")
    print(f"ok in {result.duration_s:.2f} s: {out}")


def image_build(
    force: Annotated[bool, typer.Option(help="Rebuild even if the image exists.")] = False,
    runtime: Annotated[
        str | None,
        typer.Option(
            help="Also check that this runtime (runc, runsc) runs the image; default "
            "$SDGEN_SANDBOX_RUNTIME or runc."
        ),
    ] = None,
) -> None:
    """Build the sandbox image offline (Debian packages + pinned wheels); print its reference."""
    from rich.console import Console

    from sandbox import build_image, chosen_runtime, require_runtime
    from sandbox.image import connect
    from sandbox.runtime import check_runs

    runtime = chosen_runtime(runtime)
    client = connect()
    require_runtime(client, runtime)  # said before a build of minutes, not after
    console = Console(stderr=True)
    with console.status("building the sandbox image") as status:
        reference = build_image(
            force=force, log=lambda line: status.update(line) or None, client=client
        )
        if runtime != "runc":
            status.update(f"checking that {runtime} runs it")
            check_runs(client, reference, runtime)
    console.print(f"[green]sandbox image ready[/green] (runtime {runtime})")
    print(reference)


def image_ref() -> None:
    """Print the pinned image reference (computed from its inputs; no engine needed)."""
    from sandbox import image_reference

    print(image_reference())


def register(app: typer.Typer) -> None:
    """Add the sandbox commands to the root app."""
    app.command("exec")(exec_command)
    image_app = typer.Typer(help="The sandbox image.", no_args_is_help=True)
    image_app.command("build")(image_build)
    image_app.command("ref")(image_ref)
    app.add_typer(image_app, name="image")
