"""Claude Code's compose service starts at its prompt, without a trust dialog.

The service's command is run here as the container would run it: its first step (the
seed of ``~/.claude.json``) as rendered, then the pinned Claude Code (the same release
``npx`` would fetch) in a pseudo-terminal, in the workspace, with a fresh HOME, the
service environment and the env file. The screen must reach the input prompt without
the trust dialog or the API-key question; without the trust entry (the control) the
dialog is what it shows.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios
import time
from pathlib import Path

import pytest
import yaml

from agentctl.runtimes.claude_code import NPM_PACKAGE
from agentctl.support.envfile import parse_env_file
from tests.acceptance.conftest import Deployed

pytestmark = pytest.mark.acceptance

#: Screen text (all whitespace removed: the TUI moves the cursor instead of printing
#: spaces) of the prompt's status line, the trust dialog and the API-key question.
PROMPT, TRUST, API_KEY = "←foragents", "Quicksafetycheck", "DetectedacustomAPIkey"


def screen_until(argv: list[str], cwd: Path, env: dict[str, str], timeout: float = 90) -> str:
    """Run ``argv`` on a pseudo-terminal until one of the known screens shows (or
    ``timeout`` seconds pass); the screen's text without escapes or whitespace."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave,
                            start_new_session=True)
    os.close(slave)
    raw, text = b"", ""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and not any(m in text for m in (PROMPT, TRUST,
                                                                           API_KEY)):
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    raw += os.read(master, 65536)
                except OSError:
                    break
                plain = re.sub(rb"\x1b\[[0-9;?<>=]*[A-Za-z~]|\x1b\][^\x07]*\x07|\x1b.", b"", raw)
                text = re.sub(r"\s+", "", plain.decode(errors="replace"))
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        os.close(master)
    return text


def service_setup(deployed: Deployed, npm_bin: Path) -> tuple[list[str], list[str], dict[str, str]]:
    """(seed step, the CLI, environment) of the rendered ``claude`` service, here."""
    compose = yaml.safe_load((deployed.output / "compose.yaml").read_text())
    service = compose["services"]["claude"]
    command = [part.replace("$$", "$") for part in service["command"]]
    assert command[-3:-1] == ["npx", "--yes"] and command[-1].startswith(NPM_PACKAGE + "@")
    workspace = str(deployed.workspace("claude"))
    env = {"PATH": f"{npm_bin}{os.pathsep}{os.environ.get('PATH', '')}",
           "HOME": str(deployed.fresh_home()), "LANG": "C.UTF-8", "TERM": "xterm-256color"}
    for key, value in service["environment"].items():
        value = str(value).replace("$$", "$")
        env[key] = workspace + value[len("/workspace"):] if value.startswith(
            "/workspace") else value
    values = parse_env_file((deployed.output / "env" / "claude.env").read_bytes())
    assert values is not None
    env.update(values)
    return command[:-3], [str(npm_bin / "claude")], env


def test_service_starts_at_the_prompt(deployed: Deployed, npm_bin: Path) -> None:
    seed, claude, env = service_setup(deployed, npm_bin)
    screen = screen_until([*seed, *claude], deployed.workspace("claude"), env)
    assert PROMPT in screen and TRUST not in screen and API_KEY not in screen, screen[-2000:]


def test_without_the_trust_entry_the_dialog_shows(deployed: Deployed, npm_bin: Path) -> None:
    seed, claude, env = service_setup(deployed, npm_bin)
    subprocess.run([*seed, "true"], cwd=deployed.workspace("claude"), env=env, check=True,
                   timeout=60)
    config = Path(env["HOME"]) / ".claude.json"
    doc = json.loads(config.read_text())
    del doc["projects"]
    config.write_text(json.dumps(doc))
    screen = screen_until(claude, deployed.workspace("claude"), env)
    assert TRUST in screen, screen[-2000:]
