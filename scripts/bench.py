"""Benchmark agentctl's start-up and pipeline: ``python scripts/bench.py [--agents N]``.

Prints the median wall time of several runs for:
* the installed CLI (``--version``, ``validate`` and ``plan`` on examples/fleet),
* the pure pipeline in-process (load → resolve → render) on a generated fleet of N agents.

Figures go into issue notes; tests never assert timings.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AGENTCTL = str(Path(sys.executable).parent / "agentctl")
FAKE = {
    "FLEET_ANTHROPIC_API_KEY": "bench-key-1",
    "FLEET_RELEASE_OAUTH_TOKEN": "bench-key-2",
    "FLEET_GITHUB_PAT": "bench-key-3",
    "FLEET_SENTRY_TOKEN": "bench-key-4",
    "FLEET_OPENAI_API_KEY": "bench-key-5",
    "FLEET_GEMINI_API_KEY": "bench-key-6",
}


def median_ms(fn: object, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def cli(*args: str, cwd: Path) -> None:
    env = {**os.environ, **FAKE, "NO_COLOR": "1"}
    subprocess.run([AGENTCTL, *args], cwd=cwd, env=env, check=True, capture_output=True)


def fleet(root: Path, agents: int) -> None:
    (root / "catalogue").mkdir(parents=True)
    shutil.copytree(ROOT / "examples/fleet/skills", root / "skills")
    (root / "agentctl.yaml").write_text("name: bench\noutput: deploy\n")
    (root / "catalogue/base.yaml").write_text(
        (ROOT / "examples/fleet/catalogue/inference.yaml").read_text()
        + "\n" + (ROOT / "examples/fleet/catalogue/skills.yaml").read_text()
    )
    mcp = (ROOT / "examples/fleet/catalogue/mcp.yaml").read_text()
    (root / "catalogue/mcp.yaml").write_text(mcp)
    lines = ["agents:"]
    for i in range(agents):
        lines += [
            f"  - name: agent-{i:04d}",
            "    runtime: claude-code",
            "    model: sonnet",
            f"    instructions: Agent number {i}.",
            "    skills: [code-review, release-notes]",
            "    mcp_servers: [filesystem, {name: github, tools: [get_issue]}]",
        ]
    (root / "catalogue/agents.yaml").write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", type=int, nargs="*", default=[100, 1000])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from agentctl.pipeline import build

    with tempfile.TemporaryDirectory() as tmp:
        example = Path(tmp) / "fleet"
        shutil.copytree(ROOT / "examples/fleet", example,
                        ignore=shutil.ignore_patterns("deploy", ".agentctl"))
        for label, verb in (("agentctl --version", "--version"),
                            ("agentctl validate (example)", "validate")):
            ms = median_ms(lambda verb=verb: cli(verb, cwd=example), args.runs)
            print(f"{label:<32}{ms:8.1f} ms")
        cli("apply", "-y", cwd=example)
        ms = median_ms(lambda: cli("plan", cwd=example), args.runs)
        print(f"{'agentctl plan (example, clean)':<32}{ms:8.1f} ms")
        for n in args.agents:
            root = Path(tmp) / f"fleet-{n}"
            fleet(root, n)
            ms = median_ms(lambda root=root: build(root, explicit=True), max(3, args.runs // 2))
            label = f"load+resolve+render, {n} agents"
            print(f"{label:<32}{ms:8.1f} ms ({ms / n:.2f} ms/agent)")


if __name__ == "__main__":
    main()
