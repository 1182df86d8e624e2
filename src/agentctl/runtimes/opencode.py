"""OpenCode (``opencode-ai``).

Formats, from the shared ``reference/runtimes.md`` (checked against opencode-ai 1.18):

* instructions: ``AGENTS.md``.
* ``opencode.json``: ``{"$schema": "https://opencode.ai/config.json", "mcp": {NAME: …}}``;
  local ``{type: local, command: [cmd, *args], environment, enabled}``, remote
  ``{type: remote, url, headers, enabled}``. Unknown keys are rejected.
* placeholders: ``{env:VAR}``, substituted textually over the whole file before parsing
  (anomalyco/opencode ``packages/opencode/src/config/variable.ts``); there is no default
  syntax, so ``${VAR:-default}`` cannot be expressed.
* model handles are ``provider/model``; providers read their own key env vars
  (``ANTHROPIC_API_KEY``, ``OPENAI_API_KEY``, ``GOOGLE_GENERATIVE_AI_API_KEY``,
  ``OPENROUTER_API_KEY``); a custom OpenAI-compatible provider is declared under
  ``provider`` with ``@ai-sdk/openai-compatible``.
* permissions: ``permission`` (``allow`` | ``ask`` | ``deny``, per tool, ``*`` globs; the
  last matching key wins; opencode.ai/docs/permissions). It also carries the MCP tool
  allow-list (``<server>_*: deny`` then ``<server>_<tool>: allow``): a denied tool is not
  offered to the model (checked headless on 1.18.33, where the deprecated ``tools`` map
  did the same). MCP tools are named ``<server>_<tool>``, each part with characters
  outside ``[A-Za-z0-9_-]`` turned into ``_``.
* endpoints: the AI SDK providers take a ``baseURL`` with the API version
  (``…/v1`` for Anthropic and OpenAI-shaped APIs, ``…/v1beta`` for Gemini).
* skills: ``.opencode/skills/<name>/``.
* subagents ``.opencode/agent/<name>.md`` (``description``, ``mode: subagent``, ``model``,
  ``permission``), commands ``.opencode/command/<name>.md`` (``$ARGUMENTS``), and nested
  ``AGENTS.md`` files, attached when a file below them is read; checked with 1.18.33
  (``tests/acceptance/test_primitives.py``). No hooks (plug-ins are code, not config).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

from agentctl.catalogue.schema import Ref, split_placeholders
from agentctl.diagnostics import Diagnostic
from agentctl.runtimes.base import GENERATED_NOTE, BaseRuntime
from agentctl.runtimes.checks import effort_ignored, placeholder_error
from agentctl.runtimes.common import (
    deep_merge,
    dump_json,
    endpoint,
    folder_rule_checks,
    folder_rule_files,
    markdown_with_frontmatter,
    server_env,
    server_headers,
    with_suffix,
)
from agentctl.runtimes.docs import RuntimeDocs
from agentctl.support.tree import FileSpec

if TYPE_CHECKING:
    from agentctl.catalogue.load import Located
    from agentctl.catalogue.schema import Agent
    from agentctl.resolve import ResolvedAgent, ResolvedServer
    from agentctl.resolve.selected import ResolvedSubagent

#: Pinned OpenCode release the default service runs.
OPENCODE_VERSION = "1.18.33"
CONFIG_SCHEMA = "https://opencode.ai/config.json"
#: Backend → (OpenCode provider id, env var its key is read from).
PROVIDERS: dict[str, tuple[str, str]] = {
    "anthropic": ("anthropic", "ANTHROPIC_API_KEY"),
    "openai": ("openai", "OPENAI_API_KEY"),
    "gemini": ("google", "GOOGLE_GENERATIVE_AI_API_KEY"),
    "openrouter": ("openrouter", "OPENROUTER_API_KEY"),
}
#: Backends OpenCode reaches through a custom ``@ai-sdk/openai-compatible`` provider.
COMPATIBLE = {"openai-compatible": "OPENAI_API_KEY", "ollama": ""}
#: Backend → the API version suffix its AI SDK provider's ``baseURL`` carries.
BASE_URL_SUFFIX = {"anthropic": "/v1", "openai": "/v1", "gemini": "/v1beta", "ollama": "/v1"}
#: aegis permission → OpenCode ``permission`` rules (empty: OpenCode's own defaults).
PERMISSIONS: dict[str, dict[str, str]] = {
    "read": {"edit": "deny", "bash": "deny"},
    "write": {"edit": "allow", "bash": "ask"},
    "full": {"*": "allow"},
    "auto": {},
}
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def opencode_value(text: str) -> str:
    """``text`` with each ``${VAR}`` as ``{env:VAR}``. Defaults must be refused before."""
    return "".join(
        "{env:" + part.var + "}" if isinstance(part, Ref) else part
        for part in split_placeholders(text)
    )


def mcp_entry(server: ResolvedServer) -> dict[str, Any]:
    """One ``opencode.json`` ``mcp`` entry, secrets as ``{env:VAR}``."""
    s = server.server
    if s.transport == "stdio":
        entry: dict[str, Any] = {"type": "local", "command": [s.command or "", *s.args]}
        env = server_env(server)
        if env:
            entry["environment"] = {k: opencode_value(v) for k, v in env.items()}
        entry["enabled"] = True
        return entry
    # OpenCode tries streamable HTTP, then SSE, for a remote server.
    entry = {"type": "remote", "url": server.url}
    headers = server_headers(server)
    if headers:
        entry["headers"] = {k: opencode_value(v) for k, v in headers.items()}
    if any(k.lower() == "authorization" for k in headers):
        # A token is supplied: do not start OpenCode's OAuth discovery instead.
        entry["oauth"] = False
    entry["enabled"] = True
    return entry


def tool_name(server: str, tool: str) -> str:
    """OpenCode's name for MCP tool ``tool`` of ``server`` (its ``sanitize`` of each part)."""
    return _UNSAFE.sub("_", server) + "_" + _UNSAFE.sub("_", tool)


