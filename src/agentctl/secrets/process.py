"""Running a secret program (``pass``, ``op``, ``vault`` …) safely: an argv list and never
a shell, stdin closed (or fed the value to store), a session of its own so a timeout kills
the whole process group, and stdout capped. What the program prints is returned as bytes
and never logged; stderr is only counted, since it may echo the value.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from msgspec import Struct

#: Largest stdout accepted from a secret program, in bytes.
MAX_OUTPUT = 64 * 1024
#: Seconds a secret program may run.
DEFAULT_TIMEOUT = 30.0


class ProgramFailed(Exception):
    """The program could not be run or did not finish well; the message says which
    (not found, timed out, output too large) and never holds its output."""


class Finished(Struct, frozen=True):
    """A program's exit ``status``, its ``stdout`` and how many bytes of stderr it wrote."""

    status: int
    stdout: bytes
    stderr_bytes: int


def run(argv: Sequence[str], env: Mapping[str, str], *, stdin: bytes | None = None,
        timeout: float = DEFAULT_TIMEOUT, cap: int = MAX_OUTPUT,
        cwd: Path | None = None) -> Finished:
    """Run ``argv`` with ``env`` in ``cwd``; feed ``stdin`` (else stdin is /dev/null).

    Raises :class:`ProgramFailed` when the program is missing or not executable, runs
    longer than ``timeout`` seconds or writes more than ``cap`` bytes on stdout (its
    process group is killed in both cases).
    """
    try:
        proc = subprocess.Popen(
            list(argv), stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(env), cwd=cwd,
            start_new_session=True, close_fds=True)
    except FileNotFoundError:
        raise ProgramFailed(f"program '{argv[0]}' was not found; install it or put it "
                            "on PATH") from None
    except PermissionError:
        raise ProgramFailed(f"program '{argv[0]}' cannot be run (permission denied)") from None
    if stdin is not None and proc.stdin is not None:
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.write(stdin)
        proc.stdin.close()
    try:
        out, err = _collect(proc, time.monotonic() + timeout, cap, argv[0], timeout)
    except ProgramFailed:
        _kill(proc)
        raise
    return Finished(proc.wait(), out, err)


def _collect(proc: subprocess.Popen[bytes], deadline: float, cap: int, prog: str,
             timeout: float) -> tuple[bytes, int]:
    """Read stdout (up to ``cap``) and count stderr until both close or time runs out."""
    assert proc.stdout is not None and proc.stderr is not None
    out = bytearray()
    err = 0
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        sel.register(proc.stderr, selectors.EVENT_READ)
        while sel.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                raise ProgramFailed(f"program '{prog}' did not finish within {timeout:g} s "
                                    "and was stopped")
            for key, _ in sel.select(left):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    sel.unregister(key.fileobj)
                elif key.fileobj is proc.stdout:
                    out += chunk
                    if len(out) > cap:
                        raise ProgramFailed(f"program '{prog}' wrote more than {cap} bytes; "
                                            "point it at one secret")
                else:
                    err += len(chunk)
    try:
        proc.wait(max(deadline - time.monotonic(), 0.01))
    except subprocess.TimeoutExpired:
        raise ProgramFailed(f"program '{prog}' did not finish within {timeout:g} s and "
                            "was stopped") from None
    return bytes(out), err


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Kill ``proc``'s whole process group (its own session) and reap it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
    proc.wait()
