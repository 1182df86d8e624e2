"""Write a group of files so that it lands whole or not at all.

An agent's workspace is one group: its files only make sense together (an ``AGENTS.md``
naming a skill whose folder is missing would mislead the runtime). :func:`write_group`
stages every file first (a temp file beside its target: folders, permissions and disk
space fail here, before anything is replaced), keeps each file it is about to replace
(a hard link to it under a temp name, or its bytes when the file system cannot link),
then moves the staged files into place one by one. If a move fails (an immutable file,
a disk error), the files already moved are put back from what was kept, files that did
not exist are removed again, new folders are removed, and every temp file is deleted:
the group is as it was, and the error says why.

A kill -9 cannot be rolled back: each file is then its old or its new version, and the
temp files left (named ``.NAME.XXXXXXXX.tmp``, :data:`agentctl.support.fsutil.STRAY`) are removed
by the next apply (:func:`agentctl.support.fsutil.remove_stray_temps`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Sequence
from pathlib import Path

from msgspec import Struct

from agentctl.support.fsutil import (
    FileSystemError,
    UnsafePathError,
    check_relative,
    commit,
    discard,
    folder_kind,
    make_missing,
    read_regular,
    stage,
    step,
    temp_name,
)


class _Slot(Struct):
    """One file of a group on its way into place."""

    rel: str
    target: str  # resolved folder + name (strings: a fleet's apply handles thousands)
    tmp: str | None = None
    kept: str | None = None  # a hard link to the file being replaced
    old: tuple[bytes, int] | None = None  # its bytes and mode, when it could not be linked
    existed: bool = False
    moved: bool = False


def write_group(root: Path, items: Sequence[tuple[str, bytes, int]], *,
                durable: bool = True, scope: Path | None = None) -> None:
    """Write each ``(path relative to root, content, mode)`` of ``items``, all or none.

    ``durable=False`` skips the per-file fsync (the caller flushes many groups at once).
    Raises :class:`UnsafePathError` for a path leading out of ``scope`` (default
    ``root``; apply passes the output folder) or through a symlink, and
    :class:`FileSystemError` naming the path and the operation that failed; either way
    nothing of the group is left changed (see the module docstring).
    """
    slots: list[_Slot] = []
    place = _Place(root, scope)
    try:
        for rel, content, mode in items:
            slot = _Slot(rel, place.target(rel))
            slots.append(slot)
            _prepare(slot, content, mode, durable, place)
        for slot in slots:
            assert slot.tmp is not None
            try:
                commit(slot.tmp, slot.target)
            except OSError as exc:
                raise FileSystemError.of("replace", slot.rel, exc) from None
            slot.moved = True
            slot.tmp = None
    except BaseException as exc:
        problems = _undo(slots, place.made)
        if problems and isinstance(exc, FileSystemError):
            exc.note = ("Putting the group back failed too (" + "; ".join(problems)
                        + "): run apply again once the cause is fixed")
        raise
    for slot in slots:
        if slot.kept is not None:
            discard(slot.kept)


class _Place:
    """Where a group's files go: each folder resolved, checked and made once per group
    (a workspace holds many files in few folders; resolving each file's folder was most
    of a fleet's apply time). Paths are plain strings here: a fleet's apply places
    thousands of files, and ``pathlib`` objects cost more than the system calls."""

    def __init__(self, root: Path, scope: Path | None) -> None:
        self.real_root = str(root.resolve())
        self.real_scope = str((scope or root).resolve())
        self.scope_prefix = self.real_scope.rstrip("/") + "/"
        self.shown = scope or root
        self.folders: dict[str, str] = {"": self.real_root}  # resolved
        self.absent: set[str] = set()  # folders found missing: nothing below them exists
        self.checked: dict[str, str] = {}  # resolved and inside the scope
        self.ready: set[str] = set()
        self.made: list[Path] = []

    def target(self, rel: str) -> str:
        """``root/rel`` with its folder resolved; raises :class:`UnsafePathError` for a
        path that is not clean or whose folder resolves out of the scope."""
        check_relative(rel)
        head, _, name = rel.rpartition("/")
        folder = self.checked.get(head)
        if folder is None:
            folder = self._resolved(head)
            if folder != self.real_scope and not folder.startswith(self.scope_prefix):
                raise UnsafePathError(f"{rel!r} leads out of {self.shown} through a symlink; "
                                      "agentctl does not write through links")
            self.checked[head] = folder
        return f"{folder}/{name}"

    def _resolved(self, head: str) -> str:
        """``root/head`` resolved as ``Path.resolve`` would, from its resolved parent: one
        ``lstat`` per folder, not one per folder on the way for every folder, and none
        below a folder found missing."""
        folder = self.folders.get(head)
        if folder is None:
            parent, _, name = head.rpartition("/")
            folder = f"{self._resolved(parent) if parent else self.real_root}/{name}"
            kind = "missing" if parent in self.absent else folder_kind(folder)
            if kind == "missing":
                self.absent.add(head)
            elif kind == "link":
                folder = str(Path(folder).resolve())
            self.folders[head] = folder
        return folder

    def missing(self, rel: str) -> bool:
        """Whether :meth:`target` found the folder of ``rel`` missing (nothing was in it)."""
        return rel.rpartition("/")[0] in self.absent

    def make_folder(self, rel: str, mode: int) -> None:
        """Create the folder of ``rel`` (a path :meth:`target` placed; 0700 for private
        files, its missing parents 0755, as :func:`~agentctl.support.fsutil.make_dirs`
        does) unless made already. Only the folders :meth:`target` found missing are
        made, outermost first, without looking at the disk again
        (:func:`~agentctl.support.fsutil.make_missing`)."""
        head = rel.rpartition("/")[0]
        if head in self.ready:
            return
        missing = []
        folder = head
        while folder in self.absent and folder not in self.ready:
            missing.append(folder)
            folder = folder.rpartition("/")[0]
        made = make_missing([self.folders[new] for new in reversed(missing)],
                            0o700 if mode & 0o077 == 0 else 0o755)
        self.made.extend(Path(new) for new in made)
        self.ready.update(missing)
        self.ready.add(head)


def _prepare(slot: _Slot, content: bytes, mode: int, durable: bool, place: _Place) -> None:
    """Stage ``slot``'s new bytes and keep the file it will replace (none when its folder
    was found missing: a fleet's first apply writes thousands of such files)."""
    try:
        st = None if place.missing(slot.rel) else os.lstat(slot.target)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise FileSystemError.of("read", slot.rel, exc) from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        if stat.S_ISLNK(st.st_mode):
            raise UnsafePathError(f"{slot.rel!r} is a symlink; agentctl does not write "
                                  "through links")
        what = "Is a directory" if stat.S_ISDIR(st.st_mode) else "Not a regular file"
        raise FileSystemError("replace", slot.rel, errno.EISDIR, what)
    try:
        place.make_folder(slot.rel, mode)
        slot.tmp = _stage(slot.target, content, mode, durable)
    except OSError as exc:
        raise FileSystemError.of("write", slot.rel, exc) from None
    if st is not None:
        slot.existed = True
        _keep(slot)


def _stage(target: str, content: bytes, mode: int, durable: bool) -> str:
    """Write ``content`` to a new temp file beside ``target`` (named as
    :func:`~agentctl.support.fsutil.temp_name` names them, so an interrupted run's are
    swept), created 0600 and given ``mode`` once written, fsynced when ``durable``.

    :func:`~agentctl.support.fsutil.stage_into` with plain descriptors: no ``mkstemp``
    name sequence and no buffered file object per file (a fleet's apply stages
    thousands). Raises :class:`OSError`; a failed stage leaves no temp file.
    """
    step()
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    for attempt in range(10):
        tmp = temp_name(target)
        try:
            fd = os.open(tmp, flags, 0o600)
            break
        except FileExistsError:
            if attempt == 9:
                raise
    try:
        try:
            view = memoryview(content)
            while view:
                view = view[os.write(fd, view):]
            step()
            if durable:
                os.fsync(fd)
            os.fchmod(fd, mode)
        finally:
            os.close(fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def _keep(slot: _Slot) -> None:
    """Keep the file ``slot`` replaces: a hard link (no copy, no space), else its bytes."""
    kept = temp_name(slot.target)
    step()
    try:
        os.link(slot.target, kept)
        slot.kept = kept
        return
    except OSError:
        pass  # no hard links here (FAT, some network file systems) or an immutable file
    st, data = read_regular(slot.target)
    if st is None or data is None:
        raise FileSystemError("read", slot.rel, errno.EACCES, "Permission denied",
                              "agentctl keeps a file it replaces until its group lands")
    slot.old = (data, stat.S_IMODE(st.st_mode))


def _undo(slots: list[_Slot], made: list[Path]) -> list[str]:
    """Put every moved file back, delete every temp and kept file and new folder; return
    what could not be undone."""
    problems = []
    for slot in reversed(slots):
        try:
            if slot.moved:
                _restore(slot)
        except OSError as exc:
            problems.append(f"{slot.rel}: {exc.strerror or exc}")
        for leftover in (slot.tmp, slot.kept):
            if leftover is not None:
                discard(leftover)
    for folder in reversed(made):
        with contextlib.suppress(OSError):
            folder.rmdir()
    return problems


def _restore(slot: _Slot) -> None:
    if slot.kept is not None:
        commit(slot.kept, slot.target)
        slot.kept = None
    elif slot.old is not None:
        data, mode = slot.old
        commit(stage(Path(slot.target), data, mode), slot.target)
    elif not slot.existed:
        step()
        os.unlink(slot.target)
