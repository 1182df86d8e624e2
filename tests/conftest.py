"""Shared fixtures: throw-away projects, the bundled example, an in-memory keyring."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "fleet"
SHARED = ROOT.parent / "shared"
AGENTCTL = str(Path(sys.executable).parent / "agentctl")

#: Fake values for the example's credentials (the `env` override of each).
EXAMPLE_SECRETS = {
    "FLEET_ANTHROPIC_API_KEY": "canary-anthropic-4f1e9c",
    "FLEET_RELEASE_OAUTH_TOKEN": "canary-oauth-7d2b11",
    "FLEET_GITHUB_PAT": "canary-github-a83c5e",
    "FLEET_SENTRY_TOKEN": 'canary-sentry-"q" $x \\ #1',
    "FLEET_OPENAI_API_KEY": "canary-openai-0b9d3f",
    "FLEET_GEMINI_API_KEY": "canary-gemini-e61c20",
}



def example_agents(*, running: bool = False) -> list[str]:
    """The example's agents, templates left out, sorted; ``running``: only those whose
    runtime (its own or through ``extends``) is not ``none``, the ones given a service,
    an env file and a Secret. Read with plain PyYAML, so tests do not check agentctl's
    loader against itself, and a new example agent needs no edit of hard-coded lists."""
    import yaml

    entries = yaml.safe_load((EXAMPLE / "catalogue" / "agents.yaml").read_text())["agents"]
    by_name = {e["name"]: e for e in entries}

    def runtime(entry: dict[str, object]) -> object:
        while "runtime" not in entry and "extends" in entry:
            entry = by_name[str(entry["extends"])]
        return entry.get("runtime")

    return sorted(e["name"] for e in entries if not e.get("is_template")
                  and (not running or runtime(e) != "none"))


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees the developer's own example secrets or keyring choice."""
    for key in EXAMPLE_SECRETS:
        monkeypatch.delenv(key, raising=False)
    from agentctl.support import redact

    redact.clear()
    yield
    redact.clear()


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A private copy of the bundled example, without rendered output or state."""
    dest = tmp_path / "fleet"
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("deploy", ".agentctl"))
    return dest


@pytest.fixture
def example_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Export the example's fake secrets into this process's environment."""
    for key, value in EXAMPLE_SECRETS.items():
        monkeypatch.setenv(key, value)
    return dict(EXAMPLE_SECRETS)


ProjectFactory = Callable[..., Path]


@pytest.fixture
def make_project(tmp_path: Path) -> ProjectFactory:
    """Write a project: ``make_project({"catalogue/a.yaml": "...", ...})`` → its root."""

    def factory(files: dict[str, str], config: str = "output: deploy\n") -> Path:
        root = tmp_path / "proj"
        root.mkdir(exist_ok=True)
        (root / "agentctl.yaml").write_text(config)
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        return root

    return factory


class MemoryKeyring:
    """An in-memory keyring backend (keyring's documented test pattern)."""

    def __init__(self) -> None:
        import keyring.backend

        class _Backend(keyring.backend.KeyringBackend):
            priority = 1  # type: ignore[assignment]
            def __init__(self) -> None:
                super().__init__()
                self.store: dict[tuple[str, str], str] = {}

            def get_password(self, service: str, username: str) -> str | None:
                return self.store.get((service, username))

            def set_password(self, service: str, username: str, password: str) -> None:
                self.store[(service, username)] = password

            def delete_password(self, service: str, username: str) -> None:
                self.store.pop((service, username), None)

        self.backend = _Backend()

    def set(self, service: str, username: str, value: str) -> None:
        self.backend.set_password(service, username, value)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Install an in-memory keyring for the test, restoring the previous one after."""
    import keyring

    previous = keyring.get_keyring()
    mem = MemoryKeyring()
    keyring.set_keyring(mem.backend)
    yield mem
    keyring.set_keyring(previous)


def run_cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the installed ``agentctl`` with no terminal; returns the completed process."""
    full_env = {k: v for k, v in os.environ.items() if k not in EXAMPLE_SECRETS}
    full_env["NO_COLOR"] = "1"
    full_env.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    if env:
        full_env.update(env)
    return subprocess.run(
        [AGENTCTL, *args], cwd=cwd, env=full_env, input=stdin if stdin is not None else "",
        capture_output=True, text=True, timeout=120,
    )


def tree_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` as {relative POSIX path: bytes}."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }
