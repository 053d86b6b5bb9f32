"""Self-contained, offline HTML views of a graph (pyvis data, vis-network inlined).

The page is one file: vis-network's JS and CSS (``assets/``, MIT) are inlined, the
graph travels as a JSON ``<script type="application/json">`` block, and a
Content-Security-Policy ``<meta>`` (``default-src 'none'``, scripts allowed only by
their SHA-256) makes the browser refuse any network fetch at all, so a view that
renders once renders the same with no network.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import json
import math
import os
import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from importlib import resources
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import networkx as nx

from .graph import MAX_NODES, truncate
from .styles import edge_style, load_styles, node_style

__all__ = ["render", "to_html", "VIS_NETWORK_VERSION"]

VIS_NETWORK_VERSION = "9.1.2"

#: Views with at most this many edges show edge labels unless told otherwise.
EDGE_LABEL_LIMIT = 300
#: Longest node label drawn on the canvas (the tooltip has the full text).
LABEL_CHARS = 24
LABEL_LINE = 12
#: Longest property value shown in a tooltip.
TOOLTIP_CHARS = 300

_FONT = ('"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "PingFang SC", '
         '"Microsoft YaHei", sans-serif')
_HEIGHT = re.compile(r"^\d+(\.\d+)?(px|%|vh|em|rem)$")
_PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")
_SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*$", re.M)


# ---------------------------------------------------------------------------- assets

@functools.lru_cache(maxsize=None)
def _asset(name: str) -> str:
    text = resources.files(__package__).joinpath("assets", name).read_text("utf-8")
    # The HTML parser turns CR LF into LF inside <script>; do it first so the CSP hash
    # computed here matches what the browser hashes.
    return text.replace("\r\n", "\n").replace("\r", "\n")


@functools.lru_cache(maxsize=None)
def _vis_js() -> str:
    # No source-map reference: nothing in the page may point at another file.
    return _SOURCE_MAP.sub("", _asset("vis-network.min.js")).rstrip() + "\n"


def _script_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _pyvis_version() -> str:
    try:
        return version("pyvis")
    except PackageNotFoundError:  # pragma: no cover
        return "?"


# ---------------------------------------------------------------------------- helpers

def _json_for_script(data: Any) -> str:
    """JSON that is safe inside a ``<script>`` element: no ``</script>``, no ``<!--``."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _one_line(value: Any) -> str:
    return " ".join(str(value).split())


def _label_of(attrs: Mapping[str, Any]) -> str | None:
    label = attrs.get("label")
    if isinstance(label, (list, tuple)):  # several labels: the first one styles the node
        label = label[0] if label else None
    return None if label is None else str(label)


def _display(node_id: Any, attrs: Mapping[str, Any]) -> str:
    for key in ("name", "title", "text"):
        value = attrs.get(key)
        if value not in (None, ""):
            text = _one_line(value)
            break
    else:
        text = _one_line(node_id)
    text = _shorten(text, LABEL_CHARS) or "?"
    # Short lines: CJK text has no spaces for vis-network to wrap at.
    return "\n".join(text[i:i + LABEL_LINE] for i in range(0, len(text), LABEL_LINE))


def _fmt(value: Any) -> str | None:
    """A property value as tooltip text, or ``None`` to leave it out."""
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        text = "、".join(str(v) for v in items)
    elif isinstance(value, Mapping):
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = str(value)
    return _shorten(text, TOOLTIP_CHARS)


def _rows(attrs: Mapping[str, Any], skip: set[str]) -> list[list[str]]:
    rows = []
    for key, value in attrs.items():
        if key in skip:
            continue
        text = _fmt(value)
        if text is not None:
            rows.append([str(key), text])
    return rows


def _shade(color: str, factor: float) -> str:
    """``#rrggbb`` darkened (factor < 0) or lightened (factor > 0); others unchanged."""
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", color):
        return color
    channels = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    if factor < 0:
        channels = [round(c * (1 + factor)) for c in channels]
    else:
        channels = [round(c + (255 - c) * factor) for c in channels]
    return "#" + "".join(f"{c:02x}" for c in channels)


