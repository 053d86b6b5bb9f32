"""reform-kg: Chinese government reform documents into a traceable knowledge graph.

Stages (each a pure function over typed records, see :mod:`kg.records`)::

    read (file -> SourceText) -> segment (-> DocStructure) -> extract (-> Extraction)
    -> resolve (-> ResolvedDocument) -> loaders.batch (-> GraphBatch) -> stores

Only :mod:`kg.stores` touches a database.
"""

__version__ = "0.1.0"
