"""``apply`` ends with the target's next step, for this project's paths."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import EXAMPLE_SECRETS, run_cli


def test_apply_ends_with_the_compose_command(example: Path) -> None:
    done = run_cli("apply", "-y", cwd=example, env=EXAMPLE_SECRETS)
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith(
        "Next:\n"
        "  Start the fleet: docker compose -f deploy/compose.yaml --project-directory deploy "
        "up -d\n"
        "  Or run one agent on this machine: agentctl run AGENT\n"
        "  See their status: agentctl status\n")
    again = run_cli("apply", "-y", cwd=example, env=EXAMPLE_SECRETS)
    assert "Next:" not in again.stdout  # nothing applied: no changes, no next step


def test_apply_from_elsewhere_names_the_paths_from_there(example: Path) -> None:
    done = run_cli("-C", "fleet", "apply", "-y", cwd=example.parent, env=EXAMPLE_SECRETS)
    assert "docker compose -f fleet/deploy/compose.yaml --project-directory fleet/deploy " \
        "up -d" in done.stdout
    assert "agentctl -C fleet run AGENT" in done.stdout


def test_kubernetes_apply_ends_with_kubectl_and_gitops(example: Path) -> None:
    done = run_cli("apply", "-y", "--target", "kubernetes", cwd=example, env=EXAMPLE_SECRETS)
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith(
        "Next:\n"
        "  Apply the Secrets: kubectl apply --server-side -f deploy/kubernetes/secrets/\n"
        "  Apply the fleet: kubectl apply -k deploy/kubernetes\n"
        "  Or with Argo CD / Flux: commit deploy/kubernetes (secrets/ is git-ignored) and "
        "point an Application or Kustomization at it (docs: how-to/kubernetes-gitops).\n")


def test_a_partial_apply_names_the_next_step_for_the_ready_agents(example: Path,
                                                                  tmp_path: Path) -> None:
    from tests.acceptance.test_partial_apply import without_sentry

    done = run_cli("apply", "-y", cwd=example, env=without_sentry(tmp_path))
    assert done.returncode == 1
    assert "Next (the ready agents):\n  Start the fleet: docker compose" in done.stdout
