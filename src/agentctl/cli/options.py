"""Options several verbs share, the ``--format`` choices, and agent-name completion."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Optional

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
    "--target", help="Deployment target: compose, kubernetes or kagent (default: "
    "`target:` in agentctl.yaml, else compose).")]
#: ``--trust`` of render, plan and apply.
TrustOption = Annotated[bool, typer.Option(
    "--trust", help="Let workspace and service templates with _tasks, _migrations or "
    "_jinja_extensions run (they run code).")]
#: ``-y``/``--auto-approve`` of apply and destroy.
AutoApproveOption = Annotated[bool, typer.Option("-y", "--auto-approve",
                                                 help="Do not ask for confirmation.")]
