"""Plan: create, update, delete, drift, adopt; env files by name only; blocked agents."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from agentctl.apply import apply_plan
from agentctl.plan import Plan, make_plan
from agentctl.plan.ledger import Ledger, ledger_path
from agentctl.render.pipeline import build
from agentctl.secrets import SecretResolver
from tests.conftest import MemoryKeyring, ProjectFactory, example_agents


def plan_for(root: Path) -> tuple[Plan, Ledger]:
    built = build(root, explicit=True)
    ledger = Ledger.load(ledger_path(built.project))
    return make_plan(built.project, built.tree, ledger, SecretResolver(),
                     inputs=built.inputs()), ledger


def applied(root: Path) -> None:
    built = build(root, explicit=True)
    plan, ledger = plan_for(root)
    apply_plan(built.project, plan, ledger)


def actions(plan: Plan) -> dict[str, str]:
    return {c.path: c.action for c in plan.changes}


def test_first_plan_creates_everything(example: Path, example_env: dict[str, str]) -> None:
    plan, _ = plan_for(example)
    assert set(actions(plan).values()) == {"create"}
    assert "deploy/env/reviewer.env" in actions(plan)
    assert {a.name: a.action for a in plan.agents} == {
        name: "provision" for name in example_agents()}
    assert plan.has_changes


def test_plan_after_apply_is_empty(example: Path, example_env: dict[str, str]) -> None:
    applied(example)
    plan, _ = plan_for(example)
    assert not plan.has_changes, plan.to_json()


def test_catalogue_edit_is_an_update_with_a_diff(example: Path,
                                                 example_env: dict[str, str]) -> None:
    applied(example)
    md = example / "instructions/reviewer.md"
    md.write_text(md.read_text() + "- Be kind.\n")
    plan, _ = plan_for(example)
    (change,) = plan.changes
    assert (change.path, change.action) == ("deploy/workspaces/reviewer/AGENTS.md", "update")
    assert change.diff is not None and "+- Be kind." in change.diff
    assert {a.name: a.action for a in plan.agents}["reviewer"] == "update"


def test_hand_edit_is_drift(example: Path, example_env: dict[str, str]) -> None:
    applied(example)
    (example / "deploy/workspaces/reviewer/CLAUDE.md").write_text("mine\n")
    plan, _ = plan_for(example)
    assert actions(plan) == {"deploy/workspaces/reviewer/CLAUDE.md": "drift"}


def test_removed_agent_is_pruned_and_deprovisioned(example: Path,
                                                   example_env: dict[str, str]) -> None:
    applied(example)
    agents = example / "catalogue/agents.yaml"
    text = agents.read_text()
    start = text.index("  - name: handbook")
    agents.write_text(text[:start])
    plan, _ = plan_for(example)
    deleted = {p for p, a in actions(plan).items() if a == "delete"}
    assert deleted == {"deploy/workspaces/handbook/AGENTS.md",
                       "deploy/workspaces/handbook/.agents/skills/code-review/SKILL.md",
                       "deploy/workspaces/handbook/.agents/skills/code-review/references/"
                       "checklist.md",
                       "deploy/workspaces/handbook/.agents/skills/incident-triage/SKILL.md"}
    assert {a.name: a.action for a in plan.agents}["handbook"] == "deprovision"


def test_rotated_secret_updates_env_file_by_name_only(
    example: Path, example_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    applied(example)
    monkeypatch.setenv("FLEET_GITHUB_PAT", "canary-rotated-55aa")
    plan, _ = plan_for(example)
    changed = {c.path: c for c in plan.changes}
    assert set(changed) == {f"deploy/env/{a}.env" for a in example_agents(running=True)}
    change = changed["deploy/env/reviewer.env"]
    assert change.variables == ["AGENTCTL_MCP_GITHUB_TOKEN"]
    assert change.reason == "change AGENTCTL_MCP_GITHUB_TOKEN"
    dumped = json.dumps(plan.to_json())
    assert "canary" not in dumped


def test_missing_secret_blocks_only_the_agents_needing_it(
    example: Path, example_env: dict[str, str], memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("FLEET_SENTRY_TOKEN")
    plan, ledger = plan_for(example)
    built = build(example, explicit=True)
    result = apply_plan(built.project, plan, ledger)
    assert {e.path for e in plan.errors} == {"agents[on-call]", "agents[triager]"}
    for error in plan.errors:
        assert error.code == "E401"
        assert "sentry-token" in error.summary and "AGENTCTL_MCP_SENTRY_TOKEN" in error.summary
        assert "env FLEET_SENTRY_TOKEN (not set)" in error.summary
    assert not any(c.agent in ("on-call", "triager") for c in plan.changes)
    assert set(result.errors) == {"on-call", "triager"}
    state = Ledger.load(ledger_path(built.project)).agents["on-call"]
    assert (state.lifecycle, state.runtime_status) == ("draft", "error")
    assert not (example / "deploy/workspaces/on-call").exists()
    assert (example / "deploy/workspaces/reviewer/AGENTS.md").exists()


def test_existing_identical_file_is_adopted(example: Path, example_env: dict[str, str]) -> None:
    built = build(example, explicit=True)
    target = example / "deploy/workspaces/reviewer/CLAUDE.md"
    target.parent.mkdir(parents=True)
    target.write_bytes(built.tree.files["workspaces/reviewer/CLAUDE.md"].content)
    target.chmod(0o644)
    plan, _ = plan_for(example)
    change = {c.path: c for c in plan.changes}["deploy/workspaces/reviewer/CLAUDE.md"]
    assert change.action == "update" and "takes it over" in change.reason


def test_model_less_agent_needs_no_secret(make_project: ProjectFactory) -> None:
    root = make_project({"catalogue/a.yaml": "agents:\n  - name: solo\n    runtime: claude-code\n"
                                        "    instructions: hi\n"})
    built = build(root, explicit=True)
    assert built.tree.env_files == {}
    assert "env_file" not in built.tree.files["compose.yaml"].content.decode()
    plan, _ = plan_for(root)  # no keyring is asked: nothing needs a secret
    assert not plan.errors



def test_state_digest_follows_the_ledger_file(example: Path, example_env: dict[str, str]) -> None:
    applied(example)
    first, _ = plan_for(example)
    again, _ = plan_for(example)
    assert first.state_digest == again.state_digest  # same bytes on disk, same digest
    path = ledger_path(build(example, explicit=True).project)
    ledger = Ledger.load(path)
    ledger.agents["reviewer"].runtime_status = "error"
    ledger.save(path)
    changed, _ = plan_for(example)
    assert changed.state_digest != first.state_digest


def _reopen(root: Path, edit: dict[str, object]) -> None:
    """Rewrite the ledger as an apply killed at some point would have left it."""
    path = root / ".agentctl/state.json"
    doc = json.loads(path.read_text())
    doc.update(edit)
    path.write_text(json.dumps(doc))


def test_a_file_written_but_not_recorded_is_recorded_by_the_next_apply(
    example: Path, example_env: dict[str, str]
) -> None:
    """Killed after writing new bytes, before the checkpoint: the old record stays. The
    file already matches, but plan still lists it so apply brings the ledger up to date
    (else the next change to it would be refused as a hand edit)."""
    applied(example)
    rel = "deploy/workspaces/reviewer/AGENTS.md"
    env_rel = "deploy/env/reviewer.env"
    doc = json.loads((example / ".agentctl/state.json").read_text())
    doc["files"][rel]["sha256"] = "0" * 64
    del doc["env_files"][env_rel]
    _reopen(example, {"files": doc["files"], "env_files": doc["env_files"]})
    plan, _ = plan_for(example)
    reasons = {c.path: (c.action, c.reason) for c in plan.changes}
    catch_up = "already written by an interrupted apply; the ledger records it now"
    assert reasons == {rel: ("update", catch_up), env_rel: ("update", catch_up)}
    applied(example)
    assert plan_for(example)[0].changes == []


def test_the_intent_tells_an_interrupted_write_from_a_hand_edit(
    example: Path, example_env: dict[str, str]
) -> None:
    applied(example)
    rel = "deploy/workspaces/reviewer/AGENTS.md"
    half = b"bytes an interrupted apply wrote\n"
    (example / rel).write_bytes(half)
    assert [c.action for c in plan_for(example)[0].changes] == ["drift"]  # no intent: a hand edit
    _reopen(example, {"pending": {rel: hashlib.sha256(half).hexdigest()}})
    (change,) = plan_for(example)[0].changes
    assert (change.path, change.action) == (rel, "update")
    assert "since an interrupted apply wrote it" in change.reason


def test_an_unrecorded_file_of_a_dropped_agent_is_pruned(
    example: Path, example_env: dict[str, str]
) -> None:
    """A first apply killed before recording handbook's files; then handbook is dropped:
    the files holding the intended bytes are agentctl's to delete, others are kept."""
    applied(example)
    doc = json.loads((example / ".agentctl/state.json").read_text())
    ours = {k: v["sha256"] for k, v in doc["files"].items() if "/handbook/" in k}
    for rel in ours:
        del doc["files"][rel]
    mine = "deploy/workspaces/handbook/AGENTS.md"
    (example / mine).write_text("edited meanwhile\n")
    _reopen(example, {"files": doc["files"], "pending": ours})
    agents = example / "catalogue/agents.yaml"
    text = agents.read_text()
    agents.write_text(text[: text.index("  - name: handbook")])
    plan, _ = plan_for(example)
    deletes = {c.path for c in plan.changes if c.action == "delete"}
    assert deletes == set(ours) - {mine}


