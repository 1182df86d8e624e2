"""GitHub Copilot CLI's subagents, hooks and scoped rules, each shown taking effect in
``copilot -p``, started headless by ``agentctl run`` in the workspace agentctl rendered
(inside the project's git checkout), against the scripted model on loopback
(model_server.py) and the MCP servers of conftest.py:

* a custom agent (``.github/agents/cp-reviewer.agent.md``) is offered through the ``task``
  tool; called, it runs with its own prompt, only its tools (``view``, ``probe-echo``)
  and its model;
* a ``preToolUse`` hook (the ``--plugin-dir`` plug-in) that exits 2 denies ``probe-add``,
  which the agent's allow-list allows: the call never reaches the server; it runs in
  the workspace, and ``probe-echo``, which its matcher leaves out, still goes through;
* a path-scoped instruction (``applyTo: src/**/*.py``) is listed to the model with its
  glob from the first request, its text not included; the model gets the text by
  reading the file the CLI names.

Commands have no Copilot CLI form: ``tests/runtimes/test_copilot_primitives.py`` checks
they are refused (E530).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.acceptance.conftest import Deployed, McpLog
from tests.acceptance.model_server import FINAL_TEXT, ScriptedModel
from tests.acceptance.test_primitives import applied_copy, describe, results, since

pytestmark = pytest.mark.acceptance

AGENT = "copilot-prim"
SUBAGENT_MARKER = "CP-SUBAGENT-MARKER-51e"
RULE_MARKER = "CP-RULE-MARKER-a02"
RULE_FILE = ".github/instructions/cp-python-style.instructions.md"
CATALOGUE = """\
models:
  - {{name: scripted-copilot-sub, provider: scripted-copilot, provider_model: copilot-sub-1}}
subagents:
  - name: cp-reviewer
    description: Reviews a change and reports what it found
    instructions: "{subagent}: you review changes."
    tools: [view]
    mcp_servers: [{{name: probe, tools: [echo]}}]
    model: scripted-copilot-sub
hooks:
  - {{name: cp-deny-add, event: before_tool, matcher: probe-add, timeout: 30,
     command: [sh, -c, "pwd > {cwd_file}; echo hook-denied-add >&2; exit 2"]}}
rules:
  - {{name: cp-python-style, description: Python style, paths: ["src/**/*.py"],
     instructions: "{rule}: Python files here use type hints."}}
agents:
  - name: {agent}
    extends: copilot
    mcp_servers: [{{name: probe, tools: [echo, add]}}]
    subagents: [cp-reviewer]
    hooks: [cp-deny-add]
    rules: [cp-python-style]
