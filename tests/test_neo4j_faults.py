"""A `kg ingest --neo4j` process SIGKILLed mid-run: nothing partial, and re-running ends in
exactly the graph of one clean run (the same check the embedded store has in test_faults)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

from kg.stores.falkor import FalkorStore
from kg.stores.neo4j import Neo4jStore
from tests.test_faults import KG, make_forty
from tests.test_parity import dump

pytestmark = pytest.mark.neo4j


def facts(store, doc_id: str) -> dict[str, list]:
    """One document's own nodes and every relationship it asserts, comparable across stores."""
    nodes = store.read("MATCH (n) WHERE n.doc = $d OR (n:Document AND n.id = $d) RETURN n ORDER BY n.id",
                       {"d": doc_id})
    rels = store.read("MATCH (a)-[r]->(b) WHERE r.doc = $d RETURN a.id AS a, r, b.id AS b", {"d": doc_id})
    key = lambda x: json.dumps(x, sort_keys=True, ensure_ascii=False)  # noqa: E731
    return {"nodes": sorted(map(key, nodes)), "rels": sorted(map(key, rels))}


def test_sigkilled_neo4j_ingest_converges_to_a_clean_run(neo4j_server, tmp_path):
    docs = tmp_path / "docs"
    make_forty(docs)
    env = {**os.environ, **neo4j_server.env()}
    with Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password) as neo:
        neo.clear()

        # the reference: one clean run into the embedded store (parity is tested elsewhere)
        clean = tmp_path / "clean"
        res = subprocess.run([*KG, "ingest", str(docs), "--store", str(clean)], cwd=tmp_path,
                             capture_output=True, text=True, timeout=600)
        assert res.returncode == 0, res.stderr

        proc = subprocess.Popen([*KG, "ingest", str(docs), "--neo4j", neo4j_server.uri], cwd=tmp_path, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                n = neo.read("MATCH (d:Document) RETURN count(d) AS n")[0]["n"]
                if n >= 3:
                    break
                if proc.poll() is not None:
                    pytest.fail(f"ingest ended before it could be killed: {proc.communicate()}")
                time.sleep(0.02)
            os.kill(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == -signal.SIGKILL

        with FalkorStore.open(clean) as ref:
            present = [r["id"] for r in neo.read("MATCH (d:Document) RETURN d.id AS id ORDER BY id")]
            assert 3 <= len(present) < 40, present
            for doc_id in present:        # every document there is whole, none half-written
                a, b = facts(neo, doc_id), facts(ref, doc_id)
                assert sorted(set(a["nodes"]) ^ set(b["nodes"])) == [], doc_id
                assert sorted(set(a["rels"]) ^ set(b["rels"])) == [], doc_id
                assert a == b, doc_id

            res = subprocess.run([*KG, "ingest", str(docs), "--neo4j", neo4j_server.uri], cwd=tmp_path,
                                 env=env, capture_output=True, text=True, timeout=900)
            assert res.returncode == 0, res.stderr
            assert res.stdout.startswith(
                f"loaded 40 (new {40 - len(present)}, replaced 0, unchanged {len(present)})"), res.stdout
            got, want = dump(neo), dump(ref)
            assert sorted(set(got["nodes"]) ^ set(want["nodes"])) == []
            assert sorted(set(got["rels"]) ^ set(want["rels"])) == []
            assert got == want
        neo.clear()
