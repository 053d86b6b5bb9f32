"""Neo4j adapter of :class:`kg.stores.base.GraphStore` (official ``neo4j`` driver).

Write path: one managed write transaction per document (``session.execute_write``):
compare the stored ``Document.sha256`` (same -> "unchanged", nothing touched), remove
the document's previous facts (its relationships by ``r.doc``, its owned nodes, shared
nodes it alone supported), then write the batch with ``UNWIND $rows`` statements --
nodes grouped by label (``MERGE`` on the key, ``SET n += row.props``), relationships
grouped by (type, start label, end label), deduplicated on their schema ``merge_on``
identity and created -- and recompute ``aliases`` of the shared nodes it touched.

Labels, relationship types and property names come from the schema only (batches are
validated with the same rules as the FalkorDB store, so both stores hold the same
graph); every value travels as a parameter.
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time as dtime
from typing import Any, Iterable, Iterator, Mapping, Sequence

import neo4j
from neo4j.graph import Node, Path, Relationship
from neo4j.exceptions import (
    AuthError,
    ClientError,
    ConfigurationError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
)

from kg.errors import SchemaError, StoreError
from kg.records import GraphBatch
from kg.schema import Schema, load_schema
from kg.stores.base import Stats, WriteResult

CHUNK = 5000                      # rows per UNWIND statement
DOC_LABEL = "Document"            # the owned label whose key is the document id
HASH_PROP = "sha256"              # Document property holding GraphBatch.content_hash
DEFAULT_URI = "bolt://127.0.0.1:7687"
DEFAULT_USER = "neo4j"

_SCALARS = (str, bool, int, float)


def _plain(value: Any) -> Any:
    """A driver value as plain Python (see ``GraphStore.read``).

    Same shapes as the FalkorDB store: a node is its properties plus ``_labels``, a
    relationship its properties plus ``_type``, a path the alternating list
    ``[node, rel, node, ...]``; no internal ids.
    """
    if value is None or isinstance(value, _SCALARS):
        return value
    if isinstance(value, Node):
        out: dict[str, Any] = {"_labels": sorted(value.labels)}
        out.update({k: _plain(v) for k, v in value.items()})
        return out
    if isinstance(value, Relationship):
        out = {"_type": value.type}
        out.update({k: _plain(v) for k, v in value.items()})
        return out
    if isinstance(value, Path):
        items: list[Any] = []
        rels = list(value.relationships)
        for i, n in enumerate(value.nodes):
            items.append(_plain(n))
            if i < len(rels):
                items.append(_plain(rels[i]))
        return items
    iso = getattr(value, "iso_format", None)          # neo4j.time.Date/DateTime/Duration
    if callable(iso):                                 # (Duration is a tuple: test first)
        return iso()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):              # incl. spatial Points -> coordinates
        return [_plain(v) for v in value]
    if isinstance(value, (date, datetime, dtime)):
        return value.isoformat()
    return str(value)


def _check_scalar(value: Any, where: str) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise SchemaError(f"{where}: string contains a NUL character")
    if isinstance(value, float) and not math.isfinite(value):
        raise SchemaError(f"{where}: {value} is not a finite number")
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
        raise SchemaError(f"{where}: integer {value} does not fit in 64 bits")
    return value


def _prop_value(value: Any, typ: str, where: str) -> Any:
    """Check a property against its schema type (same rules as the FalkorDB store)."""
    if value is None:
        return None
    if typ == "string":
        ok = isinstance(value, str)
    elif typ == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif typ == "float":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if ok:
            value = float(value)
    elif typ == "boolean":
        ok = isinstance(value, bool)
    elif typ == "list":
        ok = isinstance(value, (list, tuple)) and all(isinstance(v, _SCALARS) for v in value)
        if ok:
            value = [_check_scalar(v, f"{where}[{i}]") for i, v in enumerate(value)]
            kinds = {str if isinstance(v, str) else bool if isinstance(v, bool) else float for v in value}
            if len(kinds) > 1:
                raise SchemaError(f"{where}: Neo4j cannot store a list that mixes types: {value!r:.60}")
            if float in kinds and any(isinstance(v, float) for v in value):
                value = [float(v) for v in value]
    else:  # an unknown type name in the schema: accept primitives only
        ok = isinstance(value, _SCALARS)
    if not ok:
        raise SchemaError(f"{where}: expected {typ}, got {type(value).__name__} {value!r:.60}")
    return _check_scalar(value, where)


def _type_of(spec: Any) -> str:
    return str(spec.get("type", "string")) if isinstance(spec, Mapping) else str(spec)


def _freeze(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _chunks(rows: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def _first_line(exc: BaseException) -> str:
    msg = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return " ".join(str(msg).split())


@dataclass
class _Prepared:
    """A validated batch, grouped and normalised, ready to become UNWIND rows."""

    doc_id: str
    content_hash: str
    nodes: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)    # label -> key -> props
    rels: dict[tuple[str, str, str], dict[tuple, dict[str, Any]]] = field(default_factory=dict)
    shared: set[tuple[str, str]] = field(default_factory=set)     # shared (label, key) it touches
    external: set[tuple[str, str]] = field(default_factory=set)   # endpoints not in the batch
    n_nodes: int = 0
    n_rels: int = 0


class Neo4jStore:
    """A :class:`~kg.stores.base.GraphStore` on a Neo4j 5 server."""

    def __init__(
        self,
        uri: str = DEFAULT_URI,
        user: str = DEFAULT_USER,
        password: str | None = None,
        database: str | None = None,
        *,
        schema: Schema | None = None,
        verify: bool = True,
        connection_timeout: float = 10.0,
    ) -> None:
        self.uri = uri
        self.user = user
        self.database = database or None
        self.schema = schema or load_schema()
        auth = (user, password) if password is not None else None
        with self._errors("connect"):
            kwargs: dict[str, Any] = {"connection_timeout": connection_timeout}
            kwargs["notifications_min_severity"] = "OFF"
            self._driver = neo4j.GraphDatabase.driver(uri, auth=auth, **kwargs)
        if verify:
            try:
                with self._errors("connect"):
                    self._driver.verify_connectivity()
                    if self.database:
                        # verify_connectivity does not look at the database: ask it.
                        with self._session() as s:
                            s.execute_read(lambda tx: tx.run("RETURN 1").consume())
            except StoreError:
                self._driver.close()
                raise

    @classmethod
    def from_env(
        cls,
        uri: str | None = None,
        user: str | None = None,
        password: str | None = None,
        database: str | None = None,
        **kwargs: Any,
    ) -> "Neo4jStore":
        """Arguments given win; missing ones come from NEO4J_URI/USER/PASSWORD/DATABASE."""
        return cls(
            uri or os.environ.get("NEO4J_URI") or DEFAULT_URI,
            user or os.environ.get("NEO4J_USER") or DEFAULT_USER,
            password if password is not None else os.environ.get("NEO4J_PASSWORD"),
            database or os.environ.get("NEO4J_DATABASE") or None,
            **kwargs,
        )

    # -- plumbing ------------------------------------------------------------------------
    def __enter__(self) -> "Neo4jStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        db = f", database={self.database!r}" if self.database else ""
        return f"Neo4jStore({self.uri!r}, user={self.user!r}{db})"

    def close(self) -> None:
        driver = getattr(self, "_driver", None)
        if driver is not None:
            driver.close()

    def _session(self, **kwargs: Any) -> neo4j.Session:
        return self._driver.session(database=self.database, **kwargs)

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """Turn driver/server errors into a one-line StoreError naming the URI."""
        try:
            yield
        except (SchemaError, StoreError):
            raise
        except AuthError:
            raise StoreError(f"authentication failed for user {self.user} at {self.uri}") from None
        except ServiceUnavailable as exc:
            text = str(exc)
            low = text.lower()
            if "refused" in low:
                cause = "connection refused"
            elif "timed out" in low or "timeout" in low:
                cause = "connection timed out"
            elif "name or service not known" in low or "nodename nor servname" in low or "resolve" in low:
                cause = "host name not resolved"
            else:
                cause = _first_line(exc)
            raise StoreError(f"cannot reach {self.uri}: {cause}") from None
        except ConfigurationError as exc:
            raise StoreError(f"bad Neo4j connection settings for {self.uri}: {_first_line(exc)}") from None
        except ValueError as exc:
            # the driver raises plain ValueError for an unparsable URI / unknown scheme
            if action == "connect":
                raise StoreError(f"bad Neo4j URI {self.uri!r}: {_first_line(exc)}") from None
            raise
        except ClientError as exc:
            code = exc.code or ""
            if code == "Neo.ClientError.Database.DatabaseNotFound":
                raise StoreError(f"database {self.database or '(default)'!r} does not exist at {self.uri}") from None
            if code.startswith("Neo.ClientError.Security."):
                raise StoreError(f"Neo4j at {self.uri} refused {action}: {_first_line(exc)}") from None
            raise StoreError(f"Neo4j at {self.uri} failed to {action}: {code}: {_first_line(exc)}") from None
        except Neo4jError as exc:
            raise StoreError(f"Neo4j at {self.uri} failed to {action}: {exc.code}: {_first_line(exc)}") from None
        except DriverError as exc:
            raise StoreError(f"Neo4j driver error at {self.uri} during {action}: {_first_line(exc)}") from None
        except OSError as exc:
            raise StoreError(f"cannot reach {self.uri}: {exc.strerror or exc}") from None

    # -- schema --------------------------------------------------------------------------
    def _extra_index_statements(self) -> list[str]:
        """Indexes the store's own delete paths need, derived from the schema.

        * ``r.doc`` on every relationship type (forget = delete by asserting document);
        * ``n.doc`` on owned labels that carry ``doc`` but do not index it already.
        """
        stmts = [
            f"CREATE INDEX rel_{t.lower()}_doc_idx IF NOT EXISTS FOR ()-[r:{t}]-() ON (r.doc)"
            for t in self.schema.relationships
        ]
        for n in self.schema.nodes.values():
            if n.owned and "doc" in n.properties and "doc" not in n.indexes and n.key != "doc":
                stmts.append(f"CREATE INDEX {n.label.lower()}_doc_idx IF NOT EXISTS FOR (n:{n.label}) ON (n.doc)")
        return stmts

    def apply_schema(self) -> None:
        stmts = (
            self.schema.constraint_statements()
            + self.schema.index_statements()
            + self._extra_index_statements()
        )
        with self._errors("apply the schema"), self._session() as s:
            for stmt in stmts:
                s.run(stmt).consume()
            s.run("CALL db.awaitIndexes(300)").consume()

    # -- documents -----------------------------------------------------------------------
    def _key(self, label: str) -> str:
        return self.schema.node(label).key

    def document_hash(self, doc_id: str) -> str | None:
        rows = self._read_raw(
            f"MATCH (d:{DOC_LABEL} {{{self._key(DOC_LABEL)}: $id}}) RETURN d.{HASH_PROP} AS h", {"id": doc_id},
        )
        return rows[0]["h"] if rows else None

    def find_document_by_hash(self, content_hash: str) -> str | None:
        key = self._key(DOC_LABEL)
        rows = self._read_raw(
            f"MATCH (d:{DOC_LABEL}) WHERE d.{HASH_PROP} = $h RETURN d.{key} AS id ORDER BY id LIMIT 1",
            {"h": content_hash},
        )
        return rows[0]["id"] if rows else None

    def _prepare(self, batch: GraphBatch) -> _Prepared:
        """Validate a batch against the schema and group it; raises SchemaError.

        The rules are the FalkorDB store's, so both stores hold the same graph: known
        labels/types/properties only, values of the schema's types, owned nodes belong
        to this document (``doc`` filled in when missing), a Document node for the
        document carrying ``sha256``, every relationship asserted by this document with
        its ``merge_on`` properties.  Duplicates merge (later values win).
        """
        schema = self.schema
        schema.validate(batch.nodes, batch.rels)
        doc_id = batch.doc_id
        if not isinstance(doc_id, str) or not doc_id:
            raise SchemaError("batch without a document id")
        if not isinstance(batch.content_hash, str) or not batch.content_hash:
            raise SchemaError(f"document {doc_id}: batch without a content hash")
        prep = _Prepared(doc_id=doc_id, content_hash=batch.content_hash)
        shared = set(schema.shared_labels)
        seen_doc = False
        for rec in batch.nodes:
            nt = schema.node(rec.label)
            where = f"document {doc_id}: {rec.label} {rec.key!r}"
            _check_scalar(rec.key, where)
            props: dict[str, Any] = {}
            for name, value in rec.props.items():
                if name not in nt.properties:
                    raise SchemaError(f"{where}: property {name!r} is not in the schema for {rec.label}")
                props[name] = _prop_value(value, _type_of(nt.properties[name]), f"{where}.{name}")
            if nt.key in props:
                if props[nt.key] != rec.key:
                    raise SchemaError(f"{where}: property {nt.key!r} {props[nt.key]!r} differs from the key")
                del props[nt.key]
            if nt.owned:
                if "doc" in nt.properties:
                    if props.get("doc") is None:
                        props["doc"] = doc_id
                    elif props["doc"] != doc_id:
                        raise SchemaError(f"{where}: owned by document {props['doc']!r}, not by this batch")
                elif rec.key != doc_id:
                    raise SchemaError(f"{where}: a {rec.label} node in another document's batch")
            if rec.label == DOC_LABEL:
                seen_doc = True
                if props.get(HASH_PROP) is None:
                    props[HASH_PROP] = batch.content_hash
                elif props[HASH_PROP] != batch.content_hash:
                    raise SchemaError(f"{where}: {HASH_PROP} differs from the batch content hash")
            slot = prep.nodes.setdefault(rec.label, {})
            if rec.key in slot:
                slot[rec.key].update(props)      # as MERGE + SET += twice would
            else:
                slot[rec.key] = props
            if rec.label in shared:
                prep.shared.add((rec.label, rec.key))
        if not seen_doc:
            raise SchemaError(f"document {doc_id}: the batch has no {DOC_LABEL} node {doc_id!r}")
        prep.n_nodes = sum(len(v) for v in prep.nodes.values())

        for rec in batch.rels:
            rt = schema.rel(rec.type)
            where = (f"document {doc_id}: {rec.start_label} {rec.start_key!r} -[:{rec.type}]-> "
                     f"{rec.end_label} {rec.end_key!r}")
            props = {}
            for name, value in rec.props.items():
                if name not in rt.properties:
                    raise SchemaError(f"{where}: property {name!r} is not in the schema for {rec.type}")
                props[name] = _prop_value(value, _type_of(rt.properties[name]), f"{where}.{name}")
            if props.get("doc") != doc_id:
                raise SchemaError(f"{where}: asserted by {props.get('doc')!r}, not by this batch")
            for p in rt.merge_on:
                if props.get(p) is None:
                    raise SchemaError(f"{where}: merge property {p!r} is missing")
            for label, key in ((rec.start_label, rec.start_key), (rec.end_label, rec.end_key)):
                if not isinstance(key, str) or not key or "\x00" in key:
                    raise SchemaError(f"{where}: bad endpoint key {key!r}")
                if key not in prep.nodes.get(label, {}):
                    if schema.node(label).owned:
                        raise SchemaError(f"{where}: the {label} node {key!r} is not in the batch")
                    prep.external.add((label, key))
                if label in shared:
                    prep.shared.add((label, key))
            # The MERGE identity: endpoints + the schema's merge_on properties.
            ident = (rec.start_key, rec.end_key, *(_freeze(props[p]) for p in rt.merge_on))
            slot2 = prep.rels.setdefault((rec.type, rec.start_label, rec.end_label), {})
            if ident in slot2:
                slot2[ident].update(props)
            else:
                slot2[ident] = props
        prep.n_rels = sum(len(v) for v in prep.rels.values())
        return prep

    def _node_stmt(self, label: str) -> str:
        return f"UNWIND $rows AS row MERGE (n:{label} {{{self._key(label)}: row.key}}) SET n += row.props"

    def _rel_stmt(self, rtype: str, start: str, end: str) -> str:
        # Relationships were deduplicated on their MERGE identity in _prepare and the
        # document's previous relationships are deleted earlier in the same transaction,
        # so CREATE here is exactly MERGE (a)-[r:T {doc, <merge_on>}]->(b) SET r += props.
        # (With MERGE the planner may answer the match from the r.doc index, which makes
        # a large document quadratic.)
        return (
            f"UNWIND $rows AS row "
            f"MATCH (a:{start} {{{self._key(start)}: row.a}}) MATCH (b:{end} {{{self._key(end)}: row.b}}) "
            f"CREATE (a)-[r:{self.schema.rel(rtype).type}]->(b) SET r += row.props "
            f"RETURN count(r) AS n"
        )

    def _touched_shared(self, tx: neo4j.ManagedTransaction, doc_id: str) -> set[tuple[str, str]]:
        """(label, key) of shared nodes at either end of a relationship asserted by doc_id."""
        shared = set(self.schema.shared_labels)
        branches: list[str] = []
        for rt in self.schema.relationships.values():
            for lab in rt.from_labels:
                if lab in shared:
                    branches.append(
                        f"MATCH (x:{lab})-[r:{rt.type}]->() WHERE r.doc = $doc "
                        f"RETURN '{lab}' AS label, x.{self._key(lab)} AS key"
                    )
            for lab in rt.to_labels:
                if lab in shared:
                    branches.append(
                        f"MATCH ()-[r:{rt.type}]->(x:{lab}) WHERE r.doc = $doc "
                        f"RETURN '{lab}' AS label, x.{self._key(lab)} AS key"
                    )
        if not branches:
            return set()
        res = tx.run(" UNION ".join(branches), doc=doc_id)
        return {(rec["label"], rec["key"]) for rec in res if rec["key"] is not None}

    def _check_external(self, tx: neo4j.ManagedTransaction, prep: _Prepared) -> None:
        """Relationship endpoints that the batch does not contain must already exist."""
        by_label: dict[str, list[str]] = defaultdict(list)
        for label, key in sorted(prep.external):
            by_label[label].append(key)
        missing: list[str] = []
        for label, keys in by_label.items():
            k = self._key(label)
            found: set[str] = set()
            for part in _chunks(keys):
                res = tx.run(f"UNWIND $keys AS k MATCH (n:{label} {{{k}: k}}) RETURN n.{k} AS k", keys=list(part))
                found.update(rec["k"] for rec in res)
            missing += [f"{label} {key!r}" for key in keys if key not in found]
        if missing:
            raise SchemaError(
                f"document {prep.doc_id}: relationships point at nodes that are neither in the batch "
                f"nor in the graph: {', '.join(missing[:10])}{' …' if len(missing) > 10 else ''}"
            )

    def _delete_facts(self, tx: neo4j.ManagedTransaction, doc_id: str,
                      sweep: Iterable[tuple[str, str]]) -> int:
        """Remove what ``doc_id`` asserted; returns how many nodes/relationships went."""
        removed = 0
        # 1. every relationship the document asserted (index on r.doc per type)
        for rt in self.schema.relationships.values():
            rec = tx.run(
                f"MATCH ()-[r:{rt.type}]->() WHERE r.doc = $doc DELETE r RETURN count(*) AS n", doc=doc_id,
            ).single()
            removed += rec["n"]
        # 2. its owned nodes: by `doc` where the label has one, else by key (the Document)
        for nt in self.schema.nodes.values():
            if not nt.owned:
                continue
            prop = "doc" if "doc" in nt.properties else nt.key
            rec = tx.run(
                f"MATCH (n:{nt.label}) WHERE n.{prop} = $doc DETACH DELETE n RETURN count(*) AS n", doc=doc_id,
            ).single()
            removed += rec["n"]
        # 3. shared nodes it touched that nothing supports any more
        by_label: dict[str, list[str]] = defaultdict(list)
        for label, key in sorted(sweep):
            by_label[label].append(key)
        for label, keys in by_label.items():
            k = self._key(label)
            for part in _chunks(keys):
                rec = tx.run(
                    f"UNWIND $keys AS k MATCH (n:{label} {{{k}: k}}) WHERE NOT (n)--() DELETE n "
                    f"RETURN count(*) AS n",
                    keys=list(part),
                ).single()
                removed += rec["n"]
        return removed

    def _recompute_aliases(self, tx: neo4j.ManagedTransaction, touched: Iterable[tuple[str, str]]) -> None:
        """``aliases`` = sorted distinct MENTIONS texts, for touched nodes that are mentioned.

        Deterministic: it depends only on the MENTIONS in the graph, not on write order.
        Nodes no MENTIONS points at keep the aliases their batch gave them (as in the
        FalkorDB store).  Sorted in Python: code point order on both stores.
        """
        if "MENTIONS" not in self.schema.relationships:
            return
        targets = set(self.schema.rel("MENTIONS").to_labels)
        by_label: dict[str, list[str]] = defaultdict(list)
        for label, key in sorted(touched):
            if label in targets and "aliases" in self.schema.node(label).properties:
                by_label[label].append(key)
        for label, keys in by_label.items():
            k = self._key(label)
            for part in _chunks(keys):
                res = tx.run(
                    f"UNWIND $keys AS k MATCH (n:{label} {{{k}: k}}) MATCH ()-[m:MENTIONS]->(n) "
                    f"WHERE m.text IS NOT NULL RETURN k, collect(DISTINCT m.text) AS texts",
                    keys=list(part),
                )
                rows = [{"key": rec["k"], "aliases": sorted(rec["texts"])} for rec in res]
                if rows:
                    tx.run(
                        f"UNWIND $rows AS row MATCH (n:{label} {{{k}: row.key}}) SET n.aliases = row.aliases",
                        rows=rows,
                    ).consume()

    def _write_rows(self, tx: neo4j.ManagedTransaction, prep: _Prepared) -> None:
        for label in sorted(prep.nodes):
            stmt = self._node_stmt(label)
            rows = [{"key": key, "props": props} for key, props in prep.nodes[label].items()]
            for part in _chunks(rows):
                tx.run(stmt, rows=list(part)).consume()
        for (rtype, start, end) in sorted(prep.rels):
            stmt = self._rel_stmt(rtype, start, end)
            rows = [{"a": ident[0], "b": ident[1], "props": props}
                    for ident, props in prep.rels[(rtype, start, end)].items()]
            for part in _chunks(rows):
                got = tx.run(stmt, rows=list(part)).single()["n"]
                if got != len(part):      # an endpoint vanished: never commit a partial write
                    raise StoreError(
                        f"Neo4j at {self.uri}: document {prep.doc_id}: wrote {got} of {len(part)} "
                        f"{rtype} relationships (an endpoint is missing)"
                    )

    def write_document(self, batch: GraphBatch) -> WriteResult:
        prep = self._prepare(batch)
        doc_match = f"(d:{DOC_LABEL} {{{self._key(DOC_LABEL)}: $id}})"

        def work(tx: neo4j.ManagedTransaction) -> WriteResult:
            rec = tx.run(f"OPTIONAL MATCH {doc_match} RETURN d IS NOT NULL AS e, d.{HASH_PROP} AS h",
                         id=prep.doc_id).single()
            if rec["h"] == prep.content_hash:
                return WriteResult(prep.doc_id, "unchanged")
            # MERGE takes the key's lock: a concurrent writer of the same document waits
            # here until the other commits, then sees its hash.  Matching touches nothing.
            h = tx.run(f"MERGE {doc_match} RETURN d.{HASH_PROP} AS h", id=prep.doc_id).single()["h"]
            if h == prep.content_hash:
                return WriteResult(prep.doc_id, "unchanged")
            existed = bool(rec["e"]) or h is not None
            self._check_external(tx, prep)
            old_touched = self._touched_shared(tx, prep.doc_id) if existed else set()
            if existed:
                self._delete_facts(tx, prep.doc_id, old_touched - prep.external)
            self._write_rows(tx, prep)
            self._recompute_aliases(tx, old_touched | prep.shared)
            return WriteResult(prep.doc_id, "replaced" if existed else "written",
                               nodes=prep.n_nodes, rels=prep.n_rels)

        with self._errors(f"write document {batch.doc_id!r}"), self._session() as s:
            return s.execute_write(work)

    def forget_document(self, doc_id: str) -> bool:
        """Remove the document, its owned nodes, its relationships and orphaned shared nodes."""
        def work(tx: neo4j.ManagedTransaction) -> bool:
            touched = self._touched_shared(tx, doc_id)
            removed = self._delete_facts(tx, doc_id, touched)
            self._recompute_aliases(tx, touched)
            return removed > 0

        with self._errors(f"forget document {doc_id!r}"), self._session() as s:
            return s.execute_write(work)

    # -- reading -------------------------------------------------------------------------
    def _read_raw(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        def work(tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
            res = tx.run(cypher, dict(params or {}))
            return [{k: _plain(v) for k, v in rec.items()} for rec in res]

        with self._errors("read"), self._session() as s:
            return s.execute_read(work)

    def read(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        return self._read_raw(cypher, params)

    def stats(self) -> Stats:
        def work(tx: neo4j.ManagedTransaction) -> Stats:
            labels = {lab: 0 for lab in self.schema.nodes}
            types = {t: 0 for t in self.schema.relationships}
            present_labels = [r["label"] for r in tx.run("CALL db.labels() YIELD label RETURN label")]
            present_types = [
                r["relationshipType"]
                for r in tx.run("CALL db.relationshipTypes() YIELD relationshipType RETURN relationshipType")
            ]
            for lab in sorted(set(labels) | set(present_labels)):
                q = "MATCH (n:`" + lab.replace("`", "``") + "`) RETURN count(n) AS n"
                labels[lab] = tx.run(q).single()["n"]
            for t in sorted(set(types) | set(present_types)):
                q = "MATCH ()-[r:`" + t.replace("`", "``") + "`]->() RETURN count(r) AS n"
                types[t] = tx.run(q).single()["n"]
            labels = {k: v for k, v in labels.items() if v or k in self.schema.nodes}
            types = {k: v for k, v in types.items() if v or k in self.schema.relationships}
            return Stats(labels=labels, relationships=types)

        with self._errors("read statistics"), self._session() as s:
            return s.execute_read(work)

    def clear(self) -> None:
        """Delete every node and relationship (constraints and indexes stay)."""
        with self._errors("clear the graph"), self._session() as s:
            s.run(
                "MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
            ).consume()
