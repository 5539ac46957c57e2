"""Take the program (or the CSV) out of an LLM's markdown reply.

Python comes from fenced blocks (backticks or tildes, any fence length, CommonMark rules via
markdown-it, so fences inside list items and unclosed fences at the end of a cut reply work too):

- blocks tagged ``python``/``py``/``python3``/``ipython`` are taken;
- untagged blocks are taken when they are Python (they parse and contain a statement, or they
  start like Python), and skipped when they are shell (``pip install ...``, ``$ ...``) or output;
- blocks in any other language (bash, console, json, csv, text ...) are skipped;
- several Python blocks are one program, joined in their order;
- a reply with no fence at all is taken whole only if it parses as Python.

CSV comes from ``csv``-tagged fences, untagged fences holding CSV, or bare CSV lines with a header.
"""

from __future__ import annotations

import ast
import csv
import io
import re
import textwrap
from collections.abc import Iterator

from markdown_it import MarkdownIt

from codegen.errors import ExtractionError
from codegen.program.format import format_program

PYTHON_TAGS = frozenset({"python", "py", "python3", "py3", "ipython", "ipython3"})
CSV_TAGS = frozenset({"csv"})

# The first line of a shell snippet: a prompt, or a command a README would tell you to run.
_SHELL_LINE = re.compile(
    r"^(\$|>)\s*\S"
    r"|^(pip3?|python3?\s+-m\s+pip|conda|mamba|apt(-get)?|brew|sudo|npm|yarn|uv|poetry|pipx"
    r"|export|cd|mkdir|ls|curl|wget|git|docker|make|python3?\s+\S+\.py)\b"
)
# Lines that only Python starts with; used for untagged blocks that fail to parse (a cut reply).
_PYTHON_LINE = re.compile(
    r"^(import\s+\w|from\s+[\w.]+\s+import\b|def\s+\w+\s*\(|class\s+\w+|@\w|async\s+def\b"
    r"|if\s+__name__\s*==)"
)
# IPython lines (``!pip install faker``, ``%matplotlib inline``) that a notebook-trained model puts
# in Python blocks; they are not Python, and never part of what a generator needs.
_IPYTHON_MAGIC = re.compile(r"^[!%]")


def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark")


def _fences(reply: str) -> Iterator[tuple[str, str]]:
    """``(language tag, content)`` of each fenced block, in order; the tag lower-cased."""
    for token in _markdown().parse(reply):
        if token.type == "fence":
            words = token.info.strip().split()
            tag = words[0].strip("{}.").lower() if words else ""
            yield tag, token.content


def _parses(code: str) -> ast.Module | None:
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError):
        return None


def _is_code(module: ast.Module) -> bool:
    """True unless every statement is a bare name or constant (``ls``, ``pytest``, ``42``, prose
    fragments that happen to parse)."""
    return any(
        not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Name | ast.Constant))
        for node in module.body
    )


def _meaningful_lines(code: str) -> list[str]:
    return [line.strip() for line in code.splitlines() if line.strip()]


def _looks_like_shell(code: str) -> bool:
    lines = _meaningful_lines(code)
    return bool(lines) and _SHELL_LINE.match(lines[0]) is not None


def _untagged_is_python(code: str) -> bool:
    if _looks_like_shell(code):
        return False
    module = _parses(code)
    if module is not None:
        return _is_code(module)
    # It does not parse: take it only if it starts like Python, so the syntax error is reported
    # (and repaired) instead of a misleading "no Python code".
    return any(_PYTHON_LINE.match(line) for line in _meaningful_lines(code)[:5])


def _strip_ipython_magics(code: str) -> str:
    return "".join(
        line for line in code.splitlines(keepends=True) if not _IPYTHON_MAGIC.match(line)
    )


def python_blocks(reply: str) -> list[str]:
    """The Python code blocks of a reply, in order (empty when it has none)."""
    blocks = []
    for tag, content in _fences(reply):
        # A block indented as a whole (lines copied from inside a function) is still meant as
        # code; dedenting cannot change what a valid block means.
        code = textwrap.dedent(_strip_ipython_magics(content))
        if tag in PYTHON_TAGS or (tag == "" and _untagged_is_python(code)):
            if code.strip():
                blocks.append(code.strip("\n"))
    return blocks


def extract_code(reply: str) -> str:
    """The program in a reply, as written (not formatted, not checked)."""
    blocks = python_blocks(reply)
    if blocks:
        return "\n\n".join(blocks) + "\n"
    has_fence = any(True for _ in _fences(reply))
    if not has_fence:
        module = _parses(reply)
        if module is not None and _is_code(module):
            return reply.strip("\n") + "\n"
    raise ExtractionError("no Python code in the reply")


def extract_program(reply: str) -> str:
    """The program in a reply, black-formatted.

    Raises ``ExtractionError`` when there is no Python code, and
    ``codegen.program.format.ProgramSyntaxError`` (with the line) when it does not parse.
    """
    return format_program(extract_code(reply))


# --- CSV -----------------------------------------------------------------------------------------
def _rows(lines: list[str]) -> list[list[str]]:
    return list(csv.reader(io.StringIO("\n".join(lines))))


def _is_number(text: str) -> bool:
    try:
        float(text.replace("_", "x"))  # "1_000" is not how CSV writes numbers
    except ValueError:
        return False
    return True


def _has_header(rows: list[list[str]]) -> bool:
    """Does the first row name the columns? Votes per column, as ``csv.Sniffer.has_header`` does:
    a numeric column under a non-numeric cell, or same-length cells under a cell of another length,
    vote yes; a first cell that looks like the rest votes no. A numeric column counts twice (it is
    the strongest sign). Lengths only vote from two data rows on: with one, prose lines that happen
    to hold a comma would pass."""
    header, body = rows[0], rows[1:]
    cells = [c.strip() for c in header]
    if not body or any(not c for c in cells) or len(set(cells)) != len(cells):
        return False
    if all(_is_number(c) for c in cells):
        return False
    votes = 0
    for column, name in enumerate(cells):
        values = [row[column].strip() for row in body]
        filled = [v for v in values if v]
        if filled and all(_is_number(v) for v in filled):
            votes += 0 if _is_number(name) else 2
            continue
        lengths = {len(v) for v in values}
        if len(values) >= 2 and len(lengths) == 1:
            votes += -1 if len(name) in lengths else 1
    return votes > 0


def _csv_tables(text: str) -> list[str]:
    """Runs of two or more consecutive lines with the same field count (>= 2) and a header."""
    tables: list[str] = []
    run: list[str] = []
    width = 0

    def close() -> None:
        if len(run) >= 2 and _has_header(_rows(run)):
            tables.append("\n".join(run) + "\n")

    for line in text.splitlines():
        fields = _rows([line])[0] if line.strip() else []
        if len(fields) >= 2 and (not run or len(fields) == width):
            run.append(line.rstrip())
            width = len(fields)
            continue
        close()
        run, width = ([line.rstrip()], len(fields)) if len(fields) >= 2 else ([], 0)
    close()
    return tables


def extract_csv(reply: str) -> list[str]:
    """The CSV tables in a reply, one text per table, header first, in order."""
    tables: list[str] = []
    fences = list(_fences(reply))
    for tag, content in fences:
        if tag in CSV_TAGS and content.strip():
            tables.append(content.strip("\n") + "\n")
        elif tag == "":
            tables.extend(_csv_tables(content))
    if not fences:
        tables = _csv_tables(reply)
    if not tables:
        raise ExtractionError("no CSV in the reply")
    return tables
