"""write_tree: many files, each atomic, folder checks once per folder, never through links."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentctl.fsutil import UnsafePathError, write_tree


@pytest.mark.parametrize("atomic", [True, False])
def test_write_tree_writes_bytes_and_modes(tmp_path: Path, atomic: bool) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a/old.txt").write_text("longer old content\n")
    write_tree(tmp_path, {"a/b/x.txt": (b"x\n", 0o644), "a/b/run.sh": (b"#!/bin/sh\n", 0o755),
                          "top.md": (b"t", 0o644), "a/old.txt": (b"new\n", 0o600)},
               durable=False, atomic=atomic)
    assert (tmp_path / "a/old.txt").read_bytes() == b"new\n"
    assert (tmp_path / "a/old.txt").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "a/b/x.txt").read_bytes() == b"x\n"
    assert (tmp_path / "a/b/run.sh").stat().st_mode & 0o777 == 0o755
    assert not [p for p in tmp_path.rglob("*.tmp")]


@pytest.mark.parametrize("rel", ["../out.txt", "a/../../out.txt", "/abs.txt", "a//b.txt"])
def test_write_tree_refuses_unsafe_paths(tmp_path: Path, rel: str) -> None:
    with pytest.raises(UnsafePathError):
        write_tree(tmp_path / "root", {"a/ok.txt": (b"", 0o644), rel: (b"", 0o644)})


def test_write_tree_never_writes_through_a_symlinked_folder(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "root"
    root.mkdir()
    (root / "link").symlink_to(outside)
    with pytest.raises(UnsafePathError):
        write_tree(root, {"link/x.txt": (b"x", 0o644)})
    assert not (outside / "x.txt").exists()


@pytest.mark.parametrize("atomic", [True, False])
def test_write_tree_never_writes_through_a_symlinked_file(tmp_path: Path, atomic: bool) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("keep\n")
    root = tmp_path / "root"
    root.mkdir()
    (root / "x.txt").symlink_to(outside)
    with pytest.raises(UnsafePathError):
        write_tree(root, {"x.txt": (b"evil", 0o644)}, atomic=atomic)
    assert outside.read_text() == "keep\n"
