"""Stage 2, resolve: a :class:`~agentctl.catalogue.load.Catalogue` → :class:`ResolvedProject`.

Follows every reference (agent → model → provider → credential, agent → skills,
agent → MCP servers → tools), applies ``extends`` chains (a field set on the child
replaces the parent's; mapping fields merge key by key, the child winning), drops
templates, and asks each agent's runtime whether it can work with what it was given.
Every problem is reported together, with did-you-mean for dangling references.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentctl.catalogue.load import Catalogue, Located
from agentctl.catalogue.schema import (
    Agent,
    Credential,
    MCPServer,
    Model,
    Provider,
    Ref,
    split_placeholders,
)
from agentctl.catalogue.skills import SkillContent
from agentctl.catalogue.yamlsource import scalar_text
from agentctl.diagnostics import (
    Diagnostic,
    DiagnosticError,
    Position,
    did_you_mean,
    display_path,
)

#: Fields merged key by key along an ``extends`` chain.
MERGED_FIELDS = ("workspace_inputs", "service_inputs", "settings")
NOT_INHERITED = ("name", "is_template", "extends", "description")


@dataclass(frozen=True)
class ResolvedServer:
    """An MCP server as one agent uses it.

    ``url`` is the address the agent's container reaches (None for stdio);
    ``tools`` the allowed tool names (None: the whole server);
    ``secret_env`` the container env var carrying the credential's value (None when the
    server has no credential); ``secrets`` the placeholder variables its ``headers`` and
    ``env`` use, each with the credential filling it; ``located`` where the server is
    written, so runtimes can point at a header they cannot express.
    """

    server: MCPServer
    url: str | None
    tools: tuple[str, ...] | None
    credential: Credential | None
    secret_env: str | None
    secrets: dict[str, Credential] = field(default_factory=dict)
    located: Located[MCPServer] | None = None

    @property
    def name(self) -> str:
        """The server's name."""
        return self.server.name


@dataclass(frozen=True)
class ResolvedAgent:
    """An agent with every reference followed and every inherited field applied."""

    name: str
    runtime: str
    source: Position
    description: str
    model: Model | None
    provider: Provider | None
    inference_credential: Credential | None
    instructions: str
    skills: tuple[SkillContent, ...]
    mcp_servers: tuple[ResolvedServer, ...]
    permission: str | None
    effort: str | None
    workspace_template: str | None
    workspace_inputs: dict[str, str]
    service_inputs: dict[str, Any]
    settings: dict[str, Any]
    #: Folder of the catalogue file that set ``workspace_template`` (paths are relative to it).
    template_base: Path | None = None


@dataclass
class ResolvedProject:
    """The resolved catalogue: renderable agents in name order, internal MCP servers."""

    catalogue: Catalogue
    agents: dict[str, ResolvedAgent] = field(default_factory=dict)
    internal_servers: list[MCPServer] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)


def mcp_secret_env(server: MCPServer) -> str:
    """Container env var carrying ``server``'s credential (seed: ``mcp_bearer_env``).

    Stable and portable: ``AGENTCTL_MCP_<SERVER>_TOKEN`` with the server name upper-cased
    and ``-`` folded to ``_``; a stdio server's ``credential_env`` wins, because the
    server process reads that name itself.
    """
    if server.credential_env:
        return server.credential_env
    return "AGENTCTL_MCP_" + re.sub(r"[^A-Z0-9]", "_", server.name.upper()) + "_TOKEN"


class _Chains:
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
            base = None if base is None else _overlay(base, link)
            self.memo[link.entry.name] = base
        return self.memo[name]


