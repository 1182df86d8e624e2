"""``agentctl render --check``: a committed output folder against a fresh render."""

from __future__ import annotations

import os
import re
from pathlib import Path

from tests.conftest import EXAMPLE_SECRETS, run_cli


def test_check_after_apply_is_clean_without_secrets(example: Path) -> None:
    assert run_cli("-C", str(example), "apply", "-y", env=EXAMPLE_SECRETS).returncode == 0
    # No secrets in the environment: env files exist on disk but are not compared.
    result = run_cli("-C", str(example), "render", "--check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Rendered output is up to date" in result.stdout


def test_check_counts_create_update_delete_and_shows_diffs(example: Path, tmp_path: Path) -> None:
    out = tmp_path / "committed"
    assert run_cli("-C", str(example), "render", "--out", str(out)).returncode == 0
    (out / "env").mkdir()
    (out / "env/reviewer.env").write_text('X="not compared"\n')
    (out / "workspaces/reviewer/AGENTS.md").write_text("edited by hand\n")
    (out / "compose.yaml").unlink()
    (out / "workspaces/old-agent").mkdir()
    (out / "workspaces/old-agent/AGENTS.md").write_text("stale\n")
    script = next(out.rglob("collect.sh"))
    os.chmod(script, 0o644)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    result = run_cli("-C", str(example), "render", "--check", "--out", str(out))
    assert result.returncode == 2, result.stderr
    text = result.stdout
    assert "1 to create, 2 to update, 1 to delete" in text
    assert "+ create compose.yaml" in text
    assert "~ update workspaces/reviewer/AGENTS.md (content)" in text
    assert "-edited by hand" in text
    assert f"~ update {script.relative_to(out).as_posix()} (mode 0o644 → 0o755)" in text
    assert "- delete workspaces/old-agent/AGENTS.md" in text
    assert not re.search(r"^\s+[-+~] \w+\s+env/", text, re.M) and "not compared" not in text
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before  # read-only


def test_check_of_a_missing_folder_lists_everything_to_create(example: Path) -> None:
    result = run_cli("-C", str(example), "render", "--check")
    assert result.returncode == 2
    assert "+ create compose.yaml" in result.stdout
    assert not (example / "deploy").exists()


def test_check_with_a_catalogue_error_exits_1_not_2(example: Path) -> None:
    (example / "catalogue/bad.yaml").write_text("agents: [\n")
    result = run_cli("-C", str(example), "render", "--check")
    assert result.returncode == 1
    assert "error[E100]" in result.stderr
