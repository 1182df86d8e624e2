"""Fixtures of the acceptance suite: the runtimes' real CLIs, a real MCP server, a
rendered project.

The CLIs are installed from npm at the pinned versions below into
``~/.cache/agentctl-acceptance/npm-<key>/`` (``AGENTCTL_ACCEPTANCE_CACHE`` moves it),
keyed by the versions and reused between runs. Everything else stays on loopback.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from agentctl.envfile import parse_env_file
from agentctl.runtimes.claude_code import CLAUDE_CODE_VERSION
from agentctl.runtimes.codex import CODEX_VERSION
from agentctl.runtimes.gemini_cli import GEMINI_CLI_VERSION
from agentctl.runtimes.opencode import OPENCODE_VERSION
from tests.conftest import run_cli

HERE = Path(__file__).resolve().parent
#: The npm packages, at the versions the runtimes' default services pin.
PACKAGES = {
    "@anthropic-ai/claude-code": CLAUDE_CODE_VERSION,
    "@openai/codex": CODEX_VERSION,
    "@google/gemini-cli": GEMINI_CLI_VERSION,
    "opencode-ai": OPENCODE_VERSION,
}
TOKEN_ENV = "AGENTCTL_ACCEPTANCE_PROBE_TOKEN"
TOKEN = "acceptance-token-5b0e7c1d"
#: Seconds one CLI call may take (they connect to a loopback server).
CLI_TIMEOUT = 120


def cache_dir() -> Path:
    """Where the CLIs are installed: a folder per set of pinned versions."""
    base = Path(os.environ.get("AGENTCTL_ACCEPTANCE_CACHE")
                or Path.home() / ".cache" / "agentctl-acceptance")
    specs = sorted(f"{name}@{version}" for name, version in PACKAGES.items())
    key = hashlib.sha256("\n".join(specs).encode()).hexdigest()[:12]
    return base / f"npm-{key}"


@pytest.fixture(scope="session")
def npm_bin() -> Path:
    """``node_modules/.bin`` holding claude, codex, gemini and opencode at pinned versions."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.skip("the acceptance suite needs Node.js 20+ and npm on PATH to install "
                    "the runtimes' CLIs")
    from filelock import FileLock

    target = cache_dir()
    target.mkdir(parents=True, exist_ok=True)
    done = target / ".installed"
    with FileLock(str(target) + ".lock"):
        if not done.exists():
            (target / "package.json").write_text('{"private": true}\n')
            specs = [f"{name}@{version}" for name, version in PACKAGES.items()]
            subprocess.run(
                [npm, "install", "--prefix", str(target), "--no-audit", "--no-fund",
                 "--save-exact", "--loglevel=error", *specs],
                check=True, timeout=900,
            )
            done.write_text("\n".join(specs) + "\n")
    bin_dir = target / "node_modules" / ".bin"
    for name in ("claude", "codex", "gemini", "opencode"):
        assert (bin_dir / name).exists(), f"npm did not install {name} into {bin_dir}"
    return bin_dir


@dataclass(frozen=True)
class Probe:
    """The running MCP server: its URL, and the log of ``<status> <method> <path>`` lines."""

    url: str
    log: Path

    def statuses(self) -> list[str]:
        """The HTTP status of every request so far, in order."""
        text = self.log.read_text() if self.log.exists() else ""
        return [line.split()[0] for line in text.splitlines()]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Probe]:
    """A real MCP server (``mcp`` SDK, streamable HTTP) accepting only :data:`TOKEN`."""
    pytest.importorskip("mcp", reason="install the test extra: pip install -e '.[test]'")
    folder = tmp_path_factory.mktemp("probe")
    port = _free_port()
    log = folder / "requests.log"
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "mcp_server.py"), "--port", str(port), "--token", TOKEN,
         "--log", str(log)],
        stdout=(folder / "server.out").open("w"), stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "MCP server did not start: " + (folder / "server.out").read_text()
                    ) from None
                time.sleep(0.1)
        yield Probe(f"http://127.0.0.1:{port}/mcp", log)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@dataclass(frozen=True)
