"""Neo4j adapter of :class:`kg.stores.base.GraphStore` (official ``neo4j`` driver).

Write path: one managed write transaction per document (``session.execute_write``):
MERGE the Document (its key's lock) and compare the stored ``sha256`` (same ->
"unchanged", nothing changed), remove the document's previous facts in one statement
(its relationships by ``r.doc``, its owned nodes, shared nodes it alone supported),
then write the batch in one statement of ``CALL { UNWIND $rows ... }`` subqueries
(chunked when a group exceeds CHUNK rows) -- shared nodes ``MERGE``d on the key with
``SET n += props``, owned nodes (new by then) and relationships (deduplicated on their
schema ``merge_on`` identity) ``CREATE``d from positional rows -- which also returns the
MENTIONS texts of the shared nodes touched, and set their ``aliases``.  A new
document costs four statements and a commit whatever its size.

Labels, relationship types and property names come from the schema only (batches are
validated with the same rules as the FalkorDB store, so both stores hold the same
graph); every value travels as a parameter.
"""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from contextlib import contextmanager
from itertools import islice
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
from kg.stores.prepare import DOC_LABEL, HASH_PROP, Prepared
from kg.stores.prepare import chunks as _chunks
from kg.stores.prepare import prepare_batch as _prepare_batch

# The driver reports retries ("Transaction failed and will be retried ...") and defunct
# connections through logging; without a handler Python would print them on stderr, in
# the middle of the CLI's one-line error.  Applications that configure logging see them.
logging.getLogger("neo4j").addHandler(logging.NullHandler())

CHUNK = 5000                      # rows per UNWIND statement
# The write statement is large (a subquery per label and per relationship combination)
# and every lookup in it is by a unique key, so its plan does not depend on statistics:
# keep the cached plan instead of re-planning it whenever a growing graph makes the
# statistics "stale" (Neo4j does that every 10 s early on, ~1-2 s each time).
WRITE_PREFIX = "CYPHER replan=skip "
DEFAULT_URI = "bolt://127.0.0.1:7687"
DEFAULT_USER = "neo4j"

_SCALARS = (str, bool, int, float)


