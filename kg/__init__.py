"""reform-kg: Chinese government reform documents into a traceable knowledge graph.

Stages (each a pure function over typed records, see :mod:`kg.records`)::

    read (file -> SourceText) -> segment (-> DocStructure) -> extract (-> Extraction)
    -> resolve (-> ResolvedDocument) -> loaders.batch (-> GraphBatch) -> stores

Only :mod:`kg.stores` touches a database.

The Python API (:mod:`kg.api`, loaded on first use so ``import kg`` stays cheap)::

    with kg.open(store="kg-data") as g:      # or kg.open(neo4j="bolt://...", user=..., password=...)
        g.ingest(["docs/"]); g.query("unit_tasks", unit="区财政局"); g.forget(doc); g.graph()
    kg.extract_file("file.txt")               # the contract dict of `kg extract --format jsonl`
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "open", "extract_file", "Graph", "KgError"]

# (not ``kg.extract``: that name is the extraction stage's package)
_API = {"open": "open", "Graph": "Graph", "extract_file": "extract"}


def __getattr__(name: str) -> Any:
    if name in _API:
        from kg import api

        return getattr(api, _API[name])
    if name == "KgError":
        from kg.errors import KgError

        return KgError
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
