"""Subagents, commands, hooks and scoped rules per runtime: the rendered files (snapshots),
and a located E530 for each runtime that has no equivalent of one."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from agentctl.catalogue.primitives import PRIMITIVE_KINDS
from agentctl.runtimes import BUILTIN, get_runtime
from agentctl.runtimes.matrix import runtime_matrix
from tests.runtimes.conftest import MODEL, build_errors, build_project, workspace

PRIMITIVES = """\
mcp_servers:
  - {name: probe, transport: http, url: "http://127.0.0.1:9/mcp", tools: [echo, add]}
subagents:
  - name: reviewer
    description: "Reviews code: finds bugs"
    instructions: You review changes.
    tools: [Read, Grep]
    mcp_servers: [{name: probe, tools: [echo]}]
    model: sonnet-fast
commands:
  - {name: find-it, description: Find things, prompt: "Find $ARGUMENTS, then stop."}
  - {name: plain, prompt: Summarise the change.}
hooks:
  - {name: deny-add, event: before_tool, matcher: "mcp__probe__add", timeout: 5,
     command: [sh, -c, "echo no >&2; exit 2"]}
  - {name: guard, event: stop, command: [./scripts/guard sh, --strict]}
rules:
  - {name: python, paths: ["src/**/*.py"], instructions: Use type hints.}
  - {name: folders, paths: ["src/**", "docs/guide/**"], instructions: Keep it short.}
  - {name: more, paths: ["src/**"], instructions: And tested.}
"""
#: A second model of BASE's Anthropic provider, for subagents.
MODELS = """\
models:
  - {name: sonnet-fast, provider: anthropic, provider_model: claude-haiku-4-5}
"""
#: Runtime → the primitives it renders.
SUPPORTED = {
    "claude-code": {"subagents", "commands", "hooks", "rules"},
    "opencode": {"subagents", "commands", "rules"},
    "gemini-cli": {"commands", "hooks", "rules"},
    "codex": {"subagents", "hooks"},
    "copilot-cli": {"subagents", "hooks", "rules"},
    "qwen-code": {"subagents", "commands", "hooks"},
    "kilo": set(),
    "none": set(),
}
#: Primitive section → the entry of PRIMITIVES an agent selects.
ENTRY = {"subagents": "reviewer", "commands": "find-it", "hooks": "deny-add", "rules": "python"}


def catalogue(runtime: str, selection: str) -> str:
    model = f"model: {MODEL[runtime]}, " if runtime in MODEL else ""
    own = "mcp_servers: [probe], " if runtime != "none" else ""
    return PRIMITIVES + MODELS + f"""\
agents:
  - {{name: base, is_template: true, instructions: Hi., {selection}}}
  - {{name: a, extends: base, runtime: {runtime}, {model}{own}description: test}}
