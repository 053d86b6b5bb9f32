"""Extract stage: a spaCy ``blank("zh")`` pipeline of rule components, then task assembly.

The components only add annotations to ``doc.spans`` (``units``, ``policies``, ``places``,
``persons``, ``outcomes``), the way spaCy components do; :func:`extract` turns those
spans plus the segmenter's items into an :class:`~kg.records.Extraction`.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import replace
from functools import lru_cache
from typing import Any, Iterable

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span as SpacySpan

from kg.extract import rules
from kg.extract.shadow import Shadow, fold, make_shadow
from kg.records import (
    Deadline, DocStructure, Extraction, Item, Mention, Outcome, Span, TaskRecord,
)
from kg.segment import title_span

_SPAN_KEYS = {"UNIT": "units", "POLICY": "policies", "PLACE": "places", "PERSON": "persons",
              "OUTCOME": "outcomes"}

if not Doc.has_extension("kg_shadow"):
    Doc.set_extension("kg_shadow", default=None)
if not SpacySpan.has_extension("kg_attrs"):
    SpacySpan.set_extension("kg_attrs", default=None)


def _shadow(doc: Doc) -> Shadow:
    if doc._.kg_shadow is None:
        doc._.kg_shadow = make_shadow(doc.user_data.get("kg_text") or doc.text)
    return doc._.kg_shadow


def _add(doc: Doc, hits: Iterable[rules.Hit]) -> None:
    sh = _shadow(doc)
    groups: dict[str, list[SpacySpan]] = {}
    for label, s, e, attrs in hits:
        a, b = sh.span(s, e)
        span = doc.char_span(a, b, label=label, alignment_mode="expand")
        if span is None:
            continue
        span._.kg_attrs = dict(attrs, start=a, end=b)
        groups.setdefault(_SPAN_KEYS[label], []).append(span)
    for key, spans in groups.items():   # one assignment per group (a SpanGroup copies)
        doc.spans[key] = (list(doc.spans[key]) if key in doc.spans else []) + spans


def _component(name: str, finder):
    @Language.component(name)
    def component(doc: Doc) -> Doc:
        _add(doc, finder(_shadow(doc).text))
        return doc
    return component


_component("kg_units", rules.find_units)
_component("kg_policies", rules.find_policies)
_component("kg_places", rules.find_places)
_component("kg_persons", rules.find_persons)
_component("kg_outcomes", rules.find_outcomes)

PIPES = ("kg_units", "kg_policies", "kg_places", "kg_persons", "kg_outcomes")


class CharTokenizer:
    """One token per character, like ``blank("zh")``'s ``char`` segmenter, built in one
    call instead of spaCy's per-character Python loop (the hot spot of extraction)."""

    def __init__(self, vocab) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        return Doc(self.vocab, words=list(text), spaces=[False] * len(text))


@lru_cache(maxsize=1)
def nlp() -> Language:
    """``spacy.blank("zh")`` (character segmentation, nothing downloaded) + rule components."""
    pipeline = spacy.blank("zh")
    pipeline.tokenizer = CharTokenizer(pipeline.vocab)
    for name in PIPES:
        pipeline.add_pipe(name)
    return pipeline


def _mentions(doc: Doc, key: str, text: str) -> list[Mention]:
    # ``doc.text`` is rebuilt from the tokens on every access: use the original string
    out = []
    for sp in doc.spans.get(key, []):
        attrs = dict(sp._.kg_attrs or {})
        a, b = attrs.pop("start"), attrs.pop("end")
        out.append(Mention(sp.label_, text[a:b], Span(a, b), attrs))
    return out


# --- task assembly -----------------------------------------------------------------------


# membership roles (县委常委, 市政协委员): the body is only part of the role, not a unit mention
# (the gold lists 市委 of 市委书记 and 市人大常委会 of …主任, but not 县委 of 县委常委)
_ROLE_AFTER = re.compile(r"(?:常委|委员(?!会))")
# "各部门要高度重视", "有关部门": an addressee class without a jurisdiction or a qualifier
# names nobody in running prose; as a task's owner (a field, 会同, …按职责分工负责) it stays
_GENERIC_COLLECTIVE = re.compile(r"[省市区县]?各(?:有关|相关)?部门|各?(?:有关|相关)(?:部门|单位)")


