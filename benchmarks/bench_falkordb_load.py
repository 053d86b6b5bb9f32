"""How fast does the embedded FalkorDB store load?  UNWIND+MERGE rows/s on this machine.

    python benchmarks/bench_falkordb_load.py [--rows 100000] [--chunk 5000] [--dir /tmp/kg-bench]

Measures, on a fresh embedded server (unix socket, AOF everysec):
  1. node rows: UNWIND $rows MERGE (n:Label {id: row.key}) SET n += row.props   (create)
  2. rel rows:  UNWIND $rows MATCH (a) MATCH (b) MERGE (a)-[r:T {doc: ...}]->(b) SET r += ...
  3. the same node rows again (MERGE that only matches + SET)
  4. the full write_document path: one GraphBatch with all rows in one MULTI/EXEC
  5. chunk size sensitivity for node rows
  6. stop (AOF rewrite + SHUTDOWN SAVE) and restart times with that graph
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from kg.records import GraphBatch, NodeRecord, RelRecord
from kg.stores.falkor import FalkorStore


def node_rows(n: int) -> tuple[list[dict], list[dict]]:
    half = n // 2
    units = [{"key": f"310101|单位{i}", "props": {"name": f"单位{i}", "kind": "government", "level": "county",
                                                  "jurisdiction": "310101"}} for i in range(half)]
    tasks = [{"key": f"doc{i // 50}#{i % 50}", "props": {"doc": f"doc{i // 50}", "number": str(i % 50),
                                                        "title": f"任务{i}", "text": "推进改革" * 20,
                                                        "start": i, "end": i + 80}} for i in range(n - half)]
    return units, tasks


def rel_rows(n: int, n_units: int, n_tasks: int) -> list[dict]:
    rows = []
    for i in range(n):
        t = i % n_tasks
        u = (i * 7919 + i // n_tasks) % n_units
        doc = f"doc{t // 50}"
        rows.append({"a": f"310101|单位{u}", "b": f"{doc}#{t % 50}", "m": {"doc": doc},
                     "props": {"doc": doc, "text": f"单位{u}", "start": i, "end": i + 4, "role": "lead"}})
    return rows


def run_chunks(store: FalkorStore, cypher: str, rows: list[dict], chunk: int) -> float:
    t0 = time.perf_counter()
    for i in range(0, len(rows), chunk):
        store._query(cypher, {"rows": rows[i:i + chunk]})
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--chunk", type=int, default=5000)
    ap.add_argument("--dir", default=None, help="store directory (default: a temporary one)")
    args = ap.parse_args()
    store_dir = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="kgb-")) / "kg"
    node_q = {lab: f"UNWIND $rows AS row MERGE (n:{lab} {{id: row.key}}) SET n += row.props" for lab in ("Unit", "Task")}
    rel_q = ("UNWIND $rows AS row MATCH (a:Unit {id: row.a}) MATCH (b:Task {id: row.b}) "
             "MERGE (a)-[r:LEADS {doc: row.m.doc}]->(b) SET r += row.props")
    units, tasks = node_rows(args.rows)
    rels = rel_rows(args.rows, len(units), len(tasks))
    print(f"store: {store_dir}  rows: {args.rows:,} nodes + {args.rows:,} rels  chunk: {args.chunk:,}")
    try:
        with FalkorStore.open(store_dir) as store:
            t_nodes = run_chunks(store, node_q["Unit"], units, args.chunk) + run_chunks(store, node_q["Task"], tasks, args.chunk)
            print(f"1. node MERGE (create)     {args.rows / t_nodes:>10,.0f} rows/s  ({t_nodes:.2f}s)")
            t_rels = run_chunks(store, rel_q, rels, args.chunk)
            n_rels = store.stats().relationships["LEADS"]
            print(f"2. rel MATCH+MERGE         {args.rows / t_rels:>10,.0f} rows/s  ({t_rels:.2f}s, {n_rels:,} distinct rels)")
            t_again = run_chunks(store, node_q["Unit"], units, args.chunk) + run_chunks(store, node_q["Task"], tasks, args.chunk)
            print(f"3. node MERGE (existing)   {args.rows / t_again:>10,.0f} rows/s  ({t_again:.2f}s)")

            store.clear()
            nodes = [NodeRecord("Document", f"doc{i}", {}) for i in range(len(tasks) // 50 + 1)]
            nodes += [NodeRecord("Unit", r["key"], r["props"]) for r in units]
            nodes += [NodeRecord("Task", r["key"], {**r["props"], "doc": "bench"}) for r in tasks]
            # one document owning everything: every rel asserted by "bench"
            nodes = [NodeRecord("Document", "bench", {})] + [n for n in nodes if n.label != "Document"]
            relrecs = [RelRecord("LEADS", "Unit", r["a"], "Task", r["b"], {**r["props"], "doc": "bench"}) for r in rels]
            batch = GraphBatch("bench", "h1", tuple(nodes), tuple(relrecs))
            t0 = time.perf_counter()
            res = store.write_document(batch)
            t_doc = time.perf_counter() - t0
            total = len(batch.nodes) + len(batch.rels)
            print(f"4. write_document (1 txn)  {total / t_doc:>10,.0f} rows/s  ({t_doc:.2f}s for {res.nodes:,} nodes "
                  f"+ {res.rels:,} rels, validation included)")
            t0 = time.perf_counter()
            res = store.write_document(GraphBatch("bench", "h2", batch.nodes, batch.rels))
            t_rep = time.perf_counter() - t0
            print(f"   replace (forget+write)  {total / t_rep:>10,.0f} rows/s  ({t_rep:.2f}s, status {res.status})")

            t0 = time.perf_counter()
            store.server.stop()
            t_close = time.perf_counter() - t0
            t0 = time.perf_counter()
            store.server.start()
            t_open = time.perf_counter() - t0
            assert store.stats().relationships["LEADS"] == len(batch.rels)
            print(f"6. stop (AOF rewrite + SHUTDOWN SAVE) {t_close:.2f}s, restart with {total:,} rows {t_open:.2f}s")

            for chunk in (1000, 5000, 20000):
                store.clear()
                t = run_chunks(store, node_q["Unit"], units, chunk) + run_chunks(store, node_q["Task"], tasks, chunk)
                print(f"5. node MERGE chunk {chunk:>6,} {args.rows / t:>10,.0f} rows/s")
    finally:
        if not args.dir:
            shutil.rmtree(store_dir.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
