"""Where each agent stands: lifecycle from the ledger, run state observed or recorded.

The seed keeps two axes per agent: the provision *lifecycle* (draft → provisioning →
ready; deprovisioning → deprovisioned), which only the ledger knows, and the *runtime
status* (stopped, running, error, warning) shown as a coloured dot: grey, green, red,
amber. apply does not start containers, so the live run state comes from
``docker compose ps --all --format json`` run against the project's compose file; when
Docker or its compose plugin cannot answer, the ledger's recorded status is used and the
reason is said.

``docker compose ps --format json`` prints a JSON array (compose < 2.21) or one JSON
object per line (later); each object has ``Service``, ``State`` (created, running,
paused, restarting, removing, exited, dead), ``Health`` (empty, starting, healthy,
unhealthy) and ``ExitCode``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentctl.plan.ledger import Ledger, RuntimeStatus

#: The seed's tone for each runtime status (the colorDot widget).
DOT_COLOURS: dict[str, str] = {
    "stopped": "grey",
    "running": "green",
    "error": "red",
    "warning": "amber",
}
DOT = "●"
#: Seconds to wait for ``docker compose ps``.
COMPOSE_TIMEOUT = 15


@dataclass(frozen=True)
class Observed:
    """One compose service as ``docker compose ps`` reports it."""

    service: str
    state: str
    health: str = ""
    exit_code: int = 0

    @property
    def runtime_status(self) -> RuntimeStatus:
        """Map compose's state and health to the seed's runtime status.

        running (healthy or no health check) → running; running but unhealthy or still
        starting, restarting, paused → warning; exited non-zero, dead → error; exited 0,
        created, removing → stopped.
        """
        if self.state == "running":
            return "warning" if self.health in ("unhealthy", "starting") else "running"
        if self.state in ("restarting", "paused"):
            return "warning"
        if self.state == "dead" or (self.state == "exited" and self.exit_code != 0):
            return "error"
        return "stopped"


@dataclass
class Observation:
    """What ``docker compose ps`` said: ``services`` by name, or ``unavailable`` why not."""

    services: dict[str, Observed] = field(default_factory=dict)
    unavailable: str = ""

    @property
    def source(self) -> str:
        """``docker compose`` or ``ledger (docker compose not available: …)``."""
        if self.unavailable:
            return f"ledger (docker compose not available: {self.unavailable})"
        return "docker compose"


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


def observe(compose_file: Path, project_name: str) -> Observation:
    """Run ``docker compose version``, then ``docker compose -f FILE -p NAME ps --all
    --format json``; never raises.

    Any failure (no docker on PATH, no compose plugin, no engine, bad output) gives an
    :class:`Observation` whose ``unavailable`` says why, in one line.
    """
    docker = shutil.which("docker")
    if docker is None:
        return Observation(unavailable="docker not found on PATH")
    if not compose_file.is_file():
        return Observation(unavailable=f"no compose file at {compose_file}; run agentctl apply")
    # Ask for the plugin first: without it docker's complaint is about `-f`, not compose.
    for args in (["compose", "version"],
                 ["compose", "-f", str(compose_file), "-p", project_name, "ps", "--all",
                  "--format", "json"]):
        try:
            proc = subprocess.run([docker, *args], capture_output=True, text=True,
                                  timeout=COMPOSE_TIMEOUT, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return Observation(unavailable=str(exc))
        if proc.returncode != 0:
            lines = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip()]
            return Observation(unavailable=lines[0] if lines else f"exit code {proc.returncode}")
    try:
        return Observation(services=parse_ps(proc.stdout))
    except ValueError as exc:
        return Observation(unavailable=f"unreadable `docker compose ps` output: {exc}")


@dataclass(frozen=True)
class AgentStatus:
    """One row of ``agentctl status``."""

    name: str
    lifecycle: str
    runtime_status: RuntimeStatus
    last_error: str
    runtime: str
    workspace: str
    service: str
    observed_state: str

    def to_json(self) -> dict[str, str]:
        """The row as JSON (``dot`` is the seed's colour name)."""
        return {"name": self.name, "lifecycle": self.lifecycle,
                "runtime_status": self.runtime_status,
                "dot": DOT_COLOURS[self.runtime_status], "last_error": self.last_error,
                "runtime": self.runtime, "workspace": self.workspace, "service": self.service,
                "observed_state": self.observed_state}


def agent_statuses(ledger: Ledger, observation: Observation) -> list[AgentStatus]:
    """Join the ledger's agents with what compose observed, sorted by name.

    With compose available, a service compose does not list is ``stopped``; an agent
    without a service (runtime ``none``) keeps the ledger's status. A recorded error
    stays in ``last_error`` either way.
    """
    rows = []
    for name, state in sorted(ledger.agents.items()):
        status: RuntimeStatus = state.runtime_status
        observed_state = ""
        if not observation.unavailable and state.service:
            seen = observation.services.get(state.service)
            status = seen.runtime_status if seen else "stopped"
            observed_state = seen.state if seen else "absent"
            if seen and seen.health:
                observed_state += f" ({seen.health})"
        rows.append(AgentStatus(name, state.lifecycle, status, state.last_error, state.runtime,
                                state.workspace, state.service, observed_state))
    return rows
