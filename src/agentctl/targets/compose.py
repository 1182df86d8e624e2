"""The ``compose`` target: workspaces, one docker compose service per agent, env files.

Today's behaviour, unchanged: it wraps :func:`agentctl.render.render`.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agentctl.render.cache import RenderCache
    from agentctl.resolve import ResolvedProject
    from agentctl.support.tree import DesiredTree


class Compose:
    """Workspaces under ``workspaces/``, ``compose.yaml`` and ``env/<agent>.env``."""

    name = "compose"

    def render(self, resolved: ResolvedProject, *, exclude: Collection[str] = (),
               trust: bool = False, cache: RenderCache | None = None) -> DesiredTree:
        """See :meth:`agentctl.targets.base.Target.render`."""
        from agentctl.render import render

        tree = render(resolved, exclude=exclude, trust=trust, cache=cache)
        tree.target = self.name
        return tree
