"""An agent's subagents, commands, hooks and scoped rules, with references followed.

An agent selects them by name (``subagents:``, ``commands:``, ``hooks:``, ``rules:``,
inherited through ``extends`` like ``skills``). Checked here, each at the place it is
written: an unknown name (E240), one listed twice (E241), a subagent's model that is
not catalogued (E242, once, at the subagent) and a subagent's MCP server or tool the
agent itself may not use (E243), a subagent's model of another provider than the
agent's (E244: its requests go to the agent's endpoint). Whether the agent's runtime
can express each one is the runtime's check
(:meth:`agentctl.runtimes.base.BaseRuntime.check`, E530).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from msgspec import Struct

from agentctl.catalogue.load import Catalogue, Located
from agentctl.catalogue.primitives import PRIMITIVE_KINDS, Subagent
from agentctl.catalogue.schema import Model
from agentctl.diagnostics import Diagnostic, Position
from agentctl.resolve.entries import ref_error
from agentctl.resolve.model import ResolvedServer
from agentctl.resolve.selected import WORDS, ResolvedPrimitives, ResolvedSubagent, Selected

#: Section → the code for an unknown name.
UNKNOWN = "E240"


def check_subagent_models(cat: Catalogue, problems: list[Diagnostic]) -> None:
    """E242 for each subagent whose ``model`` is not catalogued (reported once, at the
    subagent); such a subagent is marked broken, so agents selecting it are left out."""
    for name, loc in cat.subagents.items():
        model = loc.entry.model
        if model is None or model in cat.models:
            continue
        if cat.is_broken("models", model):
            cat.broken.add(("subagents", name))
            continue
        problems.append(ref_error("E242", "model", model, cat.models, loc.pos("model"),
                                  f"subagents[{name}].model", "models"))
        cat.broken.add(("subagents", name))


class Selection(Struct):
    """What resolving an agent's primitives reads: the catalogue, the agent's effective
    fields, where each is written (``at``) and its field path (``path``), its MCP
    servers, and the run's problems."""

    cat: Catalogue
    agent: str
    values: dict[str, Any]
    at: Callable[..., Position]
    servers: tuple[ResolvedServer, ...]
    problems: list[Diagnostic]
    refers_to_broken: bool = False
    #: A template's servers may be added by the agents extending it: not checked here.
    template: bool = False


def resolve_primitives(sel: Selection) -> ResolvedPrimitives:
    """The agent's primitives (problems appended to ``sel.problems``; a reference to an
    entry refused by its own checks sets ``sel.refers_to_broken``)."""
    found: dict[str, list[Selected[Any]]] = {}
    for kind in PRIMITIVE_KINDS:
        found[kind] = _select(sel, kind)
    subagents = tuple(_subagent(sel, s) for s in found["subagents"])
    return ResolvedPrimitives(
        subagents=subagents,
        commands=tuple(found["commands"]),
        hooks=tuple(found["hooks"]),
        rules=tuple(found["rules"]),
    )


def _select(sel: Selection, kind: str) -> list[Selected[Any]]:
    """The entries of ``kind`` the agent lists (E240 unknown, E241 listed twice)."""
    entries = sel.cat.kind(kind)
    out: list[Selected[Any]] = []
    for i, name in enumerate(sel.values.get(kind) or []):
        where, path = sel.at(kind, i), f"agents[{sel.agent}].{kind}[{i}]"
        loc = entries.get(name)
        if loc is None:
            if sel.cat.is_broken(kind, name):
                sel.refers_to_broken = True
            else:
                sel.problems.append(ref_error(UNKNOWN, WORDS[kind], name, entries, where,
                                              path, kind))
        elif any(s.name == name for s in out):
            sel.problems.append(Diagnostic("error", "E241", f"{WORDS[kind]} '{name}' listed "
                                           "twice", where, path, "Remove one of the two."))
        else:
            out.append(Selected(loc.entry, where, path, loc))
    return out


def _subagent(sel: Selection, chosen: Selected[Subagent]) -> ResolvedSubagent:
    """A selected subagent with its model (E244) and its MCP servers (E243) checked
    against the agent's own."""
    sub = chosen.entry
    model_loc = sel.cat.models.get(sub.model) if sub.model else None
    _check_provider(sel, chosen, model_loc)
    servers = tuple(_subagent_server(sel, chosen, i) for i in range(len(sub.mcp_servers or [])))
    return ResolvedSubagent(sub, chosen.where, chosen.path, chosen.located,
                            model=model_loc.entry if model_loc else None,
                            servers=servers)


def _at(chosen: Selected[Subagent], *fields: str | int) -> Position:
    """Where a field of the subagent is written (the selection, for one made in code)."""
    return chosen.located.pos(*fields) if chosen.located else chosen.where


def _check_provider(sel: Selection, chosen: Selected[Subagent],
                    model_loc: Located[Model] | None) -> None:
    """E244 for a subagent's model of another provider than its agent's model."""
    own = sel.cat.models.get(str(sel.values.get("model") or ""))
    if model_loc is None or own is None or model_loc.entry.provider == own.entry.provider:
        return
    sub = chosen.entry
    sel.problems.append(Diagnostic(
        "error", "E244", f"subagent '{sub.name}' uses model '{sub.model}' of provider "
        f"'{model_loc.entry.provider}', but agent '{sel.agent}' talks to provider "
        f"'{own.entry.provider}'", _at(chosen, "model"), f"subagents[{sub.name}].model",
        "A subagent's requests go to its agent's endpoint: pick a model of provider "
        f"'{own.entry.provider}', or drop 'model' to use the agent's own."))


def _subagent_server(sel: Selection, chosen: Selected[Subagent],
                     i: int) -> tuple[str, tuple[str, ...] | None]:
    """The subagent's ``i``-th MCP server with its allowed tools (None: every tool the
    agent may call); E243 for a server or tool the agent may not use (a template's
    servers may come from the agents extending it: not checked)."""
    sub = chosen.entry
    use = (sub.mcp_servers or [])[i]
    wanted = tuple(use.tools) if use.tools is not None else None
    server = next((s for s in sel.servers if s.name == use.name), None)
    if server is None:
        if not sel.template:
            sel.problems.append(Diagnostic(
                "error", "E243", f"subagent '{sub.name}' uses MCP server '{use.name}', which "
                f"agent '{sel.agent}' does not", _at(chosen, "mcp_servers", i),
                f"subagents[{sub.name}].mcp_servers[{i}]",
                f"Give agent '{sel.agent}' the server too, or drop it from the subagent "
                f"(selected at {chosen.where})."))
        return use.name, wanted
    allowed = server.tools
    for j, tool in enumerate(wanted or ()):
        if allowed is not None and tool not in allowed:
            sel.problems.append(Diagnostic(
                "error", "E243", f"subagent '{sub.name}' uses tool '{tool}' of MCP server "
                f"'{use.name}', which agent '{sel.agent}' may not call",
                _at(chosen, "mcp_servers", i, "tools", j),
                f"subagents[{sub.name}].mcp_servers[{i}].tools[{j}]",
                f"Allow it on the agent ({', '.join(allowed) or 'no tools allowed'}), or "
                "drop it from the subagent."))
    return use.name, wanted if wanted is not None else allowed
