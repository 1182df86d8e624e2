"""Provider backends against real loopback servers: shapes, pagination, retries, errors."""

from __future__ import annotations

import pytest

from agentctl.providers import BUILTIN, backend_names, get_backend
from agentctl.providers.base import ListedModel, ProviderBackend
from agentctl.providers.http import ProviderClient, ProviderError, RetryPolicy, retry_after_seconds
from tests.providers.server import ProviderServer, serve

FAST = RetryPolicy(base_delay=0.01, max_delay=0.05, max_retry_after=5.0)


def listing(backend_name: str, server: ProviderServer, key: str | None = None,
            policy: RetryPolicy = FAST) -> tuple[list[ListedModel], list[float]]:
    backend = get_backend(backend_name)
    waits: list[float] = []
    client = ProviderClient("acme", "acme-key",
                            backend.auth_headers(key if key is not None else server.key),
                            policy, sleep=waits.append)
    with client:
        return backend.list_models(client, server.base_url), waits


def test_registry_lists_builtins_that_follow_the_protocol() -> None:
    assert backend_names() == sorted(BUILTIN)
    for name in BUILTIN:
        backend = get_backend(name)
        assert isinstance(backend, ProviderBackend) and backend.name == name
    with pytest.raises(KeyError):
        get_backend("nope")


def test_anthropic_follows_after_id_pages_with_its_headers() -> None:
    ids = [f"claude-{i}" for i in range(5)]
    with serve(ProviderServer("anthropic", models=ids, page_size=2)) as server:
        models, _ = listing("anthropic", server)
    assert [m.id for m in models] == ids
    assert {m.publisher for m in models} == {"anthropic"}
    assert [r.query.get("after_id") for r in server.requests] == [None, "claude-1", "claude-3"]
    assert all(r.headers["anthropic-version"] == "2023-06-01" for r in server.requests)
    assert "authorization" not in server.requests[0].headers


def test_openai_compatible_pages_and_bearer() -> None:
    ids = ["m-a", "m-b", "m-c"]
    with serve(ProviderServer("openai", models=ids, page_size=2)) as server:
        models, _ = listing("openai-compatible", server)
    assert [m.id for m in models] == ids and {m.publisher for m in models} == {None}
    assert [r.query.get("after") for r in server.requests] == [None, "m-b"]
    assert server.requests[0].path == "/v1/models"


def test_openrouter_publisher_is_the_maker() -> None:
    with serve(ProviderServer("openai", models=["anthropic/claude-x", "plain"])) as server:
        models, _ = listing("openrouter", server)
    assert models == [ListedModel("anthropic/claude-x", "anthropic"), ListedModel("plain")]


def test_ollama_lists_tags_without_a_key() -> None:
    with serve(ProviderServer("ollama", key=None, models=["llama3:8b", "qwen3:4b"])) as server:
        models, _ = listing("ollama", server)
    assert [m.id for m in models] == ["llama3:8b", "qwen3:4b"]
    assert "authorization" not in server.requests[0].headers


def test_gemini_follows_page_tokens_and_strips_models_prefix() -> None:
    ids = ["gemini-2.5-pro", "gemini-2.5-flash", "text-embedding-004"]
    with serve(ProviderServer("gemini", models=ids, page_size=2)) as server:
        models, _ = listing("gemini", server)
    assert [(m.id, m.use) for m in models] == [
        ("gemini-2.5-pro", "chat"), ("gemini-2.5-flash", "chat"),
        ("text-embedding-004", "embedding")]
    assert [r.query.get("pageToken") for r in server.requests] == [None, "2"]
    assert "key" not in server.requests[0].query  # the key travels in a header, not the URL


def test_429_with_retry_after_then_success() -> None:
    server = ProviderServer("anthropic", models=["claude-a"])
    server.failures = [(429, {"Retry-After": "2"}, b'{"error": {"message": "slow down"}}')]
    with serve(server):
        models, waits = listing("anthropic", server)
    assert [m.id for m in models] == ["claude-a"]
    assert waits == [2.0] and len(server.requests) == 2


def test_5xx_backs_off_exponentially_and_retry_after_is_capped() -> None:
    server = ProviderServer("gemini", models=["g"])
    server.failures = [(503, {}, b"{}"), (500, {}, b"{}"),
                       (429, {"Retry-After": "3600"}, b"{}")]
    with serve(server):
        models, waits = listing("gemini", server)
    assert [m.id for m in models] == ["g"]
    assert waits == [0.01, 0.02, 5.0]


def test_attempts_are_bounded() -> None:
    server = ProviderServer("openai", models=["x"])
    server.failures = [(502, {}, b"{}")] * 10
    with serve(server), pytest.raises(ProviderError) as info:
        listing("openai", server)
    assert len(server.requests) == FAST.max_attempts
    message = str(info.value)
    assert "provider 'acme' (credential 'acme-key')" in message
    assert f"failed {FAST.max_attempts} times (last: 502 Bad Gateway)" in message


@pytest.mark.parametrize("shape", ["anthropic", "openai", "gemini"])
def test_401_names_provider_and_credential_never_the_key(shape: str) -> None:
    with serve(ProviderServer(shape, models=["x"])) as server, \
            pytest.raises(ProviderError) as info:
        listing(shape, server, key="wrong-key-5f5f5f5f")
    assert info.value.auth and len(server.requests) == 1  # a refused key is not retried
    message = str(info.value)
    assert "provider 'acme' (credential 'acme-key')" in message and "401" in message
    assert "wrong-key-5f5f5f5f" not in message


def test_other_4xx_and_garbage_are_clear_errors() -> None:
    server = ProviderServer("openai", models=["x"])
    server.failures = [(404, {}, b'{"error": {"message": "no such route"}}')]
    with serve(server), pytest.raises(ProviderError, match="404 Not Found: no such route"):
        listing("openai", server)
    server = ProviderServer("openai", models=["x"])
    server.failures = [(200, {}, b"<html>")]
    with serve(server), pytest.raises(ProviderError, match="not JSON"):
        listing("openai", server)


def test_unreachable_provider_is_retried_then_reported() -> None:
    with serve(ProviderServer("ollama", key=None)) as server:
        pass  # the port is closed again
    with pytest.raises(ProviderError, match=r"cannot reach http://127\.0\.0\.1"):
        listing("ollama", server)


def test_retry_after_http_date() -> None:
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
