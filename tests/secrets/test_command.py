"""The ``command`` backend against real subprocesses: no shell, stdin closed, its own
session killed on timeout, output capped, stderr never shown, trust required."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from agentctl.secrets import get_backend
from agentctl.secrets.base import BackendContext, BackendUnavailable, SourceRef
from agentctl.secrets.process import ProgramFailed, run

TRUST = {"AGENTCTL_TRUST_COMMANDS": "all", "PATH": os.environ.get("PATH", "")}


def ref(*argv: str, env: dict[str, str] | None = None, **params: object) -> SourceRef:
    return SourceRef("api-key", "command", {"argv": list(argv), **params},
                     BackendContext(None, TRUST if env is None else env))


def py(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_stdout_minus_one_newline_and_name_placeholder() -> None:
    cmd = get_backend("command")
    assert cmd.get(ref(*py("import sys; print('v-' + sys.argv[1])"), "{name}")) == "v-api-key"
    assert cmd.get(ref(*py("print('two\\n')"))) == "two\n"
    assert cmd.get(ref(*py("pass"))) is None  # empty output: not set
    # no shell: metacharacters are plain arguments
    assert cmd.get(ref(*py("import sys; print(sys.argv[1])"), "$(id) ; `x` {name}")) \
        == "$(id) ; `x` api-key"
    assert cmd.where(ref("op", "read", "op://v/{name}/credential")) == \
        "command 'op read op://v/api-key/credential'"


def test_untrusted_commands_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    argv = py(f"open({str(marker)!r}, 'w').write('x'); print('v')")
    cmd = get_backend("command")
    for env in ({}, {"AGENTCTL_TRUST_COMMANDS": "op,vault"}):
        with pytest.raises(BackendUnavailable, match="AGENTCTL_TRUST_COMMANDS") as info:
            cmd.get(ref(*argv, env=env))
        assert f"AGENTCTL_TRUST_COMMANDS={sys.executable}" in str(info.value)
    # a program is allowed by its argv[0] exactly: a same-named one elsewhere is not
    with pytest.raises(BackendUnavailable, match="does not allow"):
        cmd.get(ref(*argv, env={"AGENTCTL_TRUST_COMMANDS": os.path.basename(sys.executable)}))
    assert not marker.exists()
    allowed = {"AGENTCTL_TRUST_COMMANDS": f"op:{sys.executable}"}
    assert cmd.get(ref(*argv, env=allowed)) == "v" and marker.exists()


def test_a_trusted_subcommand_allows_only_argv_starting_with_it(tmp_path: Path) -> None:
    """``AGENTCTL_TRUST_COMMANDS='prog show'`` runs ``prog show …`` and nothing else of
    ``prog``: a catalogue cannot turn a trusted read into another subcommand."""
    marker = tmp_path / "ran"
    tool = tmp_path / "tool.py"
    tool.write_text(f"import sys\nopen({str(marker)!r}, 'a').write(sys.argv[1])\nprint('v')\n")
    cmd = get_backend("command")
    env = {"AGENTCTL_TRUST_COMMANDS": f"{sys.executable} {tool} show, op read"}
    assert cmd.get(ref(sys.executable, str(tool), "show", env=env)) == "v"
    with pytest.raises(BackendUnavailable, match="does not allow") as info:
        cmd.get(ref(sys.executable, str(tool), "rm", env=env))
    assert marker.read_text() == "show"
    assert "to allow only that subcommand" in str(info.value)
    # an entry a shell could not split matches nothing (and is no error)
    with pytest.raises(BackendUnavailable, match="does not allow"):
        cmd.get(ref(sys.executable, str(tool), "show",
                    env={"AGENTCTL_TRUST_COMMANDS": "'unclosed"}))


def test_stdin_is_closed() -> None:
    code = "import sys; print('eof' if sys.stdin.read() == '' else 'data')"
    assert get_backend("command").get(ref(*py(code))) == "eof"


def test_failure_never_shows_stderr() -> None:
    code = "import sys; sys.stderr.write('leaked-canary-77'); sys.exit(3)"
    with pytest.raises(BackendUnavailable) as info:
        get_backend("command").get(ref(*py(code)))
    assert "exited with status 3" in str(info.value)
    assert "16 bytes on stderr, not shown" in str(info.value)
    assert "leaked-canary-77" not in str(info.value)
    assert get_backend("command").get(ref(*py("import sys; sys.exit(4)"), not_set_exit=4)) \
        is None


def test_missing_program() -> None:
    with pytest.raises(BackendUnavailable, match="'/nonexistent/op' was not found"):
        get_backend("command").get(ref("/nonexistent/op"))


def test_timeout_kills_the_whole_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    code = ("import subprocess, sys, time; "
            "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
            f"open({str(pidfile)!r}, 'w').write(str(p.pid)); time.sleep(60)")
    started = time.monotonic()
    with pytest.raises(ProgramFailed, match=r"did not finish within 0\.5 s"):
        run(py(code), TRUST, timeout=0.5)
    assert time.monotonic() - started < 10
    child = int(pidfile.read_text())
    for _ in range(50):  # the grandchild got SIGKILL with its group
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the program's child outlived the timeout")


def test_output_is_capped() -> None:
    with pytest.raises(ProgramFailed, match="more than 65536 bytes"):
        run(py("import sys; sys.stdout.write('x' * 200000)"), TRUST)
    with pytest.raises(BackendUnavailable, match="not UTF-8"):
        get_backend("command").get(ref(*py("import sys; sys.stdout.buffer.write(b'\\xff')")))


def test_runs_in_the_project_root(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    script = tmp_path / "bin" / "fleet-secret"
    script.write_text("#!/bin/sh\nprintf 'from-script-%s\\n' \"$1\"\n")
    script.chmod(0o755)
    source = SourceRef("api-key", "command", {"argv": ["./bin/fleet-secret", "{name}"]},
                       BackendContext(tmp_path, {"AGENTCTL_TRUST_COMMANDS": "./bin/fleet-secret"}))
    assert get_backend("command").get(source) == "from-script-api-key"
