"""Fixtures of the acceptance suite: the runtimes' real CLIs, real MCP servers, a scripted
model, and the acceptance project rendered and applied by the installed ``agentctl``.

The CLIs are installed from npm into ``~/.cache/agentctl-acceptance/npm-<key>/``
(``AGENTCTL_ACCEPTANCE_CACHE`` moves it), keyed by their versions and reused between
runs: the releases the runtimes' services pin, or with ``AGENTCTL_ACCEPTANCE_LATEST=1``
the newest release of each on npm (asked of ``npm view`` once per run, installed into a
``npm-latest-<key>`` folder of its own). The run's summary names the releases proven.
Everything else stays on loopback.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from agentctl.runtimes.claude_code import ClaudeCode
from agentctl.runtimes.codex import Codex
from agentctl.runtimes.copilot import Copilot
from agentctl.runtimes.gemini_cli import GeminiCli
from agentctl.runtimes.kilo import Kilo
from agentctl.runtimes.opencode import OpenCode
from agentctl.runtimes.qwen_code import QwenCode
from tests.acceptance.model_server import ScriptedModel
from tests.conftest import AGENTCTL

HERE = Path(__file__).resolve().parent
#: Runtime name → (npm package, pinned release): what the default services run.
RUNTIMES = {r.name: (r.npm_package, r.version)
            for r in (ClaudeCode, Codex, GeminiCli, OpenCode, Copilot, QwenCode, Kilo)}
PROGRAMS = ("claude", "codex", "gemini", "opencode", "copilot", "qwen", "kilo")
#: npm package → the program it installs.
PROGRAM_OF = {r.npm_package: r.program
              for r in (ClaudeCode, Codex, GeminiCli, OpenCode, Copilot, QwenCode, Kilo)}
LATEST = os.environ.get("AGENTCTL_ACCEPTANCE_LATEST") == "1"
#: The secrets, each reaching agentctl through its credential's `env` override.
SECRETS = {
    "AGENTCTL_ACCEPTANCE_MODEL_KEY": "scripted-model-key-3f9a11",
    "AGENTCTL_ACCEPTANCE_PROBE_TOKEN": "acceptance-token-5b0e7c1d",
    "AGENTCTL_ACCEPTANCE_PROBE_KEY": "acceptance-header-key-81c4",
    "AGENTCTL_ACCEPTANCE_STDIO_TOKEN": "acceptance-stdio-token-2d6e",
    "AGENTCTL_ACCEPTANCE_EXPIRED_TOKEN": "acceptance-expired-token-0000",
}
#: Seconds one CLI run may take (everything it talks to is on loopback).
CLI_TIMEOUT = 240
#: The releases this run installed, for the summary: {npm package: version}.
PROVEN: dict[str, str] = {}
#: Package → why its newest release was not the one run (latest mode), for the summary.
NOT_NEWEST: dict[str, str] = {}
#: One line per headless matrix case, for the summary (test_headless.py fills it).
MATRIX_LINES: list[str] = []


def cache_base() -> Path:
    """The folder holding every installed set of CLIs."""
    return Path(os.environ.get("AGENTCTL_ACCEPTANCE_CACHE")
                or Path.home() / ".cache" / "agentctl-acceptance")


def cache_dir(packages: dict[str, str], latest: bool = False) -> Path:
    """Where ``packages`` ({name: version}) are installed: a folder per set of versions."""
    specs = sorted(f"{name}@{version}" for name, version in packages.items())
    key = hashlib.sha256("\n".join(specs).encode()).hexdigest()[:12]
    return cache_base() / f"npm-{'latest-' if latest else ''}{key}"


def newest(npm: str, package: str) -> str:
    """The newest release of ``package`` on npm (``npm view``)."""
    result = subprocess.run([npm, "view", package, "version"], capture_output=True, text=True,
                            check=True, timeout=120)
    return result.stdout.strip()


def npm_install(npm: str, target: Path, specs: list[str]) -> bool:
    """``npm install`` ``specs`` into ``target``; False when npm fails."""
    result = subprocess.run(
        [npm, "install", "--prefix", str(target), "--no-audit", "--no-fund",
         "--save-exact", "--loglevel=error", *specs],
        capture_output=True, text=True, check=False, timeout=900)
    return result.returncode == 0


def install_newest(npm: str, target: Path, pinned: dict[str, str]) -> dict[str, str]:
    """Install the newest release of each package into ``target``, one at a time; a
    package whose newest release does not install here (its program missing after
    ``npm install``, e.g. a platform package not on the registry yet) gets its pin, and
    :data:`NOT_NEWEST` says why. Returns {package: version installed}."""
    chosen: dict[str, str] = {}
    for package, pin in sorted(pinned.items()):
        latest = newest(npm, package)
        program = target / "node_modules" / ".bin" / PROGRAM_OF[package]
        if npm_install(npm, target, [f"{package}@{latest}"]) and program.exists():
            chosen[package] = latest
            continue
        NOT_NEWEST[package] = f"{latest} did not install here; ran the pinned {pin}"
        assert npm_install(npm, target, [f"{package}@{pin}"]), f"npm: {package}@{pin}"
        chosen[package] = pin
    return chosen


@pytest.fixture(scope="session")
def npm_bin() -> Path:
    """``node_modules/.bin`` holding every runtime's CLI (:data:`PROGRAMS`)."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.skip("the acceptance suite needs Node.js 20+ and npm on PATH to install "
                    "the runtimes' CLIs")
    from filelock import FileLock

    packages = dict(RUNTIMES.values())
    if LATEST:
        packages = {name: newest(npm, name) for name in packages}
    target = cache_dir(packages, LATEST)
    target.mkdir(parents=True, exist_ok=True)
    done = target / ".installed"
    specs = [f"{name}@{version}" for name, version in sorted(packages.items())]
    with FileLock(str(target) + ".lock"):
        if not done.exists():
            (target / "package.json").write_text('{"private": true}\n')
            if LATEST:
                installed = install_newest(npm, target, dict(RUNTIMES.values()))
                specs = [f"{name}@{version}" for name, version in sorted(installed.items())]
            else:
                assert npm_install(npm, target, specs), f"npm cannot install {specs}"
            done.write_text("\n".join(specs) + "\n")
            (target / ".not-newest.json").write_text(json.dumps(NOT_NEWEST))
        packages = dict(spec.rsplit("@", 1) for spec in done.read_text().split())
        if (target / ".not-newest.json").exists():
            NOT_NEWEST.update(json.loads((target / ".not-newest.json").read_text()))
    bin_dir = target / "node_modules" / ".bin"
    for name in PROGRAMS:
        assert (bin_dir / name).exists(), f"npm did not install {name} into {bin_dir}"
    PROVEN.update(packages)
    return bin_dir


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Name the CLI releases the acceptance tests ran against."""
    if PROVEN:
        terminalreporter.write_line(
            ("acceptance: newest" if LATEST else "acceptance: pinned") + " releases: "
            + ", ".join(f"{name}@{version}" for name, version in sorted(PROVEN.items())))
    for package, why in sorted(NOT_NEWEST.items()):
        terminalreporter.write_line(f"acceptance: {package}: newest {why}")
    for line in MATRIX_LINES:
        terminalreporter.write_line("headless: " + line)


@dataclass
class McpLog:
    """The MCP servers' log: one JSON object per HTTP request or stdio ``tools/call``."""

    path: Path

    def entries(self) -> list[dict[str, object]]:
        """Every entry so far, in order."""
        text = self.path.read_text() if self.path.exists() else ""
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def calls(self, text: str) -> list[dict[str, object]]:
        """``tools/call`` entries whose ``text`` argument is ``text``."""
        return [e for e in self.entries()
                if e.get("method") == "tools/call" and e.get("text") == text]


