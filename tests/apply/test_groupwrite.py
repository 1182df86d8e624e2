"""write_group: a group of files lands whole, or is put back as it was."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from agentctl.apply import groupwrite
from agentctl.apply.groupwrite import write_group
from agentctl.support import fsutil
from agentctl.support.fsutil import FileSystemError, UnsafePathError
from tests.apply.test_apply_crash import files

GROUP = [("ws/a/.claude/settings.json", b"new settings\n", 0o644),
         ("ws/a/AGENTS.md", b"new agents\n", 0o644),
         ("ws/a/new/run.sh", b"#!/bin/sh\n", 0o755),
         ("env/a.env", b'KEY="new"\n', 0o600)]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A folder where the group's first, second and fourth files exist in an old version."""
    (tmp_path / "ws/a/.claude").mkdir(parents=True)
    (tmp_path / "ws/a/.claude/settings.json").write_bytes(b"old settings\n")
    (tmp_path / "ws/a/AGENTS.md").write_bytes(b"old agents\n")
    os.chmod(tmp_path / "ws/a/AGENTS.md", 0o640)
    (tmp_path / "env").mkdir(mode=0o700)
    (tmp_path / "env/a.env").write_bytes(b'KEY="old"\n')
    os.chmod(tmp_path / "env/a.env", 0o600)
    return tmp_path


def fail_on(monkeypatch: pytest.MonkeyPatch, nth: int) -> None:
    """Make the ``nth`` move into place fail as an immutable file makes it fail."""
    real, calls = groupwrite.commit, []

    def commit(tmp: Path, path: Path) -> None:
        calls.append(path)
        if len(calls) == nth:
            raise PermissionError(errno.EPERM, "Operation not permitted")
        real(tmp, path)

    monkeypatch.setattr(groupwrite, "commit", commit)


def test_a_group_lands_whole_with_exact_modes_and_nothing_left(root: Path) -> None:
    write_group(root, GROUP)
    assert files(root) == {rel: (content, mode) for rel, content, mode in GROUP}
    assert (root / "ws/a/new").stat().st_mode & 0o777 == 0o755


@pytest.mark.parametrize("nth", [2, 3, 4])
def test_a_failed_move_puts_the_group_back(root: Path, monkeypatch: pytest.MonkeyPatch,
                                           nth: int) -> None:
    before = files(root)
    inode = (root / "ws/a/AGENTS.md").stat().st_ino
    fail_on(monkeypatch, nth)
    with pytest.raises(FileSystemError) as raised:
        write_group(root, GROUP)
    assert str(raised.value).startswith(
        f"cannot replace {GROUP[nth - 1][0]}: Operation not permitted (EPERM); the file or "
        "its folder may be immutable")
    assert files(root) == before  # bytes, modes; no temp, no kept copy left
    assert (root / "ws/a/AGENTS.md").stat().st_ino == inode  # the very file, linked back
    assert not (root / "ws/a/new").exists()  # the folder made for the group is gone


