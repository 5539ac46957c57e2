"""Benchmark: how much of the check and pattern corpus the starting program meets on its own.

For every entry of ``bench/corpus/checks.yaml`` and ``bench/corpus/patterns.yaml`` (see
``corpus_specs``): a one-table spec, its starting program (``build_scaffold``) exactly as built,
with no model lines, run in this process through the sandbox's harness, and the tables validated.

  - a check is **met by construction** when the program leaves no blank (``...``, ``[...]``) and
    the tables it makes pass validation (the check and everything else the spec asks);
  - a pattern is **drawn** when the program leaves no blank for its column, and **matched** when,
    drawn, the tables pass validation (the pattern, uniqueness, nulls).

Prints K/N per shape group and overall, then one line per entry that fell short and why. Targets
(the issue): every check met by construction or by an enforce step; every pattern drawn.

    .venv/bin/python bench/bench_checks.py [--seed N] [--only GROUP ...]
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import json
import re
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from corpus_specs import CheckCase, load_checks, load_patterns  # noqa: E402

COMMENT = re.compile(r"^\s*#\s*([A-Za-z_]\w*):")


@dataclass
class Outcome:
    blanks: list[str]  # columns (or lines) left blank for the model
    ok: bool  # ran and validated with no failure
    why: str  # one line when not ok


def scaffold_source(spec: Any) -> str:
    """The starting program's text: ``build_scaffold`` returns a str or an object with .source."""
    from codegen.program.scaffold import build_scaffold

    built = build_scaffold(spec)
    return built if isinstance(built, str) else built.source


def blank_columns(source: str) -> list[str]:
    """The columns the program leaves blank: an ``...`` anywhere in ``generate``, named by the
    ``# column:`` comment above it (or by its line number when there is none)."""
    tree = ast.parse(source)
    function = next(
        (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "generate"), tree
    )
    lines = source.splitlines()
    found: list[str] = []
    for node in ast.walk(function):
        if isinstance(node, ast.Constant) and node.value is Ellipsis:
            name = f"line {node.lineno}"
            for line in reversed(lines[: node.lineno - 1]):
                match = COMMENT.match(line)
                if match:
                    name = match.group(1)
                    break
            if name not in found:
                found.append(name)
    return found


def run_in_process(program: str, work: Path, rows: dict[str, int], seed: int) -> tuple[dict, str]:
    """Run ``program`` through the harness in this process: (table -> Parquet path, error)."""
    from sandbox import harness

    work.mkdir(parents=True)
    path = work / "program.py"
    path.write_text(program, encoding="utf-8")
    out = work / "out"
    out.mkdir()
    argv = sys.argv[:]
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            code = harness.main(
                [str(path), str(out), "--rows", json.dumps(rows), "--seed", str(seed)]
            )
    finally:
        sys.argv = argv  # the harness sets it for the program
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    if code != 0:
        error = manifest.get("error") or {}
        return {}, f"{error.get('kind', 'error')}: {error.get('message', 'failed')}"
    return {t["name"]: out / t["file"] for t in manifest.get("tables", [])}, ""


def judge(spec_data: dict, work: Path, seed: int, watched: set[str] | None) -> Outcome:
    """Build, run and validate one corpus spec. ``watched``: the columns whose blanks count
    (None: all); other blanks still stop the run, since a program with blanks cannot run."""
    from codegen.spec.model import parse_spec
    from codegen.validation.validator import validate

    spec = parse_spec(spec_data)
    try:
        source = scaffold_source(spec)
    except Exception as exc:  # noqa: BLE001 - any failure of the builder is a finding
        return Outcome([], False, f"scaffold raised {type(exc).__name__}: {exc}")
    blanks = blank_columns(source)
    counted = [b for b in blanks if watched is None or b in watched]
    if blanks:
        return Outcome(counted, False, "blank: " + ", ".join(blanks))
    rows = {name: table.rows for name, table in spec.tables.items()}
    try:
        tables, error = run_in_process(source, work, rows, seed)
        if error:
            return Outcome([], False, "run failed: " + error.splitlines()[0][:160])
        report = validate(spec, tables, rows)
    except Exception as exc:  # noqa: BLE001 - one entry's trouble must not stop the others
        return Outcome([], False, f"could not judge: {type(exc).__name__}: {str(exc)[:120]}")
    if report.failures:
        first = report.failures[0]
        # "orders: check "..." is false on 9 of 200 rows (4%); e.g. ..." without the check again
        message = first.message.split('" is ', 1)[-1] if first.reason == "check" else first.message
        more = f" (+{len(report.failures) - 1} more)" if len(report.failures) > 1 else ""
        return Outcome([], False, f"invalid [{first.reason}] {message[:120]}{more}")
    return Outcome([], True, "")


