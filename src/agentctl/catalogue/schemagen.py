"""JSON Schemas of the files users write, generated from :mod:`agentctl.catalogue.schema`.

Editors validate and complete YAML against them (the YAML language server reads a
``# yaml-language-server: $schema=<path or URL>`` modeline), and so can any CI that
speaks JSON Schema. Two schemas (JSON Schema draft 2020-12, pydantic's validation mode):

* :func:`catalogue_schema`: one catalogue file, a mapping of the sections in
  :data:`~agentctl.catalogue.primitives.CATALOGUE_KINDS` to lists of entries;
* :func:`project_schema`: ``agentctl.yaml``.

Every property carries the ``description`` from its pydantic ``Field``. The catalogue's
shorthands (a tool or an agent's MCP server written as a bare name) are added as
``anyOf`` alternatives, since pydantic only sees them after its "before" validators.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agentctl.catalogue.primitives import Command, Hook, Rule, Subagent
from agentctl.catalogue.project_schema import ProjectConfig
from agentctl.catalogue.schema import (
    NAME_PATTERN,
    TOOL_PATTERN,
    Agent,
    Credential,
    MCPServer,
    Model,
    Provider,
    Skill,
)

DIALECT = "https://json-schema.org/draft/2020-12/schema"


class CatalogueFile(BaseModel):
    """A catalogue file: any of the sections, each a list of entries.

    Names are unique across all of a project's catalogue files; sections may be split
    across files however you like.
    """

    model_config = ConfigDict(extra="forbid", title="agentctl catalogue file")

    credentials: list[Credential] | None = Field(
        None, description="References to secrets (API keys, OAuth tokens), never values.")
    providers: list[Provider] | None = Field(
        None, description="Inference provider accounts.")
    models: list[Model] | None = Field(None, description="Models agents can select.")
    mcp_servers: list[MCPServer] | None = Field(
        None, description="MCP servers agents can reach, with their tools.")
    skills: list[Skill] | None = Field(
        None, description="Skills: folders holding a SKILL.md (Agent Skills spec).")
    subagents: list[Subagent] | None = Field(
        None, description="Subagents: roles an agent hands work to.")
    commands: list[Command] | None = Field(
        None, description="Reusable slash commands (`/<name> <arguments>`).")
    hooks: list[Hook] | None = Field(
        None, description="Programs a runtime runs on an event (before a tool call, …).")
    rules: list[Rule] | None = Field(
        None, description="Instructions for files matching glob patterns.")
    agents: list[Agent] | None = Field(None, description="Agents and agent templates.")


def _shorthand(target: dict[str, Any], name_schema: dict[str, Any]) -> None:
    """Let the list items of ``target`` (possibly wrapped in anyOf null) be a bare name."""
    arrays = [target, *target.get("anyOf", [])]
    for schema in arrays:
        if schema.get("type") == "array":
            schema["items"] = {"anyOf": [name_schema, schema["items"]]}


def catalogue_schema() -> dict[str, Any]:
    """The JSON Schema of a catalogue file (see module docstring)."""
    schema = CatalogueFile.model_json_schema(mode="validation")
    defs = schema["$defs"]
    _shorthand(defs["MCPServer"]["properties"]["tools"],
               {"type": "string", "pattern": TOOL_PATTERN, "description": "A tool's name."})
    for owner in ("Agent", "Subagent"):
        _shorthand(defs[owner]["properties"]["mcp_servers"],
                   {"type": "string", "pattern": NAME_PATTERN,
                    "description": "An MCP server's name: every catalogued tool allowed."})
    return {"$schema": DIALECT, **schema}


def project_schema() -> dict[str, Any]:
    """The JSON Schema of ``agentctl.yaml``."""
    schema = ProjectConfig.model_json_schema(mode="validation")
    schema["title"] = "agentctl project file (agentctl.yaml)"
    return {"$schema": DIALECT, **schema}


def dumps(schema: dict[str, Any]) -> str:
    """Serialise a schema deterministically (2-space indent, LF at the end)."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def undescribed(schema: dict[str, Any]) -> list[str]:
    """JSON pointers of object properties that carry no ``description`` (should be none)."""
    missing: list[str] = []

    def walk(node: Any, pointer: str) -> None:
        if isinstance(node, dict):
            for key, sub in node.get("properties", {}).items():
                if not (isinstance(sub, dict) and sub.get("description")):
                    missing.append(f"{pointer}/properties/{key}")
            for key, value in node.items():
                walk(value, f"{pointer}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{pointer}/{i}")

    walk(schema, "#")
    return sorted(set(missing))
