"""Ingest a batch of files into a store: one bad file never stops the batch.

Each document is processed purely (read -> … -> batch) and then written by the store in
one atomic unit; a file that cannot be read or understood is reported with its path and
the reason and the rest go on.  A store failure stops the run (the store is gone), with
nothing of the current document written; the report then says so (``aborted``) and
holds every file dealt with before the failure, and running the same ingest again
finishes the job (documents already stored are ``unchanged``).

Statuses of a file:

* ``written`` / ``replaced`` / ``unchanged`` — loaded (new, changed since last time, same
  content as stored);
* ``duplicate`` — the same text as another file of this run or a document already
  stored under another path: skipped, the graph holds it once;
* ``skipped`` — a file found in a folder whose type is not a document (``.json``,
  ``.png``): left out, not an error;
* ``failed`` — the file could not be read or understood (named explicitly with an
  unsupported type, empty, binary, too large, unreadable, a broken link, …).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from kg.errors import InputError, KgError, StoreError
from kg.pipeline import process_file
from kg.read import DEFAULT_MAX_BYTES, iter_files
from kg.resolve import Corrections
from kg.stores.base import GraphStore

LOADED = ("written", "replaced", "unchanged")
SKIPPED = ("duplicate", "skipped")


@dataclass
class FileResult:
    path: str
    status: str            # written | replaced | unchanged | duplicate | skipped | failed
    doc_id: str | None = None
    reason: str | None = None      # why it was skipped or failed (without the path)
    tasks: int = 0
    duplicate_of: str | None = None   # path (or stored document id) holding the same text

    @property
    def message(self) -> str:
        """``PATH: reason`` for the terminal."""
        return f"{self.path}: {self.reason}" if self.reason else self.path


@dataclass
class IngestReport:
    results: list[FileResult] = field(default_factory=list)
    total: int | None = None           # files found (known once the paths are expanded)
    aborted: str | None = None         # the store error that stopped the run, if any

    def count(self, *statuses: str) -> int:
        return sum(1 for r in self.results if r.status in statuses)

    @property
    def loaded(self) -> int:
        return self.count(*LOADED)

    @property
    def skipped(self) -> int:
        return self.count(*SKIPPED)

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def complete(self) -> bool:
        return not self.failed and self.aborted is None

    def summary(self) -> str:
        text = (f"loaded {self.loaded} (new {self.count('written')}, replaced {self.count('replaced')}, "
                f"unchanged {self.count('unchanged')}), skipped {self.skipped} "
                f"({self.count('duplicate')} duplicate, {self.count('skipped')} not a document), "
                f"failed {len(self.failed)}")
        if self.aborted is not None:
            left = (self.total - len(self.results)) if self.total is not None else None
            text += f"; stopped by a store error{f' with {left} file(s) not done' if left else ''}"
        return text

    def as_dict(self) -> dict:
        return {
            "summary": self.summary(),
            "complete": self.complete,
            "aborted": self.aborted,
            "counts": {
                "files": self.total if self.total is not None else len(self.results),
                "done": len(self.results),
                "loaded": self.loaded, "written": self.count("written"), "replaced": self.count("replaced"),
                "unchanged": self.count("unchanged"), "skipped": self.skipped,
                "duplicate": self.count("duplicate"), "not_a_document": self.count("skipped"),
                "failed": len(self.failed),
            },
            "files": [asdict(r) for r in self.results],
        }

    def write(self, path: str | Path) -> Path:
        """Write the report as JSON (atomically: a reader never sees half a report)."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps(self.as_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            os.replace(tmp, p)
        finally:
            if tmp.exists():
                tmp.unlink()
        return p


def ingest(paths: Sequence[str | Path], store: GraphStore, *, include: Iterable[str] = ("*",),
           exclude: Iterable[str] = (), max_bytes: int | None = None,
           corrections: Corrections | None = None,
           on_file: Callable[[FileResult], None] | None = None,
           on_start: Callable[[int], None] | None = None,
           report: IngestReport | None = None) -> IngestReport:
    """Ingest files and folders (recursively; ``include``/``exclude`` globs apply to the
    files found in folders).  ``on_start(total)`` is called once the paths are expanded,
    ``on_file(result)`` after every file.  Pass ``report`` to keep what was done when a
    :class:`~kg.errors.StoreError` stops the run (it is re-raised, ``report.aborted`` set).
    """
    if max_bytes is not None and (not isinstance(max_bytes, int) or max_bytes < 1):
        raise ValueError(f"max_bytes must be a positive integer, not {max_bytes!r}")
    report = report if report is not None else IngestReport()
    given = [os.fspath(p) for p in paths]
    named = {os.path.abspath(p) for p in given if not os.path.isdir(p)}
    files = list(iter_files(given, include=tuple(include), exclude=tuple(exclude)))
    report.total = len(files)
    if on_start:
        on_start(len(files))
    seen_hashes: dict[str, tuple[str, str]] = {}
    try:
        store.apply_schema()
        for path in files:
            result = _one(path, store, seen_hashes, max_bytes or DEFAULT_MAX_BYTES, corrections,
                          named=os.path.abspath(path) in named)
            report.results.append(result)
            if on_file:
                on_file(result)
    except StoreError as exc:
        report.aborted = str(exc)
        raise
    return report


def _one(path: Path, store: GraphStore, seen: dict[str, tuple[str, str]], max_bytes: int,
         corrections: Corrections | None, *, named: bool) -> FileResult:
    shown = str(path)
    try:
        processed = process_file(path, max_bytes=max_bytes, corrections=corrections)
    except StoreError:
        raise
    except InputError as exc:
        if not named and exc.reason.startswith("unsupported file type"):
            return FileResult(shown, "skipped", reason=exc.reason)   # a .json/.png next to the documents
        return FileResult(shown, "failed", reason=exc.reason)
    except KgError as exc:
        return FileResult(shown, "failed", reason=str(exc))
    except Exception as exc:  # a bug must not cost the rest of the batch; say what happened
        return FileResult(shown, "failed", reason=f"internal error {type(exc).__name__}: {exc}")
    batch = processed.batch
    tasks = len(processed.extraction.tasks)
    first = seen.get(batch.content_hash)
    if first and first[0] != batch.doc_id:
        return FileResult(shown, "duplicate", batch.doc_id,
                          f"same content as {first[1]} (document {first[0]})", duplicate_of=first[1])
    stored = store.find_document_by_hash(batch.content_hash)
    if stored and stored != batch.doc_id:
        return FileResult(shown, "duplicate", batch.doc_id, f"same content as stored document {stored}",
                          duplicate_of=stored)
    seen[batch.content_hash] = (batch.doc_id, shown)
    try:
        res = store.write_document(batch)
    except StoreError:
        raise
    except KgError as exc:   # e.g. a batch the schema rejects: this document only
        return FileResult(shown, "failed", batch.doc_id, reason=str(exc))
    return FileResult(shown, res.status, batch.doc_id, tasks=tasks)
