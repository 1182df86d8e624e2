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

import contextlib
import dataclasses
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from agentctl.apply.groupwrite import write_group
from agentctl.catalogue.project import Project
from agentctl.plan import AgentPlan, Plan, Write
from agentctl.plan.ledger import LEDGER_FILE, AgentState, EnvRecord, FileRecord, Ledger
from agentctl.support.fsutil import (
    FileSystemError,
    UnsafePathError,
    confined,
    make_dirs,
    prune_empty_dirs,
    remove,
    remove_stray_temps,
    sha256,
)

LOCK_FILE = "apply.lock"
CACHE_DIR = "cache"
#: Seconds between ledger checkpoints while a large apply writes workspaces.
CHECKPOINT_SECONDS = 5.0


class ApplyRefused(Exception):
    """Apply will not start (drift without --force, lock held). Nothing was written."""


@dataclass
class ApplyResult:
    """What apply did: counts per action, and errors per agent ("" for shared files)."""

    written: int = 0
    deleted: int = 0
    errors: dict[str, str] = field(default_factory=dict)


def check_writable(project: Project) -> None:
    """Refuse, before anything is written, an output or state folder agentctl cannot
    write into: read-only file system, no permission, immutable.

    Checks the folder itself, or the closest existing folder above it when it does not
    exist yet. Raises :class:`FileSystemError` (EROFS or EACCES).
    """
    import errno

    from agentctl.diagnostics import display_path

    for folder in (project.output_dir, project.state_dir):
        existing = folder
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if os.access(existing, os.W_OK | os.X_OK):
            continue
        read_only = os.statvfs(existing).f_flag & os.ST_RDONLY
        raise FileSystemError(
            "write into", display_path(folder, project.root) + ("/" if folder.exists() else ""),
            errno.EROFS if read_only else errno.EACCES,
            note="" if folder == existing else
            f"(checked {display_path(existing, project.root) or '.'}, where it would be created)")


@contextlib.contextmanager
def apply_lock(project: Project, verb: str = "apply") -> Iterator[None]:
    """Create the state folder if needed and hold ``.agentctl/apply.lock`` meanwhile.

    Take it only once the run is going to write: before, nothing under ``.agentctl`` is
    created. ``verb`` (``apply``, ``destroy``) is recorded in the lock, so a run refused
    meanwhile names its holder. Raises :class:`ApplyRefused` when another run holds it,
    :class:`UnsafePathError` for a state folder that is a symlink (or holds one), and
    :class:`FileSystemError` when the folder or lock cannot be made.
    """
    from agentctl.apply.lock import LockHeld, hold
    from agentctl.catalogue.project import check_state_dir
    from agentctl.diagnostics import display_path
    from agentctl.support.fsutil import atomic_write

    problem = check_state_dir(project.root)
    if problem:
        raise UnsafePathError(problem)
    state = project.state_dir
    try:
        make_dirs(state, 0o755)
    except OSError as exc:
        raise FileSystemError.of("create the folder", display_path(state, project.root),
                                 exc) from None
    lock_path = state / LOCK_FILE
    try:
        with hold(lock_path, verb):
            ignore = state / ".gitignore"
            if not ignore.exists():
                atomic_write(ignore, b"# agentctl's lock; the ledger (state.json) may be "
                                     b"committed\n*.lock\n", 0o644)
            yield
    except FileSystemError as exc:  # paths shown from the project root, as everywhere
        raise _shown(exc, project) from None
    except LockHeld as exc:
        raise ApplyRefused(
            f"{exc.holder} holds {display_path(lock_path, project.root)}; wait for it to "
            "finish, then run again. Nothing was written."
        ) from None


def ledger_path(project: Project) -> Path:
    """``.agentctl/state.json`` of ``project``."""
    return project.state_dir / LEDGER_FILE


def refuse_drift(plan: Plan, *, force: bool) -> None:
    """Raise :class:`ApplyRefused` listing drifted files, unless ``force`` or there are none."""
    if plan.drifted and not force:
        listing = "\n".join(f"  {c.path}: {c.reason}" for c in plan.drifted)
        raise ApplyRefused(
            "these files were changed outside agentctl and would be overwritten or deleted:\n"
            f"{listing}\nMove your edits into the catalogue, or re-run with --force to "
            "discard them."
        )


def refuse_if_changed(project: Project, ledger: Ledger) -> None:
    """Raise :class:`ApplyRefused` when the ledger on disk is no longer the one ``ledger``
    was loaded from: another apply or destroy finished while this run planned or asked.
    Call it holding the lock."""
    if Ledger.read_digest(ledger_path(project)) != ledger.loaded_sha256:
        raise ApplyRefused(
            "another agentctl run changed the ledger while this one was planning; nothing "
            "was written. Run the command again to plan against the new state."
        )


