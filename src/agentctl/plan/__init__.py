"""Stage 4, plan: desired tree + disk + ledger → :class:`Plan`.

Per file the plan says ``create``, ``update``, ``delete`` (a file agentctl made that the
catalogue no longer wants) or ``drift`` (a managed file edited by hand, or a file
agentctl did not write standing where it wants one: apply refuses to overwrite it
without ``--force``). Per agent it says ``provision``, ``update``, ``retry`` (last
apply failed), ``deprovision`` or ``none``.

Env files are compared in memory with their secret values and described by variable
name only. A plan serialises (:meth:`Plan.to_json`) without any file content; the
digests let ``apply PLANFILE`` refuse a plan whose inputs or state changed.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import stat
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from agentctl.catalogue.project import Project
from agentctl.diagnostics import Diagnostic, DiagnosticError, Position, display_path
from agentctl.plan.ledger import LEDGER_FILE, Ledger
from agentctl.secrets import SecretResolver, keyring_username
from agentctl.support.envfile import format_env_file, parse_env_file
from agentctl.support.fsutil import FolderCheck, read_regular, sha256
from agentctl.support.tree import ENV_FILE_MODE, DesiredTree

FORMAT_VERSION = "1.0"
MAX_DIFF_LINES = 400
FileAction = Literal["create", "update", "delete", "drift"]
AgentAction = Literal["provision", "update", "retry", "deprovision", "none"]


@dataclass
class FileChange:
    """One file the plan would touch. ``path`` is relative to the project root."""

    path: str
    action: FileAction
    agent: str | None
    reason: str = ""
    diff: str | None = None
    variables: list[str] | None = None  # env files: names of added/changed/removed vars
    env_file: bool = False

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (no content, no values)."""
        doc: dict[str, Any] = {
            "path": self.path,
            "action": self.action,
            "agent": self.agent,
            "reason": self.reason,
            "env_file": self.env_file,
        }
        if self.variables is not None:
            doc["variables"] = self.variables
        return doc


@dataclass
class AgentPlan:
    """What happens to one agent, its current lifecycle and any blocking error."""

    name: str
    action: AgentAction
    lifecycle: str
    runtime_status: str
    error: str = ""


@dataclass
class Write:
    """Bytes apply will write at an absolute path (kept out of JSON and printouts)."""

    content: bytes
    mode: int
    agent: str | None
    env_vars: list[str] | None = None  # set for env files: variable names for the ledger


@dataclass
class Plan:
    """The full plan; ``writes`` holds desired contents (env values included) in memory."""

    changes: list[FileChange] = field(default_factory=list)
    agents: list[AgentPlan] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    inputs_digest: str = ""
    state_digest: str = ""
    writes: dict[str, Write] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    ledger_cleanup: list[str] = field(default_factory=list)
    target: str = "compose"  # the deployment target; apply records it per file

    @property
    def has_changes(self) -> bool:
        """True when apply would change a file or an agent's lifecycle."""
        return bool(self.changes) or any(a.action != "none" for a in self.agents)

    @property
    def blocked(self) -> bool:
        """True when errors block every agent with changes: no agent's file would change
        and no unblocked agent's state (apply then writes nothing, not even the shared
        files, which would name the blocked agents' services)."""
        return bool(self.errors) and not any(c.agent is not None for c in self.changes) \
            and not any(a.action != "none" and not a.error for a in self.agents)

    @property
    def drifted(self) -> list[FileChange]:
        """Changes apply refuses without ``--force``."""
        return [c for c in self.changes if c.action == "drift"]

    def summary(self) -> dict[str, int]:
        """Counts per file action."""
        counts = {"create": 0, "update": 0, "delete": 0, "drift": 0}
        for change in self.changes:
            counts[change.action] += 1
        return counts

    def fingerprint(self) -> list[tuple[str, str]]:
        """(path, action) pairs: what ``apply PLANFILE`` checks the fresh plan against."""
        return sorted((c.path, c.action) for c in self.changes)

    def to_json(self) -> dict[str, Any]:
        """The machine-readable plan (``format_version`` "1.0"), with no secret values."""
        return {
            "format_version": FORMAT_VERSION,
            "has_changes": self.has_changes,
            "target": self.target,
            "summary": self.summary(),
            "inputs_digest": self.inputs_digest,
            "state_digest": self.state_digest,
            "changes": [c.to_json() for c in self.changes],
            "agents": [
                {
                    "name": a.name,
                    "action": a.action,
                    "lifecycle": a.lifecycle,
                    "runtime_status": a.runtime_status,
                    "error": a.error,
                }
                for a in self.agents
            ],
            "errors": [_diag_json(d) for d in self.errors],
        }