def extract(structure: DocStructure) -> Extraction:
    text = structure.source.text
    pipeline = nlp()
    doc = pipeline.make_doc(text)
    doc.user_data["kg_text"] = text
    for _, proc in pipeline.pipeline:
        doc = proc(doc)
    units = [m for m in _mentions(doc, "units", text) if m.span.start >= structure.source.body_start]
    policies = [m for m in _mentions(doc, "policies", text) if m.span.start >= structure.source.body_start]
    places = [m for m in _mentions(doc, "places", text) if m.span.start >= structure.source.body_start]
    persons = [m for m in _mentions(doc, "persons", text) if m.span.start >= structure.source.body_start]
    outcomes = [m for m in _mentions(doc, "outcomes", text) if m.span.start >= structure.source.body_start]

    policies = _drop_short_aliases(policies)   # 《目录》 for 《…事项目录》: before tasks cite it
    # a figure inside a cited title (《…30条措施》) names the document, it is no outcome
    titles = sorted((p.span.start, p.span.end) for p in policies)
    starts = [a for a, _ in titles]
    outcomes = [o for o in outcomes
                if not ((k := bisect.bisect_right(starts, o.span.start)) and o.span.start < titles[k - 1][1])]
    places = select_places(places, units, policies, text)
    tasks = _assemble_tasks(structure, policies, outcomes, persons, units)
    tasks = _leaders(text, tasks, persons)
    field_units = [u for t in tasks for u in t.lead_units + t.support_units]
    # field values are split by structure; free-text hits inside them are noise
    field_spans = [f.value_span for it in structure.items for f in it.fields if f.label != "deadline" and not f.prose]
    units = [u for u in units if not any(fs.start <= u.span.start < fs.end for fs in field_spans)
             and not (u.attrs.get("collective") and _GENERIC_COLLECTIVE.fullmatch(make_shadow(u.text).text))
             and not _ROLE_AFTER.match(fold(text[u.span.end:u.span.end + 5]))]
    all_units = _merge_mentions(units + field_units)
    own = _own_title(structure)
    if own:
        # an unmarked hit inside the title is a piece of it (关于…的通知 without its issuer)
        policies = [p for p in policies if p.attrs.get("marked") or p.attrs.get("noise")
                    or not (own.span.start <= p.span.start and p.span.end <= own.span.end)]
        if not any(p.text == own.text for p in policies):
            policies = policies + [own]
    return Extraction(
        doc=structure,
        tasks=tuple(tasks),
        units=tuple(all_units),
        policies=tuple(policies),
        places=tuple(places),
        persons=tuple(persons + [p for t in tasks for p in t.lead_persons]),
    )


_LEADS_VERB = re.compile(r"(?:同志)?(?:亲自)?(?:领衔|牵头)(?:推进|负责|抓)?")


def _bigrams(s: str) -> set[str]:
    s = re.sub(r"[^\u4e00-\u9fff]", "", s)
    return {s[i:i + 2] for i in range(len(s) - 1)}


def _leaders(text: str, tasks: list[TaskRecord], persons: list[Mention]) -> list[TaskRecord]:
    """Leaders named as owners: ``市委书记丁小强领衔推进建设黄河流域…示范区改革项目`` gives the
    task whose title shares most of that object (by character bigrams) a lead person; a
    leader 牵头 inside a task's own text leads that task."""
    extra: dict[int, list[Mention]] = {}
    for p in persons:
        m = _LEADS_VERB.match(text, p.span.end)
        if not m:
            continue
        obj_end = re.compile(r"[，,。；;]").search(text, m.end())
        obj = text[m.end():obj_end.start() if obj_end else m.end() + 40]
        own = [i for i, t in enumerate(tasks) if t.span.start <= p.span.start < t.span.end]
        best, score = None, 0.0
        target = _bigrams(obj)
        # the task whose title names the object best; failing that, whose opening does;
        # ties go to tasks after the statement (an announcement, then the report)
        for window in (lambda t: t.title, lambda t: t.text[:120]):
            for i, t in enumerate(tasks):
                if i in own or not target:
                    continue
                sc = len(_bigrams(window(t)) & target) / len(target)
                if sc > score or (sc == score and sc > 0 and t.span.start > p.span.start
                                  and tasks[best].span.start < p.span.start):
                    best, score = i, sc
            if score >= 0.6:
                break
        chosen = best if score >= 0.6 else (own[0] if own and len(obj) < 4 else None)
        if chosen is not None:
            extra.setdefault(chosen, []).append(Mention("PERSON", p.text, p.span, {**p.attrs, "role_in_task": "lead"}))
    if not extra:
        return tasks
    out = []
    for i, t in enumerate(tasks):
        if i in extra:
            names = {x.text for x in t.lead_persons}
            t = TaskRecord(**{**t.__dict__, "lead_persons": t.lead_persons + tuple(
                x for x in extra[i] if x.text not in names)})
        out.append(t)
    return out


