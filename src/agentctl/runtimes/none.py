"""``none``: a workspace-only agent (seed: "none renders no service").

The workspace gets ``AGENTS.md`` and the skills under ``.agents/skills/`` (the
cross-runtime folder Codex and Antigravity read); no service, no env file, and so no
credential is needed.
"""

from __future__ import annotations

from typing import ClassVar

from agentctl.runtimes.base import BaseRuntime


class NoRuntime(BaseRuntime):
    """Files only."""

    name: ClassVar[str] = "none"
    renders_service: ClassVar[bool] = False
    skills_dir: ClassVar[str] = ".agents/skills"
