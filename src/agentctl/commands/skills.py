"""``agentctl skills sync | list | validate``: skill sources, the lock file, the spec.

The typer sub-app :data:`skills_app` is registered by :mod:`agentctl.cli`; each command
parses flags and calls a function here, which drives :mod:`agentctl.catalogue.skill_sources` and
:mod:`agentctl.catalogue.skills`. Only ``sync`` reaches the network (git remotes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

skills_app = typer.Typer(
    name="skills",
    help="Skills: sync skill sources into agentctl.lock, list skills, check SKILL.md "
    "folders.\n\nExample: agentctl skills sync",
    no_args_is_help=True,
)


@skills_app.command("sync")
def _sync_command(
    update: Annotated[bool, typer.Option("--update", help="Fetch every git source and move "
                                         "its ref forward to the newest commit.")] = False,
) -> None:
    """Fetch skill sources, cache them and write agentctl.lock (commit + hash per skill).

    Example: agentctl skills sync --update
    """
    from agentctl.cli import _run, _state

    _run(sync, _state.directory, _state.explicit, update=update)


@skills_app.command("list")
def _list_command() -> None:
    """List the catalogue's skills, and skills its sources hold but no entry uses.

    Example: agentctl skills list
    """
    from agentctl.cli import _run, _state

    _run(list_skills, _state.directory, _state.explicit)


@skills_app.command("validate")
def _validate_command(
    paths: Annotated[Optional[list[Path]], typer.Argument(  # noqa: UP045
        help="Skill folders, or folders to search for SKILL.md (default: the project's "
        "skills).")] = None,
) -> None:
    """Check skills against the Agent Skills spec: errors break rendering, warnings the spec.

    Example: agentctl skills validate ./skills
    """
    from agentctl.cli import _run, _state

    _run(validate, _state.directory, _state.explicit, paths=paths or [])


def sync(directory: Path | None, explicit: bool, *, update: bool = False) -> int:
    """Sync every skill source of the project and write ``agentctl.lock`` when it changed.

    Returns 0. Raises :class:`~agentctl.diagnostics.DiagnosticError` naming each source
    that failed (then the lock is not written).
    """
    from agentctl.catalogue.load import load_catalogue
    from agentctl.catalogue.project import load_project
    from agentctl.catalogue.skill_sources import LOCK_FILE, write_lock
    from agentctl.catalogue.skill_sources import sync as sync_sources
    from agentctl.commands import ui

    project = load_project(directory, explicit=explicit)
    cat = load_catalogue(project, source_skills=False)
    result = sync_sources(cat, update=update)
    for line in result.lines:
        ui.out(line)
    if not cat.skill_sources:
        ui.out("No skill sources in the catalogue.")
    if result.changed:
        write_lock(project, result.sources)
        ui.out(f"Wrote {LOCK_FILE}.")
    else:
        ui.out(ui.style(f"{LOCK_FILE} is up to date.", "green"))
    # Say now, not at the next render, when an entry names a skill its source lacks.
    load_catalogue(project)
    return 0


def list_skills(directory: Path | None, explicit: bool) -> int:
    """Print one row per skill: name, source, status, description (first line, cut at 60).

    Status is ``ok``, ``N warning(s)`` (spec warnings of its SKILL.md) or, for a skill a
    source holds that no catalogue entry uses, ``unused``. Returns 0.
    """
    from agentctl.catalogue.load import load_catalogue
    from agentctl.catalogue.project import load_project
    from agentctl.catalogue.skills import check_frontmatter
    from agentctl.commands import ui

    project = load_project(directory, explicit=explicit)
    cat = load_catalogue(project)
    rows: list[tuple[str, str, str, str]] = []
    for name, content in sorted(cat.skill_contents.items()):
        entry = cat.skills[name].entry
        if entry.source:
            pin = cat.lock.get(entry.source, {}).get("commit")
            source = entry.source + (f"@{str(pin)[:12]}" if pin else "")
        else:
            source = str(entry.path)
        warnings = [d for d in check_frontmatter(content.frontmatter, content.folder.name,
                                                 None, name) if d.severity == "warning"]
        status = f"{len(warnings)} warning(s)" if warnings else "ok"
        rows.append((name, source, status, content.description))
    used = {(e.entry.source, e.entry.name) for e in cat.skills.values() if e.entry.source}
    for src_name, entry in sorted(cat.lock.items()):
        if src_name not in cat.skill_sources:
            continue
        for skill in sorted(entry.get("skills", {})):
            if (src_name, skill) not in used:
                rows.append((skill, src_name, "unused", ""))
    if not rows:
        ui.out("No skills.")
        return 0
    header = ("NAME", "SOURCE", "STATUS", "DESCRIPTION")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    for row in [header, *rows]:
        desc = row[3].strip().splitlines()[0] if row[3].strip() else ""
        desc = desc if len(desc) <= 60 else desc[:59] + "…"
        cells = "  ".join(c.ljust(w) for c, w in zip(row[:3], widths, strict=True))
        ui.out((cells + "  " + desc).rstrip())
    return 0


def validate(directory: Path | None, explicit: bool, *, paths: list[Path]) -> int:
    """Check SKILL.md folders: each PATH that holds one, or every one found beneath it.

    Without paths, checks the project's skills (as ``agentctl validate`` loads them).
    Prints errors (they stop rendering) and warnings (spec only) with file:line:column,
    then a summary. Returns 0 without errors, 1 with; a missing path is an error.
    """
    from agentctl.catalogue.skills import SKILL_FILE, read_skill_folder
    from agentctl.commands import ui
    from agentctl.diagnostics import Diagnostic, display_path

    if not paths:
        from agentctl.catalogue.load import load_catalogue
        from agentctl.catalogue.project import load_project

        cat = load_catalogue(load_project(directory, explicit=explicit))
        ui.print_diagnostics(cat.warnings)
        ui.out(f"{len(cat.skill_contents)} skill(s) valid; {len(cat.warnings)} warning(s).")
        return 0
    cwd = Path.cwd()
    diagnostics: list[Diagnostic] = []
    checked: list[tuple[str, int, int]] = []
    for path in paths:
        folders = ([path] if (path / SKILL_FILE).is_file()
                   else sorted(p.parent for p in path.rglob(SKILL_FILE)) if path.is_dir()
                   else [])
        if not folders:
            diagnostics.append(Diagnostic(
                "error", "E302", f"no {SKILL_FILE} in or under '{path}'", None, "",
                "Name a skill folder (holding SKILL.md) or a folder of skills."))
            checked.append((str(path), 1, 0))
            continue
        for folder in folders:
            _content, found = read_skill_folder(folder.resolve(), display_path(folder.resolve(),
                                                                               cwd))
            diagnostics.extend(found)
            errors = sum(d.severity == "error" for d in found)
            checked.append((display_path(folder.resolve(), cwd), errors, len(found) - errors))
    ui.print_diagnostics(diagnostics)
    for shown, errors, warnings in checked:
        verdict = "error" if errors else "ok"
        ui.out(f"{verdict:<5}  {shown}  ({errors} error(s), {warnings} warning(s))")
    total_errors = sum(c[1] for c in checked)
    total_warnings = sum(c[2] for c in checked)
    ui.out(f"{len(checked)} skill(s) checked: {total_errors} error(s) (these stop rendering), "
           f"{total_warnings} warning(s) (spec only; the skill still renders).")
    return 1 if total_errors else 0
