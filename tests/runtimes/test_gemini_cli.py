"""Gemini CLI: .gemini/settings.json, transport keys, approval modes, context.fileName."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion

from agentctl.runtimes import get_runtime
from agentctl.runtimes.gemini_cli import GEMINI_CLI_VERSION
from tests.runtimes.conftest import (
    build_errors,
    build_project,
    env_names,
    mcp_servers,
    workspace,
)

SERVERS = mcp_servers()


def agent(extra: str = "", model: str = "flash") -> str:
    return SERVERS + f"""\
agents:
  - name: gm
    runtime: gemini-cli
    model: {model}
    instructions: Triage incidents.
    skills: [demo]
    mcp_servers: [{{name: probe, tools: [echo]}}, events, fs]
{extra}"""


def settings(tmp_path: Path, extra: str = "") -> dict[str, Any]:
    built = build_project(tmp_path, agent(extra))
    result: dict[str, Any] = json.loads(workspace(built, "gm")[".gemini/settings.json"])
    return result


def test_workspace_snapshot(tmp_path: Path, snapshot: SnapshotAssertion) -> None:
    built = build_project(tmp_path, agent("    permission: read\n"))
    assert workspace(built, "gm") == snapshot


def test_files_and_skills_folder(tmp_path: Path) -> None:
    files = workspace(build_project(tmp_path, agent()), "gm")
    assert set(files) == {"AGENTS.md", ".gemini/settings.json", ".gemini/skills/demo/SKILL.md"}


def test_reads_agents_md_and_model(tmp_path: Path) -> None:
    doc = settings(tmp_path)
    assert doc["context"] == {"fileName": ["AGENTS.md"]}
    assert doc["model"] == {"name": "gemini-2.5-flash"}
    assert "contextFileName" not in doc  # legacy key


def test_transport_keys(tmp_path: Path) -> None:
    """``url`` + ``type`` for both remote transports: ``httpUrl`` is deprecated upstream."""
    servers = settings(tmp_path)["mcpServers"]
    assert servers["probe"] == {
        "url": "http://127.0.0.1:8765/mcp",
        "type": "http",
        "headers": {"Authorization": "Bearer ${AGENTCTL_MCP_PROBE_TOKEN}",
                    "X-Key": "${ACME_KEY:-none}"},
        "includeTools": ["echo"],
        "trust": True,
    }
    assert servers["events"] == {"url": "https://mcp.example.com/sse", "type": "sse",
                                 "trust": True}
    assert not any("httpUrl" in entry for entry in servers.values())
    assert servers["fs"] == {
        "command": "npx",
        "args": ["-y", "@modelcontextprotocol/server-filesystem@2025.8.21", "/workspace"],
        "env": {"API_KEY": "${API_KEY}", "MODE": "ro"},
        "trust": True,
    }


@pytest.mark.parametrize(
    ("permission", "mode"), [("read", "plan"), ("write", "auto_edit"), ("auto", "default")]
)
def test_approval_mode_in_settings(tmp_path: Path, permission: str, mode: str) -> None:
    doc = settings(tmp_path, f"    permission: {permission}\n")
    assert doc["general"] == {"defaultApprovalMode": mode}


def test_full_is_yolo_on_the_command_line(tmp_path: Path) -> None:
    built = build_project(tmp_path, agent("    permission: full\n"))
    doc = json.loads(workspace(built, "gm")[".gemini/settings.json"])
    assert "general" not in doc  # settings cannot hold yolo
    service = get_runtime("gemini-cli").service(built.resolved.agents["gm"], "w", "e")
    assert service is not None
    assert service["command"] == [
        "npx", "--yes", f"@google/gemini-cli@{GEMINI_CLI_VERSION}", "--approval-mode=yolo",
    ]
    assert service["environment"] == {"GEMINI_CLI_TRUST_WORKSPACE": "true"}


def test_settings_passthrough_deep_merges(tmp_path: Path) -> None:
    extra = """\
    permission: write
    settings:
      general: {vimMode: true}
      ui: {hideBanner: true}
      mcpServers: {probe: {timeout: 30000}}
