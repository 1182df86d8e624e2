"""The credentials report behind ``agentctl secrets status``: per credential, where its
value is looked for, whether it was found, and which agents' env files need it.

Only credentials some agent needs are looked up: the others are listed, never asked
for, never failed on. Never holds a value: a :class:`CredentialStatus` records only the
lookup's outcome.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from msgspec import Struct, field

from agentctl.catalogue.schema import Credential
from agentctl.secrets import SecretResolver, keyring_username, sources_of


class CredentialStatus(Struct):
    """One credential: where its value is looked for, whether it was found, who needs it.

    ``agents`` holds ``(agent, env var)`` pairs of the env files that carry it;
    ``backends`` the backends of its sources, in order; ``down`` the ``(backend,
    message)`` pairs of those that could not answer.
    """

    name: str
    kind: str
    env: str | None
    service: str
    username: str
    backends: tuple[str, ...] = ()
    found: bool = False
    source: str = ""
    looked: tuple[str, ...] = ()
    down: tuple[tuple[str, str], ...] = ()
    agents: list[tuple[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (never the value). ``status`` is ``found``, ``missing`` or
        ``unused`` (no agent needs it: not looked up)."""
        state = ("found" if self.found else "missing") if self.agents else "unused"
        return {
            "name": self.name,
            "kind": self.kind,
            "env": self.env,
            "keyring": {"service": self.service, "username": self.username},
            "backends": list(self.backends),
            "status": state,
            "source": self.source or None,
            "looked": list(self.looked),
            "unavailable": [{"backend": b, "message": m} for b, m in self.down],
            "agents": [{"agent": a, "variable": v} for a, v in self.agents],
        }


def credential_statuses(
    credentials: Mapping[str, Credential],
    needs: Iterable[tuple[str, str, str]],
    resolver: SecretResolver,
) -> list[CredentialStatus]:
    """Every credential of ``credentials`` (name → entry), sorted by name, with the agents
    needing it and, for those some agent needs, its lookup result; ``needs`` holds
    ``(agent, env var, credential name)`` triples (from the rendered env files).
    Never raises for a backend that is down (it is recorded in ``down``).
    """
    statuses = {
        name: CredentialStatus(name, cred.kind, cred.env, cred.keyring.service,
                               keyring_username(cred),
                               tuple(b for b, _ in sources_of(cred, resolver.default)))
        for name, cred in credentials.items()
    }
    for agent, var, name in needs:
        statuses[name].agents.append((agent, var))
    for name, status in sorted(statuses.items()):
        if not status.agents:
            continue
        found = resolver.get(credentials[name])
        status.found = found.value is not None
        status.source = found.source
        status.looked = found.looked
        status.down = found.down
    return [statuses[n] for n in sorted(statuses)]
