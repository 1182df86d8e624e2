"""Safe file writes: atomic replacement, exact modes, writes confined to one folder.

Every failure of the operating system on a user's file becomes a
:class:`FileSystemError` naming the operation, the path and the errno's meaning: the
user's disk being full, read-only or immutable is never reported as a bug.

Test hook: ``AGENTCTL_TEST_CRASH_AT=N`` makes the process SIGKILL itself at its Nth file
operation (creating, writing, replacing, linking or removing a file or folder), so the
crash tests can stop an apply at every point without an external debugger;
``AGENTCTL_TEST_CRASH_AT=count`` prints the number of file operations at exit instead.
Read once at import; unset, each operation costs one comparison.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import stat
import tempfile
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Literal, TypeVar

#: A path as a string or a :class:`~pathlib.Path` (functions taking it return the same type).
AnyPath = TypeVar("AnyPath", str, Path)


class UnsafePathError(Exception):
    """A path would leave the folder agentctl writes into (``..``, absolute, symlink)."""


#: What to do about an errno, appended to its message.
_HINTS = {
    errno.ENOSPC: "free space on that file system and run the command again",
    errno.EDQUOT: "free space within your quota and run the command again",
    errno.EROFS: "the file system is mounted read-only: remount it read-write or work in a "
                 "writable copy",
    errno.EPERM: "the file or its folder may be immutable or append-only (see `lsattr`; "
                 "`chattr -i` clears it), or owned by someone else",
    errno.EACCES: "check the permissions of the file and of its folder (and `lsattr` for an "
                  "immutable attribute)",
    errno.EISDIR: "a folder stands where agentctl writes a file: move it away",
    errno.ENOTDIR: "a file stands where agentctl needs a folder: move it away",
    errno.EEXIST: "a file stands where agentctl needs a folder: move it away",
}
#: Errors that concern the whole file system, not one file: an apply stops at the first.
DISK_WIDE = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO})


def explain(code: int | None, strerror: str | None = None) -> str:
    """``"No space left on device (ENOSPC)"``: the errno's meaning and its symbol."""
    name = errno.errorcode.get(code or 0, "")
    meaning = strerror or (os.strerror(code) if code else "unknown error")
    return f"{meaning} ({name})" if name else meaning


class FileSystemError(Exception):
    """The operating system refused ``operation`` on ``path``.

    ``str()`` is one line for the user: ``cannot write deploy/x.md: No space left on
    device (ENOSPC); free space on that file system and run the command again``.
    ``errno`` is the OS error number (None when unknown); ``note`` is appended as is.
    """

    def __init__(self, operation: str, path: str, code: int | None,
                 strerror: str | None = None, note: str = "") -> None:
        self.operation = operation
        self.path = path
        self.errno = code
        self.strerror = strerror
        self.note = note
        super().__init__(operation, path, code, strerror, note)

    @classmethod
    def of(cls, operation: str, path: str | Path, exc: OSError) -> FileSystemError:
        """Wrap ``exc`` (raised while doing ``operation`` on ``path``)."""
        return cls(operation, str(path), exc.errno, exc.strerror)

    @property
    def disk_wide(self) -> bool:
        """True for errors no other file on that file system would escape (full, read-only)."""
        return self.errno in DISK_WIDE

    def __str__(self) -> str:
        text = f"cannot {self.operation} {self.path}: {explain(self.errno, self.strerror)}"
        hint = _HINTS.get(self.errno or 0)
        return text + (f"; {hint}" if hint else "") + (f". {self.note}" if self.note else "")


def describe_os_error(exc: OSError) -> str:
    """One line for an :class:`OSError` nobody wrapped: its path and the errno's meaning."""
    where = f" {exc.filename}" if exc.filename is not None else ""
    if exc.filename2 is not None:
        where += f" → {exc.filename2}"
    text = f"file system error on{where}: {explain(exc.errno, exc.strerror)}" if where else (
        f"file system error: {explain(exc.errno, exc.strerror)}")
    hint = _HINTS.get(exc.errno or 0)
    return text + (f"; {hint}" if hint else "")


def _crash_setting() -> int:
    value = os.environ.get("AGENTCTL_TEST_CRASH_AT", "")
    if value == "count":
        import atexit
        import sys

        atexit.register(lambda: print(f"agentctl-test: {_ops} file operations", file=sys.stderr))
        return -1
    return int(value) if value.isdigit() else 0


_crash_at = _crash_setting()
_ops = 0


def step() -> None:
    """Count one file operation; see the module docstring (a no-op unless the hook is set)."""
    global _ops
    if _crash_at:
        _ops += 1
        if _ops == _crash_at:
            import signal

            os.kill(os.getpid(), signal.SIGKILL)


