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
from dataclasses import dataclass
from typing import Any

from agentctl.catalogue.load import Catalogue
from agentctl.catalogue.primitives import PRIMITIVE_KINDS, Subagent
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


@dataclass
class Selection:
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
    """A selected subagent with its model and its MCP servers checked against the
    agent's own (E243)."""
    sub, loc = chosen.entry, chosen.located
    model_loc = sel.cat.models.get(sub.model) if sub.model else None
    own = sel.cat.models.get(str(sel.values.get("model") or ""))
    if model_loc is not None and own is not None and (
            model_loc.entry.provider != own.entry.provider):
        sel.problems.append(Diagnostic(
            "error", "E244", f"subagent '{sub.name}' uses model '{sub.model}' of provider "
            f"'{model_loc.entry.provider}', but agent '{sel.agent}' talks to provider "
            f"'{own.entry.provider}'", loc.pos("model") if loc else chosen.where,
            f"subagents[{sub.name}].model",
            "A subagent's requests go to its agent's endpoint: pick a model of provider "
            f"'{own.entry.provider}', or drop 'model' to use the agent's own."))
    agent_servers = {s.name: s for s in sel.servers}
    servers: list[tuple[str, tuple[str, ...] | None]] = []
    for i, use in enumerate(sub.mcp_servers or []):
        server = agent_servers.get(use.name)
        at = loc.pos("mcp_servers", i) if loc else chosen.where
        if server is None and sel.template:
            servers.append((use.name, tuple(use.tools) if use.tools is not None else None))
            continue
        if server is None:
            sel.problems.append(Diagnostic(
                "error", "E243", f"subagent '{sub.name}' uses MCP server '{use.name}', which "
                f"agent '{sel.agent}' does not", at, f"subagents[{sub.name}].mcp_servers[{i}]",
                f"Give agent '{sel.agent}' the server too, or drop it from the subagent "
                f"(selected at {chosen.where})."))
            continue
        allowed = server.tools
        for j, tool in enumerate(use.tools or []):
            if allowed is not None and tool not in allowed:
                sel.problems.append(Diagnostic(
                    "error", "E243", f"subagent '{sub.name}' uses tool '{tool}' of MCP server "
                    f"'{use.name}', which agent '{sel.agent}' may not call",
                    loc.pos("mcp_servers", i, "tools", j) if loc else chosen.where,
                    f"subagents[{sub.name}].mcp_servers[{i}].tools[{j}]",
                    f"Allow it on the agent ({', '.join(allowed) or 'no tools allowed'}), or "
                    "drop it from the subagent."))
        servers.append((use.name, tuple(use.tools) if use.tools is not None else allowed))
    return ResolvedSubagent(sub, chosen.where, chosen.path, loc,
                            model=model_loc.entry if model_loc else None,
                            servers=tuple(servers))