def sweep_stray_temps(project: Project, ledger: Ledger) -> list[str]:
    """Remove the temp files an interrupted run left: in the state folder and its cache,
    and in every folder its intent (``ledger.pending``) names. Returns their paths."""
    from agentctl.diagnostics import display_path

    folders: dict[str, set[str] | None] = {}
    for rel in ledger.pending:
        head, _, name = rel.rpartition("/")
        names = folders.setdefault(head, set())
        assert names is not None
        names.add(name)
    removed = []
    for head, names in sorted(folders.items()):
        try:
            folder = in_output(project, f"{head}/x").parent
        except UnsafePathError:
            continue  # outside the output folder or through a link: never ours to clean
        removed += [f"{head}/{n}" for n in remove_stray_temps(folder, names)]
    for folder in (project.state_dir, project.state_dir / CACHE_DIR):
        rel = display_path(folder, project.root)
        removed += [f"{rel}/{n}" for n in remove_stray_temps(folder)]
    return removed


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

    def save(self) -> None:
        try:
            self.ledger.save(self.path)
        except FileSystemError as exc:
            raise _shown(exc, self.project) from None
        self.last_save = time.monotonic()

    def checkpoint(self) -> None:
        """Flush the files written so far, then record them (the ledger never names a
        file that is not on disk)."""
        os.sync()
        self.save()

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
            self.save()
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
    changed = {c.path for c in plan.changes}
    by_agent: dict[str | None, list[tuple[str, Write]]] = {}
    for rel, write in plan.writes.items():
        if rel in changed:
            by_agent.setdefault(write.agent, []).append((rel, write))
    run = _Run(project, plan, ledger, ledger_path(project), {
        rel: sha256(w.content) for group in by_agent.values() for rel, w in group
        if w.env_vars is None})
    sweep_stray_temps(project, ledger)

    # One save before any file is written: every agent about to be written marked
    # provisioning, and the intent. Files are then written without a per-file fsync and
    # flushed together (os.sync) before each checkpoint. Saving the whole ledger once
    # per agent made a fleet's first apply quadratic (bench/fleet.py).
    for agent_plan in plan.agents:
        if not agent_plan.error and agent_plan.action not in ("none", "deprovision"):
            previous = ledger.agents.get(agent_plan.name)
            run.before[agent_plan.name] = (dataclasses.replace(previous) if previous
                                           else None)
            ledger.agents.setdefault(agent_plan.name, AgentState()).mark_provisioning()
    ledger.pending = {rel: run.hashes.get(rel) for group in by_agent.values()
                      for rel, _ in group}
    run.save()

    for agent_plan in _reporting(plan.agents, on_agent):
        _apply_agent(run, agent_plan, by_agent.get(agent_plan.name, []), result)
        if time.monotonic() - run.last_save >= CHECKPOINT_SECONDS:
            run.checkpoint()
    run.checkpoint()
    # Shared files (compose.yaml, .gitignore) after the agents they describe.
    shared = by_agent.get(None, [])
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
    _delete(run, result)
    ledger.pending = {}
    run.save()
    return result


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
                    durable=False, scope=run.project.output_dir)
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
    state.mark_provisioned(workspace=_root_relative(run.project, out.workspace),
                           service=out.service or "")


def _fail(run: _Run, name: str, message: str, result: ApplyResult) -> None:
    run.ledger.agents[name].mark_provision_failed(message)
    run.done.add(name)
    result.errors[name] = message


def _delete(run: _Run, result: ApplyResult) -> None:
    """Prune: delete the plan's orphans (files agentctl made that nobody wants now) and
    tear down the agents being deprovisioned."""
    plan, ledger, project = run.plan, run.ledger, run.project
    deletes = {c.path: c.agent for c in plan.changes if c.action == "delete"} | {
        c.path: c.agent for c in plan.changes if c.action == "drift"
        and c.path not in plan.writes}
    deprovisioning = [a.name for a in plan.agents if a.action == "deprovision"]
    for name in deprovisioning:
        ledger.agents[name].mark_deprovisioning()
    if deprovisioning:
        run.save()
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


def in_output(project: Project, rel: str) -> Path:
    """``rel`` (relative to the project root) as a path inside the output folder, never
    reached through a symlink. Raises :class:`UnsafePathError` for anything else: a
    ledger (which may be committed, hence edited) cannot make apply touch other files."""
    from agentctl.diagnostics import display_path

    out_rel = display_path(project.output_dir, project.root)
    if not rel.startswith(out_rel + "/"):
        raise UnsafePathError(f"{rel!r} is outside the output folder {out_rel}/")
    return confined(project.output_dir, rel.removeprefix(out_rel + "/"))


def _shown(exc: FileSystemError, project: Project) -> FileSystemError:
    """``exc`` with its path relative to the project root, as every message shows paths."""
    from agentctl.diagnostics import display_path

    exc.path = display_path(Path(exc.path), project.root)
    return exc


def _root_relative(project: Project, output_relative: str) -> str:
    """A path under the output folder, relative to the project root (as the ledger keeps)."""
    from agentctl.diagnostics import display_path

    return display_path(project.output_dir / output_relative, project.root)

