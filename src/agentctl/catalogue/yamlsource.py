"""Reading YAML without surprises, keeping every value's file:line:column.

PyYAML's safe loader follows YAML 1.1: ``no`` becomes ``False``, ``2024-05-01`` a date,
``1.10`` the float ``1.1`` and ``0755`` an octal int. :class:`CatalogueLoader` follows the
YAML 1.2 core schema instead (booleans only ``true``/``false``, no timestamps, decimal
ints), and floats keep their source text (:class:`SourceFloat`) so a field that wants
text can say "quote it" instead of silently storing ``1.1``.

:func:`load_yaml` returns a :class:`YamlDocument`: plain Python data plus a map from
each value's path (a tuple of keys and list indexes) to its :class:`~agentctl.diagnostics.Position`.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

import yaml
from msgspec import Struct, field

from agentctl.diagnostics import Diagnostic, DiagnosticError, Position

PathKey = tuple[str | int, ...]

_MERGE_TAG = "tag:yaml.org,2002:merge"
#: The tags of collections the builder makes (plain mappings and lists).
_COLLECTION_TAGS = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})
#: Most nodes one document may build through aliases (``*name`` and ``<<: *name``) on top
#: of the nodes written out: a billion-laughs document stops here, after a fraction of a
#: second, instead of growing past memory. A catalogue sharing a 30-key mapping with
#: 3,000 entries stays well under it.
MAX_ALIAS_NODES = 100_000


class SourceFloat(float):
    """A float read from YAML that remembers how it was written (``text``)."""

    text: str

    def __new__(cls, value: float, text: str) -> SourceFloat:
        obj = super().__new__(cls, value)
        obj.text = text
        return obj


# libyaml's parser when PyYAML was built with it (about 10x faster); same marks and events.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CatalogueLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """A safe loader with YAML 1.2 core-schema scalars (see module docstring)."""


# Start from an empty resolver table so YAML 1.1 rules (yes/no/on/off, timestamps,
# sexagesimal and octal numbers) never apply. Numbers with leading zeros stay text.
CatalogueLoader.yaml_implicit_resolvers = {}
CatalogueLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
CatalogueLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
CatalogueLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|(?:0|[1-9][0-9]*)\.[0-9]*)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?(?:0|[1-9][0-9]*)[eE][-+]?[0-9]+"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+.0123456789"),
)
CatalogueLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
CatalogueLoader.add_implicit_resolver(
    "tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"]
)


def _construct_int(loader: CatalogueLoader, node: yaml.Node) -> int:
    assert isinstance(node, yaml.ScalarNode)
    return int(loader.construct_scalar(node))


def _construct_bool(loader: CatalogueLoader, node: yaml.Node) -> bool:
    assert isinstance(node, yaml.ScalarNode)
    return str(loader.construct_scalar(node)).lower() == "true"


def _construct_float(loader: CatalogueLoader, node: yaml.Node) -> float:
    assert isinstance(node, yaml.ScalarNode)
    text = str(loader.construct_scalar(node))
    lowered = text.lower()
    if lowered.endswith("inf"):
        value = float("-inf") if lowered.startswith("-") else float("inf")
    elif lowered.endswith("nan"):
        value = float("nan")
    else:
        value = float(text)
    return SourceFloat(value, text)


CatalogueLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
CatalogueLoader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)
CatalogueLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
# Explicit !!timestamp and !!binary tags stay text rather than changing type.
def _construct_text(loader: CatalogueLoader, node: yaml.Node) -> str:
    assert isinstance(node, yaml.ScalarNode)
    return str(loader.construct_scalar(node))


CatalogueLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_text)


class ByteOffsets:
    """Character index → UTF-8 byte offset in one text, in O(log n) per lookup.

    A mark's ``index`` counts characters; SARIF and Terraform-style ranges want bytes.
    Encoding the text up to each mark made loading quadratic in the file's size; this
    keeps the positions of non-ASCII characters and the extra bytes before each instead.
    """

    def __init__(self, text: str) -> None:
        self._at: list[int] = []
        self._extra: list[int] = [0]
        if not text.isascii():
            for match in re.finditer(r"[^\x00-\x7f]", text):
                self._at.append(match.start())
                self._extra.append(self._extra[-1] + len(match.group().encode("utf-8")) - 1)

    def byte(self, index: int) -> int:
        """The byte offset of character ``index``."""
        return index + self._extra[bisect.bisect_left(self._at, index)]


def _pos(file: str, mark: yaml.Mark, offsets: ByteOffsets | str | None = None) -> Position:
    if isinstance(offsets, str):
        offsets = ByteOffsets(offsets)
    byte = offsets.byte(mark.index) if offsets is not None else None
    return Position(file, mark.line + 1, mark.column + 1, byte)


def _span(file: str, node: yaml.Node, offsets: ByteOffsets) -> Position:
    """Where ``node`` starts, carrying where it ends (``Position.end``)."""
    start, end = node.start_mark, node.end_mark
    return Position(file, start.line + 1, start.column + 1, offsets.byte(start.index),
                    _pos(file, end, offsets))


class YamlDocument(Struct):
    """Data read from one YAML file, with the position of every value and mapping key.

    :meth:`position` gives where the value at ``path`` (a tuple of keys and list indexes)
    starts, its ``end`` being where the YAML node ends; with ``prefer_key``, where the
    mapping key that ends ``path`` starts (for "unknown key" errors). Positions are made
    from the parser's nodes only when asked for: a valid fleet catalogue never needs
    most of them, and making them all took half of loading it. ``_offsets`` is made on
    the first such request.
    """

    file: str
    data: Any
    text: str = ""
    value_nodes: dict[PathKey, yaml.Node] = field(default_factory=dict)
    key_nodes: dict[PathKey, yaml.Node] = field(default_factory=dict)
    _offsets: ByteOffsets | None = None

    def __repr__(self) -> str:
        """The file only: the node maps hold the whole parse."""
        return f"YamlDocument(file={self.file!r})"

    def span(self, node: yaml.Node) -> Position:
        """Where ``node`` starts, carrying where it ends (``Position.end``)."""
        if self._offsets is None:
            self._offsets = ByteOffsets(self.text)
        return _span(self.file, node, self._offsets)

    def position(self, path: PathKey, *, prefer_key: bool = False) -> Position:
        """Return the best-known position for ``path``, walking up to a parent if needed."""
        p = tuple(path)
        while True:
            if prefer_key and p in self.key_nodes:
                return self.span(self.key_nodes[p])
            if p in self.value_nodes:
                return self.span(self.value_nodes[p])
            if not p:
                return Position(self.file, 1, 1)
            p = p[:-1]


class _Builder:
    """Turns a composed node tree into data, recording nodes by path and duplicate keys."""

    def __init__(self, file: str, loader: CatalogueLoader, text: str) -> None:
        self.file = file
        self.loader = loader
        self.doc = YamlDocument(file, None, text)
        self.problems: list[Diagnostic] = []
        # Counted as they are built: a node built a second time came through an alias.
        self.built: set[int] = set()
        self.expanded = 0
        self.site: PathKey | None = None  # where the alias being expanded is used

    def _site_mark(self) -> yaml.Mark | None:
        """Where the alias being expanded is written: its key, or the nearest key above."""
        assert self.site is not None
        p = self.site
        while p:
            if p in self.doc.key_nodes:
                return self.doc.key_nodes[p].start_mark
            p = p[:-1]
        return None

    def build(self, node: yaml.Node, path: PathKey, depth: int = 0) -> Any:
        """The data of ``node`` at ``path``; a node built before came through an alias and
        counts against :data:`MAX_ALIAS_NODES`. One call per node: this is the loader's
        hot loop."""
        outermost = False
        if id(node) in self.built:
            self.expanded += 1
            if self.site is None:
                self.site = path
                outermost = True
            if self.expanded > MAX_ALIAS_NODES:
                raise DiagnosticError([alias_bomb(self.file, self._site_mark())])
        else:
            self.built.add(id(node))
        try:
            if depth > 100:
                raise DiagnosticError([Diagnostic(
                    "error", "E101", "YAML nests deeper than 100 levels",
                    _pos(self.file, node.start_mark),
                    detail="Flatten the document; catalogues never need this depth.")])
            self.doc.value_nodes[path] = node
            if isinstance(node, yaml.ScalarNode):
                return self.loader.construct_object(node, deep=True)
            if node.tag not in _COLLECTION_TAGS:
                # The builder makes plain lists and mappings whatever the tag says: a tag
                # such as !!python/object would be silently dropped; say it is not allowed.
                raise DiagnosticError([Diagnostic(
                    "error", "E100", f"tag '{node.tag.replace('tag:yaml.org,2002:', '!!')}' "
                    "is not allowed in a catalogue", _pos(self.file, node.start_mark),
                    detail="Remove the tag: catalogues hold plain mappings, lists and text.")])
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path, depth)
            return [self.build(item, (*path, i), depth + 1)
                    for i, item in enumerate(node.value)]
        finally:
            if outermost:
                self.site = None

    def _mapping(self, node: yaml.MappingNode, path: PathKey, depth: int) -> dict[Any, Any]:
        """A mapping, merge keys (``<<``) applied as YAML 1.1 merge means them: the keys
        written in the mapping win over merged ones, and a merged key repeated by a later
        merged mapping is not a duplicate. Two written keys alike are (E102)."""
        merged = any(k.tag == _MERGE_TAG for k, _v in node.value)
        written = {id(k) for k, _v in node.value if k.tag != _MERGE_TAG} if merged else set()
        if merged:
            self.loader.flatten_mapping(node)
        pairs = self._pairs(node)
        own = {key for k, _v, key in pairs if id(k) in written} if merged else set()
        result: dict[Any, Any] = {}
        key_nodes = self.doc.key_nodes
        for key_node, value_node, key in pairs:
            child = (*path, key)
            is_written = not merged or id(key_node) in written
            if not is_written and key in own:
                continue  # a merged key the mapping sets itself
            if key in result and is_written:
                self._duplicate(key, key_node, key_nodes[child])
                continue
            key_nodes[child] = key_node
            result[key] = self.build(value_node, child, depth + 1)
        return result

    def _pairs(self, node: yaml.MappingNode) -> list[tuple[yaml.Node, yaml.Node, str]]:
        """Each ``(key node, value node, key)`` of ``node``, the key as text; a list or
        mapping key is left out (E108 is recorded for it, see :meth:`_key`)."""
        pairs: list[tuple[yaml.Node, yaml.Node, str]] = []
        seen_to = node.start_mark.index  # a key node before this is an alias's anchor
        construct = self.loader.construct_object
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode):
                key = construct(k, deep=True)
                if not isinstance(key, str):
                    key = str(getattr(key, "text", key)) if key is not None else "null"
                pairs.append((k, v, key))
            else:
                self._key(k, v, k.start_mark.index < seen_to)
            seen_to = max(seen_to, v.end_mark.index)
        return pairs

    def _duplicate(self, key: str, key_node: yaml.Node, first: yaml.Node) -> None:
        """E102 for a key written twice in one mapping; ``first`` is its first key node."""
        self.problems.append(
            Diagnostic(
                "error",
                "E102",
                f"duplicate key '{key}' (first at line {first.start_mark.line + 1})",
                _pos(self.file, key_node.start_mark),
                detail="YAML keeps only the last one; remove or rename one of them.",
            )
        )

    def _key(self, key_node: yaml.Node, value_node: yaml.Node, aliased: bool) -> None:
        """E108 for a list or mapping used as a mapping key (the key is then skipped).

        No catalogue field is one, and turning it into text could expand an alias bomb
        the node count never sees. An alias key's node sits where its anchor is, so the
        error points at the value instead.
        """
        here = value_node if aliased else key_node
        self.problems.append(Diagnostic(
            "error", "E108", "a mapping key must be text, not a list or mapping",
            _pos(self.file, here.start_mark),
            detail="Write a plain key (name: value); '?' introduces a complex key, which "
            "catalogues never use."))


def alias_bomb(file: str, mark: yaml.Mark | None) -> Diagnostic:
    """Error ``E107``: a document's aliases expand past :data:`MAX_ALIAS_NODES` nodes."""
    where = _pos(file, mark) if mark is not None else Position(file, 1, 1)
    return Diagnostic(
        "error",
        "E107",
        f"YAML aliases expand to more than {MAX_ALIAS_NODES} nodes",
        where,
        detail="Anchors (&name) reused through aliases (*name, <<: *name) multiply the "
        "document; write the values out, or share them with 'extends' instead.",
    )


