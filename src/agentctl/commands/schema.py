"""``agentctl schema [--project]``: print the JSON Schema of a catalogue file or agentctl.yaml."""

from __future__ import annotations

from typing import Any

from agentctl.catalogue import schemagen
from agentctl.commands import ui
from agentctl.providers import backend_description
from agentctl.runtimes import runtime_description


def catalogue_schema() -> dict[str, Any]:
    """The catalogue file schema, its ``runtime`` and ``backend`` descriptions naming
    every registered runtime and provider backend (built-in and plug-in)."""
    schema = schemagen.catalogue_schema()
    schema["$defs"]["Agent"]["properties"]["runtime"]["description"] = runtime_description()
    schema["$defs"]["Provider"]["properties"]["backend"]["description"] = backend_description()
    return schema


def run(project: bool) -> int:
    """Print the catalogue file schema, or with ``project`` the agentctl.yaml schema."""
    schema = schemagen.project_schema() if project else catalogue_schema()
    ui.out_raw(schemagen.dumps(schema))
    return 0