def select_places(places: list[Mention], units: list[Mention], policies: list[Mention],
                  text: str = "") -> list[Mention]:
    """Which place mentions name a place of this document.

    A place written on its own outranks one that is only part of a unit name or a cited
    title (人行郑州中心支行, 《芜湖市…意见》); among those, the fullest form wins.  A form
    seen only inside names counts when it is a full gazetteer name (河南省人民政府).
    Short county names (临沭 for 临沭县) count only when their city is named too, or
    when they stand in a list of places (莒南、沂水、临沭等县).
    """
    starts = {m.span.start for m in places}
    ends = {m.span.end for m in places}

    def listed(m: Mention) -> bool:
        after = text[m.span.end:m.span.end + 3]
        return (after[:1] == "、" and m.span.end + 1 in starts) or (
            m.span.start > 0 and text[m.span.start - 1] == "、" and m.span.start - 1 in ends) or (
            bool(re.match(r"等[县区市]", after)))

    inside = [(m.span.start, m.span.end) for m in units + policies]

    def embedded(m: Mention) -> bool:
        return any(a <= m.span.start and m.span.end <= b and (a, b) != (m.span.start, m.span.end)
                   for a, b in inside)

    present = {m.attrs.get("adcode") for m in places if m.attrs.get("adcode")}
    kept: list[Mention] = []
    for m in places:
        if m.attrs.get("short") and m.attrs.get("level") == "county":
            from kg.extract.gazetteer import load_gazetteer

            parent = load_gazetteer().places[m.attrs["adcode"]].parent
            if parent not in present and not listed(m):
                continue
        kept.append(m)
    by_place: dict[str, list[Mention]] = {}
    for m in kept:
        by_place.setdefault(m.attrs.get("adcode") or m.text, []).append(m)
    out: list[Mention] = []
    for group in by_place.values():
        # free forms, and full names also inside unit names or titles (长兴县人民政府办公室)
        forms = [m for m in group if not m.attrs.get("short") or not embedded(m)]
        if forms:
            best = max(len(m.text) for m in forms)
            out.extend(m for m in forms if len(m.text) == best)
    # a masked place inside a longer masked one is the same place (*区 of *市*区)
    masked = [m.text for m in out if m.attrs.get("masked")]
    out = [m for m in out if not (m.attrs.get("masked") and any(t != m.text and t.endswith(m.text) for t in masked))]
    return sorted(out, key=lambda m: m.span.start)


# a news lede (11月27日,…), an editor's note or a cover-notice sentence is not a reform
_LEDE = re.compile(r"^(?:编者按|《[^》]+》已经"
                   r"|会议(?:指出|强调|要求|认为|号召)|[^，,。]{0,3}[，,])")


# a photo caption: 11月15日,国家博物馆工作人员搬走…公章。新华社 发 / 刘震 摄
_CAPTION = re.compile(r"[。.]\s*[\u4e00-\u9fff]{2,6}\s+(?:摄|发|供图|图)(?:\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\))?\s*$")


def _is_target(title: str) -> bool:
    return bool(re.search(r"\d|[*]", title))


_OWN_TITLE = re.compile(r"(?:关于.{4,}的(?:通知|意见|决定|方案|批复)|(?:方案|意见|办法|要点|规划|计划|规定|细则|清单))$")
_NOT_POLICY = re.compile(r"讲话|报告|总结|汇报|综述|\.(?:docx?|pdf|wps)|记者|新闻")


def _own_title(st: DocStructure) -> Mention | None:
    """The document's own title counts as a policy when it names one (通知/方案/意见…),
    not when it is a speech, report or news headline."""
    if not st.title or not st.title_span:
        return None
    title, start = st.title, st.title_span.start
    cut = re.search(r"[(（][^()（）]*〔\d{4}[^()（）]*[)）]$", title)   # (池政〔2017〕101号)
    if cut:
        title = title[: cut.start()]
    if _NOT_POLICY.search(title) or not _OWN_TITLE.search(title) or _DOCNUM_START.match(title):
        return None
    if title.startswith("《") and title.endswith("》"):
        return None   # already found as a marked title
    return Mention("POLICY", title, Span(start, start + len(title)), {"own_title": True})


_DOCNUM_START = re.compile(r"^[\u4e00-\u9fff]{1,12}[〔\[]\d{4}")
_FILE_NAME = re.compile(r"\.(?:docx?|pdf|wps|txt|html?)\b", re.I)


def _drop_short_aliases(policies: list[Mention]) -> list[Mention]:
    """《目录》 after 《…事项目录》(以下简称《目录》): a short alias is not another policy."""
    texts = {p.text for p in policies}
    return [p for p in policies
            if not _FILE_NAME.search(p.text)
            and not (len(p.text) <= 5 and any(p.text in t and t != p.text for t in texts))
            and not re.fullmatch(r"(?:目录|分解表|任务清单|清单|方案|意见|通知|办法)", p.text)]


