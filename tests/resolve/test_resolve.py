"""Resolve: references, extends, templates, did-you-mean, runtime pairings."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentctl.catalogue.load import Catalogue, load_catalogue
from agentctl.catalogue.project import load_project
from agentctl.diagnostics import DiagnosticError
from agentctl.render.checks import check_plugins
from agentctl.resolve import ResolvedProject, resolve
from agentctl.runtimes import BUILTIN
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


def checked(cat: Catalogue) -> ResolvedProject:
    """Resolve ``cat`` and make the plug-in checks, as every command does."""
    resolved = resolve(cat, defer=True)
    check_plugins(resolved)
    return resolved


def resolved(make_project: ProjectFactory, agents: str, config: str = "output: deploy\n"
             ) -> ResolvedProject:
    root = make_project({"catalogue/base.yaml": BASE, "catalogue/agents.yaml": agents,
                         "child.md": "from the file\n"}, config)
    return checked(load_catalogue(load_project(root, explicit=True)))


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
        checked(load_catalogue(load_project(root, explicit=True)))
    assert [d.code for d in info.value.errors] == ["E502"]


def test_runtime_refuses_wrong_backend(make_project: ProjectFactory) -> None:
    root = make_project({"catalogue/a.yaml": """\
credentials: [{name: k, kind: api_key}]
providers: [{name: p, backend: openai, credential: k}]
models: [{name: m, provider: p}]
agents: [{name: a, runtime: claude-code, model: m, instructions: x}]
"""})
    with pytest.raises(DiagnosticError) as info:
        checked(load_catalogue(load_project(root, explicit=True)))
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
        checked(load_catalogue(load_project(root, explicit=True)))
    codes = sorted(d.code for d in info.value.errors)
    assert codes == ["E221", "E222", "E224", "E225"]


def test_the_example_resolves(example: Path) -> None:
    project = checked(load_catalogue(load_project(example, explicit=True)))
    assert sorted(project.agents) == ["docs-writer", "handbook", "on-call", "release-manager",
                                      "reviewer", "test-fixer", "triager"]
    # Every runtime but the three added by issue 17 (an example agent for each ripples into
    # the example-tree snapshots of every target: left for a change of its own).
    assert {a.runtime for a in project.agents.values()} == set(BUILTIN) - {
        "copilot-cli", "qwen-code", "kilo"}
    # Only the deprecation of the SSE server the example keeps to show the transport.
    assert [(w.code, w.path) for w in project.warnings] == [
        ("W502", "mcp_servers[sentry].transport")] * 2  # on-call and triager use it


def deferred(make_project: ProjectFactory, agents: str,
             files: dict[str, str] | None = None) -> DiagnosticError:
    """Load with entry errors deferred, as every verb does, and resolve: the error raised."""
    root = make_project({"catalogue/base.yaml": BASE, "catalogue/agents.yaml": agents,
                         **(files or {})})
    with pytest.raises(DiagnosticError) as info:
        checked(load_catalogue(load_project(root, explicit=True), defer=True))
    return info.value


def test_a_long_extends_chain_inherits_like_a_short_one(make_project: ProjectFactory) -> None:
    links = ["  - {name: t0, is_template: true, runtime: none, instructions: root,"
             " workspace_inputs: {k0: v0}, description: not inherited}"]
    links += [f"  - {{name: t{i}, is_template: true, extends: t{i - 1},"
              f" workspace_inputs: {{k{i % 3}: v{i}}}}}" for i in range(1, 2000)]
    links.append("  - {name: leaf, extends: t1999, effort: low}")
    project = resolved(make_project, "agents:\n" + "\n".join(links) + "\n")
    leaf = project.agents["leaf"]
    assert (leaf.runtime, leaf.instructions, leaf.effort, leaf.description) == (
        "none", "root", "low", "")
    # Mappings merge key by key along the chain, the nearer link winning.
    assert leaf.workspace_inputs == {"k0": "v1998", "k1": "v1999", "k2": "v1997"}
    assert list(project.agents) == ["leaf"]


def test_a_cycle_is_reported_once_for_every_agent_it_catches(
        make_project: ProjectFactory) -> None:
    msgs = errors(make_project, """\
agents:
  - {name: a, extends: b, runtime: none}
  - {name: b, extends: a}
  - {name: c, extends: a}
  - {name: d, extends: c}
""")
    assert len(msgs) == 1 and "E202" in msgs[0], msgs


def test_schema_and_reference_errors_of_independent_entries_come_together(
        make_project: ProjectFactory) -> None:
    error = deferred(make_project, """\
agents:
  - {name: one, runtime: none, instructions: hi, permission: writ}
  - {name: two, runtime: claude-code, model: sonet, instructions: hi}
  - {name: three, runtime: none, instructions_file: ../missing.md}
