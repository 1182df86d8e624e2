"""One module per CLI verb: typed functions with plain parameters, each returning an exit code.

A command takes parsed options (for project verbs first ``directory`` and ``explicit``),
calls the pipeline, prints through :mod:`agentctl.commands.ui` and returns 0, 1 or 2.
Commands know nothing of typer or of :mod:`agentctl.cli`, which loads each one lazily
from its verb table and runs it through :func:`agentctl.commands.context.guarded`.
"""
