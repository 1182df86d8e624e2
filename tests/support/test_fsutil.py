"""write_tree: many files, each atomic, folder checks once per folder, never through links."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentctl.support.fsutil import UnsafePathError
from agentctl.support.writetree import write_tree


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


def _fleet_files(agents: int) -> dict[str, tuple[bytes, int]]:
    files: dict[str, tuple[bytes, int]] = {"compose.yaml": (b"services: {}\n", 0o644)}
    for i in range(agents):
        for rel, mode in (("AGENTS.md", 0o644), (".claude/skills/s/run.sh", 0o755),
                          (".mcp.json", 0o600)):
            files[f"workspaces/a{i}/{rel}"] = (f"{i} {rel}\n".encode(), mode)
    return files


def _tree(root: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mode & 0o777)
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("atomic", [True, False])
def test_write_tree_with_worker_processes_writes_the_same_tree(tmp_path: Path,
                                                                atomic: bool) -> None:
    files = _fleet_files(40)
    write_tree(tmp_path / "one", files, durable=False, atomic=atomic)
    write_tree(tmp_path / "two", files, durable=False, atomic=atomic, workers=2)
    assert _tree(tmp_path / "two") == _tree(tmp_path / "one") == files


def test_write_tree_workers_never_write_through_a_symlinked_folder(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "root"
    (root / "workspaces").mkdir(parents=True)
    (root / "workspaces/a7").symlink_to(outside)
    with pytest.raises(UnsafePathError, match="workspaces/a7"):
        write_tree(root, _fleet_files(40), durable=False, atomic=False, workers=2)
    assert not list(outside.iterdir())


def test_write_tree_checks_every_path_before_writing_any(tmp_path: Path) -> None:
    files = {**_fleet_files(3), "workspaces/../../escape.txt": (b"x", 0o644)}
    with pytest.raises(UnsafePathError):
        write_tree(tmp_path / "root", files, workers=2)
    assert not (tmp_path / "root").exists()


def test_read_regular_reads_files_and_never_follows_or_blocks(tmp_path: Path) -> None:
    import os
    import stat

    from agentctl.support.fsutil import read_regular

    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * 200_000)
    st, content = read_regular(str(big))
    assert st is not None and content == b"x" * 200_000
    assert read_regular(str(tmp_path / "missing")) == (None, None)
    (tmp_path / "link").symlink_to(big)
    st, content = read_regular(str(tmp_path / "link"))
    assert st is not None and stat.S_ISLNK(st.st_mode) and content is None
    st, content = read_regular(str(tmp_path))
    assert st is not None and stat.S_ISDIR(st.st_mode) and content is None
    os.mkfifo(tmp_path / "fifo")  # nobody writes to it: opening must not wait
    st, content = read_regular(str(tmp_path / "fifo"))
    assert st is not None and stat.S_ISFIFO(st.st_mode) and content is None


def test_os_errors_read_as_one_line_with_the_errno_and_what_to_do() -> None:
    import errno

    from agentctl.support.fsutil import FileSystemError, describe_os_error

    error = FileSystemError("write", "deploy/x.md", errno.EROFS, "Read-only file system")
    assert str(error) == ("cannot write deploy/x.md: Read-only file system (EROFS); the file "
                          "system is mounted read-only: remount it read-write or work in a "
                          "writable copy")
    assert error.disk_wide
    assert not FileSystemError("write", "x", errno.EPERM).disk_wide
    import pickle

    assert str(pickle.loads(pickle.dumps(error))) == str(error)  # from a worker process
    assert describe_os_error(OSError(errno.ENOSPC, "No space left on device", "/x")) == (
        "file system error on /x: No space left on device (ENOSPC); free space on that file "
        "system and run the command again")


def test_stray_temps_are_removed_only_for_the_names_given(tmp_path: Path) -> None:
    from agentctl.support.fsutil import remove_stray_temps

    for name in (".AGENTS.md.ab12_xyz.tmp", ".notes.md.ab12cdef.tmp", ".AGENTS.md.tmp",
                 "AGENTS.md"):
        (tmp_path / name).write_text("x")
    assert remove_stray_temps(tmp_path, {"AGENTS.md"}) == [".AGENTS.md.ab12_xyz.tmp"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".AGENTS.md.tmp",
                                                          ".notes.md.ab12cdef.tmp", "AGENTS.md"]
    assert remove_stray_temps(tmp_path / "missing", None) == []


def test_a_failed_atomic_write_leaves_no_temp_file(tmp_path: Path) -> None:
    from agentctl.support.fsutil import FileSystemError, atomic_write

    (tmp_path / "plan.json").mkdir()
    with pytest.raises(FileSystemError, match=r"cannot replace .*plan\.json: Is a directory"):
        atomic_write(tmp_path / "plan.json", b"{}", 0o644)
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]


@pytest.mark.parametrize("setting", ["1", "2", "3", "count"])
def test_the_crash_hook_kills_at_the_nth_file_operation(tmp_path: Path, setting: str) -> None:
    import os
    import subprocess
    import sys

    code = ("from pathlib import Path; from agentctl.support.fsutil import atomic_write; "
            f"atomic_write(Path({str(tmp_path / 'f')!r}), b'x', 0o644)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "AGENTCTL_TEST_CRASH_AT": setting}, check=False)
    if setting == "count":  # create, written, before and after the rename
        assert (done.returncode, done.stderr) == (0, "agentctl-test: 4 file operations\n")
        return
    assert done.returncode == -9
    assert not (tmp_path / "f").exists()  # killed before the rename: old (no) file


def test_folder_check_knows_which_folders_are_missing_and_which_lead_out(
        tmp_path: Path) -> None:
    # plan asks it for every file it compares; a file in a missing folder is not looked
    # for (a fleet's first plan compares thousands of them).
    from agentctl.support.fsutil import FolderCheck

    (tmp_path / "out/ws/a").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out/ws/link").symlink_to(tmp_path / "elsewhere")
    (tmp_path / "out/ws/inner").symlink_to(tmp_path / "out/ws/a")
    check = FolderCheck(tmp_path, tmp_path / "out")
    for rel, inside, missing in [("out/ws/a/x.md", True, False),
                                 ("out/ws/new/deep/x.md", True, True),
                                 ("out/ws/new/y.md", True, True),
                                 ("out/gone/x.md", True, True),
                                 ("out/ws/inner/x.md", True, False),
                                 ("out/ws/link/x.md", False, False),
                                 ("out/ws/x.md", True, False)]:
        assert (check.inside(rel), check.missing(rel)) == (inside, missing), rel
    with pytest.raises(UnsafePathError):
        check.inside("out/../../x")
