"""Stage 1, load: catalogue files → a validated :class:`Catalogue`.

Reads every catalogue file the project's globs match (sorted, so order is stable),
checks each entry against :mod:`agentctl.catalogue.schema`, reads each skill's SKILL.md
and each agent's instructions file, and reports every problem of the run together,
each with file:line:column. References between entries are checked by
:mod:`agentctl.resolve`.
"""

from __future__ import annotations

import functools
import os
import typing
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from agentctl.catalogue.builtin import BUILTIN_LABEL, builtin_catalogue_files
from agentctl.catalogue.instructions import read_all_instructions
from agentctl.catalogue.model import Catalogue, InstructionsText, Located
from agentctl.catalogue.primitives import CATALOGUE_KINDS as KINDS
from agentctl.catalogue.primitives import CATALOGUE_MODELS as ENTRY_MODELS
from agentctl.catalogue.project import OUTSIDE_HINT, Project, read_text
from agentctl.catalogue.schema import Entry, Skill
from agentctl.catalogue.skill_sources import locate_skill, read_lock, verify_hash
from agentctl.catalogue.skills import read_skill
from agentctl.catalogue.validation import validate_model, yaml_kind
from agentctl.catalogue.yamlsource import YamlDocument, load_yaml
from agentctl.diagnostics import (
    Diagnostic,
    DiagnosticError,
    Position,
    did_you_mean,
    display_path,
)

__all__ = [
    "Catalogue",
    "InstructionsText",
    "Located",
    "input_files",
    "load_catalogue",
    "validate_model",
]

#: Where each (kind, name) was first written, made only for an error message.
_Seen = dict[tuple[str, str], Callable[[], Position]]


def _catalogue_files(project: Project, problems: list[Diagnostic]) -> list[Path]:
    """Every file the project's globs match, by real path, in display order.

    A match whose real path lies outside the project (a symlinked file or folder leading
    elsewhere) is refused as ``E003`` at the glob; the globs themselves were checked
    when the project was loaded (:func:`agentctl.catalogue.project.check_glob`).
    """
    found: set[Path] = set()
    real_root = Path(os.path.realpath(project.root))
    for i, pattern in enumerate(project.config.catalogue):
        for match in sorted(project.root.glob(pattern)):
            real = Path(os.path.realpath(match))
            if not real.is_relative_to(real_root):
                problems.append(Diagnostic(
                    "error", "E003", f"glob '{pattern}' matches "
                    f"{display_path(match, project.root)}, which leads outside the project "
                    f"(to {real})", project.position("catalogue", i), f"catalogue[{i}]",
                    OUTSIDE_HINT))
            elif real.is_file():
                found.add(real)
    return sorted(found, key=lambda p: display_path(p, project.root))


def _no_match(project: Project) -> list[Diagnostic]:
    """E002 at each glob of ``catalogue:`` in agentctl.yaml (none matched a file)."""
    globs = project.config.catalogue
    if not globs:
        return [Diagnostic("error", "E002", "no catalogue globs", Position("agentctl.yaml"),
                           "catalogue", "List your catalogue files' globs under "
                           "'catalogue:' (e.g. catalogue/*.yaml).")]
    return [Diagnostic(
        "error", "E002", f"glob '{pattern}' matches no file",
        project.position("catalogue", i), f"catalogue[{i}]",
        "Create a catalogue file it matches, or correct the glob (relative to the folder "
        "holding agentctl.yaml). No glob matched, so there is no catalogue to read.")
        for i, pattern in enumerate(globs)]


def _entry_label(kind: str, index: int, item: Any) -> str:
    if isinstance(item, dict):
        name = item.get("name") or (item.get("path") if kind == "skills" else None)
        if isinstance(name, str) and name:
            return f"{kind}[{name}]"
    return f"{kind}[{index}]"


def _written_names(kind: str, item: Any) -> list[str]:
    """The names an entry that failed its checks was meant to have (for ``broken``)."""
    if not isinstance(item, dict):
        return []
    names = [item.get("name")]
    if kind == "skills" and isinstance(item.get("path"), str):
        names.append(Path(item["path"]).name)  # the spec wants the folder named as the skill
    return [n for n in names if isinstance(n, str) and n]


