"""Comparing one desired file with what stands on disk: the plan's file changes.

Shared by ``plan`` and ``render --check``: :func:`text_diff` (unified diff, a note for
binary or huge files) and :func:`read_plain` (a regular file's bytes, never through a
link). Env files are compared with their secret values in memory and described by
variable name only.
"""

from __future__ import annotations

import difflib
import os
import stat
from collections.abc import Callable
from pathlib import Path

from agentctl.catalogue.project import Project
from agentctl.plan.ledger import Ledger
from agentctl.plan.model import FileChange
from agentctl.plan.statcache import StatCache
from agentctl.support.envfile import parse_env_file
from agentctl.support.fsutil import FolderCheck, read_regular, sha256

MAX_DIFF_LINES = 400
#: Why plan neither reads nor writes a file: a folder on its way is a link leading out.
LINKED_OUT = "a folder on the way leads out of the output folder through a symlink"
#: Why a file whose bytes already match is still an update.
CATCH_UP = "already written by an interrupted apply; the ledger records it now"


def text_diff(path: str, old: bytes | None, new: bytes | None) -> str:
    """Unified diff of two versions of a text file; a note for binary or huge files."""
    try:
        a = old.decode("utf-8").splitlines(keepends=True) if old is not None else []
        b = new.decode("utf-8").splitlines(keepends=True) if new is not None else []
    except UnicodeDecodeError:
        return f"Binary file {path} differs\n"
    lines = list(
        difflib.unified_diff(
            a, b, fromfile=f"a/{path}" if old is not None else "/dev/null",
            tofile=f"b/{path}" if new is not None else "/dev/null",
        )
    )
    if len(lines) > MAX_DIFF_LINES:
        hidden = len(lines) - MAX_DIFF_LINES
        lines = [*lines[:MAX_DIFF_LINES], f"… {hidden} more diff lines not shown\n"]
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)


def read_plain(path: Path) -> bytes | None:
    """The bytes of the regular file at ``path``, or None (missing, a link, unreadable)."""
    try:
        return path.read_bytes() if path.is_file() and not path.is_symlink() else None
    except OSError:
        return None


def env_change_reason(
    old: bytes | None, new: bytes, parse: Callable[[bytes], dict[str, str] | None]
) -> tuple[str, list[str]]:
    """Why an env file changes (variables added, changed, removed: names only) and the
    changed names; ``parse`` reads the file's format (None when it is not in it)."""
    new_vars = parse(new) or {}
    old_vars = parse(old) if old is not None else {}
    if old_vars is None:
        return "not in agentctl's format; rewritten", sorted(new_vars)
    changed = sorted(
        k for k in set(old_vars) | set(new_vars) if old_vars.get(k) != new_vars.get(k)
    )
    return _describe(changed, old_vars, new_vars) or "mode", changed


def _describe(changed: list[str], old_vars: dict[str, str], new_vars: dict[str, str]) -> str:
    """``add A; change B; remove C``: the changed variables by what happens to them."""
    groups = (("add", [k for k in changed if k not in old_vars]),
              ("change", [k for k in changed if k in old_vars and k in new_vars]),
              ("remove", [k for k in changed if k not in new_vars]))
    return "; ".join(f"{verb} " + ", ".join(names) for verb, names in groups if names)


def mode_text(disk_mode: int, mode: int) -> str:
    """``mode 644 → 755``: a permission change as the plan words it."""
    return f"mode {oct(disk_mode)[2:]} → {oct(mode)[2:]}"


def compare_file(
    project: Project,
    ledger: Ledger,
    full: str,
    content: bytes,
    mode: int,
    agent: str | None,
    *,
    env: bool,
    parse: Callable[[bytes], dict[str, str] | None] = parse_env_file,
    folders: FolderCheck | None = None,
    env_names: list[str] | None = None,
    stats: StatCache | None = None,
) -> FileChange | None:
    """What differs between ``content``/``mode`` and the file at ``full`` (relative to the
    project root), as one change, or None when they match. Never reads through a link.

    A file whose bytes and mode already match but whose ledger record does not (an apply
    killed after writing it, before recording it) is an ``update``: apply brings the
    record up to date. A file holding the bytes the ledger's write-ahead intent names
    (``Ledger.pending``) is agentctl's own, never drift. With ``stats``, a (non-env) file
    whose stat matches its entry there and whose noted hash is ``content``'s is not read
    (:mod:`agentctl.plan.statcache`); a file read is noted in it.
    """
    # One open (never through a final symlink) and one fstat per file: a fleet plan
    # compares thousands of files. Folders on the way are checked first, once each.
    folders = folders or FolderCheck(project.root, project.output_dir)
    if not folders.inside(full):
        # a folder on the way links elsewhere: never read what it leads to
        return FileChange(full, "drift", agent, LINKED_OUT, None, env_file=env)
    path = os.path.join(project.root, full)
    stats = None if env else stats  # env files: no hashes of secret values kept
    absent = folders.missing(full)  # a first apply's files: nothing to look for
    same = None if absent else _unchanged(stats, full, path, content)
    if same is not None:
        return _file_change(ledger, full, (content, same.st_mode & 0o777), (content, mode),
                            agent)
    st, disk = (None, None) if absent else _read_noting(stats, full, path)
    if st is not None and stat.S_ISLNK(st.st_mode):
        return FileChange(full, "drift", agent, "a symlink stands here; agentctl will not "
                          "write through it", None, env_file=env)
    if disk is None:
        if st is not None:
            return FileChange(full, "drift", agent, "something that is not a file stands here",
                              None, env_file=env)
        if env:
            return FileChange(full, "create", agent, "new env file", None,
                              sorted(parse(content) or {}), env_file=True)
        lines = content.count(b"\n")
        return FileChange(full, "create", agent, f"new file, {lines} lines")
    disk_mode = st.st_mode & 0o777 if st is not None else 0
    if env:
        return _env_change(ledger, full, (disk, disk_mode), (content, mode), agent, parse,
                           env_names)
    return _file_change(ledger, full, (disk, disk_mode), (content, mode), agent)


