"""The messages of a project that cannot be found or read: a ``-C`` folder that does not
exist (or holds no agentctl.yaml), and globs that match nothing, each at its position."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ProjectFactory, run_cli


def test_dash_c_naming_a_missing_folder(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    done = run_cli("-C", str(missing), "plan")
    assert done.returncode == 1
    assert f"error[E001] -C {missing}: no such folder ({missing})" in done.stderr
    assert "or pass -C DIR" not in done.stderr and "Traceback" not in done.stderr


def test_dash_c_naming_a_file_or_a_folder_without_a_project(tmp_path: Path) -> None:
    a_file = tmp_path / "file.txt"
    a_file.write_text("x\n")
    done = run_cli("-C", str(a_file), "validate")
    assert f"error[E001] -C {a_file}: not a folder" in done.stderr
    done = run_cli("-C", str(tmp_path), "validate")
    assert f"error[E001] -C {tmp_path}: no agentctl.yaml in {tmp_path}" in done.stderr
    assert f"create one there with `agentctl init {tmp_path}`" in done.stderr


def test_without_dash_c_the_search_upwards_is_named(tmp_path: Path) -> None:
    done = run_cli("validate", cwd=tmp_path)
    assert f"error[E001] no agentctl.yaml in {tmp_path} or any folder above it" in done.stderr
    assert "pass -C DIR" in done.stderr


def test_globs_matching_nothing_are_located_in_agentctl_yaml(
        make_project: ProjectFactory) -> None:
    root = make_project({}, config="output: deploy\ncatalogue:\n  - agents/*.yaml\n"
                        "  - more/**/*.yml\n")
    done = run_cli("-C", str(root), "validate")
    assert done.returncode == 1
    assert ("agentctl.yaml:3:5: error[E002] catalogue[0]: glob 'agents/*.yaml' matches no "
            "file") in done.stderr
    assert ("agentctl.yaml:4:5: error[E002] catalogue[1]: glob 'more/**/*.yml' matches no "
            "file") in done.stderr


def test_secrets_settings_are_located_in_agentctl_yaml(make_project: ProjectFactory) -> None:
    config = ("output: deploy\nsecrets:\n  default:\n    backend: pas\n"
              "  age:\n    file: ../outside.age.yaml\n")
    root = make_project({"catalogue/a.yaml": "agents: []\n"}, config=config)
    done = run_cli("-C", str(root), "validate")
    assert done.returncode == 1
    assert ("agentctl.yaml:4:14: error[E407] secrets.default: unknown secret backend 'pas'"
            in done.stderr)
    assert "agentctl.yaml:6:11: error[E406] secrets.age.file: age file '../outside.age.yaml'" \
        in done.stderr
