"""Stage 5, apply: carry out a :class:`~agentctl.plan.Plan`.

Writes are atomic (temp file in the same folder, fsync, rename) with exact modes; each
agent's files are all staged before any is moved into place, so a failure leaves no
half-written file. Deletes touch only files in the ledger. Lifecycle transitions follow
the seed's ``mark_*`` methods and the ledger is saved after each agent, so an
interrupted apply never strands an agent mid-flow. The caller holds :func:`apply_lock`.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from agentctl.fsutil import (
    UnsafePathError,
    commit,
    confined,
    discard,
    prune_empty_dirs,
    sha256,
    stage,
)
from agentctl.ledger import AgentState, EnvRecord, FileRecord, Ledger
from agentctl.plan import AgentPlan, Plan, Write
from agentctl.project import Project

LEDGER_FILE = "state.json"
LOCK_FILE = "apply.lock"
#: Seconds between ledger checkpoints while a large apply writes workspaces.
CHECKPOINT_SECONDS = 5.0


class ApplyRefused(Exception):
    """Apply will not start (drift without --force, lock held). Nothing was written."""


@dataclass
class ApplyResult:
    """What apply did: counts per action and per-agent errors."""

    written: int = 0
    deleted: int = 0
    errors: dict[str, str] = field(default_factory=dict)


@contextlib.contextmanager
def apply_lock(project: Project) -> Iterator[None]:
    """Hold ``.agentctl/apply.lock`` for the duration; raise :class:`ApplyRefused` if taken."""
    from filelock import FileLock, Timeout

    project.state_dir.mkdir(parents=True, exist_ok=True)
    ignore = project.state_dir / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# agentctl's lock; the ledger (state.json) may be committed\n*.lock\n")
    lock = FileLock(str(project.state_dir / LOCK_FILE), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise ApplyRefused(
            f"another agentctl apply holds {project.state_dir / LOCK_FILE}; wait for it to "
            "finish (or remove the lock file if no agentctl is running)"
        ) from None
    try:
        yield
    finally:
        lock.release()


def ledger_path(project: Project) -> Path:
    """``.agentctl/state.json`` of ``project``."""
    return project.state_dir / LEDGER_FILE


def _write_group(project: Project, items: list[tuple[str, Write]], *,
                 durable: bool = True) -> None:
    """Stage every file of a group, then move them all into place.

    Everything that can fail (folders, permissions, disk space, unsafe paths) fails while
    staging, before any file is replaced, so a group lands whole or not at all.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for rel, write in items:
            target = confined(project.root, rel)
            if target.exists() and not target.is_file():
                raise IsADirectoryError(f"{rel} is a folder, not a file; move it away")
            staged.append((stage(target, write.content, write.mode, durable=durable), target))
    except BaseException:
        for tmp, _ in staged:
            discard(tmp)
        raise
    for tmp, target in staged:
        commit(tmp, target)


def refuse_drift(plan: Plan, *, force: bool) -> None:
    """Raise :class:`ApplyRefused` listing drifted files, unless ``force`` or there are none."""
    if plan.drifted and not force:
        listing = "\n".join(f"  {c.path}: {c.reason}" for c in plan.drifted)
        raise ApplyRefused(
            "these files were changed outside agentctl and would be overwritten or deleted:\n"
            f"{listing}\nMove your edits into the catalogue, or re-run with --force to "
            "discard them."
        )


def _reporting(agents: list[AgentPlan], on_agent: Callable[[str], None] | None
               ) -> Iterator[AgentPlan]:
    """Yield ``agents``, calling ``on_agent`` with each name once its loop body is done."""
    for agent in agents:
        yield agent
        if on_agent is not None:
            on_agent(agent.name)


