"""Plug-ins from installed packages' entry points, read once per process.

Runtimes, deployment targets and provider backends each have an entry-point group
(``agentctl.runtimes``, ``agentctl.targets``, ``agentctl.providers``). Every call of
``importlib.metadata.entry_points`` walks all installed distributions' metadata, so the
walk is done once and shared by the registries (it showed in ``bench/startup.py``), and
only when it is needed: a :class:`Registry` answers a built-in name without it, so a
catalogue that names only built-in runtimes, targets and backends never walks them.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any


@cache
def _all() -> Any:
    from importlib.metadata import entry_points

    # SelectableGroups on 3.11, EntryPoints on 3.12+: both answer select(group=…).
    return entry_points()


def plugin_specs(group: str) -> dict[str, str]:
    """``{name: "module:attr"}`` of the entry points in ``group`` (importlib.metadata,
    PyPA entry-points specification). A name listed twice keeps its first spec."""
    found: dict[str, str] = {}
    for ep in _all().select(group=group):
        found.setdefault(str(ep.name), str(ep.value))
    return found


class Registry(Mapping[str, str]):
    """Built-in ``{name: "module:Class"}`` plus the plug-ins of entry-point ``group``; a
    plug-in cannot shadow a built-in name. Iterating (or ``len``) yields the built-ins in
    their order, then the plug-ins in entry-point order.

    Looking up (or testing ``in``) a built-in name does not walk the installed
    distributions; any other name, and listing them all, does (once per process).
    """

    def __init__(self, builtin: Mapping[str, str], group: str) -> None:
        self._builtin = dict(builtin)
        self._group = group
        self._found: dict[str, str] | None = None

    @property
    def _full(self) -> dict[str, str]:
        if self._found is None:
            found = dict(self._builtin)
            for name, spec in plugin_specs(self._group).items():
                found.setdefault(name, spec)
            self._found = found
        return self._found

    def __getitem__(self, name: str) -> str:
        """``"module:Class"`` of ``name``. Raises ``KeyError`` for an unknown name."""
        spec = self._builtin.get(name)
        return spec if spec is not None else self._full[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._full)

    def __len__(self) -> int:
        return len(self._full)


def registry(builtin: Mapping[str, str], group: str) -> Registry:
    """The :class:`Registry` of ``builtin`` and entry-point ``group``."""
    return Registry(builtin, group)


def instantiate(spec: str, protocol: type[Any], what: str) -> Any:
    """Import ``"module:Class"`` and return ``Class()``. Raises ``TypeError`` when it is
    not a ``protocol`` (a ``runtime_checkable`` Protocol); ``what`` names it."""
    module_name, _, attr = spec.partition(":")
    found = getattr(importlib.import_module(module_name), attr)()
    if not isinstance(found, protocol):
        raise TypeError(f"{spec} does not implement agentctl's {what} protocol")
    return found


#: The entry-point groups of agentctl's plug-in families.
GROUPS = ("agentctl.runtimes", "agentctl.targets", "agentctl.providers")


def plugin_distribution(module: str) -> str | None:
    """``name==version`` of the distribution whose plug-in entry point loads from
    ``module``'s top-level package, or None. Reads the entry points already walked."""
    top = module.partition(".")[0]
    for group in GROUPS:
        for ep in _all().select(group=group):
            dist = getattr(ep, "dist", None)
            if str(ep.value).partition(":")[0].partition(".")[0] == top and dist is not None:
                return f"{dist.name}=={dist.version}"
    return None
