"""The harness: runs one generator program inside the sandbox container and writes its tables.

It runs *inside* the container, so it imports only the standard library, pandas and pyarrow.

    python3 -s -B harness.py PROGRAM OUT_DIR --rows '{"housing": 100}' --seed 42
    python3 -s -B harness.py PROGRAM OUT_DIR --wait-for JOB.json --idle-s 120   # a spare
    python3 -s -B harness.py PROGRAM OUT_DIR --rows '{"orders": 10000000}' --parts 8:12/100

A spare is a container started ahead of need: it imports pandas and pyarrow, then waits for the host
to write PROGRAM and then JOB.json (``{"rows": {...}, "seed": N}``) before it runs the program. It
runs one program, or none if nobody claims it within ``--idle-s`` seconds.

A program that defines ``generate`` is imported under a non-main name (so its ``__main__``
block does not run) and ``generate`` is called with whatever its signature accepts:
``generate(rows, seed)`` is the contract; LLMs also write ``generate(n_rows=100)``,
``generate(num_houses, seed=1)`` and the like. Any other program runs as ``__main__`` and the
DataFrames it leaves in module globals are collected.

Each table becomes ``OUT_DIR/<table>.parquet``; ``OUT_DIR/manifest.json`` is written last and says
what happened.

Parts (a chunk of a run made in parts, the program contract's extension for scale): ``--parts
K0:K1/N`` (or ``"parts": [K0, K1, N]`` in a spare's job) calls ``generate(rows, seed, part=(k, N))``
for k = K0..K1-1, one part at a time so memory is bounded by one part, checks that each table has
exactly rows[T]*(k+1)//N - rows[T]*k//N rows and that every part gives the same tables with the same
columns, and writes ``OUT_DIR/<table>/part-{k:05d}.parquet`` at once (a table with no rows in a part
gets no file for it, except part 0 of a table of no rows at all). The manifest lists every part file
written.

Cells that Parquet cannot hold as plain values are an error: nothing is ever pickled. The program
shares this process, so the host treats everything here as untrusted.
"""

from __future__ import annotations

import argparse
import ast
import errno
import hashlib
import inspect
import json
import os
import re
import sys
import time
import traceback
from typing import Any

TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
MAX_TABLES = 64
ROW_COUNT_NAMES = re.compile(
    r"^(n|num|count|size|length|rows?|n_?rows?|num_?rows?|row_?count|n_?samples?|num_?samples?|"
    r"n_?records?|num_?records?|records|samples|nrows|number_of_rows|total_rows)$"
)
SEED_NAMES = {"seed", "random_seed", "random_state", "rng_seed"}
ROWS_DICT_NAMES = {"rows", "row_counts", "counts", "sizes", "table_rows", "n_rows_per_table"}

_MAIN_PID = os.getpid()
_PROGRAM_PATH = [""]  # set once the program is known; tracebacks are cut to its frames


