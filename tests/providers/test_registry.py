"""The provider registry: third-party backends from the ``agentctl.providers`` group."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import EntryPoint, EntryPoints

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
