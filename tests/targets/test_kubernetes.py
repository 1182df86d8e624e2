"""The kubernetes target: snapshot, offline validation, workspace round trip, security."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml
from syrupy.assertion import SnapshotAssertion

from agentctl.render.pipeline import build
from agentctl.targets.manifests import SecretManifest, configmap_key
from tests.conftest import ProjectFactory
from tests.targets.conftest import all_manifests, documents, validate_core


def rendered(root: Path, target: str = "kubernetes") -> dict[str, bytes]:
    return {p: s.content for p, s in build(root, explicit=True, target=target).tree.files.items()}


def test_example_tree_snapshot(example: Path, snapshot: SnapshotAssertion) -> None:
    tree = build(example, explicit=True, target="kubernetes").tree
    assert {p: s.content.decode() + f"\n[mode {oct(s.mode)}]"
            for p, s in sorted(tree.files.items())} == snapshot
    assert {p: [v.name for v in s.variables] for p, s in tree.env_files.items()} == snapshot


def test_rendering_twice_gives_identical_bytes(example: Path) -> None:
    assert rendered(example) == rendered(example)


def test_every_manifest_validates_against_kubernetes_1_31(example: Path) -> None:
    manifests = all_manifests(rendered(example))
    kinds = {doc["kind"] for _, doc in manifests}
    assert kinds == {"ConfigMap", "Deployment", "Service"}
    for path, doc in manifests:
        validate_core(doc)  # raises with the failing field and path
        assert path.startswith("kubernetes/")


def test_the_validator_refuses_a_broken_deployment(example: Path) -> None:
    import kubernetes_validate

    doc = documents(rendered(example)["kubernetes/agents/reviewer/deployment.yaml"])[0]
    doc["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = ["IfNotPresent"]
    with pytest.raises(kubernetes_validate.ValidationError):
        validate_core(doc)


def test_kustomization_lists_every_manifest_but_secrets(example: Path) -> None:
    files = rendered(example)
    kustomization = yaml.safe_load(files["kubernetes/kustomization.yaml"])
    listed = kustomization["resources"]
    assert listed == sorted(listed)
    wanted = sorted(p.removeprefix("kubernetes/") for p in files
                    if p.endswith(".yaml") and not p.endswith("kustomization.yaml"))
    assert listed == wanted
    assert not any("secret" in p for p in listed)


def test_workspace_configmap_puts_every_file_back_at_its_path_and_mode(example: Path) -> None:
    compose = build(example, explicit=True).tree.files
    files = rendered(example)
    for agent in ("reviewer", "release-manager", "handbook"):
        cm = yaml.safe_load(files[f"kubernetes/agents/{agent}/workspace.configmap.yaml"])
        if agent == "handbook":  # runtime none: a workspace, no pod
            assert f"kubernetes/agents/{agent}/deployment.yaml" not in files
            continue
        deployment = yaml.safe_load(files[f"kubernetes/agents/{agent}/deployment.yaml"])
        volume = deployment["spec"]["template"]["spec"]["volumes"][1]["configMap"]
        assert volume["name"] == cm["metadata"]["name"]
        restored = {item["path"]: (cm["data"][item["key"]].encode(), item["mode"])
                    for item in volume["items"]}
        expected = {p.removeprefix(f"workspaces/{agent}/"): (s.content, s.mode)
                    for p, s in compose.items() if p.startswith(f"workspaces/{agent}/")}
        assert restored == expected
    cm = yaml.safe_load(files["kubernetes/agents/release-manager/workspace.configmap.yaml"])
    assert all("/" not in key for key in cm["data"])


def test_configmap_keys_never_clash() -> None:
    used: set[str] = set()
    keys = [configmap_key(p, used) for p in ("a/b.md", "a_b.md", "a b.md", "..")]
    assert len(set(keys)) == 4
    assert all("/" not in k and k not in (".", "..") for k in keys)


def test_agent_pods_are_restricted_and_take_env_from_their_own_secret(example: Path) -> None:
    files = rendered(example)
    for path, doc in all_manifests(files):
        if doc["kind"] != "Deployment":
            continue
        pod = doc["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert pod["automountServiceAccountToken"] is False
        for container in pod.get("initContainers", []) + pod["containers"]:
            ctx = container["securityContext"]
            assert ctx["allowPrivilegeEscalation"] is False
            assert ctx["capabilities"] == {"drop": ["ALL"]}
            assert container["resources"]["requests"] == {"cpu": "100m", "memory": "256Mi"}
            assert container["imagePullPolicy"] in ("IfNotPresent", "Always")
        if path.startswith("kubernetes/agents/"):
            agent = doc["metadata"]["name"]
            main = pod["containers"][0]
            assert main["envFrom"] == [{"secretRef": {"name": f"{agent}-secrets",
                                                      "optional": False}}]
            assert doc["spec"]["replicas"] == 1
            assert doc["spec"]["strategy"] == {"type": "Recreate"}
            labels = doc["metadata"]["labels"]
            assert labels["app.kubernetes.io/managed-by"] == "agentctl"
            assert labels["app.kubernetes.io/part-of"] == "fleet"
            assert labels["app.kubernetes.io/name"] == agent


def test_deployment_mirrors_the_compose_service(example: Path) -> None:
    compose = yaml.safe_load(build(example, explicit=True).tree.files["compose.yaml"].content)
    files = rendered(example)
    for agent in ("reviewer", "test-fixer", "docs-writer"):
        service = compose["services"][agent]
        doc = yaml.safe_load(files[f"kubernetes/agents/{agent}/deployment.yaml"])
        main = doc["spec"]["template"]["spec"]["containers"][0]
        assert main["image"] == service["image"]
        assert main["command"] == service["command"]
        assert {e["name"]: e["value"] for e in main["env"]} == service["environment"]


def test_internal_mcp_server_gets_the_host_name_its_url_names(example: Path) -> None:
    files = rendered(example)
    service = yaml.safe_load(files["kubernetes/mcp-servers/docs-search/service.yaml"])
    assert service["metadata"]["name"] == "mcp-docs-search"  # url http://mcp-docs-search:8000
    assert service["spec"]["ports"] == [{"name": "mcp", "port": 8000, "targetPort": 8000,
                                         "protocol": "TCP"}]
    deployment = yaml.safe_load(files["kubernetes/mcp-servers/docs-search/deployment.yaml"])
    assert deployment["spec"]["selector"]["matchLabels"] == service["spec"]["selector"]


def test_dollar_is_escaped_for_kubernetes_expansion(make_project: ProjectFactory) -> None:
    root = make_project({"catalogue/a.yaml": """