class ProgramFailed(Exception):
    """The program (not the harness) failed; ``kind`` lets the host pick the right words."""

    def __init__(self, kind: str, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.detail = detail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="harness")
    parser.add_argument("program")
    parser.add_argument("out_dir")
    parser.add_argument("--rows", default="{}", help="JSON object: table name -> row count")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--wait-for", help="a spare: wait for this job file, then run")
    parser.add_argument("--idle-s", type=float, default=120.0)
    parser.add_argument("--parts", help="K0:K1/N: make parts K0..K1-1 of N (a chunk)")
    args = parser.parse_args(argv)
    rows = {str(k): int(v) for k, v in json.loads(args.rows).items()}
    seed = args.seed
    parts = parse_parts(args.parts) if args.parts else None
    if args.wait_for:
        import pandas  # noqa: F401  (ahead of need: it is most of a trivial run)
        import pyarrow.parquet  # noqa: F401

        job = wait_for_job(args.wait_for, args.idle_s)
        if job is None:
            return 0  # never claimed: ran nothing, writes nothing
        rows = {str(k): int(v) for k, v in job.get("rows", {}).items()}
        seed = int(job.get("seed", 0))
        if job.get("parts") is not None:
            k0, k1, n = (int(v) for v in job["parts"])
            parts = check_parts(k0, k1, n)

    started = time.perf_counter()
    timings: dict[str, float] = {}
    manifest: dict[str, Any] = {"status": "error", "tables": [], "rows_requested": rows}
    manifest["seed"] = seed
    if parts is not None:
        manifest["parts_range"] = list(parts)
        manifest["parts"] = []
    try:
        import pandas  # noqa: F401,F811  (timed on its own: it is most of a trivial run)

        timings["import_s"] = round(time.perf_counter() - started, 4)
        if parts is not None:
            manifest["mode"] = "parts"
            manifest["tables"] = run_parts(args.program, rows, seed, parts, args.out_dir, manifest)
            manifest["status"] = "ok"
            code = 0
            raise _Done
        mark = time.perf_counter()
        frames, mode = run_program(args.program, rows, seed)
        timings["generate_s"] = round(time.perf_counter() - mark, 4)
        manifest["mode"] = mode
        if not frames:
            raise ProgramFailed(
                "no_tables",
                "produced no DataFrames"
                + (
                    " (generate() returned none)"
                    if mode == "contract"
                    else " (no pandas DataFrame left in module globals)"
                ),
            )
        mark = time.perf_counter()
        manifest["tables"] = write_tables(frames, args.out_dir)
        timings["write_s"] = round(time.perf_counter() - mark, 4)
        manifest["status"] = "ok"
        code = 0
    except _Done:
        pass
    except ProgramFailed as failed:
        _exit_if_not_main()
        manifest["error"] = {"kind": failed.kind, "message": failed.message}
        if failed.detail:
            print(failed.detail, file=sys.stderr)
        code = 1
    except BaseException as exc:  # noqa: BLE001 - everything the program raises is reported
        _exit_if_not_main()
        failed = describe_exception(exc)
        manifest["error"] = {"kind": failed.kind, "message": failed.message}
        if isinstance(exc, OSError) and exc.errno == errno.ENOSYS:
            # A system call the kernel lacks: under gVisor the host says which wall that is.
            manifest["error"]["no_such_syscall"] = True
        print(failed.detail, file=sys.stderr)
        code = 1
    timings["total_s"] = round(time.perf_counter() - started, 4)
    manifest["timings"] = {**timings, **manifest.pop("_part_timings", {})}
    write_manifest(manifest, args.out_dir)
    sys.stdout.flush()
    sys.stderr.flush()
    return code


class _Done(Exception):
    """Parts mode finished: skip the whole-run steps (a flag would thread through every branch)."""


def parse_parts(text: str) -> tuple[int, int, int]:
    match = re.fullmatch(r"(\d+):(\d+)/(\d+)", text.strip())
    if not match:
        raise SystemExit(f"--parts {text!r}: expected K0:K1/N")
    return check_parts(*(int(g) for g in match.groups()))


def check_parts(k0: int, k1: int, n: int) -> tuple[int, int, int]:
    if not 0 <= k0 < k1 <= n:
        raise SystemExit(f"parts {k0}:{k1}/{n}: need 0 <= K0 < K1 <= N")
    return k0, k1, n