"""
    doc = settings(tmp_path, extra)
    assert doc["general"] == {"defaultApprovalMode": "auto_edit", "vimMode": True}
    assert doc["ui"] == {"hideBanner": True}
    assert doc["mcpServers"]["probe"]["timeout"] == 30000
    assert doc["mcpServers"]["probe"]["url"] == "http://127.0.0.1:8765/mcp"


def test_env_file(tmp_path: Path) -> None:
    built = build_project(tmp_path, agent())
    assert env_names(built, "gm") == [
        "GEMINI_API_KEY", "AGENTCTL_MCP_PROBE_TOKEN", "ACME_KEY", "API_KEY",
    ]


@pytest.mark.parametrize("credential", ["anthropic-oauth", "gateway-bearer"])
def test_only_api_keys(tmp_path: Path, credential: str) -> None:
    errors = build_errors(tmp_path, agent(f"    inference_credential: {credential}\n"))
    assert [e.code for e in errors] == ["E503"]
    assert "accepts credential kinds: api_key" in errors[0].detail


@pytest.mark.parametrize("model", ["sonnet", "gpt"])
def test_only_gemini_backend(tmp_path: Path, model: str) -> None:
    errors = build_errors(tmp_path, agent(model=model))
    assert [e.code for e in errors] == ["E501"]


def test_effort_is_a_warning(tmp_path: Path) -> None:
    built = build_project(tmp_path, agent("    effort: low\n"))
    assert [w.code for w in built.warnings if w.code == "W501"] == ["W501"]


def test_allow_list_is_pre_approved(tmp_path: Path) -> None:
    """Headless Gemini offers only tools a policy rule allows: each server registers just
    its allow-listed tools (``includeTools``) and is trusted, which allows those; the
    deprecated ``tools.allowed`` is not written."""
    servers = settings(tmp_path)["mcpServers"]
    assert {name: (entry.get("includeTools"), entry["trust"])
            for name, entry in servers.items()} == {
        "probe": (["echo"], True), "events": (None, True), "fs": (None, True)}
    assert "tools" not in settings(tmp_path)


def test_auth_type_follows_the_credential_kind(tmp_path: Path) -> None:
    """An API key selects ``gemini-api-key``: with ``GOOGLE_GEMINI_BASE_URL`` set, Gemini
    would otherwise guess ``gateway`` and exit 41 headless."""
    assert settings(tmp_path)["security"] == {"auth": {"selectedType": "gemini-api-key"}}


def test_no_model_no_auth_type(tmp_path: Path) -> None:
    catalogue = """\
agents:
  - {name: gm, runtime: gemini-cli, instructions: x}
"""
    doc = json.loads(workspace(build_project(tmp_path, catalogue), "gm")[".gemini/settings.json"])
    assert "security" not in doc and "tools" not in doc


@pytest.mark.parametrize(("base_url", "expected"), [
    ("http://127.0.0.1:9/gemini", "http://127.0.0.1:9/gemini"),
    ("https://gw.example.com/v1beta/", "https://gw.example.com"),
])
def test_endpoint_without_version(tmp_path: Path, base_url: str, expected: str) -> None:
    """``GOOGLE_GEMINI_BASE_URL`` is the host part: the SDK appends ``/v1beta/models/…``."""
    catalogue = f"""\
providers:
  - {{name: gw, backend: gemini, base_url: "{base_url}", credential: gemini-key}}
models:
  - {{name: gw-flash, provider: gw, provider_model: gemini-2.5-flash}}
agents:
  - {{name: gm, runtime: gemini-cli, model: gw-flash, instructions: x}}
"""
    built = build_project(tmp_path, catalogue)
    service = get_runtime("gemini-cli").service(built.resolved.agents["gm"], "w", "e")
    assert service is not None
    assert service["environment"]["GOOGLE_GEMINI_BASE_URL"] == expected


def test_sse_server_warns(tmp_path: Path) -> None:
    """MCP 2026-07-28 deprecates HTTP+SSE: a warning at the server's transport."""
    built = build_project(tmp_path, agent())
    [warning] = [w for w in built.warnings if w.code == "W502"]
    assert "'events'" in warning.summary and "deprecated" in warning.summary
    assert warning.path == "mcp_servers[events].transport"
    assert warning.position is not None and warning.position.line > 0
