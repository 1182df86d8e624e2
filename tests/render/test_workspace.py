"""Workspace and service templates in the pipeline: answers, layering, trust, services."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from agentctl.diagnostics import DiagnosticError
from agentctl.render.pipeline import build
from agentctl.render.service import render_service
from agentctl.runtimes import get_runtime
from tests.conftest import EXAMPLE_SECRETS, ProjectFactory, run_cli

AGENT = """\
agents:
  - name: bot
    runtime: claude-code
    instructions: Be brief.
    skills: []
    workspace_template: {template}
    workspace_inputs: {inputs}
"""


def project_with_template(make_project: ProjectFactory, files: dict[str, str],
                          inputs: str = "{}", template: str = "../tpl") -> Path:
    catalogue = {"catalogue/a.yaml": AGENT.format(template=template, inputs=inputs)}
    catalogue.update({f"tpl/{k}": v for k, v in files.items()})
    return make_project(catalogue)


def test_structured_inputs_win_over_workspace_inputs(make_project: ProjectFactory) -> None:
    root = project_with_template(make_project, {
        "copier.yml": "agent_name: {type: str}\ncolour: blue\n",
        "out.txt.jinja": "{{ agent_name }} {{ colour }} {{ runtime }}\n",
    }, inputs="{agent_name: evil, runtime: other, colour: red}")
    files = build(root, explicit=True).tree.files
    assert files["workspaces/bot/out.txt"].content == b"bot red claude-code\n"


def test_missing_answer_is_a_validation_error_at_the_agent(make_project: ProjectFactory) -> None:
    root = project_with_template(make_project, {
        "copier.yml": "ticket: {type: str, help: required}\n",
        "t.jinja": "{{ ticket }}\n",
    })
    result = run_cli("-C", str(root), "validate")
    assert result.returncode == 1
    assert "catalogue/a.yaml:2:5: error[E903] agents[bot].workspace_template: " in result.stderr
    assert "workspace template '../tpl' asks 'ticket'" in result.stderr
    assert "workspace_inputs: {ticket: …} on agent 'bot'" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_builtin_template_suggests_one(make_project: ProjectFactory) -> None:
    root = make_project({"catalogue/a.yaml": AGENT.format(template="defualt", inputs="{}")})
    with pytest.raises(DiagnosticError) as info:
        build(root, explicit=True)
    assert info.value.errors[0].code == "E901"
    assert "Did you mean 'default'?" in info.value.errors[0].detail


def test_runtime_files_win_over_template_files_with_a_warning(
    make_project: ProjectFactory,
) -> None:
    root = project_with_template(make_project, {
        "copier.yml": "x: 1\n",
        "AGENTS.md": "from the template\n",
        ".claude/skills/mine/SKILL.md": "not a skill\n",
        "keep.md": "kept\n",
    })
    built = build(root, explicit=True)
    files = built.tree.files
    assert b"Be brief." in files["workspaces/bot/AGENTS.md"].content
    assert "workspaces/bot/.claude/skills/mine/SKILL.md" not in files
    assert files["workspaces/bot/keep.md"].content == b"kept\n"
    codes = sorted((d.code, d.summary) for d in built.warnings if d.code == "W901")
    assert len(codes) == 2
    assert "writes AGENTS.md, which the runtime claude-code owns" in codes[1][1]
    assert "workspace template '../tpl'" in codes[1][1]


UNSAFE = {
    "copier.yml": "_tasks:\n  - touch task-ran\nname: x\n",
    "a.txt.jinja": "{{ name }}\n",
}


def test_template_that_runs_code_needs_trust(make_project: ProjectFactory, tmp_path: Path) -> None:
    root = project_with_template(make_project, UNSAFE)
    refused = run_cli("-C", str(root), "render", "--out", str(tmp_path / "o"))
    assert refused.returncode == 1
    assert "error[E902]" in refused.stderr and "uses _tasks, which run code" in refused.stderr
    assert "'../tpl'" in refused.stderr and "--trust" in refused.stderr
    assert not (tmp_path / "o").exists()  # nothing half-written
    trusted = run_cli("-C", str(root), "render", "--trust", "--out", str(tmp_path / "o"))
    assert trusted.returncode == 0, trusted.stderr
    assert (tmp_path / "o/workspaces/bot/a.txt").read_text() == "x\n"
    assert (tmp_path / "o/workspaces/bot/task-ran").exists()
    assert run_cli("-C", str(root), "plan").returncode == 1
    planned = run_cli("-C", str(root), "plan", "--trust")
    assert planned.returncode == 0, planned.stderr
    assert "create deploy/workspaces/bot/a.txt" in planned.stdout
    applied = run_cli("-C", str(root), "apply", "-y", "--trust")
    assert applied.returncode == 0, applied.stderr
    assert (root / "deploy/workspaces/bot/a.txt").read_text() == "x\n"


def test_skip_if_exists_files_are_written_once(example: Path) -> None:
    assert run_cli("-C", str(example), "apply", "-y", env=EXAMPLE_SECRETS).returncode == 0
    notes = example / "deploy/workspaces/test-fixer/NOTES.md"
    notes.write_text("the agent's own notes\n")
    plan = run_cli("-C", str(example), "plan", "--detailed-exitcode", env=EXAMPLE_SECRETS)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    notes.unlink()
    plan = run_cli("-C", str(example), "plan", "--detailed-exitcode", env=EXAMPLE_SECRETS)
    assert plan.returncode == 2 and "NOTES.md" in plan.stdout


def test_without_a_project_template_the_service_is_the_runtimes_own(example: Path) -> None:
    built = build(example, explicit=True)
    for name, agent in built.resolved.agents.items():
        runtime = get_runtime(agent.runtime)
        env = built.tree.agents[name].env_file
        reference = runtime.service(agent, f"workspaces/{name}", env)
        assert render_service(agent, runtime, f"workspaces/{name}", env, example,
                              trust=False) == reference, name


def test_the_old_builtin_service_templates_render_the_same_compose_file(example: Path) -> None:
    """The service is built once, in code; the per-runtime templates agentctl shipped
    before (the shape of tests/render/service_template), used as project overrides,
    give byte-identical compose.yaml: nothing was lost by dropping them."""
    import shutil

    cat = example / "catalogue/labels.yaml"
    cat.write_text("agents:\n  - name: labelled\n    extends: reviewer\n"
                   "    service_inputs: {labels: {dev.agentctl.agent: spoofed, team: a}}\n")
    before = build(example, explicit=True).tree
    runtimes = {a.runtime for a in build(example, explicit=True).resolved.agents.values()}
    for runtime in runtimes:
        shutil.copytree(Path(__file__).parent / "service_template",
                        example / "templates/service" / runtime)
    after = build(example, explicit=True).tree
    assert after.files["compose.yaml"].content == before.files["compose.yaml"].content
    compose = yaml.safe_load(before.files["compose.yaml"].content)
    assert compose["services"]["labelled"]["labels"]["dev.agentctl.agent"] == "labelled"


def test_project_service_template_overrides_but_structured_keys_win(
    example: Path, tmp_path: Path,
) -> None:
    own = example / "templates/service/claude-code"
    own.mkdir(parents=True)
    (own / "copier.yml").write_text("_exclude: [copier.yml]\nimage: {type: str}\n")
    (own / "service.yaml.jinja").write_text(
        "image: {{ image }}\nworking_dir: /elsewhere\nmem_limit: 2g\n"
        "environment: {ANTHROPIC_MODEL: overridden, EXTRA: '1'}\n"
        "labels: {team: {{ TZ | default('none') }}}\n"
    )
    tree = build(example, explicit=True).tree
    compose = yaml.safe_load(tree.files["compose.yaml"].content)
    reviewer = compose["services"]["reviewer"]
    assert reviewer["mem_limit"] == "2g"
    assert reviewer["working_dir"] == "/workspace"  # structured keys win
    assert reviewer["environment"]["ANTHROPIC_MODEL"] == "claude-sonnet-4-5"
    assert reviewer["environment"]["EXTRA"] == "1"
    assert reviewer["labels"]["dev.agentctl.agent"] == "reviewer"
    assert "mem_limit" not in compose["services"]["test-fixer"]  # codex keeps the built-in
    path = tmp_path / "compose.yaml"
    path.write_bytes(tree.files["compose.yaml"].content)
    checker = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run([str(checker), "--builtin-schema", "vendor.compose-spec", str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_service_template_must_render_a_mapping(example: Path) -> None:
    own = example / "templates/service/codex"
    own.mkdir(parents=True)
    (own / "copier.yml").write_text("x: 1\n")
    (own / "service.yaml").write_text("- not a mapping\n")
    with pytest.raises(DiagnosticError) as info:
        build(example, explicit=True)
    assert [e.code for e in info.value.errors] == ["E905"]
    assert info.value.errors[0].path == "agents[test-fixer].runtime"


def test_template_answers_are_data_not_template_source(make_project: ProjectFactory) -> None:
    root = project_with_template(make_project, {
        "copier.yml": "x: 1\n",
        "i.txt.jinja": "{{ instructions }}\n",
    })
    cat = root / "catalogue/a.yaml"
    cat.write_text(cat.read_text().replace("Be brief.", "'{{ 7 * 7 }}'"))
    files = build(root, explicit=True).tree.files
    assert files["workspaces/bot/i.txt"].content == b"{{ 7 * 7 }}\n"


def test_rendered_service_is_read_as_json_when_it_is_json_else_as_yaml() -> None:
    import yaml

    from agentctl.render.service import _service_mapping

    assert _service_mapping(b'{"image": "x", "tty": true, "command": ["a"]}\n') == {
        "image": "x", "tty": True, "command": ["a"]}
    # Flow-style YAML that is not JSON (unquoted keys, a comment) still reads as YAML.
    assert _service_mapping(b"{image: x, tty: true} # flow style\n") == {
        "image": "x", "tty": True}
    assert _service_mapping(b"# block style\nimage: x\nrestart: 'no'\n") == {
        "image": "x", "restart": "no"}
    assert isinstance(_service_mapping(b"image: [unclosed\n"), yaml.YAMLError)
