"""Shell completion of agent names, cheap enough to run on every <TAB>.

It reads only ``agentctl.yaml``'s catalogue globs, the ``agents:`` lists of the
catalogue files (with PyYAML's C loader when present, no schema validation, no
resolve or render) and the ledger's agent names; any unreadable file is skipped, since
completion must never print an error into the user's shell.
"""

from __future__ import annotations

import json
from pathlib import Path


def agent_names(directory: Path | None, *, explicit: bool = False) -> list[str]:
    """Sorted names of the project's agents (templates excluded) and of applied agents."""
    import yaml

    from agentctl.project import PROJECT_FILE, STATE_DIR, find_project_root

    base = (directory or Path.cwd()).resolve()
    root = base if explicit else find_project_root(base)
    if root is None or not (root / PROJECT_FILE).is_file():
        return []
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    names: set[str] = set()
    try:
        config = yaml.load((root / PROJECT_FILE).read_text("utf-8"), Loader=loader) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        config = {}
    globs = config.get("catalogue") if isinstance(config, dict) else None
    if not isinstance(globs, list):
        globs = ["catalogue/**/*.yaml", "catalogue/**/*.yml"]
    for pattern in (g for g in globs if isinstance(g, str)):
        for file in root.glob(pattern):
            try:
                doc = yaml.load(file.read_text("utf-8"), Loader=loader)
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                continue
            agents = doc.get("agents") if isinstance(doc, dict) else None
            for agent in agents if isinstance(agents, list) else []:
                if (isinstance(agent, dict) and isinstance(agent.get("name"), str)
                        and agent.get("is_template") is not True):
                    names.add(agent["name"])
    try:
        ledger = json.loads((root / STATE_DIR / "state.json").read_text("utf-8"))
        names.update(n for n in ledger.get("agents", {}) if isinstance(n, str))
    except (OSError, ValueError, AttributeError):
        pass
    return sorted(names)
