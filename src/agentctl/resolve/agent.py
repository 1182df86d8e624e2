"""One agent: its effective fields (``extends``) with every reference followed.

:func:`resolve_agent` appends the problems it finds to the caller's lists and returns
the :class:`~agentctl.resolve.model.ResolvedAgent`, or None when the agent cannot be
rendered (a problem of its own, a reference to an entry refused by its own checks, no
runtime). Checks that need the runtime plug-ins are made above this layer
(:mod:`agentctl.render.checks`), from the :class:`~agentctl.resolve.model.RuntimeRef`
recorded here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from msgspec import Struct, field

from agentctl.catalogue.load import Catalogue, Located
from agentctl.catalogue.project import OUTSIDE_HINT, confine
from agentctl.catalogue.schema import Agent, Credential, MCPServer, Model, Provider
from agentctl.catalogue.skills import SkillContent
from agentctl.catalogue.yamlsource import scalar_text
from agentctl.diagnostics import Diagnostic, Position, did_you_mean
from agentctl.resolve.entries import ref_error
from agentctl.resolve.model import ResolvedAgent, ResolvedServer, RuntimeRef, mcp_secret_env
from agentctl.resolve.primitives import Selection, resolve_primitives


class AgentContext(Struct):
    """What resolving one agent reads and writes: the catalogue, the agent, its
    effective ``values`` and the agent each was taken from (``owners``), the run's
    problem and warning lists, and confine() results shared by the whole run."""

    cat: Catalogue
    loc: Located[Agent]
    values: dict[str, Any]
    owners: dict[str, Located[Agent]]
    problems: list[Diagnostic]
    warnings: list[Diagnostic]
    folders: dict[tuple[Path, str], str | None] = field(default_factory=dict)
    #: A reference to an entry refused by its own checks: that entry's error says what
    #: is wrong; this agent is left out without a second, misleading "unknown" error.
    refers_to_broken: bool = False

    @property
    def name(self) -> str:
        """The agent's name."""
        return self.loc.entry.name

    def at(self, key: str, *rest: str | int, k: bool = False) -> Position:
        """Where ``key`` (and the parts below it) is written: by the agent that set it."""
        return self.owners.get(key, self.loc).pos(key, *rest, key=k)

    def path(self, key: str) -> str:
        """The field path ``agents[<name>].<key>``."""
        return f"agents[{self.name}].{key}"


def runtime_ref(ctx: AgentContext) -> RuntimeRef:
    """The agent's effective runtime and where it is written."""
    value = ctx.values.get("runtime")
    return RuntimeRef(ctx.name, str(value) if value else None, ctx.at("runtime"),
                      ctx.loc.pos(), ctx.loc.entry.is_template)


def resolve_agent(ctx: AgentContext) -> ResolvedAgent | None:
    """The agent with every reference followed, or None when it cannot be rendered."""
    before = len(ctx.problems)
    values, owners = ctx.values, ctx.owners
    model, provider = _model(ctx)
    credential = _credential(ctx, provider)
    instructions, usable = _instructions(ctx)
    usable = _check_template_folder(ctx) and usable
    ctx.refers_to_broken |= not usable
    skills = _skills(ctx)
    servers = _servers(ctx)
    selection = Selection(cat=ctx.cat, agent=ctx.name, values=values, at=ctx.at,
                          servers=tuple(servers), problems=ctx.problems,
                          template=ctx.loc.entry.is_template)
    primitives = resolve_primitives(selection)
    ctx.refers_to_broken |= selection.refers_to_broken
    service_inputs = dict(values.get("service_inputs") or {})
    inputs = {k: _stringify(v) for k, v in (values.get("workspace_inputs") or {}).items()}
    runtime = values.get("runtime")
    if len(ctx.problems) > before or not runtime or ctx.refers_to_broken:
        return None
    return ResolvedAgent(
        name=ctx.name,
        runtime=str(runtime),
        source=ctx.loc.pos(),
        description=str(values.get("description") or ""),
        model=model,
        provider=provider,
        inference_credential=credential,
        instructions=instructions or "",
        skills=tuple(skills),
        mcp_servers=tuple(servers),
        permission=values.get("permission"),
        effort=values.get("effort"),
        workspace_template=values.get("workspace_template"),
        workspace_inputs=inputs,
        service_inputs=service_inputs,
        settings=dict(values.get("settings") or {}),
        template_base=owners["workspace_template"].base_dir
        if "workspace_template" in owners else None,
        primitives=primitives,
    )


