"""kill -9 at every stage of apply and destroy, on a generated fleet: nothing half-written.

The installed CLI runs with ``AGENTCTL_TEST_CRASH_AT=N`` (agentctl.fsutil: it SIGKILLs
itself at its Nth file operation). Four steps, each from the state the previous one
left: the first apply, an apply of a changed catalogue (updates, new and removed files),
an apply that prunes two agents, and a destroy of two more. For each step the kill
points are spread over all its file operations (counted by a run with
``AGENTCTL_TEST_CRASH_AT=count``). After each kill:

* every file under the output folder is its version before the step or after it
  (bytes and mode), or absent where one of those is absent; env files stay 0600;
* running the same command again (the recovering run) exits 0 and leaves exactly the
  tree and the ledger an uninterrupted step leaves, and no temp file anywhere;
* the ledger matches the disk (every record's sha256 and mode), with no intent left;
* the next catalogue change applies without ``--force``.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

sys.path.insert(0, str(ROOT / "bench"))
from generate import SECRETS, generate

#: Kill points per step; four steps make 52.
POINTS = 13
TEMP = re.compile(r"\A\..+\.[a-z0-9_]{8}\.tmp\Z")
Tree = dict[str, tuple[bytes, int]]


def files(root: Path) -> Tree:
    """Every file under ``root``: relative path → (bytes, permission bits)."""
    return {p.relative_to(root).as_posix(): (p.read_bytes(), stat.S_IMODE(p.lstat().st_mode))
            for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


def temps(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if TEMP.match(p.name))


def edit(root: Path, old: str, new: str, rel: str = "catalogue/agents.yaml") -> None:
    path = root / rel
    text = path.read_text()
    assert old in text, (old, rel)
    path.write_text(text.replace(old, new, 1))


def change_catalogue(root: Path) -> None:
    """Instructions, MCP servers, a skill's text and a permission change; a file appears
    (a new skill file) and one goes (an MCP server dropped from a codex agent)."""
    edit(root, "Agent number 0. Keep", "Agent number 0, changed. Keep")
    edit(root, "Agent number 3. Keep", "Agent number 3, changed. Keep")
    edit(root, "mcp_servers: [local-0, remote-1]\n    permission: write",
         "mcp_servers: [local-0]\n    permission: read")
    (root / "skills/skill-0/references/extra.md").write_text("more notes\n")
    edit(root, "Step.\n", "Step, changed.\n", "skills/skill-0/SKILL.md")


def prune_catalogue(root: Path) -> None:
    """Drop the last two agents."""
    path = root / "catalogue/agents.yaml"
    text = path.read_text()
    path.write_text(text[: text.index("  - name: agent-00004")])


def next_change(root: Path) -> None:
    """The change after each step: agent-00000's instructions (it is never destroyed)."""
    path = root / "catalogue/agents.yaml"
    text = path.read_text()
    path.write_text(re.sub(r"Agent number 0[^.]*\.", "Agent number 0, next.", text, count=1))


@dataclass
class Step:
    """One step of the fleet's life: a catalogue change, then a command."""

    name: str
    prepare: Callable[[Path], None]
    command: tuple[str, ...]


STEPS = [
    Step("first apply", lambda root: None, ("apply", "-y")),
    Step("changing apply", change_catalogue, ("apply", "-y")),
    Step("pruning apply", prune_catalogue, ("apply", "-y")),
    Step("destroy", lambda root: None, ("destroy", "agent-00001", "agent-00002", "-y")),
]


def agentctl(root: Path, *args: str, crash_at: str | None = None) -> tuple[int, str]:
    env = dict(SECRETS)
    if crash_at is not None:
        env["AGENTCTL_TEST_CRASH_AT"] = crash_at
    done = run_cli("-C", str(root), *args, env=env)
    return done.returncode, done.stdout + done.stderr


def copy(src: Path, dest: Path) -> Path:
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(src, dest, symlinks=True)
    return dest


def ledger_matches_disk(root: Path) -> None:
    doc = json.loads((root / ".agentctl/state.json").read_text())
    assert "pending" not in doc
    for rel, record in doc["files"].items():
        path = root / rel
        assert path.is_file(), rel
        assert hashlib.sha256(path.read_bytes()).hexdigest() == record["sha256"], rel
        assert stat.S_IMODE(path.stat().st_mode) == record["mode"], rel
    for rel in doc["env_files"]:
        assert stat.S_IMODE((root / rel).stat().st_mode) == 0o600, rel
    managed = set(doc["files"]) | set(doc["env_files"])
    on_disk = {f"deploy/{rel}" for rel in files(root / "deploy")} if (
        root / "deploy").exists() else set()
    assert on_disk == managed  # nothing unrecorded, nothing recorded that is gone


