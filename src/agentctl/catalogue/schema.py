"""The catalogue schema: every kind of the agent catalogue, as pydantic models.

The kinds follow the Angee agent catalogue (``angee.agents.models``): inference
providers and their models, credentials (references to secrets, never values), MCP
servers and their tools, skills (SKILL.md folders) and agents (or agent templates).
A catalogue file is a YAML mapping whose top-level keys are the plural kind names
(:data:`KINDS`), each holding a list of entries. Every model forbids unknown keys.

Only *what is written* is modelled here; defaults that depend on other entries
(``extends``, credentials chains) are applied by :mod:`agentctl.resolve`.
"""


import re
from typing import Annotated, Any, Literal

from msgspec import Struct
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from agentctl.catalogue.giturl import URL_PASSWORD, git_url_problem
from agentctl.catalogue.secret_sources import SecretSource

#: Lower-case DNS-label style names: they become folder, service and env var names.
NAME_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
#: Credential and provider names: also used as keyring usernames.
KEY_PATTERN = r"^[a-z0-9](?:[a-z0-9._-]{0,126}[a-z0-9])?$"
#: Model handles as runtimes and providers write them (``gpt-4.1``, ``llama3:8b``).
MODEL_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9._:/@-]{0,254})$"
#: MCP tool names (MCP spec: 1-128 chars of letters, digits, ``_``, ``-``, ``.``).
TOOL_PATTERN = r"^[A-Za-z0-9_.-]{1,128}$"
#: Portable environment variable names.
ENV_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"

Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]
Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN)]
ModelHandle = Annotated[str, StringConstraints(pattern=MODEL_PATTERN)]
ToolName = Annotated[str, StringConstraints(pattern=TOOL_PATTERN)]
EnvName = Annotated[str, StringConstraints(pattern=ENV_PATTERN)]

CredentialKind = Literal["api_key", "oauth_token", "bearer"]
Permission = Literal["read", "write", "full", "auto"]
Effort = Literal["low", "medium", "high", "max"]

#: The top-level keys of a catalogue file, in rendering order.
KINDS = (
    "credentials", "providers", "models", "mcp_servers", "skill_sources", "skills", "agents"
)

#: The catalogue's one placeholder syntax: ``${VAR}`` or ``${VAR:-default}``.
PLACEHOLDER = re.compile(r"\$\{(?P<var>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")
#: What is left of a ``$`` expansion once real placeholders are removed: a mistake.
_STRAY = re.compile(r"\$(?:\{|[A-Za-z_])")


class Ref(Struct, frozen=True):
    """A ``${var}`` (``default`` None) or ``${var:-default}`` placeholder in a value."""

    var: str
    default: str | None = None

    def canonical(self) -> str:
        """The placeholder as the catalogue writes it."""
        if self.default is None:
            return "${" + self.var + "}"
        return "${" + self.var + ":-" + self.default + "}"


def split_placeholders(text: str) -> list[str | Ref]:
    """Split ``text`` into literal parts and :class:`Ref` placeholders, in order.

    Empty literal parts are dropped, so ``"${T}"`` gives ``[Ref("T")]``.
    """
    parts: list[str | Ref] = []
    last = 0
    for match in PLACEHOLDER.finditer(text):
        if match.start() > last:
            parts.append(text[last : match.start()])
        parts.append(Ref(match["var"], match["default"]))
        last = match.end()
    if last < len(text):
        parts.append(text[last:])
    return parts


class Entry(BaseModel):
    """Base of every catalogue entry: strict types, unknown keys rejected, immutable."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class KeyringRef(Entry):
    """Where a credential's value lives in the OS keyring."""

    service: str = Field(
        "agentctl", min_length=1, description="Keyring service name (default `agentctl`)."
    )
    username: str | None = Field(
        None, min_length=1, description="Keyring username; defaults to the credential's name."
    )


class Credential(Entry):
    """A reference to a secret: its kind and where its value is found. Never the value."""

    name: Key = Field(description="Unique credential name; also the default keyring username.")
    kind: CredentialKind = Field(
        description="`api_key`, `oauth_token` or `bearer`; runtimes map kinds to env vars."
    )
    description: str | None = Field(None, description="What this credential is for.")
    keyring: KeyringRef = Field(
        default_factory=KeyringRef, description="Keyring service and username holding the value."
    )
    env: EnvName | None = Field(
        None,
        description="Environment variable that overrides the keyring when set (for CI).",
    )
    source: SecretSource | list[SecretSource] | None = Field(
        None, description="Where the value lives when `env` is not set: one "
        "`{backend: NAME, ...}` or a list tried in order; default: agentctl.yaml's "
        "`secrets.default`, else the keyring.",
    )


