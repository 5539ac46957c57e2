"""The enforce step of a starting program: after a table's columns are drawn, the rows where a
check the columns do not meet by construction is false are drawn again.

Each such check is evaluated once over the whole table (compiled by ``codegen.program.sqlcode``,
with SQL's nulls: a row fails only where the check is false). Then, for a bounded number of rounds,
the failing rows of the columns the check reads are drawn again with the same expressions that drew
them (``rng`` draws for just those rows, their inputs taken at those rows), the columns drawn last
first: early rounds redraw only the last-drawn column, later rounds earlier ones too, so a
condition on ``amount`` given ``kind`` first changes the amount and only then the kind. Columns
computed from a redrawn one are computed again on those rows. After each round only the rows
that changed are evaluated again, so a round costs what it redraws. The loop stops when every
check is false on no more rows than its ``min_fraction`` allows; a check still false on more
after the last round stops the program with a ValueError that names it and the share of rows
where it holds.

Keys are never redrawn (a unique column would lose its uniqueness), nor a column the model writes
(its code is not known here): a check that reads one is left to the model.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

ROUNDS = 60
STUCK_ROWS = 1000  # a round that mends none of this many rows ends the step


@dataclass(frozen=True)
class Enforced:
    """A check to enforce: its text, its compiled condition, the share of rows it must hold on,
    and the columns to redraw when it is false, the one drawn last first."""

    text: str
    condition: str
    min_fraction: float
    redraw: tuple[str, ...]


def reads_of(expression: str, variables: dict[str, str]) -> set[str]:
    """The columns (by name) whose variables a Python expression reads."""
    if expression.strip() == "...":
        return set()
    by_variable = {v: c for c, v in variables.items()}
    tree = ast.parse(expression, mode="eval")
    return {
        by_variable[n.id] for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in by_variable
    }


def is_random(expression: str) -> bool:
    """Whether an expression draws from ``rng`` (else it is computed from other columns)."""
    tree = ast.parse(expression, mode="eval")
    return any(isinstance(n, ast.Name) and n.id == "rng" for n in ast.walk(tree))


def at_rows(expression: str, count: str, variables: set[str], rows: str, size: str) -> str:
    """``expression`` evaluated for the rows of the mask ``rows`` only: the row count becomes
    ``size`` and each column variable it reads is taken at those rows."""
    tree = ast.parse(expression, mode="eval")

    class _AtRows(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            if node.id == count:
                return ast.copy_location(ast.Name(size, ast.Load()), node)
            if node.id in variables:
                call = ast.Call(
                    ast.Name("sql_take", ast.Load()), [node, ast.Name(rows, ast.Load())], []
                )
                return ast.copy_location(call, node)
            return node

    return ast.unparse(ast.fix_missing_locations(_AtRows().visit(tree)))


def enforce_lines(
    checks: list[Enforced],
    order: list[str],
    written: dict[str, str],
    variables: dict[str, str],
    count: str,
    prefix: str,
) -> list[str]:
    """The program lines (indented for ``generate``) that enforce ``checks``.

    ``order`` is the order the columns were drawn in, ``written`` each column's expression as
    written, ``variables`` each column's variable; ``prefix`` keeps the step's own names apart
    from the table's columns. Rows are handled as row numbers, so a round costs what it redraws,
    not the table's length."""
    if not checks:
        return []
    column_variables = set(variables.values())
    false = [f"{prefix}_false_{i + 1}" for i in range(len(checks))]
    attempt, changed, size = f"{prefix}_round", f"{prefix}_changed", f"{prefix}_k"
    # When each column joins the redraws of each check: the last drawn at once, earlier ones
    # after a share of the rounds.
    start: dict[str, dict[int, int]] = {}
    for index, check in enumerate(checks):
        for position, column in enumerate(check.redraw):
            start.setdefault(column, {})[index] = position * ROUNDS // (len(check.redraw) + 1)
    # The columns redrawn, and those computed from them, in drawing order.
    redo: dict[str, str] = {name: f"{prefix}_redo_{i}" for i, name in enumerate(order)}
    involved: list[str] = []
    for name in order:
        parents = [p for p in involved if p in reads_of(written[name], variables)]
        if name in start or parents:
            involved.append(name)
    lines = [
        "    # Checks the lines above do not meet by construction: the rows where one is false",
        "    # are drawn again, its columns drawn last first, for at most " f"{ROUNDS} rounds.",
    ]
    lines += [f"    {variables[name]} = sql_own({variables[name]})" for name in involved]
    for index, check in enumerate(checks):
        lines.append(f"    # {check.text}")
        lines.append(f"    {false[index]} = np.flatnonzero(sql_false({check.condition}, {count}))")
    allowed = [_allowed(check.min_fraction, count) for check in checks]
    done = " and ".join(f"len({f}) <= {a}" for f, a in zip(false, allowed, strict=True))
    total = " + ".join(f"len({f})" for f in false)
    # Once every column takes part, a round that mends none of a thousand rows or more is the
    # last: the check is out of reach as the columns are drawn, and the program says so at once
    # rather than after every round over a large table.
    final = max(begin for joins in start.values() for begin in joins.values())
    before = f"{prefix}_before"
    stuck = f"{attempt} > {final} and {before} <= {total}"
    done_rounds = f"{prefix}_rounds"
    lines += [
        f"    {before} = {total} + 1",
        f"    {done_rounds} = 0",
        f"    for {attempt} in range({ROUNDS}):",
        f"        if {done} or ({stuck} and {total} >= {STUCK_ROWS}):",
        "            break",
        f"        {before} = {total}",
    ]
    for name in involved:
        parts = []
        for index, begin in start.get(name, {}).items():
            parts.append(
                false[index] if begin == 0 else f"{false[index]} if {attempt} >= {begin} else None"
            )
        parts += [redo[p] for p in involved if p in reads_of(written[name], variables)]
        variable = variables[name]
        fresh = at_rows(written[name], count, column_variables - {variable}, redo[name], size)
        lines += [
            f"        {redo[name]} = sql_rows({count}, {', '.join(parts)})",
            f"        {size} = len({redo[name]})",
            f"        {variable} = sql_put({variable}, {redo[name]}, {fresh})",
        ]
    everything = ", ".join(redo[name] for name in involved)
    lines.append(f"        {changed} = sql_rows({count}, {everything})")
    lines.append(f"        {size} = len({changed})")
    for index, check in enumerate(checks):
        again = at_rows(check.condition, count, column_variables, changed, size)
        lines.append(
            f"        {false[index]} = sql_recheck({false[index]}, {changed}, "
            f"sql_false({again}, {size}), {count})"
        )
    lines.append(f"        {done_rounds} = {attempt} + 1")
    for index, check in enumerate(checks):
        lines.append(
            f"    sql_unmet({false[index]}, {allowed[index]}, {check.text!r}, {done_rounds}, "
            f"{count})"
        )
    return lines


def _allowed(min_fraction: float, count: str) -> str:
    """How many rows a check may be false on, as the validator counts them."""
    if min_fraction >= 1:
        return "0"
    return f"int({count} * {1 - min_fraction!r} + 1e-9)"