def _model(ctx: AgentContext) -> tuple[Model | None, Provider | None]:
    """The agent's model and its provider (E203 unknown, E204 retired or not chat, W201
    deprecated)."""
    model_name = ctx.values.get("model")
    if not model_name:
        return None, None
    cat = ctx.cat
    model_loc = cat.models.get(model_name)
    if model_loc is None:
        if cat.is_broken("models", model_name):
            ctx.refers_to_broken = True
        else:
            ctx.problems.append(ref_error("E203", "model", model_name, cat.models,
                                          ctx.at("model"), ctx.path("model"), "models"))
        return None, None
    model = model_loc.entry
    at, path = ctx.at("model"), ctx.path("model")
    if model.status == "retired":
        ctx.problems.append(Diagnostic("error", "E204", f"model '{model_name}' is retired", at,
                                       path, "Pick an active model for this agent."))
    elif model.status == "deprecated":
        ctx.warnings.append(Diagnostic("warning", "W201", f"model '{model_name}' is deprecated",
                                       at, path, "Plan a move to an active model."))
    if model.use != "chat":
        ctx.problems.append(Diagnostic("error", "E204",
                                       f"model '{model_name}' is a {model.use} model", at, path,
                                       "Agents need a chat model."))
    prov_loc = cat.providers.get(model.provider)
    ctx.refers_to_broken |= prov_loc is None
    return model, prov_loc.entry if prov_loc else None


def _credential(ctx: AgentContext, provider: Provider | None) -> Credential | None:
    """The agent's ``inference_credential`` (E206 unknown), else its provider's."""
    cat = ctx.cat
    cred_name = ctx.values.get("inference_credential")
    if cred_name:
        cred_loc = cat.credentials.get(cred_name)
        if cred_loc is not None:
            return cred_loc.entry
        if cat.is_broken("credentials", cred_name):
            ctx.refers_to_broken = True
        else:
            ctx.problems.append(ref_error("E206", "credential", cred_name, cat.credentials,
                                          ctx.at("inference_credential"),
                                          ctx.path("inference_credential"), "credentials"))
        return None
    if provider is not None and provider.credential:
        found = cat.credentials.get(provider.credential)
        return found.entry if found else None
    return None


def _instructions(ctx: AgentContext) -> tuple[str | None, bool]:
    """The agent's instructions text, and whether it could be had: written inline, or
    the text of ``instructions_file`` as the catalogue read it (E230, E214 and reading
    problems reported by the agent that names the file, not again by each agent
    inheriting it). Warns W202 only when the agent names no instructions at all, or its
    file is empty: never beside an error about the file.
    """
    name, loc = ctx.name, ctx.loc
    instructions = ctx.values.get("instructions")
    ifile = ctx.values.get("instructions_file")
    if instructions is not None and ifile is not None:
        ctx.problems.append(
            Diagnostic("error", "E213", "set either 'instructions' or 'instructions_file'",
                       ctx.owners["instructions_file"].pos("instructions_file", key=True),
                       f"agents[{name}].instructions_file",
                       "Keep one of the two in this entry.")
        )
        return None, False
    if ifile is not None:
        owner = ctx.owners["instructions_file"]
        found = ctx.cat.instructions[owner.entry.name]
        if owner is loc:
            ctx.problems.extend(found.problems)
        if found.text is None:
            return None, False
        if not found.text and not loc.entry.is_template:
            ctx.warnings.append(
                Diagnostic("warning", "W202", f"instructions file '{ifile}' is empty",
                           owner.pos("instructions_file"), f"agents[{name}].instructions_file",
                           "AGENTS.md will hold no instructions: write them into the file.")
            )
        return found.text, True
    if not instructions and not loc.entry.is_template:
        ctx.warnings.append(
            Diagnostic("warning", "W202", "agent has no instructions", loc.pos(),
                       f"agents[{name}]", "AGENTS.md will be empty: add 'instructions'.")
        )
    return instructions, True


def _check_template_folder(ctx: AgentContext) -> bool:
    """False, with E230 reported by the agent that writes it, for a ``workspace_template``
    folder (``./…`` or holding ``/``) leaving the project."""
    ref = ctx.values.get("workspace_template")
    if not ref or not ("/" in ref or ref.startswith(".")):
        return True
    owner = ctx.owners["workspace_template"]
    key = (owner.base_dir, ref)
    if key not in ctx.folders:
        ctx.folders[key] = confine(ctx.cat.project.root, owner.base_dir, ref)[1]
    outside = ctx.folders[key]
    if outside and owner is ctx.loc:
        ctx.problems.append(Diagnostic("error", "E230", outside, owner.pos("workspace_template"),
                                       f"agents[{ctx.name}].workspace_template",
                                       OUTSIDE_HINT))
    return outside is None


def _skills(ctx: AgentContext) -> list[SkillContent]:
    """The agent's skills (E207 unknown, E211 listed twice)."""
    contents = ctx.cat.skill_contents
    skills: list[SkillContent] = []
    for i, skill_name in enumerate(ctx.values.get("skills") or []):
        if skill_name not in contents and ctx.cat.is_broken("skills", skill_name):
            ctx.refers_to_broken = True
        elif skill_name not in contents:
            ctx.problems.append(ref_error("E207", "skill", skill_name, contents,
                                          ctx.at("skills", i), f"{ctx.path('skills')}[{i}]",
                                          "skills"))
        elif any(s.name == skill_name for s in skills):
            ctx.problems.append(Diagnostic("error", "E211", f"skill '{skill_name}' listed twice",
                                           ctx.at("skills", i), f"{ctx.path('skills')}[{i}]"))
        else:
            skills.append(contents[skill_name])
    return skills


