"""Every YAML snippet in the documentation parses, and says what it is.

Each ```yaml block of the docs site, README.md, CONTRIBUTING.md and bench/README.md is
preceded by a marker line (format in CONTRIBUTING.md, "Documentation"):

- ``<!-- yaml: project -->``: an ``agentctl.yaml``, validated by its schema model;
- ``<!-- yaml: catalogue -->``: a catalogue file, each entry validated by its section's
  schema model;
- ``<!-- yaml: catalogue, validate -->``: also a complete project: written into a fresh
  project, ``agentctl validate`` must exit 0;
- ``<!-- yaml: fragment (…) -->`` / ``<!-- yaml: other (…) -->``: part of a catalogue
  file, or another program's file: parsed only.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from agentctl.catalogue.primitives import CATALOGUE_MODELS as ENTRY_MODELS
from agentctl.catalogue.project_schema import ProjectConfig
from tests.conftest import ROOT, run_cli

DOCS = [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md", ROOT / "CONTRIBUTING.md",
        ROOT / "bench" / "README.md"]
MARKER = re.compile(r"^<!-- yaml: (project|catalogue|catalogue, validate|fragment|other)"
                    r"(?: \([^)]*\))? -->$")
FENCE = re.compile(r"^```yaml[^\n]*\n(.*?)^```$", re.M | re.S)


def snippets(text: str, name: str) -> list[tuple[str, str, str]]:
    """``(where, kind, text)`` of each yaml block of markdown ``text`` from file ``name``;
    ``kind`` is "" when the block has no marker."""
    found = []
    for match in FENCE.finditer(text):
        before = [line for line in text[:match.start()].splitlines() if line.strip()]
        marker = MARKER.match(before[-1].strip()) if before else None
        where = f"{name}:{text.count(chr(10), 0, match.start()) + 1}"
        found.append((where, marker.group(1) if marker else "", match.group(1)))
    return found


SNIPPETS = [s for path in DOCS
            for s in snippets(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]


def test_the_documentation_has_snippets_of_every_kind() -> None:
    kinds = {kind for _, kind, _ in SNIPPETS}
    assert {"project", "catalogue", "catalogue, validate", "fragment", "other"} <= kinds


@pytest.mark.parametrize(("where", "kind", "text"), SNIPPETS, ids=[w for w, _, _ in SNIPPETS])
def test_snippet_is_marked_and_valid(where: str, kind: str, text: str) -> None:
    assert kind, f"{where}: mark the yaml block (see CONTRIBUTING.md, Documentation)"
    data = yaml.safe_load(text)
    if kind == "project":
        ProjectConfig.model_validate(data)
    elif kind.startswith("catalogue"):
        check_catalogue(where, data)


def check_catalogue(where: str, data: Any) -> None:
    assert isinstance(data, dict) and data, where
    for section, entries in data.items():
        assert section in ENTRY_MODELS, f"{where}: unknown section {section}"
        for entry in entries:
            ENTRY_MODELS[section].model_validate(entry)


@pytest.mark.parametrize(("where", "text"),
                         [(w, t) for w, k, t in SNIPPETS if k == "catalogue, validate"],
                         ids=[w for w, k, _ in SNIPPETS if k == "catalogue, validate"])
def test_complete_snippet_validates_as_a_project(where: str, text: str, tmp_path: Path) -> None:
    (tmp_path / "agentctl.yaml").write_text("name: snippet\n")
    (tmp_path / "catalogue").mkdir()
    (tmp_path / "catalogue" / "snippet.yaml").write_text(text)
    result = run_cli("validate", cwd=tmp_path)
    assert result.returncode == 0, f"{where}:\n{result.stdout}{result.stderr}"
    assert "error[" not in result.stderr


def test_a_broken_snippet_is_caught(tmp_path: Path) -> None:
    """The checks above can fail: a misspelt field and an unknown reference."""
    with pytest.raises(ValueError, match="extra"):
        check_catalogue("x", {"agents": [{"name": "a", "runtme": "none"}]})
    (tmp_path / "agentctl.yaml").write_text("name: snippet\n")
    (tmp_path / "catalogue").mkdir()
    (tmp_path / "catalogue" / "snippet.yaml").write_text(
        "agents:\n  - {name: a, runtime: none, model: sonet}\n")
    assert run_cli("validate", cwd=tmp_path).returncode == 1


def test_an_unmarked_block_is_reported_and_a_marker_is_read() -> None:
    text = "Text.\n\n```yaml\na: 1\n```\n\n<!-- yaml: other (x) -->\n\n```yaml\nb: 2\n```\n"
    assert snippets(text, "page.md") == [("page.md:3", "", "a: 1\n"),
                                         ("page.md:9", "other", "b: 2\n")]
