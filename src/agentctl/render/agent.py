"""One agent rendered the same way for every target: workspace files and service."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field

from agentctl.render.service import render_service
from agentctl.render.templates import TemplateStore
from agentctl.render.workspace import layer, render_template, workspace_answers, workspace_template
from agentctl.runtimes import get_runtime
from agentctl.targets.base import AgentPaths, RenderedAgent, Target

if TYPE_CHECKING:
    from agentctl.resolve import ResolvedAgent
    from agentctl.support.tree import EnvVar


class RenderContext(Struct, frozen=True):
    """What every agent of one render shares: the ``target`` it is rendered for, the
    template ``store``, the project ``root`` (its own service templates), ``trust``
    (templates that run code may go through real Copier) and the target's
    ``agent_context`` (:meth:`~agentctl.targets.base.Target.agent_context`)."""

    target: Target
    store: TemplateStore
    root: Path | None
    trust: bool = False
    agent_context: dict[str, Any] = field(default_factory=dict)


def render_agent(agent: ResolvedAgent, paths: AgentPaths, env_vars: tuple[EnvVar, ...],
                 ctx: RenderContext) -> RenderedAgent:
    """One agent's workspace files (template output, runtime files laid over), its service
    (paths as the target puts them) and the target's parts of it (:meth:`finish_agent`).

    Raises :class:`DiagnosticError` for template problems (see :mod:`agentctl.render.workspace`).
    """
    runtime = get_runtime(agent.runtime)
    template = workspace_template(agent, ctx.store)
    rendered = None
    if template is not None:
        answers = workspace_answers(agent, runtime.model_handle(agent))
        rendered = render_template(template, answers, agent.name, agent, trust=ctx.trust,
                                   what="workspace")
    skills_dir = runtime.skills_dir
    out = layer(rendered, runtime.workspace_files(agent), skills_dir, agent,
                agent.workspace_template or "")
    out.service = render_service(agent, runtime, paths.workspace, paths.env_file, ctx.root,
                                 trust=ctx.trust, store=ctx.store)
    out.paths, out.env_vars = paths, env_vars
    out.parts = ctx.target.finish_agent(agent, out, ctx.agent_context)
    return out
