"""GitHub Copilot CLI (``@github/copilot``).

Formats, from the CLI's own help (``copilot help providers|permissions|config``,
``copilot mcp add --help``, ``copilot skill --help``) and checked against Copilot CLI
1.0.102 (the headless facts by ``tests/acceptance/test_headless.py``):

* instructions: ``AGENTS.md`` in the working folder (``copilot instruction list``).
* ``.mcp.json`` (the workspace source of ``copilot mcp list``): ``{"mcpServers": {NAME:
  …}}``; stdio ``{type: local, command, args, env, tools}``, remote ``{type: http|sse,
  url, headers, tools}``; ``tools`` lists the tools the model is offered (``["*"]``:
  all). ``${VAR}`` and ``${VAR:-default}`` are expanded in ``env`` and ``headers``.
* Workspace servers, skills and hooks load only in a trusted folder: ``trustedFolders``
  in ``~/.copilot/config.json`` (``$COPILOT_HOME/config.json``). ``COPILOT_ALLOW_ALL=true``
  trusts too, but approves every tool, so it is not used.
* MCP tools are offered as ``<server>-<tool>``; headless (``-p``) a tool runs only when
  ``--allow-tool '<server>(<tool>)'`` approves it (otherwise "Permission denied because
  no interactive user response was available"). Tool approval has no repository
  setting (``permissions.allow`` is organisation policy), so the approvals are arguments,
  each written ``--allow-tool=…``: the option takes several values, and in the spaced
  form it would swallow a subcommand after it (``copilot --allow-tool=… mcp list`` works).
* a custom model (BYOK) is environment only: ``COPILOT_PROVIDER_BASE_URL`` (with
  ``/v1`` for OpenAI shapes), ``COPILOT_PROVIDER_TYPE`` (``openai`` | ``anthropic``),
  ``COPILOT_PROVIDER_API_KEY`` or ``COPILOT_PROVIDER_BEARER_TOKEN``, ``COPILOT_MODEL``;
  the default wire API is Chat Completions. No GitHub login is needed then.
* skills: ``.github/skills/<name>/``. ``--reasoning-effort`` takes the effort.
* ``.github/copilot/settings.json`` holds the settings a repository may override
  (:data:`REPO_SETTINGS`); the CLI refuses any other key there.
* subagents (``.github/agents/<name>.agent.md``), hooks (a local plug-in loaded with
  ``--plugin-dir``) and scoped rules (``.github/instructions/<name>.instructions.md``
  with ``applyTo`` globs): :mod:`agentctl.runtimes.copilot_primitives`. No commands.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from agentctl.diagnostics import Diagnostic
from agentctl.runtimes.base import BaseRuntime
from agentctl.runtimes.common import (
    dump_json,
    endpoint,
    read_json_config,
    server_env,
    server_headers,
    with_suffix,
    without_suffix,
)
from agentctl.runtimes.copilot_primitives import plugin_args, primitive_files
from agentctl.runtimes.docs import RuntimeDocs
from agentctl.support.tree import FileSpec

if TYPE_CHECKING:
    from agentctl.catalogue.load import Located
    from agentctl.catalogue.schema import Agent
    from agentctl.resolve import ResolvedAgent, ResolvedServer

#: Pinned Copilot CLI release the default service runs.
COPILOT_VERSION = "1.0.102"
MCP_FILE = ".mcp.json"
SETTINGS_FILE = ".github/copilot/settings.json"
#: Keys ``.github/copilot/settings.json`` may hold (the CLI's own list, 1.0.102).
REPO_SETTINGS = frozenset({
    "agentDirectories", "autoTier", "companyAnnouncements", "contextTier", "deniedUrls",
    "disableAllHooks", "disabledMcpServers", "disabledSkills", "effortLevel",
    "enabledPlugins", "extraKnownMarketplaces", "hookDirectories", "hooks",
    "includeCoAuthoredBy", "instructionDirectories", "mergeStrategy", "model",
    "modelProviderId", "respectGitignore", "skillDirectories",
})
#: aegis permission → the CLI's permission arguments (``auto``: its own prompts).
PERMISSION_ARGS: dict[str, tuple[str, ...]] = {
    "read": ("--deny-tool=write", "--deny-tool=shell"),
    "write": ("--allow-tool=write",),
    "full": ("--allow-all-tools",),
    "auto": (),
}
#: Backend → ``COPILOT_PROVIDER_TYPE`` (OpenAI-shaped endpoints are all ``openai``).
PROVIDER_TYPES = {"openai": "openai", "openai-compatible": "openai", "ollama": "openai",
                  "openrouter": "openai", "anthropic": "anthropic"}
#: agentctl effort → ``--reasoning-effort``.
EFFORTS = {"low": "low", "medium": "medium", "high": "high", "max": "max"}
#: Node script run in the container before the CLI: trusts the working folder in
#: ``config.json`` (what the first-run trust dialog would ask). Nothing secret in it.
SEED_SCRIPT = (
    'const fs=require("fs"),path=require("path"),os=require("os");'
    'const dir=process.env.COPILOT_HOME||path.join(os.homedir(),".copilot");'
    'const f=path.join(dir,"config.json");let c={};'
    'try{c=JSON.parse(fs.readFileSync(f,"utf8"))}catch(e){}'
    "const t=Array.isArray(c.trustedFolders)?c.trustedFolders:[];"
    "const cwd=fs.realpathSync(process.cwd());if(!t.includes(cwd))t.push(cwd);"
    "c.trustedFolders=t;fs.mkdirSync(dir,{recursive:true});"
    "fs.writeFileSync(f,JSON.stringify(c,null,2))"
)
SERVICE_SCRIPT = 'node -e "$1" && shift && exec "$@"'


def mcp_entry(server: ResolvedServer) -> dict[str, Any]:
    """One ``.mcp.json`` entry; placeholders stay ``${VAR}`` (the CLI expands them)."""
    s = server.server
    entry: dict[str, Any]
    if s.transport == "stdio":
        entry = {"type": "local", "command": s.command, "args": list(s.args)}
        env = server_env(server)
        if env:
            entry["env"] = env
    else:
        entry = {"type": s.transport, "url": server.url}
        headers = server_headers(server)
        if headers:
            entry["headers"] = headers
    entry["tools"] = ["*"] if server.tools is None else list(server.tools)
    return entry


def tool_approvals(servers: tuple[ResolvedServer, ...]) -> list[str]:
    """``--allow-tool=<server>(<tool>)`` per allowed tool (``<server>`` for a whole one)."""
    out: list[str] = []
    for server in servers:
        if server.tools is None:
            out.append(f"--allow-tool={server.name}")
        else:
            out.extend(f"--allow-tool={server.name}({tool})" for tool in server.tools)
    return out


def config_file(env: Mapping[str, str]) -> Path:
    """``$COPILOT_HOME/config.json``, else ``~/.copilot/config.json`` (of ``env``)."""
    home = env.get("COPILOT_HOME")
    if home:
        return Path(home) / "config.json"
    return Path(env.get("HOME") or Path.home()) / ".copilot" / "config.json"


def trust(workspace: Path, env: Mapping[str, str]) -> list[str]:
    """Add ``workspace`` to ``trustedFolders`` of the user config, keeping the rest.

    Writes atomically with the file's mode kept (0600 when new); returns a line for the
    user when the folder was newly trusted. Raises ``OSError`` when the file cannot be
    read or written, ``ValueError`` when it is not a JSON object (never overwritten then).
    """
    from agentctl.support.fsutil import atomic_write

    path = Path(os.path.realpath(config_file(env)))
    doc, mode = read_json_config(path)
    folders = doc.get("trustedFolders", [])
    if not isinstance(folders, list):
        raise ValueError(f"'trustedFolders' in {path} is not a JSON array")
    here = os.path.realpath(workspace)
    if here in folders:
        return []
    doc["trustedFolders"] = [*folders, here]
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, (json.dumps(doc, indent=2) + "\n").encode(), mode)
    return [f"Copilot CLI now trusts {here} ({path})"]


class Copilot(BaseRuntime):
    """Renders ``AGENTS.md``, ``.mcp.json``, skills under ``.github/skills``, the
    repository settings, custom agents, path-scoped instructions and a hooks plug-in;
    tool approvals, permissions and the plug-in are arguments of the CLI."""

    name: ClassVar[str] = "copilot-cli"
    credential_envs: ClassVar[dict[str, str]] = {
        "api_key": "COPILOT_PROVIDER_API_KEY",
        "bearer": "COPILOT_PROVIDER_BEARER_TOKEN",
    }
    skills_dir: ClassVar[str] = ".github/skills"
    backends: ClassVar[frozenset[str]] = frozenset(PROVIDER_TYPES)
    codes: ClassVar[Mapping[str, str]] = {
        "E520": "Copilot CLI cannot take this setting in a repository",
    }
    npm_package: ClassVar[str] = "@github/copilot"
    docs: ClassVar[RuntimeDocs] = RuntimeDocs(
        mcp_config="`.mcp.json` `mcpServers`",
        placeholder="`${VAR}`",
        transports_note="(`type`: `local`, `http`, `sse`)",
        tool_allow_list="`tools` + `--allow-tool=s(t)`",
        server_approval="`trustedFolders` seeded in `~/.copilot/config.json`",
        endpoint="`COPILOT_PROVIDER_BASE_URL` (+ `_TYPE`), with `/v1` for OpenAI shapes",
        permissions="`--deny-tool` write, shell / `--allow-tool=write` / "
        "`--allow-all-tools` / prompts",
        effort="`--reasoning-effort`",
        model_handle="`COPILOT_MODEL`: provider model id",
        subagents="`.github/agents/<name>.agent.md`",
        hooks="plug-in `.github/agentctl-hooks/` (`--plugin-dir`; preToolUse, …)",
        rules="`.github/instructions/<name>.instructions.md` with `applyTo:` globs",
        last_proven=COPILOT_VERSION,
    )
    version: ClassVar[str] = COPILOT_VERSION
    program: ClassVar[str] = "copilot"
    primitives: ClassVar[frozenset[str]] = frozenset({"subagents", "hooks", "rules"})

    def check(self, agent: ResolvedAgent, located: Located[Agent]) -> list[Diagnostic]:
        """Base checks, then E520 for each setting a repository cannot override."""
        out = super().check(agent, located)
        for key in sorted(set(agent.settings) - REPO_SETTINGS):
            out.append(Diagnostic(
                "error", "E520", f"runtime {self.name} cannot take setting '{key}' in a "
                "repository", located.pos("settings", key, key=True),
                f"agents[{agent.name}].settings.{key}",
                "Copilot CLI reads .github/copilot/settings.json with only these keys: "
                + ", ".join(sorted(REPO_SETTINGS)) + "."))
        return out

    def runtime_files(self, agent: ResolvedAgent) -> dict[str, FileSpec]:
        """``.mcp.json``, and ``.github/copilot/settings.json`` for ``settings``."""
        files: dict[str, FileSpec] = {}
        if agent.mcp_servers:
            servers = {s.name: mcp_entry(s) for s in agent.mcp_servers}
            files[MCP_FILE] = FileSpec(dump_json({"mcpServers": servers}))
        if agent.settings:
            files[SETTINGS_FILE] = FileSpec(dump_json(agent.settings))
        return files

    def primitive_files(self, agent: ResolvedAgent) -> dict[str, FileSpec]:
        """Custom agents, path-scoped instructions and the hooks plug-in
        (:func:`agentctl.runtimes.copilot_primitives.primitive_files`)."""
        return primitive_files(agent)

    def service_environment(self, agent: ResolvedAgent) -> dict[str, str]:
        """The custom provider (BYOK) for an agent with a model; no auto-update (the
        service pins its release)."""
        env = {"COPILOT_AUTO_UPDATE": "false"}
        provider, url, handle = agent.provider, endpoint(agent), self.model_handle(agent)
        if provider is None or not url or not handle:
            return env
        kind = PROVIDER_TYPES.get(provider.backend, "openai")
        env["COPILOT_PROVIDER_TYPE"] = kind
        env["COPILOT_PROVIDER_BASE_URL"] = (without_suffix(url, "/v1") if kind == "anthropic"
                                            else with_suffix(url, "/v1"))
        env["COPILOT_MODEL"] = handle
        return env

    def cli_args(self, agent: ResolvedAgent) -> list[str]:
        """Tool approvals, the permission's arguments, the effort, then the hooks
        plug-in (``--plugin-dir``) when the agent has hooks."""
        args = tool_approvals(agent.mcp_servers)
        args.extend(PERMISSION_ARGS.get(agent.permission or "", ()))
        if agent.effort in EFFORTS:
            args.append(f"--reasoning-effort={EFFORTS[agent.effort]}")
        return [*args, *plugin_args(agent)]

    def default_command(self, agent: ResolvedAgent) -> list[str]:
        """The pinned release, after :data:`SEED_SCRIPT` trusts the working folder."""
        return ["sh", "-c", SERVICE_SCRIPT, "agentctl-seed", SEED_SCRIPT,
                *super().default_command(agent)]

    def prepare_host(self, workspace: Path, env: Mapping[str, str]) -> list[str]:
        """Trust ``workspace`` in the user config (:func:`trust`): untrusted, the CLI
        loads none of the workspace's MCP servers or skills."""
        return trust(workspace, env)
