"""The kagent target: snapshot, CRD validation, secrets by reference, what is left out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from syrupy.assertion import SnapshotAssertion

from agentctl.render.pipeline import build
from tests.conftest import ProjectFactory
from tests.targets.conftest import all_manifests, crd_schemas, validate_core, validate_crd


def rendered(root: Path) -> dict[str, bytes]:
    return {p: s.content for p, s in build(root, explicit=True, target="kagent").tree.files.items()}


def load(files: dict[str, bytes], path: str) -> dict[str, Any]:
    doc = yaml.safe_load(files[path])
    assert isinstance(doc, dict)
    return doc


def test_example_tree_snapshot(example: Path, snapshot: SnapshotAssertion) -> None:
    tree = build(example, explicit=True, target="kagent").tree
    assert {p: s.content.decode() for p, s in sorted(tree.files.items())} == snapshot
    assert {p: (s.agent, [(v.name, v.credential.name, v.prefix) for v in s.variables])
            for p, s in tree.env_files.items()} == snapshot
    assert sorted(f"{d.code} {d.summary}" for d in tree.warnings) == snapshot


def test_kagent_resources_validate_against_the_crds(example: Path) -> None:
    schemas = crd_schemas()
    seen = set()
    for _path, doc in all_manifests(rendered(example)):
        if doc["apiVersion"].startswith("kagent.dev/"):
            assert doc["apiVersion"] == "kagent.dev/v1alpha2"
            validate_crd(doc, schemas)
            seen.add(doc["kind"])
        else:
            validate_core(doc)
    assert seen == {"Agent", "ModelConfig", "RemoteMCPServer"}


def test_crd_validation_refuses_unknown_and_mistyped_fields(example: Path) -> None:
    schemas = crd_schemas()
    agent = load(rendered(example), "kagent/agents/reviewer.yaml")
    agent["spec"]["declarative"]["systemMesage"] = "typo"
    with pytest.raises(jsonschema.ValidationError, match="systemMesage"):
        validate_crd(agent, schemas)
    server = load(rendered(example), "kagent/remote-mcp-servers/github.yaml")
    server["spec"]["protocol"] = "WEBSOCKET"
    with pytest.raises(jsonschema.ValidationError):
        validate_crd(server, schemas)


def test_crd_validation_evaluates_the_cel_rules(example: Path) -> None:
    schemas = crd_schemas()
    config = load(rendered(example), "kagent/model-configs/sonnet.yaml")
    del config["spec"]["apiKeySecretKey"]
    with pytest.raises(AssertionError, match="apiKeySecretKey must be set"):
        validate_crd(config, schemas)
    agent = load(rendered(example), "kagent/agents/reviewer.yaml")
    agent["spec"]["declarative"]["tools"][0]["mcpServer"]["requireApproval"] = ["delete_repo"]
    with pytest.raises(AssertionError, match="RequireApproval entry must also appear"):
        validate_crd(agent, schemas)


def test_agent_is_declarative_with_instructions_model_and_selected_tools(example: Path) -> None:
    files = rendered(example)
    agent = load(files, "kagent/agents/reviewer.yaml")
    assert agent["spec"]["type"] == "Declarative"
    declarative = agent["spec"]["declarative"]
    instructions = (example / "instructions/reviewer.md").read_text()
    assert declarative["systemMessage"] == instructions
    assert declarative["modelConfig"] == "sonnet"
    tools = {t["mcpServer"]["name"]: t["mcpServer"].get("toolNames")
             for t in declarative["tools"]}
    # filesystem is stdio: kagent cannot reach it, so it is left out (with a warning).
    assert tools == {
        "github": ["get_issue", "list_pull_requests", "get_pull_request_diff",
                   "create_pull_request_review"],
        "docs-search": ["search_docs"],
    }
    assert "kagent/agents/handbook.yaml" not in files  # runtime none, no model


def test_model_config_references_the_credential_secret(example: Path) -> None:
    files = rendered(example)
    sonnet = load(files, "kagent/model-configs/sonnet.yaml")["spec"]
    assert sonnet == {"provider": "Anthropic", "model": "claude-sonnet-4-5",
                      "apiKeySecret": "fleet-anthropic-api", "apiKeySecretKey": "value"}
    # release-manager overrides its provider's credential: its own ModelConfig.
    opus = load(files, "kagent/model-configs/opus-release-oauth.yaml")["spec"]
    assert opus["apiKeySecret"] == "fleet-release-oauth"
    assert load(files, "kagent/agents/release-manager.yaml")["spec"]["declarative"][
        "modelConfig"] == "opus-release-oauth"
    gemini = load(files, "kagent/model-configs/gemini-2.5-pro.yaml")["spec"]
    assert gemini["provider"] == "Gemini"


def test_remote_mcp_server_headers_come_from_secrets_by_reference(example: Path) -> None:
    tree = build(example, explicit=True, target="kagent").tree
    files = {p: s.content for p, s in tree.files.items()}
    github = load(files, "kagent/remote-mcp-servers/github.yaml")["spec"]
    assert github["protocol"] == "STREAMABLE_HTTP"
    assert github["headersFrom"] == [{"name": "Authorization", "valueFrom": {
        "type": "Secret", "name": "fleet-github-pat", "key": "Authorization"}}]
    assert load(files, "kagent/remote-mcp-servers/sentry.yaml")["spec"]["protocol"] == "SSE"
    spec = tree.env_files["kagent/secrets/github-pat.secret.yaml"]
    assert [(v.name, v.prefix) for v in spec.variables] == [("Authorization", "Bearer ")]


def test_secret_values_and_placeholders_never_in_manifests(example: Path) -> None:
    for path, content in rendered(example).items():
        assert b"${" not in content or path.startswith("kagent/agents/"), path
        assert b"canary" not in content


def test_header_with_text_after_its_placeholder_is_left_out(
    make_project: ProjectFactory,
) -> None:
    root = make_project({"catalogue/a.yaml": """
