"""Writing a whole tree of files at once: each folder checked once, never through a link.

Split from :mod:`agentctl.support.fsutil` (whose atomic staging and error types it uses):
``render --out`` writes a fleet's thousands of files through :func:`write_tree`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

from agentctl.support.fsutil import (
    FileSystemError,
    UnsafePathError,
    check_relative,
    commit,
    discard,
    make_dirs,
    stage_into,
)
from agentctl.support.workers import fork_map

#: Files a ``write_tree`` worker process must have to be worth starting.
FILES_PER_WORKER = 500


def write_tree(root: Path, files: dict[str, tuple[bytes, int]], *,
               durable: bool = True, atomic: bool = True, workers: int = 1) -> None:
    """Write every ``{relative path: (content, mode)}`` under ``root``, each atomically.

    Like :func:`~agentctl.support.fsutil.confined` +
    :func:`~agentctl.support.fsutil.atomic_write` per file, but each folder is created and
    checked once (a fleet's tree holds thousands of files in far fewer folders), and no
    folder on the way may be a symlink at all. ``durable=False`` skips fsync altogether
    (the files are visible at once; only a power cut could lose them, and an inspection
    copy is rendered again; a system-wide ``sync`` made ``render --out`` wait for every
    other process's writes too); ``atomic=False`` (an inspection copy nobody reads while
    it is written) writes each file in place, still never through a symlink
    (``O_NOFOLLOW``). ``workers`` > 1 shares the top two folder levels (one agent's
    workspace each) among that many forked processes (:mod:`agentctl.support.workers`): creating
    thousands of files and folders is mostly kernel time, which they spread over CPUs.
    Every path is checked before anything is written. Raises :class:`UnsafePathError`, and
    :class:`FileSystemError` when ``root`` is not a folder or a write fails.
    """
    for rel in files:
        check_relative(rel)
    if root.exists() and not root.is_dir():
        raise FileSystemError("write into", str(root), None, "it is a file, not a folder")
    try:
        make_dirs(root, 0o755)
    except OSError as exc:
        raise FileSystemError.of("create the folder", root, exc) from None
    real_root = str(root.resolve())
    items = list(files.items())
    if workers <= 1:
        _write_files(real_root, items, atomic=atomic, durable=durable)
        return
    groups: dict[str, list[tuple[str, tuple[bytes, int]]]] = {}
    for rel, spec in items:  # folders shared by groups are made by whichever comes first
        groups.setdefault("/".join(rel.split("/")[:2]), []).append((rel, spec))
    batches = list(groups.values())
    fork_map(lambda i: _write_files(real_root, batches[i], atomic=atomic, durable=durable),
             len(batches), workers)


def _write_files(real_root: str, items: list[tuple[str, tuple[bytes, int]]], *,
                 atomic: bool, durable: bool) -> None:
    checked: dict[str, str] = {"": real_root}  # plain strings: pathlib per folder costs

    def folder(rel_folder: str) -> str:
        found = checked.get(rel_folder)
        if found is None:
            head, _, tail = rel_folder.rpartition("/")
            found = os.path.join(folder(head), tail)
            with contextlib.suppress(FileExistsError):
                os.mkdir(found, 0o755)  # never the 0777 default: a umask of 0 is no excuse
            if not stat.S_ISDIR(os.lstat(found).st_mode):  # a symlink or a file
                raise UnsafePathError(f"{rel_folder!r} is a symlink or not a folder; agentctl "
                                      "does not write through links")
            checked[rel_folder] = found
        return found

    for rel, (content, mode) in items:
        head, _, name = rel.rpartition("/")
        try:
            target = os.path.join(folder(head), name)
            if not atomic:
                _write_in_place(target, rel, content, mode)
                continue
            if os.path.islink(target):
                raise UnsafePathError(f"{rel!r} is a symlink; agentctl does not write through "
                                      "links")
            tmp = stage_into(Path(target), content, mode, durable)
        except OSError as exc:
            raise FileSystemError.of("write", os.path.join(real_root, rel), exc) from None
        try:
            commit(tmp, Path(target))
        except OSError as exc:
            discard(tmp)
            raise FileSystemError.of("replace", target, exc) from None


def _write_in_place(target: str, rel: str, content: bytes, mode: int) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
    try:
        fd = os.open(target, flags, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafePathError(
                f"{rel!r} is a symlink; agentctl does not write through links") from None
        raise
    try:
        os.fchmod(fd, mode)
        view = memoryview(content)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