def _diag_json(d: Diagnostic) -> dict[str, Any]:
    return {
        "severity": d.severity,
        "code": d.code,
        "summary": d.summary,
        "detail": d.detail,
        "path": d.path,
        "position": str(d.position) if d.position else None,
    }


def text_diff(path: str, old: bytes | None, new: bytes | None) -> str:
    """Unified diff of two versions of a text file; a note for binary or huge files."""
    try:
        a = old.decode("utf-8").splitlines(keepends=True) if old is not None else []
        b = new.decode("utf-8").splitlines(keepends=True) if new is not None else []
    except UnicodeDecodeError:
        return f"Binary file {path} differs\n"
    lines = list(
        difflib.unified_diff(
            a, b, fromfile=f"a/{path}" if old is not None else "/dev/null",
            tofile=f"b/{path}" if new is not None else "/dev/null",
        )
    )
    if len(lines) > MAX_DIFF_LINES:
        hidden = len(lines) - MAX_DIFF_LINES
        lines = [*lines[:MAX_DIFF_LINES], f"… {hidden} more diff lines not shown\n"]
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)


def inputs_digest(paths: Collection[Path], root: Path) -> str:
    """sha256 over every input file's path and content (order-independent)."""
    h = hashlib.sha256()
    for path in sorted(set(paths), key=lambda p: display_path(p, root)):
        h.update(display_path(path, root).encode() + b"\0")
        try:
            h.update(sha256(path.read_bytes()).encode())
        except OSError:
            h.update(b"missing")
        h.update(b"\n")
    return h.hexdigest()


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes() if path.is_file() and not path.is_symlink() else None
    except OSError:
        return None


def _env_change_reason(
    old: bytes | None, new: bytes, parse: Callable[[bytes], dict[str, str] | None]
) -> tuple[str, list[str]]:
    new_vars = parse(new) or {}
    old_vars = parse(old) if old is not None else {}
    if old_vars is None:
        return "not in agentctl's format; rewritten", sorted(new_vars)
    changed = sorted(
        k for k in set(old_vars) | set(new_vars) if old_vars.get(k) != new_vars.get(k)
    )
    parts = []
    added = [k for k in changed if k not in old_vars]
    removed = [k for k in changed if k not in new_vars]
    updated = [k for k in changed if k in old_vars and k in new_vars]
    if added:
        parts.append("add " + ", ".join(added))
    if updated:
        parts.append("change " + ", ".join(updated))
    if removed:
        parts.append("remove " + ", ".join(removed))
    return "; ".join(parts) or "mode", changed


