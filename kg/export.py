"""Bulk path: documents -> CSV files for ``neo4j-admin database import full``.

The pure pipeline (:func:`kg.pipeline.process_file`) turns each file into a graph batch;
the batches are validated with the stores' own rules
(:func:`kg.stores.neo4j.prepare_batch`) and merged in memory the way the stores merge
them, so that importing the files gives the graph ``kg ingest`` of the same files in
the same order gives:

* the files are walked by the ingest loop itself (:func:`kg.loaders.ingest.ingest`, with
  the in-memory :class:`GraphImage` as its store): documents with the same content as an
  earlier one are skipped (``duplicate``), a document seen again with the same hash is
  ``unchanged``, with another hash its earlier facts are replaced (owned nodes, its
  relationships, shared nodes only it supported);
* shared nodes (Unit, Policy, Place, ...) are one node whatever the number of documents
  naming them; their properties are merged in document order (``SET n += props``) and
  ``aliases`` is the sorted list of distinct MENTIONS texts pointing at them (nodes no
  MENTIONS points at keep the aliases their batches gave them);
* relationships are deduplicated per document on their schema ``merge_on`` identity.

Output directory::

    nodes_<Label>_header.csv     nodes_<Label>.csv         one pair per label that has nodes
    rels_<TYPE>_<Start>_<End>_header.csv  rels_<...>.csv   one pair per (type, start, end)
    import.args                  the options for neo4j-admin (one per line, absolute paths)
    post-import.cypher           to run once the server is up: constraints, indexes, empty lists
    post-import.json             the same as data, for :func:`finish_import`
    export-report.json           per-file results (export_paths)

Every label has its own ID space named after it (``id:ID(Unit)``: the key is stored as
the ``id`` property), so ``:START_ID(Unit)``/``:END_ID(Task)`` resolve; property columns
are typed from the schema (``string``, ``long``, ``double``, ``boolean``, ``string[]``).
Run it with ``neo4j-admin database import full neo4j --overwrite-destination
@DIR/import.args`` on a stopped server (Community: the ``neo4j`` database), then start the server;
then ``cypher-shell -f DIR/post-import.cypher`` (or :func:`finish_import`) creates the
schema's constraints and indexes and sets the list properties that are empty lists
(neo4j-admin stores no property for an empty array field).
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from kg.errors import SchemaError, StoreError
from kg.records import GraphBatch
from kg.schema import Schema, load_schema
from kg.stores.base import Stats, WriteResult
from kg.stores.neo4j import DOC_LABEL, Prepared, prepare_batch

if TYPE_CHECKING:
    from kg.loaders.ingest import IngestReport

__all__ = ["GraphImage", "ExportReport", "Written", "export_batches", "export_paths",
           "write_csv", "finish_import", "ARGS_FILE", "POST_IMPORT"]

ARGS_FILE = "import.args"
POST_IMPORT = "post-import.cypher"       # for cypher-shell -f
POST_IMPORT_JSON = "post-import.json"    # the same, as data (finish_import)
MENTIONS = "MENTIONS"
# array delimiters tried in turn: the first that no list element contains is used
_ARRAY_DELIMITERS = ("\x1f", "\x1e", "\x1d", "\x1c", "\x7f", "|", ";")
_SCALAR_TYPES = {"string": "string", "integer": "long", "float": "double", "boolean": "boolean"}


def _type_of(spec: Any) -> str:
    return str(spec.get("type", "string")) if isinstance(spec, dict) or hasattr(spec, "get") else str(spec)


# --- the merged graph ------------------------------------------------------------------------


class GraphImage:
    """The graph the stores would hold after writing these batches in this order.

    A write-only :class:`~kg.stores.base.GraphStore` in memory: ``write_document`` has
    the semantics of the stores' (same hash -> ``unchanged``; another hash -> the
    earlier version's facts are removed first, in the same step), ``forget_document``
    too, so :func:`kg.loaders.ingest.ingest` drives it exactly as it drives a store.
    ``read`` is not supported.
    """

    def __init__(self, schema: Schema | None = None) -> None:
        self.schema = schema or load_schema()
        self.nodes: dict[tuple[str, str], dict[str, Any]] = {}          # (label, key) -> props
        self.hashes: dict[str, str] = {}                                  # doc id -> content hash
        self.owned: dict[str, list[tuple[str, str]]] = {}                 # doc id -> its owned nodes
        # doc id -> (type, start label, end label) -> identity -> props
        self.rels: dict[str, dict[tuple[str, str, str], dict[tuple, dict[str, Any]]]] = {}
        self.degree: Counter[tuple[str, str]] = Counter()                 # relationships per node
        self.mentions: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        self._by_hash: Counter[str] = Counter()                            # content hash -> documents
        targets = self.schema.rel(MENTIONS).to_labels if MENTIONS in self.schema.relationships else ()
        self._alias_labels = {lab for lab in targets if "aliases" in self.schema.node(lab).properties}
        self._shared = set(self.schema.shared_labels)
        self._last = (0, 0)                                                # sizes of the last batch added

    # -- the store protocol -----------------------------------------------------------------
    def apply_schema(self) -> None:
        pass

    def document_hash(self, doc_id: str) -> str | None:
        return self.hashes.get(doc_id)

    def find_document_by_hash(self, content_hash: str) -> str | None:
        ids = [d for d, h in self.hashes.items() if h == content_hash] if content_hash in self._by_hash else []
        return min(ids) if ids else None

    def write_document(self, batch: GraphBatch) -> WriteResult:
        status = self.add(batch)
        if status == "unchanged":
            return WriteResult(batch.doc_id, status)
        return WriteResult(batch.doc_id, status, nodes=self._last[0], rels=self._last[1])

    def forget_document(self, doc_id: str) -> bool:
        return self.forget(doc_id)

    def read(self, cypher: str, params: Any = None) -> list[dict[str, Any]]:
        raise StoreError("the export image cannot run queries; import it into Neo4j first")

    def clear(self) -> None:
        self.__init__(self.schema)  # type: ignore[misc]

    def close(self) -> None:
        pass

    # -- writes ---------------------------------------------------------------------------
    def add(self, batch: GraphBatch) -> str:
        """Merge a batch; returns ``written``, ``replaced`` or ``unchanged``.  SchemaError
        (nothing merged) when the stores would reject it."""
        prep = prepare_batch(batch, self.schema)
        old = self.hashes.get(prep.doc_id)
        if old == prep.content_hash:
            return "unchanged"
        missing = [f"{label} {key!r}" for label, key in sorted(prep.external) if (label, key) not in self.nodes]
        if missing:
            raise SchemaError(
                f"document {prep.doc_id}: relationships point at nodes that are neither in the batch "
                f"nor in the graph: {', '.join(missing[:10])}{' …' if len(missing) > 10 else ''}"
            )
        mine = set(self.owned.get(prep.doc_id, ()))
        for label, rows in prep.nodes.items():
            if label not in self._shared and label != DOC_LABEL:
                clash = next((k for k in rows if (label, k) in self.nodes and (label, k) not in mine), None)
                if clash is not None:    # the stores CREATE owned nodes: a unique-constraint error there
                    raise SchemaError(f"document {prep.doc_id}: {label} {clash!r} belongs to another document")
        touched: set[tuple[str, str]] = set()
        if old is not None:
            touched = self._remove(prep.doc_id, sweep_except=prep.external)
        self._merge(prep)
        self._recompute_aliases(touched | prep.shared)
        self._last = (prep.n_nodes, prep.n_rels)
        return "replaced" if old is not None else "written"

    def forget(self, doc_id: str) -> bool:
        if doc_id not in self.hashes:
            return False
        touched = self._remove(doc_id, sweep_except=set())
        self._recompute_aliases(touched)
        return True

    def _merge(self, prep: Prepared) -> None:
        doc = prep.doc_id
        self.hashes[doc] = prep.content_hash
        self._by_hash[prep.content_hash] += 1
        owned: list[tuple[str, str]] = []
        for label, rows in prep.nodes.items():
            is_owned = label not in self._shared
            for key, props in rows.items():
                slot = self.nodes.setdefault((label, key), {})
                slot.update(props)                     # MERGE + SET n += props
                for name in [k for k, v in slot.items() if v is None]:
                    del slot[name]                     # SET n += {p: null} removes p
                if is_owned:
                    owned.append((label, key))
        self.owned[doc] = owned
        mine: dict[tuple[str, str, str], dict[tuple, dict[str, Any]]] = {}
        for (rtype, s, e), rows in prep.rels.items():
            mine[(rtype, s, e)] = {ident: {k: v for k, v in p.items() if v is not None} for ident, p in rows.items()}
            for ident, props in rows.items():
                self.degree[(s, ident[0])] += 1
                self.degree[(e, ident[1])] += 1
                if rtype == MENTIONS and props.get("text") is not None:
                    self.mentions[(e, ident[1])][props["text"]] += 1
        self.rels[doc] = mine

    def _remove(self, doc_id: str, sweep_except: set[tuple[str, str]]) -> set[tuple[str, str]]:
        """Drop a document's facts; returns the shared nodes its relationships touched."""
        touched: set[tuple[str, str]] = set()
        for (rtype, s, e), rows in self.rels.pop(doc_id, {}).items():
            for ident, props in rows.items():
                for end in ((s, ident[0]), (e, ident[1])):
                    self.degree[end] -= 1
                    if end[0] in self._shared:
                        touched.add(end)
                if rtype == MENTIONS and props.get("text") is not None:
                    texts = self.mentions[(e, ident[1])]
                    texts[props["text"]] -= 1
                    if texts[props["text"]] <= 0:
                        del texts[props["text"]]
        for node in self.owned.pop(doc_id, []):
            self.nodes.pop(node, None)
            self.degree.pop(node, None)
        old = self.hashes.pop(doc_id, None)
        if old is not None:
            self._by_hash[old] -= 1
            if self._by_hash[old] <= 0:
                del self._by_hash[old]
        for node in touched - sweep_except:
            if self.degree.get(node, 0) <= 0 and node in self.nodes:
                del self.nodes[node]
                self.degree.pop(node, None)
                self.mentions.pop(node, None)
        return touched

    def _recompute_aliases(self, touched: Iterable[tuple[str, str]]) -> None:
        for node in touched:
            if node[0] in self._alias_labels and node in self.nodes:
                texts = self.mentions.get(node)
                if texts:
                    self.nodes[node]["aliases"] = sorted(texts)

    # -- reading --------------------------------------------------------------------------
    def stats(self) -> Stats:
        labels = {lab: 0 for lab in self.schema.nodes}
        for label, _key in self.nodes:
            labels[label] += 1
        types = {t: 0 for t in self.schema.relationships}
        for by_type in self.rels.values():
            for (rtype, _s, _e), rows in by_type.items():
                types[rtype] += len(rows)
        return Stats(labels=labels, relationships=types)

    def node_rows(self) -> dict[str, list[tuple[str, dict[str, Any]]]]:
        """label -> [(key, props)], sorted by key."""
        out: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
        for (label, key), props in sorted(self.nodes.items()):
            out[label].append((key, props))
        return out

    def rel_rows(self) -> dict[tuple[str, str, str], list[tuple[str, str, dict[str, Any]]]]:
        """(type, start label, end label) -> [(start key, end key, props)], in document order."""
        out: dict[tuple[str, str, str], list[tuple[str, str, dict[str, Any]]]] = defaultdict(list)
        for by_type in self.rels.values():
            for group, rows in by_type.items():
                out[group].extend((ident[0], ident[1], props) for ident, props in rows.items())
        return out


