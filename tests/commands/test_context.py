"""commands/context.guarded: a user's or an environment's failure is one line, never an
internal error; the exception types it knows are looked up by module path, so each path
must name the module that defines the type."""

from __future__ import annotations

import importlib

import pytest

from agentctl.commands.context import USER_ERRORS, guarded
from agentctl.diagnostics.codes import CodeClash
from agentctl.plan.saved import ApplyRefused


@pytest.mark.parametrize(("module", "name"), [
    (module, name) for module, names in USER_ERRORS.items() for name in names
])
def test_every_user_error_type_is_defined_where_named(module: str, name: str) -> None:
    found = getattr(importlib.import_module(module), name)
    assert isinstance(found, type) and issubclass(found, Exception)
    assert found.__module__ == module


@pytest.mark.parametrize("exc", [
    CodeClash("code W590 is declared by acme:Acme and by other:Other"),
    ApplyRefused("the saved plan is stale"),
])
def test_a_user_error_is_one_line(exc: Exception, capsys: pytest.CaptureFixture[str]) -> None:
    def fails() -> int:
        raise exc

    assert guarded(fails) == 1
    err = capsys.readouterr().err
    assert err == f"error: {exc}\n"
    assert "internal error" not in err
