"""The verb table: which command function runs each verb, imported only when it runs.

As pip's ``commands/__init__.py`` does, :data:`VERBS` names each verb's function as a
``"module:function"`` string, so ``agentctl --help`` imports no command module and
``agentctl validate`` imports only :mod:`agentctl.commands.validate` (and what it needs).
Sub-verbs are keyed ``"group verb"`` (``"secrets set"``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import typer
from msgspec import Struct

#: Verb → ``"module:function"``; each function takes plain parameters and returns an
#: exit code (see :mod:`agentctl.commands`).
VERBS: dict[str, str] = {
    "validate": "agentctl.commands.validate:run",
    "render": "agentctl.commands.render:run",
    "plan": "agentctl.commands.plan:run",
    "apply": "agentctl.commands.apply:run",
    "destroy": "agentctl.commands.destroy:run",
    "run": "agentctl.commands.run:run",
    "schema": "agentctl.commands.schema:run",
    "graph": "agentctl.commands.graph:run",
    "status": "agentctl.commands.status:run",
    "init": "agentctl.commands.init:run",
    "models refresh": "agentctl.commands.models:refresh",
    "skills sync": "agentctl.commands.skills:sync",
    "skills list": "agentctl.commands.skills:list_skills",
    "skills validate": "agentctl.commands.skills:validate",
    "secrets status": "agentctl.commands.secrets:status",
    "secrets set": "agentctl.commands.secrets:set_value",
    "secrets rm": "agentctl.commands.secrets:remove",
    "secrets get": "agentctl.commands.secrets:get",
}


class GlobalOptions(Struct):
    """The root options of this run, set by the root callback before any verb runs.

    ``changes_exit`` records that a command exited 2 to mean "changes", so the entry
    point does not turn that 2 into a usage error.
    """

    directory: Path | None = None
    explicit: bool = False
    changes_exit: bool = False

    def project(self) -> tuple[Path | None, bool]:
        """``(directory, explicit)``: the first two parameters of every project verb."""
        return self.directory, self.explicit


#: This process's root options (one CLI run per process).
state = GlobalOptions()


def load(verb: str) -> Callable[..., int]:
    """Import and return the command function of ``verb`` (a key of :data:`VERBS`)."""
    module, _, name = VERBS[verb].partition(":")
    function: Callable[..., int] = getattr(importlib.import_module(module), name)
    return function


def invoke(verb: str, *args: object, **kwargs: object) -> NoReturn:
    """Run ``verb`` with ``args``/``kwargs``; exit with its code (``typer.Exit``).

    Failures are printed and mapped to exit codes by
    :func:`agentctl.commands.context.guarded`, which also covers importing the command.
    """
    from agentctl.commands.context import guarded

    code = guarded(lambda: load(verb)(*args, **kwargs))
    if code == 2:
        state.changes_exit = True
    raise typer.Exit(code)