def _load_file(
    catalogue: Catalogue,
    file: Path,
    problems: list[Diagnostic],
    first_seen: _Seen,
    *,
    builtin: bool = False,
) -> bool:
    """Register the entries of one catalogue file; False when a part of it could not be
    read as entries at all (not a mapping, an unknown section, a section that is not a
    list), so what it defines is unknown."""
    shown = display_path(file, catalogue.project.root)
    if builtin:
        shown = f"{BUILTIN_LABEL}/{file.name}"
    doc = load_yaml(read_text(file, shown, root=None if builtin else catalogue.project.root),
                    shown)
    whole = True
    if doc.data is None:
        return whole
    if not isinstance(doc.data, dict):
        problems.append(
            Diagnostic(
                "error",
                "E105",
                f"a catalogue file must be a mapping, got {yaml_kind(doc.data)}",
                doc.position(()),
                detail="Start the file with one of: " + ", ".join(f"{k}:" for k in KINDS) + ".",
            )
        )
        return False
    for kind, items in doc.data.items():
        if not _section_ok(doc, kind, items, problems):
            whole = False
            continue
        for index, item in enumerate(items or ()):
            _load_entry(catalogue, doc, file, (kind, index, item), problems, first_seen,
                        builtin)
    return whole


def _section_ok(doc: YamlDocument, kind: str, items: Any, problems: list[Diagnostic]) -> bool:
    """False, with E106 or E112 reported, for an unknown section or one not a list."""
    if kind not in ENTRY_MODELS:
        problems.append(
            Diagnostic(
                "error",
                "E106",
                f"unknown catalogue section '{kind}'",
                doc.position((kind,), prefer_key=True),
                detail=(did_you_mean(kind, KINDS) + " Sections: " + ", ".join(KINDS) + ".")
                .strip(),
            )
        )
        return False
    if items is not None and not isinstance(items, list):
        problems.append(
            Diagnostic(
                "error",
                "E112",
                f"'{kind}' must be a list of entries, got {yaml_kind(items)}",
                doc.position((kind,)),
                path=kind,
                detail=f"Write each entry as a list item: {kind}:\n  - name: …",
            )
        )
        return False
    return True


def _load_entry(
    catalogue: Catalogue,
    doc: YamlDocument,
    file: Path,
    item_at: tuple[str, int, Any],
    problems: list[Diagnostic],
    first_seen: _Seen,
    builtin: bool,
) -> None:
    """Check one entry (``(kind, index, value)``) and register it under its name."""
    kind, index, item = item_at
    label = _entry_label(kind, index, item)
    entry, errs = validate_model(ENTRY_MODELS[kind], item, doc, (kind, index), label)
    problems.extend(errs)
    if entry is None:
        catalogue.broken.update((kind, n) for n in _written_names(kind, item))
        return
    located = Located(typing.cast(Entry, entry), doc, (kind, index), file.parent, file)
    name = getattr(entry, "name", None)
    if kind == "skills" and typing.cast(Skill, entry).source is not None:
        catalogue.pending_skills.append(typing.cast(Located[Skill], located))
        return
    if kind == "skills":
        name = _register_skill(catalogue, located, problems)
        if name is None:
            return
    assert isinstance(name, str)
    # Where it is written, made only for an error message (a fleet has thousands).
    here = functools.partial(located.pos, "name") if kind != "skills" else located.pos
    if (kind, name) in catalogue.builtin and not builtin:
        # A project entry replaces the built-in one of the same name, whole.
        catalogue.builtin.discard((kind, name))
        del first_seen[(kind, name)]
        catalogue.kind(kind).pop(name, None)
    if (kind, name) in first_seen:
        problems.append(
            Diagnostic(
                "error",
                "E120",
                f"duplicate {kind[:-1].replace('_', ' ')} name '{name}' "
                f"(also defined at {first_seen[(kind, name)]()})",
                here(),
                label,
                "Names are unique across all catalogue files: rename or remove one.",
            )
        )
        return
    first_seen[(kind, name)] = here
    catalogue.kind(kind)[name] = located
    if builtin:
        catalogue.builtin.add((kind, name))


def _register_skill(
    catalogue: Catalogue, located: Located[Any], problems: list[Diagnostic]
) -> str | None:
    skill = typing.cast(Skill, located.entry)
    content, diags = read_skill(skill, located, catalogue.project.root)
    for d in diags:
        (problems if d.severity == "error" else catalogue.warnings).append(d)
    if content is None:
        catalogue.broken.update(("skills", n) for n in _written_names(
            "skills", skill.model_dump(exclude_none=True)))
        return None
    catalogue.skill_contents.setdefault(content.name, content)
    return content.name


