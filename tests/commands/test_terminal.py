"""Terminal manners: help examples, shell completion, light start-up, exit codes, colour."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
import typer

from agentctl.cli import app
from agentctl.cli.completion import agent_names
from agentctl.cli.options import complete_agent
from agentctl.cli.verbs import VERBS, load
from tests.conftest import AGENTCTL, EXAMPLE, EXAMPLE_SECRETS, example_agents, run_cli

HEAVY = ("rich", "pydantic", "yaml", "httpx", "jinja2", "copier", "keyring")


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    ctx = click.Context(group)
    paths = []
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None
        paths.append((*prefix, name))
        if isinstance(cmd, typer.core.TyperGroup):
            paths += command_paths(cmd, (*prefix, name))
    return paths


COMMANDS = command_paths(typer.main.get_command(app))  # type: ignore[arg-type]


def test_the_verbs_are_there() -> None:
    assert {("validate",), ("render",), ("plan",), ("apply",), ("destroy",), ("schema",),
            ("graph",), ("status",)} <= set(COMMANDS)


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_help_has_an_example(path: tuple[str, ...]) -> None:
    result = run_cli(*path, "--help")
    assert result.returncode == 0
    # An example may feed the command, as `printf %s "$TOKEN" | agentctl secrets set …`.
    assert re.search(rf"Example: (.* \| )?agentctl {' '.join(path)}\b", result.stdout), \
        result.stdout


def _imported_modules(*code: str) -> set[str]:
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", ";".join(code)],
                            capture_output=True, text=True, timeout=60, cwd="/")
    return {line.split("|")[-1].strip() for line in result.stderr.splitlines()
            if line.startswith("import time:")}


def test_cli_start_up_imports_no_heavy_library() -> None:
    for code in (["import agentctl.cli"],
                 ["import sys", "sys.argv = ['agentctl', '--version']",
                  "from agentctl.cli import main", "main()"]):
        modules = _imported_modules(*code)
        assert "agentctl.cli" in modules  # the probe works
        loaded = sorted(m for m in modules if m.split(".")[0] in HEAVY)
        assert loaded == [], loaded


def test_validate_does_import_what_it_needs() -> None:
    """The counterpart: the probe above would see pydantic and yaml if they were loaded."""
    modules = _imported_modules(
        "import sys", f"sys.argv = ['agentctl', '-C', {str(EXAMPLE)!r}, 'validate']",
        "from agentctl.cli import main", "main()")
    assert "pydantic" in modules and "yaml" in modules


#: The records that stay dataclasses, each for a field option msgspec's Struct lacks: a
#: position's byte offset and end, and a diagnostic's end, are left out of equality and
#: order; the plan's stat cache and the ledger's loaded digest out of equality; apply's
#: run state is set after ``__init__`` (``init=False``).
KEPT_DATACLASSES = {
    "diagnostics/__init__.py:Position", "diagnostics/__init__.py:Diagnostic",
    "plan/model.py:Plan", "plan/ledger.py:Ledger", "apply/execute.py:_Run",
}


def test_records_are_structs_not_dataclasses() -> None:
    """Start-up: on Python 3.11 each ``@dataclass`` compiles its generated methods with
    ``exec`` when its module is imported (about 4 M instructions for a frozen one), which
    was most of what agentctl's own modules cost ``validate`` (bench/startup_breakdown.py).
    Records are msgspec Structs, built in C; only the listed ones stay dataclasses."""
    package = Path(__file__).resolve().parents[2] / "src" / "agentctl"
    found = set()
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                    "dataclass" in ast.unparse(d) for d in node.decorator_list):
                found.add(f"{path.relative_to(package).as_posix()}:{node.name}")
    assert found == KEPT_DATACLASSES, sorted(found ^ KEPT_DATACLASSES)


def _commands_loaded(*argv: str) -> set[str]:
    """The agentctl.commands modules loaded by a run of ``agentctl ARGV`` (read from
    ``sys.modules``: ``-X importtime`` does not see modules loaded by importlib)."""
    code = ("import sys\nfrom agentctl.cli import main\n"
            f"sys.argv = ['agentctl', *{list(argv)!r}]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "sys.stderr.write('MODULES ' + ' '.join(sorted(sys.modules)) + '\\n')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, cwd="/")
    line = next(x for x in result.stderr.splitlines() if x.startswith("MODULES "))
    return {m for m in line.split()[1:] if m.startswith("agentctl.commands.")}


def test_help_imports_no_command_and_validate_only_its_own() -> None:
    """The verb table is lazy: --help loads no command module, validate only its own
    (plus the shared printing and error handling), graph only graph."""
    helper = {"agentctl.commands.ui", "agentctl.commands.context"}
    assert _commands_loaded("--help") == set()
    assert _commands_loaded("-C", str(EXAMPLE), "validate") == {
        "agentctl.commands.validate", *helper}
    assert _commands_loaded("-C", str(EXAMPLE), "graph") == {"agentctl.commands.graph", *helper}


def test_every_command_has_one_entry_in_the_verb_table() -> None:
    groups = {path[0] for path in COMMANDS if len(path) > 1}
    assert groups == {"models", "skills", "secrets"}  # the probe walks sub-commands too
    leaves = {" ".join(p) for p in COMMANDS if p[0] not in groups or len(p) > 1}
    assert leaves == set(VERBS)
    for verb in VERBS:
        assert callable(load(verb)), verb


def test_completion_function_lists_agents_not_templates(example: Path) -> None:
    names = agent_names(example, explicit=True)
    assert names == example_agents() and "base-engineer" not in names  # the template
    root = typer.Context(typer.main.get_command(app))
    root.params["directory"] = example
    ctx = typer.Context(click.Command("destroy"), parent=root)
    ctx.params["agents"] = ["reviewer"]
    assert complete_agent(ctx, "re") == ["release-manager"]  # reviewer already given
    assert agent_names(example / "catalogue") == agent_names(example, explicit=True)
    assert agent_names(example.parent, explicit=True) == []


def test_completion_includes_applied_agents_and_survives_broken_files(example: Path) -> None:
    assert run_cli("-C", str(example), "apply", "-y", env=EXAMPLE_SECRETS).returncode == 0
    agents = example / "catalogue/agents.yaml"
    agents.write_text("agents: [\n")  # broken: only the ledger still names agents
    assert "reviewer" in agent_names(example, explicit=True)


def test_completion_reads_nothing_outside_the_project(tmp_path: Path) -> None:
    """Completion holds to the confinement rules: an outside glob, an absolute glob, a
    catalogue file linked from outside, a symlinked state folder and a FIFO ledger are
    skipped (and never hang the shell's TAB)."""
    outside = tmp_path / "outside"
    (outside / ".agentctl").mkdir(parents=True)
    (outside / "secret.yaml").write_text("agents: [{name: leaked-outside}]\n")
    (outside / ".agentctl/state.json").write_text('{"agents": {"leaked-ledger": {}}}')
    project = tmp_path / "project"
    (project / "catalogue").mkdir(parents=True)
    (project / "agentctl.yaml").write_text(
        "name: demo\ncatalogue: ['catalogue/*.yaml', '../outside/*.yaml', '/tmp/*.yaml']\n")
    (project / "catalogue/agents.yaml").write_text("agents: [{name: inside}]\n")
    (project / "catalogue/linked.yaml").symlink_to(outside / "secret.yaml")
    (project / ".agentctl").symlink_to(outside / ".agentctl")
    assert agent_names(project, explicit=True) == ["inside"]
    (project / ".agentctl").unlink()
    (project / ".agentctl").mkdir()
    os.mkfifo(project / ".agentctl/state.json")
    assert agent_names(project, explicit=True) == ["inside"]


def test_bash_completion_through_the_installed_cli(example: Path) -> None:
    env = {**os.environ, "_AGENTCTL_COMPLETE": "complete_bash",
           "COMP_WORDS": "agentctl destroy t", "COMP_CWORD": "2"}
    result = subprocess.run([AGENTCTL], cwd=example, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.stdout.split() == ["test-fixer", "triager"]
    env["COMP_WORDS"] = f"agentctl -C {example} destroy on"
    env["COMP_CWORD"] = "4"
    result = subprocess.run([AGENTCTL], cwd="/", env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.stdout.split() == ["on-call"]


def test_no_color_and_no_terminal_mean_no_escape_codes(example: Path) -> None:
    (example / "catalogue/bad.yaml").write_text("agents: [\n")
    for env in ({"NO_COLOR": "1"}, {"NO_COLOR": ""}):
        result = run_cli("-C", str(example), "validate", env=env)
        assert result.returncode == 1 and "\x1b[" not in result.stderr
    result = run_cli("--no-color", "-C", str(example), "validate", env={"NO_COLOR": ""})
    assert "\x1b[" not in result.stderr


def run_in_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run the installed CLI with stdin, stdout and stderr on a pseudo-terminal."""
    import pty

    master, slave = pty.openpty()
    full_env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    full_env.update({"TERM": "xterm-256color", "COLUMNS": "120",
                     "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", **env})
    proc = subprocess.Popen([AGENTCTL, *args], stdin=slave, stdout=slave, stderr=slave,
                            env=full_env, close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait(timeout=120) == 0
    return b"".join(chunks).decode("utf-8", "replace")


def test_apply_on_a_terminal_shows_progress_and_colour(example: Path) -> None:
    text = run_in_terminal(["-C", str(example), "apply", "-y"], EXAMPLE_SECRETS)
    count = len(example_agents())
    assert "Applying" in text and f"{count}/{count}" in text  # the rich bar, every agent
    assert "\x1b[32m+ create" in text  # coloured plan
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    assert re.search(r"agent\s+create\s+update\s+delete\s+drift", plain)  # summary table
    assert re.search(r"●\s+reviewer\s+10\s+·\s+·\s+·", plain)  # 7 runtime + 3 template files
    assert "Apply complete" in text


def test_no_color_on_a_terminal_keeps_progress_but_drops_colour(example: Path) -> None:
    text = run_in_terminal(["-C", str(example), "apply", "-y"],
                           {**EXAMPLE_SECRETS, "NO_COLOR": "1"})
    assert "\x1b[32m" not in text and "+ create" in text


def test_apply_without_a_terminal_prints_no_progress_bar(example: Path) -> None:
    result = run_cli("-C", str(example), "apply", "-y", env=EXAMPLE_SECRETS)
    assert result.returncode == 0 and "Applying" not in result.stdout + result.stderr
