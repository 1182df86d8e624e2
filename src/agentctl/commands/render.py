"""``agentctl render``: write the desired tree for inspection, or check a committed one.

``render --out DIR`` writes every rendered file into DIR (no env files, no secrets), and
prunes what an earlier ``render --out`` wrote there that is no longer rendered
(:mod:`agentctl.commands.render_out`); it refuses a non-empty DIR it did not write (E730).

``render --check`` compares the project's output folder (or ``--out DIR``) with what
would be rendered, without writing anything and without secrets: files holding secret
values (written only by apply, git-ignored: compose's ``env/`` folder, the cluster
targets' ``secrets/*.secret.yaml``; each target names its own,
:meth:`~agentctl.targets.base.Target.holds_secrets`) and the ledger (outside the output
folder) are not compared. Every other file counts: one render would create, one
whose bytes or executable bit differ, and one on disk that render would not produce (a
stale file left behind, which ``generate --check`` tools often miss). Exit 0 when they
match, 2 when they differ (the "changes or drift" code), 1 on any error.
"""

from __future__ import annotations

from pathlib import Path

from msgspec import Struct, field

from agentctl.commands import fleet_progress, render_out, ui
from agentctl.diagnostics import display_path
from agentctl.plan.compare import folder_file_change, text_diff
from agentctl.render.pipeline import build
from agentctl.support.fsutil import FileSystemError
from agentctl.support.tree import DesiredTree
from agentctl.support.writetree import write_tree
from agentctl.targets import get_target, target_names


def run(directory: Path | None, explicit: bool, out_dir: Path | None, check: bool = False,
        *, target: str | None = None, trust: bool = False) -> int:
    """Render into ``out_dir`` for ``target`` (None: the project's), or with ``check``
    compare it; returns the exit code. Secrets are never fetched or written."""
    if out_dir is not None and not check and out_dir.exists() and not out_dir.is_dir():
        raise FileSystemError("render into", str(out_dir), None, "it is a file, not a folder",
                              "--out names a folder (created when missing)")
    # E730 for a folder render did not write, before any work.
    before = render_out.written_before(out_dir) if out_dir is not None and not check else set()
    # No render cache: render is stateless inspection and writes nothing under .agentctl.
    with fleet_progress.rendering() as progress:
        built = build(directory, explicit=explicit, target=target, trust=trust,
                      progress=progress)
    ui.print_diagnostics(built.warnings)
    if check:
        folder = out_dir if out_dir is not None else built.project.output_dir
        shown = str(out_dir) if out_dir is not None else display_path(folder, built.project.root)
        return _report(compare(built.tree, folder), shown)
    if out_dir is None:
        raise ValueError("render needs --out DIR or --check")  # the CLI enforces this
    # An inspection copy: written in place (never through a link), not staged and fsynced
    # file by file (which took minutes for a fleet; bench/fleet.py).
    write_tree(out_dir, {rel: (spec.content, spec.mode)
                         for rel, spec in sorted(built.tree.files.items())},
               durable=False, atomic=False)
    pruned = render_out.prune(out_dir, before, built.tree.files)
    render_out.save(out_dir, built.tree.files)
    ui.out(
        f"Rendered {len(built.tree.files)} file(s) for {len(built.tree.agents)} agent(s) into "
        f"{out_dir} (env files are written only by apply)"
        + (f"; removed {len(pruned)} file(s) an earlier render wrote there." if pruned
           else ".")
    )
    return 0


class CheckResult(Struct):
    """What differs between a rendered tree and a folder; paths relative to the folder.

    ``changed`` maps a path to why (``content`` and/or ``mode``); ``diffs`` holds a
    unified diff per created, changed or deleted text file.
    """

    create: list[str] = field(default_factory=list)
    changed: dict[str, str] = field(default_factory=dict)
    delete: list[str] = field(default_factory=list)
    diffs: dict[str, str] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        """True when the folder holds exactly the rendered files."""
        return not (self.create or self.changed or self.delete)


def _holds_secrets(rel: str, tree: DesiredTree) -> bool:
    """True for files only apply writes, holding values: the tree's env files and what any
    target says holds secrets (a folder last rendered for another target keeps its own)."""
    return rel in tree.env_files or any(get_target(name).holds_secrets(rel)
                                        for name in target_names())


def compare(tree: DesiredTree, folder: Path) -> CheckResult:
    """Compare ``tree`` with ``folder`` on disk, ignoring files that hold secret values
    (see :func:`_holds_secrets` and the module docstring).

    Symlinks on disk count as files to delete (render never makes one). Never writes.
    """
    result = CheckResult()
    on_disk: dict[str, Path] = {}
    if folder.is_dir():
        for found in sorted(folder.rglob("*")):
            rel = found.relative_to(folder).as_posix()
            if _holds_secrets(rel, tree) or rel == render_out.MANIFEST:
                continue
            if found.is_symlink() or found.is_file():
                on_disk[rel] = found
    for rel, spec in sorted(tree.files.items()):
        path = on_disk.pop(rel, None)
        if path is None:
            result.create.append(rel)
            result.diffs[rel] = text_diff(rel, None, spec.content)
            continue
        if path.is_symlink():
            result.changed[rel] = "a symlink where render writes a file"
            continue
        if spec.create_only:  # a template's _skip_if_exists file: the user's once written
            continue
        why, diff = folder_file_change(rel, path, spec.content, spec.mode)
        if diff is not None:
            result.diffs[rel] = diff
        if why:
            result.changed[rel] = why
    for rel, stale in sorted(on_disk.items()):
        result.delete.append(rel)
        if not stale.is_symlink():
            result.diffs[rel] = text_diff(rel, stale.read_bytes(), None)
    result.delete.sort()
    return result


def _report(result: CheckResult, folder: str) -> int:
    if result.clean:
        ui.out(ui.style("Rendered output is up to date: ", "green") + f"{folder}")
        return 0
    rows = ([(rel, "create", "") for rel in result.create]
            + [(rel, "update", why) for rel, why in result.changed.items()]
            + [(rel, "delete", "") for rel in result.delete])
    for rel, action, why in sorted(rows):
        ui.print_file_change(action, rel, why, result.diffs.get(rel, ""))
    ui.out(
        f"Rendered output is stale: {len(result.create)} to create, {len(result.changed)} to "
        f"update, {len(result.delete)} to delete in {folder}. Run `agentctl apply` "
        "(or, for a folder `agentctl render --out` made, run that again) and commit the result."
    )
    return 2
