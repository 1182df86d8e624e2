"""Gemini CLI (``@google/gemini-cli``).

Formats, from the shared ``reference/runtimes.md``, the settings schema in its bundle
(``google-gemini/gemini-cli schemas/settings.schema.json``) and its sources
(``packages/core/src/policy/config.ts``, ``packages/cli/src/config/auth.ts``); checked
against Gemini CLI 0.61 (the headless facts by ``tests/acceptance/test_headless.py``):

* instructions: ``GEMINI.md`` by default; ``context.fileName: ["AGENTS.md"]`` makes it
  read ``AGENTS.md``. Unknown top-level settings keys are rejected.
* ``.gemini/settings.json`` ``mcpServers``: stdio ``command``, ``args``, ``env``;
  remote ``url`` with ``type: http | sse`` (``httpUrl`` is deprecated); ``headers``,
  ``includeTools``.
* MCP tools are named ``mcp_<server>_<tool>``. Headless (``-p``) the policy engine
  denies whatever no rule allows, and denied tools are not even offered to the model.
  ``includeTools`` registers only the allow-listed tools, and the server's ``trust: true``
  (a policy rule allowing ``mcp_<server>_*``, outside plan mode) pre-approves them;
  ``tools.allowed`` would too, but 0.61 warns it is deprecated (removed in 1.0).
* auth: ``security.auth.selectedType`` (``gemini-api-key`` for an API key). Without it
  the type is guessed from the environment, and ``GOOGLE_GEMINI_BASE_URL`` makes that
  guess ``gateway``, which headless mode refuses ("Invalid auth method selected").
* placeholders: ``$VAR``, ``${VAR}`` and ``${VAR:-default}`` are expanded in every
  string, so the catalogue's form is kept.
* ``general.defaultApprovalMode``: default | auto_edit | plan. YOLO "can only be enabled
  via command line (--yolo or --approval-mode=yolo)", so ``full`` goes on the command.
* ``model.name``: bare Gemini model names. Project settings apply only in a trusted
  folder (``~/.gemini/trustedFolders.json``, or ``GEMINI_CLI_TRUST_WORKSPACE=true``).
* skills: ``.gemini/skills/<name>/``; auth env ``GEMINI_API_KEY``,
  ``GOOGLE_GEMINI_BASE_URL`` (without a version: the client appends ``/v1beta``).
* commands ``.gemini/commands/<name>.toml`` (``prompt`` with ``{{args}}``), hooks in
  settings ``hooks`` (``BeforeTool``, …; timeout in milliseconds; project hooks run only
  in a trusted folder), nested ``AGENTS.md`` loaded when a tool touches a path below it;
  checked headless on 0.61.0 (``tests/acceptance/test_primitives.py``). Its subagents
  (``.gemini/agents/*.md``) need an interactive acknowledgement per project: not rendered.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Any, ClassVar

import tomli_w

from agentctl.catalogue.primitives import ARGUMENTS
from agentctl.diagnostics import Diagnostic
from agentctl.runtimes.base import GENERATED_NOTE, BaseRuntime
from agentctl.runtimes.checks import effort_ignored
from agentctl.runtimes.common import (
    deep_merge,
    dump_json,
    endpoint,
    folder_rule_checks,
    folder_rule_files,
    hook_groups,
    server_env,
    server_headers,
    without_suffix,
)
from agentctl.runtimes.docs import RuntimeDocs
from agentctl.support.tree import FileSpec

if TYPE_CHECKING:
    from agentctl.catalogue.load import Located
    from agentctl.catalogue.primitives import Command, Hook
    from agentctl.catalogue.schema import Agent
    from agentctl.resolve import ResolvedAgent, ResolvedServer

#: Pinned Gemini CLI release the default service runs.
GEMINI_CLI_VERSION = "0.61.0"
SETTINGS_FILE = ".gemini/settings.json"
#: aegis permission → ``general.defaultApprovalMode`` (``full`` → ``--approval-mode=yolo``).
APPROVAL_MODES = {"read": "plan", "write": "auto_edit", "full": "yolo", "auto": "default"}
#: Credential kind → ``security.auth.selectedType``.
AUTH_TYPES = {"api_key": "gemini-api-key"}
#: agentctl hook event → Gemini CLI hook event (``hooks`` in settings; its
#: ``HookEventName``): an agent turn is ``BeforeAgent`` / ``AfterAgent``.
HOOK_EVENTS = {
    "before_tool": "BeforeTool", "after_tool": "AfterTool",
    "prompt_submit": "BeforeAgent", "stop": "AfterAgent",
    "session_start": "SessionStart", "session_end": "SessionEnd",
}


def hook_command(hook: Hook) -> str:
    """The hook's argv as the shell line Gemini CLI runs; a script ``./…`` is found
    through ``$GEMINI_PROJECT_DIR``, which Gemini replaces by the quoted project folder
    before running the line (``packages/core/src/hooks/hookRunner.ts``)."""
    program, *rest = hook.command
    first = ("$GEMINI_PROJECT_DIR/" + shlex.quote(program[2:]) if program.startswith("./")
             else shlex.quote(program))
    return " ".join([first, *(shlex.quote(a) for a in rest)])


def hook_settings(agent: ResolvedAgent) -> dict[str, Any]:
    """Settings ``hooks``: event → matcher groups; ``timeout`` in milliseconds."""
    return hook_groups(agent, HOOK_EVENTS, lambda chosen: {
        "name": chosen.name, "type": "command", "command": hook_command(chosen.entry),
        "timeout": chosen.entry.timeout * 1000})


def command_file(command: Command) -> bytes:
    """``.gemini/commands/<name>.toml``: ``description`` and ``prompt``, the catalogue's
    ``$ARGUMENTS`` written as Gemini's ``{{args}}``."""
    doc = {"description": command.description} if command.description else {}
    doc["prompt"] = command.prompt.replace(ARGUMENTS, "{{args}}")
    return tomli_w.dumps(doc, multiline_strings=True).encode()


