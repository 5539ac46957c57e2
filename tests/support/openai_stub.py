"""A scripted OpenAI-compatible HTTP server on 127.0.0.1, for tests that go through the real client.

The stub answers ``POST /v1/chat/completions`` from a queue of scripted replies, one per request, in
order, and ``GET /v1/models`` with its model list. It records every request it receives, so a test
can assert on what was sent (or that nothing was sent, on a cache hit)::

    stub = OpenAIStub().start()
    stub.reply("```python\\nprint(1)\\n```")
    stub.error(429, "slow down")           # then a rate limit
    stub.slow("late", delay_s=2.0)         # a reply slower than the client's timeout
    stub.malformed()                       # HTTP 200 with a body that is not JSON
    stub.truncated("def gen")              # finish_reason "length"
    stub.drop()                            # close the connection without answering
    stub.responder = lambda body: "..."    # answer by what was asked, once the queue is empty
    ... client.complete(...) ...
    assert len(stub.chat_requests) == 2
    stub.stop()

When the queue is empty the stub answers HTTP 418 with a message saying so, which the client does
not retry, so an unexpected extra request fails a test loudly instead of hanging it.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHAT_PATH = "/v1/chat/completions"
MODELS_PATH = "/v1/models"
EMBEDDINGS_PATH = "/v1/embeddings"


def stub_embedding(text: str, dimensions: int = 16) -> list[float]:
    """A deterministic vector for a text (its words hashed into buckets): equal texts get
    equal vectors, texts sharing words similar ones."""
    import hashlib

    vector = [0.0] * dimensions
    for word in text.lower().split():
        bucket = int(hashlib.sha256(word.encode()).hexdigest()[:8], 16) % dimensions
        vector[bucket] += 1.0
    return vector


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request the stub received."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any  # decoded JSON, or the raw text when it was not JSON, or None when empty

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The chat messages of a chat-completions request."""
        return list(self.body.get("messages", [])) if isinstance(self.body, dict) else []


@dataclass(frozen=True)
class ScriptedReply:
    """What the stub does for one chat-completions request.

    ``kind`` is ``"reply"`` (a completion), ``"error"`` (an HTTP error status with ``body``),
    ``"raw"`` (``body`` bytes sent as-is with ``status``) or ``"drop"`` (close the connection
    without a response). ``delay_s`` is waited before answering.
    """

    kind: str
    text: str | None = None
    finish_reason: str = "stop"
    model: str | None = None
    usage: dict[str, int] | None = None
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


