"""The lock that keeps two writing runs (apply, destroy) of one project apart.

An advisory ``flock(2)`` on ``.agentctl/apply.lock``: the kernel releases it when its
process ends, however it ends (kill -9 included), so a lock is never left stale. The
holder writes who it is into the file (verb, pid, host, start time), and a run refused
meanwhile names it. The file is opened without following a symlink, and never
truncated before the lock is won, so a planted link or a waiting run cannot clobber
anything. POSIX only, like the rest of agentctl's file handling (``O_NOFOLLOW``).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import socket
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from agentctl.support.fsutil import FileSystemError, step


class LockHeld(Exception):
    """Another process holds the lock; ``holder`` describes it in words."""

    def __init__(self, holder: str) -> None:
        super().__init__(holder)
        self.holder = holder


def describe_holder(raw: bytes) -> str:
    """``agentctl destroy (pid 4242 on buildbox, since 2025-06-01 12:00:03 UTC)`` from the
    lock file's JSON, or ``another agentctl run`` when it says nothing readable."""
    try:
        doc = json.loads(raw.decode("utf-8"))
        verb, pid, host, since = (str(doc["verb"]), int(doc["pid"]), str(doc["host"]),
                                  str(doc["since"]))
    except (ValueError, KeyError, TypeError):
        return "another agentctl run"
    return f"agentctl {verb} (pid {pid} on {host}, since {since})"


@contextlib.contextmanager
def hold(path: Path, verb: str) -> Iterator[None]:
    """Hold the lock at ``path`` (created 0644 when missing) while the block runs.

    Raises :class:`LockHeld` at once when another process holds it (no waiting: the
    caller tells the user), :class:`FileSystemError` when the file cannot be opened.
    """
    step()
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK
                     | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        what = "open the lock" if exc.errno != errno.ELOOP else "open the lock (a symlink)"
        raise FileSystemError.of(what, path, exc) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise FileSystemError("lock", str(path), errno.EINVAL, "Not a regular file")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise LockHeld(describe_holder(os.pread(fd, 4096, 0))) from None
            raise FileSystemError.of("lock", path, exc) from None
        since = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
        holder = json.dumps({"verb": verb, "pid": os.getpid(), "host": socket.gethostname(),
                             "since": since}).encode() + b"\n"
        with contextlib.suppress(OSError):  # a full disk: the lock holds, unnamed
            os.ftruncate(fd, 0)
            os.pwrite(fd, holder, 0)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing releases the flock
