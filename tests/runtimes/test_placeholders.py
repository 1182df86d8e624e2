"""The placeholder table of reference/runtimes.md, row by row, per runtime; and every
unworkable combination: placeholder × runtime, credential kind × runtime, transport ×
runtime. The catalogue writes ``${VAR}``; each runtime gets its own form, or a
validation error naming the server, the header (or env key) and the runtime."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli
from tests.runtimes.conftest import (
    MODEL,
    RUNTIMES,
    build_errors,
    build_project,
    env_names,
    workspace,
    write_project,
)


def catalogue(runtime: str, server: str) -> str:
    return f"""\
mcp_servers:
{server}
agents:
  - name: a
    runtime: {runtime}
    model: {MODEL[runtime]}
    instructions: x
    mcp_servers: [s]
"""


def http_server(header: str, value: str) -> str:
    return f"""\
  - name: s
    transport: http
    url: https://mcp.example.com/mcp
    headers: {{{header}: "{value}"}}
    secrets: {{T: acme-key}}
"""


STDIO_SERVER = """\
  - name: s
    transport: stdio
    command: tool-mcp
    env: {K: "${K}"}
    secrets: {K: acme-key}
"""


def entry(tmp_path: Path, runtime: str, server: str) -> dict[str, Any]:
    """The server's entry in the runtime's MCP config file."""
    files = workspace(build_project(tmp_path, catalogue(runtime, server)), "a")
    if runtime in ("claude-code", "copilot-cli"):
        doc: dict[str, Any] = json.loads(files[".mcp.json"])["mcpServers"]
    elif runtime == "qwen-code":
        doc = json.loads(files[".qwen/system-settings.json"])["mcpServers"]
    elif runtime == "opencode":
        doc = json.loads(files["opencode.json"])["mcp"]
    elif runtime == "kilo":
        doc = json.loads(files["agentctl.kilo.json"])["mcp"]
    elif runtime == "codex":
        doc = tomllib.loads(files[".codex/config.toml"])["mcp_servers"]
    else:
        doc = json.loads(files[".gemini/settings.json"])["mcpServers"]
    result: dict[str, Any] = doc["s"]
    return result


# Row 1: stdio env {K: "${K}"}.
STDIO_ROW = {
    "claude-code": ("env", {"K": "${K}"}),
    "opencode": ("environment", {"K": "{env:K}"}),
    "kilo": ("environment", {"K": "{env:K}"}),
    "codex": ("env_vars", ["K"]),
    "gemini-cli": ("env", {"K": "${K}"}),
    "copilot-cli": ("env", {"K": "${K}"}),
    "qwen-code": ("env", {"K": "${K}"}),
}


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_row_stdio_env_same_name(tmp_path: Path, runtime: str) -> None:
    key, expected = STDIO_ROW[runtime]
    got = entry(tmp_path, runtime, STDIO_SERVER)
    assert got[key] == expected
    if runtime == "codex":
        assert "env" not in got  # never a value, only the name


# Rows 2-3: header Authorization: Bearer ${T}; header X-Key: ${T}.
BEARER_ROW = {
    "claude-code": ("headers", {"Authorization": "Bearer ${T}"}),
    "opencode": ("headers", {"Authorization": "Bearer {env:T}"}),
    "kilo": ("headers", {"Authorization": "Bearer {env:T}"}),
    "codex": ("bearer_token_env_var", "T"),
    "gemini-cli": ("headers", {"Authorization": "Bearer ${T}"}),
    "copilot-cli": ("headers", {"Authorization": "Bearer ${T}"}),
    "qwen-code": ("headers", {"Authorization": "Bearer ${T}"}),
}
WHOLE_ROW = {
    "claude-code": ("headers", {"X-Key": "${T}"}),
    "opencode": ("headers", {"X-Key": "{env:T}"}),
    "kilo": ("headers", {"X-Key": "{env:T}"}),
    "codex": ("env_http_headers", {"X-Key": "T"}),
    "gemini-cli": ("headers", {"X-Key": "${T}"}),
    "copilot-cli": ("headers", {"X-Key": "${T}"}),
    "qwen-code": ("headers", {"X-Key": "${T}"}),
}


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_row_bearer_header(tmp_path: Path, runtime: str) -> None:
    key, expected = BEARER_ROW[runtime]
    got = entry(tmp_path, runtime, http_server("Authorization", "Bearer ${T}"))
    assert got[key] == expected
    if runtime == "codex":
        assert "http_headers" not in got and "env_http_headers" not in got


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_row_whole_header(tmp_path: Path, runtime: str) -> None:
    key, expected = WHOLE_ROW[runtime]
    assert entry(tmp_path, runtime, http_server("X-Key", "${T}"))[key] == expected


# Row 4: text around the placeholder.
@pytest.mark.parametrize("runtime", ["claude-code", "opencode", "gemini-cli", "copilot-cli",
                                     "qwen-code"])
def test_row_text_around(tmp_path: Path, runtime: str) -> None:
    expected = "acme-{env:T}" if runtime == "opencode" else "acme-${T}"
    got = entry(tmp_path, runtime, http_server("X-T", "acme-${T}"))
    assert got["headers"] == {"X-T": expected}


def test_row_text_around_codex_refused(tmp_path: Path) -> None:
    errors = build_errors(tmp_path, catalogue("codex", http_server("X-T", "acme-${T}")))
    assert [e.code for e in errors] == ["E506"]
    error = errors[0]
    assert error.summary.startswith(
        "runtime codex cannot express header 'X-T' of MCP server 's': "
    )
    assert "text around the placeholder" in error.summary
    assert error.path == "mcp_servers[s].headers.X-T"
    assert error.position is not None
    assert error.position.file == "catalogue/test.yaml"
    assert (error.position.line, error.position.column) == (5, 20)
    assert "Agent 'a'" in error.detail


# Row 5: ${T:-default}.
@pytest.mark.parametrize("runtime", ["claude-code", "gemini-cli", "copilot-cli"])
def test_row_default_native(tmp_path: Path, runtime: str) -> None:
    got = entry(tmp_path, runtime, http_server("X-Key", "${T:-anonymous}"))
    assert got["headers"] == {"X-Key": "${T:-anonymous}"}


@pytest.mark.parametrize("runtime", ["opencode", "codex", "qwen-code"])
def test_row_default_refused(tmp_path: Path, runtime: str) -> None:
    errors = build_errors(tmp_path, catalogue(runtime, http_server("X-Key", "${T:-anonymous}")))
    assert [e.code for e in errors] == ["E506"]
    assert f"runtime {runtime} cannot express header 'X-Key' of MCP server 's'" in (
        errors[0].summary
    )
    assert "${T:-anonymous} has a default" in errors[0].summary
    assert errors[0].position is not None and errors[0].position.line == 5


@pytest.mark.parametrize("runtime", ["opencode", "qwen-code"])
def test_stdio_default_refused(tmp_path: Path, runtime: str) -> None:
    server = STDIO_SERVER.replace('"${K}"', '"${K:-x}"')
    errors = build_errors(tmp_path, catalogue(runtime, server))
    assert [e.code for e in errors] == ["E506"]
    assert "env key 'K' of MCP server 's'" in errors[0].summary


def test_codex_env_key_must_equal_variable(tmp_path: Path) -> None:
    server = """\
  - name: s
    transport: stdio
    command: tool-mcp
    env: {API_TOKEN: "${K}"}
    secrets: {K: acme-key}