class Provider(Entry):
    """An inference provider account (seed: ``InferenceProvider``)."""

    name: Key = Field(description="Unique provider name.")
    backend: Key = Field(
        description="Backend key: a registered provider backend (the JSON Schema from "
        "`agentctl schema` lists them)."
    )
    base_url: str | None = Field(
        None, description="Endpoint for OpenAI- or Anthropic-compatible providers; unset uses "
        "the backend default."
    )
    credential: Key | None = Field(None, description="Credential holding the provider's API key.")
    config: dict[str, Any] = Field(
        default_factory=dict, description="Provider-scoped settings for backends."
    )


class Model(Entry):
    """A model in a provider's catalogue (seed: ``InferenceModel``)."""

    name: ModelHandle = Field(description="The selectable handle agents refer to.")
    provider: Key = Field(description="The provider serving this model.")
    provider_model: str | None = Field(
        None, min_length=1, description="The provider-native model id; defaults to `name`."
    )
    publisher: str | None = Field(None, description="The model's maker, e.g. `anthropic`.")
    use: Literal["chat", "embedding", "image", "audio", "rerank", "moderation"] = Field(
        "chat", description="What the model is used for."
    )
    status: Literal["active", "deprecated", "retired"] = Field(
        "active", description="Catalogue lifecycle: retired models cannot be selected."
    )


class Tool(Entry):
    """One tool an MCP server exposes (seed: ``MCPTool``)."""

    name: ToolName = Field(description="The tool's name as the server reports it.")
    description: str | None = Field(None, description="What the tool does.")


class MCPServer(Entry):
    """An MCP server agents can reach (seed: ``MCPServer``)."""

    name: Name = Field(description="Unique server name; the key in each runtime's MCP config.")
    description: str | None = Field(None, description="What the server offers.")
    placement: Literal["internal", "external"] = Field(
        "external", description="`internal` runs beside the agents; `external` is elsewhere."
    )
    transport: Literal["stdio", "http", "sse"] = Field(
        description="`stdio` (a command), `http` (streamable HTTP) or `sse`."
    )
    url: str | None = Field(None, description="Endpoint for http/sse servers.")
    builtin: Key | None = Field(
        None,
        description="Built-in server key; its URL comes from `builtin_mcp_urls` in agentctl.yaml.",
    )
    command: str | None = Field(None, min_length=1, description="Program for stdio servers.")
    args: list[str] = Field(default_factory=list, description="Arguments for stdio servers.")
    env: dict[EnvName, str] = Field(
        default_factory=dict,
        description="Environment for stdio servers; secrets only as `${VAR}` declared in "
        "`secrets`.",
    )
    headers: dict[str, str] = Field(
        default_factory=dict,
        description="HTTP headers for http/sse servers; secrets only as `${VAR}` declared in "
        "`secrets`.",
    )
    credential: Key | None = Field(
        None, description="Credential sent as the bearer token (http/sse) or env var (stdio)."
    )
    credential_env: EnvName | None = Field(
        None,
        description="For stdio servers: the env var the server reads its token from.",
    )
    secrets: dict[EnvName, Key] = Field(
        default_factory=dict,
        description="Placeholder variable → credential: `${VAR}` in `headers` or `env` is "
        "filled from that credential through the agent's env file.",
    )
    image: str | None = Field(
        None, description="Container image for an internal server agentctl runs as a service."
    )
    tools: list[Tool] = Field(default_factory=list, description="Tools the server exposes.")

    @field_validator("tools", mode="before")
    @classmethod
    def _tool_shorthand(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"name": v} if isinstance(v, str) else v for v in value]
        return value

    @field_validator("env", "headers")
    @classmethod
    def _placeholder_syntax(cls, value: dict[str, str]) -> dict[str, str]:
        # Which variables may be used is checked by resolve, where positions are known.
        for key, text in value.items():
            if _STRAY.search(PLACEHOLDER.sub("", text)):
                raise ValueError(
                    f"'{key}' holds a '$' that is not a ${{VAR}} placeholder: write ${{VAR}} or "
                    "${VAR:-default}, and declare VAR under the server's `secrets`"
                )
        return value


