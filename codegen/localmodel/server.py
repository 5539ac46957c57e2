"""The local model server: llama-cpp-python's OpenAI-compatible server on 127.0.0.1, for a while.

``LocalModelServer`` starts it on a free port, waits until ``GET /v1/models`` answers (or the
process dies, or a deadline passes: each a ``ModelServerError`` carrying the tail of the server's
log), and stops it on exit, Ctrl-C included. ``serve_local_model()`` is the short form::

    with serve_local_model() as endpoint:
        client = openai.OpenAI(base_url=endpoint.base_url, api_key=endpoint.api_key)
        client.chat.completions.create(model=endpoint.model, ...)

The server command is a parameter, so tests run the lifecycle against a small fake server.
"""

from __future__ import annotations

import ctypes
import errno
import importlib.util
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from codegen.errors import ModelMissingError, ModelServerError
from codegen.localmodel.artifact import (
    DEFAULT_MODEL,
    LLAMA_CPP_PYTHON_REQUIREMENT,
    ModelArtifact,
    require_model,
)
from codegen.paths import cache_dir

CONTEXT_ENV = "SDGEN_MODEL_CTX"
THREADS_ENV = "SDGEN_MODEL_THREADS"
# A generator prompt plus a repair round (previous program, its error, the spec) fits with room to
# spare; the KV cache of Qwen2.5-Coder-1.5B at 8192 tokens is only ~230 MB.
DEFAULT_CONTEXT_TOKENS = 8192
DEFAULT_READY_TIMEOUT_S = 180.0
_STOP_GRACE_S = 10.0
_POLL_INTERVAL_S = 0.25
# uvicorn and llama-cpp-python's settings read these from the environment, over our arguments.
_ENV_OVERRIDING_ARGUMENTS = ("HOST", "PORT", "CONFIG_FILE", "MODEL")
_RUNTIME_MODULES = ("llama_cpp", "uvicorn", "fastapi", "sse_starlette", "pydantic_settings")


def default_threads() -> int:
    """One thread per CPU this process may use, at most 8 (beyond that llama.cpp gains little)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 2
    return max(1, min(cpus, 8))


def llama_server_command(python: str = sys.executable) -> list[str]:
    """The real server: llama-cpp-python's ``llama_cpp.server`` module in this interpreter."""
    return [python, "-m", "llama_cpp.server"]


