"""Stage 1, load: catalogue files → a validated :class:`Catalogue`.

Reads every catalogue file the project's globs match (sorted, so order is stable),
checks each entry against :mod:`agentctl.catalogue.schema`, reads each skill's SKILL.md, and
reports every problem of the run together, each with file:line:column. References
between entries are checked by :mod:`agentctl.resolve`.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from agentctl.catalogue.project import Project, read_text
from agentctl.catalogue.schema import (
    ENTRY_MODELS,
    KINDS,
    Agent,
    Credential,
    Entry,
    MCPServer,
    Model,
    Provider,
    Skill,
    SkillSource,
)
from agentctl.catalogue.skills import SkillContent
from agentctl.catalogue.yamlsource import PathKey, SourceFloat, YamlDocument, load_yaml
from agentctl.diagnostics import (
    Diagnostic,
    DiagnosticError,
    Position,
    did_you_mean,
    display_path,
)

E = TypeVar("E", bound=Entry)


@dataclass(frozen=True)
class Located(Generic[E]):
    """A catalogue entry with the document it came from and its path in that document."""

    entry: E
    doc: YamlDocument
    path: PathKey
    base_dir: Path
    #: The catalogue file the entry is written in (None for entries made in code).
    file: Path | None = None

    def pos(self, *fields: str | int, key: bool = False) -> Position:
        """Position of a field of this entry (the entry itself with no ``fields``)."""
        return self.doc.position((*self.path, *fields), prefer_key=key)


@dataclass
class Catalogue:
    """Every entry of a project's catalogue, by kind and name, plus skill contents.

    ``files`` lists the catalogue files read, and ``inputs`` every input file (catalogue,
    instruction and skill files) for the plan's input digest.
    """

    project: Project
    credentials: dict[str, Located[Credential]] = field(default_factory=dict)
    providers: dict[str, Located[Provider]] = field(default_factory=dict)
    models: dict[str, Located[Model]] = field(default_factory=dict)
    mcp_servers: dict[str, Located[MCPServer]] = field(default_factory=dict)
    skill_sources: dict[str, Located[SkillSource]] = field(default_factory=dict)
    skills: dict[str, Located[Skill]] = field(default_factory=dict)
    agents: dict[str, Located[Agent]] = field(default_factory=dict)
    skill_contents: dict[str, SkillContent] = field(default_factory=dict)
    warnings: list[Diagnostic] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    #: (kind, name) of entries that come from agentctl's built-in catalogue.
    builtin: set[tuple[str, str]] = field(default_factory=set)
    #: The ``sources`` of ``agentctl.lock`` (see :mod:`agentctl.catalogue.skill_sources`).
    lock: dict[str, Any] = field(default_factory=dict)
    #: Skills taken from a skill source, registered once every file is read.
    pending_skills: list[Located[Skill]] = field(default_factory=list)
    #: Errors found while loading, when the caller deferred them (see :func:`load_catalogue`).
    problems: list[Diagnostic] = field(default_factory=list)
    #: (kind, name) of entries written in the catalogue but refused by their own checks:
    #: a reference to one is not "unknown" (the entry's own error says what is wrong).
    broken: set[tuple[str, str]] = field(default_factory=set)

    def is_broken(self, kind: str, name: str) -> bool:
        """True when ``name`` of ``kind`` is written but was refused by its own checks."""
        return (kind, name) in self.broken

    def kind(self, kind: str) -> dict[str, Located[Any]]:
        """The entries of one kind (a key of :data:`~agentctl.catalogue.schema.KINDS`)."""
        return typing.cast(dict[str, Located[Any]], getattr(self, kind))


_PATTERN_HINTS = {
    "^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$": (
        "use 1-63 lower-case letters, digits and '-', starting and ending with a letter "
        "or digit"
    ),
    "^[a-z0-9](?:[a-z0-9._-]{0,126}[a-z0-9])?$": (
        "use lower-case letters, digits, '.', '_' and '-', starting and ending with a "
        "letter or digit"
    ),
    "^[A-Za-z0-9](?:[A-Za-z0-9._:/@-]{0,254})$": "use letters, digits and . _ : / @ -",
    "^[A-Za-z0-9_.-]{1,128}$": "use 1-128 letters, digits, '_', '-' and '.'",
    "^[A-Za-z_][A-Za-z0-9_]*$": "use letters, digits and '_', not starting with a digit",
}


def _yaml_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if value is None:
        return "null (nothing)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "text"


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names of the (nested) model that ``loc`` points into, for did-you-mean."""
    current: Any = model
    for part in loc:
        if isinstance(part, int) or not (
            isinstance(current, type) and issubclass(current, BaseModel)
        ):
            continue
        info = current.model_fields.get(part)
        if info is None:
            break
        current = info.annotation
        for _ in range(4):  # unwrap Optional[list[Model]] and friends
            args = [a for a in typing.get_args(current) if a is not type(None)]
            if isinstance(current, type) and issubclass(current, BaseModel):
                break
            if not args:
                break
            current = args[-1] if typing.get_origin(current) is dict else args[0]
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _format_loc(prefix: str, loc: tuple[Any, ...]) -> str:
    text = prefix
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _friendly(err: Any, model: type[BaseModel], loc: tuple[Any, ...]) -> tuple[str, str, str]:
    """Map one pydantic error to (code, summary, detail)."""
    kind = err["type"]
    value = err.get("input")
    leaf = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        allowed = _fields_at(model, loc[:-1])
        hint = did_you_mean(leaf, allowed).strip()
        detail = (hint + " " if hint else "") + (
            "Allowed keys: " + ", ".join(allowed) + "." if allowed else "Remove it."
        )
        return "E110", f"unknown key '{leaf}'", detail
    if kind == "missing":
        return "E111", f"missing required key '{leaf}'", f"Add '{leaf}: …' to this entry."
    if kind in {"string_type", "str_type"}:
        shown = value.text if isinstance(value, SourceFloat) else value
        if isinstance(value, bool):
            shown = "true" if value else "false"
        detail = "Write text here."
        if isinstance(value, (int, float, bool)):
            detail = (
                f"YAML read this as {_yaml_kind(value)}; quote it to keep it as text: "
                f"{leaf}: \"{shown}\"."
            )
        return "E112", f"expected text, got {_yaml_kind(value)}", detail
    if kind == "string_pattern_mismatch":
        pattern = err.get("ctx", {}).get("pattern", "")
        hint = _PATTERN_HINTS.get(pattern, f"it must match {pattern}")
        return "E113", f"'{value}' is not a valid value here", hint[0].upper() + hint[1:] + "."
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        choices = [c.strip().strip("'") for c in expected.replace(" or ", ", ").split(",")]
        hint = did_you_mean(str(value), choices)
        return "E114", f"'{value}' is not one of {expected}", ("Use one of them." + hint).strip()
    if kind == "bool_type":
        return (
            "E112",
            f"expected true or false, got {_yaml_kind(value)}",
            "Write true or false (yes/no/on/off are text in YAML 1.2).",
        )
    if kind in {"list_type", "dict_type", "model_type", "model_attributes_type"}:
        want = "a list" if kind == "list_type" else "a mapping"
        return "E112", f"expected {want}, got {_yaml_kind(value)}", f"Write {want} here."
    if kind in {"string_too_short", "too_short"}:
        return "E115", "must not be empty", "Give it a value, or remove the key."
    if kind in {"int_type", "float_type"}:
        return "E112", f"expected a number, got {_yaml_kind(value)}", "Write a number here."
    if kind == "git_transport":
        from agentctl.catalogue.schema import GIT_SCHEMES

        return "E314", str(err["msg"]), (
            "Use " + ", ".join(f"{s}://" for s in GIT_SCHEMES)
            + ", user@host:path or a local path.")
    message = str(err.get("msg", "invalid value"))
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return "E116", message, ""


