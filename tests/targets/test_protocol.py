"""What the Target protocol answers besides its tree: secret paths, run state, settings,
and the render cache, for every built-in target; and the layers it keeps."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from agentctl.catalogue.project import load_project
from agentctl.catalogue.project_schema import ProjectConfig
from agentctl.render.pipeline import build
from agentctl.targets import BUILTIN, get_target
from agentctl.targets.base import Observation
from tests.conftest import ROOT, example_agents

SRC = ROOT / "src" / "agentctl"


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_secret_files_of_the_tree_are_the_ones_its_target_names(example: Path,
                                                                 name: str) -> None:
    tree = build(example, explicit=True, target=name).tree
    target = get_target(name)
    assert tree.env_files, "the example needs secrets for every target"
    assert all(target.holds_secrets(rel) for rel in tree.env_files)
    assert not [rel for rel in tree.files if target.holds_secrets(rel)]


@pytest.mark.parametrize(("name", "rel", "holds"), [
    ("compose", "env/reviewer.env", True),
    ("compose", "env", True),
    ("compose", "workspaces/reviewer/env/x.env", False),
    ("compose", "kubernetes/secrets/reviewer.secret.yaml", False),
    ("kubernetes", "kubernetes/secrets/reviewer.secret.yaml", True),
    ("kubernetes", "kubernetes/agents/reviewer/deployment.yaml", False),
    ("kubernetes", "env/reviewer.env", False),
    ("kagent", "kagent/secrets/example-anthropic.secret.yaml", True),
    ("kagent", "kubernetes/secrets/reviewer.secret.yaml", False),
])
def test_holds_secrets(name: str, rel: str, holds: bool) -> None:
    assert get_target(name).holds_secrets(rel) is holds


@pytest.mark.parametrize("name", ["kubernetes", "kagent"])
def test_cluster_targets_say_they_do_not_observe(example: Path, name: str) -> None:
    observation = get_target(name).observe(load_project(example, explicit=True))
    assert isinstance(observation, Observation)
    assert not observation.services
    assert observation.source.startswith(f"ledger (the {name} target does not observe")


def test_compose_observes_through_docker_compose(example: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    observation = get_target("compose").observe(load_project(example, explicit=True))
    assert observation.source == "ledger (docker compose not available: docker not found " \
        "on PATH)"


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_settings_are_registered_under_the_targets_key(name: str) -> None:
    target = get_target(name)
    if target.settings_key is None:
        assert target.settings is None
        return
    field = ProjectConfig.model_fields[target.settings_key]
    assert field.annotation is target.settings


@pytest.mark.parametrize("name", ["compose", "kubernetes"])
def test_every_rendering_target_uses_the_render_cache(example: Path, name: str) -> None:
    cold = build(example, explicit=True, target=name, use_cache=True)
    cold.save_cache()
    assert len(cold.tree.rendered_agents) == len(example_agents())
    warm = build(example, explicit=True, target=name, use_cache=True)
    assert warm.tree.rendered_agents == []
    assert warm.tree.files == cold.tree.files
    assert warm.tree.env_files == cold.tree.env_files
    assert warm.inputs() == cold.inputs()


def test_cache_entries_of_two_targets_live_side_by_side(example: Path) -> None:
    for name in ("compose", "kubernetes"):
        build(example, explicit=True, target=name, use_cache=True).save_cache()
    for name in ("compose", "kubernetes"):
        assert build(example, explicit=True, target=name,
                     use_cache=True).tree.rendered_agents == []


def _imports(folder: Path) -> dict[str, set[str]]:
    """Every ``agentctl.*`` module imported anywhere (inside functions too) by each file."""
    found: dict[str, set[str]] = {}
    for path in sorted(folder.rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
        found[path.relative_to(SRC).as_posix()] = {n for n in names if n.startswith("agentctl")}
    return found


def test_targets_never_import_the_render_layer() -> None:
    bad = {f: sorted(n for n in names if n.startswith("agentctl.render"))
           for f, names in _imports(SRC / "targets").items()}
    assert not {f: n for f, n in bad.items() if n}


def test_the_catalogue_never_imports_targets_or_render() -> None:
    bad = {f: sorted(n for n in names if n.startswith(("agentctl.targets", "agentctl.render")))
           for f, names in _imports(SRC / "catalogue").items()}
    assert not {f: n for f, n in bad.items() if n}


def test_render_names_no_target() -> None:
    """Nothing in the render layer names a target or reaches for its paths."""
    for path in sorted((SRC / "render").rglob("*.py")):
        text = path.read_text()
        for word in ('"compose"', '"kubernetes"', '"kagent"', "COMPOSE_FILE", "ENV_DIR",
                     "env_file_path", "targets.compose"):
            assert word not in text, f"{path.name} mentions {word}"


def test_changed_cluster_settings_render_every_agent_again(example: Path) -> None:
    build(example, explicit=True, target="kubernetes", use_cache=True).save_cache()
    config = example / "agentctl.yaml"
    config.write_text(config.read_text() + "kubernetes:\n  namespace: agents\n")
    tree = build(example, explicit=True, target="kubernetes", use_cache=True).tree
    assert len(tree.rendered_agents) == len(example_agents())
    deployment = tree.files["kubernetes/agents/reviewer/deployment.yaml"].content
    assert b"namespace: agents" in deployment
