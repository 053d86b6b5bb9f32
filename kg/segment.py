"""Segment stage: decoded text -> document structure.

Finds the title, document number (发文字号), date, year and genre, the enumerated
headings (一、 / (一) / 1. / (1) / 一是), and turns the enumeration tree into
:class:`~kg.records.Item` records: the leaves of the tree, each with its field lines
(牵头单位:… / 责任单位:… / 完成时限:…, also in inline brackets).

Everything here is structural; naming units, policies etc. is the extract stage's job.
Offsets always index ``SourceText.text``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from kg.extract.shadow import fold
from kg.records import DocStructure, FieldLine, Heading, Item, SourceText, Span

_CN_NUM = "一二三四五六七八九十"
_OPEN = "(（"
_CLOSE = ")）"

# Enumeration markers, by level.  Inline markers (mid-line) are accepted only after a
# sentence end or a closing bracket, so "第1.5条" or "3、4月" are not items.
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_MARKERS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(rf"[{_CN_NUM}]{{1,3}}、")),
    (2, re.compile(rf"[{_OPEN}][{_CN_NUM}]{{1,3}}[{_CLOSE}]")),
    # "1 推进…" (a space) is an item; a number alone on its line is a page number
    (3, re.compile(r"\d{1,2}(?:[\.．、](?!(?!(?:19|20)\d\d年)[\d%％])|[ \t\u3000](?=[\u4e00-\u9fff]))")),
    # (1)/①, and a speech's 第一,/第二, points, which enclose their 一是/二是 (not 第一批,
    # 第三方: the comma is part of the marker)
    (4, re.compile(rf"[{_OPEN}]\d{{1,2}}[{_CLOSE}]|[{_CIRCLED}]"
                   rf"|第[{_CN_NUM}]{{1,3}}[，,](?=[\u4e00-\u9fff“])")),
    (5, re.compile(rf"[{_CN_NUM}]{{1,3}}是(?=[\u4e00-\u9fff])")),
    # 一要/二要: a speech's directives, each a reform of its own (unlike 一是, which lists
    # the points of one reform)
    (6, re.compile(rf"[{_CN_NUM}]{{1,3}}要(?=[\u4e00-\u9fff])")),
)
# an owner label inside a circled point (segmentation runs on the folded, simplified text)
_OWNER_MARK = re.compile(r"牵头|责任单位|配合单位|完成时限")
_MARKER_ANY = re.compile(
    "|".join(f"(?P<l{level}>{pat.pattern})" for level, pat in _MARKERS)
)
_LINE_START = re.compile(r"(?m)^[ \t\u3000•·●○◆■□▪\-]*")
_INLINE_BEFORE = set("。；;！？!?")
# "2.优化营商环境。": a marker followed by a short headline sentence
_HEADLINE_AFTER = re.compile(r"\d{1,2}[\.．、]\s*[^，,；;。\n]{2,20}。")
# a short line that ends like a document title (…的讲话, …工作要点, …实施方案)
_TITLE_END = re.compile(r"^[^。；;，,！？]{4,60}(?:讲话|报告|发言|要点|方案|意见|通知|总结|汇报)$")

# Field labels (what a task's owner/deadline line is called) -> normalised role.
FIELD_LABELS: dict[str, str] = {
    "牵头单位": "lead", "牵头部门": "lead", "主办单位": "lead", "牵头": "lead",
    "牵头责任单位": "lead", "主责单位": "lead", "主责部门": "lead", "牵头处室": "lead",
    "责任主体": "owner", "责任处室": "owner", "承办单位": "owner", "实施主体": "owner",
    "完成期限": "deadline", "推进时限": "deadline", "时间安排": "deadline", "办结时限": "deadline",
    "责任单位": "owner", "责任部门": "owner", "部门分工": "owner", "实施单位": "owner",
    "配合单位": "support", "协办单位": "support", "参与单位": "support", "配合部门": "support",
    "协同单位": "support",
    "完成时限": "deadline", "完成时间": "deadline", "时间节点": "deadline", "时限要求": "deadline",
    "牵头区领导": "lead_person", "牵头领导": "lead_person", "分管省领导": "lead_person",
    "分管市领导": "lead_person", "分管区领导": "lead_person", "分管县领导": "lead_person",
    "责任领导": "lead_person", "牵头市领导": "lead_person", "牵头县领导": "lead_person",
    "牵头省领导": "lead_person",
}
_LABEL_ALT = "|".join(sorted((k for k in FIELD_LABELS if k != "牵头"), key=len, reverse=True))
_FIELD = re.compile(rf"(?P<label>{_LABEL_ALT})\s*[:：]\s*")
_BRACKET_LABEL = re.compile(rf"【({_LABEL_ALT})】([:：]?)")
_OWNER_HINT = re.compile(r"牵头|负责|责任单位|配合|协办|完成时限|领导")

# Document number: 伊区政办发〔2023〕13号, with noisy variants 〔202313号, 〔2015179, 〔\n201527
_DOCNUM = re.compile(
    r"[\u4e00-\u9fff]{1,12}[〔\[［(（]\s*(?:\d{4}[ \t]*[〕\]］)）][ \t]*\d{1,4}[ \t]*号|\d{5,8}(?:[ \t]*号)?)"
)
_DATE_ISO = re.compile(r"(20\d{2}|19\d{2})-(\d{1,2})-(\d{1,2})")
_DATE_CN = re.compile(r"(20\d{2}|19\d{2})年(\d{1,2})月(\d{1,2})日")
_YEAR = re.compile(r"(?<!\d)(20[0-4]\d|19[89]\d)(?=年|\s*[〕\]］)]|-\d)")
_TITLE_HINT = re.compile(
    r"(方案|要点|通知|意见|办法|规定|总结|汇报|报告|讲话|综述|清单|计划|决定|细则|纲要)$"
)
_TITLE_SKIP = re.compile(r"索引号|发文字号|发布时间|浏览次数|字体|来源|政务微|^×$|公开发布|分类|当前页面|当前位置|首页|>|＞")

_GENRE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("workplan", re.compile(r"牵头单位|责任单位|任务分工|工作要点|实施方案|行动方案|任务分解|分解方案|实施意见|工作方案")),
    ("speech", re.compile(r"同志们|讲几点意见|讲话|我讲|谢谢大家")),
    ("summary", re.compile(r"总结|汇报如下|工作情况|成效|一年来|截至目前|截止目前")),
    ("news", re.compile(r"综述|记者|会议指出|会议强调|召开|新闻|日电|讯")),
)


@dataclass(frozen=True)
class _Marker:
    level: int
    number: str
    start: int        # start of the marker
    end: int          # end of the marker (content starts here)


def segment(source: SourceText) -> DocStructure:
    """Turn decoded text into a :class:`DocStructure` (pure, never raises on text).

    Matching runs on a same-length folded copy (simplified script, half-width
    punctuation) so 牽頭單位：… is a field line too; every string in the result is then
    taken back from the original text by its span."""
    folded = _bracket_labels(fold(source.text))
    if folded == source.text:
        return _segment(source, source.text)
    return _restore(_segment(source, folded), source.text, folded)


def _bracket_labels(text: str) -> str:
    """【牵头单位】市司法局 reads as " 牵头单位:市司法局" (same length, for matching only)."""
    if "【" not in text:
        return text
    return _BRACKET_LABEL.sub(lambda m: " " * (1 + len(m.group(2))) + m.group(1) + ":", text)


def _restore(st: DocStructure, original: str, folded: str) -> DocStructure:
    def cut(span: Span | None) -> str | None:
        return original[span.start:span.end] if span else None

    items = tuple(replace(
        it, title=cut(it.title_span), text=cut(it.span),
        fields=tuple(replace(f, value=cut(f.value_span)) for f in it.fields),
    ) for it in st.items)
    headings = tuple(replace(h, text=original[h.span.end - len(h.text):h.span.end]) for h in st.headings)
    issuer = st.issuer
    if issuer:
        pos = folded.find(issuer, st.source.body_start)
        issuer = original[pos:pos + len(issuer)] if pos >= 0 else issuer
    return replace(st, title=cut(st.title_span), doc_number=cut(st.doc_number_span), issuer=issuer,
                   headings=headings, items=items)


def _segment(source: SourceText, text: str) -> DocStructure:
    base = source.body_start
    title, title_span = _find_title(text, base)
    docnum = _find_docnum(text, base)
    date = _find_date(text, base)
    year = _find_year(text, base, title, docnum.group(0) if docnum else None, date)
    markers = _find_markers(text, base)
    headings, items = _build_items(text, markers)
    table, blocks = _table_items(text, base)
    if table:   # rows of a flattened table (and its section rows) replace what the enumeration made of them
        spans = [(t.span.start, t.span.end) for t in table] + blocks
        items = tuple(it for it in items if not any(a < it.span.end and it.span.start < b for a, b in spans))
        items = items + table
    items = tuple(sorted(items + _paragraph_items(text, base, headings, items), key=lambda it: it.span.start))
    return DocStructure(
        source=source,
        title=title,
        title_span=title_span,
        doc_number=docnum.group(0) if docnum else None,
        doc_number_span=Span(docnum.start(), docnum.end()) if docnum else None,
        issuer=_find_issuer(text, base),
        date=date,
        year=year,
        headings=headings,
        items=items,
        genre=guess_genre(text[base:base + 6000], title),
    )


# --- document metadata ------------------------------------------------------------


def _find_title(text: str, base: int) -> tuple[str | None, Span | None]:
    pos = base
    fallback: tuple[str, Span] | None = None
    nonblank = 0
    for n, line in enumerate(text[base:base + 4000].split("\n")):
        nonblank += bool(line.strip())
        start = pos
        pos += len(line) + 1
        stripped = line.strip()
        if not stripped or _TITLE_SKIP.search(stripped) or len(stripped) < 6 or _MARKER_ANY.match(stripped):
            continue
        if n > 40:
            break
        lead = start + (len(line) - len(line.lstrip()))
        dashes = len(stripped) - len(stripped.lstrip("—-－ "))
        stripped, lead = stripped[dashes:], lead + dashes   # ——运城市全面深化改革综述
        core = stripped
        long_line = len(core) > 60
        if long_line:
            # one-line documents: the title ends at its genre word or the first clause
            m = re.search(r"(?:通知|意见|方案|要点|办法|决定|报告|总结|讲话)(?=[\s(（]|$)", core[:100])
            if m:
                core = core[: m.end()]
            else:
                m = re.search(r"[。，,；;:：]", core)
                core = core[: m.start()] if m else core[:60]
        issuer_about = bool(re.match(r"^[^《，,。]{0,30}关于", core))   # 某某人民政府关于…
        if issuer_about or (not long_line and (_TITLE_HINT.search(core.rstrip("》”\"")) or "关于" in core)):
            return core, Span(lead, lead + len(core))
        if fallback is None and nonblank <= 3 and not re.match(r"^[\d一二三四五六七八九十(（]", core) \
                and len(stripped) <= 40 and not re.search(r"[，,。：:；;！？]", stripped):
            fallback = (core, Span(lead, lead + len(core)))
    return fallback if fallback else (None, None)


def _find_docnum(text: str, base: int) -> re.Match[str] | None:
    """The document's own number: the first one not cited after a title (《…》(国办发…))."""
    for m in _DOCNUM.finditer(text, base, min(len(text), base + 5000)):
        if re.search(r"》\s*[(（]?$", text[max(base, m.start() - 3):m.start()]):
            continue
        return m
    return None


