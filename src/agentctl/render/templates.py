"""Where templates come from: agentctl's built-in folders and a store of loaded templates.

A :class:`TemplateStore` is a value made for one render and passed to everything that
loads a template: each folder is read once per render (many agents share a template),
and the store names every file it read, for the plan's input digest. Nothing is kept
between renders, so a long-lived process never renders from a template that changed on
disk.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from agentctl.catalogue.project import OUTSIDE_HINT
from agentctl.diagnostics import Diagnostic, DiagnosticError, Position
from agentctl.render.copier_engine import CopierTemplate


@cache
def templates_root() -> Path:
    """agentctl's built-in ``templates/`` folder: inside the installed package (the wheel
    force-includes it as ``agentctl/templates``), else at the top of a source checkout."""
    packaged = Path(__file__).resolve().parents[1] / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "templates"


def builtin_workspace_templates() -> list[str]:
    """Names of the built-in workspace templates."""
    root = templates_root() / "workspace"
    return sorted(p.name for p in root.iterdir() if (p / "copier.yml").is_file())


def _check_own_folder(project_root: Path, folder: Path, shown: str) -> None:
    """E230 when a project's own template folder leads outside the project (a symlink)."""
    real = Path(os.path.realpath(folder))
    if not real.is_relative_to(os.path.realpath(project_root)):
        raise DiagnosticError([Diagnostic(
            "error", "E230", f"'{shown}' leads outside the project (to {real})",
            Position(shown), detail=OUTSIDE_HINT)])


class TemplateStore:
    """The templates one render loaded, by folder and label.

    ``load`` raises :class:`~agentctl.render.copier_engine.TemplateError` (or
    ``OSError``) for a folder that is no Copier template.
    """

    def __init__(self) -> None:
        self._loaded: dict[tuple[Path, str], CopierTemplate] = {}
        self._services: dict[tuple[str, Path | None], tuple[Path, str] | None] = {}
        self._local: dict[tuple[Path, str], Path] = {}

    def load(self, root: Path, src_path: str | None = None) -> CopierTemplate:
        """The :class:`CopierTemplate` at ``root``, loaded once per store and folder."""
        key = (root, src_path or str(root))
        found = self._loaded.get(key)
        if found is None:
            found = self._loaded[key] = CopierTemplate(root, src_path)
        return found

    def local_folder(self, base: Path, ref: str) -> Path:
        """``base / ref`` resolved (once per store: a fleet shares a few folders)."""
        key = (base, ref)
        if key not in self._local:
            self._local[key] = (base / ref).resolve()
        return self._local[key]

    def service_template(self, runtime: str, project_root: Path | None) -> CopierTemplate | None:
        """The project's own service template of ``runtime``
        (``templates/service/<runtime>/``), or None: the runtime's service as built.

        Raises :class:`DiagnosticError` (E230) when the folder leads outside the project.
        """
        key = (runtime, project_root)
        if key not in self._services:
            found: tuple[Path, str] | None = None
            own = project_root / "templates" / "service" / runtime if project_root else None
            if own is not None and own.is_dir():
                assert project_root is not None
                _check_own_folder(project_root, own, f"templates/service/{runtime}")
                found = (own, f"templates/service/{runtime}")
            self._services[key] = found
        folder = self._services[key]
        return self.load(*folder) if folder else None

    def files(self) -> list[Path]:
        """Every file of every template loaded (inputs of the plan digest), sorted."""
        files: set[Path] = set()
        for template in self._loaded.values():
            files.update(p for p in template.root.rglob("*") if p.is_file())
        return sorted(files)
