"""Load throughput on a real Neo4j 5.26 server, every path side by side in one run.

    python benchmarks/bench_neo4j_load.py [--nodes 20000] [--rels 20000] [--rows-b 4000]

The same synthetic graph (``--nodes`` nodes with four properties, ``--rels``
relationships with four properties between random nodes) goes in five ways:

(a)  raw batched UNWIND, the store's first shape: ``MERGE (n {id}) SET n += row.props``
     for nodes, ``MATCH a MATCH b CREATE (a)-[r]->(b) SET r += row.props`` for
     relationships, maps as rows, ``--chunk`` rows per managed write transaction;
(a') raw batched UNWIND, tuned: ``CREATE`` for nodes known to be new, properties as
     positional lists (``row[0]``...) instead of maps, one session;
(a") the tuned shape from ``--threads`` sessions at once (rows split evenly; nodes
     first, then relationships);
(a*) the tuned shape as one auto-commit statement per kind, the server splitting it:
     ``UNWIND $rows AS row CALL { ... } IN --threads CONCURRENT TRANSACTIONS OF
     --concurrent-rows ROWS`` (Neo4j 5.21+; all rows in one message, the server runs
     the batches in parallel; a deadlock between two batches fails the statement, and
     that pass is then reported as failed, not counted);
(c)  the real path, :meth:`Neo4jStore.write_document`, on the same graph as one
     document (half the nodes shared ``Unit``s, MERGEd; half owned ``Task``s, CREATEd;
     the relationships LEADS/SUPPORTS between them), validation included; and on
     realistic documents: the five sample documents cloned ``--docs`` times (distinct
     ids, shared units/policies shared), one transaction per document;
(d)  ``neo4j-admin database import full`` (the provisioned jars' own AdminTool) of the
     CSVs :mod:`kg.export` writes for the (c) graph, into a separate stopped instance:
     timed from the tool's start to its exit (JVM start included), and as the tool
     reports it; then that instance is started and its counts checked (not timed);
(b)  one auto-commit statement per row (py2neo's ``graph.create(...)`` in a loop) on
     ``--rows-b`` rows, half nodes, half relationships, because it is slow.

Honesty rules: every timed pass starts from an empty graph (constraints and indexes
in place, no data); the server's JIT is warmed by ``--warm-passes`` untimed passes of
the same work, whose first (cold JVM) number is printed too; timed numbers are the
median of ``--repeat`` passes.  The server is started in a temp dir (unless NEO4J_URI
is set or --dir is given) with ``--heap``/``--pagecache``.  The load average is printed
at the start and the end: other processes on the machine change every number here.
Exit status 1 when ``--check`` is given and the best raw batched path ((a'), (a") or (a*))
is below 50,000 rows/s or below 20x (b).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import neo4j  # noqa: E402

from kg import neo4j_server  # noqa: E402

# (a) the store's first shape
NODE_Q = "UNWIND $rows AS row MERGE (n:Bench {id: row.id}) SET n += row.props"
REL_Q = (
    "UNWIND $rows AS row MATCH (a:Bench {id: row.a}) MATCH (b:Bench {id: row.b}) "
    "CREATE (a)-[r:LINK]->(b) SET r += row.props"
)
# (a') tuned: CREATE for new nodes, positional rows
NODE_T = "UNWIND $rows AS row CREATE (n:Bench {id: row[0], name: row[1], kind: row[2], level: row[3], aliases: row[4]})"
REL_T = (
    "UNWIND $rows AS row MATCH (a:Bench {id: row[0]}) MATCH (b:Bench {id: row[1]}) "
    "CREATE (a)-[r:LINK {doc: row[2], text: row[3], start: row[4], end: row[5]}]->(b)"
)
# (a*) the tuned shape, batched by the server into concurrent transactions
NODE_C = ("UNWIND $rows AS row CALL { WITH row "
          "CREATE (n:Bench {id: row[0], name: row[1], kind: row[2], level: row[3], aliases: row[4]}) "
          "} IN %d CONCURRENT TRANSACTIONS OF %d ROWS")
REL_C = ("UNWIND $rows AS row CALL { WITH row MATCH (a:Bench {id: row[0]}) MATCH (b:Bench {id: row[1]}) "
         "CREATE (a)-[r:LINK {doc: row[2], text: row[3], start: row[4], end: row[5]}]->(b) "
         "} IN %d CONCURRENT TRANSACTIONS OF %d ROWS")
# (b) one statement per row
NODE_1 = "MERGE (n:Bench {id: $id}) SET n += $props"
REL_1 = "MATCH (a:Bench {id: $a}) MATCH (b:Bench {id: $b}) CREATE (a)-[r:LINK]->(b) SET r += $props"


# --- data ---------------------------------------------------------------------------------------


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


def positional(nodes: list[dict], rels: list[dict]) -> tuple[list[list], list[list]]:
    n = [[x["id"], x["props"]["name"], x["props"]["kind"], x["props"]["level"], x["props"]["aliases"]] for x in nodes]
    r = [[x["a"], x["b"], x["props"]["doc"], x["props"]["text"], x["props"]["start"], x["props"]["end"]]
         for x in rels]
    return n, r


def as_document(n_nodes: int, n_rels: int, seed: int = 7):
    """The same size of graph as one document of the schema: half shared Units, half
    owned Tasks, LEADS/SUPPORTS from random units to random tasks."""
    from kg.records import GraphBatch, NodeRecord, RelRecord

    rnd = random.Random(seed)
    doc = "bench-doc"
    units = max(1, (n_nodes - 1) // 2)
    tasks = max(1, n_nodes - 1 - units)
    nodes = [NodeRecord("Document", doc, {"title": "基准文档", "year": 2024})]
    nodes += [NodeRecord("Unit", f"u{i:07d}", {"name": f"单位{i}", "kind": rnd.choice(["government", "party"]),
                                               "level": "county", "aliases": [f"别名{i}"]}) for i in range(units)]
    nodes += [NodeRecord("Task", f"{doc}#{i}", {"number": str(i), "title": f"任务{i}", "start": i, "end": i + 9})
              for i in range(tasks)]
    seen: set[tuple] = set()
    rels = []
    j = 0
    while len(rels) < n_rels:
        t = rnd.choice(("LEADS", "SUPPORTS"))
        a, b = f"u{rnd.randrange(units):07d}", f"{doc}#{rnd.randrange(tasks)}"
        if (t, a, b) not in seen:
            seen.add((t, a, b))
            rels.append(RelRecord(t, "Unit", a, "Task", b, {"doc": doc, "text": f"提及{j}", "start": j,
                                                            "end": j + 4, "role": t.lower()}))
        j += 1
    return GraphBatch(doc, "bench-hash", tuple(nodes), tuple(rels))


def sample_documents(copies: int):
    """The five sample documents' batches, cloned with distinct document ids."""
    from kg.pipeline import process_file
    from kg.records import GraphBatch, NodeRecord, RelRecord

    sample = Path(__file__).resolve().parents[1] / "kg" / "data" / "sample"
    base = [process_file(p).batch for p in sorted(sample.glob("*.txt"))]
    owned = {"Document", "Task", "Outcome"}
    out = []
    for i in range(copies):
        for b in base:
            d = f"{b.doc_id}~{i}"
            h = f"{b.content_hash}~{i}"

            def k(label: str, key: str, b=b, d=d) -> str:
                return d + key[len(b.doc_id):] if label in owned else key

            nodes = []
            for n in b.nodes:
                props = dict(n.props)
                if "id" in props:
                    props["id"] = k(n.label, n.key)
                if "doc" in props:
                    props["doc"] = d
                if n.label == "Document":
                    props["sha256"] = h
                nodes.append(NodeRecord(n.label, k(n.label, n.key), props))
            rels = [RelRecord(r.type, r.start_label, k(r.start_label, r.start_key), r.end_label,
                              k(r.end_label, r.end_key), {**r.props, "doc": d}) for r in b.rels]
            out.append(GraphBatch(d, h, tuple(nodes), tuple(rels)))
    return out