agents:
  - name: a
    runtime: claude-code
    service_inputs:
      environment: {PRICE: "$(HOME) costs $5"}
"""})
    doc = yaml.safe_load(rendered(root)["kubernetes/agents/a/deployment.yaml"])
    env = doc["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {"name": "PRICE", "value": "$$(HOME) costs $$5"} in env


def test_secret_manifest_round_trips_values_and_validates() -> None:
    codec = SecretManifest("a-secrets", "agents", (("app.kubernetes.io/managed-by", "agentctl"),))
    pairs = [("TOKEN", 'va"l $x\nline2 ü'), ("EMPTY", "")]
    content = codec.format(pairs, "Secrets of agent a")
    assert codec.parse(content) == dict(pairs)
    doc = yaml.safe_load(content)
    validate_core(doc)
    assert doc["data"]["TOKEN"] == base64.b64encode(pairs[0][1].encode()).decode()
    assert b"va\"l" not in content
    assert codec.parse(b"not: [a secret") is None


def test_secret_store_renders_external_secrets_and_no_secret_file(
    make_project: ProjectFactory,
) -> None:
    root = make_project({"catalogue/a.yaml": """
credentials:
  - {name: gh, kind: bearer}
  - {name: key, kind: api_key}
providers:
  - {name: anthropic, backend: anthropic, credential: key}
