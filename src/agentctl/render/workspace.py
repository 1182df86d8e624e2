"""Workspace and service templates: an agent's Copier templates, answered from the catalogue.

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

**Service.** Each runtime's compose service comes from ``templates/service/<runtime>/``
(a Copier template rendering ``service.yaml``); a project overrides it with a folder of
the same name under its own ``templates/service/``. Answers: ``service_inputs`` extras
(stringified), overlaid by the structured ones (``agent_name``, ``runtime``, ``image``,
``command``, ``environment``, ``labels``, ``restart``, ``workspace``, ``env_file``,
``model_handle``); after rendering, the structured keys (``working_dir``, ``volumes``,
``env_file``, the runtime's ``environment`` entries and ``dev.agentctl.*`` labels) are
forced over the template's mapping (seed: ``provision_service_inputs``).

**Trust.** Templates with ``_tasks``, ``_migrations`` or ``_jinja_extensions`` run code:
they render through real Copier only with ``--trust`` and are refused otherwise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentctl.diagnostics import Diagnostic, DiagnosticError
from agentctl.support.tree import EXEC_MODE, FILE_MODE, FileSpec

if TYPE_CHECKING:
    from agentctl.render.copier_engine import CopierTemplate, Rendered
    from agentctl.resolve import ResolvedAgent
    from agentctl.runtimes.base import Runtime

SERVICE_FILE = "service.yaml"


@cache
def templates_root() -> Path:
    """agentctl's built-in ``templates/`` folder: inside the installed package (the wheel
    force-includes it as ``agentctl/templates``), else at the top of a source checkout."""
    packaged = Path(__file__).resolve().parents[1] / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "templates"


def builtin_workspace_templates() -> list[str]:
    """Names of the built-in workspace templates."""
    root = templates_root() / "workspace"
    return sorted(p.name for p in root.iterdir() if (p / "copier.yml").is_file())


@dataclass
class AgentRender:
    """One agent rendered: workspace ``files``, compose ``service`` (or None), its
    ``service_block`` of compose.yaml (:func:`agentctl.render.service_block`), warnings."""

    files: dict[str, FileSpec] = field(default_factory=dict)
    service: dict[str, Any] | None = None
    warnings: list[Diagnostic] = field(default_factory=list)
    service_block: str | None = None


def _error(agent: ResolvedAgent, code: str, summary: str, detail: str,
           field_name: str = "workspace_template") -> DiagnosticError:
    return DiagnosticError([Diagnostic("error", code, summary, agent.source,
                                       f"agents[{agent.name}].{field_name}", detail)])


def workspace_template(agent: ResolvedAgent) -> CopierTemplate | None:
    """The agent's workspace template, loaded (once per process), or None when unset.

    Raises :class:`DiagnosticError` ``E901`` for an unknown name or a folder that is not a
    Copier template.
    """
    from agentctl.render.copier_engine import TemplateError, load_template

    ref = agent.workspace_template
    if not ref:
        return None
    if "/" in ref or ref.startswith("."):
        base = agent.template_base or Path.cwd()
        folder = _local_folder(base, ref)
        label = ref
    else:
        folder = templates_root() / "workspace" / ref
        label = f"agentctl:workspace/{ref}"
        if not _is_file(folder / "copier.yml"):
            from agentctl.diagnostics import did_you_mean

            names = builtin_workspace_templates()
            raise _error(agent, "E901", f"unknown workspace template '{ref}'",
                         "Built-in templates: " + ", ".join(names) + "; or give a folder "
                         "relative to the catalogue file (./templates/mine)."
                         + did_you_mean(ref, names))
    try:
        return load_template(folder, label)
    except (TemplateError, OSError) as exc:
        raise _error(agent, "E901", f"workspace template '{ref}' cannot be loaded: {exc}",
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
    from agentctl.render.copier_engine import MissingAnswer, TemplateError, render_with_copier

    where = f"{what} template '{template.src_path}'"
    field_name = "workspace_template" if what == "workspace" else "runtime"
    try:
        template.sources()
        if template.unsafe:
            if not trust:
                features = ", ".join(f"_{k}" for k in template.unsafe)
                raise _error(agent, "E902", f"{where} uses {features}, which run code",
                             "Read the template, then re-run with --trust to let Copier run "
                             "it, or pick a template without them.", field_name)
            return render_with_copier(template, answers, dst_name, unsafe=True)
        if template.unmirrored:
            return render_with_copier(template, answers, dst_name, unsafe=False)
        return template.render(answers, dst_name)
    except MissingAnswer as exc:
        raise _error(agent, "E903",
                     f"{where} asks '{exc.question}', which has no default and no answer",
                     f"Set {what}_inputs: {{{exc.question}: …}} on agent '{agent.name}' "
                     "(or on the agent it extends).", field_name) from None
    except TemplateError as exc:
        in_file = f" in {exc.file}" if exc.file else ""
        raise _error(agent, "E904", f"{where} failed{in_file}: {exc}",
                     "Fix the template or the agent's inputs.", field_name) from None


def layer(template_files: Rendered | None, runtime_files: dict[str, FileSpec],
          skills_dir: str, agent: ResolvedAgent, template_ref: str) -> AgentRender:
    """Lay ``runtime_files`` over the template's output (see the module docstring)."""
    out = AgentRender()
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


_service_folders: dict[tuple[str, Path | None], tuple[Path, str] | None] = {}
_local_folders: dict[tuple[Path, str], Path] = {}