def validate_model(
    model: type[BaseModel],
    data: Any,
    doc: YamlDocument,
    path: PathKey,
    label: str,
) -> tuple[BaseModel | None, list[Diagnostic]]:
    """Validate ``data`` (found at ``path`` in ``doc``) against ``model``.

    Returns the model instance, or None and one diagnostic per pydantic error with its
    file:line:column; ``label`` prefixes the field path (``agents[reviewer]``).
    """
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p == "[key]"))
            code, summary, detail = _friendly(err, model, loc)
            if err["type"] == "missing":
                position = doc.position((*path, *loc[:-1]))
            else:
                # An error about a mapping key itself (pydantic's "[key]") points at the key.
                on_key = err["type"] == "extra_forbidden" or "[key]" in err["loc"]
                position = doc.position((*path, *loc), prefer_key=on_key)
            problems.append(
                Diagnostic("error", code, summary, position, _format_loc(label, loc), detail)
            )
        return None, problems


def _catalogue_files(project: Project, problems: list[Diagnostic]) -> list[Path]:
    """Every file the project's globs match, by real path, in display order.

    A match whose real path lies outside the project (a symlinked file or folder leading
    elsewhere) is refused as ``E003`` at the glob; the globs themselves were checked
    when the project was loaded (:func:`agentctl.catalogue.project.check_glob`).
    """
    import os

    from agentctl.catalogue.project import OUTSIDE_HINT

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
    first_seen: dict[tuple[str, str], Callable[[], Position]],
    *,
    builtin: bool = False,
) -> bool:
    """Register the entries of one catalogue file; False when a part of it could not be
    read as entries at all (not a mapping, an unknown section, a section that is not a
    list), so what it defines is unknown."""
    shown = display_path(file, catalogue.project.root)
    if builtin:
        from agentctl.catalogue.builtin import BUILTIN_LABEL

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
                f"a catalogue file must be a mapping, got {_yaml_kind(doc.data)}",
                doc.position(()),
                detail="Start the file with one of: " + ", ".join(f"{k}:" for k in KINDS) + ".",
            )
        )
        return False
    for kind, items in doc.data.items():
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
            whole = False
            continue
        if items is None:
            continue
        if not isinstance(items, list):
            problems.append(
                Diagnostic(
                    "error",
                    "E112",
                    f"'{kind}' must be a list of entries, got {_yaml_kind(items)}",
                    doc.position((kind,)),
                    path=kind,
                    detail=f"Write each entry as a list item: {kind}:\n  - name: …",
                )
            )
            whole = False
            continue
        model = ENTRY_MODELS[kind]
        for index, item in enumerate(items):
            label = _entry_label(kind, index, item)
            entry, errs = validate_model(model, item, doc, (kind, index), label)
            problems.extend(errs)
            if entry is None:
                catalogue.broken.update((kind, n) for n in _written_names(kind, item))
                continue
            located = Located(typing.cast(Entry, entry), doc, (kind, index), file.parent, file)
            name = getattr(entry, "name", None)
            if kind == "skills" and typing.cast(Skill, entry).source is not None:
                catalogue.pending_skills.append(typing.cast(Located[Skill], located))
                continue
            if kind == "skills":
                continue_name = _register_skill(catalogue, located, problems)
                if continue_name is None:
                    continue
                name = continue_name
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
                continue
            first_seen[(kind, name)] = here
            catalogue.kind(kind)[name] = located
            if builtin:
                catalogue.builtin.add((kind, name))
    return whole


