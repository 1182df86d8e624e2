"""The bad-input suite: hostile and broken projects through the installed ``agentctl``.

One YAML file per case under ``cases/`` (format: ``README.md`` here). Each case is
written into a fresh folder, run in a child process limited in memory (``RLIMIT_AS``)
and time, and must end with the expected exit code and diagnostics (code and
file:line:column), no traceback or "internal error", and not one file created, changed
or deleted anywhere: the project, its parent folder, a canary folder outside it and the
home folder (caches included) are compared before and after.

The cases selected for a run are executed together in a thread pool (each one is a
child process), the first time a test needs a result; each test then checks its own.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import AGENTCTL, EXAMPLE_SECRETS

HERE = Path(__file__).parent
CASES = HERE / "cases"
BASES = HERE / "bases"
#: Address space (bytes) and wall-clock seconds one case's agentctl may use.
MEMORY_LIMIT = 1024 * 1024 * 1024
TIME_LIMIT = 90
#: What the canary file outside the project holds; no output may ever show it.
CANARY_TEXT = "canary-outside-the-project-5f2a91\n"
CASE_KEYS = {
    "description", "base", "files", "symlinks", "dirs", "fifos", "argv", "stdin", "env",
    "unset_env", "cwd", "exit", "expect", "absent", "stdout_contains", "output_contains",
    "not_in_output", "xfail", "time_limit",
}

# Sets the limits, then becomes agentctl: no preexec_fn, which is unsafe beside threads.
_LIMITED = """
import os, resource, sys
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
os.execv(sys.argv[2], sys.argv[2:])
"""


@dataclass
class Result:
    """What one case's run produced."""

    code: int | None
    stdout: str
    stderr: str
    changes: list[str] = field(default_factory=list)
    timed_out: bool = False

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def load_case(path: Path) -> dict[str, Any]:
    """One case file, checked for unknown keys (a typo would silently test nothing)."""
    try:
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise AssertionError(f"{path}: not valid YAML: {exc}") from None
    assert isinstance(case, dict), f"{path}: a case is a mapping"
    unknown = set(case) - CASE_KEYS
    assert not unknown, f"{path}: unknown keys {sorted(unknown)}; allowed: {sorted(CASE_KEYS)}"
    assert "exit" in case, f"{path}: every case states its exit code"
    return case


def case_files() -> list[Path]:
    return sorted(CASES.rglob("*.yaml"))


def case_id(path: Path) -> str:
    return path.relative_to(CASES).with_suffix("").as_posix()


def _params() -> Iterator[Any]:
    for path in case_files():
        case = load_case(path)
        marks = []
        if case.get("xfail"):
            marks.append(pytest.mark.xfail(strict=True, reason=str(case["xfail"])))
        yield pytest.param(path, id=case_id(path), marks=marks)


class Layout:
    """The folders of one case: ``parent/project``, ``canary``, ``home``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.parent = root / "parent"
        self.project = self.parent / "project"
        self.canary = root / "canary"
        self.home = root / "home"

    def fill(self, text: str) -> str:
        """Replace ``{project}``, ``{parent}``, ``{canary}``, ``{home}`` and ``{cache}``."""
        for key, value in (("project", self.project), ("parent", self.parent),
                           ("canary", self.canary), ("home", self.home),
                           ("cache", self.home / ".cache")):
            text = text.replace("{" + key + "}", str(value))
        return text

    def path(self, name: str) -> Path:
        """A case path: relative to the project, or absolute after placeholders."""
        filled = self.fill(name)
        return Path(filled) if os.path.isabs(filled) else self.project / filled


def _content(layout: Layout, value: Any) -> bytes:
    if isinstance(value, str):
        return layout.fill(value).encode("utf-8")
    assert isinstance(value, dict) and len(value) == 1, f"bad file content {value!r}"
    ((kind, data),) = value.items()
    if kind == "base64":
        return base64.b64decode(data)
    if kind == "latin1":
        return str(data).encode("latin-1")
    if kind == "repeat":
        return str(data["text"]).encode("utf-8") * int(data["times"])
    raise AssertionError(f"unknown content kind {kind!r}")


def build(case: dict[str, Any], layout: Layout) -> None:
    """Write the case's project, canary and home."""
    for folder in (layout.project, layout.canary, layout.home / ".cache"):
        folder.mkdir(parents=True)
    (layout.canary / "secret.txt").write_text(CANARY_TEXT)
    (layout.canary / "catalogue.yaml").write_text(
        "agents:\n  - {name: intruder, runtime: none, instructions: " + CANARY_TEXT.strip()
        + "}\n")
    (layout.canary / "skill").mkdir()
    (layout.canary / "skill" / "SKILL.md").write_text(
        "---\nname: skill\ndescription: outside\n---\n" + CANARY_TEXT)
    (layout.canary / "template").mkdir()
    (layout.canary / "template" / "copier.yml").write_text("_exclude: [copier.yml]\n")
    (layout.canary / "template" / "stolen.txt").write_text(CANARY_TEXT)
    base = case.get("base", "none")
    if base:
        shutil.copytree(BASES / base, layout.project, dirs_exist_ok=True)
    for folder in case.get("dirs", []):
        layout.path(folder).mkdir(parents=True, exist_ok=True)
    for name, value in (case.get("files") or {}).items():
        target = layout.path(name)
        if value is None:
            target.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_content(layout, value))
    for name, to in (case.get("symlinks") or {}).items():
        link = layout.path(name)
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() or link.is_file():
            link.unlink()
        elif link.is_dir():
            shutil.rmtree(link)
        link.symlink_to(layout.fill(to))
    for name in case.get("fifos", []):
        target = layout.path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(target)


