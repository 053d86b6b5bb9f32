"""The store protocol both adapters implement (embedded FalkorDB and Neo4j)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol, runtime_checkable

from kg.records import GraphBatch
from kg.schema import Schema


@dataclass(frozen=True)
class WriteResult:
    doc_id: str
    status: str          # "written" | "unchanged" | "replaced"
    nodes: int = 0
    rels: int = 0


@dataclass(frozen=True)
class Stats:
    labels: Mapping[str, int] = field(default_factory=dict)
    relationships: Mapping[str, int] = field(default_factory=dict)


@runtime_checkable
class GraphStore(Protocol):
    """A property-graph store.

    Contract:
    * ``apply_schema`` is idempotent (constraints/indexes from :class:`kg.schema.Schema`).
    * ``write_document`` is atomic per document: either all of the batch is visible or
      none.  Same ``content_hash`` as stored -> "unchanged" and nothing is touched; a
      different hash -> the document's previous facts are removed and the new ones
      written ("replaced"), in the same atomic unit.
    * ``forget_document`` removes the document, its owned nodes (Task, Outcome), every
      relationship it asserted, and shared nodes no longer supported by anything.
    * ``read`` runs a read-only query with parameters and returns rows as plain dicts of
      Python values (str/int/float/bool/None/list/dict) — identical shape on both stores.
    """

    schema: Schema

    def apply_schema(self) -> None: ...
    def document_hash(self, doc_id: str) -> str | None: ...
    def find_document_by_hash(self, content_hash: str) -> str | None: ...
    def write_document(self, batch: GraphBatch) -> WriteResult: ...
    def forget_document(self, doc_id: str) -> bool: ...
    def read(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]: ...
    def stats(self) -> Stats: ...
    def clear(self) -> None: ...
    def close(self) -> None: ...
