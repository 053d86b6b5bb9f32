"""The Python API: what ``kg`` does on the command line, from a notebook.

::

    import kg

    with kg.open(store="kg-data") as g:            # embedded FalkorDB (default)
        report = g.ingest(["docs/"])                # an IngestReport: .results, .summary()
        rows = g.query("unit_tasks", unit="区财政局")  # a pack query -> list of dicts
        g.forget("003_1269706941807864")            # by document id or file name
        G = g.graph()                               # networkx.MultiDiGraph of the store

    kg.open(neo4j="bolt://localhost:7687", user="neo4j", password="...", database="neo4j")
    kg.extract_file("file.txt")                     # the `kg extract --format jsonl` record

Options not given fall back to the environment like the CLI's (``KG_STORE``,
``NEO4J_URI``, ``NEO4J_USER``, ``NEO4J_PASSWORD``, ``NEO4J_DATABASE``, ``KG_CORRECTIONS``).
Every error the library raises on purpose is a :class:`kg.errors.KgError`.

Nothing heavy is imported here: spaCy and the database drivers load on first use.
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

from kg.errors import AmbiguousDocument, DocumentNotFound, QueryError, StoreError
from kg.settings import Settings

if TYPE_CHECKING:
    import networkx as nx

    from kg.loaders.ingest import FileResult, IngestReport
    from kg.resolve import Corrections
    from kg.stores.base import GraphStore, Stats

__all__ = ["Graph", "open", "extract", "load_corrections", "document_ids", "forget_document",
           "store_graph", "open_settings"]

# --- library functions over a store (the CLI uses them too) ---------------------------------


def load_corrections(path: str | os.PathLike[str] | None) -> "Corrections | None":
    """The researchers' alias/split file (YAML), or None when no path is given."""
    if path is None:
        return None
    from kg.resolve import Corrections

    return Corrections.load(Path(path))


def document_ids(store: "GraphStore", name: str) -> list[str]:
    """The stored documents ``name`` stands for: ``[name]`` when it is a document id,
    else every document that came from a file of that name (without extension)."""
    from kg.queries import run_query

    # the pack's own id-or-file-name match (overview_counts: one row per document)
    ids = [r["document"] for r in run_query(store, "overview_counts", {"doc": name})]
    return [name] if name in ids else ids


def forget_document(store: "GraphStore", name: str) -> str:
    """Remove one document (by id or file name) and every fact only it supported; returns
    its id.  :class:`DocumentNotFound` when nothing is stored under that name,
    :class:`AmbiguousDocument` (nothing removed) when the file name fits several."""
    ids = document_ids(store, name)
    if len(ids) > 1:
        raise AmbiguousDocument(name, ids)
    if not ids or not store.forget_document(ids[0]):
        raise DocumentNotFound(name)
    return ids[0]


_NODES = "MATCH (n) RETURN labels(n) AS labels, properties(n) AS props"
_EDGES = ("MATCH (a)-[r]->(b) RETURN labels(a)[0] AS a_label, properties(a) AS a_props, "
          "labels(b)[0] AS b_label, properties(b) AS b_props, type(r) AS type, properties(r) AS props")


def store_graph(store: "GraphStore") -> "nx.MultiDiGraph":
    """The whole graph of a store: one node per stored node, keyed by its schema key
    (``id``), with ``label`` (its first label) and its properties as attributes; one edge
    per relationship with ``type`` and its properties."""
    import networkx as nx

    graph = nx.MultiDiGraph()
    for row in store.read(_NODES):
        label = row["labels"][0] if row["labels"] else None
        key = _node_key(store, label, row["props"])
        if key in graph:
            raise StoreError(f"node key {key!r} is used by both {graph.nodes[key]['label']} and {label}; "
                             f"graph() needs keys unique across labels")
        graph.add_node(key, **row["props"], label=label)
    for row in store.read(_EDGES):
        graph.add_edge(_node_key(store, row["a_label"], row["a_props"]),
                       _node_key(store, row["b_label"], row["b_props"]), **row["props"], type=row["type"])
    return graph


def _node_key(store: "GraphStore", label: str | None, props: Mapping[str, Any]) -> Any:
    key = store.schema.node(label).key if label in store.schema.nodes else "id"
    value = props.get(key)
    if value is None:
        raise StoreError(f"a {label} node without its key property {key!r}: {dict(props)!r}")
    return value


def extract(path: str | os.PathLike[str], *,
            corrections: "str | os.PathLike[str] | Corrections | None" = None) -> dict[str, Any]:
    """One file's extraction as the contract dict ``kg extract --format jsonl`` prints
    (no store needed).  :class:`kg.errors.InputError` when the file cannot be read."""
    from kg.extract.pipeline import extraction_to_contract
    from kg.pipeline import process_file
    from kg.resolve import canonical_names

    p = process_file(path, corrections=_corrections(corrections))
    return extraction_to_contract(p.extraction, canonical_names(p.resolved))


