"""The loaded catalogue as values: :class:`Located` entries and the :class:`Catalogue`.

Plain data made by :mod:`agentctl.catalogue.load` and read by every later stage.
"""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any, Generic, TypeVar

from msgspec import Struct, field

from agentctl.catalogue.primitives import Command, Hook, Rule, Subagent
from agentctl.catalogue.project import Project
from agentctl.catalogue.schema import (
    Agent,
    Credential,
    Entry,
    MCPServer,
    Model,
    Provider,
    Skill,
    SkillSource,
)
from agentctl.catalogue.skills import SkillContent
from agentctl.catalogue.yamlsource import PathKey, YamlDocument
from agentctl.diagnostics import Diagnostic, Position


class InstructionsText(Struct, frozen=True):
    """The text of one agent's ``instructions_file`` (None when it could not be read),
    the problems why not, and the file's path once it is known to be a regular file
    (see :mod:`agentctl.catalogue.instructions`)."""

    text: str | None
    problems: tuple[Diagnostic, ...] = ()
    file: Path | None = None


E = TypeVar("E", bound=Entry)


class Located(Struct, Generic[E], frozen=True):
    """A catalogue entry with the document it came from and its path in that document."""

    entry: E
    doc: YamlDocument
    path: PathKey
    base_dir: Path
    #: The catalogue file the entry is written in (None for entries made in code).
    file: Path | None = None

    def pos(self, *fields: str | int, key: bool = False) -> Position:
        """Position of a field of this entry (the entry itself with no ``fields``)."""
        return self.doc.position((*self.path, *fields), prefer_key=key)


class Catalogue(Struct):
    """Every entry of a project's catalogue, by kind and name, plus skill contents.

    ``files`` lists the catalogue files read, and ``inputs`` every input file (catalogue,
    instruction and skill files) for the plan's input digest.
    """

    project: Project
    credentials: dict[str, Located[Credential]] = field(default_factory=dict)
    providers: dict[str, Located[Provider]] = field(default_factory=dict)
    models: dict[str, Located[Model]] = field(default_factory=dict)
    mcp_servers: dict[str, Located[MCPServer]] = field(default_factory=dict)
    skill_sources: dict[str, Located[SkillSource]] = field(default_factory=dict)
    skills: dict[str, Located[Skill]] = field(default_factory=dict)
    agents: dict[str, Located[Agent]] = field(default_factory=dict)
    subagents: dict[str, Located[Subagent]] = field(default_factory=dict)
    commands: dict[str, Located[Command]] = field(default_factory=dict)
    hooks: dict[str, Located[Hook]] = field(default_factory=dict)
    rules: dict[str, Located[Rule]] = field(default_factory=dict)
    skill_contents: dict[str, SkillContent] = field(default_factory=dict)
    warnings: list[Diagnostic] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    #: (kind, name) of entries that come from agentctl's built-in catalogue.
    builtin: set[tuple[str, str]] = field(default_factory=set)
    #: The ``sources`` of ``agentctl.lock`` (see :mod:`agentctl.catalogue.skill_sources`).
    lock: dict[str, Any] = field(default_factory=dict)
    #: Skills taken from a skill source, registered once every file is read.
    pending_skills: list[Located[Skill]] = field(default_factory=list)
    #: Errors found while loading, when the caller deferred them (see :func:`load_catalogue`).
    problems: list[Diagnostic] = field(default_factory=list)
    #: (kind, name) of entries written in the catalogue but refused by their own checks:
    #: a reference to one is not "unknown" (the entry's own error says what is wrong).
    broken: set[tuple[str, str]] = field(default_factory=set)
    #: Each agent's ``instructions_file`` as read while loading, by agent name (only
    #: agents that name one).
    instructions: dict[str, InstructionsText] = field(default_factory=dict)

    def is_broken(self, kind: str, name: str) -> bool:
        """True when ``name`` of ``kind`` is written but was refused by its own checks."""
        return (kind, name) in self.broken

    def kind(self, kind: str) -> dict[str, Located[Any]]:
        """The entries of one kind (a key of
        :data:`~agentctl.catalogue.primitives.CATALOGUE_KINDS`)."""
        return typing.cast(dict[str, Located[Any]], getattr(self, kind))
