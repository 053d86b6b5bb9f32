"""Session fixture: a real Neo4j Community server for the test session.

Import it from ``tests/conftest.py``::

    from neo4j_fixture import neo4j_server  # noqa: F401

It provisions the jars (Maven Central, cached in ``$KG_NEO4J_HOME``), starts a server in
a temporary directory and stops it when the session ends.  When that is impossible
(no java/mvn, no network, ...) the tests that use it are skipped with the reason —
unless ``KG_REQUIRE_NEO4J=1`` (CI), where they fail instead.
"""

from __future__ import annotations

import os
from typing import Iterator

import pytest

from kg import neo4j_server as server
from kg.errors import KgError


# why the server could not be started, so later tests do not try again
_failure: list[str] = []


def _required() -> bool:
    return os.environ.get("KG_REQUIRE_NEO4J", "").strip() == "1"


@pytest.fixture(scope="session")
def neo4j_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[server.ServerInfo]:
    """:class:`kg.neo4j_server.ServerInfo` of a running server (uri, user, password, pid, dir)."""
    if not _failure:
        home = tmp_path_factory.mktemp("neo4j")
        try:
            info = server.start(home)
        except KgError as exc:
            server.stop(home)
            _failure.append(str(exc))
    if _failure:
        if _required():
            pytest.fail(f"KG_REQUIRE_NEO4J=1 but no Neo4j server could be started: {_failure[0]}", pytrace=False)
        pytest.skip(f"no Neo4j server: {_failure[0]}")
    try:
        yield info
    finally:
        server.stop(home)
