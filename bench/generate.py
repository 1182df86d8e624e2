"""Generate a synthetic agentctl project: N agents × k skills × m MCP servers.

Runtimes and workspace templates are mixed round-robin (every built-in runtime, from the
registry: those rendering a service in name order, then the files-only ones × no
template, built-in ``default``, built-in ``python``, a project-local Copier template), so
every render path is exercised. Credentials use ``env`` overrides
(:data:`SECRETS`), so plan/apply need no keyring.

    python bench/generate.py DIR --agents 1000 --skills 3 --servers 4
"""

from __future__ import annotations

import argparse
from pathlib import Path

from agentctl.runtimes import BUILTIN, get_runtime

#: The catalogue's models (below) → their provider's backend, in order of preference.
MODEL_BACKENDS = {"sonnet": "anthropic", "gpt-5": "openai", "gemini-2.5-pro": "gemini"}


def _model(runtime: str) -> str | None:
    """The first model ``runtime``'s backends accept; None for a files-only runtime."""
    found = get_runtime(runtime)
    if not found.renders_service:
        return None
    return next(m for m, b in MODEL_BACKENDS.items() if not found.backends or b in found.backends)


RUNTIMES = tuple(sorted(BUILTIN, key=lambda name: (not get_runtime(name).renders_service, name)))
MODELS = {name: _model(name) for name in RUNTIMES}
TEMPLATES = (None, "default", "python", "../templates/local")
SECRETS = {"BENCH_ANTHROPIC": "bench-anthropic", "BENCH_OPENAI": "bench-openai",
           "BENCH_GEMINI": "bench-gemini", "BENCH_MCP": "bench-mcp"}

INFERENCE = """\
credentials:
  - {name: anthropic, kind: api_key, env: BENCH_ANTHROPIC}
  - {name: openai, kind: api_key, env: BENCH_OPENAI}
  - {name: gemini, kind: api_key, env: BENCH_GEMINI}
  - {name: mcp, kind: bearer, env: BENCH_MCP}
providers:
  - {name: anthropic, backend: anthropic, credential: anthropic}
  - {name: openai, backend: openai, credential: openai}
  - {name: gemini, backend: gemini, credential: gemini}
models:
  - {name: sonnet, provider: anthropic, provider_model: claude-sonnet-4-5}
  - {name: gpt-5, provider: openai}
  - {name: gemini-2.5-pro, provider: gemini}
"""
LOCAL_COPIER = """\
_exclude: [copier.yml]
agent_name: {type: str}
team: {type: str, default: platform}
"""
LOCAL_FILE = "# {{ agent_name }} ({{ team }})\\n{% for s in skills %}- {{ s }}\\n{% endfor %}"


def generate(root: Path, agents: int, skills: int = 3, servers: int = 4) -> None:
    """Write the project into ``root`` (created; must not hold another project)."""
    (root / "catalogue").mkdir(parents=True)
    (root / "agentctl.yaml").write_text("name: bench\ncatalogue: [catalogue/*.yaml]\n"
                                        "output: deploy\n")
    (root / "catalogue/inference.yaml").write_text(INFERENCE)
    lines = ["skills:"]
    for s in range(skills):
        folder = root / "skills" / f"skill-{s}"
        (folder / "references").mkdir(parents=True)
        (folder / "SKILL.md").write_text(
            f"---\nname: skill-{s}\ndescription: Synthetic skill {s} for the benchmark. "
            "Use it when asked.\n---\n\n# Skill {s}\n\n" + "Step.\n" * 20)
        (folder / "references/notes.md").write_text("notes\n" * 50)
        lines.append(f"  - path: ../skills/skill-{s}")
    (root / "catalogue/skills.yaml").write_text("\n".join(lines) + "\n")
    lines = ["mcp_servers:"]
    for m in range(servers):
        if m % 2:
            lines += [f"  - name: remote-{m}", "    transport: http",
                      f"    url: https://mcp{m}.example.com/mcp", "    credential: mcp"
                      if m == 1 else "    headers: {X-Team: bench}",
                      "    tools: [search, fetch, update]"]
        else:
            lines += [f"  - name: local-{m}", "    transport: stdio", "    command: npx",
                      f'    args: ["-y", "bench-server-{m}@1.0.0"]', "    tools: [read, write]"]
    (root / "catalogue/mcp.yaml").write_text("\n".join(lines) + "\n")
    local = root / "templates/local"
    local.mkdir(parents=True)
    (local / "copier.yml").write_text(LOCAL_COPIER)
    (local / "TEAM.md.jinja").write_text(LOCAL_FILE.replace("\\n", "\n"))
    server_names = [f"remote-{m}" if m % 2 else f"local-{m}" for m in range(servers)]
    lines = ["agents:"]
    for i in range(agents):
        runtime = RUNTIMES[i % len(RUNTIMES)]
        template = TEMPLATES[(i // len(RUNTIMES)) % len(TEMPLATES)]
        lines += [f"  - name: agent-{i:05d}", f"    runtime: {runtime}",
                  f"    instructions: Agent number {i}. Keep changes small.",
                  "    skills: [" + ", ".join(f"skill-{(i + j) % skills}"
                                              for j in range(min(2, skills))) + "]",
                  "    mcp_servers: [" + ", ".join(server_names[: 1 + i % len(server_names)]) + "]",
                  "    permission: " + ("read", "write", "full", "auto")[i % 4]]
        if MODELS[runtime]:
            lines.append(f"    model: {MODELS[runtime]}")
        if template:
            lines.append(f"    workspace_template: {template}")
    (root / "catalogue/agents.yaml").write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dir", type=Path)
    parser.add_argument("--agents", type=int, default=100)
    parser.add_argument("--skills", type=int, default=3)
    parser.add_argument("--servers", type=int, default=4)
    args = parser.parse_args()
    generate(args.dir, args.agents, args.skills, args.servers)


if __name__ == "__main__":
    main()
