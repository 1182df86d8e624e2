"""Env files: compose-compatible double quoting, NUL refused, read-back by variable."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentctl.support.envfile import EnvFileError, format_env_file, parse_env_file, quote


def test_quoting_rules_from_compose() -> None:
    assert quote('a"b') == '"a\\"b"'
    assert quote("a$b") == '"a$$b"'
    assert quote("a\\b") == '"a\\\\b"'
    assert quote("l1\nl2\r") == '"l1\\nl2\\r"'
    assert quote("x # y") == '"x # y"'


def test_nul_is_refused_without_the_value() -> None:
    with pytest.raises(EnvFileError) as info:
        format_env_file([("TOKEN", "sec\x00ret")])
    assert "TOKEN" in str(info.value)
    assert "sec" not in str(info.value)


def test_lone_surrogate_is_refused() -> None:
    with pytest.raises(EnvFileError):
        format_env_file([("TOKEN", "\ud800")])


def test_bad_key_is_refused() -> None:
    with pytest.raises(EnvFileError):
        format_env_file([("1BAD", "x")])


@given(st.dictionaries(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,20}", fullmatch=True),
                       st.text(alphabet=st.characters(blacklist_characters="\x00",
                                                     blacklist_categories=("Cs",)))))
def test_round_trip(values: dict[str, str]) -> None:
    data = format_env_file(sorted(values.items()), "header line")
    assert parse_env_file(data) == values
