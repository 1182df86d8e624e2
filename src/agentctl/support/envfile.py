"""Env files that docker compose reads back exactly.

Format (checked against compose-spec/compose-go ``dotenv/``, see the shared
``reference/secrets.md``): one ``KEY="value"`` per line, the value double-quoted with
``\\`` → ``\\\\``, ``"`` → ``\\"``, ``$`` → ``$$``, newline → ``\\n``, CR → ``\\r``.
NUL cannot be represented and is refused. Keys must match ``[A-Za-z_][A-Za-z0-9_]*``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "$": "$$", "\n": "\\n", "\r": "\\r"}
_UNESCAPES = {"\\\\": "\\", '\\"': '"', "$$": "$", "\\n": "\n", "\\r": "\r"}


class EnvFileError(ValueError):
    """A key or value cannot be written to an env file. The message names the key only."""


def quote(value: str) -> str:
    """Return ``value`` double-quoted for compose. Raises :class:`EnvFileError` on NUL."""
    if "\x00" in value:
        raise EnvFileError("contains a NUL character, which env files cannot carry")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise EnvFileError("is not valid Unicode text (lone surrogate)") from None
    return '"' + re.sub(r'[\\"$\n\r]', lambda m: _ESCAPES[m.group(0)], value) + '"'


def format_env_file(variables: Iterable[tuple[str, str]], header: str = "") -> bytes:
    """Serialise ``(key, value)`` pairs; ``header`` becomes ``#`` comment lines.

    Raises :class:`EnvFileError` naming the key (never the value) for a bad key or a NUL.
    """
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    for key, value in variables:
        if not KEY.match(key):
            raise EnvFileError(f"{key!r} is not a portable env var name")
        try:
            lines.append(f"{key}={quote(value)}")
        except EnvFileError as exc:
            raise EnvFileError(f"the value of {key} {exc}") from None
    return ("\n".join(lines) + "\n").encode("utf-8")


def parse_env_file(data: bytes) -> dict[str, str] | None:
    """Read back a file written by :func:`format_env_file`; None if it is not in that form.

    Used to tell which variables changed; compose itself is the reader of record.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    out: dict[str, str] = {}
    for line in text.split("\n"):  # only LF ends a line for compose, not U+0085 etc.
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(r'([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\$]|\\[\\"nr]|\$\$)*)"', line)
        if not match:
            return None
        out[match.group(1)] = re.sub(
            r'\\[\\"nr]|\$\$', lambda m: _UNESCAPES[m.group(0)], match.group(2)
        )
    return out
