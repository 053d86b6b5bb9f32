import pytest

from kg.loaders.batch import build_batch
from kg.pipeline import process_source
from kg.schema import load_schema
from tests.conftest import SEED_003, source


@pytest.fixture(scope="module")
def processed():
    return process_source(source(SEED_003.read_text(encoding="utf-8"), str(SEED_003)))


def test_batch_follows_the_schema_and_is_stable(processed):
    from kg.pipeline import pipeline_fingerprint

    b1 = processed.batch
    b2 = build_batch(processed.resolved, fingerprint=pipeline_fingerprint())
    assert b1 == b2                                   # same input, same batch (stable keys, order)
    schema = load_schema()
    schema.validate(b1.nodes, b1.rels)
    assert all(r.props["doc"] == b1.doc_id for r in b1.rels)
    labels = {n.label for n in b1.nodes}
    assert {"Document", "Task", "Unit", "Collective", "Policy", "Outcome", "Place"} <= labels
    types = {r.type for r in b1.rels}
    assert {"LEADS", "SUPPORTS", "CITES", "HAS_OUTCOME", "CONTAINS", "PART_OF", "MENTIONS", "ISSUED"} <= types


def test_tasks_and_their_owners(processed):
    b = processed.batch
    tasks = {n.key: n for n in b.nodes if n.label == "Task"}
    assert len(tasks) == 40
    t9 = tasks[f"{b.doc_id}#9"]
    assert t9.props["title"] == "开展涉企收费专项整治" and t9.props["deadline_date"] == "2023-12-31"
    leads = {r.start_key for r in b.rels if r.type == "LEADS" and r.end_key == t9.key}
    assert leads == {"650502|伊州区发展和改革委员会"}
    supports = {r.start_key for r in b.rels if r.type == "SUPPORTS" and r.end_key == t9.key}
    assert "650502|伊州区财政局" in supports and len(supports) == 6


def test_every_mention_points_at_its_characters(processed):
    text = processed.source.text
    mentions = [r for r in processed.batch.rels if r.type == "MENTIONS"]
    assert mentions
    for r in mentions:
        assert text[r.props["start"]:r.props["end"]] == r.props["text"]
        assert r.props["text"].replace("\n", "") in r.props["sentence"].replace("\n", "") or r.props["sentence"].endswith("…")


def test_hierarchy_up_to_the_province(processed):
    b = processed.batch
    part_of = {(r.start_key, r.end_key) for r in b.rels if r.type == "PART_OF"}
    assert ("650502|伊州区财政局", "650502") in part_of          # unit in its district
    assert ("650502", "650500") in part_of and ("650500", "650000") in part_of   # 伊州区 < 哈密市 < 新疆
    assert ("650500|哈密市自然资源局伊州分局", "650500|哈密市自然资源局") in part_of   # branch in parent body