def make_plan(
    project: Project,
    tree: DesiredTree,
    ledger: Ledger,
    resolver: SecretResolver,
    *,
    inputs: Collection[Path] = (),
    only_agents: Collection[str] | None = None,
) -> Plan:
    """Compare ``tree`` with disk and ``ledger``; fetch secret values through ``resolver``.

    ``only_agents`` limits the plan to those agents' files and shared files (``destroy``).
    Raises :class:`~agentctl.secrets.KeyringUnavailable` when the keyring cannot answer.
    A missing secret blocks only its agent: that agent gets an error and no file changes.
    """
    root = project.root
    out_rel = display_path(project.output_dir, root)
    refuse_foreign_ledger(ledger, out_rel,
                          display_path(project.state_dir / LEDGER_FILE, root))
    plan = Plan()
    # One lstat per folder, not a realpath per file; a folder counts as inside when it
    # resolves into the output folder (a link to elsewhere in the project does not).
    folders = FolderCheck(root, project.output_dir)

    def rel(path: str) -> str:
        return f"{out_rel}/{path}" if out_rel not in ("", ".") else path

    # Secrets first: an agent with a missing secret is blocked entirely.
    blocked: dict[str, str] = {}
    env_contents: dict[str, tuple[bytes, list[str]]] = {}
    for env_path, spec in sorted(tree.env_files.items()):
        if only_agents is not None and spec.agent not in only_agents:
            continue
        pairs: list[tuple[str, str]] = []
        for var in spec.variables:
            found = resolver.get(var.credential)
            if found.value is None:
                message = (
                    f"credential '{var.credential.name}' ({var.name}, {var.purpose}) has no "
                    f"value: looked in " + "; ".join(found.looked)
                )
                blocked.setdefault(spec.agent, message)
                plan.errors.append(
                    Diagnostic(
                        "error", "E401", message, path=f"agents[{spec.agent}]",
                        detail=(
                            f"Store it with `agentctl secrets set {var.credential.name}` "
                            f"(keyring service '{var.credential.keyring.service}' user "
                            f"'{keyring_username(var.credential)}')"
                            + (f" or export {var.credential.env}" if var.credential.env else "")
                            + "."
                        ),
                    )
                )
                continue
            pairs.append((var.name, var.prefix + found.value))
        if spec.agent in blocked:
            continue
        header = f"Secrets of agent {spec.agent}, written by agentctl. Never commit."
        try:
            content = (spec.codec.format(pairs, header) if spec.codec
                       else format_env_file(pairs, header))
        except ValueError as exc:  # EnvFileError included; the message names no value
            blocked[spec.agent] = str(exc)
            plan.errors.append(Diagnostic("error", "E402", str(exc), path=f"agents[{spec.agent}]"))
            continue
        env_contents[env_path] = (content, [v.name for v in spec.variables])

    def wanted(agent: str | None) -> bool:
        if agent is not None and agent in blocked:
            return False
        return only_agents is None or agent is None or agent in only_agents

    touched_agents: set[str] = set()
    desired_paths: set[str] = set()
    for path, file_spec in sorted(tree.files.items()):
        full = rel(path)
        desired_paths.add(full)
        if not wanted(file_spec.agent):
            continue
        if file_spec.create_only and (root / full).exists():
            continue  # a template's _skip_if_exists file: written once, then left alone
        change = _compare(project, ledger, full, file_spec.content, file_spec.mode,
                          file_spec.agent, env=False, folders=folders)
        if change is not None:
            plan.changes.append(change)
        plan.writes[full] = Write(file_spec.content, file_spec.mode, file_spec.agent)
    for path, (content, names) in sorted(env_contents.items()):
        full = rel(path)
        agent = tree.env_files[path].agent
        if not wanted(agent):
            continue
        codec = tree.env_files[path].codec
        change = _compare(project, ledger, full, content, ENV_FILE_MODE, agent, env=True,
                          parse=codec.parse if codec else parse_env_file, folders=folders,
                          env_names=names)
        if change is not None:
            plan.changes.append(change)
        plan.writes[full] = Write(content, ENV_FILE_MODE, agent, names)
    # Every wanted env file, blocked ones included: a blocked agent's file is not an orphan.
    for path in tree.env_files:
        desired_paths.add(rel(path))

    _orphans(plan, project, ledger, desired_paths, wanted, tree.target, folders,
             with_pending=only_agents is None)

    for change in plan.changes:
        if change.agent:
            touched_agents.add(change.agent)

    # Per-agent actions.
    for name in sorted(set(tree.agents) | set(ledger.agents)):
        if only_agents is not None and name not in only_agents:
            continue
        state = ledger.agents.get(name)
        lifecycle = state.lifecycle if state else "draft"
        status = state.runtime_status if state else "stopped"
        action: AgentAction = "none"
        if name in blocked:
            action = "provision" if lifecycle != "ready" else "update"
            plan.agents.append(AgentPlan(name, action, lifecycle, status, blocked[name]))
            continue
        if name in tree.agents:
            if lifecycle != "ready":
                action = "provision"
            elif status == "error":
                action = "retry"
            elif name in touched_agents:
                action = "update"
        elif lifecycle not in ("deprovisioned", "draft"):
            action = "deprovision"
        plan.agents.append(AgentPlan(name, action, lifecycle, status))
    plan.outputs = {name: out for name, out in tree.agents.items()}
    plan.target = tree.target
    plan.inputs_digest = inputs_digest(list(inputs), root)
    plan.state_digest = _state_digest(project, ledger, plan)
    return plan