def _merge_mentions(ms: list[Mention]) -> list[Mention]:
    seen: set[tuple[int, int]] = set()
    out = []
    for m in sorted(ms, key=lambda m: (m.span.start, -m.span.end)):
        if (m.span.start, m.span.end) in seen:
            continue
        seen.add((m.span.start, m.span.end))
        out.append(m)
    return out


def _in_item(mentions: list[Mention], it: Item) -> list[Mention]:
    """Mentions in the item's text outside its field values: the body, and prose that
    follows a field on the same line (…。牵头单位:市市场监管局。全面落实《…》,压缩至1个工作日)."""
    values = [f.value_span for f in it.fields]
    return [m for m in mentions if it.span.start <= m.span.start and m.span.end <= it.span.end
            and not any(v.start <= m.span.start < v.end for v in values)]


def _assemble_tasks(st: DocStructure, policies: list[Mention], outcomes: list[Mention],
                    persons: list[Mention], units: list[Mention]) -> list[TaskRecord]:
    text = st.source.text
    # a document whose items carry owner lines or brackets (a plan): its tasks are those items;
    # owners read from prose (…要牵头,…配合) do not make a report or a speech one
    with_fields = [it for it in st.items if any(f.label != "deadline" and not f.prose for f in it.fields)]
    owner_paths = {it.heading_path for it in with_fields}
    deeper = any(it.heading_path for it in st.items)
    parents = {p for it in st.items for p in it.heading_path}
    # 保障措施/组织保障: how the plan is carried out, not reforms; owners in its prose own no task
    safeguards = {h.number for h in st.headings if h.level == 1 and _SAFEGUARDS.search(h.text)}
    tasks: list[TaskRecord] = []
    for it in st.items:
        if it.span.start < st.source.body_start:
            continue
        if (it.heading_path[:1] or (it.number,))[0] in safeguards and any(f.prose for f in it.fields):
            it = replace(it, fields=tuple(f for f in it.fields if not f.prose))
        t_outcomes = _in_item(outcomes, it)
        if with_fields:
            keep = bool(it.fields) or (it.heading_path in owner_paths and it.level > 0)
        elif st.genre == "workplan":
            if it.level > 0 and _GOALS.search(it.title):
                # 主要目标: 到2019年6月底,基本实现…。到2019年12月底,实现…。 -> dated targets
                for part, deadline in _dated_targets(text, it):
                    part_out = [o for o in t_outcomes if part.span.start <= o.span.start < part.span.end]
                    task = _task(text, part, st, policies, part_out, units)
                    tasks.append(TaskRecord(**{**task.__dict__, "deadline": Deadline(
                        deadline[0], deadline[1], rules.normalise_deadline(deadline[0], st.year))}))
                continue
            keep = it.level > 0 and (bool(it.fields) or bool(t_outcomes) and _is_target(it.title))
        elif it.level == 0:
            if _LEDE.match(fold(it.text)) or _CAPTION.search(fold(it.text)):        # 會議指出 too
                continue
            # an unnumbered paragraph of a report/news piece: a reform when it is
            # quantified or opens with a headline sentence (深化第一议题制度。…)
            keep = bool(t_outcomes) or bool(re.match(r"^[^，,；;。]{4,20}。", it.text))
        elif it.level == 6:
            # a directive of a speech (二要…): a task when it names a target, an owner or a policy
            task = _task(text, it, st, policies, t_outcomes, units)
            if task.outcomes or task.lead_units or task.cites or task.lead_persons:
                tasks.append(task)
            continue
        else:
            # reports/speeches/news: numbered reform items under a section heading,
            # or top-level points (一是…)
            keep = bool(it.heading_path) or it.level == 5 or bool(it.fields) or (
                bool(t_outcomes) and not (it.level == 1 and deeper))
        if not keep:
            if it.level == 1 and st.genre != "workplan" and it.number not in parents \
                    and _PLANS.search(it.title) and not _PROBLEMS.search(it.title):
                # 三、2024年工作打算 …:一是持续优化营商环境,力争…前10位;二是…: each point with a target
                nxt = min((x.span.start for x in st.items if x.span.start > it.span.end), default=len(text))
                for part in _inline_points(text, it, nxt):
                    part_out = [o for o in outcomes if part.span.start <= o.span.start < part.span.end]
                    if part_out:
                        tasks.append(_task(text, part, st, policies, part_out, units))
            continue
        if it.level == 0 and st.genre != "workplan":
            for part in _sentence_items(text, it, t_outcomes, units):
                part_out = [o for o in t_outcomes if part.span.start <= o.span.start < part.span.end]
                tasks.append(_task(text, part, st, policies, part_out, units))
            continue
        tasks.append(_task(text, it, st, policies, t_outcomes, units))
    if st.genre != "workplan" and not with_fields:
        tasks = _heading_intros(st, tasks, policies, outcomes, units)
    ids = [t.id for t in tasks]
    if len(set(ids)) != len(ids):   # numbering restarts per section: qualify with the path
        tasks = [TaskRecord(**{**t.__dict__, "id": "-".join(t.heading_path + (t.id,))}) for t in tasks]
    return tasks


