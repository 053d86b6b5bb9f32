"""The ``read`` stage: one file -> :class:`kg.records.SourceText`.

Formats
-------
* plain text (``.txt .text .md`` and extension-less files sniffed as text): the encoding is
  detected (see :func:`decode_bytes`) and the text kept verbatim, apart from newline
  normalisation (``\\r\\n`` and ``\\r`` -> ``\\n``).  Every span later indexes the returned
  text, so newlines are normalised here and nowhere else.
* HTML (``.html .htm .shtml .xhtml`` or content sniffed as HTML): decoded honouring a BOM,
  ``<meta charset>``/``http-equiv`` or the XML declaration, then parsed with selectolax;
  page furniture (scripts, navigation, headers, footers, share bars, ...) is dropped, the
  main-content container is preferred when one clearly holds most of the Chinese text, and
  blocks, ``<br>`` and table rows become lines (cells of a row joined by a tab).
* ``.docx`` via python-docx: paragraphs and table rows as lines, in document order.
* ``.pdf`` via pypdf: page texts joined with newlines.

A leading ``# source: <URL>`` line followed by a blank line (the corpus convention) sets
``source_url``; ``body_start`` is the offset where the document proper starts.  The header
stays in ``text``: offsets always index the whole file.

``SourceText.encoding`` is the codec used (``utf-8``, ``utf-8-sig``, ``utf-16-le``,
``gb18030`` for GB2312/GBK/GB18030, ``big5``/``cp950``/``big5hkscs``, ...), with `` (lossy)``
when a handful of undecodable bytes became U+FFFD; ``html+<codec>`` for pages; ``docx``,
``pdf``; ``unicode`` for :func:`read_text`.

Every failure is an :class:`kg.errors.InputError` naming the path as given and the reason.
"""

from __future__ import annotations

import bisect
import codecs
import contextlib
import fnmatch
import hashlib
import io
import logging
import os
import re
import stat
import unicodedata
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, Union

from kg.errors import InputError
from kg.records import SourceText

__all__ = [
    "DEFAULT_MAX_BYTES",
    "SUPPORTED_SUFFIXES",
    "decode_bytes",
    "iter_files",
    "read_file",
    "read_text",
]

PathArg = Union[str, "os.PathLike[str]"]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".shtml", ".xhtml"})
SUPPORTED_SUFFIXES = frozenset(TEXT_SUFFIXES | HTML_SUFFIXES | {".docx", ".pdf"})

_UNSUPPORTED_HINTS = {
    ".doc": "legacy Word format; save it as .docx",
    ".wps": "WPS format; save it as .docx",
    ".rtf": "save it as .docx or .txt",
    ".mht": "web archive; save the page as .html",
    ".mhtml": "web archive; save the page as .html",
}

# --------------------------------------------------------------------------- helpers


def _shown(path: object) -> str:
    """The path as the user gave it, as a string for messages and SourceText.path."""
    if isinstance(path, bytes):
        return os.fsdecode(path)
    if isinstance(path, os.PathLike):
        return os.fsdecode(os.fspath(path))
    return str(path)


_NEWLINES = re.compile(r"\r\n?")
# "# source: <URL>" as the first line, then (normally) a blank line; the URL has a scheme
# (http:, https:, file:, ...) or starts with www.
_SOURCE_HEADER = re.compile(
    r"\A\ufeff?#[ \t]*source[ \t]*[:：][ \t]*((?:[A-Za-z][A-Za-z0-9+.\-]*:|www\.)\S+)[ \t]*(?:\n|\Z)"
    r"(?:[ \t]*(?:\n|\Z))?",
    re.IGNORECASE,
)


def _finish(
    path: str,
    text: str,
    encoding: str,
    fmt: str,
    source_url: str | None = None,
) -> SourceText:
    """Normalise newlines, read a ``# source:`` header, hash: the one place a SourceText is built."""
    text = _NEWLINES.sub("\n", text)
    body_start = 0
    m = _SOURCE_HEADER.match(text)
    if m:
        source_url = m.group(1)
        body_start = m.end()
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return SourceText(
        path=path,
        text=text,
        encoding=encoding,
        sha256=digest,
        fmt=fmt,
        source_url=source_url,
        body_start=body_start,
    )


# --------------------------------------------------------------------------- plausibility

# Frequent characters (simplified and traditional), weighted towards government documents.
# They make up about 80% of the hanzi of a real document but far less of mis-decoded text;
# they also break ties between candidate decodings of short texts.
_HOT = frozenset(
    "的一是在不了有和人这中大为上个国以要时来们到作地于出就分对成会可发年动同工也能下过说产种面而"
    "方后多定行法所民经进等部度家力里化高理起现实加量都两体制机当使点从业本把性好应开合还因由其些"
    "然前外天政社义事平形相全表间样与关各重新内数正心明看原又利比或质第向道此变条没结解问意建月公"
    "无系很情者最立代已通并提直题党程展果员革位入常文总次品式活设及管特件长求基资边流路级少统接知"
    "较将组见计别期根论运农指区强放决做必先则任取据处队南给光门即保治北造百规领海口东导器压志世金"
    "增争济阶思术极交受联认共权收证改清再采转更单风切打教速带安场车例真务具万每目至达示议声报完类"
    "离华名确才科信节话整空元况今集传土许步群广石记需段研界林律究观越织装影算低持音众书布复容须际"
    "商非验连断深难近委素技备半办青省列习响约支般史感劳便团往历市克何除消构府称太准精值号率族维划"
    "选标写存候亲快效院查江型按格养易置派层片始却专状育厂京识适属包住调满县局照参红细引听该价严审"
    "批营环境监督责职服乡镇街村执综优推落牵头配底"
    "這爲為個國時來們於對會發動過說產種後經進裏裡現實兩體機當點從業應開還義間樣與關內數質變條沒結"
    "問無並題黨員總設長資邊級統較將組見計別論運農區強決則據處隊給門規領東導壓爭濟階術極聯認權證採"
    "轉單風帶場車務萬達議聲報類離華確節話況傳許羣群廣記觀織裝衆眾書覆復複須際驗連斷難備辦習響約勞"
    "團歷構稱準號維劃選標寫親養層卻專狀廠識適屬調滿縣參紅細聽該價嚴審營環監責職鄉鎮執綜優牽頭"
)