def _find_date(text: str, base: int) -> str | None:
    head = text[base:base + 3000]
    for pat in (_DATE_ISO, _DATE_CN):
        m = pat.search(head)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            if 1 <= mo <= 12 and 1 <= d <= 31:
                return f"{y:04d}-{mo:02d}-{d:02d}"
    return None


def _find_year(text: str, base: int, title: str | None, docnum: str | None,
               date: str | None) -> int | None:
    for s in (title or "", docnum or ""):
        m = re.search(r"(?<!\d)(20[0-4]\d|19[89]\d)", s)
        if m:
            return int(m.group(1))
    if date:
        return int(date[:4])
    m = _YEAR.search(text, base, min(len(text), base + 3000))
    return int(m.group(1)) if m else None


_ISSUER_LINE = re.compile(
    r"^\s*([\u4e00-\u9fff]{2,20}(?:人民政府办公室|人民政府办公厅|人民政府|办公室|办公厅|委员会|领导小组|局|厅|委))\s*$"
)


def _find_issuer(text: str, base: int) -> str | None:
    for line in text[base:base + 3000].split("\n")[:30]:
        m = _ISSUER_LINE.match(line)
        if m:
            return m.group(1)
    return None


def guess_genre(head: str, title: str | None) -> str:
    """Rough genre from cue words: the title decides when it has one, else the genre
    whose cues occur most often in the opening (field labels weigh triple)."""
    for genre, pat in _GENRE_RULES:
        if title and pat.search(title):
            return genre
    head = re.sub(r"《[^》\n]{0,80}》", "", head)   # cited titles say nothing of this genre
    scores = {genre: len(pat.findall(head)) for genre, pat in _GENRE_RULES}
    scores["workplan"] += 2 * len(re.findall(r"牵头单位|责任单位|完成时限", head))
    scores["speech"] += 2 * len(re.findall(r"^\s*同志们", head, re.M))   # the salutation is unmistakable
    best = max(scores.items(), key=lambda kv: kv[1])
    return best[0] if best[1] else "other"


