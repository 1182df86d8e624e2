"""Deployment target registry: target name → implementation.

A target turns resolved agents into a desired tree for one way of running the fleet:
``compose`` (one machine, docker compose; the default), ``kubernetes`` (plain manifests
and a kustomization) and ``kagent`` (kagent.dev/v1alpha2 resources). Third-party targets
register through the ``agentctl.targets`` entry-point group (``name = "module:Class"``),
as runtimes do. Nothing else in agentctl knows which targets exist.
"""

from __future__ import annotations

from functools import cache

from agentctl.support.plugins import Registry, instantiate, registry
from agentctl.targets.base import Target

#: Built-in targets: name → "module:Class".
BUILTIN = {
    "compose": "agentctl.targets.compose:Compose",
    "kagent": "agentctl.targets.kagent:Kagent",
    "kubernetes": "agentctl.targets.kubernetes:Kubernetes",
}
DEFAULT = "compose"
ENTRY_POINT_GROUP = "agentctl.targets"


@cache
def _registry() -> Registry:
    return registry(BUILTIN, ENTRY_POINT_GROUP)


def is_target(name: str) -> bool:
    """Whether a target called ``name`` exists, built-in or plug-in (installed plug-ins
    are looked for only when ``name`` is not built-in)."""
    return name in _registry()


def target_names() -> list[str]:
    """Every target name, built-in and plug-in, sorted."""
    return sorted(_registry())


@cache
def get_target(name: str) -> Target:
    """Return the target called ``name``. Raises ``KeyError`` for an unknown name."""
    target: Target = instantiate(_registry()[name], Target, "Target")
    return target