def _register_source_skills(
    catalogue: Catalogue, problems: list[Diagnostic],
    first_seen: _Seen,
) -> None:
    """Read the skills taken from skill sources (offline: lock file and cache only)."""
    for located in catalogue.pending_skills:
        skill = located.entry
        assert skill.source is not None and skill.name is not None
        catalogue.broken.add(("skills", skill.name))  # until it is read whole
        folder, diags = locate_skill(catalogue, located)
        problems.extend(diags)
        if folder is None:
            continue
        mismatch = verify_hash(catalogue, skill.source, skill.name, folder)
        if mismatch is not None:
            problems.append(mismatch)
            continue
        content, diags = read_skill(skill, located, catalogue.project.root, folder)
        for d in diags:
            (problems if d.severity == "error" else catalogue.warnings).append(d)
        if content is None:
            continue
        catalogue.broken.discard(("skills", skill.name))
        here = located.pos
        if ("skills", content.name) in first_seen:
            problems.append(Diagnostic(
                "error", "E120", f"duplicate skill name '{content.name}' (also defined at "
                f"{first_seen[('skills', content.name)]()})", here(), f"skills[{content.name}]",
                "Names are unique across all catalogue files: rename or remove one.",
            ))
            continue
        first_seen[("skills", content.name)] = here
        catalogue.skill_contents.setdefault(content.name, content)
        catalogue.skills[content.name] = located


def load_catalogue(
    project: Project, *, source_skills: bool = True, defer: bool = False
) -> Catalogue:
    """Read and schema-check every catalogue file of ``project``.

    Returns the :class:`Catalogue` (warnings in ``catalogue.warnings``). Raises
    :class:`DiagnosticError` with every error found across all files. References are
    not checked here (see :func:`agentctl.resolve.resolve`). Skills taken from skill
    sources are read from the lock file and cache (never the network); with
    ``source_skills`` False they are left out (``skills sync`` loads that way, before
    the sources are synced).

    With ``defer``, errors of single entries (schema, skill folders) are kept in
    ``catalogue.problems`` and their names in ``catalogue.broken`` instead of raised, so
    :func:`~agentctl.resolve.resolve` can check every other entry's references in the
    same run and raise them all together. A file that cannot be read as a catalogue
    (YAML, encoding, size, unknown section) still stops here: what it would define is
    unknown, so a reference to it could not be judged.
    """
    catalogue = Catalogue(project)
    problems: list[Diagnostic] = []
    first_seen: _Seen = {}
    files = _catalogue_files(project, problems)
    whole = not problems  # False once some file (or match) could not be read as a catalogue
    if not files and not problems:
        problems.extend(_no_match(project))
        whole = False
    for file in builtin_catalogue_files():
        try:
            _load_file(catalogue, file, problems, first_seen, builtin=True)
        except DiagnosticError as exc:  # pragma: no cover - the shipped files are tested
            problems.extend(exc.diagnostics)
    for file in files:
        catalogue.files.append(file)
        try:
            whole = _load_file(catalogue, file, problems, first_seen) and whole
        except DiagnosticError as exc:
            problems.extend(exc.diagnostics)
            whole = False
    try:
        catalogue.lock = read_lock(project)
    except DiagnosticError as exc:
        problems.extend(exc.diagnostics)
        whole = False
    if source_skills:
        _register_source_skills(catalogue, problems, first_seen)
    _read_instructions(catalogue)
    errors = [p for p in problems if p.severity == "error"]
    if errors and not (defer and whole):
        raise DiagnosticError([*problems, *catalogue.warnings])
    catalogue.problems = problems
    return catalogue


def _read_instructions(catalogue: Catalogue) -> None:
    """Read every agent's ``instructions_file`` into ``catalogue.instructions`` (each
    regular file joins ``catalogue.files``, for the plan's input digest)."""
    catalogue.instructions = read_all_instructions(catalogue.project, catalogue.agents)
    for found in catalogue.instructions.values():
        if found.file is not None and found.file not in catalogue.files:
            catalogue.files.append(found.file)


def input_files(catalogue: Catalogue) -> Iterable[Path]:
    """Every file the render depends on: project file, catalogue files, skill files."""
    yield catalogue.project.config_file
    yield from catalogue.files
    for content in catalogue.skill_contents.values():
        yield from (content.folder / rel for rel in content.files)

