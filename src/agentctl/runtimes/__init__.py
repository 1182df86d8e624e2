"""Runtime registry: runtime name → implementation.

Built-in runtimes are listed in :data:`BUILTIN`; third-party ones register through the
``agentctl.runtimes`` entry-point group (``name = "package.module:Class"``). Nothing
else in agentctl knows which runtimes exist: schema descriptions, ``init``'s choices,
README's runtime matrix and the diagnostic code table read this registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from agentctl.diagnostics.codes import declaring_owner, register_code_source
from agentctl.runtimes.base import Runtime
from agentctl.support.plugins import Registry, instantiate, registry

#: Built-in runtimes: name → "module:Class", in the order the docs list them.
BUILTIN = {
    "claude-code": "agentctl.runtimes.claude_code:ClaudeCode",
    "opencode": "agentctl.runtimes.opencode:OpenCode",
    "kilo": "agentctl.runtimes.kilo:Kilo",
    "codex": "agentctl.runtimes.codex:Codex",
    "gemini-cli": "agentctl.runtimes.gemini_cli:GeminiCli",
    "copilot-cli": "agentctl.runtimes.copilot:Copilot",
    "qwen-code": "agentctl.runtimes.qwen_code:QwenCode",
    "none": "agentctl.runtimes.none:NoRuntime",
}
ENTRY_POINT_GROUP = "agentctl.runtimes"


@cache
def _registry() -> Registry:
    return registry(BUILTIN, ENTRY_POINT_GROUP)


def is_runtime(name: str) -> bool:
    """Whether a runtime called ``name`` exists, built-in or plug-in (installed plug-ins
    are looked for only when ``name`` is not built-in)."""
    return name in _registry()


def runtime_names() -> list[str]:
    """Every runtime name, built-in and plug-in, sorted."""
    return sorted(_registry())


def listed_runtimes() -> list[str]:
    """Every runtime name in the docs' order: built-ins as :data:`BUILTIN` lists them,
    then plug-ins in entry-point order."""
    return list(_registry())


def runtime_choices() -> str:
    """The runtime names as prose, in the docs' order: ``a, b or c``."""
    names = listed_runtimes()
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else "".join(names)


def runtime_description() -> str:
    """The catalogue schema's description of an agent's ``runtime`` field."""
    return f"Runtime: {runtime_choices()}."


@cache
def get_runtime(name: str) -> Runtime:
    """Return the runtime called ``name``. Raises ``KeyError`` for an unknown name, and
    ``TypeError`` when the registered class does not implement :class:`Runtime`."""
    runtime: Runtime = instantiate(_registry()[name], Runtime, "Runtime")
    return runtime


def runtime_codes() -> list[tuple[str, Mapping[str, str]]]:
    """``(owner, codes)`` of every runtime that declares diagnostic codes, for
    :func:`agentctl.diagnostics.codes.all_codes`; the owner is the declaring class."""
    found = [get_runtime(name) for name in listed_runtimes()]
    return [(declaring_owner(runtime), runtime.codes) for runtime in found if runtime.codes]


register_code_source(runtime_codes)
