"""Rule-based recognisers over the shadow text.

Each recogniser returns ``(label, start, end, attrs)`` in *shadow* coordinates; the
pipeline maps them back to the original text.  Lexicons live in ``kg/data/lexicon.yaml``.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import ahocorasick
import yaml

from kg.extract.gazetteer import Gazetteer, load_gazetteer, short_name

Hit = tuple[str, int, int, dict[str, Any]]

_CJK = r"\u4e00-\u9fff"


@dataclass(frozen=True)
class Lexicon:
    unit_cores: tuple[str, ...]
    unit_suffixes: tuple[str, ...]
    unit_standalone: tuple[str, ...]
    unit_needs_prefix: tuple[str, ...]
    party_organs: tuple[str, ...]
    jurisdiction_prefixes: tuple[str, ...]
    person_roles: tuple[str, ...]
    surnames: str
    compound_surnames: tuple[str, ...]
    outcome_units: tuple[str, ...]
    topic_cores: tuple[str, ...] = ()
    topic_suffixes: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    unit_special: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    raw = yaml.safe_load(resources.files("kg.data").joinpath("lexicon.yaml").read_text(encoding="utf-8"))
    return Lexicon(
        unit_cores=tuple(raw["unit_cores"]),
        unit_suffixes=tuple(raw["unit_suffixes"]),
        unit_standalone=tuple(raw["unit_standalone"]),
        unit_needs_prefix=tuple(raw.get("unit_needs_prefix") or ()),
        party_organs=tuple(raw["party_organs"]),
        jurisdiction_prefixes=tuple(raw["jurisdiction_prefixes"]),
        person_roles=tuple(raw["person_roles"]),
        surnames=str(raw["surnames"]),
        compound_surnames=tuple(raw["compound_surnames"]),
        outcome_units=tuple(str(u) for u in raw["outcome_units"]),
        topic_cores=tuple(raw.get("topic_cores") or ()),
        topic_suffixes=tuple(raw.get("topic_suffixes") or ()),
        regions=tuple(raw.get("regions") or ()),
        unit_special=tuple(raw.get("unit_special") or ()),
    )


def _alt(words: tuple[str, ...] | list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


# --- units -------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitPatterns:
    unit: re.Pattern[str]
    strong: re.Pattern[str]
    collective: re.Pattern[str]


@lru_cache(maxsize=1)
def unit_patterns() -> UnitPatterns:
    lx = load_lexicon()
    jur = _alt(lx.jurisdiction_prefixes)
    prefix = rf"(?:各)?(?:(?:{jur})(?:直|级)?)?(?:各)?"
    cores = _alt(lx.unit_cores)
    sufs = _alt(lx.unit_suffixes)
    alias = r"(?:\([^()\n]{2,16}\)|\([^()\n、,，]{1,8}(?=[、,，]|$))?"   # 区政府办(区政务服务中心), 财政局(国资委
    branch = rf"(?:[{_CJK}]{{2,4}}(?:分局|分中心|支队|大队|派出所|分院))?"
    organs = _alt(lx.party_organs)
    party = rf"(?:(?:{jur})委(?:{organs})|(?:{jur})委(?!员会))"
    standalone = _alt(lx.unit_standalone)
    needs = _alt(lx.unit_needs_prefix)
    must = rf"(?:各)?(?:{jur}){{1,2}}(?:直|级)?(?:各)?"
    special = "|".join(f"(?:{p})" for p in lx.unit_special) or "(?!)"
    unit = re.compile(
        rf"{special}"
        rf"|{party}{alias}"
        rf"|{prefix}(?:{cores})(?:和(?:{cores}))?(?:{sufs}){branch}{alias}"      # 城市管理和综合执法局
        rf"|{prefix}(?:{_alt(lx.topic_cores)})(?:{_alt(lx.topic_suffixes)}){alias}"
        rf"|(?:{prefix})(?:{standalone}){alias}"
        rf"|{must}(?:{needs}){alias}"
    )
    strong = re.compile(r"(?:领导小组办公室|领导小组|专项小组|工作小组|委员会|指挥部|指挥中心|办公室|管委会)")
    collective = re.compile(
        # a jurisdiction's qualifier before the members: 县政府直属各单位, 区属各企事业单位,
        # 区级各部门, 各区直部门, 市级机关各部门
        r"各?(?:[省市区县州](?:人民)?政府)?(?:[省市区县州](?:直属|属|级|直)|直属)(?:机关)?各?"
        r"(?:部门|单位|企事业单位|直属机构|委办局)(?:\((?:部门|单位)\))?"
        r"(?![(单的]|主要|分管|领导|负责)"     # 区级各部门单位的职责清单, 县级部门主要领导: modifiers
        r"|各(?:管委会|人民团体)"
        r"|(?:[省市区县]直|全[省市区县]|本[省市区县])?各?(?:相关|有关)(?:部门|单位)(?:\((?:部门|单位)\))?"
        r"|(?:[省市区县]直各?|[省市区县]?各)(?:部门|单位|直属机构|直属单位|委办局)(?:\((?:部门|单位)\))?"
        r"|各(?:乡镇|镇|乡)(?:\([^()、]{1,4}\))?、街道(?:办事处)?"      # 各镇(区)、街道
        r"|各(?:乡镇|乡\(镇\)|县\(市、区\)|县\(区\)|市\(区\)|县区|区县|辖市、区|省辖市|省\(区、市\)|街道|乡|镇)"
        r"(?:\((?:街道|镇|乡镇)\))?(?:人民政府|政府|办事处|街道办事处)?(?:\(管委会\))?"
        r"|各(?:街道办事处|人民政府)"
        r"|[区市县省]人民政府各部门|[区市县省]政府(?:各)?部门|国务院(?:各)?部门|[区县市]直各单位"
        r"|(?:县区|区县)(?:\([市区]\))?(?:人民)?政府|企事业单位"
    )
    return UnitPatterns(unit, strong, collective)


_STOP_LEFT = set("的了在由对将向把被为与从按经等是和及或并也都就这那其各其中、，,。；;：:！？“”\"《》()（） \n\t0123456789*.．")
# 经 is a word of its own (经市政府同意) except before these (经济开发区, 经营, 经费 …)
_JING_WORDS = "济营费贸常验典历"
_STRONG_VERBS = re.compile(rf"(?:成立|组建|设立|调整|召开|建立|健全|听取|审议|下设|经(?![{_JING_WORDS}])|由|向|报|请|会同"
                           r"|根据|按照|依托|推动|推进|加强|完善|落实|发挥|制定|印发|出台|提交|接受)")


_TOWN_BODY = re.compile(r"(?:镇|乡|街道)(?:人民政府|政府|党委|办事处|街道办事处)")
_NAME_OPENS_NOT = set("为在对向和与让使把被将从各每全本该推加由经请报要是的了个属所有相试")   # 属地镇, 有关镇, 试点镇


def _town_name_left(shadow: str, s: int) -> int:
    """The name of a town or sub-district before its body (金庭镇人民政府): two or three
    characters after a clause break or a preposition, not opening on a function word."""
    for n in (3, 2):
        a = s - n
        if a < 0 or not all("\u4e00" <= c <= "\u9fff" for c in shadow[a:s]) or shadow[a] in _NAME_OPENS_NOT:
            continue
        if a == 0 or shadow[a - 1] in _STOP_LEFT or shadow[a - 1] in "于到请":   # (由在经 are stops)
            return a
    return s


def find_units(shadow: str) -> list[Hit]:
    pats = unit_patterns()
    hits: list[Hit] = []
    for m in pats.collective.finditer(shadow):
        if m.end() - m.start() >= 3 or m.group(0) in ("各乡", "各镇"):
            hits.append(("UNIT", m.start(), m.end(), {"collective": True}))
    for m in pats.unit.finditer(shadow):
        s, e = m.start(), m.end()
        s = _extend_place_left(shadow, s)
        if _TOWN_BODY.match(shadow, s):
            s = _town_name_left(shadow, s)        # 金庭镇人民政府, 小溪塔街道办事处
        if e - s >= 2:
            hits.append(("UNIT", s, e, {}))
    for m in pats.strong.finditer(shadow):
        s = m.start()
        i = s
        while i > 0 and s - i < 24:
            if shadow[i - 1] == "”":   # a quoted name inside: 两项改革“后半篇”文章工作领导小组
                q = shadow.rfind("“", max(0, i - 12), i - 1)
                if q < 0:
                    break
                i = q
                continue
            if shadow[i - 1] in _STOP_LEFT and not (shadow[i - 1] == "经" and shadow[i] in _JING_WORDS):
                break                     # (经济开发区 is no 经 + 济开发区)
            i -= 1
        left = shadow[i:s]
        last = None
        for vm in _STRONG_VERBS.finditer(left):
            last = vm
        if last:
            i += last.end()
        # prefer to start at a jurisdiction (照区委… -> 区委…, 个区社会… -> 区社会…)
        jm = re.search(r"[省市区县](?:委|直)?(?=[\u4e00-\u9fff]{2,})", shadow[i:s])
        if jm and jm.start() > 0:
            i += jm.start()
        i = _extend_place_left(shadow, i)   # 和平区 (和 is a stop char on its own)
        if s - i >= 2 and not re.match(r"[个时需要对将把由向让使给请]", shadow[i]):
            hits.append(("UNIT", i, m.end(), {"strong": True}))
    # 中共鹿邑县委…: the Party's name is part of the body's full name as written
    hits = [(h[0], h[1] - 2, h[2], h[3]) if shadow[max(0, h[1] - 2):h[1]] == "中共" and not h[3].get("collective")
            else h for h in hits]
    return _longest(hits)


# county names that are also ordinary words or end one (完成县委 is no 成县, 会同县委督查室 no 会同县)
_WORDLIKE_PLACES = {"成县", "会同县", "会同", "和县", "新县", "大方县", "通道县", "永和县", "安定区", "平和县",
                    "合作市", "共和县", "城区", "郊区", "矿区"}


def _place_starts_here(shadow: str, a: int) -> bool:
    """A place name may open a unit at ``a`` unless it would start inside a word: 完成县委 is
    not 成县 + 委, 办会同县委督查室 not 会同县 + 委督查室.  After another place (哈密市伊州区) or
    a function character it may."""
    if a == 0:
        return True
    prev = shadow[a - 1]
    return prev in _STOP_LEFT or not ("\u4e00" <= prev <= "\u9fff") or prev in "省市区县州盟旗"


def _extend_place_left(shadow: str, start: int) -> int:
    """伊州区 + 人民政府, 天津市 + 滨海新区 + 行政审批局: include gazetteer place names
    that end right before the unit or inside its level prefix (新区…)."""
    names = load_gazetteer().strict_names
    moved = True
    while moved:
        moved = False
        for overlap in (0, 1, 2):
            for length in (9, 8, 7, 6, 5, 4, 3, 2):
                a = start + overlap - length
                if a < 0 or a >= start:
                    continue
                name = shadow[a:start + overlap]
                if name in names and (name not in _WORDLIKE_PLACES or _place_starts_here(shadow, a)):
                    start, moved = a, True
                    break
            if moved:
                break
    return start


def _longest(hits: list[Hit]) -> list[Hit]:
    """Leftmost-longest, non-overlapping."""
    hits.sort(key=lambda h: (h[1], -(h[2] - h[1])))
    out: list[Hit] = []
    last_end = -1
    for h in hits:
        if h[1] >= last_end:
            out.append(h)
            last_end = h[2]
        elif h[2] > last_end and out and h[1] < last_end and h[2] - h[1] > out[-1][2] - out[-1][1]:
            out[-1] = h
            last_end = h[2]
    return out


# --- splitting owner lists ------------------------------------------------------------

_SPLIT = re.compile(r"[、,，;；\s]+")
# X等相关部门 -> X, 相关部门; 区商务局及相关行业主管部门 -> 区商务局, 相关行业主管部门
_TRAIL = re.compile(r"(?:等(?=相关|有关|区直|市直|县直|各)|(?<=[局委办厅院部室])(?:及|和)(?=相关|有关|各|[省市区县](?!场)))")
_BRANCH_AFTER = re.compile(rf"^[{_CJK}]{{1,4}}(?:分局|分中心|支队|大队|派出所|分院)")
_UNIT_END = re.compile(r"(?:局|委|办|厅|中心|院|部|署|组|站|所|联|室|队|会|处)$")


def split_units(value: str, offset: int = 0) -> list[tuple[str, int, int]]:
    """Split an owner list into unit strings with spans (relative + offset).

    Splits at 、 ， , ； and at ``X等有关部门``; keeps parenthesised aliases attached and
    recovers lost separators between names (``商务局自然资源局伊州分局``)."""
    pieces: list[tuple[int, int]] = []
    depth = 0
    start = 0
    quoted = False
    for i, c in enumerate(value):
        if c in "“”\"":                       # 区“双随机、一公开”监管工作联席会议: one name
            quoted = c == "“" or (c == "\"" and not quoted)
        elif quoted:
            continue
        elif c in "(（":
            depth += 1
        elif c in ")）":
            depth = max(0, depth - 1)
        elif depth == 0 and _SPLIT.match(c) and not (c == "、" and _shared_head(value, i)) \
                and not (c.isspace() and re.match(r"\s*(?:局|委|办|厅|中心|分局|院)", value[i:])):
            pieces.append((start, i))
            start = i + 1
        elif depth == 0 and c in "及和与" and _BODY_END.search(value, start, i) \
                and _BODY_AHEAD.match(value, i + 1):
            # 州委编办及州直相关单位: 及/和 between two whole bodies (not inside 城市管理和综合执法局)
            pieces.append((start, i))
            start = i + 1
        elif depth and c in "、,，" and i + 1 < len(value) and _looks_like_new_unit(value[i + 1:]):
            # broken bracket: 财政局(国资委、应急管理局 -> close the alias here
            depth = 0
            pieces.append((start, i))
            start = i + 1
    pieces.append((start, len(value)))
    out: list[tuple[str, int, int]] = []
    for a, b in pieces:
        for a2, b2 in _split_glued(value, a, b):
            # X等相关部门 -> X, 相关部门
            m = _TRAIL.search(value, a2, b2)
            parts = [(a2, m.start()), (m.end(), b2)] if m else [(a2, b2)]
            for a3, b3 in parts:
                a3, b3 = _trim(value, a3, b3)
                if b3 - a3 >= 2:
                    out.append((value[a3:b3], offset + a3, offset + b3))
    return out


def _shared_head(value: str, i: int) -> bool:
    """各辖市、区人民政府 / 县(市、区): the 、 is inside a shared-head ellipsis."""
    return bool(re.match(r"[省市区县]人民政府|[省市区县]政府|[区县市]\)", value[i + 1:i + 8])) and \
        len(value[:i].split("、")[-1]) <= 4 and "各" in value[max(0, i - 4):i]


_BODY_SUFFIX = r"(?:局|委|办|辦|厅|廳|中心|院|署|政府|单位|單位|部门|部門|办公室|辦公室)"
_BODY_END = re.compile(rf"{_BODY_SUFFIX}[)）]?$")
_BODY_AHEAD = re.compile(rf"(?:各|有关|相关|有關|相關)?[{_CJK}()（）、]{{1,14}}?{_BODY_SUFFIX}(?:[)）]|[、,，;；]|$)")


def _looks_like_new_unit(rest: str) -> bool:
    return bool(re.match(rf"[{_CJK}]{{1,10}}(?:局|委|办|厅|中心|院|部|署)", rest))


def _trim(value: str, a: int, b: int) -> tuple[int, int]:
    while a < b and value[a] in " \t\n\u3000,，、;；。由":
        a += 1
    while b > a and value[b - 1] in " \t\n\u3000,，、;；。":
        b -= 1
    for tail in ("按职责分工负责", "按职责负责", "分工负责", "牵头负责", "牵头", "负责", "配合", "等"):
        if value[a:b].endswith(tail) and b - a > len(tail) + 1:
            b -= len(tail)
            break
    return a, b


def _split_glued(value: str, a: int, b: int) -> list[tuple[int, int]]:
    """Cut ``商务局自然资源局伊州分局`` after 局 when a new unit name follows."""
    out: list[tuple[int, int]] = []
    seg_start = a
    i = a
    while i < b:
        m = _UNIT_END.match(value[i])
        if m and i + 1 < b and i + 1 - seg_start >= 2:
            rest = value[i + 1:b]
            if (rest and rest[0] not in "(（)）\n" and not _BRANCH_AFTER.match(rest)
                    and re.search(r"(?:局|委|办|厅|中心|院|部|署)", rest)
                    and _is_unit_start(rest) and not _inside_name(value[seg_start:i + 1], rest)
                    and not (value[i] == "委" and rest.startswith(load_lexicon().party_organs))):
                # (鹿邑县委组织部 is one body: the committee's organ)
                out.append((seg_start, i + 1))
                seg_start = i + 1
        i += 1
    out.append((seg_start, b))
    return out


def _is_unit_start(rest: str) -> bool:
    lx = load_lexicon()
    probe = rest.lstrip("市区县省")
    return any(probe.startswith(c) for c in lx.unit_cores) or bool(re.match(r"[市区县省]", rest))


def _inside_name(left: str, rest: str) -> bool:
    """区委社会工委 / 中心支行: the suffix char is part of a longer name."""
    return left.endswith(("区委", "市委", "县委", "省委")) and len(left) <= 3


# --- policies -----------------------------------------------------------------------------


_UNMARKED = re.compile(
    r"(?:中共|中央|国务院|[\u4e00-\u9fff]{2,8}(?:省|市|区|县)(?:人民政府|委)?(?:办公厅|办公室)?)?"
    r"关于[^。；;，,《》“”\n]{4,50}?的(?:若干)?(?:意见|决定|通知|规定|办法|实施方案|实施意见|指导意见)"
)
_LEAD_VERBS = re.compile(r"(?:按照|根据|依据|依照|贯彻|落实|印发|制定|出台|实施|执行|审议|通过|学习)")


# a document number right after a cited title: (国办发〔2022〕2号), （豫政〔2023〕5号）
_DOCNUM_AFTER = re.compile(
    rf"\s*[(（]\s*(?P<num>[{_CJK}]{{1,10}}[〔\[［(（]?(?P<year>(?:19|20)\d\d)[〕\]］)）]?\s*第?\d{{1,4}}\s*号)(?:文件)?\s*[)）]")


def find_policies(shadow: str) -> list[Hit]:
    """《…》 titles with nesting (inner 《》/〈〉/<> kept), titles whose opening or closing
    mark was lost in extraction, and unmarked 关于…的意见/决定/通知 titles."""
    hits: list[Hit] = []
    i = 0
    n = len(shadow)
    while i < n:
        c = shadow[i]
        if c == "《":
            depth, j = 1, i + 1
            while j < n and depth and shadow[j] != "\n" and j - i < 200:
                if shadow[j] == "《":
                    depth += 1
                elif shadow[j] == "》":
                    depth -= 1
                j += 1
            if depth == 0:
                if j - 1 - (i + 1) >= 2:
                    attrs: dict[str, Any] = {"marked": True}
                    num = _DOCNUM_AFTER.match(shadow, j)
                    if num:          # 《…的通知》(国办发〔2022〕2号): the cited document's number
                        attrs["doc_number"] = num.group("num")
                        attrs["doc_year"] = int(num.group("year"))
                    hits.append(("POLICY", i + 1, j - 1, attrs))
                i = j
                continue
            # unclosed: the title ends at 的通知/的意见, the clause end, or the excerpt end
            m = re.compile(r"(?=的通知|的意见|的决定|[。,，;；\n])").search(shadow, i + 1, min(n, i + 120))
            stop = m.start() if m else (n if n - i < 120 else None)
            if stop is not None and stop - (i + 1) >= 4:
                hits.append(("POLICY", i + 1, stop, {"marked": False, "noise": "unclosed"}))
            i += 1
            continue
        if c == "》":
            # orphan closing mark: opening lost at the start of a line/clause
            a = i
            while a > 0 and shadow[a - 1] not in "\n。,，;；:：《》“”" and i - a < 80:
                a -= 1
            lv = _LEAD_VERBS.match(shadow, a)
            if lv:
                a = lv.end()
            if i - a >= 6 and not any(h[1] <= a < h[2] or h[2] == i for h in hits):
                hits.append(("POLICY", a, i, {"marked": False, "noise": "unopened"}))
        i += 1
    marked = [(h[1], h[2]) for h in hits]
    for m in _UNMARKED.finditer(shadow):
        if any(a - 1 <= m.start() < b + 1 for a, b in marked):
            continue
        hits.append(("POLICY", m.start(), m.end(), {"marked": False}))
    return hits


# --- places ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _place_automaton() -> ahocorasick.Automaton:
    auto = ahocorasick.Automaton()
    for name in load_gazetteer().names():
        if len(name) >= 2:
            auto.add_word(name, name)
    auto.make_automaton()
    return auto


_MASKED_PLACE = re.compile(
    r"(?:(?:\*{1,3}|[xX]{2})(?:省|市|区|县|镇))+(?:经济技术开发区|开发区|新区)?"
    r"|(?:\*{1,3}|[xX]{2})(?:经济技术开发区|高新技术产业开发区|开发区|高新区|新区)")
_PLACE_TAIL = re.compile(r"(?:经济技术开发区|高新技术产业开发区|示范区|开发区|高新区|新区)")
_SUBCOUNTY = re.compile(rf"[{_CJK}]{{2}}(?:乡|镇|村|街道)(?![{_CJK}]{{0,1}}(?:政府|人民|党委|卫生|中心|派出所|财政))")
@lru_cache(maxsize=1)
def _region_pattern() -> re.Pattern[str]:
    # a region name standing on its own (川渝、陕南等), not inside a longer word
    return re.compile(rf"(?<![{_CJK}])(?:{_alt(load_lexicon().regions)})(?=[、,，和与及等地区的]|$)"
                      rf"|(?<=[、与和及])(?:{_alt(load_lexicon().regions)})(?![{_CJK}]{{2}})")


# a township named on its own after a clause break (…推进,北辛乡苹果入选…): two characters
# + 乡, not a 乡-word (城乡, 下乡, 返乡, 家乡) and not a function word (为城乡)
_TOWNSHIP = re.compile(rf"(?<=[，,、。；;：:\s])(?![为在对向和与让使把被将从各])[{_CJK}](?![城下返家故回思])[{_CJK}]乡"
                       rf"(?![村镇亲土愁情音])")
# a town or sub-district named on its own (在桂城街道、大沥镇试点): two characters + 镇/街道
# after a clause break or a preposition, not a 镇-word (城镇, 乡镇, 集镇, 重镇, 小镇)
_TOWN = re.compile(rf"(?<=[，,、。；;：:\s在于到])(?![为在对向和与让使把被将从各每全本该])(?![一二三四五六七八九十][是要])"
                   rf"(?:(?![城乡集重小村古名强中示特])[{_CJK}][{_CJK}]镇|(?![乡镇村社][镇乡村区])[{_CJK}][{_CJK}]街道)"
                   rf"(?![{_CJK}]{{0,1}}(?:政府|人民|党委|办事处|级))")
_GENERIC_PLACE = {"城区", "郊区", "矿区", "新区", "市辖区", "开发区", "高新区"}


def find_places(shadow: str) -> list[Hit]:
    """Gazetteer places (full names; short names of provinces and cities; short county
    names marked ``short`` for the document-level check), townships and villages right
    after a county (芮城县陌南镇庄上村), and masked places (*市*区)."""
    gz = load_gazetteer()
    hits: list[Hit] = []
    for end, name in _place_automaton().iter(shadow):
        s, e = end - len(name) + 1, end + 1
        places = gz.lookup(name)
        if not places or name in _GENERIC_PLACE:
            continue
        short = name != places[0].name
        if not short and name[-1] in "省市区县" and shadow[e:e + 1] == "直" and short_name(name):
            continue   # 湖南省直管县: the 省 belongs to 省直管; the short-name hit covers 湖南
        if short and e < len(shadow) and shadow[e] in "区县镇乡省州盟旗":
            continue   # part of a longer, unknown name
        if len(name) == 2 and not short and s > 0 and "\u4e00" <= shadow[s - 1] <= "\u9fff":
            continue   # 成县 in 形成县域: one-character stems need a boundary
        if name in _WORDLIKE_PLACES and not _place_starts_here(shadow, s):
            continue   # 要会同县委督查室: 会同 is a word here
        tail = _PLACE_TAIL.match(shadow, e)
        if tail and not gz.lookup(shadow[s:tail.end()]):   # 镇江 + 新区; 滨海新区 is a place itself
            # a named area of its own (镇江新区), inside the place it is named after
            hits.append(("PLACE", s, tail.end(), {"name": shadow[s:tail.end()], "level": "area",
                                                  "within": places[0].adcode}))
            continue
        hits.append(("PLACE", s, e, {"adcode": places[0].adcode, "name": places[0].name,
                                        "level": places[0].level, "short": short}))
    for m in _TOWNSHIP.finditer(shadow):
        hits.append(("PLACE", m.start(), m.end(), {"level": "township"}))
    names = gz.strict_names
    for m in _TOWN.finditer(shadow):
        if shadow[m.end() - 1:m.end() + 1] in names or shadow[m.end() - 1:m.end() + 2] in names:
            continue                          # 印发镇江市…: the 镇 opens a city's name
        hits.append(("PLACE", m.start(), m.end(), {"level": "township"}))
    for m in _region_pattern().finditer(shadow):
        hits.append(("PLACE", m.start(), m.end(), {"level": "region"}))
    for m in _MASKED_PLACE.finditer(shadow):
        if shadow[m.end():m.end() + 1] == "级":   # *省级自然保护区: a level, not a place
            continue
        hits.append(("PLACE", m.start(), m.end(), {"masked": True}))
    out = _longest(hits)
    # townships/villages directly after a county-level place (or a previous township)
    extra: list[Hit] = []
    for h in out:
        pos = h[2]
        if h[3].get("level") not in ("county", None) or h[3].get("masked"):
            continue
        while True:
            m = _SUBCOUNTY.match(shadow, pos)
            if not m and extra and extra[-1][2] == pos and shadow[pos:pos + 1] == "、":
                m = _SUBCOUNTY.match(shadow, pos + 1)   # 临猗县北辛乡、庙上乡
            if not m:
                break
            extra.append(("PLACE", m.start(), m.end(), {"level": "township", "within": h[3].get("adcode")}))
            pos = m.end()
    return _chains(_longest(out + extra), gz)


def _chains(hits: list[Hit], gz: Gazetteer) -> list[Hit]:
    """A place written right after the place it lies in is one mention of the inner place,
    in its fullest form: 济南市钢城区, 北京市石景山区 (not 济南市 + 钢城区)."""
    out: list[Hit] = []
    for h in hits:
        prev = out[-1] if out else None
        inner, outer = h[3].get("adcode"), prev[3].get("adcode") if prev else None
        if prev and inner and outer and prev[2] == h[1] and not h[3].get("short") \
                and outer in {p.adcode for p in gz.chain(inner)[1:]}:
            out[-1] = ("PLACE", prev[1], h[2], dict(h[3], chain=True))
            continue
        out.append(h)
    return out


# --- persons -------------------------------------------------------------------------------

# two-character words that often follow a leader's name (the first character ends no name)
_NEXT_WORDS = {"主持", "主讲", "强调", "批示", "听取", "部署", "考察", "检查", "督导", "一行", "作出", "作了",
               "通报", "总结", "希望", "认为", "提出", "肯定", "回答", "解读"}
_NAME_STOP = set("传领在出参指等作表讲同对和与的为是说到会带提介要亲率调视察宣致代陪也还就并向将所以及等、，,。；;：:“”《》()（） \n")


@lru_cache(maxsize=1)
def _person_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    lx = load_lexicon()
    roles = _alt(lx.person_roles)
    sur = f"(?:{_alt(lx.compound_surnames)}|[{lx.surnames}])"
    role_name = re.compile(rf"(?:(?:[省市区县]委|[省市区县])?(?:{roles}))[ \u3000]*{sur}(?:[ \u3000]*[{_CJK}]){{1,2}}")
    surname_role = re.compile(rf"(?:[省市区县]委)?{sur}(?:书记|市长|县长|区长|省长|主任|局长|部长|总理)"
                              rf"|{sur}[{_CJK}]{{1,2}}(?:总书记|总理|同志)")
    return role_name, surname_role


@lru_cache(maxsize=1)
def _listed_name_pattern() -> re.Pattern[str]:
    lx = load_lexicon()
    sur = f"(?:{_alt(lx.compound_surnames)}|[{lx.surnames}])"
    return re.compile(rf"、(?P<name>{sur}[{_CJK}]{{1,2}}?)(?=[、,，。;；]|等|在|出席|参加|陪同|主持|$)")


def _listed_names(shadow: str, pos: int, role: str | None) -> list[Hit]:
    """Names 、-listed after a role+name share the role: 副省长万勇、童道驰、陈安丽出席;
    县政府办副主任黄团国、潘炳煌等陪同."""
    out: list[Hit] = []
    pattern = _listed_name_pattern()
    while (m := pattern.match(shadow, pos)) is not None:
        out.append(("PERSON", m.start("name"), m.end("name"), {"role": role, "name": m.group("name")}))
        pos = m.end()
    return out


@lru_cache(maxsize=1)
def _byline_pattern() -> re.Pattern[str]:
    lx = load_lexicon()
    sur = f"(?:{_alt(lx.compound_surnames)}|[{lx.surnames}])"
    # news bylines and photo credits: 刘震 摄 / 记者 张三
    return re.compile(rf"(?<![{_CJK}])(?P<a>{sur}[{_CJK}]{{1,2}})[ \u3000]*(?:摄|摄影|报道)(?=\s|$)"
                      rf"|(?:记者|通讯员|摄影)[ \u3000]*(?P<b>{sur}[{_CJK}]{{1,2}})(?![{_CJK}])")


@lru_cache(maxsize=1)
def _name_role_pattern() -> re.Pattern[str]:
    lx = load_lexicon()
    sur = f"(?:{_alt(lx.compound_surnames)}|[{lx.surnames}])"
    return re.compile(rf"{sur}[{_CJK}]{{1,2}}(?:省长|市长|县长|区长|镇长|乡长|书记|主任|局长|部长|同志)")


def is_person(text: str) -> bool:
    """A field value that names a leader, not a body: 朱伟县长, 市长储祥好, 林克庆."""
    t = text.strip()
    if not t:
        return False
    role_name, _ = _person_patterns()
    if role_name.fullmatch(t) or _name_role_pattern().fullmatch(t):
        return True
    return False


def find_persons(shadow: str) -> list[Hit]:
    role_name, surname_role = _person_patterns()
    lx = load_lexicon()
    hits: list[Hit] = []
    roles = sorted(lx.person_roles, key=len, reverse=True)
    for m in role_name.finditer(shadow):
        s, e = m.start(), m.end()
        if s > 0 and shadow[s - 1] == "总":   # 总书记 follows the name, never precedes it
            continue
        # drop a trailing char that starts the next word (市长储祥好领衔 -> 储祥好, 市长李四主持)
        if shadow[e - 1] in _NAME_STOP or (e - s >= 4 and shadow[e - 1:e + 1] in _NEXT_WORDS
                                                       and shadow[e - 1:e + 2] not in ("强调研", "强调度", "强调查", "强调整")):
            e -= 1
        text = shadow[s:e]
        role = next((r for r in roles if r in text[:len(text) - 1]), None)
        name = text.split(role, 1)[1].strip() if role else text
        if len(name.replace(" ", "").replace("\u3000", "")) < 2:
            continue
        role_text = text[: text.index(role) + len(role)] if role else None
        hits.append(("PERSON", s, e, {"role": role_text, "name": name}))
        hits.extend(_listed_names(shadow, e, role_text))
    for m in surname_role.finditer(shadow):
        name_first = m.group(0).endswith(("总书记", "总理", "同志"))
        if not name_first and m.start() > 0 and "\u4e00" <= shadow[m.start() - 1] <= "\u9fff" \
                and not shadow[m.start() - 1] in "委":
            continue
        if m.group(0).endswith("同志") and (len(m.group(0)) > 5 or re.search("负责|领导|有关|各位", m.group(0))):
            continue
        if re.match(r"为(?:核心|总书记)", shadow[m.end():m.end() + 4]):
            continue                              # 以…同志为核心的党中央: a formula, not a mention
        e = m.end() - 2 if m.group(0).endswith("同志") else m.end()   # 同志 is an address, not a role
        hits.append(("PERSON", m.start(), e, {"role": None, "name": shadow[m.start():e]}))
    for m in _name_role_pattern().finditer(shadow):
        # 朱伟县长牵头: a name before its role, when the person acts as an owner
        if re.match(r"(?:亲自)?(?:牵头|领衔|负责|主持)", shadow[m.end():m.end() + 4]) and (
                m.start() == 0 or not "\u4e00" <= shadow[m.start() - 1] <= "\u9fff" or shadow[m.start() - 1] in "由和、"):
            hits.append(("PERSON", m.start(), m.end(), {"role": None, "name": m.group(0)}))
    for m in _byline_pattern().finditer(shadow):
        g = "a" if m.group("a") else "b"
        hits.append(("PERSON", m.start(g), m.end(g), {"role": None, "name": m.group(g)}))
    return _longest(hits)


# --- outcomes ----------------------------------------------------------------------------

_NUM = r"\d+(?:\.\d+)?"


@lru_cache(maxsize=1)
def _outcome_pattern() -> re.Pattern[str]:
    units = _alt(load_lexicon().outcome_units)
    return re.compile(
        rf"(?P<num>{_NUM}(?:(?:%|％|万|亿|千)?\s*[-~～—–至到]\s*{_NUM}(?=\s*(?:余|多|万|亿|千)?(?:{units})))?"
        rf"|\*+(?:\.\*+)?|[xX]{{2,}}(?:\.[xX]+)?"
        rf"|(?<![{_CN_DIGITS}])[{_CN_DIGITS}][{_CN_DIGITS}零]*?[百千万亿](?:[{_CN_DIGITS}零]*[百千万亿])*"
        rf"|(?<![{_CN_DIGITS}])[{_CN_DIGITS}]{{1,3}}(?=(?:余|多)?[万亿])"
        rf"|(?<=连续)[{_CN_DIGITS}]{{1,3}}(?=多?(?:年|个月)))"          # 连续两年: a streak
        rf"\s*(?P<approx>余|多)?(?P<mult>万|亿|千)?"
        rf"(?P<unit>{units})(?P<qual>以上|以内|以下|左右|内)?"
    )


# rankings: 全省排名第二, 位居全国第3 (not 全省第一批: an ordinal batch, not a rank)
_RANK = re.compile(
    r"(?:(?:全国|全省|全市|全区|全县|全州)(?:[县市区]{1,3}(?:\([县市区、]{1,5}\))?|市辖区中?)?"
    r"|(?<=位列|位居|排名|排在|位于|跻身|进入)(?:[\u4e00-\u9fff]{2,4}?[省市州])?)"   # 位列第4位, 位居株洲市第1位
    r"(?:排名|排位|位居|位列)?"
    r"(?:第(?P<n>[一二三四五六七八九十]{1,3}|\d{1,3}|\*{1,2})(?:名|位|方阵|梯队)?(?![批次届轮期个家项])"
    r"|前(?P<top>\d{1,2}|[一二三四五六七八九十]{1,2})(?:名|位|强))")
_CLAUSE_STOP = set("，,。；;：:、！？“”\"《》()（）\n\t")
_TOTAL_AFTER_NOUN = re.compile(r"[^共计]*[^共计公](?P<w>共(?![享建同治产青性识用有])|累计|合计)")
_MERGE_GAP = re.compile(r"^[^，,。；;：:、！？\n和及与]{0,8}$")
_CONJ_NOT_AFTER = {"和": "温缓饱调柔总平", "及": "涉普波危顾触惠提殃", "与": "参给赋授"}
_CONJ_NOT_BEFORE = {"和": "谐美平睦", "及": "时早", "与": "会"}


def _is_conj(text: str, i: int) -> bool:
    """``text[i]`` joins two phrases (和/及/与), not part of a word (涉及, 参与, 缓和, 及时, 和谐)."""
    ch = text[i]
    return ch in _CONJ_NOT_AFTER and not (i > 0 and text[i - 1] in _CONJ_NOT_AFTER[ch]) \
        and not (i + 1 < len(text) and text[i + 1] in _CONJ_NOT_BEFORE[ch])

_TIME_UNITS = ("个月", "年", "天", "日", "个小时", "小时", "个工作日", "工作日")
# 全区*个乡镇, 我市12个县区: how many areas there are, a scope, not an outcome
_SCOPE_BEFORE = re.compile(r"(?:全|我)[国省市区县州乡镇]$")
_AREA_NOUN = re.compile(r"(?:乡镇|乡村|乡|镇|村|社区|街道|县市区|县区|县|区|市|省|行政村|自然村)")
_SCOPE_AFTER = re.compile(r"^(?:乡镇|乡|镇|村|社区|街道|县|区|市|省|县区|县市区|市辖区|行政村|自然村)[(（、,，]")
_MULT = {"万": 1e4, "亿": 1e8, "千": 1e3}
# 覆盖全区12个乡镇(街道), 全县***个村(社区)实现全覆盖: the areas are what was reached (a result), not
# the scope of a figure that follows (全区*个乡镇(街道)便民服务中心全面推开)
_COVERED = re.compile(r"[\u4e00-\u9fff]{1,4}\([\u4e00-\u9fff、]{1,6}\)(?:[，,。；;]|$|实现|全面|全部|均|已|完成|覆盖|达到)")


def _after_scope_word(shadow: str, s: int, start: int) -> bool:
    """The count at ``s`` follows 全区/我市…: it says how many areas there are."""
    return bool(_SCOPE_BEFORE.search(shadow[max(start, s - 2):s]))

# a masked character inside a name (*特色产业), not a masked figure (*个, *月*日: those are barriers or dates)
_MASKED_NAME = re.compile(rf"\*+[{_CJK}](?<![年月日号])")
_SHORT_ASIDE = re.compile(r"[(（][^()（），,。；;\n]{1,6}[)）]")
_BARE_SIBLING = re.compile(rf"[，,、](?P<m>[{_CJK}]{{1,3}})(?P<n>\d{{1,6}}(?:\.\d+)?)(?=[，,。；;\n]|$)")
# units a figure that lost its own may take from its sibling: plain counts, no %, 万 or 亿
_PLAIN_COUNT = {"亩", "件", "户", "个", "家", "人", "项", "宗", "处", "本", "台", "套", "起", "名", "条", "座", "所"}
# a phrase cut short never ends on a function word (only ones that rarely end a word:
# 行为, 截至, 方向, 存在, 成就 keep theirs)
_NO_END = set("被将已把的也还")
_TO_BARE = re.compile(rf"{_NUM}(?=[，,。；;、\s]|$)")
# Chinese numerals with a magnitude (两万余个, 三千多人); small ones (三项指标, 一枚印章)
# are words more often than counts
_CN_DIGITS = "一二两三四五六七八九十"
_CN_VALUE = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 10_000, "亿": 100_000_000}


def cn_number(s: str) -> int | None:
    """一百二十 -> 120, 两万 -> 20000, 三千五百万 -> 35000000; None if not a numeral."""
    total, section, digit = 0, 0, None
    for ch in s:
        if ch in _CN_VALUE:
            digit = _CN_VALUE[ch]
        elif ch in _CN_SMALL:
            section += (1 if digit is None else digit) * _CN_SMALL[ch]
            digit = None
        elif ch in _CN_BIG:
            total = (total + section + (digit or 0)) * _CN_BIG[ch]
            section, digit = 0, None
        else:
            return None
    return total + section + (digit or 0)


def _number_value(num: str, mult: str | None) -> tuple[float | None, float | None]:
    """(value, value_max) of a core's number: a range 1-2 gives both, a mask neither."""
    nums = re.findall(_NUM, num)
    if not nums:
        cn = cn_number(num)
        return (None, None) if cn is None else (float(cn) * _MULT.get(mult or "", 1), None)
    k = _MULT.get(mult or "", 1)
    low = round(float(nums[0]) * k, 6)            # 8.2亿 is 820000000, not 819999999.9999999
    return low, (round(float(nums[1]) * k, 6) if len(nums) > 1 else None)