def run_parts(
    path: str,
    rows: dict[str, int],
    seed: int,
    parts: tuple[int, int, int],
    out_dir: str,
    manifest: dict[str, Any],
) -> list[dict[str, Any]]:
    """Make parts K0..K1-1 of N one at a time, each written before the next is made."""
    k0, k1, n = parts
    function = load_generate(path)
    tables: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {}
    generate_s = write_s = 0.0
    for k in range(k0, k1):
        mark = time.perf_counter()
        result = call_generate(function, rows, seed, part=(k, n))
        frames = frames_from_result(result, rows)
        generate_s += time.perf_counter() - mark
        del result
        if not frames:
            raise ProgramFailed("no_tables", f"part {k} of {n}: generate() returned no tables")
        if tables and set(frames) != set(tables):
            raise ProgramFailed(
                "parts",
                f"part {k} of {n} gave tables {sorted(frames)}, part {k0} gave {sorted(tables)}; "
                "every part must give the same tables",
            )
        mark = time.perf_counter()
        for name, frame in frames.items():
            entry = write_part(name, frame, rows, k, n, out_dir, schemas)
            table = tables.setdefault(name, {"name": name, "rows": 0, "bytes": 0})
            table.setdefault("columns", [str(c) for c in frame.columns])
            table.setdefault("dtypes", {str(c): str(t) for c, t in frame.dtypes.items()})
            if entry is not None:
                table["rows"] += entry["rows"]
                table["bytes"] += entry["bytes"]
                manifest["parts"].append(entry)
        write_s += time.perf_counter() - mark
        del frames
    manifest["_part_timings"] = {"generate_s": round(generate_s, 4), "write_s": round(write_s, 4)}
    return list(tables.values())


def parse_program(path: str) -> ast.Module:
    """The program's syntax tree (a syntax error is the program's failure, said as such)."""
    _PROGRAM_PATH[0] = path
    with open(path, encoding="utf-8") as handle:
        source = handle.read()
    try:
        return ast.parse(source, filename=path)
    except SyntaxError as exc:
        raise ProgramFailed(
            "syntax",
            f"program has a syntax error at line {exc.lineno}: {exc.msg}",
            traceback.format_exc(limit=0),
        ) from None


def load_generate(path: str) -> Any:
    """The program's ``generate``, which must take ``part`` to be made in parts."""
    tree = parse_program(path)
    sys.argv = [path]
    namespace: dict[str, Any] = {"__name__": "generator_program", "__file__": path}
    exec(compile(tree, path, "exec"), namespace)  # noqa: S102 - the point of the sandbox
    function = namespace.get("generate")
    if not callable(function):
        raise ProgramFailed("parts", "cannot make parts: the program defines no generate()")
    try:
        accepts = "part" in inspect.signature(function).parameters
    except (TypeError, ValueError):
        accepts = False
    if not accepts:
        raise ProgramFailed("parts", "cannot make parts: generate() has no 'part' parameter")
    return function


def write_part(
    name: str,
    frame: Any,
    rows: dict[str, int],
    k: int,
    n: int,
    out_dir: str,
    schemas: dict[str, Any],
) -> dict[str, Any] | None:
    """Check one table's part (its row count, its columns as the chunk's first part) and write
    it; a part with no rows writes no file."""
    import pyarrow.parquet as pq

    if not TABLE_NAME.match(name):
        raise ProgramFailed(
            "bad_result", f"table name {name[:80]!r} is not a plain identifier (letters, digits, _)"
        )
    if name not in rows:
        raise ProgramFailed(
            "parts", f"part {k} of {n} gave table {name!r}, which has no requested row count"
        )
    # How a table's rows fall into parts is the program's (a child's slices may follow its
    # parent's); the host checks that they add up to the table's rows over the whole run.
    if len(frame) > rows[name]:
        raise ProgramFailed(
            "parts",
            f"table {name!r} part {k} of {n} has {len(frame)} rows, more than the {rows[name]} "
            "asked for the whole table",
        )
    if len(frame) == 0 and not (rows[name] == 0 and k == 0):
        return None  # no file for an empty part; an empty table keeps its part 0 (its columns)
    frame = plain_columns(name, frame)
    table = to_arrow(name, frame)
    schema = table.schema.remove_metadata()
    if name in schemas and not schema.equals(schemas[name]):
        raise ProgramFailed(
            "parts",
            f"table {name!r} part {k} of {n} has columns {_schema_text(schema)}; an earlier part "
            f"had {_schema_text(schemas[name])}; every part must have the same columns and types",
        )
    schemas.setdefault(name, schema)
    directory = os.path.join(out_dir, name)
    os.makedirs(directory, exist_ok=True)
    file = f"{name}/part-{k:05d}.parquet"
    path = os.path.join(out_dir, file)
    try:
        pq.write_table(table, path)
    except OSError as exc:
        if exc.errno in (errno.EFBIG, errno.ENOSPC, errno.EDQUOT):
            raise ProgramFailed(
                "output_cap", f"output larger than the cap while writing {file}"
            ) from None
        raise
    return {
        "table": name,
        "part": k,
        "file": file,
        "rows": int(table.num_rows),
        "bytes": os.path.getsize(path),
        # No sha256: the host hashes each part as it copies it out (at scale, reading every
        # part again in here would cost the chunk seconds for nothing the host trusts).
    }


