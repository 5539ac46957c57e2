"""Which LLM a command talks to: the endpoint the user named, or the embedded local model.

``--base-url``/``OPENAI_BASE_URL`` or ``OPENAI_API_KEY`` set -> that endpoint. Nothing set -> the
embedded model, served on 127.0.0.1 for the duration of the command (announced in one line).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from codegen.llm.client import OpenAIChatClient, Timeouts, select_endpoint

LOCAL_READ_TIMEOUT_S = 900.0


@dataclass(frozen=True)
class Session:
    client: OpenAIChatClient
    endpoint_host: str
    local: bool


@contextmanager
def chat_session(
    *,
    model: str | None = None,
    base_url: str | None = None,
    cache: bool = True,
    announce: Callable[[str], None] = print,
) -> Iterator[Session]:
    """An OpenAI-compatible client for the chosen endpoint; the local server stops on exit."""
    endpoint = select_endpoint(base_url=base_url, model=model)
    if endpoint is not None:
        client = OpenAIChatClient.for_endpoint(endpoint, cache=cache)
        try:
            yield Session(client, endpoint.host, local=False)
        finally:
            client.close()
        return
    from codegen.localmodel.server import serve_local_model

    announce(
        "using the embedded local model (Qwen2.5-Coder-1.5B on 127.0.0.1); "
        "set OPENAI_BASE_URL or OPENAI_API_KEY to use another endpoint"
    )
    with serve_local_model() as local:
        client = OpenAIChatClient(
            local.model,
            base_url=local.base_url,
            api_key=local.api_key,
            cache=cache,
            # A CPU model writes ~10 tokens/s here: a long program takes minutes, not seconds.
            timeouts=Timeouts(read_s=LOCAL_READ_TIMEOUT_S),
        )
        try:
            yield Session(client, "127.0.0.1", local=True)
        finally:
            client.close()
