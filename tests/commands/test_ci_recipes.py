"""The CI recipes in examples/ci/: valid for their CI systems, calling real agentctl flags."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, run_cli

CI = ROOT / "examples/ci"
CHECK_JSONSCHEMA = str(Path(sys.executable).parent / "check-jsonschema")
RECIPES = {"github-actions.yml": "vendor.github-workflows", "gitlab-ci.yml": "vendor.gitlab-ci"}


def check(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CHECK_JSONSCHEMA, "--builtin-schema", schema, str(path)],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_recipe_validates_against_its_ci_schema(name: str) -> None:
    result = check(RECIPES[name], CI / name)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_the_schema_check_can_fail(name: str, tmp_path: Path) -> None:
    doc = yaml.safe_load((CI / name).read_text())
    if name == "github-actions.yml":
        doc["jobs"]["check"]["runs-on-typo"] = doc["jobs"]["check"].pop("runs-on")
    else:
        doc["agentctl"]["artifacts"]["when"] = "sometimes"
    broken = tmp_path / name
    broken.write_text(yaml.safe_dump(doc))
    assert check(RECIPES[name], broken).returncode != 0


def agentctl_commands(text: str) -> list[list[str]]:
    """Every `agentctl …` invocation in a recipe, cut at redirections and shell operators."""
    found = []
    for raw in text.splitlines():
        line = re.sub(r"^\s*(?:- |run: )?", "", raw)
        if line.startswith("agentctl "):
            found.append(shlex.split(re.split(r"\s(?:>|\|\||&&|2>&1|\|)", line)[0])[1:])
    return found


def test_recipes_call_agentctl_with_flags_it_has() -> None:
    commands = [c for name in RECIPES for c in agentctl_commands((CI / name).read_text())]
    assert ["validate", "--format", "github"] in commands
    assert ["--no-color", "plan", "--detailed-exitcode"] in commands
    assert ["render", "--check"] in commands
    for words in commands:
        result = run_cli(*words, "--help")
        assert result.returncode == 0, (words, result.stderr)
