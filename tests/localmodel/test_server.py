"""The local model server's lifecycle against a small fake server
(tests/support/fake_llm_server.py), and one test with the real llama.cpp server and the real model
through the real ``openai`` client."""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from support.paths import SUPPORT

from codegen.errors import ModelMissingError, ModelServerError
from codegen.localmodel import server as model_server
from codegen.localmodel.artifact import DEFAULT_MODEL, model_path
from codegen.localmodel.server import LocalModelServer

FAKE_SERVER = SUPPORT / "fake_llm_server.py"
# Read before any test points XDG_CACHE_HOME elsewhere: the real model lives in the user's cache.
REAL_MODEL = model_path(DEFAULT_MODEL)


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for name in ("SDGEN_MODEL_CTX", "SDGEN_MODEL_THREADS", "http_proxy", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake_model(tmp_path: Path) -> Path:
    path = tmp_path / "fake.gguf"
    path.write_bytes(b"GGUF fake")
    return path


def fake_command(tmp_path: Path, mode: str = "ok", *extra: str) -> list[str]:
    record = tmp_path / "fake-server.json"
    return [
        sys.executable,
        str(FAKE_SERVER),
        "--fake-mode",
        mode,
        "--fake-record",
        str(record),
        *extra,
    ]


def recorded(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "fake-server.json").read_text())


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def get_json(url: str, api_key: str | None) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {}


def test_start_waits_until_ready_and_stop_ends_the_process(tmp_path, fake_model):
    server = LocalModelServer(
        fake_model, command=fake_command(tmp_path, "ok", "--fake-delay", "0.8"), log_dir=tmp_path
    )
    with server as endpoint:
        pid = recorded(tmp_path)["pid"]
        assert alive(pid)
        assert endpoint.base_url == f"http://127.0.0.1:{server.port}/v1"
        assert endpoint.model == DEFAULT_MODEL.name
        # Ready means answering right now, not eventually: no retry here.
        status, body = get_json(endpoint.base_url + "/models", endpoint.api_key)
        assert status == 200 and body["data"][0]["id"] == DEFAULT_MODEL.name
        # The key made up for this run is required: other local users cannot borrow the server.
        assert get_json(endpoint.base_url + "/models", None)[0] == 401
        log = server.log_path
        assert log is not None and "listening on" in log.read_text()

    assert not alive(pid)
    assert not server.running
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", server.port), timeout=2).close()
    assert not log.exists()  # a clean stop leaves no log behind


def test_the_server_gets_sensible_arguments_for_a_small_machine(tmp_path, fake_model, monkeypatch):
    monkeypatch.setenv("PORT", "1")  # uvicorn would take this over --port: it must not leak
    server = LocalModelServer(
        fake_model,
        command=fake_command(tmp_path),
        log_dir=tmp_path,
        threads=2,
        api_key="-looks-like-an-option",
    )
    with server as endpoint:
        argv, environment_port = recorded(tmp_path)["argv"], recorded(tmp_path)["PORT"]
        port = endpoint.base_url.split(":")[2].split("/")[0]

    def value(flag: str) -> str:
        return argv[argv.index(flag) + 1]

    assert value("--model") == str(fake_model)
    assert value("--model_alias") == DEFAULT_MODEL.name
    assert value("--host") == "127.0.0.1"
    assert value("--port") == port != "1"
    assert environment_port is None
    assert value("--n_ctx") == "8192"
    assert value("--n_threads") == value("--n_threads_batch") == "2"
    assert f"--api_key={endpoint.api_key}" in argv


def test_a_crash_before_ready_is_reported_with_the_log_tail(tmp_path, fake_model):
    server = LocalModelServer(fake_model, command=fake_command(tmp_path, "crash"), log_dir=tmp_path)

    with pytest.raises(ModelServerError) as caught:
        server.start()

    message = str(caught.value)
    assert message.startswith("the local model server exited with code 3 before it was ready")
    assert "the file is not a GGUF" in message and "\n" not in message
    assert "error loading model" in caught.value.log_tail
    assert server.log_path is not None and server.log_path.exists()  # kept for the user
    assert str(server.log_path) in message


