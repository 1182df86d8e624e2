"""Plug-ins declare their own diagnostic codes; all_codes() merges them, refusing clashes."""

from __future__ import annotations

from importlib.metadata import EntryPoint, EntryPoints
from typing import ClassVar

import pytest

from agentctl import runtimes
from agentctl.diagnostics import codes
from agentctl.runtimes.codex import Codex
from agentctl.runtimes.none import NoRuntime
from agentctl.support import plugins


class Clashing(NoRuntime):
    """Declares a code agentctl's own table has."""

    codes: ClassVar[dict[str, str]] = {"E501": "Something else"}


class Renamed(Codex):
    """Inherits Codex's codes: the same owner, so no clash."""


def test_runtime_codes_are_merged_with_the_builtin_table(fresh_registry: None) -> None:
    merged = codes.all_codes()
    assert merged["E507"] == Codex.codes["E507"] and "E507" not in codes.CODES
    assert merged["W510"] == NoRuntime.codes["W510"] and "W510" not in codes.CODES
    assert set(codes.CODES) <= set(merged)
    assert list(merged) == sorted(merged)


def test_a_clash_names_both_owners() -> None:
    with pytest.raises(codes.CodeClash) as info:
        codes.merge_codes([("acme.mod:Acme", {"W590": "a"}), ("other:Other", {"W590": "b"})])
    assert str(info.value) == ("diagnostic code W590 is declared by both acme.mod:Acme and "
                               "other:Other")
    with pytest.raises(codes.CodeClash, match="E501 is declared by both agentctl and x:Y"):
        codes.merge_codes([("x:Y", {"E501": "mine"})])


def test_a_plugin_clashing_with_the_table_is_refused(fresh_registry: None,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    rogue = EntryPoint(name="rogue", value=f"{__name__}:Clashing",
                       group=runtimes.ENTRY_POINT_GROUP)
    monkeypatch.setattr(plugins, "_all", lambda: EntryPoints([rogue]))
    with pytest.raises(codes.CodeClash, match=f"E501 is declared by both agentctl and "
                                              f"{__name__}:Clashing"):
        codes.all_codes()


def test_one_class_under_two_names_or_inherited_is_one_owner(
    fresh_registry: None, monkeypatch: pytest.MonkeyPatch,
) -> None:
    again = [EntryPoint(name="acme", value="agentctl.runtimes.none:NoRuntime",
                        group=runtimes.ENTRY_POINT_GROUP),
             EntryPoint(name="renamed", value=f"{__name__}:Renamed",
                        group=runtimes.ENTRY_POINT_GROUP)]
    monkeypatch.setattr(plugins, "_all", lambda: EntryPoints(again))
    assert codes.declaring_owner(Renamed()) == "agentctl.runtimes.codex:Codex"
    assert codes.all_codes()["E507"] == Codex.codes["E507"]


def test_registering_a_source_twice_counts_once() -> None:
    before = len(codes._SOURCES)
    codes.register_code_source(runtimes.runtime_codes)
    assert len(codes._SOURCES) == before
