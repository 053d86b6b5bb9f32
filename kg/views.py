"""Graph slices for the HTML views, read from a store (read-only queries, parameters only)."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import networkx as nx

from kg.stores.base import GraphStore
from kg.viz import graph_from_rows

_NODE = "labels(n)[0] AS label, n.id AS id, coalesce(n.name, n.title, n.id) AS name"

OVERVIEW_NODES = f"""
MATCH (n) WHERE n:Document OR n:Task OR n:Unit OR n:Collective OR n:Policy OR n:Place
RETURN {_NODE}, n.kind AS kind, n.level AS level, n.deadline AS deadline
ORDER BY label, id
"""
OVERVIEW_EDGES = """
MATCH (a)-[r]->(b)
WHERE type(r) IN ['LEADS', 'SUPPORTS', 'CITES', 'CONTAINS', 'PART_OF', 'ISSUED']
RETURN DISTINCT a.id AS source, b.id AS target, type(r) AS type
ORDER BY source, target, type
"""
UNIT_NODES = f"""
MATCH (u) WHERE (u:Unit OR u:Collective) AND (u.name = $name OR $name IN coalesce(u.aliases, []))
OPTIONAL MATCH (u)-[:LEADS|SUPPORTS]->(t:Task)
OPTIONAL MATCH (t)<-[:LEADS|SUPPORTS]-(o) WHERE o:Unit OR o:Collective
OPTIONAL MATCH (t)<-[:CONTAINS]-(d:Document)
OPTIONAL MATCH (u)-[:PART_OF*1..4]->(p)
WITH collect(DISTINCT u) + collect(DISTINCT t) + collect(DISTINCT o) + collect(DISTINCT d) + collect(DISTINCT p) AS ns
UNWIND ns AS n
RETURN DISTINCT {_NODE}, n.kind AS kind, n.deadline AS deadline
ORDER BY label, id
"""
EDGES_AMONG = """
MATCH (a)-[r]->(b) WHERE a.id IN $ids AND b.id IN $ids AND type(r) <> 'MENTIONS'
RETURN DISTINCT a.id AS source, b.id AS target, type(r) AS type
ORDER BY source, target, type
"""


def _graph(store: GraphStore, nodes: list[dict[str, Any]], edges_query: str,
           params: Mapping[str, Any] | None = None) -> nx.MultiDiGraph:
    node_rows = [{"id": r["id"], "label": r["label"], "name": r["name"],
                  "props": {k: v for k, v in r.items() if k not in ("id", "label", "name") and v is not None}}
                 for r in nodes if r.get("id") is not None]
    ids = [r["id"] for r in node_rows]
    edges = store.read(edges_query, {**(params or {}), "ids": ids})
    known = set(ids)
    edge_rows = [{"source": e["source"], "target": e["target"], "type": e["type"], "props": {}}
                 for e in edges if e["source"] in known and e["target"] in known]
    return graph_from_rows(node_rows, edge_rows)


def overview_graph(store: GraphStore) -> nx.MultiDiGraph:
    return _graph(store, store.read(OVERVIEW_NODES), OVERVIEW_EDGES)


def unit_graph(store: GraphStore, name: str) -> nx.MultiDiGraph:
    return _graph(store, store.read(UNIT_NODES, {"name": name}), EDGES_AMONG)


def rows_graph(rows: Sequence[Mapping[str, Any]]) -> nx.MultiDiGraph:
    """Any query's rows as a graph: each text column value is a node (labelled by its
    column), consecutive text columns of a row are linked, numbers become edge props."""
    node_rows: dict[str, dict[str, Any]] = {}
    edge_rows: list[dict[str, Any]] = []
    for row in rows:
        texts = [(k, v) for k, v in row.items() if isinstance(v, str) and v]
        nums = {k: v for k, v in row.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
        for col, val in texts:
            node_rows.setdefault(f"{col}:{val}", {"id": f"{col}:{val}", "label": col, "name": val, "props": {}})
        for (c1, v1), (c2, v2) in zip(texts, texts[1:]):
            edge_rows.append({"source": f"{c1}:{v1}", "target": f"{c2}:{v2}", "type": f"{c1}→{c2}",
                              "props": nums})
    return graph_from_rows(list(node_rows.values()), edge_rows)
