"""Secret backends and finding a credential's value through them.

A credential's value is looked for, in order, in its ``env`` override, then each of its
``source:`` entries (or, when it has none, agentctl.yaml's ``secrets.default``, else the
OS keyring at the credential's ``keyring:`` location). The first source with a value
wins; later ones are never asked. Backends are a plug-in family: :data:`BUILTIN` maps
each built-in name to its class, and third-party packages add theirs through the
``agentctl.secret_backends`` entry-point group (``name = "package.module:Class"``, a
class implementing :class:`~agentctl.secrets.base.SecretBackend`).

Values are fetched only at plan/apply time (and by ``agentctl secrets``), registered with
:mod:`agentctl.support.redact` before use, and written only into env files. A source
whose backend cannot answer is recorded in the lookup (``down``) with its fix and the
next source is tried: a backend that is down never hides which credentials needed it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from msgspec import Struct, field

from agentctl.catalogue.schema import Credential
from agentctl.catalogue.secret_sources import SecretsConfig, SecretSource
from agentctl.secrets.base import (
    BackendContext,
    BackendUnavailable,
    SecretBackend,
    SourceRef,
    UnusableValue,
)
from agentctl.secrets.env import is_text as _is_text
from agentctl.secrets.keyring_backend import (
    KEYRING_FIXES,
    KeyringUnavailable,
    backend_name,
    keyring_delete,
    keyring_failure,
    keyring_get,
    keyring_set,
)
from agentctl.support import redact
from agentctl.support.plugins import Registry, instantiate, registry

__all__ = [
    "BUILTIN",
    "ENTRY_POINT_GROUP",
    "KEYRING_FIXES",
    "BackendContext",
    "BackendUnavailable",
    "KeyringUnavailable",
    "Lookup",
    "SecretResolver",
    "_is_text",
    "backend_name",
    "backend_names",
    "get_backend",
    "keyring_delete",
    "keyring_failure",
    "keyring_get",
    "keyring_set",
    "keyring_username",
    "lookup",
    "sources_of",
    "store_target",
]

#: Built-in secret backends: name → "module:Class", in the order the docs list them.
BUILTIN = {
    "keyring": "agentctl.secrets.keyring_backend:Keyring",
    "env": "agentctl.secrets.env:Env",
    "file": "agentctl.secrets.file:File",
    "pass": "agentctl.secrets.passstore:PassStore",
    "command": "agentctl.secrets.command:Command",
    "age": "agentctl.secrets.agefile:AgeFile",
}
ENTRY_POINT_GROUP = "agentctl.secret_backends"


@cache
def _registry() -> Registry:
    return registry(BUILTIN, ENTRY_POINT_GROUP)


def is_backend(name: str) -> bool:
    """Whether a secret backend called ``name`` exists, built-in or plug-in (installed plug-ins
    are looked for only when ``name`` is not built-in)."""
    return name in _registry()


def backend_names() -> list[str]:
    """Every secret backend name, built-in ones first in :data:`BUILTIN` order."""
    return list(_registry())


@cache
def get_backend(name: str) -> SecretBackend:
    """The backend called ``name``. Raises ``KeyError`` for an unknown name and
    ``TypeError`` when the registered class is not a :class:`SecretBackend`."""
    backend: SecretBackend = instantiate(_registry()[name], SecretBackend, "SecretBackend")
    return backend


def keyring_username(cred: Credential) -> str:
    """The keyring username holding ``cred`` (default: the credential's name)."""
    return cred.keyring.username or cred.name


def sources_of(cred: Credential, default: SecretSource | None = None
               ) -> list[tuple[str, dict[str, Any]]]:
    """``(backend, params)`` of every place ``cred``'s value is looked for, in order."""
    found: list[tuple[str, dict[str, Any]]] = []
    if cred.env:
        found.append(("env", {"var": cred.env}))
    listed = cred.source if isinstance(cred.source, list) else [cred.source] if cred.source else []
    if not listed and default is not None and "keyring" not in cred.model_fields_set:
        listed = [default]
    keyring_at: dict[str, Any] = {"service": cred.keyring.service}
    if cred.keyring.username:
        keyring_at["username"] = cred.keyring.username
    if listed:
        # a keyring source without its own location uses the credential's `keyring:`
        return found + [(s.backend, {**keyring_at, **s.params()} if s.backend == "keyring"
                         else s.params()) for s in listed]
    return [*found, ("keyring", keyring_at)]


class Lookup(Struct, frozen=True):
    """A credential's value (None when missing), where it was looked for (one phrase per
    source, with the outcome), where it was found, and the ``down`` backends as
    ``(backend, message)`` pairs."""

    value: str | None
    looked: tuple[str, ...]
    source: str = ""
    down: tuple[tuple[str, str], ...] = ()


def store_target(cred: Credential, default: SecretSource | None = None
                 ) -> tuple[str, dict[str, Any]] | None:
    """``(backend, params)`` of the first source of ``cred`` that can store a value (the
    one ``agentctl secrets set`` writes to), or None. The ``env`` override never stores."""
    skip = 1 if cred.env else 0
    for backend, params in sources_of(cred, default)[skip:]:
        try:
            if get_backend(backend).can_store:
                return backend, params
        except KeyError:
            continue
    return None


def _ask(ref: SourceRef) -> tuple[str | None, str, tuple[str, str] | None]:
    """One source: (value, phrase for ``looked``, (backend, message) when it is down)."""
    try:
        backend = get_backend(ref.backend)
    except KeyError:
        return None, f"backend '{ref.backend}' (unknown)", (
            ref.backend, f"no secret backend '{ref.backend}' is installed; known: "
            + ", ".join(backend_names()))
    where = backend.where(ref)
    try:
        value = backend.get(ref)
    except UnusableValue as exc:  # the value's fault: missing, the backend is not down
        return None, f"{where} (set, but {redact.redact(str(exc))})", None
    except BackendUnavailable as exc:
        return None, f"{where} (unavailable)", (ref.backend, redact.redact(str(exc)))
    if value is not None and value != "":
        redact.register(value)
        return value, where, None
    return None, where + (" (empty)" if value == "" else " (not set)"), None


def lookup(cred: Credential, environ: Mapping[str, str] | None = None,
           context: BackendContext | None = None,
           default: SecretSource | None = None) -> Lookup:
    """Return ``cred``'s value from the first of its sources that has one (see
    :func:`sources_of`). Never raises for a backend that is down: it is recorded in
    ``down`` and the next source is asked. The value is registered for redaction."""
    ctx = context or BackendContext()
    if environ is not None:
        ctx = BackendContext(ctx.root, environ, ctx.age_file, ctx.age_recipients)
    looked: list[str] = []
    down: list[tuple[str, str]] = []
    for i, (backend, params) in enumerate(sources_of(cred, default)):
        value, where, failed = _ask(SourceRef(cred.name, backend, params, ctx))
        if value is not None:
            return Lookup(value, (*looked, where), where, tuple(down))
        looked.append(where)
        if failed:
            down.append(failed)
        if i == 0 and cred.env and "(set, but " in where:
            # The override is set but unusable (not UTF-8): a value from a later
            # source would be a surprise, so none is asked.
            break
    return Lookup(None, tuple(looked), "", tuple(down))


class SecretResolver(Struct):
    """Looks each credential up once per run; shared by every agent that uses it.

    :meth:`use_project` gives it the project root (relative ``file`` paths, the age
    file) and agentctl.yaml's ``secrets:`` section.
    """

    environ: Mapping[str, str] | None = None
    cache: dict[str, Lookup] = field(default_factory=dict)
    context: BackendContext = field(default_factory=BackendContext)
    default: SecretSource | None = None

    def use_project(self, root: Path, config: SecretsConfig) -> SecretResolver:
        """Use ``root`` and ``config`` for every later lookup; returns self."""
        env = os.environ if self.environ is None else self.environ
        self.context = BackendContext(root, env, config.age.file, tuple(config.age.recipients))
        self.default = config.default
        return self

    def get(self, cred: Credential) -> Lookup:
        """The :class:`Lookup` for ``cred`` (cached). Never raises for a backend that is
        down (see :func:`lookup`)."""
        if cred.name not in self.cache:
            self.cache[cred.name] = lookup(cred, self.environ, self.context, self.default)
        return self.cache[cred.name]
