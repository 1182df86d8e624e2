"""The fleet as a graph: agents, the templates they extend, models, providers, skills,
MCP servers and the tools each agent may call.

:func:`fleet_graph` turns a resolved project into a :class:`Graph` (plain data, sorted),
which :func:`to_mermaid` (Mermaid ``flowchart``, rendered by GitHub in Markdown) and
:func:`to_dot` (Graphviz DOT) print. Nodes are grouped by kind, one group per kind, in
a fixed order; within a group they are sorted by name; so the same catalogue always
gives the same text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from msgspec import Struct, field

from agentctl.catalogue.load import Catalogue
from agentctl.resolve import ResolvedProject

#: Node kinds in display order, with their group titles.
KIND_TITLES = {
    "agent": "Agents",
    "template": "Templates",
    "model": "Models",
    "provider": "Providers",
    "skill": "Skills",
    "mcp": "MCP servers",
}


class Node(Struct, frozen=True, order=True):
    """One node: ``kind`` (a key of :data:`KIND_TITLES`), ``name`` and a short ``note``."""

    kind: str
    name: str
    note: str = ""

    @property
    def id(self) -> str:
        """An identifier safe in Mermaid and DOT: ``kind_name`` with other characters as _."""
        return re.sub(r"[^A-Za-z0-9_]", "_", f"{self.kind}_{self.name}")

    @property
    def label(self) -> str:
        """The node's text: its name, then the note on a second line when there is one."""
        return f"{self.name}\n{self.note}" if self.note else self.name


class Edge(Struct, frozen=True, order=True):
    """``source`` → ``target`` (node ids) with a ``label``; ``dashed`` for ``extends``."""

    source: str
    target: str
    label: str = ""
    dashed: bool = False


class Graph(Struct):
    """Nodes and edges, sorted; built by :func:`fleet_graph`."""

    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    def groups(self) -> list[tuple[str, list[Node]]]:
        """Non-empty groups of nodes as ``(kind, nodes)`` in :data:`KIND_TITLES` order."""
        result = []
        for kind in KIND_TITLES:
            members = sorted(n for n in self.nodes if n.kind == kind)
            if members:
                result.append((kind, members))
        return result


def _tools_label(tools: tuple[str, ...] | None) -> str:
    if tools is None:
        return "all tools"
    return ", ".join(tools) if tools else "no tools"


def fleet_graph(resolved: ResolvedProject) -> Graph:
    """Build the graph of ``resolved``: rendered agents and everything they use.

    Templates appear as the targets of dashed ``extends`` edges (their own ``extends``
    chain included); models, providers, skills and MCP servers appear when an agent uses
    them. An agent → MCP server edge is labelled with the tools the agent may call; the
    other edges need no label, as the group of their target says what it is.
    """
    nodes: dict[str, Node] = {}
    edges: set[Edge] = set()

    def add(node: Node) -> str:
        nodes.setdefault(node.id, node)
        return node.id

    catalogue = resolved.catalogue
    for name, agent in sorted(resolved.agents.items()):
        me = add(Node("agent", name, agent.runtime))
        if agent.model is not None:
            model = add(Node("model", agent.model.name, agent.model.status
                             if agent.model.status != "active" else ""))
            edges.add(Edge(me, model))
            if agent.provider is not None:
                p = agent.provider
                provider = add(Node("provider", p.name, p.backend if p.backend != p.name else ""))
                edges.add(Edge(model, provider))
        for skill in agent.skills:
            edges.add(Edge(me, add(Node("skill", skill.name))))
        for server in agent.mcp_servers:
            mcp = add(Node("mcp", server.server.name, server.server.transport))
            edges.add(Edge(me, mcp, _tools_label(server.tools)))
    for name in sorted(resolved.agents):
        _extends_chain(catalogue, name, add, edges)
    return Graph(sorted(nodes.values()), sorted(edges))


def _extends_chain(
    catalogue: Catalogue, name: str, add: Callable[[Node], str], edges: set[Edge]
) -> None:
    """Add dashed ``extends`` edges from agent ``name`` up its chain of parents."""
    child, seen = Node("agent", name).id, {name}
    while True:
        parent_name = catalogue.agents[name].entry.extends
        if parent_name is None or parent_name in seen or parent_name not in catalogue.agents:
            return
        entry = catalogue.agents[parent_name].entry
        kind = "template" if entry.is_template else "agent"
        parent = add(Node(kind, parent_name, entry.runtime or ""))
        edges.add(Edge(child, parent, "extends", dashed=True))
        child, name = parent, parent_name
        seen.add(name)


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;").replace("\n", "<br/>")


def to_mermaid(graph: Graph) -> str:
    """Mermaid ``flowchart LR``: one ``subgraph`` per kind, dashed ``extends`` edges."""
    lines = ["flowchart LR"]
    for kind, members in graph.groups():
        lines.append(f'  subgraph {kind}s["{KIND_TITLES[kind]}"]')
        for node in members:
            shape = ('(["', '"])') if kind in ("agent", "template") else ('["', '"]')
            lines.append(f"    {node.id}{shape[0]}{_mermaid_text(node.label)}{shape[1]}")
        lines.append("  end")
    for edge in graph.edges:
        arrow = "-.->" if edge.dashed else "-->"
        label = f'|"{_mermaid_text(edge.label)}"|' if edge.label else ""
        lines.append(f"  {edge.source} {arrow}{label} {edge.target}")
    return "\n".join(lines) + "\n"


def _dot_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(graph: Graph) -> str:
    """Graphviz DOT: ``digraph agentctl``, one ``cluster_<kind>`` subgraph per kind."""
    lines = ["digraph agentctl {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];',
             '  edge [fontname="Helvetica", fontsize=10];']
    for kind, members in graph.groups():
        lines.append(f"  subgraph cluster_{kind} {{")
        lines.append(f"    label={_dot_string(KIND_TITLES[kind])};")
        style = "rounded,dashed" if kind == "template" else "rounded" if kind == "agent" else ""
        for node in members:
            attrs = f"label={_dot_string(node.label)}"
            if style:
                attrs += f", style={_dot_string(style)}"
            lines.append(f"    {node.id} [{attrs}];")
        lines.append("  }")
    for edge in graph.edges:
        attrs = f"label={_dot_string(edge.label)}"
        if edge.dashed:
            attrs += ", style=dashed"
        lines.append(f"  {edge.source} -> {edge.target} [{attrs}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
