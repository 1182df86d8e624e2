"""Codex CLI subagents and hooks, each shown taking effect in ``codex exec``, started
headless by ``agentctl run`` in the workspace agentctl rendered, against the scripted
model on loopback (model_server.py) and the probe MCP server of conftest.py.

* hooks: a ``PreToolUse`` hook that exits 2 blocks a tool the agent's allow-list allows
  (the call never reaches the server, the model is told the hook's reason), and a hook
  on each of agentctl's six events runs, in the workspace;
* subagents: the scripted model calls ``spawn_agent`` with the role's name; Codex starts
  the child, whose request carries the role's instructions and model.

Codex commands and scoped rules stay refused (E530): ``codex exec "/<name> ARG"`` sends
the text unexpanded, and Codex has no glob-scoped instructions
(:mod:`agentctl.runtimes.codex`). The project is the acceptance project (conftest's
``deployed``, copied) with one more catalogue file, :data:`CATALOGUE`, applied by the
installed ``agentctl``.
"""

from __future__ import annotations

from typing import get_args

import pytest

from agentctl.catalogue.primitives import HookEvent
from tests.acceptance.conftest import Deployed, McpLog
from tests.acceptance.model_server import FINAL_TEXT, ScriptedModel
from tests.acceptance.test_primitives import (
    HOOK_MARKER,
    SUBAGENT_MARKER,
    applied_copy,
    describe,
    results,
    since,
)

pytestmark = pytest.mark.acceptance

EVENTS: tuple[str, ...] = get_args(HookEvent)
#: The file each event's hook appends the event's name to (in the workspace: Codex
#: runs hooks in its working folder).
EVENTS_LOG = "hook-events.log"
SUB_MODEL = "gpt-5-sub"
EVENT_HOOKS = "".join(
    f"  - {{name: note-{e.replace('_', '-')}, event: {e}, timeout: 3,\n"
    f"     command: [sh, -c, \"echo {e} >> {EVENTS_LOG}\"]}}\n" for e in EVENTS)
CATALOGUE = f"""\
models:
  - {{name: scripted-gpt-sub, provider: scripted-responses, provider_model: {SUB_MODEL}}}
subagents:
  - name: cx-reviewer
    description: Reviews a change and reports what it found
    instructions: "{SUBAGENT_MARKER}: you review changes."
    model: scripted-gpt-sub
hooks:
  - {{name: deny-add-codex, event: before_tool, matcher: mcp__probe__add, timeout: 30,
     command: [sh, -c, "echo {HOOK_MARKER} >&2; exit 2"]}}
{EVENT_HOOKS}agents:
  - name: codex-prim
    extends: codex
    mcp_servers: [{{name: probe, tools: [echo, add]}}]
    subagents: [cx-reviewer]
    hooks: [deny-add-codex]
  - name: codex-events
    extends: codex
    mcp_servers: [{{name: probe, tools: [echo]}}]
    hooks: [{", ".join(f"note-{e.replace('_', '-')}" for e in EVENTS)}]
"""


@pytest.fixture(scope="module")
def cx(deployed: Deployed, tmp_path_factory: pytest.TempPathFactory) -> Deployed:
    """The acceptance project plus :data:`CATALOGUE` (``applied_copy``)."""
    return applied_copy(deployed, tmp_path_factory.mktemp("primitives-codex"),
                        "primitives-codex.yaml", CATALOGUE)


def test_codex_before_tool_hook_blocks_an_allowed_tool(cx: Deployed, model: ScriptedModel,
                                                       mcp_log: McpLog) -> None:
    """The agent's allow-list allows ``add`` (Codex offers it); its ``PreToolUse`` hook
    exits 2, so the call never reaches the server and the model gets the hook's reason."""
    start = len(model.received)
    run = cx.run("codex-prim", "exec", "Call the tool as asked. call-tool mcp__probe/add "
                 "a=4300 b=5")
    received = since(model, start, "codex")
    assert run.returncode == 0 and not run.timed_out, describe(run, received)
    first = [r for r in received if r.answer == "tool_call"]
    assert first and "mcp__probe/add" in first[0].tools, describe(run, received)
    added = {e.get("text") for e in mcp_log.entries() if e.get("tool") == "add"}
    assert "4300+5" not in added, mcp_log.entries()
    answers = results(received)
    assert any(HOOK_MARKER in text for text in answers), describe(run, received)
    assert not any("4305" in text for text in answers), describe(run, received)


def test_codex_hook_on_every_event_runs_in_the_workspace(cx: Deployed, model: ScriptedModel,
                                                         mcp_log: McpLog) -> None:
    """One ``codex exec`` with a tool call fires each of agentctl's six events
    (``SessionStart`` … ``SessionEnd``); each hook appends its event to a file in the
    workspace, where Codex runs it."""
    log = cx.workspace("codex-events") / EVENTS_LOG
    log.unlink(missing_ok=True)
    start = len(model.received)
    run = cx.run("codex-events", "exec", "Call the tool as asked. call-tool mcp__probe/echo "
                 "text=codex-events-case")
    received = since(model, start, "codex")
    assert run.returncode == 0 and not run.timed_out, describe(run, received)
    assert len(mcp_log.calls("codex-events-case")) == 1, describe(run, received)
    ran = log.read_text().split() if log.exists() else []
    assert set(ran) == set(EVENTS), (ran, describe(run, received))
    assert ran.index("session_start") < ran.index("before_tool") < ran.index("after_tool")


def test_codex_subagent_runs_with_its_own_instructions_and_model(
        cx: Deployed, model: ScriptedModel) -> None:
    """The scripted model calls ``spawn_agent`` with ``agent_type=cx-reviewer``; Codex
    starts the role, whose first request carries the role's instructions, its task and
    its model (``gpt-5-sub``); the parent's requests carry neither."""
    start = len(model.received)
    run = cx.run("codex-prim", "exec", "Hand it over. call-tool multi_agent_v1/spawn_agent "
                 "agent_type=cx-reviewer message=codex-subagent-case")
    received = since(model, start, "codex")
    assert run.returncode == 0 and not run.timed_out, describe(run, received)
    parent = [r for r in received if r.model != SUB_MODEL]
    assert parent and "multi_agent_v1/spawn_agent" in parent[0].tools, describe(run, received)
    assert not any(SUBAGENT_MARKER in r.context for r in parent), describe(run, received)
    sub = [r for r in received if r.model == SUB_MODEL]
    assert sub, describe(run, received)
    assert SUBAGENT_MARKER in sub[0].context, describe(run, received)
    assert "codex-subagent-case" in sub[0].context, describe(run, received)
    assert not any(res.is_error for r in received for res in r.results), describe(run, received)
    assert FINAL_TEXT in run.output, describe(run, received)


def test_codex_workspace_files_on_disk(cx: Deployed) -> None:
    """What ``codex`` read above is what agentctl rendered: the role file under
    ``CODEX_HOME`` and the hooks in its config.toml."""
    import tomllib

    ws = cx.workspace("codex-prim")
    role = tomllib.loads((ws / ".codex/agents/cx-reviewer.toml").read_text())
    assert role["name"] == "cx-reviewer" and role["model"] == SUB_MODEL
    config = tomllib.loads((ws / ".codex/config.toml").read_text())
    assert config["hooks"]["PreToolUse"][0]["matcher"] == "mcp__probe__add"