credentials:
  - {name: key, kind: api_key}
  - {name: tok, kind: bearer}
providers:
  - {name: openai, backend: openrouter, credential: key}
models:
  - {name: m, provider: openai, provider_model: "x/y"}
mcp_servers:
  - name: odd
    transport: http
    url: https://odd.example/mcp
    headers: {X-Token: "id=${TOK};v=1"}
    secrets: {TOK: tok}
agents:
  - {name: a, runtime: opencode, model: m, mcp_servers: [odd]}
"""})
    tree = build(root, explicit=True, target="kagent").tree
    assert "kagent/remote-mcp-servers/odd.yaml" not in tree.files
    assert [d.code for d in tree.warnings] == ["W804"]
    spec = yaml.safe_load(tree.files["kagent/model-configs/m.yaml"].content)["spec"]
    assert spec["openAI"] == {"baseUrl": "https://openrouter.ai/api/v1"}
    validate_crd(yaml.safe_load(tree.files["kagent/model-configs/m.yaml"].content),
                 crd_schemas())


def test_secret_store_gives_external_secrets_per_credential(example: Path) -> None:
    config = example / "agentctl.yaml"
    config.write_text(config.read_text() + "kubernetes: {secret_store: vault}\n")
    tree = build(example, explicit=True, target="kagent").tree
    assert tree.env_files == {}
    doc = yaml.safe_load(tree.files["kagent/credentials/github-pat.externalsecret.yaml"].content)
    assert doc["spec"]["target"]["name"] == "fleet-github-pat"
    assert doc["spec"]["data"] == [{"secretKey": "Authorization",
                                    "remoteRef": {"key": "github-pat"}}]
    assert doc["spec"]["target"]["template"]["data"] == {
        "Authorization": 'Bearer {{ index . "Authorization" }}'}
