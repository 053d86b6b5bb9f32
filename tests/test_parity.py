"""The two stores give identical answers: the sample documents ingested into the embedded
FalkorDB store and into a real Neo4j 5.26 server, then every query of the pack, the
statistics and a full dump compared row for row; re-ingesting, replacing and
forgetting a document keep them identical.  No mocks."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from kg.loaders.ingest import ingest
from kg.pipeline import process_file
from kg.queries import Query, bind, load_pack
from kg.stores.falkor import FalkorStore
from kg.stores.neo4j import Neo4jStore

pytestmark = pytest.mark.neo4j

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "kg" / "data" / "sample"
SAMPLES = sorted(SAMPLE_DIR.glob("*.txt"))
SEED_003 = SAMPLE_DIR / "003_1269706941807864.txt"


# --- comparing two stores -------------------------------------------------------------------


def _canon(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def dump(store: Any) -> dict[str, list[str]]:
    """Every node (labels + properties) and relationship (type, endpoints, properties), sorted."""
    nodes = store.read("MATCH (n) RETURN n")
    rels = store.read("MATCH (a)-[r]->(b) RETURN labels(a) AS al, a.id AS a, r, labels(b) AS bl, b.id AS b")
    return {
        "nodes": sorted(_canon(r["n"]) for r in nodes),
        "rels": sorted(_canon([sorted(r["al"]), r["a"], r["r"], sorted(r["bl"]), r["b"]]) for r in rels),
    }


def assert_same_graph(falkor: FalkorStore, neo: Neo4jStore) -> None:
    sf, sn = falkor.stats(), neo.stats()
    assert dict(sf.labels) == dict(sn.labels)
    assert dict(sf.relationships) == dict(sn.relationships)
    df, dn = dump(falkor), dump(neo)
    # compare the differences first: a failure then names the rows, not two huge lists
    assert sorted(set(df["nodes"]) ^ set(dn["nodes"])) == []
    assert sorted(set(df["rels"]) ^ set(dn["rels"])) == []
    assert df == dn


# --- the two stores, loaded with the samples ---------------------------------------------


class Pair:
    def __init__(self, falkor: FalkorStore, neo: Neo4jStore) -> None:
        self.falkor = falkor
        self.neo = neo
        self.state = "empty"           # "samples" while both hold exactly the five samples

    def both(self) -> tuple[FalkorStore, Neo4jStore]:
        return self.falkor, self.neo

    def clear(self) -> None:
        self.state = "dirty"
        self.falkor.clear()
        self.neo.clear()

    def load_samples(self) -> None:
        if self.state == "samples" and self.neo.stats().labels.get("Document") == len(SAMPLES):
            return
        self.clear()
        for store in self.both():
            report = ingest(SAMPLES, store)
            assert report.complete and report.count("written") == len(SAMPLES), report.summary()
        self.state = "samples"


@pytest.fixture(scope="module")
def pair(neo4j_server, tmp_path_factory) -> Iterator[Pair]:
    neo = Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password)
    try:
        neo.apply_schema()
        with FalkorStore.open(tmp_path_factory.mktemp("parity") / "kg") as falkor:
            yield Pair(falkor, neo)
        neo.clear()
    finally:
        neo.close()


@pytest.fixture
def samples(pair: Pair) -> Pair:
    pair.load_samples()
    return pair


# --- one test per pack query ----------------------------------------------------------------

Probe = Callable[[FalkorStore], dict[str, Any]]


def _one(store: FalkorStore, cypher: str, params: dict[str, Any] | None = None) -> Any:
    rows = store.read(cypher, params)
    assert rows, f"no data for the probe {cypher!r}"
    return next(iter(rows[0].values()))


def _docs(store: FalkorStore) -> list[str]:
    return [r["id"] for r in store.read("MATCH (d:Document) RETURN d.id AS id ORDER BY id")]


def _doc(i: int) -> Probe:
    return lambda s: {"doc": _docs(s)[i]}


def _top_unit(s: FalkorStore) -> dict[str, Any]:
    return s.read(
        "MATCH (u:Unit)-[r:LEADS|SUPPORTS]->(:Task) WITH u, count(r) AS n "
        "RETURN u.id AS id, u.name AS name, u.aliases AS aliases ORDER BY n DESC, id LIMIT 1"
    )[0]


def _unit_with_parents(s: FalkorStore) -> dict[str, Any]:
    # a unit with the longest PART_OF chain (a branch of a body, then places, when there is one)
    return s.read(
        "MATCH p = (u:Unit)-[:PART_OF*1..8]->() WITH u, max(length(p)) AS depth "
        "RETURN u.id AS id, u.name AS name, u.aliases AS aliases ORDER BY depth DESC, id LIMIT 1"
    )[0]


def _alias_not_name(u: dict[str, Any]) -> str:
    others = [a for a in (u["aliases"] or []) if a != u["name"]]
    assert others, f"unit {u['id']} has no alias besides its name"
    return others[0]


def _most_cited_policy(s: FalkorStore) -> dict[str, Any]:
    return s.read(
        "MATCH ()-[c:CITES]->(p:Policy) WITH p, count(c) AS n "
        "RETURN p.id AS id, p.title AS title, p.aliases AS aliases ORDER BY n DESC, id LIMIT 1"
    )[0]


def _policy_alias(s: FalkorStore) -> str:
    return _one(s, "MATCH ()-[:CITES]->(p:Policy) WHERE size(coalesce(p.aliases, [])) > 0 "
                   "AND NOT p.id IN p.aliases RETURN p.aliases[0] AS a ORDER BY a LIMIT 1")


def _deadline_range(s: FalkorStore) -> dict[str, Any]:
    first = _one(s, "MATCH (t:Task) WHERE t.deadline_date IS NOT NULL RETURN min(t.deadline_date) AS d")
    return {"from": first[:10], "to": first[:10]}


def _doc_with_outcomes(s: FalkorStore) -> dict[str, Any]:
    return {"doc": _one(s, "MATCH (t:Task)-[:HAS_OUTCOME]->() RETURN t.doc AS d, count(*) AS n "
                           "ORDER BY n DESC, d LIMIT 1")}


def _common_metric(s: FalkorStore, doc: str | None = None) -> dict[str, Any]:
    """The most frequent outcome metric (of one document's outcomes, when given)."""
    return {"metric": _one(s, "MATCH (o:Outcome) WHERE o.metric IS NOT NULL AND ($doc IS NULL OR o.doc = $doc) "
                              "RETURN o.metric AS m, count(*) AS n ORDER BY n DESC, m LIMIT 1", {"doc": doc})}


def _name_part(s: FalkorStore) -> dict[str, Any]:
    name = _top_unit(s)["name"]
    return {"contains": name[-3:]}


# Values that exist in the data, picked from the loaded graph (FalkorDB side; the rows
# are then compared on both stores), so that these variants return rows.
VARIANTS: dict[str, dict[str, Probe]] = {
    "co_responsibility": {"min_shared_1": lambda s: {"min_shared": 1, "limit": 10_000}},
    "deadlines": {"earliest_day": _deadline_range},
    "document_tasks": {f"doc{i}": _doc(i) for i in range(len(SAMPLES))},
    "outcomes_by_task": {
        "doc": _doc_with_outcomes,
        "metric": _common_metric,
        "doc_and_metric": lambda s: {**_doc_with_outcomes(s), **_common_metric(s, _doc_with_outcomes(s)["doc"])},
    },
    "overview_counts": {"doc": _doc(0)},
    "policy_citations": {
        "policy_id": lambda s: {"policy": _most_cited_policy(s)["id"]},
        "policy_title": lambda s: {"policy": _most_cited_policy(s)["title"]},
        "policy_alias": lambda s: {"policy": _policy_alias(s)},
        "all": lambda s: {"limit": 10_000},
    },
    "top_lead_units": {"with_collective": lambda s: {"include_collective": True, "limit": 10_000}},
    "unit_hierarchy": {
        "unit_name": lambda s: {"unit": _unit_with_parents(s)["name"]},
        "unit_id": lambda s: {"unit": _unit_with_parents(s)["id"]},
        "unit_alias": lambda s: {"unit": _alias_not_name(_top_unit(s))},
    },
    "unit_review": {"contains": _name_part},
    "unit_tasks": {
        "unit_name": lambda s: {"unit": _top_unit(s)["name"], "limit": 10_000},
        "unit_id": lambda s: {"unit": _top_unit(s)["id"]},
        "unit_alias_lead": lambda s: {"unit": _alias_not_name(_top_unit(s)), "role": "lead"},
        "unit_name_support": lambda s: {"unit": _top_unit(s)["name"], "role": "support"},
    },
}

PACK = {q.name: q for q in load_pack()}


def _cases() -> list[Any]:
    cases = []
    for q in PACK.values():
        if not any(p.required for p in q.params):
            cases.append(pytest.param(q.name, "default", id=f"{q.name}-default"))
        for variant in VARIANTS.get(q.name, {}):
            cases.append(pytest.param(q.name, variant, id=f"{q.name}-{variant}"))
    return cases


def test_every_pack_query_is_covered():
    assert set(VARIANTS) <= set(PACK)
    for q in PACK.values():
        if any(p.required for p in q.params):
            assert VARIANTS.get(q.name), f"{q.name} needs a variant that gives its required parameters"
        if any(p.name in ("unit", "policy", "doc") for p in q.params):
            assert VARIANTS.get(q.name), f"{q.name} takes a unit/policy/doc: add a variant with a real value"


@pytest.mark.parametrize("name, variant", _cases())
def test_query_rows_identical(samples: Pair, name: str, variant: str) -> None:
    q: Query = PACK[name]
    raw = VARIANTS[name][variant](samples.falkor) if variant != "default" else {}
    params = bind(q, raw)
    rows_falkor = samples.falkor.read(q.cypher, params)
    rows_neo = samples.neo.read(q.cypher, params)
    if variant != "default":
        assert rows_falkor, f"{name} {params}: no rows on FalkorDB (pick a value that exists)"
    assert rows_neo == rows_falkor


@pytest.mark.parametrize("name", ["document_tasks", "outcomes_by_task", "overview_counts"])
def test_a_document_is_found_by_its_file_name(samples: Pair, name: str) -> None:
    """``doc`` takes the id (``<file name>-<8 hex>``) or just the file name, on both stores."""
    doc = _doc_with_outcomes(samples.falkor)["doc"]
    stem = re.sub(r"-[0-9a-f]{8}$", "", doc)
    assert stem != doc
    q = PACK[name]
    for store in (samples.falkor, samples.neo):
        by_id = store.read(q.cypher, bind(q, {"doc": doc}))
        assert by_id and store.read(q.cypher, bind(q, {"doc": stem})) == by_id
        assert store.read(q.cypher, bind(q, {"doc": stem[:-1]})) == []      # not a prefix match


def test_stats_identical(samples: Pair) -> None:
    sf, sn = samples.falkor.stats(), samples.neo.stats()
    assert sf == sn
    assert sf.labels["Document"] == len(SAMPLES) and sf.labels["Task"] > 0


def test_full_dump_identical(samples: Pair) -> None:
    assert_same_graph(samples.falkor, samples.neo)
    assert len(dump(samples.neo)["rels"]) == sum(samples.neo.stats().relationships.values())


def test_ingesting_twice_changes_nothing(samples: Pair) -> None:
    before = dump(samples.neo)
    report = ingest(SAMPLES, samples.neo)
    assert [r.status for r in report.results] == ["unchanged"] * len(SAMPLES)
    assert dump(samples.neo) == before
    report = ingest(SAMPLES, samples.falkor)
    assert [r.status for r in report.results] == ["unchanged"] * len(SAMPLES)
    assert_same_graph(samples.falkor, samples.neo)


# --- replacing and forgetting a document --------------------------------------------------


def _without_last_task(path: Path) -> str:
    """The text of ``path`` with its last task cut out (as a later version of the file)."""
    p = process_file(path)
    last = p.extraction.tasks[-1]
    text = p.source.text
    return text[:last.span.start] + text[last.span.end:]


@pytest.fixture
def copies(pair: Pair, tmp_path: Path) -> Path:
    """Copies of the samples in a folder of their own (their ids differ from the originals')."""
    pair.clear()
    folder = tmp_path / "docs"
    folder.mkdir()
    for p in SAMPLES:
        shutil.copyfile(p, folder / p.name)
    return folder


def test_changed_document_is_replaced_identically(pair: Pair, copies: Path) -> None:
    files = sorted(copies.glob("*.txt"))
    for store in pair.both():
        assert ingest(files, store).count("written") == len(files)
    assert_same_graph(pair.falkor, pair.neo)

    target = copies / SEED_003.name
    before = process_file(target)
    target.write_text(_without_last_task(target), encoding="utf-8")
    after = process_file(target)
    assert after.batch.doc_id == before.batch.doc_id
    assert len(after.extraction.tasks) == len(before.extraction.tasks) - 1
    last_task = f"{before.batch.doc_id}#{before.extraction.tasks[-1].id}"

    for store in pair.both():
        report = ingest([target], store)
        assert [r.status for r in report.results] == ["replaced"], report.summary()
        assert store.read("MATCH (t:Task {id: $id}) RETURN t.id AS id", {"id": last_task}) == []
        assert store.read("MATCH (:Document {id: $d})-[:CONTAINS]->(t:Task) RETURN count(t) AS n",
                          {"d": after.batch.doc_id}) == [{"n": len(after.extraction.tasks)}]
    assert_same_graph(pair.falkor, pair.neo)

    # the replaced graph is the graph of a fresh load of the new files
    # (the changed file written last, as the replacement was)
    replaced = dump(pair.neo)
    pair.neo.clear()
    others = [f for f in files if f != target]
    ingest(others + [target], pair.neo)
    assert dump(pair.neo) == replaced


def test_forget_document_identically(pair: Pair, copies: Path) -> None:
    files = sorted(copies.glob("*.txt"))
    for store in pair.both():
        ingest(files, store)
    doc_id = process_file(copies / SEED_003.name).batch.doc_id
    for store in pair.both():
        assert store.forget_document(doc_id) is True
        assert store.read("MATCH (n) WHERE n.id = $d OR n.doc = $d RETURN count(n) AS n", {"d": doc_id}) == [{"n": 0}]
        assert store.read("MATCH ()-[r]->() WHERE r.doc = $d RETURN count(r) AS n", {"d": doc_id}) == [{"n": 0}]
    assert_same_graph(pair.falkor, pair.neo)
    for store in pair.both():
        assert store.forget_document(doc_id) is False
    # forgetting every document leaves nothing behind on either store
    for f in files:
        d = process_file(f).batch.doc_id
        for store in pair.both():
            store.forget_document(d)
    assert_same_graph(pair.falkor, pair.neo)
    assert dump(pair.neo) == {"nodes": [], "rels": []}
