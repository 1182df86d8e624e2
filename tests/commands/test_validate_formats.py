"""``agentctl validate --format json|github|sarif`` through the installed CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from agentctl import providers, runtimes
from agentctl.diagnostics import Diagnostic, Position
from agentctl.diagnostics.codes import all_codes
from agentctl.diagnostics.formats import escape_data, escape_property, github_annotations
from tests.conftest import ROOT, run_cli

SARIF_SCHEMA = ROOT / "tests/data/sarif/sarif-2.1.0-rtm.5.json"
# Line 5 holds an unknown key; line 6 a '%' and ',' that GitHub escaping must keep intact.
BAD = ("agents:\n  - name: a\n    runtime: none\n    instructions: hi\n"
       "    instruction: x\n  - name: b\n    runtime: none\n    permission: 'r,%'\n")


@pytest.fixture
def broken(example: Path) -> Path:
    (example / "catalogue/bad.yaml").write_text(BAD)
    return example


def test_json_has_terraform_shape_with_ranges(broken: Path) -> None:
    result = run_cli("-C", str(broken), "validate", "--format", "json")
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    assert doc["format_version"] == "1.0" and doc["valid"] is False
    # The example's one warning (W502: its SSE server, used by two agents) comes along.
    assert doc["error_count"] == 2 and doc["warning_count"] == 2
    first, second = [d for d in doc["diagnostics"] if d["code"] != "W502"]
    assert first["code"] == "E110" and first["severity"] == "error"
    assert first["summary"] == "unknown key 'instruction'"
    assert "Did you mean 'instructions'?" in first["detail"]
    # `instruction` starts at 5:5 and the key ends after its 11 characters.
    assert first["range"] == {
        "filename": "catalogue/bad.yaml",
        "start": {"line": 5, "column": 5, "byte": BAD.index("instruction:")},
        "end": {"line": 5, "column": 16, "byte": BAD.index("instruction:") + 11},
    }
    assert second["code"] == "E114"
    start, end = second["range"]["start"], second["range"]["end"]
    assert (start["line"], start["column"], end["column"]) == (8, 17, 22)  # 'r,%' quoted


def test_json_of_a_valid_project(example: Path) -> None:
    result = run_cli("-C", str(example), "validate", "-f", "json")
    assert result.returncode == 0
    doc = json.loads(result.stdout)
    assert doc["valid"] is True and doc["error_count"] == 0


def test_github_annotations(broken: Path) -> None:
    # Run from the project's parent, as CI runs from the repository root: file names
    # are then relative to it.
    result = run_cli("-C", str(broken), "validate", "--format", "github", cwd=broken.parent)
    assert result.returncode == 1
    lines = [line for line in result.stdout.splitlines() if "title=W502" not in line]
    assert len(lines) == 2
    assert lines[0].startswith(
        "::error file=fleet/catalogue/bad.yaml,line=5,col=5,endLine=5,endColumn=16,"
        "title=E110::agents[a].instruction: unknown key 'instruction'%0ADid you mean"
    )
    assert "'r%2C%25' is not one of" not in lines[1]  # the message is data, not a property
    assert "'r,%25' is not one of" in lines[1]


def test_workflow_command_escaping() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    d = Diagnostic("warning", "W202", "no, really: 50%", Position("x,y.yaml", 2, 3), "agents[a]")
    assert github_annotations([d]) == (
        "::warning file=x%2Cy.yaml,line=2,col=3,endLine=2,endColumn=3,title=W202::"
        "agents[a]: no, really: 50%25\n"
    )
    assert github_annotations([Diagnostic("error", "E001", "no agentctl.yaml")]) == (
        "::error title=E001::no agentctl.yaml\n"
    )


def test_sarif_validates_against_the_sarif_2_1_0_schema(broken: Path) -> None:
    result = run_cli("-C", str(broken), "validate", "--format", "sarif")
    assert result.returncode == 1
    log = json.loads(result.stdout)
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.Draft4Validator(schema).validate(log)
    run = log["runs"][0]
    assert run["tool"]["driver"]["name"] == "agentctl"
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["E110", "E114", "W502"]
    assert [r["ruleId"] for r in run["results"]] == ["E110", "E114", "W502", "W502"]
    loc = run["results"][0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "catalogue/bad.yaml", "uriBaseId": "PROJECTROOT"}
    assert loc["region"] == {"startLine": 5, "startColumn": 5, "endLine": 5, "endColumn": 16}
    assert run["originalUriBaseIds"]["PROJECTROOT"]["uri"] == broken.resolve().as_uri() + "/"


def test_sarif_schema_rejects_a_broken_log() -> None:
    schema = json.loads(SARIF_SCHEMA.read_text())
    bad = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
                                          "results": [{"message": {"text": "m"},
                                                       "level": "fatal"}]}]}
    assert not jsonschema.Draft4Validator(schema).is_valid(bad)


def test_every_diagnostic_in_the_source_has_a_registered_code() -> None:
    """Audit: each Diagnostic(...) names a code, and every code is in agentctl.codes."""
    source = "\n".join(p.read_text() for p in (ROOT / "src/agentctl").rglob("*.py"))
    calls = re.findall(r"Diagnostic\(\s*\"(?:error|warning)\",\s*([^,]+),", source)
    helper_codes = re.findall(r"\"([EW]\d{3})\"", source)
    assert calls, "the audit found no Diagnostic calls: the pattern is stale"
    for code in calls:
        assert re.fullmatch(r"\"[EW]\d{3}\"|code", code.strip()), code
    assert runtimes.BUILTIN and providers.BUILTIN  # their codes are registered on import
    missing = sorted(set(helper_codes) - set(all_codes()))
    assert not missing, f"codes without a description in agentctl/codes.py: {missing}"
