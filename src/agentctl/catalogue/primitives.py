"""The rest of the agent: subagents, commands, hooks and scoped rules, as catalogue kinds.

Each is a catalogue section of its own (:data:`PRIMITIVE_KINDS`) that agents select by
name, like skills (``subagents:``, ``commands:``, ``hooks:``, ``rules:`` on an agent,
inherited through ``extends``). What each becomes in a runtime's workspace is the
runtime's business (:mod:`agentctl.runtimes`); a runtime without an equivalent refuses
the selection at validate time.

* :class:`Subagent`: a named role with its own description, instructions, tool and MCP
  subset and model (Claude Code ``.claude/agents/<name>.md``, OpenCode
  ``.opencode/agent/<name>.md`` with ``mode: subagent``).
* :class:`Command`: a reusable slash command whose text takes the user's arguments
  where it writes ``$ARGUMENTS`` (Claude Code and OpenCode keep that form; Gemini CLI
  writes ``{{args}}``).
* :class:`Hook`: a program run on an event (before a tool call, …) with a matcher and a
  timeout. Hook commands come from the catalogue, so from whoever can change it (a pull
  request): they are an argv (never a shell line) and run only inside the agent's own
  runtime, on the agent's machine or container.
* :class:`Rule`: instructions that apply to files matching glob patterns (Claude Code
  ``.claude/rules/<name>.md`` with ``paths:``).
"""


from typing import Literal

from pydantic import Field, field_validator, model_validator

from agentctl.catalogue.schema import ENTRY_MODELS, KINDS, AgentMCPServer, Entry, ModelHandle, Name

#: The catalogue sections of this module, in rendering order.
PRIMITIVE_KINDS = ("subagents", "commands", "hooks", "rules")
#: The events a hook can run on (each runtime maps them to its own names).
HookEvent = Literal[
    "before_tool", "after_tool", "prompt_submit", "stop", "session_start", "session_end"
]
#: Events whose hooks match tool names.
TOOL_EVENTS = ("before_tool", "after_tool")
#: The placeholder a command's text takes the user's arguments at.
ARGUMENTS = "$ARGUMENTS"


class Subagent(Entry):
    """A role the agent can hand work to, with its own instructions, tools and model."""

    name: Name = Field(description="Unique subagent name; the role's name in the runtime.")
    description: str = Field(
        min_length=1, description="When to use this subagent (the runtime shows it to the model)."
    )
    instructions: str = Field(min_length=1, description="The subagent's system prompt.")
    tools: list[str] | None = Field(
        None, description="The runtime's built-in tools it may use (`Read`, `Grep`, …); "
        "omitted: the runtime's default for subagents."
    )
    mcp_servers: list[AgentMCPServer] | None = Field(
        None, description="MCP servers (name or {name, tools}) of the agent it may use."
    )
    model: ModelHandle | None = Field(
        None, description="A model handle from `models`; omitted: the agent's own model."
    )

    @field_validator("mcp_servers", mode="before")
    @classmethod
    def _server_shorthand(cls, value: object) -> object:
        if isinstance(value, list):
            return [{"name": v} if isinstance(v, str) else v for v in value]
        return value


class Command(Entry):
    """A reusable slash command (``/<name> <arguments>``)."""

    name: Name = Field(description="Unique command name: the user types `/<name>`.")
    description: str | None = Field(None, description="What the command does (shown in lists).")
    prompt: str = Field(
        min_length=1, description="The prompt the command stands for; `$ARGUMENTS` is where "
        "the user's arguments go."
    )


class Hook(Entry):
    """A program the runtime runs on an event, such as before a tool call."""

    name: Name = Field(description="Unique hook name.")
    description: str | None = Field(None, description="What the hook checks or does.")
    event: HookEvent = Field(
        description="before_tool | after_tool | prompt_submit | stop | session_start | "
        "session_end, mapped to the runtime's own event names."
    )
    matcher: str | None = Field(
        None, min_length=1, description="For tool events: a regular expression over tool "
        "names as the runtime names them (`Bash`, `mcp__server__tool`); omitted: every tool."
    )
    command: list[str] = Field(
        min_length=1, description="The program and its arguments (an argv, never a shell "
        "line). A first item starting `./` is a script inside the agent's workspace."
    )
    timeout: int = Field(60, ge=1, le=3600, description="Seconds the runtime waits for it.")

    @field_validator("command")
    @classmethod
    def _program(cls, value: list[str]) -> list[str]:
        if not value[0].strip():
            raise ValueError("the command's first item must name a program")
        if value[0].startswith("./") and ".." in value[0].split("/"):
            raise ValueError("a script path must stay inside the workspace: drop '..'")
        if any("\0" in part or "\n" in part for part in value):
            raise ValueError("command items must not hold NUL or line breaks")
        return value

    @model_validator(mode="after")
    def _matcher_on_tool_events(self) -> "Hook":
        if self.matcher is not None and self.event not in TOOL_EVENTS:
            raise ValueError(f"'matcher' applies to tool events only ({', '.join(TOOL_EVENTS)})")
        return self


class Rule(Entry):
    """Instructions that apply to files matching glob patterns."""

    name: Name = Field(description="Unique rule name.")
    description: str | None = Field(None, description="What the rule is about.")
    paths: list[str] = Field(
        min_length=1, description="Glob patterns relative to the workspace (`src/**/*.py`)."
    )
    instructions: str = Field(min_length=1, description="The instructions for those files.")

    @field_validator("paths")
    @classmethod
    def _relative(cls, value: list[str]) -> list[str]:
        for glob in value:
            if not glob or glob.startswith("/") or ".." in glob.split("/"):
                raise ValueError(f"path '{glob}' must be a glob relative to the workspace, "
                                 "without '..'")
        return value


#: Catalogue section → entry model.
PRIMITIVE_MODELS: dict[str, type[Entry]] = {
    "subagents": Subagent,
    "commands": Command,
    "hooks": Hook,
    "rules": Rule,
}
#: Every catalogue section, in rendering order (agents last: they select the others).
CATALOGUE_KINDS = (*(k for k in KINDS if k != "agents"), *PRIMITIVE_KINDS, "agents")
#: Catalogue section → entry model, the primitives' sections included.
CATALOGUE_MODELS: dict[str, type[Entry]] = {**ENTRY_MODELS, **PRIMITIVE_MODELS}
