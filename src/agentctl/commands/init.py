"""``agentctl init [DIR]``: scaffold a project from agentctl's Copier project template.

Runs real Copier (``copier.run_copy``), so the new project holds ``.copier-answers.yml``
and ``copier update`` can later carry improvements of the template into it. Copier
records the template's location as ``_src_path``: ``copier update`` needs that to be a
git repository, so teams that want updates pass ``--template`` a git URL or folder of
their own copy of ``templates/project`` (see README "Templates").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agentctl.commands import ui
from agentctl.diagnostics import Diagnostic, DiagnosticError
from agentctl.runtimes import get_runtime, listed_runtimes

#: The data key the project template reads the registered runtimes from.
RUNTIMES_KEY = "_agentctl_runtimes"


def runtime_facts() -> dict[str, dict[str, Any]]:
    """What the project template needs of each registered runtime, in the docs' order:
    name → ``{"service": renders a service, "backends": sorted provider backends}``
    (its ``runtime`` choices and the first agent's model come from it)."""
    return {
        name: {"service": runtime.renders_service, "backends": sorted(runtime.backends)}
        for name, runtime in ((n, get_runtime(n)) for n in listed_runtimes())
    }


def project_template() -> Path:
    """agentctl's built-in project template folder."""
    from agentctl.render.templates import templates_root

    return templates_root() / "project"


def run(dest: Path, *, force: bool, data: dict[str, str], template: str | None) -> int:
    """Render the project template into ``dest``; returns the exit code.

    Refuses (``E801``) a folder that exists and is not empty unless ``force``; a
    ``--data`` key the template does not ask is ``E804`` (checked for template folders; a
    git URL's questions are known only once Copier has cloned it); a bad answer or
    template failure is ``E802``. Nothing is left behind by a failed run into
    a new folder (Copier cleans up what it created).
    """
    import copier

    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())) and not force:
        raise DiagnosticError([Diagnostic(
            "error", "E801", f"{dest} is not an empty folder",
            detail="Pick a new or empty folder, or pass --force to render into it anyway "
            "(files the template writes are overwritten).")])
    src = template or str(project_template())
    _check_data_keys(src, data)
    try:
        copier.run_copy(src, dest, data={**data, RUNTIMES_KEY: runtime_facts()},
                        defaults=True, quiet=True, unsafe=False, overwrite=force, vcs_ref=None)
    except Exception as exc:  # Copier's errors are many types; all mean "could not render"
        raise DiagnosticError([Diagnostic(
            "error", "E802", f"cannot scaffold from {src}: {type(exc).__name__}: {exc}",
            detail="Check --data KEY=VALUE answers (see the template's copier.yml).")]
        ) from None
    ui.out(ui.style("Created ", "green") + f"an agentctl project in {dest}. Next: "
           f"cd {dest} && agentctl validate && agentctl plan")
    return 0


def _check_data_keys(src: str, data: dict[str, str]) -> None:
    """E804 for each ``--data`` key the template at ``src`` (a folder) does not ask."""
    from agentctl.diagnostics import did_you_mean
    from agentctl.render.copier_engine import CopierTemplate, TemplateError

    folder = Path(src)
    if not data or not folder.is_dir():
        return
    try:
        questions = list(CopierTemplate(folder, src).questions)
    except (TemplateError, OSError):
        return  # Copier reports a broken template itself (E802)
    unknown = [key for key in data if key not in questions]
    if unknown:
        raise DiagnosticError([Diagnostic(
            "error", "E804", f"the template asks no question '{key}'",
            path="--data",
            detail=(did_you_mean(key, questions) + " The template's questions: "
                    + ", ".join(questions) + ".").strip())
            for key in unknown])
