"""The pure part of the pipeline, file or text in, records out (no database)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from kg import __version__
from kg.extract.pipeline import extract
from kg.loaders.batch import build_batch
from kg.read import read_file
from kg.records import Extraction, GraphBatch, ResolvedDocument, SourceText
from kg.resolve import Corrections, resolve
from kg.segment import segment


@dataclass(frozen=True)
class Processed:
    source: SourceText
    extraction: Extraction
    resolved: ResolvedDocument
    batch: GraphBatch


def pipeline_fingerprint(corrections: Corrections | None = None) -> str:
    """What, besides the text, decides a document's facts: this version's code and data
    files and the researcher's corrections.  Part of the batch's content hash, so a new
    release or a changed corrections file refreshes documents on re-ingest instead of
    reporting them unchanged."""
    h = hashlib.sha256(__version__.encode())
    h.update(_data_digest().encode())
    if corrections is not None:
        h.update(repr((corrections.aliases, corrections.splits)).encode("utf-8"))
    return h.hexdigest()[:16]


@lru_cache(maxsize=1)
def _data_digest() -> str:
    h = hashlib.sha256()
    root = resources.files("kg.data")
    for name in sorted(n.name for n in root.iterdir() if n.name.endswith((".yaml", ".tsv"))):
        h.update(name.encode())
        h.update(root.joinpath(name).read_bytes())
    return h.hexdigest()


def process_source(source: SourceText, corrections: Corrections | None = None) -> Processed:
    ex = extract(segment(source))
    rd = resolve(ex, corrections)
    return Processed(source, ex, rd, build_batch(rd, fingerprint=pipeline_fingerprint(corrections)))


def process_file(path: str | Path, *, max_bytes: int | None = None,
                 corrections: Corrections | None = None) -> Processed:
    src = read_file(path, max_bytes=max_bytes) if max_bytes else read_file(path)
    return process_source(src, corrections)
