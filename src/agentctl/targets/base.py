"""The deployment-target plug-in interface.

A target is the last pure step of rendering: resolved agents → desired tree (files,
secret files without values, per-agent outputs). It reads no clock, network or secret
value. Paths in the tree are relative to the project's output folder; a target keeps
its files apart from the others' (``compose`` at the top, ``kubernetes/``, ``kagent/``),
so switching targets plans the old target's files as deletes and the new ones as creates.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from agentctl.render.cache import RenderCache
    from agentctl.resolve import ResolvedProject
    from agentctl.support.tree import DesiredTree


@runtime_checkable
class Target(Protocol):
    """What agentctl asks of a deployment target. Implementations are stateless."""

    name: str

    def render(self, resolved: ResolvedProject, *, exclude: Collection[str] = (),
               trust: bool = False, cache: RenderCache | None = None) -> DesiredTree:
        """Render every agent of ``resolved`` except those in ``exclude``.

        ``trust`` lets workspace/service templates that run code go through real Copier;
        ``cache`` (:mod:`agentctl.render.cache`) may be used to skip unchanged agents.

        Returns a tree whose ``target`` is :attr:`name`; user-facing limits (what the
        target cannot carry over) go into ``tree.warnings``, never exceptions.
        """
        ...