"""
    errors = build_errors(tmp_path, catalogue("codex", server))
    assert [e.code for e in errors] == ["E506"]
    assert "runtime codex cannot express env key 'API_TOKEN' of MCP server 's'" in (
        errors[0].summary
    )
    assert "declare secrets: {API_TOKEN: …}" in errors[0].detail
    for runtime in ("claude-code", "opencode", "gemini-cli", "copilot-cli", "qwen-code"):
        got = entry(tmp_path / runtime, runtime, server)
        env = got.get("env") or got["environment"]
        assert env["API_TOKEN"] in ("${K}", "{env:K}")


# Declaring placeholders.
@pytest.mark.parametrize("runtime", RUNTIMES)
def test_secrets_land_in_env_file(tmp_path: Path, runtime: str) -> None:
    built = build_project(tmp_path, catalogue(runtime, http_server("X-Key", "${T}")))
    assert env_names(built, "a")[-1] == "T"
    spec = built.tree.env_files["env/a.env"]
    assert spec.variables[-1].credential.name == "acme-key"


def test_undeclared_placeholder_refused(tmp_path: Path) -> None:
    server = """\
  - name: s
    transport: http
    url: https://mcp.example.com/mcp
    headers: {X-Key: "${NOPE}"}
"""
    errors = build_errors(tmp_path, catalogue("claude-code", server))
    assert [e.code for e in errors] == ["E228"]
    e = errors[0]
    assert e.summary == (
        "header 'X-Key' of MCP server 's' uses ${NOPE}, which the server does not declare"
    )
    assert str(e.position) == "catalogue/test.yaml:5:22"
    assert e.path == "mcp_servers[s].headers.X-Key"
    assert "secrets: {NOPE: <credential name>}" in e.detail


def test_credential_variable_needs_no_declaration(tmp_path: Path) -> None:
    server = """\
  - name: s
    transport: stdio
    command: tool-mcp
    credential: acme-key
    credential_env: TOOL_TOKEN
    env: {TOKEN_FILE_HINT: "${TOOL_TOKEN}"}