def _schema_text(schema: Any) -> str:
    return ", ".join(f"{field.name}: {field.type}" for field in schema)[:300]


def wait_for_job(path: str, idle_s: float) -> dict[str, Any] | None:
    """Poll for the job file the host writes (by rename, so it is whole when it appears)."""
    deadline = time.monotonic() + idle_s
    while time.monotonic() < deadline:
        try:
            with open(path, encoding="utf-8") as handle:
                job = json.load(handle)
            return job if isinstance(job, dict) else {}
        except FileNotFoundError:
            time.sleep(0.005)
    return None


def _exit_if_not_main() -> None:
    # A forked child of the program that unwinds into the harness must not write results.
    if os.getpid() != _MAIN_PID:
        os._exit(1)


def run_program(path: str, rows: dict[str, int], seed: int) -> tuple[dict[str, Any], str]:
    """Run the program; return its DataFrames by table name and how it ran ("contract"/"script")."""
    tree = parse_program(path)
    code = compile(tree, path, "exec")
    defines_generate = any(
        isinstance(node, ast.FunctionDef) and node.name == "generate" for node in tree.body
    )
    # The program's own directory is not importable: it is a single file by contract.
    sys.argv = [path]
    if defines_generate:
        namespace: dict[str, Any] = {"__name__": "generator_program", "__file__": path}
        exec(code, namespace)  # noqa: S102 - running the program is the point of the sandbox
        function = namespace.get("generate")
        if callable(function):
            result = call_generate(function, rows, seed)
            frames = frames_from_result(result, rows)
            if not frames:
                frames = frames_from_globals(namespace)
            return frames, "contract"
    namespace = {"__name__": "__main__", "__file__": path, "__builtins__": __builtins__}
    try:
        exec(code, namespace)  # noqa: S102
    except SystemExit as stop:
        if stop.code not in (None, 0):
            raise ProgramFailed("exit", f"program called exit({stop.code!r})") from None
    return frames_from_globals(namespace), "script"


