"""Masking: every registered value, in every form it can be printed in."""

from __future__ import annotations

import base64
import json
import os
import urllib.parse

import pytest

from agentctl.support import redact

VALUE = 'tok-"q" $x \\ #1\nline-two'


@pytest.mark.parametrize("form", [
    VALUE, "line-two", repr(VALUE), json.dumps(VALUE), urllib.parse.quote(VALUE, safe=""),
    urllib.parse.quote_plus(VALUE), base64.b64encode(VALUE.encode()).decode(),
    '"tok-\\"q\\" $$x \\\\ #1\\nline-two"',
])
def test_every_form_is_masked(form: str) -> None:
    redact.register(VALUE)
    masked = redact.redact(f"before {form} after")
    assert masked.startswith("before ") and redact.MASK in masked
    assert "tok-" not in masked and "line-two" not in masked


def test_short_values_are_left_alone() -> None:
    redact.register("abc")
    assert redact.redact("abc abcd") == "abc abcd"


def test_debug_traceback_is_masked(monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    """An internal error whose message (and whose cause's message) carries a value."""
    from agentctl.commands.context import guarded

    secret = "canary-in-traceback-7c1f"
    redact.register(secret)

    def buggy() -> int:
        try:
            raise KeyError(secret)
        except KeyError as exc:
            raise RuntimeError(f"failed with {secret!r}") from exc

    monkeypatch.setitem(os.environ, "AGENTCTL_DEBUG", "1")
    assert guarded(buggy) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert "internal error: RuntimeError" in err
    assert "The above exception was the direct cause" in err
    assert secret not in err and err.count(redact.MASK) >= 3
