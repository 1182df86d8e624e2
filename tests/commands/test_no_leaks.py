"""Canary secrets never leave env files: every verb, its output, every file it writes.

Each credential of the example gets a canary value (quotes, ``$``, backslashes, ``#``, a
PEM block across lines). Every verb of ``agentctl --help`` runs against it, including
failure paths (a missing secret, a rotation, a refused saved plan); stdout, stderr, every
file under the project and the temp folder (the ledger, saved plans and render output
included; env files and the test keyring excluded) are scanned for each canary, raw and
as JSON, ``repr``, URL and base64 encodings.
"""

from __future__ import annotations

import base64
import json
import os
import re
import urllib.parse
from pathlib import Path

from tests.conftest import ROOT, example_agents, run_cli, tree_bytes
from tests.providers.server import ProviderServer, serve

PEM = ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAACanary0a1\n"
       "QyNTUxOQAAACDcanary4f1e9c77\n-----END OPENSSH PRIVATE KEY-----")
CANARIES = {
    "FLEET_ANTHROPIC_API_KEY": "sk-ant-canary-4f1e9c 'single' \"double\"",
    "FLEET_RELEASE_OAUTH_TOKEN": "canary-oauth-$HOME-${PATH}-7d2b",
    "FLEET_GITHUB_PAT": PEM,
    "FLEET_SENTRY_TOKEN": 'canary-sentry-"q" $x \\ #1',
    "FLEET_OPENAI_API_KEY": "canary-openai-ünï-😀-0b9d",
    "FLEET_GEMINI_API_KEY": "canary-gemini-e61c20\r\nsecond-line-e61c",
}
#: Set through `agentctl secrets set` (stdin) into the test keyring.
STORED = "canary-stored-through-stdin-55aa"
#: A wrong API key the loopback provider refuses (401): it must not leak either.
WRONG_KEY = "sk-ant-canary-wrong-9e3d"
#: Every verb this test runs; a verb added to the CLI must be added here too.
COVERED = {"validate", "render", "plan", "apply", "destroy", "secrets", "models", "skills",
           "schema", "graph", "status", "init", "run"}
#: `agentctl run`'s stand-in for Claude Code: prints its arguments, nothing else.
CLAUDE = "#!/bin/sh\necho \"claude stand-in: $*\"\n"


def forms(value: str) -> set[str]:
    """The canary as it could leak: raw, each long line, and common encodings."""
    out = {value, json.dumps(value)[1:-1], repr(value)[1:-1],
           urllib.parse.quote(value, safe=""),
           base64.b64encode(value.encode()).decode().rstrip("=")}
    out |= {line for line in value.splitlines() if len(line) >= 12}
    return out


def test_every_verb_keeps_every_canary_out(example: Path, tmp_path: Path) -> None:
    verbs = set(re.findall(r"^│ (\w[\w-]*) ", run_cli("--help").stdout, re.M))
    assert verbs and verbs <= COVERED, (
        f"new verb(s) {sorted(verbs - COVERED)}: run them in this test and add them to COVERED")
    # `models refresh` talks to a real provider on loopback that wants the canary as its key.
    provider = ProviderServer("anthropic", key=CANARIES["FLEET_ANTHROPIC_API_KEY"],
                              models=["claude-canary-1"])
    with serve(provider):
        inference = example / "catalogue/inference.yaml"
        inference.write_text(inference.read_text().replace(
            "    backend: anthropic\n",
            f"    backend: anthropic\n    base_url: {provider.base_url}\n", 1))
        _run_every_verb(example, tmp_path)
    assert provider.requests, "models refresh never reached the loopback provider"