# --- enumeration ---------------------------------------------------------------------


def _find_markers(text: str, base: int) -> list[_Marker]:
    out: list[_Marker] = []
    last: dict[int, int] = {}          # the last number seen per level
    for m in _MARKER_ANY.finditer(text, base):
        level = int(next(k for k, v in m.groupdict().items() if v is not None)[1:])
        start = m.start()
        raw = m.group(0)
        ls, le = text.rfind("\n", base, start) + 1, text.find("\n", start)
        if PAGE_LINE.fullmatch(text[max(ls, base):le if le >= 0 else len(text)]):
            continue                         # 第 2 页 共 6 页: page furniture, not an item
        number = raw.strip("()（）、.． 是要第，,")
        if not _marker_position_ok(text, start, base, level, expected=_is_next(number, last.get(level)),
                                   first=level not in last, ordinal=raw.startswith("第")):
            continue
        # content must follow: a CJK char (possibly after quotes)
        nxt = text[m.end():m.end() + 6]
        if not nxt or not re.match(r"[\u4e00-\u9fff“\"《‘「]|(?:19|20)\d\d年", nxt.lstrip()) and not (
                level in (1, 2) and re.match(r"\d{3,}[\u4e00-\u9fff]", nxt.lstrip())):   # (五)12345热线…
            continue
        out.append(_Marker(level, number, start, m.end()))
        value = _num_value(number)
        if value is not None:
            last[level] = value
    return out


def _is_next(number: str, last: int | None) -> bool:
    value = _num_value(number)
    return value is not None and last is not None and value == last + 1


def _marker_position_ok(text: str, start: int, base: int, level: int, *, expected: bool = False,
                        first: bool = False, ordinal: bool = False) -> bool:
    i = start - 1
    while i >= base and text[i] in " \t\u3000":
        i -= 1
    if i < base or text[i] == "\n":
        if level == 3 and i > base and _mid_sentence_break(text, i, base) and not (
                expected and _HEADLINE_AFTER.match(text, start)):
            # "…行政服\n2、务事项…": a page number inside a broken sentence (unless it is the
            # next item's number and a headline sentence follows: an excerpt cut short)
            return False
        return True
    prev = text[i]
    if level in (5, 6) or ordinal:   # 一是/二是, 一要/二要, 第一, run inside paragraphs
        return prev in "。；;，,:：" or prev in _CLOSE
    if level == 1 and first and text[start] == "一" and text[start + 2:start + 3] not in _CN_NUM \
            and start - base < 400 and _TITLE_END.search(text[text.rfind("\n", base, start) + 1:start]):
        # "1、2022年在全市…会议上的讲话一、立足…": the first heading glued to the title line
        return True
    if prev in _INLINE_BEFORE or prev in _CLOSE or prev in "〕】":
        # "(1)" right after a heading sentence, or "2.xxx" after the previous item's "。"
        return True
    # one-line documents (web excerpts) put items after a space
    return start - 1 > i and level in (1, 2, 3)


def _mid_sentence_break(text: str, nl: int, base: int) -> bool:
    """The line before ``nl`` is a long run of prose cut in the middle of a word."""
    start = max(text.rfind("\n", base, nl) + 1, base)
    prev = text[start:nl].rstrip()
    return (len(prev) > 40 and "\u4e00" <= prev[-1] <= "\u9fff" and not _FIELD.search(prev)
            and not re.search(r"[。；;：:！？]", prev[-12:]))


def _build_items(text: str, markers: list[_Marker]) -> tuple[tuple[Heading, ...], tuple[Item, ...]]:
    # ①② after a (1): the points of that item, like 一是/二是, when the owners come after
    # them all; points that name their own owners stay items of their own
    runs: list[list[int]] = []                 # indices of circled markers after a (1)
    seen_paren = False
    for k, m in enumerate(markers):
        circled = m.level == 4 and m.number in _CIRCLED
        if m.level == 4 and not circled:
            seen_paren = True
            runs.append([])
        elif m.level < 4:
            seen_paren = False
        elif circled and seen_paren:
            runs[-1].append(k)
    drop: set[int] = set()
    for run in runs:
        if not run:
            continue
        segs = []
        for k in run:
            end = markers[k + 1].start if k + 1 < len(markers) else len(text)
            segs.append(text[markers[k].start:end])
        last_line = segs[-1].split("\n", 1)[0]
        if not any(_OWNER_MARK.search(sg) for sg in segs[:-1]) and not _OWNER_MARK.search(last_line):
            drop.update(run)
        else:
            # points with owners of their own: items one level below their (1), which becomes
            # their heading (level 7: deeper than 一要, never an inline point)
            for k in run:
                markers[k] = replace(markers[k], level=7)
    markers = [m for k, m in enumerate(markers) if k not in drop]
    markers = _restore_lost(text, _coherent(markers))
    # 一是/二是 are points inside a paragraph: items of their own only when no numbered
    # heading encloses them, otherwise they stay part of the enclosing item
    if any(m.level < 5 for m in markers):
        markers = [m for m in markers if m.level != 5]
    headings: list[Heading] = []
    items: list[Item] = []
    stack: list[tuple[int, str]] = []   # (level, number) path of enclosing headings
    for i, mk in enumerate(markers):
        nxt = markers[i + 1] if i + 1 < len(markers) else None
        end = nxt.start if nxt else _paragraph_end(text, mk.end)
        while stack and stack[-1][0] >= mk.level:
            stack.pop()
        title_end = _clause_end(text, mk.end, end)
        title = text[mk.end:title_end].strip()
        headings.append(Heading(mk.level, mk.number, title, Span(mk.start, title_end)))
        is_leaf = nxt is None or nxt.level <= mk.level
        if is_leaf:
            end = _trim_trailer(text, mk.end, end)
            items.append(_make_item(text, mk, end, tuple(n for _, n in stack)))
        stack.append((mk.level, mk.number))
    return tuple(headings), tuple(items)


