"""The graph schema, loaded from ``schema.yaml`` shipped beside this module.

This is the single source of truth: stores apply :meth:`Schema.constraint_statements`
and :meth:`Schema.index_statements`, batches are checked with :meth:`Schema.validate`,
and the docs table comes from :meth:`Schema.markdown`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable, Mapping

import yaml

from kg.errors import SchemaError

_NAME = re.compile(r"^[A-Z][A-Za-z]*$|^[A-Z][A-Z_]*$")


@dataclass(frozen=True)
class NodeType:
    label: str
    key: str
    owned: bool
    description: str
    properties: Mapping[str, Any]
    indexes: tuple[str, ...]


@dataclass(frozen=True)
class RelType:
    type: str
    description: str
    from_labels: tuple[str, ...]
    to_labels: tuple[str, ...]
    merge_on: tuple[str, ...]
    properties: Mapping[str, str]


@dataclass(frozen=True)
class Schema:
    version: int
    nodes: Mapping[str, NodeType]
    relationships: Mapping[str, RelType]

    # -- names ------------------------------------------------------------------
    def node(self, label: str) -> NodeType:
        try:
            return self.nodes[label]
        except KeyError:
            raise SchemaError(f"unknown label {label!r}; the schema has {', '.join(self.nodes)}") from None

    def rel(self, rel_type: str) -> RelType:
        try:
            return self.relationships[rel_type]
        except KeyError:
            raise SchemaError(
                f"unknown relationship type {rel_type!r}; the schema has {', '.join(self.relationships)}"
            ) from None

    @property
    def owned_labels(self) -> tuple[str, ...]:
        return tuple(n.label for n in self.nodes.values() if n.owned)

    @property
    def shared_labels(self) -> tuple[str, ...]:
        return tuple(n.label for n in self.nodes.values() if not n.owned)

    # -- statements (Neo4j 5 syntax; the FalkorDB store translates) ---------------
    def constraint_statements(self) -> list[str]:
        return [
            f"CREATE CONSTRAINT {n.label.lower()}_{n.key}_unique IF NOT EXISTS "
            f"FOR (n:{n.label}) REQUIRE n.{n.key} IS UNIQUE"
            for n in self.nodes.values()
        ]

    def index_statements(self) -> list[str]:
        return [
            f"CREATE INDEX {n.label.lower()}_{prop}_idx IF NOT EXISTS FOR (n:{n.label}) ON (n.{prop})"
            for n in self.nodes.values()
            for prop in n.indexes
        ]

    # -- validation -----------------------------------------------------------------
    def validate(self, nodes: Iterable[Any], rels: Iterable[Any]) -> None:
        """Raise SchemaError when a batch uses a label/type/endpoint the schema lacks."""
        for n in nodes:
            self.node(n.label)
            if not isinstance(n.key, str) or not n.key:
                raise SchemaError(f"{n.label} node without a key")
        for r in rels:
            rt = self.rel(r.type)
            if r.start_label not in rt.from_labels or r.end_label not in rt.to_labels:
                raise SchemaError(f"{r.start_label}-[:{r.type}]->{r.end_label} is not in the schema")
            if "doc" not in r.props:
                raise SchemaError(f"{r.type} relationship without its asserting document")

    # -- docs -------------------------------------------------------------------------
    def markdown(self) -> str:
        lines = ["| label | key | owned by a document | description |", "|---|---|---|---|"]
        for n in self.nodes.values():
            lines.append(f"| `{n.label}` | `{n.key}` | {'yes' if n.owned else 'no'} | {n.description} |")
        lines += ["", "| relationship | from | to | description |", "|---|---|---|---|"]
        for r in self.relationships.values():
            lines.append(
                f"| `{r.type}` | {', '.join(r.from_labels)} | {', '.join(r.to_labels)} | {r.description} |"
            )
        return "\n".join(lines) + "\n"


def parse_schema(raw: Mapping[str, Any]) -> Schema:
    nodes: dict[str, NodeType] = {}
    for label, spec in (raw.get("nodes") or {}).items():
        if not _NAME.match(label):
            raise SchemaError(f"bad label name {label!r}")
        nodes[label] = NodeType(
            label=label,
            key=spec.get("key", "id"),
            owned=bool(spec.get("owned", False)),
            description=spec.get("description", ""),
            properties=spec.get("properties") or {},
            indexes=tuple(spec.get("indexes") or ()),
        )
    rels: dict[str, RelType] = {}
    for rtype, spec in (raw.get("relationships") or {}).items():
        if not _NAME.match(rtype):
            raise SchemaError(f"bad relationship type name {rtype!r}")
        for lab in list(spec["from"]) + list(spec["to"]):
            if lab not in nodes:
                raise SchemaError(f"{rtype} refers to unknown label {lab}")
        rels[rtype] = RelType(
            type=rtype,
            description=spec.get("description", ""),
            from_labels=tuple(spec["from"]),
            to_labels=tuple(spec["to"]),
            merge_on=tuple(spec.get("merge_on") or ("doc",)),
            properties=spec.get("properties") or {},
        )
    return Schema(version=int(raw.get("version", 1)), nodes=nodes, relationships=rels)


@lru_cache(maxsize=1)
def load_schema() -> Schema:
    """The schema shipped with the package (``kg/schema/schema.yaml``)."""
    text = resources.files(__name__).joinpath("schema.yaml").read_text(encoding="utf-8")
    return parse_schema(yaml.safe_load(text))
