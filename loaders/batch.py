"""Graph batch stage: a resolved document -> the nodes and relationships it asserts.

Maps reforms/tasks, responsible bodies (牵头/责任单位), cited regulations and outcomes
onto the schema in ``schema/schema.yaml``.  Pure: no database here.  Every relationship
carries ``doc`` (the asserting document) so stores can replace or forget a document's
facts exactly; every node key is stable so re-ingesting gives the same graph.
"""

from __future__ import annotations

import hashlib
from typing import Any

from kg.records import Entity, GraphBatch, Mention, NodeRecord, RelRecord, ResolvedDocument
from kg.schema import Schema, load_schema


def _sentence(text: str, start: int, end: int, limit: int = 160) -> str:
    """The sentence around a mention (for MENTIONS provenance)."""
    a = max(text.rfind(c, 0, start) for c in "。；;!！?？\n") + 1
    ends = [i for i in (text.find(c, end) for c in "。；;!！?？\n") if i >= 0]
    b = min(ends) + 1 if ends else len(text)
    s = text[a:b].strip()
    return s if len(s) <= limit else s[:limit] + "…"


def _clean(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if v is not None}


def build_batch(rd: ResolvedDocument, schema: Schema | None = None, *, fingerprint: str = "") -> GraphBatch:
    """``fingerprint`` (of the pipeline version, data and corrections) joins the text hash
    in the content hash, so the same text under a different pipeline is "changed"."""
    schema = schema or load_schema()
    ex = rd.extraction
    st = ex.doc
    src = st.source
    text = src.text
    doc = rd.doc_id
    nodes: dict[tuple[str, str], NodeRecord] = {}
    rels: dict[tuple[Any, ...], RelRecord] = {}

    def node(label: str, key: str, props: dict[str, Any]) -> None:
        nodes[(label, key)] = NodeRecord(label, key, _clean({**props, "id": key}))

    def rel(rtype: str, a: tuple[str, str], b: tuple[str, str], props: dict[str, Any]) -> None:
        rt = schema.rel(rtype)
        p = _clean({**props, "doc": doc})
        ident = (rtype, a, b) + tuple(p.get(k) for k in rt.merge_on)
        rels.setdefault(ident, RelRecord(rtype, a[0], a[1], b[0], b[1], p))

    def entity(ent: Entity) -> tuple[str, str]:
        props: dict[str, Any] = {"name": ent.name, **ent.props}
        if ent.label == "Policy":
            props = {"title": ent.name, "issuer": ent.props.get("issuer"), "year": ent.props.get("year"),
                     "doc_number": ent.props.get("doc_number")}
        node(ent.label, ent.id, props)
        return ent.label, ent.id

    def linked(m: Mention) -> tuple[str, str] | None:
        eid = rd.links.get((m.span.start, m.span.end, m.label))
        return entity(rd.entities[eid]) if eid else None

    content_hash = hashlib.sha256(f"{src.sha256}:{fingerprint}".encode()).hexdigest() if fingerprint else src.sha256
    doc_ref = ("Document", doc)
    node("Document", doc, {
        "sha256": content_hash, "text_sha256": src.sha256, "source": src.path, "source_url": src.source_url, "title": st.title,
        "doc_number": st.doc_number, "date": st.date, "year": st.year, "genre": st.genre,
        "encoding": src.encoding, "chars": len(text) - src.body_start,
    })

    # shared entities and their hierarchy
    for ent in rd.entities.values():
        ref = entity(ent)
        for plabel, pid in ent.parents:
            if (plabel, pid) == ref or pid not in rd.entities and plabel == "Place":
                continue
            if pid in rd.entities:
                entity(rd.entities[pid])
                rel("PART_OF", ref, (plabel, pid), {})

    # mentions with provenance
    def mention(m: Mention, role: str | None = None) -> None:
        ref = linked(m)
        if ref is None:
            return
        rel("MENTIONS", doc_ref, ref, {"text": m.text, "start": m.span.start, "end": m.span.end,
                                       "sentence": _sentence(text, m.span.start, m.span.end), "role": role})

    for m in ex.units + ex.policies + ex.places:
        mention(m)
    for m in ex.persons:
        mention(m, m.attrs.get("role"))

    # the issuer
    if st.issuer:
        for m in ex.units:
            if m.text == st.issuer:
                ref = linked(m)
                if ref and ref[0] == "Unit":
                    rel("ISSUED", ref, doc_ref, {"text": m.text})
                break

    # policies cited anywhere in the document
    for m in ex.policies:
        ref = linked(m)
        if ref and not m.attrs.get("own_title"):
            rel("CITES", doc_ref, ref, {"text": m.text, "start": m.span.start, "end": m.span.end})

    # tasks
    for order, t in enumerate(ex.tasks):
        tkey = f"{doc}#{t.id}"
        tref = ("Task", tkey)
        node("Task", tkey, {
            "doc": doc, "number": t.id, "title": t.title, "text": t.text, "start": t.span.start,
            "end": t.span.end, "deadline": t.deadline.text if t.deadline else None,
            "deadline_date": t.deadline.date if t.deadline else None, "section": "/".join(t.heading_path) or None,
        })
        rel("CONTAINS", doc_ref, tref, {"order": order})
        for kind, ms in (("LEADS", t.lead_units), ("SUPPORTS", t.support_units), ("LEADS", t.lead_persons)):
            for m in ms:
                ref = linked(m)
                if ref:
                    rel(kind, ref, tref, {"text": m.text, "start": m.span.start, "end": m.span.end,
                                          "role": m.attrs.get("field") or m.attrs.get("role")})
                    mention(m, kind.lower())
        for m in t.cites:
            ref = linked(m)
            if ref:
                rel("CITES", tref, ref, {"text": m.text, "start": m.span.start, "end": m.span.end})
        for i, o in enumerate(t.outcomes):
            okey = f"{tkey}~{o.span.start}"
            node("Outcome", okey, {"doc": doc, "text": o.text, "metric": o.metric, "value": o.value,
                                   "unit": o.unit, "masked": o.masked, "value_max": o.value_max, "rank": o.rank, "start": o.span.start, "end": o.span.end})
            rel("HAS_OUTCOME", tref, ("Outcome", okey), {})

    batch_nodes = tuple(sorted(nodes.values(), key=lambda n: (n.label, n.key)))
    batch_rels = tuple(sorted(rels.values(), key=lambda r: (r.type, r.start_key, r.end_key,
                                                            str(r.props.get("start")))))
    schema.validate(batch_nodes, batch_rels)
    return GraphBatch(doc, content_hash, batch_nodes, batch_rels)