@dataclass(frozen=True)
class Probe:
    """The running HTTP MCP server: its base URL and the shared log."""

    url: str
    log: McpLog


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def mcp_log(tmp_path_factory: pytest.TempPathFactory) -> McpLog:
    """The log both MCP servers (HTTP and every stdio instance) append to."""
    return McpLog(tmp_path_factory.mktemp("mcp") / "requests.log")


@pytest.fixture(scope="session")
def probe(tmp_path_factory: pytest.TempPathFactory, mcp_log: McpLog) -> Iterator[Probe]:
    """A real MCP server (``mcp`` SDK, streamable HTTP) on loopback (mcp_server.py)."""
    pytest.importorskip("mcp", reason="install the test extra: pip install -e '.[test]'")
    folder = tmp_path_factory.mktemp("probe")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "mcp_server.py"), "--port", str(port),
         "--token", SECRETS["AGENTCTL_ACCEPTANCE_PROBE_TOKEN"],
         "--header-key", SECRETS["AGENTCTL_ACCEPTANCE_PROBE_KEY"], "--log", str(mcp_log.path)],
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
        yield Probe(f"http://127.0.0.1:{port}", mcp_log)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def model() -> Iterator[ScriptedModel]:
    """The scripted model (model_server.py), expecting the catalogue's model key."""
    scripted = ScriptedModel(api_key=SECRETS["AGENTCTL_ACCEPTANCE_MODEL_KEY"]).start()
    yield scripted
    scripted.stop()


