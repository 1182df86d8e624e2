"""Fleet benchmark: ``python bench/fleet.py [--agents 100 1000 10000]``.

For each fleet size N (a synthetic project from :mod:`bench.generate`: mixed runtimes,
workspace templates and MCP servers), runs the installed ``agentctl`` as a child process
and reports wall time and the child's peak RSS (``os.wait4`` rusage, ``ru_maxrss``) for:

* ``validate``;
* ``render --out`` with an empty render cache;
* the first ``apply -y`` (empty cache, nothing on disk);
* ``plan`` with nothing to do (after that apply; warm render cache).

At the smallest N it also renders every agent's workspace and service templates through
per-agent ``copier.run_copy`` (what agentctl would cost without its cached engine) and
compares that with agentctl's whole in-process render of the same fleet.

Numbers go into the README; tests never assert timings. Not a pytest module.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import SECRETS, generate

AGENTCTL = str(Path(sys.executable).parent / "agentctl")


def run(args: list[str], cwd: Path) -> tuple[float, float]:
    """Run agentctl; return (wall seconds, peak RSS in MB). Fails loudly on exit != 0."""
    env = {**os.environ, **SECRETS, "NO_COLOR": "1",
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    start = time.perf_counter()
    proc = subprocess.Popen([AGENTCTL, *args], cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"agentctl {' '.join(args)} failed:\n{stderr}")
    return wall, usage.ru_maxrss / 1024


def per_agent_copier(root: Path) -> tuple[float, float, int]:
    """(seconds through per-agent run_copy, seconds through agentctl's render, renders)."""
    import copier

    from agentctl.pipeline import build
    from agentctl.render import env_file_path, render, workspace_dir
    from agentctl.runtimes import get_runtime
    from agentctl.workspace import (
        service_answers,
        service_template,
        workspace_answers,
        workspace_template,
    )

    built = build(root, explicit=True)
    jobs: list[tuple[str, dict[str, str]]] = []
    for name, agent in sorted(built.resolved.agents.items()):
        runtime = get_runtime(agent.runtime)
        template = workspace_template(agent)
        if template is not None:
            jobs.append((str(template.root),
                         workspace_answers(agent, runtime.model_handle(agent))))
        env_file = env_file_path(name) if built.tree.env_files.get(env_file_path(name)) else None
        reference = runtime.service(agent, workspace_dir(name), env_file)
        service = service_template(agent.runtime, root)
        if reference is not None and service is not None:
            jobs.append((str(service.root), service_answers(
                agent, runtime, reference, workspace_dir(name), env_file)))
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        for i, (src, data) in enumerate(jobs):
            copier.run_copy(src, Path(tmp) / str(i), data=data, defaults=True, vcs_ref=None,
                            quiet=True)
        theirs = time.perf_counter() - start
    start = time.perf_counter()
    render(built.resolved)
    ours = time.perf_counter() - start
    return theirs, ours, len(jobs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, nargs="*", default=[100, 1000, 10000])
    parser.add_argument("--keep", type=Path, help="Generate the fleets here and keep them.")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="agentctl-bench-"))
    print(f"{'agents':>7} | {'validate':>9} | {'render':>9} | {'first apply':>11} | "
          f"{'plan (no-op)':>12} | {'peak RSS':>9}")
    print(f"{'-' * 7}:|{'-' * 10}:|{'-' * 10}:|{'-' * 12}:|{'-' * 13}:|{'-' * 10}:")
    try:
        for n in args.agents:
            root = base / f"fleet-{n}"
            shutil.rmtree(root, ignore_errors=True)
            generate(root, n)
            cache = root / ".agentctl" / "cache"
            validate, m1 = run(["validate"], root)
            render_s, m2 = run(["render", "--out", str(base / f"out-{n}")], root)
            shutil.rmtree(cache, ignore_errors=True)
            apply_s, m3 = run(["apply", "-y"], root)
            plan_s, m4 = run(["plan", "--detailed-exitcode"], root)
            print(f"{n:>7} | {validate:>8.2f}s | {render_s:>8.2f}s | {apply_s:>10.2f}s | "
                  f"{plan_s:>11.2f}s | {max(m1, m2, m3, m4):>6.0f} MB", flush=True)
        n = min(args.agents)
        theirs, ours, jobs = per_agent_copier(base / f"fleet-{n}")
        print(f"\nN={n}: {jobs} template renders through per-agent copier.run_copy: "
              f"{theirs:.2f}s; agentctl's whole render of the same fleet (workspace and "
              f"service templates + runtime files, in-process): {ours:.3f}s "
              f"({theirs / ours:.0f}x faster)")
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
