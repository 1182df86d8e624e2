"""README's runtime matrix, generated from what each registered runtime declares.

Runtimes are the columns (in :func:`~agentctl.runtimes.listed_runtimes` order), the
rows are README "Runtimes"' rows. Most cells come from a runtime's
:class:`~agentctl.runtimes.docs.RuntimeDocs`; transports, credential kinds, skills
folder, service and pinned release follow from its other declarations.
"""

from __future__ import annotations

from collections.abc import Callable

from agentctl.runtimes import get_runtime, listed_runtimes
from agentctl.runtimes.base import Runtime
from agentctl.runtimes.docs import NOTHING

#: When the "last proven with" row was last checked (the headless acceptance matrix).
PROVEN_IN = "2026-12"
#: The order MCP transports are listed in.
TRANSPORT_ORDER = ("stdio", "http", "sse")


def _transports(runtime: Runtime) -> str:
    if not runtime.renders_service:
        return NOTHING
    listed = ", ".join(t for t in TRANSPORT_ORDER if t in runtime.transports)
    return f"{listed} {runtime.docs.transports_note}".rstrip()


def _credential_kinds(runtime: Runtime) -> str:
    if not runtime.renders_service:
        return "none needed"
    return ", ".join(runtime.credential_envs) or NOTHING


def _last_proven(runtime: Runtime) -> str:
    proven = runtime.docs.last_proven
    if not proven:
        return NOTHING
    pinned = runtime.version
    return proven if not pinned or pinned == proven else f"{proven} (pinned: {pinned})"


def _primitive(kind: str) -> Callable[[Runtime], str]:
    """The cell of a primitive's row: where the runtime renders it, or refused (E530)."""

    def cell(runtime: Runtime) -> str:
        if kind not in runtime.primitives:
            return f"{NOTHING} (refused, E530)"
        docs = runtime.docs
        return {"subagents": docs.subagents, "commands": docs.commands, "hooks": docs.hooks,
                "rules": docs.rules}[kind]

    return cell


#: Row label → the cell of one runtime.
ROWS: tuple[tuple[str, Callable[[Runtime], str]], ...] = (
    ("instructions", lambda r: r.docs.instructions),
    ("MCP config", lambda r: r.docs.mcp_config),
    ("secret placeholder", lambda r: r.docs.placeholder),
    ("transports", _transports),
    ("tool allow-list, pre-approved", lambda r: r.docs.tool_allow_list),
    ("server approval", lambda r: r.docs.server_approval),
    ("provider endpoint (`base_url`)", lambda r: r.docs.endpoint),
    ("permission read / write / full / auto", lambda r: r.docs.permissions),
    ("effort", lambda r: r.docs.effort),
    ("model handle", lambda r: r.docs.model_handle),
    ("inference credential kinds", _credential_kinds),
    ("skills", lambda r: f"`{r.skills_dir}/`" if r.skills_dir else NOTHING),
    ("subagents", _primitive("subagents")),
    ("commands (`$ARGUMENTS`)", _primitive("commands")),
    ("hooks", _primitive("hooks")),
    ("scoped rules", _primitive("rules")),
    ("service", lambda r: "yes" if r.renders_service else "no"),
    (f"last proven with (headless matrix, {PROVEN_IN})", _last_proven),
)


def runtime_matrix() -> str:
    """The Markdown table of README "Runtimes": one column per registered runtime, one
    line per row, each line ending in a newline."""
    runtimes = [get_runtime(name) for name in listed_runtimes()]
    lines = ["| | " + " | ".join(f"`{r.name}`" for r in runtimes) + " |",
             "|---|" + "---|" * len(runtimes)]
    for label, cell in ROWS:
        lines.append(f"| {label} | " + " | ".join(cell(r) for r in runtimes) + " |")
    return "\n".join(lines) + "\n"