"""


def test_declared_primitives_match_this_table() -> None:
    assert {name: set(get_runtime(name).primitives) for name in SUPPORTED} == SUPPORTED


@pytest.mark.parametrize("runtime", ["claude-code", "opencode", "gemini-cli"])
def test_rendered_files_snapshot(tmp_path: Path, runtime: str,
                                 snapshot: SnapshotAssertion) -> None:
    """Every primitive the runtime renders, selected through a template (``extends``)."""
    lists = {"subagents": "[reviewer]", "commands": "[find-it, plain]",
             "hooks": "[deny-add, guard]",
             "rules": "[python]" if runtime == "claude-code" else "[folders, more]"}
    selection = ", ".join(f"{k}: {lists[k]}" for k in sorted(SUPPORTED[runtime]))
    files = workspace(build_project(tmp_path, catalogue(runtime, selection)), "a")
    assert files == snapshot


def test_claude_code_files(tmp_path: Path) -> None:
    selection = "subagents: [reviewer], commands: [find-it], hooks: [deny-add, guard], " \
                "rules: [python]"
    files = workspace(build_project(tmp_path, catalogue("claude-code", selection)), "a")
    agent = files[".claude/agents/reviewer.md"]
    assert agent.startswith("---\nname: reviewer\ndescription: 'Reviews code: finds bugs'\n")
    assert "tools: Read, Grep, mcp__probe__echo\nmodel: claude-haiku-4-5\n---\n" in agent
    assert files[".claude/commands/find-it.md"].endswith("Find $ARGUMENTS, then stop.\n")
    assert files[".claude/rules/python.md"] == (
        "---\npaths:\n- src/**/*.py\n---\nUse type hints.\n")
    hooks = json.loads(files[".claude/settings.json"])["hooks"]
    assert hooks["PreToolUse"] == [{"matcher": "mcp__probe__add", "hooks": [
        {"type": "command", "command": "sh -c 'echo no >&2; exit 2'", "timeout": 5}]}]
    # A workspace script is found through the project folder, its argv quoted.
    stop = hooks["Stop"][0]["hooks"][0]["command"]
    assert stop == "\"$CLAUDE_PROJECT_DIR\"/'scripts/guard sh' --strict"
    assert shlex.split(stop)[1:] == ["--strict"]


def test_gemini_hook_timeout_in_milliseconds(tmp_path: Path) -> None:
    text = catalogue("gemini-cli", "hooks: [deny-add]")
    files = workspace(build_project(tmp_path, text), "a")
    hook = json.loads(files[".gemini/settings.json"])["hooks"]["BeforeTool"][0]["hooks"][0]
    assert hook["timeout"] == 5000 and hook["name"] == "deny-add"


def test_opencode_declares_subagent_models_of_a_custom_provider(tmp_path: Path) -> None:
    text = catalogue("opencode", "subagents: [reviewer]").replace(
        f"model: {MODEL['opencode']}, ", "model: gw-model, ").replace(
        "model: sonnet-fast", "model: gw-small")
    text = text.replace("models:\n", "models:\n  - {name: gw-small, provider: gateway, "
                        "provider_model: qwen3-small}\n", 1)
    files = workspace(build_project(tmp_path, text), "a")
    config = json.loads(files["opencode.json"])
    assert set(config["provider"]["gateway"]["models"]) == {"qwen3-coder", "qwen3-small"}
    assert "model: gateway/qwen3-small\n" in files[".opencode/agent/reviewer.md"]


CASES = [(runtime, kind) for runtime in SUPPORTED for kind in PRIMITIVE_KINDS
         if kind not in SUPPORTED[runtime]]


@pytest.mark.parametrize(("runtime", "kind"), CASES)
def test_runtime_without_an_equivalent_refuses_it(tmp_path: Path, runtime: str,
                                                  kind: str) -> None:
    """E530 at the selection (the template's list item here: inherited), naming the
    runtime and the runtimes that do render it."""
    text = catalogue(runtime, f"{kind}: [{ENTRY[kind]}]").replace(
        "    model: sonnet-fast\n", "")  # the subagent keeps its agent's model
    if runtime == "none":  # no MCP servers to narrow
        text = text.replace("    mcp_servers: [{name: probe, tools: [echo]}]\n", "")
    errors = build_errors(tmp_path, text)
    assert [e.code for e in errors] == ["E530"], errors
    error = errors[0]
    assert error.summary == (f"runtime {runtime} has no equivalent of {kind[:-1]} "
                             f"'{ENTRY[kind]}'")
    line = text.splitlines().index(next(ln for ln in text.splitlines()
                                        if ln.startswith("  - {name: base"))) + 1
    assert (error.position.file, error.position.line) == ("catalogue/test.yaml", line)
    assert error.path == f"agents[a].{kind}[0]"
    able = {n for n in BUILTIN if kind in get_runtime(n).primitives}
    named = (error.detail or "").rsplit("(", 1)[1].rstrip(").").split(", ")
    assert set(named) == able


@pytest.mark.parametrize("runtime", ["opencode", "gemini-cli"])
def test_folder_scoped_runtime_refuses_a_file_glob(tmp_path: Path, runtime: str) -> None:
    """OpenCode and Gemini CLI scope rules by folder (a nested AGENTS.md): a glob other
    than ``<folder>/**`` is E531, at the rule's path, naming the runtime and the agent."""
    errors = build_errors(tmp_path, catalogue(runtime, "rules: [folders, python]"))
    assert [(e.code, e.path) for e in errors] == [("E531", "rules[python].paths[0]")]
    assert errors[0].summary == (f"runtime {runtime} scopes rules by folder and cannot "
                                 "express path 'src/**/*.py' of rule 'python'")
    line = PRIMITIVES.splitlines().index(next(
        ln for ln in PRIMITIVES.splitlines() if "name: python" in ln)) + 1
    assert (errors[0].position.line, errors[0].position.column) == (line, 28)
    assert "agent 'a'" in (errors[0].detail or "")


def test_matrix_rows_follow_the_declarations() -> None:
    rows = {line.split(" | ")[0].removeprefix("| "): line
            for line in runtime_matrix().splitlines()}
    assert rows["subagents"].count("refused, E530") == sum(
        "subagents" not in get_runtime(n).primitives for n in BUILTIN)
    assert "`.gemini/commands/<name>.toml`" in rows["commands (`$ARGUMENTS`)"]


def test_plan_prunes_and_reports_drift_like_any_file(tmp_path: Path) -> None:
    """The primitives' files are workspace files: applied, pruned when the agent drops
    them, and a hand edit is drift."""
    from agentctl.apply import apply_plan
    from agentctl.plan import Plan, make_plan
    from agentctl.plan.ledger import Ledger, ledger_path
    from agentctl.render.pipeline import Built, build
    from agentctl.secrets import SecretResolver

    def plan_for(root: Path) -> tuple[Plan, Ledger, Built]:
        built = build(root, explicit=True)
        ledger = Ledger.load(ledger_path(built.project))
        plan = make_plan(built.project, built.tree, ledger, SecretResolver(),
                         inputs=built.inputs())
        return plan, ledger, built

    text = PRIMITIVES + MODELS + """\
agents:
  - {name: a, runtime: claude-code, instructions: Hi., commands: [find-it, plain],
     rules: [python]}
"""
    root = tmp_path / "p"
    build_project(root, text)
    plan, ledger, built = plan_for(root)
    apply_plan(built.project, plan, ledger)
    ws = root / "deploy" / "workspaces" / "a"
    assert (ws / ".claude/commands/plain.md").read_text() == "Summarise the change.\n"
    (root / "catalogue" / "test.yaml").write_text(text.replace(", plain]", "]"))
    (ws / ".claude/rules/python.md").write_text("mine\n")
    plan, _, _ = plan_for(root)
    assert {c.path: c.action for c in plan.changes} == {
        "deploy/workspaces/a/.claude/commands/plain.md": "delete",
        "deploy/workspaces/a/.claude/rules/python.md": "drift",
    }