def kill_points(total: int) -> list[int]:
    """``POINTS`` operation numbers spread over 1..total, both ends included."""
    if total <= POINTS:
        return list(range(1, total + 1))
    return sorted({1 + round(i * (total - 1) / (POINTS - 1)) for i in range(POINTS)})


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The fleet before each step, and after it (an uninterrupted run), by step name."""
    base = tmp_path_factory.mktemp("crash")
    project = base / "fleet"
    generate(project, agents=6, skills=1, servers=2)
    states = {}
    for step in STEPS:
        states[step.name] = copy(project, base / f"before {step.name}")
        step.prepare(project)
        code, output = agentctl(project, *step.command)
        assert code == 0, output
        states[step.name + " done"] = copy(project, base / f"after {step.name}")
    return states


@pytest.mark.parametrize("step", STEPS, ids=[s.name for s in STEPS])
def test_a_kill_at_any_point_leaves_old_or_new_files_and_the_next_run_converges(
    fleet: dict[str, Path], tmp_path: Path, step: Step
) -> None:
    before, after = fleet[step.name], fleet[step.name + " done"]
    old = files(before / "deploy") if (before / "deploy").exists() else {}
    new = files(after / "deploy")
    counting = copy(before, tmp_path / "count")
    step.prepare(counting)
    code, output = agentctl(counting, *step.command, crash_at="count")
    assert code == 0, output
    total = int(re.search(r"agentctl-test: (\d+) file operations", output)[1])  # type: ignore[index]
    assert total > 10
    expected_ledger = (after / ".agentctl/state.json").read_bytes()
    for point in kill_points(total):
        root = copy(before, tmp_path / "run")
        step.prepare(root)
        code, output = agentctl(root, *step.command, crash_at=str(point))
        assert code == -9, f"kill point {point}/{total} did not kill: {output}"
        where = f"{step.name}, killed at operation {point}/{total}"
        disk = files(root / "deploy") if (root / "deploy").exists() else {}
        for rel, (content, mode) in disk.items():
            if rel.startswith("env/"):  # secret values, temp files included
                assert mode == 0o600, (where, rel)
            if not TEMP.match(rel.rpartition("/")[2]):
                assert (content, mode) in (old.get(rel), new.get(rel)), (where, rel)
        for rel in set(old) | set(new):
            if rel not in disk:
                assert rel not in old or rel not in new, (where, "vanished", rel)

        code, output = agentctl(root, *step.command)
        assert code == 0, (where, output)
        assert files(root / "deploy") == new, where
        assert temps(root) == [], where
        assert (root / ".agentctl/state.json").read_bytes() == expected_ledger, where
        ledger_matches_disk(root)

        next_change(root)
        code, output = agentctl(root, "apply", "-y")
        assert code == 0, (where, "next change", output)
        ledger_matches_disk(root)


def test_a_change_made_after_a_kill_is_not_taken_for_a_hand_edit(
    fleet: dict[str, Path], tmp_path: Path
) -> None:
    """Killed mid-change, then the catalogue changes again before any recovery: the files
    the killed run wrote are its own (the ledger's intent says so), so the apply goes
    ahead without --force and ends where an uninterrupted run of both changes ends."""
    before = fleet["changing apply"]
    reference = copy(before, tmp_path / "reference")
    change_catalogue(reference)
    next_change(reference)
    assert agentctl(reference, "apply", "-y")[0] == 0
    counting = copy(before, tmp_path / "count")
    change_catalogue(counting)
    output = agentctl(counting, "apply", "-y", crash_at="count")[1]
    total = int(re.search(r"agentctl-test: (\d+) file operations", output)[1])  # type: ignore[index]
    for point in kill_points(total)[2:-2:2]:  # mid-run kills, where written files have no record
        root = copy(before, tmp_path / "run")
        change_catalogue(root)
        assert agentctl(root, "apply", "-y", crash_at=str(point))[0] == -9
        next_change(root)
        code, output = agentctl(root, "apply", "-y")
        assert code == 0, (point, output)
        assert files(root / "deploy") == files(reference / "deploy"), point
        assert temps(root) == []
        ledger_matches_disk(root)
