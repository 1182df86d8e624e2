"""Skills: the Agent Skills spec's errors and warnings, symlinks, the real-world corpus."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from agentctl.catalogue.load import load_catalogue
from agentctl.catalogue.project import load_project
from agentctl.diagnostics import DiagnosticError
from tests.conftest import SHARED, ProjectFactory

CORPUS = SHARED / "corpus" / "anthropics-skills"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")


def skill_project(make_project: ProjectFactory, path: str) -> Path:
    """A project whose one skill is ``path``: a corpus folder is copied into the project
    first (a catalogue names only paths inside its project)."""
    if Path(path).is_absolute():
        name = Path(path).name
        root = make_project({"catalogue/s.yaml": f"skills:\n  - path: ../skills/{name}\n"})
        shutil.copytree(path, root / "skills" / Path(path).name, symlinks=True)
        return root
    return make_project({"catalogue/s.yaml": f"skills:\n  - path: {path}\n"})


@needs_corpus
@pytest.mark.parametrize("name", ["claude-api", "mcp-builder", "skill-creator", "template",
                                  "webapp-testing"])
def test_corpus_skills_load_byte_for_byte(make_project: ProjectFactory, name: str) -> None:
    root = skill_project(make_project, str(CORPUS / name))
    cat = load_catalogue(load_project(root, explicit=True))
    (content,) = cat.skill_contents.values()
    on_disk = {p.relative_to(CORPUS / name).as_posix(): p.read_bytes()
               for p in (CORPUS / name).rglob("*") if p.is_file()}
    assert content.files == on_disk


@needs_corpus
def test_corpus_long_description_is_a_warning(make_project: ProjectFactory) -> None:
    root = skill_project(make_project, str(CORPUS / "claude-api"))
    cat = load_catalogue(load_project(root, explicit=True))
    (warning,) = [w for w in cat.warnings if w.code == "W302"]
    assert "1068 characters" in warning.summary
    assert str(warning.position).endswith("claude-api/SKILL.md:3:14")


@needs_corpus
def test_corpus_name_differs_from_folder_is_a_warning(make_project: ProjectFactory) -> None:
    root = skill_project(make_project, str(CORPUS / "template"))
    cat = load_catalogue(load_project(root, explicit=True))
    assert "template-skill" in cat.skill_contents
    assert [w.code for w in cat.warnings] == ["W301"]


def test_skill_errors_with_positions(make_project: ProjectFactory) -> None:
    root = make_project({
        "catalogue/s.yaml": "skills:\n  - path: ../skills/bad\n  - path: ../skills/none\n"
                            "  - path: ../skills/nomd\n",
        "skills/bad/SKILL.md": "---\nname: Bad Name\n---\nbody\n",
        "skills/nomd/README.md": "x\n",
    })
    with pytest.raises(DiagnosticError) as info:
        load_catalogue(load_project(root, explicit=True))
    got = {(d.code, str(d.position)) for d in info.value.errors}
    assert ("E307", "skills/bad/SKILL.md:2:7") in got
    assert ("E308", "skills/bad/SKILL.md:2:1") in got
    assert ("E301", "catalogue/s.yaml:3:11") in got
    assert ("E302", "catalogue/s.yaml:4:11") in got


def test_symlink_leaving_the_skill_is_refused(make_project: ProjectFactory,
                                              tmp_path: Path) -> None:
    secret = tmp_path / "outside.txt"
    secret.write_text("not for the skill")
    root = make_project({
        "catalogue/s.yaml": "skills:\n  - path: ../skills/s\n",
        "skills/s/SKILL.md": "---\nname: s\ndescription: d\n---\n",
    })
    os.symlink(secret, root / "skills/s/leak.txt")
    with pytest.raises(DiagnosticError) as info:
        load_catalogue(load_project(root, explicit=True))
    (err,) = info.value.errors
    assert err.code == "E304" and "leak.txt" in err.summary


def test_symlink_inside_the_skill_is_copied_as_a_file(make_project: ProjectFactory) -> None:
    root = make_project({
        "catalogue/s.yaml": "skills:\n  - path: ../skills/s\n",
        "skills/s/SKILL.md": "---\nname: s\ndescription: d\n---\n",
        "skills/s/real.md": "content\n",
    })
    os.symlink("real.md", root / "skills/s/alias.md")
    cat = load_catalogue(load_project(root, explicit=True))
    assert cat.skill_contents["s"].files["alias.md"] == b"content\n"


def test_catalogue_name_must_match_frontmatter(make_project: ProjectFactory) -> None:
    root = make_project({
        "catalogue/s.yaml": "skills:\n  - path: ../skills/s\n    name: other\n",
        "skills/s/SKILL.md": "---\nname: s\ndescription: d\n---\n",
    })
    with pytest.raises(DiagnosticError) as info:
        load_catalogue(load_project(root, explicit=True))
    assert [d.code for d in info.value.errors] == ["E303"]


@pytest.mark.parametrize(("value", "warns"), [
    ("Read Grep Bash(git log:*)", False),  # the space-separated string
    ("\n  - Read\n  - Bash(git log:*)", False),  # a YAML list: valid per the 2026 spec
    ("\n  - Read\n  - 3", True),  # a list holding a number
    ("{Read: true}", True),  # a mapping
])
def test_allowed_tools_string_or_list(tmp_path: Path, value: str, warns: bool) -> None:
    """``allowed-tools`` is a space-separated string or a YAML list of strings
    (agentskills/agentskills docs/specification.mdx); only other shapes warn (W305)."""
    from agentctl.catalogue.skills import read_skill_folder

    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "SKILL.md").write_text(
        f"---\nname: demo\ndescription: A demo.\nallowed-tools: {value}\n---\nBody.\n"
    )
    content, diagnostics = read_skill_folder(folder, "skills/demo")
    assert content is not None
    w305 = [d for d in diagnostics if d.code == "W305"]
    assert bool(w305) is warns
    if warns:  # at the value, in SKILL.md
        position = w305[0].position
        assert position is not None and position.file == "skills/demo/SKILL.md"
        assert position.line >= 4
