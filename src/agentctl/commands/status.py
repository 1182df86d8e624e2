"""``agentctl status``: per agent its lifecycle, run state (a coloured dot), last error."""

from __future__ import annotations

import json
from pathlib import Path

from agentctl.apply.status import DOT, DOT_COLOURS, agent_statuses
from agentctl.catalogue.project import Project, load_project
from agentctl.commands import ui
from agentctl.plan.ledger import Ledger, applied_target, ledger_path
from agentctl.targets import DEFAULT, get_target, is_target
from agentctl.targets.base import Observation


def observe(project: Project, ledger: Ledger) -> Observation:
    """The run state as the target the fleet was applied with observes it (else the
    project's target); never raises."""
    name = applied_target(ledger) or project.config.target or DEFAULT
    if not is_target(name):
        return Observation(unavailable=f"target '{name}' is not installed")
    return get_target(name).observe(project)


def run(directory: Path | None, explicit: bool, *, as_json: bool) -> int:
    """Print each ledger agent's status, observed through the target when it answers
    (``docker compose ps`` for compose).

    Needs no catalogue and no secrets: the ledger and the rendered output suffice.
    """
    project = load_project(directory, explicit=explicit)
    ledger = Ledger.load(ledger_path(project))
    observation = observe(project, ledger)
    rows = agent_statuses(ledger, observation)
    if as_json:
        doc = {"format_version": "1.0", "source": observation.source,
               "agents": [row.to_json() for row in rows]}
        ui.out(json.dumps(doc, indent=2, sort_keys=True))
        return 0
    if not rows:
        ui.out("No agents applied yet: run `agentctl plan` and `agentctl apply`.")
    else:
        table = [["", "agent", "lifecycle", "status", "service", "workspace", "last error"]]
        styles = []
        for row in rows:
            table.append([DOT, row.name, row.lifecycle,
                          row.runtime_status + (f" [{row.observed_state}]"
                                                if row.observed_state else ""),
                          row.service or "—", row.workspace or "—", row.last_error or ""])
            styles.append(DOT_COLOURS[row.runtime_status])
        ui.print_table(table, dot_colours=styles)
    ui.out(f"source: {observation.source}")
    return 0
