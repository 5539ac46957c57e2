"""Black-format a program; a program that does not parse is reported with its line.

Programs run under the sandbox image's Python 3.11, so they are parsed and formatted for 3.11,
whatever Python the host runs.
"""

from __future__ import annotations

import ast

import black

from codegen.errors import ProgramSyntaxError

LINE_LENGTH = 100
TARGET_PYTHON = (3, 11)


def check_syntax(code: str) -> ast.Module:
    """Parse ``code`` as Python 3.11, raising ``ProgramSyntaxError`` with the line on failure."""
    try:
        return ast.parse(code, feature_version=TARGET_PYTHON)
    except SyntaxError as exc:
        lines = code.splitlines()
        line = exc.lineno
        source_line = lines[line - 1] if line and 0 < line <= len(lines) else (exc.text or "")
        raise ProgramSyntaxError(
            line=line, column=exc.offset, detail=exc.msg, source_line=source_line
        ) from None
    except ValueError as exc:  # e.g. a NUL byte in the source
        raise ProgramSyntaxError(line=None, column=None, detail=str(exc), source_line="") from None


def format_program(code: str) -> str:
    """The program, black-formatted (line length 100, Python 3.11)."""
    check_syntax(code)
    mode = black.Mode(line_length=LINE_LENGTH, target_versions={black.TargetVersion.PY311})
    try:
        return black.format_str(code, mode=mode)
    except black.InvalidInput:
        # Python accepted it but black's own parser did not (rare corner cases): the program is
        # still valid, so run it as written rather than fail on a cosmetic step.
        return code if code.endswith("\n") else code + "\n"
