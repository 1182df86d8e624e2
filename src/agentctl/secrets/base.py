"""The secret backend Protocol: where a credential's value lives, and how to ask for it.

A backend answers three questions about one :class:`SourceRef` (a credential's name and
the parameters of one of its sources): its value (``None`` for "not set"), a place name
for messages, and, where the backend can store, ``set``/``remove``. "Not set" and "the
backend cannot answer" are never confused: the second raises :class:`BackendUnavailable`
naming the backend and how to fix it. No message ever holds a value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from msgspec import Struct, field


class BackendUnavailable(Exception):
    """A backend cannot answer at all (not installed, locked, store missing, not trusted).

    ``backend`` names it; the message says what failed and how to fix it; ``verb`` says
    what was attempted (``read``, ``store`` or ``delete``).
    """

    def __init__(self, backend: str, message: str, verb: str = "read") -> None:
        super().__init__(message)
        self.backend = backend
        self.verb = verb


class UnusableValue(BackendUnavailable):
    """The backend answered, but with a value that cannot be used (not UTF-8 text, too
    large): the value's fault, not the backend's. The message says what is wrong with it
    and how to fix it, never the value; the credential is missing, the backend not down."""


class BackendContext(Struct, frozen=True):
    """What a backend may consult besides its parameters: the project root (relative
    paths are confined to it), the environment, and agentctl.yaml's ``secrets:`` age
    settings (``age_file`` relative to ``root``, ``age_recipients``)."""

    root: Path | None = None
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    age_file: str = "secrets.age.yaml"
    age_recipients: tuple[str, ...] = ()


class SourceRef(Struct, frozen=True):
    """One source of one credential: ``credential`` (its catalogue name), ``backend``,
    ``params`` (the source's other keys) and the run's :class:`BackendContext`."""

    credential: str
    backend: str
    params: Mapping[str, Any]
    context: BackendContext = field(default_factory=BackendContext)

    def text(self, key: str, default: str | None = None) -> str | None:
        """Parameter ``key`` as text (``default`` when absent)."""
        value = self.params.get(key, default)
        return None if value is None else str(value)


@runtime_checkable
class SecretBackend(Protocol):
    """A place secret values live. ``name`` is the ``backend:`` users write;
    ``can_store`` says whether ``set``/``remove`` work; ``params`` lists the parameter
    names it reads (anything else is an error at check time)."""

    name: str
    can_store: bool
    params: frozenset[str]

    def check(self, params: Mapping[str, Any]) -> list[str]:
        """Problems with ``params`` (one sentence each, saying how to fix it); [] if fine."""
        ...

    def where(self, ref: SourceRef) -> str:
        """The place looked, for messages: ``pass entry 'agentctl/x'``. Never a value."""
        ...

    def get(self, ref: SourceRef) -> str | None:
        """The value, or None when it is not set. Raises :class:`BackendUnavailable`."""
        ...

    def set(self, ref: SourceRef, value: str) -> None:
        """Store ``value`` (replacing any). Raises :class:`BackendUnavailable`."""
        ...

    def remove(self, ref: SourceRef) -> bool:
        """Delete the value; False when there was none. Raises :class:`BackendUnavailable`."""
        ...


class ReadOnly:
    """Mixin for backends that only read: ``set``/``remove`` say so."""

    name: str

    def set(self, ref: SourceRef, value: str) -> None:
        """Always raises :class:`BackendUnavailable`: this backend cannot store."""
        raise BackendUnavailable(self.name, f"the {self.name} backend cannot store values; "
                                 "store it where the source points, or give the credential "
                                 "a source that can (keyring, pass, age)", "store")

    def remove(self, ref: SourceRef) -> bool:
        """Always raises :class:`BackendUnavailable`: this backend cannot delete."""
        raise BackendUnavailable(self.name, f"the {self.name} backend cannot delete values",
                                 "delete")


def unknown_params(params: Mapping[str, Any], known: frozenset[str],
                   required: frozenset[str] = frozenset()) -> list[str]:
    """Problems for parameters outside ``known`` and ``required`` ones missing."""
    problems = [f"unknown parameter '{k}' (known: {', '.join(sorted(known)) or 'none'})"
                for k in sorted(params) if k not in known]
    problems += [f"parameter '{k}' is required" for k in sorted(required) if k not in params]
    return problems
