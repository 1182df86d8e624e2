"""Where each agent stands: lifecycle from the ledger, run state observed or recorded.

The seed keeps two axes per agent: the provision *lifecycle* (draft → provisioning →
ready; deprovisioning → deprovisioned), which only the ledger knows, and the *runtime
status* (stopped, running, error, warning) shown as a coloured dot: grey, green, red,
amber. apply does not start containers, so the live run state comes from the target
that rendered the fleet (:meth:`agentctl.targets.base.Target.observe`: ``docker compose
ps`` for compose); when it cannot answer, the ledger's recorded status is used and the
reason is said.
"""

from __future__ import annotations

from msgspec import Struct

from agentctl.plan.ledger import Ledger, RuntimeStatus
from agentctl.targets.base import Observation

#: The seed's tone for each runtime status (the colorDot widget).
DOT_COLOURS: dict[str, str] = {
    "stopped": "grey",
    "running": "green",
    "error": "red",
    "warning": "amber",
}
DOT = "●"


class AgentStatus(Struct, frozen=True):
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
    """Join the ledger's agents with what the target observed, sorted by name.

    With the observer available, a service compose does not list is ``stopped``; an agent
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
