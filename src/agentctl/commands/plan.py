"""``agentctl plan``: what apply would do, per agent and per file."""

from __future__ import annotations

import json
from pathlib import Path

from agentctl.commands import fleet_progress, ui
from agentctl.plan import Plan, make_plan, plan_file_json
from agentctl.plan.ledger import Ledger, ledger_path
from agentctl.plan.statcache import StatCache
from agentctl.render.pipeline import Built, build
from agentctl.secrets import SecretResolver
from agentctl.support.fsutil import atomic_write


def compute(built: Built, only_agents: list[str] | None = None) -> tuple[Plan, Ledger]:
    """Plan ``built`` against disk and the ledger (fetches secrets)."""
    ledger = Ledger.load(ledger_path(built.project))
    plan = make_plan(
        built.project, built.tree, ledger, SecretResolver(),
        inputs=built.inputs(), only_agents=only_agents,
        stats=StatCache.for_state_dir(built.project.state_dir),
    )
    plan.warnings = [*built.warnings, *plan.warnings]
    return plan, ledger


def run(
    directory: Path | None,
    explicit: bool,
    *,
    detailed_exitcode: bool,
    as_json: bool,
    out_file: Path | None,
    target: str | None = None,
    trust: bool = False,
) -> int:
    """Print the plan (text or JSON), optionally save it; return the exit code.

    Exit codes: 0 no changes, 1 error (a blocked agent included), 2 changes when
    ``detailed_exitcode`` is set (else 0).
    """
    with fleet_progress.rendering() as progress:
        built = build(directory, explicit=explicit, target=target, trust=trust,
                      use_cache=True, progress=None if as_json else progress)
    plan, _ledger = compute(built)
    # plan is read-only but keeps the render cache warm where it can (it only saves
    # time): a read-only checkout skips it quietly, and a plan that ends in an error
    # writes nothing at all.
    if not plan.errors:
        built.save_cache()
        if plan.stats is not None:
            plan.stats.save(built.project.root)
    if as_json:
        ui.out(json.dumps(plan.to_json(), indent=2, sort_keys=True))
    else:
        ui.print_diagnostics(plan.warnings)
        ui.print_plan(plan)
    if out_file is not None and not plan.errors:
        atomic_write(out_file, plan_file_json(plan), 0o644)
        if not as_json:
            ui.out(f"Saved the plan to {out_file}; run `agentctl apply {out_file}` to apply it.")
    if plan.errors:
        ui.print_diagnostics(plan.errors)
        return 1
    if plan.has_changes and not as_json and out_file is None:
        ui.out("Next: run `agentctl apply` to make these changes.")
    if detailed_exitcode and plan.has_changes:
        return 2
    return 0
