"""What a provider backend is: one small Protocol, one module per backend.

A backend knows one provider API's shape: its default endpoint, how a credential is
sent, and how to list the models an account can use. It holds no state; the HTTP
client, the retry policy and the credential's value are handed to it per call
(see :mod:`agentctl.providers.http`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar, Protocol, runtime_checkable

from msgspec import Struct

if TYPE_CHECKING:
    from agentctl.providers.http import ProviderClient


class ListedModel(Struct, frozen=True, order=True):
    """One model as a provider lists it.

    ``id`` is the provider-native model id (a catalogue model's ``provider_model``);
    ``publisher`` and ``use`` are set only when the provider's answer says so, and
    ``None`` otherwise, so a refresh never overwrites what the user wrote with a guess.
    """

    id: str
    publisher: str | None = None
    use: str | None = None


@runtime_checkable
class ProviderBackend(Protocol):
    """A provider API agentctl can list models from.

    ``name`` is the ``backend:`` key of catalogue providers; ``default_base_url`` is used
    when a provider sets no ``base_url``; ``needs_credential`` is False for local servers
    (Ollama) that take no API key; ``kagent_provider`` is the kagent ModelConfig
    ``(provider, provider-specific block key)`` the backend maps to (kagent.dev/v1alpha2),
    or None without an equivalent; ``codes`` are the diagnostic codes the backend emits
    beyond agentctl's own table (code → one-line description).
    """

    name: ClassVar[str]
    default_base_url: ClassVar[str | None]
    needs_credential: ClassVar[bool]
    kagent_provider: ClassVar[tuple[str, str] | None]
    codes: ClassVar[Mapping[str, str]]

    def auth_headers(self, api_key: str | None) -> dict[str, str]:
        """Request headers carrying ``api_key`` (and any version header the API wants)."""
        ...

    def list_models(self, client: ProviderClient, base_url: str) -> list[ListedModel]:
        """Every model the account can use, following pagination to the end.

        ``client`` sends authenticated requests with retries; ``base_url`` has no
        trailing ``/``. Raises :class:`~agentctl.providers.http.ProviderError` when the
        provider refuses or answers in an unexpected shape.
        """
        ...


def join(base_url: str, path: str) -> str:
    """``base_url`` (trailing ``/`` dropped) followed by ``path`` (starting with ``/``)."""
    return base_url.rstrip("/") + path


def shape_error(client: ProviderClient, what: str) -> Exception:
    """A :class:`~agentctl.providers.http.ProviderError` for an answer of the wrong shape."""
    from agentctl.providers.http import ProviderError

    return ProviderError(
        client.provider, client.credential,
        f"provider '{client.provider}': unexpected answer: {what}",
    )
