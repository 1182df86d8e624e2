"""The credentials report behind ``agentctl secrets status``: per credential, where its
value is looked for, whether it was found, and which agents' env files need it.

Never holds a value: a :class:`CredentialStatus` records only the lookup's outcome.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from agentctl.catalogue.schema import Credential
from agentctl.secrets import SecretResolver, keyring_username


@dataclass
class CredentialStatus:
    """One credential: where its value is looked for, whether it was found, who needs it.

    ``agents`` holds ``(agent, env var)`` pairs of the env files that carry it.
    """

    name: str
    kind: str
    env: str | None
    service: str
    username: str
    found: bool = False
    source: str = ""
    looked: tuple[str, ...] = ()
    agents: list[tuple[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (never the value)."""
        return {
            "name": self.name,
            "kind": self.kind,
            "env": self.env,
            "keyring": {"service": self.service, "username": self.username},
            "status": "found" if self.found else "missing",
            "source": self.source or None,
            "looked": list(self.looked),
            "agents": [{"agent": a, "variable": v} for a, v in self.agents],
        }


def credential_statuses(
    credentials: Mapping[str, Credential],
    needs: Iterable[tuple[str, str, str]],
    resolver: SecretResolver,
) -> list[CredentialStatus]:
    """Every credential of ``credentials`` (name → entry), sorted by name, with its lookup
    result and the agents needing it; ``needs`` holds ``(agent, env var, credential
    name)`` triples (from the rendered env files).

    Raises :class:`~agentctl.secrets.KeyringUnavailable` when the keyring must be asked
    and cannot answer.
    """
    statuses = {
        name: CredentialStatus(name, cred.kind, cred.env, cred.keyring.service,
                               keyring_username(cred))
        for name, cred in credentials.items()
    }
    for agent, var, name in needs:
        statuses[name].agents.append((agent, var))
    for name, status in sorted(statuses.items()):
        found = resolver.get(credentials[name])
        status.found = found.value is not None
        status.source = found.source
        status.looked = found.looked
    return [statuses[n] for n in sorted(statuses)]
