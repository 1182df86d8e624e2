"""Fingerprints of the code that shapes rendered output, for the render cache's key.

A cached render is only as fresh as the code that made it: a runtime that writes its
config differently after an upgrade (or an edit in a checkout) must not be served from
the cache. The fingerprint of a plug-in object (runtime, target) is:

* for agentctl's own modules: the sha256 over every ``.py`` file of the installed
  ``agentctl`` package, so an edit anywhere in the code a
  render runs through (runtime, target, render, resolve) counts. Computed at most once
  per process: 6-12 ms for the package's 140 files (630 kB), which was most of what
  serving a small project from the render cache cost. So the render cache keeps the
  digest with the stat of every file it was made from (:func:`note_package`), and a
  process whose files all still show those stats takes it from there
  (:func:`noted_package_digest`) instead of reading them: the rule of the plan's stat
  cache (:mod:`agentctl.plan.statcache`, git's index): size, mtime, ctime and inode
  must match, the same files must be there, and a file changed within
  :data:`~agentctl.support.racy.SETTLE_NS` of the noting is never noted;
* for a third-party plug-in: the name and version of the distribution whose entry point
  loads it (:func:`agentctl.support.plugins.plugin_distribution`), since a release is
  what changes it (``importlib.metadata.packages_distributions`` would say the same but
  took 2.2 s to walk a development venv);
* for any other module (a file on ``sys.path``): the sha256 of that module's file.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from functools import cache
from pathlib import Path
from typing import Any

import agentctl
from agentctl.support import racy
from agentctl.support.plugins import plugin_distribution

PACKAGE = "agentctl"


@cache
def package_root() -> Path:
    """The folder of the agentctl package this process runs."""
    return Path(agentctl.__file__).resolve().parent


@cache
def package_digest() -> str:
    """sha256 over the path and bytes of every ``.py`` file of the agentctl package."""
    return tree_digest(package_root())


def source_files(root: Path) -> list[tuple[str, str]]:
    """``(path relative to root, full path)`` of every ``.py`` file below ``root`` (links
    followed, as ``Path.rglob`` does), sorted by relative path."""
    found: list[tuple[str, str]] = []
    folders = [("", str(root))]
    while folders:
        prefix, folder = folders.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir():
                    folders.append((f"{prefix}{entry.name}/", entry.path))
                elif entry.name.endswith(".py"):
                    found.append((prefix + entry.name, entry.path))
    return sorted(found)


def tree_digest(root: Path) -> str:
    """sha256 over the path (relative to ``root``) and bytes of every ``.py`` file below."""
    h = hashlib.sha256()
    for rel, path in source_files(root):
        with open(path, "rb") as handle:
            h.update(rel.encode() + b"\0" + handle.read() + b"\0")
    return h.hexdigest()


def _stats(root: Path) -> list[list[Any]]:
    """``[rel, size, mtime_ns, ctime_ns, inode]`` of every source file below ``root``."""
    rows: list[list[Any]] = []
    for rel, path in source_files(root):
        st = os.stat(path)
        rows.append([rel, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino])
    return rows


def note_package(digest: str, root: Path | None = None) -> dict[str, Any] | None:
    """A record vouching that the package's files, as they stand, hash to ``digest``:
    ``{"root", "digest", "files": [[rel, size, mtime_ns, ctime_ns, inode], ...]}``, or
    None when a file changed within :data:`~agentctl.support.racy.SETTLE_NS` (its stat
    could still change without its mtime moving) or cannot be read."""
    root = root or package_root()
    try:
        rows = _stats(root)
    except OSError:
        return None
    now = time.time_ns()
    if any(racy.too_recent(row[2], row[3], now, racy.SETTLE_NS) for row in rows):
        return None
    return {"root": str(root), "digest": digest, "files": rows}


def noted_package_digest(noted: Any, root: Path | None = None) -> str | None:
    """The digest ``noted`` (a :func:`note_package` record, read back from JSON) vouches
    for, when the package at ``root`` holds exactly the files it lists with the same
    stats; else None (hash the files)."""
    root = root or package_root()
    if not isinstance(noted, dict) or noted.get("root") != str(root):
        return None
    digest = noted.get("digest")
    try:
        same = noted.get("files") == _stats(root)
    except OSError:
        return None
    return digest if same and isinstance(digest, str) else None


@cache
def module_fingerprint(module: str, package: str | None = None) -> str:
    """The fingerprint of the code in ``module`` (see the module docstring); ``package``
    is agentctl's package digest when the caller has it (else it is computed)."""
    top = module.partition(".")[0]
    if top == PACKAGE:
        return f"{PACKAGE}:{package or package_digest()}"
    dist = plugin_distribution(module)
    if dist is not None:
        return dist
    loaded = sys.modules.get(module)
    file = getattr(loaded, "__file__", None)
    if file:
        try:
            return "file:" + hashlib.sha256(Path(file).read_bytes()).hexdigest()
        except OSError:
            pass
    return f"module:{module}"


def code_fingerprint(*plugins: Any, package: str | None = None) -> str:
    """The fingerprints of the classes of ``plugins`` (runtime, target), joined;
    ``package`` as for :func:`module_fingerprint`."""
    return "|".join(module_fingerprint(type(p).__module__, package) for p in plugins)
