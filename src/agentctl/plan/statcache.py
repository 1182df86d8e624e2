"""The plan's stat cache: a managed file whose stat did not change is not read again.

``plan`` compares every managed file on disk with the bytes the catalogue wants. For a
fleet that is thousands of reads; most files did not change since the last run. Like
git's index, ``.agentctl/cache/stat.json`` keeps per file (path relative to the project
root) what was last seen: size, ``st_mtime_ns``, ``st_ctime_ns``, inode and the sha256 of
its content. A file whose ``lstat`` shows the same five numbers is taken to hold those
bytes; anything else is read (and noted afresh).

The cache never hides a change:

* ``ctime`` and the inode are part of the match: restoring an edited file's mtime
  (``os.utime``, ``touch -r``) sets its ctime to now, and replacing it (an editor's save,
  ``git checkout``) gives it a new inode.
* Racy timestamps (git's "racy-git" rule): a file changed within the file system's
  timestamp granularity of the moment it was looked at could change again without its
  stat changing. So an entry is noted only when the file's mtime and ctime are older
  than :data:`~agentctl.support.racy.SETTLE_NS` before it was read, and on load an
  entry whose mtime or ctime is not older than the cache file's own mtime is not
  trusted (re-read).
* It is an optimisation, not a record: a missing, unreadable, corrupt or foreign-format
  cache is an empty one. As with the render cache (:mod:`agentctl.render.cache`), a
  cache is read only if it is the very file this machine wrote: ``stat.stamp`` beside it
  keeps its inode, size and mtime as written, so a cache that arrived any other way
  (committed, copied) is never read.
* It is written only into ``.agentctl/cache/`` (never through a symlink: the state folder
  is checked first, a linked cache folder or file is left alone) and only by a plan
  without errors. Apply never writes it: its files get new inodes (their entries miss and
  the next plan notes them afresh), and its last write stays the ledger's final save.

Env files hold secret values and are never noted (no hashes of secrets on disk).
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import time
from pathlib import Path

from agentctl.catalogue.project import check_state_dir
from agentctl.support.fsutil import FileSystemError, UnsafePathError, atomic_write, make_dirs
from agentctl.support.racy import SETTLE_NS, too_recent

#: Where the cache lives in the state folder, and its stamp beside it.
CACHE_FILE = Path("cache") / "stat.json"
STAMP_FILE = "stat.stamp"
FORMAT = 1

#: One entry: size, mtime_ns, ctime_ns, inode, sha256 of the content.
Entry = tuple[int, int, int, int, str]


class StatCache:
    """Per file, the stat and content hash last seen (see the module docstring).

    ``path`` None: an in-memory cache that is never saved (tests, ``render --check``).
    ``written_ns`` is the loaded cache file's mtime: entries not older are not trusted.
    ``settle_ns`` is how long a file must have been left alone before it is noted.
    """

    def __init__(self, path: Path | None = None, *, settle_ns: int = SETTLE_NS) -> None:
        self.path = path
        self.settle_ns = settle_ns
        self.entries: dict[str, Entry] = {}
        self.written_ns = 0
        self.changed = False
        if path is not None:
            self._load(path)

    @classmethod
    def for_state_dir(cls, state_dir: Path) -> StatCache:
        """The cache file under ``state_dir`` (``.agentctl/``)."""
        return cls(state_dir / CACHE_FILE)

    def _load(self, path: Path) -> None:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
            try:
                st = os.fstat(fd)
                if not stat.S_ISREG(st.st_mode):
                    return
                raw = os.read(fd, st.st_size + 1)
            finally:
                os.close(fd)
            if json.loads((path.parent / STAMP_FILE).read_bytes()) != _identity(st):
                return  # not the file agentctl wrote here: never trusted
            doc = json.loads(raw)
            if doc.get("format") != FORMAT:
                return
            # Unpacked, not type-checked: an entry of the wrong shape fails here, one of
            # the wrong types never equals a real stat or hash (lookup misses).
            entries: dict[str, Entry] = {
                rel: (size, mtime, ctime, ino, sha)
                for rel, (size, mtime, ctime, ino, sha) in doc["files"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return
        self.entries = entries
        self.written_ns = st.st_mtime_ns

    def lookup(self, rel: str, st: os.stat_result) -> str | None:
        """The sha256 of the content of ``rel`` (relative to the project root) when ``st``
        (its ``lstat`` now) matches the entry and the entry is not racy; else None."""
        entry = self.entries.get(rel)
        if entry is None or not stat.S_ISREG(st.st_mode):
            return None
        size, mtime, ctime, ino, sha = entry
        if (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino) != (size, mtime, ctime, ino):
            return None
        if max(mtime, ctime) >= self.written_ns:
            return None  # changed in the same tick as the cache was written: racy
        return sha

    def note(self, rel: str, st: os.stat_result, sha: str, *, now_ns: int | None = None
             ) -> None:
        """Remember that ``rel``, with stat ``st`` (taken before its content was read),
        holds content of hash ``sha``; a file changed within :attr:`settle_ns` of
        ``now_ns`` (default: now) is forgotten instead, as it may change unseen."""
        now = time.time_ns() if now_ns is None else now_ns
        entry = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, sha)
        if too_recent(st.st_mtime_ns, st.st_ctime_ns, now, self.settle_ns):
            if self.entries.pop(rel, None) is not None:
                self.changed = True
            return
        if self.entries.get(rel) != entry:
            self.entries[rel] = entry
            self.changed = True

    def forget(self, rel: str) -> None:
        """Drop ``rel``'s entry (a file agentctl is about to replace or delete)."""
        if self.entries.pop(rel, None) is not None:
            self.changed = True

    def save(self, root: Path) -> None:
        """Write the cache and its stamp when anything changed, into ``root``'s state
        folder only; skipped quietly when that folder is a link (or not a folder), the
        cache folder or file is a link, or the file system refuses (it only saves time)."""
        path = self.path
        if path is None or not self.changed or check_state_dir(root):
            return
        with contextlib.suppress(FileSystemError, UnsafePathError, OSError):
            make_dirs(path.parent, 0o755)
            ignore = path.parent / ".gitignore"
            if not os.path.lexists(ignore):  # a cache is never committed
                atomic_write(ignore, b"# agentctl's caches: safe to delete, never commit\n*\n",
                             0o644)
            if any(os.path.islink(p) for p in (path.parent, path, path.parent / STAMP_FILE)):
                return
            doc = {"format": FORMAT,
                   "files": {rel: list(e) for rel, e in sorted(self.entries.items())}}
            atomic_write(path, json.dumps(doc, separators=(",", ":")).encode(), 0o644,
                         durable=False)
            atomic_write(path.parent / STAMP_FILE, json.dumps(_identity(os.stat(path))).encode(),
                         0o644, durable=False)
            self.changed = False


def _identity(st: os.stat_result) -> list[int]:
    """What tells the file agentctl wrote from any other: inode, size, mtime in ns."""
    return [st.st_ino, st.st_size, st.st_mtime_ns]
