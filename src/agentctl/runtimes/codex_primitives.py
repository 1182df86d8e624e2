"""Codex CLI subagents (agent roles) and hooks, beside :mod:`agentctl.runtimes.codex`.

Formats, from the Codex CLI itself (``codex --help`` and ``codex features list`` of
0.169.0 and 0.171.0: feature ``hooks`` stable and on, ``multi_agent`` on) and openai/codex
``codex-rs/core/src/config/agent_roles.rs``, ``codex-rs/core/src/agent/role.rs``,
``codex-rs/hooks/src/engine/discovery.rs``, ``codex-rs/hooks/src/config_rules.rs``,
``codex-rs/hooks/src/engine/command_runner.rs`` and
``codex-rs/hooks/src/events/common.rs``; each checked headless with ``codex exec`` on
0.169.0 and 0.171.0 (``tests/acceptance/test_primitives_codex.py``):

* subagents: every ``*.toml`` under ``$CODEX_HOME/agents/`` is an agent role: ``name``,
  ``description`` (required), ``developer_instructions`` (required) and any config.toml
  key, applied as a config layer over the parent's when the model calls the
  ``spawn_agent`` tool with ``agent_type = "<name>"``. ``model`` pins the child's model
  (its provider stays the parent's); the instructions reach the child's first request
  as a developer message. A role's ``mcp_servers`` or tool settings do not narrow what
  the child is offered (0.171 gives it the parent's MCP tools), so a subagent naming a
  tool or MCP subset is refused (E531) rather than silently widened.
* hooks: config.toml ``[hooks]``: event → matcher groups ``{matcher, hooks = [{type =
  "command", command, timeout}]}`` (seconds), events ``PreToolUse``, ``PostToolUse``,
  ``UserPromptSubmit``, ``Stop``, ``SessionStart``, ``SessionEnd`` (whose timeout Codex
  caps at 3 s). The command is one shell line run with ``$SHELL -lc`` in the session's
  working folder (the workspace); exit code 2 with a reason on stderr blocks a tool
  call. A matcher of letters, digits, ``_`` and ``|`` matches whole tool names, any
  other is a regular expression; MCP tools are named ``mcp__<server>__<tool>``.
* hook trust: Codex runs a non-managed hook only once its hash is trusted under
  ``hooks.state."<absolute config path>:<event>:<group>:<handler>"`` in the user config,
  or with ``--dangerously-bypass-hook-trust`` for the invocation. The key names the
  file's absolute path, which differs between the service (``/workspace/.codex``) and
  ``agentctl run`` on a machine, so agentctl passes the flag whenever the agent has
  hooks: the catalogue is the review those hooks went through.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Any

import tomli_w

from agentctl.diagnostics import Diagnostic
from agentctl.runtimes.base import GENERATED_NOTE

if TYPE_CHECKING:
    from agentctl.catalogue.primitives import Hook
    from agentctl.resolve import ResolvedAgent
    from agentctl.resolve.selected import ResolvedSubagent

#: agentctl hook event → Codex hook event (config ``[hooks]`` keys).
HOOK_EVENTS = {
    "before_tool": "PreToolUse", "after_tool": "PostToolUse",
    "prompt_submit": "UserPromptSubmit", "stop": "Stop",
    "session_start": "SessionStart", "session_end": "SessionEnd",
}
#: The longest a ``SessionEnd`` hook may run: Codex clamps a longer timeout, with a
#: warning on every run.
SESSION_END_TIMEOUT = 3
#: Runs the rendered hooks without a per-machine trust entry (see the module docstring).
BYPASS_HOOK_TRUST = "--dangerously-bypass-hook-trust"
#: Folder (relative to the workspace) of the agent-role files.
AGENTS_DIR = ".codex/agents"


def hook_command(hook: Hook) -> str:
    """The hook's argv as the shell line Codex runs, each item quoted; a script ``./…``
    stays relative: Codex runs hooks in the session's working folder, the workspace."""
    return " ".join(shlex.quote(part) for part in hook.command)


def hook_config(agent: ResolvedAgent) -> dict[str, Any]:
    """config.toml ``hooks``: Codex event → matcher groups, in the agent's order;
    ``timeout`` in seconds (``SessionEnd`` at most :data:`SESSION_END_TIMEOUT`)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for chosen in agent.primitives.hooks:
        hook = chosen.entry
        timeout = hook.timeout
        if hook.event == "session_end":
            timeout = min(timeout, SESSION_END_TIMEOUT)
        group: dict[str, Any] = {}
        if hook.matcher is not None:
            group["matcher"] = hook.matcher
        group["hooks"] = [{"type": "command", "command": hook_command(hook),
                           "timeout": timeout}]
        out.setdefault(HOOK_EVENTS[hook.event], []).append(group)
    return out


def role_file(sub: ResolvedSubagent) -> bytes:
    """``.codex/agents/<name>.toml``: ``name``, ``description``,
    ``developer_instructions`` and, when the subagent has one, ``model`` (its provider
    model id; E244 keeps it on the agent's provider, which the child inherits)."""
    doc: dict[str, Any] = {"name": sub.name, "description": sub.entry.description,
                           "developer_instructions": sub.entry.instructions}
    if sub.model is not None:
        doc["model"] = sub.model.provider_model or sub.model.name
    text = f"# {GENERATED_NOTE}\n" + tomli_w.dumps(doc, multiline_strings=True)
    return text.encode("utf-8")


def role_files(agent: ResolvedAgent) -> dict[str, bytes]:
    """Workspace path → role file, per selected subagent."""
    return {f"{AGENTS_DIR}/{sub.name}.toml": role_file(sub)
            for sub in agent.primitives.subagents}


def subagent_checks(runtime: str, agent: ResolvedAgent) -> list[Diagnostic]:
    """E531 for a subagent that names built-in ``tools`` or ``mcp_servers``: a Codex
    child is offered the parent's tools whatever its role says."""
    out: list[Diagnostic] = []
    for sub in agent.primitives.subagents:
        for field in ("tools", "mcp_servers"):
            if getattr(sub.entry, field) is None:
                continue
            out.append(Diagnostic(
                "error", "E531", f"runtime {runtime} cannot give subagent '{sub.name}' a "
                f"{'tool' if field == 'tools' else 'MCP server'} subset",
                sub.located.pos(field) if sub.located else sub.where,
                f"subagents[{sub.name}].{field}",
                f"A Codex subagent is offered every tool of its agent: drop '{field}' from "
                f"the subagent, or use claude-code or opencode for agent '{agent.name}' "
                f"(selected at {sub.where})."))
    return out
