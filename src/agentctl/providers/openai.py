"""OpenAI's Models API and every OpenAI-compatible endpoint.

``GET {base_url}/models`` with ``Authorization: Bearer <key>``, where ``base_url``
includes the version (``https://api.openai.com/v1``, the form ``OPENAI_BASE_URL``
takes); the answer is ``{"object": "list", "data": [{"id", "object": "model",
"created", "owned_by"}]}`` (platform.openai.com/docs/api-reference/models/list).
OpenAI returns one page; endpoints that page (``has_more`` and ``last_id``, OpenAI's
cursor convention) are followed with ``after=<last_id>``.

OpenRouter (openrouter.ai/docs/api-reference/list-available-models) and other
routers name models ``<maker>/<model>``; the ``openrouter`` backend reports the maker as
``publisher``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from agentctl.providers.base import ListedModel, join, shape_error

if TYPE_CHECKING:
    from agentctl.providers.http import ProviderClient


class OpenAI:
    """The ``openai`` backend: api.openai.com, every model published by OpenAI."""

    name: ClassVar[str] = "openai"
    default_base_url: ClassVar[str | None] = "https://api.openai.com/v1"
    needs_credential: ClassVar[bool] = True
    kagent_provider: ClassVar[tuple[str, str] | None] = ("OpenAI", "openAI")
    codes: ClassVar[Mapping[str, str]] = {}

    def auth_headers(self, api_key: str | None) -> dict[str, str]:
        """``Authorization: Bearer``."""
        return {"Authorization": f"Bearer {api_key}"} if api_key else {}

    def publisher_of(self, model_id: str) -> str | None:
        """The model's maker as this endpoint reports it, or None."""
        return "openai"

    def list_models(self, client: ProviderClient, base_url: str) -> list[ListedModel]:
        """Every model of ``/models``, following ``has_more``/``last_id`` if present."""
        found: list[ListedModel] = []
        params: dict[str, str] = {}
        for _ in range(client.policy.max_pages):
            body = client.get_json(join(base_url, "/models"), params)
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, list):
                raise shape_error(client, "no 'data' list in /models")
            for item in data:
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    found.append(ListedModel(item["id"], self.publisher_of(item["id"])))
            last = body.get("last_id")
            if not body.get("has_more") or not isinstance(last, str) or not last:
                return found
            params = {"after": last}
        raise shape_error(client, f"more than {client.policy.max_pages} pages of models")


class OpenAICompatible(OpenAI):
    """The ``openai-compatible`` backend: any OpenAI-shaped endpoint; ``base_url`` needed."""

    name: ClassVar[str] = "openai-compatible"
    default_base_url: ClassVar[str | None] = None

    def publisher_of(self, model_id: str) -> str | None:
        """Unknown: compatible servers do not say who made a model."""
        return None


class OpenRouter(OpenAI):
    """The ``openrouter`` backend: ids are ``<maker>/<model>``; the maker is the publisher."""

    name: ClassVar[str] = "openrouter"
    default_base_url: ClassVar[str | None] = "https://openrouter.ai/api/v1"

    def publisher_of(self, model_id: str) -> str | None:
        """The part of the id before ``/``."""
        maker, slash, _ = model_id.partition("/")
        return maker if slash and maker else None