def _compare(
    project: Project,
    ledger: Ledger,
    full: str,
    content: bytes,
    mode: int,
    agent: str | None,
    *,
    env: bool,
    parse: Callable[[bytes], dict[str, str] | None] = parse_env_file,
    folders: FolderCheck | None = None,
    env_names: list[str] | None = None,
) -> FileChange | None:
    """What differs between ``content``/``mode`` and the file at ``full`` (relative to the
    project root), as one change, or None when they match. Never reads through a link.

    A file whose bytes and mode already match but whose ledger record does not (an apply
    killed after writing it, before recording it) is an ``update``: apply brings the
    record up to date. A file holding the bytes the ledger's write-ahead intent names
    (``Ledger.pending``) is agentctl's own, never drift.
    """
    # One open (never through a final symlink) and one fstat per file: a fleet plan
    # compares thousands of files. Folders on the way are checked first, once each.
    if not (folders or FolderCheck(project.root, project.output_dir)).inside(full):
        # a folder on the way links elsewhere: never read what it leads to
        return FileChange(full, "drift", agent, _LINKED_OUT, None, env_file=env)
    st, disk = read_regular(os.path.join(project.root, full))
    if st is not None and stat.S_ISLNK(st.st_mode):
        return FileChange(full, "drift", agent, "a symlink stands here; agentctl will not "
                          "write through it", None, env_file=env)
    if disk is None:
        if st is not None:
            return FileChange(full, "drift", agent, "something that is not a file stands here",
                              None, env_file=env)
        if env:
            return FileChange(full, "create", agent, "new env file", None,
                              sorted(parse(content) or {}), env_file=True)
        lines = content.count(b"\n")
        return FileChange(full, "create", agent, f"new file, {lines} lines")
    same_bytes = disk == content
    disk_mode = st.st_mode & 0o777 if st is not None else 0
    same_mode = disk_mode == mode
    if env:
        if same_bytes and same_mode:
            env_record = ledger.env_files.get(full)
            if env_record is None or env_record.variables != sorted(env_names or []):
                return FileChange(full, "update", agent, _CATCH_UP, None, [], env_file=True)
            return None
        reason, changed = _env_change_reason(disk, content, parse)
        if not same_mode and same_bytes:
            reason = f"mode {oct(disk_mode)[2:]} → {oct(mode)[2:]}"
        return FileChange(full, "update", agent, reason, None, changed, env_file=True)
    record = ledger.files.get(full)
    if same_bytes:
        if not same_mode:
            return FileChange(full, "update", agent,
                              f"mode {oct(disk_mode)[2:]} → {oct(mode)[2:]}")
        if record is None:
            if ledger.pending.get(full) is not None:
                return FileChange(full, "update", agent, _CATCH_UP)
            return FileChange(full, "update", agent,
                              "matches the catalogue; agentctl takes it over")
        if record.mode != mode or record.sha256 != sha256(content):
            return FileChange(full, "update", agent, _CATCH_UP)
        return None
    diff = text_diff(full, disk, content)
    disk_sha = sha256(disk)
    if disk_sha == ledger.pending.get(full):
        return FileChange(full, "update", agent, "catalogue changed (since an interrupted "
                          "apply wrote it)", diff)
    if record is None:
        return FileChange(full, "drift", agent, "exists but agentctl did not write it", diff)
    if disk_sha != record.sha256:
        return FileChange(full, "drift", agent, "edited by hand since agentctl wrote it", diff)
    return FileChange(full, "update", agent, "catalogue changed", diff)


