"""Incremental rendering: an agent whose inputs did not change is not rendered again.

The key of an agent is a sha256 over everything its rendering reads: agentctl's version,
the fingerprint of the code that shapes it (its runtime's and the target's modules:
:mod:`agentctl.render.fingerprint`), the target's name, what the target's per-agent work
reads besides the agent (:meth:`~agentctl.targets.base.Target.agent_context`: the
project's name and ``kubernetes:`` settings for the cluster targets) and where it puts
the agent, the resolved agent (every catalogue entry it references, with its instructions, each
skill file's sha256, its MCP servers, model, provider and credential references, its
inputs and settings, and where it is written for diagnostics), and the digest of every
file of its workspace and (project) service templates. Same key, same bytes: the stored
files, service, target parts and warnings are exactly what a cold render produced.

The cache is one JSON file, ``.agentctl/cache/render.json``; a missing, unreadable or
foreign-version file is an empty cache. It holds rendered workspace files, which never
contain a secret value (rendering reads none), so it is as safe as the workspaces.

A cache is read only if it is the very file this machine's agentctl wrote: beside it,
``render.stamp`` keeps the file's inode, size and nanosecond mtime as written. A cache
that arrived any other way (committed to the repository by a pull request, copied from
elsewhere) gets a fresh inode and mtime on checkout, which nobody can predict, so it is
an empty cache: a crafted cache cannot put bytes into workspaces that the catalogue does
not produce.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from msgspec import Struct
from pydantic import BaseModel

from agentctl import __version__
from agentctl.catalogue.skills import SkillContent
from agentctl.catalogue.yamlsource import SourceFloat
from agentctl.diagnostics import Diagnostic, Position
from agentctl.render.agent import RenderContext
from agentctl.render.fingerprint import (
    code_fingerprint,
    note_package,
    noted_package_digest,
    package_digest,
)
from agentctl.render.workspace import workspace_template
from agentctl.runtimes import get_runtime
from agentctl.support.fsutil import FileSystemError, atomic_write, make_dirs
from agentctl.support.tree import FileSpec
from agentctl.targets.base import AgentPaths, RenderedAgent

if TYPE_CHECKING:
    from agentctl.resolve import ResolvedAgent

CACHE_FILE = Path("cache") / "render.json"
#: Beside the cache: the identity of the file as written (see the module docstring).
STAMP_FILE = "render.stamp"
FORMAT = 4  # 4: per target, with the target's parts and the code's fingerprint


class _Pictures:
    """Digests of the records an agent's key is made of, each computed once per run.

    Plain containers (dicts, lists, tuples, strings, numbers) are walked by the C JSON
    encoder; only what it cannot encode comes here (:meth:`default`): catalogue entries
    (pydantic models) and skills read from disk become their sha256, memoised by identity
    (many agents share them), other records (msgspec Structs) their fields,
    bytes their sha256, paths and positions their text, sets a sorted list. A float
    written ``1.10`` keeps that text (:class:`~agentctl.catalogue.yamlsource.SourceFloat`):
    it renders differently from ``1.1``, so it must key differently.
    """

    def __init__(self) -> None:
        self.memo: dict[int, tuple[Any, str]] = {}
        self._fields: dict[type, tuple[str, ...]] = {}

    def digest(self, picture: Any) -> str:
        """sha256 of ``picture``'s canonical JSON (sorted keys)."""
        blob = json.dumps(picture, sort_keys=True, ensure_ascii=False,
                          default=self.default)
        return hashlib.sha256(blob.encode()).hexdigest()

    def fields(self, record: Any) -> dict[str, Any]:
        """A record's fields by name, minus ``located`` (where it is written)."""
        names = self._fields.get(type(record))
        if names is None:
            names = self._fields[type(record)] = tuple(
                name for name in record.__struct_fields__ if name != "located")
        return {name: getattr(record, name) for name in names}

    def default(self, value: Any) -> Any:
        """The JSON stand-in of a value the encoder cannot write (see the class doc)."""
        found = self.memo.get(id(value))
        if found is not None and found[0] is value:  # the object is kept: ids stay unique
            return found[1]
        if isinstance(value, bytes):
            return hashlib.sha256(value).hexdigest()
        if isinstance(value, (PurePath, Position)):
            return str(value)
        if isinstance(value, (set, frozenset)):
            return sorted(value, key=str)
        if isinstance(value, BaseModel):
            made: Any = _texts(value.model_dump(mode="python"))
        elif isinstance(value, SkillContent):
            made = self.fields(value)
        elif isinstance(value, Struct):
            return self.fields(value)  # an agent's own record: written out in its place
        else:
            return str(value)
        digest = self.digest(made)
        self.memo[id(value)] = (value, digest)
        return digest


