"""Each runtime's own ``mcp list``, started by ``agentctl run`` in the rendered workspace,
reaches agentctl's MCP servers with the env file's secrets; with a refused token it
reports the failure. The README's check recipe is run as written.

``claude``, ``gemini``, ``opencode`` and ``qwen`` really connect; ``codex mcp list`` and
``copilot mcp list`` only read the config, so for Codex and Copilot CLI the check is that
each entry was understood (for Copilot: read from the trusted workspace). The servers log
every request's status, so a "connected" line is matched by requests they accepted.
"""

from __future__ import annotations

import re

import pytest

from tests.acceptance.conftest import Deployed, McpLog, run_process
from tests.conftest import AGENTCTL, ROOT

pytestmark = pytest.mark.acceptance

SERVERS = ("probe", "probe-header", "probe-stdio")
#: agent → (regex of a connected server's line, of a failed one), ``{name}`` the server.
LINES = {
    "claude": (r"^{name}: .* - ✔ Connected$", r"^{name}: .* - ✘ Failed"),
    "gemini": (r"^✓ {name}: .* - Connected$", r"^✗ {name}: .* - Disconnected"),
    "opencode": (r"✓ {name}\s+connected$", r"✗ {name}\s+failed"),
    "qwen": (r"^✓ {name}: .* - Connected$", r"^✗ {name}: .* - Disconnected"),
}


def mcp_list(deployed: Deployed, mcp_log: McpLog,
             agent: str) -> tuple[str, list[dict[str, object]]]:
    before = len(mcp_log.entries())
    result = deployed.run(agent, "mcp", "list", timeout=180)
    assert not result.timed_out, result.output
    return result.output, mcp_log.entries()[before:]


@pytest.mark.parametrize("agent", sorted(LINES))
def test_connects_with_the_env_file_secrets(deployed: Deployed, mcp_log: McpLog,
                                            agent: str) -> None:
    out, entries = mcp_list(deployed, mcp_log, agent)
    for name in SERVERS:
        assert re.search(LINES[agent][0].format(name=re.escape(name)), out, re.M), out
    http = [e for e in entries if e["transport"] == "http"]
    assert {e["path"] for e in http} == {"/mcp", "/header/mcp"}, http
    assert {e["status"] for e in http} == {200}, http


@pytest.mark.parametrize("agent", sorted(LINES))
def test_refused_token_fails(deployed: Deployed, mcp_log: McpLog, agent: str) -> None:
    out, entries = mcp_list(deployed, mcp_log, f"{agent}-expired")
    assert re.search(LINES[agent][1].format(name="probe-expired"), out, re.M), out
    assert "Connected" not in out and " connected" not in out
    refused = [e["status"] for e in entries if e["path"] == "/expired/mcp"]
    assert refused and set(refused) == {401}, entries


def test_codex_understands_every_entry(deployed: Deployed, mcp_log: McpLog) -> None:
    out, _entries = mcp_list(deployed, mcp_log, "codex")
    assert re.search(r"^probe\s+http://\S+/mcp\s+AGENTCTL_MCP_PROBE_TOKEN\s+enabled\s+"
                     r"Bearer token\s*$", out, re.M), out
    assert re.search(r"^probe-header\s+http://\S+/header/mcp\s+-\s+enabled", out, re.M), out
    assert re.search(r"^probe-stdio\s+\S+python\S*\s.*PROBE_STDIO_TOKEN=\*+", out, re.M), out
    header = next(line for line in out.splitlines() if line.startswith("Name") and "Url" in line)
    assert "Bearer Token Env Var" in header and "Auth" in header


def test_copilot_reads_every_workspace_server(deployed: Deployed, mcp_log: McpLog) -> None:
    """``agentctl run`` trusted the workspace, so the CLI reads its ``.mcp.json`` (an
    untrusted folder's servers are not listed at all), the tool filter included; the
    tool approvals ``agentctl run`` puts before ``mcp list`` leave the subcommand intact."""
    out, _entries = mcp_list(deployed, mcp_log, "copilot")
    listed = out.split("Workspace servers:", 1)[1]
    for line in ("probe (http)", "probe-header (http)", "probe-stdio (local)"):
        assert re.search(rf"^\s+{re.escape(line)}$", listed, re.M), out
    got = deployed.run("copilot", "mcp", "get", "probe-header", timeout=180)
    assert got.returncode == 0, got.output
    assert re.search(r"^\s+Tools: echo$", got.output, re.M), got.output
    assert re.search(r"^\s+X-Probe-Key: \*+$", got.output, re.M), got.output
    assert re.search(r"^\s+Source: Workspace \(.*/workspaces/copilot/\.mcp\.json\)$",
                     got.output, re.M), got.output


def test_readme_check_recipe_inside_a_git_checkout(deployed: Deployed) -> None:
    """The README's "Check a workspace" commands, as written, in the acceptance project
    (a git checkout, like every GitOps repository): only the agent's name differs."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Check a workspace", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].strip() for line in block.splitlines()
                if line.startswith("agentctl ")]
    assert commands == ["agentctl run reviewer -- mcp list"], block
    argv = [AGENTCTL, *commands[0].replace("reviewer", "claude").split()[1:]]
    result = run_process(argv, deployed.environment(deployed.fresh_home()), 180,
                         cwd=deployed.root)
    for name in SERVERS:
        assert re.search(LINES["claude"][0].format(name=re.escape(name)), result.output,
                         re.M), result.output
