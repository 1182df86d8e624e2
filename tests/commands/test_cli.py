"""End to end through the installed ``agentctl`` (no terminal, as in CI)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_SECRETS, example_agents, run_cli, tree_bytes


def files_under(root: Path) -> set[str]:
    return set(tree_bytes(root))


def test_full_flow_apply_plan_edit_converge_destroy(example: Path) -> None:
    before = files_under(example)
    first = run_cli("-C", str(example), "apply", "-y", env=EXAMPLE_SECRETS)
    assert first.returncode == 0, first.stderr
    assert "Apply complete" in first.stdout
    created = files_under(example) - before

    clean = run_cli("-C", str(example), "plan", "--detailed-exitcode", env=EXAMPLE_SECRETS)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "No changes" in clean.stdout

    agents = example / "catalogue/agents.yaml"
    agents.write_text(agents.read_text().replace("permission: read", "permission: write"))
    changed = run_cli("plan", "--detailed-exitcode", cwd=example / "catalogue",
                      env=EXAMPLE_SECRETS)
    assert changed.returncode == 2, changed.stderr
    assert "agent reviewer: update" in changed.stdout
    assert '-    "defaultMode": "plan"' in changed.stdout
    assert '+    "defaultMode": "acceptEdits"' in changed.stdout

    again = run_cli("-C", str(example), "apply", "-y", env=EXAMPLE_SECRETS)
    assert again.returncode == 0, again.stderr
    assert run_cli("-C", str(example), "plan", "--detailed-exitcode",
                   env=EXAMPLE_SECRETS).returncode == 0

    gone = run_cli("-C", str(example), "destroy", "-y", env=EXAMPLE_SECRETS)
    assert gone.returncode == 0, gone.stderr
    after = files_under(example)
    assert before <= after  # nothing agentctl did not create was touched
    # Every file apply created is gone; only agentctl's own state remains.
    assert after - before <= {".agentctl/state.json", ".agentctl/.gitignore",
                              ".agentctl/apply.lock", ".agentctl/cache/render.json",
                              ".agentctl/cache/render.stamp",
                              ".agentctl/cache/stat.json", ".agentctl/cache/stat.stamp",
                              ".agentctl/cache/.gitignore"}
    assert any(p.startswith("deploy/env/") for p in created)
    state = json.loads((example / ".agentctl/state.json").read_text())
    assert {a["lifecycle"] for a in state["agents"].values()} == {"deprovisioned"}


def test_destroy_one_agent(example: Path) -> None:
    assert run_cli("-C", str(example), "apply", "-y", env=EXAMPLE_SECRETS).returncode == 0
    result = run_cli("-C", str(example), "destroy", "reviewer", "-y", env=EXAMPLE_SECRETS)
    assert result.returncode == 0, result.stderr
    assert not (example / "deploy/workspaces/reviewer").exists()
    assert not (example / "deploy/env/reviewer.env").exists()
    assert (example / "deploy/workspaces/on-call/AGENTS.md").exists()
    compose = (example / "deploy/compose.yaml").read_text()
    assert "reviewer:" not in compose and "on-call:" in compose
    unknown = run_cli("-C", str(example), "destroy", "reviewr", "-y", env=EXAMPLE_SECRETS)
    assert unknown.returncode == 1 and "Did you mean 'reviewer'?" in unknown.stderr


BAD_CATALOGUES = {
    "syntax": ("agents:\n  - name: a\n    runtime: none\n  instructions: [\n",
               "catalogue/bad.yaml:4:"),
    "type": ("agents:\n  - name: a\n    runtime: none\n    skills: code-review\n",
             "catalogue/bad.yaml:4:13: error[E112]"),
    "unknown-key": ("agents:\n  - name: a\n    runtime: none\n    instruction: hi\n",
                    "catalogue/bad.yaml:4:5: error[E110]"),
    "dangling": ("agents:\n  - name: a\n    runtime: claude-code\n    model: sonet\n",
                 "catalogue/bad.yaml:4:12: error[E203]"),
    "cycle": ("agents:\n  - name: a\n    extends: b\n  - name: b\n    extends: a\n",
              "error[E202]"),
    "duplicate": ("agents:\n  - name: reviewer\n    runtime: none\n",
                  "catalogue/bad.yaml:2:11: error[E120]"),
}


@pytest.mark.parametrize("case", sorted(BAD_CATALOGUES))
@pytest.mark.parametrize("verb", [["validate"], ["plan"], ["apply", "-y"]])
def test_bad_catalogue_is_one_clear_error_and_nothing_written(
    example: Path, case: str, verb: list[str]
) -> None:
    text, expected = BAD_CATALOGUES[case]
    (example / "catalogue/bad.yaml").write_text(text)
    before = tree_bytes(example)
    result = run_cli("-C", str(example), *verb, env=EXAMPLE_SECRETS)
    assert result.returncode == 1
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert tree_bytes(example) == before


def test_apply_without_terminal_or_yes_refuses(example: Path) -> None:
    result = run_cli("-C", str(example), "apply", env=EXAMPLE_SECRETS)
    assert result.returncode == 1
    assert "re-run with -y/--auto-approve" in result.stderr
    assert not (example / "deploy").exists()


def test_keyring_unavailable_names_each_credential_and_writes_nothing(example: Path) -> None:
    """No keyring and no env values: each credential it hid is named (E401, with its
    variable), the keyring once (E405) with its fix; nothing is applied until it answers."""
    result = run_cli("-C", str(example), "apply", "-y")
    assert result.returncode == 1
    assert result.stderr.count("error[E405] secret_backends[keyring]: secret backend "
                               "'keyring' is unavailable: no keyring backend is available") == 1
    assert "error[E401] agents[reviewer]: credential 'anthropic-api' (ANTHROPIC_API_KEY" \
        in result.stderr
    assert "Nothing was written" in result.stderr
    assert not (example / "deploy").exists()


def test_saved_plan_applies_and_is_refused_once_stale(example: Path, tmp_path: Path) -> None:
    planfile = tmp_path / "plan.json"
    made = run_cli("-C", str(example), "plan", "--out", str(planfile), env=EXAMPLE_SECRETS)
    assert made.returncode == 0, made.stderr
    doc = json.loads(planfile.read_text())
    assert doc["format_version"] == "1.0" and doc["has_changes"]
    (example / "instructions/reviewer.md").write_text("changed\n")
    stale = run_cli("-C", str(example), "apply", str(planfile), env=EXAMPLE_SECRETS)
    assert stale.returncode == 1 and "different catalogue inputs" in stale.stderr
    assert not (example / "deploy").exists()
    fresh = run_cli("-C", str(example), "plan", "--out", str(planfile), env=EXAMPLE_SECRETS)
    assert fresh.returncode == 0
    ok = run_cli("-C", str(example), "apply", str(planfile), env=EXAMPLE_SECRETS)
    assert ok.returncode == 0, ok.stderr


def test_plan_json(example: Path) -> None:
    result = run_cli("-C", str(example), "plan", "--json", env=EXAMPLE_SECRETS)
    doc = json.loads(result.stdout)
    assert doc["format_version"] == "1.0"
    env = [c for c in doc["changes"] if c["env_file"]]
    assert {c["path"] for c in env} == {
        f"deploy/env/{a}.env" for a in example_agents(running=True)}
    assert "variables" in env[0]


def test_canary_secrets_never_leave_env_files(example: Path, tmp_path: Path) -> None:
    outputs: list[str] = []
    preview = tmp_path / "preview"
    planfile = tmp_path / "plan.json"
    for args in (["validate"], ["render", "--out", str(preview)], ["plan"], ["plan", "--json"],
                 ["plan", "--out", str(planfile)], ["apply", str(planfile)], ["plan"],
                 ["destroy", "-y"]):
        result = run_cli("-C", str(example), *args, env=EXAMPLE_SECRETS)
        assert result.returncode == 0, (args, result.stderr)
        outputs += [result.stdout, result.stderr]
    scanned = {**{f"example/{k}": v for k, v in tree_bytes(example).items()},
               **{f"tmp/{k}": v for k, v in tree_bytes(tmp_path).items()
                  if not k.startswith("fleet/")}}
    for value in EXAMPLE_SECRETS.values():
        for text in outputs:
            assert value not in text
        for name, data in scanned.items():
            if "/deploy/env/" in name:
                continue
            assert value.encode() not in data, name


@pytest.mark.parametrize("verb", ["validate", "render", "plan", "apply", "destroy", "schema",
                                  "graph", "status"])
def test_usage_error_exits_64_for_every_verb(verb: str) -> None:
    result = run_cli(verb, "--no-such-flag")
    assert result.returncode == 64, result.stderr
    assert "No such option: --no-such-flag" in result.stderr


def test_usage_errors_exit_64() -> None:
    assert run_cli("no-such-verb").returncode == 64
    assert run_cli("render").returncode == 64  # neither --out nor --check
    assert run_cli("validate", "--format", "yaml").returncode == 64


def test_version_and_help() -> None:
    assert run_cli("--version").stdout.startswith("agentctl ")
    help_text = run_cli("apply", "--help").stdout
    assert "Example: agentctl apply -y" in help_text
