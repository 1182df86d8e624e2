"""OpenCode: opencode.json, {env:VAR}, provider/model handles, permission rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion

from agentctl.runtimes import get_runtime
from agentctl.runtimes.opencode import OPENCODE_VERSION, PERMISSIONS, tool_name
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


#: The MCP allow-list as ``permission`` rules: the agent's tools of ``probe`` (echo, not
#: add) and the two servers it uses whole.
MCP_RULES = {"probe_*": "deny", "probe_echo": "allow", "fs_*": "allow", "events_*": "allow"}


def test_allow_list_is_permission_rules(tmp_path: Path) -> None:
    """``permission`` replaces the deprecated ``tools`` map (checked headless on 1.18.33:
    a denied MCP tool is not offered). The later key wins, so the deny glob comes first."""
    doc = config(tmp_path)
    assert "tools" not in doc
    assert doc["permission"] == MCP_RULES
    assert list(doc["permission"]).index("probe_*") < list(doc["permission"]).index("probe_echo")


@pytest.mark.parametrize("permission", ["read", "write", "full", "auto"])
def test_permission_mapping(tmp_path: Path, permission: str) -> None:
    doc = config(tmp_path, f"    permission: {permission}\n")
    assert doc["permission"] == {**PERMISSIONS[permission], **MCP_RULES}
    assert PERMISSIONS["full"] == {"*": "allow"}
    assert PERMISSIONS["read"] == {"edit": "deny", "bash": "deny"}


def test_no_servers_no_rules(tmp_path: Path) -> None:
    catalogue = """\
agents:
  - {name: oc, runtime: opencode, model: sonnet, instructions: x}
"""
    doc = json.loads(workspace(build_project(tmp_path, catalogue), "oc")["opencode.json"])
    assert "permission" not in doc and "tools" not in doc


def test_tool_names_are_sanitised() -> None:
    """OpenCode names an MCP tool ``<server>_<tool>``, other characters folded to ``_``."""
    assert tool_name("probe-header", "echo") == "probe-header_echo"
    assert tool_name("docs", "search.v2") == "docs_search_v2"
    assert tool_name("a.b", "c d") == "a_b_c_d"


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


@pytest.mark.parametrize(("backend", "base_url", "expected"), [
    ("anthropic", "http://127.0.0.1:9/claude", "http://127.0.0.1:9/claude/v1"),
    ("anthropic", "https://gw.example.com/v1", "https://gw.example.com/v1"),
    ("openai", "https://gw.example.com/v1/", "https://gw.example.com/v1"),
    ("gemini", "https://gw.example.com", "https://gw.example.com/v1beta"),
])
def test_endpoint_in_the_sdk_form(tmp_path: Path, backend: str, base_url: str,
                                  expected: str) -> None:
    """The AI SDK providers take ``baseURL`` with the API version; the catalogue writes
    Anthropic's and Gemini's endpoints without it (as their model lists do)."""
    catalogue = f"""\
providers:
  - {{name: gw, backend: {backend}, base_url: "{base_url}", credential: acme-key}}
models:
  - {{name: m, provider: gw, provider_model: some-model}}
agents:
  - {{name: oc, runtime: opencode, model: m, instructions: x}}
"""
    doc = json.loads(workspace(build_project(tmp_path, catalogue), "oc")["opencode.json"])
    [block] = doc["provider"].values()
    assert block == {"options": {"baseURL": expected}}


def test_ollama_default_endpoint(tmp_path: Path) -> None:
    catalogue = """\
providers:
  - {name: lan, backend: ollama}
models:
  - {name: qwen, provider: lan, provider_model: "qwen3:8b"}
agents:
  - {name: oc, runtime: opencode, model: qwen, instructions: x}
"""
    doc = json.loads(workspace(build_project(tmp_path, catalogue), "oc")["opencode.json"])
    assert doc["provider"]["lan"]["options"] == {"baseURL": "http://localhost:11434/v1"}


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
    assert doc["permission"] == {"edit": "allow", "bash": "ask", **MCP_RULES, "webfetch": "deny"}
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
    assert [w.code for w in built.warnings if w.code == "W501"] == ["W501"]
