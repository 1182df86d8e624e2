"""End to end with the installed CLI: apply, drift, prune, destroy and target switching
for the kubernetes and kagent targets, with the ledger as for compose."""

from __future__ import annotations

import base64
import json
import re
import subprocess
from pathlib import Path

import yaml

from tests.conftest import EXAMPLE_SECRETS, example_agents, run_cli, tree_bytes
from tests.targets.conftest import validate_core

K8S = "deploy/kubernetes"


def cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("-C", str(root), *args, env=EXAMPLE_SECRETS)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def ledger(root: Path) -> dict[str, dict[str, dict[str, object]]]:
    doc = json.loads((root / ".agentctl/state.json").read_text())
    assert isinstance(doc, dict)
    return doc


def canaries() -> list[bytes]:
    """Every fake secret value, raw and base64 (as a Secret's data holds it)."""
    out = []
    for value in EXAMPLE_SECRETS.values():
        out += [value.encode(), base64.b64encode(value.encode())]
    return out


def test_apply_kubernetes_secrets_are_0600_git_ignored_and_nowhere_else(example: Path) -> None:
    output = ok(cli(example, "apply", "-y", "--target", "kubernetes"))
    secrets = sorted((example / K8S / "secrets").iterdir())
    assert [p.name for p in secrets] == [
        f"{a}.secret.yaml" for a in example_agents(running=True)]
    for path in secrets:
        assert path.stat().st_mode & 0o777 == 0o600
        doc = yaml.safe_load(path.read_text())
        validate_core(doc)
        assert doc["metadata"]["name"] == path.name.removesuffix(".secret.yaml") + "-secrets"
    reviewer = yaml.safe_load((example / K8S / "secrets/reviewer.secret.yaml").read_text())
    assert base64.b64decode(reviewer["data"]["AGENTCTL_MCP_GITHUB_TOKEN"]).decode() == (
        EXAMPLE_SECRETS["FLEET_GITHUB_PAT"])
    for rel, data in tree_bytes(example).items():
        if rel.startswith(f"{K8S}/secrets/"):
            continue
        for canary in canaries():
            assert canary not in data, rel
    for canary in canaries():
        assert canary.decode() not in output
    # The rendered .gitignore keeps the secret files out of git (asked of git itself).
    subprocess.run(["git", "init", "-q", str(example)], check=True)
    for path in secrets:
        check = subprocess.run(["git", "-C", str(example), "check-ignore", "-q",
                                str(path.relative_to(example))])
        assert check.returncode == 0, path
    assert subprocess.run(["git", "-C", str(example), "check-ignore", "-q",
                           f"{K8S}/kustomization.yaml"]).returncode == 1
    # The ledger knows which target wrote what; the fleet now matches the catalogue.
    state = ledger(example)
    assert {r["target"] for r in state["files"].values()} == {"kubernetes"}
    assert {r["target"] for r in state["env_files"].values()} == {"kubernetes"}
    assert cli(example, "plan", "--target", "kubernetes", "--detailed-exitcode").returncode == 0


def test_hand_edit_of_a_manifest_is_drift(example: Path) -> None:
    ok(cli(example, "apply", "-y", "--target", "kubernetes"))
    deployment = example / K8S / "agents/reviewer/deployment.yaml"
    deployment.write_text(deployment.read_text().replace("replicas: 1", "replicas: 3"))
    plan = cli(example, "plan", "--target", "kubernetes", "--detailed-exitcode")
    assert plan.returncode == 2
    assert re.search(r"drift.*agents/reviewer/deployment\.yaml|agents/reviewer/deployment\.yaml"
                     r".*drift", plan.stdout), plan.stdout
    refused = cli(example, "apply", "-y", "--target", "kubernetes")
    assert refused.returncode == 1
    assert "replicas: 3" in deployment.read_text()
    ok(cli(example, "apply", "-y", "--force", "--target", "kubernetes"))
    assert "replicas: 1" in deployment.read_text()


def remove_agent(root: Path, name: str) -> None:
    path = root / "catalogue/agents.yaml"
    text = path.read_text()
    start = text.index(f"  - name: {name}\n")
    end = text.find("\n  - name:", start + 1)
    path.write_text(text[:start] + (text[end + 1:] if end != -1 else ""))


def test_removed_agent_manifests_and_secret_are_pruned(example: Path) -> None:
    ok(cli(example, "apply", "-y", "--target", "kubernetes"))
    remove_agent(example, "triager")
    plan = ok(cli(example, "plan", "--target", "kubernetes"))
    assert "triager" in plan
    ok(cli(example, "apply", "-y", "--target", "kubernetes"))
    assert not (example / K8S / "agents/triager").exists()
    assert not (example / K8S / "secrets/triager.secret.yaml").exists()
    kustomization = yaml.safe_load((example / K8S / "kustomization.yaml").read_text())
    assert not any("triager" in r for r in kustomization["resources"])
    state = ledger(example)
    assert not [p for p in [*state["files"], *state["env_files"]] if "triager" in p]
    assert state["agents"]["triager"]["lifecycle"] == "deprovisioned"


