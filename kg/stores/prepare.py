"""Batch validation and grouping shared by both stores (no database code).

:func:`prepare_batch` checks a :class:`~kg.records.GraphBatch` against the schema and
groups it into a :class:`Prepared` -- nodes per label and key, relationships per
``(type, start label, end label)`` and their MERGE identity -- with the same rules on
the FalkorDB and the Neo4j store, so both hold the same graph:

* known labels/types/properties only, values of the schema's types;
* NUL-free strings, finite floats, integers that fit in 64 bits;
* owned nodes belong to this document (``doc`` filled in when missing);
* a Document node for the document, carrying the content hash (``sha256``);
* every relationship asserted by this document, with its ``merge_on`` properties,
  owned endpoints inside the batch (shared ones may already be in the graph).

Duplicates merge (later values win), as ``MERGE`` + ``SET +=`` would.  Every error is a
:class:`~kg.errors.SchemaError` naming the document, the node/relationship and the
property.

The one deliberate difference between the stores is a parameter: Neo4j cannot store a
list property that mixes types, so its store asks for ``uniform_lists=True`` (a mixed
list is rejected, a numeric list with a float in it becomes all floats); FalkorDB
stores such lists as they are (``uniform_lists=False``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Sequence

from kg.errors import SchemaError
from kg.records import GraphBatch
from kg.schema import Schema

__all__ = [
    "CHUNK_ROWS", "DOC_LABEL", "HASH_PROP", "Prepared", "prepare_batch",
    "prop_value", "check_scalar", "chunks",
]

CHUNK_ROWS = 5000            # rows per UNWIND statement
DOC_LABEL = "Document"       # the owned label whose key is the document id
HASH_PROP = "sha256"         # Document property holding GraphBatch.content_hash

_SCALARS = (str, bool, int, float)


class _Where:
    """Where a value sits, formatted only when an error message needs it (a batch has
    tens of thousands of values and almost never an error)."""

    __slots__ = ("fmt", "args")

    def __init__(self, fmt: str, *args: Any) -> None:
        self.fmt = fmt
        self.args = args

    def __format__(self, spec: str) -> str:
        return self.fmt.format(*self.args)

    __str__ = lambda self: self.fmt.format(*self.args)  # noqa: E731


def _at(where: Any, name: str = "", index: int | None = None) -> str:
    return f"{where}{'.' + name if name else ''}{'' if index is None else f'[{index}]'}"


def check_scalar(value: Any, where: Any, name: str = "", index: int | None = None) -> Any:
    """NUL-free strings, finite floats, 64-bit integers; errors name where[.name][[index]]."""
    if isinstance(value, str):
        if "\x00" in value:
            raise SchemaError(f"{_at(where, name, index)}: string contains a NUL character")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise SchemaError(f"{_at(where, name, index)}: {value} is not a finite number")
    elif isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
        raise SchemaError(f"{_at(where, name, index)}: integer {value} does not fit in 64 bits")
    return value


def prop_value(value: Any, typ: str, where: Any, name: str = "", *, uniform_lists: bool) -> Any:
    """Check a node/relationship property against its schema type; normalise it.

    Errors name ``where.name``.  ``uniform_lists``: reject a list that mixes kinds
    (strings, booleans, numbers) and make a numeric list with a float in it all floats
    (Neo4j); otherwise a list is stored as given (FalkorDB).
    """
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
            value = [check_scalar(v, where, name, i) for i, v in enumerate(value)]
            if uniform_lists:
                kinds = {str if isinstance(v, str) else bool if isinstance(v, bool) else float for v in value}
                if len(kinds) > 1:
                    raise SchemaError(f"{_at(where, name)}: Neo4j cannot store a list that mixes types: {value!r:.60}")
                if float in kinds and any(isinstance(v, float) for v in value):
                    value = [float(v) for v in value]
    else:  # an unknown type name in the schema: accept primitives only
        ok = isinstance(value, _SCALARS)
    if not ok:
        raise SchemaError(f"{_at(where, name)}: expected {typ}, got {type(value).__name__} {value!r:.60}")
    return check_scalar(value, where, name)


def _type_of(spec: Any) -> str:
    return str(spec.get("type", "string")) if isinstance(spec, Mapping) else str(spec)


def _freeze(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def chunks(rows: Sequence[Any], size: int = CHUNK_ROWS) -> Iterator[Sequence[Any]]:
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


@dataclass
class Prepared:
    """A validated batch, grouped and normalised, ready to become statements/UNWIND rows
    (or CSV rows: :mod:`kg.export` uses the same rules)."""

    doc_id: str
    content_hash: str
    nodes: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)    # label -> key -> props
    # (type, start label, end label) -> (start key, end key, *merge_on values) -> props
    rels: dict[tuple[str, str, str], dict[tuple, dict[str, Any]]] = field(default_factory=dict)
    shared: set[tuple[str, str]] = field(default_factory=set)     # shared (label, key) it touches
    external: set[tuple[str, str]] = field(default_factory=set)   # endpoints not in the batch
    n_nodes: int = 0
    n_rels: int = 0


_I64_MIN, _I64_END = -(2**63), 2**63


def _checked_props(raw: Mapping[str, Any], types: Mapping[str, str], owner: str, where: "_Where",
                   uniform_lists: bool) -> dict[str, Any]:
    """A record's properties checked against its label's/type's schema types; plain
    strings, 64-bit integers and None pass inline (the common case), the rest through
    :func:`prop_value`."""
    props: dict[str, Any] = {}
    for name, v in raw.items():
        typ = types.get(name)
        if typ is None:
            raise SchemaError(f"{where}: property {name!r} is not in the schema for {owner}")
        cls = v.__class__
        if ((cls is str and typ == "string" and "\x00" not in v) or v is None
                or (cls is int and typ == "integer" and _I64_MIN <= v < _I64_END)):
            props[name] = v
        else:
            props[name] = prop_value(v, typ, where, name, uniform_lists=uniform_lists)
    return props


def prepare_batch(batch: GraphBatch, schema: Schema, *, uniform_lists: bool) -> Prepared:
    """Validate a batch against the schema and group it; raises SchemaError.

    ``uniform_lists``: see :func:`prop_value` (True for Neo4j, False for FalkorDB).

    The loops below run once per record of batches of tens of thousands of records, so
    the per-label/per-type facts are looked up once, the usual values (a NUL-free
    string, a 64-bit integer, None) are accepted inline and the place of a value
    (``where``) is formatted only for an error; anything else goes through
    :func:`prop_value`, so the rules and the error messages are the same.
    """
    schema.validate(batch.nodes, batch.rels)
    doc_id = batch.doc_id
    if not isinstance(doc_id, str) or not doc_id:
        raise SchemaError("batch without a document id")
    if not isinstance(batch.content_hash, str) or not batch.content_hash:
        raise SchemaError(f"document {doc_id}: batch without a content hash")
    prep = Prepared(doc_id=doc_id, content_hash=batch.content_hash)
    shared = set(schema.shared_labels)
    owned = {lab for lab, nt in schema.nodes.items() if nt.owned}
    node_types = {lab: {p: _type_of(spec) for p, spec in nt.properties.items()} for lab, nt in schema.nodes.items()}
    rel_types = {t: {p: _type_of(spec) for p, spec in rt.properties.items()} for t, rt in schema.relationships.items()}
    # label -> (key property, owned, owned with a `doc` property)
    node_info = {lab: (nt.key, nt.owned, nt.owned and "doc" in nt.properties) for lab, nt in schema.nodes.items()}
    seen_doc = False
    nodes = prep.nodes
    shared_touched = prep.shared
    for rec in batch.nodes:
        label, key = rec.label, rec.key
        key_prop, is_owned, owned_doc = node_info[label]
        where = _Where("document {}: {} {!r}", doc_id, label, key)
        if "\x00" in key:           # schema.validate: a non-empty string
            raise SchemaError(f"{where}: key contains a NUL character")
        props = _checked_props(rec.props, node_types[label], label, where, uniform_lists)
        if key_prop in props:
            if props[key_prop] != key:
                raise SchemaError(f"{where}: property {key_prop!r} {props[key_prop]!r} differs from the key")
            del props[key_prop]
        if is_owned:
            if owned_doc:
                d = props.get("doc")
                if d is None:
                    props["doc"] = doc_id
                elif d != doc_id:
                    raise SchemaError(f"{where}: owned by document {d!r}, not by this batch")
            elif key != doc_id:
                raise SchemaError(f"{where}: a {label} node in another document's batch")
        if label == DOC_LABEL:
            seen_doc = True
            if props.get(HASH_PROP) is None:
                props[HASH_PROP] = batch.content_hash
            elif props[HASH_PROP] != batch.content_hash:
                raise SchemaError(f"{where}: {HASH_PROP} differs from the batch content hash")
        slot = nodes.get(label)
        if slot is None:
            slot = nodes[label] = {}
        old = slot.get(key)
        if old is not None:
            old.update(props)      # the same node twice: later values win, as MERGE + SET += would
        else:
            slot[key] = props
        if label in shared:
            shared_touched.add((label, key))
    if not seen_doc:
        raise SchemaError(f"document {doc_id}: the batch has no {DOC_LABEL} node {doc_id!r}")
    prep.n_nodes = sum(len(v) for v in nodes.values())

    merge_on = {t: rt.merge_on for t, rt in schema.relationships.items()}
    empty: dict[str, Any] = {}
    rels = prep.rels
    external = prep.external
    for rec in batch.rels:
        rtype = rec.type
        where = _Where("document {}: {} {!r} -[:{}]-> {} {!r}", doc_id, rec.start_label, rec.start_key,
                       rtype, rec.end_label, rec.end_key)
        props = _checked_props(rec.props, rel_types[rtype], rtype, where, uniform_lists)
        if props.get("doc") != doc_id:
            raise SchemaError(f"{where}: asserted by {props.get('doc')!r}, not by this batch")
        on = merge_on[rtype]
        for p in on:
            if props.get(p) is None:
                raise SchemaError(f"{where}: merge property {p!r} is missing")
        for label, key in ((rec.start_label, rec.start_key), (rec.end_label, rec.end_key)):
            if key.__class__ is not str or not key or "\x00" in key:
                if not isinstance(key, str) or not key or "\x00" in key:
                    raise SchemaError(f"{where}: bad endpoint key {key!r}")
            if key not in nodes.get(label, empty):
                if label in owned:
                    raise SchemaError(f"{where}: the {label} node {key!r} is not in the batch")
                external.add((label, key))
            if label in shared:
                shared_touched.add((label, key))
        # The MERGE identity: endpoints + the schema's merge_on properties (lists as tuples).
        if on == ("doc",):
            ident: tuple = (rec.start_key, rec.end_key, doc_id)
        else:
            ident = (rec.start_key, rec.end_key, *(_freeze(props[p]) for p in on))
        group = (rtype, rec.start_label, rec.end_label)
        slot2 = rels.get(group)
        if slot2 is None:
            slot2 = rels[group] = {}
        old = slot2.get(ident)
        if old is not None:
            old.update(props)
        else:
            slot2[ident] = props
    prep.n_rels = sum(len(v) for v in rels.values())
    return prep
