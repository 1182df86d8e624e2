"""A faulty disk under apply: full, read-only, immutable files. Real file systems only.

Each test runs the installed CLI on the bundled example inside a small tmpfs mounted for
it, provokes the fault for real (a filler file, ``mount -o remount,ro``, a read-only
bind mount, ``chattr +i``), and checks: exit 1 with one clear message naming the path,
the operation and the errno (never a traceback or "internal error"); every agent's files
are whole, either as before or as after (a group lands whole or not at all); no temp
file left; the ledger true to the disk. Then the fault is removed and the next apply
converges. Mounting and ``chattr +i`` need root: the tests skip, saying so, without it
(CI runs as root).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.apply.test_apply_crash import files, temps
from tests.conftest import EXAMPLE, EXAMPLE_SECRETS, run_cli

Tree = dict[str, tuple[bytes, int]]


def sh(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, check=False)


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """An 8 MiB tmpfs of this test's own, unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs these tests as root)")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    mounted = sh("mount", "-t", "tmpfs", "-o", "size=8m,mode=0755", "tmpfs", str(mnt))
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield mnt
    finally:
        sh("chattr", "-R", "-i", str(mnt))
        for line in reversed(Path("/proc/self/mounts").read_text().splitlines()):
            point = line.split()[1].replace("\\040", " ")
            if point.startswith(str(tmp_path)):  # bind mounts elsewhere in the test too
                sh("umount", point)


def project_in(folder: Path) -> Path:
    root = folder / "fleet"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("deploy", ".agentctl"))
    return root


def agentctl(root: Path, *args: str) -> tuple[int, str]:
    done = run_cli("-C", str(root), *args, env=EXAMPLE_SECRETS)
    return done.returncode, done.stdout + done.stderr


def change(root: Path) -> None:
    """reviewer: new instructions (AGENTS.md) and permission (.claude/settings.json)."""
    agents = root / "catalogue/agents.yaml"
    agents.write_text(agents.read_text().replace("permission: read", "permission: write", 1))
    (root / "instructions/reviewer.md").write_text("Review, changed.\n")


@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory) -> tuple[Tree, Tree]:
    """The output trees of uninterrupted applies of the example, before and after
    :func:`change`."""
    root = project_in(tmp_path_factory.mktemp("reference"))
    assert agentctl(root, "apply", "-y")[0] == 0
    old = files(root / "deploy")
    change(root)
    assert agentctl(root, "apply", "-y")[0] == 0
    return old, files(root / "deploy")


def by_agent(tree: Tree) -> dict[str, Tree]:
    groups: dict[str, Tree] = {}
    for rel, spec in tree.items():
        parts = rel.split("/")
        if parts[0] == "workspaces":
            groups.setdefault(parts[1], {})[rel] = spec
        elif parts[0] == "env":
            groups.setdefault(parts[1].removesuffix(".env"), {})[rel] = spec
    return groups


def assert_whole(disk: Tree, old: Tree, new: Tree) -> list[str]:
    """Each agent's files are all its old ones or all its new ones; return the agents
    that are new."""
    now, before, after = by_agent(disk), by_agent(old), by_agent(new)
    landed = []
    for agent in sorted(set(before) | set(after)):
        got = now.get(agent, {})
        assert got in (before.get(agent, {}), after.get(agent, {})), agent
        if got and got == after.get(agent) and got != before.get(agent):
            landed.append(agent)
    return landed


def assert_clean_error(code: int, output: str, *needles: str) -> None:
    assert code == 1, output
    assert "Traceback" not in output and "internal error" not in output, output
    for needle in needles:
        assert needle in output, output


def ledger_true(root: Path, *, deleted: Tree | None = None) -> dict[str, object]:
    """Every file the ledger records holds the recorded bytes and mode (or, among those the
    test ``deleted`` by hand, is still missing)."""
    path = root / ".agentctl/state.json"
    if not path.exists():
        return {}
    doc: dict[str, object] = json.loads(path.read_text())
    records = doc["files"]
    assert isinstance(records, dict)
    for rel, record in records.items():
        if deleted is not None and rel.removeprefix("deploy/") in deleted and not (
                root / rel).exists():
            continue
        data = (root / rel).read_bytes()
        assert hashlib.sha256(data).hexdigest() == record["sha256"], rel
        assert (root / rel).stat().st_mode & 0o777 == record["mode"], rel
    return doc


def converges(root: Path, new: Tree) -> None:
    code, output = agentctl(root, "apply", "-y")
    assert code == 0, output
    assert files(root / "deploy") == new
    assert temps(root) == []
    ledger_true(root)
    code, output = agentctl(root, "plan", "--detailed-exitcode")
    assert code == 0, output