# sections that report problems or plans, not results
_NOT_RESULTS = re.compile(r"问题|不足|困难|短板|差距|打算|思路|计划|下一步|建议|展望|安排|要求")


def _heading_intros(st: DocStructure, tasks: list[TaskRecord], policies: list[Mention],
                    outcomes: list[Mention], units: list[Mention]) -> list[TaskRecord]:
    """The paragraph right under a section heading, before its first item (一、总体情况\n…办理
    审批服务事项20.9万余件,按期办结率100%…), reports results of its own: a task when
    quantified.  Not under headings of problems or plans (存在问题, 下一步工作打算)."""
    text = st.source.text
    starts = sorted([it.span.start for it in st.items] + [h.span.start for h in st.headings])
    spans = sorted((t.span.start, t.span.end) for t in tasks)
    outcomes = sorted(outcomes, key=lambda o: o.span.start)
    o_starts = [o.span.start for o in outcomes]
    out = list(tasks)
    for h in st.headings:
        if _NOT_RESULTS.search(h.text):
            continue
        a = text.find("\n", h.span.end)
        if a < 0:
            continue
        a += 1
        k = bisect.bisect_right(starts, h.span.end)
        para_end = text.find("\n", a)
        b = min(starts[k] if k < len(starts) else len(text), para_end if para_end >= 0 else len(text))
        b = a + len(text[a:b].rstrip())
        k = bisect.bisect_right(spans, (a, len(text) + 1))
        if b - a < 6 or (k and spans[k - 1][0] <= a < spans[k - 1][1]):
            continue
        inside = [o for o in outcomes[bisect.bisect_left(o_starts, a):bisect.bisect_left(o_starts, b)]
                  if o.span.end <= b]
        if not inside:
            continue
        ts = title_span(text, a, b)
        it = Item(number=f"{h.number}.0", title=text[ts.start:ts.end], title_span=ts, text=text[a:b],
                  span=Span(a, b), body_span=Span(a, b), level=0, heading_path=(h.number,))
        out.append(_task(text, it, st, policies, inside, units))
    return sorted(out, key=lambda t: t.span.start)


_GOALS = re.compile(r"目标")
_DATED = re.compile(r"(?:到|至|在|于)(?P<d>(?:20\d{2}|19\d{2})年(?:\d{1,2}月)?(?:底|末|上旬|中旬|下旬)?(?:前)?)[，,]\s*")


def _dated_targets(text: str, it: Item) -> list[tuple[Item, tuple[str, Span]]]:
    out = []
    for m in _DATED.finditer(text, it.body_span.start, it.body_span.end):
        end = text.find("。", m.end(), it.body_span.end)
        end = it.body_span.end if end < 0 else end + 1
        a = m.end()
        te = re.compile(r"[。，,；;]").search(text, a, end)
        te = te.start() if te else end
        part = Item(number=f"{it.number}.{len(out) + 1}", title=text[a:te], title_span=Span(a, te),
                    text=text[m.start():end], span=Span(m.start(), end), body_span=Span(m.start(), end),
                    level=it.level, heading_path=it.heading_path)
        out.append((part, (m.group("d"), Span(m.start("d"), m.end("d")))))
    return out


# sentences that continue the reform before them rather than name a new one: figures
# (其中, 累计), and measures opening with an adverb or verb (大力推进…, 全面推广…) — a new
# reform in a news paragraph opens with its name (田长制改革试点先行, “房证同交”民生改革)
_ELABORATION = re.compile(
    r"\s*(?:[“\"][^”\"]{12}|[^，,。“”]{1,14}(?:说|表示|介绍|谈到)[，,：:]|已有|已向|已为|已经|已"
    r"|在(?!深化|推进|推动|全面|加快|实施|开展)[^，,。]{2,10}?(?:中心|大厅|窗口|园区|镇|街道|社区|村)[，,]|"   # progress, a place, a quote
    r"其中|其余|其他|同时|此外|另外|目前|截至|截止|累计|"
    r"(?:大力|全面|积极|持续|着力|加快|不断|进一步|深入)?(?:推进|推广|推动|实施|开展|建立|完善|加强|深化|落实|打造|构建|探索))")


