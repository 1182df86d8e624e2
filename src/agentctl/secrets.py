"""Finding secret values: a credential's env override first, then the OS keyring.

Values are fetched only at plan/apply time, registered with :mod:`agentctl.redact`
before use, and written only into env files. A missing value is reported per credential
with the places looked; a keyring that cannot answer at all (no backend, locked, init
error) stops the whole run with :class:`KeyringUnavailable`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from agentctl import redact
from agentctl.schema import Credential


class KeyringUnavailable(Exception):
    """The keyring cannot be read at all. The message names the backend and the fix."""


@dataclass(frozen=True)
class Lookup:
    """A credential's value (None when missing) and where it was looked for."""

    value: str | None
    looked: tuple[str, ...]
    source: str = ""


def keyring_username(cred: Credential) -> str:
    """The keyring username holding ``cred`` (default: the credential's name)."""
    return cred.keyring.username or cred.name


def _keyring_get(service: str, username: str) -> str | None:
    import keyring
    from keyring import errors

    try:
        return keyring.get_password(service, username)
    except errors.NoKeyringError:
        raise KeyringUnavailable(
            "no keyring backend is available "
            f"(keyring chose {_backend_name()}). Start a Secret Service such as "
            "gnome-keyring, set PYTHON_KEYRING_BACKEND to a working backend, or set each "
            "credential's 'env' override variable."
        ) from None
    except errors.KeyringLocked:
        raise KeyringUnavailable(
            f"the keyring ({_backend_name()}) is locked. Unlock it (e.g. log in to the "
            "desktop session, or start gnome-keyring-daemon --unlock) and run again."
        ) from None
    except errors.InitError as exc:
        raise KeyringUnavailable(
            f"the keyring backend {_backend_name()} failed to start: {exc}. Check that its "
            "daemon is running, or set PYTHON_KEYRING_BACKEND."
        ) from None
    except errors.KeyringError as exc:
        raise KeyringUnavailable(
            f"the keyring backend {_backend_name()} failed: {type(exc).__name__}. "
            "Check the Secret Service (D-Bus session) is running."
        ) from None


def _backend_name() -> str:
    try:
        import keyring

        backend = keyring.get_keyring()
        return f"{type(backend).__module__}.{type(backend).__name__}"
    except Exception:  # pragma: no cover - only for the message
        return "unknown"


def lookup(cred: Credential, environ: Mapping[str, str] | None = None) -> Lookup:
    """Return ``cred``'s value: env override (when set and non-empty), else the keyring.

    Raises :class:`KeyringUnavailable` when the keyring has to be asked and cannot
    answer. The value is registered for redaction before it is returned.
    """
    env = os.environ if environ is None else environ
    looked: list[str] = []
    if cred.env:
        value = env.get(cred.env)
        if value:
            redact.register(value)
            return Lookup(value, (f"env {cred.env}",), f"env {cred.env}")
        looked.append(f"env {cred.env} ({'empty' if value == '' else 'not set'})")
    user = keyring_username(cred)
    value = _keyring_get(cred.keyring.service, user)
    where = f"keyring service '{cred.keyring.service}' user '{user}'"
    if value:
        redact.register(value)
        return Lookup(value, (*looked, where), where)
    looked.append(where + (" (empty)" if value == "" else " (no entry)"))
    return Lookup(None, tuple(looked))


@dataclass
class SecretResolver:
    """Looks each credential up once per run; shared by every agent that uses it."""

    environ: Mapping[str, str] | None = None
    cache: dict[str, Lookup] = field(default_factory=dict)

    def get(self, cred: Credential) -> Lookup:
        """The :class:`Lookup` for ``cred`` (cached). May raise :class:`KeyringUnavailable`."""
        if cred.name not in self.cache:
            self.cache[cred.name] = lookup(cred, self.environ)
        return self.cache[cred.name]
