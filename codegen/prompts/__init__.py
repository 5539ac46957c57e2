"""Render the prompt templates in ``codegen/prompts/templates/`` into chat messages.

The words live in the templates (markdown, ``string.Template`` placeholders such as ``$dataset``);
this module only fills them from plain inputs. The one place that turns a spec into prose is
``describe_spec``; it takes a ``codegen.spec.Spec`` (anything with ``model_dump``), the same data
as a mapping, or the spec's YAML text.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib import resources
from string import Template
from typing import TYPE_CHECKING, Any

import yaml

from codegen.errors import PromptError
from codegen.program.audit import SANDBOX_MODULES

if TYPE_CHECKING:  # only types: rendering prompts needs no HTTP client
    from codegen.llm.client import ChatMessage
    from codegen.program.starting import Scaffold

# How the libraries are listed to the model: the ones it should reach for first, first.
_LIBRARY_ORDER = ("numpy", "pandas", "faker", "scipy", "dateutil", "pytz", "pyarrow")
MAX_MESSAGE_LINES = 40  # of error text quoted in a repair prompt
EXCERPT_CONTEXT = 6  # program lines quoted on each side of a failing line


# --- templates -----------------------------------------------------------------------------------
@cache
def template_text(name: str) -> str:
    """The text of ``codegen/prompts/<name>``."""
    try:
        return (resources.files("codegen.prompts") / "templates" / name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PromptError(f"prompt template {name!r} not found in codegen/prompts/") from None


def render(name: str, **values: object) -> str:
    """Fill a template; every placeholder must be given."""
    try:
        return Template(template_text(name)).substitute({k: str(v) for k, v in values.items()})
    except KeyError as exc:
        raise PromptError(f"prompt template {name!r} needs a value for {exc.args[0]}") from None


@cache
def _keyed_lines(name: str) -> dict[str, str]:
    """A template of "- `key`: text" lines, as a dict."""
    pattern = re.compile(r"^- `(\w+)`: (.+)$")
    return {m[1]: m[2].strip() for m in map(pattern.match, template_text(name).splitlines()) if m}


def repair_reasons() -> dict[str, str]:
    """Kind of failure -> the sentence that opens its repair prompt."""
    return _keyed_lines("repair_reasons.md")


ASK_KINDS = ("program", "blanks")  # what a spec prompt asks the model to reply with


def library_list(available: Iterable[str] = SANDBOX_MODULES) -> str:
    names = set(available) - {"six", "tzdata"}  # present as dependencies, not for programs
    ordered = [n for n in _LIBRARY_ORDER if n in names] + sorted(names - set(_LIBRARY_ORDER))
    return ", ".join(ordered)


# --- a spec in words -----------------------------------------------------------------------------
def _as_mapping(spec: object) -> Mapping[str, Any]:
    if isinstance(spec, str):
        loaded = yaml.safe_load(spec)
        if not isinstance(loaded, Mapping):
            raise PromptError("the spec text is not a YAML mapping")
        return loaded
    if isinstance(spec, Mapping):
        return spec
    if hasattr(spec, "model_dump"):
        return spec.model_dump(mode="json", exclude_none=True)
    raise PromptError(f"cannot describe a spec of type {type(spec).__name__}")


def _code(name: object) -> str:
    return f"`{name}`"


def _column_phrase(name: str, column: Mapping[str, Any], key: Sequence[str] = ()) -> str:
    parts = [str(column.get("type", "any type"))]
    if column.get("primary_key") and len(key) > 1:
        together = ", ".join(_code(k) for k in key)
        parts.append(f"part of the primary key ({together}: no combination twice, never null)")
    elif column.get("primary_key"):
        parts.append("primary key (unique, never null)")
    elif column.get("unique"):
        parts.append("unique")
    low, high = column.get("min"), column.get("max")
    if low is not None and high is not None:
        parts.append(f"from {low} to {high}")
    elif low is not None:
        parts.append(f"at least {low}")
    elif high is not None:
        parts.append(f"at most {high}")
    if column.get("values") is not None:
        parts.append("one of: " + ", ".join(str(v) for v in column["values"]))
    if column.get("typical") is not None:
        spread = column.get("typical_range")
        most = f", most between {spread[0]} and {spread[1]}" if spread else ""
        parts.append(f"typically {column['typical']}{most} (draw around it, not evenly)")
    for category, values in (column.get("typical_by") or {}).items():
        each = ", ".join(f"{k}: {v}" for k, v in values.items())
        parts.append(f"typically, by {_code(category)}: {each}")
    follows = column.get("of_parent")
    if follows is not None:
        via, other = follows["column"].split(".", 1)
        if follows["relation"] == "same":
            parts.append(f"mostly the {_code(other)} of the row {_code(via)} points at")
        elif follows["relation"] == "times":
            parts.append(
                f"typically {follows['times']} times the {_code(other)} of the row "
                f"{_code(via)} points at"
            )
        elif follows["relation"] == "each":
            parts.append(
                f"the {_code(other)} of the row {_code(via)} points at, times "
                f"{_code(follows['per'])} (its price for each unit)"
            )
        else:
            share = f", typically {follows['share']:.0%} of it" if follows.get("share") else ""
            parts.append(f"at most the {_code(other)} of the row {_code(via)} points at{share}")
    if column.get("zero_share") is not None:
        parts.append(f"exactly 0 on about {column['zero_share']:.0%} of rows")
    if column.get("null_share") is not None:
        parts.append(f"null on about {column['null_share']:.0%} of rows")
    if column.get("pattern"):
        parts.append(f"matches the regular expression `{column['pattern']}` in full")
    if column.get("references"):
        ref = column["references"]
        parts.append(f"foreign key: every value is an existing {_code(ref)}")
    if column.get("nullable"):
        parts.append("may be null (leave some values missing)")
    line = f"- {_code(name)}: " + "; ".join(parts)
    if column.get("description"):
        line += f". {column['description']}"
    return line


def describe_rule(rule: Mapping[str, Any] | object) -> str:
    """A rule in words, e.g. ``house_price rises with house_size_m2 (Spearman rho >= 0.3)``."""
    data = rule if isinstance(rule, Mapping) else _as_mapping(rule)
    why = f"; {data['description']}" if data.get("description") else ""
    for kind, verb in (("increasing", "rises"), ("decreasing", "falls")):
        if kind in data:
            x, y = data[kind]
            rho = data.get("min_rho", 0.3)
            sign = "" if kind == "increasing" else "-"
            return (
                f"{_code(y)} {verb} as {_code(x)} rises (Spearman rank correlation "
                f"{'at least' if kind == 'increasing' else 'at most'} {sign}{rho}){why}"
            )
    if "check" in data:
        fraction = float(data.get("min_fraction", 1.0))
        where = "every row" if fraction >= 1 else f"at least {fraction:.0%} of rows"
        return f"on {where}, this SQL condition is true: `{data['check']}`{why}"
    return json.dumps(data, default=str)


def generation_order(tables: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Referenced tables before the tables referencing them; ties keep the spec's order."""
    needs: dict[str, set[str]] = {name: set() for name in tables}
    for name, table in tables.items():
        for column in (table.get("columns") or {}).values():
            parent = str(column.get("references") or "").partition(".")[0]
            if parent and parent != name and parent in needs:
                needs[name].add(parent)
    order: list[str] = []
    while len(order) < len(needs):
        ready = [t for t in needs if t not in order and needs[t] <= set(order)]
        order.append((ready or [t for t in needs if t not in order])[0])  # a cycle: spec order
    return order


