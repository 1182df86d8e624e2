"""``none``: a workspace-only agent (seed: "none renders no service").

The workspace gets ``AGENTS.md`` and the skills under ``.agents/skills/`` (the
cross-runtime folder Codex and Antigravity read); no service, no env file, and so no
credential is needed. Fields that only configure a running agent (its model, MCP
servers, permission, effort, settings, service inputs) have nowhere to go: each one set
is warned about (``W510``), where it is written, rather than dropped in silence.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from agentctl.diagnostics import Diagnostic
from agentctl.runtimes import runtime_names
from agentctl.runtimes.base import BaseRuntime
from agentctl.runtimes.checks import primitive_checks

if TYPE_CHECKING:
    from agentctl.catalogue.load import Located
    from agentctl.catalogue.schema import Agent
    from agentctl.resolve import ResolvedAgent


class NoRuntime(BaseRuntime):
    """Files only."""

    name: ClassVar[str] = "none"
    renders_service: ClassVar[bool] = False
    skills_dir: ClassVar[str] = ".agents/skills"
    codes: ClassVar[Mapping[str, str]] = {"W510": "Runtime ignores a field it cannot use"}
    #: Agent fields this runtime renders nothing from.
    ignored_fields: ClassVar[tuple[str, ...]] = (
        "model", "inference_credential", "mcp_servers", "permission", "effort", "settings",
        "service_inputs",
    )

    def check(self, agent: ResolvedAgent, located: Located[Agent]) -> list[Diagnostic]:
        """One ``W510`` per field set (here or through ``extends``) that nothing renders,
        and E530 for each subagent, command, hook or rule (nothing runs them)."""
        values = {
            "model": agent.model,
            "inference_credential": located.entry.inference_credential,
            "mcp_servers": agent.mcp_servers,
            "permission": agent.permission,
            "effort": agent.effort,
            "settings": agent.settings,
            "service_inputs": agent.service_inputs,
        }
        out = []
        for field in self.ignored_fields:
            if not values[field]:
                continue
            others = ", ".join(n for n in runtime_names() if n != self.name)
            own = field in located.entry.model_fields_set
            out.append(Diagnostic(
                "warning", "W510", f"runtime none ignores '{field}'"
                + ("" if own else " (inherited through 'extends')"),
                located.pos(field, key=True) if own else located.pos(),
                f"agents[{agent.name}].{field}",
                "A workspace-only agent runs nothing that could use it: remove it, or pick "
                f"a runtime that does ({others})."))
        return [*primitive_checks(self, agent), *out]
