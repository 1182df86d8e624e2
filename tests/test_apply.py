"""Apply: atomic writes and modes, drift refusal, prune, lock, saved plans, destroy."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agentctl.apply import ApplyRefused, apply_lock, apply_plan, ledger_path
from agentctl.ledger import Ledger
from agentctl.pipeline import build
from agentctl.plan import make_plan
from agentctl.secrets import SecretResolver
from tests.conftest import tree_bytes


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


def test_lock_prevents_interleaving(example: Path, example_env: dict[str, str]) -> None:
    project = build(example, explicit=True).project
    with apply_lock(project), pytest.raises(ApplyRefused, match="another agentctl apply"), \
            apply_lock(project):
        pass


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
