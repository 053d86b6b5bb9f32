"""Neo4jStore against a real Neo4j 5.26 server (fixture ``neo4j_server``, no mocks)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from kg.errors import SchemaError, StoreError
from kg.records import GraphBatch, NodeRecord, RelRecord
from kg.stores.base import GraphStore
from tests.store_contract import check_concurrent_writers
from kg.stores.neo4j import Neo4jStore

pytestmark = pytest.mark.neo4j


# --- fixtures -------------------------------------------------------------------------


@pytest.fixture
def store(neo4j_server) -> Neo4jStore:
    s = Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password)
    s.apply_schema()
    s.clear()
    yield s
    s.clear()
    s.close()


# --- hand-built batches ------------------------------------------------------------------

UNIT = "440305|区发展和改革局"
UNIT2 = "440305|区财政局"
PLACE = "440305"
POLICY = "优化营商环境条例"


def _rel(t, sl, sk, el, ek, doc, **props) -> RelRecord:
    return RelRecord(t, sl, sk, el, ek, {"doc": doc, **props})


def batch_a(content_hash: str = "hash-a-1", *, second_task: bool = True) -> GraphBatch:
    d = "doc-a"
    nodes = [
        NodeRecord("Document", d, {"title": "2024年深化改革工作要点", "year": 2024, "genre": "workplan",
                                   "sha256": content_hash}),
        NodeRecord("Task", f"{d}#1", {"doc": d, "number": "1", "title": "推进审批改革", "text": "推进审批改革……",
                                      "start": 20, "end": 40, "deadline": "6月底前"}),
        NodeRecord("Outcome", f"{d}#1/o1", {"doc": d, "text": "精简177项", "metric": "精简", "value": 177.0,
                                            "unit": "项", "masked": False, "start": 30, "end": 36}),
        NodeRecord("Unit", UNIT, {"name": "区发展和改革局", "kind": "government", "level": "county",
                                  "jurisdiction": PLACE}),
        NodeRecord("Policy", POLICY, {"title": POLICY}),
        NodeRecord("Place", PLACE, {"name": "南山区", "level": "county", "adcode": PLACE}),
    ]
    rels = [
        _rel("CONTAINS", "Document", d, "Task", f"{d}#1", d, order=1),
        _rel("LEADS", "Unit", UNIT, "Task", f"{d}#1", d, text="区发改委", start=41, end=45, role="lead"),
        _rel("HAS_OUTCOME", "Task", f"{d}#1", "Outcome", f"{d}#1/o1", d),
        _rel("CITES", "Task", f"{d}#1", "Policy", POLICY, d, text=f"《{POLICY}》", start=22, end=34),
        _rel("PART_OF", "Unit", UNIT, "Place", PLACE, d),
        _rel("MENTIONS", "Document", d, "Unit", UNIT, d, text="区发改委", start=41, end=45),
        _rel("MENTIONS", "Document", d, "Unit", UNIT, d, text="区发展和改革局", start=80, end=87),
        _rel("MENTIONS", "Document", d, "Policy", POLICY, d, text=f"《{POLICY}》", start=22, end=34),
    ]
    if second_task:
        nodes.append(NodeRecord("Task", f"{d}#2", {"doc": d, "number": "2", "title": "优化服务",
                                                   "text": "优化服务……", "start": 50, "end": 70}))
        rels.append(_rel("CONTAINS", "Document", d, "Task", f"{d}#2", d, order=2))
        rels.append(_rel("SUPPORTS", "Unit", UNIT, "Task", f"{d}#2", d, text="区发改委", start=71, end=75,
                         role="support"))
    return GraphBatch(d, content_hash, tuple(nodes), tuple(rels))


def batch_b(content_hash: str = "hash-b-1") -> GraphBatch:
    d = "doc-b"
    nodes = [
        NodeRecord("Document", d, {"title": "2024年工作总结", "year": 2024, "genre": "summary"}),
        NodeRecord("Task", f"{d}#1", {"doc": d, "number": "1", "title": "减税降费", "text": "减税降费……",
                                      "start": 5, "end": 15}),
        NodeRecord("Unit", UNIT, {"name": "区发展和改革局", "kind": "government", "level": "county",
                                  "jurisdiction": PLACE}),
        NodeRecord("Unit", UNIT2, {"name": "区财政局", "kind": "government", "level": "county",
                                   "jurisdiction": PLACE}),
    ]
    rels = [
        _rel("CONTAINS", "Document", d, "Task", f"{d}#1", d, order=1),
        _rel("LEADS", "Unit", UNIT, "Task", f"{d}#1", d, text="发改委", start=16, end=19, role="lead"),
        _rel("SUPPORTS", "Unit", UNIT2, "Task", f"{d}#1", d, text="区财政局", start=20, end=24, role="support"),
        _rel("MENTIONS", "Document", d, "Unit", UNIT, d, text="发改委", start=16, end=19),
        _rel("MENTIONS", "Document", d, "Unit", UNIT2, d, text="区财政局", start=20, end=24),
    ]
    return GraphBatch(d, content_hash, tuple(nodes), tuple(rels))


def dump(store: Neo4jStore) -> dict[str, Any]:
    nodes = store.read("MATCH (n) RETURN n")
    rels = store.read("MATCH (a)-[r]->(b) RETURN a.id AS a, r, b.id AS b")
    return {
        "nodes": sorted((repr(sorted(r["n"].items())) for r in nodes)),
        "rels": sorted(repr((r["a"], sorted(r["r"].items()), r["b"])) for r in rels),
    }


def node(store: Neo4jStore, label: str, key: str) -> dict[str, Any] | None:
    rows = store.read(f"MATCH (n:{label} {{id: $id}}) RETURN n", {"id": key})
    return rows[0]["n"] if rows else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- tests ------------------------------------------------------------------------------


def test_protocol(store):
    assert isinstance(store, GraphStore)


def test_apply_schema_twice(store):
    store.apply_schema()
    store.apply_schema()
    names = {r["name"] for r in store.read("SHOW CONSTRAINTS YIELD name RETURN name")}
    assert {f"{lab.lower()}_id_unique" for lab in store.schema.nodes} <= names
    idx = {r["name"] for r in store.read("SHOW INDEXES YIELD name RETURN name")}
    assert "document_sha256_idx" in idx and "rel_mentions_doc_idx" in idx


def test_write_and_read(store):
    res = store.write_document(batch_a())
    assert (res.status, res.nodes, res.rels) == ("written", 7, 10)
    assert store.document_hash("doc-a") == "hash-a-1"
    assert store.document_hash("nope") is None
    assert store.find_document_by_hash("hash-a-1") == "doc-a"
    assert store.find_document_by_hash("other") is None

    unit = node(store, "Unit", UNIT)
    assert unit["_labels"] == ["Unit"]
    assert unit["name"] == "区发展和改革局"
    assert unit["aliases"] == sorted(["区发改委", "区发展和改革局"])   # from MENTIONS, sorted, distinct
    assert node(store, "Policy", POLICY)["aliases"] == [f"《{POLICY}》"]
    outcome = node(store, "Outcome", "doc-a#1/o1")
    assert outcome["value"] == 177.0 and outcome["masked"] is False

    rows = store.read(
        "MATCH (u:Unit)-[r:LEADS]->(t:Task) RETURN u.name AS unit, r, t.title AS title, [1, 'x'] AS lst"
    )
    assert rows == [{
        "unit": "区发展和改革局",
        "r": {"_type": "LEADS", "doc": "doc-a", "text": "区发改委", "start": 41, "end": 45, "role": "lead"},
        "title": "推进审批改革",
        "lst": [1, "x"],
    }]
    path = store.read("MATCH p = (:Document)-[:CONTAINS]->(:Task {number: '1'}) RETURN p")[0]["p"]
    # a path is the alternating list node, rel, node (the FalkorDB store's shape)
    assert [x.get("_labels", x.get("_type")) for x in path] == [["Document"], "CONTAINS", ["Task"]]
    assert path[1] == {"_type": "CONTAINS", "doc": "doc-a", "order": 1}

    st = store.stats()
    assert st.labels == {"Document": 1, "Task": 2, "Outcome": 1, "Unit": 1, "Collective": 0, "Policy": 1,
                         "Place": 1, "Person": 0}
    assert st.relationships["MENTIONS"] == 3 and st.relationships["ISSUED"] == 0
    assert set(st.relationships) == set(store.schema.relationships)


def test_rewrite_same_hash_is_unchanged(store):
    store.write_document(batch_a())
    before = dump(store)
    res = store.write_document(batch_a())
    assert res.status == "unchanged"
    assert dump(store) == before


def test_changed_hash_replaces(store):
    store.write_document(batch_a())
    res = store.write_document(batch_a("hash-a-2", second_task=False))
    assert res.status == "replaced"
    assert store.document_hash("doc-a") == "hash-a-2"
    assert node(store, "Task", "doc-a#2") is None
    after = dump(store)
    # same graph as forgetting it and writing the new version afresh
    store.forget_document("doc-a")
    store.write_document(batch_a("hash-a-2", second_task=False))
    assert dump(store) == after
    assert node(store, "Unit", UNIT)["aliases"] == sorted(["区发改委", "区发展和改革局"])


def test_forget_keeps_shared_nodes_supported_elsewhere(store):
    store.write_document(batch_a())
    store.write_document(batch_b())
    assert node(store, "Unit", UNIT)["aliases"] == sorted(["区发改委", "区发展和改革局", "发改委"])

    assert store.forget_document("doc-a") is True
    assert node(store, "Document", "doc-a") is None
    assert store.read("MATCH (n) WHERE n.doc = 'doc-a' RETURN n") == []
    assert store.read("MATCH ()-[r]->() WHERE r.doc = 'doc-a' RETURN r") == []
    unit = node(store, "Unit", UNIT)
    assert unit is not None and unit["aliases"] == ["发改委"]      # B still supports it
    assert node(store, "Policy", POLICY) is None                  # only A cited it
    assert node(store, "Place", PLACE) is None                    # only A's PART_OF held it
    after = dump(store)
    assert store.forget_document("doc-a") is False

    store.clear()
    store.write_document(batch_b())
    assert dump(store) == after


def test_schema_error_writes_nothing(store):
    good = batch_a()
    bad_type = GraphBatch(good.doc_id, good.content_hash, good.nodes,
                          good.rels + (_rel("LEADS", "Task", "doc-a#1", "Unit", UNIT, "doc-a"),))
    with pytest.raises(SchemaError):
        store.write_document(bad_type)
    bad_label = GraphBatch(good.doc_id, good.content_hash, good.nodes + (NodeRecord("Nope", "x", {}),), good.rels)
    with pytest.raises(SchemaError):
        store.write_document(bad_label)
    # detected inside the transaction: the rollback must leave nothing behind
    dangling = GraphBatch(good.doc_id, good.content_hash, good.nodes,
                          good.rels + (_rel("LEADS", "Unit", "nowhere|x", "Task", "doc-a#1", "doc-a"),))
    with pytest.raises(SchemaError, match="nowhere"):
        store.write_document(dangling)
    assert dump(store) == {"nodes": [], "rels": []}
    assert all(v == 0 for v in store.stats().labels.values())


def test_relationships_merge_on_schema_identity(store):
    good = batch_a()
    d = good.doc_id
    extra = (
        # same identity as an existing MENTIONS (doc, start=41): merged, later props win
        _rel("MENTIONS", "Document", d, "Unit", UNIT, d, text="区发改委", start=41, end=45, role="lead"),
        # a second CONTAINS to the same task under the same doc: one relationship
        _rel("CONTAINS", "Document", d, "Task", f"{d}#1", d, order=1),
    )
    store.write_document(GraphBatch(d, good.content_hash, good.nodes, good.rels + extra))
    mentions = store.read(
        "MATCH (:Document)-[m:MENTIONS]->(:Unit) RETURN m.start AS start, m.role AS role ORDER BY start"
    )
    assert mentions == [{"start": 41, "role": "lead"}, {"start": 80, "role": None}]
    assert store.stats().relationships["CONTAINS"] == 2


def test_read_returns_plain_values(store):
    rows = store.read(
        "RETURN $p AS p, date('2024-06-30') AS d, duration('P1D') AS du, {a: [1, 2.5, null]} AS m, "
        "null AS nothing, true AS yes",
        {"p": "参数"},
    )
    assert rows == [{"p": "参数", "d": "2024-06-30", "du": "P1D", "m": {"a": [1, 2.5, None]},
                     "nothing": None, "yes": True}]


def test_schema_violations_write_nothing(store):
    store.write_document(batch_b())
    before = dump(store)
    a = batch_a()
    d = a.doc_id
    bad_batches = [
        GraphBatch(d, "h", a.nodes + (NodeRecord("Ministry", "x", {"name": "x"}),), a.rels),   # unknown label
        GraphBatch(d, "h", a.nodes, a.rels + (_rel("LEADS", "Policy", POLICY, "Task", f"{d}#1", d),)),
        GraphBatch(d, "h", a.nodes + (NodeRecord("Unit", "u2", {"name": "u", "colour": "red"}),), a.rels),
        GraphBatch(d, "h", (NodeRecord("Document", d, {"year": "2024"}),), ()),           # wrong type
        GraphBatch(d, "h", a.nodes, a.rels + (_rel("CITES", "Task", f"{d}#1", "Policy", POLICY, "doc-b"),)),
        GraphBatch(d, "h", a.nodes, a.rels + (_rel("PART_OF", "Unit", UNIT, "Place", "999999", d),)),
        GraphBatch(d, "h", a.nodes[1:], ()),                                                # no Document
        GraphBatch(d, "h", a.nodes + (NodeRecord("Task", "doc-b#9", {"doc": "doc-b"}),), a.rels),
        GraphBatch(d, "h", a.nodes, a.rels + (_rel("MENTIONS", "Document", d, "Unit", UNIT, d),)),  # no start
        GraphBatch(d, "h", (NodeRecord("Document", d, {"title": "a\x00b"}),), ()),
        GraphBatch(d, "h", (NodeRecord("Outcome", "o", {"value": float("nan")}), NodeRecord("Document", d, {})), ()),
        GraphBatch(d, "h", (NodeRecord("Document", d, {}), NodeRecord("Unit", "u3", {"aliases": ["a", 1]})), ()),
    ]
    for bad in bad_batches:
        with pytest.raises(SchemaError):
            store.write_document(bad)
        assert dump(store) == before


def test_external_endpoint_that_exists_is_accepted(store):
    store.write_document(batch_a())
    b = batch_b()
    b = GraphBatch(b.doc_id, b.content_hash, b.nodes, b.rels + (_rel("PART_OF", "Unit", UNIT, "Place", PLACE, "doc-b"),))
    store.write_document(b)
    assert store.read("MATCH (:Unit)-[r:PART_OF]->(:Place) RETURN r.doc AS d ORDER BY d") == [
        {"d": "doc-a"}, {"d": "doc-b"}
    ]
    store.forget_document("doc-a")          # the Place is still supported by doc-b's PART_OF
    assert store.stats().labels["Place"] == 1
    # replacing doc-a while its new version links to that Place without carrying it
    a = batch_a("hash-a-3")
    nodes = tuple(n for n in a.nodes if n.label != "Place")
    store.write_document(GraphBatch(a.doc_id, a.content_hash, nodes, a.rels))
    assert store.stats().relationships["PART_OF"] == 2


def test_replace_keeps_external_endpoint_only_it_supported(store):
    store.write_document(batch_a())
    a = batch_a("hash-a-2")
    nodes = tuple(n for n in a.nodes if n.label != "Place")   # Place now external, supported by doc-a only
    assert store.write_document(GraphBatch(a.doc_id, a.content_hash, nodes, a.rels)).status == "replaced"
    assert node(store, "Place", PLACE) is not None


def test_values_only_travel_as_parameters(store):
    nasty = 'x"}) DETACH DELETE n //\\\' \n\t$doc `CYPHER` 中文 \\"'
    b = GraphBatch("d'\"x", "h", (NodeRecord("Document", "d'\"x", {"title": nasty}),), ())
    store.write_document(b)
    assert store.read("MATCH (d:Document) RETURN d.id AS id, d.title AS t") == [{"id": "d'\"x", "t": nasty}]
    assert store.forget_document("d'\"x") is True


def test_duplicate_rows_in_a_batch_merge(store):
    a = batch_a(second_task=False)
    res = store.write_document(GraphBatch(a.doc_id, a.content_hash, a.nodes + a.nodes[:3], a.rels + a.rels))
    assert (res.nodes, res.rels) == (6, 8)
    assert store.stats().relationships["MENTIONS"] == 3


def test_big_batch_is_chunked(store):
    n = 12_000                                   # more than two chunks of 5,000 rows
    nodes = [NodeRecord("Document", "big", {})] + [NodeRecord("Task", f"big#{i}", {"number": str(i)})
                                                  for i in range(n)]
    rels = [_rel("CONTAINS", "Document", "big", "Task", f"big#{i}", "big", order=i) for i in range(n)]
    res = store.write_document(GraphBatch("big", "h", tuple(nodes), tuple(rels)))
    assert (res.nodes, res.rels) == (n + 1, n)
    st = store.stats()
    assert st.labels["Task"] == n and st.relationships["CONTAINS"] == n
    assert store.read("MATCH (t:Task) WHERE t.doc <> 'big' RETURN count(t) AS n") == [{"n": 0}]   # doc filled in
    assert store.forget_document("big") is True
    assert store.stats().labels["Task"] == 0


def test_forget_unknown_document(store):
    store.write_document(batch_b())
    before = dump(store)
    assert store.forget_document("never-written") is False
    assert dump(store) == before


def test_concurrent_writers(store):
    check_concurrent_writers(store)


def test_read_is_read_only(store):
    with pytest.raises(StoreError):
        store.read("CREATE (n:Unit {id: 'x'}) RETURN n")
    assert store.read("MATCH (n) RETURN count(n) AS n") == [{"n": 0}]


def test_wrong_password(neo4j_server):
    with pytest.raises(StoreError) as err:
        Neo4jStore(neo4j_server.uri, neo4j_server.user, "wrong-password")
    msg = str(err.value)
    assert neo4j_server.uri in msg and "authentication failed" in msg and "\n" not in msg


def test_unreachable_port():
    uri = f"bolt://127.0.0.1:{_free_port()}"
    with pytest.raises(StoreError) as err:
        Neo4jStore(uri, "neo4j", "whatever", connection_timeout=3)
    assert str(err.value) == f"cannot reach {uri}: connection refused"


def test_missing_database(neo4j_server):
    with pytest.raises(StoreError) as err:
        Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password, database="nope")
    assert str(err.value) == f"database 'nope' does not exist at {neo4j_server.uri}"


def test_from_env(neo4j_server, monkeypatch):
    monkeypatch.setenv("NEO4J_URI", neo4j_server.uri)
    monkeypatch.setenv("NEO4J_USER", neo4j_server.user)
    monkeypatch.setenv("NEO4J_PASSWORD", neo4j_server.password)
    monkeypatch.delenv("NEO4J_DATABASE", raising=False)
    with Neo4jStore.from_env() as s:
        assert s.read("RETURN 1 AS one") == [{"one": 1}]
    with pytest.raises(StoreError, match="authentication failed"):
        Neo4jStore.from_env(password="not-it")


# --- the provisioning module ---------------------------------------------------------------


def test_start_reuses_the_running_server(neo4j_server):
    from kg import neo4j_server as server

    again = server.start(neo4j_server.dir)
    assert (again.pid, again.uri, again.password) == (neo4j_server.pid, neo4j_server.uri, neo4j_server.password)
    st = server.status(neo4j_server.dir)
    assert st.running and st.pid == neo4j_server.pid and st.uri == neo4j_server.uri


def test_status_of_an_empty_dir(tmp_path):
    from kg import neo4j_server as server

    assert server.status(tmp_path).state == "absent"
    assert server.stop(tmp_path) is False


@pytest.mark.parametrize("banner, major", [
    ('openjdk version "17.0.15" 2025-04-15', 17),
    ('java version "1.8.0_392"', 8),
    ('openjdk version "21" 2023-09-19', 21),
])
def test_java_version_parsing(tmp_path, banner, major):
    from kg import neo4j_server as server

    fake = tmp_path / "java"
    fake.write_text(f"#!/bin/sh\necho '{banner}' >&2\n")
    fake.chmod(0o755)
    assert server.java_major_version(str(fake)) == major


def test_cli_group(neo4j_server, tmp_path):
    from click.testing import CliRunner

    from kg.cli_neo4j import neo4j_group

    runner = CliRunner()
    res = runner.invoke(neo4j_group, ["start", "--dir", str(neo4j_server.dir)])   # reuses the running one
    assert res.exit_code == 0, res.output
    assert res.output.splitlines() == [
        f"NEO4J_URI={neo4j_server.uri}", f"NEO4J_USER={neo4j_server.user}", f"NEO4J_PASSWORD={neo4j_server.password}",
    ]
    res = runner.invoke(neo4j_group, ["status", "--dir", str(neo4j_server.dir)])
    assert res.exit_code == 0 and res.output.startswith("running: pid ")
    res = runner.invoke(neo4j_group, ["status", "--dir", str(tmp_path)])
    assert res.exit_code == 3 and res.output.startswith("absent")
    res = runner.invoke(neo4j_group, ["stop", "--dir", str(tmp_path)])
    assert res.exit_code == 0 and res.output.startswith("not running")


# --- a server that dies mid-ingest -------------------------------------------------------------


def _kg_ingest(folder: Path, uri: str, password: str, report: Path) -> "subprocess.Popen[str]":
    env = {**os.environ, "NEO4J_PASSWORD": password, "NEO4J_USER": "neo4j"}
    env.pop("NEO4J_URI", None)
    env.pop("NEO4J_DATABASE", None)
    return subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "ingest", str(folder), "--neo4j", uri, "--report", str(report)],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        cwd=str(report.parent),
    )


def test_server_killed_mid_ingest_leaves_whole_documents(neo4j_server, tmp_path):
    """SIGKILL the Java server while `kg ingest --neo4j` runs: the CLI fails with one line
    naming the URI, every document that made it is complete, and a re-run completes."""
    import neo4j as driver

    from kg import neo4j_server as server
    from kg.pipeline import process_file
    from kg.stores.falkor import FalkorStore
    from tests.test_parity import dump

    samples = sorted((Path(__file__).resolve().parent.parent / "kg" / "data" / "sample").glob("*.txt"))
    folder = tmp_path / "docs"
    folder.mkdir()
    for i in range(40):                         # 40 distinct documents
        src = samples[i % len(samples)]
        text = src.read_text(encoding="utf-8")
        (folder / f"{i:02d}_{src.name}").write_text(f"{text.rstrip()}\n\n（副本 {i}）\n", encoding="utf-8")
    expected = {}                               # doc id -> tasks a fresh process_file finds
    for p in sorted(folder.iterdir()):
        got = process_file(p)
        expected[got.batch.doc_id] = len(got.extraction.tasks)
    assert len(expected) == 40

    instance = tmp_path / "neo4j"               # a server of its own: we kill it
    info = server.start(instance)
    try:
        with Neo4jStore(info.uri, info.user, info.password) as probe:
            probe.apply_schema()
        proc = _kg_ingest(folder, info.uri, info.password, tmp_path / "first.json")
        written = 0
        deadline = time.monotonic() + 240
        with driver.GraphDatabase.driver(info.uri, auth=(info.user, info.password)) as drv:
            while time.monotonic() < deadline and proc.poll() is None:
                with drv.session() as s:
                    written = s.run("MATCH (d:Document) RETURN count(d) AS n").single()["n"]
                if written >= 3:
                    break
                time.sleep(0.05)
        assert proc.poll() is None, f"ingest ended before the kill: {proc.communicate()}"
        assert 3 <= written < 40
        os.kill(info.pid, signal.SIGKILL)       # the Java process itself, no shutdown
        out, err = proc.communicate(timeout=180)
        assert proc.returncode not in (0, None)
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert len(lines) == 1 and info.uri in lines[0], err
        assert "Traceback" not in err

        info = server.start(instance)           # recovery from the transaction log
        with Neo4jStore(info.uri, info.user, info.password) as neo:
            docs = neo.read(
                "MATCH (d:Document) OPTIONAL MATCH (d)-[:CONTAINS]->(t:Task) "
                "RETURN d.id AS id, count(t) AS tasks ORDER BY id"
            )
            assert 3 <= len(docs) < 40
            for row in docs:
                assert row["tasks"] == expected[row["id"]], row
            assert neo.read("MATCH (t:Task) WHERE NOT EXISTS { MATCH (:Document {id: t.doc}) } "
                            "RETURN count(t) AS n") == [{"n": 0}]
            assert neo.read("MATCH ()-[r]->() WHERE NOT EXISTS { MATCH (:Document {id: r.doc}) } "
                            "RETURN count(r) AS n") == [{"n": 0}]

            again = _kg_ingest(folder, info.uri, info.password, tmp_path / "second.json")
            out, err = again.communicate(timeout=600)
            assert again.returncode == 0, err
            statuses = [f["status"] for f in json.loads((tmp_path / "second.json").read_text("utf-8"))["files"]]
            assert statuses.count("unchanged") == len(docs) and statuses.count("written") == 40 - len(docs), out

            # a clean single run of the same command, into a fresh embedded store
            clean_dir = tmp_path / "clean"
            env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
            ref = subprocess.run([sys.executable, "-m", "kg.cli", "ingest", str(folder), "--store", str(clean_dir)],
                                 env=env, capture_output=True, text=True, timeout=600, cwd=str(tmp_path))
            assert ref.returncode == 0, ref.stderr
            with FalkorStore.open(clean_dir) as clean:
                assert clean.stats().labels["Document"] == 40
                assert neo.stats() == clean.stats()
                got, want = dump(neo), dump(clean)
                assert sorted(set(got["nodes"]) ^ set(want["nodes"])) == []
                assert sorted(set(got["rels"]) ^ set(want["rels"])) == []
                assert got == want
    finally:
        server.stop(instance)


def test_owned_node_of_another_document_is_a_schema_error(store):
    """Owned nodes are CREATEd: a batch whose Task has another document's key fails as a
    whole (SchemaError: the ingest reports that file and goes on), nothing written."""
    store.write_document(batch_a())
    before = dump(store)
    b = batch_b()
    thief = NodeRecord("Task", "doc-a#1", {"doc": "doc-b", "title": "not mine"})
    with pytest.raises(SchemaError, match="doc-b"):
        store.write_document(GraphBatch(b.doc_id, b.content_hash, b.nodes + (thief,), b.rels))
    assert dump(store) == before


def test_big_batch_aliases_and_replace(store):
    """More rows than a chunk in several groups at once: aliases come from every MENTIONS,
    and replacing the document by a smaller version leaves exactly the smaller one."""
    n = 6_000
    d = "big2"
    nodes = [NodeRecord("Document", d, {}), NodeRecord("Unit", UNIT, {"name": "区发展和改革局"})]
    nodes += [NodeRecord("Task", f"{d}#{i}", {"number": str(i)}) for i in range(n)]
    rels = [_rel("CONTAINS", "Document", d, "Task", f"{d}#{i}", d, order=i) for i in range(n)]
    rels += [_rel("LEADS", "Unit", UNIT, "Task", f"{d}#{i}", d) for i in range(n)]
    rels += [_rel("MENTIONS", "Document", d, "Unit", UNIT, d, start=i, text=f"别名{i % 7}") for i in range(n)]
    res = store.write_document(GraphBatch(d, "h1", tuple(nodes), tuple(rels)))
    assert (res.nodes, res.rels) == (n + 2, 3 * n)
    assert node(store, "Unit", UNIT)["aliases"] == sorted(f"别名{i}" for i in range(7))
    st = store.stats()
    assert (st.labels["Task"], st.relationships["LEADS"], st.relationships["MENTIONS"]) == (n, n, n)

    small = GraphBatch(d, "h2", tuple(nodes[:12]), tuple(r for r in rels if r.end_key in {f"{d}#{i}" for i in range(10)}
                                                           or (r.type == "MENTIONS" and r.props["start"] < 3)))
    assert store.write_document(small).status == "replaced"
    st = store.stats()
    assert (st.labels["Task"], st.relationships["LEADS"], st.relationships["MENTIONS"]) == (10, 10, 3)
    assert node(store, "Unit", UNIT)["aliases"] == ["别名0", "别名1", "别名2"]


def test_shared_node_properties_merge_like_set_plus_equals(store):
    """A shared node takes a batch's properties as ``SET n += props`` would: values given
    replace, properties not given stay, a property given as None is removed."""
    store.write_document(batch_a())
    assert node(store, "Unit", UNIT)["jurisdiction"] == PLACE
    d = "doc-c"
    c = GraphBatch(d, "hash-c", (
        NodeRecord("Document", d, {}),
        NodeRecord("Task", f"{d}#1", {}),
        NodeRecord("Unit", UNIT, {"name": "发改局", "jurisdiction": None}),      # kind/level not given
        NodeRecord("Unit", UNIT2, {"name": "区财政局", "level": None}),          # new node, None: not set
    ), (_rel("LEADS", "Unit", UNIT, "Task", f"{d}#1", d), _rel("SUPPORTS", "Unit", UNIT2, "Task", f"{d}#1", d)))
    store.write_document(c)
    u = node(store, "Unit", UNIT)
    assert (u["name"], u["kind"], u["level"]) == ("发改局", "government", "county")
    assert "jurisdiction" not in u
    assert node(store, "Unit", UNIT2) == {"_labels": ["Unit"], "id": UNIT2, "name": "区财政局"}
