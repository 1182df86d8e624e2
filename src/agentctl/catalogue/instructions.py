"""Reading the agents' ``instructions_file`` texts (input I/O, done while loading).

Each agent that names an ``instructions_file`` has it read once, confined to the
project (E230), as a regular file (E214) through
:func:`~agentctl.catalogue.project.read_text` (encoding and size checks). The result is
kept as data on the catalogue; :mod:`agentctl.resolve` decides which agent reports a
problem (the one writing the file, not each agent inheriting it through ``extends``).
"""

from __future__ import annotations

import stat
from pathlib import Path

from agentctl.catalogue.model import InstructionsText, Located
from agentctl.catalogue.project import OUTSIDE_HINT, Project, confine, read_text
from agentctl.catalogue.schema import Agent
from agentctl.diagnostics import Diagnostic, DiagnosticError, display_path


def not_a_file(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file (``does not exist``, ``is not a regular
    file``, an OS error such as a name too long), or None when it is a regular file."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return "does not exist"
    except OSError as exc:
        return f"cannot be read: {exc.strerror}"
    return None if stat.S_ISREG(info.st_mode) else "is not a regular file"


def read_instructions(project: Project, owner: Located[Agent], ifile: str) -> InstructionsText:
    """The text of ``owner``'s ``instructions_file`` ``ifile`` (relative to its catalogue
    file), or None with the problems why: E230 outside the project, E214 missing or not a
    regular file, or the diagnostics of :func:`read_text`."""
    path = f"agents[{owner.entry.name}].instructions_file"
    target, outside = confine(project.root, owner.base_dir, ifile)
    if outside:
        return InstructionsText(None, (Diagnostic(
            "error", "E230", outside, owner.pos("instructions_file"), path, OUTSIDE_HINT),))
    missing = not_a_file(target)
    if missing:
        return InstructionsText(None, (Diagnostic(
            "error", "E214", f"instructions file '{ifile}' {missing}",
            owner.pos("instructions_file"), path,
            f"Looked for {target}. Paths are relative to the catalogue file."),))
    try:
        text = read_text(target, display_path(target, project.root), root=project.root)
    except DiagnosticError as exc:
        return InstructionsText(None, tuple(exc.diagnostics), target)
    return InstructionsText(text, (), target)


def read_all_instructions(
    project: Project, agents: dict[str, Located[Agent]]
) -> dict[str, InstructionsText]:
    """:func:`read_instructions` for every agent in ``agents`` that names a file, by name."""
    found: dict[str, InstructionsText] = {}
    for name, loc in agents.items():
        if loc.entry.instructions_file is not None:
            found[name] = read_instructions(project, loc, loc.entry.instructions_file)
    return found