def _servers(ctx: AgentContext) -> list[ResolvedServer]:
    """The agent's MCP servers (E208 unknown, E211 listed twice, E209 unknown tool, E216
    env var collisions, W203 a built-in server without a URL: skipped)."""
    cat = ctx.cat
    servers: list[ResolvedServer] = []
    env_owner: dict[str, str] = {}
    for i, use in enumerate(ctx.values.get("mcp_servers") or []):
        server_loc = cat.mcp_servers.get(use.name)
        where = f"{ctx.path('mcp_servers')}[{i}]"
        if server_loc is None:
            if cat.is_broken("mcp_servers", use.name):
                ctx.refers_to_broken = True
            else:
                ctx.problems.append(ref_error("E208", "MCP server", use.name, cat.mcp_servers,
                                              ctx.at("mcp_servers", i, "name"), where,
                                              "mcp_servers"))
            continue
        if any(s.name == use.name for s in servers):
            ctx.problems.append(Diagnostic("error", "E211",
                                           f"MCP server '{use.name}' listed twice",
                                           ctx.at("mcp_servers", i), where))
            continue
        server = server_loc.entry
        tools = _server_tools(ctx, i, server, use.tools)
        url = _server_url(ctx, i, server)
        if server.builtin and url is None:
            continue
        cred, secret_env, secrets = _server_env(ctx, i, server, env_owner)
        servers.append(ResolvedServer(server, url, tools, cred, secret_env, secrets, server_loc))
    return servers


def _server_tools(
    ctx: AgentContext, i: int, server: MCPServer, wanted: list[str] | None
) -> tuple[str, ...] | None:
    """The tools the agent may call (None: the whole server); E209 for an unknown one."""
    known = [t.name for t in server.tools]
    if wanted is None:
        return tuple(known) if known else None
    for j, tool in enumerate(wanted):
        if tool not in known:
            detail = (
                f"List it under mcp_servers[{server.name}].tools." + did_you_mean(tool, known)
                if known
                else f"Server '{server.name}' catalogues no tools: list them under "
                f"mcp_servers[{server.name}].tools first."
            )
            ctx.problems.append(
                Diagnostic("error", "E209", f"MCP server '{server.name}' has no tool '{tool}'",
                           ctx.at("mcp_servers", i, "tools", j),
                           f"{ctx.path('mcp_servers')}[{i}].tools[{j}]", detail)
            )
    return tuple(wanted)


def _server_url(ctx: AgentContext, i: int, server: MCPServer) -> str | None:
    """The server's URL: its own, or a built-in one's from agentctl.yaml (W203 when
    that has none: the server is skipped)."""
    if not server.builtin:
        return server.url
    url = ctx.cat.project.config.builtin_mcp_urls.get(server.builtin)
    if url is None:
        ctx.warnings.append(
            Diagnostic("warning", "W203",
                       f"MCP server '{server.name}' skipped: built-in '{server.builtin}' "
                       "has no URL", ctx.at("mcp_servers", i), f"{ctx.path('mcp_servers')}[{i}]",
                       f"Set builtin_mcp_urls: {{{server.builtin}: http://…}} in "
                       "agentctl.yaml to render it (seed: is_addressable).")
        )
    return url


def _server_env(
    ctx: AgentContext, i: int, server: MCPServer, env_owner: dict[str, str]
) -> tuple[Credential | None, str | None, dict[str, Credential]]:
    """The server's credential, the env var carrying it, and its secrets by variable;
    E216 when two of the agent's servers need one env var (``env_owner`` records whose
    each variable is)."""
    cat = ctx.cat
    where, at = f"{ctx.path('mcp_servers')}[{i}]", ctx.at("mcp_servers", i)
    cred = secret_env = None
    if server.credential:
        found = cat.credentials.get(server.credential)
        cred = found.entry if found else None
        secret_env = mcp_secret_env(server)
        if secret_env in env_owner:
            ctx.problems.append(
                Diagnostic("error", "E216",
                           f"MCP servers '{env_owner[secret_env]}' and '{server.name}' both "
                           f"need env var {secret_env}", at, where,
                           "Give one of them a different credential_env.")
            )
        env_owner[secret_env] = server.name
    secrets: dict[str, Credential] = {}
    for var, secret_cred in server.secrets.items():
        found_secret = cat.credentials.get(secret_cred)
        if found_secret is None:
            continue  # reported by the server's own checks
        secrets[var] = found_secret.entry
        if var in env_owner and env_owner[var] != server.name:
            ctx.problems.append(
                Diagnostic("error", "E216",
                           f"MCP servers '{env_owner[var]}' and '{server.name}' both "
                           f"need env var {var}", at, where,
                           "Rename the variable in one server's 'secrets' (and its "
                           "placeholders).")
            )
        env_owner[var] = server.name
    return cred, secret_env, secrets


def _stringify(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=scalar_text)
    return scalar_text(value)
