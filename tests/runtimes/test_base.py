"""What every runtime shares: the endpoint helpers, the SSE deprecation warning, the CLI
each one starts (service command and ``agentctl run``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentctl.runtimes import get_runtime
from agentctl.runtimes.base import HostLaunch
from agentctl.runtimes.common import endpoint, with_suffix, without_suffix
from tests.runtimes.conftest import (
    MODEL,
    NO_SSE_RUNTIMES,
    RUNTIMES,
    SSE_RUNTIMES,
    build_errors,
    build_project,
)


def test_suffix_helpers() -> None:
    assert with_suffix("https://gw.example.com/", "/v1") == "https://gw.example.com/v1"
    assert with_suffix("https://gw.example.com/v1", "/v1") == "https://gw.example.com/v1"
    assert without_suffix("https://gw.example.com/v1/", "/v1") == "https://gw.example.com"
    assert without_suffix("https://gw.example.com/v1beta", "/v1") == (
        "https://gw.example.com/v1beta")  # only a whole trailing suffix goes


def test_endpoint_is_base_url_or_the_backend_default(tmp_path: Path) -> None:
    catalogue = """\
providers:
  - {name: lan, backend: ollama}
  - {name: gw2, backend: openai-compatible, base_url: "https://gw.example.com/v1/"}
models:
  - {name: qwen, provider: lan, provider_model: "qwen3:8b"}
  - {name: gwm, provider: gw2, provider_model: m}
agents:
  - {name: a, runtime: opencode, model: qwen, instructions: x}
  - {name: b, runtime: opencode, model: gwm, inference_credential: acme-key, instructions: x}
  - {name: c, runtime: opencode, instructions: x}
"""
    agents = build_project(tmp_path, catalogue).resolved.agents
    assert endpoint(agents["a"]) == "http://localhost:11434"
    assert endpoint(agents["b"]) == "https://gw.example.com/v1"
    assert endpoint(agents["c"]) is None


SSE = """\
mcp_servers:
  - {name: events, transport: sse, url: "https://mcp.example.com/sse"}
agents:
  - {name: a, runtime: RUNTIME, model: MODEL, instructions: x, mcp_servers: [events]}
"""


@pytest.mark.parametrize("runtime", SSE_RUNTIMES)
def test_sse_server_warns(tmp_path: Path, runtime: str) -> None:
    """MCP 2026-07-28 deprecates HTTP+SSE (SEP-2596): W502 wherever an agent uses it."""
    built = build_project(tmp_path, SSE.replace("RUNTIME", runtime)
                          .replace("MODEL", MODEL[runtime]))
    assert [w.code for w in built.warnings if w.code.startswith("W5")] == ["W502"]


@pytest.mark.parametrize("runtime", NO_SSE_RUNTIMES)
def test_sse_without_the_transport_is_refused_not_warned(tmp_path: Path, runtime: str) -> None:
    errors = build_errors(tmp_path, SSE.replace("RUNTIME", runtime)
                          .replace("MODEL", MODEL[runtime]))
    assert [e.code for e in errors] == ["E505"]


def test_the_sse_split_is_the_documented_one() -> None:
    assert (SSE_RUNTIMES, NO_SSE_RUNTIMES) == (("claude-code", "opencode", "kilo", "gemini-cli",
                                                 "copilot-cli", "qwen-code"),
                                                ("codex",))


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_service_and_run_start_the_same_cli(tmp_path: Path, runtime: str) -> None:
    """The service runs the pinned npm release; ``agentctl run`` the same program."""
    catalogue = f"""\
agents:
  - {{name: a, runtime: {runtime}, model: {MODEL[runtime]}, instructions: x,
     permission: full}}
"""
    agent = build_project(tmp_path, catalogue).resolved.agents["a"]
    rt = get_runtime(runtime)
    assert isinstance(rt, HostLaunch)
    host = rt.host_command(agent)
    service = rt.service(agent, "w", "e")
    assert host is not None and service is not None
    package = f"{rt.npm_package}@{rt.version}"  # type: ignore[attr-defined]
    at = service["command"].index(package)
    assert service["command"][at - 2:at] == ["npx", "--yes"]
    assert service["command"][at + 1:] == host[1:]  # the same fixed arguments
    assert package in rt.install_hint()


def test_files_only_runtime_has_no_cli(tmp_path: Path) -> None:
    agent = build_project(tmp_path, "agents:\n  - {name: a, runtime: none, instructions: x}\n"
                          ).resolved.agents["a"]
    none = get_runtime("none")
    assert isinstance(none, HostLaunch) and none.host_command(agent) is None
