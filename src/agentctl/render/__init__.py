"""Stage 3, render: a ``ResolvedProject`` → a :class:`~agentctl.support.tree.DesiredTree`.

Pure and deterministic: no clock, no network, no secret values; the same input gives
the same bytes. Target-agnostic: each agent is rendered here the same way for every
target (workspace files, service, the env variables its secrets fill; worker processes
for a fleet, the render cache), and the deployment target
(:class:`~agentctl.targets.base.Target`) assembles its own outputs from the results
(compose.yaml and env files, Kubernetes manifests, …).
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from msgspec import Struct, field

from agentctl.diagnostics import Diagnostic, DiagnosticError
from agentctl.render.agent import RenderContext, render_agent
from agentctl.render.cache import RenderCache
from agentctl.render.templates import TemplateStore
from agentctl.render.workspace import workspace_template
from agentctl.resolve import ResolvedAgent, ResolvedProject
from agentctl.runtimes import get_runtime
from agentctl.support.tree import DesiredTree, EnvVar
from agentctl.support.workers import fork_map, worker_count
from agentctl.targets import DEFAULT, get_target
from agentctl.targets.base import AgentPaths, RenderedAgent, Target

#: Agents a render worker process must have to be worth starting (see agentctl.support.workers).
AGENTS_PER_WORKER = 32


#: One agent to render: the agent, where the target puts it, the variables its secrets fill.
Job = tuple[ResolvedAgent, AgentPaths, tuple[EnvVar, ...]]


def render_agents(jobs: list[Job], ctx: RenderContext,
                  on_done: Callable[[int], None] | None = None,
                  ) -> dict[str, RenderedAgent | DiagnosticError]:
    """Render each ``(agent, paths, env variables)`` of ``jobs``: ``{agent name: its render, or the
    DiagnosticError its templates raised}``.

    A fleet is rendered by forked worker processes (:mod:`agentctl.support.workers`); the result
    is the same as rendering the agents one by one here, since each agent's render reads
    only its own inputs (tested). With ``ctx.trust`` (templates that run tasks) agents are
    rendered here, one after another, as Copier would run them. Templates are loaded into
    ``ctx.store`` here first, so the store names every template file read. ``on_done(n)``
    hears of each ``n`` agents rendered (a progress bar).
    """
    workers = 1 if ctx.trust else worker_count(len(jobs), AGENTS_PER_WORKER)
    if workers > 1:
        for agent, _paths, _vars in jobs:  # loaded once here; the workers inherit them
            _preload(agent, ctx)
    done = fork_map(lambda i: _render_one(jobs[i], ctx), len(jobs), workers, on_done)
    return dict(done)


def _preload(agent: ResolvedAgent, ctx: RenderContext) -> None:
    try:
        workspace_template(agent, ctx.store)
        ctx.store.service_template(agent.runtime, ctx.root)
    except Exception:
        pass


def _render_one(job: Job, ctx: RenderContext) -> tuple[str, RenderedAgent | DiagnosticError]:
    agent, paths, env_vars = job
    try:
        return agent.name, render_agent(agent, paths, env_vars, ctx)
    except DiagnosticError as exc:
        return agent.name, exc


class _Fleet(Struct):
    """The agents of one render: their paths and renders, and what went wrong."""

    order: list[str] = field(default_factory=list)
    paths: dict[str, AgentPaths] = field(default_factory=dict)
    env_vars: dict[str, tuple[EnvVar, ...]] = field(default_factory=dict)
    done: dict[str, RenderedAgent] = field(default_factory=dict)
    fresh: list[str] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)


def _from_cache(resolved: ResolvedProject, names: list[str], ctx: RenderContext,
                cache: RenderCache | None) -> tuple[_Fleet, list[Job]]:
    """Each agent's paths, its cached render when there is one, and the rest to render."""
    fleet = _Fleet()
    misses: list[Job] = []
    for name in names:
        agent = resolved.agents[name]
        runtime = get_runtime(agent.runtime)
        env_vars = tuple(runtime.env_vars(agent)) if runtime.renders_service else ()
        paths = ctx.target.agent_paths(name, bool(env_vars))
        try:
            done = cache.get(agent, paths, ctx) if cache is not None else None
        except DiagnosticError as exc:
            fleet.problems.extend(exc.diagnostics)
            continue
        fleet.order.append(name)
        fleet.paths[name] = paths
        fleet.env_vars[name] = env_vars
        if done is None:
            misses.append((agent, paths, env_vars))
        else:
            fleet.done[name] = done
    return fleet, misses


def _render_fleet(resolved: ResolvedProject, names: list[str], ctx: RenderContext,
                  cache: RenderCache | None,
                  on_done: Callable[[int], None] | None = None) -> _Fleet:
    """Every agent of ``names`` rendered (or served from ``cache``), in order."""
    fleet, misses = _from_cache(resolved, names, ctx, cache)
    if on_done is not None and len(names) > len(misses):
        on_done(len(names) - len(misses))
    fresh = render_agents(misses, ctx, on_done)
    for name in fleet.order:
        outcome = fresh[name] if name in fresh else fleet.done[name]
        if isinstance(outcome, DiagnosticError):
            fleet.problems.extend(outcome.diagnostics)
            continue
        outcome.env_vars = fleet.env_vars[name]
        outcome.paths = fleet.paths[name]
        fleet.done[name] = outcome
        fleet.warnings.extend(outcome.warnings)
        if name in fresh:
            fleet.fresh.append(name)
            if cache is not None:
                cache.put(resolved.agents[name], outcome.paths, ctx, outcome)
    return fleet


def render(
    resolved: ResolvedProject,
    target: Target | None = None,
    *,
    exclude: Collection[str] = (),
    trust: bool = False,
    cache: RenderCache | None = None,
    store: TemplateStore | None = None,
    on_done: Callable[[int], None] | None = None,
) -> DesiredTree:
    """Render every agent of ``resolved`` except those named in ``exclude`` for
    ``target`` (None: the default, compose), and let the target assemble the tree.

    ``trust`` lets templates with tasks, migrations or Jinja extensions run through real
    Copier. ``cache`` (see :mod:`agentctl.render.cache`) skips agents whose inputs did not
    change. ``store`` loads the templates (a fresh one when None); the tree's
    ``template_files`` name every template file read. Raises :class:`DiagnosticError`
    with every template problem of every agent (and the warnings found so far).
    ``on_done(n)`` hears of each ``n`` more agents rendered or taken from the cache.
    """
    chosen = target if target is not None else get_target(DEFAULT)
    ctx = RenderContext(chosen, store if store is not None else TemplateStore(),
                        resolved.catalogue.project.root, trust, chosen.agent_context(resolved))
    names = [name for name in sorted(resolved.agents) if name not in exclude]
    fleet = (_render_fleet(resolved, names, ctx, cache, on_done) if chosen.renders_workspaces
             else _Fleet(order=names))
    if fleet.problems:
        raise DiagnosticError([*fleet.problems, *fleet.warnings])
    tree = chosen.assemble(resolved, fleet.done, fleet.order)
    tree.target = chosen.name
    tree.rendered_agents = fleet.fresh
    tree.template_files = ctx.store.files()
    return tree
