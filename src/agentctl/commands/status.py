"""``agentctl status``: per agent its lifecycle, run state (a coloured dot), last error."""

from __future__ import annotations

import json
from pathlib import Path

from agentctl.commands import ui


def run(directory: Path | None, explicit: bool, *, as_json: bool) -> int:
    """Print each ledger agent's status, observed through docker compose when it answers.

    Needs no catalogue and no secrets: the ledger and the rendered compose file suffice.
    """
    from agentctl.apply.status import DOT, DOT_COLOURS, agent_statuses, observe
    from agentctl.catalogue.project import load_project
    from agentctl.diagnostics import display_path
    from agentctl.plan.ledger import Ledger, ledger_path
    from agentctl.render import COMPOSE_FILE

    project = load_project(directory, explicit=explicit)
    ledger = Ledger.load(ledger_path(project))
    compose_file = project.output_dir / COMPOSE_FILE
    observation = observe(compose_file, project.name)
    if observation.unavailable.startswith("no compose file"):
        observation.unavailable = (f"no compose file at {display_path(compose_file, project.root)}"
                                   "; run agentctl apply")
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
