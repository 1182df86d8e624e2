"""Orphans: files the ledger names that the desired tree no longer wants.

Each becomes a ``delete`` (or ``drift`` when edited by hand, or behind a folder that
leads out of the output folder); a file the ledger names but that is gone is only
dropped from the ledger. :func:`refuse_foreign_ledger` refuses a ledger naming files
outside the output folder before any of this reads them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from pathlib import Path

from agentctl.catalogue.project import Project
from agentctl.diagnostics import Diagnostic, DiagnosticError, Position
from agentctl.plan.compare import LINKED_OUT, read_plain, text_diff
from agentctl.plan.ledger import Ledger
from agentctl.plan.model import FileChange, Plan
from agentctl.support.fsutil import FolderCheck, sha256


def refuse_foreign_ledger(ledger: Ledger, out_rel: str, shown: str) -> None:
    """Raise :class:`DiagnosticError` (E021) when the ledger names a file outside the
    output folder ``out_rel`` (relative to the project root).

    agentctl writes only there, so such a record comes from an edited ledger (it may be
    committed, so a pull request can change it) or from an earlier ``output:``; acting on
    it would let the ledger read or delete any file of the project, or beyond.
    """
    prefix = out_rel + "/"
    foreign = sorted({path for path in (*ledger.files, *ledger.env_files, *ledger.pending)
                      if not path.startswith(prefix)
                      or (".." in path and ".." in path.split("/"))})
    if not foreign:
        return
    shown_paths = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more"
                                            if len(foreign) > 5 else "")
    raise DiagnosticError([Diagnostic(
        "error", "E021", f"the ledger records files outside the output folder {prefix}: "
        f"{shown_paths}", Position(shown),
        detail="agentctl only writes under the output folder, so it neither reads nor "
        "deletes these. The ledger was edited, or `output:` changed since: delete those "
        "entries (and the old files yourself), or delete the ledger (agentctl then adopts "
        "files that match the catalogue).")])


def orphans(plan: Plan, project: Project, ledger: Ledger, desired: set[str],
            wanted: Callable[[str | None], bool], target: str, folders: FolderCheck, *,
            with_pending: bool, destroyed: Collection[str] = ()) -> None:
    """Deletes (or drift) for ledger files the tree no longer wants; a file the ledger
    names but that is gone is only dropped from the ledger (``ledger_cleanup``). A file
    of an agent in ``destroyed`` (``destroy``) goes because it was destroyed on request,
    not because the catalogue dropped it.

    Never reads or deletes through a folder that leads out of the output folder
    (``folders`` says which do).
    """
    root = project.root
    readable = folders.inside
    for full, record in sorted(ledger.files.items()):
        if full in desired or not wanted(record.agent):
            continue
        if not readable(full):
            plan.changes.append(FileChange(full, "drift", record.agent, LINKED_OUT, None))
            continue
        disk = read_plain(root / full)
        if disk is None:
            plan.ledger_cleanup.append(full)
            continue
        plan.changes.append(_file_orphan(full, disk, record.agent,
                                         (record.sha256, ledger.pending.get(full)),
                                         _gone(record.target, target, _why(
                                             record.agent, destroyed,
                                             "no longer in the catalogue"))))
    if with_pending:  # an interrupted apply's files it never recorded
        _pending_orphans(plan, root, ledger, desired, readable)
    for full, env_record in sorted(ledger.env_files.items()):
        if full in desired or not wanted(env_record.agent):
            continue
        if readable(full) and os.path.lexists(root / full):
            plan.changes.append(FileChange(full, "delete", env_record.agent,
                                           _gone(env_record.target, target, _why(
                                               env_record.agent, destroyed,
                                               "no longer needed")), None,
                                           sorted(env_record.variables), env_file=True))
        elif readable(full):
            plan.ledger_cleanup.append(full)
        else:
            plan.changes.append(FileChange(full, "drift", env_record.agent, LINKED_OUT,
                                           None, env_file=True))


def _why(agent: str | None, destroyed: Collection[str], otherwise: str) -> str:
    """Why an agent's file goes: destroyed on request, or ``otherwise``."""
    return f"agent {agent} destroyed on request" if agent in destroyed else otherwise


def _gone(recorded: str, target: str, same: str) -> str:
    """Why a file goes: ``same`` when it was rendered for this plan's target."""
    return same if recorded == target else (
        f"rendered for target {recorded}; this plan is for {target}")


def _file_orphan(full: str, disk: bytes, agent: str | None,
                 ours: tuple[str, str | None], gone: str) -> FileChange:
    """A delete for an orphan holding bytes agentctl wrote (``ours``: the recorded and
    the intended sha256), else drift."""
    if sha256(disk) not in ours:
        return FileChange(full, "drift", agent, "edited by hand since agentctl wrote it; "
                          + gone, text_diff(full, disk, None))
    return FileChange(full, "delete", agent, gone, text_diff(full, disk, None))


def _pending_orphans(plan: Plan, root: Path, ledger: Ledger, desired: set[str],
                     readable: Callable[[str], bool]) -> None:
    """Deletes for files an interrupted apply wrote but never recorded, which the catalogue
    no longer wants: each still holds the bytes of the intent (env files: no hash is
    kept; their path is agentctl's)."""
    for full, intended in sorted(ledger.pending.items()):
        if full in desired or full in ledger.files or full in ledger.env_files:
            continue
        if not readable(full):
            continue
        disk = read_plain(root / full)
        if disk is None or (intended is not None and sha256(disk) != intended):
            continue
        plan.changes.append(FileChange(full, "delete", None, "written by an interrupted "
                                       "apply; no longer in the catalogue",
                                       None if intended is None else text_diff(full, disk,
                                                                               None),
                                       env_file=intended is None))
