"""Fleet benchmark: ``python bench/fleet.py [--agents 100 1000 10000]``.

For each fleet size N (a synthetic project from :mod:`bench.generate`: mixed runtimes,
workspace templates and MCP servers), runs the installed ``agentctl`` as a child process
and reports wall time and the child's peak RSS (``os.wait4`` rusage, ``ru_maxrss``) for:

* ``validate``;
* ``render --out`` into a new folder, with an empty render cache;
* the first ``apply -y`` (empty cache, nothing on disk);
* ``plan`` with nothing to do (after that apply; warm render cache), and beside it a plain
  script that reads and hashes every file of the project (the "read+hash floor", a fresh
  Python process like agentctl) with plan's ratio to it.

Each command runs ``--repeat`` times (default 3; once at 10,000 agents) and the table
shows the median and, in brackets, the fastest run. Before every timed run the file system
is flushed (``sync``) and the script waits, up to 20 s, until creating and removing
300 files takes at most twice its fastest time in this run: on the development machine one
step's writes otherwise slowed the next step's file creation up to tenfold.
The "write floor" column times a bare ``os.open``/``os.write``
loop writing the same files as ``render --out`` into a new folder, right after it: the
machine's file-system speed at that moment, which agentctl cannot go below.

At the smallest N it also renders every agent's workspace and service templates through
per-agent ``copier.run_copy`` (what agentctl would cost without its cached engine) and
compares that with agentctl's whole in-process render of the same fleet.

Numbers go into the README; tests never assert timings. Not a pytest module.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import SECRETS, generate

AGENTCTL = str(Path(sys.executable).parent / "agentctl")


def run(args: list[str], cwd: Path) -> tuple[float, float]:
    """Run agentctl; return (wall seconds, peak RSS in MB). Fails loudly on exit != 0."""
    env = {**os.environ, **SECRETS, "NO_COLOR": "1",
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    # stderr goes to a file, not a pipe: a fleet's warnings outgrow a pipe's buffer, and a
    # child blocked writing to a pipe nobody reads until wait4 returns never ends.
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        proc = subprocess.Popen([AGENTCTL, *args], cwd=cwd, env=env,
                                stdout=subprocess.DEVNULL, stderr=errors)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        errors.seek(0)
        stderr = errors.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"agentctl {' '.join(args)} failed:\n{stderr}")
    return wall, usage.ru_maxrss / 1024


def per_agent_copier(root: Path) -> tuple[float, float, int]:
    """(seconds through per-agent run_copy, seconds through agentctl's render, renders)."""
    import copier

    from agentctl.render import render
    from agentctl.render.pipeline import build
    from agentctl.render.service import service_answers
    from agentctl.render.templates import TemplateStore
    from agentctl.render.workspace import workspace_answers, workspace_template
    from agentctl.runtimes import get_runtime
    from agentctl.targets.compose import env_file_path, workspace_dir

    built = build(root, explicit=True)
    store = TemplateStore()
    jobs: list[tuple[str, dict[str, str]]] = []
    for name, agent in sorted(built.resolved.agents.items()):
        runtime = get_runtime(agent.runtime)
        template = workspace_template(agent, store)
        if template is not None:
            jobs.append((str(template.root),
                         workspace_answers(agent, runtime.model_handle(agent))))
        env_file = env_file_path(name) if built.tree.env_files.get(env_file_path(name)) else None
        reference = runtime.service(agent, workspace_dir(name), env_file)
        service = store.service_template(agent.runtime, root)
        if reference is not None and service is not None:
            jobs.append((str(service.root), service_answers(
                agent, runtime, reference, workspace_dir(name), env_file)))
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        for i, (src, data) in enumerate(jobs):
            copier.run_copy(src, Path(tmp) / str(i), data=data, defaults=True, vcs_ref=None,
                            quiet=True)
        theirs = time.perf_counter() - start
    os.environ["AGENTCTL_JOBS"] = "1"  # one process, like the run_copy loop
    start = time.perf_counter()
    render(built.resolved)
    ours = time.perf_counter() - start
    del os.environ["AGENTCTL_JOBS"]
    return theirs, ours, len(jobs)


def never_applied(root: Path, _run: int = 0) -> None:
    """Remove the render cache, the ledger and the output folder: a first apply again."""
    shutil.rmtree(root / ".agentctl" / "cache", ignore_errors=True)
    shutil.rmtree(root / "deploy", ignore_errors=True)
    (root / ".agentctl" / "state.json").unlink(missing_ok=True)


_QUIET: list[float] = []  # the fastest file-system probe seen in this run


def _probe() -> float:
    """Seconds to create and remove 300 empty files: how busy the file system is."""
    with tempfile.TemporaryDirectory(prefix="agentctl-probe-") as tmp:
        start = time.perf_counter()
        for i in range(300):
            os.close(os.open(os.path.join(tmp, str(i)), os.O_WRONLY | os.O_CREAT, 0o644))
        for i in range(300):
            os.unlink(os.path.join(tmp, str(i)))
        return time.perf_counter() - start


def settle(limit: float = 20.0) -> None:
    """Flush dirty pages and wait (up to ``limit`` s) until a probe takes at most twice
    its fastest time in this run, so one step's writes (and the journal and discard work that
    follows them) do not land on the next step's clock."""
    os.sync()
    deadline = time.monotonic() + limit
    while True:
        time.sleep(1.0)
        probe = _probe()
        best = min(_QUIET, default=probe)
        _QUIET.append(probe)
        if probe <= max(2 * best, 0.02) or time.monotonic() > deadline:
            return


def write_floor(tree: Path, into: Path) -> float:
    """Seconds a bare loop takes to write every file under ``tree`` into ``into``."""
    files = [(p.relative_to(tree).as_posix(), p.read_bytes()) for p in sorted(tree.rglob("*"))
             if p.is_file()]
    settle()
    start = time.perf_counter()
    for rel, content in files:
        path = os.path.join(into, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(fd, content)
        os.close(fd)
    return time.perf_counter() - start


READ_HASH = """
import hashlib, os, sys
for top in sys.argv[1:]:
    for folder, dirs, files in os.walk(top):
        dirs.sort()
        for name in sorted(files):
            with open(os.path.join(folder, name), "rb") as f:
                hashlib.sha256(f.read()).digest()
"""


def read_hash_floor(root: Path, repeat: int) -> list[float]:
    """Wall seconds of a plain Python script (a fresh process, like agentctl) that reads and
    hashes every file of the project folder (catalogue, templates, skills, rendered output,
    ledger): the least a ``plan`` that reads what it compares can cost."""
    walls = []
    for _ in range(repeat):
        settle()
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", READ_HASH, str(root)], check=True)
        walls.append(time.perf_counter() - start)
    return walls


def timed(args: list[str], cwd: Path, repeat: int,
          before: Callable[[int], None] | None = None) -> tuple[list[float], float]:
    """Run ``agentctl args`` ``repeat`` times: (wall seconds of each run, peak RSS MB)."""
    walls, peak = [], 0.0
    for i in range(repeat):
        if before is not None:
            before(i)
        settle()
        wall, rss = run(args, cwd)
        walls.append(wall)
        peak = max(peak, rss)
    return walls, peak


def cell(walls: list[float]) -> str:
    """``median s`` and, with more than one run, ``(fastest)``."""
    text = f"{statistics.median(walls):.2f} s"
    return text + (f" ({min(walls):.2f})" if len(walls) > 1 else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, nargs="*", default=[100, 1000, 10000])
    parser.add_argument("--repeat", type=int, default=3,
                        help="Runs per command (median and fastest shown); 1 at 10,000+.")
    parser.add_argument("--keep", type=Path, help="Generate the fleets here and keep them.")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="agentctl-bench-"))
    print("| agents | validate | render --out | write floor | first apply | plan (no-op) "
          "| read+hash floor | plan / floor | peak RSS |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    try:
        for n in args.agents:
            repeat = args.repeat if n < 10000 else 1
            root = base / f"fleet-{n}"
            shutil.rmtree(root, ignore_errors=True)
            generate(root, n)
            validate, m1 = timed(["validate"], root, repeat)
            outs = [base / f"out-{n}-{i}" for i in range(repeat)]
            render_s, m2 = timed(["render", "--out", str(outs[0])], root, 1)
            for out in outs[1:]:
                more, m = timed(["render", "--out", str(out)], root, 1)
                render_s += more
                m2 = max(m2, m)
            floor = write_floor(outs[0], base / f"floor-{n}")
            apply_s, m3 = timed(["apply", "-y"], root, repeat,
                                before=functools.partial(never_applied, root))
            plan_s, m4 = timed(["plan", "--detailed-exitcode"], root, repeat)
            hashed = read_hash_floor(root, repeat)
            ratio = statistics.median(plan_s) / statistics.median(hashed)
            print(f"| {n:,} | {cell(validate)} | {cell(render_s)} | {floor:.2f} s | "
                  f"{cell(apply_s)} | {cell(plan_s)} | {cell(hashed)} | {ratio:.1f}x | "
                  f"{max(m1, m2, m3, m4):.0f} MB |", flush=True)
            for out in [*outs, base / f"floor-{n}"]:
                shutil.rmtree(out, ignore_errors=True)
        n = min(args.agents)
        if n > 1000:  # per-agent run_copy takes about 0.1 s a render: minutes beyond that
            return
        theirs, ours, jobs = per_agent_copier(base / f"fleet-{n}")
        print(f"\nN={n}: {jobs} template renders through per-agent copier.run_copy: "
              f"{theirs:.2f}s; agentctl's whole render of the same fleet in one process "
              f"(workspace and service templates + runtime files, AGENTCTL_JOBS=1): "
              f"{ours:.3f}s ({theirs / ours:.0f}x faster)")
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
