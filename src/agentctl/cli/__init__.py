"""The ``agentctl`` command line. Thin: parse flags, call a command module, print.

Exit codes mean one thing everywhere (the README's table): 0 success or no changes,
1 error, 2 changes or drift (``plan --detailed-exitcode``, ``render --check``; never an
error), 64 a usage error (sysexits ``EX_USAGE``: unknown flag, missing argument),
130 interrupted.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Optional

import typer

from agentctl import __version__

#: Exit code for a usage error (sysexits.h ``EX_USAGE``); Click's own 2 means "changes" here.
EX_USAGE = 64

app = typer.Typer(
    name="agentctl",
    help="Declarative GitOps for fleets of AI coding agents: YAML catalogues in, agent "
    "workspaces, compose services and env files out.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)


class _State:
    directory: Path | None = None
    explicit: bool = False
    changes_exit: bool = False  # set when a command exits 2 to mean "changes"


_state = _State()


def _version(value: bool) -> None:
    if value:
        print(f"agentctl {__version__}")
        raise typer.Exit(0)


@app.callback()
def _global(
    directory: Annotated[
        Optional[Path],  # noqa: UP045  (typer needs Optional on 3.11)
        typer.Option("-C", "--directory", help="Run in the project at DIR (holding "
                     "agentctl.yaml) instead of searching up from the current folder."),
    ] = None,
    no_color: Annotated[bool, typer.Option("--no-color", help="Never colour output.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Global options."""
    from agentctl.commands import ui

    if no_color:
        ui.disable_color()
    if directory is not None:
        _state.directory = directory
        _state.explicit = True