def call_generate(
    function: Any, rows: dict[str, int], seed: int, part: tuple[int, int] | None = None
) -> Any:
    """Call ``generate`` with the arguments its signature asks for, by name and annotation."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return function(rows, seed)
    positional: list[Any] = []
    keywords: dict[str, Any] = {}
    single_count = next(iter(rows.values())) if len(rows) == 1 else None
    for name, parameter in signature.parameters.items():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if name == "part":  # the parts contract; a whole run leaves it at its default (None)
            value = part if part is not None else _MISSING
        else:
            value = argument_for(name, parameter, rows, seed, single_count)
        if value is _MISSING:
            if parameter.default is parameter.empty:
                raise ProgramFailed(
                    "signature",
                    f"generate() needs the argument '{name}', which sdgen cannot supply; "
                    "use the contract generate(rows: dict[str, int], seed: int)",
                )
            continue
        if parameter.kind == parameter.POSITIONAL_ONLY:
            positional.append(value)
        else:
            keywords[name] = value
    return function(*positional, **keywords)


_MISSING = object()


def argument_for(
    name: str, parameter: inspect.Parameter, rows: dict[str, int], seed: int, single: int | None
) -> Any:
    lowered = name.lower()
    wants_int = parameter.annotation in (int, "int") or isinstance(parameter.default, int)
    wants_dict = parameter.annotation is dict or "dict" in str(parameter.annotation)
    wants_dict = wants_dict or isinstance(parameter.default, dict)
    if lowered in SEED_NAMES:
        return seed
    if lowered in ROWS_DICT_NAMES and not wants_int:
        if rows or parameter.default is parameter.empty:
            return dict(rows)
        return _MISSING
    if wants_dict:
        return dict(rows) if rows else _MISSING
    # Per-table counts: n_housing, housing_rows, num_locations (plural table names too).
    for table, count in rows.items():
        stem = table.lower().rstrip("s")
        if stem and stem in lowered and lowered != stem:
            return count
    if ROW_COUNT_NAMES.match(lowered) or lowered.startswith(("n_", "num_")):
        if single is not None:
            return single
        if rows:
            return max(rows.values())
    return _MISSING


def frames_from_result(result: Any, rows: dict[str, int]) -> dict[str, Any]:
    import pandas as pd

    if result is None:
        return {}
    if isinstance(result, pd.DataFrame):
        name = next(iter(rows)) if len(rows) == 1 else "data"
        return {name: result}
    if isinstance(result, dict):
        frames = {}
        for key, value in result.items():
            if not isinstance(value, pd.DataFrame):
                raise ProgramFailed(
                    "bad_result",
                    f"generate() returned a dict whose value for {str(key)!r} is a "
                    f"{type(value).__name__}, not a pandas DataFrame",
                )
            frames[str(key)] = value
        return frames
    if isinstance(result, list | tuple) and all(isinstance(v, pd.DataFrame) for v in result):
        # Tables returned in a sequence take the requested names when the counts agree.
        if len(rows) == len(result):
            names = list(rows)
        else:
            names = [f"table_{i + 1}" for i in range(len(result))]
        return dict(zip(names, result, strict=True))
    raise ProgramFailed(
        "bad_result",
        f"generate() returned a {type(result).__name__}; "
        "expected a dict of table name -> DataFrame",
    )


def frames_from_globals(namespace: dict[str, Any]) -> dict[str, Any]:
    """Module-level DataFrames in definition order; the same object under two names counts once."""
    import pandas as pd

    frames: dict[str, Any] = {}
    seen: set[int] = set()
    for name, value in list(namespace.items()):
        if name.startswith("_") or not isinstance(value, pd.DataFrame) or id(value) in seen:
            continue
        seen.add(id(value))
        frames[name] = value
    if not frames:
        for value in list(namespace.values()):
            if (
                isinstance(value, dict)
                and value
                and all(isinstance(v, pd.DataFrame) for v in value.values())
            ):
                return {str(k): v for k, v in value.items()}
    return frames


def write_tables(frames: dict[str, Any], out_dir: str) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    if len(frames) > MAX_TABLES:
        raise ProgramFailed("bad_result", f"{len(frames)} tables is more than {MAX_TABLES}")
    written = []
    for name, frame in frames.items():
        if not TABLE_NAME.match(name):
            raise ProgramFailed(
                "bad_result",
                f"table name {name[:80]!r} is not a plain identifier (letters, digits, _)",
            )
        frame = plain_columns(name, frame)
        table = to_arrow(name, frame)
        path = os.path.join(out_dir, f"{name}.parquet")
        try:
            pq.write_table(table, path)
        except OSError as exc:
            if exc.errno in (errno.EFBIG, errno.ENOSPC, errno.EDQUOT):
                raise ProgramFailed(
                    "output_cap", f"output larger than the cap while writing table {name!r}"
                ) from None
            raise
        written.append(
            {
                "name": name,
                "file": f"{name}.parquet",
                "rows": int(table.num_rows),
                "columns": [str(c) for c in frame.columns],
                "dtypes": {str(c): str(t) for c, t in frame.dtypes.items()},
                "bytes": os.path.getsize(path),
                "sha256": sha256_file(path),
            }
        )
    return written


def plain_columns(name: str, frame: Any) -> Any:
    """String column names, and a meaningful index kept as columns rather than lost."""
    import pandas as pd

    if not (isinstance(frame.index, pd.RangeIndex) and frame.index.name is None):
        frame = frame.reset_index()
    frame = frame.copy(deep=False)
    frame.columns = [str(c) for c in frame.columns]
    duplicated = frame.columns[frame.columns.duplicated()].unique().tolist()
    if duplicated:
        raise ProgramFailed(
            "bad_result", f"table {name!r} has duplicate column names: {', '.join(duplicated)}"
        )
    return frame


def to_arrow(name: str, frame: Any) -> Any:
    """Convert to Arrow column by column so the error names the column whose cells do not fit."""
    import pyarrow as pa

    try:
        return pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError, ValueError):
        pass
    for column in frame.columns:
        try:
            pa.Array.from_pandas(frame[column])
        except Exception as exc:  # noqa: BLE001 - any failure means "not a plain value"
            sample = next((v for v in frame[column] if not _is_plain(v)), None)
            kind = type(sample).__name__ if sample is not None else "mixed"
            raise ProgramFailed(
                "unsafe_cells",
                f"table {name!r} column {column!r} holds {kind} objects that Parquet cannot store "
                "as plain values (sdgen never pickles); convert them to str, numbers or dates",
                f"{type(exc).__name__}: {exc}",
            ) from None
    raise ProgramFailed("unsafe_cells", f"table {name!r} cannot be converted to Arrow")


def _is_plain(value: Any) -> bool:
    import datetime
    import decimal

    plain = (str, int, float, bool, bytes, datetime.date, datetime.time, decimal.Decimal)
    return value is None or isinstance(value, plain)


def describe_exception(exc: BaseException) -> ProgramFailed:
    """Turn what the program raised into words, with the traceback tail of the program's frames."""
    detail = "".join(traceback.format_exception(type(exc), exc, _program_frames(exc))[-40:])
    if isinstance(exc, ProgramFailed):
        return exc
    if isinstance(exc, MemoryError):
        return ProgramFailed("memory", "out of memory (MemoryError)", detail)
    if isinstance(exc, BlockingIOError) or (
        isinstance(exc, RuntimeError) and "can't start new thread" in str(exc)
    ):
        return ProgramFailed("pids", f"too many processes ({type(exc).__name__}: {exc})", detail)
    if isinstance(exc, OSError) and exc.errno in (errno.EFBIG, errno.ENOSPC, errno.EDQUOT):
        return ProgramFailed("output_cap", f"output larger than the cap ({exc.strerror})", detail)
    line = program_line(exc)
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = f"program raised {type(exc).__name__}" + (f": {message[:300]}" if message else "")
    if line:
        text += f" (line {line})"
    return ProgramFailed("exception", text, detail)


def _program_frames(exc: BaseException) -> Any:
    """The traceback from the program's first frame on: the harness's own frames are noise."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != _PROGRAM_PATH[0]:
        tb = tb.tb_next
    return tb or exc.__traceback__


def program_line(exc: BaseException) -> int | None:
    line = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == _PROGRAM_PATH[0]:
            line = lineno
    return line


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(manifest: dict[str, Any], out_dir: str) -> None:
    temporary = os.path.join(out_dir, ".manifest.json.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2, default=str)
    os.replace(temporary, os.path.join(out_dir, "manifest.json"))


if __name__ == "__main__":
    status = main()
    # The manifest is written and the streams flushed: skip the interpreter's teardown (unloading
    # pandas and freeing the program's objects, 0.1-0.2 s of every container, measured) and
    # whatever the program left to run at exit or in threads of its own.
    os._exit(status)
