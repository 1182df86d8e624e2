"""The catalogue's subagents, commands, hooks and rules: what each entry may hold."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentctl.catalogue.load import load_catalogue
from agentctl.catalogue.primitives import CATALOGUE_KINDS, PRIMITIVE_KINDS
from agentctl.catalogue.project import load_project
from agentctl.diagnostics import DiagnosticError
from tests.conftest import ProjectFactory


def problems(make_project: ProjectFactory, text: str) -> list[tuple[str, str, int]]:
    root: Path = make_project({"catalogue/a.yaml": text})
    with pytest.raises(DiagnosticError) as info:
        load_catalogue(load_project(root))
    return [(e.code, e.path, e.position.line) for e in info.value.errors]


def test_sections_come_before_agents() -> None:
    assert CATALOGUE_KINDS[-1] == "agents"
    assert CATALOGUE_KINDS[-1 - len(PRIMITIVE_KINDS):-1] == PRIMITIVE_KINDS


def test_entries_load(make_project: ProjectFactory) -> None:
    root = make_project({"catalogue/a.yaml": """\
subagents:
  - {name: rev, description: Reviews, instructions: Review., mcp_servers: [github]}
commands:
  - {name: triage, prompt: "Triage $ARGUMENTS"}
hooks:
  - {name: guard, event: before_tool, matcher: "Bash|Write", command: [./bin/guard, -q]}
rules:
  - {name: py, paths: ["src/**/*.py", "tests/**"], instructions: Hints.}
"""})
    cat = load_catalogue(load_project(root))
    assert cat.subagents["rev"].entry.mcp_servers is not None
    assert cat.subagents["rev"].entry.mcp_servers[0].name == "github"
    assert cat.hooks["guard"].entry.timeout == 60
    assert cat.rules["py"].entry.paths == ["src/**/*.py", "tests/**"]
    assert cat.commands["triage"].pos("prompt").line == 4


def test_bad_entries_are_located(make_project: ProjectFactory) -> None:
    found = problems(make_project, """\
hooks:
  - {name: a, event: stop, matcher: Bash, command: [true-ish]}
  - {name: b, event: before_tool, command: []}
  - {name: c, event: before_tool, command: [./../outside.sh]}
  - {name: d, event: on_fire, command: [x]}
  - {name: e, event: stop, command: [x], timeout: 0}
rules:
  - {name: r, paths: [../secrets/**], instructions: x}
  - {name: s, paths: [], instructions: x}
subagents:
  - {name: t, instructions: x}
commands:
  - {name: u, prompt: ""}
""")
    assert [(code, line) for code, _, line in found] == [
        ("E116", 2), ("E115", 3), ("E116", 4), ("E114", 5), ("E116", 6),
        ("E116", 8), ("E115", 9), ("E111", 11), ("E115", 13),
    ], found