@lru_cache(maxsize=1)
def _common_hanzi() -> frozenset[str]:
    """GB2312 level-1 hanzi (3755) and Big5 frequently-used hanzi (5401): ~99.9% of real use.

    Text decoded with the wrong legacy codec lands mostly outside this set.
    """
    chars: set[str] = set()
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.add(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    trails = list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF))
    for lead in range(0xA4, 0xC7):
        for trail in trails:
            if lead == 0xC6 and trail > 0x7E:
                break
            try:
                chars.add(bytes((lead, trail)).decode("big5"))
            except UnicodeDecodeError:
                pass
    return frozenset(chars)


def _is_bad_char(o: int) -> bool:
    """Characters that show up in mis-decoded Chinese but hardly ever in real documents."""
    return (
        0x80 <= o < 0xA0                  # C1 controls
        or 0xE000 <= o <= 0xF8FF          # private use
        or o >= 0xF0000                   # supplementary private use
        or 0x3040 <= o <= 0x30FF          # kana
        or 0x31F0 <= o <= 0x31FF
        or 0xFF61 <= o <= 0xFF9F          # half-width katakana
        or 0xAC00 <= o <= 0xD7AF          # hangul
        or 0x1100 <= o <= 0x11FF
        or 0x3130 <= o <= 0x318F
        or 0x0370 <= o <= 0x04FF          # Greek, Cyrillic
        or 0x3100 <= o <= 0x312F          # bopomofo
        or unicodedata.category(chr(o)) in ("Cn", "Co", "Cs")
    )


_SCORE_SAMPLE = 200_000


def _is_cjk_symbol(o: int) -> bool:
    return (0x3000 <= o <= 0x303F or 0xFF01 <= o <= 0xFF60 or 0xFE30 <= o <= 0xFE4F
            or 0x2010 <= o <= 0x2027 or 0x2030 <= o <= 0x205E or 0xFFE0 <= o <= 0xFFE6)


class _Profile:
    """Character statistics of a decoded text (its first ``_SCORE_SAMPLE`` characters)."""

    __slots__ = ("hanzi", "common", "hot", "sym", "bad", "replaced", "other")

    def __init__(self, text: str) -> None:
        common_set = _common_hanzi()
        hanzi = common = hot = sym = bad = replaced = other = 0
        for ch in text[:_SCORE_SAMPLE]:
            o = ord(ch)
            if o < 0x80:
                continue
            if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x3FFFF:
                hanzi += 1
                if ch in common_set:
                    common += 1
                    if ch in _HOT:
                        hot += 1
            elif o == 0xFFFD:
                replaced += 1
            elif _is_cjk_symbol(o):
                sym += 1
            elif _is_bad_char(o):
                bad += 1
            elif not (0xA0 <= o <= 0x24F or 0x1E00 <= o <= 0x1EFF):   # Latin (pinyin é ǒ)
                other += 1
        self.hanzi, self.common, self.hot, self.sym = hanzi, common, hot, sym
        self.bad, self.replaced, self.other = bad, replaced, other

    def plausible(self, *, chinese: bool) -> bool:
        """Does this look like real text?  ``chinese``: decoded with a Chinese codec, so it
        must show Chinese (hanzi or CJK punctuation).  Short texts may have one odd character."""
        if chinese and not (self.hanzi or self.sym):
            return False
        n = self.hanzi + self.bad
        weird = n - self.common
        if not (weird <= 0.2 * n or (weird == 1 and self.common >= 2)):
            return False
        if chinese and self.hanzi >= 30:
            # Real Chinese leans on a few hundred characters (about 80% of a government
            # document); text decoded with the wrong codec (Big5 as GB, EUC-KR as GB) spreads
            # over thousands of them.
            return self.hot >= (0.35 if self.hanzi >= 80 else 0.15) * self.hanzi
        return True

    @property
    def rank(self) -> float:
        """Orders candidate decodings: common hanzi and CJK punctuation over everything
        non-ASCII, plus a bonus for the most frequent characters."""
        n = self.hanzi + self.sym + self.bad + self.other
        score = (self.common + self.sym) / n if n else 1.0
        return score + (0.3 * self.hot / self.hanzi if self.hanzi else 0.0)



# Control characters that do not occur in text (tab, newlines, VT, FF, SUB, ESC are allowed).
_BAD_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x19\x1c-\x1f\x7f]")
_BAD_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x19\x1c-\x1f\x7f]")


def _too_many(count: int, length: int) -> bool:
    return count > 2 and count > length // 100


def _looks_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    return _too_many(len(_BAD_CONTROLS.findall(text)), len(text))


def _few_replacements(count: int, length: int) -> bool:
    """A handful of undecodable sequences (a truncated last character, a stray byte)."""
    return count <= min(64, 1 + length // 1000) and count * 20 <= length


# --------------------------------------------------------------------------- decoding

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Legacy Chinese codecs to try, each with supersets that accept a few more characters.
_LEGACY_FAMILIES = (("gb18030",), ("big5", "cp950", "big5hkscs"))

_CJK_CHARSETS = {
    "gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "cp936": "gb18030",
    "ms936": "gb18030", "windows-936": "gb18030", "x-gbk": "gb18030", "euc-cn": "gb18030",
    "x-euc-cn": "gb18030", "csgb2312": "gb18030", "gb_2312-80": "gb18030", "gb_2312": "gb18030",
    "chinese": "gb18030", "iso-ir-58": "gb18030",
    "big5": "big5", "big-5": "big5", "cn-big5": "big5", "csbig5": "big5", "x-x-big5": "big5",
    "x-big5": "big5", "cp950": "big5", "big5-hkscs": "big5", "big5hkscs": "big5",
    "utf-8": "utf-8", "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8",
}
_WESTERN_CHARSETS = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "ascii", "us-ascii",
                     "windows-1252", "cp1252"}


