"""MkDocs hook: the reference pages generated from agentctl's own objects.

A page asks for a generated part with a line of its own, ``<!-- reference:NAME -->``;
:func:`on_page_markdown` replaces it with ``GENERATORS[NAME]()``. Everything comes from
agentctl's public objects, so the reference cannot drift from the code:

- ``cli``: every verb and option, walked from the typer app ``agentctl.cli.app``;
- ``catalogue`` / ``project``: the pydantic models of ``agentctl.catalogue.schema`` and
  ``agentctl.catalogue.primitives``
  (``model_json_schema()``: field types, defaults and descriptions);
- ``diagnostics``: ``agentctl.diagnostics.codes.all_codes()`` (built-in and plug-in
  codes), each code with its fix
  (``docs/reference/diagnostic-fixes.yaml``) and an example from the bad-input suite
  (``tests/bad_input/cases/**.yaml``, format in ``tests/bad_input/README.md``);
- ``runtimes`` / ``targets``: the registries ``agentctl.runtimes`` and
  ``agentctl.targets``;
- ``exit-codes``: ``agentctl.cli.exitcodes.EXIT_CODES``;
- ``runtime-matrix``: the README's "## Runtimes" table (a test keeps it equal to
  ``agentctl.runtimes.matrix.runtime_matrix``);
- ``example-graph``: the example fleet's Mermaid graph, as ``agentctl graph`` prints it.

Raises ``KeyError`` for an unknown generator name and ``ValueError`` when a code has no
fix text, so ``mkdocs build --strict`` fails rather than publishing a gap.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer.main
import yaml
from pydantic import BaseModel

from agentctl.catalogue.project_schema import ProjectConfig
from agentctl.catalogue.primitives import CATALOGUE_MODELS as ENTRY_MODELS
from agentctl.cli import app
from agentctl.diagnostics.codes import all_codes
from agentctl.runtimes import get_runtime, runtime_names
from agentctl.targets import target_names

ROOT = Path(__file__).resolve().parents[2]
FIXES = ROOT / "docs/reference/diagnostic-fixes.yaml"
CASES = ROOT / "tests/bad_input/cases"
MARK = re.compile(r"^<!-- reference:([a-z-]+) -->$", re.M)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


# --- CLI ---------------------------------------------------------------------------

def _help(text: str) -> str:
    """A command's help as Markdown: its ``Example: a   |   b`` line becomes a code block."""
    body, _, example = text.strip().partition("Example: ")
    if not example:
        return body
    commands = "\n".join(part.strip() for part in example.split("   |   "))
    return f"{body.rstrip()}\n\nExample:\n\n```sh\n{commands}\n```"


def _command_section(cmd: Any, ctx: Any, level: int) -> list[str]:
    usage = " ".join([ctx.command_path, *cmd.collect_usage_pieces(ctx)])
    lines = [f"{'#' * level} `{ctx.command_path}`", "", _help(cmd.help or ""), "",
             f"Usage:\n\n```\n{usage}\n```", ""]
    records = [p.get_help_record(ctx) for p in cmd.params if not getattr(p, "hidden", False)]
    rows = [f"| `{' '.join(r[0].split())}` | {_cell(r[1])} |" for r in records if r]
    if rows:
        lines += ["| argument or option | meaning |", "|---|---|", *rows, ""]
    if hasattr(cmd, "list_commands"):
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            lines += _command_section(sub, sub.context_class(sub, info_name=name, parent=ctx),
                                      level + 1)
    return lines


def cli_reference() -> str:
    """Markdown for every verb, sub-verb, argument and option of ``agentctl``."""
    root = typer.main.get_command(app)
    return "\n".join(_command_section(root, root.context_class(root, info_name="agentctl"), 2))


# --- schema ------------------------------------------------------------------------