# --- server helpers -----------------------------------------------------------------------------


def wipe(driver: neo4j.Driver) -> None:
    with driver.session() as s:
        s.run("MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()


def reset(driver: neo4j.Driver) -> None:
    wipe(driver)
    with driver.session() as s:
        s.run("CREATE CONSTRAINT bench_id_unique IF NOT EXISTS FOR (n:Bench) REQUIRE n.id IS UNIQUE").consume()
        s.run("CREATE INDEX bench_link_doc_idx IF NOT EXISTS FOR ()-[r:LINK]-() ON (r.doc)").consume()
        s.run("CALL db.awaitIndexes(300)").consume()


def count(driver: neo4j.Driver, label: str = "Bench") -> tuple[int, int]:
    with driver.session() as s:
        n = s.run(f"MATCH (n:{label}) RETURN count(n) AS c").single()["c"]
        r = s.run("MATCH ()-[r]->() RETURN count(r) AS c").single()["c"]
    return n, r


def run_chunks(driver: neo4j.Driver, q: str, rows: list, chunk: int) -> None:
    with driver.session() as s:
        for i in range(0, len(rows), chunk):
            part = rows[i:i + chunk]
            s.execute_write(lambda tx, p=part: tx.run(q, rows=p).consume())


def run_parallel(driver: neo4j.Driver, q: str, rows: list, chunk: int, threads: int) -> None:
    if threads <= 1:
        run_chunks(driver, q, rows, chunk)
        return
    errors: list[BaseException] = []

    def work(part: list) -> None:
        try:
            run_chunks(driver, q, part, chunk)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    ts = [threading.Thread(target=work, args=(rows[i::threads],)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise errors[0]


def load_a(driver, nodes, rels, chunk) -> float:
    t0 = time.perf_counter()
    run_chunks(driver, NODE_Q, nodes, chunk)
    run_chunks(driver, REL_Q, rels, chunk)
    return time.perf_counter() - t0


def load_tuned(driver, nodes_p, rels_p, chunk, threads) -> float:
    t0 = time.perf_counter()
    run_parallel(driver, NODE_T, nodes_p, chunk, threads)
    run_parallel(driver, REL_T, rels_p, chunk, threads)
    return time.perf_counter() - t0


def load_concurrent(driver, nodes_p, rels_p, rows, threads) -> float:
    t0 = time.perf_counter()
    with driver.session() as s:             # CALL { } IN TRANSACTIONS needs an auto-commit statement
        s.run(NODE_C % (threads, rows), rows=nodes_p).consume()
        s.run(REL_C % (threads, rows), rows=rels_p).consume()
    return time.perf_counter() - t0


def load_naive(driver: neo4j.Driver, nodes: list[dict], rels: list[dict]) -> float:
    t0 = time.perf_counter()
    with driver.session() as s:             # session.run = auto-commit: one tx per row
        for row in nodes:
            s.run(NODE_1, id=row["id"], props=row["props"]).consume()
        for row in rels:
            s.run(REL_1, a=row["a"], b=row["b"], props=row["props"]).consume()
    return time.perf_counter() - t0


def measure(name: str, rows: int, once: Callable[[], float], after: Callable[[], None],
            warm: int, repeat: int) -> float:
    """Run ``once`` warm+repeat times (``after`` between runs, untimed); rows/s of the median."""
    times = []
    for i in range(warm + repeat):
        t = once()
        after()
        if i < warm:
            note = " (cold JVM)" if i == 0 else ""
            print(f"    {name} warm-up {i + 1}{note}: {rows / t:,.0f} rows/s", flush=True)
        else:
            times.append(t)
    t = statistics.median(times)
    return rows / t


# --- main ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", type=int, default=20_000)
    ap.add_argument("--rels", type=int, default=20_000)
    ap.add_argument("--chunk", type=int, default=5_000, help="rows per transaction for (a), (a'), (a\")")
    ap.add_argument("--threads", type=int, default=2, help="sessions for (a\"), concurrent transactions for (a*)")
    ap.add_argument("--concurrent-rows", type=int, default=2_500, help="rows per inner transaction for (a*)")
    ap.add_argument("--docs", type=int, default=20, help="copies of the five samples for (c)")
    ap.add_argument("--rows-b", type=int, default=4_000, help="rows for the naive run (nodes+rels)")
    ap.add_argument("--dir", type=Path, default=None, help="server instance dir (default: a temp dir)")
    ap.add_argument("--heap", default="1g", help="server heap (default 1g)")
    ap.add_argument("--pagecache", default="256m", help="server page cache (default 256m)")
    ap.add_argument("--warm-passes", type=int, default=2, help="untimed passes of each load first (JIT)")
    ap.add_argument("--repeat", type=int, default=3, help="timed passes; the median counts")
    ap.add_argument("--skip-import", action="store_true", help="leave out (d)")
    ap.add_argument("--import-scale", type=int, default=10,
                    help="(d) also on a graph this many times larger (its fixed start-up cost is ~2-4 s); 0: no")
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args(argv)

    from kg.stores.neo4j import Neo4jStore

    started_here: Path | None = None
    temp_dirs: list[Path] = []
    if os.environ.get("NEO4J_URI") and args.dir is None:
        uri, auth = os.environ["NEO4J_URI"], (os.environ.get("NEO4J_USER", "neo4j"),
                                              os.environ.get("NEO4J_PASSWORD", ""))
        print(f"server: {uri} (from NEO4J_URI)")
    else:
        d = args.dir or Path(tempfile.mkdtemp(prefix="kg-bench-neo4j-"))
        if args.dir is None:
            temp_dirs.append(d)
        t0 = time.perf_counter()
        info = neo4j_server.start(d, heap=args.heap, pagecache=args.pagecache)
        started_here = d
        uri, auth = info.uri, (info.user, info.password)
        print(f"server: Neo4j {neo4j_server.NEO4J_VERSION} at {uri}, heap {args.heap}, page cache "
              f"{args.pagecache}, started in {time.perf_counter() - t0:.1f}s ({d})")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")

    results: dict[str, float] = {}
    notes: dict[str, str] = {}
    try:
        with neo4j.GraphDatabase.driver(uri, auth=auth, notifications_min_severity="OFF") as driver:
            rust = "yes" if importlib.util.find_spec("neo4j._rust") else "no"
            print(f"driver: neo4j {neo4j.__version__}, rust extension: {rust}")
            nodes, rels = synthetic(args.nodes, args.rels)
            nodes_p, rels_p = positional(nodes, rels)
            rows = len(nodes) + len(rels)
            print(f"data: {len(nodes)} nodes + {len(rels)} relationships = {rows} rows")

            def check_bench() -> None:
                assert count(driver) == (len(nodes), len(rels)), count(driver)
                reset(driver)

            reset(driver)
            print("(a) raw UNWIND, MERGE + SET += maps", flush=True)
            results["a"] = measure("(a)", rows, lambda: load_a(driver, nodes, rels, args.chunk), check_bench,
                                   args.warm_passes, args.repeat)
            print("(a') raw UNWIND, CREATE + positional rows, 1 session", flush=True)
            results["a'"] = measure("(a')", rows, lambda: load_tuned(driver, nodes_p, rels_p, args.chunk, 1),
                                    check_bench, args.warm_passes, args.repeat)
            print(f"(a\") raw UNWIND, CREATE + positional rows, {args.threads} sessions", flush=True)
            results['a"'] = measure('(a")', rows,
                                    lambda: load_tuned(driver, nodes_p, rels_p, args.chunk, args.threads),
                                    check_bench, args.warm_passes, args.repeat)
            print(f"(a*) raw UNWIND, CALL {{...}} IN {args.threads} CONCURRENT TRANSACTIONS OF "
                  f"{args.concurrent_rows} ROWS", flush=True)
            try:
                results["a*"] = measure("(a*)", rows, lambda: load_concurrent(driver, nodes_p, rels_p,
                                                                              args.concurrent_rows, args.threads),
                                        check_bench, args.warm_passes, args.repeat)
            except neo4j.exceptions.Neo4jError as exc:       # e.g. a deadlock between two batches
                print(f"    (a*) failed: {exc.code}: {' '.join(str(exc.message).split())[:200]}", flush=True)
                reset(driver)
            wipe(driver)

            # (c) the store
            store = Neo4jStore(uri, auth[0], auth[1])
            store.apply_schema()
            store.clear()
            big = as_document(args.nodes, args.rels)
            big_rows = len(big.nodes) + len(big.rels)

            def write_big() -> float:
                t0 = time.perf_counter()
                res = store.write_document(big)
                assert res.status == "written", res
                return time.perf_counter() - t0

            def check_big() -> None:
                st = store.stats()
                assert st.labels["Task"] + st.labels["Unit"] + 1 == len(big.nodes), st
                assert st.relationships["LEADS"] + st.relationships["SUPPORTS"] == len(big.rels), st
                store.clear()

            print(f"(c) Neo4jStore.write_document, one document of {big_rows} rows", flush=True)
            results["c"] = measure("(c)", big_rows, write_big, check_big, args.warm_passes, args.repeat)

            docs = sample_documents(args.docs)
            doc_rows = sum(len(b.nodes) + len(b.rels) for b in docs)

            def write_docs() -> float:
                t0 = time.perf_counter()
                for b in docs:
                    store.write_document(b)
                return time.perf_counter() - t0

            def check_docs() -> None:
                assert store.stats().labels["Document"] == len(docs)
                store.clear()

            print(f"(c') Neo4jStore.write_document, {len(docs)} sample documents ({doc_rows} rows, "
                  f"{doc_rows // len(docs)} per document)", flush=True)
            results["c'"] = measure("(c')", doc_rows, write_docs, check_docs, args.warm_passes, args.repeat)
            per_doc = 1000 * doc_rows / results["c'"] / len(docs)
            notes["c'"] = f"{per_doc:.1f} ms per document"
            store.close()

            # (b) one statement per row
            reset(driver)
            nb = min(args.rows_b // 2, len(nodes))
            rb = args.rows_b - nb
            sub_nodes = nodes[:nb]
            sub_rels = synthetic(nb, rb, seed=11)[1]
            load_naive(driver, sub_nodes[:20], sub_rels[:0])          # plan the statements once
            reset(driver)
            t_b = load_naive(driver, sub_nodes, sub_rels)
            rows_b = len(sub_nodes) + len(sub_rels)
            results["b"] = rows_b / t_b
            notes["b"] = f"{rows_b} rows, one pass"
            wipe(driver)

        # (d) neo4j-admin import of the (c) graph
        if not args.skip_import:
            from kg.export import export_batches

            work = Path(tempfile.mkdtemp(prefix="kg-bench-import-"))
            temp_dirs.append(work)
            t0 = time.perf_counter()
            _image, written = export_batches([big], work / "csv")
            t_export = time.perf_counter() - t0
            instance = work / "instance"
            neo4j_server.init_dir(instance)          # password etc. before the clock starts
            print(f"(d) neo4j-admin database import full, the (c) graph: {written.rows} rows "
                  f"(CSV written in {t_export:.2f}s, not counted)", flush=True)
            t0 = time.perf_counter()
            log = neo4j_server.import_full(instance, [f"@{written.args_file}"])
            t_d = time.perf_counter() - t0
            m = re.search(r"IMPORT DONE in (?:(\d+)m )?(?:(\d+)s )?(\d+)ms", log)
            own = (int(m.group(1) or 0) * 60 + int(m.group(2) or 0) + int(m.group(3)) / 1000) if m else None
            results["d"] = written.rows / t_d
            notes["d"] = f"{t_d:.1f}s incl. JVM start"
            if own:
                results["d tool"] = written.rows / own
                notes["d tool"] = f"{own:.1f}s as the tool reports it"
            info2 = neo4j_server.start(instance)
            try:
                with Neo4jStore(info2.uri, info2.user, info2.password) as imported:
                    st = imported.stats()
                    assert st.labels["Task"] + st.labels["Unit"] + 1 == len(big.nodes), st
                    assert st.relationships["LEADS"] + st.relationships["SUPPORTS"] == len(big.rels), st
                print(f"    imported counts checked on a server started from it: {dict(st.labels)}")
            finally:
                neo4j_server.stop(instance)
            if args.import_scale > 1:
                k = args.import_scale
                large = as_document(args.nodes * k, args.rels * k, seed=13)
                _image, written_k = export_batches([large], work / "csv-large")
                del _image
                print(f"(d) the same, {k}x larger: {written_k.rows} rows", flush=True)
                t0 = time.perf_counter()
                log = neo4j_server.import_full(instance, [f"@{written_k.args_file}"])
                t_k = time.perf_counter() - t0
                m = re.search(r"IMPORT DONE in (?:(\d+)m )?(?:(\d+)s )?(\d+)ms", log)
                own_k = (int(m.group(1) or 0) * 60 + int(m.group(2) or 0) + int(m.group(3)) / 1000) if m else None
                assert re.search(rf"\b{len(large.nodes)} nodes", log) and re.search(rf"\b{len(large.rels)} relationships", log), log[-400:]
                results["d x"] = written_k.rows / t_k
                notes["d x"] = f"{written_k.rows} rows in {t_k:.1f}s incl. JVM start" + (
                    f", {written_k.rows / own_k:,.0f} rows/s by the tool's time" if own_k else "")
    finally:
        if started_here is not None:
            neo4j_server.stop(started_here)
        for d in temp_dirs:
            shutil.rmtree(d, ignore_errors=True)

    labels = {
        "a": "(a)  raw UNWIND, MERGE + SET += maps, 1 session",
        "a'": "(a') raw UNWIND, CREATE + positional rows, 1 session",
        'a"': f"(a\") raw UNWIND, CREATE + positional rows, {args.threads} sessions",
        "a*": f"(a*) raw UNWIND, CALL IN {args.threads} CONCURRENT TRANSACTIONS",
        "c": "(c)  Neo4jStore.write_document, one big document",
        "c'": "(c') Neo4jStore.write_document, sample documents",
        "d": "(d)  neo4j-admin import (wall clock)",
        "d tool": "(d)  neo4j-admin import (tool's own time)",
        "d x": f"(d)  neo4j-admin import, {args.import_scale}x the data (wall clock)",
        "b": "(b)  one auto-commit statement per row",
    }
    print(f"\nmachine load average at the end {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    print(f"{'path':58s} {'rows/s':>10s}  {'x (b)':>7s}")
    for k, label in labels.items():
        if k in results:
            note = f"  {notes[k]}" if k in notes else ""
            print(f"{label:58s} {results[k]:>10,.0f}  {results[k] / results['b']:>6.1f}x{note}")
    best_raw = max(results[k] for k in ("a'", 'a"', "a*") if k in results)
    ok_a, ok_r = best_raw >= 50_000, best_raw / results["b"] >= 20
    print(f"targets: batched >= 50,000 rows/s: {'met' if ok_a else 'MISSED'} ({best_raw:,.0f}); "
          f"ratio >= 20: {'met' if ok_r else 'MISSED'} ({best_raw / results['b']:.0f}x)")
    return 0 if (not args.check or (ok_a and ok_r)) else 1


if __name__ == "__main__":
    sys.exit(main())