def _decode_bom(data: bytes) -> tuple[str, str] | None:
    """(text, encoding) when ``data`` starts with a byte-order mark."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            body = data[len(bom):]
            codec = "utf-8" if enc == "utf-8-sig" else enc
            try:
                return body.decode(codec), enc
            except UnicodeDecodeError:
                if enc.startswith("utf-32"):
                    continue        # FF FE 00 00 may be UTF-16-LE followed by U+0000
                text = body.decode(codec, "replace")
                if _few_replacements(text.count("\ufffd"), len(text)):
                    return text, enc + " (lossy)"
                return None
    return None


_ASCII_TEXT = re.compile(r"[\t\n\r\x20-\x7e]")


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 text saved without a BOM (ASCII characters put NUL bytes on one parity).

    Accepted only when nearly every character is ASCII text, hanzi or CJK punctuation.
    """
    if len(data) % 2:
        return None
    best: tuple[float, str, str] | None = None
    for enc in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            continue
        prof = _Profile(text)
        if not prof.plausible(chinese=False):
            continue
        sample = text[:_SCORE_SAMPLE]
        textual = len(_ASCII_TEXT.findall(sample)) + prof.hanzi + prof.sym
        if textual < 0.95 * len(sample):
            continue
        if best is None or prof.rank > best[0]:
            best = (prof.rank, text, enc)
    return (best[1], best[2]) if best else None


def _try_legacy(
    data: bytes, families: Iterable[tuple[str, ...]], *, lossy: bool
) -> tuple[float, str, str] | None:
    """Best plausible ``(rank, text, codec)``; each family is a codec and its supersets,
    the first that decodes answers for the family.  Strict unless ``lossy``."""
    best: tuple[float, str, str] | None = None
    for names in families:
        for codec in names:
            try:
                text = data.decode(codec, "replace" if lossy else "strict")
            except UnicodeDecodeError:
                continue
            prof = _Profile(text)
            if lossy:
                new_repl = text.count("\ufffd")
                if not new_repl or not _few_replacements(new_repl, len(text)):
                    break
            if _looks_binary(text) or not prof.plausible(chinese=codec != "utf-8"):
                break
            if best is None or prof.rank > best[0] + 1e-9:
                label = codec + (" (lossy)" if lossy else "")
                best = (prof.rank, text, label)
            break
    return best


_OWN_CODECS = frozenset(
    codecs.lookup(c).name
    for c in ("gb18030", "gbk", "gb2312", "hz", "big5", "cp950", "big5hkscs", "utf-8", "utf-16", "utf-32")
)


def _charset_normalizer_guess(data: bytes) -> tuple[str, str] | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - it is a declared dependency
        return None
    matches = [m for m in from_bytes(data) if m.encoding and m.chaos <= 0.25]
    if not matches:
        return None
    # cp1252 is by far the commonest legacy single-byte encoding; charset-normalizer often
    # ranks a sibling (cp1257, cp1250) first on short texts.
    best = next((m for m in matches if m.encoding == "cp1252"), matches[0])
    try:
        name = codecs.lookup(best.encoding).name
    except LookupError:
        return None
    if name in _OWN_CODECS:
        return None         # our own scoring already judged these implausible
    text = str(best)
    if _looks_binary(text):
        return None
    prof = _Profile(text)
    if prof.replaced or not prof.plausible(chinese=False):
        return None
    return text, name


_BINARY_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Office/WPS document (OLE2, e.g. .doc); save it as .docx"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x7fELF", "an executable"),
    (b"%PDF-", "a PDF document"),
    (b"{\\rtf", "an RTF document"),
)


def _binary_reason(data: bytes) -> str:
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            return f"binary or unknown content (looks like {what})"
    return "binary or unknown content"


def decode_bytes(data: bytes, path: PathArg = "<bytes>") -> tuple[str, str]:
    """Decode the bytes of a text file: returns ``(text, encoding)``.

    Order: byte-order marks (UTF-8/16/32); NUL bytes -> UTF-16 without BOM or binary;
    strict UTF-8; strict GB18030 and Big5 ranked by plausibility (share of common hanzi,
    frequent government-document characters break ties); the same with a handful of
    undecodable bytes replaced (encoding reported as e.g. ``"utf-8 (lossy)"``); finally
    charset-normalizer's guess, checked the same way.  Raises :class:`InputError` rather than
    return mojibake.  Newlines are *not* normalised here (``read_file`` does that).  Empty
    input gives ``("", "utf-8")``; ``path`` only names the data in errors.
    """
    shown = _shown(path)
    data = bytes(data)
    if not data:
        return "", "utf-8"
    bom = _decode_bom(data)
    if bom is not None:
        text, enc = bom
        if _looks_binary(text):
            raise InputError(shown, "binary or unknown content")
        return text, enc
    if data.startswith(tuple(b for b, _ in _BOMS)):
        raise InputError(shown, "cannot determine the text encoding (invalid text after a byte-order mark)")
    if b"\x00" in data:
        found = _utf16_without_bom(data)
        if found is not None:
            return found
        raise InputError(shown, _binary_reason(data))
    if _too_many(len(_BAD_CONTROL_BYTES.findall(data)), len(data)):
        raise InputError(shown, _binary_reason(data))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if _looks_binary(text):
            raise InputError(shown, _binary_reason(data))
        return text, "utf-8"
    found = _try_legacy(data, _LEGACY_FAMILIES, lossy=False)
    if found is None:
        found = _try_legacy(data, (("utf-8",),) + _LEGACY_FAMILIES, lossy=True)
    if found is not None:
        return found[1], found[2]
    guess = _charset_normalizer_guess(data)
    if guess is not None:
        return guess
    magic = _binary_reason(data)
    if magic != "binary or unknown content":
        raise InputError(shown, magic)
    raise InputError(
        shown,
        "cannot determine the text encoding (not UTF-8/UTF-16; GB18030 and Big5 give implausible text)",
    )


