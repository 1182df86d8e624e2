"""``agentctl apply [PLANFILE]``: carry out the plan after confirmation."""

from __future__ import annotations

import sys
from pathlib import Path

from agentctl.apply import (
    ApplyRefused,
    ApplyResult,
    apply_lock,
    apply_plan,
    check_writable,
    refuse_drift,
    refuse_if_changed,
)
from agentctl.catalogue.project import Project
from agentctl.commands import fleet_progress, ui
from agentctl.commands.plan import compute
from agentctl.plan import Plan
from agentctl.plan.saved import read_saved_plan
from agentctl.render.pipeline import build


def confirm(question: str, auto_approve: bool) -> None:
    """Ask ``question`` on the terminal; without one (and without -y) refuse clearly."""
    if auto_approve:
        return
    if not sys.stdin.isatty():
        raise ApplyRefused(
            "no terminal to ask for confirmation on; re-run with -y/--auto-approve. "
            "Nothing was written."
        )
    import typer

    if not typer.confirm(question, default=False):
        raise ApplyRefused("cancelled; nothing was written")


def run(
    directory: Path | None,
    explicit: bool,
    *,
    plan_file: Path | None,
    auto_approve: bool,
    force: bool,
    target: str | None = None,
    trust: bool = False,
) -> int:
    """Plan, check a saved plan still holds, confirm, apply. Returns the exit code.

    ``target`` None means the saved plan's target, else the project's. Every refusal
    (invalid catalogue, keyring unavailable, stale saved plan, drift, no terminal, every
    changed agent blocked, an unwritable output folder) comes before anything is written:
    the state folder, the lock and the render cache are made only once the run writes.
    """
    saved = read_saved_plan(plan_file) if plan_file is not None else None
    if saved is not None and target is None:
        target = saved.target
    with fleet_progress.rendering() as progress:
        built = build(directory, explicit=explicit, target=target, trust=trust,
                      use_cache=True, progress=progress)
    plan, ledger = compute(built)
    if saved is not None:
        saved.check(plan)
        auto_approve = True  # a saved plan is the approval, as in Terraform
    ui.print_diagnostics(plan.warnings)
    ui.print_plan(plan)
    if not plan.has_changes and not plan.errors:
        return 0
    if plan.blocked:
        ui.print_diagnostics(plan.errors)
        ui.err("Nothing was written: the errors above block every agent with changes.")
        return 1
    refuse_drift(plan, force=force)
    check_writable(built.project)
    if plan.has_changes:
        confirm("Apply these changes?", auto_approve)
    with apply_lock(built.project, "apply"):
        refuse_if_changed(built.project, ledger)
        built.save_cache()
        with ui.progress(len(plan.agents), "Applying") as advance:
            result = apply_plan(built.project, plan, ledger, force=force, on_agent=advance)
    if result.errors:
        report_errors(plan, result)
        ui.err(f"Applied with errors: {len(result.errors)} agent(s) failed; see above.")
        print_next_steps(built.project, plan.target, partial=True)
        return 1
    ui.out(ui.style("Apply complete: ", "green")
           + f"{result.written} written, {result.deleted} deleted.")
    print_next_steps(built.project, plan.target)
    return 0


def print_next_steps(project: Project, target: str, *, partial: bool = False) -> None:
    """The target's next steps (:meth:`~agentctl.targets.base.Target.next_steps`) on
    stdout, after a blank line; after a partial apply they start the ready agents."""
    from agentctl.targets import get_target

    steps = get_target(target).next_steps(project)
    if not steps:
        return
    ui.out()
    ui.out(ui.style("Next" + (" (the ready agents)" if partial else "") + ":", "bold"))
    for step in steps:
        ui.out(f"  {step}")


def report_errors(plan: Plan, result: ApplyResult) -> None:
    """Print the plan's errors and each agent's apply error the plan did not already name."""
    ui.print_diagnostics(plan.errors)
    for agent, message in sorted(result.errors.items()):
        if agent and any(agent in d.path for d in plan.errors):
            continue
        ui.err(ui.style("error: ", "red", sys.stderr)
               + (f"agent {agent}: {message}" if agent else message))