class _Rows(list):
    """A parameter list of rows.  The driver formats every RUN message's parameters for
    its debug log whether or not that log is on (``" ".join(map(repr, fields))``):
    tens of milliseconds for a big batch, as much as encoding it.  The rows are sent as
    the list they are; only their repr is short."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{len(self)} rows>"


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


def _name(name: str) -> str:
    """A label, type or property name as a quoted Cypher identifier (`end` is a keyword)."""
    return "`" + str(name).replace("`", "``") + "`"


def _first_line(exc: BaseException) -> str:
    msg = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return " ".join(str(msg).split())


def prepare_batch(batch: GraphBatch, schema: Schema) -> Prepared:
    """Validate a batch against the schema and group it; raises SchemaError.

    The rules of :func:`kg.stores.prepare.prepare_batch` (the FalkorDB store's too, so
    both stores hold the same graph), with ``uniform_lists=True``: Neo4j cannot store a
    list property that mixes types, so such a list is rejected and a numeric list with
    a float in it becomes all floats.
    """
    return _prepare_batch(batch, schema, uniform_lists=True)


def extra_index_statements(schema: Schema) -> list[str]:
    """Indexes the store's own delete paths need, derived from the schema.

    * ``r.doc`` on every relationship type (forget = delete by asserting document);
    * ``n.doc`` on owned labels that carry ``doc`` but do not index it already.
    """
    stmts = [
        f"CREATE INDEX rel_{t.lower()}_doc_idx IF NOT EXISTS FOR ()-[r:{t}]-() ON (r.doc)"
        for t in schema.relationships
    ]
    for n in schema.nodes.values():
        if n.owned and "doc" in n.properties and "doc" not in n.indexes and n.key != "doc":
            stmts.append(f"CREATE INDEX {n.label.lower()}_doc_idx IF NOT EXISTS FOR (n:{n.label}) ON (n.doc)")
    return stmts


def schema_statements(schema: Schema) -> list[str]:
    """Every constraint and index :meth:`Neo4jStore.apply_schema` creates (idempotent)."""
    return schema.constraint_statements() + schema.index_statements() + extra_index_statements(schema)


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
        retry_time: float = 10.0,
    ) -> None:
        self.uri = uri
        self.user = user
        self.database = database or None
        self.schema = schema or load_schema()
        auth = (user, password) if password is not None else None
        with self._errors("connect"):
            # retry_time: how long a managed transaction is retried on transient errors
            # (deadlocks between concurrent writers, a restarting server) before failing
            kwargs: dict[str, Any] = {"connection_timeout": connection_timeout,
                                      "max_transaction_retry_time": retry_time}
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
        return extra_index_statements(self.schema)

    def apply_schema(self) -> None:
        stmts = schema_statements(self.schema)
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

    def _prepare(self, batch: GraphBatch) -> Prepared:
        return prepare_batch(batch, self.schema)

    # -- statements ----------------------------------------------------------------------
    #
    # A document is written with a handful of statements whatever its size, because on a
    # small document the per-statement cost (a round trip, plan-cache lookup, operator
    # set-up) is what dominates: every statement has a fixed shape derived from the
    # schema -- one ``CALL { UNWIND $param ... }`` subquery per label / per (type, start
    # label, end label) -- and groups a batch does not use get an empty list.  One
    # shape means one cached plan for every document.
    #
    # * owned labels other than the Document are CREATEd: the document's previous
    #   owned nodes were deleted earlier in the same transaction, so they are new
    #   (a clash with a node of another document is a constraint error: nothing is
    #   written, see write_document).  Their rows are positional lists in schema order;
    #   a null value leaves the property unset, exactly like SET n += {p: null} on a
    #   new node.
    # * shared labels are MERGEd on their key from positional rows too, with the
    #   meaning of ``SET n += props`` (a shared node keeps the properties other
    #   documents gave it): ON CREATE the values are set (null: unset), ON MATCH a
    #   null keeps the stored value; a property the batch gives explicitly as null
    #   is removed by a second subquery (``SET n += {p: null}``, rows only for such
    #   nodes, nearly always none).  Positional SETs resolve the property names once,
    #   in the plan; ``SET n += map`` looks every name up on every row and makes the
    #   planner buffer the rows (Eager: the map might set the key MERGE reads).
    # * the Document is MERGEd on its key, ``SET n += row.p``.
    # * relationships were deduplicated on their MERGE identity in _prepare, and the
    #   document's previous ones are gone, so CREATE is MERGE here (with MERGE the
    #   planner may answer the match from the r.doc index: quadratic on big documents).

    def _node_slots(self) -> list[tuple[str, str, tuple[str, ...]]]:
        """(label, how, positional property names) per label, schema order; ``how`` is
        "create" (owned), "merge" (shared) or "map" (the Document: MERGE, SET += map)."""
        out = []
        for nt in self.schema.nodes.values():
            how = "map" if nt.label == DOC_LABEL else "create" if nt.owned else "merge"
            out.append((nt.label, how, tuple(p for p in nt.properties if p != nt.key)))
        return out

    def _rel_slots(self) -> list[tuple[str, str, str, tuple[str, ...]]]:
        """(type, start label, end label, positional property names) per combination."""
        return [
            (rt.type, s, e, tuple(rt.properties))
            for rt in self.schema.relationships.values()
            for s in rt.from_labels
            for e in rt.to_labels
        ]

    def _alias_labels(self) -> list[str]:
        if "MENTIONS" not in self.schema.relationships:
            return []
        targets = self.schema.rel("MENTIONS").to_labels
        return [lab for lab in targets if "aliases" in self.schema.node(lab).properties]

    @property
    def _statements(self) -> dict[str, str]:
        cached = getattr(self, "_stmt_cache", None)
        if cached is None:
            cached = self._stmt_cache = self._build_statements()
        return cached

    def _build_statements(self) -> dict[str, str]:
        schema = self.schema
        key = lambda label: _name(schema.node(label).key)  # noqa: E731

        # write: nodes, relationships, then the MENTIONS texts of the touched alias nodes
        parts: list[str] = []
        nulls: list[str] = []
        for i, (label, how, props) in enumerate(self._node_slots()):
            k = key(label)
            if how == "create":
                fields = ", ".join([f"{k}: row[0]"] + [f"{_name(p)}: row[{j + 1}]" for j, p in enumerate(props)])
                parts.append(f"CALL {{ UNWIND $p.n{i} AS row CREATE (n:{_name(label)} {{{fields}}}) }}")
            elif how == "merge":
                merge = f"MERGE (n:{_name(label)} {{{k}: row[0]}})"
                if props:
                    merge += " ON CREATE SET " + ", ".join(f"n.{_name(p)} = row[{j + 1}]" for j, p in enumerate(props))
                    merge += " ON MATCH SET " + ", ".join(f"n.{_name(p)} = coalesce(row[{j + 1}], n.{_name(p)})"
                                                         for j, p in enumerate(props))
                    nulls.append(f"CALL {{ UNWIND $p.z{i} AS row MATCH (n:{_name(label)} {{{k}: row[0]}}) "
                                 f"SET n += row[1] }}")
                parts.append(f"CALL {{ UNWIND $p.n{i} AS row {merge} }}")
            else:
                parts.append(f"CALL {{ UNWIND $p.n{i} AS row MERGE (n:{_name(label)} {{{k}: row.k}}) SET n += row.p }}")
        parts += nulls
        counts = []
        for i, (rtype, s, e, props) in enumerate(self._rel_slots()):
            fields = ", ".join(f"{_name(p)}: row[{j + 2}]" for j, p in enumerate(props))
            parts.append(
                f"CALL {{ UNWIND $p.r{i} AS row MATCH (a:{_name(s)} {{{key(s)}: row[0]}}) "
                f"MATCH (b:{_name(e)} {{{key(e)}: row[1]}}) CREATE (a)-[r:{_name(rtype)} {{{fields}}}]->(b) "
                f"RETURN count(r) AS c{i} }}"
            )
            counts.append(f"c{i}")
        texts = []
        for i, label in enumerate(self._alias_labels()):
            parts.append(
                f"CALL {{ UNWIND $p.a{i} AS k MATCH (n:{_name(label)} {{{key(label)}: k}})<-[m:MENTIONS]-() "
                f"WHERE m.text IS NOT NULL RETURN collect(DISTINCT [k, m.text]) AS t{i} }}"
            )
            texts.append(f"t{i}")
        write = (WRITE_PREFIX + " ".join(parts)
                 + f" RETURN [{', '.join(counts)}] AS counts, [{', '.join(texts) or ''}] AS texts")

        # aliases: only the texts (the same subqueries, for forget_document)
        alias_read = " ".join(parts[len(parts) - len(texts):]) + f" RETURN [{', '.join(texts)}] AS texts" if texts else ""
        alias_set = " ".join(
            f"CALL {{ UNWIND $p.s{i} AS row MATCH (n:{_name(label)} {{{key(label)}: row[0]}}) SET n.aliases = row[1] }}"
            for i, label in enumerate(self._alias_labels())
        ) + " RETURN 0 AS done"

        # delete: the document's relationships (r.doc index per type), its owned nodes
        # (by `doc` where the label has one, else by key: the Document), then shared
        # nodes it touched that nothing supports any more
        parts = []
        removed = []
        for i, rt in enumerate(schema.relationships.values()):
            parts.append(f"CALL {{ MATCH ()-[r:{_name(rt.type)}]->() WHERE r.doc = $doc DELETE r RETURN count(*) AS d{i} }}")
            removed.append(f"d{i}")
        for i, nt in enumerate(n for n in schema.nodes.values() if n.owned):
            prop = "doc" if "doc" in nt.properties else nt.key
            parts.append(f"CALL {{ MATCH (n:{_name(nt.label)}) WHERE n.{_name(prop)} = $doc DETACH DELETE n "
                         f"RETURN count(*) AS o{i} }}")
            removed.append(f"o{i}")
        for i, label in enumerate(schema.shared_labels):
            parts.append(f"CALL {{ UNWIND $p.w{i} AS k MATCH (n:{_name(label)} {{{key(label)}: k}}) WHERE NOT (n)--() "
                         f"DELETE n RETURN count(*) AS w{i} }}")
            removed.append(f"w{i}")
        delete = " ".join(parts) + f" RETURN {' + '.join(removed)} AS removed"

        # what a previous version left: its hash, and whether any owned node of it exists
        owned = [
            f"EXISTS {{ MATCH (n:{_name(nt.label)}) WHERE n.{_name('doc')} = $id }}"
            for nt in schema.nodes.values() if nt.owned and nt.label != DOC_LABEL and "doc" in nt.properties
        ]
        lock = (f"MERGE (d:{_name(DOC_LABEL)} {{{key(DOC_LABEL)}: $id}}) "
                f"RETURN d.{_name(HASH_PROP)} AS h, {' OR '.join(owned) or 'false'} AS owned")

        # (label, key) of shared nodes at either end of a relationship the document asserted
        shared = set(schema.shared_labels)
        branches: list[str] = []
        for rt in schema.relationships.values():
            for lab in rt.from_labels:
                if lab in shared:
                    branches.append(f"MATCH (x:{_name(lab)})-[r:{_name(rt.type)}]->() WHERE r.doc = $doc "
                                    f"RETURN '{lab}' AS label, x.{key(lab)} AS key")
            for lab in rt.to_labels:
                if lab in shared:
                    branches.append(f"MATCH ()-[r:{_name(rt.type)}]->(x:{_name(lab)}) WHERE r.doc = $doc "
                                    f"RETURN '{lab}' AS label, x.{key(lab)} AS key")
        touched = " UNION ".join(branches)
        return {"write": write, "alias_read": alias_read, "alias_set": alias_set, "delete": delete,
                "lock": lock, "touched": touched}

    def _touched_shared(self, tx: neo4j.ManagedTransaction, doc_id: str) -> set[tuple[str, str]]:
        """(label, key) of shared nodes at either end of a relationship asserted by doc_id."""
        stmt = self._statements["touched"]
        if not stmt:
            return set()
        return {(rec["label"], rec["key"]) for rec in tx.run(stmt, doc=doc_id) if rec["key"] is not None}

    def _check_external(self, tx: neo4j.ManagedTransaction, prep: Prepared) -> None:
        """Relationship endpoints that the batch does not contain must already exist."""
        by_label: dict[str, list[str]] = defaultdict(list)
        for label, key in sorted(prep.external):
            by_label[label].append(key)
        missing: list[str] = []
        for label, keys in by_label.items():
            k = _name(self._key(label))
            found: set[str] = set()
            for part in _chunks(keys):
                res = tx.run(f"UNWIND $keys AS k MATCH (n:{_name(label)} {{{k}: k}}) RETURN n.{k} AS k",
                             keys=list(part))
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
        params: dict[str, Any] = {"doc": doc_id}
        wanted = defaultdict(list)
        for label, key in sorted(sweep):
            wanted[label].append(key)
        for i, label in enumerate(self.schema.shared_labels):
            params[f"w{i}"] = wanted.get(label, [])
        return tx.run(self._statements["delete"], p=params, doc=doc_id).single()["removed"]

    def _alias_keys(self, touched: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
        labels = self._alias_labels()
        keys: dict[str, list[str]] = {f"a{i}": _Rows() for i in range(len(labels))}
        index = {label: i for i, label in enumerate(labels)}
        for label, key in sorted(touched):
            if label in index:
                keys[f"a{index[label]}"].append(key)
        return keys

    def _set_aliases(self, tx: neo4j.ManagedTransaction, texts: Sequence[Sequence[Sequence[str]]]) -> None:
        """``aliases`` = sorted distinct MENTIONS texts, for touched nodes that are mentioned.

        Deterministic: it depends only on the MENTIONS in the graph, not on write order.
        Nodes no MENTIONS points at keep the aliases their batch gave them (as in the
        FalkorDB store).  Sorted in Python: code point order on both stores.
        """
        params: dict[str, Any] = {}
        any_rows = False
        for i, pairs in enumerate(texts):
            by_key: dict[str, set[str]] = defaultdict(set)
            for key, text in pairs:
                by_key[key].add(text)
            params[f"s{i}"] = [[key, sorted(ts)] for key, ts in sorted(by_key.items())]
            any_rows = any_rows or bool(by_key)
        if any_rows:
            tx.run(self._statements["alias_set"], p=params).consume()

    def _recompute_aliases(self, tx: neo4j.ManagedTransaction, touched: Iterable[tuple[str, str]]) -> None:
        stmt = self._statements["alias_read"]
        keys = self._alias_keys(touched)
        if not stmt or not any(keys.values()):
            return
        self._set_aliases(tx, tx.run(stmt, p=keys).single()["texts"])

    def _runs(self, prep: Prepared, touched: Iterable[tuple[str, str]]) -> Iterator[tuple[dict[str, Any], list[int]]]:
        """The parameters of the write statement, one run at a time (built when asked
        for, so building run n+1 overlaps the server's work on run n), and the number of
        relationships each relationship group must create in it.

        One run when every group fits in a chunk; else nodes (chunked) first, then
        relationships (chunked), the alias keys with the last run.  Same text throughout.
        """
        node_slots, rel_slots = self._node_slots(), self._rel_slots()
        node_groups: list[tuple[str, int, Any]] = []     # (how, rows, items iterator)
        for label, how, props in node_slots:
            rows = prep.nodes.get(label, {})
            node_groups.append((how, len(rows), iter(rows.items())))
        rel_groups = [len(prep.rels.get((rtype, s, e), {})) for rtype, s, e, _p in rel_slots]
        node_props = [props for _l, _h, props in node_slots]
        rel_props = [props for _t, _s, _e, props in rel_slots]
        rel_iters = [iter(prep.rels.get((rtype, s, e), {}).items()) for rtype, s, e, _p in rel_slots]
        alias_keys = self._alias_keys(touched)

        def node_rows(i: int, n: int) -> tuple[list, list]:
            how, _size, items = node_groups[i]
            names = node_props[i]
            part = list(islice(items, n))
            if how == "map":
                return _Rows({"k": key, "p": p} for key, p in part), _Rows()
            rows = _Rows([key] + [p.get(name) for name in names] for key, p in part)
            nulls = _Rows()
            if how == "merge":          # properties given as null: removed (SET n += {p: null})
                for key, p in part:
                    if None in p.values():
                        nulls.append([key, {name: None for name, v in p.items() if v is None}])
            return rows, nulls

        def rel_rows(i: int, n: int) -> list:
            names = rel_props[i]
            return _Rows([ident[0], ident[1]] + [p.get(name) for name in names]
                         for ident, p in islice(rel_iters[i], n))

        n_nodes = [size for _h, size, _i in node_groups]
        no_nodes = {f"n{i}": _Rows() for i in range(len(node_groups))}
        no_nodes.update({f"z{i}": _Rows() for i, (how, _s, _i) in enumerate(node_groups) if how == "merge"})
        no_rels = {f"r{i}": _Rows() for i in range(len(rel_groups))}
        no_alias = {k: _Rows() for k in alias_keys}

        def nodes_part(n: int) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for i, (how, _s, _i) in enumerate(node_groups):
                rows, nulls = node_rows(i, n)
                out[f"n{i}"] = rows
                if how == "merge":
                    out[f"z{i}"] = nulls
            return out

        if all(size <= CHUNK for size in n_nodes + rel_groups):
            params = {**nodes_part(CHUNK), **{f"r{i}": rel_rows(i, CHUNK) for i in range(len(rel_groups))},
                      **alias_keys}
            yield params, rel_groups
            return
        node_runs = -(-max(n_nodes) // CHUNK)
        rel_runs = -(-max(rel_groups, default=0) // CHUNK)
        for n in range(node_runs):
            last = n == node_runs - 1 and not rel_runs
            yield {**nodes_part(CHUNK), **no_rels, **(alias_keys if last else no_alias)}, [0] * len(rel_groups)
        for n in range(rel_runs):
            last = n == rel_runs - 1
            wants = [max(0, min(CHUNK, size - n * CHUNK)) for size in rel_groups]
            yield ({**no_nodes, **{f"r{i}": rel_rows(i, CHUNK) for i in range(len(rel_groups))},
                    **(alias_keys if last else no_alias)}, wants)

    def _write_rows(self, tx: neo4j.ManagedTransaction, prep: Prepared,
                    touched: Iterable[tuple[str, str]]) -> None:
        """Write the batch and set the aliases of ``touched``, in as few statements as fit.

        Pipelined: run n+1 is built, encoded and sent before the result of run n is
        read (the server answers in order and fails the rest of the transaction after
        an error, so nothing is written past a failed run; every result is checked
        before the commit).
        """
        rel_slots = self._rel_slots()
        stmt = self._statements["write"]

        def check(result: neo4j.Result, wants: list[int]) -> Sequence[Any]:
            rec = result.single()
            for (rtype, _s, _e, _p), want, got in zip(rel_slots, wants, rec["counts"]):
                if got != want:      # an endpoint vanished: never commit a partial write
                    raise StoreError(
                        f"Neo4j at {self.uri}: document {prep.doc_id}: wrote {got} of {want} "
                        f"{rtype} relationships (an endpoint is missing)"
                    )
            return rec["texts"]

        pending: tuple[neo4j.Result, list[int]] | None = None
        for params, wants in self._runs(prep, touched):
            result = tx.run(stmt, p=params)
            if pending is not None:
                check(*pending)
            pending = (result, wants)
        assert pending is not None
        self._set_aliases(tx, check(*pending))

    def write_document(self, batch: GraphBatch) -> WriteResult:
        prep = self._prepare(batch)

        def work(tx: neo4j.ManagedTransaction) -> WriteResult:
            # MERGE takes the key's lock: a concurrent writer of the same document waits
            # here until the other commits, then sees its hash.  When the hash is the
            # same nothing is changed (a MERGE that matches writes nothing).
            rec = tx.run(self._statements["lock"], id=prep.doc_id).single()
            if rec["h"] == prep.content_hash:
                return WriteResult(prep.doc_id, "unchanged")
            existed = rec["h"] is not None or bool(rec["owned"])
            self._check_external(tx, prep)
            old_touched = self._touched_shared(tx, prep.doc_id) if existed else set()
            if existed:
                self._delete_facts(tx, prep.doc_id, old_touched - prep.external)
            self._write_rows(tx, prep, old_touched | prep.shared)
            return WriteResult(prep.doc_id, "replaced" if existed else "written",
                               nodes=prep.n_nodes, rels=prep.n_rels)

        with self._errors(f"write document {batch.doc_id!r}"), self._session() as s:
            try:
                return s.execute_write(work)
            except ClientError as exc:
                if exc.code == "Neo.ClientError.Schema.ConstraintValidationFailed":
                    # an owned node of this document has the key of another document's
                    raise SchemaError(f"document {batch.doc_id}: {_first_line(exc)}") from None
                raise

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
