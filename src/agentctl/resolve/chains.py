"""``extends`` chains: each agent's effective fields, its parent's with its own laid over.

A field set on the child replaces the parent's; mapping fields (:data:`MERGED_FIELDS`)
merge key by key, the child winning; :data:`NOT_INHERITED` fields stay with their agent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agentctl.catalogue.load import Catalogue, Located
from agentctl.catalogue.schema import Agent
from agentctl.diagnostics import Diagnostic, did_you_mean

#: Fields merged key by key along an ``extends`` chain.
MERGED_FIELDS = ("workspace_inputs", "service_inputs", "settings")
NOT_INHERITED = ("name", "is_template", "extends", "description")


class Chains:
    """Each agent's effective fields along its ``extends`` chain, each computed once.

    An agent's fields are its parent's effective fields (minus :data:`NOT_INHERITED`)
    with its own laid over them, so a chain of n agents costs n steps in all, not n per
    agent. A broken link (unknown parent, a cycle) is reported once, where it is written;
    every agent below it is then left out without an error of its own. A parent refused
    by its own checks (``Catalogue.broken``) leaves its children out silently.
    """

    def __init__(self, cat: Catalogue, problems: list[Diagnostic]) -> None:
        self.cat = cat
        self.problems = problems
        self.memo: dict[str, tuple[dict[str, Any], dict[str, Located[Agent]]] | None] = {}
        # confine() of a template folder many agents share, once per resolve.
        self.folders: dict[tuple[Path, str], str | None] = {}

    def merged(
        self, name: str
    ) -> tuple[dict[str, Any], dict[str, Located[Agent]]] | None:
        """(effective fields, the agent each was taken from), or None when unresolvable."""
        agents = self.cat.agents
        path: list[Located[Agent]] = []
        on_path: dict[str, int] = {}
        current = name
        base: tuple[dict[str, Any], dict[str, Located[Agent]]] | None = ({}, {})
        while True:
            if current in self.memo:
                base = self.memo[current]
                break
            if current in on_path:
                cycle = [p.entry.name for p in path[on_path[current]:]]
                last = path[-1]
                self.problems.append(Diagnostic(
                    "error", "E202", "'extends' forms a cycle: " + " → ".join(
                        [*cycle, current]), last.pos("extends"),
                    f"agents[{last.entry.name}].extends",
                    "Break the cycle: one of these agents must not extend another."))
                base = None
                break
            link = agents[current]
            on_path[current] = len(path)
            path.append(link)
            parent = link.entry.extends
            if not parent:
                break
            if parent not in agents:
                if not self.cat.is_broken("agents", parent):
                    self.problems.append(Diagnostic(
                        "error", "E201", f"extends unknown agent '{parent}'",
                        link.pos("extends"), f"agents[{current}].extends",
                        ("Define it under 'agents:'." + did_you_mean(parent, agents)).strip()))
                base = None
                break
            current = parent
        for link in reversed(path):
            base = None if base is None else overlay(base, link)
            self.memo[link.entry.name] = base
        return self.memo[name]


def overlay(
    parent: tuple[dict[str, Any], dict[str, Located[Agent]]], link: Located[Agent]
) -> tuple[dict[str, Any], dict[str, Located[Agent]]]:
    """``link``'s own fields laid over its parent's effective ones (see :class:`_Chains`)."""
    values = {k: v for k, v in parent[0].items() if k not in NOT_INHERITED}
    owners = {k: v for k, v in parent[1].items() if k not in NOT_INHERITED}
    entry = link.entry
    for name in entry.model_fields_set:
        value = getattr(entry, name)
        # instructions and instructions_file are one setting: the nearer one wins.
        twin = {"instructions": "instructions_file", "instructions_file": "instructions"}.get(name)
        if twin and owners.get(twin) is not link:
            values.pop(twin, None)
            owners.pop(twin, None)
        if name in MERGED_FIELDS and isinstance(values.get(name), dict) and value is not None:
            values[name] = {**values[name], **value}
        else:
            values[name] = value
        owners[name] = link
    return values, owners
