"""``agentctl status``: the ledger path for real, compose ps parsing through a stand-in docker.

Docker's CLI is on the development machines but neither its compose plugin nor an
engine, so `docker compose ps` is played by a fake ``docker`` executable on PATH that
prints recorded ``docker compose ps --format json`` output (tests/data/compose/). It is
the one stand-in in this suite: the real docker's failure path is tested as it is.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from agentctl.targets.compose_ps import Observed, parse_ps
from tests.conftest import EXAMPLE_SECRETS, ROOT, run_cli

PS_NDJSON = ROOT / "tests/data/compose/ps.ndjson"


@pytest.fixture
def applied(example: Path) -> Path:
    assert run_cli("-C", str(example), "apply", "-y", env=EXAMPLE_SECRETS).returncode == 0
    return example


def fake_docker(folder: Path, ps_output: str, log: Path) -> str:
    """A `docker` that answers `compose version` and `compose … ps` like compose 2.x."""
    folder.mkdir()
    (folder / "ps.out").write_text(ps_output)
    script = folder / "docker"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> "{log}"\n'
        'if [ "$1 $2" = "compose version" ]; then echo "Docker Compose version v2.39.1"; '
        "exit 0; fi\n"
        f'case "$*" in *" ps --all --format json") cat "{folder}/ps.out"; exit 0;; esac\n'
        'echo "unexpected: $*" >&2; exit 1\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return f"{folder}{os.pathsep}{os.environ['PATH']}"


def test_status_from_compose_ps(applied: Path, tmp_path: Path) -> None:
    log = tmp_path / "docker.log"
    path = fake_docker(tmp_path / "bin", PS_NDJSON.read_text(), log)
    result = run_cli("-C", str(applied), "status", "--json", env={"PATH": path})
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["source"] == "docker compose"
    rows = {a["name"]: a for a in doc["agents"]}
    assert (rows["reviewer"]["runtime_status"], rows["reviewer"]["dot"]) == ("running", "green")
    assert (rows["on-call"]["runtime_status"], rows["on-call"]["dot"]) == ("warning", "amber")
    assert rows["on-call"]["observed_state"] == "running (unhealthy)"
    assert (rows["test-fixer"]["runtime_status"], rows["test-fixer"]["dot"]) == ("error", "red")
    assert (rows["triager"]["runtime_status"], rows["triager"]["dot"]) == ("stopped", "grey")
    assert rows["docs-writer"]["observed_state"] == "absent"  # not in ps: stopped
    assert rows["handbook"]["service"] == "" and rows["handbook"]["observed_state"] == ""
    assert all(a["lifecycle"] == "ready" for a in doc["agents"])
    ps_call = log.read_text().splitlines()[-1]
    compose_file = (applied / "deploy/compose.yaml").resolve()
    assert ps_call == f"compose -f {compose_file} -p fleet ps --all --format json"


def test_status_text_table_from_compose(applied: Path, tmp_path: Path) -> None:
    path = fake_docker(tmp_path / "bin", PS_NDJSON.read_text(), tmp_path / "log")
    result = run_cli("-C", str(applied), "status", env={"PATH": path})
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["agent", "lifecycle", "status", "service", "workspace",
                                "last", "error"]
    reviewer = next(line for line in lines if " reviewer " in line)
    assert reviewer.split()[:5] == ["●", "reviewer", "ready", "running", "[running]"]
    assert lines[-1] == "source: docker compose"
    assert "\x1b[" not in result.stdout  # not a terminal, NO_COLOR: plain text


def test_status_from_the_ledger_without_docker(applied: Path, tmp_path: Path) -> None:
    state_file = applied / ".agentctl/state.json"
    state = json.loads(state_file.read_text())
    state["agents"]["triager"].update(runtime_status="error", last_error="image pull failed")
    state_file.write_text(json.dumps(state))
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    result = run_cli("-C", str(applied), "status", env={"PATH": str(empty)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == (
        "source: ledger (docker compose not available: docker not found on PATH)")
    triager = next(line for line in result.stdout.splitlines() if " triager " in line)
    assert triager.split()[3] == "error" and triager.endswith("image pull failed")


@pytest.mark.skipif(shutil.which("docker") is None, reason="no docker CLI on this machine")
def test_status_with_the_real_docker_cli(applied: Path) -> None:
    works = subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0
    if works:
        pytest.skip("docker compose works here; the fake-docker test covers parsing")
    result = run_cli("-C", str(applied), "status", "--json")
    doc = json.loads(result.stdout)
    assert doc["source"].startswith("ledger (docker compose not available: ")
    assert {a["runtime_status"] for a in doc["agents"]} == {"stopped"}


def test_status_before_any_apply(example: Path) -> None:
    result = run_cli("-C", str(example), "status", env={"PATH": "/nonexistent"})
    assert result.returncode == 0
    assert "No agents applied yet" in result.stdout


def test_parse_ps_reads_both_compose_output_forms() -> None:
    lines = PS_NDJSON.read_text()
    as_array = "[" + ",".join(lines.strip().splitlines()) + "]"
    assert parse_ps(lines) == parse_ps(as_array)
    assert set(parse_ps(lines)) == {"reviewer", "on-call", "test-fixer", "triager"}
    assert parse_ps("") == {}
    with pytest.raises(ValueError):
        parse_ps('[{"State": "running"}]')


@pytest.mark.parametrize(("state", "health", "code", "expected"), [
    ("running", "", 0, "running"), ("running", "healthy", 0, "running"),
    ("running", "starting", 0, "warning"), ("running", "unhealthy", 0, "warning"),
    ("restarting", "", 1, "warning"), ("paused", "", 0, "warning"),
    ("exited", "", 0, "stopped"), ("exited", "", 2, "error"), ("dead", "", 0, "error"),
    ("created", "", 0, "stopped"),
])
def test_compose_state_maps_to_runtime_status(
    state: str, health: str, code: int, expected: str
) -> None:
    assert Observed("s", state, health, code).runtime_status == expected


def test_status_falls_back_to_the_ledger_when_the_engine_is_down(
    applied: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "docker"
    script.write_text(
        '#!/bin/sh\nif [ "$1 $2" = "compose version" ]; then exit 0; fi\n'
        'echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock." >&2\n'
        "exit 1\n")
    script.chmod(0o755)
    result = run_cli("-C", str(applied), "status", "--json",
                     env={"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"})
    assert json.loads(result.stdout)["source"] == (
        "ledger (docker compose not available: Cannot connect to the Docker daemon at "
        "unix:///var/run/docker.sock.)")
