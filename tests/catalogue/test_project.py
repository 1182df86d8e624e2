"""Finding a project, reading its inputs, and keeping every named path inside it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agentctl.catalogue.project import check_glob, confine, load_project, read_text
from agentctl.diagnostics import DiagnosticError
from tests.conftest import ProjectFactory


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, Path]:
    """A project folder and a folder beside it holding a secret."""
    root = tmp_path / "proj"
    (root / "catalogue").mkdir(parents=True)
    (root / "docs").mkdir()
    (root / "docs" / "a.md").write_text("inside\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("outside\n")
    return root, outside


def test_confine_keeps_paths_inside(tree: tuple[Path, Path]) -> None:
    root, _ = tree
    real, problem = confine(root, root / "catalogue", "../docs/a.md")
    assert problem is None and real == (root / "docs" / "a.md").resolve()


@pytest.mark.parametrize(("rel", "says"), [
    ("/etc/passwd", "is an absolute path"),
    ("../../outside/secret.txt", "through '..'"),
    ("../../../../../../../etc/passwd", "through '..'"),
    ("a\0b", "holds a NUL character"),
])
def test_confine_refuses_paths_leaving_the_project(tree: tuple[Path, Path], rel: str,
                                                   says: str) -> None:
    root, _ = tree
    _real, problem = confine(root, root / "catalogue", rel)
    assert problem is not None and says in problem


def test_confine_follows_symlinks_before_judging(tree: tuple[Path, Path]) -> None:
    root, outside = tree
    (root / "docs" / "out.md").symlink_to(outside / "secret.txt")
    (root / "docs" / "in.md").symlink_to("a.md")
    real, problem = confine(root, root / "catalogue", "../docs/out.md")
    assert problem is not None and "through a symlink" in problem
    assert real == outside / "secret.txt"
    assert confine(root, root / "catalogue", "../docs/in.md")[1] is None


def test_confine_works_for_a_project_reached_through_a_symlink(tree: tuple[Path, Path],
                                                              tmp_path: Path) -> None:
    root, _ = tree
    (tmp_path / "alias").symlink_to(root)
    alias = tmp_path / "alias"
    assert confine(alias, alias / "catalogue", "../docs/a.md")[1] is None


def test_read_text_checks_the_opened_file_again(tree: tuple[Path, Path]) -> None:
    root, outside = tree
    link = root / "docs" / "swapped.md"
    link.symlink_to(outside / "secret.txt")  # as if swapped in after an earlier check
    with pytest.raises(DiagnosticError) as info:
        read_text(link, "docs/swapped.md", root=root)
    assert [d.code for d in info.value.errors] == ["E230"]
    assert read_text(root / "docs" / "a.md", "docs/a.md", root=root) == "inside\n"


def test_read_text_refuses_a_fifo_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(DiagnosticError) as info:
        read_text(fifo, "pipe")
    (diag,) = info.value.errors
    assert diag.code == "E104" and "not a regular file" in diag.summary


def test_read_text_locates_the_first_byte_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_bytes("line one\nnaïve café\n".encode() + b"caf\xe9\n")
    with pytest.raises(DiagnosticError) as info:
        read_text(path, "x.md")
    (diag,) = info.value.errors
    assert diag.code == "E104" and str(diag.position) == "x.md:3:4"
    assert diag.position is not None and diag.position.byte == len(
        "line one\nnaïve café\n".encode()) + 3


@pytest.mark.parametrize(("pattern", "says"), [
    ("/etc/*.yaml", "absolute"),
    ("../*.yaml", "climbs out"),
    ("catalogue/../../x/*.yaml", "climbs out"),
    ("**/**/**/*.yaml", "more than 2 '**'"),
])
def test_check_glob_refuses(pattern: str, says: str) -> None:
    problem = check_glob(pattern)
    assert problem is not None and says in problem


@pytest.mark.parametrize("pattern", ["catalogue/**/*.yaml", "*.yaml", "a/**/b/**/*.yml"])
def test_check_glob_accepts(pattern: str) -> None:
    assert check_glob(pattern) is None


def test_project_file_problems_come_together_with_positions(
        make_project: ProjectFactory) -> None:
    from agentctl.render.pipeline import target_problems  # the catalogue knows no targets

    root = make_project({}, config="output: /abs\ncatalogue: [/etc/*.yaml]\ntarget: kubernets\n")
    with pytest.raises(DiagnosticError) as info:
        load_project(root, explicit=True, check_target=target_problems)
    got = {(d.code, str(d.position)) for d in info.value.errors}
    assert got == {("E105", "agentctl.yaml:1:9"), ("E003", "agentctl.yaml:2:13"),
                   ("E010", "agentctl.yaml:3:9")}
