"""The resolved model as values: agents with every reference followed, their servers.

Made by :func:`agentctl.resolve.resolve`; read by the plug-in families and render.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from msgspec import Struct, field

from agentctl.catalogue.load import Catalogue, Located
from agentctl.catalogue.schema import Credential, MCPServer, Model, Provider
from agentctl.catalogue.skills import SkillContent
from agentctl.diagnostics import Diagnostic, Position
from agentctl.resolve.selected import ResolvedPrimitives


class RuntimeRef(Struct, frozen=True):
    """An agent's effective ``runtime`` (None when no agent in its chain sets one),
    ``where`` it is written (the agent itself when unset), the agent's own position, and
    whether the agent is a template (which may leave the runtime to its children)."""

    agent: str
    runtime: str | None
    where: Position
    agent_pos: Position
    template: bool


class ResolvedServer(Struct, frozen=True):
    """An MCP server as one agent uses it.

    ``url`` is the address the agent's container reaches (None for stdio);
    ``tools`` the allowed tool names (None: the whole server);
    ``secret_env`` the container env var carrying the credential's value (None when the
    server has no credential); ``secrets`` the placeholder variables its ``headers`` and
    ``env`` use, each with the credential filling it; ``located`` where the server is
    written, so runtimes can point at a header they cannot express.
    """

    server: MCPServer
    url: str | None
    tools: tuple[str, ...] | None
    credential: Credential | None
    secret_env: str | None
    secrets: dict[str, Credential] = field(default_factory=dict)
    located: Located[MCPServer] | None = None

    @property
    def name(self) -> str:
        """The server's name."""
        return self.server.name


class ResolvedAgent(Struct, frozen=True):
    """An agent with every reference followed and every inherited field applied."""

    name: str
    runtime: str
    source: Position
    description: str
    model: Model | None
    provider: Provider | None
    inference_credential: Credential | None
    instructions: str
    skills: tuple[SkillContent, ...]
    mcp_servers: tuple[ResolvedServer, ...]
    permission: str | None
    effort: str | None
    workspace_template: str | None
    workspace_inputs: dict[str, str]
    service_inputs: dict[str, Any]
    settings: dict[str, Any]
    #: Folder of the catalogue file that set ``workspace_template`` (paths are relative to it).
    template_base: Path | None = None
    #: Subagents, commands, hooks and scoped rules (:mod:`agentctl.resolve.primitives`).
    primitives: ResolvedPrimitives = field(default_factory=ResolvedPrimitives)


class ResolvedProject(Struct):
    """The resolved catalogue: renderable agents in name order, internal MCP servers."""

    catalogue: Catalogue
    agents: dict[str, ResolvedAgent] = field(default_factory=dict)
    internal_servers: list[MCPServer] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    #: Errors found, when :func:`~agentctl.resolve.resolve` was asked to defer them (the
    #: plug-in checks of :mod:`agentctl.render.checks` add theirs and raise them all).
    problems: list[Diagnostic] = field(default_factory=list)
    #: The effective ``runtime`` of every agent whose ``extends`` chain resolved, in name
    #: order, for the runtime checks made above this layer.
    runtimes: list[RuntimeRef] = field(default_factory=list)
    #: For each agent of ``agents``: how many ``warnings`` there were once it was
    #: resolved, so warnings found later about it can join its own (same order as ever).
    warning_marks: dict[str, int] = field(default_factory=dict)


def mcp_secret_env(server: MCPServer) -> str:
    """Container env var carrying ``server``'s credential (seed: ``mcp_bearer_env``).

    Stable and portable: ``AGENTCTL_MCP_<SERVER>_TOKEN`` with the server name upper-cased
    and ``-`` folded to ``_``; a stdio server's ``credential_env`` wins, because the
    server process reads that name itself.
    """
    if server.credential_env:
        return server.credential_env
    return "AGENTCTL_MCP_" + re.sub(r"[^A-Z0-9]", "_", server.name.upper()) + "_TOKEN"


def placeholder_vars(server: MCPServer) -> set[str]:
    """Variables ``server``'s headers and env may use: its ``secrets`` and its credential's."""
    allowed = set(server.secrets)
    if server.credential:
        allowed.add(mcp_secret_env(server))
    return allowed