def test_a_server_that_never_answers_is_killed_at_the_deadline(tmp_path, fake_model):
    server = LocalModelServer(
        fake_model,
        command=fake_command(tmp_path, "never-ready"),
        log_dir=tmp_path,
        ready_timeout_s=1.5,
    )

    with pytest.raises(ModelServerError, match="did not answer .* within 1.5 s"):
        server.start()

    assert not alive(recorded(tmp_path)["pid"])
    assert not server.running


def test_a_port_in_use_is_refused_before_starting_anything(tmp_path, fake_model):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = LocalModelServer(
            fake_model, command=fake_command(tmp_path), port=port, log_dir=tmp_path
        )

        with pytest.raises(ModelServerError, match=f"port {port} on 127.0.0.1 is already in use"):
            server.start()

    assert not (tmp_path / "fake-server.json").exists()


def test_stop_kills_a_server_that_ignores_sigterm(tmp_path, fake_model, monkeypatch):
    monkeypatch.setattr(model_server, "_STOP_GRACE_S", 0.5)
    server = LocalModelServer(
        fake_model, command=fake_command(tmp_path, "ignore-term"), log_dir=tmp_path
    )
    server.start()
    pid = recorded(tmp_path)["pid"]

    assert server.stop() == -signal.SIGKILL
    assert not alive(pid)


def test_a_server_that_dies_while_in_use_is_explained(tmp_path, fake_model):
    server = LocalModelServer(fake_model, command=fake_command(tmp_path), log_dir=tmp_path)
    with server:
        server.raise_if_dead()  # alive: nothing to say
        os.kill(recorded(tmp_path)["pid"], signal.SIGSEGV)
        server.wait()

        with pytest.raises(ModelServerError) as caught:
            server.raise_if_dead()

    message = str(caught.value)
    assert message.startswith("the local model server died (signal SIGSEGV): ")
    assert "listening on" in message and "\n" not in message


def test_ctrl_c_while_the_model_loads_stops_the_server(tmp_path, fake_model):
    server = LocalModelServer(
        fake_model, command=fake_command(tmp_path, "ok", "--fake-delay", "60"), log_dir=tmp_path
    )
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            server.start()
    finally:
        timer.cancel()

    assert not alive(recorded(tmp_path)["pid"])
    assert not server.running


def test_an_exception_inside_the_block_still_stops_the_server(tmp_path, fake_model):
    with pytest.raises(RuntimeError, match="pipeline failed"):
        with LocalModelServer(fake_model, command=fake_command(tmp_path), log_dir=tmp_path):
            pid = recorded(tmp_path)["pid"]
            raise RuntimeError("pipeline failed")

    assert not alive(pid)


def test_without_the_model_the_error_says_how_to_get_it():
    with pytest.raises(ModelMissingError) as caught:
        LocalModelServer()  # the XDG cache of this test is empty

    assert "sdgen model pull" in str(caught.value) or "pip install" in str(caught.value)


# --- the real thing -------------------------------------------------------------------------


@pytest.mark.local_model
def test_the_real_local_model_answers_through_the_openai_client(tmp_path, real_local_model):
    import openai

    path = real_local_model
    server = LocalModelServer(path, context_tokens=2048, log_dir=tmp_path)

    with server as endpoint:
        client = openai.OpenAI(
            base_url=endpoint.base_url, api_key=endpoint.api_key, max_retries=0, timeout=300
        )
        listed = [model.id for model in client.models.list().data]
        reply = client.chat.completions.create(
            model=endpoint.model,
            messages=[
                {"role": "system", "content": "You write Python. Answer with code only."},
                {"role": "user", "content": "A function add(a, b) that returns a + b."},
            ],
            max_tokens=48,
            temperature=0,
            seed=1,
        )

    assert listed == [DEFAULT_MODEL.name]
    text = reply.choices[0].message.content or ""
    assert "def add(" in text
    assert reply.usage is not None and reply.usage.completion_tokens > 0
    assert not server.running
