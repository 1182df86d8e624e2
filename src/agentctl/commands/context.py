"""Running a command: every user-facing failure becomes one message and an exit code.

Exit codes mean one thing everywhere (the README's table): 0 success or no changes,
1 error, 2 changes or drift (``plan --detailed-exitcode``, ``render --check``; never an
error), 64 a usage error (set by the CLI layer), 130 interrupted.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from agentctl.commands import ui
from agentctl.diagnostics import DiagnosticError
from agentctl.support.fsutil import describe_os_error
from agentctl.support.redact import format_exception

#: Exceptions a user's input or environment can cause, by module: each is printed as one
#: message and exit 1. Looked up only in modules already imported (an exception class
#: cannot be raised before its module is loaded), so :func:`guarded` imports none of them.
USER_ERRORS = {
    "agentctl.plan.saved": ("ApplyRefused",),
    # two installed plug-ins declaring one diagnostic code: the environment, not agentctl
    "agentctl.diagnostics.codes": ("CodeClash",),
    "agentctl.plan.ledger": ("LedgerError",),
    "agentctl.support.fsutil": ("UnsafePathError", "FileSystemError"),
    "agentctl.support.envfile": ("EnvFileError",),
}


def _loaded(module: str, *names: str) -> tuple[type[BaseException], ...]:
    loaded = sys.modules.get(module)
    return tuple(getattr(loaded, name) for name in names) if loaded is not None else ()


def _error(text: str) -> int:
    ui.err(ui.style("error: ", "red", sys.stderr) + text)
    return 1


def _internal_error(exc: Exception) -> int:
    """A bug in agentctl: say so, without leaking values (the traceback is masked)."""
    if os.environ.get("AGENTCTL_DEBUG"):
        ui.err(format_exception(exc))  # masked: messages and frames may hold values
    ui.err(
        ui.style("internal error: ", "red", sys.stderr)
        + f"{type(exc).__name__}: {exc}\nThis is a bug in agentctl; set AGENTCTL_DEBUG=1 "
        "for a traceback and report it."
    )
    return 1


def guarded(fn: Callable[..., int], *args: object, **kwargs: object) -> int:
    """Call ``fn(*args, **kwargs)`` and return its exit code, or the exit code of the
    failure it raised after printing it on stderr: a :class:`DiagnosticError` (its
    diagnostics, 1), an unusable keyring or another user error (one line, 1), Ctrl-C
    (130), a closed pipe (0), an ``OSError`` of the user's disk (1), anything else as
    an internal error (1). Never raises, except ``SystemExit`` from ``fn``.
    """
    try:
        return int(fn(*args, **kwargs))
    except DiagnosticError as exc:
        ui.print_diagnostics(exc.diagnostics)
        return 1
    except _loaded("agentctl.secrets.base", "BackendUnavailable") as exc:
        verb = getattr(exc, "verb", "read")  # BackendUnavailable: read, store or delete
        code = _error(f"cannot {verb} secrets: {exc}")
        ui.err("Nothing was written.")
        return code
    except tuple(t for m, n in USER_ERRORS.items() for t in _loaded(m, *n)) as exc:
        return _error(str(exc))
    except KeyboardInterrupt:
        ui.err("interrupted")
        return 130
    except BrokenPipeError:  # output piped into `head` and friends
        sys.stderr.close()
        return 0
    except OSError as exc:  # the user's disk (full, read-only, immutable), never a bug
        return _error(describe_os_error(exc))
    except Exception as exc:
        return _internal_error(exc)
