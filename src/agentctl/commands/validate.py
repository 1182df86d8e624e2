"""``agentctl validate``: load and resolve the catalogue, report every problem.

Agents whose render inputs did not change since the last ``plan`` or ``apply`` are served
from the render cache (:mod:`agentctl.render.cache`: same key, same warnings as a fresh
render; a render that failed is never stored); validate never writes it, nor any file.

``--format`` picks how: ``text`` (for people, stderr), ``json`` (Terraform's
``validate -json`` shape), ``github`` (workflow-command annotations) or ``sarif``
(SARIF 2.1.0, for code scanning). Machine formats go to stdout, errors included, so CI
can capture them; the exit code is the same for every format.
"""

from __future__ import annotations

import os
from pathlib import Path

from agentctl import __version__
from agentctl.catalogue.project import find_project_root
from agentctl.commands import ui
from agentctl.diagnostics import Diagnostic, DiagnosticError, formats, sort_diagnostics
from agentctl.render.pipeline import Built, build

FORMATS = ("text", "json", "github", "sarif")


def run(directory: Path | None, explicit: bool, output_format: str = "text") -> int:
    """Validate the project; print diagnostics in ``output_format``.

    Returns 0 when valid (warnings allowed) and 1 when there are errors. With the
    ``text`` format errors are raised as :class:`DiagnosticError` for the CLI to print.
    """
    if output_format == "text":
        return _text(directory, explicit)
    try:
        diagnostics = list(_build(directory, explicit).warnings)
    except DiagnosticError as exc:
        diagnostics = list(exc.diagnostics)
    diagnostics = sort_diagnostics(diagnostics)
    root = _project_root(directory, explicit)
    ui.out_raw(_render(diagnostics, output_format, root))
    return 1 if any(d.severity == "error" for d in diagnostics) else 0


def _build(directory: Path | None, explicit: bool) -> Built:
    """The pure stages, agents served from the render cache when it holds them (read
    only: validate writes no file)."""
    return build(directory, explicit=explicit, use_cache=True, read_only_cache=True)


def _render(diagnostics: list[Diagnostic], output_format: str, root: Path | None) -> str:
    if output_format == "json":
        return formats.validate_json(diagnostics)
    if output_format == "github":
        return formats.github_annotations(diagnostics, _prefix(root))
    return formats.sarif_log(diagnostics, version=__version__, project_root=root)


def _project_root(directory: Path | None, explicit: bool) -> Path | None:
    base = (directory or Path.cwd()).resolve()
    if explicit:
        return base
    return find_project_root(base)


def _prefix(root: Path | None) -> str:
    """The project folder relative to the current folder, ``""`` or ending in ``/``."""
    if root is None:
        return ""
    rel = os.path.relpath(root, Path.cwd().resolve())
    if rel == ".":
        return ""
    return (rel if not rel.startswith("..") else root.as_posix()).replace(os.sep, "/") + "/"


def _text(directory: Path | None, explicit: bool) -> int:
    built = _build(directory, explicit)
    ui.print_diagnostics(built.warnings)
    cat = built.catalogue
    ui.out(
        ui.style("Catalogue valid: ", "green")
        + f"{len(built.resolved.agents)} agent(s), {len(cat.agents) - len(built.resolved.agents)} "
        f"template(s), {len(cat.models)} model(s), {len(cat.providers)} provider(s), "
        f"{len(cat.mcp_servers)} MCP server(s), {len(cat.skills)} skill(s), "
        f"{len(cat.credentials)} credential(s)"
        + (f"; {len(built.warnings)} warning(s)" if built.warnings else "")
    )
    return 0