def apply_plan(
    project: Project, plan: Plan, ledger: Ledger, *, force: bool = False,
    on_agent: Callable[[str], None] | None = None,
) -> ApplyResult:
    """Carry out ``plan`` and update ``ledger`` (saved to ``.agentctl/state.json``).

    ``on_agent`` is called with each agent's name once it has been dealt with (for a
    progress bar).

    Raises :class:`ApplyRefused` before writing anything when the plan holds drift and
    ``force`` is not set. Per-agent failures (missing secrets, I/O errors) are recorded on
    the agent (runtime status error, last error) and returned in ``ApplyResult.errors``.
    """
    refuse_drift(plan, force=force)
    result = ApplyResult()
    lpath = ledger_path(project)
    changed = {c.path for c in plan.changes}
    deletes = {c.path for c in plan.changes if c.action == "delete"} | {
        c.path for c in plan.changes if c.action == "drift" and c.path not in plan.writes
    }
    by_agent: dict[str | None, list[tuple[str, Write]]] = {}
    for rel, write in plan.writes.items():
        if rel in changed:
            by_agent.setdefault(write.agent, []).append((rel, write))

    # Every agent about to be written is marked provisioning in one ledger save; files are
    # written without a per-file fsync and flushed together (os.sync) before each ledger
    # checkpoint, so the ledger never records a file that is not on disk. Saving the whole
    # ledger once per agent made a fleet's first apply quadratic (bench/fleet.py).
    for agent_plan in plan.agents:
        if not agent_plan.error and agent_plan.action not in ("none", "deprovision"):
            ledger.agents.setdefault(agent_plan.name, AgentState()).mark_provisioning()
    ledger.save(lpath)
    last_save = time.monotonic()

    def checkpoint() -> None:
        nonlocal last_save
        os.sync()
        ledger.save(lpath)
        last_save = time.monotonic()

    for agent_plan in _reporting(plan.agents, on_agent):
        name = agent_plan.name
        state = ledger.agents.setdefault(name, AgentState())
        if agent_plan.error:
            state.runtime = plan.outputs[name].runtime if name in plan.outputs else state.runtime
            state.mark_provision_failed(agent_plan.error)
            result.errors[name] = agent_plan.error
            continue
        if agent_plan.action in ("none", "deprovision"):
            continue
        try:
            _write_group(project, by_agent.get(name, []), durable=False)
        except (OSError, UnsafePathError) as exc:
            message = f"writing the workspace failed: {exc}"
            state.mark_provision_failed(message)
            result.errors[name] = message
            continue
        for rel, write in by_agent.get(name, []):
            _record(ledger, rel, write, plan.target)
            result.written += 1
        out = plan.outputs[name]
        state.runtime = out.runtime
        state.mark_provisioned(workspace=_root_relative(project, out.workspace),
                               service=out.service or "")
        if time.monotonic() - last_save >= CHECKPOINT_SECONDS:
            checkpoint()

    checkpoint()
    # Shared files (compose.yaml, .gitignore) after the agents they describe.
    shared = by_agent.get(None, [])
    _write_group(project, shared)
    for rel, write in shared:
        _record(ledger, rel, write, plan.target)
        result.written += 1

    deprovisioning = [a.name for a in plan.agents if a.action == "deprovision"]
    for name in deprovisioning:
        ledger.agents[name].mark_deprovisioning()
    if deprovisioning:
        ledger.save(lpath)
    for rel in sorted(deletes):
        target = confined(project.root, rel)
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
        result.deleted += 1
        ledger.files.pop(rel, None)
        ledger.env_files.pop(rel, None)
        prune_empty_dirs(target.parent, project.output_dir)
    for rel in plan.ledger_cleanup:
        ledger.files.pop(rel, None)
        ledger.env_files.pop(rel, None)
    for name in deprovisioning:
        ledger.agents[name].mark_deprovisioned()
    ledger.save(lpath)
    return result


def _root_relative(project: Project, output_relative: str) -> str:
    """A path under the output folder, relative to the project root (as the ledger keeps)."""
    from agentctl.diagnostics import display_path

    return display_path(project.output_dir / output_relative, project.root)


def _record(ledger: Ledger, rel: str, write: Write, target: str) -> None:
    if write.env_vars is not None:
        ledger.env_files[rel] = EnvRecord(write.agent or "", sorted(write.env_vars), target)
    else:
        ledger.files[rel] = FileRecord(sha256(write.content), write.mode, write.agent, target)
