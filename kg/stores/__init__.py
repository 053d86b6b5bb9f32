"""Graph stores: the only code that touches a database.

:func:`open_store` picks the backend from :class:`kg.settings.Settings`: Neo4j when a
URI is configured, else the embedded FalkorDB server in the store directory.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from kg.settings import Settings
from kg.stores.base import GraphStore


@contextmanager
def open_store(settings: Settings) -> Iterator[GraphStore]:
    if settings.neo4j_uri:
        from kg.stores.neo4j import Neo4jStore

        store = Neo4jStore.from_env(uri=settings.neo4j_uri, user=settings.neo4j_user,
                                    password=settings.neo4j_password, database=settings.neo4j_database)
    else:
        from kg.stores.falkor import FalkorStore

        settings.store_dir.mkdir(parents=True, exist_ok=True)
        store = FalkorStore.open(settings.store_dir)
    try:
        yield store
    finally:
        store.close()