def mcp_entry(server: ResolvedServer) -> dict[str, Any]:
    """One ``mcpServers`` entry; placeholders stay ``${VAR}`` (Gemini expands them)."""
    s = server.server
    entry: dict[str, Any]
    if s.transport == "stdio":
        entry = {"command": s.command, "args": list(s.args)}
        env = server_env(server)
        if env:
            # Gemini passes a stdio server only a sanitised environment: name what it needs.
            entry["env"] = env
    else:
        entry = {"url": server.url, "type": s.transport}
        headers = server_headers(server)
        if headers:
            entry["headers"] = headers
    if server.tools is not None:
        entry["includeTools"] = list(server.tools)
    # Only the allow-listed tools are registered: trusting the server pre-approves them.
    entry["trust"] = True
    return entry


class GeminiCli(BaseRuntime):
    """Renders ``.gemini/settings.json`` and skills under ``.gemini/skills``."""

    name: ClassVar[str] = "gemini-cli"
    # Gemini's OAuth is Google's interactive login (cached under ~/.gemini), not an env var.
    credential_envs: ClassVar[dict[str, str]] = {"api_key": "GEMINI_API_KEY"}
    skills_dir: ClassVar[str] = ".gemini/skills"
    backends: ClassVar[frozenset[str]] = frozenset({"gemini"})
    npm_package: ClassVar[str] = "@google/gemini-cli"
    docs: ClassVar[RuntimeDocs] = RuntimeDocs(
        instructions="`AGENTS.md` via `context.fileName`",
        mcp_config="`.gemini/settings.json` `mcpServers`",
        placeholder="`${VAR}`",
        transports_note="(`url` + `type`)",
        tool_allow_list="`includeTools` + `trust: true`",
        server_approval="`GEMINI_CLI_TRUST_WORKSPACE=true`",
        endpoint="`GOOGLE_GEMINI_BASE_URL`; `security.auth.selectedType` from the credential "
        "kind",
        permissions="`defaultApprovalMode` plan / auto_edit / `--approval-mode=yolo` / default",
        effort="warning, ignored",
        model_handle="bare Gemini name",
        commands="`.gemini/commands/<name>.toml` (`{{args}}`)",
        hooks="`settings.json` `hooks` (BeforeTool, …)",
        rules="`<folder>/AGENTS.md` (paths `<folder>/**`)",
        last_proven=GEMINI_CLI_VERSION,
    )
    version: ClassVar[str] = GEMINI_CLI_VERSION
    program: ClassVar[str] = "gemini"
    primitives: ClassVar[frozenset[str]] = frozenset({"commands", "hooks", "rules"})

    def check(self, agent: ResolvedAgent, located: Located[Agent]) -> list[Diagnostic]:
        """Base checks, rules it cannot scope; Gemini expands every placeholder form."""
        out = super().check(agent, located)
        if agent.effort:
            out.append(effort_ignored(self.name, agent, located))
        return [*out, *folder_rule_checks(self.name, agent)]

    def settings(self, agent: ResolvedAgent) -> dict[str, Any]:
        """The settings.json document, ``agent.settings`` merged in."""
        doc: dict[str, Any] = {"context": {"fileName": ["AGENTS.md"]}}
        mode = APPROVAL_MODES.get(agent.permission or "")
        if mode and mode != "yolo":
            doc["general"] = {"defaultApprovalMode": mode}
        handle = self.model_handle(agent)
        if handle:
            doc["model"] = {"name": handle}
        cred = agent.inference_credential
        if agent.model is not None and cred is not None and cred.kind in AUTH_TYPES:
            doc["security"] = {"auth": {"selectedType": AUTH_TYPES[cred.kind]}}
        if agent.mcp_servers:
            doc["mcpServers"] = {s.name: mcp_entry(s) for s in agent.mcp_servers}
        hooks = hook_settings(agent)
        if hooks:
            doc["hooks"] = hooks
        return deep_merge(doc, agent.settings)

    def runtime_files(self, agent: ResolvedAgent) -> dict[str, FileSpec]:
        """``.gemini/settings.json``."""
        return {SETTINGS_FILE: FileSpec(dump_json(self.settings(agent)))}

    def primitive_files(self, agent: ResolvedAgent) -> dict[str, FileSpec]:
        """``.gemini/commands/<name>.toml`` per command (hooks go into settings), and
        ``<folder>/AGENTS.md`` per rule folder: ``context.fileName`` names ``AGENTS.md``,
        and Gemini loads such a file once a tool touches a path below its folder
        (``loadJitSubdirectoryMemory`` in 0.61)."""
        files = folder_rule_files(agent, GENERATED_NOTE)
        files.update({f".gemini/commands/{c.name}.toml": FileSpec(command_file(c.entry))
                      for c in agent.primitives.commands})
        return files

    def service_environment(self, agent: ResolvedAgent) -> dict[str, str]:
        """Trust the mounted workspace, and ``GOOGLE_GEMINI_BASE_URL`` for a custom endpoint.

        Gemini ignores project settings in an untrusted folder; the service's one folder
        is the agent's own workspace, so ``GEMINI_CLI_TRUST_WORKSPACE=true`` (read by its
        ``checkPathTrust``) trusts it without a ``trustedFolders.json``.
        """
        env = {"GEMINI_CLI_TRUST_WORKSPACE": "true"}
        url = endpoint(agent)
        if agent.provider is not None and agent.provider.base_url and url:
            env["GOOGLE_GEMINI_BASE_URL"] = without_suffix(url, "/v1beta")
        return env

    def cli_args(self, agent: ResolvedAgent) -> list[str]:
        """``full`` is ``--approval-mode=yolo``: settings cannot select YOLO."""
        return ["--approval-mode=yolo"] if agent.permission == "full" else []
