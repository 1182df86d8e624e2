"""``agentctl models refresh``: upsert the models each provider lists into the catalogue.

The typer sub-app :data:`models_app` is registered by :mod:`agentctl.cli`; its commands
parse flags and call :func:`refresh`, which drives :mod:`agentctl.providers.refresh`.
This module's top level imports only typer, so ``agentctl --version`` stays light.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

if TYPE_CHECKING:
    from agentctl.catalogue.load import Located
    from agentctl.catalogue.schema import Provider
    from agentctl.diagnostics import Diagnostic
    from agentctl.providers.base import ListedModel
    from agentctl.providers.http import RetryPolicy

models_app = typer.Typer(
    name="models",
    help="Inference models: refresh the catalogue from what each provider lists.\n\n"
    "Example: agentctl models refresh --dry-run",
    no_args_is_help=True,
)


@models_app.command("refresh")
def _refresh_command(
    providers: Annotated[Optional[list[str]], typer.Argument(  # noqa: UP045
        help="Providers to refresh (default: every provider with models or defined by the "
        "project).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the unified diff of the "
                                          "catalogue edits and write nothing.")] = False,
    models_file: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        "--models-file", help="Catalogue file that receives new models (relative to the "
        "project root).")] = None,
) -> None:
    """Add models the providers list, update what they report, keep the rest.

    Example: agentctl models refresh anthropic --dry-run
    """
    from agentctl.cli import _run, _state

    _run(refresh, _state.directory, _state.explicit, providers=providers or [],
         dry_run=dry_run, models_file=models_file)


def _fetch_all(
    selected: list[Located[Provider]],
    fetch: Callable[[Located[Provider]], list[ListedModel]],
) -> tuple[dict[str, list[ListedModel]], list[Diagnostic]]:
    """Fetch every provider, with a progress bar on a terminal when there are several."""
    from agentctl.commands import ui
    from agentctl.diagnostics import DiagnosticError

    listings: dict[str, list[ListedModel]] = {}
    problems: list[Diagnostic] = []

    def one(loc: Located[Provider]) -> None:
        try:
            listings[loc.entry.name] = fetch(loc)
        except DiagnosticError as exc:
            problems.extend(exc.diagnostics)

    if len(selected) > 1 and ui.use_color(sys.stderr):
        from rich.console import Console
        from rich.progress import Progress

        with Progress(console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task("listing models", total=len(selected))
            for loc in selected:
                progress.update(task, description=f"listing {loc.entry.name}")
                one(loc)
                progress.advance(task)
    else:
        for loc in selected:
            one(loc)
    return listings, problems


def refresh(
    directory: Path | None,
    explicit: bool,
    *,
    providers: list[str],
    dry_run: bool = False,
    models_file: Path | None = None,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] | None = None,
) -> int:
    """Refresh ``providers`` (names; empty for the default set) of the project.

    Returns 0. Raises :class:`~agentctl.diagnostics.DiagnosticError` naming each provider
    (and credential) that failed; then nothing is written.
    """
    from agentctl.catalogue.load import load_catalogue
    from agentctl.catalogue.project import load_project
    from agentctl.commands import ui
    from agentctl.diagnostics import Diagnostic, DiagnosticError, display_path
    from agentctl.providers import backend_names
    from agentctl.providers.http import RetryPolicy
    from agentctl.providers.refresh import (
        check_models_file,
        fetch_models,
        plan_refresh,
        select_providers,
        write,
    )
    from agentctl.secrets import SecretResolver

    project = load_project(directory, explicit=explicit)
    cat = load_catalogue(project)
    selected = select_providers(cat, providers)
    target = None
    if models_file is not None:
        target = (project.root / models_file).resolve()
        check_models_file(cat, target)
    bad = [
        Diagnostic("error", "E212", f"unknown provider backend '{loc.entry.backend}'",
                   loc.pos("backend"), f"providers[{loc.entry.name}].backend",
                   "Backends: " + ", ".join(backend_names()) + ".")
        for loc in selected if loc.entry.backend not in backend_names()
    ]
    bad += [
        Diagnostic("error", "E206", f"unknown credential '{loc.entry.credential}'",
                   loc.pos("credential"), f"providers[{loc.entry.name}].credential",
                   "Define it under 'credentials:'.")
        for loc in selected
        if loc.entry.credential and loc.entry.credential not in cat.credentials
    ]
    if bad:
        raise DiagnosticError(bad)
    resolver = SecretResolver()
    used_policy = policy or RetryPolicy()

    def fetch(loc: Located[Provider]) -> list[ListedModel]:
        return fetch_models(loc, cat, resolver, used_policy, sleep)

    listings, problems = _fetch_all(selected, fetch)
    if problems:
        raise DiagnosticError(problems)
    result = plan_refresh(cat, listings, target)
    for report in result.reports:
        line = f"{report.provider}: {report.listed} listed"
        line += f", {len(report.added)} added" + (
            f" ({', '.join(report.added)})" if report.added else "")
        line += f", {len(report.updated)} updated" + (
            f" ({', '.join(report.updated)})" if report.updated else "")
        if report.not_listed:
            line += (f", {len(report.not_listed)} no longer listed, kept "
                     f"({', '.join(report.not_listed)})")
        if report.skipped:
            line += f", {len(report.skipped)} skipped (ids that are not valid model names: "
            line += ", ".join(report.skipped) + ")"
        ui.out(line)
    for note in result.notes:
        ui.err(ui.style("warning: ", "yellow", sys.stderr) + note)
    if not result.files:
        ui.out(ui.style("No changes. The catalogue matches the providers.", "green"))
        return 0
    shown = ", ".join(display_path(p, project.root) for p in sorted(result.files))
    if dry_run:
        ui.out(result.diff(project.root).rstrip("\n"))
        ui.out(f"Dry run: would change {shown}; nothing was written.")
        return 0
    write(result)
    ui.out(f"Updated {shown}.")
    return 0