def fill(mnt: Path, leave: int) -> Path:
    """Fill ``mnt`` until ``leave`` bytes are free; return the filler file."""
    filler = mnt / "filler"
    vfs = os.statvfs(mnt)
    with filler.open("ab") as handle:
        handle.write(b"\0" * max(0, vfs.f_bavail * vfs.f_frsize - leave))
    return filler


@pytest.mark.parametrize("leave_kib", [0, 24, 64, 120])
def test_a_full_disk_stops_apply_cleanly_and_the_next_apply_converges(
    tmpfs: Path, trees: tuple[Tree, Tree], leave_kib: int
) -> None:
    new = trees[0]
    root = project_in(tmpfs)
    filler = fill(tmpfs, leave_kib * 1024)
    code, output = agentctl(root, "apply", "-y")
    assert_clean_error(code, output, "No space left on device (ENOSPC)",
                       "free space on that file system")
    disk = files(root / "deploy") if (root / "deploy").exists() else {}
    assert_whole(disk, {}, new)
    assert temps(root) == []
    ledger_true(root)
    filler.unlink()
    converges(root, new)


def test_a_full_disk_mid_apply_keeps_every_agent_whole(
    tmpfs: Path, trees: tuple[Tree, Tree]
) -> None:
    """Free space for some agents but not all: those written are complete, the rest are
    untouched, and the ledger records exactly the complete ones."""
    old, new = trees
    root = project_in(tmpfs)
    assert agentctl(root, "apply", "-y")[0] == 0
    shutil.rmtree(root / "deploy/workspaces")  # an apply that rewrites every workspace
    gutted = files(root / "deploy")
    landed_somewhere = False
    for leave_kib in (40, 80, 140):
        filler = fill(tmpfs, leave_kib * 1024)
        code, output = agentctl(root, "apply", "-y", "--force")
        filler.unlink()
        if code == 0:
            break
        assert_clean_error(code, output, "(ENOSPC)")
        landed_somewhere |= bool(assert_whole(files(root / "deploy"), gutted, old))
        assert temps(root) == []
        ledger_true(root, deleted={k: v for k, v in old.items() if k not in gutted})
    assert landed_somewhere, "no fill level stopped the apply half-way"
    change(root)
    converges(root, new)


def test_a_full_state_folder_writes_nothing(tmpfs: Path, tmp_path: Path,
                                            trees: tuple[Tree, Tree]) -> None:
    old, new = trees
    root = project_in(tmp_path / "project")
    assert agentctl(root, "apply", "-y")[0] == 0
    state = root / ".agentctl"
    shutil.copytree(state, tmpfs / "state")
    shutil.rmtree(state)
    state.mkdir()
    assert sh("mount", "--bind", str(tmpfs / "state"), str(state)).returncode == 0
    change(root)
    filler = fill(tmpfs, 0)
    code, output = agentctl(root, "apply", "-y")
    assert_clean_error(code, output, "cannot write .agentctl/state.json: No space left on "
                       "device (ENOSPC)")
    assert files(root / "deploy") == old  # the ledger is saved before any file is written
    assert temps(root) == []
    filler.unlink()
    converges(root, new)


def test_a_read_only_project_refuses_apply_and_still_plans(
    tmpfs: Path, trees: tuple[Tree, Tree]
) -> None:
    old, new = trees
    root = project_in(tmpfs)
    assert agentctl(root, "apply", "-y")[0] == 0
    change(root)
    assert sh("mount", "-o", "remount,ro", str(tmpfs)).returncode == 0
    code, output = agentctl(root, "apply", "-y")
    assert_clean_error(code, output, "cannot write into deploy/: Read-only file system "
                       "(EROFS); the file system is mounted read-only")
    code, output = agentctl(root, "destroy", "-y")
    assert_clean_error(code, output, "(EROFS)")
    # The read-only verbs need no writable project.
    assert agentctl(root, "plan", "--detailed-exitcode")[0] == 2
    assert agentctl(root, "validate")[0] == 0
    assert agentctl(root, "render", "--check")[0] == 2
    assert agentctl(root, "status")[0] == 0
    assert files(root / "deploy") == old
    assert sh("mount", "-o", "remount,rw", str(tmpfs)).returncode == 0
    converges(root, new)


