"""Shared fixtures: sample documents, the corpus (optional), real services."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from kg.records import SourceText

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "kg" / "data" / "sample"
CORPUS = ROOT.parent / "shared" / "corpus"
SEED_003 = SAMPLE / "003_1269706941807864.txt"

try:  # the Neo4j fixture lives in its own module (provisioning is heavy)
    from tests.neo4j_fixture import neo4j_server  # noqa: F401
except ImportError:  # pragma: no cover
    pass


def source(text: str, path: str = "<test>") -> SourceText:
    body = text.index("\n\n") + 2 if text.startswith("# source:") else 0
    return SourceText(path, text, "utf-8", hashlib.sha256(text.encode()).hexdigest(), body_start=body)


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not (CORPUS / "seeds").is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS}")
    return CORPUS


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="Rewrite tests/golden/*.json from the current extraction output "
                          "(review the diff before committing it).")
