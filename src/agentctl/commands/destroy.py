"""``agentctl destroy [AGENT…]``: tear agents down (seed: deprovision).

Before anything is removed, destroy asks the target whether the agents' services are
running (:meth:`~agentctl.targets.base.Target.observe`: ``docker compose ps`` for
compose): running services are refused (E731) with the command that stops them, unless
``--stop`` runs it first, since once compose.yaml is gone ``docker compose down`` has
nothing to read. When the target cannot tell (no docker), destroy says it could not check.
"""

from __future__ import annotations

from pathlib import Path

from agentctl.apply import apply_lock, apply_plan, check_writable, refuse_drift, refuse_if_changed
from agentctl.catalogue.project import Project, load_project
from agentctl.commands import ui
from agentctl.commands.apply import confirm, report_errors
from agentctl.diagnostics import Diagnostic, DiagnosticError
from agentctl.plan import make_plan
from agentctl.plan.destroy import destroy_targets, destroy_tree
from agentctl.plan.ledger import Ledger, ledger_path
from agentctl.secrets import SecretResolver
from agentctl.targets import get_target

#: The observed states of a service that is up (compose vocabulary).
UP_STATES = ("running", "restarting", "paused")


def run(
    directory: Path | None, explicit: bool, *, agents: list[str], auto_approve: bool,
    force: bool, target: str | None = None, stop: bool = False,
) -> int:
    """Delete the agents' managed files and env files; lifecycle → deprovisioned.

    Shared files are re-rendered for ``target``, by default the one the ledger's files
    were rendered for (so destroying after ``apply --target kubernetes`` rewrites the
    kustomization, not a compose file). Running services are refused (E731) unless
    ``stop``, which stops them after the confirmation and before any file goes.
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
    services = _services(ledger, agents, targets)
    running = running_services(project, tree.target, services)
    if running and not stop:
        raise DiagnosticError([_running_error(project, tree.target, running, services)])
    confirm(f"Destroy {', '.join(targets)}?", auto_approve)
    if running:
        stop_services(project, tree.target, running, services)
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
    ui.out(f"{'They come' if len(targets) > 1 else 'It comes'} back at the next "
           "`agentctl plan`/`apply` while the catalogue still has "
           f"{'them' if len(targets) > 1 else 'it'}: remove "
           f"{'them' if len(targets) > 1 else 'it'} from the catalogue to keep "
           f"{'them' if len(targets) > 1 else 'it'} gone.")
    return 0


def _services(ledger: Ledger, asked: list[str], targets: list[str]) -> list[str] | None:
    """The compose services of the agents ``targets``; None when they are the whole fleet
    (every service of the project then goes, internal MCP servers included)."""
    applied = {n for n, s in ledger.agents.items()
               if s.lifecycle not in ("draft", "deprovisioned")}
    if not asked or set(targets) == applied:
        return None
    return [ledger.agents[n].service or n for n in targets]


def running_services(project: Project, target_name: str,
                     services: list[str] | None) -> list[str]:
    """The services of ``services`` (None: any of the project's) the target sees up,
    sorted. When the target observes but cannot answer now (no docker), says on stderr
    that it could not check, and returns none."""
    target = get_target(target_name)
    observation = target.observe(project)
    if observation.unavailable:
        if observation.observer and not observation.unavailable.startswith("no compose file"):
            ui.err(f"note: could not check whether the services are running "
                   f"({observation.observer}: {observation.unavailable}); if they are, stop "
                   f"them first: {target.stop_command(project, services)}")
        return []
    return sorted(name for name, seen in observation.services.items()
                  if seen.state in UP_STATES and (services is None or name in services))


def _running_error(project: Project, target_name: str, running: list[str],
                   services: list[str] | None) -> Diagnostic:
    """E731: services are up; removing compose.yaml now would strand them."""
    command = get_target(target_name).stop_command(project, services)
    return Diagnostic(
        "error", "E731", f"{'services' if len(running) > 1 else 'service'} "
        f"{', '.join(running)} of project '{project.name}' "
        f"{'are' if len(running) > 1 else 'is'} running",
        detail=f"Stop {'them' if len(running) > 1 else 'it'} first: {command}\n"
        "or pass --stop to have destroy do it. Nothing was written.")


def stop_services(project: Project, target_name: str, running: list[str],
                  services: list[str] | None) -> None:
    """Stop the services (``--stop``); raises :class:`DiagnosticError` (E731) when the
    target could not, before any file is removed."""
    target = get_target(target_name)
    why = target.stop(project, services)
    if why:
        raise DiagnosticError([Diagnostic(
            "error", "E731", f"could not stop {', '.join(running)}: {why}",
            detail=f"Stop them yourself ({target.stop_command(project, services)}) and run "
            "destroy again. Nothing was written.")])
    ui.err(f"Stopped {', '.join(running)}.")