def describe_spec(spec: object) -> str:
    """The dataset in words: tables with row counts, columns with types and constraints, keys,
    and rules. The one function to adapt when the spec grows."""
    data = _as_mapping(spec)
    lines = [f"Dataset {_code(data.get('name', 'dataset'))}" + _sentence(data.get("description"))]
    for table_name, table in (data.get("tables") or {}).items():
        lines.append("")
        rows = table.get("rows")
        counted = f" ({rows} rows by default; use rows[{table_name!r}])" if rows is not None else ""
        lines.append(f"Table {_code(table_name)}{counted}" + _sentence(table.get("description")))
        columns = table.get("columns") or {}
        key = [name for name, column in columns.items() if column.get("primary_key")]
        for column_name, column in columns.items():
            lines.append(_column_phrase(column_name, column, key))
        rules = table.get("rules") or []
        if rules:
            lines.append("Rules:")
            lines.extend(f"- {describe_rule(rule)}" for rule in rules)
    return "\n".join(lines)


def _sentence(text: object) -> str:
    return f": {str(text).strip()}" if text else ""


# --- messages ------------------------------------------------------------------------------------
def system_message(available: Iterable[str] = SANDBOX_MODULES) -> ChatMessage:
    return {"role": "system", "content": render("system.md", libraries=library_list(available))}


