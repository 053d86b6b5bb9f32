"""Extraction quality and throughput, reform-kg vs a common quick baseline, side by side.

Baseline: jieba part-of-speech tags (nt = organisation, ns = place, nr = person), a regex
for 《…》 titles and one for `牵头单位:`/`责任单位:` lines after numbered items — the
approach many Chinese KG projects start from.  Both are scored by kg.eval on the same
gold files and timed on the same texts in one run.

    python benchmarks/bench_extract.py [CORPUS_DIR ...]   (default ../shared/corpus/{seeds,extra})
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

from kg import eval as ev
from kg.extract.pipeline import extraction_to_contract
from kg.read import read_file
from kg.resolve import canonical_names, resolve
from kg.segment import segment
from kg.extract.pipeline import extract

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = [ROOT.parent / "shared" / "corpus" / "seeds", ROOT.parent / "shared" / "corpus" / "extra"]

_ITEM = re.compile(r"(?m)^\s*(\d{1,2})[\.、．](.+)$")
_FIELD = re.compile(r"(牵头单位|责任单位|完成时限)[:：]\s*(.+)")
_TITLE = re.compile(r"《([^》]{2,80})》")


def baseline(text: str, path: str) -> dict:
    import jieba.posseg as pseg

    units, places, persons = [], [], []
    for w in pseg.cut(text):
        if w.flag == "nt":
            units.append(w.word)
        elif w.flag == "ns":
            places.append(w.word)
        elif w.flag == "nr":
            persons.append(w.word)
    tasks = []
    items = list(_ITEM.finditer(text))
    for i, m in enumerate(items):
        end = items[i + 1].start() if i + 1 < len(items) else len(text)
        body = text[m.start():end]
        title = re.split(r"[。，,；;]", m.group(2), 1)[0]
        lead, support, deadline = [], [], None
        for f in _FIELD.finditer(body):
            vals = [v for v in re.split(r"[、，,；;]", f.group(2).strip()) if v]
            if f.group(1) == "牵头单位":
                lead += vals
            elif f.group(1) == "责任单位":
                support += vals
            else:
                deadline = f.group(2).strip()
        if not lead:
            lead, support = support, []
        tasks.append({"id": m.group(1), "title": title, "text": body, "lead_units": lead,
                      "support_units": support, "deadline": deadline,
                      "cites": _TITLE.findall(body), "outcomes": []})
    return {"source": path, "tasks": tasks, "units": sorted(set(units)),
            "policies": sorted(set(_TITLE.findall(text))), "places": sorted(set(places)),
            "persons": sorted(set(persons))}


def ours(src) -> dict:
    ex = extract(segment(src))
    return extraction_to_contract(ex, canonical_names(resolve(ex)))


def main(dirs: list[str]) -> None:
    golds = ev.gold_files(dirs or DEFAULT)
    if not golds:
        sys.exit("no gold files found; pass corpus folders")
    sources = [read_file(ev.text_for_gold(g)) for g in golds]
    chars = sum(len(s.text) - s.body_start for s in sources)
    import jieba

    jieba.initialize()   # dictionary load is start-up cost, not per-document work
    results = {}
    for name, fn in (("reform-kg", lambda s: ours(s)),
                     ("jieba+regex", lambda s: baseline(s.text[s.body_start:], s.path))):
        fn(sources[0])   # warm up
        report = ev.Report()
        t = time.perf_counter()
        outs = [fn(s) for s in sources]
        elapsed = time.perf_counter() - t
        for out, g in zip(outs, golds):
            ev.score_document(out, ev.load_json(g), report)
        results[name] = (report, chars / elapsed)
    fields = ("tasks", "lead_units", "support_units", "deadline", "cites", "outcomes",
              "units", "policies", "places", "persons")
    print(f"{len(golds)} documents, {chars} characters")
    print(f"{'field':<14}" + "".join(f"{n:>14}" for n in results))
    for f in fields:
        print(f"{f:<14}" + "".join(f"{r.fields.get(f, ev.Counts()).f1:>14.3f}" for r, _ in results.values()))
    print(f"{'chars/s':<14}" + "".join(f"{cps:>14,.0f}" for _, cps in results.values()))
    a, b = results["reform-kg"][1], results["jieba+regex"][1]
    print(f"throughput ratio reform-kg / baseline: {a / b:.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
