"""The model's lines put into the blanks of a starting program (``program.scaffold``).

The blanks come recorded with the program (``program.starting.Scaffold``): their names, kinds and
lines. The model's reply is read, never run: value lists and numbers with ``ast.literal_eval``,
and expressions copied as code into the program, which is then audited and run in the sandbox like
any other.
"""

from __future__ import annotations

import ast
import re

from codegen.program.starting import BlankKind, Scaffold

_ASKED = (
    BlankKind.VALUES,
    BlankKind.PAIRS,
    BlankKind.CODE,
)  # the blanks a program cannot run without


def fill_blanks(
    scaffold: Scaffold, reply: str, *, numbers: bool = True, columns: bool = False
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
        reply_tree = ast.parse(reply)
    except SyntaxError:
        return None, [blank.name for blank in scaffold.blanks if blank.kind in _ASKED]
    scaffold_tree = _generate_function(ast.parse(scaffold.source))
    # Each blank is the statement at its recorded line, which assigns its name.
    placed = {(blank.lineno, blank.name): blank for blank in scaffold.blanks}
    defined = {node.targets[0].id for node in _assignments(scaffold_tree)}  # type: ignore[attr-defined]
    given: dict[str, ast.Assign] = {}
    helpers: dict[str, list[ast.Assign]] = {}
    waiting: list[ast.Assign] = []  # assignments to new names, until the blank that uses them
    for node in _assignments(reply_tree):
        node.value = untrailed(node.value)
        name = node.targets[0].id  # type: ignore[attr-defined]
        if name in defined:
            given[name] = node
            helpers[name], waiting = waiting, []
        else:
            waiting.append(node)
    lines = scaffold.source.splitlines()
    missing: list[str] = []
    found = 0
    for node in _assignments(scaffold_tree):
        name = node.targets[0].id  # type: ignore[attr-defined]
        indent = lines[node.lineno - 1][: node.col_offset]
        blank = placed.get((node.lineno, name))
        kind = None if blank is None else blank.kind
        found += blank is not None
        if kind is BlankKind.CODE:
            source = given.get(name)
            if source is None or _is_ellipsis(source.value):
                missing.append(name)
                continue
            new = [f"{indent}{ast.unparse(h)}" for h in helpers.get(name, [])]
            new.append(f"{indent}{name} = {ast.unparse(source.value)}")
        elif kind in (BlankKind.VALUES, BlankKind.PAIRS, BlankKind.NUMBER):
            if kind is BlankKind.NUMBER and not numbers:
                continue
            value = _literal(given.get(name))
            if not _usable(kind, value):
                made = _made_list(kind, given.get(name))
                if made is not None:  # run in the sandbox with the program, never here
                    lines[node.lineno - 1] = f"{indent}{name} = {made}"
                    for extra in range(node.lineno, node.end_lineno or node.lineno):
                        lines[extra] = ""
                elif kind is not BlankKind.NUMBER:
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
    if found != len(scaffold.blanks):
        raise ValueError("a blank is not where the starting program recorded it")
    if missing:
        return None, missing
    from codegen.program.format import format_program

    return format_program("\n".join(lines) + "\n"), []


# A column's note as the starting program writes it above the column's lines ("total_eur:
# float; at least 0.0; ..."): a small model copies it into its reply without the "#".
_NOTE = re.compile(r"^\s*[A-Za-z_]\w*: (integer|float|string|boolean|date|datetime)(;|$)")


def notes_commented(reply: str) -> str:
    """``reply`` with each line that is a column's note (``_NOTE``) made a comment again: the
    embedded model wrote rentals' "returned_at: datetime; after picked_up_at, ..." before its
    lines, and the reply did not parse, three attempts running."""
    return "".join(
        f"# {line.lstrip()}" if _NOTE.match(line) else line
        for line in reply.splitlines(keepends=True)
    )


CLOSE_TRIES = 200  # the last whole values a cut reply is tried back to, at most


def closed_list(reply: str) -> str | None:
    """A reply cut off by the token limit inside a list of values (a small model going on with
    film titles, "The Hobbit: The Battle of the Five Armies 7", until its tokens ran out), cut
    back to its last whole value and the list closed; None where no such cut parses. What
    follows the list in a whole reply is lost with it: the blanks it leaves are asked again."""
    from codegen.errors import ExtractionError, ProgramSyntaxError
    from codegen.program.extract import extract_program

    ends = [m.start() for m in re.finditer(r"""["'][ \t]*,""", reply)]
    for end in reversed(ends[-CLOSE_TRIES:]):
        candidate = reply[: end + 1] + "]\n"
        try:
            extract_program(candidate)
        except (ExtractionError, ProgramSyntaxError):
            continue
        return candidate
    return None


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


def untrailed(value: ast.expr) -> ast.expr:
    """A value with the trailing comma a small model puts after a line taken away: written
    ``name_values = ["Lyon", "Nice"],`` (as in a dict), it is a tuple holding the list. No
    blank's value is a tuple of one."""
    if isinstance(value, ast.Tuple) and len(value.elts) == 1:
        return value.elts[0]
    return value


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


def _made_list(kind: BlankKind, node: ast.Assign | None) -> str | None:
    """A value list the model wrote as a comprehension (``["REF-" + str(i) for i in range(1,
    40)]``), as code: small models often do, and failing the whole attempt for it lost bank
    three times over. It is not evaluated here; it goes into the program, which is audited,
    run in the sandbox and checked like any other, values and all."""
    if kind is not BlankKind.VALUES or node is None or not isinstance(node.value, ast.ListComp):
        return None
    return ast.unparse(node.value)


def _usable(kind: BlankKind, value: object) -> bool:
    def scalar(v: object) -> bool:
        return isinstance(v, str | int | float) and not isinstance(v, bool)

    if kind is BlankKind.VALUES:
        return isinstance(value, list) and len(value) > 0 and all(scalar(v) for v in value)
    if kind is BlankKind.PAIRS:  # tuples (or lists) of two values each
        return (
            isinstance(value, list)
            and len(value) > 0
            and all(isinstance(v, tuple | list) and len(v) == 2 for v in value)
            and all(scalar(x) for v in value for x in v)  # type: ignore[union-attr]
        )
    return isinstance(value, int | float) and not isinstance(value, bool)
