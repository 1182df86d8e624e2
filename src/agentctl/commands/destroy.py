"""``agentctl destroy [AGENT…]``: tear agents down (seed: deprovision)."""

from __future__ import annotations

from pathlib import Path

from agentctl.apply import (
    apply_lock,
    apply_plan,
    check_writable,
    ledger_path,
    refuse_drift,
    refuse_if_changed,
)
from agentctl.commands import ui
from agentctl.commands.apply import confirm, report_errors
from agentctl.diagnostics import Diagnostic, DiagnosticError, did_you_mean
from agentctl.plan import make_plan
from agentctl.plan.ledger import Ledger
from agentctl.render.pipeline import build
from agentctl.secrets import SecretResolver


def delete_blocker(name: str, ledger: Ledger) -> str | None:
    """Why ``name`` cannot be destroyed now, or None (seed: ``Agent.delete_blocker``)."""
    state = ledger.agents.get(name)
    if state is None or state.lifecycle in ("draft", "deprovisioned"):
        return "it has nothing rendered"
    return None


def applied_target(ledger: Ledger) -> str | None:
    """The one target the ledger's files were rendered for, or None (none or several)."""
    found = {r.target for r in ledger.files.values()} | {
        r.target for r in ledger.env_files.values()}
    return found.pop() if len(found) == 1 else None


def run(
    directory: Path | None, explicit: bool, *, agents: list[str], auto_approve: bool,
    force: bool, target: str | None = None,
) -> int:
    """Delete the agents' managed files and env files; lifecycle → deprovisioned.

    Shared files are re-rendered for ``target``, by default the one the ledger's files
    were rendered for (so destroying after ``apply --target kubernetes`` rewrites the
    kustomization, not a compose file).
    """
    from agentctl.catalogue.project import load_project

    project = load_project(directory, explicit=explicit)
    ledger = Ledger.load(ledger_path(project))
    known = sorted(ledger.agents)
    destroyable = [n for n in known if delete_blocker(n, ledger) is None]
    problems = []
    for name in agents:
        if name not in ledger.agents:
            problems.append(
                Diagnostic("error", "E701", f"agent '{name}' was never applied",
                           detail=("Agents agentctl manages: " + (", ".join(known) or "none")
                                   + "." + did_you_mean(name, known)))
            )
    if problems:
        raise DiagnosticError(problems)
    targets = [n for n in agents if n in destroyable] if agents else destroyable
    if not targets:
        ui.out("Nothing to destroy.")
        return 0
    try:
        # Agents torn down earlier stay out of shared files (compose.yaml,
        # kustomization.yaml), which would otherwise name workspaces that are gone.
        gone = [n for n in known if n not in destroyable]
        built = build(directory, explicit=explicit, exclude=[*targets, *gone],
                      target=target or applied_target(ledger))
    except DiagnosticError:
        if set(targets) != set(destroyable):
            raise
        built = None  # destroying everything needs no catalogue
    if built is not None:
        tree = built.tree
    else:
        from agentctl.support.tree import DesiredTree

        tree = DesiredTree(target=target or applied_target(ledger) or "compose")
    plan = make_plan(project, tree, ledger, SecretResolver(), only_agents=targets)
    plan.changes = [c for c in plan.changes if c.action in ("delete", "drift")
                    or c.agent is None]
    plan.writes = {k: w for k, w in plan.writes.items() if w.agent is None}
    for agent_plan in plan.agents:
        agent_plan.action = "deprovision" if agent_plan.name in targets else "none"
        agent_plan.error = ""
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