#: Why plan neither reads nor writes a file: a folder on its way is a link leading out.
_LINKED_OUT = "a folder on the way leads out of the output folder through a symlink"
#: Why a file whose bytes already match is still an update.
_CATCH_UP = "already written by an interrupted apply; the ledger records it now"


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


def _orphans(plan: Plan, project: Project, ledger: Ledger, desired: set[str],
             wanted: Callable[[str | None], bool], target: str, folders: FolderCheck, *,
             with_pending: bool) -> None:
    """Deletes (or drift) for ledger files the tree no longer wants; a file the ledger
    names but that is gone is only dropped from the ledger (``ledger_cleanup``).

    Never reads or deletes through a folder that leads out of the output folder
    (``folders`` says which do).
    """
    root = project.root
    readable = folders.inside

    for full, record in sorted(ledger.files.items()):
        if full in desired or not wanted(record.agent):
            continue
        if not readable(full):
            plan.changes.append(FileChange(full, "drift", record.agent, _LINKED_OUT, None))
            continue
        disk = _read(root / full)
        if disk is None:
            plan.ledger_cleanup.append(full)
            continue
        gone = ("no longer in the catalogue" if record.target == target
                else f"rendered for target {record.target}; this plan is for {target}")
        if sha256(disk) not in (record.sha256, ledger.pending.get(full)):
            plan.changes.append(FileChange(full, "drift", record.agent,
                                           "edited by hand since agentctl wrote it; "
                                           + gone, text_diff(full, disk, None)))
        else:
            plan.changes.append(FileChange(full, "delete", record.agent, gone,
                                           text_diff(full, disk, None)))
    if with_pending:  # an interrupted apply's files it never recorded
        _pending_orphans(plan, root, ledger, desired, readable)
    for full, env_record in sorted(ledger.env_files.items()):
        if full in desired or not wanted(env_record.agent):
            continue
        if readable(full) and os.path.lexists(root / full):
            plan.changes.append(FileChange(full, "delete", env_record.agent,
                                           "no longer needed" if env_record.target
                                           == target else f"rendered for target "
                                           f"{env_record.target}; this plan is for "
                                           f"{target}", None,
                                           sorted(env_record.variables), env_file=True))
        elif readable(full):
            plan.ledger_cleanup.append(full)
        else:
            plan.changes.append(FileChange(full, "drift", env_record.agent, _LINKED_OUT,
                                           None, env_file=True))


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
        disk = _read(root / full)
        if disk is None or (intended is not None and sha256(disk) != intended):
            continue
        plan.changes.append(FileChange(full, "delete", None, "written by an interrupted "
                                       "apply; no longer in the catalogue",
                                       None if intended is None else text_diff(full, disk,
                                                                               None),
                                       env_file=intended is None))


def _state_digest(project: Project, ledger: Ledger, plan: Plan) -> str:
    """sha256 over the ledger and the on-disk hash of every non-env file the plan touches.

    The ledger counts as the bytes it was read from (``loaded_sha256``): plan and apply
    both load it afresh before planning, and hashing the bytes skips rebuilding a fleet's
    ledger document (0.1 s at 1,000 agents). A ledger made in memory uses its content.
    """
    h = hashlib.sha256((ledger.loaded_sha256 or ledger.digest()).encode())
    for change in sorted(plan.changes, key=lambda c: c.path):
        if change.env_file:
            continue
        disk = _read(project.root / change.path)
        h.update(f"{change.path}\0{sha256(disk) if disk is not None else '-'}\n".encode())
    return h.hexdigest()


def plan_file_json(plan: Plan) -> bytes:
    """The plan as saved by ``plan --out``: deterministic JSON bytes."""
    return (json.dumps(plan.to_json(), indent=2, sort_keys=True) + "\n").encode()
