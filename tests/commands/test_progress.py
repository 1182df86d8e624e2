"""Rendering a fleet shows apply's progress bar on a terminal (render, plan) and nothing
when output is not a terminal or is JSON."""

from __future__ import annotations

from pathlib import Path

from tests.commands.test_terminal import run_in_terminal
from tests.conftest import EXAMPLE_SECRETS, example_agents, run_cli


def test_render_and_plan_on_a_terminal_show_progress(example: Path, tmp_path: Path) -> None:
    text = run_in_terminal(["-C", str(example), "render", "--out", str(tmp_path / "o")], {})
    count = len(example_agents())
    assert "Rendering" in text and f"{count}/{count}" in text  # every agent of the example
    text = run_in_terminal(["-C", str(example), "plan"], EXAMPLE_SECRETS)
    assert "Rendering" in text and f"{count}/{count}" in text
    assert "Next: run `agentctl apply` to make these changes." in text


def test_no_progress_without_a_terminal_or_in_json(example: Path, tmp_path: Path) -> None:
    done = run_cli("-C", str(example), "render", "--out", str(tmp_path / "o"))
    assert done.returncode == 0 and "Rendering" not in done.stdout + done.stderr
    done = run_cli("-C", str(example), "plan", env=EXAMPLE_SECRETS)
    assert "Rendering" not in done.stdout + done.stderr
    assert done.stdout.rstrip().endswith("Next: run `agentctl apply` to make these changes.")
    text = run_in_terminal(["-C", str(example), "plan", "--json"], EXAMPLE_SECRETS)
    assert "Rendering" not in text and "Next:" not in text
