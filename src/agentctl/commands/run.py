"""``agentctl run AGENT [-- ARGS…]``: start an agent's runtime CLI on this machine.

The agent must be applied and current: the plan for it (the same comparison ``plan``
makes, secrets included) must show no change to its files or env file and no pending
action, and its compose service must be the one the catalogue renders. Then the CLI
replaces agentctl (``exec``), so its exit code, signals and terminal are the agent's own:

* working folder: the agent's workspace;
* environment: a few variables of this machine that a program needs to run at all
  (:data:`HOST_VARIABLES`: PATH, HOME, locale, terminal, proxies, CA bundles), then the
  service's ``environment``, then the env file's values. Nothing else of this
  machine's environment reaches the agent, as in its container; values travel only in
  the environment, never in argv, and are never printed;
* container paths: a service value naming a folder the service mounts (``/workspace``,
  ``/workspace/.codex``) is rewritten to that folder on this machine;
* command: the runtime's program from PATH with its fixed arguments, then ARGS.

Before starting, the runtime may make its CLI accept the workspace (Claude Code's trust
entry in ``~/.claude.json``); each change is reported on stderr.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from agentctl.catalogue.project import load_project
from agentctl.commands import ui
from agentctl.commands.plan import compute
from agentctl.diagnostics import Diagnostic, DiagnosticError, did_you_mean, display_path
from agentctl.plan import FileChange, Plan
from agentctl.plan.ledger import Ledger, applied_target, ledger_path
from agentctl.render.pipeline import Built, build
from agentctl.render.service import render_service
from agentctl.resolve import ResolvedAgent
from agentctl.runtimes import get_runtime
from agentctl.runtimes.base import HostLaunch, Runtime
from agentctl.support.envfile import parse_env_file
from agentctl.targets.compose import COMPOSE_FILE, service_block

#: Variables of this machine the runtime's CLI gets (besides ``LC_*``): what a program
#: needs to find itself, its user's home and locale, a terminal, proxies and CA bundles.
HOST_VARIABLES = (
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "TMPDIR", "TZ", "LANG", "LANGUAGE",
    "TERM", "COLORTERM", "TERMINFO", "NO_COLOR", "FORCE_COLOR", "DISPLAY",
    "WAYLAND_DISPLAY", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "XDG_DATA_HOME",
    "XDG_CACHE_HOME", "XDG_STATE_HOME", "SSH_AUTH_SOCK",
    "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
    "no_proxy", "all_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR", "NODE_EXTRA_CA_CERTS",
)
#: ``(program path, argv, environment, working folder)`` → never returns when it execs.
Launcher = Callable[[str, list[str], dict[str, str], Path], int]


def exec_launcher(program: str, argv: list[str], env: dict[str, str], cwd: Path) -> int:
    """Replace this process with ``program`` (``execve``) in ``cwd``.

    Signals Python ignores (SIGPIPE, SIGXFSZ) get their default action back first, as
    ``subprocess`` does (``restore_signals``): an ignored signal survives ``exec``.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    for name in ("SIGPIPE", "SIGXFSZ"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    os.chdir(cwd)
    os.execve(program, argv, env)


def _error(code: str, summary: str, detail: str, agent: str) -> DiagnosticError:
    return DiagnosticError([Diagnostic("error", code, summary, path=f"agents[{agent}]",
                                       detail=detail)])


def host_environment(parent: Mapping[str, str]) -> dict[str, str]:
    """The part of ``parent`` the agent's CLI inherits (:data:`HOST_VARIABLES`, ``LC_*``)."""
    return {k: v for k, v in parent.items() if k in HOST_VARIABLES or k.startswith("LC_")}


def mounts(service: Mapping[str, Any], base: Path) -> list[tuple[str, Path]]:
    """``(container folder, folder here)`` of each bind mount of ``service``, longest
    container path first. ``base`` is the compose file's folder (sources are relative)."""
    found: list[tuple[str, Path]] = []
    for volume in service.get("volumes") or []:
        if not isinstance(volume, str):
            continue
        parts = volume.split(":")
        if len(parts) < 2 or not parts[0].startswith(("./", "/")):
            continue  # a named volume has no folder here
        found.append((parts[1].rstrip("/") or "/", (base / parts[0]).resolve()))
    return sorted(found, key=lambda m: len(m[0]), reverse=True)


def to_host(value: str, folders: list[tuple[str, Path]]) -> str:
    """``value`` with a leading container folder (a whole path component) rewritten to
    the folder it mounts here; anything else unchanged."""
    for inside, here in folders:
        if value == inside or value.startswith(inside + "/"):
            return str(here) + value[len(inside):]
    return value


def _refuse_unless_current(plan: Plan, agent: str) -> None:
    """Raise E401/E704/E705 unless the plan leaves ``agent`` exactly as applied."""
    errors = [d for d in plan.errors if d.path == f"agents[{agent}]"]
    if errors:
        raise DiagnosticError(errors)
    state = next((a for a in plan.agents if a.name == agent), None)
    if state is None or state.action in ("provision", "retry"):
        why = (f"its last apply failed: {state.error or 'see agentctl status'}"
               if state is not None and state.action == "retry" else "it was never applied")
        raise _error("E704", f"agent '{agent}' is not applied: {why}",
                     "Run `agentctl plan` and `agentctl apply`, then `agentctl run` again.",
                     agent)
    changes = [c for c in plan.changes if c.agent == agent]
    if changes or state.action != "none":
        raise _differs(agent, changes)


def _differs(agent: str, changes: list[FileChange]) -> DiagnosticError:
    """E705 listing each pending change, saying how to get back to the catalogue."""
    lines = [f"{c.action} {c.path}: {c.reason}" for c in changes]
    drifted = any(c.action == "drift" for c in changes)
    return _error(
        "E705", f"agent '{agent}' differs from what the catalogue renders",
        "\n".join(lines) + "\n" + (
            "Files were edited by hand: put them back, or overwrite them with "
            "`agentctl apply --force`." if drifted else
            "Apply the catalogue first: `agentctl plan`, then `agentctl apply`."),
        agent)


def run(
    directory: Path | None, explicit: bool, *, agent: str, args: list[str],
    trust: bool = False, launch: Launcher = exec_launcher,
) -> int:
    """Start ``agent``'s runtime CLI with ``args`` (see the module doc); return its exit
    code (``launch`` normally execs and never returns).

    Raises :class:`DiagnosticError`: E702 unknown agent, E703 a runtime without a CLI or
    a target without workspace folders, E704 not applied, E705 files or service differ
    from the catalogue, E706 the program is not installed, E707 the runtime could not
    prepare this machine (unreadable config); E401 for a secret without a value.
    """
    project = load_project(directory, explicit=explicit)
    target = applied_target(Ledger.load(ledger_path(project)))
    built = build(directory, explicit=explicit, target=target, trust=trust, use_cache=True)
    resolved, runtime, host, command = _runnable(built, agent)
    plan, _ledger = compute(built, only_agents=[agent])
    _refuse_unless_current(plan, agent)
    output = built.tree.agents[agent]
    service = _applied_service(built, resolved, runtime, trust)
    folders = mounts(service, project.output_dir)
    env = host_environment(os.environ)
    for key, value in (service.get("environment") or {}).items():
        env[str(key)] = to_host(str(value), folders)
    if output.env_file:
        written = plan.writes.get(display_path(project.output_dir / output.env_file,
                                               project.root))
        env.update((parse_env_file(written.content) if written else None) or {})
    workspace = project.output_dir / output.workspace
    cwd = Path(to_host(str(service.get("working_dir") or ""), folders) or workspace)
    if not cwd.is_dir():  # a working folder the service does not mount from here
        cwd = workspace
    program = shutil.which(command[0], path=env.get("PATH", ""))
    if program is None:
        raise _error("E706", f"{command[0]} ({runtime.name}'s CLI) is not on PATH",
                     host.install_hint(), agent)
    try:
        notes = host.prepare_host(workspace, env)
    except (OSError, ValueError) as exc:
        raise _error("E707", f"cannot prepare {runtime.name} for agent '{agent}': {exc}",
                     "Fix or move the file named, then run again.", agent) from None
    for note in notes:
        ui.err(note)
    return launch(program, [*command, *args], env, cwd)


def _runnable(built: Built, agent: str) -> tuple[ResolvedAgent, Runtime, HostLaunch, list[str]]:
    """``agent``'s resolved entry, runtime and the command starting its CLI here.

    Raises E702 for an unknown agent, E703 for a runtime without a CLI or a target
    whose workspaces are not folders on this machine.
    """
    resolved = built.resolved.agents.get(agent)
    if resolved is None:
        known = sorted(built.resolved.agents)
        raise _error("E702", f"unknown agent '{agent}'",
                     ("Agents: " + (", ".join(known) or "none") + "."
                      + did_you_mean(agent, known)), agent)
    runtime = get_runtime(resolved.runtime)
    host = runtime if isinstance(runtime, HostLaunch) else None
    command = host.host_command(resolved) if host is not None else None
    if host is None or command is None:
        raise _error("E703", f"runtime {resolved.runtime} has no CLI to run",
                     f"Agent '{agent}' is rendered as files only.", agent)
    if built.tree.target != "compose":
        raise _error("E703", f"agent '{agent}' was applied for target {built.tree.target}, "
                     "whose workspace is not a folder here",
                     "agentctl run starts agents applied with the compose target.", agent)
    return resolved, runtime, host, list(command)


def _applied_service(built: Built, resolved: ResolvedAgent, runtime: Runtime,
                     trust: bool) -> dict[str, Any]:
    """The agent's compose service as the catalogue renders it; E705 unless the applied
    compose file holds exactly that service."""
    project, agent = built.project, resolved.name
    output = built.tree.agents[agent]
    service = render_service(resolved, runtime, output.workspace, output.env_file,
                             project.root, trust=trust) or {}
    compose = project.output_dir / COMPOSE_FILE
    try:
        applied = compose.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        applied = ""
    if service_block(agent, service) not in applied:
        raise _error("E705", f"the compose service of agent '{agent}' differs from what the "
                     "catalogue renders",
                     f"{display_path(compose, project.root)} is out of date: run "
                     "`agentctl plan` and `agentctl apply`.", agent)
    return service
