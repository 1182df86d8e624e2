"""The render cache never serves output the current code would not produce.

A runtime whose code changed (a plug-in released again, an edited module) renders
different files; a cache keyed on the catalogue alone would keep serving the old ones,
and ``plan`` would report nothing to do while ``render --check`` (which renders without
the cache) disagrees. The cache key holds the code's fingerprint
(:mod:`agentctl.render.fingerprint`), so both report the change.

Each run is a separate ``agentctl`` process (``run_cli``), so no import cache hides the
edit.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agentctl.render import fingerprint
from tests.conftest import ProjectFactory, run_cli

MODULE = '''\
from agentctl.runtimes.none import NoRuntime
from agentctl.support.tree import FileSpec


class Noting(NoRuntime):
    name = "noting"

    def workspace_files(self, agent):
        files = dict(super().workspace_files(agent))
        files["NOTE.md"] = FileSpec(b"{note}\\n")
        return files
'''


def install_plugin(site: Path, note: str, version: str, *, lists_module: bool) -> None:
    """A plug-in runtime ``noting`` in ``site`` (a folder on PYTHONPATH): its module and a
    dist-info whose entry point registers it. With ``lists_module`` False the entry point
    names a shim that imports the class from another top-level module, which no
    distribution claims: that module is fingerprinted by its file."""
    site.mkdir(exist_ok=True)
    (site / "noting_runtime.py").write_text(MODULE.replace("{note}", note))
    (site / "noting_shim.py").write_text("from noting_runtime import Noting\n")
    for old in site.glob("noting-*.dist-info"):
        shutil.rmtree(old)
    info = site / f"noting-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: noting\nVersion: {version}\n")
    module = "noting_runtime" if lists_module else "noting_shim"
    (info / "entry_points.txt").write_text(f"[agentctl.runtimes]\nnoting = {module}:Noting\n")


def cli(root: Path, site: Path, *args: str) -> tuple[int, str]:
    result = run_cli("-C", str(root), *args, env={"PYTHONPATH": str(site)})
    return result.returncode, result.stdout + result.stderr


@pytest.mark.parametrize("lists_module", [True, False], ids=["release", "module-file"])
def test_changed_runtime_code_is_planned_and_checked_the_same(
        make_project: ProjectFactory, tmp_path: Path, lists_module: bool) -> None:
    site = tmp_path / "site"
    install_plugin(site, "v1", "1.0", lists_module=lists_module)
    root = make_project({"catalogue/a.yaml": "agents:\n  - name: bot\n    runtime: noting\n"
                         "    instructions: Be brief.\n"})
    code, out = cli(root, site, "apply", "-y")
    assert code == 0, out
    note = root / "deploy/workspaces/bot/NOTE.md"
    assert note.read_text() == "v1\n"
    assert (root / ".agentctl/cache/render.json").is_file()
    code, out = cli(root, site, "plan", "--detailed-exitcode")
    assert code == 0, out  # the warm cache agrees with disk

    install_plugin(site, "v2", "1.1" if lists_module else "1.0", lists_module=lists_module)
    code, plan_out = cli(root, site, "plan", "--detailed-exitcode")
    assert code == 2, plan_out
    assert "workspaces/bot/NOTE.md" in plan_out
    code, check_out = cli(root, site, "render", "--check")
    assert code == 2, check_out
    assert "workspaces/bot/NOTE.md" in check_out
    code, out = cli(root, site, "apply", "-y")
    assert code == 0, out
    assert note.read_text() == "v2\n"


def test_a_release_is_what_changes_a_plugins_fingerprint(
        make_project: ProjectFactory, tmp_path: Path) -> None:
    """For a plug-in a distribution claims, the version is the fingerprint: an edit that
    keeps it is served from the cache (this is what makes the cache real, not a no-op)."""
    site = tmp_path / "site"
    install_plugin(site, "v1", "1.0", lists_module=True)
    root = make_project({"catalogue/a.yaml": "agents:\n  - name: bot\n    runtime: noting\n"
                         "    instructions: Be brief.\n"})
    assert cli(root, site, "apply", "-y")[0] == 0
    install_plugin(site, "v2", "1.0", lists_module=True)
    code, out = cli(root, site, "plan", "--detailed-exitcode")
    assert code == 0, out
    code, out = cli(root, site, "render", "--check")
    assert code == 2 and "workspaces/bot/NOTE.md" in out


def test_builtin_fingerprint_covers_every_module_of_the_package(tmp_path: Path) -> None:
    package = Path(fingerprint.__file__).resolve().parents[1]
    copy = tmp_path / "agentctl"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = fingerprint.tree_digest(copy)
    assert before == fingerprint.package_digest()
    runtime = copy / "runtimes" / "codex.py"
    runtime.write_text(runtime.read_text() + "\n# changed\n")
    assert fingerprint.tree_digest(copy) != before
    assert fingerprint.module_fingerprint("agentctl.runtimes.codex") == (
        f"agentctl:{fingerprint.package_digest()}")


def test_fingerprint_of_a_module_no_distribution_claims_is_its_file(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch
                                                                     ) -> None:
    import hashlib
    import importlib

    (tmp_path / "loose_plugin_mod.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("loose_plugin_mod")
    digest = hashlib.sha256(b"X = 1\n").hexdigest()
    assert fingerprint.module_fingerprint("loose_plugin_mod") == f"file:{digest}"
