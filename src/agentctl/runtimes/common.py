"""Helpers the runtimes share: the agent's endpoint, URL suffixes, JSON output, merging,
a server's headers and env in the catalogue's canonical ``${VAR}`` form, and the check
for placeholder defaults a runtime does not expand."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from agentctl.providers import default_base_url

if TYPE_CHECKING:
    from agentctl.catalogue.load import Located
    from agentctl.catalogue.schema import Agent
    from agentctl.diagnostics import Diagnostic
    from agentctl.resolve import ResolvedAgent, ResolvedServer


def endpoint(agent: ResolvedAgent) -> str | None:
    """The agent's inference endpoint as the catalogue means it: the provider's
    ``base_url``, else its backend's default (``agentctl.providers``), without a
    trailing ``/``. None without a provider or an endpoint.

    The catalogue's form follows each backend's model-list API (README "Providers and
    models"): ``https://api.anthropic.com`` and ``http://localhost:11434`` without a
    version, OpenAI-shaped endpoints with ``/v1``; each runtime turns it into the form
    its own client reads (:func:`with_suffix`, :func:`without_suffix`).
    """
    provider = agent.provider
    if provider is None:
        return None
    url = provider.base_url
    if not url:
        try:
            url = default_base_url(provider.backend)
        except KeyError:  # an unknown backend is reported by resolve
            return None
    return url.rstrip("/") if url else None


def with_suffix(url: str, suffix: str) -> str:
    """``url`` ending in ``suffix`` (``/v1``), added only when it is not there yet."""
    url = url.rstrip("/")
    return url if url.endswith(suffix) else url + suffix


def without_suffix(url: str, suffix: str) -> str:
    """``url`` with a trailing ``suffix`` (``/v1``) removed: for clients that append it."""
    url = url.rstrip("/")
    return url[: -len(suffix)] if url.endswith(suffix) else url


def dump_json(document: Any) -> bytes:
    """Serialise ``document`` as 2-space JSON with a final newline (deterministic)."""
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Return ``base`` with ``extra`` merged in: mappings recursively, other values replaced."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def server_headers(server: ResolvedServer) -> dict[str, str]:
    """A remote server's headers as the catalogue means them, credential included.

    The credential travels as ``Authorization: Bearer ${<secret_env>}`` (seed:
    ``config_entry``); placeholders stay in the canonical ``${VAR}`` form.
    """
    headers = dict(server.server.headers)
    if server.secret_env:
        headers["Authorization"] = "Bearer ${" + server.secret_env + "}"
    return dict(sorted(headers.items()))


def server_env(server: ResolvedServer) -> dict[str, str]:
    """A stdio server's env as the catalogue means it: the credential as ``${VAR}``."""
    env = dict(server.server.env)
    if server.secret_env:
        env[server.secret_env] = "${" + server.secret_env + "}"
    return dict(sorted(env.items()))


def default_placeholder_errors(
    runtime: str, agent: ResolvedAgent, located: Located[Agent], why: str,
) -> list[Diagnostic]:
    """E506 for each ``${VAR:-default}`` in a server's env (stdio) or headers (remote),
    for a runtime that expands ``${VAR}`` but not the default form; ``why`` names the
    runtime's reason, after the placeholder."""
    from agentctl.catalogue.schema import Ref, split_placeholders
    from agentctl.runtimes.checks import placeholder_error

    out: list[Diagnostic] = []
    for server in agent.mcp_servers:
        s = server.server
        field, values = ("env", s.env) if s.transport == "stdio" else ("headers", s.headers)
        for key, text in values.items():
            for part in split_placeholders(text):
                if isinstance(part, Ref) and part.default is not None:
                    out.append(placeholder_error(
                        runtime, agent, server, field, key,
                        f"{part.canonical()} has a default, and {why}",
                        f"Drop ':-{part.default}' (an unset variable becomes empty text), "
                        "or use another runtime for this agent.",
                    ))
    return out
