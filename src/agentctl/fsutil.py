"""Safe file writes: atomic replacement, exact modes, writes confined to one folder."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path


class UnsafePathError(Exception):
    """A path would leave the folder agentctl writes into (``..``, absolute, symlink)."""


def sha256(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def confined(root: Path, rel: str) -> Path:
    """Return ``root/rel``, refusing any path that resolves outside ``root``.

    Symlinks in existing parent folders are resolved first, so a link planted inside the
    output folder cannot redirect a write. Raises :class:`UnsafePathError`.
    """
    if not rel or rel.startswith("/") or "\\" in rel or any(
        part in ("", ".", "..") for part in rel.split("/")
    ):
        raise UnsafePathError(f"refusing unsafe path {rel!r}")
    real_root = root.resolve()
    target = real_root.joinpath(*rel.split("/"))
    parent = target.parent.resolve()
    if not parent.is_relative_to(real_root):
        raise UnsafePathError(f"{rel!r} leads outside {root} through a symlink")
    if target.is_symlink():
        raise UnsafePathError(f"{rel!r} is a symlink; agentctl does not write through links")
    return parent / target.name


def stage(path: Path, data: bytes, mode: int) -> Path:
    """Write ``data`` to a new temp file beside ``path`` with ``mode``; return its path.

    The temp file is created 0600 (``mkstemp``), written, fsynced, then chmod-ed, so a
    permissive umask never exposes it. :func:`commit` moves it into place.
    """
    make_dirs(path.parent, 0o700 if mode & 0o077 == 0 else 0o755)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return Path(tmp)


def make_dirs(folder: Path, mode: int) -> None:
    """Create ``folder`` with ``mode`` and its missing parents with 0755 (less the umask).

    Unlike ``Path.mkdir(parents=True)``, no folder gets the 0777 default, so a umask of 0
    never leaves a world-writable folder, and the folder of private files (0600) is 0700.
    """
    missing = []
    current = folder
    while not current.exists():
        missing.append(current)
        current = current.parent
    for new in reversed(missing):
        with contextlib.suppress(FileExistsError):
            new.mkdir(mode if new == folder else 0o755)


def commit(tmp: Path, path: Path) -> None:
    """Atomically replace ``path`` with the staged ``tmp``."""
    os.replace(tmp, path)


def atomic_write(path: Path, data: bytes, mode: int) -> None:
    """Write ``data`` to ``path`` atomically with exactly ``mode``."""
    commit(stage(path, data, mode), path)


def discard(tmp: Path) -> None:
    """Remove a staged temp file that will not be committed."""
    with contextlib.suppress(OSError):
        tmp.unlink()


def prune_empty_dirs(start: Path, stop: Path) -> None:
    """Remove ``start`` and its parents while empty, never ``stop`` or above it."""
    current = start
    stop = stop.resolve()
    while current.resolve() != stop and current.resolve().is_relative_to(stop):
        try:
            current.rmdir()
        except OSError:
            return
        current = current.parent