# --------------------------------------------------------------------------- HTML

_META_CHARSET = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""\A\s*<\?xml\b[^>]*?encoding\s*=\s*["']([A-Za-z0-9._\-]+)""", re.IGNORECASE)
_HTML_START = re.compile(
    rb"\A\s*(?:<\?xml\b[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html\b|<head\b|<body\b|<meta\b|<title\b)",
    re.IGNORECASE | re.DOTALL,
)
_ANY_TAG = re.compile(rb"<(?:[a-zA-Z][a-zA-Z0-9]*|!--|!doctype|/[a-zA-Z])", re.IGNORECASE)
_SAVED_FROM = re.compile(r"<!--\s*saved from url=\(\d+\)\s*(\S+?)\s*-->", re.IGNORECASE)


def _declared_charset(data: bytes) -> str | None:
    head = data[:16384]
    m = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    return m.group(1).decode("ascii").lower() if m else None


def _decode_html(data: bytes, shown: str) -> tuple[str, str]:
    """Decode an HTML page: BOM, valid UTF-8, declared charset, then general detection."""
    if not data.startswith(tuple(b for b, _ in _BOMS)) and b"\x00" not in data:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
        declared = _declared_charset(data)
        if declared:
            codec = _CJK_CHARSETS.get(declared)
            if codec is not None:
                family = next((f for f in _LEGACY_FAMILIES if f[0] == codec), (codec,))
                found = _try_legacy(data, (family,), lossy=False) or _try_legacy(data, (family,), lossy=True)
                if found is not None:
                    return found[1], found[2]
            elif declared not in _WESTERN_CHARSETS:
                try:
                    name = codecs.lookup(declared).name
                    text = data.decode(name)
                except (LookupError, UnicodeDecodeError):
                    pass
                else:
                    if not _looks_binary(text) and _Profile(text).plausible(chinese=False):
                        return text, name
            # Western labels on Chinese sites are usually wrong: general detection decides.
    return decode_bytes(data, shown)


def _looks_like_html(data: bytes) -> bool:
    head = data[:4096]
    for bom, enc in _BOMS:
        if head.startswith(bom):
            head = head[len(bom):].decode(enc.replace("-sig", ""), "ignore").encode("ascii", "ignore")
            break
    return bool(_HTML_START.match(head))


# tags whose content is never text of the document
_HARD_JUNK = frozenset({
    "script", "style", "noscript", "template", "iframe", "frame", "frameset", "object", "embed",
    "svg", "math", "canvas", "video", "audio", "select", "option", "button", "textarea", "input",
    "head", "title", "map", "dialog",
})
# furniture: dropped unless (by a mis-fire) it holds most of the page's Chinese text
_SOFT_JUNK = frozenset({"nav", "header", "footer", "form", "aside", "menu"})
_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dir", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
    "h6", "header", "hgroup", "hr", "html", "legend", "li", "listing", "main", "menu", "nav", "ol",
    "p", "pre", "section", "summary", "table", "caption", "thead", "tbody", "tfoot", "tr", "ul",
    "xmp", "plaintext",
})
_CELLS = frozenset({"td", "th"})
_PRE = frozenset({"pre", "listing", "xmp", "plaintext"})
_CONTAINERS = frozenset({"div", "td", "article", "section", "main", "body", "blockquote", "center", "li", "dd"})

_WORD_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_JUNK_WORDS = frozenset({
    "nav", "navbar", "navi", "navigation", "menu", "menubar", "submenu", "footer", "foot",
    "breadcrumb", "breadcrumbs", "crumb", "crumbs", "share", "sharing", "bdshare", "social",
    "copyright", "sidebar", "toolbar", "topbar", "header", "masthead", "banner", "advert",
    "advertisement", "ads", "skip", "sitemap", "pagination", "pager", "search", "login",
    "qrcode", "weixin", "wechat", "print", "fontsize", "location", "position",
})
_JUNK_SUBSTRINGS = ("breadcrumb", "copyright", "bdshare", "sharebar", "sharebox", "footer", "navbar")
# the last word names the thing: "mainNav" is navigation, "content-footer" a footer
_STRONG_JUNK_WORDS = frozenset({"nav", "navbar", "navi", "navigation", "menu", "menubar", "submenu",
                                "footer", "breadcrumb", "breadcrumbs", "crumb", "crumbs", "share",
                                "bdshare", "copyright", "sidebar", "toolbar", "topbar", "sitemap"})
_KEEP_WORDS = frozenset({"content", "contents", "article", "main", "zoom", "text", "detail", "details",
                         "body", "title", "editor", "post", "entry"})
_CONTENT_WORDS = frozenset({"content", "contents", "article", "zoom", "main", "detail", "details",
                            "text", "editor", "post", "entry"})
_TITLE_WORDS = frozenset({"title", "tit", "headline", "heading"})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HTML_SPACE = re.compile(r"[ \t\n\r\f\v\xa0]+")
_LINE_SPACES = re.compile(r" {2,}")
_TAB_SPACES = re.compile(r" *\t *")
_INLINE_CELL_MAX = 300    # CJK characters; bigger cells are layout, not data


def _attr_word_lists(attrs: dict) -> list[list[str]]:
    """Words of the id and of each class name: ``mainNav`` -> ``["main", "nav"]``."""
    ident, cls = attrs.get("id"), attrs.get("class")
    if not ident and not cls:
        return []
    names = ([ident] if ident else []) + (cls.split() if cls else [])
    lists = ([w for w in _WORD_SPLIT.split(_CAMEL.sub(" ", n).lower()) if w] for n in names)
    return [ws for ws in lists if ws]


