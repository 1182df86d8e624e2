"""A third-party secret backend, installed the way a plug-in is (a ``.dist-info`` with an
``agentctl.secret_backends`` entry point on the import path), used through the real CLI:
its parameters checked at validate, its values set, read and written into env files."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import agentctl.secrets as secrets
from agentctl.support import plugins
from tests.conftest import run_cli

MODULE = '''\
"""Jar: secrets in a JSON file named by JAR_FILE."""

import json
import os

from agentctl.secrets.base import BackendUnavailable


class Jar:
    name = "jar"
    can_store = True
    params = frozenset({"slot"})

    def check(self, params):
        return [f"unknown parameter '{k}'" for k in params if k not in self.params]

    def _load(self, ref):
        path = ref.context.environ.get("JAR_FILE")
        if not path:
            raise BackendUnavailable("jar", "JAR_FILE is not set; point it at your jar")
        return path, (json.load(open(path)) if os.path.exists(path) else {})

    def where(self, ref):
        return f"jar slot '{ref.params.get('slot', ref.credential)}'"

    def get(self, ref):
        return self._load(ref)[1].get(ref.params.get("slot", ref.credential))

    def set(self, ref, value):
        path, data = self._load(ref)
        data[ref.params.get("slot", ref.credential)] = value
        json.dump(data, open(path, "w"))

    def remove(self, ref):
        path, data = self._load(ref)
        found = data.pop(ref.params.get("slot", ref.credential), None) is not None
        json.dump(data, open(path, "w"))
        return found
'''
CATALOGUE = """\
credentials:
  - {name: anthropic-key, kind: api_key, source: {backend: jar, slot: anthropic}}
providers:
  - {name: anthropic, backend: anthropic, credential: anthropic-key}
models:
  - {name: sonnet, provider: anthropic, provider_model: claude-sonnet-4-5}
agents:
  - {name: worker, runtime: claude-code, model: sonnet, instructions: Work.}
"""
CANARY = "sk-jar-canary-6a1f"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "jar_backend").mkdir(parents=True)
    (root / "jar_backend" / "__init__.py").write_text(MODULE)
    info = root / "jar_backend-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: jar-backend\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        f"[{secrets.ENTRY_POINT_GROUP}]\njar = jar_backend:Jar\n")
    return root


@pytest.fixture
def registered(site: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.syspath_prepend(str(site))

    def clear() -> None:
        for cached in (plugins._all, secrets._registry, secrets.get_backend):
            cached.cache_clear()

    clear()
    yield
    clear()
    sys.modules.pop("jar_backend", None)


def project(root: Path, catalogue: str = CATALOGUE) -> Path:
    (root / "catalogue").mkdir(parents=True)
    (root / "agentctl.yaml").write_text("name: jar-demo\ncatalogue: [catalogue/*.yaml]\n")
    (root / "catalogue" / "all.yaml").write_text(catalogue)
    return root


def test_the_registry_lists_the_plugin(registered: None) -> None:
    assert secrets.backend_names() == [*secrets.BUILTIN, "jar"]
    assert secrets.get_backend("jar").can_store


def test_set_get_plan_apply_through_the_cli(site: Path, tmp_path: Path) -> None:
    root = project(tmp_path / "proj")
    env = {"PYTHONPATH": str(site), "JAR_FILE": str(tmp_path / "jar.json")}
    stored = run_cli("secrets", "set", "anthropic-key", cwd=root, env=env, stdin=CANARY)
    assert stored.returncode == 0, stored.stderr
    assert stored.stdout == "Stored anthropic-key in jar slot 'anthropic'.\n"
    assert json.loads((tmp_path / "jar.json").read_text()) == {"anthropic": CANARY}
    got = run_cli("secrets", "get", "anthropic-key", cwd=root, env=env)
    assert got.returncode == 0 and "is set (from jar slot 'anthropic')" in got.stdout
    applied = run_cli("apply", "-y", cwd=root, env=env)
    assert applied.returncode == 0, applied.stderr
    assert f'ANTHROPIC_API_KEY="{CANARY}"' in (root / "deploy/env/worker.env").read_text()
    assert CANARY not in applied.stdout + applied.stderr + got.stdout

    down = run_cli("plan", cwd=root, env={"PYTHONPATH": str(site)})
    assert down.returncode == 1
    assert "secret backend 'jar' is unavailable: JAR_FILE is not set" in down.stderr


def test_without_the_plugin_the_backend_is_unknown_at_its_line(tmp_path: Path) -> None:
    root = project(tmp_path / "proj")
    refused = run_cli("validate", cwd=root)
    assert refused.returncode == 1
    assert ("catalogue/all.yaml:2:60: error[E407] credentials[anthropic-key].source: unknown "
            "secret backend 'jar'") in refused.stderr


def test_bad_parameters_are_located(site: Path, tmp_path: Path) -> None:
    root = project(tmp_path / "proj", CATALOGUE.replace("slot: anthropic", "slto: x"))
    refused = run_cli("validate", cwd=root, env={"PYTHONPATH": str(site)})
    assert refused.returncode == 1
    assert "error[E406] credentials[anthropic-key].source: jar source: unknown parameter " \
        "'slto'" in refused.stderr
