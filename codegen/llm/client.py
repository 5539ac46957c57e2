"""The LLM boundary: one small interface, one implementation over any OpenAI-compatible endpoint.

``ChatClient.complete(messages, temperature=, seed=, max_tokens=) -> Completion`` is all the rest of
sdgen sees. ``OpenAIChatClient`` implements it with the official ``openai`` client; a response cache
keyed by the full request sits in front of it, so the same request never costs tokens twice. The
API key is sent to the endpoint and nowhere else: it is not in the cache, in reprs or in messages.

Errors are translated where they enter; no ``openai`` exception escapes this module::

    LLMError (codegen.errors.SdgenError)
     ├── MissingAPIKeyError          the OpenAI API is selected but no key is set
     ├── EndpointUnreachableError    refused, unknown host, dropped connection (after retries)
     │    └── LLMTimeoutError        no answer within the timeout (not retried: server is busy)
     ├── LLMStatusError              an HTTP error status; ``status_code`` and ``detail`` kept
     │    ├── AuthenticationFailedError  HTTP 401/403: the key was refused
     │    ├── ModelNotFoundError     the endpoint does not serve the model
     │    ├── RateLimitedError       HTTP 429 still after the retries
     │    ├── EndpointServerError    HTTP 5xx still after the retries
     │    └── RequestRejectedError   any other HTTP 4xx (context too long, bad parameter, ...)
     └── MalformedReplyError         a reply that is not a chat completion, or is empty

A reply cut at the token limit is not an error: ``Completion.truncated`` flags it, and the caller
decides (a cut program usually fails to parse, and the repair prompt can say why).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypedDict
from urllib.parse import urlsplit

import openai
from openai.types.chat import ChatCompletion

from codegen.errors import (
    AuthenticationFailedError,
    EndpointServerError,
    EndpointUnreachableError,
    LLMError,
    LLMStatusError,
    LLMTimeoutError,
    MalformedReplyError,
    MissingAPIKeyError,
    ModelNotFoundError,
    RateLimitedError,
    RequestRejectedError,
)
from codegen.paths import cache_dir

DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1"
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
# OpenAI-compatible local servers ignore the key, but the client insists on one.
PLACEHOLDER_API_KEY = "sk-no-key-required"
CACHE_FORMAT_VERSION = 1


# --- errors --------------------------------------------------------------------------------------
# --- the interface -------------------------------------------------------------------------------
class ChatMessage(TypedDict):
    role: str  # "system", "user" or "assistant"
    content: str


@dataclass(frozen=True)
class TokenUsage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.total_tokens + other.total_tokens,
        )


@dataclass(frozen=True)
class Completion:
    """One reply. ``cached`` replies cost no tokens now; ``usage`` is what they cost when made."""

    text: str
    model: str
    usage: TokenUsage
    finish_reason: str
    cached: bool = False

    @property
    def truncated(self) -> bool:
        """The reply was cut at the token limit (``max_tokens`` or the context size)."""
        return self.finish_reason == "length"


class ChatClient(Protocol):
    """What the pipeline needs from an LLM: messages in, one completion out."""

    model: str

    def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        temperature: float = 0.2,
        seed: int | None = None,
        max_tokens: int | None = None,
        response_format: Mapping[str, Any] | None = None,
    ) -> Completion: ...


# --- endpoint selection --------------------------------------------------------------------------
@dataclass(frozen=True)
class Endpoint:
    """An OpenAI-compatible endpoint; the key is kept out of ``repr``."""

    base_url: str
    model: str
    api_key: str = field(default=PLACEHOLDER_API_KEY, repr=False)

    @property
    def host(self) -> str:
        """The endpoint's host name, as recorded in manifests (no port: local ports change)."""
        return urlsplit(self.base_url).hostname or self.base_url


def _env(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name, "").strip()
    return value or None


