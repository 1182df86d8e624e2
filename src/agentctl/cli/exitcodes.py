"""agentctl's exit codes: one meaning each, for every verb (CI wrappers rely on them).

The documentation's exit-code reference is generated from :data:`EXIT_CODES`
(``docs/hooks/reference.py``), and the CLI takes its codes from the constants here.
Usage errors are 64 (sysexits.h ``EX_USAGE``) because Click's own 2 means "changes" here.
"""

from __future__ import annotations

from typing import NamedTuple

OK = 0
ERROR = 1
CHANGES = 2
EX_USAGE = 64
INTERRUPTED = 130


class ExitCode(NamedTuple):
    """One exit code: its number, what it means and which verbs give it."""

    code: int
    meaning: str
    source: str


EXIT_CODES: tuple[ExitCode, ...] = (
    ExitCode(OK, "success; no changes; output current", "every verb"),
    ExitCode(ERROR, "an error: invalid catalogue, missing secret, refused apply or destroy, "
             "unreadable ledger, …; `apply` also after a partial apply (blocked agents)",
             "every verb"),
    ExitCode(CHANGES, "changes or drift, never an error",
             "`plan --detailed-exitcode` (changes to apply), `render --check` (committed "
             "output stale)"),
    ExitCode(EX_USAGE, "usage error: unknown verb or flag, bad option value, missing "
             "argument (sysexits `EX_USAGE`)", "every verb"),
    ExitCode(INTERRUPTED, "interrupted (Ctrl-C)", "every verb"),
)
