"""The ``env`` backend: a value from an environment variable (``var``).

The same rule as a credential's ``env`` override: unset or empty is "not set"; a value
whose bytes are not UTF-8 (Python decodes the environment with surrogateescape) cannot
go into an env file and makes the backend unavailable for it, naming the variable only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from agentctl.secrets.base import ReadOnly, SourceRef, UnusableValue, unknown_params

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def is_text(value: str) -> bool:
    """True when ``value`` encodes as UTF-8 (no lone surrogates from undecodable bytes)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class Env(ReadOnly):
    """An environment variable. Parameter: ``var`` (required)."""

    name = "env"
    can_store = False
    params = frozenset({"var"})

    def check(self, params: Mapping[str, Any]) -> list[str]:
        """``var`` required and a portable variable name."""
        problems = unknown_params(params, self.params, frozenset({"var"}))
        var = params.get("var")
        if var is not None and not (isinstance(var, str) and _ENV_NAME.match(var)):
            problems.append("parameter 'var' must be an environment variable name "
                            "(letters, digits, '_', not starting with a digit)")
        return problems

    def where(self, ref: SourceRef) -> str:
        """``env VAR``."""
        return f"env {ref.text('var')}"

    def get(self, ref: SourceRef) -> str | None:
        """The variable's value; None when unset or empty."""
        var = ref.text("var") or ""
        value = ref.context.environ.get(var)
        if value and not is_text(value):
            raise UnusableValue(self.name, "not UTF-8 text: set it to the value's UTF-8 text")
        return value or None
