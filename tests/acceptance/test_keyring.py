"""Secrets through a real Secret Service (gnome-keyring on a private D-Bus session).

``.ci/run`` runs the suite under ``scripts/with-keyring`` and sets
``AGENTCTL_REQUIRE_KEYRING=1``, which turns "no Secret Service reachable" from a skip into
a failure. On a laptop without that variable these tests skip unless a Secret Service
already owns ``org.freedesktop.secrets``; they then write only under a keyring service
name unique to the run, and delete it afterwards.

The locked-keyring test starts its own nested session (``scripts/with-keyring``), since
a locked collection cannot be unlocked again without a prompt.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.acceptance.test_envfile_compose import compose_environments
from tests.conftest import ROOT, ProjectFactory, run_cli, tree_bytes

pytestmark = pytest.mark.acceptance

SECRET_SERVICE = "keyring.backends.SecretService.Keyring"
WITH_KEYRING = ROOT / "scripts" / "with-keyring"
API_KEY = "sk-ant-real-keyring-\"q\" $HOME \\ #1 ünï"
PAT = "-----BEGIN TOKEN-----\nghp_realKeyring0a1\r\n$${X}\n-----END TOKEN-----"
PAT_ROTATED = PAT.replace("0a1", "0a2")


def _unavailable() -> str | None:
    """Why no Secret Service can be used now, or None when one owns its bus name."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset)"
    if shutil.which("secret-tool") is None:
        return "secret-tool is not installed (Debian package libsecret-tools)"
    from contextlib import closing

    import secretstorage
    from jeepney.bus_messages import message_bus

    try:
        with closing(secretstorage.dbus_init()) as conn:
            reply = conn.send_and_get_reply(message_bus.NameHasOwner("org.freedesktop.secrets"))
    except Exception as exc:
        return f"the D-Bus session bus is unreachable ({exc})"
    if not reply.body[0]:
        return "no Secret Service owns org.freedesktop.secrets on the session bus"
    return None


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("AGENTCTL_REQUIRE_KEYRING") == "1":
        pytest.fail(f"AGENTCTL_REQUIRE_KEYRING=1 but {reason}; run under scripts/with-keyring")
    pytest.skip(f"{reason}; run `scripts/with-keyring make test` to include these tests")


@pytest.fixture
def service() -> Iterator[str]:
    """A keyring service name unique to this test, cleared afterwards."""
    reason = _unavailable()
    if reason:
        _skip_or_fail(reason)
    name = f"agentctl-acceptance-{uuid.uuid4().hex[:8]}"
    yield name
    subprocess.run(["secret-tool", "clear", "service", name], check=False)


def catalogue(service: str) -> str:
    return f"""\
credentials:
  - name: anthropic-api
    kind: api_key
    keyring: {{service: {service}}}
  - name: github-pat
    kind: bearer
    keyring: {{service: {service}, username: gh-bot}}
providers:
  - {{name: anthropic, backend: anthropic, credential: anthropic-api}}
models:
  - {{name: sonnet, provider: anthropic, provider_model: claude-sonnet-4-5}}
mcp_servers:
  - name: github
    transport: http
    url: https://api.githubcopilot.com/mcp/
    credential: github-pat
    tools: [get_issue]
agents:
  - name: reviewer
    runtime: claude-code
    model: sonnet
    instructions: Review pull requests.
    mcp_servers: [github]
  - name: notes
    runtime: claude-code
    model: sonnet
    instructions: Keep notes.
"""


def secret_tool_store(service: str, user: str, value: str) -> None:
    subprocess.run(["secret-tool", "store", "--label", f"{service} {user}", "service", service,
                    "username", user], input=value.encode(), check=True, timeout=30)


REAL = {"PYTHON_KEYRING_BACKEND": SECRET_SERVICE}