def forget_folders() -> None:
    """Forget which template folders exist (called at the start of each render)."""
    _service_folders.clear()
    _local_folders.clear()


def _local_folder(base: Path, ref: str) -> Path:
    key = (base, ref)
    if key not in _local_folders:
        _local_folders[key] = (base / ref).resolve()
    return _local_folders[key]


def _check_own_folder(project_root: Path, folder: Path, shown: str) -> None:
    """E230 when a project's own template folder leads outside the project (a symlink)."""
    import os

    from agentctl.catalogue.project import OUTSIDE_HINT
    from agentctl.diagnostics import Position

    real = Path(os.path.realpath(folder))
    if not real.is_relative_to(os.path.realpath(project_root)):
        raise DiagnosticError([Diagnostic(
            "error", "E230", f"'{shown}' leads outside the project (to {real})",
            Position(shown), detail=OUTSIDE_HINT)])


def service_template(runtime: str, project_root: Path | None) -> CopierTemplate | None:
    """The service template of ``runtime``: the project's own, else the built-in, else None.

    Raises :class:`DiagnosticError` (E230) when the project's own folder leads outside it.
    """
    from agentctl.render.copier_engine import load_template

    key = (runtime, project_root)
    if key not in _service_folders:
        found: tuple[Path, str] | None = None
        own = project_root / "templates" / "service" / runtime if project_root else None
        builtin = templates_root() / "service" / runtime
        if own is not None and own.is_dir():
            assert project_root is not None
            _check_own_folder(project_root, own, f"templates/service/{runtime}")
            found = (own, f"templates/service/{runtime}")
        elif builtin.is_dir():
            found = (builtin, f"agentctl:service/{runtime}")
        _service_folders[key] = found
    folder = _service_folders[key]
    return load_template(*folder) if folder else None


def _text(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    from agentctl.catalogue.yamlsource import scalar_text

    return scalar_text(value)


def service_answers(agent: ResolvedAgent, runtime: Runtime, reference: dict[str, Any],
                    workspace: str, env_file: str | None) -> dict[str, str]:
    """Service template answers: ``service_inputs`` extras, overlaid by the structured ones
    taken from the runtime's ``reference`` service (seed: ``provision_service_inputs``)."""
    answers = {str(k): _text(v) for k, v in agent.service_inputs.items()}
    answers.update({
        "agent_name": agent.name,
        "runtime": agent.runtime,
        "image": str(reference["image"]),
        "command": json.dumps(reference.get("command", [])),
        "environment": json.dumps(reference.get("environment", {}), ensure_ascii=False),
        "labels": json.dumps(reference["labels"], ensure_ascii=False),
        "restart": str(reference.get("restart", "unless-stopped")),
        "workspace": workspace,
        "env_file": env_file or "",
        "model_handle": runtime.model_handle(agent) or "",
    })
    return answers


def render_service(agent: ResolvedAgent, runtime: Runtime, workspace: str,
                   env_file: str | None, project_root: Path | None, *,
                   trust: bool) -> dict[str, Any] | None:
    """The agent's compose service mapping through its service template (see module doc).

    Raises :class:`DiagnosticError` when the template fails or does not render a mapping.
    """

    reference = runtime.service(agent, workspace, env_file)
    if reference is None:
        return None
    template = service_template(agent.runtime, project_root)
    if template is None:
        return reference
    answers = service_answers(agent, runtime, reference, workspace, env_file)
    rendered = render_template(template, answers, agent.name, agent, trust=trust,
                               what="service")
    produced = rendered.files.get(SERVICE_FILE)
    doc = _service_mapping(produced.content) if produced is not None else None
    if not isinstance(doc, dict):
        raise _error(agent, "E905", f"service template '{template.src_path}' did not render "
                     f"a mapping in {SERVICE_FILE}",
                     f"It must write {SERVICE_FILE} holding one compose service"
                     + (f" ({doc})" if isinstance(doc, Exception) else "") + ".", "runtime")
    for key in ("working_dir", "volumes"):
        doc[key] = reference[key]
    if env_file:
        doc["env_file"] = reference["env_file"]
    else:
        doc.pop("env_file", None)
    structured_env = runtime_environment(runtime, agent)
    if structured_env:
        env = dict(doc.get("environment") or {})
        env.update(structured_env)
        doc["environment"] = dict(sorted(env.items()))
    labels = dict(doc.get("labels") or {})
    labels.update({"dev.agentctl.agent": agent.name, "dev.agentctl.runtime": agent.runtime})
    doc["labels"] = labels
    return doc


def _service_mapping(content: bytes) -> Any:
    """The data of a rendered ``service.yaml``: JSON when it is JSON (the built-in
    templates write JSON, which is YAML and reads about 20x faster), else YAML, its
    aliases bounded; the exception when it is neither (or an alias bomb)."""
    import yaml

    if content.lstrip()[:1] == b"{":
        try:
            return json.loads(content)
        except ValueError:
            pass  # YAML flow style, comments, …: YAML decides
    from agentctl.catalogue.yamlsource import AliasBombError, safe_load_bounded

    try:
        return safe_load_bounded(content.decode("utf-8"))  # libyaml, aliases bounded
    except (yaml.YAMLError, AliasBombError, UnicodeDecodeError) as exc:
        return exc


def runtime_environment(runtime: Runtime, agent: ResolvedAgent) -> dict[str, str]:
    """The structured, non-secret service environment of ``agent`` (model handle, …)."""
    return dict(runtime.service_environment(agent))
