"""Catalogue text is data, inputs have size limits, names and paths cannot escape.

Template syntax (Jinja ``{{ }}`` / ``{% %}``, ``${VAR}``) in instructions and skill files
reaches the workspace byte for byte; every file agentctl reads has a size limit with an
error naming the file, its size and the limit; names that become paths are refused when
they could leave their folder; writes never follow a symlink out of the output folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agentctl.catalogue import project as project_module
from agentctl.catalogue import skills as skills_module
from agentctl.diagnostics import DiagnosticError
from agentctl.render.pipeline import build
from tests.conftest import ProjectFactory, run_cli, tree_bytes

TEMPLATED = (
    "Hello {{ user.name }} {% if admin %}root{% endif %} {# note #} ${HOME} ${VAR:-x} $PATH "
    "{{ ''.__class__.__mro__ }} <%= erb %> `$(id)`\n"
)
SKILL = "---\nname: tpl\ndescription: Templates as text {{ x }}.\n---\n" + TEMPLATED


def project_files(instructions: str = "instructions_file: ../instructions/a.md") -> dict[str, str]:
    return {
        "catalogue/a.yaml": (
            "skills:\n  - path: ../skills/tpl\n"
            "agents:\n  - name: a\n    runtime: none\n"
            f"    {instructions}\n    skills: [tpl]\n"
        ),
        "instructions/a.md": TEMPLATED,
        "skills/tpl/SKILL.md": SKILL,
        "skills/tpl/templates/page.j2": TEMPLATED,
        "skills/tpl/scripts/run.sh": "#!/bin/sh\necho ${1:-x} {{ y }}\n",
    }


def test_template_syntax_stays_literal(make_project: ProjectFactory) -> None:
    root = make_project(project_files())
    files = build(root, explicit=True).tree.files
    assert files["workspaces/a/AGENTS.md"].content.endswith(b"\n" + TEMPLATED.encode())
    assert files["workspaces/a/.agents/skills/tpl/SKILL.md"].content == SKILL.encode()
    assert files["workspaces/a/.agents/skills/tpl/templates/page.j2"].content == \
        TEMPLATED.encode()
    assert files["workspaces/a/.agents/skills/tpl/scripts/run.sh"].content == \
        b"#!/bin/sh\necho ${1:-x} {{ y }}\n"


def test_inline_instructions_stay_literal(make_project: ProjectFactory) -> None:
    inline = "instructions: \"Use {{ tool }} and {% raw %}${TOKEN}{% endraw %}\""
    root = make_project(project_files(inline))
    content = build(root, explicit=True).tree.files["workspaces/a/AGENTS.md"].content
    assert b"Use {{ tool }} and {% raw %}${TOKEN}{% endraw %}" in content


LIMIT = 4096


@pytest.mark.parametrize("target", ["catalogue/a.yaml", "instructions/a.md",
                                    "skills/tpl/SKILL.md", "agentctl.yaml"])
def test_oversized_input_names_file_size_and_limit(
    make_project: ProjectFactory, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    root = make_project(project_files())
    # Above the built-in catalogue's size, which is read under the same limit.
    monkeypatch.setattr(project_module, "MAX_INPUT_BYTES", LIMIT)
    path = root / target
    path.write_text(path.read_text() + "#" * (LIMIT + 100) + "\n")
    size = path.stat().st_size
    with pytest.raises(DiagnosticError) as info:
        build(root, explicit=True)
    (diag,) = info.value.errors
    assert diag.code == "E103"
    assert str(diag.position).endswith(target.split("/")[-1])
    assert diag.summary == f"file is {size} bytes; the limit is {LIMIT} bytes"


def test_oversized_skill_names_the_file_size_and_limit(
    make_project: ProjectFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = project_files()
    files["skills/tpl/assets/big.bin"] = "x" * 5000
    root = make_project(files)
    monkeypatch.setattr(skills_module, "MAX_SKILL_BYTES", 4096)
    with pytest.raises(DiagnosticError) as info:
        build(root, explicit=True)
    (diag,) = info.value.errors
    assert diag.code == "E305"
    assert str(diag.position) == "skills/tpl/assets/big.bin"
    assert "the limit is 4096 bytes" in diag.summary and "5000 bytes" in diag.summary


def test_oversized_input_through_the_cli(make_project: ProjectFactory) -> None:
    root = make_project(project_files())
    with (root / "instructions/a.md").open("wb") as handle:
        handle.truncate(project_module.MAX_INPUT_BYTES + 1)
    result = run_cli("-C", str(root), "validate")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert (f"instructions/a.md: error[E103] file is {project_module.MAX_INPUT_BYTES + 1} "
            f"bytes; the limit is {project_module.MAX_INPUT_BYTES} bytes") in result.stderr


@pytest.mark.parametrize("name", ["..", ".", ".git", "a/b", "../x", "/abs", "a\\b", "A",
                                  "con.", ""])
def test_agent_names_that_could_escape_are_refused(make_project: ProjectFactory,
                                                   name: str) -> None:
    root = make_project({"catalogue/a.yaml": f"agents:\n  - name: '{name}'\n    runtime: none\n"
                                             "    instructions: x\n"})
    result = run_cli("-C", str(root), "apply", "-y")
    assert result.returncode == 1
    assert "catalogue/a.yaml:2:11: error[E113] agents[" in result.stderr, result.stderr
    assert f"].name: '{name}' is not a valid value here" in result.stderr
    assert not (root / "deploy").exists()


@pytest.mark.parametrize("name", ["..", ".git", "a/b", "../../x"])
def test_skill_names_that_could_escape_are_refused(make_project: ProjectFactory,
                                                   name: str) -> None:
    files = project_files()
    files["skills/tpl/SKILL.md"] = f"---\nname: '{name}'\ndescription: d\n---\nbody\n"
    root = make_project(files)
    result = run_cli("-C", str(root), "apply", "-y")
    assert result.returncode == 1
    assert "skills/tpl/SKILL.md:2:7: error[E307]" in result.stderr, result.stderr
    assert not (root / "deploy").exists()


@pytest.mark.parametrize("output", ["../elsewhere", "/tmp/agentctl-abs-output", ".", ".agentctl",
                                    "catalogue/../..", ".git"])
def test_output_folder_must_stay_inside_the_project(make_project: ProjectFactory,
                                                    output: str) -> None:
    root = make_project(project_files(), config=f"output: '{output}'\n")
    result = run_cli("-C", str(root), "apply", "-y")
    assert result.returncode == 1
    assert "agentctl.yaml:1:9: error[E105] output" in result.stderr, result.stderr
    assert not (root.parent / "elsewhere").exists()
    assert not Path("/tmp/agentctl-abs-output").exists()


def test_output_folder_symlinked_outside_is_refused(make_project: ProjectFactory,
                                                    tmp_path: Path) -> None:
    root = make_project(project_files())
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "deploy").symlink_to(outside)
    result = run_cli("-C", str(root), "apply", "-y")
    assert result.returncode == 1
    assert "agentctl.yaml:1:9: error[E105] output: 'deploy' leads outside the project" \
        in result.stderr, result.stderr
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("link", ["deploy/workspaces/a", "deploy/env",
                                  "deploy/workspaces/a/.claude"])
def test_folder_symlinked_outside_is_never_written_through(
    example: Path, tmp_path: Path, link: str
) -> None:
    from tests.conftest import EXAMPLE_SECRETS

    link = link.replace("/a", "/reviewer", 1) if "workspaces" in link else link
    outside = tmp_path / "outside"
    outside.mkdir()
    for name in ("AGENTS.md", "reviewer.env", "settings.json"):  # what plan must not read
        (outside / name).write_text("outside-canary-3e1f\n")
    before = tree_bytes(outside)
    (example / link).parent.mkdir(parents=True, exist_ok=True)
    (example / link).symlink_to(outside)
    planned = run_cli("-C", str(example), "plan", env=EXAMPLE_SECRETS)
    assert f"{link}/" in planned.stdout and "through a symlink" in planned.stdout
    assert "outside-canary" not in planned.stdout + planned.stderr
    for args in (["apply", "-y"], ["apply", "-y", "--force"]):
        result = run_cli("-C", str(example), *args, env=EXAMPLE_SECRETS)
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert f"{link}/" in result.stderr and "through a symlink" in result.stderr, \
            result.stderr
        assert tree_bytes(outside) == before
    assert os.readlink(example / link) == str(outside)


def test_skill_symlink_leading_outside_is_refused_end_to_end(
    make_project: ProjectFactory, tmp_path: Path
) -> None:
    files = project_files()
    root = make_project(files)
    secret = tmp_path / "id_rsa"
    secret.write_text("PRIVATE KEY canary-skill-link\n")
    (root / "skills/tpl/key").symlink_to(secret)
    result = run_cli("-C", str(root), "apply", "-y")
    assert result.returncode == 1
    assert ("skills/tpl/key: error[E304] symlink 'key' leads outside the skill folder"
            in result.stderr), result.stderr
    assert not (root / "deploy").exists()
