"""Golden files: the full extraction output of the seed documents, byte for byte.

Each seed's file holds what ``kg extract --format jsonl`` prints for it (the corpus
contract: tasks, owners, deadlines, citations, outcomes, units, policies, places,
persons, canonical names) and the graph batch built from it (every node and
relationship with its properties), so a refactoring that changes any extracted or
resolved fact fails here.  A deliberate change is recorded with

    pytest tests/test_golden.py --update-golden

and the diff of tests/golden/ is reviewed and committed with the change that caused it.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest

from kg.extract.pipeline import extraction_to_contract
from kg.pipeline import process_file
from kg.resolve import canonical_names
from tests.conftest import SAMPLE

GOLDEN = Path(__file__).resolve().parent / "golden"
SEEDS = sorted(SAMPLE.glob("*.txt"))
# The content hash mixes in the code version and the data files' digest (so a release
# refreshes stored documents); it is not an extracted fact.
VOLATILE = {"sha256"}


def _snapshot(path: Path) -> str:
    p = process_file(path)
    contract = extraction_to_contract(p.extraction, canonical_names(p.resolved))
    contract["source"] = path.name
    nodes = sorted(
        ({"label": n.label, "key": n.key,
          "props": {k: v for k, v in sorted(n.props.items()) if k not in VOLATILE and k != "source"}}
         for n in p.batch.nodes),
        key=lambda n: (n["label"], n["key"].replace(p.batch.doc_id, "<doc>")))
    rels = sorted(
        ({"type": r.type, "from": [r.start_label, r.start_key], "to": [r.end_label, r.end_key],
          "props": dict(sorted(r.props.items()))} for r in p.batch.rels),
        key=lambda r: json.dumps(r, ensure_ascii=False, sort_keys=True).replace(p.batch.doc_id, "<doc>"))
    out = json.dumps({"extraction": contract, "graph": {"nodes": nodes, "rels": rels}},
                     ensure_ascii=False, indent=1, default=list) + "\n"
    # the document id hashes the file's absolute path: a checkout elsewhere has another
    return out.replace(p.batch.doc_id, "<doc>")


def test_there_are_seeds_to_compare():
    assert len(SEEDS) == 5


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem)
def test_extraction_output_equals_the_golden_file(seed, request):
    golden = GOLDEN / f"{seed.stem}.json"
    actual = _snapshot(seed)
    if request.config.getoption("--update-golden"):
        golden.write_text(actual, encoding="utf-8")
    assert golden.exists(), f"{golden} missing: run pytest {__file__} --update-golden"
    expected = golden.read_text(encoding="utf-8")
    if actual != expected:
        # a readable unified diff (first 60 lines) rather than two 100 kB strings
        diff = list(difflib.unified_diff(expected.splitlines(), actual.splitlines(),
                                         "golden/" + golden.name, "now", n=4, lineterm=""))
        pytest.fail(f"{seed.name}: extraction differs from {golden.name}:\n" + "\n".join(diff[:60])
                    + "\n(a deliberate change: pytest tests/test_golden.py --update-golden, review the diff)")