def _is_soft_junk(tag: str, lists: list[list[str]], words: set[str], raw: str, inside_article: bool) -> bool:
    """Page furniture by tag, or by id/class words (navigation, footers, share bars, ...)."""
    if tag in _SOFT_JUNK and not (tag == "header" and inside_article):
        return True
    if not lists:
        return False
    if any(ws[-1] in _STRONG_JUNK_WORDS for ws in lists):
        return True
    if words & _KEEP_WORDS:
        return False
    if words & _JUNK_WORDS:
        return True
    return any(sub in raw for sub in _JUNK_SUBSTRINGS)


def _cjk(s: str) -> int:
    return len(_CJK_RUN.findall(s))


class _Page:
    """One pass over the DOM: CJK counts per element, furniture, candidates, document order."""

    def __init__(self, body) -> None:
        self.count: dict[int, int] = {}       # element -> CJK characters in its subtree
        self.order: dict[int, tuple[int, int]] = {}   # element -> (pre-order index, last index inside)
        self.depth: dict[int, int] = {}
        self.nodes: dict[int, object] = {}
        self.soft: list[int] = []             # furniture candidates
        self.content: list[int] = []          # main-content candidates by tag / id / class
        self.titles: list[tuple[int, int]] = []   # (priority, element) of title-like elements
        self.direct: dict[int, int] = {}      # container -> CJK in text it holds directly
        self.hidden: list[int] = []           # display:none and [hidden] elements
        total = 0
        index = 0
        stack: list[tuple[object, bool, int]] = [(body, False, 0)]
        article_depth = 0
        enter_total: dict[int, int] = {}
        containers: list[int] = []
        while stack:
            node, leaving, depth = stack.pop()
            mid = node.mem_id
            if leaving:
                self.count[mid] = total - enter_total.pop(mid)
                start = self.order[mid][0]
                self.order[mid] = (start, index)
                if node.tag in ("article", "main"):
                    article_depth -= 1
                if node.tag in _CONTAINERS:
                    containers.pop()
                continue
            tag = node.tag
            if tag == "-text":
                n = _cjk(node.text_content or "")
                total += n
                if containers and n:
                    self.direct[containers[-1]] = self.direct.get(containers[-1], 0) + n
                continue
            if tag is None or tag.startswith("-") or tag in _HARD_JUNK:
                continue
            attrs = node.attributes
            if "hidden" in attrs or _HIDDEN_STYLE.search(attrs.get("style") or ""):
                self.hidden.append(mid)
                continue
            index += 1
            self.order[mid] = (index, index)
            self.depth[mid] = depth
            self.nodes[mid] = node
            enter_total[mid] = total
            if node is not body:
                lists = _attr_word_lists(attrs)
                words = {w for ws in lists for w in ws}
                raw = f"{attrs.get('id') or ''} {attrs.get('class') or ''}".lower() if lists else ""
                if _is_soft_junk(tag, lists, words, raw, article_depth > 0):
                    self.soft.append(mid)
                if tag in ("article", "main") or attrs.get("role") == "main" or words & _CONTENT_WORDS:
                    self.content.append(mid)
                if tag == "h1":
                    self.titles.append((0, mid))
                elif words & _TITLE_WORDS:
                    self.titles.append((1, mid))
                elif tag == "h2":
                    self.titles.append((2, mid))
            if tag in ("article", "main"):
                article_depth += 1
            if tag in _CONTAINERS:
                containers.append(mid)
            stack.append((node, True, depth))
            children = list(node.iter(include_text=True))
            for child in reversed(children):
                stack.append((child, False, depth + 1))
        self.total = total

    def outermost(self, mids: Iterable[int]) -> list[int]:
        """The elements of ``mids`` not inside another one, in document order."""
        out: list[int] = []
        end = -1
        for mid in sorted(mids, key=lambda m: self.order[m][0]):
            start, stop = self.order[mid]
            if start > end:
                out.append(mid)
                end = stop
        return out


class _Spans:
    """Is an element inside one of some disjoint subtrees?  (binary search on pre-order)"""

    def __init__(self, page: _Page, outer: list[int]) -> None:
        self.starts = [page.order[m][0] for m in outer]
        self.stops = [page.order[m][1] for m in outer]
        self.page = page

    def __contains__(self, mid: int) -> bool:
        i = bisect.bisect_right(self.starts, self.page.order[mid][0]) - 1
        return i >= 0 and self.page.order[mid][0] <= self.stops[i]


def _clean_line(line: str) -> str:
    line = _LINE_SPACES.sub(" ", line)
    line = _TAB_SPACES.sub("\t", line)
    return line.strip()


def _row_cells(row) -> list:
    return [c for c in row.iter() if c.tag in _CELLS]


def _table_rows(table) -> list:
    rows = []
    for child in table.iter():
        if child.tag == "tr":
            rows.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows.extend(c for c in child.iter() if c.tag == "tr")
    return rows


def _is_data_table(table, count: dict[int, int]) -> bool:
    """A table of data (rows of cells), as opposed to page layout done with a table."""
    rows = _table_rows(table)
    multi = [r for r in rows if len(_row_cells(r)) >= 2]
    if len(multi) >= 2:
        return True
    return len(rows) == 1 and len(multi) == 1 and all(
        count.get(c.mem_id, 0) <= 50 and c.css_first("table") is None for c in _row_cells(multi[0]))


_LEAVE, _INLINE_CELL, _BLOCK_CELL, _TABLE = 1, 2, 4, 8


