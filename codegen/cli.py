"""The ``sdgen`` command: parses arguments, calls the Python API, prints, maps errors to exit codes.

No Docker calls, SQL or prompt text live here; each command group is a small module that registers
itself on the app.
"""

from __future__ import annotations

import signal
import sys

import click
import typer

from codegen import cli_codegen, cli_model, cli_sandbox
from codegen.errors import SdgenError
from sandbox import SandboxError

app = typer.Typer(
    name="sdgen",
    help="Turn a dataset description into an audited, reusable generator program and its data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for _module in (cli_sandbox, cli_model, cli_codegen):
    _module.register(app)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print the one-line error every sdgen failure ends with and return the exit to raise."""
    first_line = (message.strip().splitlines() or ["unknown error"])[0]
    print(f"error: {first_line}", file=sys.stderr)
    return typer.Exit(code)


INTERRUPTED = 130


def _interrupt(signum: int, frame: object) -> None:
    # SIGTERM takes the same clean path as Ctrl-C: containers and servers are stopped.
    raise KeyboardInterrupt


def main() -> None:
    """Console-script entry point: our own errors become one ``error:`` line and exit 1."""
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        code = app(standalone_mode=False)
    except click.exceptions.Exit as stop:
        code = stop.exit_code
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except (click.exceptions.Abort, KeyboardInterrupt):
        code = INTERRUPTED
    except (SdgenError, SandboxError) as exc:
        code = fail(str(exc)).exit_code
    code = code if isinstance(code, int) else 0
    if code == INTERRUPTED:  # typer turns KeyboardInterrupt into this exit code
        print("error: interrupted", file=sys.stderr)
    raise SystemExit(code)


if __name__ == "__main__":
    main()
