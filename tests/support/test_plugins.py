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
