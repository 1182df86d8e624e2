"""Running the pure stages in order: project → load → resolve → render."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from agentctl.diagnostics import Diagnostic
from agentctl.load import Catalogue, input_files, load_catalogue
from agentctl.project import Project, load_project
from agentctl.resolve import ResolvedProject, resolve
from agentctl.tree import DesiredTree


@dataclass
class Built:
    """The outputs of the pure stages for one project."""

    project: Project
    catalogue: Catalogue
    resolved: ResolvedProject
    tree: DesiredTree

    @property
    def warnings(self) -> list[Diagnostic]:
        """Warnings found while loading, resolving and rendering."""
        return [*self.resolved.warnings, *self.tree.warnings]

    def inputs(self) -> list[Path]:
        """Every input file, for the plan's digest (catalogue, skills, templates)."""
        from agentctl.copier_engine import loaded_template_files

        return [*input_files(self.catalogue), *loaded_template_files()]


def target_name(project: Project, override: str | None = None) -> str:
    """The deployment target: ``override`` (``--target``), else ``target:`` in
    agentctl.yaml, else ``compose``. Raises :class:`DiagnosticError` (E010) for a name no
    target has.
    """
    from agentctl.diagnostics import DiagnosticError, did_you_mean
    from agentctl.targets import DEFAULT, target_names

    name = override or project.config.target or DEFAULT
    known = target_names()
    if name not in known:
        raise DiagnosticError([
            Diagnostic("error", "E010", f"unknown target '{name}'", path="target",
                       detail=("Targets: " + ", ".join(known) + "." + did_you_mean(name, known))
                       .strip())
        ])
    return name


def build(
    directory: Path | None,
    *,
    explicit: bool = False,
    exclude: Collection[str] = (),
    target: str | None = None,
    trust: bool = False,
    use_cache: bool = False,
) -> Built:
    """Load, resolve and render the project at ``directory`` for ``target`` (see
    :func:`target_name`).

    ``trust`` lets templates with tasks, migrations or Jinja extensions run (through real
    Copier); ``use_cache`` reuses and updates ``.agentctl/cache/render.json`` so agents
    whose inputs did not change are not rendered again.
    Raises :class:`~agentctl.diagnostics.DiagnosticError` with every problem found.
    """
    from agentctl.render_cache import RenderCache
    from agentctl.targets import get_target

    project = load_project(directory, explicit=explicit)
    name = target_name(project, target)
    catalogue = load_catalogue(project, defer=True)  # resolve reports them with its own
    resolved = resolve(catalogue)
    cache = RenderCache.for_state_dir(project.state_dir) if use_cache else None
    tree = get_target(name).render(resolved, exclude=exclude, trust=trust, cache=cache)
    if cache is not None:
        cache.save()
    return Built(project, catalogue, resolved, tree)