def _render(root, skip: set[int], count: dict[int, int]) -> list[str]:
    """Text of ``root`` with line structure; ``skip`` holds elements to leave out.

    Blocks start and end lines (no blank line between paragraphs), ``<br>`` always ends a
    line (two give a blank line), a data-table row is one line with its cells joined by a tab
    (breaks inside such a cell become spaces); cells of layout tables are blocks.
    """
    lines: list[str] = []
    cur: list[str] = []
    inline = 0          # > 0 inside a data-table cell: breaks become spaces
    pre = 0
    tables: list[bool] = []      # per open <table>: is it a data table
    rows: list[list] = []        # per open <tr>: [cells seen, number of cells, data table]

    def soft() -> None:
        if inline:
            cur.append(" ")
            return
        line = "".join(cur)
        cur.clear()
        if line.strip():
            lines.append(line)

    def hard() -> None:
        if inline:
            cur.append(" ")
            return
        lines.append("".join(cur))
        cur.clear()

    stack: list[tuple[object, int]] = [(root, 0)]
    while stack:
        node, flags = stack.pop()
        tag = node.tag
        if flags:
            if tag in _PRE:
                pre -= 1
            if tag == "tr":
                rows.pop()
            if flags & _TABLE:
                tables.pop()
            if flags & _INLINE_CELL:
                inline -= 1
            if tag in _BLOCK or flags & _BLOCK_CELL:
                soft()
            continue
        if tag == "-text":
            s = node.text_content or ""
            if not s:
                continue
            if pre and not inline:
                parts = s.replace("\r\n", "\n").replace("\r", "\n").split("\n")
                for i, part in enumerate(parts):
                    if i:
                        hard()
                    cur.append(part.replace("\xa0", " "))
            else:
                cur.append(_HTML_SPACE.sub(" ", s))
            continue
        if tag is None or tag.startswith("-") or tag in _HARD_JUNK or node.mem_id in skip:
            continue
        if tag == "br":
            hard()
            continue
        leave = _LEAVE
        if tag in _BLOCK:
            soft()
        if tag in _PRE:
            pre += 1
        if tag == "table":
            tables.append(inline > 0 or _is_data_table(node, count))
            leave |= _TABLE
        elif tag == "tr":
            rows.append([0, len(_row_cells(node)), bool(tables and tables[-1])])
        elif tag in _CELLS:
            row = rows[-1] if rows else None
            if inline or (row is not None and row[2] and row[1] >= 2
                          and count.get(node.mem_id, 0) <= _INLINE_CELL_MAX
                          and node.css_first("table") is None):
                if row is not None and row[0]:
                    cur.append("\t")
                inline += 1
                leave |= _INLINE_CELL
            else:
                soft()
                leave |= _BLOCK_CELL
            if row is not None:
                row[0] += 1
        stack.append((node, leave))
        children = list(node.iter(include_text=True))
        for child in reversed(children):
            stack.append((child, 0))
    soft()
    out: list[str] = []
    for raw in lines:
        line = _clean_line(raw)
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return out


def _html_to_text(html: str) -> tuple[str, str | None]:
    """Document text of an HTML page and the page's URL when it records one."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    source_url = None
    m = _SAVED_FROM.search(html[:4096])
    if m and m.group(1).lower().startswith(("http://", "https://")):
        source_url = m.group(1)
    else:
        for sel, attr in (('link[rel~="canonical"]', "href"), ('meta[property="og:url"]', "content")):
            el = tree.css_first(sel)
            value = (el.attributes.get(attr) or "").strip() if el is not None else ""
            if value.lower().startswith(("http://", "https://")):
                source_url = value
                break
    body = tree.body
    if body is None:
        return "", source_url
    page = _Page(body)
    total = page.total
    skip = {mid for mid in page.soft if not (total and page.count[mid] * 2 >= total and page.count[mid] >= 50)}
    outer = page.outermost(skip)
    skipped = _Spans(page, outer)
    root = body
    title_line: str | None = None
    count = dict(page.count)     # CJK counts without the furniture, to choose the main container
    for mid in outer:
        removed = page.count[mid]
        node = page.nodes[mid].parent
        while node is not None and node.mem_id in count:
            count[node.mem_id] -= removed
            node = node.parent
    kept_total = count[body.mem_id]

    if kept_total >= 60:
        candidates = [mid for mid in page.content if mid not in skipped]
        if page.direct:
            dense = max(page.direct, key=lambda k: page.direct[k])
            if dense != body.mem_id and dense not in skipped:
                candidates.append(dense)
        core = None
        for mid in candidates:
            if count[mid] >= 0.6 * kept_total and (core is None or page.depth[mid] > page.depth[core]):
                core = mid
        if core is not None:
            # widen to the ancestor that adds only a little (title, date, document number)
            node = page.nodes[core]
            limit = count[core] * 1.05 + 30
            parent = node.parent
            while parent is not None and parent.mem_id in count and parent.mem_id != body.mem_id \
                    and count[parent.mem_id] <= limit:
                node = parent
                parent = node.parent
            root = node
            rid = root.mem_id
            preceding = [
                (prio, mid) for prio, mid in page.titles
                if page.order[mid][1] < page.order[rid][0] and mid not in skipped
            ]
            if preceding:
                best_prio = min(p for p, _ in preceding)
                mid = max((m for p, m in preceding if p == best_prio), key=lambda m: page.order[m][0])
                t = _clean_line(_HTML_SPACE.sub(" ", page.nodes[mid].text(deep=True, separator=" ") or ""))
                if 2 <= len(t) <= 200 and _cjk(t):
                    title_line = t
    lines = _render(root, set(outer) | set(page.hidden), count)
    if title_line and not any(title_line.replace(" ", "") in l.replace(" ", "") for l in lines[:8]):
        lines.insert(0, title_line)
    return "\n".join(lines), source_url


# --------------------------------------------------------------------------- docx

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _docx_lines(container, doc) -> list[str]:
    from docx.text.paragraph import Paragraph

    out: list[str] = []
    for el in container.iterchildren():
        tag = el.tag
        if tag == _W + "p":
            out.append(Paragraph(el, doc).text)
        elif tag == _W + "tbl":
            out.extend(_docx_table_lines(el, doc))
        elif tag in (_W + "sdt", _W + "customXml"):
            inner = el.find(_W + "sdtContent") if tag == _W + "sdt" else el
            if inner is not None:
                out.extend(_docx_lines(inner, doc))
    return out


def _docx_cells(row) -> list:
    cells = []
    for el in row.iterchildren():
        if el.tag == _W + "tc":
            cells.append(el)
        elif el.tag in (_W + "sdt", _W + "customXml"):
            inner = el.find(_W + "sdtContent") if el.tag == _W + "sdt" else el
            if inner is not None:
                cells.extend(_docx_cells(inner))
    return cells


def _docx_table_lines(tbl, doc) -> list[str]:
    out: list[str] = []
    rows = [el for el in tbl.iterchildren() if el.tag == _W + "tr"]
    for row in rows:
        cells = _docx_cells(row)
        if len(cells) == 1:          # a one-cell row is layout: keep its lines
            out.extend(_docx_lines(cells[0], doc))
        elif cells:
            texts = [" ".join(l.strip() for l in _docx_lines(c, doc) if l.strip()) for c in cells]
            out.append("\t".join(texts).rstrip("\t"))
    return out


def _docx_text(data: bytes, shown: str, max_bytes: int) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
            raise InputError(shown, "not a valid .docx: it is a legacy .doc/.wps file (OLE2); save it as .docx") from None
        raise InputError(shown, "not a valid .docx: not a ZIP archive") from None
    with archive:
        try:
            info = archive.getinfo("word/document.xml")
        except KeyError:
            raise InputError(shown, "not a valid .docx: no word/document.xml in the archive") from None
        if info.file_size > 10 * max_bytes:
            raise InputError(shown, f"larger than the limit of {max_bytes} bytes once unpacked "
                                    f"(word/document.xml has {info.file_size} bytes)")
    try:
        import docx

        document = docx.Document(io.BytesIO(data))
        lines = _docx_lines(document.element.body, document)
    except InputError:
        raise
    except Exception as exc:  # python-docx/lxml raise many types on broken packages
        raise InputError(shown, f"not a valid .docx: {type(exc).__name__}: {exc}") from None
    out: list[str] = []
    for line in lines:
        if not line.strip():
            line = ""
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


# --------------------------------------------------------------------------- pdf


@contextlib.contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    """pypdf logs a warning for every oddity of a broken file; we raise our own error."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _pdf_text(data: bytes, shown: str) -> str:
    from pypdf import PdfReader

    with _quiet("pypdf"):
        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                try:
                    ok = reader.decrypt("")
                except Exception as exc:
                    raise InputError(shown, f"encrypted PDF (cannot decrypt: {exc})") from None
                if not ok:
                    raise InputError(shown, "encrypted PDF (password required)")
            texts = [(page.extract_text() or "") for page in reader.pages]
        except InputError:
            raise
        except Exception as exc:  # pypdf raises many types on broken files
            raise InputError(shown, f"not a valid .pdf: {type(exc).__name__}: {exc}") from None
    if not texts:
        raise InputError(shown, "not a valid .pdf: it has no pages")
    if not any(t.strip() for t in texts):
        raise InputError(shown, "no text layer (scanned?)")
    return "\n".join(texts)


