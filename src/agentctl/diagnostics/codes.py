"""Every diagnostic code agentctl emits, with a one-line description.

Codes are stable across releases: editors, SARIF consumers (GitHub code scanning) and
CI filters key on them. ``E0xx`` project, ``E1xx`` syntax and schema, ``E2xx``
references, ``E3xx`` skills and skill sources, ``E4xx`` secrets, ``E5xx`` runtime
pairings, ``E6xx`` providers, ``E7xx`` command arguments, ``E8xx`` init, ``E9xx``
workspace and service templates. ``W…`` are warnings (``W7xx`` the kubernetes target,
``W8xx`` kagent). SARIF output uses :func:`all_codes` for each rule's
``shortDescription``.

Plug-ins (runtimes, provider backends, …) declare the codes they emit beyond this table
in a ``codes`` class attribute (code → one-line description). Each plug-in family's
registry hands them over with :func:`register_code_source`, and :func:`all_codes` merges
them into :data:`CODES`; one code declared by two owners is an error naming both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

#: A plug-in family's codes: ``(owner, {code: description})`` pairs, the owner naming
#: the class that declares them (``module:Class``).
CodeSource = Callable[[], Iterable[tuple[str, Mapping[str, str]]]]
#: Owner of the codes in :data:`CODES`.
BUILTIN_OWNER = "agentctl"

CODES: dict[str, str] = {
    "E001": "No agentctl.yaml found",
    "E002": "No catalogue files match the project's globs",
    "E003": "Catalogue glob is absolute, climbs out or matches a file outside the project",
    "E010": "Unknown deployment target",
    "E020": "State folder .agentctl is a symlink or not a folder",
    "E021": "Ledger records a file outside the output folder",
    "E100": "YAML syntax error",
    "E101": "YAML nests too deeply",
    "E102": "Duplicate mapping key",
    "E103": "Input file too large",
    "E104": "Input file unreadable or not UTF-8",
    "E105": "Catalogue file is not a mapping",
    "E106": "Unknown catalogue section",
    "E107": "YAML aliases expand too far",
    "E108": "Mapping key is a list or mapping",
    "E110": "Unknown key",
    "E111": "Missing required key",
    "E112": "Wrong type",
    "E113": "Value does not match the required pattern",
    "E114": "Value is not one of the allowed choices",
    "E115": "Value must not be empty",
    "E116": "Invalid value",
    "E120": "Duplicate name across catalogue files",
    "E201": "extends names an unknown agent",
    "E202": "extends forms a cycle",
    "E203": "Unknown model",
    "E204": "Retired model",
    "E205": "Unknown provider",
    "E206": "Unknown credential",
    "E207": "Unknown skill",
    "E208": "Unknown MCP server",
    "E209": "Unknown MCP tool",
    "E210": "Agent has no runtime",
    "E211": "Skill listed twice",
    "E212": "Unknown provider backend",
    "E213": "Both instructions and instructions_file",
    "E214": "Instructions file does not exist",
    "E216": "Two MCP servers need the same env var",
    "E217": "Provider backend has no default endpoint",
    "E218": "Unknown skill source",
    "E221": "stdio server without command",
    "E222": "Key not allowed on a stdio server",
    "E223": "Both url and builtin",
    "E224": "http/sse server without url or builtin",
    "E225": "URL is not http(s)",
    "E226": "image on a non-internal server",
    "E227": "Tool listed twice",
    "E228": "Placeholder variable not declared in secrets",
    "E229": "Secret reuses the server's credential variable",
    "E230": "Path leads outside the project",
    "E231": "Agent named like an internal MCP server's compose service",
    # E240-E249: subagents, commands, hooks and scoped rules (issue 17).
    "E240": "Unknown subagent, command, hook or rule",
    "E241": "Subagent, command, hook or rule listed twice",
    "E242": "Subagent names an unknown model",
    "E243": "Subagent uses an MCP server or tool its agent may not",
    "E244": "Subagent's model is served by another provider than its agent's",
    "E301": "Skill folder does not exist",
    "E302": "Skill folder holds no SKILL.md",
    "E303": "Catalogue skill name differs from SKILL.md",
    "E304": "Symlink in a skill folder",
    "E305": "Skill too large",
    "E306": "SKILL.md has no name",
    "E307": "Skill name breaks the Agent Skills spec",
    "E308": "SKILL.md has no description",
    "E309": "Skill source has no such skill",
    "E310": "Skill source not synced (run agentctl skills sync)",
    "E311": "Lock file unreadable",
    "E312": "Skill source could not be fetched or its ref resolved",
    "E313": "Cached skill does not match the lock file's hash",
    "E314": "Skill source git URL uses a transport agentctl does not allow",
    "E401": "Secret value not found",
    "E402": "Secret value cannot be written to an env file",
    "E403": "Unknown credential",
    "E404": "Secret value cannot be stored",
    # E405-E409: secret backends (issue 16)
    "E405": "Secret backend unavailable",
    "E406": "Secret source parameters a backend cannot use",
    "E407": "Unknown secret backend",
    "E501": "Runtime cannot use this provider",
    "E502": "Model without an inference credential",
    "E503": "Runtime cannot use this credential kind",
    "E504": "Unknown service input",
    "E505": "Runtime cannot use this MCP transport",
    "E506": "Runtime cannot express this MCP header or env",
    # E530-E539: runtimes and subagents, commands, hooks and scoped rules (issue 17).
    "E530": "Runtime has no equivalent of a subagent, command, hook or rule",
    "E531": "Runtime cannot express this part of a subagent, command, hook or rule",
    # E507 (codex) and W510 (none) are declared by the runtimes that emit them.
    "E601": "Provider request failed",
    "E602": "Provider refused the credential",
    "E603": "Provider has no usable credential",
    "E604": "No models file for a built-in provider",
    "E605": "Models file outside the project's catalogue",
    "E701": "Agent was never applied",
    "E702": "run: unknown agent",
    "E703": "run: the agent has no CLI to run here (files-only runtime, or not the compose target)",
    "E704": "run: the agent is not applied",
    "E705": "run: the agent's files or service differ from the catalogue",
    "E706": "run: the runtime's CLI is not installed",
    "E707": "run: the runtime could not prepare this machine",
    # E730-E739: render --out and destroy guards (issue 18).
    "E730": "render --out: the folder holds files render did not write",
    "E731": "destroy: the project's services are running",
    "E801": "init: the folder is not empty (use --force)",
    "E802": "init: the project template could not be rendered",
    "E804": "init: --data names a question the template does not ask",
    "E901": "Unknown workspace or service template",
    "E902": "Template runs code and needs --trust",
    "E903": "Template question has no answer",
    "E904": "Template failed to render",
    "E905": "Service template did not render a mapping",
    # W030-W039: a partial apply (issue 16 item 4).
    "W030": "Blocked agent that was never applied left out of the shared files",
    "W201": "Deprecated model",
    "W202": "Agent has no instructions",
    "W203": "Built-in MCP server has no URL",
    "W301": "Skill name differs from its folder",
    "W302": "Skill description too long",
    "W303": "Skill compatibility too long or not text",
    "W304": "Skill metadata is not text to text",
    "W305": "Skill allowed-tools is neither text nor a list of text",
    "W306": "Unknown SKILL.md frontmatter key",
    "W501": "Runtime has no effort setting",
    "W502": "MCP server uses the deprecated HTTP+SSE transport",
    "W701": "Workspace ConfigMap too large for the API server",
    "W801": "kagent: agent without a model not rendered",
    "W802": "kagent: provider has no kagent equivalent",
    "W803": "kagent: stdio MCP server left out",
    "W804": "kagent: MCP header kagent cannot express",
    "W805": "kagent: skills not rendered",
    "W806": "kagent: credential kind sent as an API key",
    "W901": "Template file shadowed by a runtime-owned file",
}


_SOURCES: list[CodeSource] = []


class CodeClash(ValueError):
    """One diagnostic code declared by two owners; the message names both."""


def register_code_source(source: CodeSource) -> CodeSource:
    """Make :func:`all_codes` include the codes ``source`` returns; returns ``source``.

    A plug-in family's registry module registers one source when it is imported (a code
    can only be emitted by a plug-in whose family is imported). Registering the same
    source again changes nothing.
    """
    if source not in _SOURCES:
        _SOURCES.append(source)
    return source


def declaring_owner(plugin: object, attr: str = "codes") -> str:
    """``module:Class`` of the class in ``plugin``'s MRO that defines ``attr`` itself, so
    a subclass inheriting its parent's codes shares the parent's owner."""
    cls = next((c for c in type(plugin).__mro__ if attr in vars(c)), type(plugin))
    return f"{cls.__module__}:{cls.__qualname__}"


def merge_codes(owned: Iterable[tuple[str, Mapping[str, str]]]) -> dict[str, str]:
    """:data:`CODES` with every ``(owner, codes)`` pair merged in.

    An owner listed twice (one class registered under two names) counts once. Raises
    :class:`CodeClash` when a code is declared by two owners (the built-in table's owner
    is :data:`BUILTIN_OWNER`).
    """
    merged = dict(CODES)
    owners = dict.fromkeys(CODES, BUILTIN_OWNER)
    for owner, codes in owned:
        for code, description in codes.items():
            if owners.setdefault(code, owner) != owner:
                raise CodeClash(f"diagnostic code {code} is declared by both "
                                f"{owners[code]} and {owner}")
            merged[code] = description
    return dict(sorted(merged.items()))


def all_codes() -> dict[str, str]:
    """Every code agentctl and its registered plug-ins emit → description, sorted by code.

    Raises :class:`CodeClash` when two owners declare one code.
    """
    return merge_codes(pair for source in _SOURCES for pair in source())
