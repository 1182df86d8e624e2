"""``agentctl apply`` and ``destroy`` through the installed CLI: a refusal writes nothing at
all, the state folder is confined like the output folder, OS errors are user errors.

"Nothing written" is checked on everything under the test's own folder, which holds the
project, its parent and a canary folder outside it: every file's bytes and mode, every
folder, and every symlink's target.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_SECRETS, ROOT, run_cli

Snapshot = dict[str, tuple[str, bytes | str, int]]


def snapshot(folder: Path) -> Snapshot:
    """Everything under ``folder``: files (bytes, mode), folders, symlinks (target)."""
    found: Snapshot = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        st = path.lstat()
        if path.is_symlink():
            found[rel] = ("link", os.readlink(path), 0)
        elif path.is_dir():
            found[rel] = ("folder", "", st.st_mode & 0o7777)
        else:
            found[rel] = ("file", path.read_bytes(), st.st_mode & 0o7777)
    return found


@pytest.fixture
def world(example: Path) -> Path:
    """The test's folder: the example project, and a canary folder beside it."""
    canary = example.parent / "canary"
    canary.mkdir()
    (canary / "keep.txt").write_text("canary\n")
    return example.parent


def agentctl(example: Path, *args: str, env: dict[str, str] | None = None,
             ) -> tuple[int, str]:
    done = run_cli("-C", str(example), *args, env=EXAMPLE_SECRETS if env is None else env)
    return done.returncode, done.stdout + done.stderr


def refused(code: int, output: str, *needles: str) -> None:
    assert code == 1, output
    assert "Traceback" not in output and "internal error" not in output, output
    for needle in needles:
        assert needle in output, output


def empty_keyring(tmp_path: Path) -> dict[str, str]:
    """No env overrides and a working keyring holding nothing: every credential missing."""
    return {"PYTHON_KEYRING_BACKEND": "tests.file_keyring.FileKeyring",
            "PYTHONPATH": str(ROOT), "AGENTCTL_TEST_KEYRING": str(tmp_path / "keyring.json")}


def test_refusals_of_a_first_apply_write_nothing_anywhere(world: Path, example: Path,
                                                         tmp_path: Path) -> None:
    before = snapshot(world)
    cases = {
        "no keyring backend": (("apply", "-y"), {}, "secret backend 'keyring' is unavailable: "
                               "no keyring backend"),
        "no terminal, no -y": (("apply",), None, "re-run with -y/--auto-approve"),
    }
    for name, (args, env, needle) in cases.items():
        code, output = agentctl(example, *args, env=env)
        refused(code, output, needle)
        assert snapshot(world) == before, name
    # Every agent needs a secret but handbook: without it, a missing secret blocks all.
    agents = example / "catalogue/agents.yaml"
    text = agents.read_text()
    agents.write_text(text[: text.index("  - name: handbook")])
    before = snapshot(world)
    refused(*agentctl(example, "apply", "-y", env=empty_keyring(tmp_path / "kr")),
            "Nothing was written: the errors above block every agent with changes")
    assert snapshot(world) == before
    (example / "catalogue/bad.yaml").write_text("agents: [\n")
    before = snapshot(world)
    refused(*agentctl(example, "apply", "-y"), "catalogue/bad.yaml:2:1: error[E100]")
    assert snapshot(world) == before


def test_refusals_of_an_applied_project_write_nothing_anywhere(world: Path, example: Path,
                                                              tmp_path: Path) -> None:
    assert agentctl(example, "apply", "-y")[0] == 0
    planfile = tmp_path / "plan.json"
    agents = example / "catalogue/agents.yaml"
    agents.write_text(agents.read_text().replace("permission: read", "permission: write", 1))
    assert agentctl(example, "plan", "--out", str(planfile))[0] == 0

    # A saved plan whose catalogue changed since, then one whose workspaces changed since.
    (example / "instructions/reviewer.md").write_text("changed again\n")
    before = snapshot(world)
    refused(*agentctl(example, "apply", str(planfile)), "different catalogue inputs")
    assert snapshot(world) == before
    assert agentctl(example, "plan", "--out", str(planfile))[0] == 0
    (example / "deploy/workspaces/reviewer/AGENTS.md").write_text("hand edit\n")
    before = snapshot(world)
    refused(*agentctl(example, "apply", str(planfile)), "changed since")
    assert snapshot(world) == before
    # Drift without --force; destroy without a terminal; a lock held by destroy.
    refused(*agentctl(example, "apply", "-y"), "re-run with --force")
    refused(*agentctl(example, "destroy"), "re-run with --force")
    refused(*agentctl(example, "destroy", "--force"), "re-run with -y/--auto-approve")
    assert snapshot(world) == before

    from agentctl.apply.lock import hold

    with hold(example / ".agentctl/apply.lock", "destroy"):
        before = snapshot(world)
        code, output = agentctl(example, "apply", "-y", "--force")
        refused(code, output, f"agentctl destroy (pid {os.getpid()} on ",
                "holds .agentctl/apply.lock; wait for it to finish")
        assert snapshot(world) == before