def _check_height(height: str | int) -> str:
    if isinstance(height, int):
        height = f"{height}px"
    if not isinstance(height, str) or not _HEIGHT.match(height):
        raise ValueError(f"height must be a CSS length like '800px' or '90vh', not {height!r}")
    return height


# ---------------------------------------------------------------------------- legend

def _star(cx: float = 8, cy: float = 8, outer: float = 7.5, inner: float = 3.2) -> str:
    points = []
    for i in range(10):
        r = outer if i % 2 == 0 else inner
        a = -math.pi / 2 + i * math.pi / 5
        points.append(f"{cx + r * math.cos(a):.1f},{cy + r * math.sin(a):.1f}")
    return " ".join(points)


_SHAPES = {
    "dot": '<circle cx="8" cy="8" r="6"{a}/>',
    "ellipse": '<ellipse cx="8" cy="8" rx="7" ry="5"{a}/>',
    "box": '<rect x="1" y="3" width="14" height="10" rx="2"{a}/>',
    "square": '<rect x="2" y="2" width="12" height="12"{a}/>',
    "diamond": '<polygon points="8,1 15,8 8,15 1,8"{a}/>',
    "triangle": '<polygon points="8,1.5 15,14 1,14"{a}/>',
    "triangleDown": '<polygon points="1,2 15,2 8,14.5"{a}/>',
    "hexagon": '<polygon points="4,1.5 12,1.5 15.5,8 12,14.5 4,14.5 0.5,8"{a}/>',
    "star": '<polygon points="' + _star() + '"{a}/>',
}


def _node_swatch(style: Mapping[str, Any]) -> str:
    color = str(style["color"])
    attrs = f' fill="{_esc(color)}" stroke="{_esc(_shade(color, -0.3))}" stroke-width="1"'
    shape = _SHAPES.get(str(style.get("shape")), _SHAPES["dot"])
    return ('<svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">'
            + shape.format(a=attrs) + "</svg>")


def _edge_swatch(style: Mapping[str, Any]) -> str:
    dash = ' stroke-dasharray="4 3"' if style.get("dashes") else ""
    width = float(style.get("width") or 1)
    return ('<svg width="28" height="10" viewBox="0 0 28 10" aria-hidden="true">'
            f'<line x1="1" y1="5" x2="23" y2="5" stroke="{_esc(style["color"])}" '
            f'stroke-width="{width:g}"{dash}/>'
            f'<polygon points="22,1.5 27,5 22,8.5" fill="{_esc(style["color"])}"/></svg>')


def _ordered(counts: Counter, table: Mapping[str, Any]) -> list:
    known = [k for k in table if k != "default" and k in counts]
    rest = sorted((k for k in counts if k not in table or k == "default"), key=lambda k: (k is None, str(k)))
    return known + rest


def _legend(styles: Mapping[str, Any], labels: Counter, types: Counter) -> str:
    out = ['<aside id="kg-legend" aria-label="legend">', "<h2>图例 Legend</h2>"]
    sections = (("节点 Nodes", "nodes", "label", "(no label)", labels, node_style, _node_swatch),
                ("关系 Edges", "edges", "type", "(no type)", types, edge_style, _edge_swatch))
    for heading, kind, attr, unnamed, counts, style_of, swatch in sections:
        out.append(f"<h3>{heading}</h3>")
        if not counts:
            out.append('<p class="kg-empty">—</p>')
            continue
        out.append(f'<ul class="kg-legend-{kind}">')
        for key in _ordered(counts, styles[kind]):
            style = style_of(styles, key)
            name = unnamed if key is None else key
            out.append(f'<li data-{attr}="{_esc(name)}">{swatch(style)}'
                       f"<span>{_esc(name)} {_esc(style.get('zh', ''))}</span>"
                       f'<span class="kg-n">{counts[key]}</span></li>')
        out.append("</ul>")
    out.append("</aside>")
    return "\n".join(out)


# ---------------------------------------------------------------------------- options

