"""Incremental rendering: an agent whose inputs did not change is not rendered again.

The key of an agent is a sha256 over everything its rendering reads: agentctl's version,
the resolved agent (every catalogue entry it references, with its instructions, each
skill file's sha256, its MCP servers, model, provider and credential references, its
inputs and settings, and where it is written for diagnostics), its env file path, and the
digest of every file of its workspace and service templates. Same key, same bytes: the
stored files, service and warnings are exactly what a cold render produced.

The cache is one JSON file, ``.agentctl/cache/render.json``; a missing, unreadable or
foreign-version file is an empty cache. It holds rendered workspace files, which never
contain a secret value (rendering reads none), so it is as safe as the workspaces.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from agentctl import __version__
from agentctl.diagnostics import Diagnostic, Position
from agentctl.tree import FileSpec

if TYPE_CHECKING:
    from agentctl.resolve import ResolvedAgent
    from agentctl.workspace import AgentRender

CACHE_FILE = Path("cache") / "render.json"
FORMAT = 2  # 2: documents (compose.yaml) memoised beside agents


def _digest(picture: Any) -> str:
    blob = json.dumps(picture, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _plain(value: Any, memo: dict[int, Any], top: bool = False) -> Any:
    """A JSON-ready, order-stable picture of ``value``: bytes, catalogue entries and
    nested records by their sha256 (skills, models and servers are shared by many agents,
    so each is digested once per run, by identity)."""
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        key = id(value)
        if key not in memo:
            memo[key] = _digest(value.model_dump(mode="json"))
        return memo[key]
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    if isinstance(value, (PurePath, Position)):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        key = id(value)
        if key not in memo:
            fields = {f.name: _plain(getattr(value, f.name), memo)
                      for f in dataclasses.fields(value) if f.name != "located"}
            if top:
                return fields
            memo[key] = _digest(fields)
        return memo[key]
    if isinstance(value, dict):
        return {str(k): _plain(v, memo) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, memo) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v, memo) for v in value)
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
        self.documents: dict[str, dict[str, str]] = {}
        self._memo: dict[int, Any] = {}
        self._keys: dict[str, str] = {}
        if path is not None:
            try:
                doc = json.loads(path.read_bytes())
                if doc.get("format") == FORMAT and doc.get("agentctl") == __version__:
                    self.entries = doc["agents"]
                    self.documents = doc["documents"]
            except (OSError, ValueError, KeyError, AttributeError):
                self.entries, self.documents = {}, {}

    @classmethod
    def for_state_dir(cls, state_dir: Path) -> RenderCache:
        """The cache file under ``state_dir`` (``.agentctl/``)."""
        return cls(state_dir / CACHE_FILE)

    def key(self, agent: ResolvedAgent, env_file: str | None, root: Path | None) -> str:
        """The agent's input key (see the module docstring); computed once per run."""
        found = self._keys.get(agent.name)
        if found is None:
            found = self._keys[agent.name] = self._key(agent, env_file, root)
        return found

    def _key(self, agent: ResolvedAgent, env_file: str | None, root: Path | None) -> str:
        from agentctl.workspace import service_template, workspace_template

        template = workspace_template(agent)
        service = service_template(agent.runtime, root)
        picture = {
            "agentctl": __version__,
            "agent": _plain(agent, self._memo, top=True),
            "env_file": env_file,
            "workspace_template": template.digest if template else None,
            "service_template": service.digest if service else None,
        }
        blob = json.dumps(picture, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()

    def get(self, agent: ResolvedAgent, env_file: str | None,
            root: Path | None) -> AgentRender | None:
        """The stored render of ``agent`` when its key matches, else None (a miss)."""
        from agentctl.workspace import AgentRender

        entry = self.entries.get(agent.name)
        key = self.key(agent, env_file, root)
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
        return AgentRender(files, entry["service"], warnings)

    def put(self, agent: ResolvedAgent, env_file: str | None, root: Path | None,
            done: AgentRender) -> None:
        """Store a fresh render of ``agent`` under its key."""
        self.entries[agent.name] = {
            "key": self.key(agent, env_file, root),
            "files": {rel: [base64.b64encode(s.content).decode(), s.mode, s.create_only]
                      for rel, s in sorted(done.files.items())},
            "service": done.service,
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

    def document(self, name: str, inputs: Any, make: Callable[[], bytes]) -> bytes:
        """The shared file ``name`` built by ``make()`` from ``inputs`` (JSON-ready data,
        e.g. every compose service): served from the cache while ``inputs`` are the same.
        A fleet's compose.yaml takes longer to serialise than to key."""
        # Not sorted: key order is part of the inputs (it is the order written out).
        blob = json.dumps([__version__, inputs], ensure_ascii=False, default=str)
        key = hashlib.sha256(blob.encode()).hexdigest()
        entry = self.documents.get(name)
        if entry is not None and entry.get("key") == key:
            return base64.b64decode(entry["content"])
        content = make()
        self.documents[name] = {"key": key, "content": base64.b64encode(content).decode()}
        self.changed = True
        return content

    def save(self) -> None:
        """Write the cache atomically when anything changed (deterministic JSON)."""
        if self.path is None or not self.changed:
            return
        from agentctl.fsutil import atomic_write

        self.path.parent.mkdir(parents=True, exist_ok=True)
        ignore = self.path.parent / ".gitignore"
        if not ignore.exists():  # a cache is never committed
            atomic_write(ignore, b"# agentctl's render cache: safe to delete, never commit\n*\n",
                         0o644)
        doc = {"format": FORMAT, "agentctl": __version__,
               "agents": dict(sorted(self.entries.items())),
               "documents": dict(sorted(self.documents.items()))}
        # No sort_keys: a service mapping keeps its key order (it is compose.yaml order).
        atomic_write(self.path, json.dumps(doc, ensure_ascii=False).encode(), 0o644)
        self.changed = False