def _register_skill(
    catalogue: Catalogue, located: Located[Any], problems: list[Diagnostic]
) -> str | None:
    from agentctl.catalogue.skills import read_skill

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
    first_seen: dict[tuple[str, str], Callable[[], Position]],
) -> None:
    """Read the skills taken from skill sources (offline: lock file and cache only)."""
    from agentctl.catalogue.skill_sources import locate_skill, verify_hash
    from agentctl.catalogue.skills import read_skill

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
    first_seen: dict[tuple[str, str], Callable[[], Position]] = {}
    files = _catalogue_files(project, problems)
    whole = not problems  # False once some file (or match) could not be read as a catalogue
    if not files and not problems:
        problems.append(
            Diagnostic(
                "error",
                "E002",
                "no catalogue files match " + ", ".join(project.config.catalogue),
                Position("agentctl.yaml"),
                "catalogue",
                "Create catalogue/*.yaml, or list your files' globs under 'catalogue:'.",
            )
        )
        whole = False
    from agentctl.catalogue.builtin import builtin_catalogue_files

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
    from agentctl.catalogue.skill_sources import read_lock

    try:
        catalogue.lock = read_lock(project)
    except DiagnosticError as exc:
        problems.extend(exc.diagnostics)
        whole = False
    if source_skills:
        _register_source_skills(catalogue, problems, first_seen)
    errors = [p for p in problems if p.severity == "error"]
    if errors and not (defer and whole):
        raise DiagnosticError([*problems, *catalogue.warnings])
    catalogue.problems = problems
    return catalogue


def input_files(catalogue: Catalogue) -> Iterable[Path]:
    """Every file the render depends on: project file, catalogue files, skill files."""
    yield catalogue.project.config_file
    yield from catalogue.files
    for content in catalogue.skill_contents.values():
        yield from (content.folder / rel for rel in content.files)

