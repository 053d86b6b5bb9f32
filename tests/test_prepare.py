"""Unit tests of kg.stores.prepare: the batch validation both stores share (no database)."""

from __future__ import annotations

import re

import pytest

from kg.errors import SchemaError
from kg.records import GraphBatch, NodeRecord, RelRecord
from kg.schema import load_schema
from kg.stores.prepare import Prepared, chunks, prepare_batch, prop_value

DOC = "doc-a"
HASH = "h1"


def _nodes():
    nodes = [
        NodeRecord("Document", DOC, {"title": "T", "year": 2024}),
        NodeRecord("Task", f"{DOC}#1", {"text": "do it", "start": 0, "end": 5}),
        NodeRecord("Unit", "p|u", {"name": "U", "aliases": ["u1", "u2"]}),
    ]
    return nodes


def _rels():
    return [
        RelRecord("CONTAINS", "Document", DOC, "Task", f"{DOC}#1", {"doc": DOC, "order": 1}),
        RelRecord("LEADS", "Unit", "p|u", "Task", f"{DOC}#1", {"doc": DOC, "text": "U"}),
        RelRecord("MENTIONS", "Document", DOC, "Unit", "p|u", {"doc": DOC, "start": 3, "text": "U"}),
        RelRecord("MENTIONS", "Document", DOC, "Unit", "p|u", {"doc": DOC, "start": 9, "text": "U"}),
        RelRecord("LEADS", "Unit", "p|other", "Task", f"{DOC}#1", {"doc": DOC}),   # external shared endpoint
    ]


def _batch(nodes=None, rels=None, doc=DOC, content_hash=HASH):
    return GraphBatch(doc, content_hash, tuple(_nodes() if nodes is None else nodes),
                      tuple(_rels() if rels is None else rels))


def _prep(batch, uniform_lists=False):
    return prepare_batch(batch, load_schema(), uniform_lists=uniform_lists)


@pytest.mark.parametrize("uniform", [False, True])
def test_good_batch_passes(uniform):
    prep = _prep(_batch(), uniform)
    assert isinstance(prep, Prepared)
    assert prep.doc_id == DOC and prep.content_hash == HASH
    assert prep.nodes["Document"][DOC]["sha256"] == HASH          # hash filled in
    assert prep.nodes["Task"][f"{DOC}#1"]["doc"] == DOC           # owned: doc filled in
    assert prep.nodes["Unit"]["p|u"]["aliases"] == ["u1", "u2"]
    assert prep.n_nodes == 3
    assert prep.n_rels == 5
    assert set(prep.rels[("MENTIONS", "Document", "Unit")]) == {(DOC, "p|u", DOC, 3), (DOC, "p|u", DOC, 9)}
    assert prep.external == {("Unit", "p|other")}
    assert prep.shared == {("Unit", "p|u"), ("Unit", "p|other")}


def test_duplicates_merge_later_values_win():
    nodes = _nodes() + [NodeRecord("Unit", "p|u", {"name": "V"})]
    rels = _rels() + [RelRecord("CONTAINS", "Document", DOC, "Task", f"{DOC}#1", {"doc": DOC, "order": 2})]
    prep = _prep(_batch(nodes, rels))
    assert prep.nodes["Unit"]["p|u"] == {"name": "V", "aliases": ["u1", "u2"]}
    assert prep.rels[("CONTAINS", "Document", "Task")][(DOC, f"{DOC}#1", DOC)]["order"] == 2
    assert prep.n_nodes == 3 and prep.n_rels == 5


def _replace_node(i, rec):
    nodes = _nodes()
    nodes[i] = rec
    return nodes


def _with_rel(rec):
    return _rels() + [rec]


