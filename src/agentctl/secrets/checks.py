"""Checking credentials' ``source:`` entries and agentctl.yaml's ``secrets.default``
against the secret backends installed, right after resolve (like runtimes' checks).

E407 for a backend no plug-in provides; E406 for parameters the backend does not take
or cannot use, each at the file:line:column of the source, and for an age file
(``secrets.age.file``) outside the project. Values are never involved.
"""

from __future__ import annotations

from agentctl.catalogue.load import Catalogue
from agentctl.catalogue.secret_sources import SecretSource
from agentctl.diagnostics import Diagnostic, Position, did_you_mean
from agentctl.secrets import backend_names, get_backend, is_backend
from agentctl.support.fsutil import UnsafePathError, check_relative


def check_sources(cat: Catalogue, problems: list[Diagnostic]) -> None:
    """Append E406/E407 for every credential source (and the project default) that names
    an unknown backend or gives a backend parameters it rejects."""
    config = cat.project.config.secrets
    try:
        check_relative(config.age.file)
    except UnsafePathError:
        problems.append(Diagnostic(
            "error", "E406", f"age file '{config.age.file}' must be a path inside the project",
            cat.project.position("secrets", "age", "file"), "secrets.age.file",
            "Write a relative path without '..', e.g. secrets.age.yaml."))
    default = config.default
    if default is not None:
        unknown = not is_backend(default.backend)
        pos = cat.project.position("secrets", "default", *(["backend"] if unknown else []))
        _check(default, pos, "secrets.default", problems)
    for name, loc in sorted(cat.credentials.items()):
        source = loc.entry.source
        if source is None:
            continue
        listed = source if isinstance(source, list) else [source]
        for i, one in enumerate(listed):
            at = ("source", i) if isinstance(source, list) else ("source",)
            where = loc.pos(*at, "backend") if not is_backend(one.backend) else loc.pos(*at)
            _check(one, where, f"credentials[{name}].source"
                   + (f"[{i}]" if isinstance(source, list) else ""), problems)


def _check(source: SecretSource, pos: Position, path: str,
           problems: list[Diagnostic]) -> None:
    if not is_backend(source.backend):
        known = backend_names()
        problems.append(Diagnostic(
            "error", "E407", f"unknown secret backend '{source.backend}'", pos, path,
            "Backends: " + ", ".join(known) + "." + did_you_mean(source.backend, known)))
        return
    for problem in get_backend(source.backend).check(source.params()):
        problems.append(Diagnostic(
            "error", "E406", f"{source.backend} source: {problem}", pos, path,
            "See docs/how-to/secrets-backends.md for each backend's parameters."))
