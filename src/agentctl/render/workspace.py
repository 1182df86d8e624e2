"""Workspace templates: an agent's Copier template, answered from the catalogue.

**Workspace.** ``workspace_template`` names a built-in template (``default``, ``python``:
folders under ``templates/workspace/`` of agentctl) or, when it contains a ``/`` or starts
with ``.``, a Copier template folder relative to the catalogue file that sets it. Its
answers are the agent's ``workspace_inputs`` overlaid with the structured inputs (seed:
``provision_workspace_inputs``: the structured fields win, every value is a string, lists
as JSON): ``agent_name``, ``description``, ``runtime``, ``model``, ``instructions``,
``mcp_servers``, ``skills``, ``permission``, ``effort``.

**Layering.** The template renders first; the runtime's own files (instructions, MCP
config, settings, skills) are laid over it. A template file at a runtime-owned path, or
under the runtime's skills folder, is dropped and reported as warning ``W901`` naming
both; the runtime always wins, because those files are what the catalogue promises.
Template files matching ``_skip_if_exists`` are written once (``create_only``): plan
creates them when missing and leaves them alone afterwards, as ``copier copy`` does.

**Trust.** Templates with ``_tasks``, ``_migrations`` or ``_jinja_extensions`` run code:
they render through real Copier only with ``--trust`` and are refused otherwise.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from agentctl.diagnostics import Diagnostic, DiagnosticError, did_you_mean
from agentctl.render.copier_engine import (
    CopierTemplate,
    MissingAnswer,
    Rendered,
    TemplateError,
    render_with_copier,
)
from agentctl.render.templates import TemplateStore, builtin_workspace_templates, templates_root
from agentctl.support.tree import EXEC_MODE, FILE_MODE, FileSpec
from agentctl.targets.base import RenderedAgent

if TYPE_CHECKING:
    from agentctl.resolve import ResolvedAgent


def agent_error(agent: ResolvedAgent, code: str, summary: str, detail: str,
                field_name: str = "workspace_template") -> DiagnosticError:
    """A located error at the agent's ``field_name`` (its template)."""
    return DiagnosticError([Diagnostic("error", code, summary, agent.source,
                                       f"agents[{agent.name}].{field_name}", detail)])


def workspace_template(agent: ResolvedAgent, store: TemplateStore) -> CopierTemplate | None:
    """The agent's workspace template, loaded through ``store``, or None when unset.

    Raises :class:`DiagnosticError` ``E901`` for an unknown name or a folder that is not a
    Copier template.
    """
    ref = agent.workspace_template
    if not ref:
        return None
    if "/" in ref or ref.startswith("."):
        base = agent.template_base or Path.cwd()
        folder = store.local_folder(base, ref)
        label = ref
    else:
        folder = templates_root() / "workspace" / ref
        label = f"agentctl:workspace/{ref}"
        if not _is_file(folder / "copier.yml"):
            names = builtin_workspace_templates()
            raise agent_error(agent, "E901", f"unknown workspace template '{ref}'",
                         "Built-in templates: " + ", ".join(names) + "; or give a folder "
                         "relative to the catalogue file (./templates/mine)."
                         + did_you_mean(ref, names))
    try:
        return store.load(folder, label)
    except (TemplateError, OSError) as exc:
        raise agent_error(agent, "E901", f"workspace template '{ref}' cannot be loaded: {exc}",
                     f"Looked in {folder}. A Copier template is a folder with copier.yml."
                     ) from None


def _is_file(path: Path) -> bool:
    """``path.is_file()``, False also for OS errors pathlib lets through (a name too long)."""
    try:
        return path.is_file()
    except OSError:
        return False


def workspace_answers(agent: ResolvedAgent, model_handle: str | None) -> dict[str, str]:
    """The template answers: ``workspace_inputs`` overlaid by the structured inputs."""
    answers = dict(agent.workspace_inputs)
    answers.update({
        "agent_name": agent.name,
        "description": agent.description,
        "runtime": agent.runtime,
        "model": model_handle or "",
        "instructions": agent.instructions,
        "mcp_servers": json.dumps([s.name for s in agent.mcp_servers]),
        "skills": json.dumps([s.name for s in agent.skills]),
        "permission": agent.permission or "",
        "effort": agent.effort or "",
    })
    return answers


def render_template(template: CopierTemplate, answers: dict[str, str], dst_name: str,
                    agent: ResolvedAgent, *, trust: bool, what: str) -> Rendered:
    """Render ``template`` through the cached engine, or real Copier when it must.

    Raises :class:`DiagnosticError`: ``E902`` unsafe template without ``--trust``,
    ``E903`` a required question without an answer, ``E904`` any other template error.
    """
    where = f"{what} template '{template.src_path}'"
    field_name = "workspace_template" if what == "workspace" else "runtime"
    try:
        template.sources()
        if template.unsafe:
            if not trust:
                features = ", ".join(f"_{k}" for k in template.unsafe)
                raise agent_error(agent, "E902", f"{where} uses {features}, which run code",
                             "Read the template, then re-run with --trust to let Copier run "
                             "it, or pick a template without them.", field_name)
            return render_with_copier(template, answers, dst_name, unsafe=True)
        if template.unmirrored:
            return render_with_copier(template, answers, dst_name, unsafe=False)
        return template.render(answers, dst_name)
    except MissingAnswer as exc:
        raise agent_error(agent, "E903",
                     f"{where} asks '{exc.question}', which has no default and no answer",
                     f"Set {what}_inputs: {{{exc.question}: …}} on agent '{agent.name}' "
                     "(or on the agent it extends).", field_name) from None
    except TemplateError as exc:
        in_file = f" in {exc.file}" if exc.file else ""
        raise agent_error(agent, "E904", f"{where} failed{in_file}: {exc}",
                     "Fix the template or the agent's inputs.", field_name) from None


def layer(template_files: Rendered | None, runtime_files: dict[str, FileSpec],
          skills_dir: str, agent: ResolvedAgent, template_ref: str) -> RenderedAgent:
    """Lay ``runtime_files`` over the template's output (see the module docstring)."""
    out = RenderedAgent()
    if template_files is not None:
        for rel, rendered in sorted(template_files.files.items()):
            owned = rel in runtime_files or (
                bool(skills_dir) and rel.startswith(skills_dir.rstrip("/") + "/"))
            if owned:
                out.warnings.append(Diagnostic(
                    "warning", "W901",
                    f"workspace template '{template_ref}' writes {rel}, which the runtime "
                    f"{agent.runtime} owns; the runtime's file wins", agent.source,
                    f"agents[{agent.name}].workspace_template",
                    "Remove the file from the template (or exclude it with _exclude); "
                    "set its content through the catalogue instead."))
                continue
            out.files[rel] = FileSpec(rendered.content,
                                      EXEC_MODE if rendered.executable else FILE_MODE,
                                      create_only=rel in template_files.skip_if_exists)
    out.files.update(runtime_files)
    return out


