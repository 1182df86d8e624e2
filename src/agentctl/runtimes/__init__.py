"""Runtime registry: runtime name → implementation.

Built-in runtimes are listed in :data:`BUILTIN`; third-party ones register through the
``agentctl.runtimes`` entry-point group (``name = "package.module:Class"``). Nothing
else in agentctl knows which runtimes exist.
"""

from __future__ import annotations

import importlib
from functools import cache

from agentctl.runtimes.base import Runtime

#: Built-in runtimes: name → "module:Class".
BUILTIN = {
    "claude-code": "agentctl.runtimes.claude_code:ClaudeCode",
    "codex": "agentctl.runtimes.codex:Codex",
    "gemini-cli": "agentctl.runtimes.gemini_cli:GeminiCli",
    "none": "agentctl.runtimes.none:NoRuntime",
    "opencode": "agentctl.runtimes.opencode:OpenCode",
}
ENTRY_POINT_GROUP = "agentctl.runtimes"


@cache
def _registry() -> dict[str, str]:
    from agentctl.plugins import plugin_specs

    found = dict(BUILTIN)
    for name, spec in plugin_specs(ENTRY_POINT_GROUP).items():
        found.setdefault(name, spec)
    return found


def runtime_names() -> list[str]:
    """Every runtime name, built-in and plug-in, sorted."""
    return sorted(_registry())


@cache
def get_runtime(name: str) -> Runtime:
    """Return the runtime called ``name``. Raises ``KeyError`` for an unknown name."""
    target = _registry()[name]
    module_name, _, attr = target.partition(":")
    runtime = getattr(importlib.import_module(module_name), attr)()
    if not isinstance(runtime, Runtime):
        raise TypeError(f"{target} does not implement agentctl's Runtime protocol")
    return runtime