# Column headings of task tables (任务分工表) as they appear once flattened to text.
TABLE_COLUMNS: dict[str, str] = {
    "序号": "number", "编号": "number",
    "任务": "task", "工作任务": "task", "重点任务": "task", "主要任务": "task", "具体任务": "task",
    "改革任务": "task", "任务内容": "task", "工作内容": "task", "具体措施": "task", "工作措施": "task",
    "重点工作": "task", "改革事项": "task", "主要内容": "task",
    "牵头单位": "lead", "牵头部门": "lead", "责任单位": "owner", "责任部门": "owner",
    "配合单位": "support", "协办单位": "support", "配合部门": "support",
    "完成时限": "deadline", "完成时间": "deadline", "时间节点": "deadline", "时限": "deadline",
    "牵头领导": "lead_person", "责任领导": "lead_person", "分管领导": "lead_person",
}
_CELL_SPLIT_TAB = re.compile(r"\t+")
_CELL_SPLIT_RUNS = re.compile(r"[ \t\u3000]{2,}")    # a tabbed table's row typed with runs of spaces
_CELL_SPLIT_PIPE = re.compile(r"[ \t\u3000]*[|｜][ \t\u3000]*")
_CELL_SPLIT_WS = re.compile(r"[ \t\u3000]+")


def _cells(line: str, start: int, tabbed: bool | str) -> list[tuple[str, int, int]]:
    """Cells of a table line split at tabs (``tabbed``), pipes (``tabbed == "|"``) or runs
    of white space."""
    if tabbed == "|":
        # pipes: an empty cell between two pipes is a cell; the border pipes open/close none
        out, pos = [], 0
        bounds = [(m.start(), m.end()) for m in _CELL_SPLIT_PIPE.finditer(line)]
        for k, (a, b) in enumerate(bounds + [(len(line.rstrip()), len(line))]):
            cell = line[pos:a]
            if not (k == 0 and not cell.strip()) and not (k == len(bounds) and not cell.strip()):
                out.append((cell, start + pos, start + a))
            pos = b
        return out
    out = []
    pos = 0
    split = (_CELL_SPLIT_TAB if "\t" in line else _CELL_SPLIT_RUNS) if tabbed else _CELL_SPLIT_WS
    for m in split.finditer(line):
        if m.start() > pos:
            out.append((line[pos:m.start()], start + pos, start + m.start()))
        pos = m.end()
    if pos < len(line):
        out.append((line[pos:].rstrip(), start + pos, start + pos + len(line[pos:].rstrip())))
    return [c for c in out if c[0].strip()]


_TABLE_SECTION = re.compile(r"(?:[一二三四五六七八九十]{1,3}[、.．]|[(（][一二三四五六七八九十]{1,3}[)）])\s*\S")


def _table_items(text: str, base: int) -> tuple[tuple[Item, ...], list[tuple[int, int]]]:
    """Rows of a task table flattened to text: a header line naming the columns
    (序号 任务 牵头单位 责任单位 完成时限), then one row per line with the same cells."""
    items: list[Item] = []
    blocks: list[tuple[int, int]] = []           # header to last row of each table
    lines: list[tuple[str, int]] = []
    pos = base
    for line in text[base:].split("\n"):
        lines.append((line, pos))
        pos += len(line) + 1
    i = 0
    while i < len(lines):
        line, start = lines[i]
        tabbed: bool | str = "|" if ("|" in line or "｜" in line) else "\t" in line
        header = _cells(line, start, tabbed)
        roles = [TABLE_COLUMNS.get(c[0].strip()) for c in header]
        if len(header) < 3 or None in roles or "task" not in roles or not ({"lead", "owner"} & set(roles)):
            i += 1
            continue
        j = i + 1

        def skip(line: str) -> bool:         # a blank line, a page number, markdown's | --- | rule
            return not line.strip() or bool(PAGE_LINE.fullmatch(line.strip())) or (
                tabbed == "|" and bool(re.fullmatch(r"[\s|｜:：\-—+]+", line)))

        while j < len(lines):
            row_line, row_start = lines[j]
            if skip(row_line):
                j += 1
                continue
            cells = _cells(row_line, row_start, tabbed)
            if len(cells) < len(header) and _TABLE_SECTION.match(row_line.strip()) \
                    and not re.match(r"\s*\d", row_line):
                j += 1                       # 一、政务服务（4项）: a section row inside the table
                continue
            if "number" in roles and not re.fullmatch(r"\s*\d{1,3}\s*", cells[roles.index("number")][0]
                                                      if len(cells) > roles.index("number") else ""):
                break                        # a row of a numbered table starts with its number
            k = j
            # a row broken over lines by PDF extraction: the next line continues its last cell
            # (市委改革办(市数字化改革专班办\n公室)) or, when the counts say so, adds cells
            while len(cells) < len(header) and k + 1 < len(lines) and k - j < 3:
                k2 = k + 1
                while k2 < len(lines) and skip(lines[k2][0]) and k2 - k < 3:
                    k2 += 1
                if k2 >= len(lines) or skip(lines[k2][0]):
                    break
                more = _cells(lines[k2][0], lines[k2][1], tabbed)
                if more and len(cells) + len(more) - 1 == len(header):
                    last, first = cells[-1], more[0]
                    cells = cells[:-1] + [(text[last[1]:first[2]], last[1], first[2])] + more[1:]
                elif more and len(cells) + len(more) <= len(header):
                    cells = cells + more
                else:
                    break
                k = k2
            if len(cells) != len(header):
                break
            items.append(_row_item(text, dict(zip(roles, cells)), len(items) + 1))
            j = k + 1
        if items and items[-1].span.start > start:
            blocks.append((start, items[-1].span.end))
        i = j
    return tuple(items), blocks


def _row_item(text: str, row: dict, n: int) -> Item:
    task_text, ts, te = row["task"]
    number = row["number"][0].strip() if "number" in row else str(n)
    title_end = _clause_end(text, ts, te)
    fields = []
    for role in ("lead", "owner", "support", "deadline", "lead_person"):
        if role in row:
            value, vs, ve = row[role]
            if value.strip() not in ("", "-", "—", "/"):
                raw = next(k for k, v in TABLE_COLUMNS.items() if v == role)
                fields.append(FieldLine(role, raw, value, Span(vs, ve)))
    first = min(c[1] for c in row.values())
    last = max(c[2] for c in row.values())
    return Item(number=number, title=text[ts:title_end], title_span=Span(ts, title_end),
                text=text[first:last], span=Span(first, last), body_span=Span(ts, te),
                fields=tuple(fields), heading_path=("table",), level=3)


