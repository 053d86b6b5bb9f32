"""The style table of the views (``assets/styles.yaml``): colour/shape per label,
colour/label per relationship type."""

from __future__ import annotations

import copy
import functools
from importlib import resources
from typing import Any

import yaml

__all__ = ["load_styles", "node_style", "edge_style"]

_NODE_KEYS = {"zh", "color", "shape", "size", "font_color"}
_EDGE_KEYS = {"zh", "color", "width", "dashes"}


@functools.lru_cache(maxsize=1)
def _bundled() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("assets", "styles.yaml").read_text("utf-8")
    return _validate(yaml.safe_load(text))


def load_styles() -> dict[str, Any]:
    """The bundled style table: ``{"nodes": {label: style}, "edges": {type: style}}``,
    each with a ``default`` entry.  Returns a copy the caller may change and pass to
    :func:`kg.viz.render` as ``styles``."""
    return copy.deepcopy(_bundled())


def _validate(table: Any) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ValueError("style table must be a mapping with 'nodes' and 'edges'")
    for part, allowed in (("nodes", _NODE_KEYS), ("edges", _EDGE_KEYS)):
        entries = table.get(part)
        if not isinstance(entries, dict) or "default" not in entries:
            raise ValueError(f"style table: '{part}' must be a mapping with a 'default' entry")
        for name, style in entries.items():
            if not isinstance(style, dict) or "color" not in style:
                raise ValueError(f"style table: {part}.{name} needs at least a color")
            unknown = set(style) - allowed
            if unknown:
                raise ValueError(f"style table: {part}.{name} has unknown keys {sorted(unknown)}")
    return table


def node_style(styles: dict[str, Any], label: Any) -> dict[str, Any]:
    """Style of a node label, the default one merged under it."""
    table = styles["nodes"]
    return {**table["default"], **table.get(label, {})}


def edge_style(styles: dict[str, Any], rel_type: Any) -> dict[str, Any]:
    """Style of a relationship type, the default one merged under it."""
    table = styles["edges"]
    return {**table["default"], **table.get(rel_type, {})}
