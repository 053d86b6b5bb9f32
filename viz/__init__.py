"""kg.viz: self-contained, offline pyvis/vis-network HTML views of graph slices.

>>> from kg.viz import graph_from_rows, render
>>> g = graph_from_rows(
...     [{"id": "u1", "label": "Unit", "name": "区发展改革委", "props": {}},
...      {"id": "t1", "label": "Task", "name": "推进改革", "props": {}}],
...     [{"source": "u1", "target": "t1", "type": "LEADS", "props": {"doc": "d1"}}])
>>> render(g, "out/view.html", title="示例")  # doctest: +SKIP

:func:`render` never touches a store; builders of particular views (overview,
one unit's tasks, …) produce a graph, e.g. with :func:`graph_from_rows`, and
pass it in.
"""

from .graph import MAX_NODES, Truncation, graph_from_rows, truncate
from .render import VIS_NETWORK_VERSION, render, to_html
from .styles import edge_style, load_styles, node_style

__all__ = [
    "MAX_NODES",
    "VIS_NETWORK_VERSION",
    "Truncation",
    "edge_style",
    "graph_from_rows",
    "load_styles",
    "node_style",
    "render",
    "to_html",
    "truncate",
]
