"""Qwen Code (``@qwen-code/qwen-code``), a Gemini CLI fork on OpenAI-compatible providers.

Formats, from the documentation bundled in the package (``bundled/qc-helper/docs``:
``configuration/settings.md``, ``configuration/auth.md``, ``features/mcp.md``) and its
sources (``packages/cli/src/config/mcpApprovals.ts``); checked against Qwen Code 0.24.4
(the headless facts by ``tests/acceptance/test_headless.py``):

* ``.qwen/settings.json``: ``context.fileName: ["AGENTS.md"]`` (``QWEN.md`` by default),
  ``model.name``, ``security.auth.selectedType: "openai"``, ``tools.approvalMode``
  (plan | default | auto-edit | auto | yolo). Folder trust is off unless a user enables it.
* MCP servers of the project or workspace scope stay "Pending approval" until a person
  approves each in ``/mcp`` (a decision stored per config hash in
  ``~/.qwen/mcpApprovals.json``); the system scope is not gated. So the servers go into
  a system settings file of the workspace (:data:`MCP_FILE`), which
  ``QWEN_CODE_SYSTEM_SETTINGS_PATH`` names: they load headless without a question.
* ``mcpServers`` entries as in Gemini CLI (:func:`agentctl.runtimes.gemini_cli.mcp_entry`)
  except the transport key: streamable HTTP is ``httpUrl`` (a ``url`` is SSE whatever
  ``type`` says). ``includeTools`` registers only the allow-listed tools and ``trust:
  true`` pre-approves them. MCP tools are named ``mcp__<server>__<tool>`` and offered
  through ``tool_search`` / ``tool_call`` (listed in a system reminder).
* placeholders: ``$VAR`` and ``${VAR}`` in ``env`` and ``headers``; ``${VAR:-default}``
  is sent as written, so a default cannot be expressed.
* auth env: ``OPENAI_API_KEY``, ``OPENAI_BASE_URL`` (with ``/v1``), ``OPENAI_MODEL``.
* skills: ``.qwen/skills/<name>/``.
* Every settings file carries ``"$version"`` (:data:`SETTINGS_VERSION`); a file without
  it (or with an older one) is migrated and rewritten in place at start-up, which would
  read as a hand edit. With the current version written first, the file is left as is.
* primitives (``features/sub-agents.md``, ``commands.md``, ``hooks.md``, ``rules.md``):
  subagents ``.qwen/agents/<name>.md`` (frontmatter ``name``, ``description``, ``tools``
  as a list of exact tool names, MCP tools as ``mcp__<server>__<tool>``, ``model``; the
  body is its system prompt; an empty ``tools`` list means every tool; headless, the
  ``agent`` tool that starts one needs an approval mode other than ``default``),
  commands ``.qwen/commands/<name>.md`` (frontmatter ``description``; the arguments go
  where the body writes ``{{args}}``),
  hooks in settings ``hooks`` (Claude Code's event names and shape; ``timeout`` in
  seconds, but a value of 1000 or more is read as milliseconds; ``$QWEN_PROJECT_DIR``
  in the hook's environment; exit 2 blocks). Project commands and hooks load only in a
  trusted folder, which every folder is while ``security.folderTrust.enabled`` is off
  (its default). Each checked headless on 0.24.4
  (``tests/acceptance/test_primitives_qwen.py``).
* rules are not rendered: Qwen Code reads ``.qwen/rules/`` only at the project root,
  the nearest folder holding ``.git`` (``findProjectRoot`` in ``loadRules``), and
  matches ``paths:`` relative to it. A workspace inside the catalogue's git checkout is
  not that root, so its rules would be ignored without a word (checked on 0.24.4 by the
  same acceptance file).
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Any, ClassVar

from agentctl.catalogue.primitives import ARGUMENTS
from agentctl.diagnostics import Diagnostic
from agentctl.runtimes import gemini_cli
from agentctl.runtimes.base import BaseRuntime
from agentctl.runtimes.checks import effort_ignored
from agentctl.runtimes.common import (
    deep_merge,
    default_placeholder_errors,
    dump_json,
    endpoint,
    hook_groups,
    markdown_with_frontmatter,
    with_suffix,
)
from agentctl.runtimes.docs import RuntimeDocs
from agentctl.support.tree import FileSpec

if TYPE_CHECKING:
    from agentctl.catalogue.load import Located
    from agentctl.catalogue.primitives import Command, Hook
    from agentctl.catalogue.schema import Agent
    from agentctl.resolve import ResolvedAgent, ResolvedServer
    from agentctl.resolve.selected import ResolvedSubagent

#: Pinned Qwen Code release the default service runs.
QWEN_CODE_VERSION = "0.24.4"
SETTINGS_FILE = ".qwen/settings.json"
#: The system settings file holding ``mcpServers`` (system scope: no approval gate).
MCP_FILE = ".qwen/system-settings.json"
#: The settings format Qwen Code 0.24 writes (``"$version"``).
SETTINGS_VERSION = 4
#: aegis permission → ``tools.approvalMode``.
APPROVAL_MODES = {"read": "plan", "write": "auto-edit", "full": "yolo", "auto": "default"}
#: agentctl hook event → Qwen Code hook event (settings ``hooks``; Claude Code's names).
HOOK_EVENTS = {
    "before_tool": "PreToolUse", "after_tool": "PostToolUse",
    "prompt_submit": "UserPromptSubmit", "stop": "Stop",
    "session_start": "SessionStart", "session_end": "SessionEnd",
}
#: A command hook ``timeout`` from this value up is read as milliseconds (``hooks.md``).
MILLISECONDS_FROM = 1000


def mcp_entry(server: ResolvedServer) -> dict[str, Any]:
    """Gemini CLI's entry with Qwen Code's transport keys: ``httpUrl`` for streamable
    HTTP, ``url`` for SSE, no ``type``."""
    entry = gemini_cli.mcp_entry(server)
    transport = entry.pop("type", None)
    if transport == "http":
        entry = {"httpUrl": entry.pop("url"), **entry}
    return entry


def hook_command(hook: Hook) -> str:
    """The hook's argv as the bash line Qwen Code runs, each item quoted; a script
    ``./…`` is found through ``$QWEN_PROJECT_DIR``, which Qwen sets in the hook's
    environment (double-quoted: the variable is no longer replaced in the text)."""
    program, *rest = hook.command
    first = ('"$QWEN_PROJECT_DIR"/' + shlex.quote(program[2:]) if program.startswith("./")
             else shlex.quote(program))
    return " ".join([first, *(shlex.quote(a) for a in rest)])


def hook_timeout(seconds: int) -> int:
    """``timeout`` as Qwen reads it: seconds, except that 1000 or more means
    milliseconds, so a long timeout is written in milliseconds."""
    return seconds if seconds < MILLISECONDS_FROM else seconds * 1000


def hook_settings(agent: ResolvedAgent) -> dict[str, Any]:
    """Settings ``hooks``: event → matcher groups, in the order the agent lists them."""
    return hook_groups(agent, HOOK_EVENTS, lambda chosen: {
        "type": "command", "command": hook_command(chosen.entry), "name": chosen.name,
        "timeout": hook_timeout(chosen.entry.timeout)})


def subagent_file(sub: ResolvedSubagent) -> bytes:
    """``.qwen/agents/<name>.md``: frontmatter ``name``, ``description``, ``tools``
    (:func:`subagent_tools`), ``model`` (the provider's model id, served by the agent's
    own provider); the instructions as the body (its system prompt)."""
    entry = sub.entry
    meta: dict[str, Any] = {"name": entry.name, "description": entry.description}
    tools = subagent_tools(sub)
    if tools is not None:
        meta["tools"] = tools
    if sub.model is not None:
        meta["model"] = sub.model.provider_model or sub.model.name
    return markdown_with_frontmatter(meta, entry.instructions)


def command_file(command: Command) -> bytes:
    """``.qwen/commands/<name>.md``: ``description`` frontmatter, the prompt as the body
    with the catalogue's ``$ARGUMENTS`` written as Qwen's ``{{args}}``."""
    meta = {"description": command.description} if command.description else {}
    return markdown_with_frontmatter(meta, command.prompt.replace(ARGUMENTS, "{{args}}"))


def subagent_tools(sub: ResolvedSubagent) -> list[str] | None:
    """The subagent's ``tools`` list: the built-in names as written, then
    ``mcp__<server>__<tool>`` (an allow-list holds exact names); None: not narrowed."""
    if sub.entry.tools is None and not sub.servers:
        return None
    tools = list(sub.entry.tools or [])
    for server, allowed in sub.servers:
        tools += [f"mcp__{server}__{tool}" for tool in allowed or ()]
    return tools


def subagent_checks(runtime: str, agent: ResolvedAgent) -> list[Diagnostic]:
    """E531 for a subagent's MCP server given without tools when the agent allows every
    tool of it (Qwen's subagent allow-list names tools exactly, so "every tool" of a
    server cannot be written), and for a subagent narrowed to no tool at all (an empty
    ``tools`` list gives it every tool)."""
    out: list[Diagnostic] = []
    for sub in agent.primitives.subagents:
        whole = [(i, server) for i, (server, allowed) in enumerate(sub.servers)
                 if allowed is None]
        for i, server in whole:
            out.append(Diagnostic(
                "error", "E531", f"runtime {runtime} cannot give subagent '{sub.name}' every "
                f"tool of MCP server '{server}': its allow-list names tools one by one",
                sub.located.pos("mcp_servers", i) if sub.located else sub.where,
                f"subagents[{sub.name}].mcp_servers[{i}]",
                f"List the tools: {{name: {server}, tools: [...]}} on the subagent, or on "
                f"agent '{agent.name}' (selected at {sub.where})."))
        if not whole and subagent_tools(sub) == []:
            out.append(Diagnostic(
                "error", "E531", f"runtime {runtime} cannot give subagent '{sub.name}' no "
                "tool at all: an empty tool list gives it every tool",
                sub.located.pos("tools") if sub.located else sub.where,
                f"subagents[{sub.name}].tools",
                f"Give it at least one tool, or drop 'tools' to let it use the agent's "
                f"(agent '{agent.name}', selected at {sub.where})."))
    return out


class QwenCode(BaseRuntime):
    """Renders ``.qwen/settings.json``, the MCP servers' system settings file, skills
    under ``.qwen/skills``, subagents, commands and hooks."""

    name: ClassVar[str] = "qwen-code"
    # The OpenAI client sends the key as a bearer token: a gateway's bearer fits too.
    credential_envs: ClassVar[dict[str, str]] = {"api_key": "OPENAI_API_KEY",
                                                 "bearer": "OPENAI_API_KEY"}
    skills_dir: ClassVar[str] = ".qwen/skills"
    backends: ClassVar[frozenset[str]] = frozenset(
        {"openai", "openai-compatible", "ollama", "openrouter"})
    npm_package: ClassVar[str] = "@qwen-code/qwen-code"
    docs: ClassVar[RuntimeDocs] = RuntimeDocs(
        instructions="`AGENTS.md` via `context.fileName`",
        mcp_config="`.qwen/system-settings.json` `mcpServers`",
        placeholder="`${VAR}` (no default)",
        transports_note="(`httpUrl` / `url`)",
        tool_allow_list="`includeTools` + `trust: true`",
        server_approval="system scope via `QWEN_CODE_SYSTEM_SETTINGS_PATH`",
        endpoint="`OPENAI_BASE_URL`, with `/v1`",
        permissions="`tools.approvalMode` plan / auto-edit / yolo / default",
        effort="warning, ignored",
        model_handle="provider model id",
        subagents="`.qwen/agents/<name>.md`",
        commands="`.qwen/commands/<name>.md` (`{{args}}`)",
        hooks="`settings.json` `hooks` (PreToolUse, …)",
        last_proven=QWEN_CODE_VERSION,
    )
    version: ClassVar[str] = QWEN_CODE_VERSION
    program: ClassVar[str] = "qwen"
    primitives: ClassVar[frozenset[str]] = frozenset({"subagents", "commands", "hooks"})

    def check(self, agent: ResolvedAgent, located: Located[Agent]) -> list[Diagnostic]:
        """Base checks, placeholder defaults Qwen Code does not expand, ignored effort,
        subagent MCP servers it cannot narrow."""
        out = super().check(agent, located)
        out.extend(default_placeholder_errors(
            self.name, agent, located, "Qwen Code expands only $VAR and ${VAR}"))
        if agent.effort:
            out.append(effort_ignored(self.name, agent, located))
        return [*out, *subagent_checks(self.name, agent)]

    def settings(self, agent: ResolvedAgent) -> dict[str, Any]:
        """The settings.json document, ``agent.settings`` merged in."""
        doc: dict[str, Any] = {"$version": SETTINGS_VERSION,
                               "context": {"fileName": ["AGENTS.md"]}}
        mode = APPROVAL_MODES.get(agent.permission or "")
        if mode:
            doc["tools"] = {"approvalMode": mode}
        handle = self.model_handle(agent)
        if handle:
            doc["model"] = {"name": handle}
        if agent.model is not None:
            doc["security"] = {"auth": {"selectedType": "openai"}}
        hooks = hook_settings(agent)
        if hooks:
            doc["hooks"] = hooks
        return deep_merge(doc, agent.settings)

    def runtime_files(self, agent: ResolvedAgent) -> dict[str, FileSpec]:
        """``.qwen/settings.json``, and the system settings file with ``mcpServers``."""
        files = {SETTINGS_FILE: FileSpec(dump_json(self.settings(agent)))}
        if agent.mcp_servers:
            servers = {s.name: mcp_entry(s) for s in agent.mcp_servers}
            files[MCP_FILE] = FileSpec(dump_json({"$version": SETTINGS_VERSION,
                                                  "mcpServers": servers}))
        return files

    def primitive_files(self, agent: ResolvedAgent) -> dict[str, FileSpec]:
        """``.qwen/agents/<name>.md`` and ``.qwen/commands/<name>.md``; hooks go into
        ``.qwen/settings.json``."""
        p = agent.primitives
        files = {f".qwen/agents/{s.name}.md": FileSpec(subagent_file(s)) for s in p.subagents}
        files.update({f".qwen/commands/{c.name}.md": FileSpec(command_file(c.entry))
                      for c in p.commands})
        return files

    def service_environment(self, agent: ResolvedAgent) -> dict[str, str]:
        """The MCP servers' settings file, ``OPENAI_BASE_URL`` and ``OPENAI_MODEL``."""
        env: dict[str, str] = {}
        if agent.mcp_servers:
            env["QWEN_CODE_SYSTEM_SETTINGS_PATH"] = f"/workspace/{MCP_FILE}"
        url, handle = endpoint(agent), self.model_handle(agent)
        if agent.provider is not None and url:
            env["OPENAI_BASE_URL"] = with_suffix(url, "/v1")
        if handle:
            env["OPENAI_MODEL"] = handle
        return env
