"""``agentctl secrets status / set / get / rm`` through the installed CLI.

The keyring is :class:`tests.file_keyring.FileKeyring` (a JSON file), so values outlive
each subprocess; ``tests/acceptance/test_keyring.py`` repeats the story against a real
Secret Service.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_SECRETS, ROOT, run_cli

VALUE = "ghp_stored-through-stdin-91f3"


@pytest.fixture
def keyring_env(tmp_path: Path) -> dict[str, str]:
    """Environment selecting the file-backed test keyring at ``tmp_path/keyring.json``."""
    return {
        "PYTHON_KEYRING_BACKEND": "tests.file_keyring.FileKeyring",
        "PYTHONPATH": str(ROOT),
        "AGENTCTL_TEST_KEYRING": str(tmp_path / "keyring.json"),
    }


def stored(env: dict[str, str]) -> dict[str, str]:
    path = Path(env["AGENTCTL_TEST_KEYRING"])
    return dict(json.loads(path.read_text())) if path.exists() else {}


def secrets(example: Path, env: dict[str, str], *args: str, stdin: str = "",
            **extra: str) -> tuple[int, str, str]:
    result = run_cli("-C", str(example), "secrets", *args, env={**env, **extra}, stdin=stdin)
    assert "Traceback" not in result.stderr
    return result.returncode, result.stdout, result.stderr


def test_set_get_rm_round_trip(example: Path, keyring_env: dict[str, str]) -> None:
    code, out, err = secrets(example, keyring_env, "set", "github-pat", stdin=VALUE + "\n")
    assert code == 0, err
    assert "service 'agentctl', user 'github-pat'" in out
    assert "tests.file_keyring.FileKeyring" in out
    assert stored(keyring_env) == {"agentctl\0github-pat": VALUE}  # one trailing LF dropped

    code, out, err = secrets(example, keyring_env, "get", "github-pat")
    assert code == 0 and "is set (from keyring service 'agentctl' user 'github-pat')" in out
    assert VALUE not in out + err

    code, out, _ = secrets(example, keyring_env, "get", "github-pat", "--reveal")
    assert code == 0 and out == VALUE + "\n"

    code, out, _ = secrets(example, keyring_env, "rm", "github-pat")
    assert code == 0 and "Removed github-pat" in out
    assert stored(keyring_env) == {}
    code, out, _ = secrets(example, keyring_env, "rm", "github-pat")
    assert code == 0 and "nothing to remove" in out

    code, out, err = secrets(example, keyring_env, "get", "github-pat")
    assert code == 1
    assert "env FLEET_GITHUB_PAT (not set); keyring service 'agentctl' user 'github-pat' " \
           "(not set)" in err


def test_set_uses_the_credentials_keyring_location(example: Path,
                                                    keyring_env: dict[str, str]) -> None:
    code, _, err = secrets(example, keyring_env, "set", "release-oauth", stdin="tok-oauth-1")
    assert code == 0, err
    assert stored(keyring_env) == {"agentctl\0release-bot": "tok-oauth-1"}


def test_multiline_value_is_kept_whole(example: Path, keyring_env: dict[str, str]) -> None:
    pem = "-----BEGIN KEY-----\nabc\r\ndef\n-----END KEY-----"
    code, _, err = secrets(example, keyring_env, "set", "github-pat", stdin=pem + "\n")
    assert code == 0, err
    assert stored(keyring_env)["agentctl\0github-pat"] == pem


def test_env_override_wins_and_set_warns(example: Path, keyring_env: dict[str, str]) -> None:
    code, _, err = secrets(example, keyring_env, "set", "github-pat", stdin="from-keyring-1",
                           FLEET_GITHUB_PAT="from-env-2")
    assert code == 0 and "FLEET_GITHUB_PAT is set in this environment and overrides" in err
    code, out, _ = secrets(example, keyring_env, "get", "github-pat",
                           FLEET_GITHUB_PAT="from-env-2")
    assert "(from env FLEET_GITHUB_PAT)" in out
    code, out, _ = secrets(example, keyring_env, "get", "github-pat", "--reveal",
                           FLEET_GITHUB_PAT="from-env-2")
    assert out == "from-env-2\n"
    code, out, _ = secrets(example, keyring_env, "get", "github-pat", "--reveal",
                           FLEET_GITHUB_PAT="")  # empty counts as unset
    assert out == "from-keyring-1\n"


@pytest.mark.parametrize(("stdin", "message"), [
    ("", "the value for 'github-pat' is empty; nothing was stored"),
    ("\n", "the value for 'github-pat' is empty; nothing was stored"),
    ("ab\x00cd-secret", "contains a NUL character"),
])
def test_set_refuses_bad_values(example: Path, keyring_env: dict[str, str], stdin: str,
                                message: str) -> None:
    code, _, err = secrets(example, keyring_env, "set", "github-pat", stdin=stdin)
    assert code == 1 and "error[E404]" in err and message in err
    assert "cd-secret" not in err
    assert stored(keyring_env) == {}


@pytest.mark.parametrize("argv", [["github-pat", "s3cret-on-argv"],
                                  ["github-pat", "--value=s3cret-on-argv"],
                                  ["github-pat", "--value", "s3cret-on-argv", "more"]])
def test_value_is_never_taken_from_argv_nor_echoed(example: Path, keyring_env: dict[str, str],
                                                   argv: list[str]) -> None:
    code, out, err = secrets(example, keyring_env, "set", *argv)
    assert code == 64 and "never in argv" in err  # a usage error
    assert "s3cret-on-argv" not in out + err
    assert stored(keyring_env) == {}


def test_a_value_given_as_the_name_is_not_echoed(example: Path,
                                                 keyring_env: dict[str, str]) -> None:
    code, out, err = secrets(example, keyring_env, "set", "ghp_S3cretValue", stdin="x")
    assert code == 1 and "error[E403]" in err and "the name given is not shown" in err
    assert "S3cretValue" not in out + err
    assert stored(keyring_env) == {}


@pytest.mark.parametrize("verb", [["set", "github-pt"], ["get", "github-pt"],
                                  ["rm", "github-pt"]])
def test_unknown_name_says_did_you_mean(example: Path, keyring_env: dict[str, str],
                                        verb: list[str]) -> None:
    code, _, err = secrets(example, keyring_env, *verb, stdin="x-value")
    assert code == 1
    assert "error[E403] unknown credential 'github-pt'" in err
    assert "Did you mean 'github-pat'?" in err
    assert stored(keyring_env) == {}


def test_status_per_agent_and_exit_code(example: Path, keyring_env: dict[str, str]) -> None:
    partial = {k: v for k, v in EXAMPLE_SECRETS.items() if k != "FLEET_SENTRY_TOKEN"}
    code, out, err = secrets(example, keyring_env, "status", **partial)
    assert code == 1
    assert "keyring backend: tests.file_keyring.FileKeyring" in out
    assert "agent on-call" in out
    assert "found   github-pat → AGENTCTL_MCP_GITHUB_TOKEN  (from env FLEET_GITHUB_PAT)" in out
    assert ("missing sentry-token → AGENTCTL_MCP_SENTRY_TOKEN  (looked in env "
            "FLEET_SENTRY_TOKEN (not set); keyring service 'agentctl' user 'sentry-token' "
            "(not set))") in out
    assert "1 credential(s) without a value: sentry-token" in err

    assert secrets(example, keyring_env, "set", "sentry-token", stdin="sentry-9")[0] == 0
    code, out, _ = secrets(example, keyring_env, "status", **partial)
    assert code == 0, out
    assert "found   sentry-token → AGENTCTL_MCP_SENTRY_TOKEN  (from keyring service " \
           "'agentctl' user 'sentry-token')" in out

    code, out, _ = secrets(example, keyring_env, "status", "--json", **partial)
    doc = json.loads(out)
    assert code == 0 and doc["missing"] == []
    (sentry,) = [c for c in doc["credentials"] if c["name"] == "sentry-token"]
    assert sentry["status"] == "found"
    assert sentry["keyring"] == {"service": "agentctl", "username": "sentry-token"}
    assert {"agent": "on-call", "variable": "AGENTCTL_MCP_SENTRY_TOKEN"} in sentry["agents"]
    assert "sentry-9" not in out


def test_no_keyring_backend_is_one_clear_message(example: Path) -> None:
    for verb, attempted in ((["set", "github-pat"], "store"), (["rm", "github-pat"], "read")):
        result = run_cli("-C", str(example), "secrets", *verb, stdin="value-1234")
        assert result.returncode == 1
        assert f"error: cannot {attempted} secrets: " in result.stderr
        assert "no keyring backend is available (keyring chose " \
               "keyring.backends.fail.Keyring)" in result.stderr
        assert "PYTHON_KEYRING_BACKEND" in result.stderr
        assert "gnome-keyring-daemon --unlock" in result.stderr
        assert "value-1234" not in result.stderr
        assert result.stderr.count("error") == 1


def test_no_keyring_names_what_is_missing_and_the_fix(example: Path) -> None:
    """Reading with no keyring: each needed credential without a value is named with its
    variable and the places looked; the keyring is named once with its fix."""
    got = run_cli("-C", str(example), "secrets", "get", "github-pat")
    assert got.returncode == 1
    assert ("github-pat has no value; looked in env FLEET_GITHUB_PAT (not set); keyring "
            "service 'agentctl' user 'github-pat' (unavailable)") in got.stderr
    assert "keyring is unavailable: no keyring backend is available" in got.stderr
    assert "gnome-keyring-daemon --unlock" in got.stderr

    two_of_three = {k: EXAMPLE_SECRETS[k] for k in ("FLEET_ANTHROPIC_API_KEY",
                                                    "FLEET_GITHUB_PAT")}
    status = run_cli("-C", str(example), "secrets", "status", env=two_of_three)
    assert status.returncode == 1
    assert "found   github-pat → AGENTCTL_MCP_GITHUB_TOKEN  (from env FLEET_GITHUB_PAT)" \
        in status.stdout
    assert ("missing sentry-token → AGENTCTL_MCP_SENTRY_TOKEN  (looked in env "
            "FLEET_SENTRY_TOKEN (not set); keyring service 'agentctl' user 'sentry-token' "
            "(unavailable))") in status.stdout
    assert status.stderr.count("secret backend 'keyring' is unavailable: no keyring") == 1
    assert "without a value: gemini-api, openai-api, release-oauth, sentry-token" \
        in status.stderr

    plan = run_cli("-C", str(example), "plan", env=two_of_three)
    assert plan.returncode == 1
    assert ("error[E401] agents[on-call]: credential 'sentry-token' (AGENTCTL_MCP_SENTRY_TOKEN,"
            " MCP server sentry) has no value: looked in env FLEET_SENTRY_TOKEN (not set); "
            "keyring service 'agentctl' user 'sentry-token' (unavailable)") in plan.stderr
    assert "or export FLEET_SENTRY_TOKEN. Unavailable: keyring (see E405)." in plan.stderr
    assert plan.stderr.count("error[E405] secret_backends[keyring]: secret backend "
                             "'keyring' is unavailable: no keyring backend") == 1
    assert "Credentials it was asked for: gemini-api, openai-api, release-oauth, " \
        "sentry-token." in plan.stderr
    assert "cannot read secrets" not in plan.stderr
    assert not (example / "deploy").exists()


def test_status_judges_only_what_agents_need(example: Path) -> None:
    """A credential no agent uses is listed, never looked up, never failed on."""
    extra = example / "catalogue" / "unused.yaml"
    extra.write_text("credentials:\n  - {name: spare-token, kind: bearer, env: SPARE_TOKEN}\n")
    result = run_cli("-C", str(example), "secrets", "status", env=EXAMPLE_SECRETS)
    assert result.returncode == 0, result.stderr
    assert "credentials no agent needs (not looked up)\n  spare-token\n" in result.stdout
    assert "keyring backend" not in result.stdout  # the keyring was never needed
    doc = json.loads(run_cli("-C", str(example), "secrets", "status", "--json",
                             env=EXAMPLE_SECRETS).stdout)
    (spare,) = [c for c in doc["credentials"] if c["name"] == "spare-token"]
    assert spare["status"] == "unused" and spare["looked"] == []


def _converse(argv: list[str], env: dict[str, str], replies: list[tuple[str, str]]) -> tuple[
        int, str]:
    """Run ``argv`` on a new pseudo-terminal (its controlling terminal), answer each prompt
    that appears with its reply, and return the exit code and the whole transcript."""
    import os
    import pty
    import select
    import termios
    import time

    pid, fd = pty.fork()
    if pid == 0:  # the child: exec at once, nothing else
        os.execve(argv[0], argv, env)
    transcript = b""
    pending = list(replies)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            transcript += chunk
        # Answer once the prompt shows and the terminal stopped echoing (hidden input).
        if pending and pending[0][0].encode() in transcript.rsplit(b"\n", 1)[-1] \
                and not termios.tcgetattr(fd)[3] & termios.ECHO:
            os.write(fd, pending.pop(0)[1].encode() + b"\r")
            transcript += b"\n"  # so the same prompt asked again is a new last line
    else:
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), transcript.decode("utf-8", "replace")


def test_set_on_a_terminal_prompts_hidden_twice(example: Path,
                                                keyring_env: dict[str, str]) -> None:
    import os

    from tests.conftest import AGENTCTL

    env = {**{k: v for k, v in os.environ.items() if k not in EXAMPLE_SECRETS},
           **keyring_env, "NO_COLOR": "1"}
    argv = [AGENTCTL, "-C", str(example), "secrets", "set", "github-pat"]
    code, transcript = _converse(argv, env, [
        ("Value for github-pat:", "typed-secret-1"),
        ("Repeat for confirmation:", "typed-secret-2"),  # a mismatch asks again
        ("Value for github-pat:", "typed-secret-3"),
        ("Repeat for confirmation:", "typed-secret-3"),
    ])
    assert code == 0, transcript
    assert "do not match" in transcript
    assert "typed-secret" not in transcript  # nothing typed is echoed
    assert "Stored github-pat in the keyring" in transcript
    assert stored(keyring_env) == {"agentctl\0github-pat": "typed-secret-3"}
