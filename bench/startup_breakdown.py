"""Where ``agentctl validate``'s start-up goes: instructions per stage, against hello-world.

Wall time on a shared 2-core machine swings by a third between runs of the same command,
which hides a change of a few percent. Instruction counts do not: this script runs
Python once per stage under valgrind's ``callgrind`` tool (Debian package ``valgrind``),
each run doing one more stage than the last, and prints how many instructions each stage
adds. The stages follow ``agentctl validate`` on the bundled example: the imports a
hello-world typer command also makes, then the libraries agentctl adds, its catalogue
models, its own modules, and the pipeline's steps.

    .venv/bin/python bench/startup_breakdown.py

Also prints the whole ``agentctl validate`` and the hello-world command of
``bench/startup.py``, so the stages can be checked against the real commands. A
benchmark, not a test; byte-code is written and read as for an installed package.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup import AGENTCTL, EXAMPLE, HELLO  # the same commands bench/startup.py times

#: (label, code run after the previous stages' code). Stage 0 is an empty interpreter.
STAGES = [
    ("Python itself", ""),
    ("typer and pydantic, as hello-world typer loads them",
     "import typer, typer._adapters\nfrom pydantic import TypeAdapter\nTypeAdapter(str)"),
    ("PyYAML", "import yaml"),
    ("Jinja2 (sandbox)", "import jinja2, jinja2.sandbox"),
    ("pathspec", "import pathspec"),
    ("catalogue schema (pydantic models)", "import agentctl.catalogue.schema"),
    ("agentctl's other modules for validate",
     "import agentctl.cli, agentctl.commands.validate"),
    ("load the project (agentctl.yaml)",
     "from pathlib import Path\nfrom agentctl.catalogue.project import load_project\n"
     f"project = load_project(Path({str(EXAMPLE)!r}), explicit=True)"),
    ("load the catalogue (YAML, models)",
     "from agentctl.catalogue.load import load_catalogue\n"
     "catalogue = load_catalogue(project, defer=True)"),
    ("resolve and the plug-ins' checks",
     "from agentctl.resolve import resolve\nfrom agentctl.render.checks import check_plugins\n"
     "resolved = resolve(catalogue, defer=True)\ncheck_plugins(resolved)"),
    ("render every agent (no render cache)",
     "from agentctl.render import render\nfrom agentctl.targets import get_target\n"
     "render(resolved, get_target('compose'))"),
]


def instructions(argv: list[str], env: dict[str, str]) -> int:
    """Instructions ``argv`` executes (callgrind's ``Collected`` count)."""
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                           *argv], env=env, capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"no instruction count from valgrind:\n{done.stderr}")
    return int(found.group(1))


def main() -> None:
    """Measure and print the table."""
    if shutil.which("valgrind") is None:
        raise SystemExit("needs valgrind (apt-get install valgrind)")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as tmp:
        hello = Path(tmp) / "hello.py"
        hello.write_text(HELLO)
        for argv in ([sys.executable, str(hello)], [AGENTCTL, "-C", str(EXAMPLE), "validate"]):
            subprocess.run(argv, env=env, capture_output=True, check=False)  # byte-code
        base = instructions([sys.executable, str(hello)], env)
        whole = instructions([AGENTCTL, "-C", str(EXAMPLE), "validate"], env)
        rows, code, previous = [], [], 0
        for label, stage in STAGES:
            code.append(stage)
            script = Path(tmp) / "stage.py"
            script.write_text("\n".join(code) + "\n")
            count = instructions([sys.executable, str(script)], env)
            rows.append((label, count - previous, count))
            previous = count
    print("| stage | adds (M instructions) | running total (M) |")
    print("|---|---:|---:|")
    for label, adds, total in rows:
        print(f"| {label} | {adds / 1e6:.0f} | {total / 1e6:.0f} |")
    print()
    print(f"hello-world typer: {base / 1e6:.0f} M instructions; `agentctl validate` on the "
          f"example: {whole / 1e6:.0f} M, {whole / base:.2f}x (target 1.6x: "
          f"{1.6 * base / 1e6:.0f} M).")


if __name__ == "__main__":
    main()
