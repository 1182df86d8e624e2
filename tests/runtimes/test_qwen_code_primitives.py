"""Qwen Code's subagents, commands and hooks: the rendered files byte for byte (and a
snapshot), hook quoting and timeouts, and the validate-time refusals (rules: E530; a
subagent's whole MCP server: E531)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from syrupy.assertion import SnapshotAssertion

from agentctl.runtimes import get_runtime
from agentctl.runtimes.matrix import runtime_matrix
from tests.runtimes.conftest import build_errors, build_project, workspace

CATALOGUE = """\
models:
  - {name: gw-small, provider: gateway, provider_model: qwen3-small}
mcp_servers:
  - {name: probe, transport: http, url: "http://127.0.0.1:9/mcp", tools: [echo, add]}
  - {name: open, transport: http, url: "http://127.0.0.1:9/open"}
subagents:
  - name: reviewer
    description: "Reviews code: finds bugs"
    instructions: You review changes.
    tools: [read_file, grep_search]
    mcp_servers: [{name: probe, tools: [echo]}]
    model: gw-small
  - {name: plain-sub, description: Does anything, instructions: Work.}
  - {name: mcp-only, description: Echoes, instructions: Echo., mcp_servers: [probe]}
  - {name: whole-server, description: Everything, instructions: All., mcp_servers: [open]}
  - {name: no-tools, description: Thinks, instructions: Think., tools: []}
commands:
  - {name: find-it, description: Find things, prompt: "Find $ARGUMENTS, then $ARGUMENTS."}
  - {name: plain, prompt: Summarise the change.}
hooks:
  - {name: deny-add, event: before_tool, matcher: "mcp__probe__add", timeout: 5,
     command: [sh, -c, "echo no >&2; exit 2"]}
  - {name: guard, event: stop, command: [./scripts/guard sh, --strict]}
  - {name: slow, event: session_start, timeout: 1800, command: [./warm-up]}
  - {name: audit, event: after_tool, command: [logger, "it's done"]}
  - {name: ask, event: prompt_submit, command: ["true"]}
  - {name: bye, event: session_end, command: ["true"]}
rules:
  - {name: python, paths: ["src/**/*.py"], instructions: Use type hints.}
"""


def catalogue(selection: str, servers: str = "[probe]") -> str:
    return CATALOGUE + f"""\
agents:
  - {{name: base, is_template: true, instructions: Hi., {selection}}}
  - {{name: a, extends: base, runtime: qwen-code, model: gw-model, mcp_servers: {servers}}}
