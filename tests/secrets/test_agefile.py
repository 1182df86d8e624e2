"""The ``age`` backend: one armored block per name, the name bound inside, encrypted with
pyrage to the listed recipients; decrypted with the configured identity."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pyrage import x25519

from agentctl.secrets import get_backend
from agentctl.secrets.base import BackendContext, BackendUnavailable, SourceRef


@pytest.fixture
def key() -> x25519.Identity:
    return x25519.Identity.generate()


def ref(root: Path, env: dict[str, str], name: str = "api", recipients: tuple[str, ...] = (),
        **params: object) -> SourceRef:
    return SourceRef(name, "age", params, BackendContext(root, env, "secrets.age.yaml",
                                                         recipients))


def test_set_get_remove_round_trip(tmp_path: Path, key: x25519.Identity) -> None:
    age = get_backend("age")
    public = str(key.to_public())
    # encrypting needs only the public key
    age.set(ref(tmp_path, {}, recipients=(public,)), "sk-value-1\nline two")
    age.set(ref(tmp_path, {}, "other", (public,)), "other-value")
    text = (tmp_path / "secrets.age.yaml").read_text()
    assert "sk-value-1" not in text and "other-value" not in text
    doc = yaml.safe_load(text)
    assert doc["recipients"] == [] and sorted(doc["secrets"]) == ["api", "other"]
    assert doc["secrets"]["api"].startswith("-----BEGIN AGE ENCRYPTED FILE-----")

    env = {"AGENTCTL_AGE_KEY": str(key)}
    assert age.get(ref(tmp_path, env)) == "sk-value-1\nline two"
    assert age.get(ref(tmp_path, env, "missing")) is None
    assert age.remove(ref(tmp_path, env, "other")) is True
    assert age.remove(ref(tmp_path, env, "other")) is False
    assert age.get(ref(tmp_path, env, "other")) is None


def test_a_change_touches_only_its_own_block(tmp_path: Path, key: x25519.Identity) -> None:
    age = get_backend("age")
    (tmp_path / "secrets.age.yaml").write_text(f"recipients: [{key.to_public()}]\n")
    for name in ("a", "b", "c"):
        age.set(ref(tmp_path, {}, name), f"v-{name}")
    before = (tmp_path / "secrets.age.yaml").read_text()
    age.set(ref(tmp_path, {}, "b"), "v-b-2")
    after = (tmp_path / "secrets.age.yaml").read_text()
    old, new = yaml.safe_load(before)["secrets"], yaml.safe_load(after)["secrets"]
    assert old["a"] == new["a"] and old["c"] == new["c"] and old["b"] != new["b"]
    # a line diff (what a pull request shows) touches only lines inside b's block
    import difflib

    lines = after.splitlines()
    b_block = set(lines[lines.index('  "b": |') + 1:lines.index('  "c": |')])
    added = [d[1:] for d in difflib.unified_diff(before.splitlines(), lines, lineterm="", n=0)
             if d.startswith("+") and not d.startswith("+++")]
    assert added and set(added) <= b_block


def test_a_block_moved_under_another_name_is_refused(tmp_path: Path,
                                                     key: x25519.Identity) -> None:
    age = get_backend("age")
    env = {"AGENTCTL_AGE_KEY": str(key)}
    (tmp_path / "secrets.age.yaml").write_text(f"recipients: [{key.to_public()}]\n")
    age.set(ref(tmp_path, {}, "admin"), "admin-token")
    age.set(ref(tmp_path, {}, "guest"), "guest-token")
    doc = yaml.safe_load((tmp_path / "secrets.age.yaml").read_text())
    doc["secrets"]["guest"] = doc["secrets"]["admin"]
    (tmp_path / "secrets.age.yaml").write_text(yaml.safe_dump(doc))
    with pytest.raises(BackendUnavailable, match="holds another name's block"):
        age.get(ref(tmp_path, env, "guest"))


def test_identity_sources_and_their_failures(tmp_path: Path, key: x25519.Identity) -> None:
    age = get_backend("age")
    age.set(ref(tmp_path, {}, recipients=(str(key.to_public()),)), "v-1")
    keyfile = tmp_path / "keys.txt"
    keyfile.write_text(f"# created: today\n# public key: {key.to_public()}\n{key}\n")
    assert age.get(ref(tmp_path, {"AGENTCTL_AGE_KEY_FILE": str(keyfile)})) == "v-1"
    config = tmp_path / "config"
    (config / "agentctl/age").mkdir(parents=True)
    (config / "agentctl/age/keys.txt").write_text(f"{key}\n")
    assert age.get(ref(tmp_path, {"XDG_CONFIG_HOME": str(config)})) == "v-1"
    with pytest.raises(BackendUnavailable, match="no age identity: set AGENTCTL_AGE_KEY"):
        age.get(ref(tmp_path, {"XDG_CONFIG_HOME": str(tmp_path / "none")}))
    other = x25519.Identity.generate()
    with pytest.raises(BackendUnavailable, match="not encrypted to your key"):
        age.get(ref(tmp_path, {"AGENTCTL_AGE_KEY": str(other)}))
    with pytest.raises(BackendUnavailable, match="holds no valid age identity"):
        age.get(ref(tmp_path, {"AGENTCTL_AGE_KEY": "not a key"}))


def test_store_needs_recipients_and_a_path_inside(tmp_path: Path) -> None:
    age = get_backend("age")
    with pytest.raises(BackendUnavailable, match="no recipients to encrypt to") as info:
        age.set(ref(tmp_path, {}), "v")
    assert info.value.verb == "store"
    assert not (tmp_path / "secrets.age.yaml").exists()
    with pytest.raises(BackendUnavailable, match="not an age public key"):
        age.set(ref(tmp_path, {}, recipients=("age1nope",)), "v")
    assert "must be a path inside the project" in age.check({"file": "../x.yaml"})[0]
    (tmp_path / "secrets.age.yaml").write_text("- a list\n")
    with pytest.raises(BackendUnavailable, match="is not an agentctl age file"):
        age.get(ref(tmp_path, {}))
