"""The ``agentctl`` command line. Thin: parse flags, call a command module, print.

Exit codes mean one thing everywhere: 0 success, 1 error (including usage errors),
2 only from ``plan --detailed-exitcode`` when there are changes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Optional

import typer

from agentctl import __version__

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
    from agentctl import ui

    if no_color:
        ui.disable_color()
    if directory is not None:
        _state.directory = directory
        _state.explicit = True


def _run(fn: Callable[..., int], *args: object, **kwargs: object) -> None:
    """Call a command, turning every user-facing failure into a message and exit 1."""
    from agentctl import ui
    from agentctl.apply import ApplyRefused
    from agentctl.diagnostics import DiagnosticError
    from agentctl.envfile import EnvFileError
    from agentctl.fsutil import UnsafePathError
    from agentctl.ledger import LedgerError
    from agentctl.secrets import KeyringUnavailable

    try:
        code = fn(*args, **kwargs)
    except DiagnosticError as exc:
        ui.print_diagnostics(exc.diagnostics)
        code = 1
    except KeyringUnavailable as exc:
        ui.err(ui.style("error: ", "red", sys.stderr) + f"cannot read secrets: {exc}")
        ui.err("Nothing was written.")
        code = 1
    except (ApplyRefused, LedgerError, UnsafePathError, EnvFileError) as exc:
        ui.err(ui.style("error: ", "red", sys.stderr) + str(exc))
        code = 1
    except KeyboardInterrupt:
        ui.err("interrupted")
        code = 130
    except BrokenPipeError:  # output piped into `head` and friends
        sys.stderr.close()
        code = 0
    except Exception as exc:  # a bug in agentctl: say so, without leaking values
        if os.environ.get("AGENTCTL_DEBUG"):
            import traceback

            ui.err(traceback.format_exc())
        ui.err(
            ui.style("internal error: ", "red", sys.stderr)
            + f"{type(exc).__name__}: {exc}\nThis is a bug in agentctl; set AGENTCTL_DEBUG=1 "
            "for a traceback and report it."
        )
        code = 1
    if code == 2:
        _state.changes_exit = True
    raise typer.Exit(int(code))


@app.command()
def validate() -> None:
    """Check the catalogue: schema, references, skills, runtime pairings.

    Example: agentctl validate
    """
    from agentctl.commands import validate as cmd

    _run(cmd.run, _state.directory, _state.explicit)


@app.command()
def render(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the rendered "
                                      "tree into (no env files, no ledger).")],
    trust: Annotated[bool, typer.Option("--trust", help="Let workspace and service "
                                        "templates with _tasks, _migrations or "
                                        "_jinja_extensions run (they run code).")] = False,
) -> None:
    """Render every agent's workspace and the compose file into a folder, for inspection.

    Example: agentctl render --out /tmp/preview
    """
    from agentctl.commands import render as cmd

    _run(cmd.run, _state.directory, _state.explicit, out, trust=trust)


@app.command()
def plan(
    detailed_exitcode: Annotated[bool, typer.Option(
        "--detailed-exitcode", help="Exit 0 for no changes, 1 for an error, 2 for changes.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON "
                                          "(format_version 1.0; no secret values).")] = False,
    out: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        "--out", help="Save the plan to FILE for `agentctl apply FILE`.")] = None,
    trust: Annotated[bool, typer.Option("--trust", help="Let workspace and service "
                                        "templates with _tasks, _migrations or "
                                        "_jinja_extensions run (they run code).")] = False,
) -> None:
    """Show what apply would create, update, delete, or find drifted, per agent and file.

    Example: agentctl plan --detailed-exitcode
    """
    from agentctl.commands import plan as cmd

    _run(cmd.run, _state.directory, _state.explicit, detailed_exitcode=detailed_exitcode,
         as_json=as_json, out_file=out, trust=trust)


@app.command()
def apply(
    plan_file: Annotated[Optional[Path], typer.Argument(  # noqa: UP045
        help="A plan saved with `plan --out`; refused if inputs changed since.")] = None,
    auto_approve: Annotated[bool, typer.Option("-y", "--auto-approve",
                                               help="Do not ask for confirmation.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite or delete files edited "
                                        "by hand.")] = False,
    trust: Annotated[bool, typer.Option("--trust", help="Let workspace and service "
                                        "templates with _tasks, _migrations or "
                                        "_jinja_extensions run (they run code).")] = False,
) -> None:
    """Write workspaces, the compose file and env files; prune what the catalogue dropped.

    Example: agentctl apply -y
    """
    from agentctl.commands import apply as cmd

    _run(cmd.run, _state.directory, _state.explicit, plan_file=plan_file,
         auto_approve=auto_approve, force=force, trust=trust)


@app.command()
def destroy(
    agents: Annotated[Optional[list[str]], typer.Argument(  # noqa: UP045
        help="Agents to tear down (default: every applied agent).")] = None,
    auto_approve: Annotated[bool, typer.Option("-y", "--auto-approve",
                                               help="Do not ask for confirmation.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Also delete files edited by "
                                        "hand.")] = False,
) -> None:
    """Delete agents' managed files and env files; their lifecycle becomes deprovisioned.

    Example: agentctl destroy reviewer -y
    """
    from agentctl.commands import destroy as cmd

    _run(cmd.run, _state.directory, _state.explicit, agents=agents or [],
         auto_approve=auto_approve, force=force)


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
    """Console-script entry point: usage errors exit 1, never 2 (2 means "changes")."""
    try:
        app()
    except SystemExit as exc:
        code = exc.code
        if code == 2 and not _state.changes_exit:
            code = 1  # Click's usage-error code; only plan --detailed-exitcode may exit 2
        raise SystemExit(code) from None