def select_endpoint(
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    model: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Endpoint | None:
    """The endpoint a command should use, or None for the embedded local model.

    An explicit ``base_url``/``api_key`` or ``OPENAI_BASE_URL``/``OPENAI_API_KEY`` selects that
    endpoint (the OpenAI API when only a key is given); nothing set means the local model.
    """
    environ = os.environ if environ is None else environ
    base_url = base_url or _env(environ, "OPENAI_BASE_URL")
    api_key = api_key or _env(environ, "OPENAI_API_KEY")
    if base_url is None and api_key is None:
        return None
    return resolve_endpoint(base_url=base_url, api_key=api_key, model=model, environ=environ)


def resolve_endpoint(
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    model: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Endpoint:
    """Fill what is not given from the environment, then from OpenAI's defaults."""
    environ = os.environ if environ is None else environ
    base_url = (base_url or _env(environ, "OPENAI_BASE_URL") or DEFAULT_OPENAI_BASE_URL).rstrip("/")
    api_key = api_key or _env(environ, "OPENAI_API_KEY")
    if api_key is None:
        if urlsplit(base_url).hostname == urlsplit(DEFAULT_OPENAI_BASE_URL).hostname:
            raise MissingAPIKeyError(
                f"no API key for {base_url}: set OPENAI_API_KEY, or point --base-url at another "
                "OpenAI-compatible server",
                base_url=base_url,
            )
        api_key = PLACEHOLDER_API_KEY
    return Endpoint(base_url=base_url, model=model or DEFAULT_OPENAI_MODEL, api_key=api_key)


# --- the response cache --------------------------------------------------------------------------
class ResponseCache:
    """Completions stored as one JSON file per request, keyed by the sha256 of the request."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or cache_dir() / "responses"

    @staticmethod
    def key(request: Mapping[str, Any]) -> str:
        canonical = json.dumps(request, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, request: Mapping[str, Any]) -> Completion | None:
        path = self.path(self.key(request))
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            response = stored["response"]
            return Completion(
                text=response["text"],
                model=response["model"],
                usage=TokenUsage(**response["usage"]),
                finish_reason=response["finish_reason"],
                cached=True,
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            return None  # a damaged entry is a miss; the fresh reply overwrites it

    def put(self, request: Mapping[str, Any], completion: Completion) -> Path:
        """Write atomically (temporary file in the same directory, then rename)."""
        path = self.path(self.key(request))
        path.parent.mkdir(parents=True, exist_ok=True)
        response = asdict(completion)
        response.pop("cached")
        record = {"version": CACHE_FORMAT_VERSION, "request": request, "response": response}
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as tmp:
                json.dump(record, tmp, ensure_ascii=False, indent=1)
            os.replace(tmp_name, path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return path


# --- the client ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RetryPolicy:
    """Attempts and backoff for 429, 5xx and dropped connections; a server's Retry-After wins."""

    max_attempts: int = 4
    initial_backoff_s: float = 1.0
    max_backoff_s: float = 30.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    def delay_s(self, failed_attempts: int, retry_after_s: float | None = None) -> float:
        if retry_after_s is not None and retry_after_s >= 0:
            return min(retry_after_s, self.max_backoff_s)
        return min(self.initial_backoff_s * 2 ** (failed_attempts - 1), self.max_backoff_s)


@dataclass(frozen=True)
class Timeouts:
    """Seconds to connect, and to wait for the whole reply (a small local model is slow)."""

    connect_s: float = 10.0
    read_s: float = 300.0


class _Retry(Exception):
    """Internal: an attempt failed in a retryable way; ``final`` is raised when tries run out."""

    def __init__(self, final: LLMError, retry_after_s: float | None = None) -> None:
        super().__init__(str(final))
        self.final = final
        self.retry_after_s = retry_after_s


class OpenAIChatClient:
    """``ChatClient`` over any OpenAI-compatible endpoint, with retries and a response cache."""

    def __init__(
        self,
        model: str | None = None,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        cache: bool = True,
        cache_dir: Path | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        endpoint = resolve_endpoint(
            base_url=base_url, api_key=api_key, model=model, environ=environ
        )
        self.endpoint = endpoint
        self.model = endpoint.model
        self.base_url = endpoint.base_url
        self.timeouts = timeouts = timeouts or Timeouts()
        self.retry = retry or RetryPolicy()
        self.cache = ResponseCache(cache_dir) if cache else None
        self._client = openai.OpenAI(
            api_key=endpoint.api_key,
            base_url=endpoint.base_url,
            timeout=openai.Timeout(timeouts.read_s, connect=timeouts.connect_s),
            max_retries=0,  # retries are ours: bounded, with a backoff tests can shorten
        )
        # Request parameters this endpoint refused and how it takes them instead (see _adapted).
        self._adaptations: set[str] = set()

    @classmethod
    def for_endpoint(cls, endpoint: Endpoint, **options: Any) -> OpenAIChatClient:
        return cls(endpoint.model, base_url=endpoint.base_url, api_key=endpoint.api_key, **options)

    def __repr__(self) -> str:
        return f"OpenAIChatClient(model={self.model!r}, base_url={self.base_url!r})"

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()

    def __enter__(self) -> OpenAIChatClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def request_record(
        self,
        messages: Sequence[ChatMessage],
        *,
        temperature: float,
        seed: int | None,
        max_tokens: int | None,
        response_format: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Everything that determines a reply, and nothing secret: the cache key's input."""
        record = {
            "model": self.model,
            "endpoint_host": self.endpoint.host,
            "messages": [{"role": m["role"], "content": m["content"]} for m in messages],
            "temperature": temperature,
            "seed": seed,
            "max_tokens": max_tokens,
        }
        if response_format is not None:  # absent otherwise, so earlier cache keys still match
            record["response_format"] = dict(response_format)
        return record

    def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        temperature: float = 0.2,
        seed: int | None = None,
        max_tokens: int | None = None,
        response_format: Mapping[str, Any] | None = None,
    ) -> Completion:
        """One reply. ``response_format`` (a JSON schema, as OpenAI takes it) asks the endpoint
        to constrain the reply to it; llama.cpp's server turns it into a grammar."""
        request = self.request_record(
            messages,
            temperature=temperature,
            seed=seed,
            max_tokens=max_tokens,
            response_format=response_format,
        )
        if self.cache is not None and (hit := self.cache.get(request)) is not None:
            return hit
        completion = self._complete_with_retries(request)
        if self.cache is not None:
            self.cache.put(request, completion)
        return completion

    def embed(self, texts: Sequence[str], *, model: str) -> list[list[float]]:
        """Embeddings of ``texts`` from the endpoint's ``/embeddings`` (one attempt per 256
        texts, not cached); errors translated as for chat."""
        vectors: list[list[float]] = []
        for start in range(0, len(texts), 256):
            try:
                response = self._client.embeddings.create(
                    model=model, input=list(texts[start : start + 256])
                )
                data = sorted(response.data, key=lambda item: item.index)
            except (openai.OpenAIError, ValueError, AttributeError, TypeError) as exc:
                raise self._translate_once(exc) from exc
            vectors += [list(item.embedding) for item in data]
        return vectors

    def list_models(self) -> list[str]:
        """The model ids the endpoint reports (one attempt)."""
        try:
            return sorted(model.id for model in self._client.models.list())
        except (openai.OpenAIError, ValueError, AttributeError, TypeError) as exc:
            raise self._translate_once(exc) from exc

    # --- internals -------------------------------------------------------------------------
    def _complete_with_retries(self, request: Mapping[str, Any]) -> Completion:
        for attempt in range(1, self.retry.max_attempts + 1):
            try:
                return self._attempt(request, attempt)
            except _Retry as retry:
                if attempt == self.retry.max_attempts:
                    raise retry.final from retry.__cause__
                time.sleep(self.retry.delay_s(attempt, retry.retry_after_s))
        raise AssertionError("unreachable: the loop returns or raises")

    def _attempt(self, request: Mapping[str, Any], attempt: int) -> Completion:
        params: dict[str, Any] = {
            "model": request["model"],
            "messages": request["messages"],
            "temperature": request["temperature"],
        }
        if request["seed"] is not None:
            params["seed"] = request["seed"]
        if request["max_tokens"] is not None:
            params["max_tokens"] = request["max_tokens"]
        if request.get("response_format") is not None:
            params["response_format"] = request["response_format"]
        try:
            response = self._create(params)
        except openai.APITimeoutError as exc:
            raise self._timeout_error(attempt) from exc
        except openai.APIConnectionError as exc:
            reason = _connection_reason(exc)
            raise _Retry(self._unreachable(reason, attempt)) from exc
        except (openai.RateLimitError, openai.InternalServerError) as exc:
            raise _Retry(self._status_error(exc, attempt), _retry_after_s(exc)) from exc
        except openai.APIStatusError as exc:
            if exc.status_code >= 500:  # a 5xx the client did not map to InternalServerError
                raise _Retry(self._status_error(exc, attempt), _retry_after_s(exc)) from exc
            raise self._status_error(exc, attempt) from exc
        except json.JSONDecodeError as exc:
            raise self._malformed(f"a reply that is not JSON ({exc.msg})") from exc
        except (openai.OpenAIError, AttributeError, TypeError) as exc:
            raise self._malformed(f"a reply the client could not read ({exc})") from exc
        return self._to_completion(response)

    def _create(self, params: dict[str, Any]) -> object:
        """One request, in the form this endpoint takes: a parameter it refuses with a 400 that
        names the fix is adapted once, and remembered for the client's later requests."""
        while True:
            adapted = _adapted(params, self._adaptations)
            try:
                return self._client.chat.completions.create(**adapted)
            except (openai.BadRequestError, openai.InternalServerError) as exc:
                # llama.cpp's server answers a refused parameter with a 500, OpenAI with a 400.
                fix = _parameter_fix(adapted, _server_message(exc))
                if fix is None or fix in self._adaptations:
                    raise
                self._adaptations.add(fix)

    def _to_completion(self, response: object) -> Completion:
        if not isinstance(response, ChatCompletion):
            raise self._malformed("a reply that is not a chat completion")
        if not response.choices:
            raise self._malformed("a chat completion with no choices")
        choice = response.choices[0]
        finish_reason = str(choice.finish_reason or "unknown")
        text = choice.message.content if choice.message is not None else None
        if not text or not text.strip():
            hint = (
                " (cut at the token limit: raise max_tokens)" if finish_reason == "length" else ""
            )
            raise self._malformed(f"an empty reply{hint}")
        usage = response.usage
        tokens = (
            TokenUsage(
                prompt_tokens=usage.prompt_tokens or 0,
                completion_tokens=usage.completion_tokens or 0,
                total_tokens=usage.total_tokens or 0,
            )
            if usage is not None
            else TokenUsage()
        )
        return Completion(
            text=text,
            model=response.model or self.model,
            usage=tokens,
            finish_reason=finish_reason,
        )

    def _translate_once(self, exc: BaseException) -> LLMError:
        """Translate an exception from a single (non-retried) call such as listing models."""
        if isinstance(exc, openai.APITimeoutError):
            return self._timeout_error(1)
        if isinstance(exc, openai.APIConnectionError):
            return self._unreachable(_connection_reason(exc), 1)
        if isinstance(exc, openai.APIStatusError):
            return self._status_error(exc, 1, look_up_models=False)
        return self._malformed(f"a reply the client could not read ({exc})")

    def _unreachable(self, reason: str, attempts: int) -> EndpointUnreachableError:
        return EndpointUnreachableError(
            f"cannot reach the LLM endpoint at {self.base_url} ({reason})",
            base_url=self.base_url,
            reason=reason,
            attempts=attempts,
        )

    def _timeout_error(self, attempts: int) -> LLMTimeoutError:
        read_s = self.timeouts.read_s
        return LLMTimeoutError(
            f"the LLM endpoint at {self.base_url} did not answer within {read_s:g} s "
            "(raise the timeout, or use a faster model or server)",
            base_url=self.base_url,
            reason="timed out",
            attempts=attempts,
        )

    def _malformed(self, what: str) -> MalformedReplyError:
        return MalformedReplyError(
            f"the LLM endpoint at {self.base_url} sent {what}", base_url=self.base_url
        )

    def _status_error(
        self, exc: openai.APIStatusError, attempts: int, *, look_up_models: bool = True
    ) -> LLMStatusError:
        status = exc.status_code
        detail = self._redact(_one_line(_server_message(exc)))
        where = f"the LLM endpoint at {self.base_url}"
        common = {"base_url": self.base_url, "status_code": status, "detail": detail}
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        if status in (401, 403):
            return AuthenticationFailedError(
                f"{where} refused the API key (HTTP {status}: {detail}); " "check OPENAI_API_KEY",
                **common,
            )
        if _is_model_not_found(exc):
            available = self._available_models_hint() if look_up_models else ""
            return ModelNotFoundError(
                f"{where} does not serve the model {self.model!r} (HTTP {status}: {detail})"
                f"{available}; choose another with --model",
                **common,
            )
        if status == 404:
            return RequestRejectedError(
                f"{where} has no chat-completions route (HTTP 404: {detail}); "
                "check --base-url (it usually ends in /v1)",
                **common,
            )
        if status == 429:
            return RateLimitedError(
                f"{where} kept rate-limiting the requests (HTTP 429{tries}: {detail})", **common
            )
        if status >= 500:
            return EndpointServerError(
                f"{where} failed with a server error (HTTP {status}{tries}: {detail})", **common
            )
        return RequestRejectedError(
            f"{where} rejected the request (HTTP {status}: {detail})", **common
        )

    def _available_models_hint(self) -> str:
        try:
            models = self.list_models()
        except LLMError:
            return ""
        if not models:
            return ""
        shown = ", ".join(models[:10]) + (", ..." if len(models) > 10 else "")
        return f"; it serves: {shown}"

    def _redact(self, text: str) -> str:
        key = self.endpoint.api_key
        return text.replace(key, "***") if len(key) >= 4 else text


def _parameter_fix(params: Mapping[str, Any], message: str) -> str | None:
    """The adaptation a refusal asks for. Newer OpenAI models (the o-series, gpt-5) refuse
    ``max_tokens`` ("use 'max_completion_tokens' instead") and any temperature but the default."""
    lowered = message.lower()
    if "max_tokens" in params and "max_completion_tokens" in lowered:
        return "max_completion_tokens"
    refused = ("does not support", "only the default")  # not "unsupported": a bad value says that
    if "temperature" in params and "temperature" in lowered and any(w in lowered for w in refused):
        return "default_temperature"
    # llama.cpp's server (llama-cpp-python) takes a schema as {"type": "json_object", "schema": S}
    # and refuses OpenAI's {"type": "json_schema", ...} with "should be 'text' or 'json_object'".
    response_format = params.get("response_format") or {}
    if response_format.get("type") == "json_schema" and "json_object" in lowered:
        return "json_object_schema"
    return None


def _adapted(params: Mapping[str, Any], adaptations: set[str]) -> dict[str, Any]:
    adapted = dict(params)
    if "max_completion_tokens" in adaptations and "max_tokens" in adapted:
        adapted["max_completion_tokens"] = adapted.pop("max_tokens")
    if "default_temperature" in adaptations:
        adapted.pop("temperature", None)
    response_format = adapted.get("response_format") or {}
    if "json_object_schema" in adaptations and response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema", {})
        adapted["response_format"] = {"type": "json_object", "schema": schema}
    return adapted


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _server_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        if isinstance(error, str):
            return error
        if body.get("message"):
            return str(body["message"])
    if isinstance(body, str) and body.strip():
        return body
    return exc.response.reason_phrase or "no detail"


def _is_model_not_found(exc: openai.APIStatusError) -> bool:
    if exc.code == "model_not_found":
        return True
    if exc.status_code != 404:
        return False
    message = _server_message(exc).lower()
    return "model" in message


def _retry_after_s(exc: openai.APIStatusError) -> float | None:
    headers = exc.response.headers
    try:
        if (ms := headers.get("retry-after-ms")) is not None:
            return float(ms) / 1000
        if (seconds := headers.get("retry-after")) is not None:
            return float(seconds)
    except ValueError:
        return None  # an HTTP-date Retry-After: fall back to our own backoff
    return None


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _connection_reason(exc: BaseException) -> str:
    """A few words on why a connection failed, from the exception chain."""
    for cause in _causes(exc):
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "host name not found"
        if isinstance(cause, ConnectionResetError):
            return "connection reset"
    for cause in _causes(exc):
        name = type(cause).__name__
        if name == "RemoteProtocolError":
            return "connection dropped before a reply"
        if name == "ConnectError" and str(cause):
            return _one_line(str(cause), 120)
    return "connection error"
