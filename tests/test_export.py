"""The bulk path: ``kg export --format neo4j-admin`` CSVs, imported with the provisioned
server's own ``neo4j-admin database import full`` (org.neo4j.cli.AdminTool from the
same jars) into a separate temporary instance, give the graph ``kg ingest`` gives."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg import neo4j_server as server
from kg.errors import SchemaError
from kg.export import ARGS_FILE, POST_IMPORT, GraphImage, finish_import, write_csv
from kg.loaders.ingest import ingest
from kg.pipeline import process_file
from kg.records import GraphBatch, NodeRecord, RelRecord
from kg.stores.falkor import FalkorStore
from kg.stores.neo4j import Neo4jStore
from tests.test_parity import dump

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "kg" / "data" / "sample"
SAMPLES = sorted(SAMPLE_DIR.glob("*.txt"))

# quotes, commas, semicolons, backslashes, a multi-line task, a cited policy
AWKWARD = """伊州区2023年"放管服"改革工作要点，含逗号,分号;反斜杠\\和引号"的测试

一、重点任务

1. 推进"一网通办"改革,落实;分号\\反斜杠 "双引号" 和 '单引号' 任务。
进一步压缩审批时限,精简材料30项。
牵头单位:区财政局
责任单位:区发改委、区人社局
完成时限:2023年12月底前

