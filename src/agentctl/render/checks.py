"""The checks of a resolved project that need the plug-ins: run right after resolve.

:mod:`agentctl.resolve` sits below the plug-in families, so what only a plug-in knows
is checked here: a provider's backend (E212) and its default endpoint (E217), each
agent's runtime (E210), each runtime's own checks of its agents (E5xx, W5xx), and an
agent named like an internal MCP server's compose service (E231). The errors join
those resolve kept (``resolve(..., defer=True)``) and are raised together, so a run
still reports every independent error at once; warnings keep the order they always
had (each runtime's warnings right after its agent's own).
"""

from __future__ import annotations

from agentctl.catalogue.load import Catalogue
from agentctl.diagnostics import Diagnostic, DiagnosticError, did_you_mean
from agentctl.providers import backend_names, default_base_url, is_backend
from agentctl.resolve import ResolvedProject
from agentctl.runtimes import get_runtime, is_runtime, runtime_names
from agentctl.secrets.checks import check_sources


def check_plugins(resolved: ResolvedProject) -> None:
    """Add the plug-in checks' findings to ``resolved`` (made with ``defer=True``).

    Agents whose runtime is unknown are left out of ``resolved.agents``. Raises
    :class:`DiagnosticError` with every error (resolve's and these) and every warning;
    otherwise leaves ``resolved.problems`` empty and ``resolved.warnings`` complete.
    """
    problems = resolved.problems
    check_backends(resolved.catalogue, problems)
    check_sources(resolved.catalogue, problems)
    check_runtimes(resolved, problems)
    warnings = _runtime_checks(resolved, problems)
    check_service_names(resolved, problems)
    if problems:
        raise DiagnosticError([*problems, *warnings])
    resolved.problems = []
    resolved.warnings = warnings


def check_backends(cat: Catalogue, problems: list[Diagnostic]) -> None:
    """E212 for a provider whose backend no plug-in has (built-in backends and the
    ``agentctl.providers`` entry-point group), else E217 for one with no ``base_url``
    whose backend has no default endpoint."""
    for name, loc in cat.providers.items():
        p = loc.entry
        if not is_backend(p.backend):
            known = backend_names()
            problems.append(
                Diagnostic("error", "E212", f"unknown provider backend '{p.backend}'",
                           loc.pos("backend"), f"providers[{name}].backend",
                           ("Backends: " + ", ".join(known) + "."
                            + did_you_mean(p.backend, known)))
            )
        elif not p.base_url and default_base_url(p.backend) is None:
            problems.append(
                Diagnostic("error", "E217", f"backend '{p.backend}' has no default endpoint",
                           loc.pos(), f"providers[{name}]",
                           "Add 'base_url: https://…/v1' naming the endpoint.")
            )


def check_runtimes(resolved: ResolvedProject, problems: list[Diagnostic]) -> None:
    """E210 for an agent with no runtime (templates may leave it to their children) or
    an unknown one; such an agent is dropped from ``resolved.agents``."""
    for ref in resolved.runtimes:
        if ref.runtime is None:
            if not ref.template:
                problems.append(
                    Diagnostic("error", "E210", "agent has no 'runtime'", ref.agent_pos,
                               f"agents[{ref.agent}]", "Add 'runtime: claude-code' (or "
                               + ", ".join(runtime_names()) + "), here or in the agent it "
                               "extends.")
                )
        elif not is_runtime(ref.runtime):
            names = runtime_names()
            problems.append(
                Diagnostic("error", "E210", f"unknown runtime '{ref.runtime}'", ref.where,
                           f"agents[{ref.agent}].runtime",
                           "Runtimes: " + ", ".join(names) + "."
                           + did_you_mean(ref.runtime, names))
            )
            resolved.agents.pop(ref.agent, None)


def _runtime_checks(resolved: ResolvedProject, problems: list[Diagnostic]) -> list[Diagnostic]:
    """Each agent's runtime's own checks (errors into ``problems``); returns every
    warning of the run, each runtime's warnings right after its agent's own."""
    earlier = resolved.warnings
    warnings: list[Diagnostic] = []
    done = 0
    for name in sorted(resolved.agents):
        agent = resolved.agents[name]
        mark = resolved.warning_marks.get(name, done)
        warnings.extend(earlier[done:mark])
        done = mark
        for d in get_runtime(agent.runtime).check(agent, resolved.catalogue.agents[name]):
            (problems if d.severity == "error" else warnings).append(d)
    warnings.extend(earlier[done:])
    return warnings


def check_service_names(resolved: ResolvedProject, problems: list[Diagnostic]) -> None:
    """E231 for an agent named like an internal MCP server's compose service
    (``mcp-<name>``): both would be one service of the compose file."""
    for server in resolved.internal_servers:
        service = f"mcp-{server.name}"
        agent = resolved.agents.get(service)
        if agent is None or not get_runtime(agent.runtime).renders_service:
            continue
        located = resolved.catalogue.agents[service]
        problems.append(Diagnostic(
            "error", "E231", f"agent '{service}' has the compose service name of internal MCP "
            f"server '{server.name}'", located.pos("name"), f"agents[{service}].name",
            f"agentctl runs MCP server '{server.name}' as service '{service}': rename the "
            "agent, or the server."))
