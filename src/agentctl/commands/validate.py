"""``agentctl validate``: load and resolve the catalogue, report every problem."""

from __future__ import annotations

from pathlib import Path

from agentctl import ui
from agentctl.pipeline import build


def run(directory: Path | None, explicit: bool) -> int:
    """Validate the project; print warnings and a summary. Returns 0, or raises on errors."""
    built = build(directory, explicit=explicit)
    ui.print_diagnostics(built.warnings)
    cat = built.catalogue
    ui.out(
        ui.style("Catalogue valid: ", "green")
        + f"{len(built.resolved.agents)} agent(s), {len(cat.agents) - len(built.resolved.agents)} "
        f"template(s), {len(cat.models)} model(s), {len(cat.providers)} provider(s), "
        f"{len(cat.mcp_servers)} MCP server(s), {len(cat.skills)} skill(s), "
        f"{len(cat.credentials)} credential(s)"
        + (f"; {len(built.warnings)} warning(s)" if built.warnings else "")
    )
    return 0
