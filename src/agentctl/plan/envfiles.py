"""Materialising env files: each agent's secret values fetched and formatted in memory.

Secrets come first in a plan: an agent with a secret that has no value (E401), or one
its env file's format cannot carry (E402), is blocked entirely: it gets an error and no
file changes. Messages name credentials and variables, never values.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from agentctl.diagnostics import Diagnostic
from agentctl.secrets import SecretResolver, keyring_username
from agentctl.support.envfile import format_env_file
from agentctl.support.tree import DesiredTree, EnvFileSpec


@dataclass
class EnvFiles:
    """The env files of a plan: ``contents`` (bytes and variable names) by tree path,
    ``blocked`` agents with the first reason, and the ``errors`` to report."""

    contents: dict[str, tuple[bytes, list[str]]] = field(default_factory=dict)
    blocked: dict[str, str] = field(default_factory=dict)
    errors: list[Diagnostic] = field(default_factory=list)


def materialise(
    tree: DesiredTree, resolver: SecretResolver, only_agents: Collection[str] | None
) -> EnvFiles:
    """Fetch every wanted env file's values through ``resolver`` and format the file.

    Raises :class:`~agentctl.secrets.KeyringUnavailable` when the keyring cannot answer.
    """
    found = EnvFiles()
    for env_path, spec in sorted(tree.env_files.items()):
        if only_agents is not None and spec.agent not in only_agents:
            continue
        pairs = _values(spec, resolver, found)
        if spec.agent in found.blocked:
            continue
        header = f"Secrets of agent {spec.agent}, written by agentctl. Never commit."
        try:
            content = (spec.codec.format(pairs, header) if spec.codec
                       else format_env_file(pairs, header))
        except ValueError as exc:  # EnvFileError included; the message names no value
            found.blocked[spec.agent] = str(exc)
            found.errors.append(Diagnostic("error", "E402", str(exc),
                                           path=f"agents[{spec.agent}]"))
            continue
        found.contents[env_path] = (content, [v.name for v in spec.variables])
    return found


def _values(spec: EnvFileSpec, resolver: SecretResolver, found: EnvFiles
            ) -> list[tuple[str, str]]:
    """(variable, value) pairs of one env file; E401 (and the agent blocked) for each
    credential without a value."""
    pairs: list[tuple[str, str]] = []
    for var in spec.variables:
        got = resolver.get(var.credential)
        if got.value is None:
            message = (
                f"credential '{var.credential.name}' ({var.name}, {var.purpose}) has no "
                f"value: looked in " + "; ".join(got.looked)
            )
            found.blocked.setdefault(spec.agent, message)
            found.errors.append(
                Diagnostic(
                    "error", "E401", message, path=f"agents[{spec.agent}]",
                    detail=(
                        f"Store it with `agentctl secrets set {var.credential.name}` "
                        f"(keyring service '{var.credential.keyring.service}' user "
                        f"'{keyring_username(var.credential)}')"
                        + (f" or export {var.credential.env}" if var.credential.env else "")
                        + "."
                    ),
                )
            )
            continue
        pairs.append((var.name, var.prefix + got.value))
    return pairs