#: The agent's free-form mappings, where a number keeps the way it is written.
FREE_FORM = frozenset({"workspace_inputs", "service_inputs", "settings"})


def _texts(value: Any) -> Any:
    """``value`` with each :class:`SourceFloat` replaced by ``{"float": its text}``, for
    free-form mappings (inputs, settings), where the way a number is written matters."""
    if isinstance(value, SourceFloat):
        return {"float": value.text}
    if isinstance(value, dict):
        if any(isinstance(v, (SourceFloat, dict, list)) for v in value.values()):
            return {k: _texts(v) for k, v in value.items()}
        return value
    if isinstance(value, list) and any(isinstance(v, (SourceFloat, dict, list))
                                       for v in value):
        return [_texts(v) for v in value]
    return value


class RenderCache:
    """Rendered agents by input key, loaded from and saved to a project's state folder.

    ``hits`` and ``misses`` name the agents served from the cache and rendered afresh.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.entries: dict[str, dict[str, Any]] = {}
        self.changed = False
        self.hits: list[str] = []
        self.misses: list[str] = []
        self._pictures = _Pictures()
        self._keys: dict[str, str] = {}
        #: agentctl's package digest and the file stats it was noted with
        #: (:func:`~agentctl.render.fingerprint.note_package`), as loaded, then as found.
        self.code: dict[str, Any] | None = None
        self._package: str | None = None
        if path is not None:
            try:
                with path.open("rb") as handle:
                    raw = handle.read()
                    written = _identity(os.fstat(handle.fileno()))
                if json.loads((path.parent / STAMP_FILE).read_bytes()) != written:
                    return  # not the file agentctl wrote here: never trusted
                doc = json.loads(raw)
                if doc.get("format") == FORMAT and doc.get("agentctl") == __version__:
                    self.entries = doc["agents"]
                    self.code = doc.get("code")
            except (OSError, ValueError, KeyError, AttributeError):
                self.entries, self.code = {}, None

    @classmethod
    def for_state_dir(cls, state_dir: Path) -> RenderCache:
        """The cache file under ``state_dir`` (``.agentctl/``)."""
        return cls(state_dir / CACHE_FILE)

    def key(self, agent: ResolvedAgent, paths: AgentPaths, ctx: RenderContext) -> str:
        """The agent's input key for ``ctx.target`` (see the module docstring); computed
        once per run. Raises :class:`DiagnosticError` for a template that cannot load."""
        found = self._keys.get(agent.name)
        if found is None:
            found = self._keys[agent.name] = self._key(agent, paths, ctx)
        return found

    def package_digest(self) -> str:
        """agentctl's package digest for the code fingerprint: the one this cache noted
        when every source file still shows the stat it was noted with, else hashed
        afresh and noted anew (saved with the cache; a file changed in the last
        :data:`~agentctl.support.racy.SETTLE_NS` is never noted)."""
        if self._package is None:
            digest = noted_package_digest(self.code)
            if digest is None:
                digest = package_digest()
                self.code = note_package(digest)
                self.changed = self.changed or self.code is not None
            self._package = digest
        return self._package

    def _key(self, agent: ResolvedAgent, paths: AgentPaths, ctx: RenderContext) -> str:
        template = workspace_template(agent, ctx.store)
        service = ctx.store.service_template(agent.runtime, ctx.root)
        target = ctx.target
        pictures = self._pictures
        return pictures.digest({
            "agentctl": __version__,
            "code": code_fingerprint(get_runtime(agent.runtime), target,
                                     package=self.package_digest()),
            "target": target.name,
            "target_context": ctx.agent_context,
            "agent": {name: _texts(v) if name in FREE_FORM else v
                      for name, v in pictures.fields(agent).items()},
            "paths": [paths.workspace, paths.env_file],
            "workspace_template": template.digest if template else None,
            "service_template": service.digest if service else None,
        })

    def get(self, agent: ResolvedAgent, paths: AgentPaths,
            ctx: RenderContext) -> RenderedAgent | None:
        """The stored render of ``agent`` when its key matches, else None (a miss)."""
        entry = self.entries.get(_entry_name(agent, ctx))
        key = self.key(agent, paths, ctx)
        if entry is None or entry.get("key") != key:
            self.misses.append(agent.name)
            return None
        self.hits.append(agent.name)
        files = {rel: FileSpec(base64.b64decode(c), mode, create_only=bool(once))
                 for rel, (c, mode, once) in entry["files"].items()}
        warnings = [
            Diagnostic(d["severity"], d["code"], d["summary"],
                       Position(d["file"], d["line"], d["column"]) if d["file"] else None,
                       d["path"], d["detail"])
            for d in entry["warnings"]
        ]
        return RenderedAgent(files, entry["service"], warnings, dict(entry["parts"]))

    def put(self, agent: ResolvedAgent, paths: AgentPaths, ctx: RenderContext,
            done: RenderedAgent) -> None:
        """Store a fresh render of ``agent`` for ``ctx.target`` under its key."""
        self.entries[_entry_name(agent, ctx)] = {
            "key": self.key(agent, paths, ctx),
            "files": {rel: [base64.b64encode(s.content).decode(), s.mode, s.create_only]
                      for rel, s in sorted(done.files.items())},
            "service": done.service,
            "parts": done.parts,
            "warnings": [
                {"severity": d.severity, "code": d.code, "summary": d.summary,
                 "file": d.position.file if d.position else "",
                 "line": d.position.line if d.position else 0,
                 "column": d.position.column if d.position else 0,
                 "path": d.path, "detail": d.detail}
                for d in done.warnings
            ],
        }
        self.changed = True

    def save(self) -> None:
        """Write the cache atomically when anything changed (deterministic JSON).

        Raises :class:`~agentctl.support.fsutil.FileSystemError` when it cannot be written.
        """
        if self.path is None or not self.changed:
            return
        try:
            make_dirs(self.path.parent, 0o755)
        except OSError as exc:
            raise FileSystemError.of("create the folder", self.path.parent, exc) from None
        ignore = self.path.parent / ".gitignore"
        if not ignore.exists():  # a cache is never committed
            atomic_write(ignore, b"# agentctl's render cache: safe to delete, never commit\n*\n",
                         0o644)
        doc = {"format": FORMAT, "agentctl": __version__, "code": self.code,
               "agents": dict(sorted(self.entries.items()))}
        # No sort_keys: a service mapping keeps its key order (it is compose.yaml order).
        atomic_write(self.path, json.dumps(doc, ensure_ascii=False).encode(), 0o644)
        try:
            written = _identity(os.stat(self.path))
        except OSError as exc:
            raise FileSystemError.of("read", self.path, exc) from None
        atomic_write(self.path.parent / STAMP_FILE, json.dumps(written).encode(), 0o644)
        self.changed = False


def _identity(st: os.stat_result) -> list[int]:
    """What tells the file agentctl wrote from any other: inode, size, mtime in ns."""
    return [st.st_ino, st.st_size, st.st_mtime_ns]


def _entry_name(agent: ResolvedAgent, ctx: RenderContext) -> str:
    """An entry per target and agent: switching targets back and forth keeps both."""
    return f"{ctx.target.name}/{agent.name}"
