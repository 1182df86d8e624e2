"""Claude Code: the endpoint's form, the headless service environment, and workspace trust
(the service's seed script run by real Node, and ``agentctl run``'s :func:`trust`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from agentctl.runtimes import get_runtime
from agentctl.runtimes.claude_code import (
    CLAUDE_CODE_VERSION,
    SEED_SCRIPT,
    config_file,
    trust,
    trust_key,
)
from tests.runtimes.conftest import build_project

AGENT = """\
agents:
  - {name: cc, runtime: claude-code, model: sonnet, instructions: Review.}
"""


def service(tmp_path: Path, catalogue: str = AGENT) -> dict[str, object]:
    built = build_project(tmp_path, catalogue)
    found = get_runtime("claude-code").service(built.resolved.agents["cc"], "w", "e")
    assert found is not None
    return found


def test_headless_service_environment(tmp_path: Path) -> None:
    """The first turn waits for every MCP server; Anthropic's own endpoint is the default."""
    assert service(tmp_path)["environment"] == {
        "ANTHROPIC_MODEL": "claude-sonnet-4-5",
        "DISABLE_AUTOUPDATER": "1",
        "MCP_CONNECTION_NONBLOCKING": "false",
    }


@pytest.mark.parametrize(("provider", "expected"), [
    ("{name: gw, backend: anthropic, base_url: 'http://127.0.0.1:9/claude'}",
     "http://127.0.0.1:9/claude"),
    ("{name: gw, backend: anthropic, base_url: 'https://gw.example.com/v1/'}",
     "https://gw.example.com"),
    ("{name: gw, backend: openrouter}", "https://openrouter.ai/api"),
    ("{name: gw, backend: ollama}", "http://localhost:11434"),
])
def test_endpoint_without_version(tmp_path: Path, provider: str, expected: str) -> None:
    """``ANTHROPIC_BASE_URL`` is what the client appends ``/v1/messages`` to; a backend's
    default endpoint (OpenRouter, Ollama) reaches Claude Code too, not only a base_url."""
    catalogue = f"""\
providers:
  - {provider}
models:
  - {{name: m, provider: gw, provider_model: some-model}}
agents:
  - {{name: cc, runtime: claude-code, model: m, inference_credential: anthropic-key,
     instructions: x}}
"""
    env = service(tmp_path, catalogue)["environment"]
    assert isinstance(env, dict)
    assert env["ANTHROPIC_BASE_URL"] == expected


def test_service_seeds_then_runs_the_pinned_release(tmp_path: Path) -> None:
    command = service(tmp_path)["command"]
    assert command == ["sh", "-c", 'node -e "$1" && shift && exec "$@"', "agentctl-seed",
                       SEED_SCRIPT, "npx", "--yes",
                       f"@anthropic-ai/claude-code@{CLAUDE_CODE_VERSION}"]


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A workspace two folders down in a git checkout (the GitOps layout)."""
    root = tmp_path / "repo"
    workspace = root / "deploy" / "workspaces" / "cc"
    workspace.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return workspace


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")
def test_seed_script_trusts_workspace_and_checkout(tmp_path: Path, checkout: Path) -> None:
    """The service's first step, run by real Node: first-run answers merged into an
    existing ~/.claude.json, the API key approved by its last 20 characters."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".claude.json").write_text(json.dumps({"theme": "dark", "projects": {
        "/elsewhere": {"allowedTools": []}}}))
    key = "sk-ant-test-0123456789abcdefghij"
    env = {"HOME": str(home), "PATH": os.environ["PATH"], "ANTHROPIC_API_KEY": key}
    for _ in range(2):  # a restarted container runs it again: nothing doubles
        subprocess.run(["sh", "-c", 'node -e "$1"', "agentctl-seed", SEED_SCRIPT],
                       cwd=checkout, env=env, check=True, timeout=60)
    doc = json.loads((home / ".claude.json").read_text())
    assert doc["theme"] == "dark" and doc["hasCompletedOnboarding"] is True
    root = str(checkout.parents[2].resolve())
    assert doc["projects"] == {
        "/elsewhere": {"allowedTools": []},
        str(checkout.resolve()): {"hasTrustDialogAccepted": True},
        root: {"hasTrustDialogAccepted": True},
    }
    assert doc["customApiKeyResponses"] == {"approved": [key[-20:]], "rejected": []}


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")
def test_seed_script_without_git_or_key(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    config = tmp_path / "config"
    env = {"HOME": str(tmp_path / "nohome"), "CLAUDE_CONFIG_DIR": str(config),
           "PATH": os.environ["PATH"]}
    subprocess.run(["node", "-e", SEED_SCRIPT], cwd=workspace, env=env, check=True,
                   timeout=60)
    doc = json.loads((config / ".claude.json").read_text())
    assert doc["projects"] == {str(workspace.resolve()): {"hasTrustDialogAccepted": True}}
    assert "customApiKeyResponses" not in doc


def test_trust_key_is_the_git_root(tmp_path: Path, checkout: Path) -> None:
    assert trust_key(checkout) == checkout.parents[2].resolve()
    outside = tmp_path / "plain"
    outside.mkdir()
    assert trust_key(outside) == outside.resolve()
    worktree = tmp_path / "wt"
    (worktree / "sub").mkdir(parents=True)
    (worktree / ".git").write_text("gitdir: /elsewhere\n")  # a linked worktree's .git file
    assert trust_key(worktree / "sub") == worktree.resolve()


def test_trust_merges_and_reports_once(tmp_path: Path, checkout: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".claude.json").write_text('{"numStartups": 3}')
    os.chmod(home / ".claude.json", 0o600)
    env = {"HOME": str(home)}
    notes = trust(checkout, env)
    assert len(notes) == 2 and all(str(home / ".claude.json") in n for n in notes)
    doc = json.loads((home / ".claude.json").read_text())
    assert doc["numStartups"] == 3
    assert doc["projects"][str(checkout.parents[2].resolve())] == {"hasTrustDialogAccepted": True}
    assert (home / ".claude.json").stat().st_mode & 0o777 == 0o600
    assert trust(checkout, env) == []  # already trusted: nothing written, nothing said


def test_trust_keeps_a_symlinked_config(tmp_path: Path) -> None:
    home, dotfiles = tmp_path / "home", tmp_path / "dotfiles"
    home.mkdir()
    dotfiles.mkdir()
    (dotfiles / "claude.json").write_text("{}")
    (home / ".claude.json").symlink_to(dotfiles / "claude.json")
    trust(tmp_path, {"HOME": str(home)})
    assert (home / ".claude.json").is_symlink()
    assert "projects" in json.loads((dotfiles / "claude.json").read_text())


def test_trust_refuses_a_config_that_is_not_an_object(tmp_path: Path) -> None:
    (tmp_path / ".claude.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="JSON object"):
        trust(tmp_path, {"HOME": str(tmp_path)})
    assert (tmp_path / ".claude.json").read_text() == "[1, 2]"


def test_config_file_location() -> None:
    assert config_file({"HOME": "/h"}) == Path("/h/.claude.json")
    assert config_file({"HOME": "/h", "CLAUDE_CONFIG_DIR": "/c"}) == Path("/c/.claude.json")


def test_host_command(tmp_path: Path) -> None:
    built = build_project(tmp_path, AGENT)
    runtime = get_runtime("claude-code")
    assert runtime.host_command(built.resolved.agents["cc"]) == ["claude"]  # type: ignore[attr-defined]
