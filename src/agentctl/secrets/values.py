"""Naming and reading the values ``agentctl secrets`` stores: the credential a name means,
and a value taken from stdin or a hidden prompt, checked before it reaches the keyring.

No message here ever holds a value, and a name is echoed only when it is a near miss of
a real credential's name (anything else may be a value typed in its place).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import BinaryIO

from agentctl.catalogue.schema import KEY_PATTERN, Credential
from agentctl.diagnostics import Diagnostic, DiagnosticError, did_you_mean

#: Largest value ``secrets set`` accepts, in bytes (a PEM chain fits many times over).
MAX_VALUE_BYTES = 64 * 1024


def find_credential(credentials: Mapping[str, Credential], name: str) -> Credential:
    """The credential called ``name``. Raises :class:`DiagnosticError` (E403) naming the
    known credentials and the closest match when there is none; ``name`` itself is
    repeated only when it is a near miss of a known name."""
    if name in credentials:
        return credentials[name]
    known = sorted(credentials)
    hint = did_you_mean(name, known)
    if not (hint and re.match(KEY_PATTERN, name)):
        # Echo a name only when it is a near miss of a real one: anything else may be a
        # secret value typed in its place, and would land in logs and scrollback.
        raise DiagnosticError([
            Diagnostic("error", "E403", "unknown credential (the name given is not shown: it "
                       "may be a secret value)",
                       detail="Credentials in the catalogue: " + (", ".join(known) or "none")
                       + ". Give one of these names; a value goes on stdin.")
        ])
    raise DiagnosticError([
        Diagnostic("error", "E403", f"unknown credential '{name}'",
                   detail="Credentials in the catalogue: " + (", ".join(known) or "none")
                   + "." + hint)
    ])


def read_value(name: str, stream: BinaryIO, *,
               prompt: Callable[[str], str] | None = None) -> str:
    """The value to store: ``prompt("Value for NAME")`` when given (a hidden, confirmed
    prompt on a terminal), else all of ``stream`` minus one trailing newline (``printf
    %s`` and ``echo`` both work).

    Raises :class:`DiagnosticError` (E404) for an empty value, a NUL, text that is not
    UTF-8, or more than :data:`MAX_VALUE_BYTES`. No message ever holds the value.
    """
    if prompt is not None:
        text = prompt(f"Value for {name}")
    else:
        data = stream.read(MAX_VALUE_BYTES + 1)
        if len(data) > MAX_VALUE_BYTES:
            raise _bad_value(name, f"is larger than {MAX_VALUE_BYTES} bytes")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _bad_value(name, f"is not UTF-8 text (byte {exc.start})") from None
        text = text.removesuffix("\n").removesuffix("\r")
    if not text:
        raise _bad_value(name, "is empty", "Pipe the value on stdin, e.g. "
                         f"`printf %s \"$TOKEN\" | agentctl secrets set {name}`.")
    if "\x00" in text:
        raise _bad_value(name, "contains a NUL character, which env files cannot carry")
    return text


def _bad_value(name: str, what: str, detail: str = "") -> DiagnosticError:
    return DiagnosticError([Diagnostic("error", "E404", f"the value for '{name}' {what}; "
                                       "nothing was stored", detail=detail)])
