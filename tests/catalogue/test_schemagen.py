"""The committed JSON Schemas: made by ``agentctl schema``, complete, true to the examples."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from agentctl.catalogue import schemagen
from agentctl.catalogue.yamlsource import load_yaml
from tests.conftest import EXAMPLE, ROOT, run_cli

CATALOGUE_SCHEMA = ROOT / "schema/catalogue.schema.json"
PROJECT_SCHEMA = ROOT / "schema/agentctl.schema.json"


def test_committed_schemas_equal_agentctl_schema_output() -> None:
    hint = ("regenerate: agentctl schema > schema/catalogue.schema.json; "
            "agentctl schema --project > schema/agentctl.schema.json")
    assert run_cli("schema").stdout == CATALOGUE_SCHEMA.read_text(), hint
    assert run_cli("schema", "--project").stdout == PROJECT_SCHEMA.read_text(), hint


def test_every_field_has_a_description() -> None:
    for schema in (schemagen.catalogue_schema(), schemagen.project_schema()):
        assert schemagen.undescribed(schema) == []


def test_undescribed_finds_a_missing_description() -> None:
    schema = {"properties": {"a": {"type": "string"}, "b": {"description": "x"}}}
    assert schemagen.undescribed(schema) == ["#/properties/a"]


def _validator(path: Path) -> jsonschema.Draft202012Validator:
    schema = json.loads(path.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("file", sorted(p.name for p in (EXAMPLE / "catalogue").glob("*.yaml")))
def test_example_catalogue_files_validate_and_carry_the_modeline(file: str) -> None:
    path = EXAMPLE / "catalogue" / file
    text = path.read_text()
    assert text.startswith(
        "# yaml-language-server: $schema=../../../schema/catalogue.schema.json\n")
    modeline_target = (path.parent / "../../../schema/catalogue.schema.json").resolve()
    assert modeline_target == CATALOGUE_SCHEMA
    _validator(CATALOGUE_SCHEMA).validate(load_yaml(text, file).data)


def test_example_project_file_validates() -> None:
    text = (EXAMPLE / "agentctl.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=../../schema/agentctl.schema.json\n")
    _validator(PROJECT_SCHEMA).validate(load_yaml(text, "agentctl.yaml").data)


@pytest.mark.parametrize("bad", [
    {"agents": [{"name": "a", "instruction": "typo"}]},
    {"agent": []},
    {"mcp_servers": [{"name": "s", "transport": "pigeon"}]},
    {"agents": [{"name": "Upper"}]},
])
def test_schema_rejects_what_validate_rejects(bad: dict[str, object]) -> None:
    assert not _validator(CATALOGUE_SCHEMA).is_valid(bad)


def test_schema_accepts_the_shorthands() -> None:
    doc = {"mcp_servers": [{"name": "s", "transport": "stdio", "command": "x",
                            "tools": ["get_issue", {"name": "t"}]}],
           "agents": [{"name": "a", "mcp_servers": ["s", {"name": "s", "tools": ["t"]}]}]}
    _validator(CATALOGUE_SCHEMA).validate(doc)
