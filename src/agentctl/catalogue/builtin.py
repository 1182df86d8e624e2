"""agentctl's built-in catalogue: common providers every project can use by name.

The YAML files live in ``catalogue/`` at the repository root and ship inside the wheel
as ``agentctl/_builtin_catalogue/`` (hatch ``force-include``). The loader reads them
beneath the project's own catalogue: a project entry with the same kind and name
replaces the built-in entry entirely, and no duplicate-name error (E120) is raised for
that case.
"""

from __future__ import annotations

from pathlib import Path

#: How built-in files are shown in diagnostics.
BUILTIN_LABEL = "<agentctl built-in>"


def builtin_catalogue_dir() -> Path | None:
    """The folder holding the built-in catalogue files, or None if it is missing.

    An installed wheel has it beside this module; a source checkout (editable install)
    has it at the repository root.
    """
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "_builtin_catalogue", here.parents[2] / "catalogue"):
        if candidate.is_dir():
            return candidate
    return None


def builtin_catalogue_files() -> list[Path]:
    """The built-in catalogue's YAML files, sorted by name."""
    folder = builtin_catalogue_dir()
    return sorted(folder.glob("*.yaml")) if folder is not None else []
