"""Stage 2, resolve: a :class:`~agentctl.catalogue.load.Catalogue` → :class:`ResolvedProject`.

Follows every reference (agent → model → provider → credential, agent → skills,
agent → MCP servers → tools), applies ``extends`` chains (a field set on the child
replaces the parent's; mapping fields merge key by key, the child winning) and drops
templates. Every problem is reported together, with did-you-mean for dangling
references. What needs a plug-in (a runtime's or backend's name, a runtime's own
checks of its agents) is checked above this layer, by :mod:`agentctl.render.checks`,
from what resolve records (:attr:`ResolvedProject.runtimes`).
"""

from __future__ import annotations

from agentctl.catalogue.load import Catalogue
from agentctl.diagnostics import Diagnostic, DiagnosticError
from agentctl.resolve.agent import AgentContext, resolve_agent, runtime_ref
from agentctl.resolve.chains import MERGED_FIELDS, NOT_INHERITED, Chains
from agentctl.resolve.entries import check_providers_models, check_servers
from agentctl.resolve.model import (
    ResolvedAgent,
    ResolvedProject,
    ResolvedServer,
    RuntimeRef,
    mcp_secret_env,
    placeholder_vars,
)
from agentctl.resolve.primitives import check_subagent_models

__all__ = [
    "MERGED_FIELDS",
    "NOT_INHERITED",
    "ResolvedAgent",
    "ResolvedProject",
    "ResolvedServer",
    "RuntimeRef",
    "mcp_secret_env",
    "placeholder_vars",
    "resolve",
]


def resolve(cat: Catalogue, *, defer: bool = False) -> ResolvedProject:
    """Follow every reference of ``cat`` and return the renderable agents.

    Raises :class:`DiagnosticError` with every error found (warnings included);
    returns the :class:`ResolvedProject` (with its warnings) otherwise. With ``defer``
    the errors are kept in :attr:`ResolvedProject.problems` instead, for the plug-in
    checks (:func:`agentctl.render.checks.check_plugins`) to report with their own.
    """
    problems: list[Diagnostic] = list(cat.problems)
    warnings: list[Diagnostic] = list(cat.warnings)
    check_providers_models(cat, problems)
    check_servers(cat, problems)
    check_subagent_models(cat, problems)
    resolved = ResolvedProject(cat)
    chains = Chains(cat, problems)
    for name in sorted(cat.agents):
        loc = cat.agents[name]
        merged = chains.merged(name)
        if merged is None:
            continue
        ctx = AgentContext(cat, loc, *merged, problems, warnings, chains.folders)
        resolved.runtimes.append(runtime_ref(ctx))
        agent = resolve_agent(ctx)
        if agent is None or loc.entry.is_template:
            continue
        resolved.agents[name] = agent
        resolved.warning_marks[name] = len(warnings)
    resolved.internal_servers = [
        loc.entry for loc in cat.mcp_servers.values()
        if loc.entry.placement == "internal" and loc.entry.image
    ]
    if problems and not defer:
        raise DiagnosticError([*problems, *warnings])
    resolved.problems = problems
    resolved.warnings = warnings
    return resolved
