"""Helpers the runtimes share: the agent's endpoint, URL suffixes, JSON output, merging,
a server's headers and env in the catalogue's canonical ``${VAR}`` form, the check for
placeholder defaults a runtime does not expand, Markdown with frontmatter, and scoped
rules as nested ``AGENTS.md`` files."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentctl.diagnostics import Diagnostic
from agentctl.providers import default_base_url
from agentctl.support.tree import FileSpec

if TYPE_CHECKING:
    from agentctl.catalogue.load import Located
    from agentctl.catalogue.primitives import Hook
    from agentctl.catalogue.schema import Agent
    from agentctl.resolve import ResolvedAgent, ResolvedServer
    from agentctl.resolve.selected import Selected


def endpoint(agent: ResolvedAgent) -> str | None:
    """The agent's inference endpoint as the catalogue means it: the provider's
    ``base_url``, else its backend's default (``agentctl.providers``), without a
    trailing ``/``. None without a provider or an endpoint.

    The catalogue's form follows each backend's model-list API (README "Providers and
    models"): ``https://api.anthropic.com`` and ``http://localhost:11434`` without a
    version, OpenAI-shaped endpoints with ``/v1``; each runtime turns it into the form
    its own client reads (:func:`with_suffix`, :func:`without_suffix`).
    """
    provider = agent.provider
    if provider is None:
        return None
    url = provider.base_url
    if not url:
        try:
            url = default_base_url(provider.backend)
        except KeyError:  # an unknown backend is reported by resolve
            return None
    return url.rstrip("/") if url else None


def with_suffix(url: str, suffix: str) -> str:
    """``url`` ending in ``suffix`` (``/v1``), added only when it is not there yet."""
    url = url.rstrip("/")
    return url if url.endswith(suffix) else url + suffix


def without_suffix(url: str, suffix: str) -> str:
    """``url`` with a trailing ``suffix`` (``/v1``) removed: for clients that append it."""
    url = url.rstrip("/")
    return url[: -len(suffix)] if url.endswith(suffix) else url


def dump_json(document: Any) -> bytes:
    """Serialise ``document`` as 2-space JSON with a final newline (deterministic)."""
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Return ``base`` with ``extra`` merged in: mappings recursively, other values replaced."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def server_headers(server: ResolvedServer) -> dict[str, str]:
    """A remote server's headers as the catalogue means them, credential included.

    The credential travels as ``Authorization: Bearer ${<secret_env>}`` (seed:
    ``config_entry``); placeholders stay in the canonical ``${VAR}`` form.
    """
    headers = dict(server.server.headers)
    if server.secret_env:
        headers["Authorization"] = "Bearer ${" + server.secret_env + "}"
    return dict(sorted(headers.items()))


def server_env(server: ResolvedServer) -> dict[str, str]:
    """A stdio server's env as the catalogue means it: the credential as ``${VAR}``."""
    env = dict(server.server.env)
    if server.secret_env:
        env[server.secret_env] = "${" + server.secret_env + "}"
    return dict(sorted(env.items()))


def markdown_with_frontmatter(meta: dict[str, Any], body: str) -> bytes:
    """A Markdown file with YAML frontmatter (``---`` fences), keys in ``meta``'s order,
    ``body`` ending in a newline: the form Claude Code's and OpenCode's agent, command and
    rule files take; just ``body`` when ``meta`` is empty. Deterministic (PyYAML's safe
    dumper, no line folding)."""
    import yaml

    if not meta:
        return (body if body.endswith("\n") else body + "\n").encode()
    head = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1 << 30)
    text = body if body.endswith("\n") else body + "\n"
    return f"---\n{head}---\n{text}".encode()


#: A glob naming every file below one folder: ``<folder>/**``.
FOLDER_GLOB = re.compile(r"^(?P<folder>[^*?\[\]{}!]+?)/\*\*$")


def rule_folder(glob: str) -> str | None:
    """The folder a ``<folder>/**`` glob names, None for any other glob."""
    match = FOLDER_GLOB.match(glob)
    return match["folder"].rstrip("/") if match else None


