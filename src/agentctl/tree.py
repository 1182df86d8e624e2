"""The desired tree: what render produces and plan compares against disk.

Paths are POSIX strings relative to the project's output folder. Rendering holds no
secret values: env files are described by :class:`EnvFileSpec` (which variables, from
which credentials) and only get values at plan/apply time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agentctl.schema import Credential

#: Permission bits of rendered files; env files are always 0600.
FILE_MODE = 0o644
EXEC_MODE = 0o755
ENV_FILE_MODE = 0o600


@dataclass(frozen=True)
class FileSpec:
    """One rendered file: ``content`` bytes, permission ``mode``, owning ``agent`` (or None)."""

    content: bytes
    mode: int = FILE_MODE
    agent: str | None = None


@dataclass(frozen=True)
class EnvVar:
    """One env file variable: its ``name``, the ``credential`` it comes from and why."""

    name: str
    credential: Credential
    purpose: str


@dataclass(frozen=True)
class EnvFileSpec:
    """An agent's env file: the variables its service needs, in file order."""

    agent: str
    variables: tuple[EnvVar, ...]


@dataclass(frozen=True)
class AgentOutput:
    """Where an agent was rendered: its ``workspace`` folder and compose ``service``."""

    runtime: str
    workspace: str
    service: str | None
    env_file: str | None


@dataclass
class DesiredTree:
    """Everything render wants on disk, plus per-agent facts for the ledger."""

    files: dict[str, FileSpec] = field(default_factory=dict)
    env_files: dict[str, EnvFileSpec] = field(default_factory=dict)
    agents: dict[str, AgentOutput] = field(default_factory=dict)
