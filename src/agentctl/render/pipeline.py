"""Running the pure stages in order: project → load → resolve → render."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection
from pathlib import Path

from msgspec import Struct

from agentctl.catalogue.load import Catalogue, input_files, load_catalogue
from agentctl.catalogue.project import Project, check_state_dir, load_project
from agentctl.diagnostics import Diagnostic, DiagnosticError, Position, did_you_mean
from agentctl.render import render
from agentctl.render.cache import RenderCache
from agentctl.render.checks import check_plugins
from agentctl.resolve import ResolvedProject, resolve
from agentctl.support.fsutil import FileSystemError, UnsafePathError
from agentctl.support.tree import DesiredTree
from agentctl.targets import DEFAULT, get_target, is_target, target_names


class Built(Struct):
    """The outputs of the pure stages for one project (and the render cache they used)."""

    project: Project
    catalogue: Catalogue
    resolved: ResolvedProject
    tree: DesiredTree
    cache: RenderCache | None = None

    def save_cache(self) -> None:
        """Save the render cache when it changed; skipped quietly when it cannot be
        written (a read-only checkout: the cache only saves time). Never creates the state
        folder through a link (:func:`~agentctl.catalogue.project.check_state_dir`)."""
        if self.cache is None or check_state_dir(self.project.root):
            return
        with contextlib.suppress(FileSystemError, UnsafePathError, OSError):
            self.cache.save()

    @property
    def warnings(self) -> list[Diagnostic]:
        """Warnings found while loading, resolving and rendering."""
        return [*self.resolved.warnings, *self.tree.warnings]

    def inputs(self) -> list[Path]:
        """Every input file, for the plan's digest (catalogue, skills, and the templates
        this render read, which the tree names)."""
        return [*input_files(self.catalogue), *self.tree.template_files]


def target_problems(name: str, where: Position | None = None) -> list[Diagnostic]:
    """E010 at ``where`` (``target:`` in agentctl.yaml; None: ``--target``) when no target,
    built-in or plug-in, has that name; else nothing."""
    if is_target(name):
        return []
    known = target_names()
    return [Diagnostic("error", "E010", f"unknown target '{name}'", where, "target",
                       ("Targets: " + ", ".join(known) + "." + did_you_mean(name, known))
                       .strip())]


def target_name(project: Project, override: str | None = None) -> str:
    """The deployment target: ``override`` (``--target``), else ``target:`` in
    agentctl.yaml, else ``compose``. Raises :class:`DiagnosticError` (E010) for a name no
    target has.
    """
    name = override or project.config.target or DEFAULT
    where = None if override else project.positions.get(("target",))
    problems = target_problems(name, where)
    if problems:
        raise DiagnosticError(problems)
    return name


def build(
    directory: Path | None,
    *,
    explicit: bool = False,
    exclude: Collection[str] = (),
    target: str | None = None,
    trust: bool = False,
    use_cache: bool = False,
    read_only_cache: bool = False,
    progress: Callable[[int], Callable[[int], None] | None] | None = None,
) -> Built:
    """Load, resolve and render the project at ``directory`` for ``target`` (see
    :func:`target_name`).

    ``trust`` lets templates with tasks, migrations or Jinja extensions run (through real
    Copier); ``use_cache`` reuses ``.agentctl/cache/render.json`` so agents whose inputs
    did not change are not rendered again (nothing is written: the caller saves it with
    :meth:`Built.save_cache` once the run is going to write, or for ``plan``). With
    ``read_only_cache`` the caller never saves it (``validate``), so an empty cache is not
    consulted at all: its keys hash the code (:mod:`agentctl.render.fingerprint`) and
    nothing could hit.
    ``progress(agents)``, given how many agents will be rendered, returns what to tell
    of each ``n`` more done (a progress bar's advance), or None.
    Raises :class:`~agentctl.diagnostics.DiagnosticError` with every problem found.
    """
    project = load_project(directory, explicit=explicit, check_target=target_problems)
    name = target_name(project, target)
    catalogue = load_catalogue(project, defer=True)  # resolve reports them with its own
    resolved = resolve(catalogue, defer=True)
    check_plugins(resolved)  # what needs the plug-ins; raises every error together
    cache = RenderCache.for_state_dir(project.state_dir) if use_cache else None
    if cache is not None and read_only_cache and not cache.entries:
        cache = None
    count = sum(1 for agent in resolved.agents if agent not in exclude)
    tree = render(resolved, get_target(name), exclude=exclude, trust=trust, cache=cache,
                  on_done=progress(count) if progress is not None else None)
    return Built(project, catalogue, resolved, tree, cache)
