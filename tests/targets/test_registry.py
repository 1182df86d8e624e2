"""The target registry: built-ins follow the protocol; the project's target and the flag."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentctl.diagnostics import DiagnosticError
from agentctl.render.pipeline import build
from agentctl.targets import BUILTIN, get_target, target_names
from agentctl.targets.base import Target


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_builtin_targets_follow_the_protocol(name: str) -> None:
    target = get_target(name)
    assert isinstance(target, Target)
    assert target.name == name
    assert name in target_names()


def test_compose_target_is_todays_render(example: Path) -> None:
    from agentctl.render import render

    built = build(example, explicit=True)
    assert built.tree.target == "compose"
    assert built.tree.files == render(built.resolved).files


def test_project_target_and_flag_override(example: Path) -> None:
    config = example / "agentctl.yaml"
    config.write_text(config.read_text() + "target: kagent\n")
    assert build(example, explicit=True).tree.target == "kagent"
    assert build(example, explicit=True, target="kubernetes").tree.target == "kubernetes"


def test_unknown_target_names_the_known_ones(example: Path) -> None:
    with pytest.raises(DiagnosticError) as caught:
        build(example, explicit=True, target="kagnet")
    (problem,) = caught.value.diagnostics
    assert problem.code == "E010"
    assert "compose, kagent, kubernetes" in problem.detail
    assert "Did you mean 'kagent'?" in problem.detail
