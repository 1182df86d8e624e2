"""Materialising env files: each agent's secret values fetched and formatted in memory.

Secrets come first in a plan: an agent with a secret that has no value (E401), or one
its env file's format cannot carry (E402), is blocked entirely: it gets an error and no
file changes. Every credential without a value is reported in the one run, with its
variable and each place looked; a secret backend that is down is reported once (E405)
with its fix and the credentials that needed it, and blocks every agent (an environment
fault: nothing is applied until it answers). Messages never hold values.
"""

from __future__ import annotations

from collections.abc import Collection

from msgspec import Struct, field

from agentctl.catalogue.schema import Credential
from agentctl.diagnostics import Diagnostic
from agentctl.secrets import Lookup, SecretResolver, get_backend, sources_of, store_target
from agentctl.secrets.base import SourceRef
from agentctl.support.envfile import format_env_file
from agentctl.support.tree import DesiredTree, EnvFileSpec


class EnvFiles(Struct):
    """The env files of a plan: ``contents`` (bytes and variable names) by tree path,
    ``blocked`` agents with the first reason, and the ``errors`` to report."""

    contents: dict[str, tuple[bytes, list[str]]] = field(default_factory=dict)
    blocked: dict[str, str] = field(default_factory=dict)
    errors: list[Diagnostic] = field(default_factory=list)


def materialise(
    tree: DesiredTree, resolver: SecretResolver, only_agents: Collection[str] | None
) -> EnvFiles:
    """Fetch every wanted env file's values through ``resolver`` and format the file.

    Never raises for a backend that is down: each credential it left without a value is
    named (E401), the backend once with its fix (E405), and every agent is blocked, so
    apply writes nothing until it answers.
    """
    found = EnvFiles()
    down: dict[tuple[str, str], list[str]] = {}
    for env_path, spec in sorted(tree.env_files.items()):
        if only_agents is not None and spec.agent not in only_agents:
            continue
        pairs = _values(spec, resolver, found, down)
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
    found.errors.extend(backend_down(down))
    if down:
        # A backend that is down is the machine's fault, not the catalogue's: as with any
        # environment fault, nothing is applied until it answers (every agent blocked, so
        # apply writes nothing), while every credential it hid is still named above.
        names = ", ".join(sorted({backend for backend, _ in down}))
        for agent in tree.agents:
            if only_agents is None or agent in only_agents:
                found.blocked.setdefault(agent, f"secret backend {names} unavailable (E405): "
                                                "nothing is applied until it answers")
    return found


def backend_down(down: dict[tuple[str, str], list[str]]) -> list[Diagnostic]:
    """One E405 per backend that could not answer, naming the credentials it left
    without a value; ``down`` maps ``(backend, message)`` to credential names."""
    return [
        Diagnostic("error", "E405", f"secret backend '{backend}' is unavailable: {message}",
                   path=f"secret_backends[{backend}]",
                   detail="Credentials it was asked for: " + ", ".join(sorted(set(creds)))
                   + ".")
        for (backend, message), creds in sorted(down.items())
    ]


def missing_detail(cred: Credential, got: Lookup, resolver: SecretResolver) -> str:
    """How to give ``cred`` a value: the source ``secrets set`` stores into, the ``env``
    override, and which backends were down (reported once each as E405)."""
    target = store_target(cred, resolver.default)
    fixes = []
    if target is not None:
        ref = SourceRef(cred.name, target[0], target[1], resolver.context)
        fixes.append(f"Store it with `agentctl secrets set {cred.name}` "
                     f"({get_backend(target[0]).where(ref)})")
    elif (sources := sources_of(cred, resolver.default)[1 if cred.env else 0:]):
        backend, params = sources[0]
        try:
            where = get_backend(backend).where(SourceRef(cred.name, backend, params,
                                                         resolver.context))
            fixes.append(f"Put it where its source points ({where})")
        except KeyError:  # an unknown backend: E407 said so at validate
            pass
    if cred.env:
        fixes.append(f"export {cred.env}")
    text = " or ".join(fixes) or "Give the credential a source that has it"
    text = text[0].upper() + text[1:]
    if got.down:
        text += (". Unavailable: " + ", ".join(sorted({b for b, _ in got.down}))
                 + " (see E405)")
    return text + "."


def _values(spec: EnvFileSpec, resolver: SecretResolver, found: EnvFiles,
            down: dict[tuple[str, str], list[str]]) -> list[tuple[str, str]]:
    """(variable, value) pairs of one env file; E401 (and the agent blocked) for each
    credential without a value."""
    pairs: list[tuple[str, str]] = []
    for var in spec.variables:
        got = resolver.get(var.credential)
        if got.value is None:
            for failed in got.down:
                down.setdefault(failed, []).append(var.credential.name)
            message = (
                f"credential '{var.credential.name}' ({var.name}, {var.purpose}) has no "
                f"value: looked in " + "; ".join(got.looked)
            )
            found.blocked.setdefault(spec.agent, message)
            found.errors.append(
                Diagnostic("error", "E401", message, path=f"agents[{spec.agent}]",
                           detail=missing_detail(var.credential, got, resolver))
            )
            continue
        pairs.append((var.name, var.prefix + got.value))
    return pairs
