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
        """Warnings found while loading and resolving."""
        return self.resolved.warnings

    def inputs(self) -> list[Path]:
        """Every input file, for the plan's digest."""
        return list(input_files(self.catalogue))


def build(
    directory: Path | None, *, explicit: bool = False, exclude: Collection[str] = ()
) -> Built:
    """Load, resolve and render the project at ``directory``.

    Raises :class:`~agentctl.diagnostics.DiagnosticError` with every problem found.
    """
    from agentctl.render import render

    project = load_project(directory, explicit=explicit)
    catalogue = load_catalogue(project)
    resolved = resolve(catalogue)
    return Built(project, catalogue, resolved, render(resolved, exclude=exclude))
