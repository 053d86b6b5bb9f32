"""The pure part of the pipeline, file or text in, records out (no database)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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


def process_source(source: SourceText, corrections: Corrections | None = None) -> Processed:
    ex = extract(segment(source))
    rd = resolve(ex, corrections)
    return Processed(source, ex, rd, build_batch(rd))


def process_file(path: str | Path, *, max_bytes: int | None = None,
                 corrections: Corrections | None = None) -> Processed:
    src = read_file(path, max_bytes=max_bytes) if max_bytes else read_file(path)
    return process_source(src, corrections)
