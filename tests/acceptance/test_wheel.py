"""The wheel a user installs: built from this checkout, installed into a fresh venv.

Only the package and the files hatch force-includes travel in a wheel, so this is where
a built-in template or the built-in catalogue missing from it would show: `agentctl
init demo && agentctl plan` must work with nothing of the source tree around.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.acceptance


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


def test_a_wheel_installed_on_its_own_inits_and_plans_a_project(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", dist, ROOT)
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("agentctl-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "agentctl/_builtin_catalogue/providers.yaml" in names
    for folder in ("workspace/default", "project"):  # services: built by each runtime
        assert f"agentctl/templates/{folder}/copier.yml" in names, folder

    venv = tmp_path / "venv"
    assert _run(sys.executable, "-m", "venv", venv).returncode == 0
    installed = _run(venv / "bin/pip", "install", "--quiet", wheel)
    assert installed.returncode == 0, installed.stderr
    agentctl = venv / "bin/agentctl"
    work = tmp_path / "work"  # nowhere near the source checkout
    work.mkdir()
    init = _run(agentctl, "init", "demo", cwd=work)
    assert init.returncode == 0, init.stderr
    assert (work / "demo/.copier-answers.yml").is_file()
    plan = _run(agentctl, "plan", cwd=work / "demo")
    assert plan.returncode == 0, plan.stderr
    assert "to create" in plan.stdout
    validate = _run(agentctl, "validate", cwd=work / "demo")
    assert validate.returncode == 0 and "5 provider(s)" in validate.stdout, validate.stdout