def _paragraph_items(text: str, base: int, headings: tuple[Heading, ...],
                     items: tuple[Item, ...]) -> tuple[Item, ...]:
    """Unnumbered paragraphs outside the enumeration (news and reports often carry their
    reforms that way); the extract stage decides which of them are tasks."""
    covered = [(it.span.start, it.span.end) for it in items] + [(h.span.start, h.span.end) for h in headings]
    first_marker = min((a for a, _ in covered), default=len(text))
    out: list[Item] = []
    pos = base
    n = 0
    for line in text[base:].split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        lead = len(line) - len(line.lstrip(" \t\u3000"))
        s0, e0 = start + lead, end - (len(line) - len(line.rstrip()))
        if e0 - s0 < 30 or any(a < e0 and s0 < b for a, b in covered) or line.count("|") + line.count("｜") >= 2:
            continue   # short, inside an item, or a table line
        if start > base and _mid_sentence_break(text, start - 1, base):
            continue   # the rest of a sentence a page break cut (…行政服\n2、务事项…)
        if first_marker < s0 and items:
            continue   # inside the numbered body: a stray paragraph, not a reform
        n += 1
        ts = title_span(text, s0, e0)
        out.append(Item(number=f"p{n}", title=text[ts.start:ts.end], title_span=ts, text=text[s0:e0],
                        span=Span(s0, e0), body_span=Span(s0, e0), fields=(), heading_path=(), level=0))
    return tuple(out)


_HEADLINE_LINE = re.compile(r"\n[ \t\u3000]*(?=[^，,。；;：:\n]{4,24}。)")


def _restore_lost(text: str, markers: list[_Marker]) -> list[_Marker]:
    """A number lost in extraction (…6、… then 8、…): the paragraph between them that
    opens with a headline sentence (推进市场价格机制改革。…) is item 7."""
    out: list[_Marker] = []
    for i, mk in enumerate(markers):
        out.append(mk)
        nxt = next((m for m in markers[i + 1:] if m.level <= mk.level), None)
        if nxt is None or nxt.level != mk.level:
            continue
        a, b = _num_value(mk.number), _num_value(nxt.number)
        if a is None or b != a + 2 or not mk.number.isdigit():
            continue
        m = _HEADLINE_LINE.search(text, mk.end, nxt.start)
        if m:
            pos = m.end()
            out.append(_Marker(mk.level, str(a + 1), pos, pos))
    return sorted(out, key=lambda m: m.start)


def _coherent(markers: list[_Marker]) -> list[_Marker]:
    """Drop markers whose numbering does not continue a sequence (stray '3、' in prose)."""
    out: list[_Marker] = []
    last_num: dict[int, int] = {}
    ever: dict[int, int] = {}                  # last number per level, across parents
    for mk in markers:
        n = _num_value(mk.number)
        prev = last_num.get(mk.level)
        if n is None:
            continue
        if n == 1 or prev is None and n <= 3 or prev is not None and n == prev + 1 or (
            prev is not None and mk.level >= 3 and 1 < n <= prev + 2 and n > prev
        ) or prev is None and ever.get(mk.level) == n - 1:
            # (the last: numbering that runs on across sections, 一、(一)(二)(三) 二、(四)(五))
            out.append(mk)
            last_num[mk.level] = ever[mk.level] = n
            # deeper levels restart under a new parent
            for lv in list(last_num):
                if lv > mk.level and lv != 3:
                    del last_num[lv]
    return out


def _num_value(number: str) -> int | None:
    if re.fullmatch(r"[0-9]+", number):   # not str.isdigit(): '①'.isdigit() is True
        return int(number)
    if number in _CIRCLED:
        return _CIRCLED.index(number) + 1
    return cn_to_int(number)


def cn_to_int(s: str) -> int | None:
    digits = {c: i + 1 for i, c in enumerate("一二三四五六七八九")}
    if not s:
        return None
    if s == "十":
        return 10
    if s.startswith("十") and len(s) == 2 and s[1] in digits:
        return 10 + digits[s[1]]
    if len(s) == 1 and s in digits:
        return digits[s]
    if len(s) in (2, 3) and s[0] in digits and s[1] == "十":
        return digits[s[0]] * 10 + (digits[s[2]] if len(s) == 3 and s[2] in digits else 0)
    return None


def _paragraph_end(text: str, start: int) -> int:
    """End of the last item: its paragraph, plus the field lines that follow it (with
    their PDF-broken continuations and page numbers)."""
    nl = text.find("\n", start)
    if nl < 0:
        return len(text)
    end = nl
    in_fields = False
    pos = nl + 1
    while pos < len(text):
        line_end = text.find("\n", pos)
        line_end = len(text) if line_end < 0 else line_end
        line = text[pos:line_end].strip()
        if not line or PAGE_LINE.fullmatch(line):
            pass
        elif _FIELD.match(line):
            in_fields, end = True, line_end
        elif not in_fields and line[0] in _CIRCLED:
            end = line_end       # ①…;②…: the points of this item
        elif not in_fields and re.fullmatch(r"[(（\[【].*(?:牵头|责任|配合|完成时限).*[)）\]】]", line):
            in_fields, end = True, line_end       # its owner bracket on a line of its own
        elif not in_fields and re.match(r"\d{1,3}[、.．]", line) and _mid_sentence_break(text, pos - 1, 0):
            end = line_end       # "…行政服\n2、务事项…": the sentence goes on after a page number
        elif in_fields and len(line) <= 40 and not re.search(r"[。：:！？]", line) and not _MARKER_ANY.match(line):
            end = line_end
        else:
            break
        pos = line_end + 1
    return end


def _trim_trailer(text: str, start: int, end: int) -> int:
    """An item ends before a following signature/attachment block or blank gap of prose."""
    seg = text[start:end]
    m = re.search(r"\n\s*(附件|抄送|(?:[\u4e00-\u9fff]{2,20}办公室)\s*\n\s*20\d{2})", seg)
    return start + m.start() if m else end


# a first clause that only says when (2014年2月, 今年以来, 目前): the title is the next one
_TIME_OPENER = re.compile(
    r"(?:(?:19|20)\d\d年)?(?:\d{1,2}(?:[-—至]\d{1,2})?月(?:\d{1,2}日)?|上半年|下半年|前三季度|第?[一二三四]季度)?(?:以来|底)?"
    r"|(?:今年|去年|近年|年初|近期|上半年|下半年)(?:以来)?|近年来|目前|当前|此后|同时|此外|另外"
    r"|截至[^，,。]{2,12}|党的[^，,。]{2,10}以来|近[一二三四五六七八九十\d]{1,2}年(?:来|以来)?")


