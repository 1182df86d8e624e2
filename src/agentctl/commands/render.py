"""``agentctl render --out DIR``: write the desired tree for inspection (no env files)."""

from __future__ import annotations

from pathlib import Path

from agentctl import ui
from agentctl.fsutil import write_tree
from agentctl.pipeline import build


def run(directory: Path | None, explicit: bool, out_dir: Path, *, trust: bool = False) -> int:
    """Render into ``out_dir`` (created if needed). Secrets are never fetched or written."""
    # No render cache: render --out is stateless inspection and writes nothing under .agentctl.
    built = build(directory, explicit=explicit, trust=trust)
    ui.print_diagnostics(built.warnings)
    out_dir.mkdir(parents=True, exist_ok=True)
    # An inspection copy: written in place (never through a link) and flushed once, not
    # staged and fsynced file by file (which took minutes for a fleet; bench/fleet.py).
    write_tree(out_dir, {rel: (spec.content, spec.mode)
                         for rel, spec in sorted(built.tree.files.items())},
               durable=False, atomic=False)
    ui.out(
        f"Rendered {len(built.tree.files)} file(s) for {len(built.tree.agents)} agent(s) into "
        f"{out_dir} (env files are written only by apply)."
    )
    return 0
