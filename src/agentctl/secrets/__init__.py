"""Finding secret values: a credential's env override first, then the OS keyring.

Values are fetched only at plan/apply time (and by ``agentctl secrets``), registered
with :mod:`agentctl.support.redact` before use, and written only into env files. A missing value
is reported per credential with the places looked; a keyring that cannot answer at all
(no backend, locked, init error, D-Bus gone, any ``keyring.errors.KeyringError``) stops
the whole run with one :class:`KeyringUnavailable` naming the backend and the fixes.

``None`` from ``keyring.get_password`` means "no entry"; it is never read as a failure,
and a failure is never read as "no entry". ``get_credential`` is not used: with the
``fail`` backend it returns ``None`` instead of raising (keyring 25).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from agentctl.catalogue.schema import Credential
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


class KeyringUnavailable(Exception):
    """The keyring cannot be used at all. The message names the backend and the fix;
    ``verb`` says what was attempted (``read``, ``store`` or ``delete``)."""

    def __init__(self, message: str, verb: str = "read") -> None:
        super().__init__(message)
        self.verb = verb


@dataclass(frozen=True)
class Lookup:
    """A credential's value (None when missing) and where it was looked for."""

    value: str | None
    looked: tuple[str, ...]
    source: str = ""


def keyring_username(cred: Credential) -> str:
    """The keyring username holding ``cred`` (default: the credential's name)."""
    return cred.keyring.username or cred.name


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


def lookup(cred: Credential, environ: Mapping[str, str] | None = None) -> Lookup:
    """Return ``cred``'s value: env override (when set and non-empty), else the keyring.

    Raises :class:`KeyringUnavailable` when the keyring has to be asked and cannot
    answer. The value is registered for redaction before it is returned.
    """
    env = os.environ if environ is None else environ
    looked: list[str] = []
    if cred.env:
        value = env.get(cred.env)
        if value and not _is_text(value):
            # Python decodes the environment with surrogateescape: bytes that are not
            # UTF-8 cannot be written into an env file. The keyring is not asked: the
            # override is set, so a value from elsewhere would be a surprise.
            return Lookup(None, (f"env {cred.env} (set, but not UTF-8 text: set it to "
                                 "the value's UTF-8 text)",))
        if value:
            redact.register(value)
            return Lookup(value, (f"env {cred.env}",), f"env {cred.env}")
        looked.append(f"env {cred.env} ({'empty' if value == '' else 'not set'})")
    user = keyring_username(cred)
    value = keyring_get(cred.keyring.service, user)
    where = f"keyring service '{cred.keyring.service}' user '{user}'"
    if value:
        return Lookup(value, (*looked, where), where)
    looked.append(where + (" (empty)" if value == "" else " (no entry)"))
    return Lookup(None, tuple(looked))


def _is_text(value: str) -> bool:
    """True when ``value`` encodes as UTF-8 (no lone surrogates from undecodable bytes)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


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
