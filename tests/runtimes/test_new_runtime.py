"""Adding a runtime is one module and one registry line: no other file changes.

The runtime below lives in a package of its own, written into tmp and installed the way a
third-party plug-in is (a ``.dist-info`` with an ``agentctl.runtimes`` entry point on the
import path). The real CLI validates, plans and applies a project using it, ``init``
offers it, the JSON Schema and README's matrix list it, and the diagnostic code it
declares reaches SARIF output.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from agentctl import runtimes
from agentctl.commands.init import runtime_facts
from agentctl.diagnostics.codes import all_codes
from agentctl.runtimes.matrix import runtime_matrix
from agentctl.support import plugins
from tests.conftest import run_cli

MODULE = '''\
"""Acme: a runtime reading acme.json."""

from typing import ClassVar

from agentctl.diagnostics import Diagnostic
from agentctl.runtimes.base import BaseRuntime
from agentctl.runtimes.common import dump_json
from agentctl.runtimes.docs import RuntimeDocs
from agentctl.support.tree import FileSpec


class Acme(BaseRuntime):
    name: ClassVar[str] = "acme"
    credential_envs: ClassVar[dict[str, str]] = {"api_key": "ACME_INFERENCE_KEY"}
    skills_dir: ClassVar[str] = ".acme/skills"
    backends: ClassVar[frozenset[str]] = frozenset({"anthropic"})
    transports: ClassVar[frozenset[str]] = frozenset({"stdio", "http"})
    codes: ClassVar[dict[str, str]] = {"W590": "acme: effort is ignored"}
    docs: ClassVar[RuntimeDocs] = RuntimeDocs(mcp_config="`acme.json`", last_proven="1.2.3")
    npm_package: ClassVar[str] = "acme-cli"
    version: ClassVar[str] = "1.2.3"
    program: ClassVar[str] = "acme"

    def runtime_files(self, agent):
        return {"acme.json": FileSpec(dump_json({"model": self.model_handle(agent)}))}

    def check(self, agent, located):
        out = super().check(agent, located)
        if agent.effort:
            out.append(Diagnostic("warning", "W590", "runtime acme ignores 'effort'",
                                  located.pos("effort"), f"agents[{agent.name}].effort",
                                  "Remove it."))
        return out
'''
CATALOGUE = """\
credentials:
  - {name: anthropic-key, kind: api_key, env: ACME_TEST_KEY}
providers:
  - {name: anthropic, backend: anthropic, credential: anthropic-key}
models:
  - {name: sonnet, provider: anthropic, provider_model: claude-sonnet-4-5}
skills:
  - path: ../skills/hello
agents:
  - name: worker
    runtime: acme
    model: sonnet
    instructions: Work.
    skills: [hello]
    effort: high
"""
SKILL = "---\nname: hello\ndescription: Says hello.\n---\nHello.\n"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """An import path holding the ``acme_runtime`` package, installed as a plug-in."""
    root = tmp_path / "site"
    (root / "acme_runtime").mkdir(parents=True)
    (root / "acme_runtime" / "__init__.py").write_text(MODULE)
    info = root / "acme_runtime-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-runtime\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        f"[{runtimes.ENTRY_POINT_GROUP}]\nacme = acme_runtime:Acme\n")
    return root


@pytest.fixture
def registered(site: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The plug-in seen by this process's registries too."""
    monkeypatch.syspath_prepend(str(site))

    def clear() -> None:
        for cached in (plugins._all, runtimes._registry, runtimes.get_runtime):
            cached.cache_clear()

    clear()
    yield
    clear()
    sys.modules.pop("acme_runtime", None)


def project(root: Path) -> Path:
    (root / "catalogue").mkdir(parents=True)
    (root / "agentctl.yaml").write_text("name: acme-demo\ncatalogue: [catalogue/*.yaml]\n")
    (root / "catalogue" / "all.yaml").write_text(CATALOGUE)
    (root / "skills" / "hello").mkdir(parents=True)
    (root / "skills" / "hello" / "SKILL.md").write_text(SKILL)
    return root


