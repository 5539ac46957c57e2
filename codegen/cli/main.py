"""The ``sdgen`` command: parses arguments, calls the Python API, prints, maps errors to exit codes.

No Docker calls, SQL or prompt text live here; each command group is a small module that registers
itself on the app.
"""

from __future__ import annotations

import signal
import sys

import typer
from typer.exceptions import Abort, Exit, TyperException

from codegen.cli import generate, model, probe, program, report, spec, text
from codegen.cli import sandbox as sandbox_commands
from codegen.errors import SdgenError
from sandbox import SandboxError

app = typer.Typer(
    name="sdgen",
    help="Turn a dataset description into an audited, reusable generator program and its data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for _module in (sandbox_commands, generate, model, probe, program, report, spec, text):
    _module.register(app)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print the one-line error every sdgen failure ends with and return the exit to raise."""
    lines = message.strip().splitlines() or ["unknown error"]
    # Several problems (a spec with many mistakes): all are shown, the error line comes last.
    for line in lines[1:]:
        print(f"  {line}", file=sys.stderr)
    more = f" (and {len(lines) - 1} more above)" if len(lines) > 1 else ""
    print(f"error: {lines[0]}{more}", file=sys.stderr)
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
    except Exit as stop:
        code = stop.exit_code
    except (Abort, KeyboardInterrupt):
        code = INTERRUPTED
    except (SdgenError, SandboxError) as exc:
        code = fail(str(exc)).exit_code
    except TyperException as exc:
        # Usage errors (typer's own click): the usage, then our error line.
        context = getattr(exc, "ctx", None)
        if context is not None:
            print(context.get_usage(), file=sys.stderr)
            print(f"Try '{context.command_path} --help' for help.", file=sys.stderr)
        code = fail(exc.format_message(), getattr(exc, "exit_code", 2)).exit_code
    code = code if isinstance(code, int) else 0
    if code == INTERRUPTED:  # typer turns KeyboardInterrupt into this exit code
        print("error: interrupted", file=sys.stderr)
    raise SystemExit(code)


if __name__ == "__main__":
    main()