def snapshot(root: Path) -> dict[str, tuple[Any, ...]]:
    """Every entry under ``root``: kind and mode, with a file's content hash and mtime, a
    link's target."""
    out: dict[str, tuple[Any, ...]] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            info = path.lstat()
            rel = path.relative_to(root).as_posix()
            if stat.S_ISLNK(info.st_mode):
                out[rel] = ("link", os.readlink(path))
            elif stat.S_ISREG(info.st_mode):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                out[rel] = ("file", info.st_mode, digest, info.st_mtime_ns)
            elif stat.S_ISDIR(info.st_mode):
                # Not its mtime: a folder that held a scratch file for a moment is unchanged.
                out[rel] = ("folder", info.st_mode)
            else:
                out[rel] = ("other", info.st_mode, info.st_mtime_ns)
    return out


def _env(case: dict[str, Any], layout: Layout) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in EXAMPLE_SECRETS and not k.startswith(("AGENTCTL_", "XDG_"))}
    env.update({"NO_COLOR": "1", "HOME": str(layout.home),
                "XDG_CACHE_HOME": str(layout.home / ".cache"),
                "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
                "GIT_CONFIG_NOSYSTEM": "1"})
    for key, value in (case.get("env") or {}).items():
        env[key] = layout.fill(str(value))
    for key in case.get("unset_env", []):
        env.pop(key, None)
    return env


def run_case(path: Path) -> Result:
    """Build one case in a private folder, run it, and compare the folders around it."""
    case = load_case(path)
    with tempfile.TemporaryDirectory(prefix="agentctl-bad-input-") as tmp:
        layout = Layout(Path(tmp))
        build(case, layout)
        before = snapshot(layout.root)
        argv = [layout.fill(str(a)) for a in case.get("argv", ["validate"])]
        cwd = layout.path(case["cwd"]) if "cwd" in case else layout.project
        command = [sys.executable, "-c", _LIMITED, str(MEMORY_LIMIT), AGENTCTL, *argv]
        try:
            proc = subprocess.run(command, cwd=cwd, env=_env(case, layout),
                                  input=case.get("stdin", ""), capture_output=True, text=True,
                                  timeout=case.get("time_limit", TIME_LIMIT))
        except subprocess.TimeoutExpired as exc:
            return Result(None, str(exc.stdout or ""), str(exc.stderr or ""), timed_out=True)
        after = snapshot(layout.root)
        changes = sorted(
            f"{'created' if k not in before else 'deleted' if k not in after else 'changed'} {k}"
            for k in set(before) | set(after) if before.get(k) != after.get(k))
        return Result(proc.returncode, proc.stdout, proc.stderr, changes)


@pytest.fixture(scope="session")
def results(request: pytest.FixtureRequest) -> dict[Path, Result]:
    """Every selected case's result, run in parallel the first time one is asked for."""
    selected = [item.callspec.params["case_path"] for item in request.session.items
                if hasattr(item, "callspec") and "case_path" in item.callspec.params]
    workers = max(2, min(8, (os.cpu_count() or 2) * 2))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip(selected, pool.map(run_case, selected), strict=True))


def _diagnostic_line(output: str, severity: str, code: str, at: str | None) -> bool:
    head = f"{severity}[{code}]"
    for line in output.splitlines():
        if at is None and head in line:
            return True
        if at == "" and line.startswith(head):
            return True
        if at and line.startswith(f"{at}: {head}"):
            return True
    return False


@pytest.mark.parametrize("case_path", list(_params()))
def test_bad_input(case_path: Path, results: dict[Path, Result]) -> None:
    case = load_case(case_path)
    result = results[case_path]
    shown = f"exit {result.code}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    limit = case.get("time_limit", TIME_LIMIT)
    assert not result.timed_out, f"no answer within {limit} s\n{shown}"
    assert "Traceback" not in result.output and "internal error" not in result.output, shown
    assert result.code == case["exit"], shown
    assert result.changes == [], "the run touched files:\n" + "\n".join(result.changes)
    for want in case.get("expect", []):
        severity = "warning" if want["code"].startswith("W") else "error"
        at = want.get("at")
        assert _diagnostic_line(result.output, severity, want["code"], at), (
            f"no {severity}[{want['code']}] at {at!r}\n{shown}")
        if "message" in want:
            lines = [ln for ln in result.output.splitlines() if f"[{want['code']}]" in ln]
            assert any(want["message"] in ln for ln in lines), (
                f"{want['code']} does not say {want['message']!r}\n{shown}")
    for code in case.get("absent", []):
        assert f"[{code}]" not in result.output, f"{code} should not be reported\n{shown}"
    for text in case.get("stdout_contains", []):
        assert text in result.stdout, f"stdout lacks {text!r}\n{shown}"
    for text in case.get("output_contains", []):
        assert text in result.output, f"output lacks {text!r}\n{shown}"
    for text in [CANARY_TEXT.strip(), *case.get("not_in_output", [])]:
        assert text not in result.output, f"output shows {text!r}\n{shown}"


def test_every_case_file_is_well_formed() -> None:
    """A broken case file fails here, by name, instead of hiding in the collection."""
    assert len(case_files()) >= 150
    for path in case_files():
        case = load_case(path)
        for want in case.get("expect", []):
            assert set(want) <= {"code", "at", "message"}, f"{path}: {want}"
        base = case.get("base", "none")
        assert not base or (BASES / base).is_dir(), f"{path}: no base {base!r}"
