"""The checks every runtime shares, and the diagnostics runtimes emit.

:class:`~agentctl.runtimes.base.BaseRuntime` runs :func:`model_checks`,
:func:`transport_checks` and :func:`service_input_checks`; a runtime adds its own on
top (placeholders it cannot express, settings it cannot write). Whether a backend needs
a credential is the provider registry's fact (:func:`agentctl.providers.needs_credential`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentctl.diagnostics import Diagnostic
from agentctl.providers import needs_credential

if TYPE_CHECKING:
    from agentctl.catalogue.load import Located
    from agentctl.catalogue.schema import Agent
    from agentctl.resolve import ResolvedAgent, ResolvedServer
    from agentctl.runtimes.base import Runtime

#: Keys ``service_inputs`` may set; structured keys (model, env, workspace) win over them.
SERVICE_INPUT_KEYS = ("image", "command", "environment", "restart", "labels")


def model_checks(runtime: Runtime, agent: ResolvedAgent,
                 located: Located[Agent]) -> list[Diagnostic]:
    """E501 (backend), E502 (no credential), E503 (credential kind) for an agent whose
    service talks to a model; nothing for a files-only runtime or an agent without one."""
    if not runtime.renders_service or agent.model is None:
        return []
    out: list[Diagnostic] = []
    path = f"agents[{agent.name}]"
    provider, cred = agent.provider, agent.inference_credential
    if provider is not None and runtime.backends and provider.backend not in runtime.backends:
        out.append(Diagnostic(
            "error", "E501", f"runtime {runtime.name} cannot use provider '{provider.name}' "
            f"(backend {provider.backend})", located.pos("model"), f"{path}.model",
            f"{runtime.name} works with backends: " + ", ".join(sorted(runtime.backends))
            + ". Pick a model served by one of them, or another runtime."))
    if cred is None and (provider is None or needs_credential(provider.backend)):
        out.append(Diagnostic(
            "error", "E502", "agent has a model but no inference credential",
            located.pos("model"), f"{path}.model",
            "Give the model's provider a 'credential', or set 'inference_credential' on "
            "the agent."))
    elif cred is not None and runtime.credential_env(cred.kind) is None:
        kinds = ", ".join(sorted(runtime.credential_envs)) or "none"
        out.append(Diagnostic(
            "error", "E503", f"runtime {runtime.name} cannot use a {cred.kind} credential "
            f"('{cred.name}')", located.pos(), path,
            f"{runtime.name} accepts credential kinds: {kinds}."))
    return out


def transport_checks(runtime: Runtime, agent: ResolvedAgent,
                     located: Located[Agent]) -> list[Diagnostic]:
    """W502 for each SSE server the runtime still speaks, E505 for a transport it lacks."""
    out: list[Diagnostic] = []
    for server in agent.mcp_servers:
        transport = server.server.transport
        if transport not in runtime.transports:
            out.append(Diagnostic(
                "error", "E505", f"runtime {runtime.name} cannot connect to MCP server "
                f"'{server.name}' over {transport}",
                server.located.pos("transport") if server.located
                else located.pos("mcp_servers"),
                f"mcp_servers[{server.name}].transport",
                f"{runtime.name} speaks " + ", ".join(sorted(runtime.transports))
                + f". Agent '{agent.name}' uses this server: serve it over one of those, or "
                "drop it from the agent."))
        elif transport == "sse":
            out.append(sse_deprecated(runtime.name, agent, server, located))
    return out


def service_input_checks(agent: ResolvedAgent, located: Located[Agent]) -> list[Diagnostic]:
    """E504 for each ``service_inputs`` key outside :data:`SERVICE_INPUT_KEYS`."""
    return [
        Diagnostic("error", "E504", f"unknown service input '{key}'",
                   located.pos("service_inputs", key, key=True),
                   f"agents[{agent.name}].service_inputs.{key}",
                   "Service inputs: " + ", ".join(SERVICE_INPUT_KEYS) + ".")
        for key in sorted(set(agent.service_inputs) - set(SERVICE_INPUT_KEYS))
    ]


def placeholder_error(
    runtime: str, agent: ResolvedAgent, server: ResolvedServer, field: str, key: str,
    why: str, fix: str,
) -> Diagnostic:
    """An error for a header or env value ``runtime`` cannot express, at the value."""
    what = "header" if field == "headers" else "env key"
    position = server.located.pos(field, key) if server.located else agent.source
    return Diagnostic(
        "error", "E506",
        f"runtime {runtime} cannot express {what} '{key}' of MCP server '{server.name}': {why}",
        position, f"mcp_servers[{server.name}].{field}.{key}",
        f"{fix} (Agent '{agent.name}' uses this server on {runtime}.)",
    )


def sse_deprecated(
    runtime: str, agent: ResolvedAgent, server: ResolvedServer, located: Located[Agent]
) -> Diagnostic:
    """A warning: ``server`` speaks HTTP+SSE, deprecated by MCP 2026-07-28 (SEP-2596)."""
    return Diagnostic(
        "warning", "W502",
        f"MCP server '{server.name}' uses the HTTP+SSE transport, deprecated since MCP "
        "2026-07-28",
        server.located.pos("transport") if server.located else located.pos("mcp_servers"),
        f"mcp_servers[{server.name}].transport",
        "Serve it over streamable HTTP and write 'transport: http'; clients are dropping "
        f"SSE. (Agent '{agent.name}' uses it on {runtime}.)",
    )


def effort_ignored(runtime: str, agent: ResolvedAgent, located: Located[Agent]) -> Diagnostic:
    """A warning: ``runtime`` has no reasoning-effort setting agentctl can map to."""
    return Diagnostic(
        "warning", "W501", f"runtime {runtime} has no effort setting; 'effort' is ignored",
        located.pos("effort") if "effort" in located.entry.model_fields_set else agent.source,
        f"agents[{agent.name}].effort",
        "Set the model's reasoning options through 'settings' if the provider has them.",
    )


def primitive_checks(runtime: Runtime, agent: ResolvedAgent) -> list[Diagnostic]:
    """E530 for each subagent, command, hook or rule the agent selects that ``runtime``
    has no equivalent of, at the selection (the agent's list item, or the parent's it
    inherits), naming the runtimes that have one."""
    from agentctl.resolve.selected import WORDS
    from agentctl.runtimes import get_runtime, runtime_names

    out: list[Diagnostic] = []
    for kind, chosen in agent.primitives.by_kind():
        if not chosen or kind in runtime.primitives:
            continue
        able = [n for n in runtime_names() if kind in get_runtime(n).primitives]
        for sel in chosen:
            out.append(Diagnostic(
                "error", "E530", f"runtime {runtime.name} has no equivalent of "
                f"{WORDS[kind]} '{sel.name}'", sel.where, sel.path,
                f"Drop it from agent '{agent.name}', or use a runtime that renders {kind} ("
                + (", ".join(able) or "none yet") + ")."))
    return out
