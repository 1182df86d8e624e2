"""GitHub Copilot CLI's subagents (custom agents), hooks (a ``--plugin-dir`` plug-in) and
scoped rules (path-scoped instructions): the rendered bytes, the command's arguments, and
E530 for commands, which Copilot CLI has no form of."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from syrupy.assertion import SnapshotAssertion

from agentctl.runtimes import get_runtime
from agentctl.runtimes.copilot_primitives import HOOK_EVENTS
from tests.runtimes.conftest import build_errors, build_project, workspace
from tests.runtimes.test_primitives import catalogue

#: Copilot CLI's primitives, selected through the template.
SELECTION = ("subagents: [reviewer], hooks: [deny-add, guard], "
             "rules: [python, folders]")


def files_of(tmp_path: Path, selection: str = SELECTION) -> dict[str, str]:
    text = catalogue("copilot-cli", selection).replace(
        'matcher: "mcp__probe__add"', 'matcher: "probe-add"')
    return workspace(build_project(tmp_path, text), "a")


def test_declares_subagents_hooks_and_rules() -> None:
    assert get_runtime("copilot-cli").primitives == {"subagents", "hooks", "rules"}
    assert set(HOOK_EVENTS) == {"before_tool", "after_tool", "prompt_submit", "stop",
                                "session_start", "session_end"}


def test_rendered_files_snapshot(tmp_path: Path, snapshot: SnapshotAssertion) -> None:
    files = files_of(tmp_path)
    assert {k: v for k, v in files.items() if k.startswith(".github/a")
            or k.startswith(".github/instructions/")} == snapshot


def test_custom_agent_file(tmp_path: Path) -> None:
    """Frontmatter ``name``, ``description``, ``tools`` (built-in names, then
    ``<server>/<tool>``), ``model`` (the provider's id); the instructions as the body."""
    agent = files_of(tmp_path)[".github/agents/reviewer.agent.md"]
    assert agent == (
        "---\nname: reviewer\ndescription: 'Reviews code: finds bugs'\n"
        "tools:\n- Read\n- Grep\n- probe/echo\nmodel: claude-haiku-4-5\n---\n"
        "You review changes.\n")


def test_custom_agent_without_tools_gets_every_tool(tmp_path: Path) -> None:
    text = catalogue("copilot-cli", "subagents: [reviewer]").replace(
        "    tools: [Read, Grep]\n    mcp_servers: [{name: probe, tools: [echo]}]\n", "")
    agent = workspace(build_project(tmp_path, text), "a")[".github/agents/reviewer.agent.md"]
    assert "tools" not in agent and "model: claude-haiku-4-5\n" in agent


def test_rules_keep_their_globs(tmp_path: Path) -> None:
    """``applyTo`` takes any glob (no E531), as a list so a brace glob's comma stays
    inside its glob; ``description`` only when the rule has one."""
    files = files_of(tmp_path)
    assert files[".github/instructions/python.instructions.md"] == (
        "---\napplyTo:\n- src/**/*.py\n---\nUse type hints.\n")
    assert files[".github/instructions/folders.instructions.md"].startswith(
        "---\napplyTo:\n- src/**\n- docs/guide/**\n---\n")
    text = catalogue("copilot-cli", "rules: [python]").replace(
        'paths: ["src/**/*.py"]', 'description: Style, paths: ["src/**/*.{py,pyi}"]')
    rule = workspace(build_project(tmp_path / "braces", text), "a")[
        ".github/instructions/python.instructions.md"]
    assert rule.startswith("---\napplyTo:\n- src/**/*.{py,pyi}\ndescription: Style\n---\n")


def test_hooks_plugin(tmp_path: Path) -> None:
    """``plugin.json`` names ``hooks.json``: version 1, Copilot's event names, the matcher
    as given, the argv quoted after the step to the workspace, ``timeoutSec``."""
    files = files_of(tmp_path)
    assert not any(k.startswith(".github/hooks/") for k in files)
    manifest = json.loads(files[".github/agentctl-hooks/plugin.json"])
    assert manifest["name"] == "agentctl-hooks" and manifest["hooks"] == "hooks.json"
    config = json.loads(files[".github/agentctl-hooks/hooks.json"])
    assert config == {"version": 1, "hooks": {
        "preToolUse": [{"type": "command", "matcher": "probe-add",
                        "bash": "cd \"$COPILOT_PLUGIN_ROOT\"/../.. && "
                                "sh -c 'echo no >&2; exit 2'", "timeoutSec": 5}],
        "agentStop": [{"type": "command",
                       "bash": "cd \"$COPILOT_PLUGIN_ROOT\"/../.. && "
                               "'./scripts/guard sh' --strict", "timeoutSec": 60}],
    }}


def test_hook_line_runs_in_the_workspace(tmp_path: Path) -> None:
    """Run the rendered ``bash`` line as Copilot CLI does (in the plug-in folder, with
    ``$COPILOT_PLUGIN_ROOT``): the workspace script runs, in the workspace, with its
    argument intact."""
    files = files_of(tmp_path / "p")
    line = json.loads(files[".github/agentctl-hooks/hooks.json"])["hooks"]["agentStop"][0]
    ws = tmp_path / "ws"
    plugin = ws / ".github" / "agentctl-hooks"
    plugin.mkdir(parents=True)
    script = ws / "scripts" / "guard sh"
    script.parent.mkdir()
    script.write_text('#!/bin/sh\necho "$(pwd) $1"\n')
    script.chmod(0o755)
    done = subprocess.run(["bash", "-c", line["bash"]], cwd=plugin, capture_output=True,
                          text=True, env={"PATH": os.environ["PATH"],
                                          "COPILOT_PLUGIN_ROOT": str(plugin)}, check=True)
    assert done.stdout.split() == [os.path.realpath(ws), "--strict"]


def test_cli_args_load_the_plugin_only_with_hooks(tmp_path: Path) -> None:
    runtime = get_runtime("copilot-cli")
    with_hooks = build_project(tmp_path / "a", catalogue("copilot-cli", "hooks: [deny-add]"))
    args = runtime.cli_args(with_hooks.resolved.agents["a"])
    assert args[-1] == "--plugin-dir=.github/agentctl-hooks"
    without = build_project(tmp_path / "b", catalogue("copilot-cli", "rules: [python]"))
    assert not any(a.startswith("--plugin-dir") for a in
                   runtime.cli_args(without.resolved.agents["a"]))


def test_commands_are_refused(tmp_path: Path) -> None:
    """Copilot CLI has no custom slash-command files: a command is E530 at the selection."""
    errors = build_errors(tmp_path, catalogue("copilot-cli", "commands: [find-it]"))
    assert [(e.code, e.path) for e in errors] == [("E530", "agents[a].commands[0]")]
    assert errors[0].summary == "runtime copilot-cli has no equivalent of command 'find-it'"
