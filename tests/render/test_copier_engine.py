"""The cached Copier engine against the real ``copier.run_copy``: byte for byte.

Every template of the corpus (``tests/render/copier_corpus/`` exercising each mirrored feature,
and the built-in ``templates/workspace/*``) is rendered both ways with the same answers and
the two trees are compared path by path, bytes and executable bit. What is inherently
different and therefore normalised:

* file modes beyond the executable bit: Copier copies the source's mode, agentctl writes
  0644/0755 by its own rule (only the executable bit carries meaning across machines);
* empty folders: agentctl's desired tree holds files, so a folder with no file is not kept
  (Copier creates it); folders with files appear through their files in both;
* ``_copier_conf.dst_path``: Copier passes the absolute destination, agentctl the folder
  name, so the corpus does not print it (``_folder_name`` is the same both ways).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from agentctl.render.copier_engine import (
    CopierTemplate,
    MissingAnswer,
    TemplateError,
    render_with_copier,
)
from tests.conftest import ROOT

CORPUS = Path(__file__).parent / "copier_corpus"
BUILTIN = ROOT / "templates" / "workspace"

CASES = [
    ("features", {"project_name": "Demo Project"}),
    ("features", {"project_name": "Other", "use_docs": "false", "license": "Apache-2.0",
                  "workers": "7", "tags": "[one, two, three]", "extra": "given"}),
    ("subdir_suffix", {}),
    ("subdir_suffix", {"name": "agents", "items": '["y", "z", "w"]', "hidden_required": "given"}),
]


def copier_tree(dst: Path) -> dict[str, tuple[bytes, bool]]:
    return {
        p.relative_to(dst).as_posix(): (p.read_bytes(), os.access(p, os.X_OK))
        for p in sorted(dst.rglob("*")) if p.is_file()
    }


def both_ways(template_dir: Path, data: dict[str, str], tmp_path: Path,
              dst_name: str = "agent-a") -> tuple[dict[str, tuple[bytes, bool]],
                                                   dict[str, tuple[bytes, bool]]]:
    import copier

    src = tmp_path / "src" / template_dir.name
    shutil.copytree(template_dir, src, symlinks=True)
    dst = tmp_path / "out" / dst_name
    copier.run_copy(str(src), dst, data=dict(data), defaults=True, vcs_ref=None, quiet=True)
    ours = CopierTemplate(src, str(src)).render(data, dst_name)
    return copier_tree(dst), {p: (f.content, f.executable) for p, f in ours.files.items()}


@pytest.mark.parametrize(("name", "data"), CASES, ids=[f"{n}-{i}" for i, (n, _) in
                                                     enumerate(CASES)])
def test_corpus_renders_like_copier(name: str, data: dict[str, str], tmp_path: Path) -> None:
    theirs, ours = both_ways(CORPUS / name, data, tmp_path)
    assert sorted(ours) == sorted(theirs)
    for path in theirs:
        assert ours[path] == theirs[path], path


def builtin_answers() -> dict[str, str]:
    return {
        "agent_name": "reviewer", "runtime": "claude-code", "model": "claude-sonnet-4-5",
        "instructions": "Review {{ carefully }}.\n", "description": "Reviews PRs",
        "mcp_servers": '["filesystem", "github"]', "skills": '["code-review"]',
        "permission": "read", "effort": "",
    }


SHIPPED = [
    *(BUILTIN / n for n in sorted(p.name for p in BUILTIN.iterdir() if p.is_dir())),
    ROOT / "examples" / "fleet" / "templates" / "ci-fixer",
]


@pytest.mark.parametrize("folder", SHIPPED, ids=[p.name for p in SHIPPED])
def test_shipped_workspace_templates_render_like_copier(folder: Path, tmp_path: Path) -> None:
    answers = {**builtin_answers(), "test_command": "make test"}
    theirs, ours = both_ways(folder, answers, tmp_path, "reviewer")
    assert ours == theirs
    assert ours  # the template writes something


#: A service template as a project writes one (``templates/service/<runtime>/``).
SERVICES = [Path(__file__).parent / "service_template"]


@pytest.mark.parametrize("folder", SERVICES, ids=[p.name for p in SERVICES])
def test_service_templates_render_like_copier(folder: Path, tmp_path: Path) -> None:
    answers = {"agent_name": "a", "image": "node:22", "command": '["npx", "x"]',
               "environment": '{"A": "1"}', "labels": '{"k": "v"}', "workspace": "workspaces/a",
               "env_file": "env/a.env", "restart": "no"}
    theirs, ours = both_ways(folder, answers, tmp_path, "a")
    assert ours == theirs
    assert set(ours) == {"service.yaml"}


def test_features_really_took_effect(tmp_path: Path) -> None:
    """Guards the corpus itself: each feature changes the output, so parity means something."""
    _theirs, ours = both_ways(CORPUS / "features", {"project_name": "Demo Project"}, tmp_path)
    assert "notes.bak" not in ours and "private/key.txt" not in ours  # _exclude
    assert "docs/index.md" in ours and not any(p.startswith("nodocs") for p in ours)
    assert ours["demo-project.txt"][0] == b"raw {{ slug }} stays\n"  # templated name only
    assert ours["twin.txt"][0] == b"templated twin demo-project\n"  # .jinja twin wins
    assert ours["run.sh"][1] is True
    assert b"{{ kept literally }}" in ours["README.md"][0]
    assert b"_src_path:" in ours[".copier-answers.yml"][0]
    assert b"docs_title: Demo Project docs" in ours[".copier-answers.yml"][0]
    _theirs2, ours2 = both_ways(CORPUS / "subdir_suffix", {}, tmp_path / "2")
    assert set(ours2) == {"hello.txt", "raw.jinja", "c.txt", "copier.yml", ".answers/agent.yml"}


def test_skip_if_exists_paths_are_reported(tmp_path: Path) -> None:
    """Copier leaves an existing LOCAL.md alone and overwrites the rest; the engine marks
    exactly that path create-only, which plan honours (tests/render/test_workspace.py)."""
    import copier

    rendered = CopierTemplate(CORPUS / "features").render({"project_name": "X"}, "a")
    assert rendered.skip_if_exists == {"LOCAL.md"}
    dst = tmp_path / "a"
    dst.mkdir()
    (dst / "LOCAL.md").write_text("mine\n")
    (dst / "plain.txt").write_text("old\n")
    copier.run_copy(str(CORPUS / "features"), dst, data={"project_name": "X"}, defaults=True,
                    vcs_ref=None, quiet=True, overwrite=True)
    assert (dst / "LOCAL.md").read_text() == "mine\n"
    assert (dst / "plain.txt").read_bytes() == rendered.files["plain.txt"].content


def test_missing_answer_names_the_question() -> None:
    with pytest.raises(MissingAnswer) as info:
        CopierTemplate(CORPUS / "features").render({}, "a")
    assert info.value.question == "project_name"


@pytest.mark.parametrize(("data", "question"), [
    ({"project_name": "X", "license": "GPL"}, "license"),
    ({"project_name": "X", "workers": "many"}, "workers"),
])
def test_bad_answers_are_refused_like_copier(data: dict[str, str], question: str,
                                             tmp_path: Path) -> None:
    import copier

    with pytest.raises(TemplateError) as info:
        CopierTemplate(CORPUS / "features").render(data, "a")
    assert info.value.question == question
    with pytest.raises(ValueError):  # real Copier refuses the same answer
        copier.run_copy(str(CORPUS / "features"), tmp_path / "x", data=data, defaults=True,
                        vcs_ref=None, quiet=True)


def test_unsafe_template_is_flagged_and_renders_through_copier(tmp_path: Path) -> None:
    src = tmp_path / "unsafe"
    src.mkdir()
    (src / "copier.yml").write_text("_tasks:\n  - touch task-ran\nname: x\n")
    (src / "a.txt.jinja").write_text("{{ name }}\n")
    template = CopierTemplate(src)
    assert template.unsafe == ("tasks",)
    with pytest.raises(ValueError):
        template.render({}, "a")
    rendered = render_with_copier(template, {"name": "y"}, "a", unsafe=True)
    assert rendered.files["a.txt"].content == b"y\n"
    assert "task-ran" in rendered.files  # the task really ran, inside the scratch copy


def test_include_of_a_link_swapped_in_after_loading_is_refused(tmp_path: Path) -> None:
    """A link that leaves the template is refused at render even when it appears after
    the template was loaded, beside ``_subdirectory`` where the file walk does not look:
    Jinja's loader checks each included file's real path itself."""
    outside = tmp_path / "secret.txt"
    outside.write_text("canary-7f3\n")
    root = tmp_path / "ws"
    (root / "tpl").mkdir(parents=True)
    (root / "copier.yml").write_text("_subdirectory: tpl\n")
    (root / "tpl" / "out.txt.jinja").write_text("{% include 'data.txt' %}")
    (root / "data.txt").write_text("inside\n")
    assert CopierTemplate(root).render({}, "dst").files["out.txt"].content == b"inside\n"
    loaded = CopierTemplate(root)
    (root / "data.txt").unlink()
    (root / "data.txt").symlink_to(outside)
    with pytest.raises(TemplateError, match=r"data\.txt points outside the template"):
        loaded.render({}, "dst")