def spec_messages(
    spec: object, *, ask: str = "program", available: Iterable[str] = SANDBOX_MODULES
) -> list[ChatMessage]:
    """System and user messages asking for the generator program of a spec: the whole program
    (``ask="program"``), or only the lines of the starting program's blanks (``"blanks"``: a few
    hundred tokens instead of thousands, which a small local model writes faster and right)."""
    if ask not in ASK_KINDS:
        raise PromptError(f"ask must be one of {', '.join(ASK_KINDS)}, not {ask!r}")
    data = _as_mapping(spec)
    scaffold = _scaffold(spec)
    lines = _blank_lines(scaffold) if ask == "blanks" else []
    if lines:
        # The starting program's comments carry every column's constraints and the rules: only
        # the dataset's own line is added, and helpers are shown without their bodies, which
        # keeps the prompt short for a CPU model.
        user = render(
            "spec_blanks.md",
            dataset=describe_spec(data).splitlines()[0],
            scaffold=_outline(_without_helper_bodies(scaffold.source), scaffold.names),
            blank_lines="\n".join(lines),
        )
        system: ChatMessage = {"role": "system", "content": render("system_blanks.md")}
        return [system, {"role": "user", "content": user}]
    # The whole program; also when the starting program has nothing to fill in.
    order = generation_order(data.get("tables") or {})
    user = render(
        "spec.md",
        dataset=describe_spec(data),
        order=", ".join(_code(t) for t in order),
        table_keys=", ".join(repr(t) for t in order),
        scaffold=scaffold.source,
    )
    return [system_message(available), {"role": "user", "content": user}]


def _blank_lines(scaffold: Scaffold) -> list[str]:
    """The lines the model fills in, each column's comment once above its lines."""
    lines: list[str] = []
    for blank in scaffold.blanks:
        if blank.note and blank.note not in lines:
            lines.append(blank.note)
        lines.append(blank.line)
    return lines


# A written-out statement of `generate` longer than this is left out of the blanks prompt.
OUTLINE_LINE_CHARS = 100


def _outline(program: str, blank_names: frozenset[str]) -> str:
    """The program as the blanks prompt shows it. In ``generate``: every comment (each column's
    constraints and checks), the blank lines, and the written-out statements of one short line
    that use no helper (``fee_eur = minutes * 2.5`` tells the model how columns relate). Left
    out: the helper functions and the longer mechanical code (drawing patterns, enforcing
    checks). A 1.5B model on a CPU reads ~60 tokens/s in an 8k context; the bank example's
    whole program was over 11k tokens."""
    import ast

    tree = ast.parse(program)
    helpers = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)} - {"generate"}
    generate = next(
        (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "generate"), None
    )
    if generate is None:
        return program
    lines = program.splitlines()
    dropped: set[int] = set()  # 0-based line indexes
    hidden: set[int] = set()  # dropped with no mark: the parts machinery (scale, not realism)
    replaced: dict[int, str] = {}

    def hide(node: ast.stmt, comments: bool = True) -> None:
        start = node.lineno - 1
        while comments and start > 0 and lines[start - 1].strip().startswith("#"):
            start -= 1  # its comment too
        hidden.update(range(start, node.end_lineno or node.lineno))

    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in helpers:
            dropped.update(range(node.lineno - 1 - len(node.decorator_list), node.end_lineno or 0))
        elif isinstance(node, ast.Assign) and _assigns(node, {"PART_ROWS", "PARENTS"}):
            hide(node)
    for node in generate.body:
        start, end = node.lineno - 1, node.end_lineno or node.lineno
        if _parts_machinery(node):
            table = _table_part(node)
            hide(node, comments=table is None)  # a table's own comment says what it holds
            if table is not None:  # what the model needs of it: the table's row count
                replaced[start] = f'    {table[1]} = rows["{table[0]}"]'
            continue
        names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        is_blank = isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id in blank_names for t in node.targets
        )
        plain = end - start == 1 and len(lines[start]) <= OUTLINE_LINE_CHARS
        plain = plain and not names & helpers and not any("_check_" in n for n in names)
        if not (is_blank or plain or isinstance(node, ast.Return)):
            dropped.update(range(start, end))
    kept: list[str] = []
    for index, line in enumerate(lines):
        if index in replaced:
            kept.append(replaced[index])
        elif index in hidden:
            continue
        elif index not in dropped:
            kept.append(line)
        elif generate.lineno - 1 < index and kept and not kept[-1].endswith(WRITTEN_OUT):
            kept.append(line[: len(line) - len(line.lstrip())] + WRITTEN_OUT)
    return re.sub(r"\n{3,}", "\n\n\n", "\n".join(kept)) + "\n"


def _assigns(node: Any, names: set[str]) -> bool:
    return any(isinstance(t, ast.Name) and t.id in names for t in node.targets)


def _parts_machinery(node: Any) -> bool:
    """A statement of the starting program that makes it in parts: its docstring, the whole run
    as parts (``if part is None``), which tables are whole, each table's part."""
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return True  # the docstring
    if isinstance(node, ast.If) and "part" in {
        n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)
    }:
        return True
    if isinstance(node, ast.Assign) and _assigns(node, {"whole"}):
        return True
    return _table_part(node) is not None


