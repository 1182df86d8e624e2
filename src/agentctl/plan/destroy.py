"""What ``destroy`` tears down, and the desired tree it plans against.

The agents to destroy are checked against the ledger (:func:`destroy_targets`); the
tree is the catalogue rendered without them and without agents torn down earlier
(:func:`destroy_tree`), so shared files stop naming them. The plan itself is
``make_plan(..., only_agents=targets, destroy=True)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from agentctl.diagnostics import Diagnostic, DiagnosticError, did_you_mean
from agentctl.plan.ledger import Ledger, applied_target
from agentctl.render.pipeline import build
from agentctl.support.tree import DesiredTree


def delete_blocker(name: str, ledger: Ledger) -> str | None:
    """Why ``name`` cannot be destroyed now, or None (seed: ``Agent.delete_blocker``)."""
    state = ledger.agents.get(name)
    if state is None or state.lifecycle in ("draft", "deprovisioned"):
        return "it has nothing rendered"
    return None


def destroy_targets(ledger: Ledger, agents: Sequence[str]) -> list[str]:
    """The agents to tear down: those of ``agents`` that can be (every destroyable one
    when ``agents`` is empty). Raises :class:`DiagnosticError` (E701) naming each of
    ``agents`` the ledger never recorded."""
    known = sorted(ledger.agents)
    problems = [
        Diagnostic("error", "E701", f"agent '{name}' was never applied",
                   detail=("Agents agentctl manages: " + (", ".join(known) or "none")
                           + "." + did_you_mean(name, known)))
        for name in agents if name not in ledger.agents
    ]
    if problems:
        raise DiagnosticError(problems)
    destroyable = [n for n in known if delete_blocker(n, ledger) is None]
    return [n for n in agents if n in destroyable] if agents else destroyable


def destroy_tree(
    directory: Path | None, explicit: bool, ledger: Ledger, targets: Sequence[str],
    target: str | None,
) -> DesiredTree:
    """The catalogue rendered for ``target`` (by default the one the ledger's files were
    rendered for) without ``targets`` and without agents torn down earlier, which shared
    files (compose.yaml, kustomization.yaml) would otherwise name.

    Destroying every agent needs no catalogue: when it cannot be built, the tree is
    empty. Otherwise its :class:`DiagnosticError` is raised.
    """
    destroyable = [n for n in sorted(ledger.agents) if delete_blocker(n, ledger) is None]
    gone = [n for n in sorted(ledger.agents) if n not in destroyable]
    chosen = target or applied_target(ledger)
    try:
        return build(directory, explicit=explicit, exclude=[*targets, *gone],
                     target=chosen).tree
    except DiagnosticError:
        if set(targets) != set(destroyable):
            raise
    return DesiredTree(target=chosen or "compose")
