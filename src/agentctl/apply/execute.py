"""Carrying out a plan: each agent's files written as one group, orphans deleted, the
ledger kept in step (see :mod:`agentctl.apply` for the crash-safety rules)."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
import msgspec.structs

from agentctl.apply.groupwrite import write_group
from agentctl.apply.guards import in_output, refuse_drift, shown, sweep_stray_temps
from agentctl.catalogue.project import Project
from agentctl.diagnostics import display_path
from agentctl.plan import AgentPlan, Plan, Write
from agentctl.plan.ledger import AgentState, EnvRecord, FileRecord, Ledger, ledger_path
from agentctl.support.fsutil import (
    FileSystemError,
    UnsafePathError,
    prune_empty_dirs,
    remove,
    sha256,
)

#: Seconds between ledger checkpoints while a large apply writes workspaces.
CHECKPOINT_SECONDS = 5.0


class ApplyResult(msgspec.Struct):
    """What apply did: counts per action, and errors per agent ("" for shared files)."""

    written: int = 0
    deleted: int = 0
    errors: dict[str, str] = msgspec.field(default_factory=dict)


def _reporting(agents: list[AgentPlan], on_agent: Callable[[str], None] | None
               ) -> Iterator[AgentPlan]:
    """Yield ``agents``, calling ``on_agent`` with each name once its loop body is done."""
    for agent in agents:
        yield agent
        if on_agent is not None:
            on_agent(agent.name)


@dataclass
class _Run:
    """One apply's working state: the plan's writes by agent and the ledger's saves."""

    project: Project
    plan: Plan
    ledger: Ledger
    path: Path
    hashes: dict[str, str]
    before: dict[str, AgentState | None] = field(default_factory=dict)
    done: set[str] = field(default_factory=set)
    last_save: float = field(default_factory=time.monotonic)
    recorded: int = 0  # agents done at the last checkpoint
    #: The output folder, resolved once: each group's write resolves (and checks) it itself.
    output_dir: Path = field(init=False)

    def __post_init__(self) -> None:
        self.output_dir = self.project.output_dir

    def save(self) -> None:
        """Save the ledger (paths in a failure shown from the project root)."""
        try:
            self.ledger.save(self.path)
        except FileSystemError as exc:
            raise shown(exc, self.project) from None
        self.last_save = time.monotonic()

    def due(self) -> bool:
        """Time for a checkpoint: :data:`CHECKPOINT_SECONDS` since the last save, and at
        least as many agents written since the last checkpoint as before it. Each save
        costs in proportion to the ledger, so checkpoints at doubling counts keep their
        total within twice the last one's on a slow disk, where a fixed interval made a
        fleet's apply quadratic again; a kill loses at most half the work, which the
        intent lets the next apply redo without a conflict."""
        return (time.monotonic() - self.last_save >= CHECKPOINT_SECONDS
                and len(self.done) >= 2 * self.recorded)

    def checkpoint(self) -> None:
        """Flush the files written so far, then record them (the ledger never names a
        file that is not on disk)."""
        os.sync()
        self.save()
        self.recorded = len(self.done)

    def abort(self, error: FileSystemError, agent: str | None) -> FileSystemError:
        """The file system refuses every write: fail ``agent``, give the agents not yet
        reached back their previous state, save what is known, return the error."""
        if agent is not None:
            self.ledger.agents[agent].mark_provision_failed(str(error))
            self.done.add(agent)
        for name, previous in self.before.items():
            if name in self.done:
                continue
            if previous is None:
                self.ledger.agents.pop(name, None)
            else:
                self.ledger.agents[name] = previous
        with contextlib.suppress(FileSystemError):  # full or read-only: the intent is saved
            self.checkpoint()  # the agents written so far are recorded: flush them first
        error.note = error.note or (
            "The apply stopped there: agents written before it are complete, the others "
            "unchanged. Run apply again once the cause is fixed.")
        return error

    def record(self, rel: str, write: Write) -> None:
        """Record a file that is on disk now. Its intent is dropped: from the next save on
        the record says the same, and a fleet's checkpoints do not carry both."""
        self.ledger.pending.pop(rel, None)
        if write.env_vars is not None:
            self.ledger.env_files[rel] = EnvRecord(write.agent or "", sorted(write.env_vars),
                                                   self.plan.target)
        else:
            self.ledger.files[rel] = FileRecord(self.hashes[rel], write.mode, write.agent,
                                                self.plan.target)


