"""Syncing skill sources: the only step that reaches a git remote (``agentctl skills sync``).

A git source is mirrored once under the cache (:func:`~agentctl.catalogue.skill_sources.
mirror_dir`), its ref resolved to a commit (the locked one unless ``--update`` or the
source changed) and that commit's tree extracted once into the cache; a local source is
read in place. :func:`sync` computes the new lock, :func:`write_lock` writes it.
See :mod:`agentctl.catalogue.skill_sources` for the lock's format and offline loading.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from msgspec import Struct, field

from agentctl.catalogue.load import Catalogue, Located
from agentctl.catalogue.project import Project
from agentctl.catalogue.schema import SkillSource
from agentctl.catalogue.skill_sources import (
    SkillSourceError,
    discover,
    local_root,
    lock_path,
    lock_text,
    mirror_dir,
    skill_hash,
    tree_dir,
)
from agentctl.catalogue.skills import _is_dir
from agentctl.diagnostics import Diagnostic, DiagnosticError, display_path
from agentctl.support.fsutil import atomic_write

#: Seconds one git command may take before it is stopped.
GIT_TIMEOUT = 300
#: The only transports git may use (``GIT_ALLOW_PROTOCOL``, git-config(1) "protocol.allow"):
#: a URL naming another (``ext::``, ``fd::``, plain ``http``, ``git://``) fails at once
#: instead of running a command or waiting on a descriptor. ``file`` covers plain paths.
GIT_PROTOCOLS = "https:ssh:file"
#: A transfer slower than this many bytes per second for :data:`GIT_STALL_SECONDS` is
#: abandoned (git-config(1) ``http.lowSpeedLimit``/``http.lowSpeedTime``).
GIT_STALL_BYTES = 1000
GIT_STALL_SECONDS = 60


def git_env() -> dict[str, str]:
    """The environment every git command runs in: no prompt, only :data:`GIT_PROTOCOLS`."""
    return {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C",
            "GIT_ALLOW_PROTOCOL": GIT_PROTOCOLS, "GIT_PROTOCOL_FROM_USER": "0"}


def _git(*args: str, cwd: Path | None = None) -> str:
    stall = ["-c", f"http.lowSpeedLimit={GIT_STALL_BYTES}",
             "-c", f"http.lowSpeedTime={GIT_STALL_SECONDS}"]
    try:
        proc = subprocess.run(["git", *stall, *args], cwd=cwd, env=git_env(),
                              capture_output=True, text=True, timeout=GIT_TIMEOUT, check=False)
    except FileNotFoundError:
        raise SkillSourceError("git is not installed; install git to use git skill "
                               "sources") from None
    except subprocess.TimeoutExpired:
        raise SkillSourceError(f"git {args[0]} took longer than {GIT_TIMEOUT}s") from None
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise SkillSourceError(f"git {args[0]} failed: {last}")
    return proc.stdout.strip()


def _has_commit(mirror: Path, commit: str) -> bool:
    try:
        _git("cat-file", "-e", f"{commit}^{{commit}}", cwd=mirror)
    except SkillSourceError:
        return False
    return True


def _mirror(url: str) -> tuple[Path, bool]:
    """The mirror of ``url``, cloned if missing; True when it was just cloned."""
    mirror = mirror_dir(url)
    if mirror.is_dir():
        return mirror, False
    if shutil.which("git") is None:
        raise SkillSourceError("git is not installed; install git to use git skill sources")
    made = [p for p in (*reversed(mirror.parent.parents), mirror.parent) if not p.exists()]
    mirror.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".clone-", dir=mirror.parent))
    try:
        _git("clone", "--mirror", "--quiet", "--", url, str(tmp / "m.git"))
        os.replace(tmp / "m.git", mirror)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        for folder in reversed(made):  # a failed first clone leaves no empty cache behind
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    shutil.rmtree(tmp, ignore_errors=True)
    return mirror, True


def _extract(mirror: Path, commit: str) -> Path:
    """Extract ``commit``'s tree into the cache once (atomically); return its folder."""
    dest = tree_dir(commit)
    if dest.is_dir():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tree-", dir=dest.parent))
    try:
        with tempfile.TemporaryFile() as archive:
            subprocess.run(["git", "archive", "--format=tar", commit], cwd=mirror, env=git_env(),
                           stdout=archive, stderr=subprocess.DEVNULL, check=True,
                           timeout=GIT_TIMEOUT)
            archive.seek(0)
            with tarfile.open(fileobj=archive) as tar:
                tar.extractall(tmp, filter="data")
        os.replace(tmp, dest)
    except (subprocess.SubprocessError, tarfile.TarError, OSError) as exc:
        raise SkillSourceError(f"cannot extract commit {commit[:12]}: {exc}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _resolve_git(source: SkillSource, pinned: dict[str, Any] | None) -> str:
    """The commit to use: the pinned one (fetched if absent), else ``ref``'s newest."""
    assert source.git is not None and source.ref is not None
    mirror, fresh = _mirror(source.git)
    if pinned is not None:
        commit = str(pinned["commit"])
        if not _has_commit(mirror, commit):
            _git("fetch", "--quiet", "--prune", "origin", cwd=mirror)
        if not _has_commit(mirror, commit):
            raise SkillSourceError(
                f"the locked commit {commit[:12]} is no longer in {source.git}; run "
                "`agentctl skills sync --update` to move to the ref's current commit")
        return commit
    if not fresh:
        _git("fetch", "--quiet", "--prune", "origin", cwd=mirror)
    try:
        return _git("rev-parse", "--verify", "--quiet", f"{source.ref}^{{commit}}", cwd=mirror)
    except SkillSourceError:
        raise SkillSourceError(f"ref '{source.ref}' is not a branch, tag or commit of "
                               f"{source.git}") from None


class SyncResult(Struct):
    """The new lock ``sources`` and, per source, a one-line summary of what changed."""

    sources: dict[str, Any]
    lines: list[str] = field(default_factory=list)
    changed: bool = False


def sync(cat: Catalogue, *, update: bool = False) -> SyncResult:
    """Fetch every skill source of ``cat`` and compute the new lock; writes only the cache.

    Without ``update`` a git source keeps its locked commit while its ``git`` and ``ref``
    are unchanged. Raises :class:`DiagnosticError` (E312) naming each source that failed.
    """
    old = cat.lock
    new: dict[str, Any] = {}
    lines: list[str] = []
    problems: list[Diagnostic] = []
    for name, located in sorted(cat.skill_sources.items()):
        try:
            entry = _lock_entry(cat, located, old.get(name), update)
        except SkillSourceError as exc:
            problems.append(Diagnostic(
                "error", "E312", f"skill source '{name}': {exc}", located.pos(),
                f"skill_sources[{name}]", "Nothing was written.",
            ))
            continue
        except DiagnosticError as exc:
            problems.extend(exc.diagnostics)
            continue
        new[name] = entry
        lines.append(_summary(name, old.get(name), entry))
    if problems:
        raise DiagnosticError(problems)
    return SyncResult(new, lines, changed=lock_text(new) != lock_text(old))


def _lock_entry(cat: Catalogue, located: Located[SkillSource], previous: Any,
                update: bool) -> dict[str, Any]:
    """The lock entry of one source: where it is, and each skill's folder and hash.

    Raises :class:`SkillSourceError` or :class:`DiagnosticError` when it cannot be read.
    """
    source = located.entry
    if source.git is not None:
        root, entry = _git_entry(source, previous, update)
    else:
        root = local_root(cat, located)
        entry = {"path": display_path(root, cat.project.root)}
        if not _is_dir(root):
            raise SkillSourceError(f"folder {root} does not exist")
    if source.subdir:
        entry["subdir"] = source.subdir
        root = root / source.subdir
    found = discover(root) if _is_dir(root) else {}
    entry["skills"] = {
        skill: {"path": rel, "sha256": skill_hash(root / rel)} for skill, rel in found.items()
    }
    return entry


def _git_entry(source: SkillSource, previous: Any,
               update: bool) -> tuple[Path, dict[str, Any]]:
    """A git source's extracted tree and lock entry: its locked commit while ``git``
    and ``ref`` are unchanged (unless ``update``), else the ref's newest commit."""
    assert source.git is not None
    pinned = previous if (
        not update and isinstance(previous, dict)
        and previous.get("git") == source.git and previous.get("ref") == source.ref
        and "commit" in previous
    ) else None
    commit = _resolve_git(source, pinned)
    root = _extract(mirror_dir(source.git), commit)
    return root, {"git": source.git, "ref": source.ref, "commit": commit}


def _summary(name: str, before: Any, entry: dict[str, Any]) -> str:
    """One line saying what changed for source ``name``."""
    count = f"({len(entry['skills'])} skill(s))"
    if before == entry:
        return f"{name}: unchanged {count}"
    if isinstance(before, dict) and before.get("commit") and entry.get("commit"):
        return f"{name}: {str(before['commit'])[:12]} → {entry['commit'][:12]} {count}"
    at = f" at {entry['commit'][:12]}" if "commit" in entry else ""
    return f"{name}: locked{at} {count}"


def write_lock(project: Project, sources: dict[str, Any]) -> None:
    """Write ``agentctl.lock`` atomically (mode 0644)."""
    atomic_write(lock_path(project), lock_text(sources).encode("utf-8"), 0o644)


