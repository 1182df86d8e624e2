"""Codex CLI (``@openai/codex``).

Formats, from the shared ``reference/runtimes.md`` (checked against Codex 0.169):

* instructions: ``AGENTS.md``.
* ``.codex/config.toml``, read in a trusted project (user config
  ``[projects."<abs path>"] trust_level = "trusted"``). ``[mcp_servers.NAME]``:
  stdio ``command``, ``args``, ``env`` (literal), ``env_vars`` (passed through by name);
  streamable HTTP ``url``, ``bearer_token_env_var``, ``http_headers`` (literal),
  ``env_http_headers`` (header → variable name); ``enabled_tools``. The transport is
  inferred from the keys; there is no SSE transport and no ``headers`` key.
* placeholders: Codex never expands variables (openai/codex
  ``codex-rs/config/src/mcp_types.rs``), so a ``${VAR}`` is expressible only as a whole
  header value, ``Authorization: Bearer ${VAR}``, or a stdio env entry ``K: ${K}``.
* ``approval_policy`` (untrusted | on-request | never) and ``sandbox_mode`` (read-only |
  workspace-write | danger-full-access): the pairs Codex's own ``/approvals`` presets use.
* ``model_reasoning_effort``: minimal | low | medium | high | xhigh.
* skills: ``.agents/skills/<name>/``; auth env ``OPENAI_API_KEY``, ``OPENAI_BASE_URL``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import tomli_w

from agentctl.diagnostics import Diagnostic
from agentctl.runtimes.base import (
    GENERATED_NOTE,
    BaseRuntime,
    deep_merge,
    placeholder_error,
    server_env,
    server_headers,
)
from agentctl.schema import Ref, split_placeholders
from agentctl.tree import FileSpec

if TYPE_CHECKING:
    from agentctl.load import Located
    from agentctl.resolve import ResolvedAgent, ResolvedServer
    from agentctl.schema import Agent

#: Pinned Codex release the default service runs.
CODEX_VERSION = "0.169.0"
CONFIG_FILE = ".codex/config.toml"
#: aegis permission → (``approval_policy``, ``sandbox_mode``). ``auto`` is Codex asking
#: before anything but known-safe reads, the closest to the other runtimes' default mode.
PERMISSIONS = {
    "read": ("on-request", "read-only"),
    "write": ("on-request", "workspace-write"),
    "full": ("never", "danger-full-access"),
    "auto": ("untrusted", "workspace-write"),
}
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


def mcp_entry(server: ResolvedServer) -> dict[str, Any]:
    """One ``[mcp_servers.NAME]`` table. Raises :class:`Unexpressible`."""
    s = server.server
    entry: dict[str, Any] = {}
    if s.transport == "stdio":
        entry["command"] = s.command or ""
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
    else:
        entry["url"] = server.url
        literal: dict[str, str] = {}
        from_env: dict[str, str] = {}
        for key, text in server_headers(server).items():
            parts = split_placeholders(text)
            if (key.lower() == "authorization" and len(parts) == 2 and parts[0] == "Bearer "
                    and isinstance(parts[1], Ref) and parts[1].default is None):
                entry["bearer_token_env_var"] = parts[1].var
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
    if server.tools is not None:
        entry["enabled_tools"] = list(server.tools)
    return entry


class Codex(BaseRuntime):
    """Renders ``.codex/config.toml`` and skills under ``.agents/skills``."""

    name: ClassVar[str] = "codex"
    # Codex sends OPENAI_API_KEY as the bearer token, so a gateway's bearer works too; its
    # ChatGPT OAuth login lives in auth.json, written by an interactive `codex login`.
    credential_envs: ClassVar[dict[str, str]] = {
        "api_key": "OPENAI_API_KEY",
        "bearer": "OPENAI_API_KEY",
    }
    skills_dir: ClassVar[str] = ".agents/skills"
    backends: ClassVar[frozenset[str]] = frozenset({"openai", "openai-compatible", "ollama"})
    # Codex's MCP client speaks stdio and streamable HTTP only.
    transports: ClassVar[frozenset[str]] = frozenset({"stdio", "http"})

    def check(self, agent: ResolvedAgent, located: Located[Agent]) -> list[Diagnostic]:
        """Base checks, then placeholders Codex cannot express, then TOML-able settings."""
        out = super().check(agent, located)
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

    def config(self, agent: ResolvedAgent) -> dict[str, Any]:
        """The config.toml document, settings merged in."""
        doc: dict[str, Any] = {}
        handle = self.model_handle(agent)
        if handle:
            doc["model"] = handle
        if agent.provider is not None and agent.provider.backend == "ollama":
            doc["model_provider"] = "ollama"
        if agent.effort:
            doc["model_reasoning_effort"] = EFFORTS[agent.effort]
        if agent.permission:
            doc["approval_policy"], doc["sandbox_mode"] = PERMISSIONS[agent.permission]
        servers = {
            s.name: mcp_entry(s) for s in agent.mcp_servers if s.server.transport != "sse"
        }
        if servers:
            doc["mcp_servers"] = servers
        return deep_merge(doc, agent.settings)

    def runtime_files(self, agent: ResolvedAgent) -> dict[str, FileSpec]:
        """``.codex/config.toml``."""
        text = f"# {GENERATED_NOTE}\n" + tomli_w.dumps(self.config(agent))
        return {CONFIG_FILE: FileSpec(text.encode("utf-8"))}

    def service_environment(self, agent: ResolvedAgent) -> dict[str, str]:
        """``CODEX_HOME`` on the workspace's ``.codex``, and a custom endpoint's URL.

        Codex reads a project's ``.codex/config.toml`` only once the project is trusted
        in the user's config; in the service the rendered file *is* the user config, so
        no trust entry is needed (and Codex keeps its state in the mounted workspace).
        """
        env = {"CODEX_HOME": "/workspace/.codex"}
        p = agent.provider
        if p is not None and p.base_url:
            key = "CODEX_OSS_BASE_URL" if p.backend == "ollama" else "OPENAI_BASE_URL"
            env[key] = p.base_url
        return env

    def default_command(self, agent: ResolvedAgent) -> list[str]:
        """Run the pinned Codex release in the workspace."""
        return ["npx", "--yes", f"@openai/codex@{CODEX_VERSION}"]
