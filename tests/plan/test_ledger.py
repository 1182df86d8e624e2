"""Ledger: lifecycle transitions (seed mark_* methods) and file format."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentctl.plan.ledger import AgentState, FileRecord, Ledger, LedgerError


def test_provision_flow() -> None:
    state = AgentState()
    state.mark_provisioning()
    assert (state.lifecycle, state.runtime_status) == ("provisioning", "stopped")
    state.mark_provisioned(workspace="deploy/workspaces/a", service="a")
    assert (state.lifecycle, state.workspace, state.last_error) == (
        "ready", "deploy/workspaces/a", "")


def test_failure_follows_the_workspace() -> None:
    fresh = AgentState()
    fresh.mark_provisioning()
    fresh.mark_provision_failed("boom")
    assert (fresh.lifecycle, fresh.runtime_status, fresh.last_error) == ("draft", "error", "boom")
    held = AgentState()
    held.mark_provisioned(workspace="w")
    held.mark_provisioning()
    held.mark_provision_failed("boom")
    assert held.lifecycle == "ready"  # never stranded mid-flow
    held.mark_provision_failed("gone", clear_instances=True)
    assert held.lifecycle == "draft" and held.workspace == ""


def test_teardown() -> None:
    state = AgentState()
    state.mark_provisioned(workspace="w", service="s")
    state.mark_deprovisioning()
    assert state.lifecycle == "deprovisioning"
    state.mark_deprovisioned()
    assert (state.lifecycle, state.workspace, state.service) == ("deprovisioned", "", "")


def test_round_trip_and_determinism(tmp_path: Path) -> None:
    ledger = Ledger(files={"b": FileRecord("1" * 64, 0o644, "a"), "a": FileRecord("2" * 64, 0o755)})
    ledger.agents["a"] = AgentState(lifecycle="ready")
    path = tmp_path / "state.json"
    ledger.save(path)
    again = Ledger.load(path)
    assert again == ledger
    assert again.to_json() == ledger.to_json()


def test_unknown_version_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text('{"format_version": 99}')
    with pytest.raises(LedgerError):
        Ledger.load(path)
    path.write_text("{nope")
    with pytest.raises(LedgerError):
        Ledger.load(path)


def test_the_intent_round_trips_and_a_converged_ledger_has_none(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    ledger = Ledger(files={"a": FileRecord("1" * 64, 0o644, "x")})
    ledger.save(path)
    assert "pending" not in path.read_text()  # reads as before the intent existed
    ledger.pending = {"deploy/b": "2" * 64, "deploy/env/x.env": None}
    ledger.save(path)
    again = Ledger.load(path)
    assert again.pending == ledger.pending
    assert Ledger.read_digest(path) == again.loaded_sha256
    assert Ledger.read_digest(tmp_path / "missing.json") is None


def test_the_ledger_bytes_are_json_dumps_indented() -> None:
    # The ledger's file format: json.dumps with sorted keys and a 2-space indent.
    import json
    import random

    from agentctl.plan.ledger import EnvRecord

    rng = random.Random(15)
    alphabet = "abcXYZ09/._-\"\\\n\t\x00\x1f é→😀"

    def text() -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12)))

    ledger = Ledger(
        files={text(): FileRecord(text(), rng.randrange(0, 0o7777),
                                  rng.choice([None, text()]), text()) for _ in range(300)},
        env_files={text(): EnvRecord(text(), [text() for _ in range(rng.randrange(0, 4))],
                                     text()) for _ in range(100)},
        agents={text(): AgentState(last_error=text(), runtime=text(), workspace=text())
                for _ in range(100)},
        pending={text(): rng.choice([None, text()]) for _ in range(50)},
    )
    for each in (ledger, Ledger()):
        expected = (json.dumps(each._document(), indent=2, sort_keys=True) + "\n").encode()
        assert each.to_json() == expected
