"""Resolve: references, extends, templates, did-you-mean, runtime pairings."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentctl.diagnostics import DiagnosticError
from agentctl.load import load_catalogue
from agentctl.project import load_project
from agentctl.resolve import ResolvedProject, resolve
from tests.conftest import ProjectFactory

BASE = """\
credentials:
  - name: key
    kind: api_key
  - name: oauth
    kind: oauth_token
providers:
  - name: anthropic
    backend: anthropic
    credential: key
models:
  - name: sonnet
    provider: anthropic
    provider_model: claude-sonnet-4-5
  - name: old
    provider: anthropic
    status: retired
mcp_servers:
  - name: github
    transport: http
    url: https://example.com/mcp
    credential: key
    tools: [get_issue, search_code]
  - name: hub
    transport: http
    builtin: hub
"""


def resolved(make_project: ProjectFactory, agents: str, config: str = "output: deploy\n"
             ) -> ResolvedProject:
    root = make_project({"catalogue/base.yaml": BASE, "catalogue/agents.yaml": agents,
                         "child.md": "from the file\n"}, config)
    return resolve(load_catalogue(load_project(root, explicit=True)))


def errors(make_project: ProjectFactory, agents: str) -> list[str]:
    with pytest.raises(DiagnosticError) as info:
        resolved(make_project, agents)
    return [d.format() for d in info.value.errors]


def test_extends_merges_and_templates_are_not_rendered(make_project: ProjectFactory) -> None:
    project = resolved(make_project, """\
agents:
  - name: base
    is_template: true
    runtime: claude-code
    model: sonnet
    instructions: hello
    service_inputs: {environment: {A: "1"}}
  - name: child
    extends: base
    permission: read
    service_inputs: {image: "img:1"}
""")
    assert list(project.agents) == ["child"]
    child = project.agents["child"]
    assert child.runtime == "claude-code"
    assert child.instructions == "hello"
    assert child.model is not None and child.model.name == "sonnet"
    assert child.service_inputs == {"environment": {"A": "1"}, "image": "img:1"}
    assert child.inference_credential is not None and child.inference_credential.name == "key"


def test_inference_credential_override(make_project: ProjectFactory) -> None:
    project = resolved(make_project, """\
agents:
  - name: a
    runtime: claude-code
    model: sonnet
    inference_credential: oauth
    instructions: x
""")
    cred = project.agents["a"].inference_credential
    assert cred is not None and cred.kind == "oauth_token"


@pytest.mark.parametrize(
    ("snippet", "code", "hint"),
    [
        ("model: sonet", "E203", "Did you mean 'sonnet'?"),
        ("model: old", "E204", "retired"),
        ("skills: [reviw]", "E207", "Define it under 'skills:'"),
        ("mcp_servers: [githib]", "E208", "Did you mean 'github'?"),
        ("mcp_servers: [{name: github, tools: [get_isue]}]", "E209", "Did you mean 'get_issue'?"),
        ("inference_credential: keyy", "E206", "Did you mean 'key'?"),
        ("runtime: claude", "E210", "Did you mean 'claude-code'?"),
        ("extends: nobody", "E201", "Define it under 'agents:'"),
        ("instructions_file: missing.md", "E214", "relative to the catalogue file"),
    ],
)
def test_dangling_references(make_project: ProjectFactory, snippet: str, code: str,
                             hint: str) -> None:
    agents = "agents:\n  - name: a\n    " + snippet + "\n"
    if "instructions" not in snippet:
        agents += "    instructions: x\n"
    if "runtime" not in snippet:
        agents += "    runtime: claude-code\n"
    msgs = errors(make_project, agents)
    assert any(f"[{code}]" in m and hint in m for m in msgs), msgs
    assert all(m.startswith("catalogue/agents.yaml:") for m in msgs)


def test_nearer_instructions_setting_wins(make_project: ProjectFactory) -> None:
    project = resolved(make_project, """\
agents:
  - name: base
    is_template: true
    runtime: none
    instructions: from the template
  - name: child
    extends: base
    instructions_file: child.md
""".replace("child.md", "../child.md"))
    assert project.agents["child"].instructions == "from the file\n"


def test_extends_cycle(make_project: ProjectFactory) -> None:
    msgs = errors(make_project, """\
agents:
  - name: a
    extends: b
    runtime: none
  - name: b
    extends: a
""")
    assert any("E202" in m and "a → b → a" in m for m in msgs), msgs


def test_builtin_without_url_is_skipped_with_warning(make_project: ProjectFactory) -> None:
    project = resolved(make_project, """\
agents:
  - name: a
    runtime: none
    instructions: x
    mcp_servers: [hub]
""")
    assert project.agents["a"].mcp_servers == ()
    assert any(w.code == "W203" for w in project.warnings)


def test_builtin_url_comes_from_project_config(make_project: ProjectFactory) -> None:
    project = resolved(make_project, """\
agents:
  - name: a
    runtime: none
    instructions: x
    mcp_servers: [hub]
""", "output: deploy\nbuiltin_mcp_urls:\n  hub: http://hub:9000/mcp\n")
    (server,) = project.agents["a"].mcp_servers
    assert server.url == "http://hub:9000/mcp"


def test_model_without_credential_refused(make_project: ProjectFactory) -> None:
    root = make_project({"catalogue/a.yaml": """\
providers: [{name: p, backend: anthropic}]
models: [{name: m, provider: p}]
agents: [{name: a, runtime: claude-code, model: m, instructions: x}]
"""})
    with pytest.raises(DiagnosticError) as info:
        resolve(load_catalogue(load_project(root, explicit=True)))
    assert [d.code for d in info.value.errors] == ["E502"]


def test_runtime_refuses_wrong_backend(make_project: ProjectFactory) -> None:
    root = make_project({"catalogue/a.yaml": """\
credentials: [{name: k, kind: api_key}]
providers: [{name: p, backend: openai, credential: k}]
models: [{name: m, provider: p}]
agents: [{name: a, runtime: claude-code, model: m, instructions: x}]
"""})
    with pytest.raises(DiagnosticError) as info:
        resolve(load_catalogue(load_project(root, explicit=True)))
    (err,) = info.value.errors
    assert err.code == "E501" and "backend openai" in err.summary


def test_server_shape_errors(make_project: ProjectFactory) -> None:
    root = make_project({"catalogue/a.yaml": """\
mcp_servers:
  - name: s1
    transport: stdio
    url: https://x.example/mcp
  - name: s2
    transport: http
  - name: s3
    transport: sse
    url: ftp://nope
"""})
    with pytest.raises(DiagnosticError) as info:
        resolve(load_catalogue(load_project(root, explicit=True)))
    codes = sorted(d.code for d in info.value.errors)
    assert codes == ["E221", "E222", "E224", "E225"]


def test_the_example_resolves(example: Path) -> None:
    project = resolve(load_catalogue(load_project(example, explicit=True)))
    assert sorted(project.agents) == ["docs-writer", "handbook", "on-call", "release-manager",
                                      "reviewer", "test-fixer", "triager"]
    assert {a.runtime for a in project.agents.values()} == {
        "claude-code", "codex", "gemini-cli", "opencode", "none"}
    assert not project.warnings
