"""``agentctl destroy``: running services are refused (or stopped with ``--stop``) before
any file goes, each file says why it goes, and the message says the agent comes back.

`docker compose ps` is played by the stand-in docker of tests/commands/test_status.py
(no engine on the development machines), which also logs and accepts ``down`` and
``rm --stop --force``; the no-docker path runs with no docker on PATH at all.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.commands.test_apply import snapshot
from tests.commands.test_status import PS_NDJSON
from tests.conftest import EXAMPLE_SECRETS, run_cli


@pytest.fixture
def applied(example: Path) -> Path:
    assert run_cli("-C", str(example), "apply", "-y", env=EXAMPLE_SECRETS).returncode == 0
    return example


def docker_on_path(folder: Path, log: Path) -> dict[str, str]:
    """PATH with a `docker` answering `compose version`, `compose … ps` (the recorded
    fleet: reviewer running, on-call running but unhealthy, test-fixer exited) and
    accepting `compose … down` / `compose … rm --stop --force …`."""
    folder.mkdir()
    script = folder / "docker"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> "{log}"\n'
        'if [ "$1 $2" = "compose version" ]; then echo "Docker Compose version v2.39.1"; '
        "exit 0; fi\n"
        f'case "$*" in *" ps --all --format json") cat "{PS_NDJSON}"; exit 0;;\n'
        '  *" down"|*" rm --stop --force "*) exit 0;; esac\n'
        'echo "unexpected: $*" >&2; exit 1\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return {**EXAMPLE_SECRETS, "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


def test_destroy_refuses_running_services_and_says_how_to_stop_them(
        applied: Path, tmp_path: Path) -> None:
    env = docker_on_path(tmp_path / "bin", tmp_path / "docker.log")
    before = snapshot(applied)
    done = run_cli("-C", str(applied), "destroy", "reviewer", "-y", env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "error[E731] service reviewer of project 'fleet' is running" in done.stderr
    assert (f"Stop it first: docker compose -f {applied}/deploy/compose.yaml "
            f"--project-directory {applied}/deploy rm --stop --force reviewer") in done.stderr
    assert "or pass --stop to have destroy do it. Nothing was written." in done.stderr
    assert snapshot(applied) == before
    # The whole fleet: every service of the project is stopped with `down`.
    done = run_cli("-C", str(applied), "destroy", "-y", env=env)
    assert done.returncode == 1
    assert "services on-call, reviewer of project 'fleet' are running" in done.stderr
    assert "--project-directory " in done.stderr and "deploy down" in done.stderr
    assert snapshot(applied) == before


def test_destroy_stop_stops_them_first(applied: Path, tmp_path: Path) -> None:
    log = tmp_path / "docker.log"
    env = docker_on_path(tmp_path / "bin", log)
    done = run_cli("-C", str(applied), "destroy", "reviewer", "-y", "--stop", env=env)
    assert done.returncode == 0, done.stderr
    assert "Stopped reviewer." in done.stderr
    calls = log.read_text().splitlines()
    assert calls[-1] == (f"compose -f {applied}/deploy/compose.yaml -p fleet rm --stop "
                         "--force reviewer")
    assert not (applied / "deploy/workspaces/reviewer").exists()
    done = run_cli("-C", str(applied), "destroy", "-y", "--stop", env=env)
    assert done.returncode == 0, done.stderr
    assert log.read_text().splitlines()[-1] == (
        f"compose -f {applied}/deploy/compose.yaml -p fleet down")
    assert not (applied / "deploy/compose.yaml").exists()


def test_destroy_without_docker_says_it_could_not_check(applied: Path) -> None:
    done = run_cli("-C", str(applied), "destroy", "reviewer", "-y",
                   env={**EXAMPLE_SECRETS, "PATH": "/nonexistent"})
    assert done.returncode == 0, done.stderr
    assert ("note: could not check whether the services are running (docker compose: "
            "docker not found on PATH); if they are, stop them first: docker compose -f ")\
        in done.stderr


def test_destroy_agent_says_why_each_file_goes_and_that_it_comes_back(
        applied: Path) -> None:
    done = run_cli("-C", str(applied), "destroy", "reviewer", "-y",
                   env={**EXAMPLE_SECRETS, "PATH": "/nonexistent"})
    assert done.returncode == 0, done.stderr
    assert "- delete deploy/workspaces/reviewer/AGENTS.md (agent reviewer destroyed on " \
        "request)" in done.stdout
    assert "- delete deploy/env/reviewer.env (agent reviewer destroyed on request)" \
        in done.stdout
    assert "no longer in the catalogue" not in done.stdout
    assert ("It comes back at the next `agentctl plan`/`apply` while the catalogue still "
            "has it: remove it from the catalogue to keep it gone.") in done.stdout
    again = run_cli("-C", str(applied), "plan", env=EXAMPLE_SECRETS)
    assert "agent reviewer: provision" in again.stdout
