"""``agentctl secrets``: see, store and remove the values behind catalogue credentials.

``status`` lists, per agent, the credentials its env file needs and whether each has a
value (env override or keyring), naming where it looked and the keyring backend, never
the value; it exits 1 when any needed credential is missing, so CI can gate ``apply`` on
it. ``set NAME`` stores a value in the keyring from stdin (or a hidden, confirmed prompt
on a terminal), never from argv. ``rm NAME`` deletes it. ``get NAME`` says whether it is
set and where; only ``--reveal`` prints the value itself.

``NAME`` is a credential's name in the catalogue. Errors are diagnostics (``E403`` unknown
credential, ``E404`` unusable value) like the rest of agentctl. The domain model lives in
:mod:`agentctl.secrets.status` and :mod:`agentctl.secrets.values`.
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
from agentctl.secrets import (
    SecretResolver,
    backend_name,
    keyring_delete,
    keyring_set,
    keyring_username,
    lookup,
)
from agentctl.secrets.status import CredentialStatus, credential_statuses
from agentctl.secrets.values import find_credential, read_value


def _credentials(directory: Path | None, explicit: bool) -> dict[str, Credential]:
    catalogue = load_catalogue(load_project(directory, explicit=explicit))
    return {name: located.entry for name, located in catalogue.credentials.items()}


def collect_status(directory: Path | None, explicit: bool) -> list[CredentialStatus]:
    """Every catalogue credential with its lookup result and the agents needing it.

    Raises :class:`~agentctl.secrets.KeyringUnavailable` when the keyring must be asked
    and cannot answer, and :class:`DiagnosticError` for an invalid catalogue.
    """
    built = build(directory, explicit=explicit)
    credentials = {n: loc.entry for n, loc in built.catalogue.credentials.items()}
    needs = [(spec.agent, var.name, var.credential.name)
             for spec in built.tree.env_files.values() for var in spec.variables]
    return credential_statuses(credentials, needs, SecretResolver())


def status(directory: Path | None, explicit: bool, *, as_json: bool) -> int:
    """Print which credentials each agent needs and whether each has a value.

    Returns 1 when a credential some agent needs has no value, else 0.
    """
    statuses = collect_status(directory, explicit)
    backend = backend_name()
    missing = [s for s in statuses if s.agents and not s.found]
    if as_json:
        ui.out(json.dumps({"backend": backend, "credentials": [s.to_json() for s in statuses],
                           "missing": [s.name for s in missing]}, indent=2, sort_keys=True))
        return 1 if missing else 0
    ui.out(f"keyring backend: {backend}")
    _print_statuses(statuses)
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
        ui.out(ui.style("credentials no agent needs", "bold"))
        for s in unused:
            ui.out(f"  {_line(s, None)}")


def _line(s: CredentialStatus, var: str | None) -> str:
    head = f"{s.name} → {var}" if var else s.name
    if s.found:
        return ui.style(f"found   {head}", "green") + f"  (from {s.source})"
    return ui.style(f"missing {head}", "red") + "  (looked in " + "; ".join(s.looked) + ")"


def set_value(directory: Path | None, explicit: bool, name: str, *,
              prompt: Callable[[str], str] | None = None) -> int:
    """Store a value for credential ``name`` in the keyring: from ``prompt`` (hidden and
    confirmed; used only when stdin is a terminal), else from stdin (see
    :func:`~agentctl.secrets.values.read_value`). Returns 0."""
    cred = find_credential(_credentials(directory, explicit), name)
    value = read_value(name, sys.stdin.buffer,
                       prompt=prompt if sys.stdin.isatty() else None)
    user = keyring_username(cred)
    keyring_set(cred.keyring.service, user, value)
    ui.out(f"Stored {name} in the keyring (service '{cred.keyring.service}', user '{user}', "
           f"backend {backend_name()}).")
    if cred.env and os.environ.get(cred.env):
        ui.err(ui.style("warning: ", "yellow", sys.stderr) + f"{cred.env} is set in this "
               "environment and overrides the keyring value for agentctl.")
    return 0


def remove(directory: Path | None, explicit: bool, name: str) -> int:
    """Delete credential ``name``'s keyring entry; saying so when there was none."""
    cred = find_credential(_credentials(directory, explicit), name)
    user = keyring_username(cred)
    where = f"keyring service '{cred.keyring.service}' user '{user}'"
    if keyring_delete(cred.keyring.service, user):
        ui.out(f"Removed {name} from the {where}.")
    else:
        ui.out(f"{name} had no entry in the {where}; nothing to remove.")
    return 0


def get(directory: Path | None, explicit: bool, name: str, *, reveal: bool) -> int:
    """Say whether ``name`` has a value and where it comes from (exit 1 when missing);
    with ``reveal``, print the value itself on stdout followed by a newline."""
    cred = find_credential(_credentials(directory, explicit), name)
    found = lookup(cred)
    if found.value is None:
        ui.err(ui.style("error: ", "red", sys.stderr) + f"{name} has no value; looked in "
               + "; ".join(found.looked) + f". Store one with `agentctl secrets set {name}`.")
        return 1
    if reveal:
        sys.stdout.write(found.value + "\n")  # the one place a value is printed, on request
        return 0
    ui.out(f"{name} is set (from {found.source}); add --reveal to print the value.")
    return 0
