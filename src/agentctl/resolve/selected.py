"""The values of an agent's resolved subagents, commands, hooks and scoped rules.

Made by :mod:`agentctl.resolve.primitives`, carried on
:attr:`~agentctl.resolve.model.ResolvedAgent.primitives`, read by the runtimes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Generic, TypeVar

from msgspec import Struct

from agentctl.catalogue.model import Located
from agentctl.catalogue.primitives import PRIMITIVE_KINDS, Command, Hook, Rule, Subagent
from agentctl.catalogue.schema import Entry, Model
from agentctl.diagnostics import Position

E = TypeVar("E", bound=Entry)
#: Section → the singular word messages use.
WORDS = {"subagents": "subagent", "commands": "command", "hooks": "hook", "rules": "rule"}


class Selected(Struct, Generic[E], frozen=True):
    """One primitive as an agent selects it: the entry, where the selection is written
    (``where``, ``path``: the agent's list item, or its parent's when inherited) and
    where the entry itself is written (``located``; left out of render cache keys)."""

    entry: E
    where: Position
    path: str
    located: Located[E] | None = None

    @property
    def name(self) -> str:
        """The primitive's name."""
        return str(getattr(self.entry, "name", ""))


class ResolvedSubagent(Selected[Subagent], frozen=True):
    """A subagent with its model (None: the agent's own) and the MCP servers it may use,
    each with its allowed tools (None: every tool the agent may call on it)."""

    model: Model | None = None
    servers: tuple[tuple[str, tuple[str, ...] | None], ...] = ()


class ResolvedPrimitives(Struct, frozen=True):
    """An agent's subagents, commands, hooks and rules, in the order it lists them."""

    subagents: tuple[ResolvedSubagent, ...] = ()
    commands: tuple[Selected[Command], ...] = ()
    hooks: tuple[Selected[Hook], ...] = ()
    rules: tuple[Selected[Rule], ...] = ()

    def by_kind(self) -> Iterator[tuple[str, tuple[Selected[Any], ...]]]:
        """(section, selections) for each of :data:`PRIMITIVE_KINDS`."""
        for kind in PRIMITIVE_KINDS:
            yield kind, getattr(self, kind)
