"""Run the pipeline over gold-annotated folders and score it (``kg eval``)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from kg import eval as ev
from kg.extract.pipeline import extraction_to_contract
from kg.pipeline import process_file
from kg.resolve import canonical_names


def evaluate(dirs: Iterable[str | Path], pairs_dirs: Iterable[str | Path] = ()
             ) -> tuple[ev.Report, ev.Counts | None, dict[str, tuple[int, int]]]:
    """Score every ``X.gold.json`` with its ``X.txt``; ``X.pairs.json`` (beside it or in
    one of ``pairs_dirs``) scores resolution.  Also returns, per ``X.units.json``,
    (distinct canonical units found, gold bodies)."""
    extra_pairs = [Path(d) for d in pairs_dirs]
    report = ev.Report()
    resolution: ev.Counts | None = None
    units: dict[str, tuple[int, int]] = {}
    for gold_path in ev.gold_files(dirs):
        text_path = ev.text_for_gold(gold_path)
        p = process_file(text_path)
        contract = extraction_to_contract(p.extraction, canonical_names(p.resolved))
        stem = gold_path.name[: -len(".gold.json")]
        ev.score_document(contract, ev.load_json(gold_path), report, stem)
        for pairs in [gold_path.with_name(stem + ".pairs.json")] + [d / f"{stem}.pairs.json" for d in extra_pairs]:
            if pairs.exists():
                resolution = resolution or ev.Counts()
                resolution.add(ev.score_pairs(contract, ev.load_json(pairs)))
        gold_units = gold_path.with_name(stem + ".units.json")
        if gold_units.exists():
            found = {p.resolved.links[(m.span.start, m.span.end, m.label)]
                     for m in list(p.extraction.units)
                     + [u for t in p.extraction.tasks for u in t.lead_units + t.support_units]
                     if (m.span.start, m.span.end, m.label) in p.resolved.links}
            units[stem] = (len(found), len(ev.load_json(gold_units).get("entities") or []))
    return report, resolution, units


def default_pairs_dirs() -> list[Path]:
    """The project's own resolution annotations for the extra documents (source checkout)."""
    d = Path(__file__).resolve().parent.parent / "eval" / "pairs"
    return [d] if d.is_dir() else []