"""
    files = workspace(build_project(tmp_path, catalogue("gemini-cli", server)), "a")
    env = json.loads(files[".gemini/settings.json"])["mcpServers"]["s"]["env"]
    assert env == {"TOKEN_FILE_HINT": "${TOOL_TOKEN}", "TOOL_TOKEN": "${TOOL_TOKEN}"}


@pytest.mark.parametrize("value", ["$T", "Bearer $T", "${T", "${1X}"])
def test_stray_dollar_refused(tmp_path: Path, value: str) -> None:
    errors = build_errors(tmp_path, catalogue("claude-code", http_server("X-Key", value)))
    assert [e.code for e in errors] == ["E116"]
    assert "not a ${VAR} placeholder" in errors[0].summary
    assert errors[0].position is not None and errors[0].position.line > 0


def test_secret_from_unknown_credential(tmp_path: Path) -> None:
    server = http_server("X-Key", "${T}").replace("acme-key", "acme-kee")
    errors = build_errors(tmp_path, catalogue("claude-code", server))
    assert [e.code for e in errors] == ["E206"]
    assert "Did you mean 'acme-key'?" in errors[0].detail


def test_secret_shadowing_credential_variable(tmp_path: Path) -> None:
    server = """\
  - name: s
    transport: http
    url: https://mcp.example.com/mcp
    credential: probe-token
    secrets: {AGENTCTL_MCP_S_TOKEN: acme-key}
"""
    errors = build_errors(tmp_path, catalogue("claude-code", server))
    assert [e.code for e in errors] == ["E229"]


def test_validate_names_server_header_and_runtime(tmp_path: Path) -> None:
    root = write_project(tmp_path, catalogue("codex", http_server("X-T", "acme-${T}")))
    result = run_cli("-C", str(root), "validate")
    assert result.returncode != 0
    out = result.stdout + result.stderr
    assert "catalogue/test.yaml:5:20" in out
    assert "runtime codex cannot express header 'X-T' of MCP server 's'" in out


# Unworkable combinations.
CREDENTIAL_KINDS = {
    # runtime → {credential: accepted?}; each paired with a model its backends accept.
    "claude-code": {"anthropic-key": True, "anthropic-oauth": True, "gateway-bearer": True},
    "opencode": {"anthropic-key": True, "anthropic-oauth": False, "gateway-bearer": True},
    "codex": {"openai-key": True, "anthropic-oauth": False, "gateway-bearer": True},
    "gemini-cli": {"gemini-key": True, "anthropic-oauth": False, "gateway-bearer": False},
    "copilot-cli": {"anthropic-key": True, "anthropic-oauth": False, "gateway-bearer": True},
    "qwen-code": {"openai-key": True, "anthropic-oauth": False, "gateway-bearer": True},
}


@pytest.mark.parametrize(
    ("runtime", "credential", "accepted"),
    [(r, c, ok) for r, kinds in CREDENTIAL_KINDS.items() for c, ok in kinds.items()],
)
def test_credential_kind_by_runtime(
    tmp_path: Path, runtime: str, credential: str, accepted: bool
) -> None:
    text = f"""\
agents:
  - {{name: a, runtime: {runtime}, model: {MODEL[runtime]}, instructions: x,
     inference_credential: {credential}}}
"""
    if accepted:
        build_project(tmp_path, text)
    else:
        errors = build_errors(tmp_path, text)
        assert [e.code for e in errors] == ["E503"]
        assert errors[0].summary.startswith(f"runtime {runtime} cannot use a ")


TRANSPORTS = {
    "claude-code": {"stdio", "http", "sse"},
    "opencode": {"stdio", "http", "sse"},
    "codex": {"stdio", "http"},
    "gemini-cli": {"stdio", "http", "sse"},
    "copilot-cli": {"stdio", "http", "sse"},
    "qwen-code": {"stdio", "http", "sse"},
    "kilo": {"stdio", "http", "sse"},
}


@pytest.mark.parametrize(
    ("runtime", "transport"),
    [(r, t) for r in RUNTIMES for t in ("stdio", "http", "sse")],
)
def test_transport_by_runtime(tmp_path: Path, runtime: str, transport: str) -> None:
    where = "command: tool-mcp" if transport == "stdio" else "url: https://mcp.example.com/x"
    server = f"  - name: s\n    transport: {transport}\n    {where}\n"
    if transport in TRANSPORTS[runtime]:
        assert entry(tmp_path, runtime, server)
    else:
        errors = build_errors(tmp_path, catalogue(runtime, server))
        assert [e.code for e in errors] == ["E505"]
        assert errors[0].summary == "runtime codex cannot connect to MCP server 's' over sse"
        assert str(errors[0].position) == "catalogue/test.yaml:3:16"
