"""Resolve stage: mentions -> canonical entities (one node per real body).

* Units are qualified by jurisdiction: in a 伊州区 plan ``财政局``/``区财政局`` are the
  district's finance bureau; ``市自然资源局伊州分局`` is the city bureau's district branch.
  The document's own jurisdiction comes from its title, issuer and opening lines.
* Standard abbreviations are expanded from ``kg/data/abbreviations.tsv``.
* Collective assignees (区直各相关部门(单位)) become ``Collective`` entities.
* Policies resolve to one node per normalised title, places to gazetteer adcodes,
  persons to name + jurisdiction.
* Researchers' corrections (:class:`Corrections`) are applied last.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable, Mapping

import yaml

from kg.errors import InputError
from kg.extract.gazetteer import Gazetteer, Place, load_gazetteer
from kg.extract.shadow import make_shadow
from kg.records import Entity, Extraction, Mention, ResolvedDocument

NATIONAL = "000000"
_NATIONAL_BODIES = re.compile(r"^(?:国务院|党中央|中共中央|中央|国家|全国|中国人民银行|海关总署"
                             r"|(?!组织部|宣传部|统战部)[^省市区县]{2,8}部$)")
# the central bank's branches are central bodies wherever they sit (人行郑州中心支行)
_CENTRAL_BANK = re.compile(r"^(?:中国)?(?:人民银行|人行)(?=.)")


@lru_cache(maxsize=1)
def abbreviations() -> tuple[tuple[str, str, bool], ...]:
    """(short, full, whole): ``whole`` rows apply only when the short form is the whole
    name after the jurisdiction (市委改革领导小组, not 审批制度改革领导小组)."""
    rows = []
    text = resources.files("kg.data").joinpath("abbreviations.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        rows.append((cols[0].strip(), cols[1].strip(), len(cols) > 2 and cols[2].strip() == "whole"))
    return tuple(sorted(rows, key=lambda r: len(r[0]), reverse=True))


# --- corrections ---------------------------------------------------------------------


@dataclass(frozen=True)
class Corrections:
    """Researcher-maintained overrides (YAML, see kg/data/corrections.example.yaml)."""

    aliases: tuple[Mapping[str, str], ...] = ()
    splits: tuple[Mapping[str, str], ...] = ()
    source: str | None = None

    @classmethod
    def load(cls, path: str | Path) -> "Corrections":
        p = Path(path)
        try:
            raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise InputError(str(path), f"cannot read corrections: {exc}") from None
        if not isinstance(raw, dict):
            raise InputError(str(path), "corrections must be a mapping with 'aliases'/'splits'")
        unknown = set(raw) - {"aliases", "splits"}
        if unknown:
            raise InputError(str(path), f"unknown sections {sorted(unknown)}; expected aliases, splits")
        rules: dict[str, list[Mapping[str, str]]] = {"aliases": [], "splits": []}
        for section in rules:
            for i, r in enumerate(raw.get(section) or []):
                if not isinstance(r, dict) or not r.get("mention") or not r.get("canonical"):
                    raise InputError(str(path), f"{section}[{i}] needs 'mention' and 'canonical'")
                rules[section].append({k: str(v) for k, v in r.items()})
        return cls(tuple(rules["aliases"]), tuple(rules["splits"]), str(path))

    def lookup(self, surface: str, jurisdiction: Place | None) -> str | None:
        key = _squash(surface)
        for r in self.splits + self.aliases:
            if _squash(r["mention"]) != key:
                continue
            j = r.get("jurisdiction")
            if j and jurisdiction is not None and j not in (jurisdiction.name, jurisdiction.adcode):
                continue
            return r["canonical"]
        return None


# --- helpers ----------------------------------------------------------------------------


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))


@lru_cache(maxsize=65536)
def _simplified(s: str) -> str:
    return make_shadow(_squash(s)).text


def document_jurisdiction(ex: Extraction, gz: Gazetteer | None = None) -> Place | None:
    """The most specific place named in the title/issuer/doc number, else in the opening."""
    gz = gz or load_gazetteer()
    st = ex.doc
    head_end = st.source.body_start + 1500
    candidates: list[Place] = []
    probes = [st.title or "", st.issuer or ""]
    for probe in probes:
        for m in ex.places:
            if m.text and m.text in probe and m.attrs.get("adcode"):
                candidates.append(gz.places[m.attrs["adcode"]])
        if candidates:
            break
    if not candidates:
        best = _best_supported_place(ex, gz, head_end)
        if best is not None:
            candidates.append(best)
    if not candidates:
        return None
    return max(candidates, key=lambda p: _DEPTH[p.level])   # the most specific


_DEPTH = {"province": 0, "city": 1, "county": 2}


def _best_supported_place(ex: Extraction, gz: Gazetteer, head_end: int) -> Place | None:
    """The place the opening lines stand in: each place named there counts for itself and
    for the places inside it, so 安徽…合肥市…瑶海 is 瑶海区 (not 合肥市, named more often)
    and a district named once inside its city's document does not outweigh the city.
    A name before 管委会 is a development zone's (东城区管委会), not a jurisdiction."""
    text = ex.doc.source.text
    counts: dict[str, int] = {}
    for m in ex.places:
        code = m.attrs.get("adcode")
        if code and m.span.start < head_end and not text.startswith(("管委会", "管理委员会"), m.span.end):
            counts[code] = counts.get(code, 0) + 1
    if not counts:
        return None
    order = list(counts)

    def support(code: str) -> tuple[int, int, int]:
        chain = gz.chain(code)
        return (sum(counts.get(p.adcode, 0) for p in chain), _DEPTH[chain[0].level], -order.index(code))

    return gz.places[max(order, key=support)]


