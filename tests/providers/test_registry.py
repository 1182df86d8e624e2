"""The provider registry: third-party backends from the ``agentctl.providers`` group."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import EntryPoint, EntryPoints
from typing import ClassVar

import pytest

from agentctl import providers
from agentctl.catalogue.load import Catalogue, load_catalogue
from agentctl.catalogue.project import load_project
from agentctl.diagnostics import DiagnosticError
from agentctl.providers.base import ProviderBackend
from agentctl.render.checks import check_plugins
from agentctl.resolve import ResolvedProject, resolve
from agentctl.support import plugins as agentctl_plugins
from tests.conftest import ProjectFactory


def checked(cat: Catalogue) -> ResolvedProject:
    """Resolve ``cat`` and make the plug-in checks, as every command does."""
    resolved = resolve(cat, defer=True)
    check_plugins(resolved)
    return resolved


@pytest.fixture
def fresh_registry() -> Iterator[None]:
    providers._registry.cache_clear()
    providers.get_backend.cache_clear()
    yield
    providers._registry.cache_clear()
    providers.get_backend.cache_clear()


def plugins(monkeypatch: pytest.MonkeyPatch, *eps: EntryPoint) -> None:
    other = EntryPoint(name="acme", value="agentctl.runtimes.none:NoRuntime",
                       group="agentctl.runtimes")  # another group: not a provider
    monkeypatch.setattr(agentctl_plugins, "_all", lambda: EntryPoints([*eps, other]))


def test_a_plugin_backend_is_known_to_validate(
    fresh_registry: None, monkeypatch: pytest.MonkeyPatch, make_project: ProjectFactory,
) -> None:
    root = make_project({"catalogue/p.yaml": "providers:\n  - {name: x, backend: acme}\n"})
    with pytest.raises(DiagnosticError) as info:
        checked(load_catalogue(load_project(root, explicit=True)))
    assert info.value.errors[0].code == "E212"
    providers._registry.cache_clear()
    plugins(monkeypatch, EntryPoint(name="acme", value="agentctl.providers.ollama:Ollama",
                                    group=providers.ENTRY_POINT_GROUP))
    assert isinstance(providers.get_backend("acme"), ProviderBackend)
    checked(load_catalogue(load_project(root, explicit=True)))


def test_a_plugin_cannot_shadow_a_builtin(
    fresh_registry: None, monkeypatch: pytest.MonkeyPatch,
) -> None:
    plugins(monkeypatch, EntryPoint(name="anthropic", value="agentctl.providers.ollama:Ollama",
                                    group=providers.ENTRY_POINT_GROUP))
    assert providers.get_backend("anthropic").name == "anthropic"


def test_openai_compatible_needs_a_base_url(make_project: ProjectFactory) -> None:
    root = make_project({"catalogue/p.yaml":
                         "providers:\n  - {name: lab, backend: openai-compatible}\n"})
    with pytest.raises(DiagnosticError) as info:
        checked(load_catalogue(load_project(root, explicit=True)))
    (err,) = info.value.errors
    assert err.code == "E217" and "base_url" in err.detail


def test_backend_facts_come_from_each_backend(fresh_registry: None) -> None:
    assert [n for n in providers.backend_names() if not providers.needs_credential(n)] == [
        "ollama"]
    assert providers.needs_credential("no-such-backend")  # resolve reports it (E212)
    kagent = providers.kagent_providers()
    assert kagent["openrouter"] == ("OpenAI", "openAI")
    assert kagent["anthropic"] == ("Anthropic", "anthropic")
    assert set(kagent) == set(providers.backend_names())
    assert providers.backend_description() == (
        "Backend key: " + ", ".join(providers.backend_names()) + ".")


def test_a_backend_without_kagent_equivalent_is_left_out(
    fresh_registry: None, monkeypatch: pytest.MonkeyPatch,
) -> None:
    plugins(monkeypatch, EntryPoint(name="acme", value=f"{__name__}:NoKagent",
                                    group=providers.ENTRY_POINT_GROUP))
    assert "acme" in providers.backend_names()
    assert "acme" not in providers.kagent_providers()


class NoKagent:
    """A backend kagent has no ModelConfig provider for."""

    name = "acme"
    default_base_url = "http://acme.invalid"
    needs_credential = False
    kagent_provider = None
    codes: ClassVar[dict[str, str]] = {}

    def auth_headers(self, api_key: str | None) -> dict[str, str]:
        return {}

    def list_models(self, client: object, base_url: str) -> list[object]:
        return []
