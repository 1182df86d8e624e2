"""Kilo Code CLI: OpenCode's config as agentctl.kilo.json named by KILO_CONFIG (a project
config may not hold {env:VAR}), skills under .kilo/skills, every primitive refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion

from agentctl.catalogue.primitives import PRIMITIVE_KINDS
from agentctl.runtimes import get_runtime
from agentctl.runtimes.kilo import CONFIG_FILE, KILO_VERSION
from tests.runtimes.conftest import (
    build_errors,
    build_project,
    env_names,
    mcp_servers,
    workspace,
)
from tests.runtimes.test_primitives import ENTRY, catalogue

SERVERS = mcp_servers("${ACME_KEY}")


def agent(extra: str = "", model: str = "gw-model") -> str:
    return SERVERS + f"""\
agents:
  - name: kc
    runtime: kilo
    model: {model}
    instructions: Triage incidents.
    skills: [demo]
    mcp_servers: [{{name: probe, tools: [echo]}}, events, fs]
{extra}"""


def files(tmp_path: Path, extra: str = "") -> dict[str, str]:
    return workspace(build_project(tmp_path, agent(extra)), "kc")


def config(tmp_path: Path, extra: str = "") -> dict[str, Any]:
    result: dict[str, Any] = json.loads(files(tmp_path, extra)[CONFIG_FILE])
    return result


def test_workspace_snapshot(tmp_path: Path, snapshot: SnapshotAssertion) -> None:
    assert files(tmp_path, "    permission: write\n") == snapshot


def test_files_and_skills_folder(tmp_path: Path) -> None:
    """No kilo.json / opencode.json: Kilo would load it as an untrusted project config."""
    assert set(files(tmp_path)) == {"AGENTS.md", CONFIG_FILE, ".kilo/skills/demo/SKILL.md"}


def test_config_is_opencodes(tmp_path: Path) -> None:
    doc = config(tmp_path)
    assert doc["model"] == "gateway/qwen3-coder"
    assert doc["provider"]["gateway"]["options"]["apiKey"] == "{env:OPENAI_API_KEY}"
    assert doc["mcp"]["probe"]["headers"]["Authorization"] == (
        "Bearer {env:AGENTCTL_MCP_PROBE_TOKEN}")
    assert doc["permission"] == {"probe_*": "deny", "probe_echo": "allow",
                                 "events_*": "allow", "fs_*": "allow"}


def test_service(tmp_path: Path) -> None:
    built = build_project(tmp_path, agent())
    service = get_runtime("kilo").service(built.resolved.agents["kc"], "w", "e")
    assert service is not None
    assert service["command"] == ["npx", "--yes", f"@kilocode/cli@{KILO_VERSION}"]
    assert service["environment"] == {"KILO_CONFIG": f"/workspace/{CONFIG_FILE}",
                                      "KILO_DISABLE_AUTOUPDATE": "1"}


def test_env_file(tmp_path: Path) -> None:
    assert env_names(build_project(tmp_path, agent()), "kc") == [
        "OPENAI_API_KEY", "AGENTCTL_MCP_PROBE_TOKEN", "ACME_KEY", "API_KEY"]


@pytest.mark.parametrize("kind", sorted(PRIMITIVE_KINDS))
def test_every_primitive_refused(tmp_path: Path, kind: str) -> None:
    """No primitive is proven for Kilo: each is refused at the selection (E530)."""
    assert get_runtime("kilo").primitives == frozenset()
    text = catalogue("kilo", f"{kind}: [{ENTRY[kind]}]").replace(
        "    model: sonnet-fast\n", "")
    assert [e.code for e in build_errors(tmp_path, text)] == ["E530"]
