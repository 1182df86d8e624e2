"""``models refresh``: list each provider's models and upsert them into the catalogue.

Non-destructive, like the seed's ``InferenceModelManager.sync_from_provider``: a model
the provider lists and the catalogue lacks is added; a known model gets the fields the
provider reports (``publisher``, ``use``) when they differ; a model the provider no
longer lists is kept as it is (reported as "not listed"), because an agent's model must
never break on a transient answer. Retiring a model is a ``status`` edit by the user.

Which file: a provider's new models go into ``--models-file`` when given, else into the
file holding that provider's last catalogued model, else into the project file that
defines the provider. A built-in provider with no models yet needs ``--models-file``.

Files are edited in place with ruamel.yaml's round-trip mode, so comments, key order,
quoting and layout stay; new entries are appended to the ``models:`` list sorted by
name, in the list's own style (flow ``{…}`` or block). Nothing is written unless every
provider answered; files are written atomically, and a file whose text would not change
is not touched, so a second refresh is byte-for-byte a no-op.
"""

from __future__ import annotations

import difflib
import io
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from msgspec import Struct, field

from agentctl.catalogue.load import Catalogue, Located
from agentctl.catalogue.schema import MODEL_PATTERN, Model, Provider
from agentctl.diagnostics import Diagnostic, DiagnosticError, did_you_mean, display_path
from agentctl.providers import get_backend
from agentctl.providers.base import ListedModel
from agentctl.providers.http import ProviderClient, ProviderError, RetryPolicy
from agentctl.secrets import SecretResolver
from agentctl.support.fsutil import commit, discard, stage

#: Fields a refresh may set on a known model, in the order they are written.
REPORTED_FIELDS = ("publisher", "use")


class ProviderReport(Struct):
    """What a refresh found for one provider: model names added, updated, not listed."""

    provider: str
    listed: int = 0
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    not_listed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


