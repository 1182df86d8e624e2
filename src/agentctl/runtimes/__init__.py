"""Runtime registry: runtime name → implementation.

Built-in runtimes are listed in :data:`BUILTIN`; third-party ones register through the
``agentctl.runtimes`` entry-point group (``name = "package.module:Class"``). Nothing
else in agentctl knows which runtimes exist.
"""

from __future__ import annotations

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
    from agentctl.support.plugins import registry

    return registry(BUILTIN, ENTRY_POINT_GROUP)


def runtime_names() -> list[str]:
    """Every runtime name, built-in and plug-in, sorted."""
    return sorted(_registry())


@cache
def get_runtime(name: str) -> Runtime:
    """Return the runtime called ``name``. Raises ``KeyError`` for an unknown name."""
    from agentctl.support.plugins import instantiate

    runtime: Runtime = instantiate(_registry()[name], Runtime, "Runtime")
    return runtime