def test_without_hard_links_the_old_bytes_are_put_back(root: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def no_link(src: object, dst: object) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")  # as FAT answers

    monkeypatch.setattr(os, "link", no_link)
    before = files(root)
    fail_on(monkeypatch, 4)
    with pytest.raises(FileSystemError):
        write_group(root, GROUP)
    assert files(root) == before


def test_a_failed_staging_changes_nothing(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real, calls = groupwrite._stage, []

    def stage(path: Path, data: bytes, mode: int, durable: bool) -> Path:
        calls.append(path)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, data, mode, durable)

    monkeypatch.setattr(groupwrite, "_stage", stage)
    before = files(root)
    with pytest.raises(FileSystemError) as raised:
        write_group(root, GROUP)
    assert raised.value.disk_wide
    assert str(raised.value) == ("cannot write ws/a/new/run.sh: No space left on device "
                                 "(ENOSPC); free space on that file system and run the "
                                 "command again")
    assert files(root) == before


def test_links_and_folders_in_the_way_are_refused_before_any_write(root: Path,
                                                                   tmp_path: Path) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.write_text("keep\n")
    (root / "ws/a/AGENTS.md").unlink()
    (root / "ws/a/AGENTS.md").symlink_to(outside)
    before = files(root)
    with pytest.raises(UnsafePathError, match="is a symlink"):
        write_group(root, GROUP)
    assert files(root) == before and outside.read_text() == "keep\n"
    (root / "ws/a/AGENTS.md").unlink()
    (root / "ws/a/AGENTS.md").mkdir()
    with pytest.raises(FileSystemError, match=r"cannot replace ws/a/AGENTS.md: Is a directory"):
        write_group(root, GROUP)
    assert files(root) == before


def test_the_crash_hook_counts_every_file_operation(root: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fsutil, "_crash_at", -1)  # count only
    monkeypatch.setattr(fsutil, "_ops", 0)
    write_group(root, GROUP)
    # per file: create + written + 2 around the move; a link per replaced file; 1 folder
    assert fsutil._ops == 4 * len(GROUP) + 3 + 1


def test_a_staged_file_gets_exactly_its_mode_and_a_sweepable_name(
        tmp_path: Path) -> None:
    from agentctl.support.fsutil import STRAY

    old = os.umask(0o077)  # a strict umask must not narrow 0644; a loose one not widen 0600
    try:
        public = groupwrite._stage(tmp_path / "a.md", b"x" * 70000, 0o644, False)
        os.umask(0)
        private = groupwrite._stage(tmp_path / "b.env", b"K=v\n", 0o600, True)
    finally:
        os.umask(old)
    assert (public.read_bytes(), stat.S_IMODE(public.stat().st_mode)) == (b"x" * 70000, 0o644)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    for staged, name in ((public, "a.md"), (private, "b.env")):
        match = STRAY.match(staged.name)
        assert match and match["name"] == name and staged.parent == tmp_path
    with pytest.raises(TypeError):  # fails once the temp file exists: it is removed
        groupwrite._stage(tmp_path / "c.md", "not bytes", 0o644, False)  # type: ignore[arg-type]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([public.name, private.name])


def test_new_folder_chains_get_their_modes_and_linked_folders_are_resolved_once(
        tmp_path: Path) -> None:
    # Folders found missing are made without looking again: parents 0755, the folder of
    # a private file 0700; a linked folder inside the scope is followed, one leading out
    # of it refused before anything is written.
    old = os.umask(0o022)
    try:
        write_group(tmp_path, [("out/ws/a/deep/er/x.md", b"x\n", 0o644),
                               ("out/ws/a/deep/y.md", b"y\n", 0o644),
                               ("out/env/sub/a.env", b"K=v\n", 0o600)],
                    scope=tmp_path / "out")
    finally:
        os.umask(old)
    modes = {rel: (tmp_path / rel).stat().st_mode & 0o777
             for rel in ("out", "out/ws", "out/ws/a/deep/er", "out/env", "out/env/sub")}
    assert modes == {"out": 0o755, "out/ws": 0o755, "out/ws/a/deep/er": 0o755,
                     "out/env": 0o755, "out/env/sub": 0o700}
    (tmp_path / "out/ws/b").symlink_to(tmp_path / "out/ws/a")  # inside the scope
    write_group(tmp_path, [("out/ws/b/deep/z.md", b"z\n", 0o644)], scope=tmp_path / "out")
    assert (tmp_path / "out/ws/a/deep/z.md").read_bytes() == b"z\n"
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out/ws/c").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(UnsafePathError, match=r"leads out of .* through a symlink"):
        write_group(tmp_path, [("out/ws/new/n.md", b"n\n", 0o644),
                               ("out/ws/c/deep/w.md", b"w\n", 0o644)],
                    scope=tmp_path / "out")
    assert not (tmp_path / "out/ws/new").exists()
    assert list((tmp_path / "elsewhere").iterdir()) == []
