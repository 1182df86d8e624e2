"""``agentctl run``, end to end through the installed CLI: a stand-in for each runtime's
program (a shell script on PATH) records its argv, working folder and environment."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ProjectFactory, run_cli

SECRETS = {"T_MODEL_KEY": "sk-run-model-7c1e0a", "T_PROBE": "probe-run-token-93b2"}
CATALOGUE = """\
credentials:
  - {name: model-key, kind: api_key, env: T_MODEL_KEY}
  - {name: probe-token, kind: bearer, env: T_PROBE}
providers:
  - {name: gw, backend: openai-compatible, base_url: "http://127.0.0.1:9/v1",
     credential: model-key}
  - {name: anthropic, backend: anthropic, credential: model-key}
models:
  - {name: qwen, provider: gw, provider_model: qwen3-coder}
  - {name: sonnet, provider: anthropic, provider_model: claude-sonnet-4-5}
mcp_servers:
  - {name: probe, transport: http, url: "http://127.0.0.1:9/mcp", credential: probe-token,
     tools: [echo]}
agents:
  - {name: cx, runtime: codex, model: qwen, instructions: Fix it., mcp_servers: [probe],
     service_inputs: {environment: {TEAM: platform}}}
  - {name: cc, runtime: claude-code, model: sonnet, instructions: Review., mcp_servers: [probe]}
  - {name: notes, runtime: none, instructions: Notes only.}
