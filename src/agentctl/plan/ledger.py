"""The ledger, ``.agentctl/state.json``: what agentctl wrote and where each agent stands.

It records every managed file with its sha256 (so plan can tell a hand edit from a
pending change, and prune only what agentctl made), each env file with its variable
names (never values or hashes of values), and per agent its lifecycle, runtime status
and last error, following the seed's ``Agent.mark_*`` methods.

While an apply runs, ``pending`` holds its write-ahead intent: every file it is about to
write, with the sha256 of the bytes it will get (None for env files: no hashes of
secret values). It is saved before the first file is written and cleared by the last
save, so after a kill -9 the next plan knows a file holding its intended bytes is
agentctl's own half-finished write, not a hand edit, and the next apply knows in which
folders to look for temp files left behind. The key is left out while empty, so a
converged ledger reads as before.

Lifecycle (seed ``AgentLifecycle``): draft → provisioning → ready; a teardown
goes ready → deprovisioning → deprovisioned. Runtime status (seed ``RuntimeStatus``):
stopped | running | error | warning. ``apply`` renders files but does not start
containers, so a provisioned agent's status is ``stopped`` until observed otherwise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from msgspec import Struct
from msgspec.structs import asdict

from agentctl.catalogue.project import Project
from agentctl.support.fsutil import atomic_write, read_regular

FORMAT_VERSION = 1
#: The ledger's name in the state folder (``.agentctl/``).
LEDGER_FILE = "state.json"
Lifecycle = Literal["draft", "provisioning", "ready", "deprovisioning", "deprovisioned"]
RuntimeStatus = Literal["stopped", "running", "error", "warning"]


class LedgerError(Exception):
    """The ledger file is unreadable or from an unknown format version."""


class FileRecord(Struct):
    """A file agentctl wrote: its sha256, mode, owning agent (None: shared) and target."""

    sha256: str
    mode: int
    agent: str | None = None
    target: str = "compose"  # the deployment target that rendered it


class EnvRecord(Struct):
    """A secret file agentctl wrote: owning agent, variable names (no values), target."""

    agent: str
    variables: list[str]
    target: str = "compose"  # the deployment target that rendered it


class AgentState(Struct):
    """One agent's provision state (seed: ``Agent.lifecycle``, ``runtime_status``, …)."""

    lifecycle: Lifecycle = "draft"
    runtime_status: RuntimeStatus = "stopped"
    last_error: str = ""
    runtime: str = ""
    workspace: str = ""
    service: str = ""

    def mark_provisioning(self) -> None:
        """Enter the provision flow: lifecycle provisioning, run state reset to stopped."""
        self.lifecycle = "provisioning"
        self.runtime_status = "stopped"

    def mark_provisioned(self, *, workspace: str, service: str = "") -> None:
        """Record the rendered workspace/service, lifecycle ready, and clear any error."""
        self.workspace = workspace
        self.service = service
        self.lifecycle = "ready"
        self.runtime_status = "stopped"
        self.last_error = ""

    def mark_provision_failed(self, message: str, *, clear_instances: bool = False) -> None:
        """Record a failure: status error with the reason; lifecycle follows the workspace.

        An agent still holding a workspace stays ready; one with nothing is a clean
        draft retry. Never stranded mid-flow.
        """
        self.runtime_status = "error"
        self.last_error = message
        if clear_instances:
            self.workspace = ""
            self.service = ""
        self.lifecycle = "ready" if self.workspace else "draft"

    def mark_deprovisioning(self) -> None:
        """Start a teardown."""
        self.lifecycle = "deprovisioning"

    def mark_deprovisioned(self) -> None:
        """Teardown done: instances cleared, lifecycle deprovisioned, status stopped."""
        self.workspace = ""
        self.service = ""
        self.lifecycle = "deprovisioned"
        self.runtime_status = "stopped"
        self.last_error = ""


