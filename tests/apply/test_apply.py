"""Apply: atomic writes and modes, drift refusal, prune, lock, saved plans, destroy."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agentctl.apply import ApplyRefused, apply_lock, apply_plan
from agentctl.plan import make_plan
from agentctl.plan.ledger import Ledger, ledger_path
from agentctl.render.pipeline import build
from agentctl.secrets import SecretResolver
from tests.conftest import example_agents, tree_bytes


def run_apply(root: Path, *, force: bool = False) -> None:
    built = build(root, explicit=True)
    ledger = Ledger.load(ledger_path(built.project))
    plan = make_plan(built.project, built.tree, ledger, SecretResolver(), inputs=built.inputs())
    apply_plan(built.project, plan, ledger, force=force)


def test_env_files_are_0600_even_with_a_permissive_umask(example: Path,
                                                         example_env: dict[str, str]) -> None:
    old = os.umask(0)
    try:
        run_apply(example)
    finally:
        os.umask(old)
    env_dir = example / "deploy/env"
    for env_file in env_dir.iterdir():
        assert env_file.stat().st_mode & 0o777 == 0o600
    assert (example / "deploy/workspaces/reviewer/AGENTS.md").stat().st_mode & 0o777 == 0o644
    text = (env_dir / "on-call.env").read_text()
    assert 'AGENTCTL_MCP_SENTRY_TOKEN="canary-sentry-\\"q\\" $$x \\\\ #1"' in text


def test_secret_values_only_in_env_files(example: Path, example_env: dict[str, str]) -> None:
    run_apply(example)
    for rel, data in tree_bytes(example).items():
        if rel.startswith("deploy/env/"):
            continue
        for value in example_env.values():
            assert value.encode() not in data, rel


def test_drift_is_refused_without_force(example: Path, example_env: dict[str, str]) -> None:
    run_apply(example)
    target = example / "deploy/workspaces/reviewer/AGENTS.md"
    target.write_text("hand edit\n")
    before = tree_bytes(example)
    with pytest.raises(ApplyRefused, match=r"reviewer/AGENTS\.md"):
        run_apply(example)
    assert tree_bytes(example) == before
    run_apply(example, force=True)
    assert target.read_text() != "hand edit\n"


def test_prune_touches_only_ledger_files(example: Path, example_env: dict[str, str]) -> None:
    run_apply(example)
    mine = example / "deploy/workspaces/handbook/NOTES.md"
    mine.write_text("my notes\n")
    agents = example / "catalogue/agents.yaml"
    text = agents.read_text()
    agents.write_text(text[: text.index("  - name: handbook")])
    run_apply(example)
    assert mine.read_text() == "my notes\n"
    assert not (example / "deploy/workspaces/handbook/AGENTS.md").exists()
    assert not (example / "deploy/workspaces/handbook/.agents").exists()  # emptied dirs pruned
    state = Ledger.load(ledger_path(build(example, explicit=True).project)).agents["handbook"]
    assert state.lifecycle == "deprovisioned"


def test_lock_prevents_interleaving_and_names_its_holder(example: Path,
                                                        example_env: dict[str, str]) -> None:
    project = build(example, explicit=True).project
    holder = rf"agentctl destroy \(pid {os.getpid()} on .+, since .+ UTC\) holds " \
             r"\.agentctl/apply\.lock; wait for it to finish"
    with apply_lock(project, "destroy"), pytest.raises(ApplyRefused, match=holder), \
            apply_lock(project, "apply"):
        pass
    with apply_lock(project, "apply"):  # released: free again, and the holder forgotten
        pass
    assert (example / ".agentctl/apply.lock").read_bytes() == b""


def test_failed_write_marks_the_agent_and_leaves_no_partial_file(
    example: Path, example_env: dict[str, str]
) -> None:
    # A folder standing where a file must go makes the write fail for that agent only.
    blocker = example / "deploy/workspaces/reviewer/CLAUDE.md"
    blocker.mkdir(parents=True)
    built = build(example, explicit=True)
    ledger = Ledger.load(ledger_path(built.project))
    plan = make_plan(built.project, built.tree, ledger, SecretResolver(), inputs=built.inputs())
    result = apply_plan(built.project, plan, ledger, force=True)
    assert set(result.errors) == {"reviewer"}
    assert not (example / "deploy/workspaces/reviewer/AGENTS.md").exists()
    leftovers = [p for p in (example / "deploy").rglob("*.tmp")]
    assert leftovers == []
    state = Ledger.load(ledger_path(built.project)).agents["reviewer"]
    assert (state.lifecycle, state.runtime_status) == ("draft", "error")
    assert "writing the workspace failed" in state.last_error
    assert Ledger.load(ledger_path(built.project)).agents["on-call"].lifecycle == "ready"


def test_no_folder_is_world_writable_and_env_folder_is_private(
    example: Path, example_env: dict[str, str]
) -> None:
    old = os.umask(0)
    try:
        run_apply(example)
    finally:
        os.umask(old)
    deploy = example / "deploy"
    for folder in [deploy, *(p for p in deploy.rglob("*") if p.is_dir())]:
        assert folder.stat().st_mode & 0o022 == 0, folder
    assert (deploy / "env").stat().st_mode & 0o777 == 0o700


def test_an_env_file_made_readable_is_put_back_to_0600(
    example: Path, example_env: dict[str, str]
) -> None:
    run_apply(example)
    env_file = example / "deploy/env/reviewer.env"
    env_file.chmod(0o644)
    built = build(example, explicit=True)
    ledger = Ledger.load(ledger_path(built.project))
    plan = make_plan(built.project, built.tree, ledger, SecretResolver(), inputs=built.inputs())
    (change,) = plan.changes
    assert (change.path, change.action, change.reason) == (
        "deploy/env/reviewer.env", "update", "mode 644 → 600")
    apply_plan(built.project, plan, ledger)
    assert env_file.stat().st_mode & 0o777 == 0o600


def test_git_ignores_every_env_file(example: Path, example_env: dict[str, str]) -> None:
    """The rendered .gitignore, read by git itself."""
    import shutil
    import subprocess

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    run_apply(example)
    subprocess.run(["git", "init", "-q", str(example)], check=True)
    env_files = sorted(str(p.relative_to(example)) for p in (example / "deploy/env").iterdir())
    assert len(env_files) == len(example_agents(running=True))
    ignored = subprocess.run(["git", "-C", str(example), "check-ignore", *env_files,
                              "deploy/compose.yaml", "deploy/workspaces/reviewer/AGENTS.md"],
                             capture_output=True, text=True, check=False)
    assert sorted(ignored.stdout.split()) == env_files
    status = subprocess.run(["git", "-C", str(example), "status", "--porcelain",
                             "--untracked-files=all"], capture_output=True, text=True,
                            check=True).stdout
    assert ".env" not in status and "deploy/compose.yaml" in status


def test_nul_in_a_keyring_value_blocks_its_agents_naming_the_key(
    example: Path, example_env: dict[str, str]
) -> None:
    environ = {**example_env, "FLEET_SENTRY_TOKEN": "nul-canary\x00-9f2e"}
    built = build(example, explicit=True)
    ledger = Ledger.load(ledger_path(built.project))
    plan = make_plan(built.project, built.tree, ledger, SecretResolver(environ),
                     inputs=built.inputs())
    messages = {d.path: d.summary for d in plan.errors if d.code == "E402"}
    assert messages == {
        "agents[on-call]": "the value of AGENTCTL_MCP_SENTRY_TOKEN contains a NUL character, "
                           "which env files cannot carry",
        "agents[triager]": "the value of AGENTCTL_MCP_SENTRY_TOKEN contains a NUL character, "
                           "which env files cannot carry",
    }
    assert not any("nul-canary" in d.format() for d in plan.errors)
    result = apply_plan(built.project, plan, ledger)
    assert set(result.errors) == {"on-call", "triager"}
    assert not (example / "deploy/env/on-call.env").exists()
    assert not (example / "deploy/workspaces/on-call").exists()
    assert (example / "deploy/env/reviewer.env").exists()


def test_a_run_that_planned_while_another_wrote_is_refused(example: Path,
                                                           example_env: dict[str, str]) -> None:
    from agentctl.apply import refuse_if_changed

    built = build(example, explicit=True)
    ledger = Ledger.load(ledger_path(built.project))
    plan = make_plan(built.project, built.tree, ledger, SecretResolver(), inputs=built.inputs())
    run_apply(example)  # another run, finished while this one planned
    with apply_lock(built.project), pytest.raises(ApplyRefused, match="changed the ledger"):
        refuse_if_changed(built.project, ledger)
    assert plan.has_changes
