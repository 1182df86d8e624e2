"""The plug-in guide's code and names match the code: its backend example is a working
``ProviderBackend``, and its entry-point groups are the registries' own."""

from __future__ import annotations

import re
from typing import Any

from agentctl import providers, runtimes, targets
from agentctl.providers.base import ListedModel, ProviderBackend
from tests.conftest import ROOT

GUIDE = (ROOT / "docs/how-to/plugins.md").read_text()


class FakeClient:
    """Answers ``get_json`` with one page, recording the URL asked for."""

    def __init__(self, body: Any) -> None:
        self.body = body
        self.urls: list[str] = []

    def get_json(self, url: str) -> Any:
        self.urls.append(url)
        return self.body


def test_the_backend_example_is_a_provider_backend() -> None:
    code = re.findall(r"```python\n(.*?)```", GUIDE, flags=re.S)
    assert len(code) == 1
    namespace: dict[str, Any] = {}
    exec(compile(code[0], "plugins.md", "exec"), namespace)
    assert isinstance(namespace["AcmeBackend"](), ProviderBackend)
    backend: Any = namespace["AcmeBackend"]()
    assert backend.auth_headers("k") == {"Authorization": "Bearer k"}
    client = FakeClient({"data": [{"id": "acme-large"}, {"id": "acme-small"}]})
    models = backend.list_models(client, "https://api.acme.example/v1")
    assert models == [ListedModel("acme-large"), ListedModel("acme-small")]
    assert client.urls == ["https://api.acme.example/v1/models"]


def test_the_entry_point_groups_are_the_registries() -> None:
    for module in (runtimes, providers, targets):
        assert f"`{module.ENTRY_POINT_GROUP}`" in GUIDE
    assert f'[project.entry-points."{providers.ENTRY_POINT_GROUP}"]' in GUIDE
