"""Gemini CLI: .gemini/settings.json, transport keys, approval modes, context.fileName."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion

from agentctl.runtimes import get_runtime
from agentctl.runtimes.gemini_cli import GEMINI_CLI_VERSION
from tests.runtimes.conftest import build_errors, build_project, env_names, workspace

SERVERS = """\
mcp_servers:
  - name: probe
    transport: http
    url: http://127.0.0.1:8765/mcp
    credential: probe-token
    headers: {X-Key: "${ACME_KEY:-none}"}
    secrets: {ACME_KEY: acme-key}
    tools: [echo, add]
  - name: events
    transport: sse
    url: https://mcp.example.com/sse
  - name: fs
    transport: stdio
    command: npx
    args: [-y, "@modelcontextprotocol/server-filesystem@2025.8.21", /workspace]
    env: {API_KEY: "${API_KEY}", MODE: ro}
    secrets: {API_KEY: acme-key}
"""


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
    servers = settings(tmp_path)["mcpServers"]
    assert servers["probe"] == {
        "httpUrl": "http://127.0.0.1:8765/mcp",
        "headers": {"Authorization": "Bearer ${AGENTCTL_MCP_PROBE_TOKEN}",
                    "X-Key": "${ACME_KEY:-none}"},
        "includeTools": ["echo"],
    }
    assert servers["events"] == {"url": "https://mcp.example.com/sse"}
    assert servers["fs"] == {
        "command": "npx",
        "args": ["-y", "@modelcontextprotocol/server-filesystem@2025.8.21", "/workspace"],
        "env": {"API_KEY": "${API_KEY}", "MODE": "ro"},
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
    assert doc["mcpServers"]["probe"]["httpUrl"] == "http://127.0.0.1:8765/mcp"


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
    assert [w.code for w in built.warnings if w.code.startswith("W5")] == ["W501"]