""")
    assert [(d.code, str(d.position)) for d in error.errors] == [
        ("E114", "catalogue/agents.yaml:2:62"), ("E203", "catalogue/agents.yaml:3:46"),
        ("E214", "catalogue/agents.yaml:4:53")]
    assert not [d for d in error.diagnostics if d.code == "W202"]


def test_entries_refused_by_their_own_checks_are_not_unknown(
        make_project: ProjectFactory) -> None:
    error = deferred(make_project, """\
models:
  - {name: opus, provider: anthropic, status: retird}
credentials:
  - {name: spare, kind: apikey}
mcp_servers:
  - {name: files, transport: pipe}
agents:
  - {name: base, is_template: true, runtime: none, colour: red}
  - {name: one, runtime: claude-code, model: opus, instructions: hi}
  - {name: two, extends: base}
  - {name: three, runtime: claude-code, model: sonnet, inference_credential: spare,
     instructions: hi, mcp_servers: [files]}
""")
    assert sorted(d.code for d in error.errors) == ["E110", "E114", "E114", "E114"]


def test_an_unreadable_file_stops_before_references_are_judged(
        make_project: ProjectFactory) -> None:
    error = deferred(make_project, "agents:\n  - {name: one, runtime: none, model: m2}\n",
                     {"catalogue/more.yaml": "models: [{name: m2\n"})
    assert [d.code for d in error.errors] == ["E100"]


def test_instructions_file_outside_the_project_is_refused_where_written(
        make_project: ProjectFactory) -> None:
    msgs = errors(make_project, """\
agents:
  - name: base
    is_template: true
    instructions_file: /etc/passwd
  - {name: child, extends: base, runtime: none}
""")
    assert len(msgs) == 1 and msgs[0].startswith("catalogue/agents.yaml:4:24: error[E230]")


def test_a_template_may_leave_the_runtime_unset(make_project: ProjectFactory) -> None:
    project = resolved(make_project, """\
agents:
  - {name: base, is_template: true, instructions: hi}
  - {name: child, extends: base, runtime: none}
""")
    assert list(project.agents) == ["child"]
    assert not [w for w in project.warnings if w.code == "E210"]


def test_runtime_none_warns_about_each_field_it_ignores(make_project: ProjectFactory) -> None:
    project = resolved(make_project, """\
agents:
  - {name: base, is_template: true, runtime: claude-code, model: sonnet, effort: high}
  - name: child
    extends: base
    runtime: none
    instructions: hi
    mcp_servers: [github]
    permission: read
""")
    got = sorted((w.path, str(w.position)) for w in project.warnings if w.code == "W510")
    assert got == [("agents[child].effort", "catalogue/agents.yaml:3:5"),
                   ("agents[child].mcp_servers", "catalogue/agents.yaml:7:5"),
                   ("agents[child].model", "catalogue/agents.yaml:3:5"),
                   ("agents[child].permission", "catalogue/agents.yaml:8:5")]


def test_an_agent_named_like_an_internal_service_is_a_located_error(
        make_project: ProjectFactory) -> None:
    msgs = errors(make_project, """\
mcp_servers:
  - {name: box, placement: internal, transport: http, url: "http://mcp-box/mcp", image: b}
agents:
  - {name: mcp-box, runtime: codex, instructions: hi}
  - {name: mcp-files, runtime: none, instructions: hi}
""")
    assert len(msgs) == 1 and msgs[0].startswith("catalogue/agents.yaml:4:12: error[E231]")


def test_runtime_names_are_judged_by_the_plugin_checks(make_project: ProjectFactory) -> None:
    root = make_project({"catalogue/base.yaml": BASE, "catalogue/agents.yaml": """\
agents:
  - {name: a, runtime: claude, instructions: x}
  - {name: b, runtime: claude-code, model: nope, instructions: x}
"""})
    project = resolve(load_catalogue(load_project(root, explicit=True)), defer=True)
    # resolve knows no runtimes: it keeps 'a' and records where its runtime is written.
    assert list(project.agents) == ["a"]
    assert [p.code for p in project.problems] == ["E203"]
    assert [(r.agent, r.runtime, str(r.where)) for r in project.runtimes] == [
        ("a", "claude", "catalogue/agents.yaml:2:24"), ("b", "claude-code",
                                                        "catalogue/agents.yaml:3:24")]
    with pytest.raises(DiagnosticError) as info:
        check_plugins(project)
    assert [d.code for d in info.value.errors] == ["E210", "E203"]
    assert project.agents == {}


def test_a_runtime_warning_stays_beside_its_agent(make_project: ProjectFactory) -> None:
    project = resolved(make_project, """\
agents:
  - {name: a, runtime: none, instructions: hi, permission: read}
  - {name: b, runtime: claude-code}
""")
    assert [(w.code, w.path) for w in project.warnings] == [
        ("W510", "agents[a].permission"), ("W202", "agents[b]")]
