"""The ``keyring`` backend: the OS keyring through jaraco/keyring (Secret Service, macOS
Keychain, Windows Credential Locker), agentctl's default.

A source's ``service`` (default ``agentctl``) and ``username`` (default: the credential's
name) name the entry. ``None`` from ``keyring.get_password`` means "no entry"; it is never
read as a failure, and a failure (no backend, locked, init error, D-Bus gone, any
``keyring.errors.KeyringError``) is never read as "no entry": it raises
:class:`KeyringUnavailable` naming the keyring's backend and the fixes. ``get_credential``
is not used: with the ``fail`` backend it returns ``None`` instead of raising (keyring 25).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from agentctl.secrets.base import BackendUnavailable, SourceRef, unknown_params
from agentctl.support import redact

#: How to get a working keyring, appended to every :class:`KeyringUnavailable`.
KEYRING_FIXES = (
    "Fix it one of these ways: unlock or start a Secret Service (on a desktop, log in; "
    "headless, run inside `dbus-run-session` and start "
    "`gnome-keyring-daemon --unlock --components=secrets` with the password on its stdin); "
    "choose a working backend with PYTHON_KEYRING_BACKEND "
    "(e.g. keyring.backends.SecretService.Keyring); or set the credential's `env` "
    "override variable, which is read before the keyring."
)


class KeyringUnavailable(BackendUnavailable):
    """The keyring cannot be used at all. The message names the backend and the fix;
    ``verb`` says what was attempted (``read``, ``store`` or ``delete``)."""

    def __init__(self, message: str, verb: str = "read") -> None:
        super().__init__("keyring", message, verb)


def backend_name() -> str:
    """Dotted class name of the keyring backend keyring chose (e.g. ``keyring.backends.
    SecretService.Keyring``), or ``unknown`` when even choosing one fails."""
    try:
        import keyring

        backend = keyring.get_keyring()
        return f"{type(backend).__module__}.{type(backend).__name__}"
    except Exception:  # the backend named by PYTHON_KEYRING_BACKEND could not be made
        return os.environ.get("PYTHON_KEYRING_BACKEND") or "unknown"


def keyring_failure(exc: BaseException, action: str = "read") -> KeyringUnavailable:
    """Translate any exception raised by a keyring call into one clear
    :class:`KeyringUnavailable`: what failed, the backend, and :data:`KEYRING_FIXES`.

    The backend's own message is kept only for init errors (it names the missing
    daemon); it is passed through the masker like everything printed.
    """
    from keyring import errors

    backend = backend_name()
    if isinstance(exc, errors.NoKeyringError):
        what = f"no keyring backend is available (keyring chose {backend})"
    elif isinstance(exc, errors.KeyringLocked):
        what = f"the keyring ({backend}) is locked and could not be unlocked"
    elif isinstance(exc, errors.InitError):
        what = f"the keyring backend {backend} failed to start: {redact.redact(str(exc))}"
    elif isinstance(exc, errors.KeyringError):
        what = f"the keyring backend {backend} refused to {action}: {type(exc).__name__}"
    else:  # D-Bus gone mid-run, a broken backend plug-in, …
        bus = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
        what = (f"the keyring backend {backend} failed to {action} "
                f"({type(exc).__name__}: {redact.redact(str(exc))})"
                + (f"; is the D-Bus session bus at {bus} running?" if bus else ""))
    verb = action.split()[0]
    return KeyringUnavailable(f"{what}{'' if what.endswith('?') else '.'} {KEYRING_FIXES}", verb)


def keyring_get(service: str, username: str) -> str | None:
    """The value stored under ``service``/``username``, or None when there is no entry.

    Raises :class:`KeyringUnavailable` for every failure of the keyring itself.
    """
    import keyring

    try:
        value = keyring.get_password(service, username)
    except Exception as exc:
        raise keyring_failure(exc) from None
    if value:
        redact.register(value)
    return value


def keyring_set(service: str, username: str, value: str) -> None:
    """Store ``value`` under ``service``/``username`` (replacing any entry).

    Raises :class:`KeyringUnavailable` when the keyring cannot store it.
    """
    import keyring

    redact.register(value)
    try:
        keyring.set_password(service, username, value)
    except Exception as exc:
        raise keyring_failure(exc, "store the value") from None


def keyring_delete(service: str, username: str) -> bool:
    """Delete the entry under ``service``/``username``; False when there was none.

    Raises :class:`KeyringUnavailable` when the keyring cannot answer or delete.
    """
    import keyring

    if keyring_get(service, username) is None:
        return False
    try:
        keyring.delete_password(service, username)
    except Exception as exc:
        raise keyring_failure(exc, "delete the entry") from None
    return True


class Keyring:
    """The OS keyring. Parameters: ``service`` (default ``agentctl``), ``username``
    (default: the credential's name)."""

    name = "keyring"
    can_store = True
    params = frozenset({"service", "username"})

    def check(self, params: Mapping[str, Any]) -> list[str]:
        """Unknown parameters."""
        return unknown_params(params, self.params)

    def _entry(self, ref: SourceRef) -> tuple[str, str]:
        return ref.text("service", "agentctl") or "agentctl", ref.text("username") or ref.credential

    def where(self, ref: SourceRef) -> str:
        """``keyring service 'S' user 'U'``."""
        service, user = self._entry(ref)
        return f"keyring service '{service}' user '{user}'"

    def get(self, ref: SourceRef) -> str | None:
        """The entry's value, None when there is none."""
        return keyring_get(*self._entry(ref))

    def set(self, ref: SourceRef, value: str) -> None:
        """Store ``value`` in the entry."""
        keyring_set(*self._entry(ref), value)

    def remove(self, ref: SourceRef) -> bool:
        """Delete the entry; False when there was none."""
        return keyring_delete(*self._entry(ref))
