"""Skills: SKILL.md folders, checked against the Agent Skills specification.

Spec: agentskills/agentskills ``docs/specification.mdx`` (summarised in the shared
``reference/runtimes.md``). A skill is a folder ``<name>/`` holding ``SKILL.md``: YAML
frontmatter then Markdown. Every other file in the folder travels with it, byte for byte.

What breaks rendering is an error; what only breaks the spec is a warning, because real
published skills break it (a 1068-character description, a name that differs from its
folder) and still work in every runtime:

* errors: no folder or SKILL.md, unreadable frontmatter, missing or malformed ``name``
  (it becomes a folder name), missing ``description``, a catalogue ``name`` that
  contradicts the frontmatter, a symlink leading outside the skill, a skill over
  :data:`MAX_SKILL_BYTES`;
* warnings: ``description`` over 1024 characters, ``name`` differing from the folder's
  name (agentctl installs it under ``name``), ``compatibility`` over 500 characters,
  ``metadata`` that is not text → text, ``allowed-tools`` that is neither a
  space-separated string nor a list of strings (both are the spec's forms), unknown
  frontmatter keys.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field

from agentctl.diagnostics import Diagnostic, DiagnosticError, Position, display_path

if TYPE_CHECKING:
    from agentctl.catalogue.load import Located
    from agentctl.catalogue.schema import Skill

SKILL_FILE = "SKILL.md"
SKILL_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: Largest skill folder copied into a workspace, in bytes.
MAX_SKILL_BYTES = 32 * 1024 * 1024
SPEC_KEYS = {"name", "description", "license", "compatibility", "metadata", "allowed-tools"}
#: Optional keys Claude Code reads on top of the spec (code.claude.com/docs skills).
CLAUDE_KEYS = {
    "argument-hint",
    "disable-model-invocation",
    "user-invocable",
    "model",
    "effort",
    "context",
    "agent",
    "hooks",
    "when_to_use",
    "version",
}
SKIPPED_DIRS = {".git"}


class SkillContent(Struct, frozen=True):
    """A skill read from disk: its ``name``, ``folder``, frontmatter and files.

    ``files`` maps each file's POSIX path relative to ``folder`` to its bytes;
    ``executable`` holds the paths whose owner-execute bit is set.
    """

    name: str
    folder: Path
    description: str
    frontmatter: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    executable: frozenset[str] = frozenset()


def _walk(folder: Path, shown: str) -> tuple[dict[str, bytes], set[str], list[Diagnostic]]:
    """The files of the skill at ``folder`` (``{posix path: bytes}``), the executable ones
    and the problems found (E304 links, E104 unreadable files, E305 past the size limit,
    where the walk stops); ``shown`` is the folder as diagnostics name it."""
    files: dict[str, bytes] = {}
    executable: set[str] = set()
    problems: list[Diagnostic] = []
    total = 0
    real_root = folder.resolve()
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
        here = Path(dirpath)
        problems.extend(_drop_linked_folders(here, dirnames, folder, shown))
        for name in sorted(filenames):
            path = here / name
            rel = path.relative_to(folder).as_posix()
            read, problem = _read_skill_file(path, rel, real_root, shown)
            if problem is not None:
                problems.append(problem)
            if read is None:
                continue
            data, info = read
            size = max(info.st_size, len(data))  # the read stops past the limit
            total += size
            if total > MAX_SKILL_BYTES:
                problems.append(
                    Diagnostic(
                        "error",
                        "E305",
                        f"'{rel}' ({size} bytes) takes the skill to {total} bytes; "
                        f"the limit is {MAX_SKILL_BYTES} bytes",
                        Position(f"{shown}/{rel}"),
                        detail="Move large assets out of the skill folder.",
                    )
                )
                return files, executable, problems
            files[rel] = data
            if info.st_mode & stat.S_IXUSR:
                executable.add(rel)
    return files, executable, problems


def _drop_linked_folders(here: Path, dirnames: list[str], folder: Path,
                         shown: str) -> list[Diagnostic]:
    """E304 for each symlinked folder among ``dirnames`` (of ``here``, inside the skill at
    ``folder``), removed from ``dirnames`` so the walk does not enter it."""
    problems: list[Diagnostic] = []
    for d in list(dirnames):
        if (here / d).is_symlink():
            dirnames.remove(d)
            rel = (here / d).relative_to(folder).as_posix()
            problems.append(
                Diagnostic(
                    "error",
                    "E304",
                    f"skill holds a symlinked folder '{rel}'",
                    Position(f"{shown}/{rel}"),
                    detail="Replace the link with a real folder; linked folders are "
                    "not copied into workspaces.",
                )
            )
    return problems


def _read_skill_file(path: Path, rel: str, real_root: Path, shown: str
                     ) -> tuple[tuple[bytes, os.stat_result] | None, Diagnostic | None]:
    """``((bytes, stat), None)`` for the skill file at ``path``; ``(None, None)`` when it is
    not a regular file (a FIFO, a socket: not part of the skill); ``(None, problem)`` for a
    symlink leading outside ``real_root`` (E304) or a file that cannot be read (E104)."""
    if path.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(real_root) or not target.is_file():
            return None, Diagnostic(
                "error",
                "E304",
                f"symlink '{rel}' leads outside the skill folder",
                Position(f"{shown}/{rel}"),
                detail="A skill travels as one folder: copy the file into it "
                "instead of linking to it.",
            )
    try:
        data, info = _read_regular(path.resolve() if path.is_symlink() else path)
    except OSError as exc:
        return None, Diagnostic(
            "error", "E104", f"cannot read '{rel}': {exc.strerror}",
            Position(f"{shown}/{rel}"),
            detail="Make it a readable file, or remove it from the skill.")
    return (None if data is None else (data, info)), None


def _is_dir(path: Path) -> bool:
    """``path.is_dir()``, False also for OS errors pathlib lets through (a name too long)."""
    try:
        return path.is_dir()
    except OSError:
        return False


def _read_regular(path: Path) -> tuple[bytes | None, os.stat_result]:
    """The bytes of ``path`` if it is a regular file (None otherwise), and its stat.

    Opened without following a final symlink and without waiting on a FIFO, then checked
    on the descriptor, so what is read is what was checked. Raises ``OSError``.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(
        os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, info
        # Never more than the skill limit, even from a file that grows while read.
        return handle.read(MAX_SKILL_BYTES + 1), info


def _frontmatter(text: str, shown: str) -> tuple[Any, str]:
    """Split SKILL.md into (YamlDocument of the frontmatter or None, body).

    python-frontmatter finds the ``---`` fences; the frontmatter is then read with
    agentctl's coercion-free loader. The text it returns starts with the newline that
    ends the opening fence, so YAML line numbers are SKILL.md line numbers.
    """
    from frontmatter.default_handlers import YAMLHandler

    from agentctl.catalogue.yamlsource import load_yaml

    handler = YAMLHandler()
    if not handler.detect(text):
        return None, text
    try:
        fm, body = handler.split(text)
    except ValueError:
        return None, text
    return load_yaml(fm, shown), body


def check_frontmatter(
    meta: dict[str, Any], folder_name: str, doc: Any, shown: str
) -> list[Diagnostic]:
    """Check SKILL.md frontmatter against the spec; see the module docstring for severities."""

    def at(key: str) -> Position:
        return doc.position((key,)) if doc is not None else Position(shown, 1, 1)

    out = [problem for problem in (_name_problem(meta.get("name"), folder_name, at),
                                   _description_problem(meta.get("description"), at))
           if problem is not None]
    out.extend(_shape_problems(meta, at))
    for key in sorted(set(meta) - SPEC_KEYS - CLAUDE_KEYS):
        out.append(
            Diagnostic("warning", "W306", f"unknown frontmatter key '{key}'", at(key),
                       detail="Runtimes ignore keys outside the Agent Skills spec.")
        )
    return out


def _name_problem(name: Any, folder_name: str,
                  at: Callable[[str], Position]) -> Diagnostic | None:
    """E306 (no ``name``), E307 (not a spec name) or W301 (not the folder's name), or None."""
    if not isinstance(name, str) or not name:
        return Diagnostic("error", "E306", "SKILL.md frontmatter has no 'name'", at("name"),
                          detail="Add 'name: <folder-name>' (lower-case letters, digits, '-').")
    if len(name) > 64 or not SKILL_NAME.match(name):
        return Diagnostic("error", "E307", f"skill name '{name}' breaks the Agent Skills spec",
                          at("name"),
                          detail="Use 1-64 lower-case letters, digits and single '-', not at "
                          "the start or end.")
    if name != folder_name:
        return Diagnostic("warning", "W301",
                          f"skill name '{name}' differs from its folder '{folder_name}'",
                          at("name"),
                          detail=f"The spec wants them equal; agentctl installs it as "
                          f"'{name}/'.")
    return None


def _description_problem(description: Any,
                         at: Callable[[str], Position]) -> Diagnostic | None:
    """E308 (no ``description``) or W302 (longer than the spec's 1024 characters), or None."""
    if not isinstance(description, str) or not description.strip():
        return Diagnostic("error", "E308", "SKILL.md frontmatter has no 'description'",
                          at("description"),
                          detail="Add 'description: …' saying what the skill does and when to "
                          "use it.")
    if len(description) > 1024:
        return Diagnostic("warning", "W302",
                          f"description is {len(description)} characters; the spec allows 1024",
                          at("description"),
                          detail="Some runtimes truncate long descriptions: shorten it.")
    return None


def _shape_problems(meta: dict[str, Any], at: Callable[[str], Position]) -> list[Diagnostic]:
    """W303-W305: ``compatibility``, ``metadata`` and ``allowed-tools`` of the wrong shape."""
    out: list[Diagnostic] = []
    compat = meta.get("compatibility")
    if compat is not None and (not isinstance(compat, str) or len(compat) > 500):
        out.append(
            Diagnostic("warning", "W303", "'compatibility' should be text of at most 500 "
                       "characters", at("compatibility"))
        )
    metadata = meta.get("metadata")
    if metadata is not None and not (
        isinstance(metadata, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())
    ):
        out.append(
            Diagnostic("warning", "W304", "'metadata' should map text to text", at("metadata"),
                       detail="Quote numbers and booleans inside metadata.")
        )
    tools = meta.get("allowed-tools")
    # The spec takes a space-separated string or a YAML list (agentskills/agentskills
    # docs/specification.mdx, 2026); anything else no runtime can read.
    if tools is not None and not (
        isinstance(tools, str) or (isinstance(tools, list)
                                   and all(isinstance(t, str) for t in tools))
    ):
        out.append(
            Diagnostic("warning", "W305", "'allowed-tools' should be a space-separated "
                       "string or a list of strings", at("allowed-tools"),
                       detail="Write allowed-tools: Read Grep, or a YAML list of tool "
                       "names; quote numbers and booleans.")
        )
    return out


def read_skill(
    skill: Skill, located: Located[Skill], root: Path, folder: Path | None = None
) -> tuple[SkillContent | None, list[Diagnostic]]:
    """Read and check the skill folder a catalogue entry points at.

    Returns the content (None when an error makes it unusable) and every diagnostic.
    ``located`` gives the entry's position for errors about the entry itself; ``folder``
    overrides the entry's ``path`` (a skill found in a skill source).
    """
    where = skill.path or f"{skill.source}:{skill.name}"
    label = f"skills[{skill.name or skill.path}]"
    field = "path" if skill.path else "name"
    if folder is None:
        from agentctl.catalogue.project import OUTSIDE_HINT, confine

        assert skill.path is not None
        folder, outside = confine(root, located.base_dir, skill.path)
        if outside:
            return None, [Diagnostic("error", "E230", outside, located.pos("path"),
                                     f"{label}.path", OUTSIDE_HINT)]
    shown = display_path(folder, root)
    if not _is_dir(folder):
        return None, [
            Diagnostic("error", "E301", f"skill folder '{where}' does not exist",
                       located.pos(field), f"{label}.{field}",
                       f"Looked for {folder}. Paths are relative to the catalogue file.")
        ]
    if not (folder / SKILL_FILE).is_file():
        return None, [
            Diagnostic("error", "E302", f"'{shown}' holds no {SKILL_FILE}",
                       located.pos(field), f"{label}.{field}",
                       "A skill is a folder with a SKILL.md (YAML frontmatter, then Markdown).")
        ]
    content, problems = read_skill_folder(folder, shown)
    name = content.name if content else None
    if skill.name and name and skill.name != name:
        problems.append(
            Diagnostic("error", "E303",
                       f"catalogue name '{skill.name}' differs from SKILL.md name '{name}'",
                       located.pos("name"), f"skills[{skill.name}].name",
                       "Remove 'name' from the catalogue entry or make the two agree.")
        )
    if any(p.severity == "error" for p in problems):
        return None, problems
    return content, problems


def read_skill_folder(folder: Path, shown: str) -> tuple[SkillContent | None, list[Diagnostic]]:
    """Read and check one folder holding ``SKILL.md`` (``shown`` is its display path).

    Returns the content (None when an error makes it unusable) and every diagnostic;
    the checks are those of the module docstring except the catalogue-entry ones.
    """
    skill_md = folder / SKILL_FILE
    md_shown = f"{shown}/{SKILL_FILE}"
    from agentctl.catalogue.project import read_text

    try:
        doc, _body = _frontmatter(read_text(skill_md, md_shown), md_shown)
    except DiagnosticError as exc:
        return None, list(exc.diagnostics)
    meta = doc.data if doc is not None else None
    if not isinstance(meta, dict):
        return None, [
            Diagnostic("error", "E306", f"{SKILL_FILE} has no YAML frontmatter mapping",
                       Position(md_shown, 1, 1),
                       detail="Start the file with '---', 'name: …', 'description: …', '---'.")
        ]
    problems = check_frontmatter(meta, folder.name, doc, md_shown)
    name = meta.get("name")
    files, executable, walk_problems = _walk(folder, shown)
    problems.extend(walk_problems)
    if any(p.severity == "error" for p in problems):
        return None, problems
    assert isinstance(name, str)
    return (
        SkillContent(
            name=name,
            folder=folder,
            description=str(meta.get("description", "")),
            frontmatter=meta,
            files=files,
            executable=frozenset(executable),
        ),
        problems,
    )
