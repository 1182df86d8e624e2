"""Skill sources: local folders and git repositories (real `git`, local bare repos)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from agentctl.catalogue.load import load_catalogue
from agentctl.catalogue.project import load_project
from agentctl.catalogue.skill_sources import LOCK_FILE, skill_hash, tree_dir
from agentctl.diagnostics import DiagnosticError
from agentctl.render.pipeline import build
from tests.conftest import SHARED, ProjectFactory, run_cli, tree_bytes

CORPUS = next((p for p in (SHARED / "corpus" / "anthropics-skills",
                           Path("/work/shared/corpus/anthropics-skills")) if p.is_dir()), None)
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout.strip()


def skill_md(name: str, body: str) -> str:
    return f"---\nname: {name}\ndescription: {name} skill\n---\n{body}\n"


class Origin:
    """A bare repository on disk and a clone to commit into it."""

    def __init__(self, base: Path) -> None:
        self.bare = base / "origin.git"
        self.work = base / "work"
        git("init", "--bare", "--quiet", "-b", "main", str(self.bare), cwd=base)
        git("clone", "--quiet", str(self.bare), str(self.work), cwd=base)
        git("checkout", "--quiet", "-b", "main", cwd=self.work)

    def commit(self, files: dict[str, str], message: str = "change") -> str:
        for rel, text in files.items():
            path = self.work / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        git("add", "-A", cwd=self.work)
        git("commit", "--quiet", "-m", message, cwd=self.work)
        git("push", "--quiet", "origin", "main", cwd=self.work)
        return git("rev-parse", "HEAD", cwd=self.work)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder


@pytest.fixture
def origin(tmp_path: Path) -> Origin:
    repo = Origin(tmp_path)
    repo.commit({"skills/review/SKILL.md": skill_md("review", "version one"),
                 "skills/review/scripts/run.sh": "echo one\n",
                 "skills/triage/SKILL.md": skill_md("triage", "triage"),
                 "README.md": "not a skill\n"}, "v1")
    return repo


def git_project(make_project: ProjectFactory, origin: Origin, ref: str = "main") -> Path:
    return make_project({"catalogue/c.yaml": (
        "skill_sources:\n"
        f"  - {{name: team, git: {origin.bare}, ref: {ref}, subdir: skills}}\n"
        "skills:\n  - {source: team, name: review}\n"
        "agents:\n  - {name: a, runtime: none, instructions: hi, skills: [review]}\n"
    )})


def cli(root: Path, cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("-C", str(root), *args, env={"XDG_CACHE_HOME": str(cache)})


def test_sync_locks_commit_and_hashes_deterministically(
    make_project: ProjectFactory, origin: Origin, cache: Path,
) -> None:
    root = git_project(make_project, origin)
    proc = cli(root, cache, "skills", "sync")
    assert proc.returncode == 0, proc.stderr
    head = git("rev-parse", "HEAD", cwd=origin.work)
    assert f"team: locked at {head[:12]} (2 skill(s))" in proc.stdout
    lock = (root / LOCK_FILE).read_bytes()
    data = json.loads(lock)
    assert data["sources"]["team"]["commit"] == head
    assert data["sources"]["team"]["skills"]["review"] == {
        "path": "review", "sha256": skill_hash(tree_dir(head) / "skills/review")}
    assert set(data["sources"]["team"]["skills"]) == {"review", "triage"}
    assert (tree_dir(head) / "skills/review/scripts/run.sh").read_text() == "echo one\n"
    again = cli(root, cache, "skills", "sync")
    assert again.returncode == 0 and "agentctl.lock is up to date" in again.stdout
    assert (root / LOCK_FILE).read_bytes() == lock


def test_pinned_ref_renders_identically_until_update(
    make_project: ProjectFactory, origin: Origin, cache: Path, tmp_path: Path,
) -> None:
    root = git_project(make_project, origin)
    assert cli(root, cache, "skills", "sync").returncode == 0
    assert cli(root, cache, "render", "--out", str(tmp_path / "r1")).returncode == 0
    first = tree_bytes(tmp_path / "r1")
    assert b"version one" in first["workspaces/a/.agents/skills/review/SKILL.md"]
    origin.commit({"skills/review/SKILL.md": skill_md("review", "version two")}, "v2")
    assert cli(root, cache, "skills", "sync").returncode == 0  # keeps the locked commit
    assert cli(root, cache, "render", "--out", str(tmp_path / "r2")).returncode == 0
    assert tree_bytes(tmp_path / "r2") == first
    proc = cli(root, cache, "skills", "sync", "--update")
    assert proc.returncode == 0 and "team: " in proc.stdout and " → " in proc.stdout
    assert cli(root, cache, "render", "--out", str(tmp_path / "r3")).returncode == 0
    third = tree_bytes(tmp_path / "r3")
    assert b"version two" in third["workspaces/a/.agents/skills/review/SKILL.md"]


def test_render_and_plan_stay_offline_once_synced(
    make_project: ProjectFactory, origin: Origin, cache: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = git_project(make_project, origin)
    assert cli(root, cache, "skills", "sync").returncode == 0
    shutil.rmtree(origin.bare)  # the source is unreachable from now on
    proc = cli(root, cache, "plan")
    assert proc.returncode == 0, proc.stderr
    assert "workspaces/a/.agents/skills/review/SKILL.md" in proc.stdout

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("render touched the network or ran a program")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(subprocess, "Popen", refuse)
    built = build(root, explicit=True)
    assert "workspaces/a/.agents/skills/review/scripts/run.sh" in built.tree.files


def test_missing_lock_or_cache_says_run_skills_sync(
    make_project: ProjectFactory, origin: Origin, cache: Path,
) -> None:
    root = git_project(make_project, origin)
    proc = cli(root, cache, "validate")
    assert proc.returncode == 1
    assert "error[E310] skill_sources[team]: skill source 'team' is not in agentctl.lock" \
        in proc.stderr
    assert "Run `agentctl skills sync`" in proc.stderr and "Traceback" not in proc.stderr
    assert cli(root, cache, "skills", "sync").returncode == 0
    shutil.rmtree(cache)
    proc = cli(root, cache, "render", "--out", str(root / "out"))
    assert proc.returncode == 1 and "is not in the cache" in proc.stderr
    assert not (root / "out").exists()


def test_a_changed_ref_needs_a_sync(make_project: ProjectFactory, origin: Origin,
                                    cache: Path) -> None:
    root = git_project(make_project, origin)
    assert cli(root, cache, "skills", "sync").returncode == 0
    catalogue = root / "catalogue/c.yaml"
    catalogue.write_text(catalogue.read_text().replace("ref: main", "ref: v1.0"))
    git("tag", "v1.0", cwd=origin.work)
    git("push", "--quiet", "origin", "v1.0", cwd=origin.work)
    with pytest.raises(DiagnosticError) as info:
        load_catalogue(load_project(root, explicit=True))
    assert info.value.errors[0].code == "E310" and "pins" in info.value.errors[0].summary
    assert cli(root, cache, "skills", "sync").returncode == 0
    load_catalogue(load_project(root, explicit=True))


def test_bad_ref_fails_the_sync_and_writes_no_lock(
    make_project: ProjectFactory, origin: Origin, cache: Path,
) -> None:
    root = git_project(make_project, origin, ref="no-such-branch")
    proc = cli(root, cache, "skills", "sync")
    assert proc.returncode == 1
    assert "error[E312]" in proc.stderr and "ref 'no-such-branch' is not a branch" in proc.stderr
    assert not (root / LOCK_FILE).exists()


def test_unknown_skill_in_a_source_lists_what_it_holds(
    make_project: ProjectFactory, origin: Origin, cache: Path,
) -> None:
    root = git_project(make_project, origin)
    assert cli(root, cache, "skills", "sync").returncode == 0
    catalogue = root / "catalogue/c.yaml"
    catalogue.write_text(catalogue.read_text().replace("name: review}", "name: reviw}"))
    with pytest.raises(DiagnosticError) as info:
        load_catalogue(load_project(root, explicit=True))
    err = info.value.errors[0]
    assert err.code == "E309" and "It holds: review, triage. Did you mean 'review'?" in err.detail


def test_a_tampered_cache_is_refused(make_project: ProjectFactory, origin: Origin,
                                     cache: Path) -> None:
    root = git_project(make_project, origin)
    assert cli(root, cache, "skills", "sync").returncode == 0
    head = git("rev-parse", "HEAD", cwd=origin.work)
    (tree_dir(head) / "skills/review/SKILL.md").write_text(skill_md("review", "evil"))
    with pytest.raises(DiagnosticError) as info:
        load_catalogue(load_project(root, explicit=True))
    assert info.value.errors[0].code == "E313"


def test_local_source_and_skills_list(make_project: ProjectFactory, cache: Path) -> None:
    root = make_project({
        "catalogue/c.yaml": "skill_sources:\n  - {name: local, path: ../vendor}\n"
                            "skills:\n  - {source: local, name: alpha}\n"
                            "  - path: ../own/gamma\n",
        "vendor/a/alpha/SKILL.md": skill_md("alpha", "a"),
        "vendor/b/SKILL.md": skill_md("beta", "b"),
        "own/gamma/SKILL.md": "---\nname: gamma\ndescription: g\nextra: 1\n---\n",
    })
    cat = load_catalogue(load_project(root, explicit=True))
    assert sorted(cat.skill_contents) == ["alpha", "gamma"]
    assert cli(root, cache, "skills", "sync").returncode == 0
    proc = cli(root, cache, "skills", "list")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "NAME   SOURCE        STATUS        DESCRIPTION",
        "alpha  local         ok            alpha skill",
        "gamma  ../own/gamma  1 warning(s)  g",
        "beta   local         unused",
    ]


def test_schema_needs_path_or_source(make_project: ProjectFactory) -> None:
    root = make_project({"catalogue/c.yaml": "skill_sources:\n  - {name: s, git: x}\n"
                                             "skills:\n  - {name: only}\n"})
    with pytest.raises(DiagnosticError) as info:
        load_catalogue(load_project(root, explicit=True))
    summaries = [e.summary for e in info.value.errors]
    assert any("needs 'ref'" in s for s in summaries)
    assert any("exactly one of 'path'" in s for s in summaries)


def test_skills_validate_separates_errors_from_warnings(tmp_path: Path) -> None:
    (tmp_path / "good").mkdir()
    (tmp_path / "good/SKILL.md").write_text("---\nname: good\ndescription: ok\nfoo: 1\n---\n")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad/SKILL.md").write_text("---\nname: Bad\n---\n")
    proc = run_cli("skills", "validate", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 1
    assert "bad/SKILL.md:2:7: error[E307]" in proc.stderr
    assert "good/SKILL.md:4:6: warning[W306] unknown frontmatter key 'foo'" in proc.stderr
    assert "error  bad  (2 error(s), 0 warning(s))" in proc.stdout
    assert "ok     good  (0 error(s), 1 warning(s))" in proc.stdout


@pytest.mark.skipif(CORPUS is None, reason="the shared corpus is absent")
def test_skills_validate_on_the_corpus(tmp_path: Path) -> None:
    assert CORPUS is not None
    proc = run_cli("skills", "validate", str(CORPUS), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "claude-api/SKILL.md:3:14: warning[W302] description is 1068 characters" \
        in proc.stderr
    assert "warning[W301] skill name 'template-skill' differs from its folder" in proc.stderr
    assert "5 skill(s) checked: 0 error(s)" in proc.stdout


def test_sync_reports_an_entry_its_source_lacks(
    make_project: ProjectFactory, origin: Origin, cache: Path,
) -> None:
    root = git_project(make_project, origin)
    catalogue = root / "catalogue/c.yaml"
    catalogue.write_text(catalogue.read_text().replace("name: review}", "name: gone}")
                         .replace("skills: [review]", "skills: [gone]"))
    proc = cli(root, cache, "skills", "sync")
    assert proc.returncode == 1
    assert "Wrote agentctl.lock." in proc.stdout  # the sources themselves synced fine
    assert "error[E309] skills[gone].name: skill source 'team' has no skill 'gone'" \
        in proc.stderr


@pytest.mark.parametrize("url", [
    "https://bob:ghp_canaryTOKEN123@github.com/acme/skills.git",
    "https://:ghp_canaryTOKEN123@example.test/skills.git",
])
def test_a_git_url_with_a_token_is_refused_without_echoing_it(
    make_project: ProjectFactory, cache: Path, url: str,
) -> None:
    root = make_project({"catalogue/c.yaml": (
        f"skill_sources:\n  - {{name: team, git: '{url}', ref: main}}\n"
    )})
    for verb in (("validate",), ("skills", "sync")):
        proc = cli(root, cache, *verb)
        assert proc.returncode == 1, proc.stderr
        assert "must not carry a password or token" in proc.stderr
        assert "canaryTOKEN" not in proc.stdout + proc.stderr
    assert not (root / LOCK_FILE).exists()
    assert not cache.exists() or not any(cache.rglob("*"))


def test_a_git_url_with_only_a_user_name_is_accepted(
    make_project: ProjectFactory, origin: Origin, cache: Path,
) -> None:
    root = make_project({"catalogue/c.yaml": (
        "skill_sources:\n  - {name: team, git: 'ssh://git@example.test/skills.git', ref: main}\n"
    )})
    assert cli(root, cache, "validate").returncode == 0


@pytest.mark.parametrize("url", ["fd::17", "ext::sh -c touch% {marker}"])
def test_git_itself_refuses_transports_outside_the_allowed_list(tmp_path: Path, cache: Path,
                                                               url: str) -> None:
    """Even a URL that got past the schema fails at once: git runs with
    GIT_ALLOW_PROTOCOL, so the fd helper never waits and ext never runs a command."""
    from agentctl.catalogue.skill_sources import SkillSourceError
    from agentctl.catalogue.skill_sync import _git

    marker = tmp_path / "ran"
    with pytest.raises(SkillSourceError, match="not allowed"):
        _git("clone", "--mirror", "--quiet", "--", url.format(marker=marker),
             str(tmp_path / "m.git"))
    assert not marker.exists() and not (tmp_path / "m.git").exists()


@pytest.mark.parametrize(("url", "refused"), [
    ("https://github.com/acme/skills", False),
    ("ssh://git@example.test/skills.git", False),
    ("git+ssh://git@example.test/skills.git", False),
    ("git@github.com:acme/skills.git", False),
    ("file:///srv/skills.git", False),
    ("/srv/skills.git", False),
    ("../skills.git", False),
    ("http://example.test/skills.git", True),
    ("git://example.test/skills.git", True),
    ("fd::17", True),
    ("ext::sh -c id", True),
    ("--upload-pack=id", True),
])
def test_git_url_transports(url: str, refused: bool) -> None:
    from agentctl.catalogue.giturl import git_url_problem

    assert (git_url_problem(url) is not None) == refused


def test_a_refused_transport_is_a_located_error_before_git_runs(
    make_project: ProjectFactory, cache: Path,
) -> None:
    root = make_project({"catalogue/c.yaml": (
        "skill_sources:\n  - name: team\n    git: fd::17\n    ref: main\n")})
    proc = cli(root, cache, "skills", "sync")
    assert proc.returncode == 1
    assert proc.stderr.startswith("catalogue/c.yaml:3:10: error[E314]")
    assert not cache.exists() or not any(cache.rglob("*"))


def test_a_local_source_outside_the_project_is_refused(
    make_project: ProjectFactory, tmp_path: Path, cache: Path,
) -> None:
    shared = tmp_path / "shared" / "review"
    shared.mkdir(parents=True)
    (shared / "SKILL.md").write_text(skill_md("review", "outside"))
    root = make_project({"catalogue/c.yaml": (
        "skill_sources:\n  - {name: team, path: ../../shared}\n"
        "skills:\n  - {source: team, name: review}\n")})
    for verb in (("validate",), ("skills", "sync")):
        proc = cli(root, cache, *verb)
        assert proc.returncode == 1 and "error[E230]" in proc.stderr, proc.stderr
        assert "catalogue/c.yaml:2:24" in proc.stderr
    assert not (root / LOCK_FILE).exists()
