"""Each runtime's own CLI reads agentctl's output and reaches a real MCP server with the
token from the agent's env file; with a wrong token it reports the failure.

`claude mcp list`, `gemini mcp list` and `opencode mcp list` really connect; `codex mcp
list` only parses the config, so for Codex the check is that it understood the bearer
variable. The server logs each request's status, so a "connected" line is matched by
requests it accepted.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.acceptance.conftest import (
    TOKEN,
    Deployed,
    Probe,
    cli_env,
    run_mcp_list,
    trust,
)

pytestmark = pytest.mark.acceptance

TOKEN_VAR = "AGENTCTL_MCP_PROBE_TOKEN"
#: agent name → (runtime, program, regex of the connected line, of the failed line).
CONNECTING = {
    "claude": ("claude-code", "claude",
               r"^probe: {url} \(HTTP\) - ✔ Connected$", r"^probe: {url} \(HTTP\) - ✘ Failed"),
    "gemini": ("gemini-cli", "gemini",
               r"^✓ probe: {url} \(http\) - Connected$", r"^✗ probe: {url} \(http\) - Disconn"),
    "opencode": ("opencode", "opencode", r"✓ probe\s+connected$", r"✗ probe\s+failed$"),
}


def _check(
    agent: str, deployed: Deployed, probe: Probe, npm_bin: Path, tmp_path: Path, token: str
) -> tuple[str, list[str]]:
    runtime, program, _, _ = CONNECTING[agent]
    values = deployed.env(agent)
    assert values == {TOKEN_VAR: TOKEN}  # the env file carries the credential's value
    values[TOKEN_VAR] = token
    workspace = deployed.workspace(agent)
    trust(runtime, workspace, tmp_path)
    before = len(probe.statuses())
    result = run_mcp_list(program, workspace, cli_env(tmp_path, npm_bin, values))
    out = result.stdout + result.stderr
    return out, probe.statuses()[before:]


@pytest.mark.parametrize("agent", sorted(CONNECTING))
def test_connects_with_the_env_file_token(
    agent: str, deployed: Deployed, probe: Probe, npm_bin: Path, tmp_path: Path
) -> None:
    out, statuses = _check(agent, deployed, probe, npm_bin, tmp_path, TOKEN)
    connected = CONNECTING[agent][2].format(url=re.escape(probe.url))
    assert re.search(connected, out, re.M), out
    assert "200" in statuses and "401" not in statuses, statuses


@pytest.mark.parametrize("agent", sorted(CONNECTING))
def test_wrong_token_fails(
    agent: str, deployed: Deployed, probe: Probe, npm_bin: Path, tmp_path: Path
) -> None:
    out, statuses = _check(agent, deployed, probe, npm_bin, tmp_path, "wrong-" + TOKEN)
    failed = CONNECTING[agent][3].format(url=re.escape(probe.url))
    assert re.search(failed, out, re.M), out
    assert "Connected" not in out and " connected" not in out
    assert statuses and set(statuses) == {"401"}, statuses


def test_codex_understands_the_bearer_variable(
    deployed: Deployed, probe: Probe, npm_bin: Path, tmp_path: Path
) -> None:
    assert deployed.env("codex") == {TOKEN_VAR: TOKEN}
    workspace = deployed.workspace("codex")
    trust("codex", workspace, tmp_path)
    result = run_mcp_list("codex", workspace, cli_env(tmp_path, npm_bin, deployed.env("codex")))
    assert result.returncode == 0, result.stderr
    row = re.compile(
        rf"^probe\s+{re.escape(probe.url)}\s+{TOKEN_VAR}\s+enabled\s+Bearer token\s*$", re.M
    )
    assert re.search(row, result.stdout), result.stdout
    header = next(line for line in result.stdout.splitlines() if line.startswith("Name"))
    assert "Bearer Token Env Var" in header and "Auth" in header


def test_codex_ignores_an_untrusted_project(
    deployed: Deployed, npm_bin: Path, tmp_path: Path
) -> None:
    """The trust step is what makes Codex read the workspace's .codex/config.toml."""
    workspace = deployed.workspace("codex")
    result = run_mcp_list("codex", workspace, cli_env(tmp_path, npm_bin, deployed.env("codex")))
    assert "probe" not in result.stdout, result.stdout


def test_gemini_service_env_trusts_its_workspace(
    deployed: Deployed, probe: Probe, npm_bin: Path, tmp_path: Path
) -> None:
    """Untrusted, Gemini ignores the workspace's servers; the service's env trusts it."""
    workspace = deployed.workspace("gemini")
    values = deployed.env("gemini")
    plain = run_mcp_list("gemini", workspace, cli_env(tmp_path, npm_bin, values))
    assert "Connected" not in plain.stdout + plain.stderr
    values.update(deployed.service_env("gemini"))
    assert values["GEMINI_CLI_TRUST_WORKSPACE"] == "true"
    result = run_mcp_list("gemini", workspace, cli_env(tmp_path, npm_bin, values))
    connected = CONNECTING["gemini"][2].format(url=re.escape(probe.url))
    assert re.search(connected, result.stdout + result.stderr, re.M), result.stdout


def test_codex_service_env_reads_the_rendered_config(
    deployed: Deployed, probe: Probe, npm_bin: Path, tmp_path: Path
) -> None:
    """The service points CODEX_HOME at the workspace's .codex: no trust entry needed."""
    workspace = deployed.workspace("codex")
    values = {**deployed.env("codex"), **deployed.service_env("codex")}
    assert values["CODEX_HOME"] == str(workspace / ".codex")
    result = run_mcp_list("codex", workspace, cli_env(tmp_path, npm_bin, values))
    row = rf"^probe\s+{re.escape(probe.url)}\s+{TOKEN_VAR}\s+enabled\s+Bearer token\s*$"
    assert re.search(row, result.stdout, re.M), result.stdout + result.stderr