def _level_place(chain: list[Place], char: str) -> Place | None:
    want = {"区": ("county",), "县": ("county",), "市": ("city",), "州": ("city",),
            "省": ("province",), "自治区": ("province",)}.get(char)
    if not want:
        return None
    for p in chain:
        if p.level in want:
            return p
    # 市 in a county-level city's own documents (耒阳市) is the county-level city itself
    if char == "市" and chain and chain[0].name.endswith("市"):
        return chain[0]
    return None


# --- units -------------------------------------------------------------------------------

_ALIAS = re.compile(r"\([^()]*\)?$")
_BRANCH = re.compile(r"^(?P<body>.+?局)(?P<place>[\u4e00-\u9fff]{2,4})(?P<suffix>分局|支队|大队|分中心)$")
_GROUP_OFFICE = re.compile(r"^(?P<group>.+?(?:领导小组|委员会|工作小组|专项小组))办公室$")
_COLLECTIVE = re.compile(r"相关|有关|各|部门\(单位\)|直属")


@dataclass
class _UnitResolver:
    gz: Gazetteer
    jur: Place | None
    corrections: Corrections
    chain: list[Place] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.chain = self.gz.chain(self.jur.adcode) if self.jur else []

    def resolve(self, m: Mention) -> Entity:
        surface = _simplified(m.text)
        if surface.startswith("中共") and not surface.startswith("中共中央"):
            surface = surface[2:]          # 中共鹿邑县委… is 鹿邑县委…: the Party's name adds nothing
        fixed = self.corrections.lookup(m.text, self.jur)
        collective = bool(m.attrs.get("collective")) or _is_collective(surface)
        if collective and not fixed:
            surface = _COLLECTIVE_ALL.sub("", surface).replace("相关", "有关")
        place, body = self._split_place(surface)
        if fixed:
            name = fixed
            place = place or self.jur
        elif collective:
            name = _collective_name(body)
        else:
            name = self._canonical_body(body)
        jur_id = place.adcode if place else NATIONAL if _NATIONAL_BODIES.match(name) else (
            self.jur.adcode if self.jur else "unknown")
        jur_name = place.name if place else ("" if jur_id in (NATIONAL, "unknown") else self.jur.name if self.jur else "")
        display = name if fixed or name.startswith(jur_name) else f"{jur_name}{name}"
        label = "Collective" if collective and not fixed else "Unit"
        ent_id = f"{jur_id}|{display}"
        parents: list[tuple[str, str]] = []
        if jur_id not in (NATIONAL, "unknown"):
            parents.append(("Place", jur_id))
        bm = _BRANCH.match(name)
        if bm and label == "Unit":
            parent_name = f"{jur_name}{self._canonical_body(bm.group('body'))}"
            parents.append(("Unit", f"{jur_id}|{parent_name}"))
        om = _GROUP_OFFICE.match(display)
        if om and label == "Unit":
            # the office of a leading group belongs to the group (…领导小组办公室 -> …领导小组)
            parents.append(("Unit", f"{jur_id}|{om.group('group')}"))
        return Entity(label, ent_id, display, {
            "kind": "collective" if label == "Collective" else unit_kind(display), "level": _level_of(place, jur_id), "jurisdiction": jur_id,
        }, tuple(parents))

    def _split_place(self, s: str) -> tuple[Place | None, str]:
        """Leading jurisdiction: a gazetteer name (伊州区…) or a level char (区/市/省…)."""
        s = _ALIAS.sub("", s) if not s.endswith("(单位)") and not s.endswith("(街道)") else s
        place, rest = self._leading_place(s, self.gz.lookup_strict)
        if place is not None:
            # 济南市钢城区人民政府办公室 is 钢城区's office: a body is qualified by the innermost
            # place of a chain written before it, so the full and the short form meet
            while True:
                inner, after = self._leading_place(rest, self.gz.lookup_strict)
                if inner is None or place.adcode not in {p.adcode for p in self.gz.chain(inner.adcode)[1:]}:
                    return place, rest
                place, rest = inner, after
        bm = _BRANCH.match(s)
        if bm:
            # 自然资源局伊州分局: the parent body is one level above the branch's place
            branch_place = self._prefer(self.gz.lookup(bm.group("place")) or
                                        self.gz.lookup(bm.group("place") + "区") or
                                        self.gz.lookup(bm.group("place") + "县"))
            if branch_place and branch_place.parent:
                s2 = s[1:] if s[0] in "市区县省" else s
                return self.gz.places.get(branch_place.parent), s2
        for prefix in ("自治区", "省", "市", "区", "县", "州"):
            if s.startswith(prefix) and (len(s) > len(prefix) + 1 or s[len(prefix):] == "委") \
                    and not s.startswith(("市场", "区域", "省略")):
                place = _level_place(self.chain, prefix)
                # without a known jurisdiction keep the level word (区政府 stays 区人民政府)
                return (place, s[len(prefix):]) if place else (None, s)
        return None, s

    def _leading_place(self, s: str, lookup) -> tuple[Place | None, str]:
        for n in range(min(9, len(s) - 1), 1, -1):
            hits = lookup(s[:n])
            if hits:
                return self._prefer(hits), s[n:]
        return None, s

    def _prefer(self, hits: Iterable[Place]) -> Place | None:
        hits = list(hits)
        if not hits:
            return None
        chain_ids = {p.adcode for p in self.chain}
        for h in hits:
            if h.adcode in chain_ids or (self.jur and h.parent in chain_ids):
                return h
        return hits[0]

    def _canonical_body(self, body: str) -> str:
        if _CENTRAL_BANK.match(body):
            return _CENTRAL_BANK.sub("中国人民银行", body, count=1)
        for short, full, whole in abbreviations():
            if body.endswith(full):
                return body
            if body.endswith(short):
                stem = body[: -len(short)]
                if whole and not re.fullmatch(r"(?:自治区|[省市区县州])?委?", stem):
                    continue
                # 政府 only expands when it is the whole body (区政府 -> 区人民政府)
                if short == "政府" and stem not in ("", "区", "市", "县", "省", "自治区", "州"):
                    continue
                return stem + full
        return body