def _table_part(node: Any) -> tuple[str, str] | None:
    """(table, its row count's variable) of ``rng, first_x, n_x, slot_x = shape_table(...)``."""
    if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
        return None
    call, target = node.value, node.targets[0]
    if not (isinstance(call.func, ast.Name) and call.func.id == "shape_table"):
        return None
    table = call.args[3] if len(call.args) > 3 else None
    if not (isinstance(table, ast.Constant) and isinstance(target, ast.Tuple)):
        return None
    count = target.elts[2] if len(target.elts) > 2 else None
    return (table.value, count.id) if isinstance(count, ast.Name) else None


WRITTEN_OUT = "# (written out in the program)"


def _without_helper_bodies(program: str) -> str:
    """The program with each module-level helper function cut to its signature and docstring:
    the model fills in ``generate`` and only needs to know what a helper does."""
    import ast

    tree = ast.parse(program)
    lines = program.splitlines()
    for node in reversed(tree.body):
        if isinstance(node, ast.FunctionDef) and node.name != "generate" and node.body:
            first = node.body[0]
            keep = first.end_lineno if ast.get_docstring(node) else node.lineno
            indent = " " * (node.col_offset + 4)
            lines[keep : node.end_lineno] = [f"{indent}...  # written out in the program"]
    return "\n".join(lines) + "\n"


def _scaffold(spec: object) -> Scaffold:
    """The starting program (program.scaffold) for a spec model; dicts and YAML text are parsed."""
    from codegen.program.scaffold import build_scaffold
    from codegen.spec.model import Spec, load_spec, parse_spec

    if not isinstance(spec, Spec):
        spec = load_spec(spec) if isinstance(spec, str) else parse_spec(_as_mapping(spec))
    return build_scaffold(spec)


def csv_messages(spec: object) -> list[ChatMessage]:
    """Messages for the direct CSV route (a request in words is drafted into a spec first)."""
    system: ChatMessage = {"role": "system", "content": render("csv_system.md")}
    data = _as_mapping(spec)
    order = generation_order(data.get("tables") or {})
    user = render("csv.md", dataset=describe_spec(data), order=", ".join(_code(t) for t in order))
    return [system, {"role": "user", "content": user}]


def program_excerpt(program: str, line: int, context: int = EXCERPT_CONTEXT) -> str:
    """Numbered program lines around ``line`` (1-based), the failing one marked with ``>``."""
    lines = program.splitlines()
    first, last = max(1, line - context), min(len(lines), line + context)
    width = len(str(last))
    return "\n".join(
        f"{'>' if number == line else ' '} {number:>{width}} | {lines[number - 1]}"
        for number in range(first, last + 1)
    )


def _clip_messages(messages: str | Sequence[str]) -> str:
    """Error text for the prompt: a traceback keeps its end, a list of checks its start."""
    if isinstance(messages, str):
        lines = messages.strip().splitlines()
        if len(lines) > MAX_MESSAGE_LINES:
            lines = ["..."] + lines[-MAX_MESSAGE_LINES:]
        return "\n".join(lines)
    items = [str(m).strip() for m in messages]
    shown = items[:MAX_MESSAGE_LINES]
    if len(items) > len(shown):
        shown.append(f"... and {len(items) - len(shown)} more")
    return "\n".join(f"- {m}" for m in shown)


def repair_prompt(
    kind: str,
    messages: str | Sequence[str],
    *,
    program: str | None = None,
    line: int | None = None,
    ask: str = "program",
) -> str:
    """The repair request: why it failed (``kind``, see ``repair_reasons``), the exact error or
    check messages, the failing part of the program when a line is known, and what to reply with
    (``ask``: the whole program, or only the lines of the blanks)."""
    reasons = repair_reasons()
    endings = _keyed_lines("repair_reply.md")
    if ask not in endings:
        raise PromptError(f"no repair ending for ask={ask!r}; known: {', '.join(endings)}")
    if kind not in reasons:
        raise PromptError(f"no repair reason for {kind!r}; known: {', '.join(sorted(reasons))}")
    excerpt = ""
    if program is not None and line is not None and 0 < line <= len(program.splitlines()):
        excerpt = render("excerpt.md", line=line, code=program_excerpt(program, line))
    return render(
        "repair.md",
        reason=reasons[kind],
        messages=_clip_messages(messages),
        excerpt=excerpt,
        reply_with=endings[ask],
    )


def repair_messages(
    first_messages: Sequence[ChatMessage], failed_reply: str, repair: str
) -> list[ChatMessage]:
    """The first request, the failed reply and the repair request: each attempt sends only the
    last failure, so the conversation stays within a small model's context."""
    return [
        *first_messages,
        {"role": "assistant", "content": failed_reply},
        {"role": "user", "content": repair},
    ]


def prompt_hash(messages: Sequence[ChatMessage]) -> str:
    """sha256 of the messages, as recorded in a run's manifest."""
    canonical = json.dumps(
        [{"role": m["role"], "content": m["content"]} for m in messages],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
