"""Options several verbs share, the ``--format`` choices, and agent-name completion."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Optional

import typer

from agentctl.cli.completion import agent_names


class ValidateFormat(StrEnum):
    """Output formats of ``agentctl validate``."""

    text = "text"
    json = "json"
    github = "github"
    sarif = "sarif"


class GraphFormat(StrEnum):
    """Output formats of ``agentctl graph``."""

    mermaid = "mermaid"
    dot = "dot"


def complete_agent(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion: agent names (``-C`` honoured) starting with ``incomplete``."""
    root = ctx.find_root()
    directory = root.params.get("directory") if root is not None else None
    names = agent_names(directory, explicit=directory is not None)
    already = set(ctx.params.get("agents") or [])
    return [n for n in names if n.startswith(incomplete) and n not in already]


#: ``--target`` of render, plan and apply.
TargetOption = Annotated[Optional[str], typer.Option(  # noqa: UP045
    "--target", metavar="TARGET", help="Deployment target: compose, kubernetes or kagent (default: "
    "`target:` in agentctl.yaml, else compose).")]
#: ``--trust`` of render, plan and apply.
TrustOption = Annotated[bool, typer.Option(
    "--trust", help="Let workspace and service templates with _tasks, _migrations or "
    "_jinja_extensions run (they run code).")]
#: ``-y``/``--auto-approve`` of apply and destroy.
AutoApproveOption = Annotated[bool, typer.Option("-y", "--auto-approve",
                                                 help="Do not ask for confirmation.")]


def plain_flags_in_help() -> None:
    """Show plain flags and arguments without a Python type in ``--help``.

    typer 0.29's rich help prints ``<bool>`` beside every flag (``--json <bool>``, so
    people write ``status --json true``) and an argument's Python type beside its name
    (``AGENT <list[str]>``). This hook on :class:`typer.core.TyperOption` and
    :class:`typer.core.TyperArgument` shows no type for a flag (or count) and for an
    argument (its name or metavar says what it is); options that take a value keep
    their metavar (``--out DIR``) and choices typer's ``<a|b>``. Applied once, when the
    CLI is imported.
    """
    from typer import core

    if getattr(core.TyperOption.display_type_rich, "agentctl", False):
        return
    option_type = core.TyperOption.display_type_rich

    def option_display(self: core.TyperOption, ctx: Any) -> str | None:
        if self.is_flag or self.count:
            return None
        return option_type(self, ctx)

    def argument_display(self: core.TyperArgument, ctx: Any) -> str | None:
        return None

    option_display.agentctl = True  # type: ignore[attr-defined]
    core.TyperOption.display_type_rich = option_display  # type: ignore[method-assign]
    core.TyperArgument.display_type_rich = argument_display  # type: ignore[method-assign,assignment]