def apply_plan(
    project: Project, plan: Plan, ledger: Ledger, *, force: bool = False,
    on_agent: Callable[[str], None] | None = None,
) -> ApplyResult:
    """Carry out ``plan`` and update ``ledger`` (saved to ``.agentctl/state.json``).

    ``on_agent`` is called with each agent's name once it has been dealt with (for a
    progress bar).

    Raises :class:`ApplyRefused` before writing anything when the plan holds drift and
    ``force`` is not set; :class:`FileSystemError` when the file system refuses every
    write (full, read-only) or the ledger cannot be saved (see the module docstring).
    Per-agent failures (missing secrets, a file that cannot be replaced) are recorded on
    the agent (runtime status error, last error) and returned in ``ApplyResult.errors``.
    """
    refuse_drift(plan, force=force)
    result = ApplyResult()
    by_agent = _changed_writes(plan)
    run = _Run(project, plan, ledger, ledger_path(project), {
        rel: sha256(w.content) for group in by_agent.values() for rel, w in group
        if w.env_vars is None})
    sweep_stray_temps(project, ledger)
    _save_intent(run, by_agent)
    for agent_plan in _reporting(plan.agents, on_agent):
        _apply_agent(run, agent_plan, by_agent.get(agent_plan.name, []), result)
        if run.due():
            run.checkpoint()
    # Shared files (compose.yaml, .gitignore) after the agents they describe. No
    # checkpoint between: the intent covers them, and one flush and save at the end
    # records everything (each save of a fleet's ledger costs a tenth of a second).
    _write_shared(run, by_agent.get(None, []), result)
    _delete(run, result)
    ledger.pending = {}
    run.checkpoint()
    return result


def _changed_writes(plan: Plan) -> dict[str | None, list[tuple[str, Write]]]:
    """The plan's writes of files that change, by agent (None: shared files)."""
    changed = {c.path for c in plan.changes}
    by_agent: dict[str | None, list[tuple[str, Write]]] = {}
    for rel, write in plan.writes.items():
        if rel in changed:
            by_agent.setdefault(write.agent, []).append((rel, write))
    return by_agent


def _save_intent(run: _Run, by_agent: dict[str | None, list[tuple[str, Write]]]) -> None:
    """One save before any file is written: every agent about to be written marked
    provisioning, and the intent. Files are then written without a per-file fsync and
    flushed together (os.sync) before each checkpoint. Saving the whole ledger once per
    agent made a fleet's first apply quadratic (bench/fleet.py)."""
    ledger = run.ledger
    for agent_plan in run.plan.agents:
        if not agent_plan.error and agent_plan.action not in ("none", "deprovision"):
            previous = ledger.agents.get(agent_plan.name)
            run.before[agent_plan.name] = (msgspec.structs.replace(previous) if previous
                                           else None)
            ledger.agents.setdefault(agent_plan.name, AgentState()).mark_provisioning()
    ledger.pending = {rel: run.hashes.get(rel) for group in by_agent.values()
                      for rel, _ in group}
    run.save()


def _write_shared(run: _Run, shared: list[tuple[str, Write]], result: ApplyResult) -> None:
    """Write the shared files as one group; a failure is the shared files' error ("")."""
    project = run.project
    try:
        write_group(project.root, [(rel, w.content, w.mode) for rel, w in shared],
                    scope=project.output_dir)
    except FileSystemError as exc:
        if exc.disk_wide:
            raise run.abort(exc, None) from None
        result.errors[""] = f"writing the shared files failed: {exc}"
    except UnsafePathError as exc:
        result.errors[""] = f"writing the shared files failed: {exc}"
    else:
        for rel, write in shared:
            run.record(rel, write)
            result.written += 1


