"""One exception family for the library; the CLI turns these into one-line messages."""

from __future__ import annotations


class KgError(Exception):
    """Base of every error the library raises on purpose."""


class InputError(KgError):
    """A document could not be read or understood. Always names the file and the reason."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class SchemaError(KgError):
    """The schema file or a graph batch does not agree with the schema."""


class QueryError(KgError):
    """A query pack file is malformed, a query is unknown, or its parameters are wrong."""


class StoreError(KgError):
    """A graph store is unreachable, refused us, or failed while writing."""


class ProvisionError(KgError):
    """A local server (FalkorDB, Neo4j) could not be provisioned or started."""


class DocumentNotFound(KgError):
    """No stored document has this id or file name."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no stored document with id or file name {name!r}")
        self.name = name


class AmbiguousDocument(KgError):
    """A file name (without extension) that several stored documents came from."""

    def __init__(self, name: str, doc_ids: list[str]) -> None:
        super().__init__(f"{name} names {len(doc_ids)} documents ({', '.join(doc_ids)}); give the id")
        self.name = name
        self.doc_ids = doc_ids
