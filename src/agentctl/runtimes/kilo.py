"""Kilo Code CLI (``@kilocode/cli``, program ``kilo``), a fork of OpenCode.

Formats, from the package's own binary (``@kilocode/cli-linux-x64`` 7.7.7: its config
loader and skill discovery) and checked headless with 7.7.7
(``tests/acceptance/test_headless.py``):

* the config document is OpenCode's (:mod:`agentctl.runtimes.opencode`: ``mcp``,
  ``provider``, ``model`` as ``provider/model``, ``permission`` carrying the MCP tool
  allow-list, ``{env:VAR}`` placeholders);
* but a project config (``kilo.json``, ``kilo.jsonc``, ``opencode.json`` and
  ``opencode.jsonc`` found upwards from the working folder, and those under ``.kilo/``)
  is untrusted: any ``{env:VAR}`` in it is refused ("environment references are not
  allowed in project config"). The file named by ``KILO_CONFIG`` is trusted, so the
  config is rendered as :data:`CONFIG_FILE` (a name Kilo does not discover) and
  ``KILO_CONFIG`` points at it;
* skills: ``.kilo/skills/<name>/``; instructions ``AGENTS.md``;
* ``KILO_DISABLE_AUTOUPDATE`` keeps a service from updating itself.

Subagents, commands, hooks and scoped rules are not claimed (refused, E530): none is
proven for Kilo here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from agentctl.runtimes.docs import RuntimeDocs
from agentctl.runtimes.opencode import OpenCode
from agentctl.support.tree import FileSpec

if TYPE_CHECKING:
    from agentctl.catalogue.load import Located
    from agentctl.catalogue.schema import Agent
    from agentctl.diagnostics import Diagnostic
    from agentctl.resolve import ResolvedAgent

#: Pinned Kilo Code CLI release the default service runs.
KILO_VERSION = "7.7.7"
#: The rendered config, named by ``KILO_CONFIG`` (not a name Kilo finds by itself).
CONFIG_FILE = "agentctl.kilo.json"


class Kilo(OpenCode):
    """Renders OpenCode's config as :data:`CONFIG_FILE` and skills under ``.kilo/skills``."""

    name: ClassVar[str] = "kilo"
    skills_dir: ClassVar[str] = ".kilo/skills"
    npm_package: ClassVar[str] = "@kilocode/cli"
    docs: ClassVar[RuntimeDocs] = RuntimeDocs(
        mcp_config=f"`{CONFIG_FILE}` `mcp` (`KILO_CONFIG`)",
        placeholder="`{env:VAR}`",
        transports_note="(`remote`)",
        tool_allow_list="`permission` `s_*: deny`, `s_t: allow`",
        server_approval="`enabled: true`; trusted through `KILO_CONFIG`",
        endpoint="`provider.<id>.options.baseURL`, with its API version",
        permissions="`permission` edit+bash deny / edit allow, bash ask / `*` allow / defaults",
        effort="warning, ignored",
        model_handle="`provider/model`",
        last_proven=KILO_VERSION,
    )
    version: ClassVar[str] = KILO_VERSION
    program: ClassVar[str] = "kilo"
    primitives: ClassVar[frozenset[str]] = frozenset()

    def runtime_files(self, agent: ResolvedAgent) -> dict[str, FileSpec]:
        """OpenCode's config document as :data:`CONFIG_FILE`."""
        return {CONFIG_FILE: super().runtime_files(agent)["opencode.json"]}

    def check(self, agent: ResolvedAgent, located: Located[Agent]) -> list[Diagnostic]:
        """OpenCode's checks without its rule-folder check (E531): Kilo refuses rules
        outright (E530)."""
        return [d for d in super().check(agent, located) if d.code != "E531"]

    def primitive_files(self, agent: ResolvedAgent) -> dict[str, FileSpec]:
        """None: Kilo claims no primitive."""
        return {}

    def service_environment(self, agent: ResolvedAgent) -> dict[str, str]:
        """``KILO_CONFIG`` naming the rendered config; no self-update."""
        return {"KILO_CONFIG": f"/workspace/{CONFIG_FILE}", "KILO_DISABLE_AUTOUPDATE": "1"}
