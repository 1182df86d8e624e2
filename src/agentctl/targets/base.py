"""The deployment-target plug-in interface, and the records render hands a target.

Rendering is split in two. The render layer (:mod:`agentctl.render`) renders each agent
the same way for every target: its workspace files (template output with the runtime's
files over it), its service (image, command, environment) and the env variables its
secrets fill, with worker processes for a fleet and the render cache. It hands the
results to the target as :class:`RenderedAgent` records; the target assembles its own
outputs from them (compose.yaml and ``env/``; manifests and Secrets) and never imports
the render layer. A target reads no clock, network or secret value.

Paths in the tree are relative to the project's output folder; a target keeps its files
apart from the others' (``compose`` at the top, ``kubernetes/``, ``kagent/``), so
switching targets plans the old target's files as deletes and the new ones as creates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from msgspec import Struct, field

if TYPE_CHECKING:
    from pydantic import BaseModel

    from agentctl.catalogue.project import Project
    from agentctl.diagnostics import Diagnostic
    from agentctl.resolve import ResolvedAgent, ResolvedProject
    from agentctl.support.tree import DesiredTree, EnvVar, FileSpec
    from agentctl.targets.partial import OnDisk

#: The seed's runtime status of an agent (the same literal as the ledger's).
RuntimeStatus = Literal["stopped", "running", "error", "warning"]


class AgentPaths(Struct, frozen=True):
    """Where a target puts one agent, as its service sees it: the ``workspace`` folder
    and the ``env_file`` (None: the agent needs no secret values, or the target carries
    them some other way), both relative to the output folder."""

    workspace: str
    env_file: str | None = None


class RenderedAgent(Struct):
    """One agent rendered by the render layer, for a target to assemble.

    ``files``: workspace files by path relative to the workspace; ``service``: the
    service mapping (compose Specification shape: ``image``, ``command``,
    ``environment``, …) or None for a runtime that renders files only; ``warnings``;
    ``parts``: what the target's :meth:`Target.finish_agent` made of it (kept in the
    render cache with the rest, so a target's costly per-agent work is cached too);
    ``paths`` and ``env_vars`` (the variables its secrets fill) are filled in each run.
    """

    files: dict[str, FileSpec] = field(default_factory=dict)
    service: dict[str, Any] | None = None
    warnings: list[Diagnostic] = field(default_factory=list)
    parts: dict[str, str] = field(default_factory=dict)
    paths: AgentPaths = AgentPaths("")
    env_vars: tuple[EnvVar, ...] = ()


class Observed(Struct, frozen=True):
    """One service as the target's runtime reports it, in compose's vocabulary: ``state``
    (created, running, paused, restarting, removing, exited, dead), ``health`` (empty,
    starting, healthy, unhealthy) and ``exit_code``."""

    service: str
    state: str
    health: str = ""
    exit_code: int = 0

    @property
    def runtime_status(self) -> RuntimeStatus:
        """Map the state and health to the seed's runtime status.

        running (healthy or no health check) → running; running but unhealthy or still
        starting, restarting, paused → warning; exited non-zero, dead → error; exited 0,
        created, removing → stopped.
        """
        if self.state == "running":
            return "warning" if self.health in ("unhealthy", "starting") else "running"
        if self.state in ("restarting", "paused"):
            return "warning"
        if self.state == "dead" or (self.state == "exited" and self.exit_code != 0):
            return "error"
        return "stopped"


class Observation(Struct):
    """What a target observed: ``services`` by name, or ``unavailable`` why not.

    ``observer`` names what was asked (``docker compose``); empty for a target that
    cannot observe run state at all.
    """

    services: dict[str, Observed] = field(default_factory=dict)
    unavailable: str = ""
    observer: str = ""

    @property
    def source(self) -> str:
        """``docker compose``, ``ledger (docker compose not available: …)``, or
        ``ledger (…)`` for a target that does not observe."""
        if not self.unavailable:
            return self.observer
        if self.observer:
            return f"ledger ({self.observer} not available: {self.unavailable})"
        return f"ledger ({self.unavailable})"


@runtime_checkable
class Target(Protocol):
    """What agentctl asks of a deployment target. Implementations are stateless.

    ``settings_key`` names the ``agentctl.yaml`` key holding the target's settings and
    ``settings`` their model (None and None: no settings); ``renders_workspaces`` is
    False for a target that uses no workspace (the render layer then renders no agent).
    """

    name: str
    settings_key: str | None
    settings: type[BaseModel] | None
    renders_workspaces: bool

    def agent_paths(self, agent: str, needs_env_file: bool) -> AgentPaths:
        """Where ``agent``'s workspace and env file go (the service mounts them)."""
        ...

    def agent_context(self, resolved: ResolvedProject) -> dict[str, Any]:
        """What :meth:`finish_agent` reads besides the agent (project name, settings):
        part of every agent's render cache key, so it must be JSON or pydantic models."""
        ...

    def finish_agent(self, agent: ResolvedAgent, rendered: RenderedAgent,
                     context: dict[str, Any]) -> dict[str, str]:
        """The target's per-agent text (:attr:`RenderedAgent.parts`), made in the render
        worker and cached: it may read ``agent``, ``rendered`` (paths and env variables
        set) and ``context`` (:meth:`agent_context`) only."""
        ...

    def assemble(self, resolved: ResolvedProject, agents: Mapping[str, RenderedAgent],
                 names: Sequence[str]) -> DesiredTree:
        """The tree for the agents ``names`` (sorted; ``agents`` holds their renders when
        :attr:`renders_workspaces`). Returns a tree whose ``target`` is :attr:`name`;
        user-facing limits go into ``tree.warnings``, never exceptions."""
        ...

    def holds_secrets(self, rel: str) -> bool:
        """True for a path (relative to the output folder) holding secret values: written
        by apply only, never compared by ``render --check``."""
        ...

    def observe(self, project: Project) -> Observation:
        """The fleet's run state as the target's runtime reports it; never raises (a
        target that cannot observe says so in ``unavailable``)."""
        ...

    def startable(self, tree: DesiredTree, blocked: Mapping[str, str], disk: OnDisk,
                  ) -> tuple[dict[str, FileSpec], list[Diagnostic]]:
        """The shared files of ``tree`` (path → spec) to write instead when the agents
        ``blocked`` (name → why) get no change, so the output still starts every ready
        agent (see :mod:`agentctl.targets.partial`), and the warnings to show."""
        ...

    def stop_command(self, project: Project, services: Sequence[str] | None) -> str:
        """The shell command that stops and removes ``services`` (None: every service of
        the project), for a message; "" for a target that does not run services itself."""
        ...

    def stop(self, project: Project, services: Sequence[str] | None) -> str:
        """Run :meth:`stop_command`; returns "" or why it failed. Never raises."""
        ...

    def next_steps(self, project: Project) -> list[str]:
        """What to run once the output is applied (start the fleet), one line each,
        with this project's paths; printed at the end of ``apply``."""
        ...


