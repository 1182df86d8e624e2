"""Masking secret values in everything agentctl prints.

Every secret value agentctl resolves is registered here before it is used; every line
the CLI prints, every error message and every internal-error traceback passes through
:func:`redact`. Besides the value itself, the forms it takes when a program escapes or
encodes it are masked too: each of its lines, ``repr``/JSON string escapes, the env-file
quoting, URL encoding and base64, so a value inside an exception's ``repr`` or a JSON
document is caught as well. Forms shorter than :data:`MIN_LENGTH` are not masked (they
would mask ordinary words).
"""

from __future__ import annotations

import base64
import json
import urllib.parse

MASK = "••••••"
#: Shortest text masked, in characters.
MIN_LENGTH = 4
_values: set[str] = set()


def variants(value: str) -> set[str]:
    """The forms ``value`` may take in printed text (see the module docstring)."""
    forms = {value, *value.splitlines()}
    forms.add(repr(value)[1:-1])
    forms.add(json.dumps(value)[1:-1])
    forms.add(json.dumps(value, ensure_ascii=False)[1:-1])
    forms.add(value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "$$")
              .replace("\n", "\\n").replace("\r", "\\r"))  # env file quoting
    forms.add(urllib.parse.quote(value, safe=""))
    forms.add(urllib.parse.quote_plus(value))
    raw = value.encode("utf-8", "surrogatepass")
    forms.add(base64.b64encode(raw).decode().rstrip("="))
    forms.add(base64.urlsafe_b64encode(raw).decode().rstrip("="))
    return {f for f in forms if len(f.strip()) >= MIN_LENGTH}


def register(value: str) -> None:
    """Remember ``value`` as secret so :func:`redact` masks it in any of its forms."""
    _values.update(variants(value))


def redact(text: str) -> str:
    """Return ``text`` with every registered secret value replaced by :data:`MASK`."""
    for value in sorted(_values, key=len, reverse=True):
        if value in text:
            text = text.replace(value, MASK)
    return text


def format_exception(exc: BaseException) -> str:
    """A traceback of ``exc`` (chained causes included, no local variables) with every
    registered value masked: what ``AGENTCTL_DEBUG=1`` prints for an internal error."""
    import traceback

    return redact("".join(traceback.format_exception(exc)))


def clear() -> None:
    """Forget every registered value (tests)."""
    _values.clear()
