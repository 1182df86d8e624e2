"""GitHub Copilot CLI: .mcp.json, tool approvals as arguments, BYOK environment, trust,
repository settings."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion

from agentctl.runtimes import get_runtime
from agentctl.runtimes.copilot import COPILOT_VERSION, SEED_SCRIPT, trust
from tests.runtimes.conftest import (
    build_errors,
    build_project,
    env_names,
    mcp_servers,
    workspace,
)

SERVERS = mcp_servers()


def agent(extra: str = "", model: str = "gw-model") -> str:
    return SERVERS + f"""\
agents:
  - name: cp
    runtime: copilot-cli
    model: {model}
    instructions: Triage incidents.
    skills: [demo]
    mcp_servers: [{{name: probe, tools: [echo]}}, events, fs]
{extra}"""


def mcp(tmp_path: Path, extra: str = "") -> dict[str, Any]:
    built = build_project(tmp_path, agent(extra))
    result: dict[str, Any] = json.loads(workspace(built, "cp")[".mcp.json"])["mcpServers"]
    return result


def service(tmp_path: Path, extra: str = "", model: str = "gw-model") -> dict[str, Any]:
    built = build_project(tmp_path, agent(extra, model))
    found = get_runtime("copilot-cli").service(built.resolved.agents["cp"], "w", "e")
    assert found is not None
    return found


def test_workspace_snapshot(tmp_path: Path, snapshot: SnapshotAssertion) -> None:
    built = build_project(tmp_path, agent("    permission: read\n"))
    assert workspace(built, "cp") == snapshot


def test_files_and_skills_folder(tmp_path: Path) -> None:
    files = workspace(build_project(tmp_path, agent()), "cp")
    assert set(files) == {"AGENTS.md", ".mcp.json", ".github/skills/demo/SKILL.md"}


def test_server_entries(tmp_path: Path) -> None:
    """``type: local`` for stdio; ``tools`` filters what the model is offered; secrets
    stay ``${VAR}`` (the CLI expands them, defaults included)."""
    servers = mcp(tmp_path)
    assert servers["probe"] == {
        "type": "http", "url": "http://127.0.0.1:8765/mcp",
        "headers": {"Authorization": "Bearer ${AGENTCTL_MCP_PROBE_TOKEN}",
                    "X-Key": "${ACME_KEY:-none}"},
        "tools": ["echo"],
    }
    assert servers["events"] == {"type": "sse", "url": "https://mcp.example.com/sse",
                                 "tools": ["*"]}
    assert servers["fs"] == {
        "type": "local", "command": "npx",
        "args": ["-y", "@modelcontextprotocol/server-filesystem@2025.8.21", "/workspace"],
        "env": {"API_KEY": "${API_KEY}", "MODE": "ro"}, "tools": ["*"],
    }


def test_tool_approvals_are_arguments(tmp_path: Path) -> None:
    """Each allowed tool is approved as ``--allow-tool=server(tool)``, a whole server as
    ``--allow-tool=server``; the ``=`` form keeps a following subcommand intact."""
    command = service(tmp_path)["command"]
    assert command[:3] == ["sh", "-c", 'node -e "$1" && shift && exec "$@"']
    assert command[4] == SEED_SCRIPT
    assert command[5:] == ["npx", "--yes", f"@github/copilot@{COPILOT_VERSION}",
                           "--allow-tool=probe(echo)", "--allow-tool=events",
                           "--allow-tool=fs"]


@pytest.mark.parametrize(("permission", "args"), [
    ("read", ["--deny-tool=write", "--deny-tool=shell"]),
    ("write", ["--allow-tool=write"]),
    ("full", ["--allow-all-tools"]),
    ("auto", []),
])
def test_permission_arguments(tmp_path: Path, permission: str, args: list[str]) -> None:
    command = service(tmp_path, f"    permission: {permission}\n")["command"]
    assert command[-len(args) - 1:] == ["--allow-tool=fs", *args]


def test_effort_is_an_argument(tmp_path: Path) -> None:
    assert service(tmp_path, "    effort: high\n")["command"][-1] == "--reasoning-effort=high"


@pytest.mark.parametrize(("model", "kind", "url"), [
    ("gw-model", "openai", "https://llm.example.com/v1"),
    ("gpt", "openai", "https://api.openai.com/v1"),
    ("sonnet", "anthropic", "https://api.anthropic.com"),
    ("llama", "openai", "http://ollama:11434/v1"),
])
def test_byok_environment(tmp_path: Path, model: str, kind: str, url: str) -> None:
    env = service(tmp_path, model=model)["environment"]
    assert env["COPILOT_PROVIDER_TYPE"] == kind
    assert env["COPILOT_PROVIDER_BASE_URL"] == url
    assert env["COPILOT_AUTO_UPDATE"] == "false"
    assert env["COPILOT_MODEL"]


def test_env_file_by_credential_kind(tmp_path: Path) -> None:
    assert env_names(build_project(tmp_path / "b", agent()), "cp")[0] == (
        "COPILOT_PROVIDER_BEARER_TOKEN")
    assert env_names(build_project(tmp_path / "k", agent(model="gpt")), "cp") == [
        "COPILOT_PROVIDER_API_KEY", "AGENTCTL_MCP_PROBE_TOKEN", "ACME_KEY", "API_KEY"]


def test_no_model_uses_the_github_login(tmp_path: Path) -> None:
    catalogue = "agents:\n  - {name: cp, runtime: copilot-cli, instructions: x}\n"
    built = build_project(tmp_path, catalogue)
    found = get_runtime("copilot-cli").service(built.resolved.agents["cp"], "w", None)
    assert found is not None and found["environment"] == {"COPILOT_AUTO_UPDATE": "false"}
    assert set(workspace(built, "cp")) == {"AGENTS.md"}


def test_gemini_backend_refused(tmp_path: Path) -> None:
    errors = build_errors(tmp_path, agent(model="flash"))
    assert [e.code for e in errors] == ["E501"]
    assert errors[0].summary.startswith("runtime copilot-cli cannot use provider 'google'")


def test_repository_settings(tmp_path: Path) -> None:
    files = workspace(build_project(tmp_path, agent(
        "    settings: {disabledSkills: [demo], includeCoAuthoredBy: false}\n")), "cp")
    assert json.loads(files[".github/copilot/settings.json"]) == {
        "disabledSkills": ["demo"], "includeCoAuthoredBy": False}


def test_setting_a_repository_cannot_hold_is_refused(tmp_path: Path) -> None:
    errors = build_errors(tmp_path, agent(
        "    settings:\n      model: gpt-5.4\n      trustedFolders: [/]\n"))
    assert [e.code for e in errors] == ["E520"]
    error = errors[0]
    assert error.summary == "runtime copilot-cli cannot take setting 'trustedFolders' in a " \
        "repository"
    assert error.path == "agents[cp].settings.trustedFolders"
    assert error.position is not None and error.position.file == "catalogue/test.yaml"
    assert (error.position.line, error.position.column) == (27, 7)
    assert "skillDirectories" in error.detail


def test_trust_merges_into_the_user_config(tmp_path: Path) -> None:
    home, ws = tmp_path / "home", tmp_path / "ws"
    ws.mkdir()
    config = home / ".copilot" / "config.json"
    config.parent.mkdir(parents=True)
    config.write_text('{"banner": "never", "trustedFolders": ["/elsewhere"]}')
    os.chmod(config, 0o640)
    notes = trust(ws, {"HOME": str(home)})
    assert notes == [f"Copilot CLI now trusts {ws.resolve()} ({config})"]
    assert json.loads(config.read_text()) == {
        "banner": "never", "trustedFolders": ["/elsewhere", str(ws.resolve())]}
    assert config.stat().st_mode & 0o777 == 0o640
    assert trust(ws, {"HOME": str(home)}) == []  # already trusted: nothing written


def test_trust_honours_copilot_home_and_refuses_a_broken_file(tmp_path: Path) -> None:
    other = tmp_path / "ch"
    assert trust(tmp_path, {"HOME": "/nonexistent", "COPILOT_HOME": str(other)})
    assert (other / "config.json").stat().st_mode & 0o777 == 0o600
    (other / "config.json").write_text('{"trustedFolders": "all"}')
    with pytest.raises(ValueError, match=r"'trustedFolders' in .* is not a JSON array"):
        trust(tmp_path / "x", {"COPILOT_HOME": str(other)})
    (other / "config.json").write_text("[]")
    with pytest.raises(ValueError, match="does not hold a JSON object"):
        trust(tmp_path, {"COPILOT_HOME": str(other)})