def _unchanged(stats: StatCache | None, full: str, path: str, content: bytes
               ) -> os.stat_result | None:
    """The ``lstat`` of the file at ``path`` when ``stats`` vouches that it holds exactly
    ``content`` (same stat as noted, not racy, same hash); else None (read it)."""
    if stats is None:
        return None
    try:
        st = os.lstat(path)
    except OSError:
        return None
    known = stats.lookup(full, st)
    return st if known is not None and known == sha256(content) else None


def _read_noting(stats: StatCache | None, full: str, path: str
                 ) -> tuple[os.stat_result | None, bytes | None]:
    """:func:`read_regular` of ``path``, noting a regular file's stat and hash in
    ``stats`` (when given) under ``full``."""
    st, disk = read_regular(path)
    if stats is not None and st is not None and disk is not None:
        stats.note(full, st, sha256(disk))
    return st, disk


def _env_change(
    ledger: Ledger, full: str, disk: tuple[bytes, int], want: tuple[bytes, int],
    agent: str | None, parse: Callable[[bytes], dict[str, str] | None],
    env_names: list[str] | None,
) -> FileChange | None:
    """An env file standing where one is wanted: ``(bytes, mode)`` on disk and wanted."""
    same_bytes, same_mode = disk[0] == want[0], disk[1] == want[1]
    if same_bytes and same_mode:
        env_record = ledger.env_files.get(full)
        if env_record is None or env_record.variables != sorted(env_names or []):
            return FileChange(full, "update", agent, CATCH_UP, None, [], env_file=True)
        return None
    reason, changed = env_change_reason(disk[0], want[0], parse)
    if not same_mode and same_bytes:
        reason = mode_text(disk[1], want[1])
    return FileChange(full, "update", agent, reason, None, changed, env_file=True)


def _file_change(
    ledger: Ledger, full: str, disk: tuple[bytes, int], want: tuple[bytes, int],
    agent: str | None,
) -> FileChange | None:
    """A file standing where one is wanted: ``(bytes, mode)`` on disk and wanted."""
    record = ledger.files.get(full)
    content, mode = want
    if disk[0] == content:
        if disk[1] != mode:
            return FileChange(full, "update", agent, mode_text(disk[1], mode))
        if record is None:
            if ledger.pending.get(full) is not None:
                return FileChange(full, "update", agent, CATCH_UP)
            return FileChange(full, "update", agent,
                              "matches the catalogue; agentctl takes it over")
        if record.mode != mode or record.sha256 != sha256(content):
            return FileChange(full, "update", agent, CATCH_UP)
        return None
    diff = text_diff(full, disk[0], content)
    disk_sha = sha256(disk[0])
    if disk_sha == ledger.pending.get(full):
        return FileChange(full, "update", agent, "catalogue changed (since an interrupted "
                          "apply wrote it)", diff)
    if record is None:
        return FileChange(full, "drift", agent, "exists but agentctl did not write it", diff)
    if disk_sha != record.sha256:
        return FileChange(full, "drift", agent, "edited by hand since agentctl wrote it", diff)
    return FileChange(full, "update", agent, "catalogue changed", diff)


def folder_file_change(rel: str, path: Path, content: bytes, mode: int
                       ) -> tuple[str, str | None]:
    """How the file at ``path`` (shown as ``rel``) differs from ``content`` with ``mode``,
    as ``render --check`` words it: ``content`` and/or the mode change when the
    executable bit differs ("" when neither), and the unified diff when the bytes do."""
    old = path.read_bytes()
    why = []
    diff = None
    if old != content:
        why.append("content")
        diff = text_diff(rel, old, content)
    disk_mode = path.stat().st_mode
    if bool(disk_mode & 0o111) != bool(mode & 0o111):
        why.append(f"mode {oct(disk_mode & 0o777)} → {oct(mode)}")
    return ", ".join(why), diff