"""
#: The stand-in program: records what it was given under RECORD, exits with --exit=N.
PROGRAM = """\
#!/bin/sh
pwd > "{record}/cwd"
env > "{record}/env"
printf '%s\\n' "$0" "$@" > "{record}/argv"
code=0
for a in "$@"; do case $a in --exit=*) code=${{a#--exit=}};; esac; done
exit $code
"""


@pytest.fixture
def project(make_project: ProjectFactory, tmp_path: Path) -> Path:
    """The project applied, inside a git checkout; stand-ins for codex and claude."""
    root = make_project({"catalogue/a.yaml": CATALOGUE})
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    result = run_cli("-C", str(root), "apply", "-y", env=SECRETS)
    assert result.returncode == 0, result.stdout + result.stderr
    (tmp_path / "record").mkdir()
    (tmp_path / "bin").mkdir()
    for program in ("codex", "claude"):
        script = tmp_path / "bin" / program
        script.write_text(PROGRAM.format(record=tmp_path / "record"))
        script.chmod(0o755)
    return root


def run(root: Path, tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {**SECRETS, "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}",
           "HOME": str(tmp_path / "home"), "LEAKY_HOST_VAR": "from-the-host",
           "OPENAI_BASE_URL": "http://host-shell.invalid/v1", **extra}
    return run_cli("-C", str(root), "run", *args, env=env)


def recorded(tmp_path: Path) -> tuple[list[str], str, dict[str, str]]:
    record = tmp_path / "record"
    argv = (record / "argv").read_text().splitlines()
    env = dict(line.split("=", 1) for line in (record / "env").read_text().splitlines()
               if "=" in line)
    return argv, (record / "cwd").read_text().strip(), env


def test_env_file_and_service_environment_reach_the_child(project: Path,
                                                          tmp_path: Path) -> None:
    result = run(project, tmp_path, "cx", "--", "exec", "--json", "hello world")
    assert result.returncode == 0, result.stderr
    argv, cwd, env = recorded(tmp_path)
    workspace = project / "deploy" / "workspaces" / "cx"
    assert argv == [str(tmp_path / "bin" / "codex"), "exec", "--json", "hello world"]
    assert cwd == str(workspace.resolve())
    # the env file's values, the service environment with /workspace mapped here
    assert env["OPENAI_API_KEY"] == SECRETS["T_MODEL_KEY"]
    assert env["AGENTCTL_MCP_PROBE_TOKEN"] == SECRETS["T_PROBE"]
    assert env["CODEX_HOME"] == str(workspace.resolve() / ".codex")
    assert env["TEAM"] == "platform"
    # from this machine: only what a program needs, not the rest of the shell
    assert env["HOME"] == str(tmp_path / "home")
    assert "LEAKY_HOST_VAR" not in env and "OPENAI_BASE_URL" not in env
    assert "T_MODEL_KEY" not in env  # agentctl's own inputs stay with agentctl
    # values only through the environment: never in argv, never printed
    for value in SECRETS.values():
        assert not any(value in arg for arg in argv)
        assert value not in result.stdout + result.stderr


def test_exit_code_passes_through(project: Path, tmp_path: Path) -> None:
    assert run(project, tmp_path, "cx", "--", "--exit=7").returncode == 7
    assert run(project, tmp_path, "cx", "--", "--exit=0").returncode == 0


def test_claude_code_trusts_the_checkout(project: Path, tmp_path: Path) -> None:
    """Inside a git checkout Claude Code reads the root's trust: run records both."""
    result = run(project, tmp_path, "cc", "--", "-p", "hi")
    assert result.returncode == 0, result.stderr
    config = json.loads((tmp_path / "home" / ".claude.json").read_text())
    workspace = (project / "deploy" / "workspaces" / "cc").resolve()
    assert config["projects"] == {str(workspace): {"hasTrustDialogAccepted": True},
                                  str(project.resolve()): {"hasTrustDialogAccepted": True}}
    assert f"Claude Code now trusts {project.resolve()}" in result.stderr
    again = run(project, tmp_path, "cc", "--", "-p", "hi")
    assert again.returncode == 0 and "trusts" not in again.stderr
    _argv, _cwd, env = recorded(tmp_path)
    assert env["ANTHROPIC_API_KEY"] == SECRETS["T_MODEL_KEY"]
    assert env["MCP_CONNECTION_NONBLOCKING"] == "false"


def test_refuses_a_drifted_workspace(project: Path, tmp_path: Path) -> None:
    config = project / "deploy" / "workspaces" / "cx" / ".codex" / "config.toml"
    config.write_text(config.read_text() + "\n# edited by hand\n")
    result = run(project, tmp_path, "cx", "--", "exec", "x")
    assert result.returncode == 1
    assert "error[E705]" in result.stderr
    assert "drift deploy/workspaces/cx/.codex/config.toml" in result.stderr
    assert not (tmp_path / "record" / "argv").exists()  # the child never started


def test_refuses_a_stale_env_file(project: Path, tmp_path: Path) -> None:
    """A rotated secret not applied yet: the env file differs, by name only."""
    result = run(project, tmp_path, "cx", T_PROBE="probe-run-token-rotated")
    assert result.returncode == 1
    assert "error[E705]" in result.stderr and "AGENTCTL_MCP_PROBE_TOKEN" in result.stderr
    assert "probe-run-token" not in result.stderr
    assert not (tmp_path / "record" / "argv").exists()


def test_refuses_a_service_not_applied(project: Path, tmp_path: Path) -> None:
    catalogue = project / "catalogue" / "a.yaml"
    catalogue.write_text(catalogue.read_text().replace("TEAM: platform", "TEAM: infra"))
    result = run(project, tmp_path, "cx")
    assert result.returncode == 1
    assert "error[E705]" in result.stderr and "compose service" in result.stderr


def test_refuses_an_agent_never_applied(project: Path, tmp_path: Path) -> None:
    catalogue = project / "catalogue" / "a.yaml"
    catalogue.write_text(catalogue.read_text() + "  - {name: cx2, runtime: codex, model: qwen,"
                         " instructions: New.}\n")
    result = run(project, tmp_path, "cx2")
    assert result.returncode == 1
    assert "error[E704]" in result.stderr and "never applied" in result.stderr


@pytest.mark.parametrize(("args", "code", "text"), [
    (["cx3"], "E702", "unknown agent 'cx3'"),
    (["notes"], "E703", "runtime none has no CLI"),
])
def test_refuses_what_it_cannot_run(project: Path, tmp_path: Path, args: list[str], code: str,
                                    text: str) -> None:
    result = run(project, tmp_path, *args)
    assert result.returncode == 1
    assert f"error[{code}]" in result.stderr and text in result.stderr


def test_missing_program_names_the_release(project: Path, tmp_path: Path) -> None:
    (tmp_path / "bin" / "codex").unlink()
    result = run(project, tmp_path, "cx", PATH="/usr/bin:/bin")
    assert result.returncode == 1
    assert "error[E706]" in result.stderr
    assert "npm install --global @openai/codex@" in result.stderr


def test_child_options_need_the_separator(project: Path, tmp_path: Path) -> None:
    """Options before ``--`` are agentctl's: a runtime's flag there is a usage error."""
    assert run(project, tmp_path, "cx", "-p", "x").returncode == 64
