"""What apply checks before it writes, and the lock it holds while it does.

Every refusal here comes before anything is written: drift without ``--force``
(:func:`refuse_drift`), a folder agentctl cannot write into (:func:`check_writable`),
another run holding the lock (:func:`apply_lock`) or having changed the ledger meanwhile
(:func:`refuse_if_changed`). Paths a ledger names are reached only inside the output
folder, never through a link (:func:`in_output`).
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path

from agentctl.apply.lock import LockHeld, hold
from agentctl.catalogue.project import Project, check_state_dir
from agentctl.diagnostics import display_path
from agentctl.plan import Plan
from agentctl.plan.ledger import Ledger, ledger_path
from agentctl.plan.saved import ApplyRefused
from agentctl.support.fsutil import (
    FileSystemError,
    UnsafePathError,
    atomic_write,
    confined,
    make_dirs,
    remove_stray_temps,
)

LOCK_FILE = "apply.lock"
CACHE_DIR = "cache"


def check_writable(project: Project) -> None:
    """Refuse, before anything is written, an output or state folder agentctl cannot
    write into: read-only file system, no permission, immutable.

    Checks the folder itself, or the closest existing folder above it when it does not
    exist yet. Raises :class:`FileSystemError` (EROFS or EACCES).
    """
    for folder in (project.output_dir, project.state_dir):
        existing = folder
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if os.access(existing, os.W_OK | os.X_OK):
            continue
        read_only = os.statvfs(existing).f_flag & os.ST_RDONLY
        raise FileSystemError(
            "write into", display_path(folder, project.root) + ("/" if folder.exists() else ""),
            errno.EROFS if read_only else errno.EACCES,
            note="" if folder == existing else
            f"(checked {display_path(existing, project.root) or '.'}, where it would be created)")


@contextlib.contextmanager
def apply_lock(project: Project, verb: str = "apply") -> Iterator[None]:
    """Create the state folder if needed and hold ``.agentctl/apply.lock`` meanwhile.

    Take it only once the run is going to write: before, nothing under ``.agentctl`` is
    created. ``verb`` (``apply``, ``destroy``) is recorded in the lock, so a run refused
    meanwhile names its holder. Raises :class:`ApplyRefused` when another run holds it,
    :class:`UnsafePathError` for a state folder that is a symlink (or holds one), and
    :class:`FileSystemError` when the folder or lock cannot be made.
    """
    problem = check_state_dir(project.root)
    if problem:
        raise UnsafePathError(problem)
    state = project.state_dir
    try:
        make_dirs(state, 0o755)
    except OSError as exc:
        raise FileSystemError.of("create the folder", display_path(state, project.root),
                                 exc) from None
    lock_path = state / LOCK_FILE
    try:
        with hold(lock_path, verb):
            ignore = state / ".gitignore"
            if not ignore.exists():
                atomic_write(ignore, b"# agentctl's lock; the ledger (state.json) may be "
                                     b"committed\n*.lock\n", 0o644)
            yield
    except FileSystemError as exc:  # paths shown from the project root, as everywhere
        raise shown(exc, project) from None
    except LockHeld as exc:
        raise ApplyRefused(
            f"{exc.holder} holds {display_path(lock_path, project.root)}; wait for it to "
            "finish, then run again. Nothing was written."
        ) from None


def refuse_drift(plan: Plan, *, force: bool) -> None:
    """Raise :class:`ApplyRefused` listing drifted files, unless ``force`` or there are none."""
    if plan.drifted and not force:
        listing = "\n".join(f"  {c.path}: {c.reason}" for c in plan.drifted)
        raise ApplyRefused(
            "these files were changed outside agentctl and would be overwritten or deleted:\n"
            f"{listing}\nMove your edits into the catalogue, or re-run with --force to "
            "discard them."
        )


def refuse_if_changed(project: Project, ledger: Ledger) -> None:
    """Raise :class:`ApplyRefused` when the ledger on disk is no longer the one ``ledger``
    was loaded from: another apply or destroy finished while this run planned or asked.
    Call it holding the lock."""
    if Ledger.read_digest(ledger_path(project)) != ledger.loaded_sha256:
        raise ApplyRefused(
            "another agentctl run changed the ledger while this one was planning; nothing "
            "was written. Run the command again to plan against the new state."
        )


def sweep_stray_temps(project: Project, ledger: Ledger) -> list[str]:
    """Remove the temp files an interrupted run left: in the state folder and its cache,
    and in every folder its intent (``ledger.pending``) names. Returns their paths."""
    folders: dict[str, set[str] | None] = {}
    for rel in ledger.pending:
        head, _, name = rel.rpartition("/")
        names = folders.setdefault(head, set())
        assert names is not None
        names.add(name)
    removed = []
    for head, names in sorted(folders.items()):
        try:
            folder = in_output(project, f"{head}/x").parent
        except UnsafePathError:
            continue  # outside the output folder or through a link: never ours to clean
        removed += [f"{head}/{n}" for n in remove_stray_temps(folder, names)]
    for folder in (project.state_dir, project.state_dir / CACHE_DIR):
        rel = display_path(folder, project.root)
        removed += [f"{rel}/{n}" for n in remove_stray_temps(folder)]
    return removed


def in_output(project: Project, rel: str) -> Path:
    """``rel`` (relative to the project root) as a path inside the output folder, never
    reached through a symlink. Raises :class:`UnsafePathError` for anything else: a
    ledger (which may be committed, hence edited) cannot make apply touch other files."""
    out_rel = display_path(project.output_dir, project.root)
    if not rel.startswith(out_rel + "/"):
        raise UnsafePathError(f"{rel!r} is outside the output folder {out_rel}/")
    return confined(project.output_dir, rel.removeprefix(out_rel + "/"))


def shown(exc: FileSystemError, project: Project) -> FileSystemError:
    """``exc`` with its path relative to the project root, as every message shows paths."""
    exc.path = display_path(Path(exc.path), project.root)
    return exc
