"""The parts contract, read from a program's source without running it (issue 12).

A program is *chunkable* when it has, at module level, ``PART_ROWS = <int literal > 0>`` and a
``def generate(rows, seed, part=None)``: ``generate(rows, seed, part=(k, n))`` then returns a
slice of every table's rows, depending only on (rows, n, k) (evenly, [rows[T]*k//n,
rows[T]*(k+1)//n), or following a parent's slices), and the whole dataset is the parts
k = 0..n-1 of n = ``parts_for(rows, PART_ROWS)`` in order. The host learns this with ``ast``
only: a program is never run to find out whether it may be run in parts.

    part_rows(source)        -> PART_ROWS, or None when the program is not chunkable
    not_chunkable(source)    -> None, or one line saying why it is not
    parts_for(rows, part_rows) -> n, the number of parts (depends on nothing but those two)
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass

NAME = "PART_ROWS"


@dataclass(frozen=True)
class Chunkability:
    """What the source says: ``part_rows`` when chunkable, else ``reason`` (one line)."""

    part_rows: int | None
    reason: str | None = None

    @property
    def chunkable(self) -> bool:
        return self.part_rows is not None


def inspect_program(source: str) -> Chunkability:
    """Whether ``source`` follows the parts contract, from its syntax tree alone."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return Chunkability(None, f"the program does not parse (line {exc.lineno}: {exc.msg})")
    values: list[ast.expr | None] = []
    generate: ast.FunctionDef | None = None
    for node in tree.body:
        if isinstance(node, ast.Assign):
            if any(_names(target, NAME) for target in node.targets):
                plain = len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                values.append(node.value if plain else None)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign) and _names(node.target, NAME):
            value = node.value if isinstance(node, ast.AnnAssign) else None
            values.append(value)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "generate":
            generate = node if isinstance(node, ast.FunctionDef) else None
        elif isinstance(node, ast.Import | ast.ImportFrom) and any(
            (alias.asname or alias.name) in (NAME, "generate") for alias in node.names
        ):
            return Chunkability(None, f"{NAME} or generate comes from an import, not the program")
    if not values:
        return Chunkability(None, f"the program has no module-level {NAME} = <int>")
    if len(values) > 1:
        return Chunkability(None, f"{NAME} is assigned more than once at module level")
    value = values[0]
    if not (
        isinstance(value, ast.Constant)
        and isinstance(value.value, int)
        and not isinstance(value.value, bool)
        and value.value > 0
    ):
        return Chunkability(None, f"{NAME} is not a plain integer literal > 0")
    if generate is None:
        return Chunkability(None, "the program defines no module-level def generate(...)")
    arguments = generate.args
    names = [a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs]
    if "part" not in names:
        return Chunkability(None, "generate() has no 'part' parameter")
    if not _has_default(arguments, "part"):
        return Chunkability(None, "generate()'s 'part' parameter has no default (part=None)")
    if _assigned_in_functions(tree, NAME):
        return Chunkability(None, f"{NAME} is reassigned inside a function (global {NAME})")
    return Chunkability(int(value.value))


def part_rows(source: str) -> int | None:
    """The program's PART_ROWS when it is chunkable, else None."""
    return inspect_program(source).part_rows


def not_chunkable(source: str) -> str | None:
    """None for a chunkable program; otherwise one line saying why it cannot be made in parts."""
    return inspect_program(source).reason


def parts_for(rows: Mapping[str, int], part_rows: int) -> int:
    """n = max(1, ceil(max(rows) / part_rows)): fixed by the row counts and PART_ROWS only."""
    if part_rows <= 0:
        raise ValueError(f"part rows must be > 0, got {part_rows}")
    largest = max(rows.values(), default=0)
    return max(1, -(-largest // part_rows))


def _names(target: ast.expr, name: str) -> bool:
    if isinstance(target, ast.Name):
        return target.id == name
    if isinstance(target, ast.Tuple | ast.List):
        return any(_names(element, name) for element in target.elts)
    if isinstance(target, ast.Starred):
        return _names(target.value, name)
    return False


def _has_default(arguments: ast.arguments, name: str) -> bool:
    positional = arguments.posonlyargs + arguments.args
    with_default = positional[len(positional) - len(arguments.defaults) :]
    if any(a.arg == name for a in with_default):
        return True
    return any(
        a.arg == name and d is not None
        for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)
    )


def _assigned_in_functions(tree: ast.Module, name: str) -> bool:
    return any(isinstance(node, ast.Global) and name in node.names for node in ast.walk(tree))
