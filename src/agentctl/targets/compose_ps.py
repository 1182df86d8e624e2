"""The compose target's run state: ``docker compose ps`` against the project's compose file.

apply does not start containers, so the live run state comes from ``docker compose ps
--all --format json``; when Docker or its compose plugin cannot answer, the caller uses
the ledger's recorded status and says why.

``docker compose ps --format json`` prints a JSON array (compose < 2.21) or one JSON
object per line (later); each object has ``Service``, ``State`` (created, running,
paused, restarting, removing, exited, dead), ``Health`` (empty, starting, healthy,
unhealthy) and ``ExitCode``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from agentctl.targets.base import Observation, Observed

#: Seconds to wait for ``docker compose ps``.
COMPOSE_TIMEOUT = 15
OBSERVER = "docker compose"


def parse_ps(text: str) -> dict[str, Observed]:
    """Parse ``docker compose ps --format json`` output (array or one object per line).

    Raises ValueError for output that is neither.
    """
    text = text.strip()
    if not text:
        return {}
    items: list[Any]
    if text.startswith("["):
        items = json.loads(text)
    else:
        items = [json.loads(line) for line in text.splitlines() if line.strip()]
    result: dict[str, Observed] = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("Service"), str):
            raise ValueError("an entry without a Service")
        exit_code = item.get("ExitCode", 0)
        result[item["Service"]] = Observed(
            service=item["Service"],
            state=str(item.get("State", "")).lower(),
            health=str(item.get("Health", "") or "").lower(),
            exit_code=exit_code if isinstance(exit_code, int) else 0,
        )
    return result


def _unavailable(why: str) -> Observation:
    return Observation(unavailable=why, observer=OBSERVER)


def observe(compose_file: Path, project_name: str) -> Observation:
    """Run ``docker compose version``, then ``docker compose -f FILE -p NAME ps --all
    --format json``; never raises.

    Any failure (no docker on PATH, no compose plugin, no engine, bad output) gives an
    :class:`Observation` whose ``unavailable`` says why, in one line.
    """
    docker = shutil.which("docker")
    if docker is None:
        return _unavailable("docker not found on PATH")
    if not compose_file.is_file():
        return _unavailable(f"no compose file at {compose_file}; run agentctl apply")
    # Ask for the plugin first: without it docker's complaint is about `-f`, not compose.
    for args in (["compose", "version"],
                 ["compose", "-f", str(compose_file), "-p", project_name, "ps", "--all",
                  "--format", "json"]):
        try:
            proc = subprocess.run([docker, *args], capture_output=True, text=True,
                                  timeout=COMPOSE_TIMEOUT, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return _unavailable(str(exc))
        if proc.returncode != 0:
            lines = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip()]
            return _unavailable(lines[0] if lines else f"exit code {proc.returncode}")
    try:
        return Observation(services=parse_ps(proc.stdout), observer=OBSERVER)
    except ValueError as exc:
        return _unavailable(f"unreadable `docker compose ps` output: {exc}")


#: Seconds to wait for ``docker compose down`` / ``rm --stop`` (stopping waits up to 10 s
#: per container before killing it).
STOP_TIMEOUT = 120


def stop_args(compose_file: Path, project_name: str, services: list[str] | None) -> list[str]:
    """``compose -f FILE -p NAME down`` (every service, ``services`` None) or ``compose -f
    FILE -p NAME rm --stop --force SERVICE…`` (those only), without the ``docker``."""
    head = ["compose", "-f", str(compose_file), "-p", project_name]
    if services is None:
        return [*head, "down"]
    return [*head, "rm", "--stop", "--force", *services]


def stop(compose_file: Path, project_name: str, services: list[str] | None) -> str:
    """Stop and remove the project's containers (see :func:`stop_args`); returns "" or
    why it failed, in one line. Never raises."""
    docker = shutil.which("docker")
    if docker is None:
        return "docker not found on PATH"
    try:
        proc = subprocess.run([docker, *stop_args(compose_file, project_name, services)],
                              capture_output=True, text=True, timeout=STOP_TIMEOUT,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if proc.returncode != 0:
        lines = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip()]
        return lines[-1] if lines else f"exit code {proc.returncode}"
    return ""