def _starts_with_place(sentence: str) -> bool:
    """临猗县作为试点县,… — a local example of the reform before, not a reform of its own."""
    from kg.extract.gazetteer import load_gazetteer

    head = sentence.lstrip()[:9]
    names = load_gazetteer().strict_names
    return any(head[:n] in names for n in range(2, min(9, len(head)) + 1))


_SAFEGUARDS = re.compile(r"保障措施|组织保障|保障机制|工作要求|组织实施|工作保障|实施保障")
_PROBLEMS = re.compile(r"问题|不足|困难|短板|差距|教训|风险")
_PLANS = re.compile(r"^(?!.*(?:情况|成效|进展|完成|成果|回顾)).*(?:打算|计划|下一步|思路|安排|工作重点|重点工作|展望|目标)")
_INLINE_POINT = re.compile(r"(?:(?<=[：:；;。，,\s])|^)([一二三四五六七八九十]是)")


def _inline_points(text: str, it: Item, limit: int) -> list[Item]:
    """The 一是…;二是… points run together in the paragraph of a section (up to ``limit``,
    where the next item starts), as items."""
    body = text[it.body_span.start:limit]
    marks = [it.body_span.start + m.start(1) for m in _INLINE_POINT.finditer(body)]
    if len(marks) < 2:
        return []
    parts = []
    for k, a in enumerate(marks):
        if k + 1 < len(marks):
            b = marks[k + 1]
        else:                                  # the last point ends with its paragraph
            nl = text.find("\n", a, limit)
            b = nl if nl >= 0 else limit
        while b > a and text[b - 1] in "；;，, \n":
            b -= 1
        ts = title_span(text, a + 2, b)
        parts.append(Item(number=f"{it.number}.{k + 1}", title=text[ts.start:ts.end], title_span=ts,
                          text=text[a:b], span=Span(a, b), body_span=Span(a, b), level=5,
                          heading_path=it.heading_path + (it.number,)))
    return parts


def _sentence_items(text: str, it: Item, outcomes: list[Mention], units: list[Mention] = ()) -> list[Item]:
    """A news/report paragraph that reports several quantified reforms in turn
    (``…招商改革成效显著,…400个。田长制改革试点先行,…28万亩。``) gives one task per
    quantified sentence; unquantified sentences stay with the one before them, and so
    do sentences that open with a body at work (省财政厅联合推动…) or its spokesman:
    that is who carried out the reform before, not a reform of its own."""
    unit_starts = {u.span.start for u in units if it.span.start <= u.span.start < it.span.end}
    bounds = [it.span.start] + [it.span.start + m.end() for m in re.finditer("。[”’\"]?", text[it.span.start:it.span.end])]
    if bounds[-1] < it.span.end:
        bounds.append(it.span.end)
    sentences = [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]
    quantified = [any(a <= o.span.start < b for o in outcomes) for a, b in sentences]
    if sum(quantified) < 2:
        return [it]
    groups: list[list[tuple[int, int]]] = []
    for (a, b), q in zip(sentences, quantified):
        lead_ws = len(text[a:b]) - len(text[a:b].lstrip())
        if _ELABORATION.match(text[a:b]) or _starts_with_place(text[a:b]) or a + lead_ws in unit_starts:
            q = False   # an elaboration (a figure, a local example, a further measure) of the sentence before
        if q and groups and any(any(x <= o.span.start < y for o in outcomes) for x, y in groups[-1]):
            groups.append([(a, b)])
        elif groups:
            groups[-1].append((a, b))
        else:
            groups.append([(a, b)])
    parts = []
    for k, g in enumerate(groups):
        a, b = g[0][0], g[-1][1]
        while a < b and text[a] in " \t\u3000":
            a += 1
        ts = title_span(text, a, b)
        parts.append(Item(number=f"{it.number}.{k + 1}", title=text[ts.start:ts.end], title_span=ts,
                          text=text[a:b], span=Span(a, b), body_span=Span(a, b), level=0))
    return parts


