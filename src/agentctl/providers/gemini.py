"""The Gemini API's model list.

``GET {base_url}/v1beta/models`` with ``x-goog-api-key``; the answer is ``{"models":
[{"name": "models/<id>", "baseModelId", "version", "displayName",
"supportedGenerationMethods": [...]}], "nextPageToken"}`` and the next page is asked for
with ``pageToken`` (ai.google.dev/api/models#method:-models.list). Every model is
Google's; a model that only supports ``embedContent`` is an embedding model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from agentctl.providers.base import ListedModel, join, shape_error

if TYPE_CHECKING:
    from agentctl.providers.http import ProviderClient


class Gemini:
    """The ``gemini`` backend (Google AI Studio keys)."""

    name: ClassVar[str] = "gemini"
    default_base_url: ClassVar[str | None] = "https://generativelanguage.googleapis.com"
    kagent_provider: ClassVar[tuple[str, str] | None] = ("Gemini", "gemini")
    codes: ClassVar[Mapping[str, str]] = {}
    needs_credential: ClassVar[bool] = True

    def auth_headers(self, api_key: str | None) -> dict[str, str]:
        """``x-goog-api-key`` (the key never goes into the URL)."""
        return {"x-goog-api-key": api_key} if api_key else {}

    def list_models(self, client: ProviderClient, base_url: str) -> list[ListedModel]:
        """Every page of ``/v1beta/models`` (``pageSize=1000``, ``pageToken`` cursor)."""
        found: list[ListedModel] = []
        params = {"pageSize": "1000"}
        for _ in range(client.policy.max_pages):
            body = client.get_json(join(base_url, "/v1beta/models"), params)
            models = body.get("models", []) if isinstance(body, dict) else None
            if not isinstance(models, list):
                raise shape_error(client, "no 'models' list in /v1beta/models")
            for item in models:
                name = item.get("name") if isinstance(item, dict) else None
                if not isinstance(name, str):
                    continue
                methods = item.get("supportedGenerationMethods") or []
                use = None
                if "generateContent" in methods:
                    use = "chat"
                elif "embedContent" in methods:
                    use = "embedding"
                found.append(ListedModel(name.removeprefix("models/"), "google", use))
            token = body.get("nextPageToken")
            if not isinstance(token, str) or not token:
                return found
            params = {"pageSize": "1000", "pageToken": token}
        raise shape_error(client, f"more than {client.policy.max_pages} pages of models")