_COLLECTIVE_ALL = re.compile(r"各(?!级)")
# what a collective adds to its members once its jurisdiction is split off: 区政府有关部门
# is the district's 有关部门, 区直部门 its 部门, 各街道办事处 its 街道 (as 各乡镇人民政府 its 乡镇)
_COLLECTIVE_FRAME = re.compile(r"^(?:人民)?政府(?=.)|^直(?=部门|单位|机关|有关)"
                               r"|(?<=街道|乡镇)(?:办事处|人民政府|政府)(?:\([^()]*\))?$")


_UNPLACED_LEVEL = re.compile(r"^(?:自治区|[省市区县州])(?:人民)?[政直]")


def _collective_name(body: str) -> str:
    """One name for the many ways a collective assignee is written (区直各部门(单位),
    区直部门(单位), 各部门(单位); 各有关单位, 各相关单位): 各 ("every") and 直 ("directly
    under") add nothing inside one jurisdiction, 相关 is 有关.  有关 ("those concerned")
    stays apart from 各 ("all"): 区政府各部门 and 区政府有关部门 are different sets."""
    if _UNPLACED_LEVEL.match(body):
        return body        # a level word whose place is unknown (区政府部门) stays as written
    core = _COLLECTIVE_FRAME.sub("", body)
    return core if core.startswith("有关") else f"各{core}"