def sha256(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def check_relative(rel: str) -> None:
    """Raise :class:`UnsafePathError` unless ``rel`` is a clean relative POSIX path (no
    ``..``, ``.``, empty part, backslash or leading ``/``)."""
    if not rel or rel.startswith("/") or "\\" in rel or any(
        part in ("", ".", "..") for part in rel.split("/")
    ):
        raise UnsafePathError(f"refusing unsafe path {rel!r}")


def confined(root: Path, rel: str) -> Path:
    """Return ``root/rel``, refusing any path that resolves outside ``root``.

    Symlinks in existing parent folders are resolved first, so a link planted inside the
    output folder cannot redirect a write. Raises :class:`UnsafePathError`.
    """
    check_relative(rel)
    real_root = root.resolve()
    target = real_root.joinpath(*rel.split("/"))
    parent = target.parent.resolve()
    if not parent.is_relative_to(real_root):
        raise UnsafePathError(f"{rel!r} leads outside {root} through a symlink")
    if target.is_symlink():
        raise UnsafePathError(f"{rel!r} is a symlink; agentctl does not write through links")
    return parent / target.name


def folder_kind(path: str) -> Literal["missing", "link", "other"]:
    """What ``lstat`` finds at ``path``: nothing (``missing``), a symlink (``link``), or
    anything else (``other``, also when ``lstat`` fails otherwise: reading or writing
    there reports the real error)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "other"
    return "link" if stat.S_ISLNK(mode) else "other"


class FolderCheck:
    """Memoised :func:`confined` for reading many files in few folders (plan).

    ``inside(rel)`` (``rel`` relative to ``root``) is True when the folder holding it
    resolves inside ``scope`` (default ``root``; plan passes the output folder, so a link
    in it to elsewhere in the project counts as outside). Each folder costs one ``lstat``
    once, however many files it holds: a folder is inside when its parent is and it is
    not a symlink leading elsewhere. Raises :class:`UnsafePathError` for a path that is
    not a clean relative path.
    """

    def __init__(self, root: Path, scope: Path | None = None) -> None:
        self.real_root = (scope or root).resolve()
        self._root = str(root.resolve())  # plain strings: pathlib per folder is the cost
        self._inside: dict[str, bool] = {"": True}
        self._absent: set[str] = set()  # folders found missing (and those below them)

    def inside(self, rel: str) -> bool:
        """See the class docstring."""
        check_relative(rel)
        return self._folder(rel.rpartition("/")[0])

    def missing(self, rel: str) -> bool:
        """Whether the folder of ``rel`` (checked by :meth:`inside` first) was missing:
        nothing can stand at ``rel`` then, so it need not be looked for."""
        return rel.rpartition("/")[0] in self._absent

    def _folder(self, head: str) -> bool:
        known = self._inside.get(head)
        if known is not None:
            return known
        parent, _, _ = head.rpartition("/")
        ok = self._folder(parent)
        if ok and parent in self._absent:
            self._absent.add(head)
        elif ok:
            path = os.path.join(self._root, head)
            kind = folder_kind(path)
            if kind == "missing":
                self._absent.add(head)
            elif kind == "link":
                ok = Path(path).resolve().is_relative_to(self.real_root)
        self._inside[head] = ok
        return ok


def read_regular(path: str) -> tuple[os.stat_result | None, bytes | None]:
    """``(lstat, content)`` of ``path`` without following a final symlink.

    ``(None, None)`` when nothing is there; ``(stat, None)`` for a symlink, folder or other
    non-file (``S_ISLNK`` tells a link apart) or a file that cannot be read. One open,
    one ``fstat`` and one read for a file: a fleet's plan reads thousands of them.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return None, None
        try:
            return os.lstat(path), None  # ELOOP: a symlink; EACCES: unreadable
        except OSError:
            return None, None
    st: os.stat_result | None = None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return st, None
        chunks = [os.read(fd, st.st_size + 1)]  # one read, unless the file grew meanwhile
        while len(chunks[-1]) > (st.st_size if len(chunks) == 1 else 0):
            chunks.append(os.read(fd, 65536))
        return st, b"".join(chunks)
    except OSError:
        return st, None  # there, but unreadable: never mistaken for a missing file
    finally:
        os.close(fd)


def stage(path: Path, data: bytes, mode: int, *, durable: bool = True) -> Path:
    """Write ``data`` to a new temp file beside ``path`` with ``mode``; return its path.

    The temp file is created 0600 (``mkstemp``), written, fsynced (unless ``durable`` is
    False: the caller then flushes many files at once with ``os.sync()``), then chmod-ed,
    so a permissive umask never exposes it. :func:`commit` moves it into place.
    """
    make_dirs(path.parent, 0o700 if mode & 0o077 == 0 else 0o755)
    return stage_into(path, data, mode, durable)


def stage_into(path: Path, data: bytes, mode: int, durable: bool) -> Path:
    """:func:`stage` into a folder known to exist (no folder is checked or made)."""
    step()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            step()
            if durable:
                os.fsync(handle.fileno())
        os.chmod(tmp, mode)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return Path(tmp)


#: The name :func:`stage` gives a temp file (``tempfile.mkstemp``'s eight characters).
STRAY = re.compile(r"\.(?P<name>.+)\.[a-z0-9_]{8}\.tmp\Z")


def temp_name(path: AnyPath) -> AnyPath:
    """A fresh name beside ``path`` (a ``str`` or a ``Path``, returned as the same type) in
    the form :func:`stage` uses (for a kept old copy)."""
    import secrets

    head, name = os.path.split(path)
    fresh = os.path.join(head, f".{name}.{secrets.token_hex(4)}.tmp")
    return fresh if isinstance(path, str) else type(path)(fresh)


def remove_stray_temps(folder: Path, names: Collection[str] | None = None) -> list[str]:
    """Remove temp files an interrupted agentctl left in ``folder``; return their names.

    Only ``.NAME.XXXXXXXX.tmp`` files (:data:`STRAY`) whose NAME is in ``names`` (every
    NAME when None), so a user's own ``.something.tmp`` beside other files is kept. A
    missing folder holds none. Raises :class:`FileSystemError` when one cannot be removed.
    """
    try:
        entries = os.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as exc:
        raise FileSystemError.of("list", folder, exc) from None
    removed = []
    for entry in entries:
        match = STRAY.match(entry)
        if match and (names is None or match["name"] in names):
            remove(folder / entry, missing_ok=True)
            removed.append(entry)
    return removed


def remove(path: Path, *, missing_ok: bool = False) -> None:
    """Unlink ``path``. Raises :class:`FileSystemError` (or FileNotFoundError, unless
    ``missing_ok``)."""
    step()
    try:
        os.unlink(path)
    except FileNotFoundError:
        if not missing_ok:
            raise
    except OSError as exc:
        raise FileSystemError.of("delete", path, exc) from None


def make_dirs(folder: Path, mode: int) -> list[Path]:
    """Create ``folder`` with ``mode`` and its missing parents with 0755 (less the umask);
    return the folders created, outermost first.

    Unlike ``Path.mkdir(parents=True)``, no folder gets the 0777 default, so a umask of 0
    never leaves a world-writable folder, and the folder of private files (0600) is 0700.
    """
    missing = []
    current = folder
    while not current.exists():
        missing.append(current)
        current = current.parent
    return make_missing(missing[::-1], mode)


def make_missing(folders: Sequence[AnyPath], mode: int) -> list[AnyPath]:
    """Create ``folders``, each found missing, outermost first: the last with ``mode``, the
    others 0755 (less the umask, as :func:`make_dirs`). Returns those created; one that
    appeared meanwhile is skipped. Raises ``OSError`` for any other failure."""
    made = []
    for i, new in enumerate(folders):
        step()
        try:
            os.mkdir(new, mode if i == len(folders) - 1 else 0o755)
        except FileExistsError:
            continue
        made.append(new)
    return made


def commit(tmp: str | Path, path: str | Path) -> None:
    """Atomically replace ``path`` with the staged ``tmp``."""
    step()
    os.replace(tmp, path)
    step()


def atomic_write(path: Path, data: bytes, mode: int, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` atomically with exactly ``mode`` (see :func:`stage`).

    Raises :class:`FileSystemError`; a failed write leaves no temp file behind.
    """
    try:
        tmp = stage(path, data, mode, durable=durable)
    except OSError as exc:
        raise FileSystemError.of("write", path, exc) from None
    try:
        commit(tmp, path)
    except OSError as exc:
        discard(tmp)
        raise FileSystemError.of("replace", path, exc) from None


def discard(tmp: str | Path) -> None:
    """Remove a staged temp file that will not be committed."""
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def prune_empty_dirs(start: Path, stop: Path) -> None:
    """Remove ``start`` and its parents while empty, never ``stop`` or above it."""
    current = start
    stop = stop.resolve()
    while current.resolve() != stop and current.resolve().is_relative_to(stop):
        step()
        try:
            current.rmdir()
        except OSError:
            return
        current = current.parent
