"""Subagents, commands, hooks and scoped rules, each shown taking effect in the runtime's
own CLI, started headless by ``agentctl run`` in the workspace agentctl rendered, against
the scripted model on loopback (model_server.py) and the MCP servers of conftest.py.

* Claude Code: a command ``/echo-claude ARG`` expanded (the model sees the command's text
  with the argument, and the tool it names is called with it); a ``PreToolUse`` hook that
  exits 2 blocks a tool the agent's allow-list allows; a subagent invoked through the
  ``Agent`` tool runs with its own instructions, tool subset and model; a rule scoped to
  ``src/**/*.py`` reaches the model only once a matching file is read.
* OpenCode: ``opencode agent list`` lists the subagent with its permission rules, and
  ``opencode run --command`` expands a command.
* Gemini CLI: ``gemini -p "/echo-gemini ARG"`` expands a command, and a ``BeforeTool`` hook
  that exits 2 blocks an allowed tool.

The project is the acceptance project (conftest's ``deployed``, copied) with one more
catalogue file, ``PRIMITIVES`` below, applied by the installed ``agentctl``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.acceptance.conftest import CliRun, Deployed, McpLog, run_process
from tests.acceptance.model_server import FINAL_TEXT, Received, ScriptedModel
from tests.conftest import AGENTCTL

pytestmark = pytest.mark.acceptance

SUBAGENT_MARKER = "SUBAGENT-MARKER-7d1"
RULE_MARKER = "RULE-MARKER-3c9"
HOOK_MARKER = "hook-denied-add"
PRIMITIVES = f"""\
models:
  - {{name: scripted-claude-sub, provider: scripted-anthropic,
     provider_model: claude-haiku-sub-1}}
subagents:
  - name: reviewer
    description: Reviews a change and reports what it found
    instructions: "{SUBAGENT_MARKER}: you review changes."
    tools: [Read, Grep]
    model: scripted-claude-sub
  - name: oc-reviewer
    description: Reviews a change and reports what it found
    instructions: You review changes.
    tools: [read]
    mcp_servers: [{{name: probe, tools: [echo]}}]
commands:
  - {{name: echo-claude, description: Echo the argument through the probe,
     prompt: "Call the tool as asked. call-tool mcp__probe__echo text=$ARGUMENTS"}}
  - {{name: echo-opencode, description: Echo the argument through the probe,
     prompt: "Call the tool as asked. call-tool probe_echo text=$ARGUMENTS"}}
  - {{name: echo-gemini, description: Echo the argument through the probe,
     prompt: "Call the tool as asked. call-tool mcp_probe_echo text=$ARGUMENTS"}}
hooks:
  - {{name: deny-add-claude, event: before_tool, matcher: mcp__probe__add, timeout: 30,
     command: [sh, -c, "echo {HOOK_MARKER} >&2; exit 2"]}}
  - {{name: deny-add-gemini, event: before_tool, matcher: mcp_probe_add, timeout: 30,
     command: [sh, -c, "echo {HOOK_MARKER} >&2; exit 2"]}}
rules:
  - {{name: python-style, paths: ["src/**/*.py"],
     instructions: "{RULE_MARKER}: Python files here use type hints."}}
  - {{name: src-notes, paths: ["src/**"],
     instructions: "{RULE_MARKER}: files under src follow the house style."}}
agents:
  - name: claude-prim
    extends: claude
    mcp_servers: [{{name: probe, tools: [echo, add]}}]
    subagents: [reviewer]
    commands: [echo-claude]
    hooks: [deny-add-claude]
    rules: [python-style]
  - {{name: opencode-prim, extends: opencode, subagents: [oc-reviewer],
     commands: [echo-opencode], rules: [src-notes]}}
  - name: gemini-prim
    extends: gemini
    mcp_servers: [{{name: probe, tools: [echo, add]}}]
    commands: [echo-gemini]
    hooks: [deny-add-gemini]
    rules: [src-notes]
