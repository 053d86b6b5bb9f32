"""End-to-end through the CLI on the embedded store (real FalkorDB child process)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main, safe_csv_cell
from tests.conftest import SAMPLE, SEED_003


@pytest.fixture()
def runner():
    return CliRunner()


def test_extract_seed003_jsonl(runner):
    res = runner.invoke(main, ["extract", str(SEED_003), "--format", "jsonl"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output.strip().splitlines()[0])
    assert doc["doc_number"] == "伊区政办发〔2023〕13号"
    assert len(doc["tasks"]) == 40
    t9 = doc["tasks"][8]
    assert [u["text"] for u in t9["lead_units"]] == ["区发改委"]
    assert t9["lead_units"][0]["canonical"] == "伊州区发展和改革委员会"
    assert [u["text"] for u in t9["support_units"]][:2] == ["区科工信局", "财政局"]
    assert t9["deadline"]["date"] == "2023-12-31"


def test_ingest_twice_is_idempotent_and_stats(runner, tmp_path):
    store = tmp_path / "store"
    files = sorted(str(p) for p in SAMPLE.glob("*.txt"))
    first = runner.invoke(main, ["ingest", *files, "--store", str(store)])
    assert first.exit_code == 0, first.output
    assert "loaded 5 (new 5" in first.output
    s1 = json.loads(runner.invoke(main, ["stats", "--store", str(store), "--format", "json"]).output)
    dump1 = runner.invoke(main, ["query", "--store", str(store), "--format", "json", "--cypher",
                                 "MATCH (n) RETURN labels(n)[0] AS l, n.id AS id, n.name AS name ORDER BY l, id"]).output
    second = runner.invoke(main, ["ingest", *files, "--store", str(store)])
    assert "unchanged 5" in second.output
    s2 = json.loads(runner.invoke(main, ["stats", "--store", str(store), "--format", "json"]).output)
    dump2 = runner.invoke(main, ["query", "--store", str(store), "--format", "json", "--cypher",
                                 "MATCH (n) RETURN labels(n)[0] AS l, n.id AS id, n.name AS name ORDER BY l, id"]).output
    assert s1 == s2
    assert dump1 == dump2
    assert s1["labels"]["Document"] == 5
    assert s1["labels"]["Task"] >= 40
    assert s1["relationships"]["LEADS"] > 0 and s1["relationships"]["MENTIONS"] > 0


def test_bad_file_does_not_stop_the_batch(runner, tmp_path):
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    good = tmp_path / "good.txt"
    shutil.copy(SEED_003, good)
    res = runner.invoke(main, ["ingest", str(tmp_path / "empty.txt"), str(good), "--store", str(tmp_path / "s")])
    assert res.exit_code == 2
    assert "empty.txt" in res.output and "loaded 1" in res.output and "failed 1" in res.output


def test_changed_document_replaces_its_facts(runner, tmp_path):
    doc = tmp_path / "plan.txt"
    shutil.copy(SEED_003, doc)
    store = str(tmp_path / "s")
    runner.invoke(main, ["ingest", str(doc), "--store", store])
    text = doc.read_text(encoding="utf-8")
    cut = text.index("40.扩大消费领域")
    doc.write_text(text[:cut], encoding="utf-8")
    res = runner.invoke(main, ["ingest", str(doc), "--store", store])
    assert "replaced 1" in res.output, res.output
    stats = json.loads(runner.invoke(main, ["stats", "--store", store, "--format", "json"]).output)
    assert stats["labels"]["Task"] == 39
    assert stats["labels"]["Document"] == 1


def test_query_pack_and_views(runner, tmp_path):
    store = str(tmp_path / "s")
    runner.invoke(main, ["ingest", str(SEED_003), "--store", store])
    listed = runner.invoke(main, ["query", "--list"])
    assert listed.exit_code == 0 and "top_lead_units" in listed.output
    top = runner.invoke(main, ["query", "top_lead_units", "--store", store, "--format", "json"])
    rows = json.loads(top.output)
    assert rows[0]["unit"] == "伊州区发展和改革委员会"
    unknown = runner.invoke(main, ["query", "no_such_query", "--store", store])
    assert unknown.exit_code != 0 and "no_such_query" in unknown.output
    out = tmp_path / "o.html"
    res = runner.invoke(main, ["viz", "overview", "--store", store, "-o", str(out)])
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    import re as _re

    assert "伊州区发展和改革委员会" in html
    assert not _re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)   # nothing fetched
    res = runner.invoke(main, ["viz", "unit", "伊州区财政局", "--store", store, "-o", str(tmp_path / "u.html")])
    assert res.exit_code == 0, res.output


def test_csv_cells_are_neutralised():
    assert safe_csv_cell("=SUM(A1)") == "'=SUM(A1)"
    assert safe_csv_cell("@x") == "'@x"
    assert safe_csv_cell("区财政局") == "区财政局"


def test_eval_prints_the_table(runner, corpus):
    res = runner.invoke(main, ["eval", str(corpus / "seeds")])
    assert res.exit_code == 0, res.output
    for field in ("tasks", "lead_units", "support_units", "deadline", "outcomes", "units", "resolution"):
        assert field in res.output
    assert "canonical units in 003_1269706941807864" in res.output


def test_demo_end_to_end(tmp_path):
    """The README's demo, as a subprocess from another directory."""
    kg = Path(sys.executable).with_name("kg")
    res = subprocess.run([str(kg), "demo", "--store", str(tmp_path / "s"), "--out", str(tmp_path / "out")],
                         cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    assert "ingested 5 sample documents" in res.stdout
    assert (tmp_path / "out" / "overview.html").exists()
    assert "documents 5, tasks" in res.stdout


def test_ingest_applies_a_corrections_file(runner, tmp_path):
    corr = tmp_path / "corrections.yaml"
    corr.write_text("aliases:\n  - mention: 区政府232办公室\n    canonical: 伊州区人民政府办公室\n"
                    "    jurisdiction: 伊州区\n", encoding="utf-8")
    doc = tmp_path / "plan.txt"
    doc.write_text("伊州区人民政府\n关于印发工作方案的通知\n1.推进改革。\n牵头单位:区政府232办公室\n\n"
                   "2.优化服务。\n牵头单位:区政府办(区政务服务中心)\n", encoding="utf-8")
    store = str(tmp_path / "s")
    res = runner.invoke(main, ["ingest", str(doc), "--store", store, "--corrections", str(corr)])
    assert res.exit_code == 0, res.output
    rows = json.loads(runner.invoke(main, ["units", "--store", store, "--name", "办公室", "--format", "json"]).output)
    office = [r for r in rows if r["unit"] == "伊州区人民政府办公室"]
    assert len(office) == 1
    assert {"区政府232办公室 ×1", "区政府办(区政务服务中心) ×1"} <= set(office[0]["aliases"])


def test_new_corrections_refresh_unchanged_text(runner, tmp_path):
    """Same text, different corrections: the document's facts are recomputed, not kept."""
    doc = tmp_path / "plan.txt"
    doc.write_text("伊州区人民政府\n关于印发工作方案的通知\n1.推进改革。\n牵头单位:区政府232办公室\n", encoding="utf-8")
    store = str(tmp_path / "s")
    first = runner.invoke(main, ["ingest", str(doc), "--store", store])
    assert "new 1" in first.output
    again = runner.invoke(main, ["ingest", str(doc), "--store", store])
    assert "unchanged 1" in again.output
    corr = tmp_path / "c.yaml"
    corr.write_text("aliases:\n  - mention: 区政府232办公室\n    canonical: 伊州区人民政府办公室\n", encoding="utf-8")
    fixed = runner.invoke(main, ["ingest", str(doc), "--store", store, "--corrections", str(corr)])
    assert "replaced 1" in fixed.output, fixed.output
    rows = json.loads(runner.invoke(main, ["units", "--store", store, "--format", "json"]).output)
    assert "伊州区人民政府办公室" in {r["unit"] for r in rows}