def find_outcomes(shadow: str, start: int = 0, end: int | None = None) -> list[Hit]:
    """Quantified phrases: the number and its unit, widened to the clause around it
    (never across punctuation or into a neighbouring number), so the phrase names what
    was counted (精简177项, 203项行政审批事项).

    Not outcomes: time references (4个月前), scope counts (全区*个乡镇: how many
    areas there are), bare classifiers with nothing counted (a lone ``*个``).  A number
    right after a conjunction starts a new conjunct and takes the words after it
    (…和53项高效节灌工程); a count with no words of its own joins the next count
    of its clause (*个企事业单位创建达标率为*%); a range (1-2%) keeps both bounds."""
    end = len(shadow) if end is None else end
    cores: list[re.Match[str]] = []
    barriers: list[tuple[int, int]] = []          # every number found, kept or not
    for m in _outcome_pattern().finditer(shadow, start, end):
        s, e = m.start(), m.end()
        prev = shadow[s - 1] if s > 0 else " "   # ("" is in every string)
        if prev.isdigit() or prev in "〔[-/第月" or prev == "前" and m.group("unit") in ("位", "名") or re.match(r"[年月日号〕]", shadow[e:e + 1] or " "):
            continue
        if m.group("unit") == "年" and (not re.search(r"(?:连续|近|历时|用|满|达|超过|经过|提前|缩短)$", shadow[max(0, s - 2):s])
                                        or re.match(r"(?:以)?来", shadow[e:e + 2])):
            barriers.append((s, e))
            continue                              # a year (2022年, **年), not a duration (连续3年; 近3年来 is a time)
        barriers.append((s, e))
        unit = m.group("unit")
        if unit in _TIME_UNITS and re.match(r"(?:之)?(?:前|后|以来)", shadow[e:e + 2]):
            continue
        if unit == "个" and (_after_scope_word(shadow, s, start) and _SCOPE_AFTER.match(shadow[e:e + 3])
                            and not _COVERED.match(shadow, e) or shadow.startswith("方面", e)):
            continue                              # a scope, or how the text is organised (从8个方面)
        cores.append(m)
    # 196家部门单位共梳理了1754项: a count with words of its own, then a total of what it
    # did: two figures, parted where the total starts
    cuts: list[int] = []
    scopes: set[int] = set()
    for p, m in zip(cores, cores[1:]):
        gap = shadow[p.end():m.start()]
        if len(gap) > 16 or any(c in _CLAUSE_STOP for c in gap) or p.group("unit") in ("批", "批次"):
            continue                              # 公布2批清单共计386项: the batches held the total
        t = _TOTAL_AFTER_NOUN.match(gap)
        if not t and p.start() > start and shadow[p.start() - 1] not in _CLAUSE_STOP:
            t = re.match(r"(?P<w>共(?![享建同治产青性识用有])|累计|合计)", gap)   # 省级试点12个共取得…35项
        if t:
            cuts.append(p.end() + t.start("w"))
            if _after_scope_word(shadow, p.start(), start) or p.group("unit") == "个" and _AREA_NOUN.match(shadow, p.end()):
                scopes.add(p.start())             # 全区12个部门 / 12个乡镇累计…: where, a scope
    if cuts:
        barriers = sorted(barriers + [(c, c) for c in cuts])
        cores = [m for m in cores if m.start() not in scopes]

    def cut_between(x: int, y: int) -> bool:
        k = bisect.bisect_left(cuts, x)
        return k < len(cuts) and cuts[k] <= y

    # merge pairs a short gap apart (16大类37个小类, 为21户企业提供担保贷款*万元)
    groups: list[list[re.Match[str]]] = []
    for m in cores:
        if groups and m.start() - groups[-1][-1].end() <= 8:
            gap = shadow[groups[-1][-1].end():m.start()]
            if _MERGE_GAP.match(gap) and not cut_between(groups[-1][-1].end(), m.start()):
                g0 = groups[-1][0]
                if len(groups[-1]) == 1 and (g0.group("unit") == "个" and _AREA_NOUN.match(shadow, g0.end())
                                             and _after_scope_word(shadow, g0.start(), start)
                                             or g0.group("unit") in ("批", "批次") and not re.fullmatch(r"[^，,。；;、]{0,4}?(?:共|计|合计|累计)", gap)):
                    # 全市12个乡村e镇总投资22.59亿元: the first is the scope;
                    # 共批复2批分类改革事业单位424个: the batches are how, the 424 what
                    # (7批共632项 is one figure: the batches and what they held)
                    groups[-1] = [m]
                else:
                    groups[-1].append(m)
                continue
        groups.append([m])
    hits: list[Hit] = []
    for m in _RANK.finditer(shadow, start, end):
        a = m.start()
        while a > start and m.start() - a < 12 and shadow[a - 1] not in _CLAUSE_STOP and not shadow[a - 1].isdigit():
            a -= 1
        n = m.group("n") or m.group("top")
        hits.append(("OUTCOME", a, m.end(), {"metric": shadow[a:m.start()] or None,
                                             "value": _number_value(n, None)[0],
                                             "unit": "rank", "masked": n.startswith("*")}))

    def left_edge(s: int, limit: int) -> int:
        if s > limit and (shadow[s - 1] == "、" or _is_conj(shadow, s - 1)):
            return s                              # …和53项…: a new conjunct starts here
        a = s
        while a > limit and s - a < 16:
            c = shadow[a - 1]
            if c in ")）":                        # 党群服务中心(站)126个: a short aside is part of it
                o = max(shadow.rfind("(", limit, a - 1), shadow.rfind("（", limit, a - 1))
                if o >= 0 and a - 1 - o <= 7 and not any(x in _CLAUSE_STOP for x in shadow[o + 1:a - 1]):
                    a = o
                    continue
            if (c in _CLAUSE_STOP and c not in "“”\"") or c.isdigit() or c in "*xX.．":
                break
            a -= 1
        while a < s and shadow[a] in "“”\"" and shadow[a:s].count(shadow[a]) == 1 and shadow[a] != "“":
            a += 1                                # a closing quote whose opening one is outside
        after_close = a > 0 and shadow[a - 1] in "》”)）"
        if shadow.startswith("以及", a) and a + 2 < s and (after_close or a == limit):
            a += 2
        while a < s and (_is_conj(shadow, a) and (after_close or a == limit and a > start)
                         or shadow[a] in "年月日号" and a > 0 and (shadow[a - 1].isdigit() or shadow[a - 1] in "*xX")):
            a += 1                                # nor on a conjunction after a figure, or a date's 年 (2022年我区…)
        return a

    barrier_starts = [bs for bs, _ in barriers]   # in text order, never overlapping
    barrier_ends = [be for _, be in barriers]
    spans: list[list[Any]] = []                   # [left edge, groups' start, end, group]
    for grp in groups:
        s, e = grp[0].start(), grp[-1].end()
        k = bisect.bisect_right(barrier_ends, s)
        left_limit = max(start, barrier_ends[k - 1]) if k else start
        a = left_edge(s, left_limit)
        if spans and spans[-1][0] == spans[-1][1] and s - spans[-1][2] <= 16 \
                and not any(shadow[k] in _CLAUSE_STOP or _is_conj(shadow, k) for k in range(spans[-1][2], s)) \
                and not cut_between(spans[-1][2], s):
            # *个企事业单位创建达标率为*%: the first count has no words of its own
            spans[-1][2], spans[-1][3] = e, spans[-1][3] + grp
            continue
        if spans and a == s and shadow[spans[-1][2]:s] == "、" and (e == end or shadow[e] in _CLAUSE_STOP) \
                and spans[-1][3][0].group("unit") != grp[0].group("unit"):
            # 归集证照386类、1.3亿张: a second measure of the same thing, no words of its own
            spans[-1][2] = e
            continue
        spans.append([a, s, e, list(grp)])
    for a, s, e, grp in spans:
        k = bisect.bisect_left(barrier_starts, e)
        right_limit = min(end, barrier_starts[k]) if k < len(barrier_starts) else end
        b = e
        while b < right_limit and b - e < 16 and (shadow[b] not in _CLAUSE_STOP or shadow[b] in "“”\""
                                                  or shadow[b] in "(（" and _SHORT_ASIDE.match(shadow, b)) \
                and not shadow[b].isdigit() and (shadow[b] != "*" or b == e and _MASKED_NAME.match(shadow, b)):
            if shadow[b] in "(（":
                b = _SHORT_ASIDE.match(shadow, b).end()   # 24个镇(街道): a short aside is part of it
                continue
            if b == e and shadow[b] == "*":
                b = _MASKED_NAME.match(shadow, b).end() - 1
            b += 1                                # 53项**高效节灌工程: a masked name is part of what is counted
        while b > e and (_is_conj(shadow, b - 1) or shadow[b - 1] == "以" and shadow[b:b + 1] == "及"):
            b -= 1                                # never end on a conjunction either (…100项以及)
        tail = _TO_BARE.match(shadow, b) if b > e and shadow[b - 1] in "为至到" else None
        if tail:
            b = tail.end()                        # 将6个环节压缩为1: the result has no unit of its own
        elif b == len(shadow) or shadow[b] not in "，,。；;！？\n、":
            while b > e and shadow[b - 1] in _NO_END:
                b -= 1                            # 2项改革经验被(《…》刊发): cut off where the words were cut
        first = grp[-1] if grp[0].group("unit") in ("批", "批次") and len(grp) > 1 else grp[0]
        if a == s and b == first.end() and first.group("unit") == "个" and (a == start or shadow[a - 1] in "，,。；;、"):
            continue                              # a lone *个 after a comma: nothing counted
        num = first.group("num")
        masked = num[0] in "*xX"
        value, value_max = _number_value(num, first.group("mult"))
        unit = (first.group("mult") or "") + first.group("unit") if first.group("unit") in ("元", "人", "户", "亩", "件", "家") \
            else first.group("unit")
        attrs = {"metric": shadow[a:s].strip() or None, "value": value, "unit": unit, "masked": masked}
        if value_max is not None:
            attrs["value_max"] = value_max
        hits.append(("OUTCOME", a, b, attrs))
        # 出租1725亩,转包1520: a parallel figure that lost its unit takes its sibling's, when
        # both are plain counts after a short verb (not 同比增长15.6 after 12万件, not a phone number)
        pos = b
        while unit in _PLAIN_COUNT and not masked and len(attrs["metric"] or "") <= 4 and pos < end:
            bare = _BARE_SIBLING.match(shadow, pos)
            if not bare or bare.end() > end or re.fullmatch(r"(?:19|20)\d\d", bare.group("n")):
                break
            hits.append(("OUTCOME", bare.start("m"), bare.end("n"),
                         {"metric": bare.group("m"), "value": float(bare.group("n")), "unit": unit, "masked": False}))
            pos = bare.end()
    hits += _lost_classifiers(shadow, start, end, barriers)
    return _rank_qualifiers(shadow, _drop_repeats(shadow, hits))


