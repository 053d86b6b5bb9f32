"""Typed records that flow between the pipeline stages.

Every stage takes records and returns new records; none reaches back into an earlier
stage.  Offsets are always character offsets into ``SourceText.text`` (the decoded
document), so ``text[start:end] == mention`` holds for every span.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class Span:
    start: int
    end: int

    def slice(self, text: str) -> str:
        return text[self.start:self.end]


# --- read -------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceText:
    """A decoded document: what ``read`` makes of one file."""

    path: str            # path as given by the user
    text: str            # decoded text; all spans index into this
    encoding: str        # detected encoding ("utf-8", "gb18030", ... or "docx"/"pdf"/"html+utf-8")
    sha256: str          # of the decoded text (NFC not applied: the text is verbatim)
    fmt: str = "text"    # text | html | docx | pdf
    source_url: str | None = None   # from a leading "# source: URL" line, when present
    body_start: int = 0  # offset where the document proper starts (after such a header)


# --- segment ----------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    level: int           # 1 = 一、 2 = (一) 3 = 1. 4 = (1)
    number: str
    text: str
    span: Span


@dataclass(frozen=True)
class FieldLine:
    """A ``label:value`` line or inline bracket such as 牵头单位:… / 完成时限:…"""

    label: str           # normalised label: lead | support | deadline | lead_person | owner
    raw_label: str       # verbatim label text (牵头单位, 责任单位, 协办单位, …)
    value: str
    value_span: Span
    prose: bool = False  # read from running prose (市发改委要牵头,…配合), not a labelled line or bracket


@dataclass(frozen=True)
class Item:
    """A numbered item (任务) of the document body with its field lines."""

    number: str
    title: str           # first clause
    title_span: Span
    text: str
    span: Span           # whole item incl. its field lines
    body_span: Span      # item text without the field lines
    fields: tuple[FieldLine, ...] = ()
    heading_path: tuple[str, ...] = ()
    level: int = 0       # enumeration level (1 一、 … 5 一是); 0 = an unnumbered paragraph


@dataclass(frozen=True)
class DocStructure:
    source: SourceText
    title: str | None
    title_span: Span | None
    doc_number: str | None
    doc_number_span: Span | None
    issuer: str | None
    date: str | None     # ISO date when the text allows
    year: int | None     # the document's year (for deadlines such as 6月底前)
    headings: tuple[Heading, ...]
    items: tuple[Item, ...]
    genre: str = "other"     # workplan | summary | speech | news | other


# --- extract ----------------------------------------------------------------------


@dataclass(frozen=True)
class Mention:
    """A piece of text that names something, with where it came from."""

    label: str           # UNIT | POLICY | PLACE | PERSON | DEADLINE | OUTCOME
    text: str
    span: Span
    attrs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Deadline:
    text: str
    span: Span
    date: str | None     # ISO date, end of the period named


@dataclass(frozen=True)
class Outcome:
    """A quantified result or target (成效): 精简177项, 压缩92%以上, *项."""

    text: str
    span: Span
    metric: str | None
    value: float | None  # None when masked
    unit: str | None
    masked: bool = False
    value_max: float | None = None  # the upper bound of a range (1-2% -> value 1, value_max 2)
    rank: str | None = None  # a ranking said of this figure (…1468个,数量全省第一 -> 数量全省第一)


@dataclass(frozen=True)
class TaskRecord:
    id: str
    title: str
    text: str
    span: Span
    lead_units: tuple[Mention, ...] = ()
    support_units: tuple[Mention, ...] = ()
    lead_persons: tuple[Mention, ...] = ()
    deadline: Deadline | None = None
    cites: tuple[Mention, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    heading_path: tuple[str, ...] = ()


@dataclass(frozen=True)
class Extraction:
    doc: DocStructure
    tasks: tuple[TaskRecord, ...]
    units: tuple[Mention, ...]
    policies: tuple[Mention, ...]
    places: tuple[Mention, ...]
    persons: tuple[Mention, ...]


# --- resolve ----------------------------------------------------------------------


@dataclass(frozen=True)
class Entity:
    """A canonical thing a mention denotes (one node in the graph)."""

    label: str           # Unit | Policy | Place | Person | Collective
    id: str              # stable key
    name: str            # canonical display name
    props: Mapping[str, Any] = field(default_factory=dict)
    parents: tuple[tuple[str, str], ...] = ()   # (label, id) this entity is PART_OF


@dataclass(frozen=True)
class ResolvedDocument:
    extraction: Extraction
    doc_id: str
    jurisdiction: str | None            # Place id of the document's own jurisdiction
    entities: Mapping[str, Entity]      # entity id -> Entity
    links: Mapping[tuple[int, int, str], str]   # (start, end, label) of a mention -> entity id


# --- graph batch ------------------------------------------------------------------


@dataclass(frozen=True)
class NodeRecord:
    label: str
    key: str                             # value of the label's key property (see schema)
    props: Mapping[str, Any]


@dataclass(frozen=True)
class RelRecord:
    type: str
    start_label: str
    start_key: str
    end_label: str
    end_key: str
    props: Mapping[str, Any]             # always includes "doc": the asserting document's id


@dataclass(frozen=True)
class GraphBatch:
    """Everything one document asserts, ready for a store to write atomically."""

    doc_id: str
    content_hash: str
    nodes: tuple[NodeRecord, ...]
    rels: tuple[RelRecord, ...]
