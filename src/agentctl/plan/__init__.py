"""Stage 4, plan: desired tree + disk + ledger → :class:`Plan`.

Per file the plan says ``create``, ``update``, ``delete`` (a file agentctl made that the
catalogue no longer wants) or ``drift`` (a managed file edited by hand, or a file
agentctl did not write standing where it wants one: apply refuses to overwrite it
without ``--force``). Per agent it says ``provision``, ``update``, ``retry`` (last
apply failed), ``deprovision`` or ``none``.

The parts: :mod:`~agentctl.plan.model` (the value and its JSON),
:mod:`~agentctl.plan.envfiles` (secret values into env files, in memory),
:mod:`~agentctl.plan.compare` (one file against disk), :mod:`~agentctl.plan.orphans`,
:mod:`~agentctl.plan.lifecycle`, :mod:`~agentctl.plan.digests`,
:mod:`~agentctl.plan.saved` (``apply PLANFILE``) and :mod:`~agentctl.plan.destroy`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path

from msgspec.structs import replace

from agentctl.catalogue.project import Project
from agentctl.diagnostics import display_path
from agentctl.plan.compare import compare_file, text_diff
from agentctl.plan.digests import inputs_digest, state_digest
from agentctl.plan.envfiles import EnvFiles, materialise
from agentctl.plan.ledger import Ledger, ledger_path
from agentctl.plan.lifecycle import agent_plans, destroy_plans
from agentctl.plan.model import (
    FORMAT_VERSION,
    AgentAction,
    AgentPlan,
    FileAction,
    FileChange,
    Plan,
    Write,
    plan_file_json,
)
from agentctl.plan.orphans import orphans, refuse_foreign_ledger
from agentctl.plan.statcache import StatCache
from agentctl.secrets import SecretResolver
from agentctl.support.envfile import parse_env_file
from agentctl.support.fsutil import FolderCheck
from agentctl.support.tree import ENV_FILE_MODE, DesiredTree
from agentctl.targets.partial import OnDisk

__all__ = [
    "FORMAT_VERSION",
    "AgentAction",
    "AgentPlan",
    "FileAction",
    "FileChange",
    "Plan",
    "StatCache",
    "Write",
    "inputs_digest",
    "make_plan",
    "plan_file_json",
    "refuse_foreign_ledger",
    "text_diff",
]


def make_plan(
    project: Project,
    tree: DesiredTree,
    ledger: Ledger,
    resolver: SecretResolver,
    *,
    inputs: Collection[Path] = (),
    only_agents: Collection[str] | None = None,
    destroy: bool = False,
    stats: StatCache | None = None,
) -> Plan:
    """Compare ``tree`` with disk and ``ledger``; fetch secret values through ``resolver``.

    ``only_agents`` limits the plan to those agents' files and shared files. With
    ``destroy`` (``only_agents`` naming the agents to tear down, ``tree`` rendered
    without them) the plan deletes their files, rewrites only shared files and
    deprovisions exactly them, like ``terraform plan -destroy``.
    Raises :class:`~agentctl.diagnostics.DiagnosticError` (E021) for a ledger naming files
    outside the output folder. A missing secret blocks only its agent: that agent gets
    an error and no file changes. ``stats`` (the plan's stat cache) spares reading files
    whose stat did not change; it is noted as files are read and kept on the plan
    (``Plan.stats``) for the caller to save once the run goes through.
    """
    root = project.root
    refuse_foreign_ledger(ledger, _out_rel(project),
                          display_path(ledger_path(project), root))
    plan = Plan(stats=stats)
    resolver.use_project(root, project.config.secrets)
    # A destroy plan writes only shared files: the torn-down agents' own secrets are
    # never fetched.
    env = EnvFiles() if destroy else materialise(tree, resolver, only_agents)
    plan.errors.extend(env.errors)
    if env.blocked:
        tree = startable_tree(project, tree, env.blocked, plan)

    def wanted(agent: str | None) -> bool:
        if agent is not None and agent in env.blocked:
            return False
        return only_agents is None or agent is None or agent in only_agents

    # One lstat per folder, not a realpath per file; a folder counts as inside when it
    # resolves into the output folder (a link to elsewhere in the project does not).
    folders = FolderCheck(root, project.output_dir)
    desired = _compare_tree(plan, project, tree, ledger, env,
                            _shared_only if destroy else wanted, folders, stats)
    orphans(plan, project, ledger, desired, wanted, tree.target, folders,
            with_pending=only_agents is None,
            destroyed=(only_agents or ()) if destroy else ())
    if destroy:
        plan.agents = destroy_plans(ledger, only_agents or ())
    else:
        plan.agents = agent_plans(tree.agents, ledger, plan.changes, env.blocked,
                                  only_agents)
    plan.outputs = dict(tree.agents.items())
    plan.target = tree.target
    plan.inputs_digest = inputs_digest(list(inputs), root)
    plan.state_digest = state_digest(project, ledger, plan)
    return plan


def startable_tree(project: Project, tree: DesiredTree, blocked: dict[str, str],
                   plan: Plan) -> DesiredTree:
    """``tree`` with the shared files its target rewrites so that the output still starts
    every ready agent while ``blocked`` ones get no change (issue: a compose.yaml naming
    an env file that was never written fails ``docker compose config`` for the whole
    fleet); the target's warnings (W030) go to ``plan.warnings``."""
    from agentctl.targets import get_target

    target = get_target(tree.target)
    out = project.output_dir

    def read(rel: str) -> bytes | None:
        if target.holds_secrets(rel):
            return None
        try:
            return (out / rel).read_bytes()
        except OSError:
            return None

    disk = OnDisk(read, lambda rel: (out / rel).exists())
    files, warnings = target.startable(tree, blocked, disk)
    plan.warnings.extend(warnings)
    return replace(tree, files={**tree.files, **files}) if files else tree


def _out_rel(project: Project) -> str:
    return display_path(project.output_dir, project.root)


def _compare_tree(
    plan: Plan, project: Project, tree: DesiredTree, ledger: Ledger, env: EnvFiles,
    wanted: Callable[[str | None], bool], folders: FolderCheck, stats: StatCache | None,
) -> set[str]:
    """Add a change and a write for every wanted file and env file of ``tree``; return
    every path the tree wants (blocked agents' env files included: not orphans)."""
    out_rel = _out_rel(project)

    def rel(path: str) -> str:
        return f"{out_rel}/{path}" if out_rel not in ("", ".") else path

    desired: set[str] = set()
    for path, file_spec in sorted(tree.files.items()):
        full = rel(path)
        desired.add(full)
        if not wanted(file_spec.agent):
            continue
        if file_spec.create_only and (project.root / full).exists():
            continue  # a template's _skip_if_exists file: written once, then left alone
        change = compare_file(project, ledger, full, file_spec.content, file_spec.mode,
                              file_spec.agent, env=False, folders=folders, stats=stats)
        if change is not None:
            plan.changes.append(change)
        plan.writes[full] = Write(file_spec.content, file_spec.mode, file_spec.agent)
    for path, (content, names) in sorted(env.contents.items()):
        full = rel(path)
        agent = tree.env_files[path].agent
        if not wanted(agent):
            continue
        codec = tree.env_files[path].codec
        change = compare_file(project, ledger, full, content, ENV_FILE_MODE, agent, env=True,
                              parse=codec.parse if codec else parse_env_file,
                              folders=folders, env_names=names)
        if change is not None:
            plan.changes.append(change)
        plan.writes[full] = Write(content, ENV_FILE_MODE, agent, names)
    desired.update(rel(path) for path in tree.env_files)
    return desired


def _shared_only(agent: str | None) -> bool:
    """A destroy plan compares and writes only shared files (compose.yaml and the like):
    the agents it tears down are left out of the tree, their files become orphans."""
    return agent is None
