"""Terminal output: colour only on a terminal, NO_COLOR respected, secrets always masked.

Every line agentctl prints goes through :func:`out` or :func:`err`, which pass it
through :func:`agentctl.support.redact.redact` first.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from agentctl.support.redact import redact

if TYPE_CHECKING:  # not imported at run time: every verb prints through this module
    from agentctl.diagnostics import Diagnostic
    from agentctl.plan import FileChange, Plan

_color_disabled = False

_STYLES = {
    "red": "\033[31m",
    "green": "\033[32m",
    "yellow": "\033[33m",
    "cyan": "\033[36m",
    "bold": "\033[1m",
    "dim": "\033[2m",
}
_RESET = "\033[0m"


def disable_color() -> None:
    """Turn colour off for this run (``--no-color``)."""
    global _color_disabled
    _color_disabled = True


def use_color(stream: object) -> bool:
    """True when ``stream`` is a terminal and neither NO_COLOR nor --no-color is set."""
    if _color_disabled or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def style(text: str, name: str, stream: object = None) -> str:
    """Wrap ``text`` in an ANSI style when colour is on for ``stream`` (default stdout)."""
    if not use_color(stream or sys.stdout):
        return text
    return f"{_STYLES[name]}{text}{_RESET}"


def out(text: str = "") -> None:
    """Print to stdout, secrets masked."""
    sys.stdout.write(redact(text) + "\n")


def out_raw(text: str) -> None:
    """Write ``text`` to stdout as it is (no newline added), secrets masked."""
    sys.stdout.write(redact(text))


def err(text: str = "") -> None:
    """Print to stderr, secrets masked."""
    sys.stderr.write(redact(text) + "\n")


def print_diagnostics(diagnostics: Iterable[Diagnostic]) -> None:
    """Print diagnostics to stderr, errors red, warnings yellow, with a closing count."""
    errors = warnings = 0
    for d in diagnostics:
        colour = "red" if d.severity == "error" else "yellow"
        line = d.format()
        head, _, rest = line.partition("\n")
        err(style(head, colour, sys.stderr) + ("\n" + rest if rest else ""))
        if d.severity == "error":
            errors += 1
        else:
            warnings += 1
    if errors:
        err(style(f"{errors} error(s), {warnings} warning(s)", "red", sys.stderr))


_SYMBOLS = {"create": ("+", "green"), "update": ("~", "yellow"), "delete": ("-", "red"),
            "drift": ("!", "red")}


def print_plan(plan: Plan, *, diffs: bool = True) -> None:
    """Human-readable plan: per agent, per file, with unified diffs and env var names."""
    by_agent: dict[str | None, list[FileChange]] = {}
    for change in plan.changes:
        by_agent.setdefault(change.agent, []).append(change)
    for agent in plan.agents:
        changes = by_agent.pop(agent.name, [])
        if agent.action == "none" and not changes and not agent.error:
            continue
        label = f"agent {agent.name}: {agent.action}"
        state = f"(lifecycle {agent.lifecycle}, status {agent.runtime_status})"
        out(style(label, "bold") + " " + style(state, "dim"))
        if agent.error:
            out("  " + style("blocked: " + agent.error, "red"))
        _print_changes(changes, diffs)
    shared = by_agent.pop(None, [])
    rest = [c for cs in by_agent.values() for c in cs]
    if shared or rest:
        out(style("shared files", "bold"))
        _print_changes([*shared, *rest], diffs)
    counts = plan.summary()
    if plan.has_changes and _is_terminal(sys.stdout):
        _print_plan_table(plan)
    if not plan.has_changes:
        out(style("No changes. The workspaces match the catalogue.", "green"))
    else:
        out(
            f"Plan: {counts['create']} to create, {counts['update']} to update, "
            f"{counts['delete']} to delete, {counts['drift']} drifted."
        )


def print_file_change(action: str, path: str, reason: str = "", diff: str = "") -> None:
    """One ``+ create path (reason)`` line, then ``diff`` indented and coloured."""
    symbol, colour = _SYMBOLS[action]
    extra = f" ({reason})" if reason else ""
    out("  " + style(f"{symbol} {action:<6} {path}", colour) + extra)
    if diff:
        print_diff(diff)


def print_diff(diff: str, indent: str = "      ") -> None:
    """Print a unified diff, additions green, removals red, hunk headers cyan."""
    for line in diff.rstrip("\n").split("\n"):
        colour_line = (
            "green" if line.startswith("+") and not line.startswith("+++")
            else "red" if line.startswith("-") and not line.startswith("---")
            else "cyan" if line.startswith("@@") else None
        )
        out(indent + (style(line, colour_line) if colour_line else line))


def _is_terminal(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"


def _print_plan_table(plan: Plan) -> None:
    """On a terminal: one row per agent (and shared files) with its counts per action."""
    actions = ("create", "update", "delete", "drift")
    counts: dict[str, dict[str, int]] = {}
    for change in plan.changes:
        row = counts.setdefault(change.agent or "(shared files)", dict.fromkeys(actions, 0))
        row[change.action] += 1
    rows = [["", "agent", *actions]]
    tones = []
    for agent, row in sorted(counts.items()):
        rows.append(["●", agent, *(str(row[a]) if row[a] else "·" for a in actions)])
        tones.append("red" if row["drift"] or row["delete"] else "amber" if row["update"]
                     else "green")
    out()
    print_table(rows, dot_colours=tones)


def _print_changes(changes: list[FileChange], diffs: bool) -> None:
    for change in changes:
        print_file_change(change.action, change.path, change.reason)
        if change.env_file and change.variables is not None:
            out("      variables: " + (", ".join(change.variables) or "none")
                + "  (values hidden)")
        if diffs and change.diff and not change.env_file:
            print_diff(change.diff)


#: rich styles for the seed's dot tones (grey, green, red, amber).
_DOT_STYLES = {"grey": "grey50", "green": "green", "red": "red", "amber": "dark_orange"}


def print_table(rows: list[list[str]], *, dot_colours: list[str] | None = None) -> None:
    """Print a table with rich: ``rows[0]`` are the headers.

    ``dot_colours`` (one tone per data row, a key of the seed's grey/green/red/amber)
    colours the first and fourth cells of each row when colour is on. Without a terminal
    the table is plain aligned text with no box, no ANSI codes and no wrapping; cell
    text is never read as rich markup. Secrets are masked like every other line.
    """
    import io

    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    colour = use_color(sys.stdout)
    table = Table(box=box.SIMPLE_HEAD if colour else None, show_edge=False, pad_edge=False,
                  header_style="bold" if colour else "")
    for header in rows[0]:
        table.add_column(header, overflow="fold")
    for i, row in enumerate(rows[1:]):
        tone = _DOT_STYLES.get(dot_colours[i], "") if colour and dot_colours else ""
        table.add_row(*(Text(cell, style=tone if tone and j in (0, 3) else "")
                        for j, cell in enumerate(row)))
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=colour, no_color=not colour,
                      width=None if colour else 10_000, highlight=False)
    console.print(table)
    for line in buffer.getvalue().rstrip("\n").split("\n"):
        out(line.rstrip())


#: Fewer agents than this finish too fast for a progress bar to help.
PROGRESS_MIN_AGENTS = 3


@contextmanager
def progress(total: int, description: str) -> Iterator[Callable[[str], None] | None]:
    """A progress bar on stderr for ``total`` steps, yielding ``advance(name)``.

    Only on a terminal (stderr a TTY, TERM not ``dumb``) and for at least
    :data:`PROGRESS_MIN_AGENTS` steps; otherwise yields None and prints nothing, so
    logs and pipes stay plain. The bar is removed when done (rich ``transient``).
    """
    isatty = getattr(sys.stderr, "isatty", None)
    if (total < PROGRESS_MIN_AGENTS or not (isatty and isatty())
            or os.environ.get("TERM") == "dumb"):
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    console = Console(stderr=True, no_color=not use_color(sys.stderr))
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[agent]}"))
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(description, total=total, agent="")

        def advance(name: str) -> None:
            bar.update(task, advance=1, agent=redact(name))

        yield advance