def _apply_agent(run: _Run, agent_plan: AgentPlan, group: list[tuple[str, Write]],
                 result: ApplyResult) -> None:
    """Write one agent's group and record it (or its failure) in the ledger."""
    name = agent_plan.name
    plan, ledger = run.plan, run.ledger
    state = ledger.agents.setdefault(name, AgentState())
    if agent_plan.error:
        state.runtime = plan.outputs[name].runtime if name in plan.outputs else state.runtime
        state.mark_provision_failed(agent_plan.error)
        result.errors[name] = agent_plan.error
        return
    if agent_plan.action in ("none", "deprovision"):
        return
    try:
        write_group(run.project.root, [(rel, w.content, w.mode) for rel, w in group],
                    durable=False, scope=run.output_dir)
    except FileSystemError as exc:
        if exc.disk_wide:
            raise run.abort(exc, name) from None
        _fail(run, name, f"writing the workspace failed: {exc}", result)
        return
    except UnsafePathError as exc:
        _fail(run, name, f"writing the workspace failed: {exc}", result)
        return
    run.done.add(name)
    for rel, write in group:
        run.record(rel, write)
        result.written += 1
    out = plan.outputs[name]
    state.runtime = out.runtime
    state.mark_provisioned(workspace=_root_relative(run, out.workspace),
                           service=out.service or "")


def _fail(run: _Run, name: str, message: str, result: ApplyResult) -> None:
    """Record ``name``'s failure (``message``) in the ledger and the result."""
    run.ledger.agents[name].mark_provision_failed(message)
    run.done.add(name)
    result.errors[name] = message


def _delete(run: _Run, result: ApplyResult) -> None:
    """Prune: delete the plan's orphans (files agentctl made that nobody wants now) and
    tear down the agents being deprovisioned."""
    plan, ledger = run.plan, run.ledger
    deletes = {c.path: c.agent for c in plan.changes if c.action == "delete"} | {
        c.path: c.agent for c in plan.changes if c.action == "drift"
        and c.path not in plan.writes}
    deprovisioning = [a.name for a in plan.agents if a.action == "deprovision"]
    for name in deprovisioning:
        ledger.agents[name].mark_deprovisioning()
    if deprovisioning:
        run.checkpoint()
    failed = _delete_files(run, deletes, result)
    for rel in plan.ledger_cleanup:
        ledger.files.pop(rel, None)
        ledger.env_files.pop(rel, None)
    for name, message in failed.items():
        result.errors[name] = message
        if name in ledger.agents:
            ledger.agents[name].mark_provision_failed(message)
    for name in deprovisioning:
        if name not in failed:
            ledger.agents[name].mark_deprovisioned()


def _delete_files(run: _Run, deletes: dict[str, str | None], result: ApplyResult
                  ) -> dict[str, str]:
    """Delete each file of ``deletes`` (path → agent) and drop it from the ledger;
    returns the first failure per agent ("" for shared files)."""
    project, ledger = run.project, run.ledger
    failed: dict[str, str] = {}
    for rel in sorted(deletes):
        try:
            target = in_output(project, rel)
            remove(target, missing_ok=True)
        except FileSystemError as exc:
            if exc.disk_wide:
                raise run.abort(exc, None) from None
            failed.setdefault(deletes[rel] or "", f"deleting {rel} failed: {exc}")
            continue
        except UnsafePathError as exc:
            failed.setdefault(deletes[rel] or "", f"deleting {rel} failed: {exc}")
            continue
        result.deleted += 1
        ledger.files.pop(rel, None)
        ledger.env_files.pop(rel, None)
        prune_empty_dirs(target.parent, project.output_dir)
    return failed


def _root_relative(run: _Run, output_relative: str) -> str:
    """A path under the output folder, relative to the project root (as the ledger keeps)."""
    return display_path(run.output_dir / output_relative, run.project.root)
