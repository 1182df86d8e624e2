"""OpenCode: opencode.json, {env:VAR}, provider/model handles, permission, tools."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion

from agentctl.runtimes import get_runtime
from agentctl.runtimes.opencode import OPENCODE_VERSION, PERMISSIONS
from tests.runtimes.conftest import build_errors, build_project, env_names, workspace

SERVERS = """\
mcp_servers:
  - name: probe
    transport: http
    url: http://127.0.0.1:8765/mcp
    credential: probe-token
    headers: {X-Key: "${ACME_KEY}", X-Team: platform}
    secrets: {ACME_KEY: acme-key}
    tools: [echo, add]
  - name: fs
    transport: stdio
    command: npx
    args: [-y, "@modelcontextprotocol/server-filesystem@2025.8.21", /workspace]
    env: {API_KEY: "${API_KEY}", MODE: ro}
    secrets: {API_KEY: acme-key}
  - name: events
    transport: sse
    url: https://mcp.example.com/sse
"""


def agent(extra: str = "", model: str = "sonnet") -> str:
    return SERVERS + f"""\
agents:
  - name: oc
    runtime: opencode
    model: {model}
    instructions: Review pull requests.
    skills: [demo]
    mcp_servers: [{{name: probe, tools: [echo]}}, fs, events]
{extra}"""


def config(tmp_path: Path, extra: str = "", model: str = "sonnet") -> dict[str, Any]:
    built = build_project(tmp_path, agent(extra, model))
    result: dict[str, Any] = json.loads(workspace(built, "oc")["opencode.json"])
    return result


def test_workspace_snapshot(tmp_path: Path, snapshot: SnapshotAssertion) -> None:
    built = build_project(tmp_path, agent("    permission: write\n"))
    assert workspace(built, "oc") == snapshot


def test_files_and_skills_folder(tmp_path: Path) -> None:
    files = workspace(build_project(tmp_path, agent()), "oc")
    assert set(files) == {"AGENTS.md", "opencode.json", ".opencode/skills/demo/SKILL.md"}
    assert files["AGENTS.md"].endswith("Review pull requests.\n")


def test_entries_use_env_placeholders(tmp_path: Path) -> None:
    doc = config(tmp_path)
    assert doc["$schema"] == "https://opencode.ai/config.json"
    assert doc["mcp"]["probe"] == {
        "type": "remote",
        "url": "http://127.0.0.1:8765/mcp",
        "headers": {
            "Authorization": "Bearer {env:AGENTCTL_MCP_PROBE_TOKEN}",
            "X-Key": "{env:ACME_KEY}",
            "X-Team": "platform",
        },
        "oauth": False,
        "enabled": True,
    }
    assert doc["mcp"]["fs"] == {
        "type": "local",
        "command": ["npx", "-y", "@modelcontextprotocol/server-filesystem@2025.8.21",
                    "/workspace"],
        "environment": {"API_KEY": "{env:API_KEY}", "MODE": "ro"},
        "enabled": True,
    }
    # OpenCode falls back to SSE for a remote server; no token, so OAuth stays possible.
    assert doc["mcp"]["events"] == {
        "type": "remote", "url": "https://mcp.example.com/sse", "enabled": True,
    }
    assert "${" not in json.dumps(doc)


def test_tools_allow_list(tmp_path: Path) -> None:
    assert config(tmp_path)["tools"] == {"probe_*": False, "probe_echo": True}


@pytest.mark.parametrize("permission", ["read", "write", "full", "auto"])
def test_permission_mapping(tmp_path: Path, permission: str) -> None:
    doc = config(tmp_path, f"    permission: {permission}\n")
    if PERMISSIONS[permission] is None:
        assert "permission" not in doc  # auto: OpenCode's own defaults
    else:
        assert doc["permission"] == PERMISSIONS[permission]
    assert PERMISSIONS["full"] == "allow"
    assert PERMISSIONS["read"] == {"edit": "deny", "bash": "deny"}


@pytest.mark.parametrize(
    ("model", "handle", "env"),
    [
        ("sonnet", "anthropic/claude-sonnet-4-5", "ANTHROPIC_API_KEY"),
        ("gpt", "openai/gpt-5", "OPENAI_API_KEY"),
        ("flash", "google/gemini-2.5-flash", "GOOGLE_GENERATIVE_AI_API_KEY"),
        ("gw-model", "gateway/qwen3-coder", "OPENAI_API_KEY"),
    ],
)
def test_model_handle_and_key_env(tmp_path: Path, model: str, handle: str, env: str) -> None:
    built = build_project(tmp_path, agent(model=model))
    doc = json.loads(workspace(built, "oc")["opencode.json"])
    assert doc["model"] == handle
    assert env_names(built, "oc")[0] == env
    assert env_names(built, "oc")[1:] == ["AGENTCTL_MCP_PROBE_TOKEN", "ACME_KEY", "API_KEY"]


def test_openai_compatible_provider_block(tmp_path: Path) -> None:
    doc = config(tmp_path, model="gw-model")
    assert doc["provider"] == {
        "gateway": {
            "npm": "@ai-sdk/openai-compatible",
            "name": "gateway",
            "options": {"baseURL": "https://llm.example.com/v1",
                        "apiKey": "{env:OPENAI_API_KEY}"},
            "models": {"qwen3-coder": {}},
        }
    }


def test_ollama_needs_no_credential(tmp_path: Path) -> None:
    built = build_project(tmp_path, agent(model="llama"))
    doc = json.loads(workspace(built, "oc")["opencode.json"])
    assert doc["model"] == "local/llama3.1:8b"
    assert doc["provider"]["local"]["options"] == {"baseURL": "http://ollama:11434/v1"}
    assert "ANTHROPIC_API_KEY" not in env_names(built, "oc")


def test_settings_passthrough_deep_merges(tmp_path: Path) -> None:
    extra = """\
    permission: write
    settings:
      permission: {webfetch: deny}
      mcp: {probe: {timeout: 10000}}
      autoupdate: false
"""
    doc = config(tmp_path, extra)
    assert doc["permission"] == {"edit": "allow", "bash": "ask", "webfetch": "deny"}
    assert doc["mcp"]["probe"]["timeout"] == 10000
    assert doc["mcp"]["probe"]["url"] == "http://127.0.0.1:8765/mcp"
    assert doc["autoupdate"] is False


def test_service_runs_pinned_release(tmp_path: Path) -> None:
    built = build_project(tmp_path, agent())
    runtime = get_runtime("opencode")
    service = runtime.service(built.resolved.agents["oc"], "workspaces/oc", "env/oc.env")
    assert service is not None
    assert service["command"] == ["npx", "--yes", f"opencode-ai@{OPENCODE_VERSION}"]
    assert service["labels"]["dev.agentctl.runtime"] == "opencode"


def test_oauth_token_refused(tmp_path: Path) -> None:
    errors = build_errors(tmp_path, agent("    inference_credential: anthropic-oauth\n"))
    assert [e.code for e in errors] == ["E503"]
    assert "runtime opencode cannot use a oauth_token credential" in errors[0].summary
    assert "api_key, bearer" in errors[0].detail


def test_effort_is_a_warning(tmp_path: Path) -> None:
    built = build_project(tmp_path, agent("    effort: high\n"))
    assert [w.code for w in built.warnings if w.code.startswith("W5")] == ["W501"]
