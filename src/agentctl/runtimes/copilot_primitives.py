"""GitHub Copilot CLI's forms of subagents, hooks and scoped rules (:mod:`.copilot`).

Formats from Copilot CLI 1.0.102 itself: its settings reference (``copilot help config``:
``hooks`` "same schema as .github/hooks/*.json"; the hook events under ``hooks.*``), its
plug-in help (``copilot plugin --help``, ``--plugin-dir``; a plug-in carries skills,
agents, hooks and MCP servers) and the messages of its runtime; each checked headless
against the scripted model (``tests/acceptance/test_primitives_copilot.py``):

* custom agents ``.github/agents/<name>.agent.md``: frontmatter ``name``,
  ``description``, ``tools`` (built-in names such as ``view``, MCP tools as
  ``<server>/<tool>`` or ``<server>/*``), ``model``; the body is its prompt. Found from
  the working folder up to the git root, and offered to the model through the ``task``
  tool (``agent_type``); the subagent's request carries only its prompt, tools and model.
* path-scoped instructions ``.github/instructions/<name>.instructions.md`` with
  ``applyTo`` (a list of globs) and ``description``; read from the working folder and
  the git root. The CLI lists each file with its globs in the system prompt and tells
  the model to ``view`` it before changing matching files: the rule's text reaches the
  model when it reads the file.
* hooks: ``{"version": 1, "hooks": {<event>: [{type: command, matcher, bash,
  timeoutSec}]}}``; a ``preToolUse`` hook that exits 2 denies the call ("Denied by
  preToolUse hook"). Repository hooks (``.github/hooks/*.json``, settings ``hooks``) are
  read only at the git root, so a workspace inside a project's checkout would lose them:
  agentctl renders them as a local plug-in, ``.github/agentctl-hooks/`` (``plugin.json``
  naming ``hooks.json``), that the command loads with ``--plugin-dir``. Its hooks run in
  the plug-in folder with ``$COPILOT_PLUGIN_ROOT`` set and only a sanitised environment
  (no provider key).
* No custom slash commands: plug-ins carry skills, agents, hooks and MCP servers only,
  and there is no prompt-file folder; commands stay refused (E530).
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Any

from agentctl.runtimes.common import dump_json, markdown_with_frontmatter
from agentctl.support.tree import FileSpec

if TYPE_CHECKING:
    from agentctl.catalogue.primitives import Hook, Rule
    from agentctl.resolve import ResolvedAgent
    from agentctl.resolve.selected import ResolvedSubagent, Selected

#: The local plug-in holding the agent's hooks, relative to the workspace.
HOOK_PLUGIN_DIR = ".github/agentctl-hooks"
#: Its manifest's ``name``.
HOOK_PLUGIN_NAME = "agentctl-hooks"
#: agentctl hook event → Copilot CLI hook event (settings ``hooks.<event>``).
HOOK_EVENTS = {
    "before_tool": "preToolUse", "after_tool": "postToolUse",
    "prompt_submit": "userPromptSubmitted", "stop": "agentStop",
    "session_start": "sessionStart", "session_end": "sessionEnd",
}
#: The shell step before a hook's argv: from the plug-in folder, where Copilot CLI runs
#: the hook, to the workspace (two folders up), so the hook runs where Claude Code's and
#: Gemini CLI's do and a ``./`` script is found below the workspace.
TO_WORKSPACE = 'cd "$COPILOT_PLUGIN_ROOT"/../.. && '


def subagent_file(sub: ResolvedSubagent) -> bytes:
    """``.github/agents/<name>.agent.md``: ``name``, ``description``, ``tools`` (the
    built-in names as given, then ``<server>/<tool>`` or ``<server>/*``; omitted when the
    subagent names neither: every tool), ``model`` (the provider's model id); the
    instructions as the body."""
    entry = sub.entry
    meta: dict[str, Any] = {"name": entry.name, "description": entry.description}
    tools = list(entry.tools or [])
    for server, allowed in sub.servers:
        tools += ([f"{server}/*"] if allowed is None
                  else [f"{server}/{tool}" for tool in allowed])
    if entry.tools is not None or sub.servers:
        meta["tools"] = tools
    if sub.model is not None:
        meta["model"] = sub.model.provider_model or sub.model.name
    return markdown_with_frontmatter(meta, entry.instructions)


def hook_command(hook: Hook) -> str:
    """The hook's argv as the ``bash`` line Copilot CLI runs: each item quoted, after
    :data:`TO_WORKSPACE` (a first item ``./…`` is then a script in the workspace)."""
    return TO_WORKSPACE + " ".join(shlex.quote(part) for part in hook.command)


def hook_config(agent: ResolvedAgent) -> dict[str, Any]:
    """The plug-in's ``hooks.json``: ``version`` 1 and event → hook entries, in the order
    the agent lists them; ``matcher`` (a regular expression over Copilot's tool names,
    ``<server>-<tool>`` for MCP tools) only when the hook has one."""
    hooks: dict[str, list[dict[str, Any]]] = {}
    for chosen in agent.primitives.hooks:
        hook = chosen.entry
        entry: dict[str, Any] = {"type": "command"}
        if hook.matcher is not None:
            entry["matcher"] = hook.matcher
        entry["bash"] = hook_command(hook)
        entry["timeoutSec"] = hook.timeout
        hooks.setdefault(HOOK_EVENTS[hook.event], []).append(entry)
    return {"version": 1, "hooks": hooks}


def rule_file(chosen: Selected[Rule]) -> bytes:
    """``.github/instructions/<name>.instructions.md``: ``applyTo`` (the rule's globs as
    a list: a comma inside a brace glob stays part of its glob), ``description`` when the
    rule has one; the instructions as the body."""
    rule = chosen.entry
    meta: dict[str, Any] = {"applyTo": list(rule.paths)}
    if rule.description:
        meta["description"] = rule.description
    return markdown_with_frontmatter(meta, rule.instructions)


def primitive_files(agent: ResolvedAgent) -> dict[str, FileSpec]:
    """Custom agents, path-scoped instructions, and the hooks plug-in when the agent has
    hooks (``plugin.json`` and ``hooks.json`` under :data:`HOOK_PLUGIN_DIR`)."""
    p = agent.primitives
    files = {f".github/agents/{s.name}.agent.md": FileSpec(subagent_file(s))
             for s in p.subagents}
    files.update({f".github/instructions/{r.name}.instructions.md": FileSpec(rule_file(r))
                  for r in p.rules})
    if p.hooks:
        manifest = {"name": HOOK_PLUGIN_NAME,
                    "description": f"Hooks of agent {agent.name}, rendered by agentctl",
                    "version": "1.0.0", "hooks": "hooks.json"}
        files[f"{HOOK_PLUGIN_DIR}/plugin.json"] = FileSpec(dump_json(manifest))
        files[f"{HOOK_PLUGIN_DIR}/hooks.json"] = FileSpec(dump_json(hook_config(agent)))
    return files


def plugin_args(agent: ResolvedAgent) -> list[str]:
    """``--plugin-dir=`` the hooks plug-in, for an agent with hooks (relative: the CLI
    resolves it against its working folder, the workspace)."""
    return [f"--plugin-dir={HOOK_PLUGIN_DIR}"] if agent.primitives.hooks else []