def test_switching_target_deletes_the_old_targets_files(example: Path) -> None:
    ok(cli(example, "apply", "-y"))  # compose, the default
    assert (example / "deploy/compose.yaml").is_file()
    result = cli(example, "plan", "--json", "--target", "kubernetes")
    ok(result)
    plan = json.loads(result.stdout)
    assert plan["target"] == "kubernetes"
    deletes = {c["path"]: c["reason"] for c in plan["changes"] if c["action"] == "delete"}
    assert deletes["deploy/compose.yaml"] == (
        "rendered for target compose; this plan is for kubernetes")
    assert "deploy/env/reviewer.env" in deletes
    ok(cli(example, "apply", "-y", "--target", "kubernetes"))
    left = sorted(tree_bytes(example / "deploy"))
    assert left and all(p.startswith("kubernetes/") for p in left), left
    # `target:` in agentctl.yaml makes the flag unnecessary; the flag still overrides it.
    config = example / "agentctl.yaml"
    config.write_text(config.read_text() + "target: kubernetes\n")
    assert cli(example, "plan", "--detailed-exitcode").returncode == 0
    assert cli(example, "plan", "--detailed-exitcode", "--target", "compose").returncode == 2


def test_destroy_after_a_kubernetes_apply_leaves_no_compose_file(example: Path) -> None:
    ok(cli(example, "apply", "-y", "--target", "kubernetes"))
    ok(cli(example, "destroy", "reviewer", "-y"))
    assert not (example / K8S / "agents/reviewer").exists()
    assert not (example / K8S / "secrets/reviewer.secret.yaml").exists()
    assert not (example / "deploy/compose.yaml").exists()
    kustomization = yaml.safe_load((example / K8S / "kustomization.yaml").read_text())
    assert "agents/reviewer/deployment.yaml" not in kustomization["resources"]
    assert "agents/triager/deployment.yaml" in kustomization["resources"]
    ok(cli(example, "destroy", "-y"))
    assert not (example / "deploy").exists() or tree_bytes(example / "deploy") == {}


def test_apply_kagent_writes_per_credential_secrets(example: Path) -> None:
    ok(cli(example, "apply", "-y", "--target", "kagent"))
    secret = example / "deploy/kagent/secrets/github-pat.secret.yaml"
    assert secret.stat().st_mode & 0o777 == 0o600
    doc = yaml.safe_load(secret.read_text())
    validate_core(doc)
    assert doc["metadata"]["name"] == "fleet-github-pat"
    assert base64.b64decode(doc["data"]["Authorization"]).decode() == (
        "Bearer " + EXAMPLE_SECRETS["FLEET_GITHUB_PAT"])
    for rel, data in tree_bytes(example).items():
        if rel.startswith("deploy/kagent/secrets/"):
            continue
        for canary in canaries():
            assert canary not in data, rel
    assert cli(example, "plan", "--target", "kagent", "--detailed-exitcode").returncode == 0


def test_unknown_target_is_a_usage_error(example: Path) -> None:
    result = cli(example, "plan", "--target", "kubernets")
    assert result.returncode == 1
    assert "unknown target 'kubernets'" in result.stderr + result.stdout
    assert "Did you mean 'kubernetes'?" in result.stderr + result.stdout


def test_secret_rotation_is_an_update_named_by_key_only(example: Path) -> None:
    ok(cli(example, "apply", "-y", "--target", "kubernetes"))
    env = dict(EXAMPLE_SECRETS, FLEET_GITHUB_PAT="canary-rotated-91ab")
    plan = run_cli("-C", str(example), "plan", "--target", "kubernetes", env=env)
    assert plan.returncode == 0, plan.stderr
    assert "AGENTCTL_MCP_GITHUB_TOKEN" in plan.stdout
    assert "canary-rotated" not in plan.stdout + plan.stderr
    assert base64.b64encode(b"canary-rotated-91ab").decode() not in plan.stdout


def test_a_saved_plan_applies_to_the_target_it_was_made_for(example: Path,
                                                             tmp_path: Path) -> None:
    plan_file = tmp_path / "k8s.plan.json"
    ok(cli(example, "plan", "--target", "kubernetes", "--out", str(plan_file)))
    assert json.loads(plan_file.read_text())["target"] == "kubernetes"
    ok(cli(example, "apply", str(plan_file)))
    assert (example / K8S / "kustomization.yaml").is_file()
    assert not (example / "deploy/compose.yaml").exists()
