"""The blanks of a starting program (``program.scaffold``): which lines the model fills in, and
the program with the model's lines put in.

The model's reply is read, never run: value lists and numbers with ``ast.literal_eval``, and
expressions copied as code into the program, which is then audited and run in the sandbox like any
other.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

PARAMETER_SUFFIXES = ("_values", "_base", "_slope", "_noise", "_mean", "_sd", "_low", "_high")
PARAMETER_SUFFIXES += ("_share_true",)


@dataclass(frozen=True)
class Blank:
    """A line of the starting program that the model fills in or may tune.

    ``kind``: ``values`` (a ``[...]`` list of realistic values), ``code`` (a ``...`` expression
    for a column that needs judgement), ``number`` (a default that keeps the rules true) or
    ``column`` (a written column line under a check that only the model can meet)."""

    name: str
    kind: str
    line: str  # as the starting program writes it, e.g. ``city_values = [...]``
    note: str = ""  # the comment above it: ``# city: string; unique ...``


def blanks(scaffold: str) -> list[Blank]:
    """The lines of ``scaffold`` for the model, in program order."""
    found = []
    source = scaffold.splitlines()
    for node in _assignments(_generate_function(ast.parse(scaffold))):
        name, value = node.targets[0].id, node.value  # type: ignore[attr-defined]
        note = _note(source, node.lineno)
        if _is_ellipsis(value):
            kind = "code"
        elif name.endswith(PARAMETER_SUFFIXES):
            kind = "values" if "..." in ast.unparse(value) else "number"
        elif "; must hold" in note:  # a column line that a check on it alone may need rewritten
            kind = "column"
        else:
            continue
        line = f"{name} = {ast.unparse(value)}"
        found.append(Blank(name, kind, line, note))
    return found


def _note(source: list[str], line: int) -> str:
    """The column's comment above a blank: the nearest one, over the column's other blanks."""
    for text in reversed(source[: line - 1]):
        stripped = text.strip()
        if stripped.startswith("# "):
            return stripped
        if not stripped.split("=")[0].strip().endswith(PARAMETER_SUFFIXES):
            return ""
    return ""


def fill_blanks(
    scaffold: str, reply: str, *, numbers: bool = True, columns: bool = False
) -> tuple[str | None, list[str]]:
    """The starting program with the model's lines put in, and the blanks it left unfilled.

    ``reply`` is either just the lines (``city_values = ["Lyon", ...]``, ``shipped_at = ...``) or
    a whole program, from which only these assignments are taken: the rest of the starting program
    is right by construction and stays. Value lists and numbers are read as literals with
    ``ast.literal_eval`` (never run); a code blank takes the model's expression, with any helper
    variables it assigned just before it. ``numbers=False`` keeps the default numbers, for when
    the model's own break a rule. ``columns=True`` also takes the reply's own line for a column
    the starting program wrote (a check of a shape no formula here covers, ``items <> 7``, is
    the model's to meet). The program is None when a value list or code blank is unfilled.
    """
    try:
        scaffold_tree, reply_tree = ast.parse(scaffold), ast.parse(reply)
    except SyntaxError:
        return None, [b.name for b in blanks(scaffold) if b.kind in ("values", "code")]
    scaffold_tree = _generate_function(scaffold_tree)
    defined = {node.targets[0].id for node in _assignments(scaffold_tree)}  # type: ignore[attr-defined]
    given: dict[str, ast.Assign] = {}
    helpers: dict[str, list[ast.Assign]] = {}
    waiting: list[ast.Assign] = []  # assignments to new names, until the blank that uses them
    for node in _assignments(reply_tree):
        name = node.targets[0].id  # type: ignore[attr-defined]
        if name in defined:
            given[name] = node
            helpers[name], waiting = waiting, []
        else:
            waiting.append(node)
    lines = scaffold.splitlines()
    missing: list[str] = []
    for node in _assignments(scaffold_tree):
        name = node.targets[0].id  # type: ignore[attr-defined]
        indent = lines[node.lineno - 1][: node.col_offset]
        if _is_ellipsis(node.value):
            source = given.get(name)
            if source is None or _is_ellipsis(source.value):
                missing.append(name)
                continue
            new = [f"{indent}{ast.unparse(h)}" for h in helpers.get(name, [])]
            new.append(f"{indent}{name} = {ast.unparse(source.value)}")
        elif name.endswith(PARAMETER_SUFFIXES):
            blank = "..." in ast.unparse(node.value)
            value = _literal(given.get(name))
            if not blank and not numbers:
                continue
            if not _usable(name, value):
                if blank:
                    missing.append(name)
                continue
            new = [f"{indent}{name} = {value!r}"]
        elif columns and name in given and ast.dump(given[name].value) != ast.dump(node.value):
            new = [f"{indent}{ast.unparse(h)}" for h in helpers.get(name, [])]
            new.append(f"{indent}{name} = {ast.unparse(given[name].value)}")
        else:
            continue
        lines[node.lineno - 1] = "\n".join(new)
        for extra in range(node.lineno, node.end_lineno or node.lineno):
            lines[extra] = ""
    if missing:
        return None, missing
    from codegen.program.format import format_program

    return format_program("\n".join(lines) + "\n"), []


def _generate_function(tree: ast.Module) -> ast.AST:
    """The starting program's ``generate``: helpers above it hold no blanks."""
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "generate"]
    return functions[0] if functions else tree


def _assignments(tree: ast.AST) -> list[ast.Assign]:
    """``name = value`` statements in source order, at any depth (a reply may be a program)."""
    found = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
    ]
    return sorted(found, key=lambda node: (node.lineno, node.col_offset))


def _is_ellipsis(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is Ellipsis


def _literal(node: ast.Assign | None) -> object:
    if node is None:
        return None
    try:
        value = ast.literal_eval(node.value)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    if isinstance(value, list | tuple):  # "[\"Lyon\", \"Nice\", ...]": the values given count
        value = [item for item in value if item is not Ellipsis]
    return value


def _usable(name: str, value: object) -> bool:
    if name.endswith("_values"):
        return (
            isinstance(value, list)
            and len(value) > 0
            and all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in value)
        )
    return isinstance(value, int | float) and not isinstance(value, bool)
