"""Shell completion of agent names, cheap enough to run on every <TAB>.

It reads only ``agentctl.yaml``'s catalogue globs, the ``agents:`` lists of the
catalogue files (with PyYAML's C loader when present, no schema validation, no
resolve or render) and the ledger's agent names; any unreadable file is skipped, since
completion must never print an error into the user's shell. It holds to the rules every
verb does: globs that leave the project, files reached through a symlink leading out of
it and a symlinked state folder are skipped, and nothing is read from a FIFO or device.

Its imports wait until a completion runs: the shell asks through the entry point, and
``import agentctl.cli`` stays free of PyYAML and the catalogue.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def agent_names(directory: Path | None, *, explicit: bool = False) -> list[str]:
    """Sorted names of the project's agents (templates excluded) and of applied agents."""
    from agentctl.catalogue.project import PROJECT_FILE, find_project_root

    base = (directory or Path.cwd()).resolve()
    root = base if explicit else find_project_root(base)
    if root is None or not (root / PROJECT_FILE).is_file():
        return []
    names: set[str] = set()
    for file in _catalogue_files(root):
        names.update(_agents_in(file, root))
    names.update(_applied_agents(root))
    return sorted(names)


def _load_yaml(path: Path, root: Path) -> Any:
    """The YAML document at ``path`` (PyYAML's C loader when present); raises
    :class:`OSError`, :class:`UnicodeDecodeError` or ``yaml.YAMLError``."""
    import yaml

    return yaml.load(_read(path, root), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _catalogue_files(root: Path) -> Iterator[Path]:
    """The files matched by ``agentctl.yaml``'s catalogue globs (the default ones when it
    cannot be read); globs that leave the project are skipped."""
    import yaml

    from agentctl.catalogue.project import PROJECT_FILE, check_glob

    try:
        config = _load_yaml(root / PROJECT_FILE, root) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        config = {}
    globs = config.get("catalogue") if isinstance(config, dict) else None
    if not isinstance(globs, list):
        globs = ["catalogue/**/*.yaml", "catalogue/**/*.yml"]
    for pattern in (g for g in globs if isinstance(g, str) and check_glob(g) is None):
        yield from root.glob(pattern)


def _agents_in(file: Path, root: Path) -> list[str]:
    """Names of the agents (not templates) a catalogue file lists; none if unreadable."""
    import yaml

    try:
        doc = _load_yaml(file, root)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    agents = doc.get("agents") if isinstance(doc, dict) else None
    return [
        agent["name"] for agent in (agents if isinstance(agents, list) else [])
        if isinstance(agent, dict) and isinstance(agent.get("name"), str)
        and agent.get("is_template") is not True
    ]


def _applied_agents(root: Path) -> list[str]:
    """Agent names in the ledger; none when it cannot be read safely."""
    from agentctl.catalogue.project import STATE_DIR, check_state_dir

    try:
        if check_state_dir(root) is None:
            ledger = json.loads(_read(root / STATE_DIR / "state.json", root))
            return [n for n in ledger.get("agents", {}) if isinstance(n, str)]
    except (OSError, ValueError, AttributeError, RecursionError):
        pass
    return []


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
