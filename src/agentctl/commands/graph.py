"""``agentctl graph --format mermaid|dot``: the fleet as a diagram."""

from __future__ import annotations

from pathlib import Path

from agentctl.catalogue.load import load_catalogue
from agentctl.catalogue.project import load_project
from agentctl.commands import ui
from agentctl.render.checks import check_plugins
from agentctl.resolve import resolve
from agentctl.resolve.graph import fleet_graph, to_dot, to_mermaid


def run(directory: Path | None, explicit: bool, output_format: str) -> int:
    """Load and resolve the project (no render, no secrets); print its graph."""
    resolved = resolve(load_catalogue(load_project(directory, explicit=explicit)), defer=True)
    check_plugins(resolved)
    graph = fleet_graph(resolved)
    ui.out_raw(to_dot(graph) if output_format == "dot" else to_mermaid(graph))
    return 0