"""


def files(tmp_path: Path, selection: str) -> dict[str, str]:
    return workspace(build_project(tmp_path, catalogue(selection)), "a")


def test_declares_subagents_commands_and_hooks() -> None:
    assert get_runtime("qwen-code").primitives == {"subagents", "commands", "hooks"}


def test_rendered_files_snapshot(tmp_path: Path, snapshot: SnapshotAssertion) -> None:
    """Every primitive Qwen Code renders, selected through a template (``extends``)."""
    assert files(tmp_path, "subagents: [reviewer, plain-sub, mcp-only], commands: [find-it, "
                 "plain], hooks: [deny-add, guard, slow]") == snapshot


def test_subagent_file(tmp_path: Path) -> None:
    """Frontmatter ``name``, ``description``, ``tools`` as a list (built-in names as
    written, then the MCP tools by exact name), ``model`` as the provider's model id;
    the instructions as the body. Without tools or servers nothing narrows it."""
    out = files(tmp_path, "subagents: [reviewer, plain-sub, mcp-only]")
    assert out[".qwen/agents/reviewer.md"] == (
        "---\nname: reviewer\ndescription: 'Reviews code: finds bugs'\ntools:\n"
        "- read_file\n- grep_search\n- mcp__probe__echo\nmodel: qwen3-small\n---\n"
        "You review changes.\n")
    assert out[".qwen/agents/plain-sub.md"] == (
        "---\nname: plain-sub\ndescription: Does anything\n---\nWork.\n")
    # Only MCP servers: the agent's allowed tools of each, and no built-in tool.
    assert out[".qwen/agents/mcp-only.md"] == (
        "---\nname: mcp-only\ndescription: Echoes\ntools:\n- mcp__probe__echo\n"
        "- mcp__probe__add\n---\nEcho.\n")


def test_command_file(tmp_path: Path) -> None:
    """``$ARGUMENTS`` becomes ``{{args}}`` everywhere; no frontmatter without a
    description."""
    out = files(tmp_path, "commands: [find-it, plain]")
    assert out[".qwen/commands/find-it.md"] == (
        "---\ndescription: Find things\n---\nFind {{args}}, then {{args}}.\n")
    assert out[".qwen/commands/plain.md"] == "Summarise the change.\n"


def test_hooks_in_settings(tmp_path: Path) -> None:
    """Claude Code's event names; seconds below 1000, milliseconds from 1000 on (Qwen
    reads 1000 or more as milliseconds); scripts through ``"$QWEN_PROJECT_DIR"``."""
    out = files(tmp_path, "hooks: [deny-add, guard, slow, audit, ask, bye]")
    hooks = json.loads(out[".qwen/settings.json"])["hooks"]
    assert list(hooks) == ["PreToolUse", "Stop", "SessionStart", "PostToolUse",
                           "UserPromptSubmit", "SessionEnd"]
    assert hooks["PreToolUse"] == [{"matcher": "mcp__probe__add", "hooks": [
        {"type": "command", "command": "sh -c 'echo no >&2; exit 2'", "name": "deny-add",
         "timeout": 5}]}]
    stop = hooks["Stop"][0]
    assert "matcher" not in stop
    assert stop["hooks"][0]["command"] == "\"$QWEN_PROJECT_DIR\"/'scripts/guard sh' --strict"
    assert shlex.split(stop["hooks"][0]["command"])[1:] == ["--strict"]
    assert stop["hooks"][0]["timeout"] == 60
    slow = hooks["SessionStart"][0]["hooks"][0]
    assert slow["timeout"] == 1_800_000 and slow["command"] == '"$QWEN_PROJECT_DIR"/warm-up'
    assert hooks["PostToolUse"][0]["hooks"][0]["command"] == "logger 'it'\"'\"'s done'"


def test_no_primitives_no_files(tmp_path: Path) -> None:
    out = files(tmp_path, "description: none")
    assert not any(p.startswith((".qwen/agents", ".qwen/commands")) for p in out)
    assert "hooks" not in json.loads(out[".qwen/settings.json"])


def test_settings_passthrough_merges_into_hooks(tmp_path: Path) -> None:
    text = catalogue("hooks: [deny-add]").replace(
        "model: gw-model, mcp_servers: [probe]}",
        "model: gw-model, mcp_servers: [probe], settings: {disableAllHooks: false}}")
    settings = json.loads(workspace(build_project(tmp_path, text), "a")[".qwen/settings.json"])
    assert settings["disableAllHooks"] is False and "PreToolUse" in settings["hooks"]


def test_rules_refused(tmp_path: Path) -> None:
    """E530 at the selection, naming the runtimes that render rules."""
    errors = build_errors(tmp_path, catalogue("rules: [python]"))
    assert [(e.code, e.path) for e in errors] == [("E530", "agents[a].rules[0]")]
    assert errors[0].summary == "runtime qwen-code has no equivalent of rule 'python'"
    assert "qwen-code" not in (errors[0].detail or "").rsplit("(", 1)[1]


def test_subagent_with_every_tool_of_a_server_refused(tmp_path: Path) -> None:
    """A subagent given a server whose tools the agent does not list cannot be written:
    Qwen's allow-list holds exact tool names. E531 at the subagent's server."""
    text = catalogue("subagents: [whole-server]", servers="[open]")
    errors = build_errors(tmp_path, text)
    assert [(e.code, e.path) for e in errors] == [
        ("E531", "subagents[whole-server].mcp_servers[0]")]
    error = errors[0]
    assert error.summary == ("runtime qwen-code cannot give subagent 'whole-server' every "
                             "tool of MCP server 'open': its allow-list names tools one by one")
    line = CATALOGUE.splitlines().index(next(
        ln for ln in CATALOGUE.splitlines() if "name: whole-server" in ln)) + 1
    assert (error.position.file, error.position.line) == ("catalogue/test.yaml", line)
    assert "agent 'a'" in (error.detail or "")


def test_subagent_without_any_tool_refused(tmp_path: Path) -> None:
    """``tools: []`` means no tool in the catalogue, but every tool to Qwen: E531."""
    errors = build_errors(tmp_path, catalogue("subagents: [no-tools]"))
    assert [(e.code, e.path) for e in errors] == [("E531", "subagents[no-tools].tools")]
    assert errors[0].summary == ("runtime qwen-code cannot give subagent 'no-tools' no tool "
                                 "at all: an empty tool list gives it every tool")


def test_subagent_narrowing_the_open_server_is_rendered(tmp_path: Path) -> None:
    text = catalogue("subagents: [whole-server]", servers="[open]").replace(
        "instructions: All., mcp_servers: [open]}",
        "instructions: All., mcp_servers: [{name: open, tools: [ls]}]}")
    out = workspace(build_project(tmp_path, text), "a")
    assert "tools:\n- mcp__open__ls\n" in out[".qwen/agents/whole-server.md"]


def test_matrix_column() -> None:
    rows = {line.split(" | ")[0].removeprefix("| "): line.split(" | ")
            for line in runtime_matrix().splitlines()}
    header = rows["|"] if "|" in rows else next(iter(rows.values()))
    column = next(i for i, cell in enumerate(header) if "qwen-code" in cell)
    assert rows["subagents"][column] == "`.qwen/agents/<name>.md`"
    assert rows["commands (`$ARGUMENTS`)"][column] == "`.qwen/commands/<name>.md` (`{{args}}`)"
    assert rows["hooks"][column] == "`settings.json` `hooks` (PreToolUse, …)"
    assert rows["scoped rules"][column] == "— (refused, E530)"