models:
  - {name: sonnet, provider: anthropic}
mcp_servers:
  - {name: github, transport: http, url: "https://x.example/mcp", credential: gh}
agents:
  - {name: a, runtime: claude-code, model: sonnet, mcp_servers: [github]}
"""}, config="output: deploy\nkubernetes: {namespace: agents, secret_store: vault}\n")
    tree = build(root, explicit=True, target="kubernetes").tree
    assert tree.env_files == {}
    doc = yaml.safe_load(tree.files["kubernetes/agents/a/externalsecret.yaml"].content)
    assert doc["apiVersion"] == "external-secrets.io/v1beta1"
    assert doc["spec"]["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "vault"}
    assert doc["spec"]["target"]["name"] == "a-secrets"
    assert doc["spec"]["data"] == [
        {"secretKey": "ANTHROPIC_API_KEY", "remoteRef": {"key": "key"}},
        {"secretKey": "AGENTCTL_MCP_GITHUB_TOKEN", "remoteRef": {"key": "gh"}},
    ]
    kustomization = yaml.safe_load(tree.files["kubernetes/kustomization.yaml"].content)
    assert kustomization["namespace"] == "agents"
    assert "agents/a/externalsecret.yaml" in kustomization["resources"]
    for path, manifest in all_manifests({p: s.content for p, s in tree.files.items()}):
        if manifest["kind"] != "ExternalSecret":
            validate_core(manifest)
            assert manifest["metadata"]["namespace"] == "agents", path


def test_init_step_copies_a_configmap_volume_into_the_workspace(example: Path,
                                                                 tmp_path: Path) -> None:
    """Lay files out as the kubelet mounts a ConfigMap with items (timestamped folder,
    ``..data`` link, one link per top-level entry) and run the init container's command
    with the system's sh and tar."""
    import os
    import subprocess

    from agentctl.targets.manifests import SEED_DIR, WORKSPACE_DIR

    files = rendered(example)
    cm = yaml.safe_load(files["kubernetes/agents/release-manager/workspace.configmap.yaml"])
    deployment = yaml.safe_load(files["kubernetes/agents/release-manager/deployment.yaml"])
    pod = deployment["spec"]["template"]["spec"]
    items = pod["volumes"][1]["configMap"]["items"]
    seed, workspace = tmp_path / "seed", tmp_path / "workspace"
    stamp = seed / "..2025_01_01_00_00_00.000000001"
    for item in items:
        target = stamp / item["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(cm["data"][item["key"]])
        target.chmod(item["mode"])
    (seed / "..data").symlink_to(stamp.name)
    for top in {item["path"].split("/")[0] for item in items}:
        (seed / top).symlink_to(f"..data/{top}")
    workspace.mkdir()
    command = pod["initContainers"][0]["command"]
    script = command[2].replace(SEED_DIR, str(seed)).replace(WORKSPACE_DIR, str(workspace))
    subprocess.run([*command[:2], script], check=True)
    copied = {p.relative_to(workspace).as_posix(): (p.read_bytes(), p.stat().st_mode & 0o777)
              for p in workspace.rglob("*") if p.is_file()}
    assert not any(os.path.islink(p) for p in workspace.rglob("*"))
    compose = build(example, explicit=True).tree.files
    prefix = "workspaces/release-manager/"
    assert copied == {p.removeprefix(prefix): (s.content, s.mode)
                      for p, s in compose.items() if p.startswith(prefix)}


def test_a_workspace_over_one_mebibyte_is_a_warning(make_project: ProjectFactory) -> None:
    root = make_project({"catalogue/a.yaml": """
agents:
  - {name: a, runtime: none, instructions_file: big.md}
""", "catalogue/big.md": "x" * (1024 * 1024 + 1) + "\n"})
    tree = build(root, explicit=True, target="kubernetes").tree
    assert [d.code for d in tree.warnings] == ["W701"]
    assert "kubernetes/agents/a/workspace.configmap.yaml" in tree.files
