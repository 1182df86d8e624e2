"""Secret lookup: env override first, then the keyring; failures are explicit."""

from __future__ import annotations

import pytest

from agentctl import redact
from agentctl.schema import Credential
from agentctl.secrets import KeyringUnavailable, SecretResolver, lookup
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
                            "(no entry)")


def test_no_backend_is_not_mistaken_for_missing() -> None:
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(KeyringUnavailable) as info:
            lookup(cred(), {})
        assert "PYTHON_KEYRING_BACKEND" in str(info.value)
        assert "fail.Keyring" in str(info.value)
    finally:
        keyring.set_keyring(previous)


def test_locked_keyring_message(memory_keyring: MemoryKeyring,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    from keyring.errors import KeyringLocked

    def locked(service: str, username: str) -> str:
        raise KeyringLocked("locked")

    monkeypatch.setattr(memory_keyring.backend, "get_password", locked)
    with pytest.raises(KeyringUnavailable, match="locked"):
        lookup(cred(), {})


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
