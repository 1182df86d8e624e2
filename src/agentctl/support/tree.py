"""The desired tree: what render produces and plan compares against disk.

Paths are POSIX strings relative to the project's output folder. Rendering holds no
secret values: env files are described by :class:`EnvFileSpec` (which variables, from
which credentials) and only get values at plan/apply time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from msgspec import Struct, field

if TYPE_CHECKING:
    from pathlib import Path

    from agentctl.catalogue.schema import Credential
    from agentctl.diagnostics import Diagnostic

#: Permission bits of rendered files; env files are always 0600.
FILE_MODE = 0o644
EXEC_MODE = 0o755
ENV_FILE_MODE = 0o600


class FileSpec(Struct, frozen=True):
    """One rendered file: ``content`` bytes, permission ``mode``, owning ``agent`` (or None).

    ``create_only`` files (a template's ``_skip_if_exists``) are written when missing and
    never updated afterwards: the agent or its user owns them once they exist.
    """

    content: bytes
    mode: int = FILE_MODE
    agent: str | None = None
    create_only: bool = False


class EnvVar(Struct, frozen=True):
    """One env file variable: its ``name``, the ``credential`` it comes from and why."""

    name: str
    credential: Credential
    purpose: str
    #: Written before the value (``"Bearer "`` for a header a secret carries whole).
    prefix: str = ""


class SecretCodec(Protocol):
    """How a secret file other than a compose env file is written and read back.

    ``format`` raises ``ValueError`` naming the key (never the value) for what it cannot
    carry; ``parse`` returns None for bytes not in its format. Implementations are
    frozen records (msgspec ``Struct``) so two renders of the same input compare equal.
    """

    def format(self, pairs: list[tuple[str, str]], header: str) -> bytes:
        """Serialise ``(name, value)`` pairs, ``header`` as a comment."""
        ...

    def parse(self, content: bytes) -> dict[str, str] | None:
        """Read the pairs back, or None."""
        ...


class EnvFileSpec(Struct, frozen=True):
    """An agent's env file: the variables its service needs, in file order."""

    agent: str
    variables: tuple[EnvVar, ...]
    codec: SecretCodec | None = None


class AgentOutput(Struct, frozen=True):
    """Where an agent was rendered: its ``workspace`` folder and compose ``service``."""

    runtime: str
    workspace: str
    service: str | None
    env_file: str | None


class DesiredTree(Struct):
    """Everything render wants on disk, plus per-agent facts for the ledger."""

    files: dict[str, FileSpec] = field(default_factory=dict)
    env_files: dict[str, EnvFileSpec] = field(default_factory=dict)
    agents: dict[str, AgentOutput] = field(default_factory=dict)
    #: The deployment target that rendered this tree (:mod:`agentctl.targets`).
    target: str = "compose"
    #: Warnings found while rendering (what a target cannot carry over, template files
    #: shadowed by runtime files, …).
    warnings: list[Diagnostic] = field(default_factory=list)
    #: Agents rendered afresh this run (the rest came from the render cache).
    rendered_agents: list[str] = field(default_factory=list)
    #: Every template file the render read (inputs of the plan's digest).
    template_files: list[Path] = field(default_factory=list)
