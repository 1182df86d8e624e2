"""Reading YAML as Copier does (YAML 1.1, ``yaml.safe_load``), but refusing alias bombs.

Copier's ``copier.yml`` and ``yaml`` answers are read with PyYAML's own safe loader, not
the catalogue's (:mod:`agentctl.catalogue.yamlsource`); :func:`safe_load_bounded` sizes
each document's node graph first, so aliases cannot multiply it past
:data:`~agentctl.catalogue.yamlsource.MAX_ALIAS_NODES` nodes.
"""

from __future__ import annotations

from typing import Any

import yaml

from agentctl.catalogue.yamlsource import MAX_ALIAS_NODES


class AliasBombError(ValueError):
    """A YAML text whose aliases expand past :data:`MAX_ALIAS_NODES` nodes (or that nests
    too deeply): refused before any Python object is made from it."""


def _expanded_size(root: yaml.Node, limit: int) -> int:
    """Nodes ``root`` stands for with every alias written out, stopping past ``limit``.

    Each distinct node is sized once (memoised by identity), so a billion-laughs graph
    of a few dozen nodes costs a few dozen steps to recognise.
    """
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            sizes[id(node)] = 1
            continue
        if children_done:
            total = 1 + sum(sizes[id(c)] for c in children)
            sizes[id(node)] = min(total, limit + 1)
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def safe_load_bounded(text: str, *, all_documents: bool = False) -> Any:
    """``yaml.safe_load`` (YAML 1.1, as Copier reads ``copier.yml`` and ``yaml`` answers)
    that refuses alias bombs: raises :class:`AliasBombError` when a document stands for
    more nodes than its text has characters plus :data:`MAX_ALIAS_NODES` (an alias-free
    document never does). With ``all_documents``, returns the list ``yaml.safe_load_all``
    would. Other errors are ``yaml.YAMLError``, as from PyYAML itself.
    """
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    limit = len(text) + MAX_ALIAS_NODES

    def checked(node: yaml.Node) -> yaml.Node:
        if _expanded_size(node, limit) > limit:
            raise AliasBombError(f"YAML aliases expand to more than {MAX_ALIAS_NODES} nodes")
        return node

    try:
        if not all_documents:
            node = loader.get_single_node()
            return None if node is None else loader.construct_document(checked(node))
        docs = []
        while loader.check_node():
            node = loader.get_node()
            assert node is not None  # check_node said there is one
            docs.append(loader.construct_document(checked(node)))
        return docs
    finally:
        loader.dispose()