2. 优化营商环境,执行《优化营商环境条例》。
牵头单位:区市场监管局
完成时限:2023年6月底前
"""


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """The samples, a document with awkward characters, and a duplicate of a sample."""
    folder = tmp_path / "docs"
    folder.mkdir()
    for p in SAMPLES:
        shutil.copyfile(p, folder / p.name)
    (folder / "awkward.txt").write_text(AWKWARD, encoding="utf-8")
    shutil.copyfile(SAMPLES[0], folder / "zz_copy_of_000.txt")        # same content: a duplicate
    return folder


def _cli(*args: str):
    from kg.cli import main

    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# --- without a server -----------------------------------------------------------------------


def test_cli_export_writes_admin_csvs(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    res = _cli("export", "--format", "neo4j-admin", "-o", str(out), str(corpus))
    assert res.exit_code == 0, res.output
    assert "exported 6 document(s), skipped 1 duplicate(s) and 0 non-document file(s), failed 0" in res.output
    assert f"@{out.resolve() / ARGS_FILE}" in res.output

    args = (out / ARGS_FILE).read_text(encoding="utf-8").splitlines()
    node_files = [a.split("=", 1)[1].split(",") for a in args if a.startswith("--nodes=")]
    rel_files = [a.split("=", 1)[1].split(",") for a in args if a.startswith("--relationships=")]
    assert node_files and rel_files and "--multiline-fields=true" in args
    for header, data in node_files:
        head = Path(header).read_text(encoding="utf-8").strip().split(",")
        label = Path(data).stem.split("_", 1)[1]
        assert head[:2] == [f"id:ID({label})", ":LABEL"]
        rows = list(csv.reader(Path(data).open(encoding="utf-8", newline="")))
        assert rows and all(len(r) == len(head) and r[1] == label for r in rows)
        assert len({r[0] for r in rows}) == len(rows)                     # one row per node
    typed = {c for header, _ in node_files for c in Path(header).read_text(encoding="utf-8").strip().split(",")}
    assert {"year:long", "value:double", "masked:boolean", "aliases:string[]", "start:long"} <= typed
    for header, data in rel_files:
        head = Path(header).read_text(encoding="utf-8").strip().split(",")
        _, start, end = Path(data).stem.rsplit("_", 2)          # rels_<TYPE>_<Start>_<End>
        assert head[:3] == [f":START_ID({start})", f":END_ID({end})", ":TYPE"]
    report = json.loads((out / "export-report.json").read_text(encoding="utf-8"))
    assert [f["status"] for f in report["files"]].count("duplicate") == 1
    assert (out / POST_IMPORT).read_text(encoding="utf-8").startswith("CREATE CONSTRAINT")


def test_cli_export_reports_bad_files(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copyfile(SAMPLES[4], folder / SAMPLES[4].name)
    (folder / "empty.txt").write_bytes(b"")
    res = _cli("export", "-o", str(tmp_path / "out"), str(folder))
    assert res.exit_code == 2
    assert "failed: " in res.output and "exported 1 document(s)" in res.output


def _image_dump(image: GraphImage) -> dict[str, list[str]]:
    """The image in the shape of tests.test_parity.dump."""
    canon = lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True)  # noqa: E731
    nodes = []
    for (label, key), props in image.nodes.items():
        nodes.append(canon({"_labels": [label], image.schema.node(label).key: key, **props}))
    rels = []
    for (rtype, s, e), rows in image.rel_rows().items():
        for a, b, props in rows:
            rels.append(canon([[s], a, {"_type": rtype, **props}, [e], b]))
    return {"nodes": sorted(nodes), "rels": sorted(rels)}


def test_graph_image_merges_like_the_store(tmp_path: Path) -> None:
    """Writes, an unchanged rewrite, a replacement and a forget: the in-memory image the
    CSVs come from equals what the embedded store holds after the same calls."""
    batches = [process_file(p).batch for p in SAMPLES]
    target = tmp_path / SAMPLES[3].name
    shutil.copyfile(SAMPLES[3], target)
    first = process_file(target)
    last = first.extraction.tasks[-1]
    target.write_text(first.source.text[:last.span.start] + first.source.text[last.span.end:], encoding="utf-8")
    changed = process_file(target).batch
    image = GraphImage()
    with FalkorStore.open(tmp_path / "kg") as fk:
        for b in batches + [first.batch]:
            assert image.add(b) == fk.write_document(b).status
        assert image.add(batches[1]) == fk.write_document(batches[1]).status == "unchanged"
        assert _image_dump(image) == dump(fk)
        assert image.stats() == fk.stats()
        assert image.add(changed) == fk.write_document(changed).status == "replaced"
        assert _image_dump(image) == dump(fk)
        assert image.forget(batches[0].doc_id) is fk.forget_document(batches[0].doc_id) is True
        assert image.forget(batches[0].doc_id) is fk.forget_document(batches[0].doc_id) is False
        assert _image_dump(image) == dump(fk)
        assert image.stats() == fk.stats()


def test_graph_image_rejects_what_the_stores_reject() -> None:
    image = GraphImage()
    doc = lambda d: NodeRecord("Document", d, {})  # noqa: E731
    image.add(GraphBatch("a", "h", (doc("a"), NodeRecord("Task", "a#1", {})), ()))
    with pytest.raises(SchemaError, match="belongs to another document"):
        image.add(GraphBatch("b", "h2", (doc("b"), NodeRecord("Task", "a#1", {"doc": "b"})), ()))
    with pytest.raises(SchemaError, match="neither in the batch nor in the graph"):
        image.add(GraphBatch("c", "h3", (doc("c"),), (RelRecord("PART_OF", "Unit", "u", "Place", "p", {"doc": "c"}),)))
    assert set(image.hashes) == {"a"}


def test_array_delimiter_avoids_list_contents(tmp_path: Path) -> None:
    image = GraphImage()
    image.add(GraphBatch("a", "h", (
        NodeRecord("Document", "a", {}),
        NodeRecord("Unit", "u", {"name": "u", "aliases": ["x\x1fy", "p;q"]}),
    ), ()))
    written = write_csv(image, tmp_path)
    args = (tmp_path / ARGS_FILE).read_text(encoding="utf-8")
    assert "--array-delimiter=U+001E" in args
    assert '"x\x1fy\x1ep;q"' in (tmp_path / "nodes_Unit.csv").read_text(encoding="utf-8")
    assert written.nodes == {"Document": 1, "Unit": 1}


# --- through neo4j-admin into a real server ---------------------------------------------------


@pytest.mark.neo4j
def test_admin_import_equals_ingest(neo4j_server, corpus: Path, tmp_path: Path) -> None:
    # the session server is only needed to know that Neo4j can run here; the import goes
    # into a separate instance (Community has one user database, `neo4j`, and the
    # importer writes the store files of a stopped server)
    out = tmp_path / "csv"
    instance = tmp_path / "imported"
    res = _cli("export", "--format", "neo4j-admin", "-o", str(out), "--import-into", str(instance), str(corpus))
    assert res.exit_code == 0, res.output
    assert f"imported into {instance.resolve()} (database neo4j)" in res.output
    assert "IMPORT DONE" in (instance / "logs" / "import.log").read_text(encoding="utf-8")
    info = server.start(instance)
    try:
        with Neo4jStore(info.uri, info.user, info.password) as neo, FalkorStore.open(tmp_path / "kg") as fk:
            report = ingest([corpus], fk)
            assert report.count("duplicate") == 1 and report.complete
            # counts per label and per relationship type, right after the import
            assert neo.stats() == fk.stats()
            # constraints, indexes and the empty lists: then the very same graph
            finish_import(neo, out)
            assert dump(neo) == dump(fk)
            names = {r["name"] for r in neo.read("SHOW CONSTRAINTS YIELD name RETURN name")}
            assert "task_id_unique" in names
            # and it is an ordinary store from now on: re-ingesting changes nothing
            assert [r.status for r in ingest([corpus], neo).results].count("unchanged") == 6
            assert dump(neo) == dump(fk)
    finally:
        server.stop(instance)


@pytest.mark.neo4j
def test_import_refuses_a_running_server(neo4j_server, tmp_path: Path) -> None:
    from kg.errors import ProvisionError

    with pytest.raises(ProvisionError, match="stop it before an import"):
        server.import_full(neo4j_server.dir, ["--nodes=/nonexistent.csv"])