class OpenAIStub:
    """The scripted server; ``start()`` binds a free port on 127.0.0.1 and serves in a thread."""

    def __init__(self, models: tuple[str, ...] = ("stub-model",)) -> None:
        self.models = list(models)
        self.requests: list[RecordedRequest] = []
        self._queue: deque[ScriptedReply] = deque()
        # Answers chat requests once the queue is empty: request body -> reply text (for
        # concurrent requests, whose order is not fixed, a reply chosen by what was asked).
        self.responder: Callable[[dict[str, Any]], str] | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> OpenAIStub:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        server.daemon_threads = True
        self._server = server
        # a short poll interval keeps stop() (and so each test's teardown) fast
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.02,), name="openai-stub", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in a slow reply
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> OpenAIStub:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "stub not started"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL, ending in ``/v1``."""
        return f"http://127.0.0.1:{self.port}/v1"

    # --- scripting -------------------------------------------------------------------------
    def enqueue(self, *replies: ScriptedReply) -> OpenAIStub:
        with self._lock:
            self._queue.extend(replies)
        return self

    def reply(
        self,
        text: str | None,
        *,
        finish_reason: str = "stop",
        model: str | None = None,
        usage: dict[str, int] | None = None,
        delay_s: float = 0.0,
    ) -> OpenAIStub:
        """A completion whose message content is ``text`` (``None`` gives a null content)."""
        return self.enqueue(
            ScriptedReply(
                "reply",
                text=text,
                finish_reason=finish_reason,
                model=model,
                usage=usage,
                delay_s=delay_s,
            )
        )

    def replies(self, *texts: str) -> OpenAIStub:
        for text in texts:
            self.reply(text)
        return self

    def truncated(self, text: str) -> OpenAIStub:
        """A completion cut at the token limit (``finish_reason: length``)."""
        return self.reply(text, finish_reason="length")

    def slow(self, text: str, delay_s: float) -> OpenAIStub:
        return self.reply(text, delay_s=delay_s)

    def error(
        self,
        status: int,
        message: str = "scripted error",
        *,
        headers: dict[str, str] | None = None,
        error_type: str | None = None,
        code: str | None = None,
    ) -> OpenAIStub:
        """An HTTP error with an OpenAI-shaped JSON error body."""
        body = {"error": {"message": message, "type": error_type or "stub_error", "code": code}}
        return self.enqueue(
            ScriptedReply(
                "error",
                status=status,
                body=json.dumps(body).encode(),
                headers={"Content-Type": "application/json", **(headers or {})},
            )
        )

    def malformed(self, body: bytes = b'{"id": "chatcmpl-x", "choices": [') -> OpenAIStub:
        """HTTP 200 claiming JSON, with a body that is not valid JSON."""
        return self.raw(200, body, content_type="application/json")

    def raw(
        self, status: int, body: bytes, *, content_type: str = "application/json"
    ) -> OpenAIStub:
        return self.enqueue(
            ScriptedReply("raw", status=status, body=body, headers={"Content-Type": content_type})
        )

    def drop(self) -> OpenAIStub:
        """Read the request, then close the connection without sending anything."""
        return self.enqueue(ScriptedReply("drop"))

    @property
    def pending(self) -> int:
        """Scripted replies not yet used."""
        with self._lock:
            return len(self._queue)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.rstrip("/") == CHAT_PATH]

    # --- serving (called from handler threads) ----------------------------------------------
    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _next(self) -> ScriptedReply | None:
        with self._lock:
            return self._queue.popleft() if self._queue else None

    def _wait(self, delay_s: float) -> bool:
        """Sleep ``delay_s``; False when the stub is being stopped meanwhile."""
        return not self._stopping.wait(delay_s) if delay_s > 0 else True


def completion_body(
    text: str | None,
    *,
    model: str,
    finish_reason: str = "stop",
    usage: dict[str, int] | None = None,
) -> dict[str, Any]:
    """An OpenAI chat-completion response body."""
    completion_tokens = len((text or "").split())
    usage = usage or {
        "prompt_tokens": 11,
        "completion_tokens": completion_tokens,
        "total_tokens": 11 + completion_tokens,
    }
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": finish_reason,
                "logprobs": None,
            }
        ],
        "usage": usage,
    }


def _make_handler(stub: OpenAIStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep tests quiet
            pass

        def _read_body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if not raw:
                return None
            try:
                return json.loads(raw)
            except ValueError:
                return raw.decode("utf-8", "replace")

        def _record(self, body: Any) -> None:
            stub._record(
                RecordedRequest(
                    method=self.command,
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
            )

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout) before we answered

        def _send_json(self, status: int, payload: Any) -> None:
            self._send(status, json.dumps(payload).encode(), {"Content-Type": "application/json"})

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self._record(None)
            if self.path.rstrip("/") == MODELS_PATH:
                data = [{"id": m, "object": "model", "owned_by": "stub"} for m in stub.models]
                self._send_json(200, {"object": "list", "data": data})
            else:
                self._send_json(404, {"error": {"message": f"no route {self.path}"}})

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self._read_body()
            self._record(body)
            if self.path.rstrip("/") == EMBEDDINGS_PATH:
                texts = (body or {}).get("input", [])
                texts = [texts] if isinstance(texts, str) else list(texts)
                data = [
                    {"object": "embedding", "index": i, "embedding": stub_embedding(text)}
                    for i, text in enumerate(texts)
                ]
                model = (body or {}).get("model", "stub-embedding")
                self._send_json(200, {"object": "list", "data": data, "model": model})
                return
            if (
                stub.responder is not None
                and stub.pending == 0
                and self.path.rstrip("/") == (CHAT_PATH)
            ):
                text = stub.responder(body or {})
                self._send_json(200, completion_body(text, model=stub.models[0]))
                return
            if self.path.rstrip("/") != CHAT_PATH:
                self._send_json(404, {"error": {"message": f"no route {self.path}"}})
                return
            scripted = stub._next()
            if scripted is None:
                message = "openai_stub: no scripted reply left for this request"
                self._send_json(418, {"error": {"message": message, "type": "stub_exhausted"}})
                return
            if not stub._wait(scripted.delay_s):
                return
            if scripted.kind == "drop":
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            if scripted.kind == "reply":
                model = scripted.model or (body or {}).get("model") or stub.models[0]
                payload = completion_body(
                    scripted.text,
                    model=model,
                    finish_reason=scripted.finish_reason,
                    usage=scripted.usage,
                )
                self._send_json(200, payload)
                return
            self._send(scripted.status, scripted.body, scripted.headers)

    return Handler
