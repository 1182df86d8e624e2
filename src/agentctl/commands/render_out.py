"""What ``render --out DIR`` wrote there: a small manifest, so the next render prunes it.

``DIR/.agentctl-render.json`` lists every file render wrote (``{"format": 1, "files":
[...]}``, POSIX paths relative to DIR, sorted). The next ``render --out DIR`` deletes the
listed files the new tree no longer has (agents gone from the catalogue) and the folders
that leaves empty; files someone else put in DIR are never touched. A non-empty DIR
without the manifest is refused (E730): render did not write it, and pruning or writing
over it could lose someone's files.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from agentctl.diagnostics import Diagnostic, DiagnosticError
from agentctl.support.fsutil import FileSystemError

MANIFEST = ".agentctl-render.json"
FORMAT = 1


def _safe(rel: object) -> str | None:
    """``rel`` when it is a plain relative path inside the folder, else None."""
    if not isinstance(rel, str) or not rel or "\0" in rel:
        return None
    path = PurePosixPath(rel)
    if path.is_absolute() or ".." in path.parts or rel == MANIFEST:
        return None
    return path.as_posix()


def written_before(folder: Path) -> set[str]:
    """The files an earlier ``render --out`` wrote into ``folder`` (empty for a missing or
    empty folder). Raises :class:`DiagnosticError` (E730) for a non-empty folder without
    a readable manifest."""
    if not folder.is_dir():
        return set()
    manifest = folder / MANIFEST
    try:
        entries = [e.name for e in os.scandir(folder)]
    except OSError as exc:
        raise FileSystemError.of("read the folder", folder, exc) from None
    if not entries:
        return set()
    if MANIFEST not in entries:
        raise DiagnosticError([_refusal(folder, f"{folder} is not empty and render did not "
                                        f"write it (no {MANIFEST})")])
    try:
        doc = json.loads(manifest.read_bytes())
        files = doc["files"] if isinstance(doc, dict) and doc.get("format") == FORMAT else None
    except (OSError, ValueError, KeyError):
        files = None
    if not isinstance(files, list):
        raise DiagnosticError([_refusal(folder, f"{folder}/{MANIFEST} is unreadable or not "
                                        "one render wrote")])
    return {rel for rel in (_safe(f) for f in files) if rel is not None}


def _refusal(folder: Path, summary: str) -> Diagnostic:
    return Diagnostic(
        "error", "E730", summary, path="--out",
        detail=f"Point --out at a new or empty folder, or empty {folder} yourself if its "
        "files are no longer needed. Nothing was written.")


def prune(folder: Path, before: Iterable[str], now: Iterable[str]) -> list[str]:
    """Delete the files of ``before`` that are not in ``now`` (never through a symlinked
    folder), then the folders that leaves empty; returns the deleted paths, sorted.
    Raises :class:`FileSystemError` when the OS refuses."""
    real = os.path.realpath(folder)
    gone = sorted(set(before) - set(now))
    deleted = []
    for rel in gone:
        path = folder / rel
        if os.path.realpath(path.parent) != os.path.join(real, *PurePosixPath(rel).parts[:-1]):
            continue  # a folder on the way is a link: not ours to follow
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise FileSystemError.of("delete", path, exc) from None
        deleted.append(rel)
    for parent in sorted({p for rel in deleted for p in PurePosixPath(rel).parents
                          if p.parts}, key=lambda p: -len(p.parts)):
        with contextlib.suppress(OSError):  # not empty (someone's files), or already gone
            (folder / parent).rmdir()
    return deleted


def save(folder: Path, files: Iterable[str]) -> None:
    """Write the manifest listing ``files``."""
    from agentctl.support.fsutil import atomic_write

    doc = {"format": FORMAT, "written_by": "agentctl render --out", "files": sorted(files)}
    atomic_write(folder / MANIFEST, (json.dumps(doc, indent=2) + "\n").encode(), 0o644)
