"""Resolve: an agent's subagents, commands, hooks and rules (E240-E244), through extends."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentctl.diagnostics import Diagnostic, DiagnosticError
from agentctl.render.pipeline import build
from tests.runtimes.conftest import write_project

ENTRIES = """\
mcp_servers:
  - {name: probe, transport: http, url: "http://127.0.0.1:9/mcp", tools: [echo, add]}
subagents:
  - {name: reviewer, description: Reviews, instructions: Review., model: sonnet,
     mcp_servers: [{name: probe, tools: [echo]}]}
commands:
  - {name: find-it, prompt: "Find $ARGUMENTS"}
hooks:
  - {name: deny, event: before_tool, matcher: Bash, command: [sh, -c, "exit 2"]}
rules:
  - {name: py, paths: ["**/*.py"], instructions: Hints.}
"""


def errors(tmp_path: Path, agents: str) -> list[Diagnostic]:
    with pytest.raises(DiagnosticError) as info:
        build(write_project(tmp_path, ENTRIES + agents), explicit=True)
    return info.value.errors


def test_selected_through_extends(tmp_path: Path) -> None:
    built = build(write_project(tmp_path, ENTRIES + """\
agents:
  - {name: base, is_template: true, instructions: Hi., subagents: [reviewer],
     commands: [find-it], hooks: [deny], rules: [py]}
  - {name: a, extends: base, runtime: claude-code, model: sonnet, mcp_servers: [probe]}
  - {name: b, extends: base, runtime: claude-code, model: sonnet, mcp_servers: [probe],
     commands: []}
"""), explicit=True)
    a, b = built.resolved.agents["a"].primitives, built.resolved.agents["b"].primitives
    assert [s.name for s in a.subagents] == ["reviewer"]
    assert a.subagents[0].servers == (("probe", ("echo",)),)
    assert a.subagents[0].model is not None and a.subagents[0].model.name == "sonnet"
    assert [c.name for c in a.commands] == ["find-it"]
    assert a.commands[0].path == "agents[a].commands[0]"
    # where the template writes the list, not the agent
    assert (a.commands[0].where.line, a.commands[0].where.column) == (14, 17)
    assert b.commands == () and [h.name for h in b.hooks] == ["deny"]


def test_unknown_and_twice_listed(tmp_path: Path) -> None:
    found = errors(tmp_path, """\
agents:
  - {name: a, runtime: claude-code, model: sonnet, instructions: x, commands: [find-itt],
     hooks: [deny, deny], rules: [nope], subagents: [reviewr]}
""")
    assert [(e.code, e.summary, e.path) for e in found] == [
        ("E240", "unknown command 'find-itt'", "agents[a].commands[0]"),
        ("E241", "hook 'deny' listed twice", "agents[a].hooks[1]"),
        ("E240", "unknown rule 'nope'", "agents[a].rules[0]"),
        ("E240", "unknown subagent 'reviewr'", "agents[a].subagents[0]"),
    ]
    assert "find-it" in (found[0].detail or "")
    assert (found[0].position.line, found[0].position.column) == (13, 80)


def test_subagent_model_and_servers_checked(tmp_path: Path) -> None:
    text = ENTRIES.replace("model: sonnet,", "model: sonet,").replace("subagents:\n", """\
subagents:
  - {name: helper, description: Helps, instructions: Help., model: gpt}
  - {name: wide, description: Wide, instructions: All.,
     mcp_servers: [{name: probe, tools: [add]}]}
""")
    root = write_project(tmp_path, text + """\
agents:
  - {name: a, runtime: claude-code, model: sonnet, instructions: x, subagents: [reviewer]}
  - {name: b, runtime: claude-code, model: sonnet, instructions: x, subagents: [helper]}
  - {name: c, runtime: claude-code, model: sonnet, instructions: x, subagents: [wide],
     mcp_servers: [{name: probe, tools: [echo]}]}
  - {name: d, runtime: claude-code, model: sonnet, instructions: x, subagents: [wide]}
""")
    with pytest.raises(DiagnosticError) as info:
        build(root, explicit=True)
    found = [(e.code, e.path) for e in info.value.errors]
    assert found == [  # in file order
        ("E244", "subagents[helper].model"),
        ("E243", "subagents[wide].mcp_servers[0]"),  # agent d has no probe
        ("E243", "subagents[wide].mcp_servers[0].tools[0]"),  # agent c may not call add
        ("E242", "subagents[reviewer].model"),  # once, at the subagent
        ("E243", "subagents[reviewer].mcp_servers[0]"),  # agent a has no probe
    ]
    assert "agent 'c' may not call" in info.value.errors[2].summary
    assert "agent 'b' talks to provider 'anthropic'" in info.value.errors[0].summary