def _type(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        return str(prop["$ref"]).rsplit("/", 1)[1]
    if "enum" in prop:
        return " \\| ".join(f"`{v}`" for v in prop["enum"])
    if "anyOf" in prop:
        return " or ".join(_type(p) for p in prop["anyOf"] if p.get("type") != "null")
    kind = prop.get("type", "any")
    if kind == "array":
        return f"list of {_type(prop.get('items', {}))}"
    if kind == "object" and isinstance(prop.get("additionalProperties"), dict):
        return f"map of {_type(prop['additionalProperties'])}"
    return str(kind)


def _model_table(title: str, schema: dict[str, Any], level: int) -> list[str]:
    required = set(schema.get("required", []))
    lines = [f"{'#' * level} {title}", "", _cell(schema.get("description", "")), "",
             "| field | type | required | default | description |", "|---|---|---|---|---|"]
    for name, prop in schema.get("properties", {}).items():
        default = "" if name in required or "default" not in prop else json.dumps(prop["default"])
        lines.append(f"| `{name}` | {_type(prop)} | {'yes' if name in required else ''} | "
                     f"{_cell(f'`{default}`' if default else '')} | "
                     f"{_cell(prop.get('description', ''))} |")
    return [*lines, ""]


def _models(models: dict[str, type[BaseModel]]) -> str:
    lines: list[str] = []
    nested: dict[str, dict[str, Any]] = {}
    for section, model in models.items():
        schema = model.model_json_schema()
        nested.update(schema.pop("$defs", {}))
        lines += _model_table(f"`{section}`", schema, 2)
    for name, schema in sorted(nested.items()):
        lines += _model_table(name, schema, 3)
    return "\n".join(lines)


def catalogue_reference() -> str:
    """Markdown tables of every catalogue section's entry fields (and nested objects)."""
    return _models(dict(ENTRY_MODELS))


def project_reference() -> str:
    """Markdown table of ``agentctl.yaml``'s fields."""
    return _models({"agentctl.yaml": ProjectConfig})


# --- diagnostics -------------------------------------------------------------------

def load_examples() -> dict[str, tuple[str, dict[str, Any]]]:
    """First bad-input case per code: code → (case name, parsed case file)."""
    examples: dict[str, tuple[str, dict[str, Any]]] = {}
    for path in sorted(CASES.rglob("*.yaml")):
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
        for expected in case.get("expect") or []:
            examples.setdefault(expected["code"],
                                (str(path.relative_to(CASES).with_suffix("")), case))
    return examples


def _example(code: str, name: str, case: dict[str, Any]) -> list[str]:
    lines = [f"Example (bad-input case `{name}`): {case.get('description', '')}", ""]
    for path, text in (case.get("files") or {}).items():
        if isinstance(text, str) and path.endswith((".yaml", ".yml")):
            lines += [f"```yaml\n# {path}\n{text.rstrip()}\n```", ""]
    argv = " ".join(str(a) for a in case.get("argv", ["validate"]))
    at = next((e.get("at") for e in case["expect"] if e["code"] == code), None)
    lines += [f"`agentctl {argv}` exits {case['exit']} with `{code}`"
              + (f" at `{at}`." if at else "."), ""]
    return lines


def diagnostics_reference() -> str:
    """Markdown for every code of ``all_codes()``: description, fix and, when a case has it, an
    example. Raises ``ValueError`` naming the codes without fix text."""
    fixes: dict[str, str] = yaml.safe_load(FIXES.read_text(encoding="utf-8"))
    missing = sorted(set(all_codes()) - set(fixes))
    if missing:
        raise ValueError(f"{FIXES.name} has no fix for {', '.join(missing)}")
    examples = load_examples()
    lines: list[str] = []
    for code, description in all_codes().items():
        severity = "warning" if code.startswith("W") else "error"
        lines += [f"### {code}", "", f"**{description}** ({severity})", "",
                  f"Fix: {fixes[code]}", ""]
        if code in examples:
            lines += _example(code, *examples[code])
    return "\n".join(lines)


# --- registries --------------------------------------------------------------------

def runtimes_reference() -> str:
    """One row per registered runtime: its CLI, pinned npm release, compose service,
    MCP transports, skills folder and the credential kinds it can authenticate with
    (attributes of the runtime's implementation)."""
    lines = ["| runtime | CLI | npm package (pinned) | compose service | MCP transports "
             "| skills folder | inference credential kinds |", "|---|---|---|---|---|---|---|"]
    kinds = ENTRY_MODELS["credentials"].model_json_schema()["properties"]["kind"]["enum"]
    for name in runtime_names():
        rt = get_runtime(name)
        package = getattr(rt, "npm_package", "")
        pin = f"`{package}@{getattr(rt, 'version', '')}`" if package else "—"
        transports = sorted(getattr(rt, "transports", ())) if rt.renders_service else []
        program = getattr(rt, "program", "")
        lines.append(f"| `{name}` | {f'`{program}`' if program else '—'} "
                     f"| {pin} | {'yes' if rt.renders_service else 'no'} | "
                     f"{', '.join(transports) or '—'} | `{getattr(rt, 'skills_dir', '')}` | "
                     f"{', '.join(k for k in kinds if rt.credential_env(k)) or '—'} |")
    return "\n".join(lines)


def exit_codes_reference() -> str:
    """The exit-code table, from ``agentctl.cli.exitcodes.EXIT_CODES``."""
    from agentctl.cli.exitcodes import EXIT_CODES

    rows = [f"| {e.code} | {_cell(e.meaning)} | {_cell(e.source)} |" for e in EXIT_CODES]
    return "\n".join(["| code | meaning | from |", "|---|---|---|", *rows])


def targets_reference() -> str:
    """A list of every registered deployment target, linked to its section."""
    return "\n".join(f"- [`{name}`](../concepts/targets.md#{name})" for name in target_names())


def runtime_matrix() -> str:
    """The table under README.md's "## Runtimes" heading, as written there."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## Runtimes\n", 1)[1]
    rows = [line for line in section.split("\n## ", 1)[0].splitlines() if line.startswith("|")]
    return "\n".join(rows)


def example_graph() -> str:
    """The example fleet's graph as ``agentctl -C examples/fleet graph`` prints it (Mermaid),
    fenced."""
    from agentctl.catalogue.load import load_catalogue
    from agentctl.catalogue.project import load_project
    from agentctl.resolve import resolve
    from agentctl.resolve.graph import fleet_graph, to_mermaid

    project = load_project(ROOT / "examples" / "fleet", explicit=True)
    text = to_mermaid(fleet_graph(resolve(load_catalogue(project), defer=True)))
    return "```mermaid\n" + text + ("" if text.endswith("\n") else "\n") + "```"


GENERATORS: dict[str, Callable[[], str]] = {
    "cli": cli_reference,
    "catalogue": catalogue_reference,
    "project": project_reference,
    "diagnostics": diagnostics_reference,
    "runtimes": runtimes_reference,
    "targets": targets_reference,
    "exit-codes": exit_codes_reference,
    "runtime-matrix": runtime_matrix,
    "example-graph": example_graph,
}


def expand(markdown: str) -> str:
    """Replace each ``<!-- reference:NAME -->`` line of ``markdown`` by its generated text.

    Raises ``KeyError`` for a NAME that is not in :data:`GENERATORS`."""
    return MARK.sub(lambda m: GENERATORS[m.group(1)](), markdown)


def on_page_markdown(markdown: str, **_: Any) -> str:
    """MkDocs hook event: expand the page's reference markers."""
    return expand(markdown)