"""


@pytest.fixture(scope="module")
def cprim(deployed: Deployed, tmp_path_factory: pytest.TempPathFactory) -> Deployed:
    """The acceptance project plus :data:`CATALOGUE` (``applied_copy``); the hook writes
    its working folder to ``<root>/../hook-cwd.txt``."""
    base = tmp_path_factory.mktemp("primitives-copilot")
    text = CATALOGUE.format(subagent=SUBAGENT_MARKER, rule=RULE_MARKER, agent=AGENT,
                            cwd_file=base / "hook-cwd.txt")
    return applied_copy(deployed, base, "primitives-copilot.yaml", text)


def test_custom_agent_runs_with_its_own_prompt_tools_and_model(
        cprim: Deployed, model: ScriptedModel) -> None:
    """The ``task`` tool lists ``cp-reviewer``; the scripted model calls it, and Copilot CLI
    starts the subagent, whose request carries its prompt, only ``view`` and
    ``probe-echo``, and its model (``copilot-sub-1``)."""
    start = len(model.received)
    run = cprim.run(AGENT, "-p", "Hand it over. call-tool task agent_type=cp-reviewer "
                    "description=review name=rev prompt=copilot-subagent-case")
    received = since(model, start, "copilot")
    assert run.returncode == 0 and not run.timed_out, describe(run, received)
    parent = [r for r in received if r.model == "qwen3-coder" and r.answer == "tool_call"]
    assert parent and "task" in parent[0].tools, describe(run, received)
    assert SUBAGENT_MARKER not in parent[0].context, describe(run, received)
    sub = [r for r in received if r.model == "copilot-sub-1"]
    assert sub, describe(run, received)
    assert SUBAGENT_MARKER in sub[0].context, describe(run, received)
    assert set(sub[0].tools) == {"view", "probe-echo"}, sub[0].tools
    assert FINAL_TEXT in run.output, describe(run, received)


def test_pre_tool_use_hook_denies_an_allowed_tool(cprim: Deployed, model: ScriptedModel,
                                                   mcp_log: McpLog) -> None:
    """The agent's allow-list allows ``add``; its ``preToolUse`` hook (matcher
    ``probe-add``) exits 2 in the workspace, so the call never reaches the server and the
    model is told the hook denied it. ``echo``, outside the matcher, still reaches it."""
    cwd_file = cprim.root.parent / "hook-cwd.txt"
    start = len(model.received)
    run = cprim.run(AGENT, "-p", "Call the tool as asked. call-tool probe-add a=4300 b=5")
    received = since(model, start, "copilot")
    assert not run.timed_out, describe(run, received)
    first = [r for r in received if r.answer == "tool_call"]
    assert first and "probe-add" in first[0].tools, describe(run, received)
    added = {e.get("text") for e in mcp_log.entries() if e.get("tool") == "add"}
    assert "4300+5" not in added, mcp_log.entries()
    answers = results(received)
    assert any("Denied by preToolUse hook" in text for text in answers), describe(run, received)
    assert not any("4305" in text for text in answers), describe(run, received)
    assert os.path.realpath(cwd_file.read_text().strip()) == os.path.realpath(
        cprim.workspace(AGENT))

    run = cprim.run(AGENT, "-p", "Call the tool as asked. call-tool probe-echo "
                    "text=copilot-hook-echo-case")
    assert run.returncode == 0 and not run.timed_out, run.output
    assert len(mcp_log.calls("copilot-hook-echo-case")) == 1, mcp_log.entries()


def test_scoped_instruction_is_listed_with_its_glob(cprim: Deployed,
                                                    model: ScriptedModel) -> None:
    """The first request lists the instruction file with its ``applyTo`` glob and
    description, without its text; reading the file the CLI names gives the model the
    rule's text."""
    workspace = cprim.workspace(AGENT)
    source = workspace / "src" / "app.py"
    source.parent.mkdir(exist_ok=True)
    source.write_text("print('copilot-rule-case')\n")
    start = len(model.received)
    run = cprim.run(AGENT, "-p", f"Read it. call-tool view path={workspace / RULE_FILE}")
    received = since(model, start, "copilot")
    assert run.returncode == 0 and not run.timed_out, describe(run, received)
    assert len(received) >= 2, describe(run, received)
    listed = re.search(r"\| src/\*\*/\*\.py \| '(?P<path>[^']+)' \| Python style \|",
                       received[0].context)
    assert listed and listed["path"] == RULE_FILE, describe(run, received)
    assert RULE_MARKER not in received[0].context, "the rule's text was there up front"
    assert any(RULE_MARKER in text for text in results(received)), describe(run, received)


def test_workspace_files_on_disk(cprim: Deployed) -> None:
    """What the CLI read above is what agentctl rendered: no commands, no repository
    hook files (the plug-in carries them)."""
    workspace = Path(cprim.workspace(AGENT))
    assert (workspace / ".github/agents/cp-reviewer.agent.md").is_file()
    assert (workspace / RULE_FILE).is_file()
    assert (workspace / ".github/agentctl-hooks/plugin.json").is_file()
    assert "preToolUse" in (workspace / ".github/agentctl-hooks/hooks.json").read_text()
    assert not (workspace / ".github/hooks").exists()
