"""Render: the example's whole tree (snapshot), determinism, compose schema, escaping."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from syrupy.assertion import SnapshotAssertion

from agentctl.render.pipeline import build
from tests.conftest import ProjectFactory, example_agents


def rendered_text(root: Path) -> dict[str, str]:
    tree = build(root, explicit=True).tree
    return {path: spec.content.decode() + f"\n[mode {oct(spec.mode)}]"
            for path, spec in sorted(tree.files.items())}


def test_example_tree_snapshot(example: Path, snapshot: SnapshotAssertion) -> None:
    assert rendered_text(example) == snapshot


def test_rendering_twice_gives_identical_bytes(example: Path) -> None:
    first = build(example, explicit=True).tree
    second = build(example, explicit=True).tree
    assert {p: s.content for p, s in first.files.items()} == {
        p: s.content for p, s in second.files.items()}
    assert first.env_files == second.env_files


def test_compose_file_validates_against_the_official_schema(example: Path,
                                                            tmp_path: Path) -> None:
    tree = build(example, explicit=True).tree
    compose = tmp_path / "compose.yaml"
    compose.write_bytes(tree.files["compose.yaml"].content)
    checker = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(compose)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_each_service_sees_only_its_own_env_file(example: Path) -> None:
    tree = build(example, explicit=True).tree
    doc = yaml.safe_load(tree.files["compose.yaml"].content)
    for name, service in doc["services"].items():
        if name.startswith("mcp-"):
            assert "env_file" not in service
            continue
        assert service["env_file"] == [{"path": f"./env/{name}.env", "required": True}]
        assert service["volumes"] == [f"./workspaces/{name}:/workspace"]
    assert "handbook" not in doc["services"]  # runtime none renders no service


def test_mcp_json_and_settings_for_claude_code(example: Path) -> None:
    files = build(example, explicit=True).tree.files
    mcp = json.loads(files["workspaces/reviewer/.mcp.json"].content)["mcpServers"]
    assert mcp["github"]["headers"] == {"Authorization": "Bearer ${AGENTCTL_MCP_GITHUB_TOKEN}"}
    assert mcp["filesystem"]["type"] == "stdio"
    assert "hub" not in mcp  # reviewer replaces the template's server list
    settings = json.loads(files["workspaces/reviewer/.claude/settings.json"].content)
    assert settings["enabledMcpjsonServers"] == list(mcp)
    assert "mcp__github__create_pull_request_review" in settings["permissions"]["allow"]
    assert "mcp__github__search_code" not in settings["permissions"]["allow"]
    assert files["workspaces/reviewer/CLAUDE.md"].content == b"@AGENTS.md\n"


def test_skill_files_keep_bytes_and_exec_bit(example: Path) -> None:
    files = build(example, explicit=True).tree.files
    script = files["workspaces/release-manager/.claude/skills/release-notes/scripts/collect.sh"]
    source = example / "skills/release-notes/scripts/collect.sh"
    assert script.content == source.read_bytes()
    assert script.mode == 0o755


def test_catalogue_text_is_data(make_project: ProjectFactory) -> None:
    root = make_project({"catalogue/a.yaml": """\
agents:
  - name: a
    runtime: claude-code
    instructions: "Use {{ secrets }} and ${HOME} and $$ literally"
    service_inputs:
      environment: {PRICE: "$5 ${X}"}