def _options(n_nodes: int, n_edges: int) -> dict[str, Any]:
    iterations = 1000 if n_nodes <= 200 else 500 if n_nodes <= 600 else 250
    return {
        "autoResize": True,
        "layout": {"randomSeed": 7, "improvedLayout": n_nodes <= 300},
        "nodes": {"borderWidth": 1, "font": {"size": 14, "face": _FONT, "color": "#222222"}},
        "edges": {
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
            "color": {"inherit": False},
            "font": {"size": 11, "face": _FONT, "align": "middle", "color": "#444444",
                     "strokeWidth": 3, "strokeColor": "#ffffff"},
            "smooth": {"enabled": True, "type": "dynamic" if n_edges <= 300 else "continuous"},
        },
        "physics": {
            "enabled": True,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -60, "centralGravity": 0.008,
                                 "springLength": 110, "springConstant": 0.08,
                                 "damping": 0.5, "avoidOverlap": 0.3},
            "minVelocity": 0.75,
            "stabilization": {"enabled": True, "iterations": iterations,
                              "updateInterval": 25, "fit": True},
        },
        "interaction": {"hover": True, "tooltipDelay": 120, "multiselect": True,
                        "hideEdgesOnDrag": n_edges > 1000, "navigationButtons": False,
                        "keyboard": False},
    }


# ---------------------------------------------------------------------------- render

