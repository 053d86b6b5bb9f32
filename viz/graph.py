"""Graphs for the views: built from query rows, truncated for display.

Independent of any store: the rows are plain dicts, whatever produced them.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any, NamedTuple

import networkx as nx

__all__ = ["MAX_NODES", "Truncation", "graph_from_rows", "truncate"]

#: Default node limit of a view; larger graphs keep their highest-degree nodes.
MAX_NODES = 1500


def graph_from_rows(
    nodes: Iterable[Mapping[str, Any]],
    edges: Iterable[Mapping[str, Any]],
    *,
    strict: bool = True,
) -> nx.MultiDiGraph:
    """Build the input graph of :func:`kg.viz.render` from query rows.

    ``nodes``: dicts with ``id``, ``label``, ``name`` and ``props`` (a mapping or
    ``None``); ``edges``: dicts with ``source``, ``target``, ``type`` and ``props``.
    The node's ``props`` become node attributes, then ``label`` and ``name`` are set
    from the row (they win over same-named props); a node listed twice is merged
    (later values win).  Each edge row becomes one edge, with ``type`` and its props
    as attributes: parallel edges are kept.

    An edge whose endpoint is not among the node rows raises ``ValueError``, or with
    ``strict=False`` gets a placeholder node (no label, its id as name).
    """
    graph = nx.MultiDiGraph()
    for row in nodes:
        node_id = _required(row, "id", "node")
        attrs = dict(row.get("props") or {})
        attrs["label"] = row.get("label")
        attrs["name"] = row.get("name")
        if node_id in graph:
            graph.nodes[node_id].update(attrs)
        else:
            graph.add_node(node_id, **attrs)
    for row in edges:
        source = _required(row, "source", "edge")
        target = _required(row, "target", "edge")
        for end in (source, target):
            if end not in graph:
                if strict:
                    raise ValueError(
                        f"edge {source!r} -[{row.get('type')}]-> {target!r}: "
                        f"node {end!r} is not among the node rows"
                    )
                graph.add_node(end, label=None, name=str(end))
        attrs = dict(row.get("props") or {})
        attrs["type"] = row.get("type")
        graph.add_edge(source, target, **attrs)
    return graph


def _required(row: Mapping[str, Any], key: str, what: str) -> Hashable:
    value = row.get(key)
    if value is None:
        raise ValueError(f"{what} row without {key!r}: {dict(row)!r}")
    return value


class Truncation(NamedTuple):
    """A graph cut down to at most ``max_nodes`` nodes, and what was dropped."""

    graph: nx.Graph
    dropped_nodes: int
    dropped_edges: int

    @property
    def truncated(self) -> bool:
        return self.dropped_nodes > 0


def truncate(graph: nx.Graph, max_nodes: int | None = MAX_NODES) -> Truncation:
    """Keep the ``max_nodes`` nodes of highest degree and the edges among them.

    Degree counts parallel edges (and self-loops twice); ties are broken by the
    node id's text, so the result is deterministic.  ``None`` means no limit.  The
    input graph is never modified; when nothing is dropped it is returned as is.
    """
    if max_nodes is not None and max_nodes < 0:
        raise ValueError(f"max_nodes must be >= 0, not {max_nodes}")
    total = graph.number_of_nodes()
    if max_nodes is None or total <= max_nodes:
        return Truncation(graph, 0, 0)
    degree = dict(graph.degree())
    ranked = sorted(graph.nodes, key=lambda n: (-degree[n], str(n)))
    kept = graph.subgraph(ranked[:max_nodes]).copy()
    return Truncation(
        kept,
        total - kept.number_of_nodes(),
        graph.number_of_edges() - kept.number_of_edges(),
    )
