"""Per-agent actions of a plan, from the ledger's lifecycle (seed ``AgentLifecycle``).

An agent the tree wants is provisioned (not ready yet), retried (its last apply
failed), updated (one of its files changes) or left alone; one the tree no longer wants
is deprovisioned. A plan made to destroy (``make_plan(..., destroy=True)``)
deprovisions exactly the agents it was asked to.
"""

from __future__ import annotations

from collections.abc import Collection

from agentctl.plan.ledger import Ledger
from agentctl.plan.model import AgentAction, AgentPlan, FileChange


def agent_plans(
    wanted: Collection[str], ledger: Ledger, changes: list[FileChange],
    blocked: dict[str, str], only_agents: Collection[str] | None,
) -> list[AgentPlan]:
    """One :class:`AgentPlan` per agent the tree (``wanted``) or the ledger names, in name
    order (only ``only_agents`` when given); a ``blocked`` agent carries its error."""
    touched = {c.agent for c in changes if c.agent}
    plans: list[AgentPlan] = []
    for name in sorted(set(wanted) | set(ledger.agents)):
        if only_agents is not None and name not in only_agents:
            continue
        state = ledger.agents.get(name)
        lifecycle = state.lifecycle if state else "draft"
        status = state.runtime_status if state else "stopped"
        if name in blocked:
            action: AgentAction = "provision" if lifecycle != "ready" else "update"
            plans.append(AgentPlan(name, action, lifecycle, status, blocked[name]))
            continue
        plans.append(AgentPlan(name, _action(name in wanted, lifecycle, status,
                                             name in touched), lifecycle, status))
    return plans


def _action(wanted: bool, lifecycle: str, status: str, touched: bool) -> AgentAction:
    if wanted:
        if lifecycle != "ready":
            return "provision"
        if status == "error":
            return "retry"
        return "update" if touched else "none"
    if lifecycle not in ("deprovisioned", "draft"):
        return "deprovision"
    return "none"


def destroy_plans(ledger: Ledger, targets: Collection[str]) -> list[AgentPlan]:
    """The agent actions of a destroy plan: each of ``targets`` deprovisioned."""
    plans: list[AgentPlan] = []
    for name in sorted(targets):
        state = ledger.agents.get(name)
        plans.append(AgentPlan(name, "deprovision", state.lifecycle if state else "draft",
                               state.runtime_status if state else "stopped"))
    return plans
