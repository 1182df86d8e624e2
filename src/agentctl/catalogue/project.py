"""Finding a project and reading its ``agentctl.yaml``.

A project is a folder holding ``agentctl.yaml``; it is found by walking up from the
current directory, or given with ``-C DIR``.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from msgspec import Struct, field

from agentctl.catalogue.validation import validate_model
from agentctl.diagnostics import Diagnostic, DiagnosticError, Position

if TYPE_CHECKING:
    from agentctl.catalogue.project_schema import ProjectConfig
    from agentctl.catalogue.yamlsource import YamlDocument

PROJECT_FILE = "agentctl.yaml"
STATE_DIR = ".agentctl"
#: Largest catalogue, instruction or project file read, in bytes.
MAX_INPUT_BYTES = 4 * 1024 * 1024


class Project(Struct, frozen=True):
    """A located project: ``root`` folder, its parsed config and derived folders.

    ``positions`` maps each field path of agentctl.yaml (``("catalogue", 0)``,
    ``("secrets", "default", "backend")``) to where its value is written, for errors found
    after loading. Not hashable (``positions`` is a mapping).
    """

    root: Path
    config: ProjectConfig
    positions: Mapping[tuple[str | int, ...], Position] = field(default_factory=dict)

    def position(self, *path: str | int) -> Position:
        """Where ``path`` is written in agentctl.yaml: the nearest written parent when the
        path itself is not (a default), the file itself when nothing of it is."""
        key = tuple(path)
        while key:
            if key in self.positions:
                return self.positions[key]
            key = key[:-1]
        return Position(PROJECT_FILE)

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


def _utf8_error(data: bytes, exc: UnicodeDecodeError, shown: str) -> Diagnostic:
    """E104 at the line and column (in characters) of the first byte that is not UTF-8."""
    start = exc.start
    line_start = data.rfind(b"\n", 0, start) + 1
    column = len(data[line_start:start].decode("utf-8", errors="replace")) + 1
    return Diagnostic(
        "error", "E104", f"not UTF-8 text (byte {start}: 0x{data[start]:02x})",
        Position(shown, data.count(b"\n", 0, start) + 1, column, start),
        detail="Save the file as UTF-8.",
    )


def read_text(path: Path, shown: str, *, root: Path | None = None) -> str:
    """Read a UTF-8 input file, refusing files over :data:`MAX_INPUT_BYTES`.

    Only a regular file is read (a FIFO or device is refused, never waited on). With
    ``root``, the file must also lie inside that folder once every symlink is followed,
    checked again on the opened descriptor, so a link swapped in after an earlier check
    cannot lead the read elsewhere (E230, as :func:`confine`).
    Raises :class:`DiagnosticError` (``E103`` too large, ``E104`` unreadable, not a regular
    file or not UTF-8, with the line and column of the first bad byte).
    """
    try:
        target = path
        if root is not None:
            target = Path(os.path.realpath(path))
            _check_inside(root, target, shown)
        flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
        if root is not None:
            flags |= getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(target, flags)
        with os.fdopen(fd, "rb") as handle:  # never more than the limit, even if it grows
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise DiagnosticError([Diagnostic(
                    "error", "E104", "not a regular file", Position(shown),
                    detail="Name a file here (not a folder, pipe or device).")])
            if root is not None:
                _check_inside(root, _opened_path(fd, target), shown)
            data = handle.read(MAX_INPUT_BYTES + 1)
            size = max(info.st_size, len(data))
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
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DiagnosticError([_utf8_error(data, exc, shown)]) from None
    except OSError as exc:
        raise DiagnosticError(
            [Diagnostic("error", "E104", f"cannot read: {exc.strerror}", Position(shown))]
        ) from None


def _opened_path(fd: int, fallback: Path) -> Path:
    """The path the kernel says ``fd`` is open on (Linux ``/proc``), else ``fallback``."""
    try:
        return Path(os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:
        return fallback


def _check_inside(root: Path, real: Path, shown: str) -> None:
    real_root = Path(os.path.realpath(root))
    if not real.is_relative_to(real_root):
        raise DiagnosticError([Diagnostic(
            "error", "E230", f"'{shown}' leads outside the project (to {real})",
            Position(shown), detail=OUTSIDE_HINT)])


#: How to fix a path that leaves the project (E003, E230).
OUTSIDE_HINT = (
    "agentctl reads only files inside the project folder (the one holding agentctl.yaml): "
    "copy the file or folder into the project and name it by a relative path."
)


def confine(root: Path, base: Path, rel: str) -> tuple[Path, str | None]:
    """Resolve ``rel`` (written relative to the folder ``base``) inside the project ``root``.

    Returns the real path (every symlink followed) and None, or that path and why it is
    refused: ``rel`` holds a NUL or is absolute, or it leads outside ``root``
    through ``..`` or through a symlink (checked on real paths, so a project reached
    through a symlinked folder still works). Callers report the reason as ``E230`` at the
    field that names ``rel``, with :data:`OUTSIDE_HINT`.
    """
    if "\0" in rel:
        return Path(rel.replace("\0", "")), f"'{rel.replace(chr(0), '␀')}' holds a NUL character"
    if os.path.isabs(rel):
        return Path(rel), f"'{rel}' is an absolute path"
    real_root = Path(os.path.realpath(root))
    real = Path(os.path.realpath(base / rel))
    if real == real_root or real.is_relative_to(real_root):
        return real, None
    lexical = Path(os.path.normpath(Path(os.path.realpath(base)) / rel))
    how = "through '..'" if not lexical.is_relative_to(real_root) else "through a symlink"
    return real, f"'{rel}' leads outside the project {how} (to {real})"


#: Checks ``target:`` of agentctl.yaml (its name, where it is written) → problems. The
#: catalogue does not know which targets exist: the render layer passes the check in
#: (:func:`agentctl.render.pipeline.target_problems`).
TargetCheck = Callable[[str, Position], list[Diagnostic]]


def load_project(directory: Path | None = None, *, explicit: bool = False,
                 check_target: TargetCheck | None = None) -> Project:
    """Locate and parse the project at or above ``directory`` (default: the cwd).

    With ``explicit`` (``-C DIR``) only ``directory`` itself is considered.
    ``check_target`` checks ``target:`` so its problems come with the file's others.
    Raises :class:`DiagnosticError` when there is no ``agentctl.yaml`` or it is invalid.
    """
    from agentctl.catalogue.project_schema import ProjectConfig
    from agentctl.catalogue.yamlsource import load_yaml

    root = _locate_root((directory or Path.cwd()).resolve(), explicit, directory)
    doc = load_yaml(read_text(root / PROJECT_FILE, PROJECT_FILE), PROJECT_FILE)
    data = doc.data if doc.data is not None else {}
    config, problems = validate_model(ProjectConfig, data, doc, (), "agentctl.yaml")
    if problems or config is None:
        raise DiagnosticError(problems)
    assert isinstance(config, ProjectConfig)
    problems = _config_problems(root, config, doc, check_target)
    if problems:
        raise DiagnosticError(problems)
    positions = {tuple(path): doc.position(path) for path in doc.value_nodes if path}
    return Project(root=root, config=config, positions=positions)


def _locate_root(base: Path, explicit: bool, given: Path | None = None) -> Path:
    """The folder holding ``agentctl.yaml``: ``base`` itself when ``explicit`` (``-C
    DIR``, ``given`` as typed), else ``base`` or the nearest folder above it. Raises
    :class:`DiagnosticError` (E001), saying precisely what is wrong with a ``-C`` folder."""
    if explicit:
        if (base / PROJECT_FILE).is_file():
            return base
        raise DiagnosticError([_no_project_at(base, given if given is not None else base)])
    root = find_project_root(base)
    if root is None:
        raise DiagnosticError([Diagnostic(
            "error", "E001", f"no {PROJECT_FILE} in {base} or any folder above it",
            detail="Run agentctl inside a project, or pass -C DIR naming the folder "
            f"that holds {PROJECT_FILE}; `agentctl init DIR` creates one.")])
    return root


def _no_project_at(base: Path, given: Path) -> Diagnostic:
    """E001 for ``-C DIR``: no such folder, not a folder, or no agentctl.yaml in it."""
    if not base.exists():
        summary, detail = (f"-C {given}: no such folder ({base})",
                           "Check the path; `agentctl init DIR` creates a new project.")
    elif not base.is_dir():
        summary, detail = (f"-C {given}: not a folder ({base})",
                           f"-C names the folder that holds {PROJECT_FILE}.")
    else:
        summary, detail = (f"-C {given}: no {PROJECT_FILE} in {base}",
                           f"-C names the folder that holds {PROJECT_FILE}; create one "
                           f"there with `agentctl init {given}`.")
    return Diagnostic("error", "E001", summary, detail=detail)


def _config_problems(root: Path, config: ProjectConfig, doc: YamlDocument,
                     check_target: TargetCheck | None) -> list[Diagnostic]:
    """What a well-formed ``agentctl.yaml`` at ``root`` still gets wrong, in file order:
    its output folder (E105), catalogue globs (E003), target (``check_target``) and the
    state folder beside it (E020)."""
    problems: list[Diagnostic] = []
    output_problem = check_output(root, config.output)
    if output_problem:
        problems.append(Diagnostic(
            "error", "E105", output_problem, doc.position(("output",)), "output",
            "Name a folder inside the project, relative to agentctl.yaml (default "
            "'deploy'), that is not a symlink to elsewhere."))
    for i, pattern in enumerate(config.catalogue):
        glob_problem = check_glob(pattern)
        if glob_problem:
            problems.append(Diagnostic(
                "error", "E003", glob_problem, doc.position(("catalogue", i)),
                f"catalogue[{i}]", "Write a glob relative to agentctl.yaml that stays inside "
                "the project, e.g. catalogue/**/*.yaml."))
    if config.target is not None and check_target is not None:
        problems.extend(check_target(config.target, doc.position(("target",))))
    state_problem = check_state_dir(root)
    if state_problem:
        problems.append(Diagnostic(
            "error", "E020", state_problem,
            detail=f"agentctl keeps its ledger, lock and render cache in {STATE_DIR}/ and "
            "never reads or writes them through a link. Remove it: agentctl creates the "
            "folder when it first writes."))
    return problems


#: Most ``**`` parts one catalogue glob may hold: each one walks every folder below it
#: again, so the work grows as (folders) to that power.
MAX_GLOBSTARS = 2


def check_glob(pattern: str) -> str | None:
    """Why the catalogue glob ``pattern`` is refused, or None.

    A glob must be relative (an absolute one would read anywhere, and pathlib cannot even
    walk it), must not climb out with ``..``, and may hold at most :data:`MAX_GLOBSTARS`
    ``**`` parts. Files it matches through a symlink leading out of the project are
    refused when the catalogue is loaded.
    """
    parts = pattern.split("/")
    if os.path.isabs(pattern):
        return f"glob '{pattern}' is an absolute path; it must stay inside the project"
    if ".." in parts:
        return f"glob '{pattern}' climbs out of the project with '..'"
    if sum(1 for part in parts if part == "**") > MAX_GLOBSTARS:
        return (f"glob '{pattern}' holds more than {MAX_GLOBSTARS} '**' parts, each of which "
                "walks every folder below it again")
    if not pattern.strip("/"):
        return "an empty glob matches nothing"
    return None


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
