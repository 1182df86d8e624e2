"""``agentctl destroy [AGENT…]``: tear agents down (seed: deprovision)."""

from __future__ import annotations

from pathlib import Path

from agentctl.apply import apply_lock, apply_plan, check_writable, refuse_drift, refuse_if_changed
from agentctl.catalogue.project import load_project
from agentctl.commands import ui
from agentctl.commands.apply import confirm, report_errors
from agentctl.plan import make_plan
from agentctl.plan.destroy import destroy_targets, destroy_tree
from agentctl.plan.ledger import Ledger, ledger_path
from agentctl.secrets import SecretResolver


def run(
    directory: Path | None, explicit: bool, *, agents: list[str], auto_approve: bool,
    force: bool, target: str | None = None,
) -> int:
    """Delete the agents' managed files and env files; lifecycle → deprovisioned.

    Shared files are re-rendered for ``target``, by default the one the ledger's files
    were rendered for (so destroying after ``apply --target kubernetes`` rewrites the
    kustomization, not a compose file).
    """
    project = load_project(directory, explicit=explicit)
    ledger = Ledger.load(ledger_path(project))
    targets = destroy_targets(ledger, agents)
    if not targets:
        ui.out("Nothing to destroy.")
        return 0
    tree = destroy_tree(directory, explicit, ledger, targets, target)
    plan = make_plan(project, tree, ledger, SecretResolver(), only_agents=targets,
                     destroy=True)
    ui.print_plan(plan)
    refuse_drift(plan, force=force)
    check_writable(project)
    confirm(f"Destroy {', '.join(targets)}?", auto_approve)
    # Like apply, the lock (and the state folder) only once something is written.
    with apply_lock(project, "destroy"):
        refuse_if_changed(project, ledger)
        result = apply_plan(project, plan, ledger, force=force)
    if result.errors:
        report_errors(plan, result)
        ui.err(f"Destroyed with errors: {len(result.errors)} agent(s) failed; see above.")
        return 1
    ui.out(ui.style("Destroyed: ", "green") + ", ".join(targets)
           + f" ({result.deleted} file(s) deleted)")
    return 0
