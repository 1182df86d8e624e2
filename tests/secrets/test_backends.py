"""The env and file backends, the chain of sources, and the source checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentctl.catalogue.schema import Credential
from agentctl.catalogue.secret_sources import SecretSource
from agentctl.secrets import backend_names, get_backend, lookup, sources_of, store_target
from agentctl.secrets.base import BackendContext, BackendUnavailable, SourceRef


def cred(**kw: object) -> Credential:
    return Credential.model_validate({"name": "api", "kind": "api_key", **kw})


def ref(backend: str, root: Path | None = None, env: dict[str, str] | None = None,
        **params: object) -> SourceRef:
    return SourceRef("api", backend, params, BackendContext(root, env or {}))


def test_the_builtin_backends_in_docs_order() -> None:
    assert backend_names()[:6] == ["keyring", "env", "file", "pass", "command", "age"]
    assert [get_backend(n).can_store for n in backend_names()[:6]] == [
        True, False, False, True, False, True]


def test_sources_in_order_env_override_first() -> None:
    c = cred(env="API_KEY", source=[{"backend": "file", "path": "s/api"}, "keyring"])
    assert sources_of(c) == [("env", {"var": "API_KEY"}), ("file", {"path": "s/api"}),
                             ("keyring", {"service": "agentctl"})]
    assert store_target(c) == ("keyring", {"service": "agentctl"})
    # a keyring source takes the credential's keyring location unless it names its own
    c = cred(keyring={"username": "bot"}, source=["keyring", {"backend": "keyring",
                                                              "service": "other"}])
    assert sources_of(c) == [("keyring", {"service": "agentctl", "username": "bot"}),
                             ("keyring", {"service": "other", "username": "bot"})]
    assert sources_of(cred()) == [("keyring", {"service": "agentctl"})]
    default = SecretSource.model_validate({"backend": "age"})
    assert sources_of(cred(), default) == [("age", {})]
    # a credential that names its keyring location keeps it over the project default
    assert sources_of(cred(keyring={"username": "bot"}), default) == [
        ("keyring", {"service": "agentctl", "username": "bot"})]
    assert store_target(cred(source={"backend": "command", "argv": ["x"]})) is None


def test_first_source_with_a_value_wins_later_ones_never_asked(tmp_path: Path) -> None:
    (tmp_path / "api.txt").write_text("from-file-1\n")
    c = cred(source=[{"backend": "env", "var": "A"}, {"backend": "file", "path": "api.txt"},
                     {"backend": "command", "argv": ["/nonexistent/never-run"]}])
    found = lookup(c, {}, BackendContext(tmp_path, {}))
    assert found.value == "from-file-1" and found.source == "file api.txt"
    assert found.looked == ("env A (not set)", "file api.txt") and found.down == ()


def test_a_backend_that_is_down_does_not_stop_the_chain(tmp_path: Path) -> None:
    (tmp_path / "api.txt").write_text("v-2")
    c = cred(source=[{"backend": "pass", "store": str(tmp_path / "nostore")},
                     {"backend": "file", "path": "api.txt"}])
    found = lookup(c, {}, BackendContext(tmp_path, {}))
    assert found.value == "v-2"
    assert found.looked[0].endswith("(unavailable)")
    assert found.down[0][0] == "pass" and "pass init" in found.down[0][1]


def test_env_backend() -> None:
    env = get_backend("env")
    assert env.get(ref("env", env={"A": "x-1"}, var="A")) == "x-1"
    assert env.get(ref("env", env={"A": ""}, var="A")) is None
    assert env.get(ref("env", var="A")) is None
    with pytest.raises(BackendUnavailable, match="not UTF-8"):
        env.get(ref("env", env={"A": "ok\udcff"}, var="A"))
    assert env.check({}) == ["parameter 'var' is required"]
    assert "must be an environment variable name" in env.check({"var": "1A"})[0]
    with pytest.raises(BackendUnavailable, match="cannot store"):
        env.set(ref("env", var="A"), "v")


@pytest.mark.parametrize(("content", "value"), [
    (b"tok\n", "tok"), (b"tok\r\n", "tok"), (b"tok\n\n", "tok\n"), (b"tok", "tok"),
    (b" spaced \n", " spaced "), (b"", None), (b"\n", None), (b"a\nb\n", "a\nb"),
])
def test_file_read_exactly_one_trailing_newline_stripped(tmp_path: Path, content: bytes,
                                                         value: str | None) -> None:
    (tmp_path / "s").write_bytes(content)
    assert get_backend("file").get(ref("file", tmp_path, path="s")) == value


def test_file_missing_is_not_set_a_folder_is_unavailable(tmp_path: Path) -> None:
    f = get_backend("file")
    assert f.get(ref("file", tmp_path, path="nothing-here")) is None
    (tmp_path / "d").mkdir()
    with pytest.raises(BackendUnavailable, match="not a regular file"):
        f.get(ref("file", tmp_path, path="d"))
    (tmp_path / "bin").write_bytes(b"\xff\xfe")
    with pytest.raises(BackendUnavailable, match="not UTF-8"):
        f.get(ref("file", tmp_path, path="bin"))


def test_file_confined_to_the_project_and_allowed_roots(tmp_path: Path) -> None:
    f = get_backend("file")
    project, outside = tmp_path / "p", tmp_path / "mounted"
    project.mkdir()
    outside.mkdir()
    (outside / "api").write_text("mounted-value\n")
    (project / "link").symlink_to(outside / "api")
    with pytest.raises(BackendUnavailable, match="leads outside the project"):
        f.get(ref("file", project, path="link"))
    absolute = str(outside / "api")
    with pytest.raises(BackendUnavailable, match="AGENTCTL_SECRET_FILE_DIRS"):
        f.get(ref("file", project, path=absolute))
    allowed = {"AGENTCTL_SECRET_FILE_DIRS": f"/nonexistent:{outside}"}
    assert f.get(ref("file", project, allowed, path=absolute)) == "mounted-value"
    creds = {"CREDENTIALS_DIRECTORY": str(outside)}
    assert f.get(ref("file", project, creds, path=absolute)) == "mounted-value"
    # an allowed root does not let a symlink in it lead elsewhere
    (outside / "escape").symlink_to("/etc/hostname")
    with pytest.raises(BackendUnavailable, match="outside the folders"):
        f.get(ref("file", project, allowed, path=str(outside / "escape")))
    assert "must stay inside the project" in f.check({"path": "../x"})[0]
    assert f.check({"path": "/run/secrets/x"}) == []


def test_unknown_params_are_problems() -> None:
    assert get_backend("keyring").check({"servce": "x"}) == [
        "unknown parameter 'servce' (known: service, username)"]
    assert "'argv' must be a non-empty list" in get_backend("command").check({"argv": []})[0]
    assert get_backend("command").check({"argv": ["op"], "timeout": 0}) == [
        "parameter 'timeout' must be a number of seconds from 1 to 600"]
    assert "must be a path inside the store" in get_backend("pass").check({"entry": "../x"})[0]


def test_source_models() -> None:
    assert SecretSource.model_validate("pass").backend == "pass"
    assert SecretSource.model_validate({"backend": "command", "argv": ["a"]}).params() == {
        "argv": ["a"]}
    with pytest.raises(ValueError, match="parameter 'x' must be text"):
        SecretSource.model_validate({"backend": "env", "x": {"nested": 1}})
    with pytest.raises(ValueError):
        SecretSource.model_validate({"backend": "Bad Name"})


def test_unknown_backend_at_lookup_is_down_not_a_crash() -> None:
    found = lookup(cred(source="nosuch"), {}, BackendContext(None, {}))
    assert found.value is None and found.down[0][0] == "nosuch"
