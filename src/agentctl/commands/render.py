"""``agentctl render --out DIR``: write the desired tree for inspection (no env files)."""

from __future__ import annotations

from pathlib import Path

from agentctl import ui
from agentctl.fsutil import atomic_write, confined
from agentctl.pipeline import build


def run(directory: Path | None, explicit: bool, out_dir: Path, *, trust: bool = False) -> int:
    """Render into ``out_dir`` (created if needed). Secrets are never fetched or written."""
    built = build(directory, explicit=explicit, trust=trust, use_cache=True)
    ui.print_diagnostics(built.warnings)
    out_dir.mkdir(parents=True, exist_ok=True)
    for rel, spec in sorted(built.tree.files.items()):
        atomic_write(confined(out_dir, rel), spec.content, spec.mode)
    ui.out(
        f"Rendered {len(built.tree.files)} file(s) for {len(built.tree.agents)} agent(s) into "
        f"{out_dir} (env files are written only by apply)."
    )
    return 0
