"""agentctl's package digest, noted with its files' stats so a process need not read them.

The digest is the code part of every render cache key; hashing the package's 140 files
was most of what serving a small project from the cache cost. A noted digest is used
only while every file still shows the stat it was noted with (the plan's stat cache
rule), so an edit, a new file, a removed file or a replaced file all hash afresh.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from agentctl.render import cache as cache_module
from agentctl.render import fingerprint
from agentctl.render.cache import RenderCache
from agentctl.support import racy


@pytest.fixture()
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the package to edit, taken as settled at once (no 2 s wait)."""
    copy = tmp_path / "agentctl"
    shutil.copytree(fingerprint.package_root(), copy,
                    ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(racy, "SETTLE_NS", 0)
    return copy


def _noted(root: Path) -> dict[str, Any]:
    noted = fingerprint.note_package(fingerprint.tree_digest(root), root)
    assert noted is not None
    return json.loads(json.dumps(noted))  # as the render cache stores it


def test_a_noted_digest_holds_while_no_file_changes(package: Path) -> None:
    noted = _noted(package)
    assert fingerprint.noted_package_digest(noted, package) == fingerprint.tree_digest(package)


def test_an_edit_a_new_file_or_a_removed_one_needs_hashing_again(package: Path) -> None:
    runtime = package / "runtimes" / "codex.py"
    noted = _noted(package)
    runtime.write_text(runtime.read_text() + "\n# changed\n")
    assert fingerprint.noted_package_digest(noted, package) is None

    noted = _noted(package)
    (package / "runtimes" / "extra.py").write_text("X = 1\n")
    assert fingerprint.noted_package_digest(noted, package) is None

    noted = _noted(package)
    (package / "runtimes" / "extra.py").unlink()
    assert fingerprint.noted_package_digest(noted, package) is None


def test_a_same_size_edit_with_its_mtime_put_back_is_seen(package: Path) -> None:
    """``touch -r`` after an edit restores the mtime, not the ctime."""
    runtime = package / "runtimes" / "codex.py"
    noted = _noted(package)
    before = runtime.stat()
    text = runtime.read_text()
    runtime.write_text(text[:-1] + ("#" if text[-1] != "#" else "\n"))
    os.utime(runtime, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert runtime.stat().st_size == before.st_size
    assert fingerprint.noted_package_digest(noted, package) is None


def test_files_changed_just_now_are_not_noted(package: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Racy timestamps: a file written within SETTLE_NS could change again without its
    stat moving, so nothing is noted (the digest is hashed next time too)."""
    monkeypatch.setattr(racy, "SETTLE_NS", 2_000_000_000)
    (package / "runtimes" / "codex.py").write_text("X = 2\n")
    assert fingerprint.note_package("digest", package) is None


def test_a_record_for_another_folder_or_of_another_shape_is_not_used(package: Path) -> None:
    noted = _noted(package)
    assert fingerprint.noted_package_digest({**noted, "root": "/elsewhere"}, package) is None
    assert fingerprint.noted_package_digest(None, package) is None
    assert fingerprint.noted_package_digest({"root": str(package)}, package) is None


def test_the_render_cache_keeps_the_noted_digest_and_reads_no_file_next_time(
        package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fingerprint, "package_root", lambda: package)
    hashed: list[Path] = []

    def digest() -> str:
        hashed.append(package)
        return fingerprint.tree_digest(package)

    monkeypatch.setattr(cache_module, "package_digest", digest)
    path = tmp_path / "state" / "cache" / "render.json"
    first = RenderCache(path)
    value = first.package_digest()
    assert hashed == [package] and first.changed
    first.save()

    second = RenderCache(path)
    assert second.package_digest() == value
    assert hashed == [package] and not second.changed  # taken from the noted record

    (package / "render" / "new_module.py").write_text("X = 1\n")
    third = RenderCache(path)
    assert third.package_digest() == fingerprint.tree_digest(package) != value
    assert hashed == [package, package] and third.changed  # noted anew, saved next
