"""Qwen Code: .qwen/settings.json, MCP servers in the system settings file, approval
modes, the OpenAI environment, placeholder defaults refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion

from agentctl.runtimes import get_runtime
from agentctl.runtimes.qwen_code import QWEN_CODE_VERSION
from tests.runtimes.conftest import (
    build_errors,
    build_project,
    env_names,
    mcp_servers,
    workspace,
)

SERVERS = mcp_servers("${ACME_KEY}")


def agent(extra: str = "", model: str = "gw-model") -> str:
    return SERVERS + f"""\
agents:
  - name: qw
    runtime: qwen-code
    model: {model}
    instructions: Triage incidents.
    skills: [demo]
    mcp_servers: [{{name: probe, tools: [echo]}}, events, fs]
{extra}"""


def files(tmp_path: Path, extra: str = "") -> dict[str, str]:
    return workspace(build_project(tmp_path, agent(extra)), "qw")


def settings(tmp_path: Path, extra: str = "") -> dict[str, Any]:
    result: dict[str, Any] = json.loads(files(tmp_path, extra)[".qwen/settings.json"])
    return result


def test_workspace_snapshot(tmp_path: Path, snapshot: SnapshotAssertion) -> None:
    assert files(tmp_path, "    permission: write\n") == snapshot


def test_files_and_skills_folder(tmp_path: Path) -> None:
    assert set(files(tmp_path)) == {"AGENTS.md", ".qwen/settings.json",
                                    ".qwen/system-settings.json", ".qwen/skills/demo/SKILL.md"}


def test_settings(tmp_path: Path) -> None:
    assert settings(tmp_path) == {
        "$version": 4,
        "context": {"fileName": ["AGENTS.md"]},
        "model": {"name": "qwen3-coder"},
        "security": {"auth": {"selectedType": "openai"}},
    }
    assert "mcpServers" not in settings(tmp_path)  # project servers wait for approval


def test_servers_in_the_system_settings_file(tmp_path: Path) -> None:
    """Gemini CLI's entries with ``httpUrl`` for streamable HTTP and ``url`` for SSE."""
    servers = json.loads(files(tmp_path)[".qwen/system-settings.json"])["mcpServers"]
    assert servers == {
        "probe": {"httpUrl": "http://127.0.0.1:8765/mcp",
                  "headers": {"Authorization": "Bearer ${AGENTCTL_MCP_PROBE_TOKEN}",
                              "X-Key": "${ACME_KEY}"},
                  "includeTools": ["echo"], "trust": True},
        "events": {"url": "https://mcp.example.com/sse", "trust": True},
        "fs": {"command": "npx",
               "args": ["-y", "@modelcontextprotocol/server-filesystem@2025.8.21",
                        "/workspace"],
               "env": {"API_KEY": "${API_KEY}", "MODE": "ro"}, "trust": True},
    }


@pytest.mark.parametrize(("permission", "mode"), [
    ("read", "plan"), ("write", "auto-edit"), ("full", "yolo"), ("auto", "default")])
def test_approval_mode(tmp_path: Path, permission: str, mode: str) -> None:
    assert settings(tmp_path, f"    permission: {permission}\n")["tools"] == {
        "approvalMode": mode}


def test_service(tmp_path: Path) -> None:
    built = build_project(tmp_path, agent())
    service = get_runtime("qwen-code").service(built.resolved.agents["qw"], "w", "e")
    assert service is not None
    assert service["command"] == ["npx", "--yes", f"@qwen-code/qwen-code@{QWEN_CODE_VERSION}"]
    assert service["environment"] == {
        "OPENAI_BASE_URL": "https://llm.example.com/v1",
        "OPENAI_MODEL": "qwen3-coder",
        "QWEN_CODE_SYSTEM_SETTINGS_PATH": "/workspace/.qwen/system-settings.json",
    }


def test_env_file(tmp_path: Path) -> None:
    assert env_names(build_project(tmp_path, agent()), "qw") == [
        "OPENAI_API_KEY", "AGENTCTL_MCP_PROBE_TOKEN", "ACME_KEY", "API_KEY"]


@pytest.mark.parametrize("model", ["sonnet", "flash"])
def test_only_openai_shaped_backends(tmp_path: Path, model: str) -> None:
    errors = build_errors(tmp_path, agent(model=model))
    assert [e.code for e in errors] == ["E501"]
    assert errors[0].summary.startswith("runtime qwen-code cannot use provider")


def test_default_placeholder_refused_at_the_value(tmp_path: Path) -> None:
    errors = build_errors(tmp_path, agent().replace('"${ACME_KEY}"', '"${ACME_KEY:-none}"'))
    assert [e.code for e in errors] == ["E506"]
    error = errors[0]
    assert error.summary == (
        "runtime qwen-code cannot express header 'X-Key' of MCP server 'probe': "
        "${ACME_KEY:-none} has a default, and Qwen Code expands only $VAR and ${VAR}")
    assert str(error.position) == "catalogue/test.yaml:6:22"
    assert "Agent 'qw'" in error.detail


def test_effort_is_a_warning(tmp_path: Path) -> None:
    built = build_project(tmp_path, agent("    effort: low\n"))
    assert [w.code for w in built.warnings if w.code == "W501"] == ["W501"]


def test_settings_passthrough_deep_merges(tmp_path: Path) -> None:
    doc = settings(tmp_path, "    permission: read\n    settings: {tools: {disabled: [agent]}}\n")
    assert doc["tools"] == {"approvalMode": "plan", "disabled": ["agent"]}
