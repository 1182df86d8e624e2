"""``agentctl models refresh``: upsert the models each provider lists into the catalogue.

:func:`refresh` checks the catalogue as ``agentctl validate`` does, then drives
:mod:`agentctl.providers.refresh` (fetch, plan the edits, write) and prints the outcome.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from agentctl.catalogue.load import Located, load_catalogue
from agentctl.catalogue.project import load_project
from agentctl.catalogue.schema import Provider
from agentctl.commands import ui
from agentctl.diagnostics import Diagnostic, DiagnosticError, display_path
from agentctl.providers.base import ListedModel
from agentctl.providers.http import RetryPolicy
from agentctl.providers.refresh import (
    ProviderReport,
    RefreshResult,
    check_models_file,
    fetch_models,
    plan_refresh,
    select_providers,
    write,
)
from agentctl.render.pipeline import build
from agentctl.secrets import SecretResolver


def _fetch_all(
    selected: list[Located[Provider]],
    fetch: Callable[[Located[Provider]], list[ListedModel]],
) -> tuple[dict[str, list[ListedModel]], list[Diagnostic]]:
    """Fetch every provider, with a progress bar on a terminal when there are several."""
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


def provider_errors(directory: Path | None, explicit: bool,
                    names: set[str]) -> list[Diagnostic]:
    """The errors ``agentctl validate`` finds in the providers called ``names`` (their
    backend, endpoint, credential: E206, E212, E217, E225), from the pipeline's own
    checks; errors elsewhere in the catalogue do not stop a refresh."""
    try:
        build(directory, explicit=explicit)
    except DiagnosticError as exc:
        return [d for d in exc.diagnostics
                if d.severity == "error" and _provider_of(d.path) in names]
    return []


def _provider_of(path: str) -> str | None:
    """``name`` of a diagnostic path ``providers[name]…``, else None."""
    if not path.startswith("providers["):
        return None
    return path[len("providers["):].partition("]")[0]


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
    project = load_project(directory, explicit=explicit)
    cat = load_catalogue(project)
    selected = select_providers(cat, providers)
    target = None
    if models_file is not None:
        target = (project.root / models_file).resolve()
        check_models_file(cat, target)
    bad = provider_errors(directory, explicit, {loc.entry.name for loc in selected})
    if bad:
        raise DiagnosticError(bad)
    resolver = SecretResolver().use_project(project.root, project.config.secrets)
    used_policy = policy or RetryPolicy()

    def fetch(loc: Located[Provider]) -> list[ListedModel]:
        return fetch_models(loc, cat, resolver, used_policy, sleep)

    listings, problems = _fetch_all(selected, fetch)
    if problems:
        raise DiagnosticError(problems)
    result = plan_refresh(cat, listings, target)
    _print_result(result)
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


def _listed(count: int, what: str, names: list[str]) -> str:
    return f", {count} {what}" + (f" ({', '.join(names)})" if names else "")


def report_line(report: ProviderReport) -> str:
    """One provider's summary: ``anthropic: 9 listed, 2 added (a, b), 0 updated``…"""
    line = f"{report.provider}: {report.listed} listed"
    line += _listed(len(report.added), "added", report.added)
    line += _listed(len(report.updated), "updated", report.updated)
    if report.not_listed:
        line += _listed(len(report.not_listed), "no longer listed, kept", report.not_listed)
    if report.skipped:
        line += f", {len(report.skipped)} skipped (ids that are not valid model names: "
        line += ", ".join(report.skipped) + ")"
    return line


def _print_result(result: RefreshResult) -> None:
    for report in result.reports:
        ui.out(report_line(report))
    for note in result.notes:
        ui.err(ui.style("warning: ", "yellow", sys.stderr) + note)