def test_the_registries_list_the_new_runtime(registered: None) -> None:
    assert runtimes.listed_runtimes() == [*runtimes.BUILTIN, "acme"]
    header, _, *rows = runtime_matrix().splitlines()
    assert header.endswith("| `none` | `acme` |")
    assert rows[1] == "| MCP config | `.mcp.json` | `opencode.json` `mcp` | " \
        "`agentctl.kilo.json` `mcp` (`KILO_CONFIG`) | " \
        "`.codex/config.toml` `mcp_servers` | `.gemini/settings.json` `mcpServers` | " \
        "`.mcp.json` `mcpServers` | `.qwen/system-settings.json` `mcpServers` | — | " \
        "`acme.json` |"
    assert "| skills |" in rows[11] and rows[11].endswith("| `.acme/skills/` |")
    assert rows[-1].endswith("| 1.2.3 |")
    assert runtime_facts()["acme"] == {"service": True, "backends": ["anthropic"]}
    assert all_codes()["W590"] == "acme: effort is ignored"
    assert "acme" in runtimes.runtime_description()


def test_validate_plan_apply_schema_and_init_through_the_cli(site: Path, tmp_path: Path) -> None:
    env = {"PYTHONPATH": str(site)}
    root = project(tmp_path / "proj")
    sarif = run_cli("validate", "--format", "sarif", cwd=root, env=env)
    assert sarif.returncode == 0, sarif.stderr
    rules = json.loads(sarif.stdout)["runs"][0]["tool"]["driver"]["rules"]
    assert [(r["id"], r["shortDescription"]["text"]) for r in rules] == [
        ("W590", "acme: effort is ignored")]

    assert run_cli("plan", cwd=root, env=env).returncode == 1  # the key is not set
    secret = {**env, "ACME_TEST_KEY": "sk-acme-not-real"}
    applied = run_cli("apply", "-y", cwd=root, env=secret)
    assert applied.returncode == 0, applied.stderr
    workspace = root / "deploy" / "workspaces" / "worker"
    assert json.loads((workspace / "acme.json").read_text()) == {"model": "claude-sonnet-4-5"}
    assert (workspace / ".acme/skills/hello/SKILL.md").read_text() == SKILL
    assert (workspace / "AGENTS.md").read_text().endswith("Work.\n")
    compose = yaml.safe_load((root / "deploy" / "compose.yaml").read_text())
    service = compose["services"]["worker"]
    assert service["labels"]["dev.agentctl.runtime"] == "acme"
    assert service["command"] == ["npx", "--yes", "acme-cli@1.2.3"]
    env_file = (root / "deploy" / service["env_file"][0]["path"]).read_text()
    assert 'ACME_INFERENCE_KEY="sk-acme-not-real"\n' in env_file
    again = run_cli("plan", "--detailed-exitcode", cwd=root, env=secret)
    assert again.returncode == 0, again.stdout + again.stderr

    schema = json.loads(run_cli("schema", env=env).stdout)
    described = schema["$defs"]["Agent"]["properties"]["runtime"]["description"]
    assert described.endswith("qwen-code, none or acme.")

    made = run_cli("init", "fresh", "--data", "runtime=acme", cwd=tmp_path, env=env)
    assert made.returncode == 0, made.stderr
    agents = (tmp_path / "fresh" / "catalogue" / "agents.yaml").read_text()
    assert "    runtime: acme\n    model: sonnet" in agents
    assert run_cli("init", "other", "--data", "runtime=acme", cwd=tmp_path).returncode == 1


def test_without_the_plugin_the_runtime_is_unknown(tmp_path: Path) -> None:
    root = project(tmp_path / "proj")
    refused = run_cli("validate", cwd=root)
    assert refused.returncode == 1 and "acme" in refused.stderr
