"""Shell completion of agent names, cheap enough to run on every <TAB>.

It reads only ``agentctl.yaml``'s catalogue globs, the ``agents:`` lists of the
catalogue files (with PyYAML's C loader when present, no schema validation, no
resolve or render) and the ledger's agent names; any unreadable file is skipped, since
completion must never print an error into the user's shell. It holds to the rules every
verb does: globs that leave the project, files reached through a symlink leading out of
it and a symlinked state folder are skipped, and nothing is read from a FIFO or device.
"""

from __future__ import annotations

import json
from pathlib import Path


def agent_names(directory: Path | None, *, explicit: bool = False) -> list[str]:
    """Sorted names of the project's agents (templates excluded) and of applied agents."""
    import yaml

    from agentctl.catalogue.project import (
        PROJECT_FILE,
        STATE_DIR,
        check_glob,
        check_state_dir,
        find_project_root,
    )

    base = (directory or Path.cwd()).resolve()
    root = base if explicit else find_project_root(base)
    if root is None or not (root / PROJECT_FILE).is_file():
        return []
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    names: set[str] = set()
    try:
        config = yaml.load(_read(root / PROJECT_FILE, root), Loader=loader) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        config = {}
    globs = config.get("catalogue") if isinstance(config, dict) else None
    if not isinstance(globs, list):
        globs = ["catalogue/**/*.yaml", "catalogue/**/*.yml"]
    for pattern in (g for g in globs if isinstance(g, str) and check_glob(g) is None):
        for file in root.glob(pattern):
            try:
                doc = yaml.load(_read(file, root), Loader=loader)
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                continue
            agents = doc.get("agents") if isinstance(doc, dict) else None
            for agent in agents if isinstance(agents, list) else []:
                if (isinstance(agent, dict) and isinstance(agent.get("name"), str)
                        and agent.get("is_template") is not True):
                    names.add(agent["name"])
    try:
        if check_state_dir(root) is None:
            ledger = json.loads(_read(root / STATE_DIR / "state.json", root))
            names.update(n for n in ledger.get("agents", {}) if isinstance(n, str))
    except (OSError, ValueError, AttributeError, RecursionError):
        pass
    return sorted(names)


def _read(path: Path, root: Path) -> str:
    """The UTF-8 text of the regular file ``path`` inside ``root`` (symlinks followed
    only while they stay inside it). Raises :class:`OSError` for anything else, which
    completion skips."""
    import errno
    import os

    from agentctl.support.fsutil import read_regular

    real = os.path.realpath(path)
    if not Path(real).is_relative_to(root):
        raise OSError(errno.EXDEV, "outside the project", str(path))
    _st, content = read_regular(real)
    if content is None:
        raise OSError(errno.EINVAL, "not a readable regular file", str(path))
    return content.decode("utf-8")