def _run_every_verb(example: Path, tmp_path: Path) -> None:
    keyring_file = tmp_path / "keyring.json"
    env = {**CANARIES, "PYTHON_KEYRING_BACKEND": "tests.file_keyring.FileKeyring",
           "PYTHONPATH": str(ROOT), "AGENTCTL_TEST_KEYRING": str(keyring_file),
           "AGENTCTL_DEBUG": "1"}
    no_sentry = {**env, "FLEET_SENTRY_TOKEN": ""}  # falls through to the (empty) keyring
    rotated = {**env, "FLEET_GITHUB_PAT": PEM.replace("Canary0a1", "Canary0a2")}
    preview, planfile = tmp_path / "preview", tmp_path / "plan.json"
    target = ["-C", str(example)]
    # `run` starts the agent's CLI: a stand-in on PATH, and a HOME of its own for the
    # trust entry Claude Code needs.
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "claude").write_text(CLAUDE)
    (tmp_path / "bin" / "claude").chmod(0o755)
    runner = {**env, "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}",
              "HOME": str(tmp_path / "home")}
    runs: list[tuple[list[str], dict[str, str], str, set[int]]] = [
        (["validate"], env, "", {0}),
        (["render", "--out", str(preview)], env, "", {0}),
        (["plan"], env, "", {0}),
        (["plan", "--json"], env, "", {0}),
        (["plan", "--detailed-exitcode"], env, "", {2}),
        (["plan", "--out", str(planfile)], env, "", {0}),
        (["plan"], no_sentry, "", {1}),  # a missing secret: an error naming where it looked
        (["apply", "-y"], no_sentry, "", {1}),
        (["apply", str(planfile)], env, "", {1}),  # stale: the ledger changed since
        (["plan", "--out", str(planfile)], env, "", {0}),
        (["apply", str(planfile)], env, "", {0}),
        (["plan", "--detailed-exitcode"], rotated, "", {2}),
        (["run", "reviewer", "--", "-p", "hi"], {**runner, **rotated}, "", {1}),  # stale
        (["plan", "--json"], rotated, "", {0}),
        (["apply", "-y"], rotated, "", {0}),
        (["secrets", "status"], env, "", {0}),
        (["secrets", "status", "--json"], env, "", {0}),
        (["secrets", "get", "github-pat"], env, "", {0}),
        (["secrets", "set", "sentry-token"], env, STORED + "\n", {0}),
        (["secrets", "get", "sentry-token"], no_sentry, "", {0}),
        (["secrets", "status"], no_sentry, "", {0}),
        (["plan"], no_sentry, "", {0}),
        (["secrets", "rm", "sentry-token"], env, "", {0}),
        (["validate", "--format", "json"], env, "", {0}),
        (["validate", "--format", "github"], env, "", {0}),
        (["validate", "--format", "sarif"], env, "", {0}),
        (["render", "--check"], env, "", {0}),
        (["schema"], env, "", {0}),
        (["graph"], env, "", {0}),
        (["graph", "--format", "dot"], env, "", {0}),
        (["status"], env, "", {0}),
        (["status", "--json"], env, "", {0}),
        (["skills", "list"], env, "", {0}),
        (["skills", "validate"], env, "", {0}),
        (["skills", "sync"], env, "", {0}),
        (["plan", "--target", "kubernetes"], env, "", {0}),
        (["apply", "-y", "--target", "kubernetes"], env, "", {0}),
        (["plan", "--target", "kagent", "--json"], env, "", {0}),
        (["apply", "-y", "--target", "kagent"], env, "", {0}),
        (["destroy", "-y", "--target", "kagent"], env, "", {0}),
        (["apply", "-y"], env, "", {0}),
        (["run", "reviewer", "--", "-p", "hi"], runner, "", {0}),
        (["run", "handbook"], runner, "", {1}),  # files only: nothing to run
        (["run", "reviewr"], runner, "", {1}),  # a typo: did-you-mean
        (["models", "refresh", "anthropic", "--dry-run"], env, "", {0}),
        (["models", "refresh", "anthropic"], {**env, "FLEET_ANTHROPIC_API_KEY": WRONG_KEY},
         "", {1}),
        (["models", "refresh", "anthropic"], env, "", {0}),
        (["init", str(tmp_path / "scaffold")], env, "", {0}),
        (["destroy", "reviewer", "-y"], env, "", {0}),
        (["destroy", "-y"], env, "", {0}),
    ]
    outputs: list[tuple[str, str]] = []
    stdouts: list[str] = []
    cluster: dict[str, bytes] = {}  # the cluster targets' files, before apply switches back
    for args, run_env, stdin, codes in runs:
        result = run_cli(*target, *args, env=run_env, stdin=stdin)
        assert result.returncode in codes, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr, (args, result.stderr)
        outputs += [(f"{args} stdout", result.stdout), (f"{args} stderr", result.stderr)]
        stdouts.append(result.stdout)
        if "--target" in args and args[0] == "apply":
            for name in ("kubernetes", "kagent"):
                found = tree_bytes(example / "deploy" / name) if (
                    example / "deploy" / name).is_dir() else {}
                cluster |= {f"project/deploy/{name}/{k}": v for k, v in found.items()}
    assert "claude stand-in: -p hi" in "".join(stdouts)  # `run` reached the agent's CLI
    # The rotation shows as changed env files, by variable name only.
    rotation = stdouts[11]
    assert "~ update deploy/env/reviewer.env (change AGENTCTL_MCP_GITHUB_TOKEN)" in rotation
    assert "variables: AGENTCTL_MCP_GITHUB_TOKEN  (values hidden)" in rotation
    # every running agent of the example uses the github server, so each env file changes
    assert f"{len(example_agents(running=True))} to update" in rotation
    assert "0 to create" in rotation
    files = {f"project/{k}": v for k, v in tree_bytes(example).items()}
    files |= {f"tmp/{k}": v for k, v in tree_bytes(tmp_path).items()
              if not k.startswith(example.name + "/")}
    files |= cluster
    files = {k: v for k, v in files.items() if "/env/" not in k and k != "tmp/keyring.json"
             and not k.endswith(".secret.yaml")}  # the cluster targets' env-file counterpart
    assert "project/.agentctl/state.json" in files and "tmp/plan.json" in files
    assert any(k.startswith("tmp/preview/workspaces/") for k in files)
    assert any(k.startswith("project/deploy/kubernetes/agents/") for k in files)
    assert any(k.startswith("project/deploy/kagent/") for k in files)
    for value in [*CANARIES.values(), STORED, WRONG_KEY]:
        for form in forms(value):
            for name, text in outputs:
                assert form not in text, (name, form)
            for name, data in files.items():
                assert form.encode() not in data, (name, form)
