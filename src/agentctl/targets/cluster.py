"""What the cluster targets (``kubernetes``, ``kagent``) share: their Secrets folder, a
startable kustomization, no stop and no observation from here (the cluster runs the
services), and the ``kubectl`` / Argo CD / Flux next steps.

A cluster target subclasses :class:`ClusterOutputs` and sets ``name`` and ``root`` (the
folder under the output holding its manifests).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from agentctl.catalogue.project import Project
from agentctl.diagnostics import Diagnostic
from agentctl.support.tree import DesiredTree, FileSpec
from agentctl.targets.base import (
    Observation,
    cluster_steps,
    no_stop,
    not_observed,
    under_secrets,
)
from agentctl.targets.partial import OnDisk, startable_kustomization


class ClusterOutputs:
    """The Target methods a cluster target shares (see :class:`agentctl.targets.base.Target`)."""

    name: ClassVar[str]
    root: ClassVar[str]

    def holds_secrets(self, rel: str) -> bool:
        """``<root>/secrets/…``: Secrets with values."""
        return under_secrets(rel, self.root)

    def startable(self, tree: DesiredTree, blocked: Mapping[str, str], disk: OnDisk,
                  ) -> tuple[dict[str, FileSpec], list[Diagnostic]]:
        """The kustomization listing only manifests on disk after the apply (see
        :func:`agentctl.targets.partial.startable_kustomization`)."""
        return startable_kustomization(tree, blocked, disk, self.root)

    def stop_command(self, project: Project, services: Sequence[str] | None) -> str:
        """Nothing: the cluster runs the services (:func:`~agentctl.targets.base.no_stop`)."""
        return no_stop(project, services)

    def stop(self, project: Project, services: Sequence[str] | None) -> str:
        """Nothing to stop here (:func:`~agentctl.targets.base.no_stop`)."""
        return no_stop(project, services)

    def next_steps(self, project: Project) -> list[str]:
        """``kubectl apply`` the Secrets and ``-k`` the folder, or the GitOps way."""
        return cluster_steps(project, self.root,
                             bool(project.config.kubernetes.secret_store))

    def observe(self, project: Project) -> Observation:
        """Not observed: the cluster knows (see :func:`agentctl.targets.base.not_observed`)."""
        return not_observed(self.name)
