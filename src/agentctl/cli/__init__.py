"""The ``agentctl`` command line: typer only. Parse flags, then run the verb's command.

The root app, its global options and the top-level verbs live here; the verb groups
(``models``, ``skills``, ``secrets``) in :mod:`agentctl.cli.groups`; shared options in
:mod:`agentctl.cli.options`. Each verb calls :func:`agentctl.cli.verbs.invoke`, which
imports the one command module it needs from the lazy verb table.

Exit codes mean one thing everywhere (:mod:`agentctl.cli.exitcodes`): 0 success or no changes,
1 error, 2 changes or drift (``plan --detailed-exitcode``, ``render --check``; never an
error), 64 a usage error (sysexits ``EX_USAGE``: unknown flag, missing argument),
130 interrupted.
"""


import gc
from pathlib import Path
from typing import Annotated, Optional

import typer

from agentctl import __version__
from agentctl.cli.exitcodes import CHANGES, EX_USAGE
from agentctl.cli.groups import models_app, secrets_app, skills_app
from agentctl.cli.options import (
    AutoApproveOption,
    GraphFormat,
    TargetOption,
    TrustOption,
    ValidateFormat,
    complete_agent,
    plain_flags_in_help,
)
from agentctl.cli.verbs import invoke, state

plain_flags_in_help()


app = typer.Typer(
    name="agentctl",
    help="Declarative GitOps for fleets of AI coding agents: YAML catalogues in, agent "
    "workspaces, compose services and env files out.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        print(f"agentctl {__version__}")
        raise typer.Exit(0)


@app.callback()
def _global(
    directory: Annotated[
        Optional[Path],  # noqa: UP045  (typer needs Optional on 3.11)
        typer.Option("-C", "--directory", metavar="DIR", help="Run in the project at DIR (holding "
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
        state.directory = directory
        state.explicit = True


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
    invoke("validate", *state.project(), output_format.value)


@app.command()
def render(
    out: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        "--out", "-o", metavar="DIR", help="Folder to write the rendered tree into (no env "
        "files, no ledger; what an earlier render wrote there and no longer renders is "
        "removed); with --check, the folder to compare.")] = None,
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
    if out is None and not check:
        raise typer.BadParameter("give --out DIR, or --check", param_hint="--out")
    invoke("render", *state.project(), out, check, target=target, trust=trust)


@app.command()
def plan(
    detailed_exitcode: Annotated[bool, typer.Option(
        "--detailed-exitcode", help="Exit 0 for no changes, 1 for an error, 2 for changes.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON "
                                          "(format_version 1.0; no secret values).")] = False,
    out: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        "--out", metavar="FILE", help="Save the plan to FILE for `agentctl apply FILE`.")
    ] = None,
    target: TargetOption = None,
    trust: TrustOption = False,
) -> None:
    """Show what apply would create, update, delete, or find drifted, per agent and file.

    Example: agentctl plan --detailed-exitcode
    """
    invoke("plan", *state.project(), detailed_exitcode=detailed_exitcode, as_json=as_json,
           out_file=out, target=target, trust=trust)


@app.command()
def apply(
    plan_file: Annotated[Optional[Path], typer.Argument(  # noqa: UP045
        metavar="PLANFILE", help="A plan saved with `plan --out`; refused if inputs changed "
        "since.")] = None,
    auto_approve: AutoApproveOption = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite or delete files edited "
                                        "by hand.")] = False,
    target: TargetOption = None,
    trust: TrustOption = False,
) -> None:
    """Write workspaces, the compose file and env files; prune what the catalogue dropped.

    Example: agentctl apply -y
    """
    invoke("apply", *state.project(), plan_file=plan_file, auto_approve=auto_approve,
           force=force, target=target, trust=trust)


@app.command()
def destroy(
    agents: Annotated[Optional[list[str]], typer.Argument(  # noqa: UP045
        metavar="AGENT", help="Agents to tear down, any number (default: every applied agent).",
        autocompletion=complete_agent)] = None,
    auto_approve: AutoApproveOption = False,
    force: Annotated[bool, typer.Option("--force", help="Also delete files edited by "
                                        "hand.")] = False,
    target: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--target", metavar="TARGET", help="Target whose shared files to re-render "
        "(default: the one the ledger records).")] = None,
    stop: Annotated[bool, typer.Option("--stop", help="Stop the agents' running services "
                                       "first (docker compose down, or rm --stop for "
                                       "some agents); without it destroy refuses while "
                                       "they run.")] = False,
) -> None:
    """Delete agents' managed files and env files; their lifecycle becomes deprovisioned.

    Running services are refused first (see --stop). A destroyed agent comes back at the
    next plan/apply while it is still in the catalogue.

    Example: agentctl destroy reviewer -y
    """
    invoke("destroy", *state.project(), agents=agents or [], auto_approve=auto_approve,
           force=force, target=target, stop=stop)


@app.command()
def run(
    agent: Annotated[str, typer.Argument(metavar="AGENT", help="The agent to start.",
                                         autocompletion=complete_agent)],
    args: Annotated[Optional[list[str]], typer.Argument(  # noqa: UP045
        metavar="ARGS", help="Arguments for the runtime's CLI, any number; put them after "
        "`--`.")
    ] = None,
    trust: TrustOption = False,
) -> None:
    """Start an applied agent's runtime CLI here, in its workspace, with its environment.

    The agent's env file and service environment reach the CLI through the environment
    only; its exit code is agentctl's. Refused when the agent is not applied or differs
    from the catalogue.

    Example: agentctl run reviewer -- -p "Review the open pull request"
    """
    invoke("run", *state.project(), agent=agent, args=args or [], trust=trust)


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
    invoke("schema", project)


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
    invoke("graph", *state.project(), output_format.value)


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
    invoke("status", *state.project(), as_json=as_json)


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="Folder to create the "
                                              "project in.")] = Path(),
    force: Annotated[bool, typer.Option("--force", help="Render into a folder that is not "
                                        "empty (overwrites files the template writes).")] = False,
    data: Annotated[Optional[list[str]], typer.Option(  # noqa: UP045
        "--data", "-d", metavar="KEY=VALUE", help="Answer a template question "
        "(repeatable).")] = None,
    template: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--template", metavar="TEMPLATE", help="Copier template to use instead of "
        "agentctl's own (a folder or git URL; a git one lets `copier update` carry its "
        "later versions).")] = None,
) -> None:
    """Scaffold a new agentctl project with Copier (answers kept for `copier update`).

    Example: agentctl init demo --data runtime=claude-code
    """
    answers: dict[str, str] = {}
    for item in data or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"--data takes KEY=VALUE, got {item!r}")
        answers[key] = value
    invoke("init", directory, force=force, data=answers, template=template)


app.add_typer(models_app, name="models")
app.add_typer(skills_app, name="skills")
app.add_typer(secrets_app)


def main() -> None:
    """Console-script entry point: usage errors exit 64, never 2 (2 means "changes")."""
    # One short run that makes almost no reference cycles: the collector's passes over a
    # fleet's catalogue and plan were a third of a no-op plan's CPU time, freeing nothing
    # (bench/fleet.py, 1,000 agents: 1.35 s → 0.9 s; peak memory the same).
    gc.disable()
    try:
        app()
    except SystemExit as exc:
        code = exc.code
        if code == CHANGES and not state.changes_exit:
            code = EX_USAGE  # Click's usage-error code; 2 is kept for changes or drift
        raise SystemExit(code) from None