def require_runtime() -> None:
    """Raise ``ModelMissingError`` unless llama-cpp-python and its server extras are importable."""
    missing = [name for name in _RUNTIME_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        raise ModelMissingError(
            f"the local model server is not installed (missing {', '.join(missing)}); run "
            f"`pip install '{LLAMA_CPP_PYTHON_REQUIREMENT}'` (compiles for ~10 minutes) or "
            "`make setup`"
        )


@dataclass(frozen=True)
class LocalEndpoint:
    """Where a started server answers: what an OpenAI client needs."""

    base_url: str  # ends in /v1
    model: str
    api_key: str


class LocalModelServer:
    """One llama.cpp server process, from ``start()`` (ready to answer) to ``stop()``.

    ``command`` is the program and its leading arguments; the model, host, port, context size,
    threads and key are appended as ``--model P --model_alias N --host H --port N --n_ctx N
    --n_threads N --n_threads_batch N --use_mlock False [--api_key=K]``. Without
    ``inherit_output`` the server's output goes to a log file whose tail ends up in errors; the
    file is removed after a clean stop.
    """

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        artifact: ModelArtifact = DEFAULT_MODEL,
        host: str = "127.0.0.1",
        port: int | None = None,
        context_tokens: int | None = None,
        threads: int | None = None,
        api_key: str | None = None,
        require_key: bool = True,
        command: Sequence[str] | None = None,
        ready_timeout_s: float = DEFAULT_READY_TIMEOUT_S,
        inherit_output: bool = False,
        log_dir: Path | None = None,
    ) -> None:
        if command is None:
            require_runtime()
        self.model_path = model_path if model_path is not None else require_model(artifact)
        self.model_name = artifact.name
        self.host = host
        self.requested_port = port
        self.context_tokens = context_tokens or _env_int(CONTEXT_ENV, DEFAULT_CONTEXT_TOKENS)
        self.threads = threads or _env_int(THREADS_ENV, default_threads())
        # With a key made up per run, nobody else on this machine can use our loopback server.
        if api_key is None and require_key:
            api_key = secrets.token_urlsafe(24)
        self.api_key = api_key
        self.command = list(command) if command is not None else llama_server_command()
        self.ready_timeout_s = ready_timeout_s
        self.inherit_output = inherit_output
        self.log_dir = log_dir if log_dir is not None else cache_dir() / "logs"
        self.port: int | None = None
        self.log_path: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> LocalEndpoint:
        """Launch the server and return once it answers; raise ``ModelServerError`` if it won't."""
        if self._process is not None:
            raise ModelServerError("the local model server is already running")
        if self.requested_port is not None:
            _check_port_free(self.host, self.requested_port)
            self._launch_and_wait(self.requested_port)
            return self.endpoint
        # A free port can be taken between our check and the server's bind: pick again then.
        for attempt in range(3):
            try:
                self._launch_and_wait(_free_port(self.host))
                return self.endpoint
            except ModelServerError as exc:
                if attempt == 2 or "address already in use" not in exc.log_tail.lower():
                    raise
        raise AssertionError("unreachable")

    def stop(self) -> int | None:
        """Stop the server (SIGTERM, then SIGKILL after a grace period); return its exit code."""
        process, self._process = self._process, None
        if process is None:
            return None
        code = _terminate(process)
        if self.log_path is not None and code in (0, -signal.SIGTERM, -signal.SIGINT):
            self.log_path.unlink(missing_ok=True)
        return code

    def wait(self) -> int:
        """Block until the server exits by itself (`sdgen model serve`); return its exit code."""
        if self._process is None:
            raise ModelServerError("the local model server is not running")
        return self._process.wait()

    def raise_if_dead(self) -> None:
        """Raise ``ModelServerError`` with the log tail if the server died after it was ready.

        For a caller whose request just failed to connect: it turns "connection refused" into why.
        """
        if self._process is None or self._process.poll() is None:
            return
        code = self._process.returncode
        tail = self._log_tail()
        cause = f"signal {signal.Signals(-code).name}" if code < 0 else f"code {code}"
        raise ModelServerError(
            f"the local model server died ({cause}){self._tail_for_message(tail)}", log_tail=tail
        )

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def endpoint(self) -> LocalEndpoint:
        if self.port is None:
            raise ModelServerError("the local model server has not been started")
        return LocalEndpoint(
            base_url=f"http://{_url_host(_connect_host(self.host))}:{self.port}/v1",
            model=self.model_name,
            # An OpenAI client insists on some key even when the server asks for none.
            api_key=self.api_key or "sdgen-local",
        )

    def __enter__(self) -> LocalEndpoint:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # --- internals ---------------------------------------------------------------------------

    def _arguments(self, port: int) -> list[str]:
        arguments = [
            *self.command,
            "--model",
            str(self.model_path),
            "--model_alias",
            self.model_name,
            "--host",
            self.host,
            "--port",
            str(port),
            "--n_ctx",
            str(self.context_tokens),
            "--n_threads",
            str(self.threads),
            "--n_threads_batch",
            str(self.threads),
            # Locking 1 GB in RAM fails under common RLIMIT_MEMLOCK limits and only adds a warning.
            "--use_mlock",
            "False",
        ]
        if self.api_key:
            # One token: a key may start with "-", which argparse would take for an option.
            arguments.append(f"--api_key={self.api_key}")
        return arguments

    def _launch_and_wait(self, port: int) -> None:
        self.port = port
        environment = {
            key: value for key, value in os.environ.items() if key not in _ENV_OVERRIDING_ARGUMENTS
        }
        if self.inherit_output:
            output = None
        else:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            descriptor, name = tempfile.mkstemp(
                prefix=f"llama-server-{port}-", suffix=".log", dir=self.log_dir
            )
            os.close(descriptor)
            self.log_path = Path(name)
            output = self.log_path.open("wb")
        try:
            self._process = subprocess.Popen(
                self._arguments(port),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT if output is not None else None,
                env=environment,
                # Its own session: Ctrl-C reaches only us, and we stop it in order.
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        except OSError as exc:
            raise ModelServerError(
                f"could not start the local model server ({self.command[0]}): {exc}"
            ) from exc
        finally:
            if output is not None:
                output.close()
        try:
            self._wait_until_ready(port)
        except BaseException:
            # Not ready, crashed, or Ctrl-C while loading: never leave the process behind.
            process, self._process = self._process, None
            if process is not None:
                _terminate(process)
            raise

    def _wait_until_ready(self, port: int) -> None:
        assert self._process is not None
        url = f"http://{_url_host(_connect_host(self.host))}:{port}/v1/models"
        deadline = time.monotonic() + self.ready_timeout_s
        while True:
            code = self._process.poll()
            if code is not None:
                tail = self._log_tail()
                raise ModelServerError(
                    f"the local model server exited with code {code} before it was ready"
                    f"{self._tail_for_message(tail)}",
                    log_tail=tail,
                )
            if _answers(url, self.api_key):
                return
            if time.monotonic() >= deadline:  # the caller's cleanup stops the process
                tail = self._log_tail()
                raise ModelServerError(
                    f"the local model server did not answer on {url} within "
                    f"{self.ready_timeout_s:g} s{self._tail_for_message(tail)}",
                    log_tail=tail,
                )
            time.sleep(_POLL_INTERVAL_S)

    def _log_tail(self, max_lines: int = 20) -> str:
        if self.log_path is None:
            return ""
        try:
            with self.log_path.open("rb") as handle:
                handle.seek(0, os.SEEK_END)
                handle.seek(max(handle.tell() - 8192, 0))
                text = handle.read().decode("utf-8", errors="replace")
        except OSError:
            return ""
        lines = [line.rstrip() for line in text.splitlines() if line.strip()]
        return "\n".join(lines[-max_lines:])

    def _tail_for_message(self, tail: str) -> str:
        if self.log_path is None:
            return " (see its output above)"
        last = " | ".join(tail.splitlines()[-3:]) or "empty log"
        return f": {last} (full log: {self.log_path})"


@contextmanager
def serve_local_model(
    model_path: Path | None = None,
    *,
    command: Sequence[str] | None = None,
    ready_timeout_s: float = DEFAULT_READY_TIMEOUT_S,
    context_tokens: int | None = None,
    threads: int | None = None,
) -> Iterator[LocalEndpoint]:
    """Run the embedded model's server for the duration of a ``with`` block."""
    server = LocalModelServer(
        model_path,
        command=command,
        ready_timeout_s=ready_timeout_s,
        context_tokens=context_tokens,
        threads=threads,
    )
    with server as endpoint:
        yield endpoint


# --- helpers ---------------------------------------------------------------------------------


def _answers(url: str, api_key: str | None) -> bool:
    """True when the server lists its models at ``url``."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    # Loopback only: never through a proxy from the environment.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=2.0) as response:
            body = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return False
    return isinstance(body, dict) and isinstance(body.get("data"), list)


def _terminate(process: subprocess.Popen[bytes]) -> int:
    if process.poll() is None:
        _signal_group(process, signal.SIGTERM)
        try:
            return process.wait(timeout=_STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
    return process.wait()


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.killpg(process.pid, sig)  # its own session: the group is the server (and any children)
    except ProcessLookupError:
        pass


def _die_with_parent() -> None:
    # If sdgen is killed outright (SIGKILL, an unhandled SIGTERM), take the server down with it
    # instead of leaving 2 GB of model in memory. Linux only; the signal fires when the thread
    # that started the server ends, so start it from a thread that outlives it (the main one).
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            # SIGKILL, not SIGTERM: a server busy generating does not act on SIGTERM for minutes.
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def _free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _check_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As the server will: a port whose old connections linger in TIME_WAIT is still usable.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ModelServerError(
                    f"port {port} on {host} is already in use; choose another with --port"
                ) from None
            raise ModelServerError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def _connect_host(host: str) -> str:
    # A server listening on every address is reached on loopback.
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ModelServerError(f"{name} must be a whole number, not {value!r}") from None
    if number <= 0:
        raise ModelServerError(f"{name} must be positive, not {number}")
    return number