"""})
    tree = build(root, explicit=True).tree
    assert b"Use {{ secrets }} and ${HOME} and $$ literally" in tree.files[
        "workspaces/a/AGENTS.md"].content
    compose = yaml.safe_load(tree.files["compose.yaml"].content)
    # Compose would interpolate a bare $; agentctl escapes it so the value arrives as written.
    assert compose["services"]["a"]["environment"]["PRICE"] == "$$5 $${X}"


def test_no_secret_values_in_rendered_tree(example: Path, example_env: dict[str, str]) -> None:
    tree = build(example, explicit=True).tree
    blob = b"".join(s.content for s in tree.files.values())
    for value in example_env.values():
        assert value.encode() not in blob


def test_service_blocks_join_into_the_same_bytes_as_one_dump() -> None:
    """compose.yaml is assembled from per-service blocks; it must equal one dump."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from agentctl.targets.compose import (
        _dump_yaml,
        _escape_compose,
        compose_document,
        service_block,
    )

    text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20) | st.sampled_from(
        ["a\n\nb", "x\n  y\n", "", " lead", "trail ", "\n", "line1\nline2\n\n", "- x", "#c",
         "a: b", "true", "0755", "é ü", "\t tab", "x\r\ny", "\u2028", "$HOME", "${X}"])
    leaf = text | st.integers() | st.booleans() | st.none()
    value = st.recursive(leaf, lambda inner: st.lists(inner, max_size=3)
                         | st.dictionaries(text, inner, max_size=3), max_leaves=10)
    names = st.text("abc-", min_size=1, max_size=5)

    @settings(max_examples=400, deadline=None)
    @given(st.dictionaries(names, st.dictionaries(text, value, max_size=4), max_size=3))
    def check(services: dict[str, dict[str, object]]) -> None:
        whole = _dump_yaml({"name": "p", "services": {
            name: _escape_compose(services[name]) for name in sorted(services)}})
        blocks = {name: service_block(name, svc) for name, svc in services.items()}
        header, _, body = compose_document("p", blocks).decode().partition("\n")
        assert header.startswith("# Generated by agentctl")
        assert body == whole

    check()


def test_parallel_render_equals_rendering_one_by_one(
        example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fleet big enough for worker processes renders the same tree, warnings and errors."""
    import os

    from agentctl import render
    from agentctl.diagnostics import DiagnosticError
    from agentctl.support import workers

    parents = ["reviewer", "release-manager", "on-call", "test-fixer", "docs-writer", "triager"]
    lines = ["agents:"]
    for i in range(2 * render.AGENTS_PER_WORKER + 16):
        lines += [f"  - name: clone-{i:03}", f"    extends: {parents[i % len(parents)]}"]
    (example / "catalogue/clones.yaml").write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    trees = {}
    for jobs in ("1", "2"):
        monkeypatch.setenv(workers.JOBS_ENV, jobs)
        assert workers.worker_count(2 * render.AGENTS_PER_WORKER + 16,
                                    render.AGENTS_PER_WORKER) == int(jobs)
        tree = build(example, explicit=True).tree
        trees[jobs] = ({p: (s.content, s.mode, s.agent) for p, s in tree.files.items()},
                       tree.warnings, tree.rendered_agents, sorted(tree.env_files))
    assert trees["1"] == trees["2"]
    assert len(trees["2"][2]) == 2 * render.AGENTS_PER_WORKER + 16 + len(example_agents())

    # A template error in one agent is reported the same way from a worker.
    with (example / "catalogue/clones.yaml").open("a") as f:
        f.write("  - name: clone-bad\n    extends: reviewer\n    workspace_template: nope\n")
    errors = {}
    for jobs in ("1", "2"):
        monkeypatch.setenv(workers.JOBS_ENV, jobs)
        with pytest.raises(DiagnosticError) as caught:
            build(example, explicit=True)
        errors[jobs] = [(d.code, d.summary, d.path) for d in caught.value.diagnostics]
    assert errors["1"] == errors["2"]
    assert ("E901", "unknown workspace template 'nope'", "agents[clone-bad].workspace_template") \
        in errors["2"]


def test_plan_inputs_name_only_this_renders_templates(example: Path,
                                                      make_project: ProjectFactory) -> None:
    """The tree carries the template files its render read: another render in the same
    process neither adds to nor takes from a built project's inputs."""
    first = build(example, explicit=True)
    before = first.inputs()
    own = [p for p in before if (example / "templates") in p.parents]
    assert own, "the example's workspace templates are inputs"
    assert first.tree.template_files == sorted(first.tree.template_files)
    other = make_project({"catalogue/a.yaml": "agents:\n  - name: bot\n    runtime: none\n"
                          "    instructions: Be brief.\n"})
    second = build(other, explicit=True)
    assert not [p for p in second.inputs() if example in p.parents]
    assert first.inputs() == before  # still its own, after another render