def _is_collective(s: str) -> bool:
    return bool(re.match(r"^(?:[省市区县]直)?各|^(?:相关|有关)(?:部门|单位)|部门\(单位\)$|^[省市区县]直"
                         r"|^(?:自治区|[省市区县州])(?:人民)?政府(?:各|有关|相关)", s))


def unit_kind(name: str) -> str:
    if re.search(r"领导小组|专项小组|工作小组|深化改革委员会", name):
        return "leading_group"
    if re.search(r"(?:党委|[省市区县]委(?:员会)?$|委组织部|委宣传部|统战部|政法委|纪委|编办|改革办|政研室|党中央|中共)", name):
        return "party"
    if "法院" in name:
        return "court"
    if "检察院" in name:
        return "procuratorate"
    if "人民代表大会" in name or re.search(r"人大", name):
        return "congress"
    if "政治协商" in name or "政协" in name:
        return "cppcc"
    if re.search(r"中心$|医院$|博物馆$|社科院$|学院$|研究院$|支行$", name):
        return "institution"
    return "government"


def _level_of(place: Place | None, jur_id: str) -> str:
    if jur_id == NATIONAL:
        return "national"
    if place is None:
        return "unknown"
    return {"province": "provincial", "city": "municipal", "county": "county"}[place.level]


# --- policies, places, persons ---------------------------------------------------------------


def policy_key(title: str) -> str:
    s = _simplified(title)
    if s.startswith("《") and s.endswith("》"):
        s = s[1:-1]
    s = re.sub(r"[“”\"'‘’「」『』]", "", s)
    s = s.replace("〈", "<").replace("〉", ">")
    return s


def policy_entity(m: Mention) -> Entity:
    key = policy_key(m.text)
    year = re.search(r"(?<!\d)(19[5-9]\d|20[0-4]\d)(?=年|-|—|\))", key)
    issuer = re.match(r"^(.{2,24}?(?:人民政府办公厅|人民政府办公室|人民政府|办公厅|办公室|委员会|国务院|部|厅|局|委))关于", key)
    return Entity("Policy", key, key, {
        "title": m.text,
        "year": int(year.group(1)) if year else m.attrs.get("doc_year"),
        "issuer": issuer.group(1) if issuer else None,
        "doc_number": m.attrs.get("doc_number"),
    })


def place_entity(m: Mention, gz: Gazetteer) -> Entity:
    code = m.attrs.get("adcode")
    if code and code in gz.places:
        p = gz.places[code]
        parents = (("Place", p.parent),) if p.parent else ()
        return Entity("Place", code, p.name, {"level": p.level, "adcode": code}, parents)
    name = _simplified(m.text)
    within = m.attrs.get("within")
    parents = (("Place", within),) if within in gz.places else ()
    return Entity("Place", f"name:{name}", name, {"level": m.attrs.get("level") or "unknown", "adcode": None},
                  parents)