def title_span(text: str, start: int, limit: int) -> Span:
    """A paragraph's title: its first clause, or the second when the first only says when."""
    while start < limit and text[start] in " \t\u3000\n":
        start += 1                            # an indented paragraph: 　　去年以来,…
    te = _clause_end(text, start, limit)
    if te < limit and text[te] in "，," and _TIME_OPENER.fullmatch(text, start, te):
        a = te + 1
        while a < limit and text[a] in " \t\u3000":
            a += 1
        b = _clause_end(text, a, limit)
        if b > a:
            return Span(a, b)
    return Span(start, te)


def _clause_end(text: str, start: int, limit: int) -> int:
    m = re.compile(r"[。，,；;\n]").search(text, start, limit)
    end = m.start() if m else limit
    return end if end > start else limit


def _make_item(text: str, mk: _Marker, end: int, path: tuple[str, ...]) -> Item:
    body_end = end
    fields: list[FieldLine] = []
    # block field lines: "牵头单位:…" at line starts, or after the body's last sentence
    # on the same line ("…改革。责任单位:市发改委。完成时限:6月底前。")
    for fm in re.finditer(rf"(?m)(?:^|(?<=[。；;]))[ \t\u3000]*(?:{_LABEL_ALT})\s*[:：]", text[mk.end:end]):
        abs_start = mk.end + fm.start() + (len(fm.group(0)) - len(fm.group(0).lstrip()))
        before = text[mk.end:abs_start]
        if sum(before.count(c) for c in "(（") > sum(before.count(c) for c in ")）"):
            continue                         # (牵头单位:…;责任单位:…) is an inline bracket
        body_end = min(body_end, abs_start)
        break
    fields.extend(_block_fields(text, body_end, end))
    fields.extend(_inline_fields(text, mk.end, body_end))
    title_end = _clause_end(text, mk.end, body_end)
    for istart, iend in _owner_brackets(text, mk.end, body_end):
        if istart - 1 < title_end and any(istart <= f.value_span.start < iend for f in fields):
            title_end = istart - 1           # 加快数字政府建设(市大数据局负责,…): the title ends here
        break
    title_start = mk.end
    while title_start < title_end and text[title_start] in " \t\u3000":
        title_start += 1
    while title_end > title_start and text[title_end - 1] in " \t\u3000":
        title_end -= 1
    item_end = end
    while item_end > mk.start and text[item_end - 1] in " \t\n\u3000":
        item_end -= 1
    body = body_end
    while body > mk.start and text[body - 1] in " \t\n\u3000":
        body -= 1
    return Item(
        number=".".join(path + (mk.number,)) if path else mk.number,
        title=text[title_start:title_end],
        title_span=Span(title_start, title_end),
        text=text[mk.start:item_end],
        span=Span(mk.start, item_end),
        body_span=Span(mk.start, body),
        fields=tuple(fields),
        heading_path=path,
        level=mk.level,
    )


def _block_fields(text: str, start: int, end: int) -> list[FieldLine]:
    """Field lines after the item body.  A value may run over PDF line breaks until the
    next label or the item end (``市生态环境\\n\\n局伊州分局``)."""
    out: list[FieldLine] = []
    matches = list(_FIELD.finditer(text, start, end))
    for i, m in enumerate(matches):
        vend = matches[i + 1].start() if i + 1 < len(matches) else end
        vstart = m.end()
        # values continue over line breaks only when the next line is not prose
        val = text[vstart:vend]
        cut = _value_cut(val)
        stop = re.search(r"。", val[:cut])
        vend = vstart + (stop.start() if stop else cut)
        while vend > vstart and text[vend - 1] in " \t\n\u3000；;。":
            vend -= 1
        raw = m.group("label")
        if not text[vend:].strip() and FIELD_LABELS[raw] in ("lead", "support", "owner"):
            # the document (an excerpt) ends inside this list of bodies: 责任单位:县财
            vend = _drop_cut_name(text, vstart - 1, vend)
        if vend > vstart:
            out.append(FieldLine(FIELD_LABELS[raw], raw, text[vstart:vend], Span(vstart, vend)))
    return out


# page furniture left by PDF extraction: "- 3 -", "—12—", "第3页 共10页"
PAGE_LINE = re.compile(r"\s*(?:[-—－–]\s*\d{1,3}\s*[-—－–]|第\s*\d{1,3}\s*页(?:\s*[,，/]?\s*共\s*\d{1,3}\s*页)?|\d{1,3}\s*/\s*\d{1,3})\s*")


def _value_cut(val: str) -> int:
    """Where a field value ends.  PDF extraction breaks long unit lists over lines
    (``…商务局、\n\n科工信局,…``, ``市生态环境\n\n局伊州分局``): a following line continues
    the value when it is short, has no sentence punctuation and is not a new heading."""
    end = len(val.split("\n", 1)[0])
    while end < len(val):
        rest = val[end:]
        stripped = rest.lstrip("\n \t\u3000")
        if not stripped:
            break
        line = stripped.split("\n", 1)[0].rstrip()
        if PAGE_LINE.fullmatch(line):   # a page number between the halves of a value
            nxt = stripped[len(line):]
            after = nxt.lstrip("\n \t\u3000").split("\n", 1)[0].rstrip()
            if after and len(after) <= 40 and not re.search(r"[。：:！？]", after) \
                    and not _MARKER_ANY.match(after) and not _FIELD.match(after):
                end = len(val) - len(nxt.lstrip("\n \t\u3000")) + len(after)
                continue
            break
        if (len(line) > 40 or re.search(r"[。：:！？]", line)
                or _MARKER_ANY.match(line) or _FIELD.match(line)):
            break
        end = len(val) - len(stripped) + len(line)
    return end