def folder_rule_checks(runtime: str, agent: ResolvedAgent) -> list[Diagnostic]:
    """E531 for each path of a selected rule that is not ``<folder>/**``: a runtime that
    scopes instructions by folder (a nested ``AGENTS.md``) cannot write it."""
    out: list[Diagnostic] = []
    for chosen in agent.primitives.rules:
        for i, glob in enumerate(chosen.entry.paths):
            if rule_folder(glob) is not None:
                continue
            out.append(Diagnostic(
                "error", "E531", f"runtime {runtime} scopes rules by folder and cannot "
                f"express path '{glob}' of rule '{chosen.name}'",
                chosen.located.pos("paths", i) if chosen.located else chosen.where,
                f"rules[{chosen.name}].paths[{i}]",
                f"Write it as '<folder>/**' (a nested AGENTS.md for that folder), or use "
                f"claude-code for agent '{agent.name}' (selected at {chosen.where})."))
    return out


def folder_rule_files(agent: ResolvedAgent, note: str) -> dict[str, FileSpec]:
    """``<folder>/AGENTS.md`` per folder the agent's rules name (``<folder>/**``), the
    instructions of every rule naming it in the agent's order, after ``note``."""
    texts: dict[str, list[str]] = {}
    for chosen in agent.primitives.rules:
        for glob in chosen.entry.paths:
            folder = rule_folder(glob)
            if folder is not None and chosen.entry.instructions not in texts.get(folder, []):
                texts.setdefault(folder, []).append(chosen.entry.instructions.rstrip("\n"))
    return {f"{folder}/AGENTS.md": FileSpec(
        (f"<!-- {note} -->\n\n" + "\n\n".join(parts) + "\n").encode())
        for folder, parts in sorted(texts.items())}
def default_placeholder_errors(
    runtime: str, agent: ResolvedAgent, located: Located[Agent], why: str,
) -> list[Diagnostic]:
    """E506 for each ``${VAR:-default}`` in a server's env (stdio) or headers (remote),
    for a runtime that expands ``${VAR}`` but not the default form; ``why`` names the
    runtime's reason, after the placeholder."""
    from agentctl.catalogue.schema import Ref, split_placeholders
    from agentctl.runtimes.checks import placeholder_error

    out: list[Diagnostic] = []
    for server in agent.mcp_servers:
        s = server.server
        field, values = ("env", s.env) if s.transport == "stdio" else ("headers", s.headers)
        for key, text in values.items():
            for part in split_placeholders(text):
                if isinstance(part, Ref) and part.default is not None:
                    out.append(placeholder_error(
                        runtime, agent, server, field, key,
                        f"{part.canonical()} has a default, and {why}",
                        f"Drop ':-{part.default}' (an unset variable becomes empty text), "
                        "or use another runtime for this agent.",
                    ))
    return out


def read_json_config(path: Path) -> tuple[dict[str, Any], int]:
    """A runtime's own JSON config file in the user's home (``~/.claude.json``,
    ``~/.copilot/config.json``) as ``(object, mode)``: ``({}, 0o600)`` when absent or
    empty, the file's permission bits otherwise, so a rewrite keeps them. Raises
    ``ValueError`` when the file holds JSON that is not an object (and
    ``json.JSONDecodeError`` for text that is not JSON)."""
    try:
        raw = path.read_bytes()
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        raw, mode = b"", 0o600
    doc = json.loads(raw) if raw.strip() else {}
    if not isinstance(doc, dict):
        raise ValueError(f"{path} does not hold a JSON object")
    return doc, mode


def hook_groups(agent: ResolvedAgent, events: Mapping[str, str],
                handler: Callable[[Selected[Hook]], dict[str, Any]]
                ) -> dict[str, list[dict[str, Any]]]:
    """The settings ``hooks`` shape Claude Code introduced and Gemini CLI and Qwen Code
    share: runtime event name (``events[hook.event]``) → matcher groups ``{matcher?,
    hooks: [handler(hook)]}``, one group per hook in the order the agent lists them."""
    out: dict[str, list[dict[str, Any]]] = {}
    for chosen in agent.primitives.hooks:
        group: dict[str, Any] = {}
        if chosen.entry.matcher is not None:
            group["matcher"] = chosen.entry.matcher
        group["hooks"] = [handler(chosen)]
        out.setdefault(events[chosen.entry.event], []).append(group)
    return out
