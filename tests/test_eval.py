"""Scoring by the corpus README's rules (kg.eval), and ``kg eval --errors``."""

import json

import pytest

from click.testing import CliRunner

from kg import eval as ev
from kg.cli import main

GOLD = {
    "genre": "summary",
    "tasks": [
        {"title": "深化审批改革", "lead_units": ["区政务服务中心"], "support_units": [], "deadline": None,
         "cites": [], "outcomes": ["精简177项", "压缩92%以上"]},
        {"title": "推进国企改革", "lead_units": [], "support_units": [], "deadline": None,
         "cites": [], "outcomes": ["新设混合所有制企业*家"]},
    ],
    "units": ["区政务服务中心", "区国资委"], "policies": ["优化营商环境条例"], "places": [], "persons": ["区长王伟"],
}
SYSTEM = {
    "tasks": [
        {"title": "深化审批改革", "text": "深化审批改革,精简177项,整体时限压缩92%以上,办结率达100%。",
         "lead_units": [{"text": "区政务服务中心"}], "support_units": [], "deadline": None, "cites": [],
         "outcomes": [{"text": "精简177项"}, {"text": "整体时限压缩92%以上"}, {"text": "办结率达100%"}]},
        {"title": "会议指出", "text": "会议指出,要召开会议3次。", "lead_units": [], "support_units": [],
         "deadline": None, "cites": [], "outcomes": [{"text": "召开会议3次"}]},
    ],
    "units": [{"text": "区政务服务中心"}, {"text": "各部门"}], "policies": [{"text": "《优化营商环境条例》"}],
    "places": [], "persons": [{"text": "王伟"}],
}


def test_counts_and_what_was_missed():
    report = ev.Report()
    ev.score_document(SYSTEM, GOLD, report, "doc1")
    f = report.fields
    assert (f["tasks"].tp, f["tasks"].fp, f["tasks"].fn) == (1, 1, 1)
    # 整体时限压缩92%以上 ~ 压缩92%以上 (same numbers, one contains the other)
    assert (f["outcomes"].tp, f["outcomes"].fp, f["outcomes"].fn) == (2, 2, 1)
    assert (f["units"].tp, f["units"].fp, f["units"].fn) == (1, 1, 1)
    assert (f["policies"].tp, f["policies"].fp) == (1, 0)           # outer 《》 stripped
    assert (f["persons"].tp, f["persons"].fn) == (1, 0)             # 王伟 ~ 区长王伟
    misses = {(m.field, m.task): (m.fp, m.fn) for m in report.misses}
    assert misses[("outcomes", "深化审批改革")] == (["办结率达100%"], [])
    assert misses[("outcomes", "会议指出 (not a gold task)")] == (["召开会议3次"], [])
    assert misses[("outcomes", "推进国企改革 (gold task not found)")] == ([], ["新设混合所有制企业*家"])
    assert misses[("tasks", None)] == (["会议指出"], ["推进国企改革"])
    assert misses[("units", None)] == (["各部门"], ["区国资委"])
    assert ("lead_units", "深化审批改革") not in misses              # nothing wrong, nothing listed
    text = ev.format_misses(report, ["units"])
    assert text.splitlines() == ["== doc1", "  units", "    + 各部门", "    - 区国资委"]


def test_kg_eval_errors_on_a_folder(tmp_path):
    text = "1、深化审批改革。全年精简审批事项177项,整体时限压缩92%以上,区政务服务中心牵头。\n"
    (tmp_path / "d.txt").write_text(text, encoding="utf-8")
    gold = {"genre": "summary", "tasks": [{"title": "深化审批改革", "lead_units": [], "support_units": [],
                                          "deadline": None, "cites": [], "outcomes": ["精简审批事项177项", "时限压缩92%以上", "满意率99%"]}],
            "units": ["区政务服务中心"], "policies": [], "places": [], "persons": []}
    (tmp_path / "d.gold.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    res = CliRunner().invoke(main, ["eval", "--errors", "--field", "outcomes", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "== d\n  outcomes [深化审批改革]\n    - 满意率99%" in res.output
    res = CliRunner().invoke(main, ["eval", "--errors", "--format", "json", str(tmp_path)])
    out = json.loads(res.output)
    assert {"doc": "d", "field": "outcomes", "task": "深化审批改革", "fp": [], "fn": ["满意率99%"]} in out["errors"]
    assert out["fields"]["outcomes"]["tp"] == 2


@pytest.mark.parametrize("folder", ["unseen", "unseen2"])
def test_the_unseen_format_sets_do_not_regress(folder):
    """eval/unseen, eval/unseen2: eight documents each in formats the development corpus lacks
    (see their READMEs; unseen2 has a GB18030 file). A floor well under today's 0.93 micro F1,
    so that a rule that breaks a whole format fails."""
    from pathlib import Path

    from kg.evaluate import evaluate

    report, _, _ = evaluate([Path(__file__).resolve().parents[1] / "eval" / folder])
    total = ev.Counts()
    for c in report.fields.values():
        total.add(c)
    assert report.docs == 8
    assert total.f1 >= 0.88, total
    assert report.fields["tasks"].f1 >= 0.9 and report.fields["lead_units"].f1 >= 0.85


# Floors on the real corpus, measured 2026-12-03 (kg eval): development (seeds + extra)
# micro 0.940, resolution 0.968; extra2 (real documents nobody tuned on) micro 0.745,
# resolution 0.593.  Each floor sits a little under today's figure so that a rule that
# breaks a format fails; raise them as the extractor improves (issue 11's targets are
# 0.95/0.92/… per field on all three sets, and extra2 within 0.05 of development).
CORPUS_FLOORS = {
    ("seeds", "extra"): {"micro": 0.93, "tasks": 0.95, "lead_units": 0.95, "resolution": 0.95},
    ("extra2",): {"micro": 0.73, "tasks": 0.66, "lead_units": 0.70, "resolution": 0.55},
}


@pytest.mark.corpus
@pytest.mark.parametrize("sets", list(CORPUS_FLOORS), ids="+".join)
def test_the_real_corpus_sets_do_not_regress(sets, corpus):
    from kg.evaluate import default_pairs_dirs, evaluate

    report, resolution, _ = evaluate([corpus / s for s in sets], default_pairs_dirs())
    total = ev.Counts()
    for c in report.fields.values():
        total.add(c)
    floors = CORPUS_FLOORS[sets]
    assert total.f1 >= floors["micro"], total
    assert report.fields["tasks"].f1 >= floors["tasks"], report.fields["tasks"]
    assert report.fields["lead_units"].f1 >= floors["lead_units"], report.fields["lead_units"]
    assert resolution is not None and resolution.f1 >= floors["resolution"], resolution
