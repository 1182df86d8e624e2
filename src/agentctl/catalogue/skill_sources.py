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
skills' hashes for review only. This module holds the lock, the cache layout and the
offline loading; syncing (git) is :mod:`agentctl.catalogue.skill_sync`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentctl.catalogue.project import OUTSIDE_HINT, confine
from agentctl.catalogue.skills import SKILL_FILE, SKIPPED_DIRS, read_skill_folder
from agentctl.diagnostics import (
    Diagnostic,
    DiagnosticError,
    Position,
    did_you_mean,
    display_path,
)

if TYPE_CHECKING:
    from agentctl.catalogue.load import Catalogue, Located
    from agentctl.catalogue.project import Project
    from agentctl.catalogue.schema import SkillSource

LOCK_FILE = "agentctl.lock"
LOCK_VERSION = 1
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
        base = local_root(cat, located)
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


def local_root(cat: Catalogue, located: Located[SkillSource]) -> Path:
    """The real folder of a local source, inside the project (else E230 at its ``path``)."""
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