def _brackets(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Inner spans of top-level bracket groups, nesting-aware: ``(责任单位:各市(区)政府)``."""
    out: list[tuple[int, int]] = []
    i = start
    while i < end:
        c = text[i]
        if c in "(（〔【":
            depth, j = 1, i + 1
            breaks = 0
            # a bracket may run over one PDF line break (…伊州分\n局;完成时限:…)
            while j < end and depth and j - i < 400 and (text[j] != "\n" or breaks == 0 and _FIELD.search(text, i, j)):
                if text[j] == "\n":
                    breaks += 1
                if text[j] in "(（〔【":
                    depth += 1
                elif text[j] in ")）〕】":
                    depth -= 1
                j += 1
            if depth == 0:
                out.append((i + 1, j - 1))
                i = j
                continue
            if depth == 1 and (j >= end or text[j] == "\n") and not text[j:end].strip():
                # the item's last bracket cut off with the line (an excerpt or a page that
                # ends in …(牵头单位:区行政审批服务局;责任单位:区政): read what is there
                out.append((i + 1, _drop_cut_name(text, i + 1, j)))
                break
        i += 1
    return out


_CUT_NAME = re.compile(r"[、,，;；:：]\s*(?P<name>[^、,，;；:：]*)$")
_WHOLE_NAME_END = re.compile(r"(?:局|委|办|厅|中心|院|署|府|单位|部门|室|组|会|所|站|队|行|处)[)）]?$")


def _drop_cut_name(text: str, start: int, end: int) -> int:
    """Where a cut-off bracket's content ends once a name cut mid-word is dropped
    (…;责任单位:区政 -> …;责任单位:, 市政府办公室、市 -> 市政府办公室)."""
    while end > start and text[end - 1].isspace():
        end -= 1
    m = _CUT_NAME.search(text, start, end)
    if m and m.group("name") and not _WHOLE_NAME_END.search(m.group("name")):
        return m.start("name")
    return end


def _owner_brackets(text: str, start: int, end: int) -> list[tuple[int, int]]:
    return [(a, b) for a, b in _brackets(text, start, end)
            if len(text[a:b]) >= 3 and _OWNER_HINT.search(text[a:b])]


# a deadline written without its label inside an owner bracket: (…负责,2023年9月底前完成)
_BARE_DEADLINE = re.compile(
    r"(?:于|在|每年)?(?:(?:19|20)\d{2}年?(?:\d{1,2}月)?|\d{1,2}月)(?:上旬|中旬|下旬|底|末|份)?(?:\d{1,2}日)?(?:前|以前)?(?:完成|办结|到位)?"
    r"|(?:于|在)?(?:19|20)\d{2}年(?:底|年底|内)(?:前)?(?:完成)?|年底前(?:完成)?|长期坚持|持续推进|长期"
    r"|(?:(?:19|20)\d{2}年)?(?:第?[一二三四]季度|[上下]半年)(?:末|底)?(?:前)?(?:完成)?")


def _split_deadline(text: str, vs: int, ve: int) -> tuple[int, FieldLine | None]:
    """A value's last clause that is a bare deadline: (new value end, the deadline field)."""
    cut = max(text.rfind(c, vs, ve) for c in "，,；;")
    if cut < vs:
        return ve, None
    ds = cut + 1
    while ds < ve and text[ds] in " \u3000":
        ds += 1
    if not _BARE_DEADLINE.fullmatch(text, ds, ve):
        return ve, None
    ne = cut
    while ne > vs and text[ne - 1] in " ，,；;、":
        ne -= 1
    return ne, FieldLine("deadline", "完成时限", text[ds:ve], Span(ds, ve))


def _inline_fields(text: str, start: int, end: int) -> list[FieldLine]:
    """Owner brackets inside the body: (牵头单位:…;责任单位:…), (市发改委牵头,…负责), with a
    deadline written in them with or without its label."""
    out: list[FieldLine] = []
    for istart, iend in _owner_brackets(text, start, end):
        labelled = list(_FIELD.finditer(text, istart, iend))
        ie = iend
        while ie > istart and text[ie - 1] in " ，,；;。":
            ie -= 1
        if labelled:
            for i, m in enumerate(labelled):
                vend = labelled[i + 1].start() if i + 1 < len(labelled) else ie
                vs, ve = m.end(), vend
                while ve > vs and text[ve - 1] in " ，,；;、/／|":
                    ve -= 1
                raw = m.group("label")
                deadline = None
                if FIELD_LABELS[raw] != "deadline" and i + 1 == len(labelled):
                    ve, deadline = _split_deadline(text, vs, ve)
                out.append(FieldLine(FIELD_LABELS[raw], raw, text[vs:ve], Span(vs, ve)))
                if deadline:
                    out.append(deadline)
            continue
        vs = istart
        first = re.compile(r"[，,；;]").search(text, istart, ie)
        if first and _BARE_DEADLINE.fullmatch(text, istart, first.start()):
            # (2023年12月底前完成,县政务服务中心牵头): the deadline comes first
            out.append(FieldLine("deadline", "完成时限", text[istart:first.start()], Span(istart, first.start())))
            vs = first.end()
        ve, deadline = _split_deadline(text, vs, ie)
        out.extend(_verb_fields(text, vs, ve))
        if deadline and not any(f.label == "deadline" for f in out):
            out.append(deadline)
    if not out:
        out.extend(_trailing_owner(text, start, end))
    if not out:
        out.extend(_prose_owners(text, start, end))
    return out


# an owner clause of running prose: 市发展改革委要牵头 / 这项工作由市人社局牵头 / 市自然资源局负责
_PROSE_LEAD = re.compile(r"(?:(?:这|此|该)项工作)?由?[^，,。；;：:]{2,30}?(?:要|具体|负责)?牵头(?:负责|抓总|落实)?")
_PROSE_OWNER = re.compile(r"[^，,。；;：:]{2,30}?(?:要|具体)?负责")
_PROSE_SUPPORT = re.compile(r"[^，,。；;：:]{2,40}?(?:要|积极|主动|共同|密切|通力|紧密|大力|全力|协同|广泛)*"
                            r"(?:按职责分工负责|分工负责|配合|协助|参与|抓好落实|具体落实)"
                            r"(?:抓好落实|落实|推进)?")
_PROSE_DEADLINE = re.compile(
    r"(?:于|在|力争|确保)?(?P<d>(?:(?:19|20)\d{2}年)?\d{1,2}月(?:上旬|中旬|下旬|底|末|\d{1,2}日)?(?:前|以前)"
    r"|(?:(?:19|20)\d{2}年)?年底前|(?:19|20)\d{2}年底前)")


# what an owner's name ends with: a body's suffix, or a leader's title (朱伟县长)
_OWNER_LIKE = re.compile(r"^(?!鼓励|支持|引导|动员|推动|依托|组织)[^\d*]{1,}"
                         r"(?:(?:局|委|办|厅|院|部|署|中心|组|委员会|管委会|府|队|所|站|处|室|行|社|联|[县市区省州镇乡厅局处科]长|书记|专班)"
                         r"|(?:长|书记|主任)[\u4e00-\u9fff]{2,3})$")


_COLLECTIVE_LIKE = re.compile(r"(?:部门|单位|政府)(?:\([^()]{1,6}\))?$")


def _prose_owners(text: str, start: int, end: int) -> list[FieldLine]:
    """Owners written as prose in a speech or a plan, in the first sentence that has them:
    ``市发展改革委要牵头,市商务局、市自然资源局配合,于9月底前完成…``, ``这项工作由市人社局牵头,
    市财政局配合,年底前出台…``, ``市自然资源局负责,各县区政府配合抓好落实``, ``朱伟县长牵头,
    县国资办负责``.  Every clause must be only owners and their verb; a deadline may follow."""
    if "牵头" not in text[start:end] and "负责" not in text[start:end]:
        return []                                  # (the cheap test first: most items have none)
    for sm in re.finditer(r"[^。；;！？\n]+", text[start:end]):
        ss, se = start + sm.start(), start + sm.end()
        clauses = [(ss + c.start(), ss + c.end()) for c in re.finditer(r"[^，,]+", text[ss:se])]
        for k, (cs, ce) in enumerate(clauses):
            lead = _PROSE_LEAD.fullmatch(text, cs, ce)
            owner = None if lead else _PROSE_OWNER.fullmatch(text, cs, ce)
            if not lead and not owner:
                continue
            rest = clauses[k + 1:]
            owner_end = ce
            supported = False
            for rs, re_ in rest:
                if _PROSE_SUPPORT.fullmatch(text, rs, re_) or lead and _PROSE_OWNER.fullmatch(text, rs, re_):
                    verb = re.search(r"按职责分工负责|分工负责|配合|协助|参与|负责|抓好落实|具体落实", text[rs:re_])
                    owner_end, supported = rs + verb.end(), True     # …配合(抓好落实)
                    continue
                break
            if owner and not supported:
                continue                              # 市自然资源局负责 alone is any sentence
            fields = _verb_fields(text, cs, owner_end)
            if not any(f.label in ("lead", "owner") for f in fields):
                continue
            if not all(_OWNER_LIKE.search(f.value) or _COLLECTIVE_LIKE.search(f.value)
                       for f in fields if f.label != "lead") or not _OWNER_LIKE.search(fields[0].value) \
                    or len(fields[0].value) < 3:
                continue                                   # 明确12名县级领导牵头, 家长负责,学校配合: no body named
            if owner and fields[0].label == "owner":       # X负责,Y配合: X leads
                fields[0] = FieldLine("lead", fields[0].raw_label, fields[0].value, fields[0].value_span)
            fields = [replace(f, prose=True) for f in fields]
            nxt = next(((rs, re_) for rs, re_ in rest if rs >= owner_end), None)
            dm = _PROSE_DEADLINE.match(text, nxt[0], nxt[1]) if nxt else None
            if dm and not re.match(r"(?:完成|建成|出台)?了|已", text[dm.end():dm.end() + 4]):   # 于6月底前完成了: done
                fields.append(FieldLine("deadline", "完成时限", dm.group("d"), Span(dm.start("d"), dm.end("d")), prose=True))
            return fields
    return []


_LEAD_VERB = re.compile(r"(?:牵头(?:负责|抓总|落实)?|负总责)")
_SUPPORT_VERB = re.compile(r"(?:按职责分工负责|按职责负责|分工负责|配合(?:落实)?|协助|参与|负责|抓好落实|抓落实|具体落实)$")


_OWNER_TAIL = re.compile(r"(?:要|具体|主动|积极|切实|同志|亲自|共同|分别|密切|通力|紧密|大力|全力|协同|广泛)+$")


def _owner_end(value: str) -> int:
    """Where the owner list ends before its verb: 市住建局要主动(配合), 县供销社具体(负责)."""
    m = _OWNER_TAIL.search(value)
    return m.start() if m and m.start() > 0 else len(value)


def _verb_fields(text: str, start: int, end: int) -> list[FieldLine]:
    """``市发改委牵头,各县区按职责分工负责`` -> lead / owner parts with spans."""
    out: list[FieldLine] = []
    # split into clauses at ；; and at ，, that follow a verb
    clauses: list[tuple[int, int]] = []
    cs = start
    for m in re.finditer(r"[；;，,]", text[start:end]):
        pos = start + m.start()
        before = text[cs:pos]
        if _LEAD_VERB.search(before) or re.search(r"负责|配合|协助|参与$", before):
            clauses.append((cs, pos))
            cs = pos + 1
    clauses.append((cs, end))
    for cs, ce in clauses:
        # 这项工作由市行政审批局牵头: the owner starts after 由
        by = text.rfind("由", cs, ce)
        if by >= cs:
            cs = by + 1
        clause = text[cs:ce]
        lm = _LEAD_VERB.search(clause)
        if lm and lm.start() > 0:
            ve = cs + _owner_end(clause[:lm.start()])
            out.append(FieldLine("lead", "牵头", text[cs:ve], Span(cs, ve)))
            continue
        sm = re.search(r"(?:等)?(?:相关|有关)?(?:部门|单位)?(?:按职责分工负责|按职责负责|分工负责|配合(?:落实)?|协助|参与|负责)$", clause)
        vm = _SUPPORT_VERB.search(clause)
        if vm and vm.start() > 0:
            cut = _owner_end(clause[:vm.start()])
            # 配合/协助/参与 name helpers; 负责/抓好落实 name owners (the leads when no body leads)
            label = "support" if re.match(r"配合|协助|参与", vm.group(0)) else "owner"
            out.append(FieldLine(label, vm.group(0), text[cs:cs + cut], Span(cs, cs + cut)))
        elif sm:
            pass
    return out


def _trailing_owner(text: str, start: int, end: int) -> list[FieldLine]:
    """Un-bracketed ``…,由市审改办牵头负责。`` at the end of an item."""
    if "牵头" not in text[start:end]:
        return []
    m = re.search(r"(?:由)?([\u4e00-\u9fff、，,()（）]{2,60}?)牵头(?:负责|抓总)?[。；;]?\s*$", text[start:end])
    if not m:
        return []
    vs, ve = start + m.start(1), start + m.end(1)
    # keep to the clause
    cut = max(text.rfind("，", vs, ve), text.rfind(",", vs, ve), text.rfind("。", vs, ve))
    if cut >= 0:
        vs = cut + 1
    if text[vs:vs + 1] == "由":
        vs += 1
    return [FieldLine("lead", "牵头", text[vs:ve], Span(vs, ve))] if ve - vs >= 2 else []