def under_secrets(rel: str, root: str) -> bool:
    """True for ``<root>/secrets/<name>.secret.yaml``: the cluster targets' Secrets."""
    parts = rel.split("/")
    return (len(parts) == 3 and parts[0] == root and parts[1] == "secrets"
            and parts[2].endswith(".secret.yaml"))


def shell_path(path: Path) -> str:
    """``path`` as a shell word for a command the user copies: relative to the current
    folder when inside it (``deploy/compose.yaml``), else absolute; quoted when needed."""
    import os
    import shlex

    try:
        shown = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        shown = str(path)
    if shown.startswith(".."):
        shown = str(path)
    return shlex.quote(shown)


def agentctl_command(project: Project, *args: str) -> str:
    """``agentctl [-C ROOT] ARGS…``: ``-C`` only when the current folder is not inside
    the project."""
    here = Path.cwd().resolve()
    inside = here == project.root or project.root in here.parents
    return " ".join(["agentctl", *([] if inside else ["-C", shell_path(project.root)]), *args])


def cluster_steps(project: Project, root: str, secret_store: bool) -> list[str]:
    """The next steps of a kustomize-based target whose files are under ``root``:
    ``kubectl apply`` (Secrets first, unless an ExternalSecret fills them), and the
    GitOps way (docs/how-to/kubernetes-gitops.md)."""
    folder = project.output_dir / root
    steps = []
    if not secret_store:
        steps.append("Apply the Secrets: kubectl apply --server-side -f "
                     f"{shell_path(folder / 'secrets')}/")
    steps.append(f"Apply the fleet: kubectl apply -k {shell_path(folder)}")
    steps.append(f"Or with Argo CD / Flux: commit {shell_path(folder)} (secrets/ is "
                 "git-ignored) and point an Application or Kustomization at it "
                 "(docs: how-to/kubernetes-gitops).")
    return steps


def no_stop(project: Project, services: Sequence[str] | None) -> str:
    """:meth:`Target.stop_command` and :meth:`Target.stop` of a target whose services
    run elsewhere (a cluster): nothing to stop here."""
    return ""


def not_observed(target: str) -> Observation:
    """The observation of a target whose run state agentctl does not read."""
    return Observation(unavailable=f"the {target} target does not observe run state; "
                       "ask the cluster (kubectl get pods)")

