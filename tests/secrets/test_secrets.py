"""Secret lookup: env override first, then the keyring; a keyring that is down is
recorded with its fix, never mistaken for a missing value."""

from __future__ import annotations

import pytest

from agentctl.catalogue.schema import Credential
from agentctl.secrets import (
    KeyringUnavailable,
    SecretResolver,
    keyring_delete,
    keyring_get,
    keyring_set,
    lookup,
)
from agentctl.support import redact
from tests.conftest import MemoryKeyring


def cred(**kw: object) -> Credential:
    return Credential.model_validate({"name": "api", "kind": "api_key", **kw})


def test_env_override_wins(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.set("agentctl", "api", "from-keyring")
    found = lookup(cred(env="API_KEY"), {"API_KEY": "from-env-1234"})
    assert found.value == "from-env-1234" and found.source == "env API_KEY"
    assert redact.redact("x from-env-1234 y") == f"x {redact.MASK} y"


def test_keyring_used_when_env_unset_or_empty(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.set("agentctl", "api", "from-keyring")
    assert lookup(cred(env="API_KEY"), {}).value == "from-keyring"
    assert lookup(cred(env="API_KEY"), {"API_KEY": ""}).value == "from-keyring"


def test_custom_keyring_location(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.set("team", "bot", "v")
    found = lookup(cred(keyring={"service": "team", "username": "bot"}), {})
    assert found.value == "v"


def test_missing_says_where_it_looked(memory_keyring: MemoryKeyring) -> None:
    found = lookup(cred(env="API_KEY"), {})
    assert found.value is None
    assert found.looked == ("env API_KEY (not set)", "keyring service 'agentctl' user 'api' "
                            "(not set)")


def test_no_backend_is_not_mistaken_for_missing() -> None:
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        found = lookup(cred(), {})
        assert found.value is None
        assert found.looked == ("keyring service 'agentctl' user 'api' (unavailable)",)
        ((backend, message),) = found.down
        assert backend == "keyring"
        assert "PYTHON_KEYRING_BACKEND" in message and "fail.Keyring" in message
    finally:
        keyring.set_keyring(previous)


def test_locked_keyring_message(memory_keyring: MemoryKeyring,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    from keyring.errors import KeyringLocked

    def locked(service: str, username: str) -> str:
        raise KeyringLocked("locked")

    monkeypatch.setattr(memory_keyring.backend, "get_password", locked)
    found = lookup(cred(), {})
    assert found.value is None and "locked" in found.down[0][1]


def test_resolver_asks_once_per_credential(memory_keyring: MemoryKeyring,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    original = memory_keyring.backend.get_password

    def counting(service: str, username: str) -> str | None:
        calls.append(username)
        return original(service, username)

    monkeypatch.setattr(memory_keyring.backend, "get_password", counting)
    memory_keyring.set("agentctl", "api", "v")
    resolver = SecretResolver({})
    resolver.get(cred())
    resolver.get(cred())
    assert calls == ["api"]


def _raising(exc: BaseException) -> object:
    def method(*args: object) -> None:
        raise exc

    return method


@pytest.mark.parametrize(("exc", "expected"), [
    ("NoKeyringError", "no keyring backend is available (keyring chose "),
    ("KeyringLocked", "is locked and could not be unlocked"),
    ("InitError", "failed to start: boom"),
    ("KeyringError", "refused to read: KeyringError"),
    ("OSError", "failed to read (OSError: boom)"),
])
def test_every_keyring_failure_is_one_message_with_backend_and_fix(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch, exc: str, expected: str
) -> None:
    from keyring import errors

    error_class = getattr(errors, exc, OSError)
    monkeypatch.setattr(memory_keyring.backend, "get_password", _raising(error_class("boom")))
    found = lookup(cred(env="API_KEY"), {})
    assert found.value is None and found.looked[0] == "env API_KEY (not set)"
    ((backend, message),) = found.down
    assert backend == "keyring"
    assert expected in message
    assert "conftest._Backend" in message  # the backend in use
    assert "PYTHON_KEYRING_BACKEND" in message and "gnome-keyring-daemon --unlock" in message
    assert "credential's `env` override" in message


def test_none_from_keyring_means_not_set_never_an_error(memory_keyring: MemoryKeyring) -> None:
    assert keyring_get("agentctl", "nobody") is None
    found = lookup(cred(), {})
    assert found.value is None and found.looked[-1].endswith("(not set)")


def test_set_and_delete_failures_are_keyring_unavailable(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    from keyring.errors import PasswordDeleteError, PasswordSetError

    memory_keyring.set("agentctl", "api", "v-5678")
    monkeypatch.setattr(memory_keyring.backend, "set_password",
                        _raising(PasswordSetError("nope")))
    with pytest.raises(KeyringUnavailable, match="refused to store the value"):
        keyring_set("agentctl", "api", "value-1234")
    monkeypatch.setattr(memory_keyring.backend, "delete_password",
                        _raising(PasswordDeleteError("nope")))
    with pytest.raises(KeyringUnavailable, match="refused to delete the entry"):
        keyring_delete("agentctl", "api")


def test_delete_of_missing_entry_is_false(memory_keyring: MemoryKeyring) -> None:
    assert keyring_delete("agentctl", "api") is False
    memory_keyring.set("agentctl", "api", "v-5678")
    assert keyring_delete("agentctl", "api") is True
    assert keyring_get("agentctl", "api") is None


def test_an_override_that_is_not_utf8_is_refused_not_replaced(memory_keyring: MemoryKeyring
                                                              ) -> None:
    """Python reads undecodable environment bytes as lone surrogates; such a value cannot
    be written to an env file, and the keyring is not asked in its place."""
    memory_keyring.set("agentctl", "api", "from-keyring")
    found = lookup(cred(env="API_KEY"), {"API_KEY": "ok\udcff"})
    assert found.value is None
    assert found.looked == ("env API_KEY (set, but not UTF-8 text: set it to the value's "
                            "UTF-8 text)",)
    assert found.down == ()  # the value's fault: the environment is not "down"