# 实施的18一件事一次办套餐: a count whose classifier (个) was lost, right after 的/了
_LOST_CLASSIFIER = re.compile(r"(?<=[的了])\d{1,3}(?=[\u4e00-\u9fff])(?![年月日号时点岁届期次])")


def _lost_classifiers(shadow: str, start: int, end: int, barriers: list[tuple[int, int]]) -> list[Hit]:
    out: list[Hit] = []
    starts = [a for a, _ in barriers]             # sorted, never overlapping
    for m in _LOST_CLASSIFIER.finditer(shadow, start, end):
        k = bisect.bisect_right(starts, m.start())
        if k and m.start() < barriers[k - 1][1]:
            continue                              # inside a figure already found
        b = m.end()
        while b < end and b - m.end() < 16 and shadow[b] not in _CLAUSE_STOP and not shadow[b].isdigit():
            b += 1
        out.append(("OUTCOME", m.start(), b, {"metric": None, "value": float(m.group(0)), "unit": None,
                                              "masked": False}))
    return out


# …农村日间照料中心1468个,数量全省第一 / …增加268人,位居全省第一: a ranking with no metric of
# its own ranks the figure before it; it is that figure's rank, not another outcome
_ANAPHORIC_METRIC = re.compile(
    rf"(?:[{_CN_DIGITS}]+项)?(?:指标|数量|总量|面积|规模|增速|增幅)?(?:均|分别)?(?:排名|排位|位居|位列|居|列)?")