def person_entity(m: Mention, jur: Place | None) -> Entity:
    name = _squash(m.attrs.get("name") or m.text)
    role = m.attrs.get("role")
    jur_id = jur.adcode if jur else "unknown"
    return Entity("Person", f"{jur_id}|{name}", name, {"roles": [role] if role else [],
                                                      "jurisdiction": jur_id})


# --- the stage ---------------------------------------------------------------------------------


def doc_id_for(path: str) -> str:
    """Stable document id from the source path (a changed file keeps its id):
    ``<file name>-<8 hex>``.  The query pack relies on that shape to find a document by
    its file name (``size(d.id) = size($doc) + 9``)."""
    p = Path(path)
    try:
        key = str(p.resolve())
    except OSError:
        key = path
    return f"{p.stem}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:8]}"


def resolve(ex: Extraction, corrections: Corrections | None = None, doc_id: str | None = None) -> ResolvedDocument:
    gz = load_gazetteer()
    jur = document_jurisdiction(ex, gz)
    units = _UnitResolver(gz, jur, corrections or Corrections())
    entities: dict[str, Entity] = {}
    links: dict[tuple[int, int, str], str] = {}

    def put(m: Mention, ent: Entity) -> None:
        prev = entities.get(ent.id)
        if prev is None:
            entities[ent.id] = ent
        else:
            # a later mention knows more: a policy cited once with its document number, a
            # person named again with another role
            props = dict(prev.props)
            props.update({k: v for k, v in ent.props.items() if v is not None and props.get(k) is None})
            if ent.label == "Person" and ent.props.get("roles"):
                props["roles"] = sorted(set(prev.props.get("roles", [])) | set(ent.props["roles"]))
            if props != prev.props:
                entities[ent.id] = Entity(prev.label, prev.id, prev.name, props, prev.parents)
        links[(m.span.start, m.span.end, m.label)] = ent.id

    all_units = list(ex.units) + [u for t in ex.tasks for u in t.lead_units + t.support_units]
    for m in all_units:
        put(m, units.resolve(m))
    for m in list(ex.policies) + [c for t in ex.tasks for c in t.cites]:
        put(m, policy_entity(m))
    for m in ex.places:
        put(m, place_entity(m, gz))
    for m in list(ex.persons) + [p for t in ex.tasks for p in t.lead_persons]:
        put(m, person_entity(m, jur))
    # every place on a hierarchy path becomes a node so PART_OF chains are complete
    for ent in list(entities.values()):
        for label, pid in ent.parents:
            if label == "Place" and pid not in entities and pid in gz.places:
                for p in gz.chain(pid):
                    if p.adcode not in entities:
                        entities[p.adcode] = Entity("Place", p.adcode, p.name, {"level": p.level, "adcode": p.adcode},
                                                    (("Place", p.parent),) if p.parent else ())
            if label == "Unit" and pid not in entities:
                name = pid.split("|", 1)[1]
                entities[pid] = Entity("Unit", pid, name, {"kind": unit_kind(name), "level": ent.props.get("level"),
                                                            "jurisdiction": ent.props.get("jurisdiction")},
                                       (("Place", pid.split("|", 1)[0]),) if pid.split("|", 1)[0] in gz.places else ())
    if jur is not None:
        for p in gz.chain(jur.adcode):
            entities.setdefault(p.adcode, Entity("Place", p.adcode, p.name, {"level": p.level, "adcode": p.adcode},
                                                 (("Place", p.parent),) if p.parent else ()))
    return ResolvedDocument(ex, doc_id or doc_id_for(ex.doc.source.path), jur.adcode if jur else None,
                            entities, links)


def canonical_names(rd: ResolvedDocument) -> dict[tuple[int, int, str], str]:
    """Mention key -> canonical display name (for the extract contract)."""
    return {k: rd.entities[v].name for k, v in rd.links.items()}