def check_columns(case: CheckCase) -> set[str]:
    """The columns of the check's table that the check reads."""
    columns = case.spec["tables"][case.table]["columns"]
    return {c for c in columns if re.search(rf"(?<![\w\"]){re.escape(c)}(?![\w\"])", case.check)}


def share(k: int, n: int) -> str:
    return f"{k:>3}/{n:<3} {100 * k / n:5.1f}%" if n else "  -/-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", nargs="*", default=[], help="groups to run (default: all)")
    args = parser.parse_args(argv)
    checks = [c for c in load_checks() if not args.only or c.group in args.only]
    patterns = [p for p in load_patterns() if not args.only or p.group in args.only]
    started = time.perf_counter()
    misses: list[str] = []
    with tempfile.TemporaryDirectory(prefix="sdgen-bench-checks-") as tmp:
        work = Path(tmp)
        check_groups: dict[str, list[bool]] = defaultdict(list)
        for index, case in enumerate(checks):
            outcome = judge(case.spec, work / f"c{index}", args.seed, check_columns(case))
            check_groups[case.group].append(outcome.ok)
            if not outcome.ok:
                shown = case.check if len(case.check) <= 60 else case.check[:57] + "..."
                misses.append(f"  check   {case.label:<36} {shown}: {outcome.why}")
        drawn_groups: dict[str, list[bool]] = defaultdict(list)
        matched_groups: dict[str, list[bool]] = defaultdict(list)
        for index, case in enumerate(patterns):
            outcome = judge(case.spec, work / f"p{index}", args.seed, {case.column})
            drawn = case.column not in outcome.blanks and not outcome.why.startswith("scaffold")
            drawn_groups[case.group].append(drawn)
            matched_groups[case.group].append(outcome.ok)
            if not outcome.ok:
                shown = case.pattern if len(case.pattern) <= 60 else case.pattern[:57] + "..."
                misses.append(f"  pattern {case.label:<36} {shown}: {outcome.why}")
    _print_table("checks met by the starting program alone", {"met": check_groups})
    _print_table("patterns", {"drawn": drawn_groups, "matched": matched_groups})
    if misses:
        print(f"\nshort of the target ({len(misses)}):")
        for line in misses:
            print(line)
    print(
        f"\n({len(checks)} checks, {len(patterns)} patterns, {time.perf_counter() - started:.0f} s)"
    )
    return 0


def _print_table(title: str, columns: dict[str, dict[str, list[bool]]]) -> None:
    print(f"{title}:")
    header = "".join(f"  {name:>15}" for name in columns)
    print(f"  {'group':<24}{header}")
    groups = list(next(iter(columns.values())))
    for group in groups:
        cells = "".join(f"  {share(sum(c[group]), len(c[group])):>15}" for c in columns.values())
        print(f"  {group:<24}{cells}")
    totals = ""
    for results in columns.values():
        flat = [ok for oks in results.values() for ok in oks]
        totals += f"  {share(sum(flat), len(flat)):>15}"
    print(f"  {'all':<24}{totals}")


if __name__ == "__main__":
    sys.exit(main())