@dataclass
class Ledger:
    """Everything in ``state.json``. Paths are POSIX, relative to the project root."""

    files: dict[str, FileRecord] = field(default_factory=dict)
    env_files: dict[str, EnvRecord] = field(default_factory=dict)
    agents: dict[str, AgentState] = field(default_factory=dict)
    #: The running apply's intent: path → sha256 it is about to write (None: an env file).
    pending: dict[str, str | None] = field(default_factory=dict)
    #: sha256 of ``state.json``'s bytes as :meth:`load` read them (None: no file yet).
    #: Valid until the ledger is changed in memory; a plan's state digest uses it.
    loaded_sha256: str | None = field(default=None, compare=False)

    def digest(self) -> str:
        """sha256 of the ledger's content (compact JSON: the C encoder, unlike indented
        output, so a fleet's plan does not pay for pretty-printing what it only hashes)."""
        import hashlib

        blob = json.dumps(self._document(), sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(blob).hexdigest()

    def _document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "files": {k: asdict(v) for k, v in self.files.items()},
            "env_files": {k: {"agent": v.agent, "variables": list(v.variables),
                              "target": v.target}
                          for k, v in sorted(self.env_files.items())},
            "agents": {k: asdict(v) for k, v in self.agents.items()},
        }
        if self.pending:
            doc["pending"] = dict(sorted(self.pending.items()))
        return doc

    def to_json(self) -> bytes:
        """Deterministic JSON (sorted keys, 2-space indent, final newline)."""
        return (json.dumps(self._document(), indent=2, sort_keys=True) + "\n").encode()

    def save(self, path: Path) -> None:
        """Write the ledger atomically (mode 0644), fsynced.

        Raises :class:`~agentctl.support.fsutil.FileSystemError` (the old ledger is then intact).
        """
        atomic_write(path, self.to_json(), 0o644)

    @staticmethod
    def read_digest(path: Path) -> str | None:
        """sha256 of the ledger file's bytes now (None: no file), to compare with
        :attr:`loaded_sha256`: has another run saved it since it was loaded?

        Raises :class:`LedgerError` when it exists but cannot be read.
        """
        import hashlib

        try:
            return hashlib.sha256(_read_file(path)).hexdigest()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise LedgerError(f"cannot read the ledger {path}: {exc.strerror}") from None

    @classmethod
    def load(cls, path: Path) -> Ledger:
        """Read ``path``; a missing file is an empty ledger. Raises :class:`LedgerError`."""
        if not path.exists():
            return cls()
        import hashlib

        try:
            raw = _read_file(path)
            doc = json.loads(raw.decode("utf-8"))
            if doc.get("format_version") != FORMAT_VERSION:
                raise LedgerError(
                    f"{path} has format_version {doc.get('format_version')!r}; this agentctl "
                    f"reads {FORMAT_VERSION}"
                )
            return cls(
                files={k: FileRecord(**v) for k, v in doc.get("files", {}).items()},
                env_files={k: EnvRecord(**v) for k, v in doc.get("env_files", {}).items()},
                agents={k: AgentState(**v) for k, v in doc.get("agents", {}).items()},
                pending={k: v if isinstance(v, str) else None
                         for k, v in doc.get("pending", {}).items()},
                loaded_sha256=hashlib.sha256(raw).hexdigest(),
            )
        except RecursionError:
            raise LedgerError(
                f"cannot read the ledger {path}: it nests deeper than any ledger agentctl "
                "writes. Restore it from backup or delete it (agentctl then adopts files that "
                "match the catalogue)."
            ) from None
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            raise LedgerError(
                f"cannot read the ledger {path}: {exc}. Restore it from backup or delete it "
                "(agentctl then adopts files that match the catalogue)."
            ) from None


def _read_file(path: Path) -> bytes:
    """The bytes of the regular file ``path``, never following a final symlink and never
    waiting on a FIFO or device. Raises ``FileNotFoundError`` when nothing is there and
    :class:`OSError` (``EINVAL``, "not a regular file") for anything else."""
    import errno

    st, content = read_regular(str(path))
    if st is None:
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", str(path))
    if content is None:
        raise OSError(errno.EINVAL, "not a regular file", str(path))
    return content


def ledger_path(project: Project) -> Path:
    """Where ``project``'s ledger lives: ``<state folder>/state.json``."""
    return project.state_dir / LEDGER_FILE


def applied_target(ledger: Ledger) -> str | None:
    """The one target the ledger's files were rendered for, or None (none or several)."""
    found = {r.target for r in ledger.files.values()} | {
        r.target for r in ledger.env_files.values()}
    return found.pop() if len(found) == 1 else None
