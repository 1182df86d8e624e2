"""``agentctl skills sync | list | validate``: skill sources, the lock file, the spec.

Each function drives :mod:`agentctl.catalogue.skill_sync` (sources and the lock) or
:mod:`agentctl.catalogue.skills` (the Agent Skills spec). Only ``sync`` reaches the
network (git remotes).
"""

from __future__ import annotations

from pathlib import Path

from agentctl.catalogue.load import Catalogue, load_catalogue
from agentctl.catalogue.project import load_project
from agentctl.catalogue.skill_sources import LOCK_FILE
from agentctl.catalogue.skill_sync import sync as sync_sources
from agentctl.catalogue.skill_sync import write_lock
from agentctl.catalogue.skills import SKILL_FILE, check_frontmatter, read_skill_folder
from agentctl.commands import ui
from agentctl.diagnostics import Diagnostic, display_path

#: One row of ``skills list``: name, source, status, description.
Row = tuple[str, str, str, str]


def sync(directory: Path | None, explicit: bool, *, update: bool = False) -> int:
    """Sync every skill source of the project and write ``agentctl.lock`` when it changed.

    Returns 0. Raises :class:`~agentctl.diagnostics.DiagnosticError` naming each source
    that failed (then the lock is not written).
    """
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
    cat = load_catalogue(load_project(directory, explicit=explicit))
    rows = [*_used_rows(cat), *_unused_rows(cat)]
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


def _used_rows(cat: Catalogue) -> list[Row]:
    """A row per catalogue skill; a source's skills show its pinned commit."""
    rows: list[Row] = []
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
    return rows


def _unused_rows(cat: Catalogue) -> list[Row]:
    """A row per skill a locked source holds that no catalogue entry uses."""
    used = {(e.entry.source, e.entry.name) for e in cat.skills.values() if e.entry.source}
    return [
        (skill, src_name, "unused", "")
        for src_name, entry in sorted(cat.lock.items()) if src_name in cat.skill_sources
        for skill in sorted(entry.get("skills", {})) if (src_name, skill) not in used
    ]


def validate(directory: Path | None, explicit: bool, *, paths: list[Path]) -> int:
    """Check SKILL.md folders: each PATH that holds one, or every one found beneath it.

    Without paths, checks the project's skills (as ``agentctl validate`` loads them).
    Prints errors (they stop rendering) and warnings (spec only) with file:line:column,
    then a summary. Returns 0 without errors, 1 with; a missing path is an error.
    """
    if not paths:
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
