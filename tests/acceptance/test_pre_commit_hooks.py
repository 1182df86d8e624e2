"""The hooks in .pre-commit-hooks.yaml, run by the real pre-commit (``try-repo``).

pre-commit clones the hook repository and installs agentctl into its own virtualenv
from it (dependencies from PyPI), then runs the hook in a sample project's git
repository: green when the committed rendered output is current, red once it is stale.
The hook repository is a throw-away git repository holding this working tree's files
(tracked and untracked, as git sees them), so uncommitted work is what gets tested.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import EXAMPLE, ROOT, run_cli

pytestmark = pytest.mark.acceptance

PRE_COMMIT = str(Path(sys.executable).parent / "pre-commit")
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, **GIT_ENV})


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("hook-repo")
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                            check=True, capture_output=True, text=True).stdout
    for rel in filter(None, listed.split("\0")):
        src = ROOT / rel
        if src.is_file() and not rel.startswith("examples/fleet/deploy"):
            (repo / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, repo / rel)
    git("init", "-q", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "hook repo", cwd=repo)
    return repo


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A git repository whose root is the example project, rendered output committed."""
    repo = tmp_path / "sample"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns("deploy", ".agentctl"))
    assert run_cli("-C", str(repo), "render", "--out", str(repo / "deploy")).returncode == 0
    git("init", "-q", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "sample", cwd=repo)
    return repo


def try_repo(hook_repo: Path, hook: str, sample: Path,
             home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1", **GIT_ENV}
    return subprocess.run(
        [PRE_COMMIT, "try-repo", str(hook_repo), hook, "--all-files", "--color", "never"],
        cwd=sample, env=env, capture_output=True, text=True, timeout=900,
    )


def test_hook_manifest_is_what_pre_commit_expects() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    by_id = {h["id"]: h for h in hooks}
    assert set(by_id) == {"agentctl-validate", "agentctl-render-check"}
    for hook in hooks:
        assert hook["language"] == "python" and hook["pass_filenames"] is False
    files = re.compile(by_id["agentctl-validate"]["files"])
    assert files.search("catalogue/agents.yaml") and files.search("skills/x/SKILL.md")
    assert not files.search("src/main.py")


def test_hooks_pass_on_a_clean_sample_and_fail_on_a_stale_one(
    hook_repo: Path, sample: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    home = tmp_path_factory.mktemp("pre-commit-home")
    for hook in ("agentctl-validate", "agentctl-render-check"):
        result = try_repo(hook_repo, hook, sample, home)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Passed" in result.stdout

    agents = sample / "catalogue/agents.yaml"
    agents.write_text(agents.read_text().replace("permission: read", "permission: write"))
    git("commit", "-q", "-am", "change a permission, forget to re-render", cwd=sample)
    stale = try_repo(hook_repo, "agentctl-render-check", sample, home)
    assert stale.returncode == 1, stale.stdout + stale.stderr
    assert "Failed" in stale.stdout
    assert "~ update workspaces/reviewer/.claude/settings.json" in stale.stdout
    assert re.search(r"Rendered output is stale: 0 to create, [1-9]\d* to update, 0 to delete "
                     r"in deploy\.", stale.stdout)

    agents.write_text(agents.read_text().replace("model: sonnet", "model: sonet", 1))
    git("commit", "-q", "-am", "typo", cwd=sample)
    broken = try_repo(hook_repo, "agentctl-validate", sample, home)
    assert broken.returncode == 1
    assert "error[E203]" in broken.stdout and "Did you mean 'sonnet'?" in broken.stdout
