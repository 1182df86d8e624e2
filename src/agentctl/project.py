"""Finding a project and reading its ``agentctl.yaml``.

A project is a folder holding ``agentctl.yaml``; it is found by walking up from the
current directory, or given with ``-C DIR``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from agentctl.diagnostics import Diagnostic, DiagnosticError, Position

if TYPE_CHECKING:
    from agentctl.schema import ProjectConfig

PROJECT_FILE = "agentctl.yaml"
STATE_DIR = ".agentctl"
#: Largest catalogue, instruction or project file read, in bytes.
MAX_INPUT_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Project:
    """A located project: ``root`` folder, its parsed config and derived folders."""

    root: Path
    config: ProjectConfig

    @property
    def name(self) -> str:
        """Compose project name: ``name`` from agentctl.yaml, else the folder name."""
        if self.config.name:
            return self.config.name
        slug = re.sub(r"[^a-z0-9-]+", "-", self.root.name.lower()).strip("-")
        return slug or "agentctl"

    @property
    def output_dir(self) -> Path:
        """Absolute folder rendered files go into."""
        return (self.root / self.config.output).resolve()

    @property
    def state_dir(self) -> Path:
        """``.agentctl/`` under the root: ledger and lock."""
        return self.root / STATE_DIR

    @property
    def config_file(self) -> Path:
        """Absolute path of ``agentctl.yaml``."""
        return self.root / PROJECT_FILE


def find_project_root(start: Path) -> Path | None:
    """Return the closest folder at or above ``start`` holding ``agentctl.yaml``, or None."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / PROJECT_FILE).is_file():
            return folder
    return None


def read_text(path: Path, shown: str) -> str:
    """Read a UTF-8 input file, refusing files over :data:`MAX_INPUT_BYTES`.

    Raises :class:`DiagnosticError` (``E103`` too large, ``E104`` unreadable or not UTF-8).
    """
    try:
        with path.open("rb") as handle:  # never more than the limit, even if it grows
            data = handle.read(MAX_INPUT_BYTES + 1)
            size = max(os.fstat(handle.fileno()).st_size, len(data))
        if len(data) > MAX_INPUT_BYTES:
            raise DiagnosticError(
                [
                    Diagnostic(
                        "error",
                        "E103",
                        f"file is {size} bytes; the limit is {MAX_INPUT_BYTES} bytes",
                        Position(shown),
                        detail="Split it into several files, or shorten it.",
                    )
                ]
            )
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DiagnosticError(
            [
                Diagnostic(
                    "error",
                    "E104",
                    f"not UTF-8 text (byte {exc.start})",
                    Position(shown),
                    detail="Save the file as UTF-8.",
                )
            ]
        ) from None
    except OSError as exc:
        raise DiagnosticError(
            [Diagnostic("error", "E104", f"cannot read: {exc.strerror}", Position(shown))]
        ) from None


def load_project(directory: Path | None = None, *, explicit: bool = False) -> Project:
    """Locate and parse the project at or above ``directory`` (default: the cwd).

    With ``explicit`` (``-C DIR``) only ``directory`` itself is considered.
    Raises :class:`DiagnosticError` when there is no ``agentctl.yaml`` or it is invalid.
    """
    from agentctl.load import validate_model
    from agentctl.schema import ProjectConfig
    from agentctl.yamlsource import load_yaml

    base = (directory or Path.cwd()).resolve()
    root = base if explicit and (base / PROJECT_FILE).is_file() else None
    if root is None and not explicit:
        root = find_project_root(base)
    if root is None:
        where = f"{base}" if explicit else f"{base} or any folder above it"
        raise DiagnosticError(
            [
                Diagnostic(
                    "error",
                    "E001",
                    f"no {PROJECT_FILE} in {where}",
                    detail="Run agentctl inside a project, or pass -C DIR naming the folder "
                    f"that holds {PROJECT_FILE}.",
                )
            ]
        )
    doc = load_yaml(read_text(root / PROJECT_FILE, PROJECT_FILE), PROJECT_FILE)
    data = doc.data if doc.data is not None else {}
    config, problems = validate_model(ProjectConfig, data, doc, (), "agentctl.yaml")
    if problems or config is None:
        raise DiagnosticError(problems)
    assert isinstance(config, ProjectConfig)
    output_problem = check_output(root, config.output)
    if output_problem:
        raise DiagnosticError([Diagnostic(
            "error", "E105", output_problem, doc.position(("output",)), "output",
            "Name a folder inside the project, relative to agentctl.yaml (default "
            "'deploy'), that is not a symlink to elsewhere.")])
    state_problem = check_state_dir(root)
    if state_problem:
        raise DiagnosticError([Diagnostic(
            "error", "E020", state_problem,
            detail=f"agentctl keeps its ledger, lock and render cache in {STATE_DIR}/ and "
            "never reads or writes them through a link. Remove it: agentctl creates the "
            "folder when it first writes.")])
    return Project(root=root, config=config)


#: Folders of a project agentctl never renders into.
RESERVED_OUTPUT = {STATE_DIR, ".git"}


def check_output(root: Path, output: str) -> str | None:
    """Why ``output`` cannot be the output folder of the project at ``root``, or None.

    It must be a relative path without ``..`` that resolves, symlinks followed, to a folder
    strictly inside ``root`` and outside :data:`RESERVED_OUTPUT`: every write is confined
    to it, so it must not be the project itself or lead elsewhere.
    """
    if output.startswith("/") or "\\" in output or ".." in output.split("/"):
        return f"'{output}' must be a relative path inside the project, without '..'"
    real_root = root.resolve()
    resolved = (real_root / output).resolve()
    if resolved == real_root:
        return f"'{output}' is the project folder itself"
    if not resolved.is_relative_to(real_root):
        return f"'{output}' leads outside the project (to {resolved}) through a symlink"
    top = resolved.relative_to(real_root).parts[0]
    if top in RESERVED_OUTPUT:
        return f"'{output}' is inside {top}/, which is not agentctl's to render into"
    for folder in (resolved, *resolved.parents):  # the closest one that exists
        if folder.exists():
            if not folder.is_dir():
                shown = folder.relative_to(real_root).as_posix()
                return (f"'{output}' cannot be a folder: {shown} is a file" if folder ==
                        resolved else f"'{output}' cannot be made: {shown} is a file")
            break
    return None


#: What agentctl keeps in the state folder; none of them may be a symlink.
STATE_ENTRIES = ("state.json", "apply.lock", ".gitignore", "cache", "cache/render.json",
                 "cache/render.stamp", "cache/.gitignore")


def check_state_dir(root: Path) -> str | None:
    """Why ``root/.agentctl`` cannot be agentctl's state folder, or None.

    Held to the output folder's rule: it (and each entry of :data:`STATE_ENTRIES` in it)
    must not be a symlink, and it must be a folder when it exists. Costs one ``lstat``
    per entry, on every verb.
    """
    import stat

    state = root / STATE_DIR
    try:
        mode = os.lstat(state).st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"{STATE_DIR} cannot be read: {exc.strerror}"
    if stat.S_ISLNK(mode):
        return f"{STATE_DIR} is a symlink (to {os.readlink(state)})"
    if not stat.S_ISDIR(mode):
        return f"{STATE_DIR} is a file, not a folder"
    for entry in STATE_ENTRIES:
        path = state / entry
        if os.path.islink(path):
            return f"{STATE_DIR}/{entry} is a symlink (to {os.readlink(path)})"
    return None
