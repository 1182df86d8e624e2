"""Naming a credential and reading the value ``secrets set`` stores."""

from __future__ import annotations

import io

import pytest

from agentctl.catalogue.schema import Credential
from agentctl.diagnostics import DiagnosticError
from agentctl.secrets.values import MAX_VALUE_BYTES, find_credential, read_value

CREDS = {"github-pat": Credential(name="github-pat", kind="api_key")}


def test_find_credential_echoes_only_near_misses() -> None:
    assert find_credential(CREDS, "github-pat") is CREDS["github-pat"]
    with pytest.raises(DiagnosticError) as near:
        find_credential(CREDS, "github-pta")
    assert "'github-pta'" in near.value.errors[0].summary
    with pytest.raises(DiagnosticError) as value:
        find_credential(CREDS, "ghp_SomethingSecret123")
    text = value.value.errors[0].format()
    assert "ghp_SomethingSecret123" not in text and "github-pat" in text


def test_read_value_from_a_stream_drops_one_newline() -> None:
    assert read_value("x", io.BytesIO(b"s3cret\n\n")) == "s3cret\n"
    assert read_value("x", io.BytesIO(b"s3cret\r\n")) == "s3cret"


def test_read_value_asks_the_prompt_when_given_and_ignores_the_stream() -> None:
    asked: list[str] = []

    def prompt(label: str) -> str:
        asked.append(label)
        return "typed-value"

    assert read_value("gh", io.BytesIO(b"piped"), prompt=prompt) == "typed-value"
    assert asked == ["Value for gh"]
    with pytest.raises(DiagnosticError) as empty:
        read_value("gh", io.BytesIO(b""), prompt=lambda _label: "")
    assert empty.value.errors[0].code == "E404"


@pytest.mark.parametrize("data", [b"", b"a\x00b", b"\xff\xfe", b"v" * (MAX_VALUE_BYTES + 1)])
def test_unusable_values_are_refused_without_echo(data: bytes) -> None:
    with pytest.raises(DiagnosticError) as info:
        read_value("gh", io.BytesIO(data))
    (err,) = info.value.errors
    assert err.code == "E404" and "nothing was stored" in err.summary
    assert "a\x00b" not in err.format() and "vvvv" not in err.format()
