"""Load throughput on a real Neo4j 5.26 server: batched UNWIND vs one statement per row.

    python benchmarks/bench_neo4j_load.py [--nodes 20000] [--rels 20000] [--rows-b 4000]

(a) batched: ``UNWIND $rows`` statements shaped like Neo4jStore's write path (nodes
    MERGEd on a unique key, relationships CREATEd after deduplication), one managed
    write transaction per ``--chunk`` rows;
(b) naive: one auto-commit statement per node / relationship (py2neo's
    ``graph.create(...)``-in-a-loop pattern), on ``--rows-b`` rows split evenly between
    nodes and relationships, because it is slow.

(a) is timed after --warm-passes untimed passes (the server's JIT needs them) as the
median of --repeat passes; (b) runs after (a) on the same warm server.  Both run on
the same provisioned server (started in a temp dir unless NEO4J_URI is set,
or --dir is given), with the graph cleared and the same uniqueness constraint before
each.  Prints rows/s of both and the ratio; exit status 1 when the targets
(>= 50,000 rows/s batched, ratio >= 20) are missed and --check is given.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import neo4j  # noqa: E402

from kg import neo4j_server  # noqa: E402

NODE_Q = "UNWIND $rows AS row MERGE (n:Bench {id: row.id}) SET n += row.props"
# Same shape as Neo4jStore.write_document: nodes MERGEd on their key, relationships
# deduplicated in Python on their merge identity and then CREATEd.
REL_Q = (
    "UNWIND $rows AS row MATCH (a:Bench {id: row.a}) MATCH (b:Bench {id: row.b}) "
    "CREATE (a)-[r:LINK]->(b) SET r += row.props"
)
NODE_1 = "MERGE (n:Bench {id: $id}) SET n += $props"
REL_1 = (
    "MATCH (a:Bench {id: $a}) MATCH (b:Bench {id: $b}) "
    "CREATE (a)-[r:LINK]->(b) SET r += $props"
)


def synthetic(n_nodes: int, n_rels: int, seed: int = 7) -> tuple[list[dict], list[dict]]:
    rnd = random.Random(seed)
    nodes = [
        {"id": f"n{i:07d}", "props": {"name": f"单位{i}", "kind": rnd.choice(["government", "party", "other"]),
                                      "level": "county", "aliases": [f"别名{i}"]}}
        for i in range(n_nodes)
    ]
    rels: dict[tuple, dict] = {}
    j = 0
    while len(rels) < n_rels:            # unique on the merge identity (a, b, doc)
        a, b, doc = f"n{rnd.randrange(n_nodes):07d}", f"n{rnd.randrange(n_nodes):07d}", f"doc{j % 97}"
        rels.setdefault((a, b, doc), {"a": a, "b": b, "props": {"doc": doc, "text": f"提及{j}",
                                                                "start": j, "end": j + 4}})
        j += 1
    return nodes, list(rels.values())


def reset(driver: neo4j.Driver) -> None:
    with driver.session() as s:
        s.run("MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
        s.run("CREATE CONSTRAINT bench_id_unique IF NOT EXISTS FOR (n:Bench) REQUIRE n.id IS UNIQUE").consume()
        s.run("CREATE INDEX bench_link_doc_idx IF NOT EXISTS FOR ()-[r:LINK]-() ON (r.doc)").consume()
        s.run("CALL db.awaitIndexes(300)").consume()


def count(driver: neo4j.Driver) -> tuple[int, int]:
    with driver.session() as s:
        n = s.run("MATCH (n:Bench) RETURN count(n) AS c").single()["c"]
        r = s.run("MATCH ()-[r:LINK]->() RETURN count(r) AS c").single()["c"]
    return n, r


def load_batched(driver: neo4j.Driver, nodes: list[dict], rels: list[dict], chunk: int) -> float:
    t0 = time.perf_counter()
    with driver.session() as s:
        for q, rows in ((NODE_Q, nodes), (REL_Q, rels)):
            for i in range(0, len(rows), chunk):
                part = rows[i:i + chunk]
                s.execute_write(lambda tx, p=part, q=q: tx.run(q, rows=p).consume())
    return time.perf_counter() - t0


def load_naive(driver: neo4j.Driver, nodes: list[dict], rels: list[dict]) -> float:
    t0 = time.perf_counter()
    with driver.session() as s:             # session.run = auto-commit: one tx per row
        for row in nodes:
            s.run(NODE_1, id=row["id"], props=row["props"]).consume()
        for row in rels:
            s.run(REL_1, a=row["a"], b=row["b"], props=row["props"]).consume()
    return time.perf_counter() - t0


def warm_up(driver: neo4j.Driver) -> None:
    """Plan every statement once so neither run pays for Cypher compilation."""
    nodes, rels = synthetic(10, 10, seed=1)
    load_batched(driver, nodes, rels, 5)
    load_naive(driver, nodes[:2], rels[:2])
    reset(driver)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", type=int, default=20_000)
    ap.add_argument("--rels", type=int, default=20_000)
    ap.add_argument("--chunk", type=int, default=5_000)
    ap.add_argument("--rows-b", type=int, default=4_000, help="rows for the naive run (nodes+rels)")
    ap.add_argument("--dir", type=Path, default=None, help="server instance dir (default: a temp dir)")
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    ap.add_argument("--warm-passes", type=int, default=4,
                    help="untimed full batched passes first, to warm the server's JIT (default 4)")
    ap.add_argument("--repeat", type=int, default=3, help="timed batched passes; the median counts")
    args = ap.parse_args(argv)

    started_here: Path | None = None
    temp = False
    ok_a = ok_r = False
    if os.environ.get("NEO4J_URI") and args.dir is None:
        uri, auth = os.environ["NEO4J_URI"], (os.environ.get("NEO4J_USER", "neo4j"), os.environ.get("NEO4J_PASSWORD", ""))
        print(f"server: {uri} (from NEO4J_URI)")
    else:
        temp = args.dir is None
        d = args.dir or Path(tempfile.mkdtemp(prefix="kg-bench-neo4j-"))
        t0 = time.perf_counter()
        info = neo4j_server.start(d)
        started_here = d
        uri, auth = info.uri, (info.user, info.password)
        print(f"server: Neo4j {neo4j_server.NEO4J_VERSION} at {uri}, started in {time.perf_counter() - t0:.1f}s ({d})")

    try:
        with neo4j.GraphDatabase.driver(uri, auth=auth, notifications_min_severity="OFF") as driver:
            rust = "yes" if importlib.util.find_spec("neo4j._rust") else "no"
            print(f"driver: neo4j {neo4j.__version__}, rust extension: {rust}")
            reset(driver)
            warm_up(driver)

            nodes, rels = synthetic(args.nodes, args.rels)
            rows_a = len(nodes) + len(rels)
            # The server's JIT needs a few full passes to reach steady state: those are
            # reported (the first one is the cold-JVM number) but are not the headline.
            for i in range(args.warm_passes):
                t_w = load_batched(driver, nodes, rels, args.chunk)
                print(f"(a) warm-up pass {i + 1}{' (cold JVM)' if i == 0 else ''}: {rows_a} rows in {t_w:.2f}s "
                      f"-> {rows_a / t_w:,.0f} rows/s")
                reset(driver)
            times = []
            for i in range(max(1, args.repeat)):
                times.append(load_batched(driver, nodes, rels, args.chunk))
                n, r = count(driver)
                assert (n, r) == (len(nodes), len(rels)), (n, r)
                reset(driver)
            t_a = statistics.median(times)
            rate_a = rows_a / t_a
            print(f"(a) batched UNWIND, {args.chunk} rows/tx: {len(nodes)} nodes + {len(rels)} rels "
                  f"= {rows_a} rows in {t_a:.2f}s (median of {len(times)}) -> {rate_a:,.0f} rows/s "
                  f"(best {rows_a / min(times):,.0f})")

            nb = min(args.rows_b // 2, len(nodes))
            rb = min(args.rows_b - nb, len(rels))
            # rels of the naive run only between its own nodes
            sub_nodes = nodes[:nb]
            sub_rels = synthetic(nb, rb, seed=11)[1]
            t_b = load_naive(driver, sub_nodes, sub_rels)
            rows_b = len(sub_nodes) + len(sub_rels)
            rate_b = rows_b / t_b
            note = "" if rows_b == rows_a else f" (fewer rows than (a): one auto-commit per row is slow)"
            print(f"(b) one auto-commit statement per row: {len(sub_nodes)} nodes + {len(sub_rels)} rels "
                  f"= {rows_b} rows in {t_b:.2f}s -> {rate_b:,.0f} rows/s{note}")
            ratio = rate_a / rate_b
            print(f"ratio (a)/(b): {ratio:.1f}x")
            ok_a, ok_r = rate_a >= 50_000, ratio >= 20
            print(f"targets: batched >= 50,000 rows/s: {'met' if ok_a else 'MISSED'}; "
                  f"ratio >= 20: {'met' if ok_r else 'MISSED'}")
            reset(driver)
    finally:
        if started_here is not None:
            neo4j_server.stop(started_here)
            if temp:
                shutil.rmtree(started_here, ignore_errors=True)
    return 0 if (not args.check or (ok_a and ok_r)) else 1


if __name__ == "__main__":
    sys.exit(main())
