"""Ollama's local model list.

``GET {base_url}/api/tags`` (no key; a ``Bearer`` is sent when a credential is given,
for Ollama behind an authenticating proxy); the answer is ``{"models": [{"name",
"model", "modified_at", "size", "digest", "details"}]}`` in one page
(github.com/ollama/ollama ``docs/api.md``, "List Local Models").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from agentctl.providers.base import ListedModel, join, shape_error

if TYPE_CHECKING:
    from agentctl.providers.http import ProviderClient


class Ollama:
    """The ``ollama`` backend: a local server, no API key needed."""

    name: ClassVar[str] = "ollama"
    default_base_url: ClassVar[str | None] = "http://localhost:11434"
    kagent_provider: ClassVar[tuple[str, str] | None] = ("Ollama", "ollama")
    codes: ClassVar[Mapping[str, str]] = {}
    needs_credential: ClassVar[bool] = False

    def auth_headers(self, api_key: str | None) -> dict[str, str]:
        """Nothing, or ``Authorization: Bearer`` when a credential is configured."""
        return {"Authorization": f"Bearer {api_key}"} if api_key else {}

    def list_models(self, client: ProviderClient, base_url: str) -> list[ListedModel]:
        """The models pulled into this Ollama (``name`` is the handle, e.g. ``llama3:8b``)."""
        body = client.get_json(join(base_url, "/api/tags"))
        models = body.get("models") if isinstance(body, dict) else None
        if not isinstance(models, list):
            raise shape_error(client, "no 'models' list in /api/tags")
        return [
            ListedModel(item["name"])
            for item in models
            if isinstance(item, dict) and isinstance(item.get("name"), str)
        ]
