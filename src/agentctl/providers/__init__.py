"""Provider backend registry: backend name → implementation.

Built-in backends are listed in :data:`BUILTIN`; third-party ones register through the
``agentctl.providers`` entry-point group (``name = "package.module:Class"``) and cannot
shadow a built-in. Importing this module is cheap: backends (and httpx) load only when
a backend is asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from agentctl.diagnostics.codes import declaring_owner, register_code_source
from agentctl.providers.base import ProviderBackend
from agentctl.support.plugins import Registry, instantiate, registry

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
def _registry() -> Registry:
    return registry(BUILTIN, ENTRY_POINT_GROUP)


def is_backend(name: str) -> bool:
    """Whether a provider backend called ``name`` exists, built-in or plug-in (installed plug-ins
    are looked for only when ``name`` is not built-in)."""
    return name in _registry()


def backend_names() -> list[str]:
    """Every backend name, built-in and plug-in, sorted."""
    return sorted(_registry())


def backend_description() -> str:
    """The catalogue schema's description of a provider's ``backend`` field."""
    return "Backend key: " + ", ".join(backend_names()) + "."


@cache
def get_backend(name: str) -> ProviderBackend:
    """Return the backend called ``name``. Raises ``KeyError`` for an unknown name."""
    backend: ProviderBackend = instantiate(_registry()[name], ProviderBackend, "ProviderBackend")
    return backend


def default_base_url(name: str) -> str | None:
    """The endpoint backend ``name`` uses when a provider sets no ``base_url``.

    Reads the class attribute only (the backend module is imported, httpx is not).
    Raises ``KeyError`` for an unknown name.
    """
    return get_backend(name).default_base_url


def needs_credential(name: str) -> bool:
    """Whether backend ``name`` needs an inference credential (False for local servers
    such as Ollama). An unknown backend counts as needing one: resolve reports it."""
    try:
        return get_backend(name).needs_credential
    except KeyError:
        return True


def kagent_providers() -> dict[str, tuple[str, str]]:
    """Backend name → its kagent ModelConfig ``(provider, block key)``, for every backend
    that has a kagent equivalent (``kagent_provider`` of each backend)."""
    out: dict[str, tuple[str, str]] = {}
    for name in backend_names():
        kagent = get_backend(name).kagent_provider
        if kagent is not None:
            out[name] = kagent
    return out


def backend_codes() -> list[tuple[str, Mapping[str, str]]]:
    """``(owner, codes)`` of every backend that declares diagnostic codes, for
    :func:`agentctl.diagnostics.codes.all_codes`; the owner is the declaring class."""
    return [(declaring_owner(get_backend(name), "codes"), get_backend(name).codes)
            for name in backend_names() if get_backend(name).codes]


register_code_source(backend_codes)