def test_keyring_values_land_in_the_right_env_files_and_rotate(
    make_project: ProjectFactory, service: str
) -> None:
    root = make_project({"catalogue/fleet.yaml": catalogue(service)})
    stored = run_cli("-C", str(root), "secrets", "set", "anthropic-api", env=REAL,
                     stdin=API_KEY + "\n")
    assert stored.returncode == 0, stored.stderr
    assert f"service '{service}', user 'anthropic-api', backend {SECRET_SERVICE}" in stored.stdout
    secret_tool_store(service, "gh-bot", PAT)

    status = run_cli("-C", str(root), "secrets", "status", env=REAL)
    assert status.returncode == 0, status.stdout + status.stderr
    assert f"found   github-pat → AGENTCTL_MCP_GITHUB_TOKEN  (from keyring service " \
           f"'{service}' user 'gh-bot')" in status.stdout

    applied = run_cli("-C", str(root), "apply", "-y", env=REAL)
    assert applied.returncode == 0, applied.stderr
    envs = compose_environments(root / "deploy/compose.yaml")
    assert envs["reviewer"]["ANTHROPIC_API_KEY"] == API_KEY
    assert envs["reviewer"]["AGENTCTL_MCP_GITHUB_TOKEN"] == PAT
    assert envs["notes"]["ANTHROPIC_API_KEY"] == API_KEY
    assert "AGENTCTL_MCP_GITHUB_TOKEN" not in envs["notes"]
    for rel, data in tree_bytes(root).items():
        if not rel.startswith("deploy/env/"):
            for value in (API_KEY, PAT, *PAT.splitlines()):
                assert value.encode() not in data, rel

    # Rotate the token in the keyring: plan names the variable, apply rewrites one file.
    secret_tool_store(service, "gh-bot", PAT_ROTATED)
    planned = run_cli("-C", str(root), "plan", "--detailed-exitcode", env=REAL)
    assert planned.returncode == 2, planned.stderr
    assert "~ update deploy/env/reviewer.env (change AGENTCTL_MCP_GITHUB_TOKEN)" in planned.stdout
    assert "Plan: 0 to create, 1 to update, 0 to delete, 0 drifted." in planned.stdout
    assert "ghp_realKeyring" not in planned.stdout + planned.stderr
    before = tree_bytes(root)
    rotated = run_cli("-C", str(root), "apply", "-y", env=REAL)
    assert rotated.returncode == 0, rotated.stderr
    after = tree_bytes(root)
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    assert changed == {"deploy/env/reviewer.env"}  # the ledger keeps names, not values
    assert compose_environments(root / "deploy/compose.yaml")["reviewer"][
        "AGENTCTL_MCP_GITHUB_TOKEN"] == PAT_ROTATED
    assert "ghp_realKeyring" not in rotated.stdout + rotated.stderr

    removed = run_cli("-C", str(root), "secrets", "rm", "github-pat", env=REAL)
    assert removed.returncode == 0 and "Removed github-pat" in removed.stdout
    missing = run_cli("-C", str(root), "plan", env=REAL)
    assert missing.returncode == 1
    assert f"keyring service '{service}' user 'gh-bot' (not set)" in missing.stderr


def test_locked_keyring_names_what_it_blocks_and_writes_nothing(
    make_project: ProjectFactory, tmp_path: Path
) -> None:
    """In a nested private session: store, lock the collection, then apply."""
    for tool in ("dbus-run-session", "gnome-keyring-daemon", "secret-tool"):
        if shutil.which(tool) is None:
            _skip_or_fail(f"{tool} is not installed (Debian: dbus, gnome-keyring, "
                          "libsecret-tools)")
    root = make_project({"catalogue/fleet.yaml": catalogue("agentctl")})
    lock = ("import secretstorage; c = secretstorage.get_default_collection("
            "secretstorage.dbus_init()); c.lock(); assert c.is_locked()")
    script = (
        f"printf %s '{PAT}' | secret-tool store --label t service agentctl username gh-bot"
        f" && printf %s key-1234 | secret-tool store --label t service agentctl "
        f"username anthropic-api && {sys.executable} -c '{lock}' && "
        f"PYTHON_KEYRING_BACKEND={SECRET_SERVICE} NO_COLOR=1 "
        f"{Path(sys.executable).parent / 'agentctl'} -C {root} apply -y"
    )
    result = subprocess.run([str(WITH_KEYRING), "bash", "-c", script], capture_output=True,
                            text=True, timeout=120, stdin=subprocess.DEVNULL, check=False)
    stderr = "\n".join(line for line in result.stderr.splitlines()
                       if "dbus-daemon" not in line and "gcr-prompter" not in line
                       and "Gtk-WARNING" not in line and line.strip())
    assert result.returncode == 1, result.stdout + result.stderr
    assert stderr.count(f"error[E405] secret_backends[keyring]: secret backend 'keyring' is "
                        f"unavailable: the keyring ({SECRET_SERVICE}) is locked and could "
                        "not be unlocked.") == 1, stderr
    assert "Credentials it was asked for: anthropic-api, github-pat." in stderr
    for name in ("anthropic-api", "github-pat"):  # each named, with its variable
        assert f"error[E401] agents[reviewer]: credential '{name}' (" in stderr
    assert "Nothing was written" in stderr
    assert "Traceback" not in stderr and "ghp_" not in stderr
    assert not (root / "deploy").exists()


@pytest.mark.parametrize(("env", "expected"), [
    ({"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"},
     "no keyring backend is available (keyring chose keyring.backends.fail.Keyring)"),
    ({"PYTHON_KEYRING_BACKEND": SECRET_SERVICE,
      "DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/agentctl-bus"},
     "is the D-Bus session bus at unix:path=/nonexistent/agentctl-bus running?"),
])
def test_missing_backend_or_bus_is_named_once_and_nothing_written(
    make_project: ProjectFactory, env: dict[str, str], expected: str
) -> None:
    root = make_project({"catalogue/fleet.yaml": catalogue("agentctl")})
    for verb in (["apply", "-y"], ["plan"], ["secrets", "status"]):
        result = run_cli("-C", str(root), *verb, env=env)
        assert result.returncode == 1
        assert result.stderr.count(expected) == 1, result.stderr  # the keyring, once
        assert "PYTHON_KEYRING_BACKEND" in result.stderr
        assert "Traceback" not in result.stderr
        if verb[0] == "secrets":
            assert "without a value: anthropic-api, github-pat" in result.stderr
        else:
            assert "credential 'github-pat' (AGENTCTL_MCP_GITHUB_TOKEN" in result.stderr
        assert not (root / "deploy").exists() and not (root / ".agentctl/state.json").exists()
