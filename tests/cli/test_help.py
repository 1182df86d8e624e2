"""Every verb's ``--help`` as people read it: no Python types (``<bool>`` on a plain flag
invites ``status --json true``; ``<list[str]>``, ``<str>``, ``<path>``), value names in
capitals, and whole sentences."""

from __future__ import annotations

import re

import pytest

from tests.commands.test_terminal import COMMANDS
from tests.conftest import run_cli

PYTHON_TYPES = re.compile(r"<(bool|str|int|path|Path|list\[[^\]]*\])>")


def help_of(*path: str) -> str:
    done = run_cli(*path, "--help", env={"COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("path", [(), *COMMANDS], ids=lambda p: " ".join(p) or "agentctl")
def test_help_shows_no_python_types(path: tuple[str, ...]) -> None:
    text = help_of(*path)
    assert not PYTHON_TYPES.findall(text), text


def test_flags_and_values_read_as_meant() -> None:
    text = help_of("status")
    assert re.search(r"--json\s+Print the status as JSON", text), text
    text = help_of("destroy")
    assert "[AGENT]..." in text and re.search(r"AGENT\s+Agents to tear down, any number", text)
    assert re.search(r"--target\s+TARGET\s", text)
    assert re.search(r"--data\s+-d\s+KEY=VALUE\s+Answer a template question \(repeatable\)",
                     help_of("init"))
    assert re.search(r"--directory\s+-C\s+DIR\s", help_of())


def test_skills_validate_help_is_a_sentence() -> None:
    text = " ".join(help_of("skills", "validate").split())
    assert "errors break rendering, warnings the spec" not in text
    assert ("errors block rendering; warnings flag what the spec advises against but "
            "rendering accepts") in text
