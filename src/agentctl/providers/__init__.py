"""Provider backend registry: backend name → implementation.

Built-in backends are listed in :data:`BUILTIN`; third-party ones register through the
``agentctl.providers`` entry-point group (``name = "package.module:Class"``) and cannot
shadow a built-in. Importing this module is cheap: backends (and httpx) load only when
a backend is asked for.
"""

from __future__ import annotations

from functools import cache

from agentctl.providers.base import ProviderBackend

#: Built-in backends: name → "module:Class".
BUILTIN = {
    "anthropic": "agentctl.providers.anthropic:Anthropic",
    "gemini": "agentctl.providers.gemini:Gemini",
    "ollama": "agentctl.providers.ollama:Ollama",
    "openai": "agentctl.providers.openai:OpenAI",
    "openai-compatible": "agentctl.providers.openai:OpenAICompatible",
    "openrouter": "agentctl.providers.openai:OpenRouter",
}
ENTRY_POINT_GROUP = "agentctl.providers"


@cache
def _registry() -> dict[str, str]:
    from agentctl.support.plugins import registry

    return registry(BUILTIN, ENTRY_POINT_GROUP)


def backend_names() -> list[str]:
    """Every backend name, built-in and plug-in, sorted."""
    return sorted(_registry())


@cache
def get_backend(name: str) -> ProviderBackend:
    """Return the backend called ``name``. Raises ``KeyError`` for an unknown name."""
    from agentctl.support.plugins import instantiate

    backend: ProviderBackend = instantiate(_registry()[name], ProviderBackend, "ProviderBackend")
    return backend


def default_base_url(name: str) -> str | None:
    """The endpoint backend ``name`` uses when a provider sets no ``base_url``.

    Reads the class attribute only (the backend module is imported, httpx is not).
    Raises ``KeyError`` for an unknown name.
    """
    return get_backend(name).default_base_url
