"""``agentctl graph``: Mermaid and DOT of the example fleet."""

from __future__ import annotations

import re
from pathlib import Path

import pydot
import pytest

from tests.conftest import EXAMPLE, run_cli

# pydot's parser still calls pyparsing's camelCase names, which warn.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_dot_parses_with_pydot_and_holds_the_fleet() -> None:
    result = run_cli("-C", str(EXAMPLE), "graph", "--format", "dot")
    assert result.returncode == 0, result.stderr
    (graph,) = pydot.graph_from_dot_data(result.stdout)
    clusters = {g.get_name(): g for g in graph.get_subgraphs()}
    assert list(clusters) == ["cluster_agent", "cluster_template", "cluster_model",
                              "cluster_provider", "cluster_skill", "cluster_mcp"]
    agents = {n.get_name() for n in clusters["cluster_agent"].get_nodes()}
    assert "agent_reviewer" in agents and "agent_base_engineer" not in agents
    assert {n.get_name() for n in clusters["cluster_template"].get_nodes()} == {
        "template_base_engineer"}
    edges = {(e.get_source(), e.get_destination()): e for e in graph.get_edges()}
    extends = edges[("agent_reviewer", "template_base_engineer")]
    assert extends.get_style() == "dashed" and extends.get_label() == '"extends"'
    assert ("agent_reviewer", "model_sonnet") in edges
    assert ("model_sonnet", "provider_anthropic") in edges
    assert ("agent_reviewer", "skill_code_review") in edges
    github = edges[("agent_reviewer", "mcp_github")].get_label()
    assert github == '"get_issue, list_pull_requests, get_pull_request_diff, ' \
        'create_pull_request_review"'


MERMAID_LINE = re.compile(
    r'flowchart LR'
    r'|  subgraph (?P<group>\w+)\["[^"]+"\]'
    r'|    (?P<node>\w+)(?:\(\["[^"]+"\]\)|\["[^"]+"\])'
    r'|  end'
    r'|  (?P<src>\w+) (?:-->|-\.->)(?:\|"[^"]*"\|)? (?P<dst>\w+)'
)


def test_mermaid_is_structurally_sound_and_deterministic(example: Path) -> None:
    text = run_cli("-C", str(example), "graph").stdout
    assert text == run_cli("-C", str(example), "graph", "--format", "mermaid").stdout
    declared: list[str] = []
    groups: list[str] = []
    for line in text.splitlines():
        match = MERMAID_LINE.fullmatch(line)
        assert match, f"not Mermaid flowchart syntax agentctl writes: {line!r}"
        if match["node"]:
            declared.append(match["node"])
        if match["group"]:
            groups.append(match["group"])
        if match["src"]:
            assert match["src"] in declared and match["dst"] in declared, line
    assert groups == ["agents", "templates", "models", "providers", "skills", "mcps"]
    assert len(declared) == len(set(declared))
    assert text.count("  subgraph ") == text.splitlines().count("  end")
    assert '  agent_reviewer -.->|"extends"| template_base_engineer' in text
    assert '  agent_on_call -->|"search_issues, get_issue_details"| mcp_sentry' in text


def test_graph_of_a_broken_catalogue_is_an_error(example: Path) -> None:
    (example / "catalogue/bad.yaml").write_text("agents:\n  - name: x\n    model: nope\n")
    result = run_cli("-C", str(example), "graph")
    assert result.returncode == 1 and "error[E" in result.stderr and result.stdout == ""