def _corrections(value: Any) -> "Corrections | None":
    if value is None or not isinstance(value, (str, os.PathLike)):
        return value
    return load_corrections(value)


# --- the handle -------------------------------------------------------------------------------


class Graph:
    """An open graph store; use :func:`open` to get one.  Close it (or use ``with``) to
    stop the embedded server / the driver."""

    def __init__(self, store: "GraphStore", settings: Settings, closer: ExitStack) -> None:
        self.store = store
        self.settings = settings
        self._closer = closer

    def __enter__(self) -> "Graph":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = self.settings.neo4j_uri if self.settings.backend == "neo4j" else self.settings.store_dir
        return f"<kg.Graph {self.settings.backend} {where}{' closed' if self.closed else ''}>"

    @property
    def closed(self) -> bool:
        return self.store is None

    def close(self) -> None:
        """Close the store (idempotent)."""
        if self.store is not None:
            self.store = None  # type: ignore[assignment]
            self._closer.close()

    def _open_store(self) -> "GraphStore":
        if self.store is None:
            raise StoreError("this kg.Graph is closed; open another with kg.open(...)")
        return self.store

    def ingest(self, paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], *,
               include: Iterable[str] = ("*",), exclude: Iterable[str] = (),
               max_bytes: int | None = None,
               corrections: "str | os.PathLike[str] | Corrections | None" = None,
               on_file: "Callable[[FileResult], None] | None" = None,
               on_start: Callable[[int], None] | None = None,
               report: "IngestReport | None" = None) -> "IngestReport":
        """Read, extract and load files and folders (recursively) as ``kg ingest`` does.

        Returns the :class:`~kg.loaders.ingest.IngestReport` (``.results``: one
        FileResult per file with its status; ``.summary()``, ``.as_dict()``).  Files that
        fail are in the report, not raised; a store failure raises StoreError (pass
        ``report`` to keep what was done).  ``corrections`` defaults to the settings'."""
        from kg.loaders.ingest import ingest as run_ingest

        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        corr = _corrections(corrections) if corrections is not None else load_corrections(self.settings.corrections)
        return run_ingest(list(paths), self._open_store(), include=include, exclude=exclude,
                          max_bytes=max_bytes, corrections=corr, on_file=on_file, on_start=on_start,
                          report=report)

    def query(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        """Run the pack query ``name`` (see :meth:`queries`) with keyword parameters (typed
        values or strings as on the command line); rows as dicts."""
        from kg.queries import run_query

        return run_query(self._open_store(), name, params)

    def cypher(self, text: str, /, **params: Any) -> list[dict[str, Any]]:
        """Run read-only Cypher with parameters; QueryError for write clauses."""
        from kg.queries import write_clause

        found = write_clause(text)
        if found:
            raise QueryError(f"only read-only queries run here; found {found!r}. Nothing was changed")
        return self._open_store().read(text, params)

    @staticmethod
    def queries() -> dict[str, str]:
        """The pack's query names with their descriptions."""
        from kg.queries import load_pack

        return {q.name: q.description for q in load_pack()}

    def forget(self, name: str) -> str:
        """Remove a document by id or file name (``kg forget``); returns the id removed."""
        return forget_document(self._open_store(), name)

    def graph(self) -> "nx.MultiDiGraph":
        """The store's whole graph as a networkx MultiDiGraph (see :func:`store_graph`)."""
        return store_graph(self._open_store())

    def stats(self) -> "Stats":
        """Counts per label and relationship type (``kg stats``)."""
        return self._open_store().stats()


def open(store: str | os.PathLike[str] | None = None, *, neo4j: str | None = None,  # noqa: A001
         user: str | None = None, password: str | None = None, database: str | None = None,
         corrections: str | os.PathLike[str] | None = None) -> Graph:
    """Open a graph: the embedded FalkorDB store in directory ``store`` (created when
    missing; default ``./kg-data`` or ``$KG_STORE``), or Neo4j at the bolt URI ``neo4j``."""
    settings = Settings.from_env(store_dir=store, neo4j_uri=neo4j, neo4j_user=user, neo4j_password=password,
                                 neo4j_database=database,
                                 corrections=Path(corrections) if corrections is not None else None)
    return open_settings(settings)


def open_settings(settings: Settings) -> Graph:
    """A :class:`Graph` on the store ``settings`` name (what :func:`open` and the CLI use)."""
    from kg.stores import open_store

    closer = ExitStack()
    store = closer.enter_context(open_store(settings))
    return Graph(store, settings, closer)
