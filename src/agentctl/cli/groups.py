"""The verb groups: ``agentctl models``, ``agentctl skills`` and ``agentctl secrets``.

Each sub-verb parses its flags and runs its command through the verb table
(:mod:`agentctl.cli.verbs`); nothing here knows how a verb does its work.
"""


from pathlib import Path
from typing import Annotated, Optional

import typer

from agentctl.cli.verbs import invoke, state

models_app = typer.Typer(
    name="models",
    help="Inference models: refresh the catalogue from what each provider lists.\n\n"
    "Example: agentctl models refresh --dry-run",
    no_args_is_help=True,
)


@models_app.command("refresh")
def _models_refresh(
    providers: Annotated[Optional[list[str]], typer.Argument(  # noqa: UP045
        metavar="PROVIDER", help="Providers to refresh, any number (default: every "
        "provider with models or defined by the project).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the unified diff of the "
                                          "catalogue edits and write nothing.")] = False,
    models_file: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        "--models-file", metavar="FILE", help="Catalogue file that receives new models "
        "(relative to the project root).")] = None,
) -> None:
    """Add models the providers list, update what they report, keep the rest.

    Example: agentctl models refresh anthropic --dry-run
    """
    invoke("models refresh", *state.project(), providers=providers or [], dry_run=dry_run,
           models_file=models_file)


skills_app = typer.Typer(
    name="skills",
    help="Skills: sync skill sources into agentctl.lock, list skills, check SKILL.md "
    "folders.\n\nExample: agentctl skills sync",
    no_args_is_help=True,
)


@skills_app.command("sync")
def _skills_sync(
    update: Annotated[bool, typer.Option("--update", help="Fetch every git source and move "
                                         "its ref forward to the newest commit.")] = False,
) -> None:
    """Fetch skill sources, cache them and write agentctl.lock (commit + hash per skill).

    Example: agentctl skills sync --update
    """
    invoke("skills sync", *state.project(), update=update)


@skills_app.command("list")
def _skills_list() -> None:
    """List the catalogue's skills, and skills its sources hold but no entry uses.

    Example: agentctl skills list
    """
    invoke("skills list", *state.project())


@skills_app.command("validate")
def _skills_validate(
    paths: Annotated[Optional[list[Path]], typer.Argument(  # noqa: UP045
        metavar="PATH", help="Skill folders, or folders to search for SKILL.md, any number "
        "(default: the project's skills).")] = None,
) -> None:
    """Check skills against the Agent Skills spec: errors block rendering; warnings flag
    what the spec advises against but rendering accepts.

    Example: agentctl skills validate ./skills
    """
    invoke("skills validate", *state.project(), paths=paths or [])


secrets_app = typer.Typer(name="secrets", no_args_is_help=True,
                          help="See, store and remove the values behind catalogue "
                          "credentials.\n\nExample: agentctl secrets status")
NameArg = Annotated[str, typer.Argument(help="A credential's name in the catalogue.")]


@secrets_app.command("status")
def _secrets_status(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (no values).")] = False,
) -> None:
    """Per agent: the credentials it needs, found or missing, where agentctl looked and
    which secret backends are down. Exits 1 when a needed credential has no value;
    credentials no agent needs are listed, never looked up.

    Example: agentctl secrets status
    """
    invoke("secrets status", *state.project(), as_json=as_json)


def hidden_prompt(label: str) -> str:
    """Ask for a value on the terminal twice, echoing nothing; ``""`` when left empty."""
    return str(typer.prompt(label, hide_input=True, confirmation_prompt=True, default="",
                            show_default=False))


@secrets_app.command("set", context_settings={"allow_extra_args": True,
                                              "ignore_unknown_options": True})
def _secrets_set(ctx: typer.Context, name: NameArg) -> None:
    """Store a credential's value in its first source that can store (the keyring by
    default; pass, age): piped on stdin, or typed at a hidden prompt. Never pass a value
    as an argument.

    Example: printf %s "$TOKEN" | agentctl secrets set github-pat
    """
    if ctx.args:
        # Taken here rather than left to Click, whose message would repeat the argument:
        # most likely the secret value itself.
        raise typer.BadParameter(
            "the value goes on stdin or at a hidden prompt, never in argv; "
            f"{len(ctx.args)} extra argument(s) refused and not shown. Nothing was stored. "
            "It is in your shell history now: rotate it.",
            ctx=ctx, param_hint="'secrets set NAME VALUE'")
    invoke("secrets set", *state.project(), name, prompt=hidden_prompt)


@secrets_app.command("rm")
def _secrets_rm(name: NameArg) -> None:
    """Delete a credential's value from the source `secrets set` stores into.

    Example: agentctl secrets rm github-pat
    """
    invoke("secrets rm", *state.project(), name)


@secrets_app.command("get")
def _secrets_get(
    name: NameArg,
    reveal: Annotated[bool, typer.Option("--reveal", help="Print the value itself.")] = False,
) -> None:
    """Say whether a credential has a value and where it comes from; the value itself
    only with --reveal.

    Example: agentctl secrets get github-pat --reveal
    """
    invoke("secrets get", *state.project(), name, reveal=reveal)