@pytest.mark.parametrize("entry", ["", "apply.lock", "state.json", "cache", ".gitignore"])
def test_a_symlinked_state_folder_is_refused_by_every_verb(world: Path, example: Path,
                                                           entry: str) -> None:
    if entry:
        assert agentctl(example, "apply", "-y")[0] == 0
        assert agentctl(example, "plan")[0] == 0  # the render cache exists
    outside = world / "canary"
    link = example / ".agentctl" / entry if entry else example / ".agentctl"
    target = outside / (entry or "state")
    if link.exists():
        link.rename(target)
    else:
        target.write_text("keep\n")
    link.symlink_to(target)
    before = snapshot(world)
    shown = f".agentctl/{entry}" if entry else ".agentctl"
    for verb in (["validate"], ["plan"], ["apply", "-y"], ["destroy", "-y"], ["status"],
                 ["render", "--check"]):
        code, output = agentctl(example, *verb)
        refused(code, output, f"error[E020] {shown} is a symlink (to {target})")
        assert snapshot(world) == before, verb


def test_the_state_folder_is_made_only_by_a_run_that_writes(example: Path) -> None:
    refused(*agentctl(example, "apply"), "re-run with -y")
    assert not (example / ".agentctl").exists()
    assert agentctl(example, "apply", "-y")[0] == 0
    state = example / ".agentctl"
    assert sorted(p.name for p in state.iterdir()) == [".gitignore", "apply.lock", "cache",
                                                       "state.json"]
    assert (state / "apply.lock").read_bytes() == b""  # the holder is forgotten on release
    assert "pending" not in json.loads((state / "state.json").read_text())


def test_os_errors_on_user_paths_are_one_line_each(example: Path, tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("keep\n")
    refused(*agentctl(example, "render", "--out", str(a_file)),
            f"cannot render into {a_file}: it is a file, not a folder")
    assert a_file.read_text() == "keep\n"

    a_folder = tmp_path / "a-folder"
    a_folder.mkdir()
    refused(*agentctl(example, "plan", "--out", str(a_folder)),
            f"cannot replace {a_folder}: Is a directory (EISDIR)")
    assert list(a_folder.iterdir()) == [] and list(tmp_path.glob(".a-folder.*")) == []

    (example / "deploy").write_text("not a folder\n")
    for verb in (["validate"], ["plan"], ["apply", "-y"]):
        refused(*agentctl(example, *verb),
                "error[E105] output: 'deploy' cannot be a folder: deploy is a file")


def test_a_secret_override_that_is_not_utf8_blocks_its_agents(example: Path) -> None:
    env = {**EXAMPLE_SECRETS, "FLEET_GITHUB_PAT": "\udcff\udcfe"}  # the bytes ff fe
    code, output = agentctl(example, "plan", env=env)
    refused(code, output, "looked in env FLEET_GITHUB_PAT (set, but not UTF-8 text")


def test_a_ledger_naming_files_outside_the_output_folder_is_refused(world: Path,
                                                                   example: Path) -> None:
    """The ledger may be committed, so a pull request can edit it: it must not make plan
    print a file from anywhere, nor apply delete one of the project's own files."""
    assert agentctl(example, "apply", "-y")[0] == 0
    import hashlib

    secret = world / "canary/keep.txt"
    ledger_file = example / ".agentctl/state.json"
    doc = json.loads(ledger_file.read_text())
    for rel in (os.path.relpath(secret, example), "catalogue/mcp.yaml"):
        digest = hashlib.sha256((example / rel).read_bytes()).hexdigest()
        doc["files"][rel] = {"sha256": digest, "mode": 0o644, "agent": None,
                             "target": "compose"}
    ledger_file.write_text(json.dumps(doc))
    before = snapshot(world)
    for verb in (["plan"], ["apply", "-y", "--force"], ["destroy", "-y", "--force"]):
        code, output = agentctl(example, *verb)
        refused(code, output, ".agentctl/state.json: error[E021] the ledger records files "
                "outside the output folder deploy/: ../canary/keep.txt, catalogue/mcp.yaml")
        assert "canary\n" not in output.replace("keep.txt", "")
        assert snapshot(world) == before, verb


def test_a_link_inside_the_output_folder_to_elsewhere_is_never_written_through(
    world: Path, example: Path
) -> None:
    assert agentctl(example, "apply", "-y")[0] == 0
    workspace = example / "deploy/workspaces/reviewer"
    for path in sorted(workspace.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    workspace.rmdir()
    workspace.symlink_to(example / "catalogue")  # inside the project, outside the output
    catalogue = snapshot(example / "catalogue")
    code, output = agentctl(example, "plan")
    assert "a folder on the way leads out of the output folder through a symlink" in output
    refused(*agentctl(example, "apply", "-y"), "re-run with --force")
    code, output = agentctl(example, "apply", "-y", "--force")
    refused(code, output, "agent reviewer: writing the workspace failed:",
            "leads out of", "through a symlink")
    assert snapshot(example / "catalogue") == catalogue
