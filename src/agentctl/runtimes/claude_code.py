"""Claude Code (``@anthropic-ai/claude-code``).

Formats, from the shared ``reference/runtimes.md`` (checked against Claude Code 2.1.x;
the headless facts checked by ``tests/acceptance/test_headless.py`` on 2.1.330):

* ``CLAUDE.md`` is read first; since 2.1.277 ``AGENTS.md`` only when there is no
  ``CLAUDE.md``, so ``CLAUDE.md`` imports it with ``@AGENTS.md``.
* ``.mcp.json``: ``{"mcpServers": {NAME: …}}``; stdio ``{type, command, args, env}``,
  remote ``{type: http|sse, url, headers}``. ``${VAR}`` is expanded in env, url and headers.
* ``.claude/settings.json``: ``enabledMcpjsonServers`` approves project servers,
  ``permissions.allow`` rules ``mcp__<server>__<tool>``, ``permissions.defaultMode``.
* Project settings count only in a trusted workspace: ``projects[<path>]
  .hasTrustDialogAccepted`` in ``~/.claude.json`` (``$CLAUDE_CONFIG_DIR/.claude.json``
  when that is set), where ``<path>`` is the root of the git checkout holding the
  workspace, or the workspace itself outside git (:func:`trust_key`). Untrusted, Claude
  Code drops ``permissions.allow`` and asks (or, under ``-p``, refuses).
* ``MCP_CONNECTION_NONBLOCKING=false`` makes the first turn wait for every MCP server.
* skills: ``.claude/skills/<name>/``.
* auth env: ``ANTHROPIC_API_KEY``, ``CLAUDE_CODE_OAUTH_TOKEN`` (OAuth),
  ``ANTHROPIC_AUTH_TOKEN`` (a bearer for a gateway), ``ANTHROPIC_BASE_URL`` (without
  ``/v1``: the client appends ``/v1/messages``), ``ANTHROPIC_MODEL``.
* subagents ``.claude/agents/<name>.md`` (frontmatter ``name``, ``description``, ``tools``
  as a comma list, ``model``; the body is its system prompt), commands
  ``.claude/commands/<name>.md`` (``$ARGUMENTS``), hooks in settings ``hooks``
  (event → ``[{matcher, hooks: [{type: command, command, timeout}]}]``, timeout in
  seconds, exit 2 blocks), rules ``.claude/rules/<name>.md`` with ``paths:`` (attached
  once a matching file is read). Each checked headless on 2.1.330
  (``tests/acceptance/test_primitives.py``).
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from agentctl.runtimes.base import BaseRuntime
from agentctl.runtimes.common import (
    deep_merge,
    dump_json,
    endpoint,
    hook_groups,
    markdown_with_frontmatter,
    read_json_config,
    without_suffix,
)
from agentctl.runtimes.docs import RuntimeDocs
from agentctl.support.tree import FileSpec

if TYPE_CHECKING:
    from agentctl.catalogue.primitives import Hook
    from agentctl.resolve import ResolvedAgent, ResolvedServer
    from agentctl.resolve.selected import ResolvedSubagent

#: Pinned Claude Code release the default service runs.
CLAUDE_CODE_VERSION = "2.1.330"
NPM_PACKAGE = "@anthropic-ai/claude-code"
#: aegis permission → Claude Code ``permissions.defaultMode``.
PERMISSION_MODES = {
    "read": "plan",
    "write": "acceptEdits",
    "full": "bypassPermissions",
    "auto": "default",
}
SETTINGS_SCHEMA = "https://json.schemastore.org/claude-code-settings.json"
#: agentctl hook event → Claude Code hook event (settings ``hooks``).
HOOK_EVENTS = {
    "before_tool": "PreToolUse", "after_tool": "PostToolUse",
    "prompt_submit": "UserPromptSubmit", "stop": "Stop",
    "session_start": "SessionStart", "session_end": "SessionEnd",
}
#: The service's first step (``sh -c``): run the seed script (``$1``), then the CLI.
SERVICE_SCRIPT = 'node -e "$1" && shift && exec "$@"'
#: Node script run in the container before Claude Code starts. It merges into the
#: user config (``~/.claude.json``, or under ``$CLAUDE_CONFIG_DIR``) what the first-run
#: dialogs would ask a person at the terminal: onboarding done, the working folder and
#: the git checkout holding it trusted (:func:`trust_key`'s rule), and the service's
#: own ``ANTHROPIC_API_KEY`` approved (Claude Code keeps its last 20 characters, as
#: when a person answers "Yes"). It reads the key from the environment at start-up:
#: nothing secret is rendered into the script.
SEED_SCRIPT = (
    'const fs=require("fs"),path=require("path"),os=require("os");'
    'const dir=process.env.CLAUDE_CONFIG_DIR||os.homedir(),f=path.join(dir,".claude.json");'
    'let c={};try{c=JSON.parse(fs.readFileSync(f,"utf8"))}catch(e){}'
    "c.hasCompletedOnboarding=true;c.projects=c.projects||{};"
    "const cwd=fs.realpathSync(process.cwd());let root=cwd;"
    'for(let d=cwd;;d=path.dirname(d)){if(fs.existsSync(path.join(d,".git"))){root=d;break}'
    "if(path.dirname(d)===d)break}"
    "for(const p of new Set([cwd,root]))"
    "c.projects[p]=Object.assign({},c.projects[p],{hasTrustDialogAccepted:true});"
    "const k=process.env.ANTHROPIC_API_KEY;if(k){const r=c.customApiKeyResponses||{};"
    "const a=r.approved||[];if(!a.includes(k.slice(-20)))a.push(k.slice(-20));"
    "c.customApiKeyResponses={approved:a,rejected:r.rejected||[]}}"
    "fs.mkdirSync(dir,{recursive:true});fs.writeFileSync(f,JSON.stringify(c,null,2))"
)


def mcp_entry(server: ResolvedServer) -> dict[str, Any]:
    """One ``.mcp.json`` server entry, secrets as ``${VAR}`` (seed: ``config_entry``)."""
    s = server.server
    if s.transport == "stdio":
        env = dict(s.env)
        if server.secret_env:
            env[server.secret_env] = "${" + server.secret_env + "}"
        return {
            "type": "stdio",
            "command": s.command,
            "args": list(s.args),
            "env": dict(sorted(env.items())),
        }
    headers = dict(s.headers)
    if server.secret_env:
        headers["Authorization"] = "Bearer ${" + server.secret_env + "}"
    entry: dict[str, Any] = {"type": s.transport, "url": server.url}
    if headers:
        entry["headers"] = dict(sorted(headers.items()))
    return entry


def tool_rules(server: ResolvedServer) -> list[str]:
    """``permissions.allow`` rules for a server: one per allowed tool, or the whole server."""
    if server.tools is None:
        return [f"mcp__{server.name}"]
    return [f"mcp__{server.name}__{tool}" for tool in server.tools]


def config_file(env: Mapping[str, str]) -> Path:
    """Claude Code's user config: ``$CLAUDE_CONFIG_DIR/.claude.json``, else
    ``$HOME/.claude.json``."""
    base = env.get("CLAUDE_CONFIG_DIR") or env.get("HOME") or str(Path.home())
    return Path(base) / ".claude.json"


def trust_key(workspace: Path) -> Path:
    """The folder whose ``hasTrustDialogAccepted`` Claude Code reads for ``workspace``:
    the nearest folder at or above it holding ``.git`` (a folder or a worktree's file),
    else the workspace itself (checked headless on 2.1.330: inside a git checkout,
    trusting only the workspace leaves every project setting ignored)."""
    here = Path(os.path.realpath(workspace))
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return here


def trust(workspace: Path, env: Mapping[str, str]) -> list[str]:
    """Mark ``workspace`` (and the git checkout holding it) trusted in the user config.

    Merges into the existing file, writes it atomically with its mode kept (0600 when
    new), and returns one line per folder newly trusted. Raises ``OSError`` when the file
    cannot be read or written, ``ValueError`` when it holds something other than a JSON
    object (it is never overwritten then).
    """
    from agentctl.support.fsutil import atomic_write

    path = Path(os.path.realpath(config_file(env)))  # a dotfiles symlink stays a symlink
    doc, mode = read_json_config(path)
    projects = doc.setdefault("projects", {})
    if not isinstance(projects, dict):
        raise ValueError(f"'projects' in {path} is not a JSON object")
    here = str(Path(os.path.realpath(workspace)))
    notes: list[str] = []
    for folder in dict.fromkeys([here, str(trust_key(workspace))]):
        entry = projects.get(folder)
        if isinstance(entry, dict) and entry.get("hasTrustDialogAccepted") is True:
            continue
        projects[folder] = {**(entry if isinstance(entry, dict) else {}),
                            "hasTrustDialogAccepted": True}
        notes.append(f"Claude Code now trusts {folder} ({path})")
    if notes:
        atomic_write(path, (json.dumps(doc, indent=2) + "\n").encode(), mode)
    return notes


def hook_command(hook: Hook) -> str:
    """The hook's argv as the shell line Claude Code runs (each item quoted); a first
    item ``./…`` is a script in the workspace, found through ``$CLAUDE_PROJECT_DIR``."""
    program, *rest = hook.command
    if program.startswith("./"):
        first = '"$CLAUDE_PROJECT_DIR"/' + shlex.quote(program[2:])
    else:
        first = shlex.quote(program)
    return " ".join([first, *(shlex.quote(a) for a in rest)])


def hook_settings(agent: ResolvedAgent) -> dict[str, Any]:
    """Settings ``hooks``: event → matcher groups, in the order the agent lists them."""
    return hook_groups(agent, HOOK_EVENTS, lambda chosen: {
        "type": "command", "command": hook_command(chosen.entry),
        "timeout": chosen.entry.timeout})


def subagent_file(sub: ResolvedSubagent) -> bytes:
    """``.claude/agents/<name>.md``: frontmatter ``name``, ``description``, ``tools``
    (built-in names, then ``mcp__<server>__<tool>`` or ``mcp__<server>``), ``model``;
    the instructions as the body (its system prompt; checked headless on 2.1.330)."""
    entry = sub.entry
    meta: dict[str, Any] = {"name": entry.name, "description": entry.description}
    tools = list(entry.tools or [])
    for server, allowed in sub.servers:
        tools += ([f"mcp__{server}"] if allowed is None
                  else [f"mcp__{server}__{tool}" for tool in allowed])
    if entry.tools is not None or sub.servers:
        meta["tools"] = ", ".join(tools)
    if sub.model is not None:
        meta["model"] = sub.model.provider_model or sub.model.name
    return markdown_with_frontmatter(meta, entry.instructions)


class ClaudeCode(BaseRuntime):
    """Renders ``CLAUDE.md``, ``.mcp.json``, ``.claude/settings.json`` and skills."""

    name: ClassVar[str] = "claude-code"
    credential_envs: ClassVar[dict[str, str]] = {
        "api_key": "ANTHROPIC_API_KEY",
        "oauth_token": "CLAUDE_CODE_OAUTH_TOKEN",
        "bearer": "ANTHROPIC_AUTH_TOKEN",
    }
    skills_dir: ClassVar[str] = ".claude/skills"
    # Claude Code speaks the Anthropic Messages API; OpenRouter and Ollama serve it too.
    backends: ClassVar[frozenset[str]] = frozenset({"anthropic", "openrouter", "ollama"})
    npm_package: ClassVar[str] = NPM_PACKAGE
    docs: ClassVar[RuntimeDocs] = RuntimeDocs(
        instructions="`AGENTS.md` + `CLAUDE.md` (`@AGENTS.md`)",
        mcp_config="`.mcp.json`",
        placeholder="`${VAR}`",
        tool_allow_list="`permissions.allow` `mcp__s__t`",
        server_approval="`enabledMcpjsonServers`; trust seeded in `~/.claude.json`",
        endpoint="`ANTHROPIC_BASE_URL`, without `/v1`",
        permissions="`defaultMode` plan / acceptEdits / bypassPermissions / default",
        model_handle="provider model id",
        subagents="`.claude/agents/<name>.md`",
        commands="`.claude/commands/<name>.md`",
        hooks="`settings.json` `hooks` (PreToolUse, …)",
        rules="`.claude/rules/<name>.md` with `paths:`",
        last_proven="2.1.332",
    )
    version: ClassVar[str] = CLAUDE_CODE_VERSION
    program: ClassVar[str] = "claude"
    primitives: ClassVar[frozenset[str]] = frozenset({"subagents", "commands", "hooks",
                                                      "rules"})

    def runtime_files(self, agent: ResolvedAgent) -> dict[str, FileSpec]:
        """``CLAUDE.md``, ``.mcp.json`` and ``.claude/settings.json``."""
        servers = {s.name: mcp_entry(s) for s in agent.mcp_servers}
        allow = [rule for s in agent.mcp_servers for rule in tool_rules(s)]
        permissions: dict[str, Any] = {"allow": allow}
        if agent.permission:
            permissions["defaultMode"] = PERMISSION_MODES[agent.permission]
        settings: dict[str, Any] = {
            "$schema": SETTINGS_SCHEMA,
            "enabledMcpjsonServers": list(servers),
            "permissions": permissions,
        }
        hooks = hook_settings(agent)
        if hooks:
            settings["hooks"] = hooks
        settings = deep_merge(settings, agent.settings)
        return {
            "CLAUDE.md": FileSpec(b"@AGENTS.md\n"),
            ".mcp.json": FileSpec(dump_json({"mcpServers": servers})),
            ".claude/settings.json": FileSpec(dump_json(settings)),
        }

    def primitive_files(self, agent: ResolvedAgent) -> dict[str, FileSpec]:
        """``.claude/agents/<name>.md``, ``.claude/commands/<name>.md`` (``$ARGUMENTS``
        kept: Claude Code's own placeholder) and ``.claude/rules/<name>.md`` (``paths:``
        frontmatter: loaded once the agent reads a matching file). Hooks go into
        ``.claude/settings.json`` (:meth:`runtime_files`)."""
        p = agent.primitives
        files = {f".claude/agents/{s.name}.md": FileSpec(subagent_file(s)) for s in p.subagents}
        for c in p.commands:
            meta = {"description": c.entry.description} if c.entry.description else {}
            files[f".claude/commands/{c.name}.md"] = FileSpec(
                markdown_with_frontmatter(meta, c.entry.prompt))
        for r in p.rules:
            files[f".claude/rules/{r.name}.md"] = FileSpec(
                markdown_with_frontmatter({"paths": list(r.entry.paths)}, r.entry.instructions))
        return files

    def service_environment(self, agent: ResolvedAgent) -> dict[str, str]:
        """``ANTHROPIC_MODEL``; ``ANTHROPIC_BASE_URL`` for any endpoint but Anthropic's own
        default (without ``/v1``); ``MCP_CONNECTION_NONBLOCKING=false`` so the first turn
        sees every MCP server the catalogue gave the agent."""
        env = {"DISABLE_AUTOUPDATER": "1", "MCP_CONNECTION_NONBLOCKING": "false"}
        handle = self.model_handle(agent)
        if handle:
            env["ANTHROPIC_MODEL"] = handle
        provider = agent.provider
        url = endpoint(agent)
        if provider is not None and url and (provider.base_url
                                             or provider.backend != "anthropic"):
            env["ANTHROPIC_BASE_URL"] = without_suffix(url, "/v1")
        return env

    def default_command(self, agent: ResolvedAgent) -> list[str]:
        """The pinned release, after :data:`SEED_SCRIPT` pre-answers the first-run
        dialogs (trust, onboarding, the service's API key) a service cannot answer."""
        return ["sh", "-c", SERVICE_SCRIPT, "agentctl-seed", SEED_SCRIPT,
                *super().default_command(agent)]

    def prepare_host(self, workspace: Path, env: Mapping[str, str]) -> list[str]:
        """Trust ``workspace`` (and its git checkout) in the user config (:func:`trust`):
        without it Claude Code ignores the rendered permissions."""
        return trust(workspace, env)