def to_html(
    graph: nx.Graph,
    *,
    title: str,
    height: str | int = "800px",
    physics: bool = True,
    max_nodes: int | None = MAX_NODES,
    edge_labels: bool | None = None,
    styles: Mapping[str, Any] | None = None,
) -> str:
    """The HTML page of :func:`render`, as a string."""
    from pyvis.network import Network  # imports IPython; only when a view is made

    height = _check_height(height)
    styles = load_styles() if styles is None else styles
    total_nodes, total_edges = graph.number_of_nodes(), graph.number_of_edges()
    cut = truncate(graph, max_nodes)
    view = cut.graph
    n_edges = view.number_of_edges()
    if edge_labels is None:
        edge_labels = n_edges <= EDGE_LABEL_LIMIT

    net = Network(height=height, width="100%", directed=True, heading=title, cdn_resources="in_line")
    vis_id: dict[Any, int] = {}
    names: dict[Any, str] = {}
    labels: Counter = Counter()
    for index, (node_id, attrs) in enumerate(view.nodes(data=True)):
        vis_id[node_id] = index
        label = _label_of(attrs)
        labels[label] += 1
        style = node_style(styles, label)
        color = str(style["color"])
        name = _one_line(attrs.get("name") or attrs.get("title") or attrs.get("text") or node_id)
        names[node_id] = _shorten(name, 60)
        head = " ".join(p for p in (label or "", str(style.get("zh") or "")) if p) + " · " + _shorten(name, 120)
        net.add_node(
            index,
            label=_display(node_id, attrs),
            shape=str(style.get("shape", "dot")),
            color={"background": color, "border": _shade(color, -0.3),
                   "highlight": {"background": _shade(color, 0.3), "border": _shade(color, -0.45)},
                   "hover": {"background": _shade(color, 0.3), "border": _shade(color, -0.45)}},
            size=float(style.get("size", 12)),
            font={"color": str(style.get("font_color", "#222222"))},
            kg_id=str(node_id),
            kg_label=label,
            tip_head=head,
            tip=[["id", _shorten(str(node_id), TOOLTIP_CHARS)]] + _rows(attrs, {"label", "name", "id"}),
        )

    types: Counter = Counter()
    parallel: dict[frozenset, int] = defaultdict(int)
    for source, target, attrs in view.edges(data=True):
        rel = attrs.get("type")
        rel = None if rel is None else str(rel)
        types[rel] += 1
        style = edge_style(styles, rel)
        color = str(style["color"])
        options: dict[str, Any] = {
            "color": {"color": color, "highlight": _shade(color, -0.3), "hover": _shade(color, -0.3),
                      "inherit": False},
            "width": float(style.get("width", 1)),
            "dashes": bool(style.get("dashes", False)),
            "kg_type": rel,
            "tip_head": (f"{rel or '(no type)'} {style.get('zh', '')} · "
                         f"{names[source]} → {names[target]}"),
            "tip": _rows(attrs, {"type"}),
        }
        if edge_labels:
            options["label"] = str(style.get("zh") or rel or "")
        # Parallel edges (either direction) get their own curve instead of overlapping.
        pair = frozenset((vis_id[source], vis_id[target]))
        nth = parallel[pair]
        parallel[pair] += 1
        if nth:
            options["smooth"] = {"enabled": True, "type": "curvedCW" if nth % 2 else "curvedCCW",
                                 "roundness": min(0.15 * ((nth + 1) // 2), 0.9)}
        net.add_edge(vis_id[source], vis_id[target], **options)

    net.options = _options(len(vis_id), n_edges)
    nodes, edges, _heading, _height, _width, options_json = net.get_network_data()
    payload = {"nodes": nodes, "edges": edges, "options": json.loads(options_json),
               "physics": bool(physics)}

    vis_js, app_js = _vis_js(), _asset("view.js")
    csp = ("default-src 'none'; "
           f"script-src {_script_hash(vis_js)} {_script_hash(app_js)}; "
           "style-src 'unsafe-inline'; img-src data:; font-src data:; "
           "base-uri 'none'; form-action 'none'")

    counts = (f'<p id="kg-counts" data-nodes="{len(vis_id)}" data-edges="{n_edges}">'
              f"节点 Nodes <b>{len(vis_id):,}</b> · 关系 Edges <b>{n_edges:,}</b></p>")
    if cut.truncated:
        kept = len(vis_id)
        truncation = (
            f'<p id="kg-truncated" role="note" data-total-nodes="{total_nodes}" '
            f'data-total-edges="{total_edges}" data-dropped-nodes="{cut.dropped_nodes}" '
            f'data-dropped-edges="{cut.dropped_edges}">'
            f"视图已截断：按连接数保留前 {kept:,} 个节点（共 {total_nodes:,} 个），"
            f"省略 {cut.dropped_nodes:,} 个节点和 {cut.dropped_edges:,} 条关系。"
            f" Truncated: showing the {kept:,} highest-degree nodes of {total_nodes:,}; "
            f"{cut.dropped_nodes:,} nodes and {cut.dropped_edges:,} edges were dropped.</p>")
    else:
        truncation = ""

    values = {
        "CSP": _esc(csp),
        "PYVIS_VERSION": _esc(_pyvis_version()),
        "VIS_VERSION": VIS_NETWORK_VERSION,
        "TITLE": _esc(title),
        "VIS_CSS": _asset("vis-network.css"),
        "PAGE_CSS": _asset("view.css"),
        "HEIGHT": height,
        "COUNTS": counts,
        "TRUNCATION": truncation,
        "LEGEND": _legend(styles, labels, types),
        "DATA": _json_for_script(payload),
        "VIS_JS": vis_js,
        "APP_JS": app_js,
    }
    # One pass, so text inserted for one placeholder is never searched for another.
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], _asset("view.html"))


def render(
    graph: nx.Graph,
    path: str | os.PathLike[str],
    *,
    title: str,
    height: str | int = "800px",
    physics: bool = True,
    max_nodes: int | None = MAX_NODES,
    edge_labels: bool | None = None,
    styles: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``graph`` as one self-contained, offline HTML page; return its absolute path.

    ``graph``: a networkx graph (normally a ``MultiDiGraph``) whose nodes carry
    ``label`` (schema label; styles colour and shape) and ``name`` (the text drawn)
    plus any properties (shown, HTML-safe, in the tooltip), and whose edges carry
    ``type`` (styles colour, dashes and the edge label) plus properties.

    ``physics``: ``True`` keeps the force simulation running (nodes spring back when
    dragged); ``False`` computes the layout once at load time and then freezes it.
    ``max_nodes``: larger graphs keep their highest-degree nodes, and the page says
    how many nodes and edges were dropped (``None``: no limit).  ``edge_labels``:
    draw the relationship name on each edge; by default only when there are at most
    300 edges.  ``styles``: a table like :func:`kg.viz.load_styles` returns.
    """
    page = to_html(graph, title=title, height=height, physics=physics, max_nodes=max_nodes,
                   edge_labels=edge_labels, styles=styles)
    out = Path(path).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8", newline="\n")
    return out
