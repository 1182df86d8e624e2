"""``agentctl schema [--project]``: print the JSON Schema of a catalogue file or agentctl.yaml."""

from __future__ import annotations

from agentctl.catalogue import schemagen
from agentctl.commands import ui


def run(project: bool) -> int:
    """Print the catalogue file schema, or with ``project`` the agentctl.yaml schema."""
    schema = schemagen.project_schema() if project else schemagen.catalogue_schema()
    ui.out_raw(schemagen.dumps(schema))
    return 0
