"""Claude Code (``@anthropic-ai/claude-code``).

Formats, from the shared ``reference/runtimes.md`` (checked against Claude Code 2.1.x):

* ``CLAUDE.md`` is read first; since 2.1.277 ``AGENTS.md`` only when there is no
  ``CLAUDE.md``, so ``CLAUDE.md`` imports it with ``@AGENTS.md``.
* ``.mcp.json``: ``{"mcpServers": {NAME: …}}``; stdio ``{type, command, args, env}``,
  remote ``{type: http|sse, url, headers}``. ``${VAR}`` is expanded in env, url and headers.
* ``.claude/settings.json``: ``enabledMcpjsonServers`` approves project servers,
  ``permissions.allow`` rules ``mcp__<server>__<tool>``, ``permissions.defaultMode``.
* skills: ``.claude/skills/<name>/``.
* auth env: ``ANTHROPIC_API_KEY``, ``CLAUDE_CODE_OAUTH_TOKEN`` (OAuth),
  ``ANTHROPIC_AUTH_TOKEN`` (a bearer for a gateway), ``ANTHROPIC_BASE_URL``,
  ``ANTHROPIC_MODEL``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from agentctl.runtimes.base import BaseRuntime, deep_merge, dump_json
from agentctl.tree import FileSpec

if TYPE_CHECKING:
    from agentctl.resolve import ResolvedAgent, ResolvedServer

#: Pinned Claude Code release the default service runs.
CLAUDE_CODE_VERSION = "2.1.330"
#: aegis permission → Claude Code ``permissions.defaultMode``.
PERMISSION_MODES = {
    "read": "plan",
    "write": "acceptEdits",
    "full": "bypassPermissions",
    "auto": "default",
}
SETTINGS_SCHEMA = "https://json.schemastore.org/claude-code-settings.json"


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
        settings = deep_merge(settings, agent.settings)
        return {
            "CLAUDE.md": FileSpec(b"@AGENTS.md\n"),
            ".mcp.json": FileSpec(dump_json({"mcpServers": servers})),
            ".claude/settings.json": FileSpec(dump_json(settings)),
        }

    def service_environment(self, agent: ResolvedAgent) -> dict[str, str]:
        """``ANTHROPIC_MODEL`` and, for a compatible endpoint, ``ANTHROPIC_BASE_URL``."""
        env = {"DISABLE_AUTOUPDATER": "1"}
        handle = self.model_handle(agent)
        if handle:
            env["ANTHROPIC_MODEL"] = handle
        if agent.provider is not None and agent.provider.base_url:
            env["ANTHROPIC_BASE_URL"] = agent.provider.base_url
        return env

    def default_command(self, agent: ResolvedAgent) -> list[str]:
        """Run the pinned Claude Code release in the workspace."""
        return ["npx", "--yes", f"@anthropic-ai/claude-code@{CLAUDE_CODE_VERSION}"]
