"""Diagnostics: what went wrong, where, and how to fix it.

Every user-facing problem is a :class:`Diagnostic` carrying a stable code, the file,
line and column it points at (1-based), the catalogue field path, a one-line summary and
a detail that says how to fix it. A stage that finds problems collects them all and
raises :class:`DiagnosticError` once, so a run reports every error together.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Position:
    """A place in a source file: 1-based ``line`` and ``column``; ``file`` as given.

    ``byte`` is the 0-based byte offset of the place in the file, when known. ``end``
    is where the value starting here ends (the end of its YAML node: the position just
    after its last character), when known; it never takes part in ordering.
    """

    file: str
    line: int = 0
    column: int = 0
    byte: int | None = field(default=None, compare=False)
    end: Position | None = field(default=None, compare=False)

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a project.

    ``code`` is stable across releases (``E1xx`` syntax and schema, ``E2xx`` references,
    ``E3xx`` skills and files, ``E4xx`` secrets, ``E5xx`` runtime pairings, ``W…`` warnings).
    ``path`` is the catalogue field path, e.g. ``agents[reviewer].model``.
    """

    severity: Severity
    code: str
    summary: str
    position: Position | None = None
    path: str = ""
    detail: str = ""
    end: Position | None = field(default=None, compare=False)

    def format(self) -> str:
        """Return the diagnostic as ``file:line:col: error[CODE] path: summary`` plus detail."""
        where = f"{self.position}: " if self.position else ""
        subject = f"{self.path}: " if self.path else ""
        text = f"{where}{self.severity}[{self.code}] {subject}{self.summary}"
        if self.detail:
            text += "\n  " + self.detail.replace("\n", "\n  ")
        return text


class DiagnosticError(Exception):
    """Raised by a pipeline stage when it found one or more errors.

    ``diagnostics`` holds every problem found (warnings included), errors first in
    file order. Never carries a secret value.
    """

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = sort_diagnostics(diagnostics)
        errors = [d for d in self.diagnostics if d.severity == "error"]
        super().__init__(
            f"{len(errors)} error(s)" + (": " + errors[0].summary if errors else "")
        )

    def __reduce__(self) -> tuple[type[DiagnosticError], tuple[list[Diagnostic]]]:
        # Picklable (render workers send it back): rebuilt from its diagnostics, not args.
        return (DiagnosticError, (list(self.diagnostics),))

    @property
    def errors(self) -> list[Diagnostic]:
        """Only the diagnostics of severity ``error``."""
        return [d for d in self.diagnostics if d.severity == "error"]


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Sort diagnostics by file, line and column, then code; positionless ones last."""

    def key(d: Diagnostic) -> tuple[int, str, int, int, str, str]:
        if d.position is None:
            return (1, "", 0, 0, d.code, d.path)
        p = d.position
        return (0, p.file, p.line, p.column, d.code, d.path)

    return sorted(diagnostics, key=key)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest of ``choices``, or ``""``."""
    match = difflib.get_close_matches(word, sorted(set(choices)), n=1, cutoff=0.6)
    return f" Did you mean '{match[0]}'?" if match else ""


def display_path(path: Path, root: Path) -> str:
    """Return ``path`` relative to ``root`` when inside it, else absolute, with ``/``."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
