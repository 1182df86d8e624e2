"""agentctl: a declarative GitOps CLI for fleets of AI coding agents.

The pipeline (see ``STYLE.md`` in the shared folder) is a chain of plain functions:
``load`` → ``resolve`` → ``render`` → ``plan`` → ``apply``. Each stage lives in its own
module and returns a value the next stage consumes.
"""

__version__ = "0.1.0"
