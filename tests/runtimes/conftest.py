"""Helpers for runtime tests: a catalogue in tmp_path, built through the real pipeline."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentctl import providers, runtimes
from agentctl.diagnostics import Diagnostic, DiagnosticError
from agentctl.render.pipeline import Built, build
from agentctl.runtimes import BUILTIN, get_runtime

#: Credentials, providers and models every runtime test can use.
BASE = """\
credentials:
  - {name: anthropic-key, kind: api_key, env: T_ANTHROPIC}
  - {name: anthropic-oauth, kind: oauth_token, env: T_OAUTH}
  - {name: openai-key, kind: api_key, env: T_OPENAI}
  - {name: gemini-key, kind: api_key, env: T_GEMINI}
  - {name: gateway-bearer, kind: bearer, env: T_GATEWAY}
  - {name: probe-token, kind: bearer, env: T_PROBE}
  - {name: acme-key, kind: api_key, env: T_ACME}
providers:
  - {name: anthropic, backend: anthropic, credential: anthropic-key}
  - {name: openai, backend: openai, credential: openai-key}
  - {name: google, backend: gemini, credential: gemini-key}
  - {name: gateway, backend: openai-compatible, base_url: "https://llm.example.com/v1",
     credential: gateway-bearer}
  - {name: local, backend: ollama, base_url: "http://ollama:11434/v1"}
models:
  - {name: sonnet, provider: anthropic, provider_model: claude-sonnet-4-5}
  - {name: gpt, provider: openai, provider_model: gpt-5}
  - {name: flash, provider: google, provider_model: gemini-2.5-flash}
  - {name: gw-model, provider: gateway, provider_model: qwen3-coder}
  - {name: llama, provider: local, provider_model: "llama3.1:8b"}
skills:
  - path: ../skills/demo
"""
SKILL = """\
---
name: demo
description: A demo skill for runtime tests.
---
Say hello.
"""

#: The built-in runtimes that render a service, from the registry, in the docs' order.
RUNTIMES = tuple(n for n in BUILTIN if get_runtime(n).renders_service)
#: BASE's models of the first-party providers: model → its provider's backend.
FIRST_PARTY = {"sonnet": "anthropic", "gpt": "openai", "flash": "gemini"}
#: A default model per runtime: the first of BASE's that the runtime's backends accept.
MODEL = {
    name: next(model for model, backend in FIRST_PARTY.items()
               if not get_runtime(name).backends or backend in get_runtime(name).backends)
    for name in RUNTIMES
}
#: Service runtimes that still speak the deprecated HTTP+SSE transport, and those that don't.
SSE_RUNTIMES = tuple(n for n in RUNTIMES if "sse" in get_runtime(n).transports)
NO_SSE_RUNTIMES = tuple(n for n in RUNTIMES if n not in SSE_RUNTIMES)


def write_project(root: Path, catalogue: str) -> Path:
    """Write ``agentctl.yaml`` and ``catalogue/base.yaml`` + ``catalogue/test.yaml``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "agentctl.yaml").write_text("name: t\ncatalogue: [catalogue/*.yaml]\n")
    (root / "catalogue").mkdir(exist_ok=True)
    (root / "catalogue" / "base.yaml").write_text(BASE)
    (root / "catalogue" / "test.yaml").write_text(textwrap.dedent(catalogue))
    (root / "skills" / "demo").mkdir(parents=True, exist_ok=True)
    (root / "skills" / "demo" / "SKILL.md").write_text(SKILL)
    return root


def build_project(root: Path, catalogue: str) -> Built:
    """Run load → resolve → render on a fresh project holding ``catalogue``."""
    return build(write_project(root, catalogue), explicit=True)


def build_errors(root: Path, catalogue: str) -> list[Diagnostic]:
    """The errors the pipeline raises for ``catalogue`` (fails if it raises none)."""
    with pytest.raises(DiagnosticError) as info:
        build_project(root, catalogue)
    return info.value.errors


def workspace(built: Built, agent: str) -> dict[str, str]:
    """The agent's workspace as ``{relative path: text}``."""
    prefix = f"workspaces/{agent}/"
    return {
        path[len(prefix):]: spec.content.decode("utf-8")
        for path, spec in sorted(built.tree.files.items()) if path.startswith(prefix)
    }


def env_names(built: Built, agent: str) -> list[str]:
    """Variable names of the agent's env file, in file order."""
    spec = built.tree.env_files.get(f"env/{agent}.env")
    return [v.name for v in spec.variables] if spec else []


@pytest.fixture
def fresh_registry() -> Iterator[None]:
    """Runtime and provider registries read afresh before and after the test (a test
    that adds a plug-in entry point must not leave it registered)."""
    caches = (runtimes._registry.cache_clear, runtimes.get_runtime.cache_clear,
              providers._registry.cache_clear, providers.get_backend.cache_clear)
    for clear in caches:
        clear()
    yield
    for clear in caches:
        clear()


def mcp_servers(x_key: str = "${ACME_KEY:-none}") -> str:
    """A catalogue's ``mcp_servers:`` with one server per transport (http with a credential,
    a header secret ``x_key`` and a tool list; sse; stdio with an env secret), the set the
    gemini-cli, copilot-cli and qwen-code tests render."""
    return f"""\
mcp_servers:
  - name: probe
    transport: http
    url: http://127.0.0.1:8765/mcp
    credential: probe-token
    headers: {{X-Key: "{x_key}"}}
    secrets: {{ACME_KEY: acme-key}}
    tools: [echo, add]
  - name: events
    transport: sse
    url: https://mcp.example.com/sse
  - name: fs
    transport: stdio
    command: npx
    args: [-y, "@modelcontextprotocol/server-filesystem@2025.8.21", /workspace]
    env: {{API_KEY: "${{API_KEY}}", MODE: ro}}
    secrets: {{API_KEY: acme-key}}
"""