@dataclass
class Deployed:
    """The acceptance project after ``agentctl apply``, inside a git checkout."""

    root: Path
    homes: Path
    npm_bin: Path
    _count: list[int] = field(default_factory=lambda: [0])

    @property
    def output(self) -> Path:
        """The output folder (``deploy``)."""
        return self.root / "deploy"

    def workspace(self, agent: str) -> Path:
        """Absolute path of ``agent``'s workspace."""
        return self.output / "workspaces" / agent

    def fresh_home(self) -> Path:
        """An empty HOME of its own for one CLI run."""
        self._count[0] += 1
        home = self.homes / f"home-{self._count[0]}"
        home.mkdir()
        return home

    def run(self, agent: str, *args: str, home: Path | None = None,
            timeout: float = CLI_TIMEOUT) -> CliRun:
        """``agentctl run AGENT -- ARGS`` with stdin closed, a fresh HOME and the CLIs on
        PATH; the whole process group is killed after ``timeout`` seconds."""
        return run_process(
            [AGENTCTL, "-C", str(self.root), "run", agent, "--", *args],
            self.environment(home or self.fresh_home()), timeout,
        )

    def environment(self, home: Path) -> dict[str, str]:
        """What ``agentctl run`` is started with: PATH, HOME, locale, and the secrets for
        its own plan (the agent's CLI gets them only through the env file)."""
        return {
            "PATH": f"{self.npm_bin}{os.pathsep}{os.environ.get('PATH', '')}",
            "HOME": str(home), "LANG": "C.UTF-8", "TERM": "dumb", "NO_COLOR": "1",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", **SECRETS,
        }


@dataclass(frozen=True)
class CliRun:
    """One finished (or killed) CLI run."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool

    @property
    def output(self) -> str:
        """stdout and stderr with ANSI escapes removed."""
        import re

        return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", self.stdout + self.stderr)


def run_process(argv: list[str], env: dict[str, str], timeout: float,
                cwd: Path | None = None) -> CliRun:
    """Run ``argv`` in a session of its own; on timeout kill the whole group (the npm
    wrappers start the real binaries as children, which a plain kill would orphan)."""
    start = time.monotonic()
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        timed_out = True
    return CliRun(argv, proc.returncode, out, err, time.monotonic() - start, timed_out)


@pytest.fixture(scope="session")
def deployed(tmp_path_factory: pytest.TempPathFactory, probe: Probe, model: ScriptedModel,
             npm_bin: Path) -> Deployed:
    """The project with the loopback addresses filled in, in a git checkout, applied by
    the installed ``agentctl`` with the secrets from the credentials' ``env``."""
    base = tmp_path_factory.mktemp("project")
    root = base / "acceptance"
    shutil.copytree(HERE / "project", root, ignore=shutil.ignore_patterns("deploy", ".agentctl"))
    config = root / "agentctl.yaml"
    config.write_text(config.read_text().replace("http://127.0.0.1:9", probe.url))
    catalogue = root / "catalogue" / "acceptance.yaml"
    stdio_hash = hashlib.sha256(SECRETS["AGENTCTL_ACCEPTANCE_STDIO_TOKEN"].encode()).hexdigest()
    text = catalogue.read_text()
    for marker, value in {"__MODEL__": model.url, "__PYTHON__": sys.executable,
                          "__MCP_SERVER__": str(HERE / "mcp_server.py"),
                          "__STDIO_SHA256__": stdio_hash,
                          "__MCP_LOG__": str(probe.log.path)}.items():
        text = text.replace(marker, value)
    catalogue.write_text(text)
    subprocess.run(["git", "init", "-q", str(root)], check=True)  # the GitOps layout
    homes = base / "homes"
    homes.mkdir()
    project = Deployed(root, homes, npm_bin)
    applied = run_process([AGENTCTL, "-C", str(root), "apply", "-y"],
                          project.environment(project.fresh_home()), 300)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    return project
