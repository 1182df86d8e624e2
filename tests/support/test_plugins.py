"""Entry points read once and shared by the runtime, target and provider registries."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

from agentctl.runtimes.base import Runtime
from agentctl.support import plugins


def test_specs_match_importlib_metadata_for_a_group() -> None:
    # agentctl's own console script is an entry point of the installed package.
    specs = plugins.plugin_specs("console_scripts")
    assert specs["agentctl"] == "agentctl.cli:main"
    expected = {ep.name: ep.value for ep in entry_points(group="console_scripts")}
    assert specs == expected


def test_the_installed_metadata_is_walked_once() -> None:
    plugins._all.cache_clear()
    plugins.plugin_specs("agentctl.runtimes")
    plugins.plugin_specs("agentctl.targets")
    plugins.plugin_specs("agentctl.providers")
    assert plugins._all.cache_info().misses == 1


def test_a_plugin_that_does_not_implement_the_protocol_is_refused() -> None:
    # A real class that is not a runtime: the registry must not hand it out as one.
    with pytest.raises(TypeError, match="collections:OrderedDict does not implement "
                                        "agentctl's Runtime protocol"):
        plugins.instantiate("collections:OrderedDict", Runtime, "Runtime")
    assert plugins.registry({"a": "x:Y"}, "agentctl.no-such-group") == {"a": "x:Y"}


def test_a_built_in_name_is_answered_without_walking_the_installed_metadata(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Walking every installed distribution's entry points cost 15-30 ms of each start;
    # a catalogue naming only built-ins never needs it.
    walked: list[bool] = []

    def walk() -> object:
        walked.append(True)
        return entry_points()

    monkeypatch.setattr(plugins, "_all", walk)
    found = plugins.registry({"a": "x:A", "b": "x:B"}, "console_scripts")
    assert found["a"] == "x:A" and "b" in found
    assert not walked
    assert "agentctl" in found and found["agentctl"] == "agentctl.cli:main"  # a plug-in
    assert walked
    assert list(found)[:2] == ["a", "b"]  # built-ins first, in their order
    assert "nope" not in found and len(found) == len(set(found))


def test_validating_the_example_walks_no_entry_points(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Every runtime, target and backend the example names is built in.
    from agentctl import providers, runtimes, secrets, targets
    from agentctl.render.pipeline import build
    from tests.conftest import EXAMPLE

    def refuse() -> object:
        raise AssertionError("the installed distributions were walked")

    for family in (providers, runtimes, secrets, targets):
        family._registry.cache_clear()
    monkeypatch.setattr(plugins, "_all", refuse)
    try:
        built = build(EXAMPLE, explicit=True)
        assert built.resolved.agents
    finally:
        for family in (providers, runtimes, secrets, targets):
            family._registry.cache_clear()
