"""A fleet that stays startable: the shared files of a plan in which some agents are blocked.

A blocked agent (a secret without a value, E401/E402) gets no file change, so its env file
or Secret is not written. The shared files that name it (compose.yaml, a kustomization)
must then not point at what does not exist, or ``docker compose config``/``up`` (and
``kustomize build``) fail for the whole fleet. Each target answers with
:meth:`~agentctl.targets.base.Target.startable`: a blocked agent that was applied before
keeps what it had (its previous service block, its manifests on disk); one that never
was is left out, with a W030 warning naming it and why.

The target reads nothing itself: the plan hands it an :class:`OnDisk` over the output
folder, and never a secret value (only whether an env file exists).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from msgspec import Struct

from agentctl.diagnostics import Diagnostic
from agentctl.support.tree import DesiredTree, FileSpec
from agentctl.targets.manifests import dump

SERVICES_LINE = "services:\n"


class OnDisk(Struct, frozen=True):
    """What a target may learn of its output folder as it is now: ``read(rel)`` the bytes
    of a file that holds no secret (None: absent or unreadable), ``exists(rel)`` for any
    path; paths relative to the output folder."""

    read: Callable[[str], bytes | None]
    exists: Callable[[str], bool]


def left_out(agent: str, where: str) -> Diagnostic:
    """W030: ``agent`` is blocked and was never applied, so ``where`` leaves it out."""
    return Diagnostic(
        "warning", "W030", f"agent '{agent}' is left out of {where}: it is blocked (its "
        "error is below) and was never applied", path=f"agents[{agent}]",
        detail="The other agents start as usual. Give the agent its secret and run "
        "`agentctl apply` again to add it.")


def split_services(text: str) -> tuple[str, dict[str, str]] | None:
    """Split a compose file written by agentctl (``compose_document``) into the text up
    to and including ``services:`` and each service's block by name (in file order).

    Returns None for text not in that shape (a hand-edited file): the caller then treats
    the agent as never applied. A file with ``services: {}`` has no blocks.
    """
    if text.endswith("services: {}\n"):
        return text.removesuffix("services: {}\n") + SERVICES_LINE, {}
    head, sep, body = text.partition("\n" + SERVICES_LINE)
    if not sep:
        return None
    blocks: dict[str, str] = {}
    name: str | None = None
    for line in body.splitlines(keepends=True):
        if line.startswith("  ") and not line.startswith("   ") and line.endswith(":\n"):
            name = _service_name(line[2:-2])
            blocks[name] = line
        elif name is not None and (line == "\n" or line.startswith("    ")):
            blocks[name] += line
        else:
            return None
    return head + sep, blocks


def _service_name(key: str) -> str:
    """A service key as written: plain, or quoted by the YAML dumper when the plain form
    would read as another type (``'on'``, ``'null'``: YAML 1.1 booleans and nulls)."""
    if key[:1] not in ("'", '"'):
        return key
    import yaml

    return str(yaml.safe_load(key))


def join_services(head: str, blocks: Mapping[str, str]) -> bytes:
    """The inverse of :func:`split_services` (services sorted by name, as agentctl writes
    them)."""
    if not blocks:
        return (head.removesuffix(SERVICES_LINE) + "services: {}\n").encode("utf-8")
    return (head + "".join(blocks[n] for n in sorted(blocks))).encode("utf-8")


def _without_dependencies(name: str, block: str, gone: Collection[str]) -> str:
    """``block`` with every ``depends_on`` entry naming a service in ``gone`` removed
    (Compose Specification, "depends_on": a list of names or a mapping by name)."""
    if "depends_on:" not in block:
        return block
    import yaml

    service: dict[str, Any] = yaml.safe_load(_dedent(block))[name]
    depends = service.get("depends_on")
    if isinstance(depends, list):
        kept: Any = [d for d in depends if d not in gone]
    elif isinstance(depends, dict):
        kept = {k: v for k, v in depends.items() if k not in gone}
    else:
        return block
    if kept == depends:
        return block
    if kept:
        service["depends_on"] = kept
    else:
        del service["depends_on"]
    # The loaded strings keep compose's own `$$` escapes: dump them as they are.
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text = yaml.dump({name: service}, Dumper=dumper, sort_keys=False,
                     default_flow_style=False, allow_unicode=True, width=1000)
    return "".join("  " + ln if ln.strip("\n") else ln
                   for ln in text.splitlines(keepends=True))


def _dedent(block: str) -> str:
    return "".join(ln[2:] if ln.startswith("  ") else ln
                   for ln in block.splitlines(keepends=True))


def _previous_blocks(disk: OnDisk, compose_file: str) -> dict[str, str]:
    """The service blocks of the compose file on disk (none when absent or hand-made)."""
    text = disk.read(compose_file)
    old = split_services(text.decode("utf-8", "replace")) if text else None
    return old[1] if old is not None else {}


def _starts(block: str, env_file: str | None, disk: OnDisk) -> bool:
    """True when a previous service ``block`` can start: the env file it names is there."""
    return env_file is None or env_file not in block or disk.exists(env_file)


def startable_compose(tree: DesiredTree, blocked: Mapping[str, str], disk: OnDisk,
                      compose_file: str) -> tuple[dict[str, FileSpec], list[Diagnostic]]:
    """compose.yaml for a plan in which the agents ``blocked`` (name → why) get no change:
    a blocked agent whose service block and env file are on disk keeps its previous
    block; any other blocked agent's service is left out (W030), and ``depends_on``
    entries naming it are dropped. Returns the replaced file (none when nothing changes)
    and the warnings."""
    spec = tree.files.get(compose_file)
    wanted = split_services(spec.content.decode("utf-8")) if spec is not None else None
    if spec is None or wanted is None:
        return {}, []
    head, blocks = wanted
    previous = _previous_blocks(disk, compose_file)
    warnings: list[Diagnostic] = []
    gone: list[str] = []
    for agent in sorted(blocked):
        output = tree.agents.get(agent)
        if output is None or output.service is None or output.service not in blocks:
            continue
        before = previous.get(output.service)
        if before is not None and _starts(before, output.env_file, disk):
            blocks[output.service] = before
            continue
        del blocks[output.service]
        gone.append(output.service)
        warnings.append(left_out(agent, compose_file))
    if gone:
        blocks = {n: _without_dependencies(n, b, gone) for n, b in blocks.items()}
    content = join_services(head, blocks)
    if content == spec.content:
        return {}, warnings
    return {compose_file: FileSpec(content, spec.mode)}, warnings


def startable_kustomization(tree: DesiredTree, blocked: Mapping[str, str], disk: OnDisk,
                            root: str) -> tuple[dict[str, FileSpec], list[Diagnostic]]:
    """``<root>/kustomization.yaml`` listing only manifests that will be on disk after the
    apply: a blocked agent's manifests are listed when they are there already (applied
    before), else left out (W030), so ``kustomize build`` finds every resource."""
    import yaml

    rel = f"{root}/kustomization.yaml"
    spec = tree.files.get(rel)
    if spec is None:
        return {}, []
    doc: dict[str, Any] = yaml.safe_load(spec.content)
    resources: list[str] = list(doc.get("resources") or [])
    missing: dict[str, list[str]] = {}
    for path, file in tree.files.items():
        listed = path.removeprefix(f"{root}/")
        if (file.agent is not None and file.agent in blocked and listed in resources
                and not disk.exists(path)):
            missing.setdefault(file.agent, []).append(listed)
    if not missing:
        return {}, []
    dropped = {p for paths in missing.values() for p in paths}
    warnings = [left_out(agent, rel) for agent in sorted(missing)]
    content = dump({**doc, "resources": [r for r in resources if r not in dropped]})
    return {rel: FileSpec(content, spec.mode)}, warnings
