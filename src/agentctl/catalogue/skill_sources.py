"""Skill sources: skills from local folders or git repositories pinned in a lock file.

A catalogue's ``skill_sources`` name where skills come from; a skill entry takes one by
``source`` and ``name``. ``agentctl skills sync`` is the only step that reaches a git
remote (like the seed's ``SkillManager.sync_from_source``, it walks the source for
SKILL.md folders):

* a git source is mirrored once under the cache (``$XDG_CACHE_HOME/agentctl/
  skill-sources/git/<sha256(url)[:16]>.git``, default ``~/.cache``), its ref resolved to
  a commit, and that commit's tree extracted to ``…/trees/<commit>/``;
* ``agentctl.lock`` at the project root records, per source, the URL, ref and resolved
  commit, and per skill its folder and a content hash (sorted JSON, so it diffs well
  and is byte-stable). A plain ``sync`` keeps the locked commit; ``sync --update``
  fetches and moves every ref forward.

Loading (validate, render, plan, apply) never runs git and never touches the network:
it reads the lock and the cache, and a missing entry is error E310 telling the user to
run ``agentctl skills sync``. Local sources are read in place; the lock records their
skills' hashes for review only.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentctl.catalogue.skills import SKILL_FILE, SKIPPED_DIRS, _is_dir
from agentctl.diagnostics import Diagnostic, DiagnosticError, Position, display_path

if TYPE_CHECKING:
    from agentctl.catalogue.load import Catalogue, Located
    from agentctl.catalogue.project import Project
    from agentctl.catalogue.schema import SkillSource

LOCK_FILE = "agentctl.lock"
LOCK_VERSION = 1
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
_COMMIT = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")


class SkillSourceError(Exception):
    """A git source could not be fetched or its ref resolved. The message says how to fix."""


def cache_root() -> Path:
    """``$XDG_CACHE_HOME/agentctl/skill-sources`` (``~/.cache`` when unset or relative)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    return root / "agentctl" / "skill-sources"


def mirror_dir(url: str) -> Path:
    """The bare mirror of ``url`` in the cache."""
    return cache_root() / "git" / (hashlib.sha256(url.encode()).hexdigest()[:16] + ".git")


def tree_dir(commit: str) -> Path:
    """The extracted tree of ``commit`` in the cache."""
    return cache_root() / "trees" / commit


def lock_path(project: Project) -> Path:
    """``agentctl.lock`` at the project root."""
    return project.root / LOCK_FILE


def read_lock(project: Project) -> dict[str, Any]:
    """The lock's ``sources`` mapping (empty when there is no lock file).

    Raises :class:`DiagnosticError` (E311) for a lock that is not agentctl's JSON.
    """
    path = lock_path(project)
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        sources = data["sources"]
        if data.get("format_version") != LOCK_VERSION or not isinstance(sources, dict):
            raise ValueError
        return sources
    except (ValueError, KeyError, TypeError, OSError, RecursionError):
        raise DiagnosticError([Diagnostic(
            "error", "E311", f"{LOCK_FILE} is not a lock file agentctl can read",
            Position(LOCK_FILE), detail="Delete it and run `agentctl skills sync`.",
        )]) from None


def lock_text(sources: dict[str, Any]) -> str:
    """The lock file's bytes for ``sources``: sorted keys, two-space indent, final LF."""
    return json.dumps({"format_version": LOCK_VERSION, "sources": sources},
                      indent=2, sort_keys=True) + "\n"