def _rank_qualifiers(shadow: str, hits: list[Hit]) -> list[Hit]:
    hits = sorted(hits, key=lambda h: (h[1], h[3]["unit"] == "rank"))
    out: list[Hit] = []
    last: Hit | None = None                       # the last figure (not a ranking) kept
    for h in hits:
        a = h[3]
        if a["unit"] != "rank":
            out.append(h)
            last = h
            continue
        if last and "rank" not in last[3] and not any(c in "。；;！？\n" for c in shadow[last[2]:h[1]]):
            if h[1] < last[2]:
                # 连续十年保持全省第一, 新增就业268人位居全省第一: one phrase, the rank is the figure's
                last[3]["rank"] = shadow[h[1] + len(a["metric"] or ""):h[2]]
                continue
            if _ANAPHORIC_METRIC.fullmatch(a["metric"] or ""):
                last[3]["rank"] = shadow[h[1]:h[2]]
                continue
        out.append(h)
    return out


def _drop_repeats(shadow: str, hits: list[Hit]) -> list[Hit]:
    """A figure said again as the topic of the next sentence (…确定的65个基层高频事项…。
    65个基层事项,细分为…) is the earlier one referred to, not a second outcome: same value
    and unit, nothing before it in its clause, close by, and its words already in the first."""
    out: list[Hit] = []
    recent: list[Hit] = []                        # valued hits of the last 300 characters
    for h in sorted(hits, key=lambda x: x[1]):
        a = h[3]
        if a["value"] is None:
            out.append(h)
            continue
        recent = [p for p in recent if h[1] - p[2] <= 300]
        if a["metric"] is None and a["unit"] != "rank" and any(
                p[3]["value"] == a["value"] and p[3]["unit"] == a["unit"] and p[2] < h[1]
                and set(shadow[h[1]:h[2]]) <= set(shadow[p[1]:p[2]]) for p in recent):
            continue
        out.append(h)
        recent.append(h)
    return out


