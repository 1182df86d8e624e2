"""``agentctl secrets``: see, store and remove the values behind catalogue credentials.

``status`` lists, per agent, the credentials its env file needs and whether each has a
value (env override or keyring), naming where it looked and the keyring backend, never
the value; it exits 1 when any needed credential is missing, so CI can gate ``apply`` on
it. ``set NAME`` stores a value in the keyring from stdin (or a hidden, confirmed prompt
on a terminal), never from argv. ``rm NAME`` deletes it. ``get NAME`` says whether it is
set and where; only ``--reveal`` prints the value itself.

``NAME`` is a credential's name in the catalogue. Errors are diagnostics (``E403`` unknown
credential, ``E404`` unusable value) like the rest of agentctl.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO

import typer

from agentctl.commands import ui
from agentctl.diagnostics import Diagnostic, DiagnosticError, did_you_mean

if TYPE_CHECKING:
    from agentctl.catalogue.schema import Credential

#: Largest value ``secrets set`` accepts, in bytes (a PEM chain fits many times over).
MAX_VALUE_BYTES = 64 * 1024


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


def _credentials(directory: Path | None, explicit: bool) -> dict[str, Credential]:
    from agentctl.catalogue.load import load_catalogue
    from agentctl.catalogue.project import load_project

    catalogue = load_catalogue(load_project(directory, explicit=explicit))
    return {name: located.entry for name, located in catalogue.credentials.items()}


def find_credential(credentials: dict[str, Credential], name: str) -> Credential:
    """The credential called ``name``. Raises :class:`DiagnosticError` (E403) naming the
    known credentials and the closest match when there is none; ``name`` itself is
    repeated only when it is a near miss of a known name."""
    if name in credentials:
        return credentials[name]
    known = sorted(credentials)
    from agentctl.catalogue.schema import KEY_PATTERN

    hint = did_you_mean(name, known)
    if not (hint and re.match(KEY_PATTERN, name)):
        # Echo a name only when it is a near miss of a real one: anything else may be a
        # secret value typed in its place, and would land in logs and scrollback.
        raise DiagnosticError([
            Diagnostic("error", "E403", "unknown credential (the name given is not shown: it "
                       "may be a secret value)",
                       detail="Credentials in the catalogue: " + (", ".join(known) or "none")
                       + ". Give one of these names; a value goes on stdin.")
        ])
    raise DiagnosticError([
        Diagnostic("error", "E403", f"unknown credential '{name}'",
                   detail="Credentials in the catalogue: " + (", ".join(known) or "none")
                   + "." + did_you_mean(name, known))
    ])


def collect_status(directory: Path | None, explicit: bool) -> list[CredentialStatus]:
    """Every catalogue credential with its lookup result and the agents needing it.

    Raises :class:`~agentctl.secrets.KeyringUnavailable` when the keyring must be asked
    and cannot answer, and :class:`DiagnosticError` for an invalid catalogue.
    """
    from agentctl.render.pipeline import build
    from agentctl.secrets import SecretResolver, keyring_username

    built = build(directory, explicit=explicit)
    resolver = SecretResolver()
    statuses = {
        name: CredentialStatus(name, cred.kind, cred.env, cred.keyring.service,
                               keyring_username(cred))
        for name, cred in ((n, loc.entry) for n, loc in built.catalogue.credentials.items())
    }
    for spec in built.tree.env_files.values():
        for var in spec.variables:
            statuses[var.credential.name].agents.append((spec.agent, var.name))
    for name, status in sorted(statuses.items()):
        found = resolver.get(built.catalogue.credentials[name].entry)
        status.found = found.value is not None
        status.source = found.source
        status.looked = found.looked
    return [statuses[n] for n in sorted(statuses)]


def status(directory: Path | None, explicit: bool, *, as_json: bool) -> int:
    """Print which credentials each agent needs and whether each has a value.

    Returns 1 when a credential some agent needs has no value, else 0.
    """
    from agentctl.secrets import backend_name

    statuses = collect_status(directory, explicit)
    backend = backend_name()
    missing = [s for s in statuses if s.agents and not s.found]
    if as_json:
        ui.out(json.dumps({"backend": backend, "credentials": [s.to_json() for s in statuses],
                           "missing": [s.name for s in missing]}, indent=2, sort_keys=True))
        return 1 if missing else 0
    ui.out(f"keyring backend: {backend}")
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
    if missing:
        ui.err(ui.style("error: ", "red", sys.stderr) + f"{len(missing)} credential(s) "
               "without a value: " + ", ".join(s.name for s in missing)
               + ". Store one with `agentctl secrets set NAME`.")
        return 1
    ui.out(ui.style("Every credential an agent needs has a value.", "green"))
    return 0


def _line(s: CredentialStatus, var: str | None) -> str:
    head = f"{s.name} → {var}" if var else s.name
    if s.found:
        return ui.style(f"found   {head}", "green") + f"  (from {s.source})"
    return ui.style(f"missing {head}", "red") + "  (looked in " + "; ".join(s.looked) + ")"


def read_value(name: str, stream: BinaryIO, *, terminal: bool) -> str:
    """The value to store: a hidden, confirmed prompt on a terminal, else all of
    ``stream`` minus one trailing newline (``printf %s`` and ``echo`` both work).

    Raises :class:`DiagnosticError` (E404) for an empty value, a NUL, text that is not
    UTF-8, or more than :data:`MAX_VALUE_BYTES`. No message ever holds the value.
    """
    if terminal:
        text = str(typer.prompt(f"Value for {name}", hide_input=True,
                                confirmation_prompt=True, default="", show_default=False))
    else:
        data = stream.read(MAX_VALUE_BYTES + 1)
        if len(data) > MAX_VALUE_BYTES:
            raise _bad_value(name, f"is larger than {MAX_VALUE_BYTES} bytes")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _bad_value(name, f"is not UTF-8 text (byte {exc.start})") from None
        text = text.removesuffix("\n").removesuffix("\r")
    if not text:
        raise _bad_value(name, "is empty", "Pipe the value on stdin, e.g. "
                         f"`printf %s \"$TOKEN\" | agentctl secrets set {name}`.")
    if "\x00" in text:
        raise _bad_value(name, "contains a NUL character, which env files cannot carry")
    return text


def _bad_value(name: str, what: str, detail: str = "") -> DiagnosticError:
    return DiagnosticError([Diagnostic("error", "E404", f"the value for '{name}' {what}; "
                                       "nothing was stored", detail=detail)])


def set_value(directory: Path | None, explicit: bool, name: str) -> int:
    """Store a value for credential ``name`` in the keyring (see :func:`read_value`)."""
    from agentctl.secrets import backend_name, keyring_set, keyring_username

    cred = find_credential(_credentials(directory, explicit), name)
    value = read_value(name, sys.stdin.buffer, terminal=sys.stdin.isatty())
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
    from agentctl.secrets import keyring_delete, keyring_username

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
    from agentctl.secrets import lookup

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


app = typer.Typer(name="secrets", no_args_is_help=True,
                  help="See, store and remove the values behind catalogue credentials.\n\n"
                  "Example: agentctl secrets status")
NameArg = Annotated[str, typer.Argument(help="A credential's name in the catalogue.")]


@app.command("status")
def _status_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (no values).")] = False,
) -> None:
    """Per agent: the credentials it needs, found or missing, and where agentctl looked.
    Exits 1 when a needed credential has no value.

    Example: agentctl secrets status
    """
    from agentctl.cli import _run, _state

    _run(status, _state.directory, _state.explicit, as_json=as_json)


@app.command("set", context_settings={"allow_extra_args": True,
                                      "ignore_unknown_options": True})
def _set_cmd(ctx: typer.Context, name: NameArg) -> None:
    """Store a credential's value in the keyring: piped on stdin, or typed at a hidden
    prompt. Never pass a value as an argument.

    Example: printf %s "$TOKEN" | agentctl secrets set github-pat
    """
    from agentctl.cli import _run, _state

    if ctx.args:
        # Taken here rather than left to Click, whose message would repeat the argument:
        # most likely the secret value itself.
        raise typer.BadParameter(
            "the value goes on stdin or at a hidden prompt, never in argv; "
            f"{len(ctx.args)} extra argument(s) refused and not shown. Nothing was stored. "
            "It is in your shell history now: rotate it.",
            ctx=ctx, param_hint="'secrets set NAME VALUE'")
    _run(set_value, _state.directory, _state.explicit, name)


@app.command("rm")
def _rm_cmd(name: NameArg) -> None:
    """Delete a credential's keyring entry.

    Example: agentctl secrets rm github-pat
    """
    from agentctl.cli import _run, _state

    _run(remove, _state.directory, _state.explicit, name)


@app.command("get")
def _get_cmd(
    name: NameArg,
    reveal: Annotated[bool, typer.Option("--reveal", help="Print the value itself.")] = False,
) -> None:
    """Say whether a credential has a value and where it comes from.

    Example: agentctl secrets get github-pat --reveal
    """
    from agentctl.cli import _run, _state

    _run(get, _state.directory, _state.explicit, name, reveal=reveal)
