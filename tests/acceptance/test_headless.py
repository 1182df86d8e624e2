"""The headless acceptance matrix: each runtime's own CLI, started by ``agentctl run`` in
its rendered workspace with nothing but what agentctl rendered, calls an MCP tool the
scripted model asks for.

Per runtime (Claude Code ``-p``, Codex ``exec``, Gemini CLI ``-p``, OpenCode ``run``,
Copilot CLI ``-p``, Qwen Code ``-p``, Kilo ``run``),
with stdin closed, a fresh HOME and a timeout:

* bearer / header / stdio: the allowed tool's ``tools/call`` reaches the server with the
  right secret (the server refuses any other), the model gets its answer, the CLI exits
  0 without asking;
* denied: a tool outside the agent's allow-list never reaches the server, and the model
  is told so;
* expired: with a token the server refuses, the failure is reported (a non-zero exit
  naming the server, or an error in place of the tool's answer) and no call gets through.

The cases of one runtime run one after another (they share its workspace); the runtimes
run side by side. Only the runtimes of the selected tests run (``-k copilot`` runs one
lane).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from tests.acceptance.conftest import MATRIX_LINES, CliRun, Deployed, McpLog
from tests.acceptance.model_server import FINAL_TEXT, Received, ScriptedModel

pytestmark = pytest.mark.acceptance

#: agent → the CLI's arguments for one headless prompt.
HEADLESS = {
    "claude": ["-p"],
    "codex": ["exec"],
    "gemini": ["-p"],
    "opencode": ["run"],
    "copilot": ["-p"],
    "qwen": ["-p"],
    "kilo": ["run"],
}
RUNTIMES = tuple(HEADLESS)


def tool_name(agent: str, server: str, tool: str) -> str:
    """The tool's name as the runtime offers it to the model (checked headless):
    Claude Code ``mcp__<server>__<tool>``; Codex a namespace ``mcp__<server>`` (``-`` →
    ``_``) holding ``<tool>`` (the scripted model's ``namespace/name``); Gemini CLI
    ``mcp_<server>_<tool>``; OpenCode ``<server>_<tool>``; Copilot CLI ``<server>-<tool>``;
    Qwen Code ``mcp__<server>__<tool>`` (offered through its tool_search bridge); Kilo as
    OpenCode."""
    return {
        "claude": f"mcp__{server}__{tool}",
        "codex": f"mcp__{server.replace('-', '_')}/{tool}",
        "gemini": f"mcp_{server}_{tool}",
        "opencode": f"{server}_{tool}",
        "copilot": f"{server}-{tool}",
        "qwen": f"mcp__{server}__{tool}",
        "kilo": f"{server}_{tool}",
    }[agent.removesuffix("-expired")]


@dataclass(frozen=True)
class Case:
    """One cell of the matrix: the agent, the server and tool the prompt names, and the
    argument that marks this case's requests."""

    kind: str
    runtime: str
    server: str
    tool: str
    marker: str

    @property
    def agent(self) -> str:
        return f"{self.runtime}-expired" if self.kind == "expired" else self.runtime

    @property
    def arguments(self) -> str:
        return "a=1000 b=234" if self.tool == "add" else f"text={self.marker}"

    @property
    def prompt(self) -> str:
        name = tool_name(self.agent, self.server, self.tool)
        return f"Call the tool as asked. call-tool {name} {self.arguments}"


KINDS = {
    "bearer": ("probe", "echo"),
    "header": ("probe-header", "echo"),
    "stdio": ("probe-stdio", "echo"),
    "denied": ("probe", "add"),
    "expired": ("probe-expired", "echo"),
}
CASES = {(kind, runtime): Case(kind, runtime, server, tool, f"{runtime}-{kind}-case")
         for runtime in RUNTIMES for kind, (server, tool) in KINDS.items()}


@dataclass(frozen=True)
class Outcome:
    """A case's CLI run and what the scripted model received for it."""

    case: Case
    run: CliRun
    received: list[Received]

    def describe(self) -> str:
        return (f"{self.case.agent} {self.case.kind}: exit {self.run.returncode} after "
                f"{self.run.seconds:.1f}s{' (timed out)' if self.run.timed_out else ''}\n"
                f"--- output\n{self.run.output[-4000:]}\n--- model received\n"
                + "\n".join(repr(r) for r in self.received))


def selected_runtimes(items: list[pytest.Item]) -> tuple[str, ...]:
    """The runtimes the selected tests of this module name (every runtime when none does,
    as for :func:`test_every_case_finished_in_time` alone)."""
    named = {item.callspec.params["runtime"] for item in items
             if isinstance(item, pytest.Function) and item.module is not None
             and item.module.__name__ == __name__ and hasattr(item, "callspec")
             and "runtime" in item.callspec.params}
    return tuple(r for r in RUNTIMES if r in named) or RUNTIMES


#: Runtimes run side by side. Seven Node CLIs, each starting its own stdio MCP server, on
#: a 2-core machine made the stdio server connect after Claude Code's and Copilot CLI's
#: first turn (the tool not offered yet: the case failed although nothing was wrong).
LANES = 3


@pytest.fixture(scope="module")
def matrix(request: pytest.FixtureRequest, deployed: Deployed,
           model: ScriptedModel) -> dict[tuple[str, str], Outcome]:
    """Every case of the selected runtimes run once: up to :data:`LANES` runtimes side by
    side, each one's cases in turn."""

    def lane(runtime: str) -> list[Outcome]:
        done = []
        for kind in KINDS:
            case = CASES[(kind, runtime)]
            run = deployed.run(case.agent, *HEADLESS[runtime], case.prompt)
            received = [r for r in model.for_marker(case.arguments) if r.route == runtime]
            done.append(Outcome(case, run, received))
        return done

    lanes_run = selected_runtimes(request.session.items)
    with ThreadPoolExecutor(max_workers=min(LANES, len(lanes_run))) as pool:
        lanes = list(pool.map(lane, lanes_run))
    for outcomes in lanes:
        MATRIX_LINES.append(outcomes[0].case.runtime + ": " + ", ".join(
            f"{o.case.kind} exit {o.run.returncode} {o.run.seconds:.0f}s"
            + (" TIMEOUT" if o.run.timed_out else "") for o in outcomes))
    return {(o.case.kind, o.case.runtime): o for outcomes in lanes for o in outcomes}


def _first_turn(outcome: Outcome) -> Received:
    turns = [r for r in outcome.received if r.answer == "tool_call"]
    assert turns, "the scripted model was never asked for a turn\n" + outcome.describe()
    return turns[0]


def _calling_turn(outcome: Outcome) -> Received:
    """The last turn the model answered with the call: the one whose call the runtime
    carried out (an earlier one, sent before the MCP server connected, lacks the tool)."""
    turns = [r for r in outcome.received if r.answer == "tool_call"]
    assert turns, "the scripted model was never asked for a turn\n" + outcome.describe()
    return turns[-1]


def _answers(outcome: Outcome) -> list[str]:
    return [res.text for r in outcome.received for res in r.results]


@pytest.mark.parametrize("kind", ["bearer", "header", "stdio"])
@pytest.mark.parametrize("runtime", RUNTIMES)
def test_allowed_tool_reaches_the_server(matrix: dict[tuple[str, str], Outcome],
                                         mcp_log: McpLog, runtime: str, kind: str) -> None:
    outcome = matrix[(kind, runtime)]
    case = outcome.case
    assert outcome.run.returncode == 0 and not outcome.run.timed_out, outcome.describe()
    assert all(r.key_ok for r in outcome.received), "the model key did not arrive from the env file"
    calling = _calling_turn(outcome)
    assert tool_name(case.agent, case.server, case.tool) in calling.tools, outcome.describe()
    calls = mcp_log.calls(case.marker)
    assert len(calls) == 1, (calls, outcome.describe())
    expected = {"bearer": ("http", "/mcp"), "header": ("http", "/header/mcp"),
                "stdio": ("stdio", "")}[kind]
    assert (calls[0]["transport"], calls[0]["path"], calls[0]["status"]) == (*expected, 200)
    assert any(case.marker in text for text in _answers(outcome)), outcome.describe()
    assert FINAL_TEXT in outcome.run.output, outcome.describe()


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_tool_outside_the_allow_list_never_reaches_the_server(
    matrix: dict[tuple[str, str], Outcome], mcp_log: McpLog, runtime: str
) -> None:
    outcome = matrix[("denied", runtime)]
    assert not outcome.run.timed_out, outcome.describe()
    _first_turn(outcome)
    assert not [e for e in mcp_log.entries() if e.get("tool") == "add"], mcp_log.entries()
    answers = _answers(outcome)
    assert answers and not any("1234" in text for text in answers), outcome.describe()


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_wrong_token_is_reported(matrix: dict[tuple[str, str], Outcome], mcp_log: McpLog,
                                 runtime: str) -> None:
    outcome = matrix[("expired", runtime)]
    assert not outcome.run.timed_out, outcome.describe()
    refused = [e for e in mcp_log.entries() if e["path"] == "/expired/mcp"]
    assert refused and {e["status"] for e in refused} == {401}, refused
    assert not mcp_log.calls(outcome.case.marker)
    if outcome.run.returncode != 0:  # the CLI itself fails, naming the server
        assert "probe-expired" in outcome.run.output and "401" in outcome.run.output, (
            outcome.describe())
    else:  # the model is told the tool failed, instead of getting its answer
        answers = _answers(outcome)
        assert answers and not any(outcome.case.marker in text for text in answers), (
            outcome.describe())


def test_every_case_finished_in_time(matrix: dict[tuple[str, str], Outcome]) -> None:
    """No CLI waited for an answer nobody could give (stdin is closed)."""
    slow = {key: round(o.run.seconds) for key, o in matrix.items() if o.run.timed_out}
    assert not slow, slow
