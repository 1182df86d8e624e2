"""Stage 5, apply: carry out a :class:`~agentctl.plan.Plan`.

Writes are atomic (temp file in the same folder, rename) with exact modes. Each agent's
files are one group (:func:`agentctl.apply.groupwrite.write_group`): staged before any is moved
into place, the replaced files kept until the last one lands, so a failure puts the
group back as it was. Deletes touch only files in the ledger. Lifecycle transitions
follow the seed's ``mark_*`` methods. The caller holds :func:`apply_lock`.

Crash safety: before the first file is written, one ledger save marks every agent about
to change ``provisioning`` and records the write-ahead intent (``Ledger.pending``, the
sha256 each file is about to get). After a kill -9 every file is its old or its new
version; the next plan counts a file holding its intended bytes as agentctl's own (an
``update`` that brings the ledger up to date, never ``drift``), and the next apply first
removes the temp files the killed one left in those folders. The ledger is checkpointed
while a large apply runs and saved once more at the end, which clears the intent.

A full or read-only file system stops the apply at the first file it refuses (every
other write would fail alike): agents not yet reached keep their previous state, the
ledger is saved when it still can be, and :class:`~agentctl.support.fsutil.FileSystemError`
says what happened. Errors of one file (an immutable file, a folder in the way) fail
only that file's agent.
"""

from __future__ import annotations

from agentctl.apply.execute import CHECKPOINT_SECONDS, ApplyResult, apply_plan
from agentctl.apply.guards import (
    CACHE_DIR,
    LOCK_FILE,
    apply_lock,
    check_writable,
    in_output,
    refuse_drift,
    refuse_if_changed,
    sweep_stray_temps,
)
from agentctl.plan.saved import ApplyRefused

__all__ = [
    "CACHE_DIR",
    "CHECKPOINT_SECONDS",
    "LOCK_FILE",
    "ApplyRefused",
    "ApplyResult",
    "apply_lock",
    "apply_plan",
    "check_writable",
    "in_output",
    "refuse_drift",
    "refuse_if_changed",
    "sweep_stray_temps",
]
