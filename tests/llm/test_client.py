"""The LLM client, through the real ``openai`` client over real HTTP to the stub on 127.0.0.1."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from support.openai_stub import OpenAIStub

from codegen.errors import (
    AuthenticationFailedError,
    EndpointServerError,
    EndpointUnreachableError,
    LLMTimeoutError,
    MalformedReplyError,
    MissingAPIKeyError,
    ModelNotFoundError,
    RateLimitedError,
    RequestRejectedError,
)
from codegen.llm.client import (
    DEFAULT_OPENAI_BASE_URL,
    PLACEHOLDER_API_KEY,
    Completion,
    OpenAIChatClient,
    ResponseCache,
    RetryPolicy,
    Timeouts,
    TokenUsage,
    select_endpoint,
)

SECRET = "sk-test-SECRET-4f1c9a7e2b"
MESSAGES = [
    {"role": "system", "content": "You write generator programs."},
    {"role": "user", "content": "Make a table of houses."},
]
FAST_RETRY = RetryPolicy(max_attempts=3, initial_backoff_s=0.001, max_backoff_s=0.01)


@pytest.fixture
def make_client(openai_stub: OpenAIStub, isolated_env: Path):
    def make(**options) -> OpenAIChatClient:
        options.setdefault("base_url", openai_stub.base_url)
        options.setdefault("api_key", SECRET)
        options.setdefault("timeouts", Timeouts(connect_s=2.0, read_s=5.0))
        options.setdefault("retry", FAST_RETRY)
        return OpenAIChatClient(options.pop("model", "stub-model"), **options)

    return make


def cache_root(isolated_env: Path) -> Path:
    return isolated_env / "xdg_cache_home" / "sdgen" / "responses"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- replies ---------------------------------------------------------------------------------
def test_reply_is_returned_with_usage_and_the_request_is_complete(openai_stub, make_client):
    openai_stub.reply(
        "```python\nprint(1)\n```",
        usage={"prompt_tokens": 40, "completion_tokens": 9, "total_tokens": 49},
    )
    completion = make_client().complete(MESSAGES, temperature=0.3, seed=7, max_tokens=500)

    assert completion == Completion(
        text="```python\nprint(1)\n```",
        model="stub-model",
        usage=TokenUsage(40, 9, 49),
        finish_reason="stop",
        cached=False,
    )
    (request,) = openai_stub.chat_requests
    assert request.body["model"] == "stub-model"
    assert request.messages == MESSAGES
    assert request.body["temperature"] == 0.3
    assert request.body["seed"] == 7
    assert request.body["max_tokens"] == 500
    assert request.headers["authorization"] == f"Bearer {SECRET}"


def test_seed_and_max_tokens_are_left_out_when_not_given(openai_stub, make_client):
    openai_stub.reply("ok")
    make_client().complete(MESSAGES)
    (request,) = openai_stub.chat_requests
    assert "seed" not in request.body and "max_tokens" not in request.body


def test_truncated_reply_is_flagged_not_raised(openai_stub, make_client):
    openai_stub.truncated("def generate(rows, seed):\n    x = [")
    completion = make_client().complete(MESSAGES)
    assert completion.truncated
    assert completion.finish_reason == "length"
    assert completion.text.endswith("x = [")


def test_usage_adds_up():
    assert TokenUsage(1, 2, 3) + TokenUsage(10, 20, 30) == TokenUsage(11, 22, 33)


# --- retries ---------------------------------------------------------------------------------
def test_429_and_5xx_are_retried_then_the_reply_is_returned(openai_stub, make_client):
    openai_stub.error(429, "slow down").error(502, "bad gateway").reply("finally")
    completion = make_client().complete(MESSAGES)
    assert completion.text == "finally"
    assert len(openai_stub.chat_requests) == 3
    # the same request each time
    assert len({json.dumps(r.body, sort_keys=True) for r in openai_stub.chat_requests}) == 1


def test_dropped_connection_is_retried(openai_stub, make_client):
    openai_stub.drop().reply("after the drop")
    assert make_client().complete(MESSAGES).text == "after the drop"
    assert len(openai_stub.chat_requests) == 2


def test_retry_after_from_the_server_is_honoured_within_the_cap(openai_stub, make_client):
    policy = RetryPolicy(max_attempts=2, initial_backoff_s=5.0, max_backoff_s=0.05)
    openai_stub.error(429, "wait", headers={"Retry-After": "30"}).reply("ok")
    # a 30 s Retry-After is capped at max_backoff_s, or this test would hang for 30 s
    assert make_client(retry=policy).complete(MESSAGES).text == "ok"
    assert policy.delay_s(1, retry_after_s=0.02) == 0.02
    assert policy.delay_s(1) == 0.05
    assert RetryPolicy(initial_backoff_s=1, max_backoff_s=30).delay_s(3) == 4


def test_rate_limit_that_persists_ends_in_a_clear_error(openai_stub, make_client):
    for _ in range(3):
        openai_stub.error(429, "Rate limit reached for requests")
    with pytest.raises(RateLimitedError) as caught:
        make_client().complete(MESSAGES)
    assert len(openai_stub.chat_requests) == 3
    assert "HTTP 429 after 3 attempts" in str(caught.value)
    assert "Rate limit reached for requests" in str(caught.value)
    assert caught.value.status_code == 429


def test_server_error_that_persists_ends_in_a_clear_error(openai_stub, make_client):
    for _ in range(3):
        openai_stub.error(500, "The server had an error\nwhile processing")
    with pytest.raises(EndpointServerError) as caught:
        make_client().complete(MESSAGES)
    message = str(caught.value)
    assert "HTTP 500 after 3 attempts" in message
    assert "\n" not in message  # one line a user can act on


def test_connection_refused_names_the_endpoint(isolated_env):
    port = closed_port()
    client = OpenAIChatClient(
        "m", base_url=f"http://127.0.0.1:{port}/v1", retry=FAST_RETRY, cache=False
    )
    with pytest.raises(EndpointUnreachableError) as caught:
        client.complete(MESSAGES)
    assert str(caught.value) == (
        f"cannot reach the LLM endpoint at http://127.0.0.1:{port}/v1 (connection refused)"
    )
    assert caught.value.attempts == 3


def test_connection_dropped_every_time(openai_stub, make_client):
    openai_stub.drop().drop().drop()
    with pytest.raises(EndpointUnreachableError, match="connection dropped before a reply"):
        make_client().complete(MESSAGES)
    assert len(openai_stub.chat_requests) == 3


def test_slow_reply_times_out_and_is_not_resent(openai_stub, make_client):
    openai_stub.slow("too late", delay_s=5.0)
    client = make_client(timeouts=Timeouts(connect_s=1.0, read_s=0.3))
    with pytest.raises(LLMTimeoutError, match=r"did not answer within 0\.3 s"):
        client.complete(MESSAGES)
    assert len(openai_stub.chat_requests) == 1


# --- refusals --------------------------------------------------------------------------------
def test_refused_key_is_reported_without_the_key(openai_stub, make_client):
    openai_stub.error(401, f"Incorrect API key provided: {SECRET}.", code="invalid_api_key")
    with pytest.raises(AuthenticationFailedError) as caught:
        make_client().complete(MESSAGES)
    assert "refused the API key (HTTP 401" in str(caught.value)
    assert SECRET not in str(caught.value)
    assert len(openai_stub.chat_requests) == 1  # not retried


def test_unknown_model_lists_what_the_endpoint_serves(make_client, openai_stub):
    openai_stub.models = ["qwen2.5-coder", "llama-3"]
    openai_stub.error(404, "The model `gpt-9` does not exist", code="model_not_found")
    with pytest.raises(ModelNotFoundError) as caught:
        make_client(model="gpt-9").complete(MESSAGES)
    message = str(caught.value)
    assert "does not serve the model 'gpt-9'" in message
    assert "it serves: llama-3, qwen2.5-coder" in message


def test_404_without_a_model_complaint_points_at_the_base_url(openai_stub, make_client):
    openai_stub.error(404, "Not Found")
    with pytest.raises(RequestRejectedError, match="check --base-url"):
        make_client().complete(MESSAGES)


def test_other_4xx_is_not_retried(openai_stub, make_client):
    openai_stub.error(400, "This model's maximum context length is 4096 tokens")
    with pytest.raises(RequestRejectedError, match="maximum context length") as caught:
        make_client().complete(MESSAGES)
    assert caught.value.status_code == 400
    assert len(openai_stub.chat_requests) == 1


def test_a_refused_parameter_is_sent_as_the_endpoint_asks_and_remembered(openai_stub, make_client):
    """Newer OpenAI models refuse `max_tokens` and any temperature but the default, with a 400
    that names the fix: the request goes again in that form, and later requests start in it."""
    openai_stub.error(
        400,
        "Unsupported parameter: 'max_tokens' is not supported with this model. "
        "Use 'max_completion_tokens' instead.",
        error_type="invalid_request_error",
        code="unsupported_parameter",
    )
    openai_stub.error(
        400,
        "Unsupported value: 'temperature' does not support 0.2 with this model. "
        "Only the default (1) value is supported.",
        code="unsupported_value",
    )
    openai_stub.replies("first", "second")
    client = make_client(cache=False)
    assert client.complete(MESSAGES, max_tokens=50).text == "first"
    assert client.complete(MESSAGES, max_tokens=60).text == "second"
    bodies = [r.body for r in openai_stub.chat_requests]
    assert [
        ("max_tokens" in b, "max_completion_tokens" in b, "temperature" in b) for b in bodies
    ] == [
        (True, False, True),
        (False, True, True),
        (False, True, False),
        (False, True, False),
    ]
    assert bodies[-1]["max_completion_tokens"] == 60


def test_a_json_schema_goes_as_llama_cpps_json_object_form_where_that_is_refused(
    openai_stub, make_client
):
    """OpenAI takes {"type": "json_schema", ...}; llama.cpp's server refuses it (with a 500 that
    names 'json_object') and takes {"type": "json_object", "schema": ...}: asked once, then
    remembered. The schema itself is sent unchanged either way, and it is part of the cache key."""
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    form = {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}}
    openai_stub.error(500, "Input should be 'text' or 'json_object'", error_type="validation_error")
    openai_stub.replies('{"n": 1}', '{"n": 2}')
    client = make_client(cache=False)
    assert client.complete(MESSAGES, response_format=form).text == '{"n": 1}'
    assert client.complete(MESSAGES, response_format=form).text == '{"n": 2}'
    sent = [r.body["response_format"] for r in openai_stub.chat_requests]
    assert sent == [form, {"type": "json_object", "schema": schema}, sent[1]]
    plain = client.request_record(MESSAGES, temperature=0.2, seed=None, max_tokens=None)
    shaped = client.request_record(
        MESSAGES, temperature=0.2, seed=None, max_tokens=None, response_format=form
    )
    assert "response_format" not in plain and shaped["response_format"] == form


def test_a_refusal_that_names_no_fix_is_not_sent_again(openai_stub, make_client):
    openai_stub.error(400, "Unsupported value: 'temperature' must be at most 2")
    with pytest.raises(RequestRejectedError, match="temperature"):
        make_client().complete(MESSAGES, temperature=5.0)
    assert len(openai_stub.chat_requests) == 1


# --- nonsense --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("script", "message"),
    [
        (lambda s: s.malformed(), "a reply that is not JSON"),
        (
            lambda s: s.raw(200, b"<html>hello</html>", content_type="text/html"),
            "not a chat completion",
        ),
        (lambda s: s.raw(200, b'{"choices": []}'), "no choices"),
        (lambda s: s.raw(200, b'{"unexpected": 1}'), "no choices"),
        (lambda s: s.reply(""), "an empty reply"),
        (lambda s: s.reply(None), "an empty reply"),
        (lambda s: s.truncated(""), "raise max_tokens"),
    ],
)
def test_malformed_replies_are_translated(openai_stub, make_client, script, message):
    script(openai_stub)
    with pytest.raises(MalformedReplyError, match=message):
        make_client().complete(MESSAGES)
    assert len(openai_stub.chat_requests) == 1


# --- the cache -------------------------------------------------------------------------------
def test_same_request_is_answered_from_the_cache(openai_stub, make_client, isolated_env):
    openai_stub.reply("the program")
    client = make_client()
    first = client.complete(MESSAGES, seed=1)
    second = make_client().complete(MESSAGES, seed=1)  # a new client, as a re-run would have

    assert len(openai_stub.chat_requests) == 1
    assert not first.cached and second.cached
    assert (second.text, second.model, second.usage) == (first.text, first.model, first.usage)
    files = list(cache_root(isolated_env).rglob("*"))
    assert [f.suffix for f in files if f.is_file()] == [".json"]  # no temporary files left


@pytest.mark.parametrize(
    "change",
    [
        {"seed": 2},
        {"temperature": 0.9},
        {"max_tokens": 100},
        {"messages": MESSAGES[:1]},
    ],
)
def test_any_change_in_the_request_misses_the_cache(openai_stub, make_client, change):
    openai_stub.replies("one", "two")
    client = make_client()
    base = {"messages": MESSAGES, "seed": 1, "temperature": 0.2, "max_tokens": None}
    client.complete(**base)
    assert client.complete(**{**base, **change}).text == "two"
    assert len(openai_stub.chat_requests) == 2


def test_another_model_misses_the_cache(openai_stub, make_client):
    openai_stub.replies("one", "two")
    make_client(model="a").complete(MESSAGES)
    assert make_client(model="b").complete(MESSAGES).text == "two"


def test_same_host_on_another_port_hits_the_cache(openai_stub, make_client):
    # the embedded server gets a new free port each run; its replies must still be reused
    openai_stub.reply("program")
    make_client().complete(MESSAGES)
    with OpenAIStub() as other:
        completion = make_client(base_url=other.base_url).complete(MESSAGES)
        assert completion.cached and other.requests == []


def test_no_cache_always_asks(openai_stub, make_client, isolated_env):
    openai_stub.replies("one", "two")
    client = make_client(cache=False)
    assert [client.complete(MESSAGES).text for _ in range(2)] == ["one", "two"]
    assert not cache_root(isolated_env).exists()


def test_errors_are_not_cached(openai_stub, make_client):
    openai_stub.error(400, "bad").reply("good")
    client = make_client()
    with pytest.raises(RequestRejectedError):
        client.complete(MESSAGES)
    assert client.complete(MESSAGES).text == "good"


def test_truncated_reply_is_cached_and_still_flagged(openai_stub, make_client):
    openai_stub.truncated("cut")
    make_client().complete(MESSAGES)
    again = make_client().complete(MESSAGES)
    assert again.cached and again.truncated


def test_damaged_cache_entry_is_a_miss_and_gets_rewritten(openai_stub, make_client, isolated_env):
    openai_stub.replies("one", "two")
    make_client().complete(MESSAGES)
    (entry,) = cache_root(isolated_env).rglob("*.json")
    entry.write_text("{half a json", encoding="utf-8")
    assert make_client().complete(MESSAGES).text == "two"
    assert json.loads(entry.read_text(encoding="utf-8"))["response"]["text"] == "two"


def test_cache_honours_xdg_cache_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert ResponseCache().directory == tmp_path / "xdg" / "sdgen" / "responses"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert ResponseCache().directory == tmp_path / "home" / ".cache" / "sdgen" / "responses"


def test_api_key_is_never_written(openai_stub, make_client, isolated_env):
    openai_stub.reply("one").truncated("two").error(401, f"bad key {SECRET}")
    client = make_client()
    client.complete(MESSAGES)
    client.complete(MESSAGES, seed=3)
    with pytest.raises(AuthenticationFailedError) as caught:
        client.complete(MESSAGES, seed=4)

    # the key was really used...
    assert openai_stub.chat_requests[0].headers["authorization"] == f"Bearer {SECRET}"
    # ...and is nowhere on disk under the user dirs, nor in reprs or messages
    written = [p for p in isolated_env.rglob("*") if p.is_file()]
    assert len(written) == 2
    assert all(SECRET.encode() not in p.read_bytes() for p in written)
    assert SECRET not in repr(client) and SECRET not in repr(client.endpoint)
    assert SECRET not in str(caught.value) and SECRET not in caught.value.detail


# --- endpoint selection ----------------------------------------------------------------------
def test_nothing_set_selects_the_embedded_model():
    assert select_endpoint(environ={}) is None
    assert select_endpoint(environ={"OPENAI_API_KEY": "", "OPENAI_BASE_URL": " "}) is None


def test_api_key_alone_selects_openai():
    endpoint = select_endpoint(environ={"OPENAI_API_KEY": SECRET})
    assert endpoint is not None
    assert endpoint.base_url == DEFAULT_OPENAI_BASE_URL
    assert endpoint.api_key == SECRET
    assert endpoint.host == "api.openai.com"


def test_base_url_alone_selects_that_server_with_a_placeholder_key():
    endpoint = select_endpoint(environ={"OPENAI_BASE_URL": "http://127.0.0.1:8080/v1/"})
    assert endpoint is not None
    assert endpoint.base_url == "http://127.0.0.1:8080/v1"
    assert endpoint.api_key == PLACEHOLDER_API_KEY
    assert endpoint.host == "127.0.0.1"


def test_arguments_win_over_the_environment():
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:1/v1", "OPENAI_API_KEY": "env-key"}
    endpoint = select_endpoint(
        base_url="http://127.0.0.1:2/v1", api_key="arg-key", model="m", environ=env
    )
    assert endpoint is not None
    assert (endpoint.base_url, endpoint.api_key, endpoint.model) == (
        "http://127.0.0.1:2/v1",
        "arg-key",
        "m",
    )


def test_client_reads_the_environment(openai_stub, monkeypatch, isolated_env):
    monkeypatch.setenv("OPENAI_BASE_URL", openai_stub.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    openai_stub.reply("from env")
    assert OpenAIChatClient("stub-model", retry=FAST_RETRY).complete(MESSAGES).text == "from env"
    assert openai_stub.chat_requests[0].headers["authorization"] == f"Bearer {SECRET}"


def test_openai_without_a_key_is_a_clear_error(isolated_env):
    with pytest.raises(MissingAPIKeyError, match="set OPENAI_API_KEY"):
        OpenAIChatClient("gpt-4o-mini", base_url=DEFAULT_OPENAI_BASE_URL)
