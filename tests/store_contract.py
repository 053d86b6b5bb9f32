"""Behaviour every GraphStore must show, run by each store's test module on its own store."""

from __future__ import annotations

import threading

from kg.records import GraphBatch, NodeRecord, RelRecord
from kg.stores.base import GraphStore

UNIT = "650502|区财政局"


def check_concurrent_writers(store: GraphStore) -> None:
    """Two threads writing different documents that share a Unit: the store's conflict
    handling (FalkorDB's WATCH retries, Neo4j's deadlock retries) loses nothing."""
    def docs(prefix: str) -> list[GraphBatch]:
        out = []
        for i in range(8):
            d = f"{prefix}{i}"
            out.append(GraphBatch(d, "h", (
                NodeRecord("Document", d, {}), NodeRecord("Task", f"{d}#1", {}),
                NodeRecord("Unit", UNIT, {"name": "区财政局"}),
            ), (
                RelRecord("LEADS", "Unit", UNIT, "Task", f"{d}#1", {"doc": d}),
                RelRecord("MENTIONS", "Document", d, "Unit", UNIT, {"doc": d, "start": 0, "text": f"财政局{prefix}"}),
            )))
        return out

    errors: list[BaseException] = []

    def run(prefix: str) -> None:
        try:
            for b in docs(prefix):
                assert store.write_document(b).status == "written"
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(p,)) for p in ("x", "y")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    st = store.stats()
    assert (st.labels["Document"], st.labels["Task"], st.labels["Unit"]) == (16, 16, 1)
    assert (st.relationships["LEADS"], st.relationships["MENTIONS"]) == (16, 16)
    assert store.read("MATCH (u:Unit) RETURN u.aliases AS a") == [{"a": ["财政局x", "财政局y"]}]