def load_yaml(text: str, file: str) -> YamlDocument:
    """Parse one YAML document from ``text``; ``file`` is the name used in positions.

    Raises :class:`DiagnosticError` (code ``E100``) for a syntax error, pointing at the
    line and column YAML reports, ``E102`` for duplicate mapping keys, ``E107`` when
    aliases expand past :data:`MAX_ALIAS_NODES` nodes (counted as they are built) and
    ``E108`` for a list or mapping used as a key. An empty
    document gives ``data`` ``None``. More than one document in a file is an error.
    """
    loader = CatalogueLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(file, None)
        builder = _Builder(file, loader, text)
        builder.doc.data = builder.build(node, ())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = _pos(file, mark, text) if mark else Position(file, 1, 1)
        problem = exc.problem or "invalid YAML"
        if exc.context:
            problem = f"{problem} ({exc.context})"
        hint = "Check indentation and quoting on this line or the one before it."
        if "mapping values are not allowed" in problem:
            hint = "A value containing ': ' must be quoted, e.g. description: \"a: b\"."
        elif "expected a single document" in problem:
            hint = "Put each catalogue document in its own file (no '---' separators)."
        raise DiagnosticError([Diagnostic("error", "E100", problem, where, detail=hint)]) from None
    except yaml.YAMLError as exc:  # e.g. reader errors on control characters
        raise DiagnosticError(
            [Diagnostic("error", "E100", f"cannot read YAML: {exc}", Position(file, 1, 1))]
        ) from None
    finally:
        loader.dispose()
    if builder.problems:
        raise DiagnosticError(builder.problems)
    return builder.doc


def scalar_text(value: Any) -> str:
    """Return the text a scalar was written as: floats keep their source, bools are lowercase.

    Used where a value is stringified (template answers, env entries) so that ``1.10``
    stays ``"1.10"`` and ``true`` stays ``"true"``.
    """
    if isinstance(value, SourceFloat):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)
