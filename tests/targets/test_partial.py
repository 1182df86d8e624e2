"""A fleet that stays startable: the shared files a target writes when agents are blocked."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from agentctl.render.pipeline import build
from agentctl.support.tree import DesiredTree, FileSpec
from agentctl.targets import get_target
from agentctl.targets.compose import COMPOSE_FILE, compose_document, service_block
from agentctl.targets.partial import (
    OnDisk,
    join_services,
    split_services,
    startable_compose,
    startable_kustomization,
)


def disk(files: dict[str, bytes]) -> OnDisk:
    return OnDisk(files.get, lambda rel: rel in files)


SERVICE = st.fixed_dictionaries({
    "image": st.text(min_size=1, max_size=20),
    "command": st.lists(st.text(max_size=30), max_size=3),
    "environment": st.dictionaries(st.from_regex(r"[A-Z_]{1,8}", fullmatch=True),
                                   st.text(max_size=40), max_size=3),
})


@settings(max_examples=60, deadline=None)
@given(services=st.dictionaries(st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True),
                                SERVICE, max_size=4))
def test_split_and_join_give_back_the_compose_file(services: dict[str, dict[str, object]]
                                                   ) -> None:
    document = compose_document("p", {n: service_block(n, s) for n, s in services.items()})
    split = split_services(document.decode())
    assert split is not None
    assert sorted(split[1]) == sorted(services)
    assert join_services(*split) == document


def test_a_hand_edited_file_does_not_split() -> None:
    assert split_services("services:\n  a:\n    image: x\nvolumes: {}\n") is None
    assert split_services("name: p\n") is None


def tree_of(blocks: dict[str, dict[str, object]], env: dict[str, str]) -> DesiredTree:
    from agentctl.support.tree import AgentOutput

    tree = DesiredTree()
    tree.files[COMPOSE_FILE] = FileSpec(compose_document(
        "p", {n: service_block(n, s) for n, s in blocks.items()}))
    for name in blocks:
        if not name.startswith("mcp-"):
            tree.agents[name] = AgentOutput("claude-code", f"workspaces/{name}", name,
                                            env.get(name))
    return tree


def services_of(content: bytes) -> dict[str, dict[str, object]]:
    loaded: dict[str, dict[str, dict[str, object]]] = yaml.safe_load(content)
    return loaded["services"]


def test_a_never_applied_blocked_agent_is_left_out_and_depended_on_no_more() -> None:
    blocks: dict[str, dict[str, object]] = {
        "a": {"image": "x", "env_file": [{"path": "env/a.env", "required": True}]},
        "b": {"image": "y $HOME", "depends_on": ["a", "mcp-s"]},
        "c": {"image": "z", "depends_on": {"a": {"condition": "service_started"}}},
        "mcp-s": {"image": "s"},
    }
    tree = tree_of(blocks, {"a": "env/a.env"})
    files, warnings = startable_compose(tree, {"a": "E401"}, disk({}), COMPOSE_FILE)
    services = services_of(files[COMPOSE_FILE].content)
    assert sorted(services) == ["b", "c", "mcp-s"]
    assert services["b"] == {"image": "y $$HOME", "depends_on": ["mcp-s"]}
    assert services["c"] == {"image": "z"}
    assert [(w.code, w.path) for w in warnings] == [("W030", "agents[a]")]
    assert "left out of compose.yaml" in warnings[0].summary


def test_a_blocked_agent_applied_before_keeps_its_previous_service() -> None:
    before = {"a": {"image": "old", "env_file": ["env/a.env"]}, "b": {"image": "y"}}
    now = {"a": {"image": "new", "env_file": ["env/a.env"]}, "b": {"image": "y2"}}
    old = compose_document("p", {n: service_block(n, s) for n, s in before.items()})
    tree = tree_of(now, {"a": "env/a.env"})
    files, warnings = startable_compose(
        tree, {"a": "E401"}, disk({COMPOSE_FILE: old, "env/a.env": b""}), COMPOSE_FILE)
    assert services_of(files[COMPOSE_FILE].content) == {"a": before["a"], "b": now["b"]}
    assert warnings == []
    # Its env file gone by hand: it would not start, so it is left out.
    files, warnings = startable_compose(tree, {"a": "E401"}, disk({COMPOSE_FILE: old}),
                                        COMPOSE_FILE)
    assert services_of(files[COMPOSE_FILE].content) == {"b": now["b"]}
    assert [w.code for w in warnings] == ["W030"]


def test_nothing_blocked_in_the_file_changes_nothing() -> None:
    tree = tree_of({"a": {"image": "x"}}, {})
    assert startable_compose(tree, {"zz": "E401"}, disk({}), COMPOSE_FILE) == ({}, [])


def test_kustomization_lists_only_what_is_on_disk(example: Path) -> None:
    tree = build(example, explicit=True, target="kubernetes").tree
    files, warnings = get_target("kubernetes").startable(tree, {"on-call": "E401"}, disk({}))
    listed = yaml.safe_load(files["kubernetes/kustomization.yaml"].content)["resources"]
    assert not [r for r in listed if r.startswith("agents/on-call/")]
    assert "agents/reviewer/deployment.yaml" in listed
    assert [w.path for w in warnings] == ["agents[on-call]"]
    # Applied before: its manifests are on disk and stay listed.
    on_disk = {p: b"" for p in tree.files}
    assert startable_kustomization(tree, {"on-call": "E401"}, disk(on_disk),
                                   "kubernetes") == ({}, [])


def test_kagent_agents_left_out_of_its_kustomization(example: Path) -> None:
    tree = build(example, explicit=True, target="kagent").tree
    files, _ = get_target("kagent").startable(tree, {"reviewer": "E401"}, disk({}))
    listed = yaml.safe_load(files["kagent/kustomization.yaml"].content)["resources"]
    assert "agents/reviewer.yaml" not in listed
    assert "agents/on-call.yaml" in listed


def test_next_steps_name_this_projects_paths(example: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from agentctl.catalogue.project import load_project

    project = load_project(example, explicit=True)
    monkeypatch.chdir(example)
    compose = get_target("compose").next_steps(project)
    cluster = get_target("kubernetes").next_steps(project)
    monkeypatch.chdir(example.parent)
    outside = get_target("compose").next_steps(project)
    assert outside[0].startswith("Start the fleet: docker compose -f fleet/deploy/compose.yaml ")
    assert outside[1] == "Or run one agent on this machine: agentctl -C fleet run AGENT"
    assert compose[0] == ("Start the fleet: docker compose -f deploy/compose.yaml "
                          "--project-directory deploy up -d")
    assert compose[1:] == ["Or run one agent on this machine: agentctl run AGENT",
                           "See their status: agentctl status"]
    assert cluster[0] == ("Apply the Secrets: kubectl apply --server-side -f "
                          "deploy/kubernetes/secrets/")
    assert cluster[1] == "Apply the fleet: kubectl apply -k deploy/kubernetes"
    assert "Argo CD / Flux" in cluster[2]


def test_service_names_the_dumper_quotes_split_by_their_name() -> None:
    names = ("on", "null", "a", "yes")
    document = compose_document("p", {n: service_block(n, {"image": "x"}) for n in names})
    split = split_services(document.decode())
    assert split is not None and sorted(split[1]) == sorted(names)
    assert join_services(*split) == document