def test_a_destroy_plan_deprovisions_exactly_its_agents(
    example: Path, example_env: dict[str, str]
) -> None:
    from agentctl.plan.destroy import destroy_targets, destroy_tree

    applied(example)
    project = build(example, explicit=True).project
    ledger = Ledger.load(ledger_path(project))
    targets = destroy_targets(ledger, ["reviewer"])
    tree = destroy_tree(example, True, ledger, targets, None)
    plan = make_plan(project, tree, ledger, SecretResolver(), only_agents=targets,
                     destroy=True)
    assert [(a.name, a.action, a.error) for a in plan.agents] == [
        ("reviewer", "deprovision", "")]
    assert {c.action for c in plan.changes if c.agent == "reviewer"} == {"delete"}
    assert "deploy/workspaces/reviewer/AGENTS.md" in actions(plan)
    assert actions(plan)["deploy/env/reviewer.env"] == "delete"
    # Only shared files are written (compose.yaml no longer names the agent).
    assert plan.writes and all(w.agent is None for w in plan.writes.values())
    assert actions(plan)["deploy/compose.yaml"] == "update"
    assert b"reviewer" not in plan.writes["deploy/compose.yaml"].content


def test_destroy_refuses_an_agent_never_applied(example: Path) -> None:
    from agentctl.diagnostics import DiagnosticError
    from agentctl.plan.destroy import destroy_targets

    with pytest.raises(DiagnosticError) as info:
        destroy_targets(Ledger(), ["handbok"])
    (err,) = info.value.errors
    assert err.code == "E701" and err.summary == "agent 'handbok' was never applied"


def test_a_saved_plan_is_read_once_and_held_against_the_fresh_one(
    example: Path, example_env: dict[str, str], tmp_path: Path
) -> None:
    from agentctl.plan import plan_file_json
    from agentctl.plan.saved import ApplyRefused, read_saved_plan

    plan, _ = plan_for(example)
    saved_file = tmp_path / "plan.json"
    saved_file.write_bytes(plan_file_json(plan))
    saved = read_saved_plan(saved_file)
    saved_file.unlink()  # everything needed was read
    assert saved.target == "compose"
    saved.check(plan)
    plan.inputs_digest = "0" * 64
    with pytest.raises(ApplyRefused, match="different catalogue inputs"):
        saved.check(plan)
    saved_file.write_text('{"format_version": "2.0"}')
    with pytest.raises(ApplyRefused, match="is not an agentctl plan"):
        read_saved_plan(saved_file)