def tool_rules(servers: tuple[ResolvedServer, ...]) -> dict[str, str]:
    """``permission`` rules for the MCP allow-list: a limited server's tools denied by
    glob, then its allowed tools allowed (the later key wins); a whole server allowed."""
    out: dict[str, str] = {}
    for server in servers:
        out[_UNSAFE.sub("_", server.name) + "_*"] = "allow" if server.tools is None else "deny"
        out.update({tool_name(server.name, tool): "allow" for tool in server.tools or ()})
    return out


def subagent_permission(sub: ResolvedSubagent) -> dict[str, str]:
    """A subagent's tool subset as ``permission`` rules: everything denied, then its
    built-in tools and MCP tools allowed (the last matching key wins); {} when it
    names no subset (it keeps the agent's rules)."""
    if sub.entry.tools is None and not sub.servers:
        return {}
    rules = {"*": "deny", **{tool: "allow" for tool in sub.entry.tools or ()}}
    for server, allowed in sub.servers:
        if allowed is None:
            rules[_UNSAFE.sub("_", server) + "_*"] = "allow"
        else:
            rules.update({tool_name(server, tool): "allow" for tool in allowed})
    return rules


class OpenCode(BaseRuntime):
    """Renders ``opencode.json`` and skills under ``.opencode/skills``."""

    name: ClassVar[str] = "opencode"
    # OpenCode sends an API key (or a gateway's bearer token, the same header); an OAuth
    # token needs its interactive `opencode auth login` flow, which a service cannot run.
    credential_envs: ClassVar[dict[str, str]] = {
        "api_key": "OPENAI_API_KEY",
        "bearer": "OPENAI_API_KEY",
    }
    skills_dir: ClassVar[str] = ".opencode/skills"
    backends: ClassVar[frozenset[str]] = frozenset({*PROVIDERS, *COMPATIBLE})
    npm_package: ClassVar[str] = "opencode-ai"
    docs: ClassVar[RuntimeDocs] = RuntimeDocs(
        mcp_config="`opencode.json` `mcp`",
        placeholder="`{env:VAR}`",
        transports_note="(`remote`)",
        tool_allow_list="`permission` `s_*: deny`, `s_t: allow`",
        server_approval="`enabled: true`",
        endpoint="`provider.<id>.options.baseURL`, with its API version",
        permissions="`permission` edit+bash deny / edit allow, bash ask / `*` allow / defaults",
        effort="warning, ignored",
        model_handle="`provider/model`",
        subagents="`.opencode/agent/<name>.md`, `mode: subagent`",
        commands="`.opencode/command/<name>.md`",
        rules="`<folder>/AGENTS.md` (paths `<folder>/**`), read with a file below it",
        last_proven=OPENCODE_VERSION,
    )
    version: ClassVar[str] = OPENCODE_VERSION
    program: ClassVar[str] = "opencode"
    primitives: ClassVar[frozenset[str]] = frozenset({"subagents", "commands", "rules"})

    def inference_env(self, agent: ResolvedAgent) -> str | None:
        """The provider's own key variable (``ANTHROPIC_API_KEY``, …)."""
        if agent.inference_credential is None or agent.provider is None:
            return super().inference_env(agent)
        backend = agent.provider.backend
        if backend in PROVIDERS:
            return PROVIDERS[backend][1]
        return COMPATIBLE.get(backend) or None

    def provider_id(self, agent: ResolvedAgent) -> str | None:
        """OpenCode's provider id for the agent's provider."""
        if agent.provider is None:
            return None
        backend = agent.provider.backend
        return PROVIDERS[backend][0] if backend in PROVIDERS else agent.provider.name

    def model_handle(self, agent: ResolvedAgent) -> str | None:
        """``provider/model``, e.g. ``anthropic/claude-sonnet-4-5``."""
        model = super().model_handle(agent)
        provider = self.provider_id(agent)
        if model is None or provider is None:
            return model
        return f"{provider}/{model}"

    def check(self, agent: ResolvedAgent, located: Located[Agent]) -> list[Diagnostic]:
        """Base checks, then placeholders OpenCode cannot express and ignored effort."""
        out = super().check(agent, located)
        for server in agent.mcp_servers:
            s = server.server
            field, values = ("env", s.env) if s.transport == "stdio" else ("headers", s.headers)
            for key, text in values.items():
                for part in split_placeholders(text):
                    if isinstance(part, Ref) and part.default is not None:
                        out.append(placeholder_error(
                            self.name, agent, server, field, key,
                            f"{part.canonical()} has a default, and OpenCode's {{env:VAR}} has "
                            "no default syntax",
                            f"Drop ':-{part.default}' (an unset variable becomes empty text), "
                            "or use another runtime for this agent.",
                        ))
        if agent.effort:
            out.append(effort_ignored(self.name, agent, located))
        return [*out, *folder_rule_checks(self.name, agent)]

    def declared_models(self, agent: ResolvedAgent) -> list[str]:
        """The models a custom provider block declares: the agent's, then its subagents'
        (of the same provider, E244), each once."""
        models = [super().model_handle(agent) or (agent.model.name if agent.model else "")]
        models += [s.model.provider_model or s.model.name
                   for s in agent.primitives.subagents if s.model is not None]
        return list(dict.fromkeys(m for m in models if m))

    def provider_block(self, agent: ResolvedAgent) -> dict[str, Any]:
        """``provider`` entry for a custom endpoint or a non-default base URL."""
        p = agent.provider
        if p is None or agent.model is None:
            return {}
        pid = self.provider_id(agent) or p.name
        options: dict[str, Any] = {}
        url = endpoint(agent)
        if url and p.backend in BASE_URL_SUFFIX:
            url = with_suffix(url, BASE_URL_SUFFIX[p.backend])
        if p.backend in COMPATIBLE:
            options["baseURL"] = url
            var = self.inference_env(agent)
            if var and agent.inference_credential is not None:
                options["apiKey"] = "{env:" + var + "}"
            return {pid: {
                "npm": "@ai-sdk/openai-compatible",
                "name": p.name,
                "options": options,
                "models": {m: {} for m in self.declared_models(agent)},
            }}
        if p.base_url and url:
            return {pid: {"options": {"baseURL": url}}}
        return {}

    def runtime_files(self, agent: ResolvedAgent) -> dict[str, FileSpec]:
        """``opencode.json``."""
        config: dict[str, Any] = {"$schema": CONFIG_SCHEMA}
        handle = self.model_handle(agent)
        if handle:
            config["model"] = handle
        provider = self.provider_block(agent)
        if provider:
            config["provider"] = provider
        if agent.mcp_servers:
            config["mcp"] = {s.name: mcp_entry(s) for s in agent.mcp_servers}
        permission = {**PERMISSIONS.get(agent.permission or "", {}),
                      **tool_rules(agent.mcp_servers)}
        if permission:
            config["permission"] = permission
        config = deep_merge(config, agent.settings)
        return {"opencode.json": FileSpec(dump_json(config))}

    def primitive_files(self, agent: ResolvedAgent) -> dict[str, FileSpec]:
        """``.opencode/agent/<name>.md`` (``mode: subagent``, ``model`` as
        ``provider/model``, the tool subset as ``permission``; listed by ``opencode agent
        list``), ``.opencode/command/<name>.md`` (``$ARGUMENTS`` kept: OpenCode's own
        placeholder) and ``<folder>/AGENTS.md`` per rule folder (OpenCode attaches the
        ``AGENTS.md`` files between a file it reads and the project root:
        ``Instruction.resolve`` in 1.18)."""
        files = folder_rule_files(agent, GENERATED_NOTE)
        provider = self.provider_id(agent)
        for sub in agent.primitives.subagents:
            meta: dict[str, Any] = {"description": sub.entry.description, "mode": "subagent"}
            if sub.model is not None and provider is not None:
                meta["model"] = f"{provider}/{sub.model.provider_model or sub.model.name}"
            permission = subagent_permission(sub)
            if permission:
                meta["permission"] = permission
            files[f".opencode/agent/{sub.name}.md"] = FileSpec(
                markdown_with_frontmatter(meta, sub.entry.instructions))
        for chosen in agent.primitives.commands:
            command = chosen.entry
            meta = {"description": command.description} if command.description else {}
            files[f".opencode/command/{chosen.name}.md"] = FileSpec(
                markdown_with_frontmatter(meta, command.prompt))
        return files
