"""``agentctl init``: a new project from the Copier project template, through the CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import yaml

from tests.conftest import ROOT, run_cli

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
}


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "init.defaultBranch=main", *args], cwd=cwd, check=True,
                   capture_output=True, env={**os.environ, **GIT_ENV})


def test_init_then_plan_works_without_any_secret(tmp_path: Path) -> None:
    made = run_cli("init", "demo", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    demo = tmp_path / "demo"
    answers = yaml.safe_load((demo / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == str(ROOT / "templates" / "project")
    assert answers["project_name"] == "demo" and answers["runtime"] == "none"
    hooks = yaml.safe_load((demo / ".pre-commit-config.yaml").read_text())
    assert [h["id"] for h in hooks["repos"][0]["hooks"]] == [
        "agentctl-validate", "agentctl-render-check"]
    assert "deploy/env/" in (demo / ".gitignore").read_text()
    assert run_cli("validate", cwd=demo).returncode == 0
    plan = run_cli("plan", "--detailed-exitcode", cwd=demo)
    assert plan.returncode == 2, plan.stdout + plan.stderr  # changes, no error
    assert "create deploy/workspaces/assistant/AGENTS.md" in plan.stdout
    applied = run_cli("apply", "-y", cwd=demo)
    assert applied.returncode == 0, applied.stderr
    assert run_cli("plan", "--detailed-exitcode", cwd=demo).returncode == 0


def test_init_with_a_runtime_needs_its_secret_only_at_plan(tmp_path: Path) -> None:
    made = run_cli("init", "demo", "--data", "runtime=claude-code", "--data",
                   "agent_name=helper", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    demo = tmp_path / "demo"
    assert run_cli("validate", cwd=demo).returncode == 0
    blocked = run_cli("plan", cwd=demo)
    assert blocked.returncode == 1
    assert "credential 'anthropic-api' (ANTHROPIC_API_KEY, inference) has no value" \
        in blocked.stderr
    assert "agentctl secrets set anthropic-api" in blocked.stderr
    starter = (demo / "catalogue" / "inference.yaml").read_text()
    assert "agentctl secrets set anthropic-api" in starter and "python -m keyring" not in starter
    ok = run_cli("plan", cwd=demo, env={"ANTHROPIC_API_KEY": "sk-test-not-real"})
    assert ok.returncode == 0, ok.stderr


def test_init_refuses_a_non_empty_folder_without_force(tmp_path: Path) -> None:
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "keep.txt").write_text("mine\n")
    refused = run_cli("init", "demo", cwd=tmp_path)
    assert refused.returncode == 1
    assert "error[E801]" in refused.stderr and "--force" in refused.stderr
    assert sorted(p.name for p in (tmp_path / "demo").iterdir()) == ["keep.txt"]
    forced = run_cli("init", "demo", "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert (tmp_path / "demo/keep.txt").read_text() == "mine\n"
    bad = run_cli("init", "other", "--data", "runtime=emacs", cwd=tmp_path)
    assert bad.returncode == 1 and "error[E802]" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert not (tmp_path / "other").exists()


def test_copier_update_carries_a_new_template_version(tmp_path: Path) -> None:
    import copier

    template = tmp_path / "template"
    shutil.copytree(ROOT / "templates" / "project", template)
    git(template, "init")
    git(template, "add", "-A")
    git(template, "commit", "-m", "v1")
    git(template, "tag", "v1.0.0")
    made = run_cli("init", "demo", "--template", str(template), cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    demo = tmp_path / "demo"
    assert yaml.safe_load((demo / ".copier-answers.yml").read_text())["_commit"] == "v1.0.0"
    git(demo, "init")
    git(demo, "add", "-A")
    git(demo, "commit", "-m", "init")

    with (template / ".gitignore").open("a") as f:
        f.write("# added in v1.1.0\n*.bak\n")
    git(template, "commit", "-am", "v1.1")
    git(template, "tag", "v1.1.0")
    copier.run_update(demo, defaults=True, overwrite=True, quiet=True, unsafe=False)
    assert "*.bak" in (demo / ".gitignore").read_text()
    assert yaml.safe_load((demo / ".copier-answers.yml").read_text())["_commit"] == "v1.1.0"


def test_an_unknown_data_key_is_an_error_listing_the_questions(tmp_path: Path) -> None:
    made = run_cli("init", "demo", "--data", "runtim=codex", "--data", "agent_name=x",
                   cwd=tmp_path)
    assert made.returncode == 1
    assert "error[E804] --data: the template asks no question 'runtim'" in made.stderr
    assert "Did you mean 'runtime'?" in made.stderr
    assert "project_name, agent_name, runtime, model, workspace_template" in made.stderr
    assert not (tmp_path / "demo").exists()


def test_the_starter_none_agent_validates_without_warnings(tmp_path: Path) -> None:
    made = run_cli("init", "demo", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    checked = run_cli("validate", cwd=tmp_path / "demo")
    assert checked.returncode == 0 and "warning" not in checked.stdout + checked.stderr
    agents = yaml.safe_load((tmp_path / "demo" / "catalogue" / "agents.yaml").read_text())
    assert "mcp_servers" not in agents["agents"][0]


def test_the_template_reads_its_runtime_choices_from_the_registry() -> None:
    from agentctl.commands.init import runtime_facts
    from agentctl.runtimes import get_runtime, listed_runtimes

    facts = runtime_facts()
    assert list(facts) == listed_runtimes()
    for name, fact in facts.items():
        runtime = get_runtime(name)
        assert fact == {"service": runtime.renders_service, "backends": sorted(runtime.backends)}
    copier_yml = (ROOT / "templates/project/copier.yml").read_text()
    assert "_agentctl_runtimes" in copier_yml
    assert not any(f"[{name}," in copier_yml or f" {name}]" in copier_yml for name in facts)


def test_the_first_agents_model_is_one_its_runtime_can_use(tmp_path: Path) -> None:
    made = run_cli("init", "demo", "--data", "runtime=gemini-cli", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    agents = (tmp_path / "demo/catalogue/agents.yaml").read_text()
    assert "    model: gemini-2.5-pro   # its key comes from GEMINI_API_KEY" in agents
    answers = yaml.safe_load((tmp_path / "demo/.copier-answers.yml").read_text())
    assert answers["model"] == "gemini-2.5-pro" and "_agentctl_runtimes" not in answers
    assert run_cli("validate", cwd=tmp_path / "demo").returncode == 0
