"""``agentctl secrets``: see, store and remove the values behind catalogue credentials,
in whichever secret backend each credential's sources name.

``status`` lists, per agent, the credentials its env file needs and whether each has a
value, naming every place looked and any backend that is down with its fix, never the
value; it exits 1 only when a credential some agent needs is missing, so CI can gate
``apply`` on it. Credentials no agent uses are listed apart and never looked up nor
failed on. ``set NAME`` stores a value from stdin (or a hidden, confirmed prompt on a
terminal), never from argv, into the credential's first source that can store (keyring,
pass, age); ``rm NAME`` deletes it there. ``get NAME`` says whether it is set and where;
only ``--reveal`` prints the value itself.

``NAME`` is a credential's name in the catalogue. Errors are diagnostics (``E403`` unknown
credential, ``E404`` unusable value) or one "cannot store/delete secrets" message naming
the backend and its fix. The domain model lives in :mod:`agentctl.secrets.status` and
:mod:`agentctl.secrets.values`.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from agentctl.catalogue.load import load_catalogue
from agentctl.catalogue.project import load_project
from agentctl.catalogue.schema import Credential
from agentctl.commands import ui
from agentctl.render.pipeline import build
from agentctl.secrets import SecretResolver, backend_name, get_backend, store_target
from agentctl.secrets.base import BackendUnavailable, SourceRef
from agentctl.secrets.status import CredentialStatus, credential_statuses
from agentctl.secrets.values import find_credential, read_value


def _credential(directory: Path | None, explicit: bool, name: str
                ) -> tuple[Credential, SecretResolver]:
    """The credential called ``name`` and a resolver bound to its project."""
    project = load_project(directory, explicit=explicit)
    catalogue = load_catalogue(project)
    creds = {n: located.entry for n, located in catalogue.credentials.items()}
    cred = find_credential(creds, name)
    return cred, SecretResolver().use_project(project.root, project.config.secrets)


def collect_status(directory: Path | None, explicit: bool) -> list[CredentialStatus]:
    """Every catalogue credential with the agents needing it; the needed ones with their
    lookup result. Raises :class:`DiagnosticError` for an invalid catalogue."""
    built = build(directory, explicit=explicit)
    credentials = {n: loc.entry for n, loc in built.catalogue.credentials.items()}
    needs = [(spec.agent, var.name, var.credential.name)
             for spec in built.tree.env_files.values() for var in spec.variables]
    resolver = SecretResolver().use_project(built.project.root, built.project.config.secrets)
    return credential_statuses(credentials, needs, resolver)


def status(directory: Path | None, explicit: bool, *, as_json: bool) -> int:
    """Print which credentials each agent needs and whether each has a value.

    Returns 1 when a credential some agent needs has no value, else 0.
    """
    statuses = collect_status(directory, explicit)
    asked_keyring = any(p.startswith("keyring ") for s in statuses for p in s.looked)
    backend = backend_name() if asked_keyring else None
    missing = [s for s in statuses if s.agents and not s.found]
    down = sorted({d for s in missing for d in s.down})
    if as_json:
        ui.out(json.dumps({"backend": backend, "credentials": [s.to_json() for s in statuses],
                           "missing": [s.name for s in missing],
                           "unavailable": [{"backend": b, "message": m} for b, m in down]},
                          indent=2, sort_keys=True))
        return 1 if missing else 0
    if backend:
        ui.out(f"keyring backend: {backend}")
    _print_statuses(statuses)
    return _verdict(missing, down)


def _verdict(missing: list[CredentialStatus], down: list[tuple[str, str]]) -> int:
    """Name each backend that is down and each missing credential; 1 when any is missing."""
    for name, message in down:
        ui.err(ui.style("error: ", "red", sys.stderr)
               + f"secret backend '{name}' is unavailable: {message}")
    if missing:
        ui.err(ui.style("error: ", "red", sys.stderr) + f"{len(missing)} credential(s) "
               "without a value: " + ", ".join(s.name for s in missing)
               + ". Store one with `agentctl secrets set NAME`.")
        return 1
    ui.out(ui.style("Every credential an agent needs has a value.", "green"))
    return 0


def _print_statuses(statuses: list[CredentialStatus]) -> None:
    """Per agent its credentials, then the credentials no agent needs."""
    by_agent: dict[str, list[tuple[str, CredentialStatus]]] = {}
    for s in statuses:
        for agent, var in s.agents:
            by_agent.setdefault(agent, []).append((var, s))
    for agent in sorted(by_agent):
        ui.out(ui.style(f"agent {agent}", "bold"))
        for var, s in by_agent[agent]:
            ui.out(f"  {_line(s, var)}")
    unused = [s for s in statuses if not s.agents]
    if unused:
        ui.out(ui.style("credentials no agent needs (not looked up)", "bold"))
        for s in unused:
            ui.out(f"  {s.name}")


def _line(s: CredentialStatus, var: str | None) -> str:
    head = f"{s.name} → {var}" if var else s.name
    if s.found:
        return ui.style(f"found   {head}", "green") + f"  (from {s.source})"
    return ui.style(f"missing {head}", "red") + "  (looked in " + "; ".join(s.looked) + ")"


def _target(cred: Credential, resolver: SecretResolver, verb: str) -> SourceRef:
    """The source ``set``/``rm`` act on. Raises :class:`BackendUnavailable` when the
    credential has no source that can store."""
    target = store_target(cred, resolver.default)
    if target is None:
        raise BackendUnavailable("none", (
            f"no source of credential '{cred.name}' can store a value (env, file and "
            "command sources are read-only); add a keyring, pass or age source, or store "
            "it where its source points"), verb)
    return SourceRef(cred.name, target[0], target[1], resolver.context)


def _where(ref: SourceRef) -> str:
    where = get_backend(ref.backend).where(ref)
    if ref.backend == "keyring":  # the wording `secrets set` always had for the keyring
        service = ref.text("service", "agentctl")
        user = ref.text("username") or ref.credential
        return f"the keyring (service '{service}', user '{user}', backend {backend_name()})"
    return where


def set_value(directory: Path | None, explicit: bool, name: str, *,
              prompt: Callable[[str], str] | None = None) -> int:
    """Store a value for credential ``name`` in its first source that can store: from
    ``prompt`` (hidden and confirmed; used only when stdin is a terminal), else from
    stdin (see :func:`~agentctl.secrets.values.read_value`). Returns 0."""
    cred, resolver = _credential(directory, explicit, name)
    ref = _target(cred, resolver, "store")
    value = read_value(name, sys.stdin.buffer,
                       prompt=prompt if sys.stdin.isatty() else None)
    get_backend(ref.backend).set(ref, value)
    ui.out(f"Stored {name} in {_where(ref)}.")
    if cred.env and os.environ.get(cred.env):
        ui.err(ui.style("warning: ", "yellow", sys.stderr) + f"{cred.env} is set in this "
               f"environment and overrides the {ref.backend} value for agentctl.")
    return 0


def remove(directory: Path | None, explicit: bool, name: str) -> int:
    """Delete credential ``name``'s value from its first source that can store; saying
    so when there was none."""
    cred, resolver = _credential(directory, explicit, name)
    ref = _target(cred, resolver, "delete")
    where = get_backend(ref.backend).where(ref)
    if get_backend(ref.backend).remove(ref):
        ui.out(f"Removed {name} from the {where}.")
    else:
        ui.out(f"{name} had no entry in the {where}; nothing to remove.")
    return 0


def get(directory: Path | None, explicit: bool, name: str, *, reveal: bool) -> int:
    """Say whether ``name`` has a value and where it comes from (exit 1 when missing,
    naming every place looked and each backend that is down with its fix); with
    ``reveal``, print the value itself on stdout followed by a newline."""
    cred, resolver = _credential(directory, explicit, name)
    found = resolver.get(cred)
    if found.value is None:
        ui.err(ui.style("error: ", "red", sys.stderr) + f"{name} has no value; looked in "
               + "; ".join(found.looked) + f". Store one with `agentctl secrets set {name}`.")
        for backend, message in found.down:
            ui.err(f"  {backend} is unavailable: {message}")
        return 1
    if reveal:
        sys.stdout.write(found.value + "\n")  # the one place a value is printed, on request
        return 0
    ui.out(f"{name} is set (from {found.source}); add --reveal to print the value.")
    return 0
