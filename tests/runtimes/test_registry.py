"""The runtime registry: built-ins, and third-party runtimes from the entry-point group."""

from __future__ import annotations

from importlib.metadata import EntryPoint, EntryPoints

import pytest

from agentctl import runtimes
from agentctl.runtimes.base import Runtime
from agentctl.support import plugins


def test_builtins_implement_the_protocol(fresh_registry: None) -> None:
    assert runtimes.runtime_names() == sorted(runtimes.BUILTIN)
    assert runtimes.listed_runtimes() == list(runtimes.BUILTIN)
    for name in runtimes.runtime_names():
        runtime = runtimes.get_runtime(name)
        assert isinstance(runtime, Runtime)
        assert runtime.name == name


def test_third_party_runtime_from_entry_point(fresh_registry: None,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    plugin = EntryPoint(name="acme", value="agentctl.runtimes.none:NoRuntime",
                        group=runtimes.ENTRY_POINT_GROUP)

    monkeypatch.setattr(plugins, "_all", lambda: EntryPoints([plugin]))
    assert "acme" in runtimes.runtime_names()
    assert isinstance(runtimes.get_runtime("acme"), Runtime)


def test_a_plugin_cannot_shadow_a_builtin(fresh_registry: None,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    rogue = EntryPoint(name="codex", value="agentctl.runtimes.none:NoRuntime",
                       group=runtimes.ENTRY_POINT_GROUP)
    monkeypatch.setattr(plugins, "_all", lambda: EntryPoints([rogue]))
    assert runtimes.get_runtime("codex").name == "codex"
