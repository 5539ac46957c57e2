"""The ``sdgen`` command: parses arguments, calls the Python API, prints, maps errors to exit codes.

No Docker calls, SQL or prompt text live here; each command group is a small module that registers
itself on the app.
"""

from __future__ import annotations

import sys

import typer

from codegen import cli_model, cli_sandbox
from codegen.errors import SdgenError
from sandbox import SandboxError

app = typer.Typer(
    name="sdgen",
    help="Turn a dataset description into an audited, reusable generator program and its data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for _module in (cli_sandbox, cli_model):
    _module.register(app)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print the one-line error every sdgen failure ends with and return the exit to raise."""
    first_line = (message.strip().splitlines() or ["unknown error"])[0]
    print(f"error: {first_line}", file=sys.stderr)
    return typer.Exit(code)


def main() -> None:
    """Console-script entry point: our own errors become one ``error:`` line and exit 1."""
    try:
        app()
    except (SdgenError, SandboxError) as exc:
        raise SystemExit(fail(str(exc)).exit_code) from None
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