def _task(text: str, it: Item, st: DocStructure, policies: list[Mention],
          outcomes: list[Mention], units: list[Mention] = ()) -> TaskRecord:
    lead: list[Mention] = []
    owner: list[Mention] = []
    support: list[Mention] = []
    lead_persons: list[Mention] = []
    deadline: Deadline | None = None
    for f in it.fields:
        if f.label == "deadline":
            if deadline is None and f.value.strip():
                deadline = Deadline(f.value, f.value_span, rules.normalise_deadline(f.value, st.year))
            continue
        if f.label == "lead_person":
            for name, a, b in _split_names(f.value, f.value_span.start):
                lead_persons.append(Mention("PERSON", name, Span(a, b), {"role": f.raw_label}))
            continue
        target = {"lead": lead, "owner": owner, "support": support}[f.label]
        for name, a, b in rules.split_units(f.value, f.value_span.start):
            if f.label in ("lead", "owner") and rules.is_person(name):
                lead_persons.append(Mention("PERSON", name, Span(a, b), {"role": f.raw_label}))
                continue
            marked = _LEAD_MARK.search(fold(name))
            if marked and len(name[:marked.start()].rstrip()) >= 2:
                # 责任单位:市市场监管局(牵头)、市发改委: the marked one leads, the rest support
                name = name[:marked.start()].rstrip()
                lead.append(Mention("UNIT", name, Span(a, a + len(name)), {"role": "lead", "field": "(牵头)"}))
                continue
            target.append(Mention("UNIT", name, Span(a, b), {"role": f.label, "field": f.raw_label}))
    if not it.fields:
        lead, support = _acting_owners(text, it, units)
    if lead and it.fields:
        support = owner + support
    elif it.fields:
        lead, support = owner, support
    cites = _in_item(policies, it)
    return TaskRecord(
        id=it.number if it.level == 0 else it.number.split(".")[-1],
        title=it.title,
        text=it.text,
        span=it.span,
        lead_units=tuple(_dedupe(lead)),
        support_units=tuple(_dedupe(support)),
        lead_persons=tuple(lead_persons),
        deadline=deadline,
        cites=tuple(cites),
        outcomes=tuple(_outcome(o) for o in outcomes),
        heading_path=it.heading_path,
    )


_LEAD_MARK = re.compile(r"[(（\[【]\s*(?:牵头(?:单位|部门|负责)?|主责(?:单位|部门)?)\s*[)）\]】]$")
_TOGETHER = re.compile(r"^(?:要|将|应|负责)?(?:会同|联合|协同)")


def _acting_owners(text: str, it: Item, units: list[Mention]) -> tuple[list[Mention], list[Mention]]:
    """``监察部、国务院审改办会同有关部门…``: who acts (lead) together with whom (support),
    when the item names no owner fields.  Only the first such clause of the item counts."""
    inside = [u for u in units if it.body_span.start <= u.span.start and u.span.end <= it.body_span.end]
    for i, u in enumerate(inside):
        m = _TOGETHER.match(text[u.span.end:u.span.end + 6])
        if not m:
            continue
        lead = [u]
        j = i - 1
        while j >= 0 and re.fullmatch(r"[、和及与]", text[inside[j].span.end:lead[0].span.start]):
            lead.insert(0, inside[j])
            j -= 1
        support = []
        pos = u.span.end + m.end()
        for v in inside[i + 1:]:
            if v.span.start != pos:
                break
            support.append(v)
            nxt = re.match(r"[、和及与]", text[v.span.end:v.span.end + 1])
            if not nxt:
                break
            pos = v.span.end + 1
        role = {"role": "lead", "field": "会同"}
        return ([Mention("UNIT", x.text, x.span, {**x.attrs, **role}) for x in lead],
                [Mention("UNIT", x.text, x.span, {**x.attrs, "role": "support", "field": "会同"}) for x in support])
    return _subject_owners(text, it, inside) or _charged_group(text, inside), []


# what the subject of a narrative item does when it owns the reform: the verb, after at
# most a few adverbs or time words (a closed list: 市委书记张三日前召开 has a person between)
_ACTS = re.compile(
    r"^(?:已经|已|先后|率先|联合|共同|相继|正式|及时|专门|近日|日前|近期|此前|今年以来|今年|去年|年初|年内"
    r"|一年多来|近年来|(?:19|20)\d\d年(?:\d{1,2}月)?(?:\d{1,2}日)?|[,，]){0,3}"
    r"(?P<verb>下发|印发|出台|制定|发布|取消|下放|成立|组建|召开|部署|启动|推出|开展|实施|牵头)")
# …印发的《…》, …下放我市的45项: the verb is inside a noun phrase, not what the subject does
_RELATIVE = re.compile(r"[^《,，。;；]{0,8}?的")
# the gap before the subject: nothing, a date, or the item's headline sentence
_SUBJECT_GAP = re.compile(r"\s*(?:(?:19|20)\d\d年(?:\d{1,2}月)?(?:\d{1,2}日)?[,，]?|[^。，,；;\n]{2,30}。\s*)?")


_GROUP_HEAD = re.compile(r"(?:领导小组|工作小组|专项小组|工作专班|专班|指挥部)$")


