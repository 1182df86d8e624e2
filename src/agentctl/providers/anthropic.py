"""Anthropic's Models API.

``GET {base_url}/v1/models`` with ``x-api-key`` and ``anthropic-version: 2023-06-01``;
the answer is ``{"data": [{"id", "display_name", "created_at", "type": "model"}],
"has_more", "first_id", "last_id"}`` and the next page is asked for with
``after_id=<last_id>`` (docs.anthropic.com/en/api/models-list). Every model listed is
Anthropic's own, so ``publisher`` is ``anthropic``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from agentctl.providers.base import ListedModel, join, shape_error

if TYPE_CHECKING:
    from agentctl.providers.http import ProviderClient

API_VERSION = "2023-06-01"


class Anthropic:
    """The ``anthropic`` backend (also Anthropic-compatible endpoints via ``base_url``)."""

    name: ClassVar[str] = "anthropic"
    default_base_url: ClassVar[str | None] = "https://api.anthropic.com"
    kagent_provider: ClassVar[tuple[str, str] | None] = ("Anthropic", "anthropic")
    codes: ClassVar[Mapping[str, str]] = {}
    needs_credential: ClassVar[bool] = True
    publisher: ClassVar[str | None] = "anthropic"

    def auth_headers(self, api_key: str | None) -> dict[str, str]:
        """``x-api-key`` and ``anthropic-version``."""
        headers = {"anthropic-version": API_VERSION}
        if api_key:
            headers["x-api-key"] = api_key
        return headers

    def list_models(self, client: ProviderClient, base_url: str) -> list[ListedModel]:
        """Every page of ``/v1/models`` (``limit=1000``, ``after_id`` cursor)."""
        found: list[ListedModel] = []
        params = {"limit": "1000"}
        for _ in range(client.policy.max_pages):
            body = client.get_json(join(base_url, "/v1/models"), params)
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, list):
                raise shape_error(client, "no 'data' list in /v1/models")
            for item in data:
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    found.append(ListedModel(item["id"], self.publisher))
            last = body.get("last_id")
            if not body.get("has_more") or not isinstance(last, str) or not last:
                return found
            params = {"limit": "1000", "after_id": last}
        raise shape_error(client, f"more than {client.policy.max_pages} pages of models")
