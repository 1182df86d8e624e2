"""The apply lock: one writer at a time, its holder named, released however it ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from agentctl.apply.lock import LockHeld, describe_holder, hold
from agentctl.support.fsutil import FileSystemError

HOLDER = """
import sys, time
from pathlib import Path
from agentctl.apply.lock import hold
with hold(Path(sys.argv[1]), "destroy"):
    print("holding", flush=True)
    time.sleep(60)
"""


def test_a_lock_held_by_another_process_names_it_until_that_process_is_killed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "apply.lock"
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline() == "holding\n"
        with pytest.raises(LockHeld) as held, hold(path, "apply"):
            pass
        assert held.value.holder.startswith(f"agentctl destroy (pid {child.pid} on ")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    with hold(path, "apply"):  # kill -9 leaves no stale lock: the kernel released it
        assert f'"pid": {os.getpid()}' in path.read_text()
    assert path.read_bytes() == b""


def test_an_unreadable_holder_is_another_run() -> None:
    assert describe_holder(b"") == "another agentctl run"
    assert describe_holder(b'{"verb": "apply"}') == "another agentctl run"
    assert describe_holder(b"\xff") == "another agentctl run"


def test_a_symlinked_lock_is_never_opened(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.write_text("keep\n")
    (tmp_path / "apply.lock").symlink_to(target)
    with pytest.raises(FileSystemError, match=r"cannot open the lock \(a symlink\)"), \
            hold(tmp_path / "apply.lock", "apply"):
        pass
    assert target.read_text() == "keep\n"