# --------------------------------------------------------------------------- files

_EXTENSION = re.compile(r"\.[a-z0-9]{1,10}")


def _suffix(shown: str) -> str:
    """Lower-case extension, or "" when the name has none (``关于…(2023.5.1)`` has none)."""
    name = os.path.basename(shown.rstrip("/\\"))
    suffix = Path(name).suffix.lower()
    if not _EXTENSION.fullmatch(suffix) or suffix[1:].isdigit():
        return ""
    return suffix


def _read_bytes(path: object, shown: str, max_bytes: int) -> tuple[bytes, str]:
    fs = os.fspath(path) if isinstance(path, (str, bytes, os.PathLike)) else str(path)
    if fs in ("", b""):
        raise InputError(shown, "file not found (empty path)")
    try:
        st = os.stat(fs)
    except FileNotFoundError:
        if os.path.islink(fs):
            try:
                target = os.fsdecode(os.readlink(fs))
            except OSError:
                target = "?"
            raise InputError(shown, f"broken symbolic link (points to {target})") from None
        raise InputError(shown, "file not found") from None
    except NotADirectoryError:
        raise InputError(shown, "file not found (a parent is not a folder)") from None
    except PermissionError:
        raise InputError(shown, "permission denied") from None
    except OSError as exc:
        raise InputError(shown, f"cannot access: {exc.strerror or exc}") from None
    except ValueError:          # a NUL character in the path
        raise InputError(shown, "file not found (invalid path)") from None
    if stat.S_ISDIR(st.st_mode):
        if not os.access(fs, os.R_OK | os.X_OK):
            raise InputError(shown, "is a directory (permission denied)")
        raise InputError(shown, "is a directory")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(shown, "not a regular file")
    suffix = _suffix(shown)
    if suffix and suffix not in SUPPORTED_SUFFIXES:
        hint = _UNSUPPORTED_HINTS.get(suffix)
        raise InputError(shown, f"unsupported file type {suffix}" + (f" ({hint})" if hint else ""))
    if st.st_size > max_bytes:
        raise InputError(shown, f"larger than the limit of {max_bytes} bytes ({st.st_size} bytes)")
    try:
        with open(fs, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except PermissionError:
        raise InputError(shown, "permission denied") from None
    except OSError as exc:
        raise InputError(shown, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise InputError(shown, f"larger than the limit of {max_bytes} bytes")
    if not data:
        raise InputError(shown, "empty file")
    return data, suffix


def _sniff(data: bytes) -> str:
    """Format of a file whose name does not settle it: pdf, docx, html or text."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                if "word/document.xml" in z.namelist():
                    return "docx"
        except zipfile.BadZipFile:
            pass
        return "binary"
    if _looks_like_html(data):
        return "html"
    return "text"


def _empty_check(shown: str, text: str, what: str) -> None:
    if not text.strip():
        raise InputError(shown, what)


def read_file(path: PathArg, *, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceText:
    """Read one document (text, HTML, .docx, .pdf) into a :class:`SourceText`.

    ``path`` is reported exactly as given.  Raises :class:`InputError` (never anything else
    for a bad file) when the file is missing, a directory, a broken link, unreadable, empty,
    binary, over ``max_bytes``, of an unsupported type, corrupt, or a PDF without text.
    """
    if not isinstance(max_bytes, int) or max_bytes < 1:
        raise ValueError(f"max_bytes must be a positive integer, not {max_bytes!r}")
    shown = _shown(path)
    data, suffix = _read_bytes(path, shown, max_bytes)
    if suffix == ".docx":
        kind = "docx"
    elif suffix == ".pdf":
        kind = "pdf"
    elif suffix in HTML_SUFFIXES:
        kind = _sniff(data)
        if kind == "text" and _ANY_TAG.search(data[:65536]):
            kind = "html"
    else:
        kind = _sniff(data)
    if kind == "binary":
        raise InputError(shown, _binary_reason(data))
    if suffix in (".docx", ".pdf") and _looks_like_html(data):
        # a web server's error page saved under the document's name
        raise InputError(shown, f"not a valid {suffix}: it is an HTML page (a failed download?)")
    if kind == "docx":
        text = _docx_text(data, shown, max_bytes)
        _empty_check(shown, text, "no text in the document")
        return _finish(shown, text, "docx", "docx")
    if kind == "pdf":
        if suffix == ".pdf" and b"%PDF-" not in data[:1024]:
            raise InputError(shown, "not a valid .pdf: no %PDF header")
        text = _pdf_text(data, shown)
        return _finish(shown, text, "pdf", "pdf")
    if kind == "html":
        html, enc = _decode_html(data, shown)
        text, url = _html_to_text(html)
        _empty_check(shown, text, "no text in the HTML page")
        return _finish(shown, text, "html+" + enc, "html", url)
    text, enc = decode_bytes(data, shown)
    _empty_check(shown, text, "empty file" if not text else "empty file (only whitespace)")
    return _finish(shown, text, enc, "text")


def read_text(text: str, path: PathArg = "<text>") -> SourceText:
    """A :class:`SourceText` from a string (tests, notebooks).  Never fails on any ``str``;
    the text is kept as is apart from newline normalisation."""
    if not isinstance(text, str):
        raise TypeError(f"read_text() needs a str, not {type(text).__name__}; use decode_bytes() for bytes")
    return _finish(_shown(path), text, "unicode", "text")


# --------------------------------------------------------------------------- folders


def _compile_globs(patterns: Iterable[str] | str) -> list[re.Pattern[str]]:
    if isinstance(patterns, str):
        patterns = (patterns,)
    out = []
    for p in patterns:
        p = p.replace("\\", "/")
        while p.startswith("./"):
            p = p[2:]
        out.append(re.compile(fnmatch.translate(p.rstrip("/") or p)))
    return out


def _matches(globs: list[re.Pattern[str]], rel: str, name: str) -> bool:
    return any(g.match(rel) or g.match(name) for g in globs)


def iter_files(
    paths: Iterable[PathArg] | PathArg,
    include: Iterable[str] = ("*",),
    exclude: Iterable[str] = (),
    recursive: bool = True,
    *,
    skip_hidden: bool = True,
    only_supported: bool = False,
) -> Iterator[Path]:
    """Files to read: folders are expanded (recursively, in sorted order), other paths are
    yielded as they are so that :func:`read_file` reports missing ones.

    ``include``/``exclude`` are fnmatch-style globs (case-sensitive) tried against both the
    path relative to the folder given (``sub/a.txt``) and the file name; they apply to files
    found in folders, and ``exclude`` also prunes sub-folders.  Broken symbolic links are
    yielded (``read_file`` names them); sockets, FIFOs and devices are not.  Hidden entries
    (``.git``) are skipped unless ``skip_hidden`` is false.  ``only_supported`` leaves out
    files in folders whose extension :func:`read_file` rejects (``.json``, ``.png``); by
    default they are yielded so that the caller reports them.  Symlinked folders are
    followed, loops are not.  A path is yielded once.
    """
    if isinstance(paths, (str, bytes, os.PathLike)):
        paths = [paths]
    inc = _compile_globs(include)
    exc = _compile_globs(exclude)
    seen: set[str] = set()

    def once(p: Path) -> bool:
        key = os.path.normcase(os.path.abspath(p))
        if key in seen:
            return False
        seen.add(key)
        return True

    def walk(folder: Path, rel: str, ancestors: frozenset[str]) -> Iterator[Path]:
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            if once(folder):
                yield folder          # read_file reports "is a directory (permission denied)"
            return
        for entry in entries:
            name = entry.name
            if skip_hidden and name.startswith("."):
                continue
            relpath = rel + name
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError:
                is_dir = False
            if is_dir:
                if not recursive or _matches(exc, relpath, name):
                    continue
                real = os.path.realpath(entry.path)
                if real in ancestors:
                    continue
                yield from walk(folder / name, relpath + "/", ancestors | {real})
                continue
            try:
                regular = entry.is_file(follow_symlinks=True)
                broken = entry.is_symlink() and not os.path.exists(entry.path)
            except OSError:
                regular, broken = False, entry.is_symlink()
            if not (regular or broken):
                continue
            if not _matches(inc, relpath, name) or _matches(exc, relpath, name):
                continue
            if only_supported and _suffix(name) not in SUPPORTED_SUFFIXES and _suffix(name):
                continue
            p = folder / name
            if once(p):
                yield p

    for given in paths:
        p = Path(os.fsdecode(given)) if isinstance(given, bytes) else Path(given)
        if p.is_dir():
            yield from walk(p, "", frozenset({os.path.realpath(p)}))
        elif once(p):
            yield p