BAD = [
    ("no doc id", dict(doc=""), "without a document id"),
    ("no hash", dict(content_hash=""), "without a content hash"),
    ("unknown node property", dict(nodes=_replace_node(0, NodeRecord("Document", DOC, {"colour": "red"}))),
     "property 'colour' is not in the schema for Document"),
    ("wrong type", dict(nodes=_replace_node(0, NodeRecord("Document", DOC, {"year": "2024"}))),
     "Document 'doc-a'.year: expected integer, got str"),
    ("bool is not an integer", dict(nodes=_replace_node(0, NodeRecord("Document", DOC, {"year": True}))),
     "expected integer, got bool"),
    ("NUL in a value", dict(nodes=_replace_node(0, NodeRecord("Document", DOC, {"title": "a\x00b"}))),
     "Document 'doc-a'.title: string contains a NUL character"),
    ("NUL in a key", dict(nodes=_nodes() + [NodeRecord("Unit", "x\x00y", {})]), "key contains a NUL character"),
    ("NaN", dict(nodes=_nodes() + [NodeRecord("Outcome", "o1", {"value": float("nan")})]),
     "Outcome 'o1'.value: nan is not a finite number"),
    ("huge int", dict(nodes=_replace_node(0, NodeRecord("Document", DOC, {"chars": 2**63}))),
     "Document 'doc-a'.chars: integer 9223372036854775808 does not fit in 64 bits"),
    ("NUL in a list item", dict(nodes=_replace_node(2, NodeRecord("Unit", "p|u", {"aliases": ["ok", "a\x00"]}))),
     "Unit 'p|u'.aliases[1]: string contains a NUL character"),
    ("list of maps", dict(nodes=_replace_node(2, NodeRecord("Unit", "p|u", {"aliases": [{"a": 1}]}))),
     "Unit 'p|u'.aliases: expected list"),
    ("key property differs", dict(nodes=_replace_node(0, NodeRecord("Document", DOC, {"id": "other"}))),
     "property 'id' 'other' differs from the key"),
    ("owned by another document",
     dict(nodes=_replace_node(1, NodeRecord("Task", f"{DOC}#1", {"doc": "doc-b"}))),
     "owned by document 'doc-b', not by this batch"),
    ("another document's Document node", dict(nodes=_nodes() + [NodeRecord("Document", "doc-b", {})]),
     "a Document node in another document's batch"),
    ("hash differs", dict(nodes=_replace_node(0, NodeRecord("Document", DOC, {"sha256": "other"}))),
     "sha256 differs from the batch content hash"),
    ("no Document node", dict(nodes=_nodes()[1:]), "the batch has no Document node 'doc-a'"),
    ("unknown rel property",
     dict(rels=_with_rel(RelRecord("CONTAINS", "Document", DOC, "Task", f"{DOC}#1", {"doc": DOC, "x": 1}))),
     "property 'x' is not in the schema for CONTAINS"),
    ("rel property type",
     dict(rels=_with_rel(RelRecord("CONTAINS", "Document", DOC, "Task", f"{DOC}#1", {"doc": DOC, "order": 1.5}))),
     "-[:CONTAINS]-> Task 'doc-a#1'.order: expected integer, got float"),
    ("rel of another document",
     dict(rels=_with_rel(RelRecord("CONTAINS", "Document", DOC, "Task", f"{DOC}#1", {"doc": "doc-b"}))),
     "asserted by 'doc-b', not by this batch"),
    ("merge_on missing",
     dict(rels=_with_rel(RelRecord("MENTIONS", "Document", DOC, "Unit", "p|u", {"doc": DOC}))),
     "merge property 'start' is missing"),
    ("bad endpoint key",
     dict(rels=_with_rel(RelRecord("LEADS", "Unit", "a\x00", "Task", f"{DOC}#1", {"doc": DOC}))),
     "bad endpoint key 'a\\x00'"),
    ("owned endpoint not in the batch",
     dict(rels=_with_rel(RelRecord("LEADS", "Unit", "p|u", "Task", f"{DOC}#9", {"doc": DOC}))),
     "the Task node 'doc-a#9' is not in the batch"),
    ("unknown label", dict(nodes=_nodes() + [NodeRecord("Nope", "x", {})]), "Nope"),
]


@pytest.mark.parametrize("uniform", [False, True])
@pytest.mark.parametrize("what, change, message", BAD, ids=[b[0] for b in BAD])
def test_violations_raise_schema_error(what, change, message, uniform):
    with pytest.raises(SchemaError) as err:
        _prep(_batch(**change), uniform)
    assert message in str(err.value)
    if "doc" not in change:
        assert DOC in str(err.value) or what == "unknown label"


def test_mixed_lists_differ_on_purpose():
    """FalkorDB stores a mixed list as given; Neo4j cannot and rejects it."""
    mixed = _replace_node(2, NodeRecord("Unit", "p|u", {"aliases": ["a", 1]}))
    assert _prep(_batch(mixed), uniform_lists=False).nodes["Unit"]["p|u"]["aliases"] == ["a", 1]
    with pytest.raises(SchemaError, match=re.escape("Unit 'p|u'.aliases: Neo4j cannot store a list that mixes types")):
        _prep(_batch(mixed), uniform_lists=True)
    numbers = _replace_node(2, NodeRecord("Unit", "p|u", {"aliases": [1, 2.5]}))
    assert _prep(_batch(numbers), uniform_lists=True).nodes["Unit"]["p|u"]["aliases"] == [1.0, 2.5]
    assert _prep(_batch(numbers), uniform_lists=False).nodes["Unit"]["p|u"]["aliases"] == [1, 2.5]


def test_prop_value_normalises():
    assert prop_value(3, "float", "w", "p", uniform_lists=False) == 3.0
    assert isinstance(prop_value(3, "float", "w", "p", uniform_lists=False), float)
    assert prop_value(("a", "b"), "list", "w", "p", uniform_lists=False) == ["a", "b"]
    assert prop_value(None, "integer", "w", "p", uniform_lists=True) is None
    with pytest.raises(SchemaError, match=r"^w\.p: inf is not a finite number$"):
        prop_value(float("inf"), "float", "w", "p", uniform_lists=False)
    with pytest.raises(SchemaError, match="expected mystery, got list"):
        prop_value([1], "mystery", "w", "p", uniform_lists=False)


def test_chunks():
    assert [list(c) for c in chunks(list(range(5)), 2)] == [[0, 1], [2, 3], [4]]
    assert list(chunks([], 2)) == []
