"""Start-up benchmark: agentctl against a hello-world typer command, in the same run.

Runs each command ``--runs`` times (after one warm-up) as a fresh process and prints
the median wall time in milliseconds and its ratio to the hello-world command. The
target is ``agentctl validate`` on the bundled example within 2.5x hello-world typer.

    .venv/bin/python bench/startup.py [--runs 20]

A benchmark, not a test: timings depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "fleet"
AGENTCTL = str(Path(sys.executable).parent / "agentctl")
HELLO = '''import typer

app = typer.Typer()


@app.command()
def hello(name: str = "world") -> None:
    print(f"hello {name}")


app()
'''


def median_ms(argv: list[str], runs: int) -> float:
    """Median wall time of ``argv`` over ``runs`` fresh processes, in milliseconds."""
    subprocess.run(argv, capture_output=True, check=True)  # warm the OS caches
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=True)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        hello = Path(tmp) / "hello.py"
        hello.write_text(HELLO)
        cases = {
            "hello-world typer": [sys.executable, str(hello)],
            "agentctl --version": [AGENTCTL, "--version"],
            "agentctl validate (example)": [AGENTCTL, "-C", str(EXAMPLE), "validate"],
            "agentctl graph (example)": [AGENTCTL, "-C", str(EXAMPLE), "graph"],
        }
        results = {name: median_ms(argv, args.runs) for name, argv in cases.items()}
    base = results["hello-world typer"]
    print(f"| command | median ms ({args.runs} runs) | × hello-world |")
    print("|---|---:|---:|")
    for name, ms in results.items():
        print(f"| `{name}` | {ms:.0f} | {ms / base:.2f} |")
    ratio = results["agentctl validate (example)"] / base
    print(f"\nvalidate within 2.5x hello-world: {'yes' if ratio <= 2.5 else 'NO'} ({ratio:.2f}x)")


if __name__ == "__main__":
    main()
