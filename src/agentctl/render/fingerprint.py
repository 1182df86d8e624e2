"""Fingerprints of the code that shapes rendered output, for the render cache's key.

A cached render is only as fresh as the code that made it: a runtime that writes its
config differently after an upgrade (or an edit in a checkout) must not be served from
the cache. The fingerprint of a plug-in object (runtime, target) is:

* for agentctl's own modules: the sha256 over every ``.py`` file of the installed
  ``agentctl`` package, so an edit anywhere in the code a
  render runs through (runtime, target, render, resolve) counts. Computed once per
  process: 8-12 ms for the package's 630 kB (measured with a warm page cache, 20 ms
  cold), against the seconds a fleet's render takes;
* for a third-party plug-in: the name and version of the distribution whose entry point
  loads it (:func:`agentctl.support.plugins.plugin_distribution`), since a release is
  what changes it (``importlib.metadata.packages_distributions`` would say the same but
  took 2.2 s to walk a development venv);
* for any other module (a file on ``sys.path``): the sha256 of that module's file.
"""

from __future__ import annotations

import hashlib
import sys
from functools import cache
from pathlib import Path
from typing import Any

import agentctl
from agentctl.support.plugins import plugin_distribution

PACKAGE = "agentctl"


@cache
def package_digest() -> str:
    """sha256 over the path and bytes of every ``.py`` file of the agentctl package."""
    return tree_digest(Path(agentctl.__file__).resolve().parent)


def tree_digest(root: Path) -> str:
    """sha256 over the path (relative to ``root``) and bytes of every ``.py`` file below."""
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


@cache
def module_fingerprint(module: str) -> str:
    """The fingerprint of the code in ``module`` (see the module docstring)."""
    top = module.partition(".")[0]
    if top == PACKAGE:
        return f"{PACKAGE}:{package_digest()}"
    dist = plugin_distribution(module)
    if dist is not None:
        return dist
    loaded = sys.modules.get(module)
    file = getattr(loaded, "__file__", None)
    if file:
        try:
            return "file:" + hashlib.sha256(Path(file).read_bytes()).hexdigest()
        except OSError:
            pass
    return f"module:{module}"


def code_fingerprint(*plugins: Any) -> str:
    """The fingerprints of the classes of ``plugins`` (runtime, target), joined."""
    return "|".join(module_fingerprint(type(p).__module__) for p in plugins)