def skill_hash(folder: Path) -> str:
    """``sha256:<hex>`` over the skill's files: sorted POSIX paths, exec bits, bytes."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()
                       and not SKIPPED_DIRS.intersection(p.relative_to(folder).parts)):
        rel = path.relative_to(folder).as_posix()
        executable = "x" if path.stat().st_mode & 0o100 else "-"
        data = path.read_bytes()
        digest.update(f"{rel}\0{executable}\0{len(data)}\0".encode())
        digest.update(data)
    return "sha256:" + digest.hexdigest()


def discover(root: Path) -> dict[str, str]:
    """Skill name → folder (POSIX, relative to ``root``) for every SKILL.md under ``root``.

    A folder holding SKILL.md is a skill; its subfolders are not searched further. The
    name is the frontmatter ``name`` when readable, else the folder's name; on a clash
    the first folder in sorted order wins.
    """
    from agentctl.catalogue.skills import read_skill_folder

    found: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
        if SKILL_FILE not in filenames:
            continue
        here = Path(dirpath)
        dirnames[:] = []
        content, _ = read_skill_folder(here, here.name)
        name = content.name if content else here.name
        found.setdefault(name, here.relative_to(root).as_posix() or ".")
    return dict(sorted(found.items()))


# --- loading (offline) ------------------------------------------------------------------


def source_root(cat: Catalogue, located: Located[SkillSource]) -> Path:
    """The folder to take ``located``'s skills from, without any network or git.

    Raises :class:`DiagnosticError`: E310 when a git source has no (current) lock entry
    or cache entry, saying to run ``agentctl skills sync``.
    """
    source = located.entry
    if source.path is not None:
        base = _local_root(cat, located)
    else:
        entry = cat.lock.get(source.name)
        label = f"skill_sources[{source.name}]"
        if not isinstance(entry, dict) or "commit" not in entry:
            raise _not_synced(located, label, f"skill source '{source.name}' is not in "
                              f"{LOCK_FILE}")
        if entry.get("git") != source.git or entry.get("ref") != source.ref:
            raise _not_synced(located, label, f"{LOCK_FILE} pins skill source "
                              f"'{source.name}' to {entry.get('git')}@{entry.get('ref')}, "
                              f"not {source.git}@{source.ref}")
        if not _COMMIT.match(str(entry["commit"])):
            raise _bad_lock(f"{LOCK_FILE} pins skill source '{source.name}' to "
                            f"'{entry['commit']}', which is not a commit id")
        base = tree_dir(str(entry["commit"]))
        if not base.is_dir():
            raise _not_synced(located, label, f"commit {entry['commit'][:12]} of skill source "
                              f"'{source.name}' is not in the cache ({base})")
    return base / source.subdir if source.subdir else base


def _local_root(cat: Catalogue, located: Located[SkillSource]) -> Path:
    """The real folder of a local source, inside the project (else E230 at its ``path``)."""
    from agentctl.catalogue.project import OUTSIDE_HINT, confine

    assert located.entry.path is not None
    folder, outside = confine(cat.project.root, located.base_dir, located.entry.path)
    if outside:
        raise DiagnosticError([Diagnostic(
            "error", "E230", outside, located.pos("path"),
            f"skill_sources[{located.entry.name}].path", OUTSIDE_HINT)])
    return folder


def _bad_lock(summary: str) -> DiagnosticError:
    return DiagnosticError([Diagnostic(
        "error", "E311", summary, Position(LOCK_FILE),
        detail="Delete it and run `agentctl skills sync`.")])


def _not_synced(located: Located[Any], label: str, summary: str) -> DiagnosticError:
    return DiagnosticError([Diagnostic(
        "error", "E310", summary, located.pos(), label,
        "Run `agentctl skills sync` (it fetches the source and writes agentctl.lock); "
        "render and plan then work offline.",
    )])


def locate_skill(cat: Catalogue, located: Located[Any]) -> tuple[Path | None, list[Diagnostic]]:
    """The folder of a ``source:``-backed skill entry, or None and the diagnostics why."""
    skill = located.entry
    label = f"skills[{skill.name}]"
    src = cat.skill_sources.get(skill.source)
    if src is None and cat.is_broken("skill_sources", skill.source):
        return None, []  # the source's own error says what is wrong
    if src is None:
        from agentctl.diagnostics import did_you_mean

        return None, [Diagnostic(
            "error", "E218", f"unknown skill source '{skill.source}'", located.pos("source"),
            f"{label}.source",
            ("Define it under 'skill_sources:'." + did_you_mean(skill.source, cat.skill_sources))
            .strip(),
        )]
    try:
        root = source_root(cat, src)
    except DiagnosticError as exc:
        return None, list(exc.diagnostics)
    entry = cat.lock.get(src.entry.name, {})
    known = entry.get("skills", {}) if src.entry.git else discover(root)
    rel = known.get(skill.name)
    if isinstance(rel, dict):
        rel = rel.get("path")
    if not isinstance(rel, str):
        from agentctl.diagnostics import did_you_mean

        return None, [Diagnostic(
            "error", "E309", f"skill source '{src.entry.name}' has no skill '{skill.name}'",
            located.pos("name"), f"{label}.name",
            ("It holds: " + (", ".join(sorted(known)) or "no skills") + "."
             + did_you_mean(skill.name, known)),
        )]
    folder = Path(os.path.realpath(root / rel))
    if os.path.isabs(rel) or not folder.is_relative_to(os.path.realpath(root)):
        return None, list(_bad_lock(
            f"{LOCK_FILE} places skill '{skill.name}' of source '{src.entry.name}' at "
            f"'{rel}', outside the source").diagnostics)
    return folder, []


# --- sync (the only networked step) -----------------------------------------------------


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


@dataclass
class SyncResult:
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
        source = located.entry
        try:
            if source.git is not None:
                previous = old.get(name)
                pinned = previous if (
                    not update and isinstance(previous, dict)
                    and previous.get("git") == source.git and previous.get("ref") == source.ref
                    and "commit" in previous
                ) else None
                commit = _resolve_git(source, pinned)
                root = _extract(mirror_dir(source.git), commit)
                entry: dict[str, Any] = {"git": source.git, "ref": source.ref,
                                         "commit": commit}
            else:
                root = _local_root(cat, located)
                entry = {"path": display_path(root, cat.project.root)}
                if not _is_dir(root):
                    raise SkillSourceError(f"folder {root} does not exist")
        except SkillSourceError as exc:
            problems.append(Diagnostic(
                "error", "E312", f"skill source '{name}': {exc}", located.pos(),
                f"skill_sources[{name}]", "Nothing was written.",
            ))
            continue
        except DiagnosticError as exc:
            problems.extend(exc.diagnostics)
            continue
        if source.subdir:
            entry["subdir"] = source.subdir
            root = root / source.subdir
        found = discover(root) if _is_dir(root) else {}
        entry["skills"] = {
            skill: {"path": rel, "sha256": skill_hash(root / rel)} for skill, rel in found.items()
        }
        new[name] = entry
        before = old.get(name)
        if before == entry:
            lines.append(f"{name}: unchanged ({len(found)} skill(s))")
        elif isinstance(before, dict) and before.get("commit") and entry.get("commit"):
            lines.append(f"{name}: {str(before['commit'])[:12]} → {commit[:12]} "
                         f"({len(found)} skill(s))")
        else:
            at = f" at {entry['commit'][:12]}" if "commit" in entry else ""
            lines.append(f"{name}: locked{at} ({len(found)} skill(s))")
    if problems:
        raise DiagnosticError(problems)
    return SyncResult(new, lines, changed=lock_text(new) != lock_text(old))


def write_lock(project: Project, sources: dict[str, Any]) -> None:
    """Write ``agentctl.lock`` atomically (mode 0644)."""
    from agentctl.support.fsutil import atomic_write

    atomic_write(lock_path(project), lock_text(sources).encode("utf-8"), 0o644)


def verify_hash(cat: Catalogue, source: str, name: str, folder: Path) -> Diagnostic | None:
    """E313 when a cached git skill no longer matches the hash in the lock, else None."""
    entry = cat.lock.get(source, {})
    if "commit" not in entry:
        return None
    want = entry.get("skills", {}).get(name, {}).get("sha256")
    if want is None or skill_hash(folder) == want:
        return None
    return Diagnostic(
        "error", "E313", f"cached skill '{name}' of source '{source}' does not match "
        f"{LOCK_FILE}", Position(display_path(folder, cat.project.root)),
        detail=f"Someone changed the cache. Delete {folder} and run `agentctl skills sync`.",
    )

