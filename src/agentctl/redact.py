"""Masking secret values in everything agentctl prints.

Every secret value agentctl resolves is registered here before it is used; every line
the CLI prints, and every error message, passes through :func:`redact`.
"""

from __future__ import annotations

MASK = "••••••"
_values: set[str] = set()


def register(value: str) -> None:
    """Remember ``value`` as secret so :func:`redact` masks it (and each of its lines)."""
    for part in {value, *value.splitlines()}:
        if len(part.strip()) >= 4:
            _values.add(part)


def redact(text: str) -> str:
    """Return ``text`` with every registered secret value replaced by :data:`MASK`."""
    for value in sorted(_values, key=len, reverse=True):
        if value in text:
            text = text.replace(value, MASK)
    return text


def clear() -> None:
    """Forget every registered value (tests)."""
    _values.clear()
