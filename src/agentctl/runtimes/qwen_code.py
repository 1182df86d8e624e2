"""Qwen Code (``@qwen-code/qwen-code``), a Gemini CLI fork on OpenAI-compatible providers.

Formats, from the documentation bundled in the package (``bundled/qc-helper/docs``:
``configuration/settings.md``, ``configuration/auth.md``, ``features/mcp.md``) and its
sources (``packages/cli/src/config/mcpApprovals.ts``); checked against Qwen Code 0.24.4
(the headless facts by ``tests/acceptance/test_headless.py``):

* ``.qwen/settings.json``: ``context.fileName: ["AGENTS.md"]`` (``QWEN.md`` by default),
  ``model.name``, ``security.auth.selectedType: "openai"``, ``tools.approvalMode``
  (plan | default | auto-edit | auto | yolo). Folder trust is off unless a user enables it.
* MCP servers of the project or workspace scope stay "Pending approval" until a person
  approves each in ``/mcp`` (a decision stored per config hash in
  ``~/.qwen/mcpApprovals.json``); the system scope is not gated. So the servers go into
  a system settings file of the workspace (:data:`MCP_FILE`), which
  ``QWEN_CODE_SYSTEM_SETTINGS_PATH`` names: they load headless without a question.
* ``mcpServers`` entries as in Gemini CLI (:func:`agentctl.runtimes.gemini_cli.mcp_entry`)
  except the transport key: streamable HTTP is ``httpUrl`` (a ``url`` is SSE whatever
  ``type`` says). ``includeTools`` registers only the allow-listed tools and ``trust:
  true`` pre-approves them. MCP tools are named ``mcp__<server>__<tool>`` and offered
  through ``tool_search`` / ``tool_call`` (listed in a system reminder).
* placeholders: ``$VAR`` and ``${VAR}`` in ``env`` and ``headers``; ``${VAR:-default}``
  is sent as written, so a default cannot be expressed.
* auth env: ``OPENAI_API_KEY``, ``OPENAI_BASE_URL`` (with ``/v1``), ``OPENAI_MODEL``.
* skills: ``.qwen/skills/<name>/``.
* Every settings file carries ``"$version"`` (:data:`SETTINGS_VERSION`); a file without
  it (or with an older one) is migrated and rewritten in place at start-up, which would
  read as a hand edit. With the current version written first, the file is left as is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from agentctl.runtimes import gemini_cli
from agentctl.runtimes.base import BaseRuntime
from agentctl.runtimes.checks import effort_ignored
from agentctl.runtimes.common import (
    deep_merge,
    default_placeholder_errors,
    dump_json,
    endpoint,
    with_suffix,
)
from agentctl.runtimes.docs import RuntimeDocs
from agentctl.support.tree import FileSpec

if TYPE_CHECKING:
    from agentctl.catalogue.load import Located
    from agentctl.catalogue.schema import Agent
    from agentctl.diagnostics import Diagnostic
    from agentctl.resolve import ResolvedAgent, ResolvedServer

#: Pinned Qwen Code release the default service runs.
QWEN_CODE_VERSION = "0.24.4"
SETTINGS_FILE = ".qwen/settings.json"
#: The system settings file holding ``mcpServers`` (system scope: no approval gate).
MCP_FILE = ".qwen/system-settings.json"
#: The settings format Qwen Code 0.24 writes (``"$version"``).
SETTINGS_VERSION = 4
#: aegis permission → ``tools.approvalMode``.
APPROVAL_MODES = {"read": "plan", "write": "auto-edit", "full": "yolo", "auto": "default"}


def mcp_entry(server: ResolvedServer) -> dict[str, Any]:
    """Gemini CLI's entry with Qwen Code's transport keys: ``httpUrl`` for streamable
    HTTP, ``url`` for SSE, no ``type``."""
    entry = gemini_cli.mcp_entry(server)
    transport = entry.pop("type", None)
    if transport == "http":
        entry = {"httpUrl": entry.pop("url"), **entry}
    return entry


class QwenCode(BaseRuntime):
    """Renders ``.qwen/settings.json``, the MCP servers' system settings file and skills
    under ``.qwen/skills``."""

    name: ClassVar[str] = "qwen-code"
    # The OpenAI client sends the key as a bearer token: a gateway's bearer fits too.
    credential_envs: ClassVar[dict[str, str]] = {"api_key": "OPENAI_API_KEY",
                                                 "bearer": "OPENAI_API_KEY"}
    skills_dir: ClassVar[str] = ".qwen/skills"
    backends: ClassVar[frozenset[str]] = frozenset(
        {"openai", "openai-compatible", "ollama", "openrouter"})
    npm_package: ClassVar[str] = "@qwen-code/qwen-code"
    docs: ClassVar[RuntimeDocs] = RuntimeDocs(
        instructions="`AGENTS.md` via `context.fileName`",
        mcp_config="`.qwen/system-settings.json` `mcpServers`",
        placeholder="`${VAR}` (no default)",
        transports_note="(`httpUrl` / `url`)",
        tool_allow_list="`includeTools` + `trust: true`",
        server_approval="system scope via `QWEN_CODE_SYSTEM_SETTINGS_PATH`",
        endpoint="`OPENAI_BASE_URL`, with `/v1`",
        permissions="`tools.approvalMode` plan / auto-edit / yolo / default",
        effort="warning, ignored",
        model_handle="provider model id",
        last_proven=QWEN_CODE_VERSION,
    )
    version: ClassVar[str] = QWEN_CODE_VERSION
    program: ClassVar[str] = "qwen"

    def check(self, agent: ResolvedAgent, located: Located[Agent]) -> list[Diagnostic]:
        """Base checks, placeholder defaults Qwen Code does not expand, ignored effort."""
        out = super().check(agent, located)
        out.extend(default_placeholder_errors(
            self.name, agent, located, "Qwen Code expands only $VAR and ${VAR}"))
        if agent.effort:
            out.append(effort_ignored(self.name, agent, located))
        return out

    def settings(self, agent: ResolvedAgent) -> dict[str, Any]:
        """The settings.json document, ``agent.settings`` merged in."""
        doc: dict[str, Any] = {"$version": SETTINGS_VERSION,
                               "context": {"fileName": ["AGENTS.md"]}}
        mode = APPROVAL_MODES.get(agent.permission or "")
        if mode:
            doc["tools"] = {"approvalMode": mode}
        handle = self.model_handle(agent)
        if handle:
            doc["model"] = {"name": handle}
        if agent.model is not None:
            doc["security"] = {"auth": {"selectedType": "openai"}}
        return deep_merge(doc, agent.settings)

    def runtime_files(self, agent: ResolvedAgent) -> dict[str, FileSpec]:
        """``.qwen/settings.json``, and the system settings file with ``mcpServers``."""
        files = {SETTINGS_FILE: FileSpec(dump_json(self.settings(agent)))}
        if agent.mcp_servers:
            servers = {s.name: mcp_entry(s) for s in agent.mcp_servers}
            files[MCP_FILE] = FileSpec(dump_json({"$version": SETTINGS_VERSION,
                                                  "mcpServers": servers}))
        return files

    def service_environment(self, agent: ResolvedAgent) -> dict[str, str]:
        """The MCP servers' settings file, ``OPENAI_BASE_URL`` and ``OPENAI_MODEL``."""
        env: dict[str, str] = {}
        if agent.mcp_servers:
            env["QWEN_CODE_SYSTEM_SETTINGS_PATH"] = f"/workspace/{MCP_FILE}"
        url, handle = endpoint(agent), self.model_handle(agent)
        if agent.provider is not None and url:
            env["OPENAI_BASE_URL"] = with_suffix(url, "/v1")
        if handle:
            env["OPENAI_MODEL"] = handle
        return env
