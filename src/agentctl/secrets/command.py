"""The ``command`` backend: a value printed by any program (1Password ``op read``, Vault
``vault kv get -field=…``, Doppler ``secrets get --plain``, gopass, a script of your own).

``argv`` is a list, run without a shell in the project's root folder (so
``./bin/fleet-secret`` is the project's own script); ``{name}`` in an argument becomes the
credential's name (nothing else is expanded). stdin is closed, the program runs in a
session of its own and is killed with its group after ``timeout`` seconds (default 30);
stdout over 64 KiB is refused. The value is stdout decoded as UTF-8 minus exactly one
trailing newline; empty output means "not set", as does the exit status ``not_set_exit``
when given; any other failure makes the backend unavailable. stderr is never shown: it
may hold the value.

Trust: a catalogue may come from a pull request, so naming a program in it is not
enough to run it. A command source runs only when ``AGENTCTL_TRUST_COMMANDS`` (set by
whoever runs agentctl, never by the catalogue) is ``all`` or lists its ``argv[0]`` exactly
(``op,vault``; ``:`` separates too), or its first words (``pass show,op read``).
Otherwise it is unavailable, saying how to allow it, so ``agentctl plan`` in CI on a
hostile pull request runs nothing.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping
from typing import Any

from agentctl.secrets.base import BackendUnavailable, ReadOnly, SourceRef, unknown_params
from agentctl.secrets.file import strip_newline
from agentctl.secrets.process import DEFAULT_TIMEOUT, ProgramFailed, run

#: The variable that allows command sources to run: ``all``, or program names.
TRUST_VAR = "AGENTCTL_TRUST_COMMANDS"


def trusted(argv: list[str], environ: Mapping[str, str]) -> bool:
    """True when ``TRUST_VAR`` is ``all`` or holds an entry ``argv`` starts with.

    Entries are separated by ``,`` (or ``:``); an entry is a program exactly as
    ``argv[0]`` writes it (``op`` allows the ``op`` found on PATH with any arguments, never a
    ``./bin/op`` a pull request could add) or a program with its first arguments, split as
    a shell would (``pass show``, ``op read``): then only an argv starting with those
    words runs, so a catalogue cannot make ``pass rm`` of a trusted ``pass show``.
    """
    entries = [_words(p) for p in re.split(r"[,:]", environ.get(TRUST_VAR, ""))]
    if any(entry in (["all"], ["1"]) for entry in entries):
        return True
    return any(argv[:len(entry)] == entry for entry in entries if entry)


def _words(entry: str) -> list[str]:
    """An entry split as a shell would; ``[]`` (matching nothing) when it cannot be."""
    try:
        return shlex.split(entry)
    except ValueError:
        return []


def _allow_hint(argv: list[str]) -> str:
    """How to allow ``argv``: its program, or only its subcommand."""
    hint = f"set {TRUST_VAR}={shlex.quote(argv[0])}"
    if len(argv) > 1:
        only = shlex.quote(shlex.join(argv[:2]))
        hint += f", or {TRUST_VAR}={only} to allow only that subcommand"
    return hint


class Command(ReadOnly):
    """A program's stdout. Parameters: ``argv`` (required), ``timeout`` (seconds),
    ``not_set_exit`` (an exit status meaning "not set")."""

    name = "command"
    can_store = False
    params = frozenset({"argv", "timeout", "not_set_exit"})

    def check(self, params: Mapping[str, Any]) -> list[str]:
        """``argv`` a non-empty list of text; ``timeout`` 1-600; ``not_set_exit`` 1-255."""
        problems = unknown_params(params, self.params, frozenset({"argv"}))
        argv = params.get("argv")
        if "argv" in params and not (isinstance(argv, list) and argv and all(argv)):
            problems.append("parameter 'argv' must be a non-empty list of arguments, e.g. "
                            "[op, read, 'op://vault/{name}/credential'] (no shell)")
        timeout = params.get("timeout", DEFAULT_TIMEOUT)
        if not isinstance(timeout, int | float) or not 1 <= timeout <= 600:
            problems.append("parameter 'timeout' must be a number of seconds from 1 to 600")
        status = params.get("not_set_exit", 1)
        if not isinstance(status, int) or not 1 <= status <= 255:
            problems.append("parameter 'not_set_exit' must be an exit status from 1 to 255")
        return problems

    def argv(self, ref: SourceRef) -> list[str]:
        """The argv with ``{name}`` replaced by the credential's name."""
        return [str(a).replace("{name}", ref.credential) for a in ref.params.get("argv", [])]

    def where(self, ref: SourceRef) -> str:
        """``command 'prog arg …'`` (the arguments name places, never values)."""
        return f"command '{' '.join(self.argv(ref))}'"

    def get(self, ref: SourceRef) -> str | None:
        """The program's stdout minus one trailing newline; None when empty."""
        argv = self.argv(ref)
        env = ref.context.environ
        if not trusted(argv, env):
            raise BackendUnavailable(self.name, (
                f"command sources run only when {TRUST_VAR} allows them, and it does not "
                f"allow '{argv[0]}' (the catalogue alone cannot: it may come from a pull "
                f"request); if you trust this program, {_allow_hint(argv)}"))
        timeout = float(ref.params.get("timeout", DEFAULT_TIMEOUT))
        try:
            done = run(argv, env, timeout=timeout, cwd=ref.context.root)
        except ProgramFailed as exc:
            raise BackendUnavailable(self.name, str(exc)) from None
        if done.status != 0:
            if done.status == ref.params.get("not_set_exit"):
                return None
            raise BackendUnavailable(self.name, (
                f"'{os.path.basename(argv[0])}' exited with status {done.status}"
                + (f" ({done.stderr_bytes} bytes on stderr, not shown: they may hold the "
                   "value; run the command yourself to see them)" if done.stderr_bytes else "")))
        try:
            text = done.stdout.decode("utf-8")
        except UnicodeDecodeError:
            raise BackendUnavailable(self.name, f"'{os.path.basename(argv[0])}' printed "
                                     "bytes that are not UTF-8 text") from None
        return strip_newline(text) or None