# --- CSV for neo4j-admin ------------------------------------------------------------------------


def _csv_string(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


class _Columns:
    """Typed columns of one file: the schema order, only the properties that occur."""

    def __init__(self, names: Sequence[str], spec: Any, where: str) -> None:
        self.names = list(names)
        self.spec = spec
        self.where = where
        self.array_kind: dict[str, str] = {}

    def observe(self, props: dict[str, Any]) -> None:
        for name, value in props.items():
            if isinstance(value, list) and value:
                # prepare_batch left one kind per list (numbers: all floats when any is)
                first = value[0]
                kind = ("boolean" if isinstance(first, bool) else "string" if isinstance(first, str)
                        else "double" if isinstance(first, float) else "long")
                seen = self.array_kind.setdefault(name, kind)
                if seen != kind:
                    raise SchemaError(f"{self.where}.{name}: lists of {seen} and lists of {kind}; a neo4j-admin "
                                      f"column has one type")

    def header_type(self, name: str) -> str:
        typ = _type_of(self.spec[name])
        if typ == "list":
            return f"{self.array_kind.get(name, 'string')}[]"
        return _SCALAR_TYPES.get(typ, "string")


def _cell(value: Any, typ: str, array_delim: str) -> str:
    if value is None:
        return ""                                 # an empty unquoted field: no property
    if typ.endswith("[]"):
        if not value:
            return ""         # neo4j-admin cannot store an empty list: see Written.empty_lists
        return _csv_string(array_delim.join(_scalar_text(v) for v in value))
    return _scalar_text(value, quote=True)


def _scalar_text(v: Any, quote: bool = False) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise SchemaError(f"{v} is not a finite number")
        return repr(v)
    return _csv_string(str(v)) if quote else str(v)


@dataclass
class Written:
    """What :func:`write_csv` wrote."""

    directory: Path
    args_file: Path
    files: list[Path] = field(default_factory=list)
    nodes: dict[str, int] = field(default_factory=dict)
    relationships: dict[str, int] = field(default_factory=dict)
    # label -> property -> keys of nodes whose list property is [] (neo4j-admin cannot
    # store an empty list: an empty field is no property); POST_IMPORT sets them
    empty_lists: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def admin_args(self, database: str = "neo4j") -> list[str]:
        """Arguments for ``neo4j-admin`` (after the program name)."""
        # the database name first: --nodes/--relationships take any number of values
        return ["database", "import", "full", database, "--overwrite-destination=true", f"@{self.args_file}"]

    @property
    def rows(self) -> int:
        return sum(self.nodes.values()) + sum(self.relationships.values())


def _cypher_string(s: str) -> str:
    out = s.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r")
    return "'" + out + "'"


def _fixup_statements(schema: Schema, empty: dict[str, dict[str, list[str]]]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for label, by_prop in sorted(empty.items()):
        key = schema.node(label).key
        for prop, keys in sorted(by_prop.items()):
            for i in range(0, len(keys), 1000):
                out.append((f"UNWIND $keys AS k MATCH (n:`{label}` {{`{key}`: k}}) SET n.`{prop}` = []",
                            {"keys": keys[i:i + 1000]}))
    return out


def write_csv(image: GraphImage, out_dir: str | Path) -> Written:
    from kg.stores.neo4j import schema_statements

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for old in list(out.glob("nodes_*.csv")) + list(out.glob("rels_*.csv")):
        old.unlink()
    schema = image.schema
    nodes = image.node_rows()
    rels = image.rel_rows()

    # one array delimiter no list element contains; multi-line parsing only when needed
    def has_newline(v: Any) -> bool:
        return isinstance(v, str) and ("\n" in v or "\r" in v)

    chars: set[str] = set()
    multiline = False
    for rows in nodes.values():
        for key, props in rows:
            multiline = multiline or has_newline(key)
            for v in props.values():
                if isinstance(v, list):
                    for item in v:
                        if isinstance(item, str):
                            chars.update(c for c in item if c in _ARRAY_DELIMITERS)
                            multiline = multiline or has_newline(item)
                elif has_newline(v):
                    multiline = True
    for rows in rels.values():
        for a, b, props in rows:
            if has_newline(a) or has_newline(b) or any(has_newline(v) for v in props.values()):
                multiline = True
    delim = next((d for d in _ARRAY_DELIMITERS if d not in chars), None)
    if delim is None:
        raise SchemaError("every candidate array delimiter occurs in some list value")

    written = Written(directory=out.resolve(), args_file=(out / ARGS_FILE).resolve())
    args = [
        "--id-type=string",
        f"--array-delimiter=U+{ord(delim):04X}",
        f"--multiline-fields={'true' if multiline else 'false'}",
        "--skip-duplicate-nodes=false",
        "--skip-bad-relationships=false",
    ]

    for label, rows in nodes.items():
        nt = schema.node(label)
        names = [p for p in nt.properties if p != nt.key and any(p in props for _k, props in rows)]
        cols = _Columns(names, nt.properties, label)
        for _key, props in rows:
            cols.observe(props)
        types = {n: cols.header_type(n) for n in names}
        header = [f"{nt.key}:ID({label})", ":LABEL"] + [f"{n}:{types[n]}" for n in names]
        h, d = out / f"nodes_{label}_header.csv", out / f"nodes_{label}.csv"
        h.write_text(",".join(header) + "\n", encoding="utf-8")
        with open(d, "w", encoding="utf-8", newline="") as fh:
            for key, props in rows:
                cells = [_csv_string(key), label]
                for n in names:
                    v = props.get(n)
                    if isinstance(v, list) and not v:
                        written.empty_lists.setdefault(label, {}).setdefault(n, []).append(key)
                    cells.append(_cell(v, types[n], delim))
                fh.write(",".join(cells) + "\n")
        written.files += [h, d]
        written.nodes[label] = len(rows)
        args.append(f"--nodes={h.resolve()},{d.resolve()}")

    for (rtype, s, e), rows in sorted(rels.items()):
        rt = schema.rel(rtype)
        names = [p for p in rt.properties if any(p in props for _a, _b, props in rows)]
        types = {n: _SCALAR_TYPES.get(_type_of(rt.properties[n]), "string") for n in names}
        header = [f":START_ID({s})", f":END_ID({e})", ":TYPE"] + [f"{n}:{types[n]}" for n in names]
        h, d = out / f"rels_{rtype}_{s}_{e}_header.csv", out / f"rels_{rtype}_{s}_{e}.csv"
        h.write_text(",".join(header) + "\n", encoding="utf-8")
        with open(d, "w", encoding="utf-8", newline="") as fh:
            for a, b, props in rows:
                cells = [_csv_string(a), _csv_string(b), rtype] + [_cell(props.get(n), types[n], delim) for n in names]
                fh.write(",".join(cells) + "\n")
        written.files += [h, d]
        written.relationships[rtype] = written.relationships.get(rtype, 0) + len(rows)
        args.append(f"--relationships={h.resolve()},{d.resolve()}")

    written.args_file.write_text("".join(a + "\n" for a in args), encoding="utf-8")

    # after the import: the constraints and indexes of the schema, then the empty lists
    (out / POST_IMPORT_JSON).write_text(json.dumps({"empty_lists": written.empty_lists}, ensure_ascii=False,
                                                   indent=1), encoding="utf-8")
    lines = [f"{stmt};" for stmt in schema_statements(schema)] + ["CALL db.awaitIndexes(300);"]
    for stmt, params in _fixup_statements(schema, written.empty_lists):
        keys = ", ".join(_cypher_string(k) for k in params["keys"])
        lines.append(stmt.replace("$keys", f"[{keys}]") + ";")
    (out / POST_IMPORT).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return written


def finish_import(store: Any, out_dir: str | Path) -> None:
    """After ``neo4j-admin database import`` and a server start: apply the schema
    (constraints, indexes) and set the empty lists the CSV could not carry.
    ``store`` is a :class:`kg.stores.neo4j.Neo4jStore` on the imported database.
    (``cypher-shell -f DIR/post-import.cypher`` does the same.)"""
    store.apply_schema()
    data = json.loads((Path(out_dir) / POST_IMPORT_JSON).read_text(encoding="utf-8"))
    fixups = _fixup_statements(store.schema, data.get("empty_lists") or {})
    if not fixups:
        return
    with store._errors("finish the import"), store._session() as s:
        def work(tx: Any) -> None:
            for stmt, params in fixups:
                tx.run(stmt, params).consume()
        s.execute_write(work)


# --- files in, CSV out ---------------------------------------------------------------------------


def export_batches(batches: Iterable[GraphBatch], out_dir: str | Path,
                   schema: Schema | None = None) -> tuple[GraphImage, Written]:
    """Merge ``batches`` (in order, like ``write_document`` calls) and write the CSVs."""
    image = GraphImage(schema)
    for b in batches:
        image.add(b)
    return image, write_csv(image, out_dir)


@dataclass
class ExportReport:
    ingest: IngestReport             # per file: written / unchanged / duplicate / skipped / failed
    stats: Stats
    written: Written

    @property
    def complete(self) -> bool:
        return self.ingest.complete

    def summary(self) -> str:
        r = self.ingest
        return (f"exported {r.loaded} document(s), skipped {r.count('duplicate')} duplicate(s) and "
                f"{r.count('skipped')} non-document file(s), failed {len(r.failed)}")


def export_paths(paths: Sequence[str | os.PathLike[str]], out_dir: str | Path, *,
                 include: Iterable[str] = ("*",), exclude: Iterable[str] = (),
                 max_bytes: int | None = None, corrections: Any = None,
                 on_file: Callable[[Any], None] | None = None,
                 schema: Schema | None = None) -> ExportReport:
    """What ``kg ingest`` does with the same files, written as neo4j-admin CSVs.

    The very same ingest loop (:func:`kg.loaders.ingest.ingest`) runs with the in-memory
    :class:`GraphImage` as its store: files that cannot be read or understood are
    reported and the rest go on, documents with the text of an earlier one are
    duplicates.  The per-file report is written to ``out_dir/export-report.json``.
    """
    from kg.loaders.ingest import ingest

    image = GraphImage(schema)
    report = ingest([os.fspath(p) for p in paths], image, include=include, exclude=exclude,
                    max_bytes=max_bytes, corrections=corrections, on_file=on_file)
    written = write_csv(image, out_dir)
    report.write(Path(out_dir) / "export-report.json")
    return ExportReport(report, image.stats(), written)