class SkillSource(Entry):
    """Where skills come from: a local folder or a git repository at a pinned ref.

    ``agentctl skills sync`` walks the source for SKILL.md folders, caches git sources
    and records the resolved commit and each skill's content hash in ``agentctl.lock``.
    """

    name: Name = Field(description="Unique source name; skills name it in `source`.")
    description: str | None = Field(None, description="What the source holds.")
    git: str | None = Field(
        None, min_length=1, description="Repository URL (https, ssh, file or a local path)."
    )
    ref: str | None = Field(
        None, min_length=1,
        description="Branch, tag or commit to pin (with `git`); the lock file keeps the commit.",
    )
    path: str | None = Field(
        None, min_length=1, description="Local folder holding skills, relative to this file."
    )
    subdir: str | None = Field(
        None, min_length=1, description="Folder inside the source to walk (default: its root)."
    )

    @field_validator("git")
    @classmethod
    def _git_transport(cls, value: str | None) -> str | None:
        problem = git_url_problem(value) if value is not None else None
        if problem:
            raise PydanticCustomError("git_transport", problem)
        return value

    @field_validator("ref")
    @classmethod
    def _ref_not_option(cls, value: str | None) -> str | None:
        if value is not None and value.startswith("-"):
            raise ValueError(f"ref '{value}' starts with '-'; name a branch, tag or commit")
        return value

    @model_validator(mode="after")
    def _one_location(self) -> "SkillSource":
        if (self.git is None) == (self.path is None):
            raise ValueError("a skill source needs exactly one of 'git' (with 'ref') or 'path'")
        if self.git is not None and self.ref is None:
            raise ValueError("a git skill source needs 'ref': a branch, tag or commit to pin")
        if self.path is not None and self.ref is not None:
            raise ValueError("'ref' applies to git sources only")
        if self.subdir is not None and (
            self.subdir.startswith("/") or ".." in self.subdir.split("/")
        ):
            raise ValueError("'subdir' must be a relative folder inside the source")
        if self.git is not None and URL_PASSWORD.match(self.git):
            # The catalogue holds references, never values: a token in the URL would land
            # in agentctl.lock, in git's messages and in every clone of the repository.
            raise ValueError("'git' must not carry a password or token in the URL; drop it "
                             "and let git find it (a credential helper, or an SSH key)")
        return self


class Skill(Entry):
    """A skill: a folder holding a SKILL.md (Agent Skills spec), or one from a source."""

    path: str | None = Field(
        None, min_length=1, description="Folder holding SKILL.md, relative to this file."
    )
    source: Name | None = Field(
        None, description="A `skill_sources` entry to take the skill called `name` from."
    )
    name: Name | None = Field(
        None, description="Skill name; defaults to the SKILL.md frontmatter `name`."
    )

    @model_validator(mode="after")
    def _path_or_source(self) -> "Skill":
        if (self.path is None) == (self.source is None):
            raise ValueError("a skill needs exactly one of 'path' (a folder) or 'source' "
                             "(a skill source) with 'name'")
        if self.source is not None and self.name is None:
            raise ValueError("a skill from a source needs 'name': the skill to take from it")
        return self


class AgentMCPServer(Entry):
    """An agent's use of one MCP server, with the tools it may call."""

    name: Name = Field(description="The MCP server's name.")
    tools: list[ToolName] | None = Field(
        None,
        description="Allowed tools; omitted allows every catalogued tool of the server.",
    )


class Agent(Entry):
    """An agent definition, or a template when ``is_template`` is set (seed: ``Agent``).

    Fields left unset inherit from the ``extends`` parent; mapping fields merge key by key.
    """

    name: Name = Field(description="Unique agent name; names its workspace and service.")
    description: str | None = Field(None, description="What the agent is for.")
    is_template: bool = Field(False, description="Templates are only extended, never rendered.")
    extends: Name | None = Field(None, description="An agent or template to inherit from.")
    runtime: Key | None = Field(
        None, description="Runtime: a registered runtime (the JSON Schema from `agentctl "
        "schema` lists them)."
    )
    model: ModelHandle | None = Field(None, description="Model handle from `models`.")
    inference_credential: Key | None = Field(
        None, description="Overrides the model's provider credential for this agent."
    )
    instructions: str | None = Field(None, description="System instructions (AGENTS.md).")
    instructions_file: str | None = Field(
        None, min_length=1, description="File holding the instructions, relative to this file."
    )
    skills: list[Name] | None = Field(None, description="Skills to install in the workspace.")
    mcp_servers: list[AgentMCPServer] | None = Field(
        None, description="MCP servers (name or {name, tools}) the agent may use."
    )
    permission: Permission | None = Field(
        None, description="read | write | full | auto, mapped to the runtime's own setting."
    )
    effort: Effort | None = Field(None, description="Reasoning effort where a runtime has one.")
    workspace_template: str | None = Field(None, description="Workspace template name or folder.")
    workspace_inputs: dict[str, Any] | None = Field(
        None, description="Extra workspace template answers (structured fields win)."
    )
    service_inputs: dict[str, Any] | None = Field(
        None, description="Service template extras: image, command, environment (lose to "
        "structured keys)."
    )
    settings: dict[str, Any] | None = Field(
        None, description="Runtime-specific settings merged into the runtime's config file."
    )
    subagents: list[Name] | None = Field(None, description="Subagents (`subagents`) to render.")
    commands: list[Name] | None = Field(None, description="Slash commands (`commands`) to render.")
    hooks: list[Name] | None = Field(None, description="Hooks (`hooks`) the runtime runs.")
    rules: list[Name] | None = Field(None, description="Scoped rules (`rules`) to render.")

    @field_validator("mcp_servers", mode="before")
    @classmethod
    def _server_shorthand(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"name": v} if isinstance(v, str) else v for v in value]
        return value


#: Catalogue kind → entry model.
ENTRY_MODELS: dict[str, type[Entry]] = {
    "credentials": Credential,
    "providers": Provider,
    "models": Model,
    "mcp_servers": MCPServer,
    "skill_sources": SkillSource,
    "skills": Skill,
    "agents": Agent,
}