def _overlay(
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


def _ref_error(
    code: str, what: str, name: str, choices: Any, where: Position, path: str, section: str
) -> Diagnostic:
    return Diagnostic(
        "error", code, f"unknown {what} '{name}'", where, path,
        (f"Define it under '{section}:'." + did_you_mean(name, choices)).strip(),
    )


def _dangling(cat: Catalogue, kind: str, name: str) -> bool:
    """True when ``name`` is neither an entry of ``kind`` nor one refused by its own checks."""
    return name not in cat.kind(kind) and not cat.is_broken(kind, name)


def _check_servers(cat: Catalogue, problems: list[Diagnostic]) -> None:
    for name, loc in cat.mcp_servers.items():
        s = loc.entry
        path = f"mcp_servers[{name}]"
        if s.transport == "stdio":
            if not s.command:
                problems.append(Diagnostic("error", "E221", "a stdio server needs 'command'",
                                           loc.pos(), path, "Add 'command: <program>'."))
            for key in ("url", "builtin"):
                if getattr(s, key):
                    problems.append(
                        Diagnostic("error", "E222", f"a stdio server takes no '{key}'",
                                   loc.pos(key, key=True), f"{path}.{key}",
                                   "Use transport: http or sse for a server with a URL.")
                    )
            if s.headers:
                problems.append(Diagnostic("error", "E222", "a stdio server takes no 'headers'",
                                           loc.pos("headers", key=True), f"{path}.headers"))
        else:
            if s.command or s.args:
                key = "command" if s.command else "args"
                problems.append(
                    Diagnostic("error", "E222", f"an {s.transport} server takes no '{key}'",
                               loc.pos(key, key=True), f"{path}.{key}",
                               "Use transport: stdio for a server started as a command.")
                )
            if s.url and s.builtin:
                problems.append(
                    Diagnostic("error", "E223", "set either 'url' or 'builtin', not both",
                               loc.pos("builtin", key=True), f"{path}.builtin",
                               "A built-in server's URL comes from builtin_mcp_urls in "
                               "agentctl.yaml.")
                )
            if not s.url and not s.builtin:
                problems.append(
                    Diagnostic("error", "E224", f"an {s.transport} server needs 'url' or "
                               "'builtin'", loc.pos(), path, "Add 'url: https://…'.")
                )
            if s.url and not re.match(r"^https?://[^\s/]+", s.url):
                problems.append(
                    Diagnostic("error", "E225", f"'{s.url}' is not an http(s) URL",
                               loc.pos("url"), f"{path}.url",
                               "Write the full address, e.g. https://mcp.example.com/mcp.")
                )
            if s.credential_env:
                problems.append(
                    Diagnostic("error", "E222", "'credential_env' applies to stdio servers only",
                               loc.pos("credential_env", key=True), f"{path}.credential_env",
                               "Remote servers receive the credential as a bearer token.")
                )
        if s.credential and _dangling(cat, "credentials", s.credential):
            problems.append(_ref_error("E206", "credential", s.credential, cat.credentials,
                                       loc.pos("credential"), f"{path}.credential",
                                       "credentials"))
        _check_placeholders(cat, loc, problems)
        if s.image and s.placement != "internal":
            problems.append(
                Diagnostic("error", "E226", "only internal servers are run from an 'image'",
                           loc.pos("image", key=True), f"{path}.image",
                           "Set placement: internal, or remove 'image'.")
            )
        seen: set[str] = set()
        for i, tool in enumerate(s.tools):
            if tool.name in seen:
                problems.append(Diagnostic("error", "E227", f"tool '{tool.name}' listed twice",
                                           loc.pos("tools", i), f"{path}.tools[{i}]"))
            seen.add(tool.name)


def placeholder_vars(server: MCPServer) -> set[str]:
    """Variables ``server``'s headers and env may use: its ``secrets`` and its credential's."""
    allowed = set(server.secrets)
    if server.credential:
        allowed.add(mcp_secret_env(server))
    return allowed


def _check_placeholders(
    cat: Catalogue, loc: Located[MCPServer], problems: list[Diagnostic]
) -> None:
    """Every ``${VAR}`` in headers/env is declared; every ``secrets`` entry is usable."""
    s = loc.entry
    path = f"mcp_servers[{s.name}]"
    allowed = placeholder_vars(s)
    for var, cred in s.secrets.items():
        if _dangling(cat, "credentials", cred):
            problems.append(_ref_error("E206", "credential", cred, cat.credentials,
                                       loc.pos("secrets", var), f"{path}.secrets.{var}",
                                       "credentials"))
        if s.credential and var == mcp_secret_env(s):
            problems.append(
                Diagnostic("error", "E229", f"secret {var} is already the server's credential "
                           "variable", loc.pos("secrets", var, key=True), f"{path}.secrets.{var}",
                           f"Remove it from 'secrets': 'credential: {s.credential}' fills {var}.")
            )
    for field_name, what in (("headers", "header"), ("env", "env key")):
        values: dict[str, str] = getattr(s, field_name)
        for key, text in values.items():
            for part in split_placeholders(text):
                if isinstance(part, Ref) and part.var not in allowed:
                    declared = ", ".join(sorted(allowed)) or "none"
                    problems.append(
                        Diagnostic("error", "E228",
                                   f"{what} '{key}' of MCP server '{s.name}' uses ${{{part.var}}}, "
                                   "which the server does not declare",
                                   loc.pos(field_name, key), f"{path}.{field_name}.{key}",
                                   f"Declare where its value comes from: 'secrets: {{{part.var}: "
                                   "<credential name>}' on the server (the agent's env file then "
                                   f"carries it), or write the value literally. Declared: "
                                   f"{declared}.")
                    )


def _check_providers_models(cat: Catalogue, problems: list[Diagnostic]) -> None:
    from agentctl.providers import backend_names, default_base_url

    known = backend_names()  # built-in backends and plug-ins (agentctl.providers group)
    for name, loc in cat.providers.items():
        p = loc.entry
        if p.backend not in known:
            problems.append(
                Diagnostic("error", "E212", f"unknown provider backend '{p.backend}'",
                           loc.pos("backend"), f"providers[{name}].backend",
                           ("Backends: " + ", ".join(known) + "."
                            + did_you_mean(p.backend, known)))
            )
        elif not p.base_url and default_base_url(p.backend) is None:
            problems.append(
                Diagnostic("error", "E217", f"backend '{p.backend}' has no default endpoint",
                           loc.pos(), f"providers[{name}]",
                           "Add 'base_url: https://…/v1' naming the endpoint.")
            )
        if p.credential and _dangling(cat, "credentials", p.credential):
            problems.append(_ref_error("E206", "credential", p.credential, cat.credentials,
                                       loc.pos("credential"), f"providers[{name}].credential",
                                       "credentials"))
        if p.base_url and not re.match(r"^https?://[^\s/]+", p.base_url):
            problems.append(
                Diagnostic("error", "E225", f"'{p.base_url}' is not an http(s) URL",
                           loc.pos("base_url"), f"providers[{name}].base_url")
            )
    for name, model_loc in cat.models.items():
        m = model_loc.entry
        if _dangling(cat, "providers", m.provider):
            problems.append(_ref_error("E205", "provider", m.provider, cat.providers,
                                       model_loc.pos("provider"), f"models[{name}].provider",
                                       "providers"))


def _stringify(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=scalar_text)
    return scalar_text(value)


def _not_a_file(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file (``does not exist``, ``is not a regular
    file``, an OS error such as a name too long), or None when it is a regular file."""
    import stat

    try:
        info = path.stat()
    except FileNotFoundError:
        return "does not exist"
    except OSError as exc:
        return f"cannot be read: {exc.strerror}"
    return None if stat.S_ISREG(info.st_mode) else "is not a regular file"


def _instructions(
    cat: Catalogue, loc: Located[Agent], values: dict[str, Any],
    owners: dict[str, Located[Agent]], problems: list[Diagnostic],
    warnings: list[Diagnostic],
) -> tuple[str | None, bool]:
    """The agent's instructions text, and whether it could be had: written inline, or read
    from ``instructions_file`` (confined to the project, E230; missing, E214).

    A problem with a file inherited through ``extends`` is reported once, by the agent
    that names the file, not again by each agent inheriting it. Warns W202 only when the
    agent names no instructions at all, or its file is empty: never beside an error
    about the file.
    """

    name = loc.entry.name
    instructions = values.get("instructions")
    ifile = values.get("instructions_file")
    if instructions is not None and ifile is not None:
        problems.append(
            Diagnostic("error", "E213", "set either 'instructions' or 'instructions_file'",
                       owners["instructions_file"].pos("instructions_file", key=True),
                       f"agents[{name}].instructions_file",
                       "Keep one of the two in this entry.")
        )
        return None, False
    if ifile is not None:
        owner = owners["instructions_file"]
        found: list[Diagnostic] = []
        text = _read_instructions(cat, owner, ifile, found)
        if owner is loc:
            problems.extend(found)
        if text is None:
            return None, False
        if not text and not loc.entry.is_template:
            warnings.append(
                Diagnostic("warning", "W202", f"instructions file '{ifile}' is empty",
                           owner.pos("instructions_file"), f"agents[{name}].instructions_file",
                           "AGENTS.md will hold no instructions: write them into the file.")
            )
        return text, True
    if not instructions and not loc.entry.is_template:
        warnings.append(
            Diagnostic("warning", "W202", "agent has no instructions", loc.pos(),
                       f"agents[{name}]", "AGENTS.md will be empty: add 'instructions'.")
        )
    return instructions, True


def _read_instructions(
    cat: Catalogue, owner: Located[Agent], ifile: str, problems: list[Diagnostic]
) -> str | None:
    """The text of ``owner``'s ``instructions_file``, or None and the problems why."""
    from agentctl.catalogue.project import OUTSIDE_HINT, confine, read_text

    path = f"agents[{owner.entry.name}].instructions_file"
    target, outside = confine(cat.project.root, owner.base_dir, ifile)
    if outside:
        problems.append(Diagnostic("error", "E230", outside, owner.pos("instructions_file"),
                                   path, OUTSIDE_HINT))
        return None
    missing = _not_a_file(target)
    if missing:
        problems.append(
            Diagnostic("error", "E214", f"instructions file '{ifile}' {missing}",
                       owner.pos("instructions_file"), path,
                       f"Looked for {target}. Paths are relative to the catalogue file.")
        )
        return None
    if target not in cat.files:
        cat.files.append(target)
    try:
        return read_text(target, display_path(target, cat.project.root),
                         root=cat.project.root)
    except DiagnosticError as exc:
        problems.extend(exc.diagnostics)
        return None


def _resolve_agent(
    cat: Catalogue, loc: Located[Agent], chains: _Chains, problems: list[Diagnostic],
    warnings: list[Diagnostic],
) -> ResolvedAgent | None:
    from agentctl.runtimes import runtime_names

    merged = chains.merged(loc.entry.name)
    if merged is None:
        return None
    values, owners = merged
    name = loc.entry.name
    before = len(problems)
    # A reference to an entry refused by its own checks: that entry's error says what is
    # wrong; this agent is left out without a second, misleading "unknown" error.
    refers_to_broken = False

    def at(key: str, *rest: str | int, k: bool = False) -> Position:
        return owners.get(key, loc).pos(key, *rest, key=k)

    def p(key: str) -> str:
        return f"agents[{name}].{key}"

    runtime_name = values.get("runtime")
    template = loc.entry.is_template
    if not runtime_name:
        if not template:  # a template may leave the runtime to the agents extending it
            problems.append(
                Diagnostic("error", "E210", "agent has no 'runtime'", loc.pos(),
                           f"agents[{name}]", "Add 'runtime: claude-code' (or "
                           + ", ".join(runtime_names()) + "), here or in the agent it extends.")
            )
    elif runtime_name not in runtime_names():
        problems.append(
            Diagnostic("error", "E210", f"unknown runtime '{runtime_name}'", at("runtime"),
                       p("runtime"),
                       "Runtimes: " + ", ".join(runtime_names()) + "."
                       + did_you_mean(str(runtime_name), runtime_names()))
        )

    model = provider = credential = None
    model_name = values.get("model")
    if model_name:
        model_loc = cat.models.get(model_name)
        if model_loc is None and cat.is_broken("models", model_name):
            refers_to_broken = True
        elif model_loc is None:
            problems.append(_ref_error("E203", "model", model_name, cat.models, at("model"),
                                       p("model"), "models"))
        else:
            model = model_loc.entry
            if model.status == "retired":
                problems.append(
                    Diagnostic("error", "E204", f"model '{model_name}' is retired", at("model"),
                               p("model"), "Pick an active model for this agent.")
                )
            elif model.status == "deprecated":
                warnings.append(
                    Diagnostic("warning", "W201", f"model '{model_name}' is deprecated",
                               at("model"), p("model"), "Plan a move to an active model.")
                )
            if model.use != "chat":
                problems.append(
                    Diagnostic("error", "E204", f"model '{model_name}' is a {model.use} model",
                               at("model"), p("model"), "Agents need a chat model.")
                )
            prov_loc = cat.providers.get(model.provider)
            provider = prov_loc.entry if prov_loc else None
            refers_to_broken |= prov_loc is None
    cred_name = values.get("inference_credential")
    if cred_name:
        cred_loc = cat.credentials.get(cred_name)
        if cred_loc is None and cat.is_broken("credentials", cred_name):
            refers_to_broken = True
        elif cred_loc is None:
            problems.append(_ref_error("E206", "credential", cred_name, cat.credentials,
                                       at("inference_credential"), p("inference_credential"),
                                       "credentials"))
        else:
            credential = cred_loc.entry
    elif provider is not None and provider.credential:
        found = cat.credentials.get(provider.credential)
        credential = found.entry if found else None

    instructions, usable = _instructions(cat, loc, values, owners, problems, warnings)
    usable = _check_template_folder(cat, values, owners, loc, problems, chains) and usable
    refers_to_broken |= not usable

    skills: list[SkillContent] = []
    for i, skill_name in enumerate(values.get("skills") or []):
        if skill_name not in cat.skill_contents and cat.is_broken("skills", skill_name):
            refers_to_broken = True
        elif skill_name not in cat.skill_contents:
            problems.append(_ref_error("E207", "skill", skill_name, cat.skill_contents,
                                       at("skills", i), f"{p('skills')}[{i}]", "skills"))
        elif any(s.name == skill_name for s in skills):
            problems.append(Diagnostic("error", "E211", f"skill '{skill_name}' listed twice",
                                       at("skills", i), f"{p('skills')}[{i}]"))
        else:
            skills.append(cat.skill_contents[skill_name])

    servers: list[ResolvedServer] = []
    env_owner: dict[str, str] = {}
    for i, use in enumerate(values.get("mcp_servers") or []):
        server_loc = cat.mcp_servers.get(use.name)
        if server_loc is None and cat.is_broken("mcp_servers", use.name):
            refers_to_broken = True
            continue
        if server_loc is None:
            problems.append(_ref_error("E208", "MCP server", use.name, cat.mcp_servers,
                                       at("mcp_servers", i, "name"),
                                       f"{p('mcp_servers')}[{i}]", "mcp_servers"))
            continue
        if any(s.name == use.name for s in servers):
            problems.append(Diagnostic("error", "E211", f"MCP server '{use.name}' listed twice",
                                       at("mcp_servers", i), f"{p('mcp_servers')}[{i}]"))
            continue
        server = server_loc.entry
        known = [t.name for t in server.tools]
        tools: tuple[str, ...] | None
        if use.tools is None:
            tools = tuple(known) if known else None
        else:
            tools = tuple(use.tools)
            for j, tool in enumerate(use.tools):
                if tool not in known:
                    detail = (
                        f"List it under mcp_servers[{server.name}].tools."
                        + did_you_mean(tool, known)
                        if known
                        else f"Server '{server.name}' catalogues no tools: list them under "
                        f"mcp_servers[{server.name}].tools first."
                    )
                    problems.append(
                        Diagnostic("error", "E209",
                                   f"MCP server '{server.name}' has no tool '{tool}'",
                                   at("mcp_servers", i, "tools", j),
                                   f"{p('mcp_servers')}[{i}].tools[{j}]", detail)
                    )
        url = server.url
        if server.builtin:
            url = cat.project.config.builtin_mcp_urls.get(server.builtin)
            if url is None:
                warnings.append(
                    Diagnostic("warning", "W203",
                               f"MCP server '{server.name}' skipped: built-in '{server.builtin}' "
                               "has no URL", at("mcp_servers", i), f"{p('mcp_servers')}[{i}]",
                               f"Set builtin_mcp_urls: {{{server.builtin}: http://…}} in "
                               "agentctl.yaml to render it (seed: is_addressable).")
                )
                continue
        cred = None
        secret_env = None
        if server.credential:
            found = cat.credentials.get(server.credential)
            cred = found.entry if found else None
            secret_env = mcp_secret_env(server)
            if secret_env in env_owner:
                problems.append(
                    Diagnostic("error", "E216",
                               f"MCP servers '{env_owner[secret_env]}' and '{server.name}' both "
                               f"need env var {secret_env}", at("mcp_servers", i),
                               f"{p('mcp_servers')}[{i}]",
                               "Give one of them a different credential_env.")
                )
            env_owner[secret_env] = server.name
        secrets: dict[str, Credential] = {}
        for var, secret_cred in server.secrets.items():
            found_secret = cat.credentials.get(secret_cred)
            if found_secret is None:
                continue  # reported by _check_placeholders
            secrets[var] = found_secret.entry
            if var in env_owner and env_owner[var] != server.name:
                problems.append(
                    Diagnostic("error", "E216",
                               f"MCP servers '{env_owner[var]}' and '{server.name}' both "
                               f"need env var {var}", at("mcp_servers", i),
                               f"{p('mcp_servers')}[{i}]",
                               "Rename the variable in one server's 'secrets' (and its "
                               "placeholders).")
                )
            env_owner[var] = server.name
        servers.append(ResolvedServer(server, url, tools, cred, secret_env, secrets, server_loc))

    service_inputs = dict(values.get("service_inputs") or {})
    inputs = {k: _stringify(v) for k, v in (values.get("workspace_inputs") or {}).items()}
    if len(problems) > before or not runtime_name or refers_to_broken:
        return None
    return ResolvedAgent(
        name=name,
        runtime=str(runtime_name),
        source=loc.pos(),
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
    )


def _check_template_folder(
    cat: Catalogue, values: dict[str, Any], owners: dict[str, Located[Agent]],
    loc: Located[Agent], problems: list[Diagnostic], chains: _Chains,
) -> bool:
    """False, with E230 reported by the agent that writes it, for a ``workspace_template``
    folder (``./…`` or holding ``/``) leaving the project."""
    from agentctl.catalogue.project import OUTSIDE_HINT, confine

    ref = values.get("workspace_template")
    if not ref or not ("/" in ref or ref.startswith(".")):
        return True
    owner = owners["workspace_template"]
    key = (owner.base_dir, ref)
    if key not in chains.folders:
        chains.folders[key] = confine(cat.project.root, owner.base_dir, ref)[1]
    outside = chains.folders[key]
    if outside and owner is loc:
        problems.append(Diagnostic("error", "E230", outside, owner.pos("workspace_template"),
                                   f"agents[{loc.entry.name}].workspace_template",
                                   OUTSIDE_HINT))
    return outside is None


def _check_service_names(resolved: ResolvedProject, problems: list[Diagnostic]) -> None:
    """E231 for an agent named like an internal MCP server's compose service (``mcp-<name>``):
    both would be one service of the compose file."""
    from agentctl.runtimes import get_runtime

    for server in resolved.internal_servers:
        service = f"mcp-{server.name}"
        agent = resolved.agents.get(service)
        if agent is None or not get_runtime(agent.runtime).renders_service:
            continue
        located = resolved.catalogue.agents[service]
        problems.append(Diagnostic(
            "error", "E231", f"agent '{service}' has the compose service name of internal MCP "
            f"server '{server.name}'", located.pos("name"), f"agents[{service}].name",
            f"agentctl runs MCP server '{server.name}' as service '{service}': rename the "
            "agent, or the server."))


def resolve(cat: Catalogue) -> ResolvedProject:
    """Follow every reference of ``cat`` and return the renderable agents.

    Raises :class:`DiagnosticError` with every error found (warnings included);
    returns the :class:`ResolvedProject` (with its warnings) otherwise.
    """
    from agentctl.runtimes import get_runtime

    problems: list[Diagnostic] = list(cat.problems)
    warnings: list[Diagnostic] = list(cat.warnings)
    _check_providers_models(cat, problems)
    _check_servers(cat, problems)
    resolved = ResolvedProject(cat)
    chains = _Chains(cat, problems)
    for name in sorted(cat.agents):
        loc = cat.agents[name]
        agent = _resolve_agent(cat, loc, chains, problems, warnings)
        if agent is None or loc.entry.is_template:
            continue
        runtime = get_runtime(agent.runtime)
        for d in runtime.check(agent, loc):
            (problems if d.severity == "error" else warnings).append(d)
        resolved.agents[name] = agent
    resolved.internal_servers = [
        loc.entry for loc in cat.mcp_servers.values()
        if loc.entry.placement == "internal" and loc.entry.image
    ]
    _check_service_names(resolved, problems)
    if problems:
        raise DiagnosticError([*problems, *warnings])
    resolved.warnings = warnings
    return resolved