# --- deadlines ----------------------------------------------------------------------------


def normalise_deadline(text: str, doc_year: int | None) -> str | None:
    """202312月底前 -> 2023-12-31; 6月底前 -> <doc year>-06-30; 2022年底 -> 2022-12-31.

    A staged deadline (3月底前完成摸底;6月底前…;12月底前全面完成, 上半年启动,年底前完成)
    ends with its last stage; a year written in an earlier stage carries over.  A start
    (2023年起) or a relative span (半年内, 3个月内) is no date."""
    t = text.replace(" ", "")
    year = re.search(r"(?<!\d)(20\d{2}|19\d{2})(?=年|\d{1,2}月)", t)
    default_year = int(year.group(1)) if year else doc_year
    parts = [p for p in re.split(r"[;；,，]", t) if p]
    for part in reversed(parts):
        d = _deadline_date(part, default_year)
        if d:
            return d
    return None


def _deadline_date(t: str, doc_year: int | None) -> str | None:
    if re.search(r"起$|起(?:实施|执行|开始)|开始|以来", t) or re.search(
            r"(?<!\d)(?:半年|(?:[一二三四五六七八九十]+|\d{1,2})个?(?:月|年|季度|工作日|日|天))(?:以)?内", t):
        return None
    m = re.search(r"(20\d{2}|19\d{2})年?(\d{1,2})月(上旬|中旬|下旬|底|末|份)?(?:(\d{1,2})日)?", t)
    if m and 1 <= int(m.group(2)) <= 12:
        y, mo = int(m.group(1)), int(m.group(2))
        return _day(y, mo, m.group(3), m.group(4))
    m = re.search(r"(?:(20\d{2}|19\d{2})年)?(?:第?([一二三四1-4])季度|([上下])半年)", t)
    if m and (m.group(1) or doc_year):
        y = int(m.group(1)) if m.group(1) else doc_year
        if m.group(2):
            q = "一二三四".index(m.group(2)) + 1 if m.group(2) in "一二三四" else int(m.group(2))
        else:
            q = 2 if m.group(3) == "上" else 4
        return _day(y, q * 3, None, None)           # the end of the quarter / half-year
    m = re.search(r"(20\d{2}|19\d{2})年(?:底|末|年底|内)?", t)
    if m:
        return f"{int(m.group(1)):04d}-12-31"
    m = re.search(r"(?<!\d)(\d{1,2})月(上旬|中旬|下旬|底|末|份)?(?:(\d{1,2})日)?", t)
    if m and doc_year and 1 <= int(m.group(1)) <= 12:
        return _day(doc_year, int(m.group(1)), m.group(2), m.group(3))
    if re.search(r"年底|年内|全年", t) and doc_year:
        return f"{doc_year:04d}-12-31"
    return None


def _day(y: int, mo: int, part: str | None, d: str | None) -> str:
    import calendar

    last = calendar.monthrange(y, mo)[1]
    if d and 1 <= int(d) <= last:
        day = int(d)
    elif part == "上旬":
        day = 10
    elif part == "中旬":
        day = 20
    else:
        day = last
    return f"{y:04d}-{mo:02d}-{day:02d}"