class RefreshResult(Struct):
    """Per provider reports and, per changed file, its old and new text."""

    reports: list[ProviderReport]
    files: dict[Path, tuple[str, str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def diff(self, root: Path) -> str:
        """Unified diff of every changed file, paths relative to ``root``, sorted."""
        chunks: list[str] = []
        for path in sorted(self.files):
            old, new = self.files[path]
            rel = display_path(path, root)
            chunks.extend(
                difflib.unified_diff(
                    old.splitlines(keepends=True), new.splitlines(keepends=True),
                    f"a/{rel}", f"b/{rel}",
                )
            )
        return "".join(chunks)


def select_providers(cat: Catalogue, names: Iterable[str]) -> list[Located[Provider]]:
    """The providers to refresh: ``names``, or by default every provider with a model or
    defined by the project (built-ins nobody uses are skipped). Sorted by name.

    Raises :class:`DiagnosticError` (E205) for an unknown name, with did-you-mean.
    """
    wanted = list(dict.fromkeys(names))
    if wanted:
        unknown = [n for n in wanted if n not in cat.providers]
        if unknown:
            raise DiagnosticError([
                Diagnostic("error", "E205", f"unknown provider '{n}'", path=f"providers[{n}]",
                           detail=("Providers: " + ", ".join(sorted(cat.providers)) + "."
                                   + did_you_mean(n, cat.providers)))
                for n in unknown
            ])
        return [cat.providers[n] for n in sorted(wanted)]
    used = {loc.entry.provider for loc in cat.models.values()}
    return [
        loc for name, loc in sorted(cat.providers.items())
        if name in used or ("providers", name) not in cat.builtin
    ]


def fetch_models(
    located: Located[Provider],
    cat: Catalogue,
    resolver: SecretResolver,
    policy: RetryPolicy,
    sleep: Callable[[float], None] | None = None,
) -> list[ListedModel]:
    """Ask one provider for its models (credential from env override, then keyring).

    Raises :class:`DiagnosticError` positioned at the provider entry: E603 no usable
    credential, E601/E602 (via :class:`~agentctl.providers.http.ProviderError`) when the
    provider fails or refuses the key. The key's value never appears in an error.
    """
    provider = located.entry
    label = f"providers[{provider.name}]"
    backend = get_backend(provider.backend)
    base_url = provider.base_url or backend.default_base_url
    assert base_url is not None  # resolve refuses a backend without endpoint (E213)
    api_key: str | None = None
    cred_name = provider.credential
    if cred_name is None and backend.needs_credential:
        raise DiagnosticError([Diagnostic(
            "error", "E603", f"provider '{provider.name}' names no credential",
            located.pos(), label,
            f"Listing {provider.backend} models needs an API key. Define the provider in your "
            f"catalogue with one, e.g. providers: - {{name: {provider.name}, backend: "
            f"{provider.backend}, credential: <credential>}} (it replaces a built-in entry).",
        )])
    if cred_name is not None:
        cred = cat.credentials[cred_name].entry
        found = resolver.get(cred)
        if found.value is None:
            raise DiagnosticError([Diagnostic(
                "error", "E603", f"credential '{cred_name}' of provider '{provider.name}' has "
                "no value", located.pos("credential"), f"{label}.credential",
                "Looked in: " + "; ".join(found.looked) + ". Store it with `agentctl "
                f"secrets set {cred.name}` or set the credential's env variable.",
            )])
        api_key = found.value
    client = ProviderClient(provider.name, cred_name, backend.auth_headers(api_key), policy)
    if sleep is not None:
        client.sleep = sleep
    try:
        with client:
            return sorted(set(backend.list_models(client, base_url)))
    except ProviderError as exc:
        code = "E602" if exc.auth else "E601"
        raise DiagnosticError([Diagnostic(
            "error", code, str(exc), located.pos(), label,
            f"Nothing was written. Endpoint: {base_url}.",
        )]) from None


# --- editing ----------------------------------------------------------------------------


def _yaml_for(text: str) -> Any:
    """A round-trip ruamel YAML whose indentation reproduces ``text`` exactly, if any can."""
    from ruamel.yaml import YAML
    from ruamel.yaml.util import load_yaml_guess_indent

    _, ind, bsi = load_yaml_guess_indent(text) if text.strip() else (None, 2, 0)
    ind = ind or 2
    bsi = bsi or 0
    candidates = [(max(ind - bsi, 2), ind, bsi), (ind, ind, bsi), (2, 4, 2), (2, 2, 0)]
    first = None
    for mapping, sequence, offset in candidates:
        yaml = YAML()
        yaml.preserve_quotes = True
        yaml.width = 4096
        yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
        first = first or yaml
        if not text.strip() or _dump(yaml, yaml.load(text)) == text:
            return yaml, True
    return first, False


def _dump(yaml: Any, data: Any) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _new_name(listed: ListedModel, provider: str, taken: set[str]) -> str | None:
    for candidate in (listed.id, f"{provider}/{listed.id}"):
        if candidate not in taken and re.match(MODEL_PATTERN, candidate):
            return candidate
    return None


class _FileEdit(Struct):
    path: Path
    old: str
    yaml: Any
    data: Any
    exact: bool


class _Edits(Struct):
    """The catalogue files being edited, each loaded once (round-trip) on first use."""

    files: dict[Path, _FileEdit] = field(default_factory=dict)

    def __call__(self, path: Path) -> _FileEdit:
        if path not in self.files:
            from ruamel.yaml.comments import CommentedMap

            old = path.read_text(encoding="utf-8") if path.exists() else ""
            yaml, exact = _yaml_for(old)
            data = yaml.load(old) if old.strip() else None
            self.files[path] = _FileEdit(path, old, yaml,
                                         CommentedMap() if data is None else data, exact)
        return self.files[path]


def plan_refresh(
    cat: Catalogue,
    listings: Mapping[str, list[ListedModel]],
    models_file: Path | None = None,
) -> RefreshResult:
    """Work out the catalogue edits for ``listings`` (provider name → models listed).

    ``models_file`` (absolute) receives every new model when given. Returns the reports
    and each changed file's old and new text; writes nothing. Raises
    :class:`DiagnosticError` (E604) when a provider's new models have no file to go to.
    """
    edits = _Edits()
    reports: list[ProviderReport] = []
    taken = set(cat.models)
    for provider_name in sorted(listings):
        report = ProviderReport(provider_name, listed=len(listings[provider_name]))
        reports.append(report)
        new = _update_known(cat, provider_name, listings[provider_name], report, edits, taken)
        if new:
            target = models_file or _default_target(cat, provider_name)
            _append_new(edits(target), provider_name, new, report)
    files, notes = _changed_files(edits, cat.project.root)
    return RefreshResult(reports, files, notes)


def _update_known(
    cat: Catalogue, provider: str, listed_models: list[ListedModel], report: ProviderReport,
    edits: _Edits, taken: set[str],
) -> list[tuple[str, ListedModel]]:
    """Set the reported fields of ``provider``'s catalogued models that changed, note those
    it no longer lists, and return ``(name, listing)`` of each model to add (a name taken
    from ``taken``, which it extends; an id that makes no valid name is skipped)."""
    known = {
        (loc.entry.provider_model or loc.entry.name): loc
        for loc in cat.models.values() if loc.entry.provider == provider
    }
    listed_ids = {m.id for m in listed_models}
    report.not_listed = sorted(loc.entry.name for key, loc in known.items()
                               if key not in listed_ids)
    new: list[tuple[str, ListedModel]] = []
    for listed in listed_models:
        loc = known.get(listed.id)
        if loc is None:
            name = _new_name(listed, provider, taken)
            if name is None:
                report.skipped.append(listed.id)
            else:
                taken.add(name)
                new.append((name, listed))
            continue
        changes = {
            f: getattr(listed, f) for f in REPORTED_FIELDS
            if getattr(listed, f) is not None and getattr(listed, f) != getattr(loc.entry, f)
        }
        if changes:
            item = edits(_file_of(loc)).data["models"][loc.path[1]]
            for key, value in changes.items():
                item[key] = value
            report.updated.append(loc.entry.name)
    return new


def _new_entry(name: str, provider: str, listed: ListedModel) -> dict[str, Any]:
    """The catalogue entry of a new model, validated (what is written must load again)."""
    entry: dict[str, Any] = {"name": name, "provider": provider}
    if name != listed.id:
        entry["provider_model"] = listed.id
    if listed.publisher is not None:
        entry["publisher"] = listed.publisher
    if listed.use not in (None, "chat"):
        entry["use"] = listed.use
    Model.model_validate(entry)
    return entry


def _append_new(fe: _FileEdit, provider: str, new: list[tuple[str, ListedModel]],
                report: ProviderReport) -> None:
    """Append ``new`` models, sorted by name, to the file's ``models:`` list in its style."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    models = fe.data.get("models")
    if models is None:
        models = CommentedSeq()
        fe.data["models"] = models
    fa = getattr(models[0], "fa", None) if models else None
    flow = bool(fa is not None and fa.flow_style())
    for name, listed in sorted(new, key=lambda pair: pair[0]):
        item = CommentedMap(_new_entry(name, provider, listed))
        if flow:
            item.fa.set_flow_style()
        models.append(item)
        report.added.append(name)


def _changed_files(edits: _Edits,
                   root: Path) -> tuple[dict[Path, tuple[str, str]], list[str]]:
    """Old and new text of each edited file whose text changed, and a note per file
    whose layout could not be kept exactly."""
    files: dict[Path, tuple[str, str]] = {}
    notes: list[str] = []
    for path, fe in sorted(edits.files.items()):
        new_text = _dump(fe.yaml, fe.data)
        if new_text != fe.old:
            files[path] = (fe.old, new_text)
            if not fe.exact:
                notes.append(f"{display_path(path, root)}: its layout cannot be kept exactly "
                             "(mixed indentation or flow lists); review the diff")
    return files, notes


def _file_of(loc: Located[Any]) -> Path:
    assert loc.file is not None
    return loc.file


def _default_target(cat: Catalogue, provider: str) -> Path:
    own = [loc for loc in cat.models.values() if loc.entry.provider == provider]
    if own:
        return _file_of(own[-1])
    if ("providers", provider) not in cat.builtin:
        return _file_of(cat.providers[provider])
    raise DiagnosticError([Diagnostic(
        "error", "E604", f"provider '{provider}' is built in and has no models in your "
        "catalogue yet", path=f"providers[{provider}]",
        detail="Say which catalogue file gets its models: agentctl models refresh "
        f"{provider} --models-file catalogue/models.yaml",
    )])


def check_models_file(cat: Catalogue, path: Path) -> None:
    """Refuse a ``--models-file`` outside the project or unmatched by its catalogue globs.

    Raises :class:`DiagnosticError` (E605); a file the globs miss would never be loaded.
    """
    from fnmatch import fnmatchcase

    root = cat.project.root.resolve()
    if not path.resolve().is_relative_to(root):
        problem = "is outside the project"
    else:
        rel = path.resolve().relative_to(root).as_posix()
        # fnmatch's `*` crosses `/`; `**/` may also match no folder at all.
        if any(fnmatchcase(rel, g) or fnmatchcase(rel, g.replace("**/", ""))
               for g in cat.project.config.catalogue):
            return
        problem = "is not matched by the project's catalogue globs"
    raise DiagnosticError([Diagnostic(
        "error", "E605", f"models file {path} {problem}", path="--models-file",
        detail="Name a file under a 'catalogue:' glob of agentctl.yaml, e.g. "
        "catalogue/models.yaml.",
    )])


def write(result: RefreshResult) -> None:
    """Write every changed file atomically: all are staged first, then moved into place."""
    staged: list[tuple[Path, Path]] = []
    try:
        for path, (_old, new) in sorted(result.files.items()):
            mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
            staged.append((stage(path, new.encode("utf-8"), mode), path))
    except BaseException:
        for tmp, _ in staged:
            discard(tmp)
        raise
    for tmp, path in staged:
        commit(tmp, path)