def complete_agent(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion: agent names (``-C`` honoured) starting with ``incomplete``."""
    from agentctl.cli.completion import agent_names

    root = ctx.find_root()
    directory = root.params.get("directory") if root is not None else None
    names = agent_names(directory, explicit=directory is not None)
    already = set(ctx.params.get("agents") or [])
    return [n for n in names if n.startswith(incomplete) and n not in already]


#: Exceptions a user's input or environment can cause, by module: each is printed as one
#: message and exit 1. Looked up only in modules already imported (an exception class
#: cannot be raised before its module is loaded), so `_run` imports none of them.
USER_ERRORS = {
    "agentctl.apply": ("ApplyRefused",),
    "agentctl.plan.ledger": ("LedgerError",),
    "agentctl.support.fsutil": ("UnsafePathError", "FileSystemError"),
    "agentctl.support.envfile": ("EnvFileError",),
}


def _loaded(module: str, *names: str) -> tuple[type[BaseException], ...]:
    loaded = sys.modules.get(module)
    return tuple(getattr(loaded, name) for name in names) if loaded is not None else ()


def _run(fn: Callable[..., int], *args: object, **kwargs: object) -> None:
    """Call a command, turning every user-facing failure into a message and exit 1."""
    from agentctl.commands import ui
    from agentctl.diagnostics import DiagnosticError

    try:
        code = fn(*args, **kwargs)
    except DiagnosticError as exc:
        ui.print_diagnostics(exc.diagnostics)
        code = 1
    except _loaded("agentctl.secrets", "KeyringUnavailable") as exc:
        verb = getattr(exc, "verb", "read")  # KeyringUnavailable: read, store or delete
        ui.err(ui.style("error: ", "red", sys.stderr) + f"cannot {verb} secrets: {exc}")
        ui.err("Nothing was written.")
        code = 1
    except tuple(t for m, n in USER_ERRORS.items() for t in _loaded(m, *n)) as exc:
        ui.err(ui.style("error: ", "red", sys.stderr) + str(exc))
        code = 1
    except KeyboardInterrupt:
        ui.err("interrupted")
        code = 130
    except BrokenPipeError:  # output piped into `head` and friends
        sys.stderr.close()
        code = 0
    except OSError as exc:  # the user's disk (full, read-only, immutable), never a bug
        from agentctl.support.fsutil import describe_os_error

        ui.err(ui.style("error: ", "red", sys.stderr) + describe_os_error(exc))
        code = 1
    except Exception as exc:  # a bug in agentctl: say so, without leaking values
        if os.environ.get("AGENTCTL_DEBUG"):
            from agentctl.support.redact import format_exception

            ui.err(format_exception(exc))  # masked: messages and frames may hold values
        ui.err(
            ui.style("internal error: ", "red", sys.stderr)
            + f"{type(exc).__name__}: {exc}\nThis is a bug in agentctl; set AGENTCTL_DEBUG=1 "
            "for a traceback and report it."
        )
        code = 1
    if code == 2:
        _state.changes_exit = True
    raise typer.Exit(int(code))


class ValidateFormat(StrEnum):
    """Output formats of ``agentctl validate``."""

    text = "text"
    json = "json"
    github = "github"
    sarif = "sarif"


#: ``--target`` of render, plan and apply.
TargetOption = Annotated[Optional[str], typer.Option(  # noqa: UP045
    "--target", help="Deployment target: compose, kubernetes or kagent (default: "
    "`target:` in agentctl.yaml, else compose).")]
#: ``--trust`` of render, plan and apply.
TrustOption = Annotated[bool, typer.Option(
    "--trust", help="Let workspace and service templates with _tasks, _migrations or "
    "_jinja_extensions run (they run code).")]


@app.command()
def validate(
    output_format: Annotated[ValidateFormat, typer.Option(
        "--format", "-f", help="text (people), json (Terraform's validate -json shape), "
        "github (workflow annotations) or sarif (SARIF 2.1.0). Machine formats go to stdout.")
    ] = ValidateFormat.text,
) -> None:
    """Check the catalogue: schema, references, skills, runtime pairings.

    Example: agentctl validate --format github
    """
    from agentctl.commands import validate as cmd

    _run(cmd.run, _state.directory, _state.explicit, output_format.value)


@app.command()
def render(
    out: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        "--out", "-o", help="Folder to write the rendered tree into (no env files, no "
        "ledger); with --check, the folder to compare.")] = None,
    check: Annotated[bool, typer.Option(
        "--check", help="Write nothing; exit 2 if the output folder (or --out) differs from "
        "what would be rendered, listing each file to create, update or delete. Env files "
        "are not compared, so no secrets are needed.")] = False,
    target: TargetOption = None,
    trust: TrustOption = False,
) -> None:
    """Render every agent's workspace and the compose file into a folder, or check one.

    Example: agentctl render --out /tmp/preview   |   agentctl render --check
    """
    from agentctl.commands import render as cmd

    if out is None and not check:
        raise typer.BadParameter("give --out DIR, or --check", param_hint="--out")
    _run(cmd.run, _state.directory, _state.explicit, out, check, target=target, trust=trust)


@app.command()
def plan(
    detailed_exitcode: Annotated[bool, typer.Option(
        "--detailed-exitcode", help="Exit 0 for no changes, 1 for an error, 2 for changes.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON "
                                          "(format_version 1.0; no secret values).")] = False,
    out: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        "--out", help="Save the plan to FILE for `agentctl apply FILE`.")] = None,
    target: TargetOption = None,
    trust: TrustOption = False,
) -> None:
    """Show what apply would create, update, delete, or find drifted, per agent and file.

    Example: agentctl plan --detailed-exitcode
    """
    from agentctl.commands import plan as cmd

    _run(cmd.run, _state.directory, _state.explicit, detailed_exitcode=detailed_exitcode,
         as_json=as_json, out_file=out, target=target, trust=trust)


@app.command()
def apply(
    plan_file: Annotated[Optional[Path], typer.Argument(  # noqa: UP045
        help="A plan saved with `plan --out`; refused if inputs changed since.")] = None,
    auto_approve: Annotated[bool, typer.Option("-y", "--auto-approve",
                                               help="Do not ask for confirmation.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite or delete files edited "
                                        "by hand.")] = False,
    target: TargetOption = None,
    trust: TrustOption = False,
) -> None:
    """Write workspaces, the compose file and env files; prune what the catalogue dropped.

    Example: agentctl apply -y
    """
    from agentctl.commands import apply as cmd

    _run(cmd.run, _state.directory, _state.explicit, plan_file=plan_file,
         auto_approve=auto_approve, force=force, target=target, trust=trust)


@app.command()
def destroy(
    agents: Annotated[Optional[list[str]], typer.Argument(  # noqa: UP045
        help="Agents to tear down (default: every applied agent).",
        autocompletion=complete_agent)] = None,
    auto_approve: Annotated[bool, typer.Option("-y", "--auto-approve",
                                               help="Do not ask for confirmation.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Also delete files edited by "
                                        "hand.")] = False,
    target: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--target", help="Target whose shared files to re-render (default: the one the "
        "ledger records).")] = None,
) -> None:
    """Delete agents' managed files and env files; their lifecycle becomes deprovisioned.

    Example: agentctl destroy reviewer -y
    """
    from agentctl.commands import destroy as cmd

    _run(cmd.run, _state.directory, _state.explicit, agents=agents or [],
         auto_approve=auto_approve, force=force, target=target)


@app.command()
def run(
    agent: Annotated[str, typer.Argument(help="The agent to start.",
                                         autocompletion=complete_agent)],
    args: Annotated[Optional[list[str]], typer.Argument(  # noqa: UP045
        help="Arguments for the runtime's CLI; put them after `--`.")] = None,
    trust: TrustOption = False,
) -> None:
    """Start an applied agent's runtime CLI here, in its workspace, with its environment.

    The agent's env file and service environment reach the CLI through the environment
    only; its exit code is agentctl's. Refused when the agent is not applied or differs
    from the catalogue.

    Example: agentctl run reviewer -- -p "Review the open pull request"
    """
    from agentctl.commands import run as cmd

    _run(cmd.run, _state.directory, _state.explicit, agent=agent, args=args or [],
         trust=trust)


from agentctl.commands.models import models_app  # noqa: E402  (sub-apps need `app` first)
from agentctl.commands.skills import skills_app  # noqa: E402

app.add_typer(models_app, name="models")
app.add_typer(skills_app, name="skills")


@app.command()
def schema(
    project: Annotated[bool, typer.Option(
        "--project", help="The schema of agentctl.yaml instead of a catalogue file's.")] = False,
) -> None:
    """Print the JSON Schema of a catalogue file (or agentctl.yaml), for editors and CI.

    Point the YAML language server at it with a first-line modeline:
    `# yaml-language-server: $schema=../schema/catalogue.schema.json`

    Example: agentctl schema > schema/catalogue.schema.json
    """
    from agentctl.commands import schema as cmd

    _run(cmd.run, project)


class GraphFormat(StrEnum):
    """Output formats of ``agentctl graph``."""

    mermaid = "mermaid"
    dot = "dot"


@app.command()
def graph(
    output_format: Annotated[GraphFormat, typer.Option(
        "--format", "-f", help="mermaid (GitHub renders it in Markdown) or dot (Graphviz).")
    ] = GraphFormat.mermaid,
) -> None:
    """Draw agents, the templates they extend, models, providers, skills and MCP servers.

    Edges to MCP servers name the tools each agent may call.

    Example: agentctl graph --format dot | dot -Tsvg > fleet.svg
    """
    from agentctl.commands import graph as cmd

    _run(cmd.run, _state.directory, _state.explicit, output_format.value)


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print the status as JSON "
                                          "(format_version 1.0).")] = False,
) -> None:
    """Show each agent's lifecycle, run state (a coloured dot), last error, workspace and service.

    The run state is observed with `docker compose ps` on the rendered compose file when
    Docker and its compose plugin answer, else read from the ledger; the last line says which.

    Example: agentctl status --json
    """
    from agentctl.commands import status as cmd

    _run(cmd.run, _state.directory, _state.explicit, as_json=as_json)


from agentctl.commands.secrets import app as _secrets_app  # noqa: E402  (needs _run above)

app.add_typer(_secrets_app)


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Folder to create the project in.")] = Path(),
    force: Annotated[bool, typer.Option("--force", help="Render into a folder that is not "
                                        "empty (overwrites files the template writes).")] = False,
    data: Annotated[Optional[list[str]], typer.Option(  # noqa: UP045
        "--data", "-d", help="Answer a template question: KEY=VALUE (repeatable).")] = None,
    template: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--template", help="Copier template to use instead of agentctl's own (a folder or "
        "git URL; a git one lets `copier update` carry its later versions).")] = None,
) -> None:
    """Scaffold a new agentctl project with Copier (answers kept for `copier update`).

    Example: agentctl init demo --data runtime=claude-code
    """
    from agentctl.commands import init as cmd

    answers: dict[str, str] = {}
    for item in data or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"--data takes KEY=VALUE, got {item!r}")
        answers[key] = value
    _run(cmd.run, directory, force=force, data=answers, template=template)


def main() -> None:
    """Console-script entry point: usage errors exit 64, never 2 (2 means "changes")."""
    try:
        app()
    except SystemExit as exc:
        code = exc.code
        if code == 2 and not _state.changes_exit:
            code = EX_USAGE  # Click's usage-error code; 2 is kept for changes or drift
        raise SystemExit(code) from None
