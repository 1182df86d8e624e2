"""An agent's service: built by its runtime, or through the project's own service template.

The runtime builds the service from what it declares (image, command, environment, the
workspace mount, the env file, ``dev.agentctl.*`` labels;
:meth:`agentctl.runtimes.base.BaseRuntime.service`). agentctl ships no service
template: the service is built once, in code.

A project changes it with a Copier template of its own, ``templates/service/<runtime>/``
(rendering ``service.yaml``). Answers: ``service_inputs`` extras (stringified), overlaid
by the structured ones (``agent_name``, ``runtime``, ``image``, ``command``,
``environment``, ``labels``, ``restart``, ``workspace``, ``env_file``, ``model_handle``);
after rendering, the structured keys (``working_dir``, ``volumes``, ``env_file``, the
runtime's ``environment`` entries and ``dev.agentctl.*`` labels) are forced over the
template's mapping (seed: ``provision_service_inputs``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from agentctl.catalogue.yamlbounded import AliasBombError, safe_load_bounded
from agentctl.catalogue.yamlsource import scalar_text
from agentctl.render.templates import TemplateStore
from agentctl.render.workspace import agent_error, render_template

if TYPE_CHECKING:
    from agentctl.resolve import ResolvedAgent
    from agentctl.runtimes.base import Runtime

SERVICE_FILE = "service.yaml"


def _text(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
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
                   trust: bool, store: TemplateStore | None = None) -> dict[str, Any] | None:
    """The agent's service mapping (see the module docstring), or None for a runtime
    that renders files only. ``store`` loads the project's template (a fresh one when
    None).

    Raises :class:`DiagnosticError` when the project's template fails or does not render
    a mapping, or (E230) when its folder leads outside the project.
    """
    reference = runtime.service(agent, workspace, env_file)
    if reference is None:
        return None
    template = (store or TemplateStore()).service_template(agent.runtime, project_root)
    if template is None:
        return reference
    answers = service_answers(agent, runtime, reference, workspace, env_file)
    rendered = render_template(template, answers, agent.name, agent, trust=trust,
                               what="service")
    produced = rendered.files.get(SERVICE_FILE)
    doc = _service_mapping(produced.content) if produced is not None else None
    if not isinstance(doc, dict):
        raise agent_error(agent, "E905", f"service template '{template.src_path}' did not render "
                     f"a mapping in {SERVICE_FILE}",
                     f"It must write {SERVICE_FILE} holding one compose service"
                     + (f" ({doc})" if isinstance(doc, Exception) else "") + ".", "runtime")
    return _force_structured(doc, reference, runtime, agent, env_file)


def _force_structured(doc: dict[str, Any], reference: dict[str, Any], runtime: Runtime,
                      agent: ResolvedAgent, env_file: str | None) -> dict[str, Any]:
    """``doc`` with the structured keys of ``reference`` forced over it."""
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
    """The data of a rendered ``service.yaml``: JSON when it is JSON (JSON is YAML, and
    reads about 20x faster), else YAML, its aliases bounded; the exception when it is
    neither (or an alias bomb)."""
    if content.lstrip()[:1] == b"{":
        try:
            return json.loads(content)
        except ValueError:
            pass  # YAML flow style, comments, …: YAML decides
    try:
        return safe_load_bounded(content.decode("utf-8"))  # libyaml, aliases bounded
    except (yaml.YAMLError, AliasBombError, UnicodeDecodeError) as exc:
        return exc


def runtime_environment(runtime: Runtime, agent: ResolvedAgent) -> dict[str, str]:
    """The structured, non-secret service environment of ``agent`` (model handle, …)."""
    return dict(runtime.service_environment(agent))
