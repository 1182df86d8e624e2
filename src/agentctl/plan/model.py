"""The plan as a value: file changes, agent actions, the bytes apply will write.

A plan serialises (:meth:`Plan.to_json`, ``format_version`` "1.0") without any file
content or secret value; its digests let ``apply PLANFILE`` refuse a plan whose inputs
or state changed (:mod:`agentctl.plan.saved`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from msgspec import Struct

from agentctl.diagnostics import Diagnostic
from agentctl.plan.statcache import StatCache

FORMAT_VERSION = "1.0"
FileAction = Literal["create", "update", "delete", "drift"]
AgentAction = Literal["provision", "update", "retry", "deprovision", "none"]


class FileChange(Struct):
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


class AgentPlan(Struct):
    """What happens to one agent, its current lifecycle and any blocking error."""

    name: str
    action: AgentAction
    lifecycle: str
    runtime_status: str
    error: str = ""


class Write(Struct):
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
    #: The stat cache the plan read and noted files through (not part of the plan's value).
    stats: StatCache | None = field(default=None, compare=False, repr=False)

    @property
    def has_changes(self) -> bool:
        """True when apply would change a file or an agent's lifecycle."""
        return bool(self.changes) or any(a.action != "none" for a in self.agents)

    @property
    def blocked(self) -> bool:
        """True when errors block every agent with changes: no agent's file would change,
        no unblocked agent's state, and no shared file that a ready agent needs (apply then
        writes nothing). Shared files are safe to write beside blocked agents: their
        target keeps the output startable (:meth:`~agentctl.targets.base.Target.startable`),
        so a catalogue change reaching the ready agents only through compose.yaml is
        applied; with every agent blocked nothing is."""
        ready = any(not a.error for a in self.agents)
        return bool(self.errors) and not any(c.agent is not None for c in self.changes) \
            and not any(a.action != "none" and not a.error for a in self.agents) \
            and not (ready and self.changes)

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


def plan_file_json(plan: Plan) -> bytes:
    """The plan as saved by ``plan --out``: deterministic JSON bytes."""
    return (json.dumps(plan.to_json(), indent=2, sort_keys=True) + "\n").encode()