def test_a_read_only_state_folder_refuses_apply(
    tmpfs: Path, trees: tuple[Tree, Tree]
) -> None:
    old, new = trees
    root = project_in(tmpfs)
    assert agentctl(root, "apply", "-y")[0] == 0
    change(root)
    state = str(root / ".agentctl")
    assert sh("mount", "--bind", state, state).returncode == 0
    assert sh("mount", "-o", "remount,bind,ro", state).returncode == 0
    code, output = agentctl(root, "apply", "-y")
    assert_clean_error(code, output, "cannot write into .agentctl/: Read-only file system "
                       "(EROFS)")
    assert files(root / "deploy") == old
    assert agentctl(root, "plan", "--detailed-exitcode")[0] == 2  # cache skipped quietly
    assert sh("umount", state).returncode == 0
    converges(root, new)


def immutable(path: Path) -> None:
    done = sh("chattr", "+i", str(path))
    if done.returncode:
        pytest.skip(f"chattr +i does not work here: {done.stderr.strip()}")


def test_an_immutable_file_rolls_its_group_back(
    tmpfs: Path, trees: tuple[Tree, Tree]
) -> None:
    """reviewer's settings.json is replaced before AGENTS.md fails (EPERM): it is put
    back, so reviewer's workspace stays wholly old; the other agents are applied."""
    old, new = trees
    root = project_in(tmpfs)
    assert agentctl(root, "apply", "-y")[0] == 0
    change(root)
    agents_md = root / "deploy/workspaces/reviewer/AGENTS.md"
    immutable(agents_md)
    code, output = agentctl(root, "apply", "-y")
    assert_clean_error(code, output, "agent reviewer: writing the workspace failed: cannot "
                       "replace deploy/workspaces/reviewer/AGENTS.md: Operation not "
                       "permitted (EPERM)", "chattr -i")
    disk = files(root / "deploy")
    assert by_agent(disk)["reviewer"] == by_agent(old)["reviewer"]
    assert {k: v for k, v in disk.items() if "reviewer" not in k} == {
        k: v for k, v in new.items() if "reviewer" not in k}
    assert temps(root) == []
    doc = ledger_true(root)
    state = doc["agents"]["reviewer"]  # type: ignore[index]
    assert (state["lifecycle"], state["runtime_status"]) == ("ready", "error")
    sh("chattr", "-i", str(agents_md))
    converges(root, new)


def test_an_immutable_folder_fails_only_its_agent(
    tmpfs: Path, trees: tuple[Tree, Tree]
) -> None:
    old, new = trees
    root = project_in(tmpfs)
    assert agentctl(root, "apply", "-y")[0] == 0
    change(root)
    folder = root / "deploy/workspaces/reviewer"
    immutable(folder)
    code, output = agentctl(root, "apply", "-y")
    assert_clean_error(code, output, "agent reviewer: writing the workspace failed: cannot "
                       "write deploy/workspaces/reviewer/")
    assert by_agent(files(root / "deploy"))["reviewer"] == by_agent(old)["reviewer"]
    assert temps(root) == []
    ledger_true(root)
    sh("chattr", "-i", str(folder))
    converges(root, new)


def test_an_immutable_file_to_prune_keeps_its_record(tmpfs: Path) -> None:
    root = project_in(tmpfs)
    assert agentctl(root, "apply", "-y")[0] == 0
    agents = root / "catalogue/agents.yaml"
    text = agents.read_text()
    agents.write_text(text[: text.index("  - name: handbook")])
    stuck = root / "deploy/workspaces/handbook/AGENTS.md"
    immutable(stuck)
    code, output = agentctl(root, "apply", "-y")
    assert_clean_error(code, output, "agent handbook: deleting deploy/workspaces/handbook/"
                       "AGENTS.md failed: cannot delete", "(EPERM)")
    doc = ledger_true(root)
    assert "deploy/workspaces/handbook/AGENTS.md" in doc["files"]  # type: ignore[operator]
    assert doc["agents"]["handbook"]["lifecycle"] == "ready"  # type: ignore[index]
    sh("chattr", "-i", str(stuck))
    code, output = agentctl(root, "apply", "-y")
    assert code == 0, output
    assert not (root / "deploy/workspaces/handbook").exists()
    doc = ledger_true(root)
    assert doc["agents"]["handbook"]["lifecycle"] == "deprovisioned"  # type: ignore[index]


def test_an_immutable_ledger_writes_nothing(
    tmpfs: Path, trees: tuple[Tree, Tree]
) -> None:
    old, new = trees
    root = project_in(tmpfs)
    assert agentctl(root, "apply", "-y")[0] == 0
    change(root)
    ledger = root / ".agentctl/state.json"
    immutable(ledger)
    code, output = agentctl(root, "apply", "-y")
    assert_clean_error(code, output, "cannot replace .agentctl/state.json: Operation not "
                       "permitted (EPERM)")
    assert files(root / "deploy") == old
    assert temps(root) == []
    sh("chattr", "-i", str(ledger))
    converges(root, new)