"""


def applied_copy(deployed: Deployed, base: Path, name: str, text: str) -> Deployed:
    """The acceptance project (conftest's ``deployed``, loopback addresses filled in)
    copied to ``base/acceptance`` with one more catalogue file, ``catalogue/<name>``
    holding ``text``, in a git checkout of its own, applied by the installed ``agentctl``."""
    root = base / "acceptance"
    shutil.copytree(deployed.root, root,
                    ignore=shutil.ignore_patterns("deploy", ".agentctl", ".git"))
    (root / "catalogue" / name).write_text(text)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    homes = base / "homes"
    homes.mkdir()
    project = Deployed(root, homes, deployed.npm_bin)
    applied = run_process([AGENTCTL, "-C", str(root), "apply", "-y"],
                          project.environment(project.fresh_home()), 300)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    return project


@pytest.fixture(scope="module")
def prim(deployed: Deployed, tmp_path_factory: pytest.TempPathFactory) -> Deployed:
    """The acceptance project plus :data:`PRIMITIVES` (:func:`applied_copy`)."""
    return applied_copy(deployed, tmp_path_factory.mktemp("primitives"), "primitives.yaml",
                        PRIMITIVES)


def describe(run: CliRun, received: list[Received]) -> str:
    return (f"exit {run.returncode} after {run.seconds:.1f}s"
            f"{' (timed out)' if run.timed_out else ''}\n--- output\n{run.output[-4000:]}\n"
            "--- model received\n" + "\n".join(repr(r)[:600] for r in received))


def since(model: ScriptedModel, start: int, route: str) -> list[Received]:
    """What the scripted model received on ``route`` after the first ``start`` requests."""
    return [r for r in model.received[start:] if r.route == route]


def results(received: list[Received]) -> list[str]:
    return [res.text for r in received for res in r.results]


# ---- commands -----------------------------------------------------------------------------

@pytest.mark.parametrize(("agent", "args"), [
    ("claude-prim", ["-p", "/echo-claude claude-command-case"]),
    ("opencode-prim", ["run", "--command", "echo-opencode", "opencode-command-case"]),
    ("gemini-prim", ["-p", "/echo-gemini gemini-command-case"]),
])
def test_command_is_expanded_with_its_argument(prim: Deployed, model: ScriptedModel,
                                               mcp_log: McpLog, agent: str,
                                               args: list[str]) -> None:
    """The CLI turns ``/<command> ARG`` into the command's prompt with ARG in place of
    ``$ARGUMENTS`` (``{{args}}`` for Gemini): the model sees the directive carrying the
    argument, and the MCP tool it names is called with it."""
    marker = args[-1].split()[-1]
    run = prim.run(agent, *args)
    received = model.for_marker(marker)
    assert run.returncode == 0 and not run.timed_out, describe(run, received)
    assert received, describe(run, received)
    assert received[0].directive is not None and received[0].directive.endswith(
        f"text={marker}"), describe(run, received)
    assert len(mcp_log.calls(marker)) == 1, describe(run, received)
    assert FINAL_TEXT in run.output, describe(run, received)


# ---- hooks --------------------------------------------------------------------------------

@pytest.mark.parametrize(("agent", "tool", "route"), [
    ("claude-prim", "mcp__probe__add", "claude"),
    ("gemini-prim", "mcp_probe_add", "gemini"),
])
def test_before_tool_hook_blocks_an_allowed_tool(prim: Deployed, model: ScriptedModel,
                                                 mcp_log: McpLog, agent: str, tool: str,
                                                 route: str) -> None:
    """The agent's allow-list allows ``add``; its before-tool hook exits 2, so the call
    never reaches the server and the model is told the hook's message instead."""
    arguments = "a=4100 b=5" if route == "claude" else "a=4200 b=5"
    start = len(model.received)
    run = prim.run(agent, "-p", f"Call the tool as asked. call-tool {tool} {arguments}")
    received = since(model, start, route)
    assert not run.timed_out, describe(run, received)
    first = [r for r in received if r.answer == "tool_call"]
    assert first and tool in first[0].tools, describe(run, received)
    added = {e.get("text") for e in mcp_log.entries() if e.get("tool") == "add"}
    assert not added & {"4100+5", "4200+5"}, mcp_log.entries()
    answers = results(received)
    assert any(HOOK_MARKER in text for text in answers), describe(run, received)
    assert not any("4105" in text or "4205" in text for text in answers)


# ---- subagents ----------------------------------------------------------------------------

def test_claude_subagent_runs_with_its_own_instructions_tools_and_model(
        prim: Deployed, model: ScriptedModel) -> None:
    """The scripted model asks for the ``Agent`` tool with ``subagent_type=reviewer``;
    Claude Code starts the subagent, whose request carries its instructions, only its
    tools (Read, Grep) and its model (``claude-haiku-sub-1``)."""
    start = len(model.received)
    run = prim.run("claude-prim", "-p", "Hand it over. call-tool Agent subagent_type=reviewer "
                   "description=review prompt=claude-subagent-case")
    received = since(model, start, "claude")
    assert run.returncode == 0 and not run.timed_out, describe(run, received)
    sub = [r for r in received if r.model == "claude-haiku-sub-1"]
    assert sub, describe(run, received)
    assert SUBAGENT_MARKER in sub[0].context, describe(run, received)
    assert {"Read", "Grep"} <= set(sub[0].tools), sub[0].tools
    assert not {"Edit", "Write", "Bash"} & set(sub[0].tools), sub[0].tools
    assert not any(res.is_error for r in received for res in r.results), describe(run, received)


def test_opencode_lists_the_subagent(prim: Deployed) -> None:
    """``opencode agent list`` in the workspace shows the subagent, in subagent mode, with
    its tool subset as permission rules (everything denied, then ``read`` allowed)."""
    run = prim.run("opencode-prim", "agent", "list", timeout=120)
    assert run.returncode == 0 and not run.timed_out, run.output
    assert "oc-reviewer (subagent)" in run.output, run.output
    block = run.output.split("oc-reviewer (subagent)", 1)[1]
    assert '"permission": "probe_echo"' in block.replace("\n", "").replace("  ", ""), block


# ---- scoped rules -------------------------------------------------------------------------

@pytest.mark.parametrize(("agent", "route", "call"), [
    ("claude-prim", "claude", "Read file_path"),
    ("opencode-prim", "opencode", "read filePath"),
    ("gemini-prim", "gemini", "read_file file_path"),
])
def test_scoped_rule_loaded_once_a_matching_file_is_read(
        prim: Deployed, model: ScriptedModel, agent: str, route: str, call: str) -> None:
    """The rule (Claude Code ``.claude/rules/python-style.md`` with ``paths:
    src/**/*.py``; OpenCode and Gemini CLI ``src/AGENTS.md``) is not in the first request;
    once the model reads ``src/app.py`` its text reaches the model."""
    source = prim.workspace(agent) / "src" / "app.py"
    source.parent.mkdir(exist_ok=True)
    source.write_text(f"print('{route}-rule-case')\n")
    start = len(model.received)
    tool, _, param = call.partition(" ")
    run = prim.run(agent, *(["run"] if route == "opencode" else ["-p"]),
                   f"Read it. call-tool {tool} {param}={source}")
    received = [r for r in since(model, start, route)
                if r.directive and str(source) in r.directive]
    assert run.returncode == 0 and not run.timed_out, describe(run, received)
    assert len(received) >= 2, describe(run, received)
    assert RULE_MARKER not in received[0].context, "the rule was there before any file was read"
    assert any(f"{route}-rule-case" in t for t in results(received)), describe(run, received)
    assert RULE_MARKER in received[-1].context, describe(run, received)


def test_workspace_files_on_disk(prim: Deployed) -> None:
    """What the CLIs above read is what agentctl rendered."""
    claude, opencode, gemini = (Path(prim.workspace(a)) for a in
                                ("claude-prim", "opencode-prim", "gemini-prim"))
    assert (claude / ".claude/agents/reviewer.md").is_file()
    assert (claude / ".claude/commands/echo-claude.md").is_file()
    assert (claude / ".claude/rules/python-style.md").is_file()
    assert (opencode / ".opencode/agent/oc-reviewer.md").is_file()
    assert (opencode / ".opencode/command/echo-opencode.md").is_file()
    assert RULE_MARKER in (opencode / "src/AGENTS.md").read_text()
    assert "{{args}}" in (gemini / ".gemini/commands/echo-gemini.toml").read_text()
