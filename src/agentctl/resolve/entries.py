"""Checks of the catalogue's own entries, before any agent: MCP servers, providers, models.

Every problem is appended to the caller's list, so a run reports them all together.
Checks that need a plug-in (a provider backend's name, its default endpoint) are made
above this layer, in :mod:`agentctl.render.checks`.
"""

from __future__ import annotations

import re
from typing import Any

from agentctl.catalogue.load import Catalogue, Located
from agentctl.catalogue.schema import MCPServer, Ref, split_placeholders
from agentctl.diagnostics import Diagnostic, Position, did_you_mean
from agentctl.resolve.model import mcp_secret_env, placeholder_vars

_URL = re.compile(r"^https?://[^\s/]+")


def ref_error(
    code: str, what: str, name: str, choices: Any, where: Position, path: str, section: str
) -> Diagnostic:
    """``unknown <what> '<name>'`` at ``where``, with did-you-mean among ``choices``."""
    return Diagnostic(
        "error", code, f"unknown {what} '{name}'", where, path,
        (f"Define it under '{section}:'." + did_you_mean(name, choices)).strip(),
    )


def dangling(cat: Catalogue, kind: str, name: str) -> bool:
    """True when ``name`` is neither an entry of ``kind`` nor one refused by its own checks."""
    return name not in cat.kind(kind) and not cat.is_broken(kind, name)


def check_servers(cat: Catalogue, problems: list[Diagnostic]) -> None:
    """E221-E229 and E206 for every MCP server: fields its transport takes, its URL, its
    credential and secrets, its ``${VAR}`` placeholders, tools listed twice."""
    for name, loc in cat.mcp_servers.items():
        s = loc.entry
        path = f"mcp_servers[{name}]"
        if s.transport == "stdio":
            _check_stdio(loc, path, problems)
        else:
            _check_remote(loc, path, problems)
        if s.credential and dangling(cat, "credentials", s.credential):
            problems.append(ref_error("E206", "credential", s.credential, cat.credentials,
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


def _check_stdio(loc: Located[MCPServer], path: str, problems: list[Diagnostic]) -> None:
    """E221/E222: a stdio server needs ``command`` and takes no url, builtin or headers."""
    s = loc.entry
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


def _check_remote(loc: Located[MCPServer], path: str, problems: list[Diagnostic]) -> None:
    """E222-E225: an http/sse server has a URL (or a built-in one), no command."""
    s = loc.entry
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
    if s.url and not _URL.match(s.url):
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


def _check_placeholders(
    cat: Catalogue, loc: Located[MCPServer], problems: list[Diagnostic]
) -> None:
    """Every ``${VAR}`` in headers/env is declared; every ``secrets`` entry is usable."""
    s = loc.entry
    path = f"mcp_servers[{s.name}]"
    allowed = placeholder_vars(s)
    for var, cred in s.secrets.items():
        if dangling(cat, "credentials", cred):
            problems.append(ref_error("E206", "credential", cred, cat.credentials,
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


def check_providers_models(cat: Catalogue, problems: list[Diagnostic]) -> None:
    """E206/E225 for providers (credential, base_url) and E205 for models (provider).

    The provider's backend (E212) and its default endpoint (E217) are plug-in checks:
    see :func:`agentctl.render.checks.check_backends`.
    """
    for name, loc in cat.providers.items():
        p = loc.entry
        if p.credential and dangling(cat, "credentials", p.credential):
            problems.append(ref_error("E206", "credential", p.credential, cat.credentials,
                                      loc.pos("credential"), f"providers[{name}].credential",
                                      "credentials"))
        if p.base_url and not _URL.match(p.base_url):
            problems.append(
                Diagnostic("error", "E225", f"'{p.base_url}' is not an http(s) URL",
                           loc.pos("base_url"), f"providers[{name}].base_url")
            )
    for name, model_loc in cat.models.items():
        m = model_loc.entry
        if dangling(cat, "providers", m.provider):
            problems.append(ref_error("E205", "provider", m.provider, cat.providers,
                                      model_loc.pos("provider"), f"models[{name}].provider",
                                      "providers"))