class Deployed:
    """The acceptance project after ``agentctl apply``: its output folder."""

    output: Path

    def workspace(self, agent: str) -> Path:
        """Absolute path of ``agent``'s workspace."""
        return self.output / "workspaces" / agent

    def service_env(self, agent: str) -> dict[str, str]:
        """The non-secret env of ``agent``'s compose service, ``/workspace`` mapped here."""
        import yaml

        compose = yaml.safe_load((self.output / "compose.yaml").read_text())
        env = compose["services"][agent].get("environment") or {}
        workspace = str(self.workspace(agent))
        return {
            str(k): str(v).replace("$$", "$").replace("/workspace", workspace, 1)
            for k, v in env.items()
        }

    def env(self, agent: str) -> dict[str, str]:
        """The values of ``agent``'s env file."""
        values = parse_env_file((self.output / "env" / f"{agent}.env").read_bytes())
        assert values is not None, f"env file of {agent} is not in agentctl's format"
        return values


@pytest.fixture(scope="session")
def deployed(tmp_path_factory: pytest.TempPathFactory, probe: Probe) -> Deployed:
    """The project rendered and applied by the installed ``agentctl``, token from ``env``."""
    root = tmp_path_factory.mktemp("project") / "acceptance"
    shutil.copytree(HERE / "project", root, ignore=shutil.ignore_patterns("deploy", ".agentctl"))
    config = root / "agentctl.yaml"
    config.write_text(config.read_text().replace("http://127.0.0.1:9/mcp", probe.url))
    result = run_cli("-C", str(root), "apply", "-y", env={TOKEN_ENV: TOKEN})
    assert result.returncode == 0, result.stdout + result.stderr
    return Deployed(root / "deploy")


def cli_env(home: Path, npm_bin: Path, values: dict[str, str]) -> dict[str, str]:
    """A clean environment: PATH with the CLIs, HOME in a temp dir, the env file's values."""
    env = {
        "PATH": f"{npm_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "TERM": "dumb",
        "NO_COLOR": "1",
        "CI": "1",
        # No update checks or telemetry: the suite runs on loopback only.
        "DISABLE_AUTOUPDATER": "1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "OPENCODE_DISABLE_AUTOUPDATE": "1",
        "GEMINI_CLI_DISABLE_AUTO_UPDATE": "1",
    }
    env.update(values)
    return env


def trust(runtime: str, workspace: Path, home: Path) -> None:
    """Mark ``workspace`` trusted the way ``runtime``'s CLI requires (reference/runtimes.md)."""
    path = str(workspace.resolve())
    if runtime == "claude-code":
        doc = {"projects": {path: {"hasTrustDialogAccepted": True}}}
        (home / ".claude.json").write_text(json.dumps(doc))
    elif runtime == "gemini-cli":
        (home / ".gemini").mkdir(exist_ok=True)
        (home / ".gemini" / "trustedFolders.json").write_text(
            json.dumps({path: "TRUST_FOLDER"})
        )
    elif runtime == "codex":
        (home / ".codex").mkdir(exist_ok=True)
        (home / ".codex" / "config.toml").write_text(
            f'[projects.{json.dumps(path)}]\ntrust_level = "trusted"\n'
        )
    # OpenCode reads a project's opencode.json without a trust step.


def run_mcp_list(
    program: str, workspace: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run ``<program> mcp list`` in ``workspace``; output with ANSI escapes removed."""
    import re

    result = subprocess.run(
        [program, "mcp", "list"], cwd=workspace, env=env, capture_output=True, text=True,
        timeout=CLI_TIMEOUT, stdin=subprocess.DEVNULL,
    )
    strip = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
    return subprocess.CompletedProcess(
        result.args, result.returncode, strip.sub("", result.stdout),
        strip.sub("", result.stderr),
    )
