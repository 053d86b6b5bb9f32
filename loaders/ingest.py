"""Ingest a batch of files into a store: one bad file never stops the batch.

Each document is processed purely (read -> … -> batch) and then written by the store in
one atomic unit; a file that cannot be read or understood is reported with its path and
the reason and the rest go on.  A store failure stops the run (the store is gone), with
nothing of the current document written.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from kg.errors import KgError, StoreError
from kg.pipeline import process_file
from kg.read import iter_files
from kg.resolve import Corrections
from kg.stores.base import GraphStore


@dataclass
class FileResult:
    path: str
    status: str            # written | replaced | unchanged | duplicate | failed
    doc_id: str | None = None
    reason: str | None = None
    tasks: int = 0


@dataclass
class IngestReport:
    results: list[FileResult] = field(default_factory=list)

    def count(self, *statuses: str) -> int:
        return sum(1 for r in self.results if r.status in statuses)

    @property
    def loaded(self) -> int:
        return self.count("written", "replaced", "unchanged")

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def complete(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        return (f"loaded {self.loaded} (new {self.count('written')}, replaced {self.count('replaced')}, "
                f"unchanged {self.count('unchanged')}), skipped {self.count('duplicate')} duplicate(s), "
                f"failed {len(self.failed)}")

    def write(self, path: str | Path) -> Path:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps({"summary": self.summary(), "complete": self.complete,
                                 "files": [asdict(r) for r in self.results]},
                                ensure_ascii=False, indent=2), encoding="utf-8")
        return p


def ingest(paths: Sequence[str | Path], store: GraphStore, *, include: Iterable[str] = ("*",),
           exclude: Iterable[str] = (), max_bytes: int | None = None,
           corrections: Corrections | None = None,
           on_file: Callable[[FileResult], None] | None = None) -> IngestReport:
    report = IngestReport()
    seen_hashes: dict[str, str] = {}
    store.apply_schema()
    for path in iter_files(paths, include=tuple(include), exclude=tuple(exclude), only_supported=True):
        result = _one(path, store, seen_hashes, max_bytes, corrections)
        report.results.append(result)
        if on_file:
            on_file(result)
    return report


def _one(path: Path, store: GraphStore, seen: dict[str, str], max_bytes: int | None,
         corrections: Corrections | None) -> FileResult:
    shown = str(path)
    try:
        processed = process_file(path, max_bytes=max_bytes, corrections=corrections)
    except StoreError:
        raise
    except KgError as exc:
        return FileResult(shown, "failed", reason=str(exc))
    except Exception as exc:  # a bug must not cost the rest of the batch; say what happened
        return FileResult(shown, "failed", reason=f"{shown}: internal error {type(exc).__name__}: {exc}")
    batch = processed.batch
    tasks = len(processed.extraction.tasks)
    first = seen.get(batch.content_hash)
    if first and first != batch.doc_id:
        return FileResult(shown, "duplicate", batch.doc_id, f"same content as {first}")
    stored = store.find_document_by_hash(batch.content_hash)
    if stored and stored != batch.doc_id:
        return FileResult(shown, "duplicate", batch.doc_id, f"same content as stored document {stored}")
    seen[batch.content_hash] = batch.doc_id
    try:
        res = store.write_document(batch)
    except StoreError:
        raise
    except KgError as exc:   # e.g. a batch the schema rejects: this document only
        return FileResult(shown, "failed", batch.doc_id, reason=f"{shown}: {exc}")
    return FileResult(shown, res.status, batch.doc_id, tasks=tasks)