def _charged_group(text: str, inside: list[Mention]) -> list[Mention]:
    """``成立…工作领导小组,负责…的总体设计``: the group set up to run the reform owns it."""
    for u in inside:
        if _GROUP_HEAD.search(fold(u.text)) and re.match(r"[,，]?(?:具体)?(?:负责|统筹|牵头)", fold(text[u.span.end:u.span.end + 4])):
            return [Mention("UNIT", u.text, u.span, {**u.attrs, "role": "lead", "field": "负责"})]
    return []


def _subject_owners(text: str, it: Item, inside: list[Mention]) -> list[Mention]:
    """``省委办公厅、省政府办公厅下发《…》``, ``国务院一年多来已先后取消…``: the bodies
    that open a narrative item (after a date) and act in it own it (lead)."""
    subject: list[Mention] = []
    pos = it.title_span.start
    for u in inside:
        if u.span.start < pos:
            continue
        gap = text[pos:u.span.start]
        if not (_SUBJECT_GAP.fullmatch(gap) if not subject else re.fullmatch(r"[、和及与]", gap)):
            break
        subject.append(u)
        pos = u.span.end
    if not subject or any(u.attrs.get("collective") for u in subject):
        return []
    after = fold(text[pos:pos + 40])
    act = _ACTS.match(after)
    if not act or _RELATIVE.match(after, act.end()):
        return []
    return [Mention("UNIT", u.text, u.span, {**u.attrs, "role": "lead", "field": "subject"}) for u in subject]


def _outcome(m: Mention) -> Outcome:
    a = m.attrs
    return Outcome(m.text, m.span, a.get("metric"), a.get("value"), a.get("unit"), bool(a.get("masked")),
                   a.get("value_max"), a.get("rank"))


def _dedupe(ms: list[Mention]) -> list[Mention]:
    seen: set[str] = set()
    out = []
    for m in ms:
        if m.text not in seen:
            seen.add(m.text)
            out.append(m)
    return out


_ROLE_ONLY = re.compile(r"(?:常委|委员|书记|[区县市省州]长|主任|部长|局长|组长|成员)$")


def _split_names(value: str, offset: int) -> list[tuple[str, int, int]]:
    out = []
    for m in re.finditer(r"[^、,，;；\s]+", value):
        if _ROLE_ONLY.search(m.group(0)):
            continue                      # 区委常委、统战部部长覃海燕: a role with no name of its own
        if len(m.group(0)) >= 2:
            out.append((m.group(0), offset + m.start(), offset + m.end()))
    return out


def extraction_to_contract(ex: Extraction, canonical: dict[tuple[int, int, str], str] | None = None) -> dict[str, Any]:
    """The JSON contract of ``kg extract --format jsonl`` (../shared/corpus/README.md)."""
    canon = canonical or {}

    def m(x: Mention) -> dict[str, Any]:
        return {"text": x.text, "canonical": canon.get((x.span.start, x.span.end, x.label), x.text),
                "span": [x.span.start, x.span.end]}

    def grouped(ms: Iterable[Mention], extra: str | None = None) -> list[dict[str, Any]]:
        by: dict[str, dict[str, Any]] = {}
        for x in ms:
            entry = by.setdefault(x.text, {"text": x.text,
                                           "canonical": canon.get((x.span.start, x.span.end, x.label), x.text),
                                           "spans": []})
            entry["spans"].append([x.span.start, x.span.end])
            if extra:
                entry.setdefault(extra, x.attrs.get(extra))
        return list(by.values())

    st = ex.doc
    return {
        "source": st.source.path,
        "title": st.title,
        "doc_number": st.doc_number,
        "date": st.date,
        "genre": st.genre,
        "tasks": [{
            "id": t.id, "title": t.title, "text": t.text, "span": [t.span.start, t.span.end],
            "lead_units": [m(u) for u in t.lead_units],
            "support_units": [m(u) for u in t.support_units],
            "lead_persons": [{"text": p.text, "span": [p.span.start, p.span.end]} for p in t.lead_persons],
            "deadline": ({"text": t.deadline.text, "date": t.deadline.date,
                          "span": [t.deadline.span.start, t.deadline.span.end]} if t.deadline else None),
            "cites": [m(c) for c in t.cites],
            "outcomes": [{"text": o.text, "metric": o.metric, "value": o.value, "unit": o.unit,
                          "masked": o.masked, "value_max": o.value_max, "rank": o.rank, "span": [o.span.start, o.span.end]} for o in t.outcomes],
        } for t in ex.tasks],
        "units": grouped(ex.units),
        "policies": grouped(ex.policies),
        "places": grouped(ex.places),
        "persons": grouped(ex.persons, extra="role"),
    }
