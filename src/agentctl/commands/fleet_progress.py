"""A progress bar for rendering a fleet, started once the number of agents is known.

``build`` learns how many agents it renders only after loading the catalogue, so it is
handed a ``start(agents)`` function (:func:`rendering`) that opens the same bar apply
shows (:func:`agentctl.commands.ui.progress`: on a terminal only, for at least a few
agents, removed when done) and returns its ``advance(n)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

from agentctl.commands import ui

#: ``start(agents)`` → ``advance(n)`` or None (no bar: not a terminal, or a small fleet).
Start = Callable[[int], Callable[[int], None] | None]


@contextmanager
def rendering(description: str = "Rendering") -> Iterator[Start]:
    """Yield ``start`` for :func:`agentctl.render.pipeline.build`'s ``progress``; the bar
    closes when the block ends (before the caller prints the plan or diagnostics)."""
    with ExitStack() as stack:

        def start(total: int) -> Callable[[int], None] | None:
            advance = stack.enter_context(ui.progress(total, description))
            if advance is None:
                return None
            bar = advance

            def done(count: int) -> None:
                for _ in range(count):
                    bar("")

            return done

        yield start
