"""Render: the example's whole tree (snapshot), determinism, compose schema, escaping."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml
from syrupy.assertion import SnapshotAssertion

from agentctl.pipeline import build
from tests.conftest import ProjectFactory


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
