"""Codex CLI (``@openai/codex``).

Formats, from the shared ``reference/runtimes.md`` and openai/codex
``codex-rs/config/src/mcp_types.rs``; checked against Codex 0.169 (the headless facts by
``tests/acceptance/test_headless.py``):

* instructions: ``AGENTS.md``.
* ``.codex/config.toml``, read in a trusted project (user config
  ``[projects."<abs path>"] trust_level = "trusted"``) or as ``$CODEX_HOME/config.toml``.
  ``[mcp_servers.NAME]``: stdio ``command``, ``args``, ``env`` (literal), ``env_vars``
  (passed through by name); streamable HTTP ``url``, ``bearer_token_env_var``,
  ``http_headers`` (literal), ``env_http_headers`` (header → variable name);
  ``enabled_tools`` (only *hides* the others); ``[mcp_servers.NAME.tools.TOOL]
  approval_mode = "approve"`` (or ``default_tools_approval_mode``) pre-approves a tool,
  without which a headless call fails "requires approval"; ``required = true`` makes
  ``codex exec`` wait for the server and fail when it cannot start. The transport is
  inferred from the keys; there is no SSE transport and no ``headers`` key.
* placeholders: Codex never expands variables, so a ``${VAR}`` is expressible only as a
  whole header value, ``Authorization: Bearer ${VAR}``, or a stdio env entry ``K: ${K}``.
* endpoint: the ``OPENAI_BASE_URL`` variable is no longer read (openai/codex #16720);
  ``model_provider`` names a ``[model_providers.ID]`` block (``base_url`` with ``/v1``,
  ``env_key``, ``wire_api = "responses"``). Built-in IDs (``openai``, ``ollama``, …)
  cannot be redefined, so agentctl's IDs are ``agentctl-<provider>``. A custom provider
  sends no WebSocket first.
* permissions: ``approval_policy`` (untrusted | on-request | never) and the permission
  profile ``default_permissions`` (built-ins ``:read-only``, ``:workspace``,
  ``:danger-full-access``); the legacy ``sandbox_mode`` would switch profiles off.
* ``model_reasoning_effort``: minimal | low | medium | high | xhigh.
* MCP tools reach the model as namespace ``mcp__<server>`` (``-`` → ``_``), tool ``<tool>``.
* skills: ``.agents/skills/<name>/``.
* subagents ``.codex/agents/<name>.toml`` and hooks in ``[hooks]``, run with
  ``--dangerously-bypass-hook-trust`` (:mod:`agentctl.runtimes.codex_primitives`).
  Commands stay refused: custom prompts (``$CODEX_HOME/prompts``) are expanded only by
  the interactive picker, and ``codex exec "/<name> ARG"`` sends the text unexpanded
  (checked on 0.169.0 and 0.171.0); so do glob-scoped rules: Codex reads ``AGENTS.md``
  only between the project root and its working folder.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import tomli_w

from agentctl.catalogue.schema import Ref, split_placeholders
from agentctl.diagnostics import Diagnostic
from agentctl.runtimes.base import GENERATED_NOTE, BaseRuntime
from agentctl.runtimes.checks import placeholder_error
from agentctl.runtimes.codex_primitives import (
    BYPASS_HOOK_TRUST,
    hook_config,
    role_files,
    subagent_checks,
)
from agentctl.runtimes.common import deep_merge, endpoint, server_env, server_headers, with_suffix
from agentctl.runtimes.docs import RuntimeDocs
from agentctl.support.tree import FileSpec

if TYPE_CHECKING:
    from agentctl.catalogue.load import Located
    from agentctl.catalogue.schema import Agent
    from agentctl.resolve import ResolvedAgent, ResolvedServer

#: Pinned Codex release the default service runs.
CODEX_VERSION = "0.169.0"
CONFIG_FILE = ".codex/config.toml"
#: aegis permission → (``approval_policy``, ``default_permissions`` built-in profile).
#: ``auto`` is Codex asking before anything but known-safe reads, the closest to the
#: other runtimes' default mode.
PERMISSIONS = {
    "read": ("on-request", ":read-only"),
    "write": ("on-request", ":workspace"),
    "full": ("never", ":danger-full-access"),
    "auto": ("untrusted", ":workspace"),
}
#: Prefix of agentctl's ``[model_providers.*]`` IDs (built-in IDs cannot be redefined).
PROVIDER_PREFIX = "agentctl-"
#: agentctl effort → ``model_reasoning_effort``.
EFFORTS = {"low": "low", "medium": "medium", "high": "high", "max": "xhigh"}


class Unexpressible(Exception):
    """A header or env value Codex has no way to write: (field, key, why, fix)."""

    def __init__(self, field: str, key: str, why: str, fix: str) -> None:
        super().__init__(why)
        self.field, self.key, self.why, self.fix = field, key, why, fix


def _only_ref(field: str, key: str, text: str) -> Ref | None:
    """The single placeholder ``text`` consists of, None for literal text, else raise."""
    parts = split_placeholders(text)
    refs = [p for p in parts if isinstance(p, Ref)]
    if not refs:
        return None
    for ref in refs:
        if ref.default is not None:
            raise Unexpressible(
                field, key, f"{ref.canonical()} has a default, and Codex expands no variables",
                f"Drop ':-{ref.default}': Codex passes the variable's value as it is.",
            )
    if len(parts) != 1:
        raise Unexpressible(
            field, key, f"'{text}' has text around the placeholder, and Codex can only pass a "
            "whole variable as the value",
            "Make the variable hold the whole value (e.g. put the prefix into the secret), "
            "or use another runtime for this agent.",
        )
    return refs[0]


def _stdio_entry(server: ResolvedServer) -> dict[str, Any]:
    """``command``, ``args``, literal ``env`` and ``env_vars`` passed through by name."""
    s = server.server
    entry: dict[str, Any] = {"command": s.command or ""}
    if s.args:
        entry["args"] = list(s.args)
    env: dict[str, str] = {}
    env_vars: list[str] = []
    for key, text in server_env(server).items():
        ref = _only_ref("env", key, text)
        if ref is None:
            env[key] = text
        elif ref.var != key:
            raise Unexpressible(
                "env", key, f"it is filled from ${{{ref.var}}}, and Codex passes variables "
                "only under their own name (env_vars)",
                f"Name the variable after the key: declare secrets: {{{key}: …}} and write "
                f"{key}: ${{{key}}}.",
            )
        else:
            env_vars.append(key)
    if env:
        entry["env"] = env
    if env_vars:
        entry["env_vars"] = env_vars
    return entry


def _bearer_var(key: str, text: str) -> str | None:
    """The variable of an ``Authorization: Bearer ${VAR}`` header (no default), or None."""
    parts = split_placeholders(text)
    if (key.lower() == "authorization" and len(parts) == 2 and parts[0] == "Bearer "
            and isinstance(parts[1], Ref) and parts[1].default is None):
        return parts[1].var
    return None


def _http_entry(server: ResolvedServer) -> dict[str, Any]:
    """``url``, ``bearer_token_env_var``, literal ``http_headers`` and
    ``env_http_headers`` (header → variable)."""
    entry: dict[str, Any] = {"url": server.url}
    literal: dict[str, str] = {}
    from_env: dict[str, str] = {}
    for key, text in server_headers(server).items():
        bearer = _bearer_var(key, text)
        if bearer is not None:
            entry["bearer_token_env_var"] = bearer
            continue
        ref = _only_ref("headers", key, text)
        if ref is None:
            literal[key] = text
        else:
            from_env[key] = ref.var
    if literal:
        entry["http_headers"] = literal
    if from_env:
        entry["env_http_headers"] = from_env
    return entry


def mcp_entry(server: ResolvedServer) -> dict[str, Any]:
    """One ``[mcp_servers.NAME]`` table. Raises :class:`Unexpressible`."""
    entry = _stdio_entry(server) if server.server.transport == "stdio" else _http_entry(server)
    # The catalogue's allow-list is what the agent may call without asking: Codex only
    # hides the other tools with enabled_tools, and approves per tool.
    entry["required"] = True
    if server.tools is None:
        entry["default_tools_approval_mode"] = "approve"
    else:
        entry["enabled_tools"] = list(server.tools)
        entry["tools"] = {tool: {"approval_mode": "approve"} for tool in server.tools}
    return entry


class Codex(BaseRuntime):
    """Renders ``.codex/config.toml`` and skills under ``.agents/skills``."""

    name: ClassVar[str] = "codex"
    # The provider block's env_key names OPENAI_API_KEY, sent as the bearer token, so a
    # gateway's bearer works too; ChatGPT OAuth lives in auth.json (interactive login).
    credential_envs: ClassVar[dict[str, str]] = {
        "api_key": "OPENAI_API_KEY",
        "bearer": "OPENAI_API_KEY",
    }
    skills_dir: ClassVar[str] = ".agents/skills"
    backends: ClassVar[frozenset[str]] = frozenset({"openai", "openai-compatible", "ollama"})
    # Codex's MCP client speaks stdio and streamable HTTP only.
    transports: ClassVar[frozenset[str]] = frozenset({"stdio", "http"})
    codes: ClassVar[Mapping[str, str]] = {"E507": "Settings cannot be written as TOML"}
    npm_package: ClassVar[str] = "@openai/codex"
    docs: ClassVar[RuntimeDocs] = RuntimeDocs(
        mcp_config="`.codex/config.toml` `mcp_servers`",
        placeholder="`bearer_token_env_var`, `env_http_headers`, `env_vars`",
        tool_allow_list='`enabled_tools` + `tools.t.approval_mode = "approve"`',
        server_approval="`CODEX_HOME` points at the rendered config; `required = true`",
        endpoint="`[model_providers.agentctl-<provider>]` `base_url` + `env_key`",
        permissions="`approval_policy` + `default_permissions` on-request `:read-only` / "
        "on-request `:workspace` / never `:danger-full-access` / untrusted `:workspace`",
        effort="`model_reasoning_effort`",
        model_handle="provider model id",
        subagents="`.codex/agents/<name>.toml` (`developer_instructions`, `model`)",
        hooks="`config.toml` `[hooks]` (PreToolUse, …), `--dangerously-bypass-hook-trust`",
        last_proven="0.171.0",
    )
    version: ClassVar[str] = CODEX_VERSION
    program: ClassVar[str] = "codex"
    primitives: ClassVar[frozenset[str]] = frozenset({"subagents", "hooks"})

    def check(self, agent: ResolvedAgent, located: Located[Agent]) -> list[Diagnostic]:
        """Base checks, subagent subsets Codex cannot give, placeholders it cannot
        express, then TOML-able settings."""
        out = [*super().check(agent, located), *subagent_checks(self.name, agent)]
        for server in agent.mcp_servers:
            if server.server.transport not in self.transports:
                continue  # reported by the base check
            try:
                mcp_entry(server)
            except Unexpressible as exc:
                out.append(placeholder_error(self.name, agent, server, exc.field, exc.key,
                                             exc.why, exc.fix))
        try:
            tomli_w.dumps(agent.settings)
        except (TypeError, ValueError) as exc:
            out.append(
                Diagnostic("error", "E507", f"settings cannot be written as TOML: {exc}",
                           located.pos("settings"), f"agents[{agent.name}].settings",
                           "Codex reads TOML, which has no null: remove null values.")
            )
        return out

    def model_provider(self, agent: ResolvedAgent) -> tuple[str, dict[str, Any]] | None:
        """``(ID, [model_providers.ID] table)`` for the agent's provider, or None.

        ``base_url`` is the provider's endpoint with ``/v1`` (Codex appends
        ``/responses``); ``env_key`` the variable the inference credential is in.
        """
        provider = agent.provider
        url = endpoint(agent)
        if provider is None or agent.model is None or not url:
            return None
        table: dict[str, Any] = {"name": provider.name, "base_url": with_suffix(url, "/v1"),
                                 "wire_api": "responses"}
        var = self.inference_env(agent)
        if var and agent.inference_credential is not None:
            table["env_key"] = var
        return PROVIDER_PREFIX + provider.name, table

    def config(self, agent: ResolvedAgent) -> dict[str, Any]:
        """The config.toml document, settings merged in."""
        doc: dict[str, Any] = {}
        handle = self.model_handle(agent)
        if handle:
            doc["model"] = handle
        provider = self.model_provider(agent)
        if provider is not None:
            doc["model_provider"] = provider[0]
        if agent.effort:
            doc["model_reasoning_effort"] = EFFORTS[agent.effort]
        if agent.permission:
            doc["approval_policy"], doc["default_permissions"] = PERMISSIONS[agent.permission]
        if provider is not None:
            doc["model_providers"] = {provider[0]: provider[1]}
        servers = {
            s.name: mcp_entry(s) for s in agent.mcp_servers if s.server.transport != "sse"
        }
        if servers:
            doc["mcp_servers"] = servers
        hooks = hook_config(agent)
        if hooks:
            doc["hooks"] = hooks
        return deep_merge(doc, agent.settings)

    def runtime_files(self, agent: ResolvedAgent) -> dict[str, FileSpec]:
        """``.codex/config.toml``."""
        text = f"# {GENERATED_NOTE}\n" + tomli_w.dumps(self.config(agent))
        return {CONFIG_FILE: FileSpec(text.encode("utf-8"))}

    def primitive_files(self, agent: ResolvedAgent) -> dict[str, FileSpec]:
        """``.codex/agents/<name>.toml`` per subagent (hooks go into config.toml)."""
        return {path: FileSpec(text) for path, text in role_files(agent).items()}

    def cli_args(self, agent: ResolvedAgent) -> list[str]:
        """``--dangerously-bypass-hook-trust`` when the agent has hooks: Codex keys hook
        trust on the config file's absolute path, which differs between the service and
        a machine, and the hooks come from the reviewed catalogue."""
        return [BYPASS_HOOK_TRUST] if agent.primitives.hooks else []

    def service_environment(self, agent: ResolvedAgent) -> dict[str, str]:
        """``CODEX_HOME`` on the workspace's ``.codex`` (the endpoint is in config.toml).

        Codex reads a project's ``.codex/config.toml`` only once the project is trusted
        in the user's config; in the service the rendered file *is* the user config, so
        no trust entry is needed (and Codex keeps its state in the mounted workspace).
        """
        return {"CODEX_HOME": "/workspace/.codex"}
